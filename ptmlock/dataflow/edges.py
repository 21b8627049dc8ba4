"""Edges between the models of one file, from what their outputs reach (bindings.py says what each
expression holds).

- A value derived from model A passed to a call of model B (``B(x)``, ``B.generate(x)``) is a
  candidate A -> B. It is a *post-processing* edge when B's results order, pick or gate A's output
  (a re-rank, best-of-n, a filter) or B filters, re-ranks or restores by name (a safety checker, a
  reranker, an upscaler) and its results are not only logged or averaged; an *evaluation* edge A -> B
  when B's output reaches no other model and no loss, and the code scores with it (names of B, of the
  function, of the file, of what B's result is assigned to; a metric B's result enters), else a
  *feature-handoff*: hierarchical inside a ``forward``, parallel when outputs of several models enter
  the one call, else sequential.
- A loss derived from several models that is ``.backward()``-ed (or differentiated with
  ``torch.autograd.grad``) makes *feedback-guidance* edges from each guide (frozen, or not trained by
  the optimizer) to the model the gradient trains or steers; a scorer whose score of a trained model's
  output is the loss guides that model.

No edge joins a model to itself, nor two loads of one repo (a model and its own tokenizer).
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..check.loads import Load
from ..check.values import ALL_BINDINGS, Scope, nested_statements, reaching_bindings, source_text
from ..taxonomy import EVALUATION, FEATURE_HANDOFF, FEEDBACK_GUIDANCE, POST_PROCESSING
from . import InferredEdge, Site
from .bindings import (
    DECODERS,
    PREPROCESSING_CONTEXT,
    CallSite,
    Followed,
    Held,
    ModelBindings,
    method_named,
    reads,
    returned_values,
    returns_latents,
)

# A function computing a loss, by its name: get_distil_loss, compute_loss.
_LOSS_HELPER = re.compile(r"loss", re.IGNORECASE)
# Pipelines that take images in, by their class: their VAE encodes what they are given.
_TAKES_IMAGES = re.compile(
    r"img2img|image2image|inpaint|video2video|vid2vid|pix2pix|depth2img|upscal|refiner|image_?to|i2v|tryon|edit",
    re.IGNORECASE,
)
# The keywords a ControlNet pipeline takes its conditioning image by (else ``image``).
_CONDITIONS = ("control_image", "controlnet_conditioning_image", "conditioning_image")
_FUNCTIONS_OR_MODULE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)
_SAVING = frozenset({"save_pretrained", "push_to_hub", "save", "save_model", "to"})  # saved, or moved
_MAX_JOIN_DEPTH = 6  # values followed back to tell outputs brought together from alternatives
# Post-processors that enhance what they are given (upscale, refine, restore), not filter or rank it.
_ENHANCING = (
    r"upscal|super_?res|restor|esrgan|gfpgan|codeformer|refiner|face_?enhanc|sr_?model"
    r"|frame_?interpolat|\brife\b"
)
_ENHANCER = re.compile(_ENHANCING, re.IGNORECASE)
# Models that filter, re-rank or restore another's output before it is returned (a transcript's
# punctuation restored, its end of turn detected, frames interpolated).
_POST_PROCESSOR = re.compile(
    r"safety|nsfw|rerank|cross_?encoder|watermark|moderat|censor|detox|denois|punctuat|truecas"
    r"|turn_?detect|end_?of_?turn|" + _ENHANCING,
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
# Optimizers and trainers: the models whose parameters they are given are the ones trained.
_OPTIMIZER = re.compile(r"optim|adam|sgd|rmsprop|lion|adafactor|lamb|trainer", re.IGNORECASE)
_PARAMETERS = frozenset({"parameters", "named_parameters"})
_PARAMS_NAME = re.compile(r"param", re.IGNORECASE)  # a name holding parameters gathered from a model
# A model's methods that train it on the data they are given.
_FITS = frozenset({"fit", "train_on_batch", "learn", "train_step"})
# Loads into a model that change its weights (adaptations), not models of their own.
_WEIGHT_LOADERS = frozenset({"load_lora_weights", "load_textual_inversion"})
# transformers Trainer's own arguments: data, settings and preprocessing, never a guiding model (a
# processor or collator taken from the model's own bundle holds its models only by name).
_TRAINER_SETTINGS = frozenset(
    {"args", "train_dataset", "eval_dataset", "data_collator", "processing_class", "tokenizer", "callbacks"}
    | {"compute_metrics", "optimizers", "preprocess_logits_for_metrics", "peft_config", "formatting_func"}
)
# Keywords that give a trainer the model it trains.
_TRAINED_KEYWORDS = ("model", "student_model", "student", "policy_model", "policy", "actor_model", "actor")
# Keywords that give a model that guides another's training.
_GUIDE_KEYWORD = re.compile(
    r"teacher|ref(?:erence)?_(?:model|policy)|reward_model|reward_funcs|judge", re.IGNORECASE
)
# The parts of a pipeline its conditioning image goes to.
_CONTROL = re.compile(r"controlnet|adapter", re.IGNORECASE)
# A model's attributes that hold its preprocessing, not a model.
_PREPROCESSING_PART = re.compile(r"token|processor|feature_?extractor|scheduler|config", re.IGNORECASE)
_FORWARD = frozenset({"forward", "__call__", "call"})
_UPSTREAM_HOPS = 2  # frozen models a reward's gradient flows back through to the trained one
# A diffusers pipeline's inputs its VAE encodes for the denoiser (a ControlNet pipeline's image is its
# ControlNet's conditioning instead).
_IMAGE_INPUTS = frozenset({"image", "mask_image"})
_TEXT = 100
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_USES = (
    ast.Expr,
    ast.Call,
    ast.Compare,
    ast.Subscript,
    ast.Return,
    ast.If,
    ast.IfExp,
    ast.ListComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.DictComp,
)
# Calls that order or pick values (re-ranking, best-of-n, top-k).
_SELECTS = frozenset(
    {"sorted", "sort", "argsort", "argmax", "argmin", "topk", "max", "min", "nlargest", "nsmallest"}
    | {"sort_values", "filter", "where", "masked_select", "compress", "choice"}
)
# Calls that log a value to a logger or tracker, and those that reduce values to one figure: a
# score reported (logged, or averaged and printed), not a result handed on (a bare print shows a
# demo's results as well).
_LOGS = re.compile(
    r"^(?:log\w*|info|debug|warning|add_scalars?|add_text|add_histogram|track\w*|report\w*)$", re.IGNORECASE
)
_AGGREGATES = frozenset({"mean", "nanmean", "fmean", "average", "median", "sum"})
# Calls that neither report nor keep a value: it is shown or collected, then used (or not) elsewhere.
_NEUTRAL = frozenset(
    {"print", "pprint", "append", "extend", "format", "item", "tolist", "cpu", "numpy", "detach"}
    | {"float", "int", "str", "round", "len", "abs"}
)
# A value's methods that write it out.
_SAVES = re.compile(r"save|write|dump|export|to_(?:file|csv|json|parquet)|tofile", re.IGNORECASE)
# Calls that compute a metric from a model's output (a transcript's WER, a caption's BLEU).
_METRIC = re.compile(
    r"(?<![a-z0-9])(?:wer|cer|bleu|sacrebleu|rouge\w*|meteor|chrf|bert_?score|accuracy|f1|pearsonr|spearmanr"
    r"|mean_squared_error|psnr|ssim|cos(?:ine)?_?sim\w*|metrics?)(?![a-z0-9])",
    re.IGNORECASE,
)
# A metric object's methods that take predictions (``wer_metric.compute(predictions=...)``).
_METRIC_METHODS = frozenset({"compute", "add_batch", "update", "score"})


@dataclass(frozen=True)
class _Guidance:
    guide: Load
    guided: Load
    site: CallSite
    frozen: bool | None
    steering: bool = False  # a gradient taken to steer a value (sampling guidance), not a loss trained
    given: ast.AST | None = None  # the argument that hands the guide over (a trainer's ref_model=...)


@dataclass(frozen=True)
class _Uses:
    """What a function does with a consumer's result, next to the producer's output it was given."""

    selects: bool = False  # orders, picks or gates the producer's output (a re-rank, a filter)
    reported: bool = False  # logged to a logger or tracker, or averaged and printed
    returned: bool = False  # handed back to the caller
    metric: bool = False  # enters a metric's computation (WER, BLEU, cosine similarity)
    kept: bool = False  # used otherwise: saved, drawn, handed to another call

    @property
    def only_reported(self) -> bool:
        """Whether the results are logged or averaged and nothing else is done with them."""
        return self.reported and not (self.selects or self.returned or self.kept)


@dataclass
class _Candidate:
    source: Load
    target: Load
    site: CallSite
    sources: int  # how many models' outputs enter the call
    handed: bool = False  # the source model itself is given to the call, to run inside it
    at: Followed | None = None  # the call of the site's function it was read at (callers_through)


class _FileEdges:
    def __init__(self, bindings: ModelBindings, path: str) -> None:
        self.b = bindings
        self.path = path
        self.trained: set[Load] = set()
        self.frozen: set[Load] = set()
        self.training_owners: set[int] = set()  # functions (or the module) that run a training step
        self._consumers: dict[int, frozenset[Load]] = {}
        self.controls: dict[Load, frozenset[Load]] = {}  # a pipeline -> the ControlNets, adapters built in
        self.losses: dict[int, set[Load]] = {}  # a function -> the models whose outputs its losses hold
        self.loss_values: dict[int, list[ast.expr]] = {}  # a function -> what it steps on (see feeds_a_loss)
        self._loss_names: dict[int, frozenset[str]] = {}
        self._nodes: dict[int, list[ast.AST]] = {}
        self._uses: dict[tuple[int, Load, Load, bool, tuple[int, ...]], _Uses] = {}
        # pairs of one model: a downloaded checkpoint's weights loaded into an object that holds the
        # other (AudioDiffusion(...).load_state_dict(torch.load(f"{snapshot}/main.bin")))
        self.weights_into: set[frozenset[Load]] = set()

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
                            if isinstance(part, ast.Name) and _PARAMS_NAME.search(part.id):
                                # names, params = trainable_parameters(unet): the model they were gathered of
                                self.trained |= self.b.gathered_from(part, site.scope)
            if not isinstance(func, ast.Attribute):
                continue
            if func.attr == "load_state_dict" and call.args:
                weights = self.held(call.args[0], site)
                for holder in self.held(func.value, site).models:
                    self.weights_into |= {
                        frozenset((holder, w)) for w in weights.models | weights.derived if w != holder
                    }
            receiver_text = source_text(func.value).lower()
            if (
                func.attr == "backward"
                or (func.attr == "step" and "optim" in receiver_text)
                or (func.attr == "train" and "trainer" in receiver_text)
            ):
                self.training_owners.add(id(site.owner))
            if func.attr == "backward" or (func.attr == "step" and "trainer" in receiver_text):
                # loss.backward(), accelerator.backward(loss), ppo_trainer.step(queries, responses, rewards)
                given = [*call.args, *(k.value for k in call.keywords)]
                given += [func.value] if func.attr == "backward" else []
                loss = self.losses.setdefault(id(site.owner), set())
                loss.update(*(self.held(g, site).derived for g in given))
                self.loss_values.setdefault(id(site.owner), []).extend(given)
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

    def feeds_a_loss(self, site: CallSite) -> bool:
        """Whether a call's result is part of what its function steps on: inside the loss, or assigned
        to a name the loss is computed from (``reward = rm(out)`` then ``loss = -logp * reward``)."""
        values = self.loss_values.get(id(site.owner))
        owner = site.owner
        if (  # get_distil_loss(...): a helper computing a loss, its returns are what is stepped on
            not values
            and isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _LOSS_HELPER.search(owner.name)
        ):
            values = returned_values(owner)
        if not values:
            return False
        if any(node is site.call for value in values for node in ast.walk(value)):
            return True
        names = self._loss_names.get(id(site.owner))
        if names is None:
            names = self._loss_names[id(site.owner)] = _names_computing(site.owner, values)
        targets = _targets(site.statement) if site.statement is not None else []
        assigned = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name) and n.id in names]
        return any(self._reaches_loss(site, name, values, names) for name in assigned)

    def _reaches_loss(self, site: CallSite, name: str, values: list[ast.expr], names: frozenset[str]) -> bool:
        """Whether the value a call's statement assigns to ``name`` is read where the loss is computed,
        directly or through the assignments computing it: a validation pass's ``clipsim = clip(out)`` is
        no longer what the training step's ``clipsim`` reads once that step assigns it again before."""
        statement, scope, owner = site.statement, site.scope, site.owner
        if statement is None or not isinstance(owner, _FUNCTIONS_OR_MODULE):
            return True
        computing = [
            stmt
            for stmt in nested_statements(owner.body)
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign))
            and stmt.value is not None
            and any(reads(t, names) for t in _targets(stmt))
        ]
        pending, seen = [(name, statement)], set()
        while pending:
            current, made = pending.pop()
            bindings = scope.bindings.get(current, [])
            end = (made.end_lineno or made.lineno, made.end_col_offset or 0)
            index = next((i for i, b in enumerate(bindings) if b[2] == end), None)
            if index is None:
                return True  # bound otherwise (a loop's target, another scope): it may reach the loss
            reading: list[tuple[ast.stmt | None, ast.AST]] = [(None, v) for v in values]
            reading += [(stmt, stmt.value) for stmt in computing if stmt.value is not None]
            for reader, value in reading:
                for read in ast.walk(value):
                    if not (isinstance(read, ast.Name) and read.id == current):
                        continue
                    chosen = reaching_bindings(current, scope, (read.lineno, read.col_offset))
                    if chosen != ALL_BINDINGS and index not in chosen:
                        continue
                    if reader is None:
                        return True  # read by the loss itself
                    for target in _targets(reader):
                        for assigned in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
                            if assigned in names and (assigned, id(reader)) not in seen:
                                seen.add((assigned, id(reader)))
                                pending.append((assigned, reader))
        return False

    def replaces(self, site: CallSite, source: Load) -> bool:
        """Whether a call's result replaces, under a condition, the value that held ``source``'s output
        (``answer = a(q)``; ``if answer not in choices: answer = b(answer, choices)``, ``if upscale:
        image = b(image)``): an optional step rewriting A's output before it is used."""
        stmt = site.statement
        func = site.call.func
        if (isinstance(func, ast.Attribute) and func.attr == "decode") or self.b.handed_call(site.call):
            return False  # latents = vae.decode(latents), a sampling loop given the denoiser: handoffs
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.value is site.call
            and self._conditional(site.owner, stmt)
        ):
            return False
        before = ast.Name(stmt.targets[0].id, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset)
        return source in self.b.held(before, site.scope).derived

    def _conditional(self, owner: ast.AST, stmt: ast.stmt) -> bool:
        """Whether a statement is in the body of an ``if`` of its function (not of a loop in it)."""
        body = owner.body if isinstance(owner, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) else []
        return any(
            isinstance(node, ast.If) and any(s is stmt for s in [*node.body, *node.orelse])
            for node in nested_statements(body)
        )

    def trains(self, owner: ast.AST) -> bool:
        """Whether a function (or the module) runs a training step: backward, an optimizer's step."""
        return id(owner) in self.training_owners

    def trains_on(self, owner: ast.AST, model: Load) -> bool:
        """Whether a function trains on a model's output: a loss it steps on holds it."""
        return self.trains(owner) and model in self.losses.get(id(owner), ())

    # -- what a function does with a consumer's result ------------------------------------------------

    def uses(self, site: CallSite, source: Load, target: Load) -> _Uses:
        """How the function of a call uses ``target``'s results beside ``source``'s output (see
        ``_uses_in``); where it returns them, what the functions of the file calling it do with them
        too (a helper returning a reranker's scores, which its caller sorts the passages by)."""
        found = self._uses_in(site.owner, source, target)
        owner = site.owner
        if not found.returned or not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return found
        calls = [*self.b.name_calls.get(owner.name, ()), *self.b.method_calls.get(owner.name, ())]
        callers = {id(c.owner): c.owner for c in calls if c.owner is not owner}
        if not callers:
            return found
        # the helper's result also holds what it was given (the passages): apart from the source is enough
        above = [found, *(self._uses_in(caller, source, target, called=True) for caller in callers.values())]
        return _Uses(
            any(u.selects for u in above),
            any(u.reported for u in above),
            any(u.returned for u in above[1:]),
            any(u.metric for u in above),
            any(u.kept for u in above),
        )

    def _uses_in(self, owner: ast.AST, source: Load, target: Load, *, called: bool = False) -> _Uses:
        """How a function uses ``target``'s results beside ``source``'s output: whether they order,
        pick or gate that output (``sorted(zip(scores, docs))``, ``docs[scores.argmax()]``,
        ``[d for d, s in zip(docs, scores) if s > t]``, ``if flagged: return None``), are reported
        (logged, averaged), returned, kept (saved, yielded) or enter a metric. Ordering and picking
        count only where the two are apart (a loop carrying both in one value orders nothing); in a
        function that ``called`` the one returning ``target``'s results, where some value holds
        ``source``'s output alone."""
        key = (id(owner), source, target, called, self.b.context_key())
        known = self._uses.get(key)
        if known is None:
            known = self._uses[key] = self._read_uses(owner, source, target, called)
        return known

    def _read_uses(self, owner: ast.AST, source: Load, target: Load, called: bool) -> _Uses:
        selects = returned = metric = ranked = picked = kept = logged = averaged = printed = False
        for node in self._nodes_of(owner):
            if isinstance(node, ast.Call):
                given = [*node.args, *(k.value for k in node.keywords)]
                if isinstance(node.func, ast.Attribute):
                    given.append(node.func.value)
                inputs = self._derived(given)
                if target not in inputs:
                    continue
                name = _called_name(node)
                ranked = ranked or name in _SELECTS
                selects = selects or (
                    name in _SELECTS and source in inputs and self._apart(node, source, target, called)
                )
                metric = metric or _measures(node)
                logged = logged or bool(_LOGS.search(name))
                averaged = averaged or name in _AGGREGATES
                printed = printed or name in ("print", "pprint")
                kept = kept or self._passes_on(node, name, target)
            elif isinstance(node, ast.Expr):  # save(images), yield scores: a statement that uses them
                kept = kept or self._kept(node.value, target)
            elif isinstance(node, ast.Compare):
                ranked = ranked or target in self._derived([node])
            elif isinstance(node, ast.Subscript):  # docs[order]: the producer's output picked by scores
                picked = picked or (
                    target in self._derived([node.slice])
                    and source in self._derived([node.value])
                    and self._apart(node, source, target, called)
                )
            elif isinstance(node, ast.Return) and node.value is not None:
                returned = returned or target in self._derived([node.value])
            else:
                selects = selects or self._gates(node, owner, source, target, called)
        # picked by what ranks or compares the scores (argmax, argsort, > t), not by any index they give
        selects = selects or (ranked and picked)
        return _Uses(selects, logged or (averaged and printed), returned, metric, kept)

    def _kept(self, value: ast.expr, target: Load) -> bool:
        """Whether a statement's call (or yield) hands ``target``'s results on other than by reporting,
        printing or measuring them: ``torch.save(features, path)``, ``image.save(path)``."""
        if isinstance(value, (ast.Yield, ast.YieldFrom, ast.Await)):
            return value.value is not None and target in self._derived([value.value])
        if not isinstance(value, ast.Call):
            return False
        given = [*value.args, *(k.value for k in value.keywords)]
        if isinstance(value.func, ast.Attribute):
            given.append(value.func.value)
        name = _called_name(value)
        quiet = _LOGS.search(name) or name in _NEUTRAL or _measures(value)
        return not quiet and target in self._derived(given)

    def _passes_on(self, call: ast.Call, name: str, target: Load) -> bool:
        """Whether a call hands ``target``'s results on: given to a function that neither reports,
        shows, measures nor orders them (``truncate(ids)``, ``torch.save(x, path)``), or saved
        (``image.save(path)``); a tensor's own methods (``scores.diag()``) are the same result."""
        if _LOGS.search(name) or name in _NEUTRAL or name in _AGGREGATES or name in _SELECTS:
            return False
        if _measures(call):
            return False
        if isinstance(call.func, ast.Attribute) and _SAVES.match(name):
            return target in self._derived([call.func.value])
        return target in self._derived([*call.args, *(k.value for k in call.keywords)])

    def _gates(self, node: ast.AST, owner: ast.AST, source: Load, target: Load, called: bool) -> bool:
        """A condition on ``target``'s result that keeps or drops ``source``'s output."""
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            tests = [test for generator in node.generators for test in generator.ifs]
            kept = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        elif isinstance(node, ast.IfExp):
            tests, kept = [node.test], [node.body, node.orelse]
        elif isinstance(node, ast.If):
            tests = [node.test]
            body = [n for s in [*node.body, *node.orelse] for n in ast.walk(s)]
            if any(isinstance(n, _EXITS) for n in body):
                # if flagged: return None; what the test reads or the function returns passed it
                returns = [n.value for n in self._nodes_of(owner) if isinstance(n, ast.Return) and n.value]
                kept = [*(n for n in ast.walk(node.test) if isinstance(n, ast.Name)), *returns]
            else:
                kept = [n for n in body if isinstance(n, ast.Name)]
        else:
            return False
        return (
            bool(tests)
            and target in self._derived(tests)
            and source in self._derived(kept)
            and self._apart(node, source, target, called)
        )

    def _apart(self, node: ast.AST, source: Load, target: Load, called: bool = False) -> bool:
        """Whether some value in ``node`` holds ``source``'s output without ``target``'s, and another
        ``target``'s without ``source``'s (``called``: the first is enough)."""
        alone = {False} if called else set()
        for part in ast.walk(node):
            if isinstance(part, (ast.Name, ast.Attribute, ast.Call)):
                derived = self._derived([part])
                if (source in derived) != (target in derived):
                    alone.add(source in derived)
                    if len(alone) == 2:
                        return True
        return False

    def _derived(self, exprs: list[ast.expr]) -> frozenset[Load]:
        return frozenset().union(*(self.b.held(e, self.b.scope_of(e)).derived for e in exprs))

    def _nodes_of(self, owner: ast.AST) -> list[ast.AST]:
        """The calls, subscripts, conditions and returns in a function's (or the module's) own body."""
        known = self._nodes.get(id(owner))
        if known is None:
            known = self._nodes[id(owner)] = [
                node for node in ast.walk(owner) if isinstance(node, _USES) and self.b.owner_of(node) is owner
            ]
        return known

    # -- edges ---------------------------------------------------------------------------------------

    def consumers(self, site: CallSite) -> frozenset[Load]:
        """The models a call runs: ``B(x)``, ``B.generate(x)``, ``self.B.encode(x)``."""
        known = self._consumers.get(id(site.call))
        if known is None:
            known = self._consumers[id(site.call)] = self.b.runs(site)
        return known

    def inputs(self, site: CallSite) -> frozenset[Load]:
        """The models' outputs a call gives what it runs (an evaluator called with a model: those it
        was built of)."""
        call = self._given_to(site)
        evaluated = self.b.evaluated_on(call, site.scope)
        if evaluated is not None:
            return evaluated[1]
        return frozenset().union(
            *(self.held(a, site).derived for a in self.b.model_arguments(call, site.scope))
        )

    def handed(self, site: CallSite) -> frozenset[Load]:
        """The models (not outputs) given to a call as arguments, ``**kwargs`` dicts included."""
        call = self._given_to(site)
        return frozenset().union(
            *(self.held(a, site).models for a in [*call.args, *(k.value for k in call.keywords)])
        )

    def _calls_a_model(self, site: CallSite) -> bool:
        """Whether the callee is a model (``pipe(x, controlnet=cn)``, ``lm.generate(assistant_model=d)``),
        not a function of the project given models (``best_of_n(x, llm=llm, prm=prm)``), whose own
        calls of them are read where they happen."""
        func = self._given_to(site).func
        held = self.held(func.value if isinstance(func, ast.Attribute) else func, site)
        return bool(held.models)

    def _given_to(self, site: CallSite) -> ast.Call:
        """The call whose arguments reach the models a call runs: for one handing a function its
        arguments, that function's call (``button.click(f, inputs=[a], outputs=[b])`` gives ``a``)."""
        return self.b.handed_call(site.call) or site.call

    def candidates(self) -> Iterator[_Candidate]:
        for site in self.b.sites:
            callers = self.b.callers_through(site)
            for at in callers:  # a helper calling the model it is given: at each of its calls
                with self.b.following(site.owner, at):
                    yield from self._candidates_at(
                        site, self.consumers(site) if at is None else self.b.runs(site), at
                    )
            yield from self._inside_pipeline(site)
        yield from self._retrieval_chains()

    def _candidates_at(
        self, site: CallSite, targets: frozenset[Load], at: Followed | None = None
    ) -> Iterator[_Candidate]:
        if not targets:
            return
        # A value computed by the very models the callee may be (alternatives of one name) is its own;
        # a model handed to another's call (generate(assistant_model=draft)) runs inside it.
        handed = self.handed(site) - targets if self._calls_a_model(site) else frozenset()
        given = (self.inputs(site) | handed) - targets
        # A pipeline built of ControlNets (one of the alternatives the callee holds) runs them: its
        # conditioning image reaches them through it, not as a call of their own.
        built_in = frozenset().union(*(self.controls.get(t, frozenset()) for t in targets))
        # an instance of one of several classes: a model of one never feeds a model of another
        alternatives = self.b.alternative_classes(site.call.func, site.scope)
        for target in targets - built_in:
            other = frozenset().union(*(c for c in alternatives if target not in c))
            own = frozenset().union(*(c for c in alternatives if target in c))
            sources = [s for s in given if not self.same_model(s, target) and (s not in other or s in own)]
            routed = [(s, consumer) for s in sources for consumer in self._conditioned(target, s, site)]
            # parallel: several models' outputs enter one consumer together (each ControlNet has its
            # own image), not one of several alternatives a value may hold
            entering = Counter(consumer for _, consumer in routed)
            together = {
                consumer: count if count == 1 or self._brought_together(site, handed) else 1
                for consumer, count in entering.items()
            }
            for source, consumer in routed:
                yield _Candidate(source, consumer, site, together[consumer], source in handed, at)

    def _brought_together(self, site: CallSite, handed: frozenset[Load]) -> bool:
        """Whether a call's arguments bring several models' outputs together (two arguments, a
        concatenation, a tuple) rather than one value that holds one model's output or another's
        (``answer = self.model.vqa(q)`` where ``self.model`` is one of several)."""
        call = self._given_to(site)
        return bool(handed) or self._joins([*call.args, *(k.value for k in call.keywords)], site.scope, 0)

    def _joins(self, parts: Sequence[ast.expr], scope: Scope, depth: int) -> bool:
        """Whether the values of ``parts`` together hold the outputs of more than one model: parts
        holding different models' outputs, or a part built of such (followed back a few steps; a
        value read no further counts as joining)."""
        holding = [(p, d) for p in parts if (d := self.b.held(p, scope).derived)]
        if len({d for _, d in holding}) > 1:
            return True
        if not holding or len(holding[0][1]) < 2:
            return False
        if depth >= _MAX_JOIN_DEPTH:
            return True
        part = holding[0][0]  # the same outputs in every part: what one of them is built of
        if isinstance(part, (ast.List, ast.Tuple, ast.Set)):
            return self._joins(part.elts, scope, depth + 1)
        if isinstance(part, ast.Dict):
            return self._joins(part.values, scope, depth + 1)
        if isinstance(part, ast.BinOp):
            return self._joins([part.left, part.right], scope, depth + 1)
        if isinstance(part, (ast.IfExp, ast.BoolOp)):  # a if c else b, a or b: alternatives, each on its own
            branches = [part.body, part.orelse] if isinstance(part, ast.IfExp) else part.values
            return any(self._joins([branch], scope, depth + 1) for branch in branches)
        if isinstance(part, ast.Call):
            given = [*part.args, *(k.value for k in part.keywords)]
            if isinstance(part.func, ast.Attribute):
                given.append(part.func.value)
            return self._joins(given, scope, depth + 1)
        if isinstance(part, (ast.Attribute, ast.Subscript, ast.Starred)):
            return self._joins([part.value], scope, depth + 1)
        if isinstance(part, ast.Name):
            assigned = self.b.assigned_values(part, scope)
            if not assigned:
                return True  # a parameter, a loop's item: not read further
            return any(self._joins([value], where, depth + 1) for value, where in assigned)
        return True

    def _inside_pipeline(self, site: CallSite) -> Iterator[_Candidate]:
        """What a diffusers pipeline built of loaded parts does with them when called: its text
        encoders encode the prompt, its image encoder the IP-Adapter image and its VAE the input
        images for the denoiser, and the VAE decodes the denoised latents (unless it returns them)."""
        parts = self.b.pipeline_parts(site.call.func, site.scope)
        if parts is None:
            return
        given = {k.arg for k in site.call.keywords}
        inputs: set[Load] = set()
        if "prompt" in given or site.call.args:
            inputs |= parts.text_encoder
        if "ip_adapter_image" in given:
            inputs |= parts.image_encoder
        if given & _IMAGE_INPUTS - ({"image"} if parts.conditioned else set()):
            inputs |= parts.decoder
        for attached in parts.attached:  # pipe.unet_encoder = net: it reads the encoded inputs too
            for source in inputs - parts.image_encoder:
                yield _Candidate(source, attached, site, len(inputs))
        for denoiser in parts.denoiser:
            for source in inputs | parts.attached:
                if not self.same_model(source, denoiser):
                    yield _Candidate(source, denoiser, site, len(inputs))
            for decoder in parts.decoder if not returns_latents(site.call) else ():
                if not self.same_model(denoiser, decoder):
                    yield _Candidate(denoiser, decoder, site, 1)

    def _retrieval_chains(self) -> Iterator[_Candidate]:
        """A chain built of a retriever and a language model (LangChain's ``RetrievalQA.from_chain_type(
        llm=llm, retriever=db.as_retriever())``, ``ConversationalRetrievalChain.from_llm(...)``): what the
        retriever's models find is the model's context, though the chain, not the file, makes the call."""
        for site in self.b.sites:
            given = {k.arg: k.value for k in site.call.keywords if k.arg in ("llm", "retriever")}
            if len(given) < 2:
                continue
            llms = self.held(given["llm"], site).models
            found = self.held(given["retriever"], site)
            for source in (found.models | found.derived) - llms:
                for target in llms:
                    yield _Candidate(source, target, site, 1)

    def _conditioned(self, target: Load, source: Load, site: CallSite) -> frozenset[Load]:
        """Where a pipeline's conditioning image goes: to the ControlNets or adapters built into it
        (``pipe(prompt, image=pose)`` with ``controlnet=cn``), else to the pipeline."""
        controls = self.controls.get(target)
        if controls:
            given = {k.arg: k.value for k in site.call.keywords if k.arg}
            image = next((given[k] for k in _CONDITIONS if k in given), given.get("image"))
            if image is not None and source in self.held(image, site).derived:
                # also the inpainting pipeline's init image (image=x, control_image=x): the pipeline's too
                others = [*site.call.args, *(k.value for k in site.call.keywords if k.value is not image)]
                if any(source in self.held(other, site).derived for other in others):
                    return _named_alike(source, controls) | {target}
                return _named_alike(source, controls)
        return frozenset({target})

    def feedback(self) -> Iterator[_Guidance]:
        """Each guide and guided model of a loss several models' outputs enter."""
        for site in self.b.sites:
            call, func = site.call, site.call.func
            name = _called_name(call)
            if name == "backward":
                # loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss)
                parts = [*call.args[:1], *([func.value] if isinstance(func, ast.Attribute) else [])]
                models = frozenset().union(*(self.held(p, site).derived for p in parts))
                steered = self._steered(site, models) if not models & self.trained else frozenset()
                for guided in steered:  # the gradient shifts a model's input (ZeroCap's context)
                    for guide in models - steered:
                        if not self.same_model(guide, guided):
                            yield _Guidance(guide, guided, site, self._frozen(guide), steering=True)
                if not steered:
                    yield from self._guides(models, site)
            elif name == "grad" and "autograd" in source_text(func) and len(call.args) >= 2:
                loss = self.held(call.args[0], site).derived
                steered = self.held(call.args[1], site).derived
                differentiated = frozenset(n.id for n in ast.walk(call.args[1]) if isinstance(n, ast.Name))
                # A model that made the tensor and runs on it again steers it (LMD's UNet guided by its
                # own attention), not those that made that model's input (the text encoder).
                steered = (self._run_on(site, differentiated) & steered) or steered
                # The loop carries the guide's gradient into what it steers: the guide is the loss's.
                for guide in loss:
                    for guided in steered - loss:
                        if not self.same_model(guide, guided):
                            yield _Guidance(guide, guided, site, self._frozen(guide), steering=True)

    def _steered(self, site: CallSite, models: frozenset[Load]) -> frozenset[Load]:
        """Of the models a loss is computed from, those a function calls on values computed from
        tensors it makes differentiable (``requires_grad_(True)``, ``retain_grad()``): the loss's
        gradient steers their input, no weights."""
        owner = site.owner
        if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return frozenset()
        return self._run_on(site, _differentiable_names(owner)) & models

    def _run_on(self, site: CallSite, names: frozenset[str]) -> frozenset[Load]:
        """The models the function of a call runs, at its other calls, on values computed from those
        names."""
        owner = site.owner
        if not names or not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return frozenset()
        shifted = _names_computed_from(owner, names)
        found: set[Load] = set()
        for other in self.b.sites:
            if other.owner is owner and other.call is not site.call:
                given = [*other.call.args, *(k.value for k in other.call.keywords)]
                if any(isinstance(n, ast.Name) and n.id in shifted for g in given for n in ast.walk(g)):
                    found |= self.b.runs(other)
        return frozenset(found)

    def _guides(self, models: frozenset[Load], site: CallSite) -> Iterator[_Guidance]:
        if len(models) < 2:
            return
        trained = models & self.trained
        if not trained or trained == models:
            trained = models - self.frozen
        if not trained or trained == models:
            return
        for guide in models - trained:
            for guided in trained:
                # a frozen reference copy of the trained model's own repo (DPO's ref_unet), or a teacher
                # loaded again from it for the student pruned from it (distill-sd), guides it too
                reference = guided in self.trained and self._frozen(guide) is True
                if reference or not self.same_model(guide, guided):
                    yield _Guidance(guide, guided, site, self._frozen(guide))

    def scored_losses(self, candidates: list[_Candidate]) -> Iterator[_Guidance]:
        """A scorer whose score of a trained model's output is the loss (``loss = -clip_score``, a
        reward model's output maximised): the scorer guides the model it scores."""
        feeding: dict[Load, set[Load]] = {}  # a model -> those whose outputs reach its calls
        for c in candidates:
            feeding.setdefault(c.target, set()).add(c.source)
        for c in candidates:
            if c.handed or c.target in self.trained or not self.trains_on(c.site.owner, c.target):
                continue
            names = f"{source_text(c.site.call.func)} {c.target.call} {self.assigned(c.site)}"
            if not _EVALUATOR.search(names):
                continue
            for guided in self._trained_upstream(c.source, feeding) - {c.target}:
                yield _Guidance(c.target, guided, c.site, self._frozen(c.target))

    def _trained_upstream(self, scored: Load, feeding: dict[Load, set[Load]]) -> set[Load]:
        """The trained models whose outputs a scored output is: the scored model if it is trained,
        else those upstream of it through frozen ones (a UNet whose latents a frozen VAE decodes
        into the image a reward model scores, ReFL's and DDPO's reward gradient)."""
        if scored in self.trained or (not self.trained and scored not in self.frozen):
            return {scored}
        found: set[Load] = set()
        seen, frontier = {scored}, [scored]
        for _ in range(_UPSTREAM_HOPS):
            frontier = [f for model in frontier for f in feeding.get(model, ()) if f not in seen]
            seen.update(frontier)
            found |= {model for model in frontier if model in self.trained}
            frontier = [model for model in frontier if model not in self.trained]
        return found

    def trainers(self) -> Iterator[_Guidance]:
        """``XTrainer(model=policy, ref_model=ref, reward_model=rm, ...)``, ``Dataset(student_model=s,
        teacher_model=t)``: the other models given to a trainer (or a teacher given beside a student)
        guide the one it trains."""
        for site in self.b.sites:
            call = site.call
            given = {k.arg: k.value for k in call.keywords if k.arg}
            keywords = {k.arg: k for k in call.keywords if k.arg}
            trainer = _called_name(call).endswith("Trainer")
            if not trainer and not any(_GUIDE_KEYWORD.search(k) for k in given):
                continue
            positional = list(call.args)
            named = self.b.constructor_parameters(call, site.scope) if trainer else []
            if named and len(named) >= len(positional):  # a project's trainer: its parameters' names
                given |= dict(zip(named, positional, strict=False))
                positional = []
            trained_key = next((k for k in _TRAINED_KEYWORDS if k in given), None)
            trained_expr = given.pop(trained_key) if trained_key else positional[0] if positional else None
            if trained_expr is None:
                continue
            trained = self.held(trained_expr, site).models
            guides = [
                (k, v)
                for k, v in given.items()
                if (trainer and k not in _TRAINER_SETTINGS) or _GUIDE_KEYWORD.search(k)
            ]
            guides += [("", arg) for arg in positional[0 if trained_key else 1 :] if trainer]
            for keyword, value in guides:
                for guide in self._models_in(value, site):
                    for target in trained:
                        if guide != target:  # a reference copy of the policy's own repo guides it too
                            handed = keywords.get(keyword, value)
                            yield _Guidance(guide, target, site, _guide_frozen(keyword), given=handed)

    def trainer_loads(self) -> Iterator[_Guidance]:
        """A trainer class loading the models it is given by name in its ``__init__`` (``ref_model =
        AutoModelForCausalLM.from_pretrained(ref_model)``: trl's trainers, copied into a project): the
        reference, reward model or teacher it loads guides the model it loads to train."""
        for cls in self.b.class_definitions:
            init = method_named(cls, "__init__")
            if not cls.name.endswith("Trainer") or init is None:
                continue
            parameters = {a.arg for a in (*init.args.args, *init.args.kwonlyargs)}
            loaded: dict[str, list[tuple[Load, CallSite]]] = {}
            for site in self.b.sites:
                statement = site.statement
                if (
                    site.owner is init
                    and isinstance(statement, ast.Assign)
                    and statement.value is site.call
                    and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                    and statement.targets[0].id in parameters
                ):
                    for load in self.held(site.call, site).models:
                        loaded.setdefault(statement.targets[0].id, []).append((load, site))
            trained_key = next((k for k in _TRAINED_KEYWORDS if k in loaded), None)
            if trained_key is None:
                continue
            for keyword, guides in loaded.items():
                if not _GUIDE_KEYWORD.search(keyword):
                    continue
                for guide, site in guides:
                    for target, _ in loaded[trained_key]:
                        if guide != target:
                            yield _Guidance(guide, target, site, _guide_frozen(keyword))

    def _models_in(self, expr: ast.expr, site: CallSite) -> frozenset[Load]:
        """The models an argument holds or names anywhere in it (``partial(embed, model=m)``)."""
        found = set(self.held(expr, site).models)
        for node in ast.walk(expr):
            if isinstance(node, (ast.Name, ast.Attribute)) and node is not expr:
                found |= self.held(node, site).models
        return frozenset(found)

    def compositions(self) -> Iterator[tuple[Load, Load, CallSite | ast.stmt, str | None]]:
        """(part, whole, where, keyword): a model built into another, whose output feeds it from
        inside: given to its load (``from_pretrained(..., controlnet=cn)``), loaded into it
        (``pipe.load_ip_adapter(...)``), or set on it (``pipe.controlnet = cn``), with the keyword or
        attribute it is given as."""
        loads = self.b.loads
        for site in self.b.sites:
            call = site.call
            whole = loads.get(id(call))
            if whole is not None and whole in self.b.models:
                if isinstance(call.func, ast.Attribute) and call.func.attr not in _WEIGHT_LOADERS:
                    for receiver in self.held(call.func.value, site).models:
                        if not self.same_model(whole, receiver):
                            yield whole, receiver, site, None
                for keyword, arg in [  # not the first: the id or folder it loads (snapshot_download's)
                    *((None, a) for a in call.args[1:]),
                    *((k.arg, k.value) for k in call.keywords),
                ]:
                    if isinstance(arg, ast.Attribute) and self.held(arg.value, site).models:
                        continue  # vae=pipe.vae: a part shared with another pipeline, whose output it is not
                    given = self.held(arg, site)
                    # **kwargs with kwargs["vae"] = vae: each part under the keyword it is stored by
                    named: list[tuple[str | None, Held]] = [
                        (key, held) for key, held in given.keys or () if keyword is None and key
                    ]
                    for key, held in named or [(keyword, given)]:
                        for part in held.models:
                            if self._built_in(part, whole, key):
                                yield part, whole, site, key
        if not self.b.models and self.b.imported is None:
            return
        for node in ast.walk(self.b.tree):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Attribute):
                target = node.targets[0]
                scope = self.b.scope_of(node)
                wholes = self.b.held(target.value, scope).models
                # A pipeline built of parts holds them too: its parts are no wholes of each other, nor
                # are alternatives set on one attribute of an object (stream.vae = a, or b) each other's.
                wholes -= {part for whole in wholes for part in self.controls.get(whole, ())}
                if isinstance(target.value, ast.Name):
                    wholes -= self.b.set_on(target.value.id, target.attr)
                if _mentions_object(node.value, target.value):
                    continue  # made of the object itself: DataParallel(pipe.unet), vae.forward = vae.decode
                parts = self.b.held(node.value, scope).models
                if wholes and not _PREPROCESSING_PART.search(target.attr):
                    for part in parts:
                        for whole in wholes:
                            if self._built_in(part, whole, target.attr):
                                yield part, whole, node, target.attr

    def _built_in(self, part: Load, whole: Load, keyword: str | None) -> bool:
        """Whether a model handed to another (as ``keyword``) is a part of its own: not one of the
        whole's own repo, nor, where the file trains, a frozen one handed over as it is (a
        pipeline's text encoder). A ControlNet or adapter is recorded as where conditioning goes."""
        if self.same_model(part, whole, whole=True):
            return False
        if part in self.frozen and part not in self.trained and self.training_owners:
            return False
        if keyword is not None and _CONTROL.search(keyword):
            self.controls[whole] = self.controls.get(whole, frozenset()) | {part}
        return True

    def same_model(self, first: Load, second: Load, *, whole: bool = False) -> bool:
        """One model, or two loads of one repo (a model and its own tokenizer or processor); two
        subfolders of one repo (a pipeline's vae and text encoder) are two models, unless ``whole``:
        a pipeline holds its own repo's vae."""
        if first == second or frozenset((first, second)) in self.weights_into:
            return True
        (one, one_part), (other, other_part) = self.b.repo_of(first), self.b.repo_of(second)
        return one is not None and one == other and (whole or one_part == other_part)

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

    def argument(self, node: ast.AST) -> Site:
        """Evidence at an argument of a call (``ref_model=ref_policy``), on its own line."""
        return Site(self.path, getattr(node, "lineno", 1), source_text(node, _TEXT))

    def several_outputs_given(self, site: CallSite) -> bool:
        """Whether arguments of a call hold different models' outputs (``sr(image=frames,
        prompt_embeds=embeds)``), not one that may come of either of two (``frames`` upscaled or not)
        nor two of the same (``rife.inference(a, b)`` of consecutive frames)."""
        given = [*site.call.args, *(k.value for k in site.call.keywords)]
        outputs = {self.held(value, site).derived for value in given} - {frozenset()}
        return len(outputs) > 1

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
        if any(PREPROCESSING_CONTEXT.search(n) for n in names):
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
    compositions = list(edges.compositions())  # first: they say where conditioning images go
    candidates = list(edges.candidates())
    handoffs = {(c.source, c.target) for c in candidates}
    # A loss that a model's output also feeds the trained model's input through is that input's
    # (diffusion training: the VAE's latents are the UNet's input and target); a steering gradient
    # and a trainer's guides are guidance whatever else passes.
    guidance = [g for g in edges.feedback() if g.steering or (g.guide, g.guided) not in handoffs]
    guidance += edges.trainers()
    guidance += edges.trainer_loads()
    guidance += edges.scored_losses(candidates)
    found = [
        InferredEdge(
            g.guide,
            g.guided,
            FEEDBACK_GUIDANCE,
            None,
            "fine-tuning"
            if not g.steering and _called_name(g.site.call).endswith("Trainer")
            else edges.stage(g.site.owner),
            (edges.site(g.site) if g.given is None else edges.argument(g.given),),
            g.frozen,
        )
        for g in guidance
    ]
    guided = {frozenset((g.guide, g.guided)) for g in guidance}
    steered = {frozenset((g.guide, g.guided)) for g in guidance if g.steering}
    # the guidance's own path is no edge again; a call without gradients between the two whose result
    # no loss is computed from (validation scoring the trained model's outputs) is one, unless the
    # guide steers the other's sampling (its scoring, without gradients, builds the loss's target)
    candidates = [
        c
        for c in candidates
        if frozenset((c.source, c.target)) not in guided
        or (
            c.site.grad_free
            and not edges.feeds_a_loss(c.site)
            and frozenset((c.source, c.target)) not in steered
        )
    ]
    feeds: dict[Load, set[Load]] = {}
    fitted: dict[int, set[Load]] = {}  # a fit(...) call -> the models whose outputs it trains on
    for candidate in candidates:
        feeds.setdefault(candidate.source, set()).add(candidate.target)
        if _called_name(candidate.site.call) in _FITS:
            fitted.setdefault(id(candidate.site.call), set()).add(candidate.source)
    # Of the models whose outputs a fit is given, one that feeds another of them only prepared that
    # one's input (mined the pairs a cross-encoder labels): the labels come from the other.
    candidates = [
        c
        for c in candidates
        if not feeds.get(c.source, set()) & (fitted.get(id(c.site.call), set()) - {c.source})
    ]
    labellers = frozenset(c.source for c in candidates if id(c.site.call) in fitted)
    for candidate in candidates:  # read as where it was found: a helper's uses at that caller's call
        with bindings.following(candidate.site.owner, candidate.at):
            found.append(_classify(candidate, edges, feeds, labellers))
    for part, whole, where, keyword in compositions:
        if frozenset((part, whole)) in guided or (isinstance(where, CallSite) and _only_saved(where)):
            continue  # a trained part composed into a pipeline only to be saved runs in nothing here
        if isinstance(where, CallSite):
            stage, site = edges.stage(where.owner), edges.site(where)
        else:
            stage = edges.stage(bindings.owner_of(where))
            site = Site(path, where.lineno, source_text(where, _TEXT))
        # a VAE a text-to-image pipeline is loaded with only decodes the latents its denoiser made; one
        # given to a pipeline that takes images (img2img, inpainting), or set on an object, also encodes
        if keyword not in DECODERS or not isinstance(where, CallSite) or _TAKES_IMAGES.search(whole.call):
            found.append(InferredEdge(part, whole, FEATURE_HANDOFF, "hierarchical", stage, (site,)))
        if keyword in DECODERS:
            found.append(InferredEdge(whole, part, FEATURE_HANDOFF, "sequential", stage, (site,)))
    return found


def _classify(
    candidate: _Candidate, edges: _FileEdges, feeds: dict[Load, set[Load]], labellers: frozenset[Load]
) -> InferredEdge:
    source, target, where = candidate.source, candidate.target, candidate.site
    owner = where.owner
    site = (edges.site(where),)
    target_names = f"{source_text(where.call.func)} {target.call}"
    method = where.call.func.attr if isinstance(where.call.func, ast.Attribute) else ""
    if candidate.handed:
        return InferredEdge(source, target, FEATURE_HANDOFF, "sequential", edges.stage(owner), site)
    if method in _FITS:  # another model's output is the data (the labels) this one is trained on
        return InferredEdge(source, target, FEEDBACK_GUIDANCE, None, "fine-tuning", site)
    terminal = not feeds.get(target)
    uses = edges.uses(where, source, target)
    # A scorer whose scores are another model's training labels labels data, it filters no output.
    if target not in labellers and not edges.trains_on(owner, target):
        # B's results order, pick or gate A's output (a re-rank, best-of-n, a filter): whatever B is called
        if uses.selects or edges.replaces(where, source):
            return InferredEdge(source, target, POST_PROCESSING, None, edges.stage(owner), site)
        # an upscaler or refiner also given another model's output (a cascade's text embeddings) is a stage
        staged = candidate.sources > 1 and bool(_ENHANCER.search(target_names))
        staged = staged and edges.several_outputs_given(where)
        if (_POST_PROCESSOR.search(target_names) or target.api == "CrossEncoder") and not staged:
            if not (terminal and uses.only_reported):
                return InferredEdge(source, target, POST_PROCESSING, None, edges.stage(owner), site)
            # a reranker or checker whose scores are only logged or averaged filters nothing: it evaluates
            return InferredEdge(source, target, EVALUATION, None, "evaluation", site)
    context = edges.context_names(owner)
    scoring = (
        _EVALUATOR.search(target_names)
        or _EVALUATOR.search(edges.assigned(where))
        or _EVALUATOR.search(context)
        or any(_EVALUATION_CONTEXT.search(name) for name in context.split())  # eval_supervised
        or (uses.metric and not uses.kept)  # a metric of results handed on no further
        or uses.only_reported  # averaged or logged, and nothing else done with it: a score
        # a script reading back a folder another script generated into, saving no images: it scores them
        or (edges.b.reads_image_folders() and source.path != target.path)
    )
    # In a training loop too, as long as no loss holds the scorer's result (a validation score logged,
    # or this call's, without gradients, where the same scorer's loss trains beside it).
    validating = where.grad_free and not edges.feeds_a_loss(where)
    if terminal and scoring and (validating or not edges.trains_on(owner, target)):
        return InferredEdge(source, target, EVALUATION, None, "evaluation", site)
    if (isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and owner.name in _FORWARD) or (
        method.startswith("load_")
    ):
        mode = "hierarchical"  # stacked in a module's forward, or loaded into the model
    elif candidate.sources > 1:
        mode = "parallel"
    else:
        mode = "sequential"
    return InferredEdge(source, target, FEATURE_HANDOFF, mode, edges.stage(owner), site)


def _mentions_object(value: ast.expr, obj: ast.expr) -> bool:
    """Whether an expression reads the object (``pipe``, ``self.stream``) or an attribute of it."""
    wanted = ast.dump(obj)
    return any(isinstance(n, (ast.Name, ast.Attribute)) and ast.dump(n) == wanted for n in ast.walk(value))


def _words(load: Load) -> set[str]:
    """The words of a load's call and repo: controlnet, openpose, sdxl."""
    return set(re.findall(r"[a-z]{4,}", f"{load.call} {load.pin.repo or ''}".lower()))


def _named_alike(source: Load, controls: frozenset[Load]) -> frozenset[Load]:
    """The ControlNet a conditioning image is meant for when a pipeline has several: the one whose
    own words (those the others lack) the image's model names (an OpenPose detector's image goes to
    controlnet-openpose); all of them when no single one stands out."""
    if len(controls) < 2:
        return controls
    named = f"{source.call} {source.pin.repo or ''}".lower()
    words = {control: _words(control) for control in controls}
    scores = {
        control: sum(
            word in named for word in own - set().union(*(w for c, w in words.items() if c != control))
        )
        for control, own in words.items()
    }
    best = max(scores.values())
    chosen = [control for control, score in scores.items() if score == best]
    return frozenset(chosen) if best > 0 and len(chosen) == 1 else controls


def _guide_frozen(keyword: str) -> bool | None:
    """Whether a trainer keeps a model it is given under ``keyword`` frozen: a reference, reward,
    teacher or judge is; a value model (a critic) is trained with the policy."""
    if "value" in keyword or "critic" in keyword:
        return False
    return True if any(word in keyword for word in ("ref", "reward", "teacher", "judge")) else None


def _false(call: ast.Call) -> bool:
    """Whether a call's first argument (or mode=/requires_grad=) is the literal False."""
    given = call.args[0] if call.args else next((k.value for k in call.keywords), None)
    return isinstance(given, ast.Constant) and given.value is False


def _measures(call: ast.Call) -> bool:
    """Whether a call computes a metric: ``jiwer.wer(ref, hyp)``, ``F.cosine_similarity(a, b)``,
    ``bleu.compute(predictions=...)`` (not ``self._metrics[k].append(v)``, a container of them)."""
    name = _called_name(call)
    if _METRIC.search(name):
        return True
    func = call.func
    return (
        name in _METRIC_METHODS
        and isinstance(func, ast.Attribute)
        and _METRIC.search(source_text(func.value, _TEXT)) is not None
    )


def _only_saved(site: CallSite) -> bool:
    """Whether what a call builds is assigned to a name whose only uses in its function save it
    (``pipeline = Pipeline.from_pretrained(base, unet=unet); pipeline.save_pretrained(out)``)."""
    stmt = site.statement
    if not (isinstance(stmt, ast.Assign) and stmt.value is site.call and len(stmt.targets) == 1):
        return False
    target = stmt.targets[0]
    if not isinstance(target, ast.Name):
        return False
    uses = [
        node
        for node in ast.walk(site.owner)
        if isinstance(node, ast.Name) and node.id == target.id and isinstance(node.ctx, ast.Load)
    ]
    saving = {
        id(node.value)
        for node in ast.walk(site.owner)
        if isinstance(node, ast.Attribute) and node.attr in _SAVING and isinstance(node.value, ast.Name)
    }
    return bool(uses) and all(id(use) in saving for use in uses)


def _names_computing(owner: ast.AST, values: list[ast.expr]) -> frozenset[str]:
    """The names of a function's own body the values are computed from, through its assignments."""
    names = {n.id for value in values for n in ast.walk(value) if isinstance(n, ast.Name)}
    return _through_assignments(owner, names, backward=True)


def _names_computed_from(owner: ast.AST, names: frozenset[str]) -> frozenset[str]:
    """The names of a function's own body computed from those names, through its assignments."""
    return _through_assignments(owner, set(names), backward=False)


def _through_assignments(owner: ast.AST, names: set[str], *, backward: bool) -> frozenset[str]:
    """Names grown through a function's assignments: with the names their values read
    (``backward``), else with the names assigned values that read them."""
    body = owner.body if isinstance(owner, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) else []
    assignments = [
        (
            {n.id for t in _targets(stmt) for n in ast.walk(t) if isinstance(n, ast.Name)},
            {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)},
        )
        for stmt in nested_statements(body)
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.value is not None
    ]
    grown = True
    while grown:
        before = len(names)
        for assigned, read in assignments:
            given, taken = (assigned, read) if backward else (read, assigned)
            if given & names:
                names |= taken
        grown = len(names) > before
    return frozenset(names)


def _differentiable_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names of a function bound to tensors it makes differentiable: assigned a value made with
    ``requires_grad_(True)`` or ``requires_grad=True``, or that ``x.retain_grad()`` is called on (and
    the container a loop takes ``x`` from)."""
    names: set[str] = set()
    for stmt in nested_statements(function.body):
        if isinstance(stmt, ast.Assign) and any(_makes_differentiable(n) for n in ast.walk(stmt.value)):
            names |= {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if isinstance(stmt, ast.For):
            called = {
                n.func.value.id
                for inner in stmt.body
                for n in ast.walk(inner)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr in ("retain_grad", "requires_grad_")
                and isinstance(n.func.value, ast.Name)
            }
            looped = {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
            if called & looped:
                names |= {n.id for n in ast.walk(stmt.iter) if isinstance(n, ast.Name)}
    return frozenset(names)


def _makes_differentiable(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_":
        return not node.args or (isinstance(node.args[0], ast.Constant) and node.args[0].value is True)
    return any(
        k.arg == "requires_grad" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )


def _targets(stmt: ast.stmt) -> list[ast.expr]:
    """What an assignment statement assigns to (none for any other statement)."""
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    return [stmt.target] if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) else []


def _called_name(call: ast.Call) -> str:
    """The last name of a call's callee: ``backward`` of ``loss.backward()``."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
