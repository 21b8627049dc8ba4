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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..check.loads import Load
from ..check.values import source_text
from ..taxonomy import EVALUATION, FEATURE_HANDOFF, FEEDBACK_GUIDANCE, POST_PROCESSING
from . import InferredEdge, Site
from .bindings import NOT_OUTPUT, SAME_MODEL_METHODS, Held, ModelBindings

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
_GRAD_FREE = frozenset({"no_grad", "inference_mode"})
_FORWARD = frozenset({"forward", "__call__", "call"})
_TEXT = 100


@dataclass
class _Candidate:
    source: Load
    target: Load
    call: ast.Call
    owner: ast.AST
    sources: int  # how many models' outputs enter the call


class _FileEdges:
    def __init__(self, bindings: ModelBindings, path: str) -> None:
        self.b = bindings
        self.path = path
        self.statement: dict[int, ast.stmt] = {}
        for stmt in ast.walk(bindings.tree):
            if isinstance(stmt, ast.stmt):
                for node in _header_nodes(stmt):
                    self.statement[id(node)] = stmt
        self.calls = [(node, scope) for node, scope in bindings.walk() if isinstance(node, ast.Call)]
        self.trained: set[Load] = set()
        self.frozen: set[Load] = set()
        self.grad_free_calls: set[int] = set()
        self._training: dict[int, bool] = {}

    def held(self, expr: ast.expr, node: ast.AST) -> Held:
        return self.b.held(expr, self.b.scope_of(node))

    # -- what the code says of training ---------------------------------------------------------------

    def read_training(self) -> None:
        """Which models the optimizers train, which are frozen, which calls run without gradients."""
        for call, _ in self.calls:
            func = call.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if _OPTIMIZER.search(name):
                for arg in [*call.args, *(k.value for k in call.keywords)]:
                    for part in ast.walk(arg):
                        if isinstance(part, ast.Attribute) and part.attr in (
                            "parameters",
                            "named_parameters",
                        ):
                            self.trained |= self.held(part.value, call).models
                        elif isinstance(part, (ast.Name, ast.Attribute)):
                            self.trained |= self.held(part, call).models
            if isinstance(func, ast.Attribute):
                receiver = self.held(func.value, call).models
                if func.attr == "train" and not _false(call):
                    self.trained |= receiver
                elif func.attr == "eval" or (func.attr == "requires_grad_" and _false(call)):
                    self.frozen |= receiver
                elif func.attr in ("parameters", "named_parameters"):
                    self._frozen_parameters(call, receiver)
        for node in ast.walk(self.b.tree):
            if (
                isinstance(node, (ast.With, ast.AsyncWith))
                and any(_grad_free(i.context_expr) for i in node.items)
            ) or (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and any(_grad_free(d) for d in node.decorator_list)
            ):
                self._mark_grad_free(node.body)

    def _frozen_parameters(self, call: ast.Call, models: frozenset[Load]) -> None:
        """``for p in m.parameters(): p.requires_grad = False``."""
        loop = self.statement.get(id(call))
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

    def _mark_grad_free(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    self.grad_free_calls.add(id(node))

    def trains(self, owner: ast.AST) -> bool:
        """Whether a function (or the module) runs a training step: backward, an optimizer's step."""
        known = self._training.get(id(owner))
        if known is None:
            known = self._training[id(owner)] = any(
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (
                    node.func.attr == "backward"
                    or (node.func.attr == "step" and "optim" in source_text(node.func.value).lower())
                    or (node.func.attr == "train" and "trainer" in source_text(node.func.value).lower())
                )
                for node in _own_nodes(owner)
            )
        return known

    # -- edges ---------------------------------------------------------------------------------------

    def consumers(self, call: ast.Call) -> frozenset[Load]:
        """The models a call runs: ``B(x)``, ``B.generate(x)``, ``self.B.encode(x)``."""
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in SAME_MODEL_METHODS or func.attr in NOT_OUTPUT:
                return frozenset()
            receiver = self.held(func.value, call)
            if receiver.models:
                return receiver.models
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self.held(func, call).models
        return frozenset()

    def inputs(self, call: ast.Call) -> frozenset[Load]:
        found: set[Load] = set()
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            found |= self.held(arg, call).derived
        return frozenset(found)

    def candidates(self) -> Iterator[_Candidate]:
        for call, _ in self.calls:
            targets = self.consumers(call)
            if not targets:
                continue
            given = self.inputs(call)
            for target in targets:
                sources = [s for s in given if not _same_model(s, target)]
                for source in sources:
                    yield _Candidate(source, target, call, self.b.owner_of(call), len(sources))

    def feedback(self) -> Iterator[tuple[Load, Load, ast.Call, bool | None]]:
        """(guide, guided, where, guide frozen) for each loss several models' outputs enter."""
        for call, _ in self.calls:
            func = call.func
            if not isinstance(func, (ast.Attribute, ast.Name)):
                continue
            name = func.attr if isinstance(func, ast.Attribute) else func.id
            if name == "backward":
                # loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss)
                parts = [*call.args[:1], *([func.value] if isinstance(func, ast.Attribute) else [])]
                models = frozenset().union(*(self.held(p, call).derived for p in parts))
                yield from self._guides(models, call)
            elif name == "grad" and "autograd" in source_text(func) and len(call.args) >= 2:
                loss = self.held(call.args[0], call).derived
                steered = self.held(call.args[1], call).derived
                # The loop carries the guide's gradient into what it steers: the guide is the loss's.
                for guide in loss:
                    for guided in steered - loss:
                        if not _same_model(guide, guided):
                            yield guide, guided, call, self._frozen(guide)

    def _guides(
        self, models: frozenset[Load], call: ast.Call
    ) -> Iterator[tuple[Load, Load, ast.Call, bool | None]]:
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
                    yield guide, guided, call, self._frozen(guide)

    def _frozen(self, guide: Load) -> bool | None:
        """Whether the code says a guide is frozen: eval(), requires_grad off, left out of the
        optimizers, run without gradients."""
        if guide in self.frozen:
            return True
        if self.trained:
            return guide not in self.trained
        if any(id(call) in self.grad_free_calls for call in self._calls_of(guide)):
            return True
        return None

    def _calls_of(self, model: Load) -> Iterator[ast.Call]:
        for call, _ in self.calls:
            if model in self.consumers(call):
                yield call

    # -- what is said around a call -------------------------------------------------------------------

    def site(self, call: ast.Call) -> Site:
        stmt = self.statement.get(id(call))
        line = stmt.lineno if stmt is not None else call.lineno
        return Site(self.path, line, source_text(call, _TEXT))

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

    def assigned(self, call: ast.Call) -> str:
        """What a call's result is assigned to, as written."""
        stmt = self.statement.get(id(call))
        if isinstance(stmt, ast.Assign):
            return " ".join(source_text(t) for t in stmt.targets)
        if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            return source_text(stmt.target)
        return ""

    def called_as(self, call: ast.Call) -> str:
        return source_text(call.func)


def find_edges(bindings: ModelBindings, path: str) -> list[InferredEdge]:
    """The edges between the models of one file; ``path`` is how evidence names the file."""
    edges = _FileEdges(bindings, path)
    edges.read_training()
    found: list[InferredEdge] = []
    guided: set[frozenset[Load]] = set()
    for guide, target, call, frozen in edges.feedback():
        owner = bindings.owner_of(call)
        stage = edges.stage(owner)
        found.append(InferredEdge(guide, target, FEEDBACK_GUIDANCE, None, stage, (edges.site(call),), frozen))
        guided.add(frozenset((guide, target)))
    candidates = [c for c in edges.candidates() if frozenset((c.source, c.target)) not in guided]
    feeds: dict[Load, set[Load]] = {}
    for candidate in candidates:
        feeds.setdefault(candidate.source, set()).add(candidate.target)
    for candidate in candidates:
        found.append(_classify(candidate, edges, feeds))
    return found


def _classify(candidate: _Candidate, edges: _FileEdges, feeds: dict[Load, set[Load]]) -> InferredEdge:
    source, target, call = candidate.source, candidate.target, candidate.call
    site = (edges.site(call),)
    called = edges.called_as(call)
    target_names = f"{called} {target.call}"
    if _POST_PROCESSOR.search(target_names) or target.api == "CrossEncoder":
        return InferredEdge(source, target, POST_PROCESSING, None, edges.stage(candidate.owner), site)
    terminal = not feeds.get(target)
    context = edges.context_names(candidate.owner)
    scoring = (
        _EVALUATOR.search(target_names)
        or _EVALUATOR.search(edges.assigned(call))
        or _EVALUATOR.search(context)
        or _EVALUATION_CONTEXT.search(context)
    )
    if terminal and scoring and not edges.trains(candidate.owner):
        return InferredEdge(target, source, EVALUATION, None, "evaluation", site)
    if (
        isinstance(candidate.owner, (ast.FunctionDef, ast.AsyncFunctionDef))
        and candidate.owner.name in _FORWARD
    ):
        mode = "hierarchical"
    elif candidate.sources > 1:
        mode = "parallel"
    else:
        mode = "sequential"
    return InferredEdge(source, target, FEATURE_HANDOFF, mode, edges.stage(candidate.owner), site)


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


def _grad_free(expr: ast.expr) -> bool:
    """torch.no_grad(), torch.inference_mode(), @torch.no_grad."""
    node = expr.func if isinstance(expr, ast.Call) else expr
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name in _GRAD_FREE


def _header_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a statement outside its nested blocks of statements."""
    stack: list[ast.AST] = [
        child
        for name, child in ast.iter_fields(stmt)
        if name not in ("body", "orelse", "finalbody", "handlers", "cases")
        for child in (child if isinstance(child, list) else [child])
        if isinstance(child, ast.AST)
    ]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _own_nodes(owner: ast.AST) -> Iterable[ast.AST]:
    """The nodes of a function's (or the module's) body, not of functions defined in it."""
    stack = list(getattr(owner, "body", ()))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
