"""Edges between the models of one file, from what their outputs reach (bindings.py says what each
expression holds).

- A value derived from model A passed to a call of model B (``B(x)``, ``B.generate(x)``) is a
  candidate A -> B. It is a *post-processing* edge when B filters, re-ranks or restores (a safety
  checker, a reranker, an upscaler), an *evaluation* edge B -> A when B's output reaches no other model
  and the code scores with it (names of B, of the function, of the file, of what B's result is
  assigned to), else a *feature-handoff*: hierarchical inside a ``forward``, parallel when outputs of
  several models enter the one call, else sequential.
- A loss derived from several models that is ``.backward()``-ed (or differentiated with
  ``torch.autograd.grad``) makes *feedback-guidance* edges from each guide (frozen, or not trained by
  the optimizer) to the model the gradient trains or steers.

No edge joins a model to itself, nor two loads of one repo (a model and its own tokenizer).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..check.loads import Load
from ..check.values import source_text
from ..taxonomy import EVALUATION, FEATURE_HANDOFF, FEEDBACK_GUIDANCE, POST_PROCESSING
from . import InferredEdge, Site
from .bindings import NOT_OUTPUT, SAME_MODEL_METHODS, CallSite, Held, ModelBindings

# Models that filter, re-rank or restore another's output before it is returned.
_POST_PROCESSOR = re.compile(
    r"safety|nsfw|rerank|cross_?encoder|upscal|super_?res|restor|esrgan|gfpgan|codeformer|refiner"
    r"|watermark|moderat|censor|detox|face_?enhanc|sr_?model|denois",
    re.IGNORECASE,
)
# Models, functions, files and results that score another model's output.
_EVALUATOR = re.compile(
    r"score|judge|reward|critic|metric|evaluat|\bfid\b|_fid|fid_|inception|lpips|aesthetic|quality|rating"
    r"|similarit|benchmark",
    re.IGNORECASE,
)
_EVALUATION_CONTEXT = re.compile(
    r"(?:^|_)(?:eval|evaluate|evaluation|test|valid|validate|validation|metrics?|bench)", re.IGNORECASE
)
_PREPROCESSING_CONTEXT = re.compile(
    r"(?:^|_)(?:preprocess|prepare|build_dataset|make_dataset|data_prep|annotate|caption|label)",
    re.IGNORECASE,
)
# Optimizers and trainers: the models whose parameters they are given are the ones trained.
_OPTIMIZER = re.compile(r"optim|adam|sgd|rmsprop|lion|adafactor|lamb|trainer", re.IGNORECASE)
_PARAMETERS = frozenset({"parameters", "named_parameters"})
_FORWARD = frozenset({"forward", "__call__", "call"})
_TEXT = 100


@dataclass
class _Candidate:
    source: Load
    target: Load
    site: CallSite
    sources: int  # how many models' outputs enter the call


class _FileEdges:
    def __init__(self, bindings: ModelBindings, path: str) -> None:
        self.b = bindings
        self.path = path
        self.trained: set[Load] = set()
        self.frozen: set[Load] = set()
        self.training_owners: set[int] = set()  # functions (or the module) that run a training step
        self._consumers: dict[int, frozenset[Load]] = {}

    def held(self, expr: ast.expr, site: CallSite) -> Held:
        return self.b.held(expr, site.scope)

    # -- what the code says of training ---------------------------------------------------------------

    def read_training(self) -> None:
        """Which models the optimizers train, which are frozen, which functions train."""
        for site in self.b.sites:
            call, func = site.call, site.call.func
            name = _called_name(call)
            if _OPTIMIZER.search(name):
                for arg in [*call.args, *(k.value for k in call.keywords)]:
                    for part in ast.walk(arg):
                        if isinstance(part, ast.Attribute) and part.attr in _PARAMETERS:
                            self.trained |= self.held(part.value, site).models
                        elif isinstance(part, (ast.Name, ast.Attribute)):
                            self.trained |= self.held(part, site).models
            if not isinstance(func, ast.Attribute):
                continue
            receiver_text = source_text(func.value).lower()
            if (
                func.attr == "backward"
                or (func.attr == "step" and "optim" in receiver_text)
                or (func.attr == "train" and "trainer" in receiver_text)
            ):
                self.training_owners.add(id(site.owner))
            if func.attr in ("train", "eval", "requires_grad_") or func.attr in _PARAMETERS:
                receiver = self.held(func.value, site).models
                if func.attr == "train" and not _false(call):
                    self.trained |= receiver
                elif func.attr == "eval" or (func.attr == "requires_grad_" and _false(call)):
                    self.frozen |= receiver
                elif func.attr in _PARAMETERS:
                    self._frozen_parameters(site, receiver)

    def _frozen_parameters(self, site: CallSite, models: frozenset[Load]) -> None:
        """``for p in m.parameters(): p.requires_grad = False``."""
        loop = site.statement
        if not models or not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name):
            return
        for stmt in ast.walk(loop):
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Constant)
                and stmt.value.value is False
                and any(
                    isinstance(t, ast.Attribute)
                    and t.attr == "requires_grad"
                    and source_text(t.value) == loop.target.id
                    for t in stmt.targets
                )
            ):
                self.frozen |= models

    def trains(self, owner: ast.AST) -> bool:
        """Whether a function (or the module) runs a training step: backward, an optimizer's step."""
        return id(owner) in self.training_owners

    # -- edges ---------------------------------------------------------------------------------------

    def consumers(self, site: CallSite) -> frozenset[Load]:
        """The models a call runs: ``B(x)``, ``B.generate(x)``, ``self.B.encode(x)``."""
        known = self._consumers.get(id(site.call))
        if known is None:
            known = self._consumers[id(site.call)] = self._run_models(site)
        return known

    def _run_models(self, site: CallSite) -> frozenset[Load]:
        func = site.call.func
        if isinstance(func, ast.Attribute):
            if func.attr in SAME_MODEL_METHODS or func.attr in NOT_OUTPUT:
                return frozenset()
            receiver = self.held(func.value, site)
            if receiver.models:
                return receiver.models
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self.held(func, site).models
        return frozenset()

    def inputs(self, site: CallSite) -> frozenset[Load]:
        call = site.call
        return frozenset().union(
            *(self.held(a, site).derived for a in [*call.args, *(k.value for k in call.keywords)])
        )

    def candidates(self) -> Iterator[_Candidate]:
        for site in self.b.sites:
            targets = self.consumers(site)
            if not targets:
                continue
            given = self.inputs(site)
            for target in targets:
                sources = [s for s in given if not _same_model(s, target)]
                for source in sources:
                    yield _Candidate(source, target, site, len(sources))

    def feedback(self) -> Iterator[tuple[Load, Load, CallSite, bool | None]]:
        """(guide, guided, where, guide frozen) for each loss several models' outputs enter."""
        for site in self.b.sites:
            call, func = site.call, site.call.func
            name = _called_name(call)
            if name == "backward":
                # loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss)
                parts = [*call.args[:1], *([func.value] if isinstance(func, ast.Attribute) else [])]
                models = frozenset().union(*(self.held(p, site).derived for p in parts))
                yield from self._guides(models, site)
            elif name == "grad" and "autograd" in source_text(func) and len(call.args) >= 2:
                loss = self.held(call.args[0], site).derived
                steered = self.held(call.args[1], site).derived
                # The loop carries the guide's gradient into what it steers: the guide is the loss's.
                for guide in loss:
                    for guided in steered - loss:
                        if not _same_model(guide, guided):
                            yield guide, guided, site, self._frozen(guide)

    def _guides(
        self, models: frozenset[Load], site: CallSite
    ) -> Iterator[tuple[Load, Load, CallSite, bool | None]]:
        if len(models) < 2:
            return
        trained = models & self.trained
        if not trained or trained == models:
            trained = models - self.frozen
        if not trained or trained == models:
            return
        for guide in models - trained:
            for guided in trained:
                if not _same_model(guide, guided):
                    yield guide, guided, site, self._frozen(guide)

    def _frozen(self, guide: Load) -> bool | None:
        """Whether the code says a guide is frozen: eval(), requires_grad off, left out of the
        optimizers, run without gradients."""
        if guide in self.frozen:
            return True
        if self.trained:
            return guide not in self.trained
        if any(site.grad_free for site in self.b.sites if guide in self.consumers(site)):
            return True
        return None

    # -- what is said around a call -------------------------------------------------------------------

    def site(self, site: CallSite) -> Site:
        line = site.statement.lineno if site.statement is not None else site.call.lineno
        return Site(self.path, line, source_text(site.call, _TEXT))

    def context_names(self, owner: ast.AST) -> str:
        """The names that say what a function is for: its own, its class's, the file's."""
        names = [os.path.splitext(os.path.basename(self.path))[0]]
        if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(owner.name)
        return " ".join(names)

    def stage(self, owner: ast.AST) -> str:
        if self.trains(owner):
            return "fine-tuning"
        names = self.context_names(owner).split()
        if any(_EVALUATION_CONTEXT.search(n) for n in names):
            return "evaluation"
        if any(_PREPROCESSING_CONTEXT.search(n) for n in names):
            return "preprocessing"
        return "inference"

    def assigned(self, site: CallSite) -> str:
        """What a call's result is assigned to, as written."""
        stmt = site.statement
        if isinstance(stmt, ast.Assign):
            return " ".join(source_text(t) for t in stmt.targets)
        if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            return source_text(stmt.target)
        return ""


def find_edges(bindings: ModelBindings, path: str) -> list[InferredEdge]:
    """The edges between the models of one file; ``path`` is how evidence names the file."""
    edges = _FileEdges(bindings, path)
    edges.read_training()
    found: list[InferredEdge] = []
    guided: set[frozenset[Load]] = set()
    for guide, target, site, frozen in edges.feedback():
        stage = edges.stage(site.owner)
        found.append(InferredEdge(guide, target, FEEDBACK_GUIDANCE, None, stage, (edges.site(site),), frozen))
        guided.add(frozenset((guide, target)))
    candidates = [c for c in edges.candidates() if frozenset((c.source, c.target)) not in guided]
    feeds: dict[Load, set[Load]] = {}
    for candidate in candidates:
        feeds.setdefault(candidate.source, set()).add(candidate.target)
    for candidate in candidates:
        found.append(_classify(candidate, edges, feeds))
    return found


def _classify(candidate: _Candidate, edges: _FileEdges, feeds: dict[Load, set[Load]]) -> InferredEdge:
    source, target, where = candidate.source, candidate.target, candidate.site
    owner = where.owner
    site = (edges.site(where),)
    target_names = f"{source_text(where.call.func)} {target.call}"
    if _POST_PROCESSOR.search(target_names) or target.api == "CrossEncoder":
        return InferredEdge(source, target, POST_PROCESSING, None, edges.stage(owner), site)
    terminal = not feeds.get(target)
    context = edges.context_names(owner)
    scoring = (
        _EVALUATOR.search(target_names)
        or _EVALUATOR.search(edges.assigned(where))
        or _EVALUATOR.search(context)
        or _EVALUATION_CONTEXT.search(context)
    )
    if terminal and scoring and not edges.trains(owner):
        return InferredEdge(target, source, EVALUATION, None, "evaluation", site)
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and owner.name in _FORWARD:
        mode = "hierarchical"
    elif candidate.sources > 1:
        mode = "parallel"
    else:
        mode = "sequential"
    return InferredEdge(source, target, FEATURE_HANDOFF, mode, edges.stage(owner), site)


def _same_model(first: Load, second: Load) -> bool:
    """One model, or two loads of one repo (a model and its own tokenizer or processor)."""
    if first == second:
        return True
    one, other = first.pin.repo or first.pin.model, second.pin.repo or second.pin.model
    return one is not None and one == other


def _false(call: ast.Call) -> bool:
    """Whether a call's first argument (or mode=/requires_grad=) is the literal False."""
    given = call.args[0] if call.args else next((k.value for k in call.keywords), None)
    return isinstance(given, ast.Constant) and given.value is False


def _called_name(call: ast.Call) -> str:
    """The last name of a call's callee: ``backward`` of ``loss.backward()``."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
