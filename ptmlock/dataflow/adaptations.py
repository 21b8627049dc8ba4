"""How a loaded model is changed after loading, read from the code: a head replaced, added or removed,
layers frozen, an adapter (LoRA, ...) put on it, its token embeddings resized, its weights trained.

Each finding names the load it changes (through the bindings: a variable, ``self.x``, a loop variable
over its parts), one of taxonomy.ADAPTATIONS, what was done, and the line. Pure ast: nothing is
imported or run. docs/adaptations-from-code.md explains which change maps to which adaptation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..check.loads import Load
from ..check.values import dotted, source_text
from ..taxonomy import ADAPTER
from . import InferredAdaptation, Site
from .bindings import ModelBindings

AS_IS = "as-is"  # used unchanged: what freezing alone leaves the weights
WEIGHTS = "weights"
ADDITION = "addition"
DELETION = "deletion"
MODIFICATION = "modification"
CONFIGURATION = "configuration"

_TEXT = 100  # characters of a statement kept as evidence
_DETAIL_TEXT = 60  # of an expression named in a detail
_DETAIL = 200  # of a detail

# Modules pretrained architectures already have (torchvision, timm, transformers, diffusers pipelines):
# assigning one replaces it; assigning any other name adds a module the checkpoint does not have.
_HEADS = frozenset(
    {
        "classifier", "fc", "head", "heads", "lm_head", "score", "qa_outputs", "cls", "classification_head",
        "last_linear", "AuxLogits", "pre_classifier", "head_drop", "mlp_head", "fc_norm", "global_pool",
    }
)  # fmt: skip
_KNOWN_MODULES = _HEADS | frozenset(
    {
        "conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "avgpool", "features", "conv_proj",
        "encoder", "decoder", "embeddings", "pooler", "dropout", "stem", "blocks", "norm", "patch_embed",
        "vision_model", "text_model", "visual_projection", "text_projection", "visual", "transformer",
        "unet", "vae", "text_encoder", "text_encoder_2", "image_encoder", "controlnet", "safety_checker",
        "prior", "model", "backbone", "neck",
    }
)  # fmt: skip
# A module's tensors: assigning one changes weights, not the architecture.
_TENSORS = frozenset({"weight", "bias"})
# Pipeline parts without weights: swapping one changes how the model is run, not the model.
_CONFIG_PARTS = frozenset(
    {"scheduler", "config", "generation_config", "tokenizer", "tokenizer_2", "feature_extractor"}
    | {"image_processor", "processor"}
)
# How module classes with weights are named: called on a model's output, one makes a head (a loss,
# dropout, activation, pooling or norm does not).
_WEIGHTED = (
    r"Linear|Conv\w*|Sequential|Head|MLP|Mlp|Classifier|Projection|Projector|Regressor|Embedding|Bilinear"
    r"|LSTM|GRU|RNN|Attention|Block|Layer|Encoder|Decoder|Adapter|Dense"
)
_HEAD_CLASS = re.compile(rf"({_WEIGHTED})$")
# How any module class is named: only such a class, assigned to a name no pretrained model has, is a
# module added (model.callback = Callback() is not).
_MODULE_CLASS = re.compile(rf"({_WEIGHTED}|Module|ModuleList|ModuleDict|Norm|Pooling|Pool\w*|Dropout)$")
# Load arguments that change the head, by keyword and the literal's repr (0 is not False).
_AT_LOAD = {
    ("include_top", "False"): (DELETION, "head left out at load"),  # Keras
    ("num_classes", "0"): (DELETION, "head left out at load"),  # timm
    ("features_only", "True"): (DELETION, "head left out at load"),  # timm
    ("ignore_mismatched_sizes", "True"): (MODIFICATION, "head re-initialised at load"),  # transformers
}
# Class factories that build a module: X.from_pretrained(...) is an X.
_FACTORIES = frozenset({"from_pretrained", "from_config", "from_single_file"})

_OPTIMIZERS = frozenset(
    {
        "SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "NAdam", "RAdam", "LBFGS",
        "Rprop", "ASGD", "SparseAdam", "Adafactor", "Lion", "LAMB", "Lamb", "FusedAdam", "AdamW8bit",
        "Adam8bit", "PagedAdamW", "PagedAdamW8bit", "DeepSpeedCPUAdam", "Prodigy",
    }
)  # fmt: skip
_OPTIMIZER_MODULES = frozenset({"optim", "optimizers"})
# Methods that hand back a part of a model are named get_...: model.get_input_embeddings(),
# get_encoder(), get_submodule("x"), LLaVA's get_model() are parts, like model.encoder.
_PART_GETTER = "get_"
_PARAMETERS = frozenset({"parameters", "named_parameters"})
_BACKWARD = frozenset({"backward", "manual_backward"})
_MAX_ALIASES = 8  # names followed to the part they stand for (a = b.x; c = a.y ...)

# PEFT configs by class: the method named in a detail.
_PEFT_METHODS = {
    "LoraConfig": "LoRA",
    "AdaLoraConfig": "AdaLoRA",
    "LoHaConfig": "LoHa",
    "LoKrConfig": "LoKr",
    "IA3Config": "IA3",
    "OFTConfig": "OFT",
    "BOFTConfig": "BOFT",
    "VeraConfig": "VeRA",
    "PrefixTuningConfig": "prefix-tuning",
    "PromptTuningConfig": "prompt-tuning",
    "PromptEncoderConfig": "p-tuning",
}
# The LoRA settings a detail shows, when literal: keyword -> label.
_PEFT_SETTINGS = {"r": "r", "lora_alpha": "alpha", "target_modules": "targets"}


@dataclass(frozen=True)
class _Part:
    """The loaded models an expression may hold (usually one), or the part of each at ``path`` (""
    for the whole, "encoder", "classifier[6]")."""

    loads: frozenset[Load]
    path: str


@dataclass(frozen=True)
class _Where:
    """Where a statement stands: its function's qualified name (None at module level), that function
    (or the module), the loops around it, innermost last, and the class whose method it is in."""

    function: str | None
    scope: ast.AST
    loops: tuple[ast.For | ast.AsyncFor, ...]
    cls: ast.ClassDef | None = None


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor)
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_HANDLERS = (ast.ExceptHandler, ast.match_case)  # hold statements, are no statement


def find_adaptations(tree: ast.Module, path: str, bindings: ModelBindings) -> list[InferredAdaptation]:
    """Every change the file makes to a loaded model, in line order, each once."""
    finder = _Finder(tree, path, bindings)
    found: dict[tuple[Load, str, str], InferredAdaptation] = {}
    for statement, where in _statements(tree):
        for adaptation in finder.statement(statement, where):
            found.setdefault((adaptation.model, adaptation.adaptation, adaptation.detail), adaptation)
    # Training after a trainable adapter is put on trains the adapter: the base's weights stay as they were.
    kept = [a for a in found.values() if not (a.adaptation == WEIGHTS and a.model in finder.adapter_trained)]
    return sorted(kept, key=lambda a: (a.evidence.line, a.adaptation, a.detail))


def _statements(tree: ast.Module) -> Iterator[tuple[ast.stmt, _Where]]:
    """Every statement with where it stands; iterative, since a generated file may nest deeply."""
    stack: list[tuple[ast.stmt, _Where, tuple[str, ...]]] = [
        (s, _Where(None, tree, ()), ()) for s in reversed(tree.body)
    ]
    while stack:
        statement, where, names = stack.pop()
        yield statement, where
        inner, inner_names = where, names
        if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            inner_names = (*names, statement.name)
            if isinstance(statement, _FUNCTIONS):
                inner = _Where(".".join(inner_names), statement, (), where.cls)
            else:
                inner = _Where(where.function, where.scope, where.loops, statement)
        elif isinstance(statement, _LOOPS):
            inner = _Where(where.function, where.scope, (*where.loops, statement), where.cls)
        children: list[ast.stmt] = []
        for field in _BLOCKS:
            for child in getattr(statement, field, ()):
                children += child.body if isinstance(child, _HANDLERS) else [child]
        stack += [(child, inner, inner_names) for child in reversed(children)]


def _own_expressions(statement: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a statement's own expressions, not of the statements of its blocks or bodies."""
    stack: list[ast.AST] = [
        child for child in ast.iter_child_nodes(statement) if not isinstance(child, (ast.stmt, *_HANDLERS))
    ]
    if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
        stack = [*statement.decorator_list]  # defaults and bases hold no model to change
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


class _Finder:
    def __init__(self, tree: ast.Module, path: str, bindings: ModelBindings) -> None:
        self.tree = tree
        self.path = path
        self.bindings = bindings
        self._trains: bool | None = None
        self.adapter_trained: set[Load] = set()  # loads given an adapter to train (get_peft_model)
        # Per function (or module), by id: the statements binding each name, in line order.
        self._bound: dict[int, dict[str, list[ast.stmt]]] = {}
        self._written: dict[int, dict[str, list[ast.stmt]]] = {}  # per class, by id: self.attr = ...
        self._headed: set[tuple[Load, int]] = set()  # (model, function id) given a head already

    def bindings_of(self, name: str, scope: ast.AST) -> list[ast.stmt]:
        """The statements of a function (or module) that bind ``name``, in line order (indexed once
        per function: a file asks this at every self.x = ...)."""
        index = self._bound.get(id(scope))
        if index is None:
            index = self._bound[id(scope)] = {}
            for statement in _scope_statements(scope):
                for bound in _bound_names(statement):
                    index.setdefault(bound, []).append(statement)
        return index.get(name, [])

    def _assigned_once(self, name: str, scope: ast.AST) -> ast.Assign | None:
        """The one assignment of an attribute or index chain to ``name`` in a function (or module),
        when it is the name's only binding there."""
        found = self.bindings_of(name, scope)
        if len(found) != 1 or not isinstance(found[0], ast.Assign) or len(found[0].targets) != 1:
            return None
        chained = isinstance(found[0].value, (ast.Attribute, ast.Subscript))
        return found[0] if chained and isinstance(found[0].targets[0], ast.Name) else None

    def statement(self, statement: ast.stmt, where: _Where) -> Iterator[InferredAdaptation]:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                yield from self._assigned(target, statement.value, statement, where)
        elif isinstance(statement, ast.Expr) and (set_to := _setattr(statement.value)) is not None:
            yield from self._assigned(*set_to, statement, where)
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                yield from self._deleted(target, statement, where)
        elif isinstance(statement, _LOOPS):
            yield from self._frozen_loop(statement, where)
        for node in _own_expressions(statement):
            if isinstance(node, ast.Call):
                yield from self._call(node, statement, where)
                yield from self._head_on_output(node, statement, where)
            elif isinstance(node, ast.Subscript):
                yield from self._children_cut(node, statement, where)

    # -- parts of models -------------------------------------------------------------------------------

    def part_of(self, expr: ast.expr, at: ast.AST, where: _Where, *, whole: bool = True) -> _Part | None:
        """The loaded model ``expr`` is, or is a part of, with the part's path. The bindings say a part
        holds its model (model.encoder is the model's load), so the path starts at the shortest prefix
        of the attribute and index chain that holds one. A name that stands for a part is read first:
        a loop variable over one (for layer in model.encoder.layer), or a name assigned one once in the
        function (enc = model.encoder). ``whole=False`` asks only about the prefixes: an assigned
        attribute is a part or nothing (and setattr's, made here, is not a node the bindings know)."""
        root, path = _chain(expr)
        loops = where.loops
        for _ in range(_MAX_ALIASES):
            if not isinstance(root, ast.Name):
                break
            loop = _loop_over(root.id, loops)
            if loop is not None:
                # Only the loops outside this one can bind what it iterates: no cycle through them.
                loops = loops[: loops.index(loop)]
                item = _iterated(loop)
                if item is None:
                    break
                root, outer = _chain(item)
                path, at = outer + path, loop
                continue
            assigned = self._assigned_once(root.id, where.scope)
            if assigned is None:
                break
            root, outer = _chain(assigned.value)
            path, at = outer + path, assigned
        node: ast.expr = root
        for index in range(len(path) + whole):
            # Every model the name may hold: one of several alternatives (m = A(...) if x else B(...)),
            # each of a list looped over (for m in (vae, text_encoder)) is changed alike.
            models = self.bindings.held(node, self.bindings.scope_of(at)).models
            if models:
                return _Part(models, "".join(text for _, text in path[index:]).lstrip("."))
            if index < len(path):
                node = path[index][0]
        return None

    def _found(
        self, part: _Part, adaptation: str, detail: str, statement: ast.stmt, text: str | None = None
    ) -> Iterator[InferredAdaptation]:
        """The finding for each model of the part, with the statement as evidence (or ``text`` for it:
        a loop's header and body)."""
        shown = _shorten(_source(statement) if text is None else text, _TEXT)
        site = Site(self.path, statement.lineno, shown)
        for load in sorted(part.loads, key=lambda load: (load.path, load.line, load.column)):
            yield InferredAdaptation(load, adaptation, _shorten(detail, _DETAIL), site)

    # -- heads: assigned or deleted attributes ---------------------------------------------------------

    def _assigned(
        self, target: ast.expr, value: ast.expr, statement: ast.stmt, where: _Where
    ) -> Iterator[InferredAdaptation]:
        if not isinstance(target, (ast.Attribute, ast.Subscript)):
            return
        built = _built(value)
        if built is None and not isinstance(value, (ast.Constant, ast.Name, ast.Attribute)):
            return  # a call that builds no module (m.half()), an expression: not worth asking the bindings
        part = self.part_of(target, statement, where, whole=False)
        if part is None or not part.path or _is_configuration(part.path):
            return  # the model itself rebound, or a setting in its config
        name = _last_name(part.path)
        if name == "trainable" and isinstance(target, ast.Attribute):
            # Keras: layer.trainable = False freezes it.
            if _is_false(value):
                yield from self._found(part, AS_IS, _frozen(part.path[: -len(name)].rstrip(".")), statement)
        elif name in _TENSORS or (built is not None and _tail(built) == "Parameter"):
            # Weights written by hand (model.v_head.bias = nn.Parameter(...)): new values, same modules.
            if built is not None:
                yield from self._found(part, WEIGHTS, f"{part.path} set to a new {built}", statement)
        elif isinstance(value, ast.Constant) and value.value is None:
            yield from self._found(part, DELETION, f"{part.path} removed (set to None)", statement)
        elif built is not None and _tail(built) == "Identity":
            yield from self._found(part, DELETION, f"{part.path} removed (replaced by {built})", statement)
        elif name in _CONFIG_PARTS or (built is not None and built.endswith("Scheduler")):
            if built is not None:
                yield from self._found(part, CONFIGURATION, f"{part.path} replaced by {built}", statement)
        elif built is not None and _is_existing(part.path):
            yield from self._found(part, MODIFICATION, f"{part.path} replaced by {built}", statement)
        elif built is not None and _is_module_class(built):
            yield from self._found(part, ADDITION, f"{part.path} added: {built}", statement)
        elif isinstance(value, (ast.Name, ast.Attribute)) and name in _HEADS:
            # A head built earlier (head = nn.Sequential(...); model.fc = head).
            yield from self._found(
                part,
                MODIFICATION,
                f"{part.path} replaced by {_source(value, _DETAIL_TEXT)}",
                statement,
            )

    def _deleted(self, target: ast.expr, statement: ast.stmt, where: _Where) -> Iterator[InferredAdaptation]:
        if not isinstance(target, (ast.Attribute, ast.Subscript)):
            return
        part = self.part_of(target, statement, where, whole=False)
        if part is not None and part.path and not _is_configuration(part.path):
            yield from self._found(part, DELETION, f"{part.path} deleted", statement)

    # -- frozen layers ---------------------------------------------------------------------------------

    def _frozen_loop(self, loop: ast.For | ast.AsyncFor, where: _Where) -> Iterator[InferredAdaptation]:
        """for p in model[.part].parameters(): p.requires_grad = False (also named_parameters(), under
        an if on the name, or p.requires_grad_(False))."""
        over = loop.iter
        if not (isinstance(over, ast.Call) and isinstance(over.func, ast.Attribute)):
            return
        if over.func.attr not in _PARAMETERS:
            return
        parameter = _parameter_variable(loop.target, named=over.func.attr == "named_parameters")
        if parameter is None:
            return
        found = _freezing(loop.body, parameter, ())
        if found is None:
            return
        freeze, conditions = found
        part = self.part_of(over.func.value, loop, where)
        if part is None:
            return
        where_text = " and ".join(conditions)
        if where_text:
            scope = f"{part.path} parameters" if part.path else "parameters"
            detail = f"frozen: {scope} where {where_text}"
        else:
            detail = _frozen(part.path)
        names = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
        header = ", ".join(_source(name) for name in names)  # unparse writes a tuple in parentheses
        text = f"for {header} in {_source(over)}: {_source(freeze)}"
        yield from self._found(part, AS_IS, detail, loop, text)

    # -- calls on or with a model ----------------------------------------------------------------------

    def _call(self, call: ast.Call, statement: ast.stmt, where: _Where) -> Iterator[InferredAdaptation]:
        name = dotted(call.func) or ""
        last = name.rsplit(".", 1)[-1] if name else getattr(call.func, "attr", "")
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if call.keywords:
            yield from self._head_at_load(call, statement)
        if (
            last == "requires_grad_"
            and receiver is not None
            and _is_false(_argument(call, 0, "requires_grad"))
        ):
            part = self.part_of(receiver, call, where)
            if part is not None:
                yield from self._found(part, AS_IS, _frozen(part.path), statement)
        elif last == "resize_token_embeddings" and receiver is not None:
            part = self.part_of(receiver, call, where)
            size = _argument(call, 0, "new_num_tokens")
            if part is not None:
                owner = f"{part.path} " if part.path else ""
                shown = f" to {_source(size, _DETAIL_TEXT)}" if size is not None else ""
                yield from self._found(
                    part, MODIFICATION, f"{owner}token embeddings resized{shown}", statement
                )
        elif (method := _adapter_method(name, last)) is not None:
            yield from self._adapter(call, method, receiver, statement, where)
        elif _is_optimizer(name):
            yield from self._optimizer(call, statement, where)
        elif last == "Sequential":
            yield from self._stacked(call, statement)
        elif last.endswith("Trainer") and self._trainer_trains(call, statement, where):
            model = _argument(call, 0, "model")
            part = None if model is None else self.part_of(model, call, where)
            config = self._config(call, _TRAINER_PEFT, where)
            if part is not None and config is not None:
                # trl's trainers put the adapter on themselves: the base stays as it was.
                self.adapter_trained.update(part.loads)
                what = _TRAINER_PEFT.describe(call, config)
                yield from self._found(
                    part, ADAPTER, f"{what} trained in {self._where(where)} by {last}", statement
                )
            elif part is not None:
                yield from self._found(part, WEIGHTS, self._fine_tuned(where, f"by {last}"), statement)
        elif last == "fit" and receiver is not None:
            part = self.part_of(receiver, call, where)
            if part is not None and not part.path:
                yield from self._found(part, WEIGHTS, self._fine_tuned(where, "by fit"), statement)

    def _head_on_output(
        self, call: ast.Call, statement: ast.stmt, where: _Where
    ) -> Iterator[InferredAdaptation]:
        """A module built in the code (head = nn.Linear(...), self.classifier = MyHead(...)) called on
        what a model computed: a head added on top of the model. Only the first in a function: the
        layers stacked after it compute from the head's output as much as from the model's."""
        head = self._built_head(call.func, where)
        if head is None:
            return
        scope = self.bindings.scope_of(call)
        computed: set[Load] = set()
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            computed |= self.bindings.held(argument, scope).derived
        computed -= {load for load in computed if (load, id(where.scope)) in self._headed}
        self._headed.update((load, id(where.scope)) for load in computed)
        name = _source(call.func, _DETAIL_TEXT)
        yield from self._found(
            _Part(frozenset(computed), ""), ADDITION, f"{name} ({head}) added on its output", statement
        )

    def _stacked(self, call: ast.Call, statement: ast.stmt) -> Iterator[InferredAdaptation]:
        """nn.Sequential(backbone, nn.Linear(...)), keras.Sequential([base, layers.Dense(10)]): the
        first module with weights built after a model is a head added on top of it."""
        items = call.args
        if len(items) == 1 and isinstance(items[0], (ast.List, ast.Tuple)):
            items = items[0].elts
        scope = self.bindings.scope_of(call)
        models: frozenset[Load] = frozenset()
        for item in items:
            built = _built(item)
            if models and built is not None and _HEAD_CLASS.search(_tail(built)):
                container = _source(call.func, _DETAIL_TEXT)
                detail = f"{built} added after it in {container}"
                yield from self._found(_Part(models, ""), ADDITION, detail, statement)
                return
            models = models or self.bindings.held(item, scope).models

    def _built_head(self, func: ast.expr, where: _Where) -> str | None:
        """The weighted module class a callee was built as, in this file: built right there (Keras'
        layers.Dense(10)(x)), a name assigned one in the function or at module level, or self.attr
        assigned one in a method of the class."""
        if isinstance(func, ast.Call):
            built_here = _built(func)
            return built_here if built_here is not None and _HEAD_CLASS.search(_tail(built_here)) else None
        if isinstance(func, ast.Name):
            assigned = self.bindings_of(func.id, where.scope) or self.bindings_of(func.id, self.tree)
        elif isinstance(func, ast.Attribute) and _is_name(func.value, "self") and where.cls is not None:
            assigned = self._self_writes(where.cls).get(func.attr, [])
        else:
            return None
        built = {_built(s.value) for s in assigned if isinstance(s, ast.Assign)}
        heads = {b for b in built if b is not None and _HEAD_CLASS.search(_tail(b))}
        # One module class on every binding: a name that may also hold anything else is not read.
        return heads.pop() if len(heads) == 1 and len(built) == 1 else None

    def _self_writes(self, cls: ast.ClassDef) -> dict[str, list[ast.stmt]]:
        """self.attr = ... in the methods of a class, by attribute (indexed once per class)."""
        index = self._written.get(id(cls))
        if index is None:
            index = self._written[id(cls)] = {}
            for method in cls.body:
                if not isinstance(method, _FUNCTIONS):
                    continue
                for statement in _scope_statements(method):
                    targets = statement.targets if isinstance(statement, ast.Assign) else []
                    for target in targets:
                        if isinstance(target, ast.Attribute) and _is_name(target.value, "self"):
                            index.setdefault(target.attr, []).append(statement)
        return index

    def _children_cut(
        self, node: ast.Subscript, statement: ast.stmt, where: _Where
    ) -> Iterator[InferredAdaptation]:
        """list(model.children())[:-1]: the model without its last modules (its head)."""
        listed, cut = node.value, node.slice
        if not (
            isinstance(listed, ast.Call)
            and isinstance(listed.func, ast.Name)
            and listed.func.id == "list"
            and len(listed.args) == 1
            and isinstance(children := listed.args[0], ast.Call)
            and isinstance(children.func, ast.Attribute)
            and children.func.attr == "children"
            and isinstance(cut, ast.Slice)
            and cut.lower is None
            and isinstance(cut.upper, ast.UnaryOp)
            and isinstance(cut.upper.op, ast.USub)
            and isinstance(cut.upper.operand, ast.Constant)
            and isinstance(count := cut.upper.operand.value, int)
        ):
            return
        part = self.part_of(children.func.value, statement, where)
        if part is not None and count > 0:
            owner = f"{part.path} " if part.path else ""
            modules = "module" if count == 1 else f"{count} modules"
            detail = f"{owner}last {modules} cut off (children()[:-{count}])"
            yield from self._found(part, DELETION, detail, statement)

    def _head_at_load(self, call: ast.Call, statement: ast.stmt) -> Iterator[InferredAdaptation]:
        """A load told to leave the head out (Keras include_top=False, timm num_classes=0 or
        features_only=True) or to make a new one (transformers ignore_mismatched_sizes=True)."""
        for keyword in call.keywords:
            value = keyword.value
            change = _AT_LOAD.get((keyword.arg or "", repr(getattr(value, "value", None))))
            if not isinstance(value, ast.Constant) or change is None:
                continue
            load = self.bindings.model_of(call, statement)
            if load is not None:
                adaptation, what = change
                detail = f"{what} ({keyword.arg}={value.value!r})"
                yield from self._found(_Part(frozenset({load}), ""), adaptation, detail, statement)

    def _adapter(
        self, call: ast.Call, method: str, receiver: ast.expr | None, statement: ast.stmt, where: _Where
    ) -> Iterator[InferredAdaptation]:
        spec = _ADAPTER_CALLS[method]
        model = receiver if spec.on_receiver else _argument(call, spec.model_position, spec.model_keyword)
        part = None if model is None else self.part_of(model, call, where)
        if part is None:
            return
        if spec.trainable:
            self.adapter_trained.update(part.loads)
        what = spec.describe(call, self._config(call, spec, where))
        owner = f" on {part.path}" if part.path else ""
        yield from self._found(part, spec.adaptation, f"{what}{owner} via {method}", statement)

    def _config(self, call: ast.Call, spec: _AdapterCall, where: _Where) -> ast.Call | None:
        """The PEFT config a call is given, as the class it constructs (LoraConfig(...)): written there,
        or assigned to the name passed, in the same function, before the call. None for what only the
        run knows (get_peft_config(args), which may be None)."""
        if spec.config is None:
            return None
        config = _argument(call, *spec.config)
        if isinstance(config, ast.Name):
            before = [s for s in self.bindings_of(config.id, where.scope) if s.lineno < call.lineno]
            config = before[-1].value if before and isinstance(before[-1], ast.Assign) else None
        return config if isinstance(config, ast.Call) and _built(config) is not None else None

    def _optimizer(self, call: ast.Call, statement: ast.stmt, where: _Where) -> Iterator[InferredAdaptation]:
        """An optimizer over a model's parameters, in a file that runs backward passes."""
        parts: dict[Load, set[str]] = {}
        for parameters, at in self._parameters_given(call, where):
            part = self.part_of(parameters, at, where)
            if part is not None:
                for load in part.loads:
                    parts.setdefault(load, set()).add(part.path)
        if not parts or not self._runs_backward():
            return
        for load, paths in parts.items():
            of = "" if "" in paths else f"({', '.join(sorted(paths))})"
            yield from self._found(
                _Part(frozenset({load}), ""), WEIGHTS, self._fine_tuned(where, of), statement
            )

    def _parameters_given(self, call: ast.Call, where: _Where) -> Iterator[tuple[ast.expr, ast.AST]]:
        """X of each X.parameters() an optimizer is given, written in its arguments or in what a name
        given holds (params = itertools.chain(unet.parameters(), ...) before the call, in the same
        function), with the node it is read at."""
        pending: list[tuple[ast.expr, ast.AST, int]] = [
            (a, call, 0) for a in [*call.args, *(k.value for k in call.keywords)]
        ]
        followed: set[str] = set()
        while pending:
            expr, at, depth = pending.pop()
            for node in _walk([expr]):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in _PARAMETERS:
                        yield node.func.value, at
                elif isinstance(node, ast.Name) and depth < _MAX_ALIASES and node.id not in followed:
                    followed.add(node.id)
                    for bound in self.bindings_of(node.id, where.scope):
                        value = getattr(bound, "value", None)
                        if bound.lineno < call.lineno and isinstance(value, ast.expr):
                            pending.append((value, bound, depth + 1))

    def _runs_backward(self) -> bool:
        if self._trains is None:
            self._trains = any(
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _BACKWARD
                for node in ast.walk(self.tree)
            )
        return self._trains

    def _trainer_trains(self, call: ast.Call, statement: ast.stmt, where: _Where) -> bool:
        """Whether a trainer is trained: Trainer(...).train(), or trainer = Trainer(...) and then
        trainer.train() (in the same function for a name, anywhere in the file for self.trainer)."""
        if isinstance(statement, ast.Expr):
            value = statement.value
            return isinstance(value, ast.Call) and _calls_train(value, lambda receiver: receiver is call)
        if not (
            isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1
        ):
            return False
        bound = dotted(statement.targets[0])
        if bound is None:
            return False
        searched = where.scope if isinstance(statement.targets[0], ast.Name) else self.tree
        return any(
            isinstance(node, ast.Call) and _calls_train(node, lambda receiver: dotted(receiver) == bound)
            for node in ast.walk(searched)
        )

    def _where(self, where: _Where) -> str:
        """The function, or at module level the file's name (its path is the evidence's)."""
        return where.function or self.path.rsplit("/", 1)[-1]

    def _fine_tuned(self, where: _Where, how: str) -> str:
        detail = f"fine-tuned in {self._where(where)}"
        return f"{detail} {how}" if how else detail


@dataclass(frozen=True)
class _AdapterCall:
    """A call that puts an adapter (or an embedding) on a model: where the model and the config are."""

    adaptation: str
    kind: str  # what is put on: "adapter", "LoRA weights", "textual-inversion embedding"
    on_receiver: bool = True  # model.load_adapter(...); else the model is an argument
    model_position: int = 0
    model_keyword: str = "model"
    config: tuple[int | None, str] | None = None  # where the PEFT config is: position, keyword
    id_position: int | None = None  # where the adapter's hub id is
    id_keywords: tuple[str, ...] = ()
    trainable: bool = False  # an adapter to train (get_peft_model), not a trained one loaded

    def describe(self, call: ast.Call, config: ast.Call | None) -> str:
        kind = self.kind
        settings = ""
        if config is not None:
            config_name = (dotted(config.func) or "").rsplit(".", 1)[-1]
            kind = f"{_PEFT_METHODS.get(config_name, config_name.removesuffix('Config') or 'PEFT')} adapter"
            shown = [
                f"{label}={_literal_text(k.value)}"
                for key, label in _PEFT_SETTINGS.items()
                for k in config.keywords
                if k.arg == key and _literal_text(k.value) is not None
            ]
            settings = f" ({', '.join(shown)})" if shown else ""
        adapter_id = None
        if self.id_position is not None:
            value = _argument(call, self.id_position, *self.id_keywords)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                adapter_id = value.value
        named = f" {adapter_id}" if adapter_id else ""
        return f"{kind}{named}{settings}"


_ADAPTER_CALLS = {
    "get_peft_model": _AdapterCall(
        ADAPTER, "adapter", on_receiver=False, config=(1, "peft_config"), trainable=True
    ),
    "inject_adapter_in_model": _AdapterCall(
        ADAPTER, "adapter", on_receiver=False, model_position=1, config=(0, "peft_config"), trainable=True
    ),
    "add_adapter": _AdapterCall(ADAPTER, "adapter", config=(0, "adapter_config"), trainable=True),
    "prepare_model_for_kbit_training": _AdapterCall(
        ADAPTER, "prepared for k-bit adapter training", on_receiver=False, trainable=True
    ),
    "PeftModel.from_pretrained": _AdapterCall(  # also PeftModelForCausalLM..., PeftMixedModel
        ADAPTER, "adapter", on_receiver=False, id_position=1, id_keywords=("model_id",)
    ),
    "load_adapter": _AdapterCall(ADAPTER, "adapter", id_position=0, id_keywords=("peft_model_id",)),
    "load_lora_weights": _AdapterCall(
        ADAPTER, "LoRA weights", id_position=0, id_keywords=("pretrained_model_name_or_path_or_dict",)
    ),
    "load_ip_adapter": _AdapterCall(
        ADAPTER, "IP-Adapter", id_position=0, id_keywords=("pretrained_model_name_or_path_or_dict",)
    ),
    "load_textual_inversion": _AdapterCall(
        ADDITION, "textual-inversion embedding", id_position=0, id_keywords=("pretrained_model_name_or_path",)
    ),
}


# SFTTrainer(model, peft_config=LoraConfig(...)): a trainer that puts the adapter on.
_TRAINER_PEFT = _AdapterCall(ADAPTER, "adapter", on_receiver=False, config=(None, "peft_config"))


# -- small readers of the tree --------------------------------------------------------------------------


def _walk(nodes: list[ast.expr]) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _scope_statements(scope: ast.AST) -> Iterator[ast.stmt]:
    """The statements of a function or module in line order, nested blocks included, not nested
    functions or classes."""
    found: list[ast.stmt] = []
    stack: list[ast.stmt] = list(getattr(scope, "body", ()))
    while stack:
        statement = stack.pop()
        found.append(statement)
        if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            continue
        for field in _BLOCKS:
            for child in getattr(statement, field, ()):
                stack += child.body if isinstance(child, _HANDLERS) else [child]
    return iter(sorted(found, key=lambda s: (s.lineno, s.col_offset)))


def _chain(expr: ast.expr) -> tuple[ast.expr, tuple[tuple[ast.expr, str], ...]]:
    """An attribute and index chain's root, and each longer prefix with what it adds (.fc, [6],
    .get_input_embeddings())."""
    steps: list[tuple[ast.expr, str]] = []
    node = expr
    while True:
        if isinstance(node, ast.Attribute):
            steps.append((node, f".{node.attr}"))
            node = node.value
        elif isinstance(node, ast.Subscript):
            steps.append((node, f"[{_source(node.slice, _DETAIL_TEXT)}]"))
            node = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith(_PART_GETTER)
            and not node.keywords
            and len(node.args) <= 1
        ):
            steps.append((node, f".{_source(node, _DETAIL_TEXT).rsplit('.', 1)[-1]}"))
            node = node.func.value
        else:
            return node, tuple(reversed(steps))


def _iterated(loop: ast.For | ast.AsyncFor) -> ast.expr | None:
    """What a loop's variable is an item of: X in ``for v in X`` and ``for i, v in enumerate(X)``."""
    if isinstance(loop.target, ast.Name):
        return loop.iter
    over = loop.iter
    if (
        isinstance(loop.target, ast.Tuple)
        and len(loop.target.elts) == 2
        and isinstance(over, ast.Call)
        and isinstance(over.func, ast.Name)
        and over.func.id == "enumerate"
        and over.args
    ):
        return over.args[0]
    return None


def _bound_names(statement: ast.stmt) -> Iterator[str]:
    """The names a statement binds: assignment, loop and with targets, imports, definitions."""
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign, *_LOOPS)):
        targets = [statement.target]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        yield from ((alias.asname or alias.name).split(".")[0] for alias in statement.names)
    elif isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
        yield statement.name
    for target in targets:
        yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))


def _loop_over(name: str, loops: tuple[ast.For | ast.AsyncFor, ...]) -> ast.For | ast.AsyncFor | None:
    """The innermost loop whose variable is ``name`` (also ``for i, name in enumerate(...)``)."""
    for loop in reversed(loops):
        target = loop.target
        if isinstance(target, ast.Name) and target.id == name:
            return loop
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and _is_name(target.elts[1], name):
            return loop
    return None


def _argument(call: ast.Call, position: int | None, *keywords: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if (
        position is not None
        and position < len(call.args)
        and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1])
    ):
        return call.args[position]
    return None


def _adapter_method(name: str, last: str) -> str | None:
    """The _ADAPTER_CALLS key of a call: its method, or PeftModel.from_pretrained for any Peft class's."""
    if last == "from_pretrained":
        owner = name.rsplit(".", 2)[-2] if name.count(".") else ""
        return "PeftModel.from_pretrained" if owner.startswith("Peft") else None
    return last if last in _ADAPTER_CALLS else None


def _setattr(call: ast.expr) -> tuple[ast.Attribute, ast.expr] | None:
    """setattr(model, "fc", head) as the assignment model.fc = head it makes."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "setattr"):
        return None
    if len(call.args) != 3 or call.keywords:
        return None
    owner, name, value = call.args
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier()):
        return None
    return ast.copy_location(ast.Attribute(value=owner, attr=name.value, ctx=ast.Store()), call), value


def _is_false(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value is False


def _built(value: ast.expr) -> str | None:
    """The class a value constructs (nn.Linear(...) -> nn.Linear, X.from_pretrained(...) -> X), else None:
    torch.compile(m), m.to(device), a number or a string build no module."""
    if not isinstance(value, ast.Call):
        return None
    name = dotted(value.func)
    if name is None:
        return None
    parts = name.split(".")
    if parts[-1] in _FACTORIES and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts) if parts[-1][:1].isupper() else None


def _is_module_class(name: str) -> bool:
    """nn.Linear, torch.nn.Sequential, MyHead, ProjectionLayer; a pretrained X.from_pretrained(...) too."""
    parts = name.split(".")
    return "nn" in parts[:-1] or _MODULE_CLASS.search(parts[-1]) is not None


def _tail(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _last_name(path: str) -> str:
    """classifier[6] -> classifier; heads.head -> head."""
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def _is_configuration(path: str) -> bool:
    names = [name.split("[", 1)[0] for name in path.split(".")]
    return any(name in ("config", "generation_config") for name in names)


def _is_existing(path: str) -> bool:
    """Whether an assigned path names a module the checkpoint has: a known module name, an index
    (classifier[6]), or an attribute of a part (heads.head, encoder.layer)."""
    return _last_name(path) in _KNOWN_MODULES or "[" in path or "." in path


def _parameter_variable(target: ast.expr, *, named: bool) -> str | None:
    """p in ``for p in m.parameters()``; p in ``for name, p in m.named_parameters()``."""
    if named:
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
            return target.elts[1].id
        return None
    return target.id if isinstance(target, ast.Name) else None


def _freezing(
    body: list[ast.stmt], parameter: str, conditions: tuple[str, ...]
) -> tuple[ast.stmt, tuple[str, ...]] | None:
    """The statement in a loop body that freezes ``parameter`` and the if conditions around it."""
    for statement in body:
        if _freezes(statement, parameter):
            return statement, conditions
        if isinstance(statement, ast.If):
            test = _source(statement.test, _DETAIL_TEXT)
            inside = _freezing(statement.body, parameter, (*conditions, test)) or _freezing(
                statement.orelse, parameter, (*conditions, f"not ({test})")
            )
            if inside is not None:
                return inside
    return None


def _freezes(statement: ast.stmt, parameter: str) -> bool:
    """p.requires_grad = False, or p.requires_grad_(False)."""
    if isinstance(statement, ast.Assign):
        return _is_false(statement.value) and any(
            isinstance(t, ast.Attribute) and t.attr == "requires_grad" and _is_name(t.value, parameter)
            for t in statement.targets
        )
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        return (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "requires_grad_"
            and _is_name(call.func.value, parameter)
            and _is_false(_argument(call, 0, "requires_grad"))
        )
    return False


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _frozen(path: str) -> str:
    return f"frozen: {path}" if path else "frozen (all parameters)"


def _is_optimizer(name: str) -> bool:
    """torch.optim.AdamW, bnb.optim.AdamW8bit, Lion; optimizer_cls and optimizer_class, which scripts
    bind to one of those."""
    parts = name.split(".")
    return (
        parts[-1] in _OPTIMIZERS
        or (parts[-1][:1].isupper() and any(part in _OPTIMIZER_MODULES for part in parts[:-1]))
        or parts[-1].lower().startswith("optimizer_c")
    )


def _calls_train(call: ast.Call, is_trainer: Callable[[ast.expr], bool]) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "train" and is_trainer(func.value)


def _literal_text(value: ast.expr) -> str | None:
    """A literal setting as a detail shows it: 8, "all-linear", q_proj, v_proj."""
    if isinstance(value, ast.Constant) and isinstance(value.value, (int, float, str)):
        return str(value.value)
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
    ):
        return "[" + ", ".join(str(e.value) for e in value.elts if isinstance(e, ast.Constant)) + "]"
    return None


def _shorten(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _source(node: ast.AST, limit: int | None = None) -> str:
    """The node as written; "..." for one nested too deeply to unparse (a generated chain a.a.a...)."""
    try:
        return source_text(node, limit)
    except RecursionError:
        return "..."
