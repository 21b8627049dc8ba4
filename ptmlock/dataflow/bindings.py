"""What the expressions of one file hold: a loaded model, or data a model computed.

Each model load the scanner found (a Load, matched to its ast.Call by position) is followed to what
holds it, with `ptm check`'s scopes (values.py): names in statement order, ``self.x`` attributes set in
one method and read in another, what helper functions return (tuples too), parameters of functions of
the file given a model at their calls, ``.to(dev)``/``.eval()``/``.half()`` chains and wrappers
(DataParallel, torch.compile, accelerate's prepare), pipeline components (``pipe.unet`` is the
pipeline's load), names imported from another module of the project, the parameters of its classes and
functions that other modules call with models, the element of a dict literal a constant key picks
(``models["tts"]``) and the functions of one a call picks (``maps[kind](image)``), a generator's
yields; what is stored on objects (``self.models[k] = m``, ``self.queue.put(out)``, ``args.encoder =
m``), what base classes of the file or of another module set and define (a base class's methods read
for each subclass: its ``super().__init__(m)``, its override of ``self.process``), functions used as
values (a scorer a factory returns, a callback, ``executor.submit(f, x)``, ``Thread(target=f)``),
what the functions and constructors a list or queue is handed to put into it, and what the file saves
to a path it reads back (``torch.save(x, p)`` ... ``torch.load(p)``), and ``getattr(module, name)`` on
a module of the project (any of its functions).

What a model's call produces (``enc(**batch)``, ``.generate(...)``, ``.encode(...)``) is data *derived*
from it, and stays so through attributes, indexing, arithmetic and calls of other functions
(``torch.cat``, ``tok.decode(ids)``), until another model computes from it: its output is derived from
that model alone. Tokenizers, processors, configs, schedulers and datasets are no model: calling them
computes data from their input.
"""

from __future__ import annotations

import ast
import contextlib
import os
import posixpath
import re
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any, ClassVar, TypeGuard

from ..check import values
from ..check.loads import Load
from ..check.scanner import package_of
from ..check.values import (
    INSTANCE,
    LOCAL_PREFIX,
    PATH,
    REF,
    STR,
    FileContext,
    Scope,
    bind_block,
    bind_items,
    class_scope,
    function_scope,
    token_lines,
)


@dataclass(frozen=True)
class Held:
    """What an expression holds: the models it is (or is a part or wrapper of), the models whose
    output it was computed from, for a literal tuple or list (or a function returning one) what
    each element holds, for a function (a closure returned, a callback handed over) the models
    calling it runs on its arguments, and for a dict stored into under constant keys (a config:
    ``config["vae"]["ckpt_path"] = path``) what each key holds (None: under keys not known)."""

    models: frozenset[Load] = frozenset()
    derived: frozenset[Load] = frozenset()
    parts: tuple[Held, ...] | None = None
    runs: frozenset[Load] = frozenset()
    keys: tuple[tuple[str | None, Held], ...] | None = None

    def __or__(self, other: Held) -> Held:
        if not other.models and not other.derived and other.parts is None and not other.runs:
            return self
        if not self.models and not self.derived and self.parts is None and not self.runs:
            return other
        return Held(self.models | other.models, self.derived | other.derived, runs=self.runs | other.runs)

    def part(self, index: int) -> Held:
        """Element ``index`` of an unpacked value (``model, tok = load()``)."""
        if self.parts is not None:
            return self.parts[index] if 0 <= index < len(self.parts) else NOTHING
        return self

    def key(self, name: str) -> Held:
        """What ``value[name]`` holds: of a dict with keys known, that key's (and what unknown keys
        hold); of anything else, all of it."""
        if self.keys is None:
            return self
        return _union([held for key, held in self.keys if key in (name, None)])

    def data(self) -> Held:
        """The value as data: what a model (or a function running models) held here computes when
        it is called."""
        computed = self.models | self.derived | self.runs
        return Held(derived=computed) if computed else NOTHING


NOTHING = Held()


@dataclass(frozen=True)
class CallSite:
    """A call of the file, with its scope, the function (class, module) whose body holds it, the
    statement it is in, and whether it runs without gradients (torch.no_grad, inference_mode)."""

    call: ast.Call
    scope: Scope
    owner: ast.AST
    statement: ast.stmt | None
    grad_free: bool


# Callee names of loads that make a model's preprocessing, not a model: never an edge's end.
_PREPROCESSING = re.compile(
    r"token|processor|feature_?extractor|config|scheduler|vocab|image_?transform|transforms?\b",
    re.IGNORECASE,
)
# Methods that return the model they are called on (moved, cast, switched to eval).
SAME_MODEL_METHODS = frozenset(
    {"to", "eval", "train", "cuda", "cpu", "half", "float", "double", "bfloat16", "type", "requires_grad_"}
    | {"share_memory", "to_empty", "xpu", "npu", "mps", "compile", "merge_and_unload", "fuse_lora"}
    | {"enable_model_cpu_offload", "enable_sequential_cpu_offload", "get_base_model"}
)
# get_vision_tower(), get_encoder(): a part of the model (get_image_features() is an output).
_GETTER = re.compile(r"get_(?!.*features)\w*(?:tower|encoder|decoder|model|module|backbone|unet|vae)")
# Methods and attributes of a model that are not its output: parameters, settings, files, devices.
NOT_OUTPUT = frozenset(
    {"parameters", "named_parameters", "state_dict", "load_state_dict", "modules", "named_modules"}
    | {"children", "named_children", "buffers", "zero_grad", "save_pretrained", "save", "register_buffer"}
    | {"config", "device", "dtype", "name_or_path", "training", "apply", "set_progress_bar_config"}
    | {
        "resize_token_embeddings",
        "get_input_embeddings",
        "gradient_checkpointing_enable",
        "print_trainable_parameters",
    }
    | {
        "add_adapter",
        "load_adapter",
        "set_adapter",
        "load_lora_weights",
        "enable_xformers_memory_efficient_attention",
    }
    | {"num_parameters", "tie_weights", "register_forward_hook", "generation_config", "can_generate"}
    | {"post_init", "init_weights"}  # transformers' own set-up of a model's weights
    | {"backward"}  # a DeepSpeed engine's model.backward(loss): the step on a loss, no output
)
# Methods listing a model's top-level layers: a network built of them (a style-loss model adding them one by
# one, nn.Sequential(*list(cnn.children())[:-1])) runs that model. Not modules(): walked to patch or
# freeze layers in place (LoRA injection's), where a layer is no output of the model.
_SUBMODULES = frozenset({"children", "named_children"})
# A model's attributes that are sizes, not parts or outputs: ``prior.model.text_ctx``, ``unet.in_channels``.
_SIZE = re.compile(r"(?:^|_)(?:ctx|len|length|size|dim|channels|layers|heads)$|^(?:num|n|max|min)_")
# A model's own preprocessing, called on it: computes data from its input, runs no model.
_OWN_PREPROCESSING = frozenset({"tokenizer", "tokenize", "processor", "image_processor", "feature_extractor"})
_RUNS_NO_MODEL = SAME_MODEL_METHODS | NOT_OUTPUT | _OWN_PREPROCESSING  # model.to(device), blip.tokenizer(x)
# Calls that hand back the model they are given (wrapped for devices, compiled, adapted).
_WRAPPERS = frozenset(
    {"DataParallel", "DistributedDataParallel", "DDP", "FSDP", "FullyShardedDataParallel", "compile"}
    | {"get_peft_model", "prepare_model_for_kbit_training", "prepare_model_for_int8_training", "wrap"}
    | {"to_bettertransformer", "optimize", "convert_sync_batchnorm", "freeze", "unfreeze", "deepcopy"}
    | {"copy", "quantize_dynamic", "nullcontext", "unwrap_model", "unwrap", "extract_model_from_parallel"}
    | {"str", "fspath", "Path"}  # the path of a downloaded model file is that file
)
# Functions building a runnable around a model given by keyword: what they build is that model, wrapped
# (transformers' pipeline(task, model=m), LangChain's chains around an llm).
_WRAPPED_BY_KEYWORD = {
    "pipeline": "model",
    "create_stuff_documents_chain": "llm",
    "load_qa_chain": "llm",
    "load_summarize_chain": "llm",
    "create_history_aware_retriever": "llm",
}
# What an output is like, not what it holds: its shape, size, type and device.
_METADATA = frozenset(
    {"shape", "size", "dim", "ndim", "numel", "dtype", "device", "is_cuda", "requires_grad"}
)
# Record types built of keyword fields, read by key or attribute (``models.vae``).
_RECORDS = frozenset({"dict", "EasyDict", "edict", "SimpleNamespace", "AttrDict", "Munch", "DotMap", "Box"})
# A data file's name (``gen_table.jsonl``): scripts hand data on through such files (generate, then score).
DATA_FILE_NAME = r"[\w-]*[a-zA-Z][\w.-]*\.(?:jsonl?|tsv|csv|pkl|pickle|pt|npy|npz|parquet|arrow|h5|hdf5)"
_DATA_FILE = re.compile(rf"(?<![\w.-]){DATA_FILE_NAME}\Z")  # the name a path ends with
# One of a series of data files an f-string names (``noisy_latents_{t}.pt``), its hole spelled ``{}``:
# one script saves each step's latents, another reads them back by step.
DATA_FILE_SERIES = r"[\w-]*[a-zA-Z][\w-]*\{\}[\w-]*\.(?:pkl|pickle|pt|npy|npz|h5|hdf5)"
_DATA_FILE_SERIES = re.compile(rf"(?<![\w.{{}}-]){DATA_FILE_SERIES}\Z")
DATA_FILE_SERIES_NAME = re.compile(DATA_FILE_SERIES)
# A project's own writers of a value to a file: write_jsonlines(rows, path), save_json(path, obj).
_WRITE_HELPER = re.compile(
    r"(?:write|save|dump)_(?:jsonl?|jsonlines|lst_json|pickle|pkl|csv|tsv|lines|file|npy)"
)
_PATH_NAME = re.compile(r"path|file|dir|fname|folder", re.IGNORECASE)
# Images generated into a folder and read back by a script listing a folder (an evaluation script's
# CLIP score, classifier or style loss over a generator's outputs): the key files_written is asked by.
IMAGE_FOLDERS = "<images in a folder>"
_Placed = dict[int, tuple[list[ast.stmt], int]]  # by a node's id: the statement (block, index) holding it
# Functions and files preparing data: their images are a dataset's, not generated to be scored.
PREPROCESSING_CONTEXT = re.compile(
    r"(?:^|_)(?:preprocess|prepare|build_dataset|make_dataset|data_prep|annotate|caption|label)",
    re.IGNORECASE,
)
_IMAGE_FILE = re.compile(r"\.(?:png|jpe?g|webp|bmp)\Z", re.IGNORECASE)
_IMAGE_WRITERS = frozenset({"save_image", "imwrite", "imsave"})
_IMAGE_READERS = frozenset({"imread", "read_image", "load_image"})  # and Image.open
_FOLDER_LISTERS = frozenset({"listdir", "scandir", "walk", "glob", "iglob", "rglob", "iterdir"})
_MAX_PATH_HOPS = 4  # assignments a read image's path is followed back to the folder listing it
# torch's containers of submodules, filled after they are made
_MODULE_LIST = re.compile(r"ModuleList|ModuleDict|Sequential")
# accelerate's prepare (and the like): each argument comes back in the same place.
_PREPARERS = frozenset({"prepare", "initialize", "prepare_model"})
# What deepspeed.initialize returns, by the keywords giving them: (engine, optimizer, dataloader, scheduler).
_DEEPSPEED_RETURNS = ("model", "optimizer", "training_data", "lr_scheduler")
# Nodes that hold nothing to follow: a name's load/store context, operators, constants.
_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.Constant)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_MAX_DEPTH = 64
_MAX_RETURN_HOPS = 2  # functions returning what another returns, followed for the class of an instance
_MIN_STEPS = 3  # methods a driver method runs one after another to be read as ordered steps
# Past this many calls a helper function is followed through with its own arguments, it is read once
# with what all its calls pass; a small one (a few statements converting an image) at each of its calls,
# for each costs little and one read for all would mix what its callers give it.
_MAX_CONTEXTS = 4
_SMALL_FUNCTION = 120  # nodes
_MAX_CALLERS = 12  # a helper called more often has its model calls read once, with all its callers' models

Position = tuple[int, int]
# What a name imported from another module of the project holds.
Imported = Callable[[str, bool, int, "Followed | None"], Held]  # (dotted name, called, depth, the call)
# The models a function imported from another module of the project runs on its arguments.
ImportedRuns = Callable[[str, "Followed | None"], frozenset[Load]]  # (dotted name, the call)
ImportedInputs = Callable[[str], "Inputs | None"]  # (dotted name): see ModelBindings.inputs_of
# The modules of the project a file star-imports (by dotted name) -> which of them defines each name.
StarNames = Callable[[Sequence[str]], dict[str, str]]
# What the files of the project write to a data file of a name (``gen_table.jsonl``).
FilesWritten = Callable[[str, str, int], "Held"]  # (file name, the reading file's path, depth)
StoredElsewhere = Callable[[str, str, int], "Held"]  # (a module's path, a name of it, depth)


@dataclass(frozen=True)
class Inputs:
    """A function's positional parameters, and those of its parameters whose values reach a model."""

    positional: tuple[str, ...]
    reaching: frozenset[str]


# A call a function is followed through with: the call, its scope, and the bindings of the file it is
# in (None: the function's own file).
Followed = tuple[ast.Call, "Scope", "ModelBindings | None"]
# A class (its file's bindings, its definition, the scope it is defined in) a base class names.
ClassFound = tuple["ModelBindings", ast.ClassDef, Scope]
# The module-level class of another module of the project a dotted name imported from it names.
ImportedClass = Callable[[str], "ClassFound | None"]  # (dotted name)
# The calls of a module-level class or function of this file in other modules of the project that
# import it, each with their file.
Callers = Callable[[str], list[tuple["ModelBindings", "CallSite"]]]  # (class or function name)
# The self.method(...) calls in other modules' subclasses of a class: (class, method name).
SubclassCalls = Callable[[ast.ClassDef, str], list[tuple["ModelBindings", ast.Call, "Scope"]]]
Subclasses = Callable[[ast.ClassDef], list["ClassFound"]]  # the project's classes deriving from a class


def is_model(load: Load, call: ast.Call | None) -> bool:
    """Whether a load makes a model (an edge's end), not a tokenizer, processor, config, scheduler or
    dataset."""
    if load.pin.kind != "model":
        return False
    callee = values.source_text(call.func) if call is not None else load.call.split("(")[0]
    receiver, _, method = callee.rpartition(".")
    named = receiver or method  # AutoTokenizer.from_pretrained: the class; pipeline: the function
    return not _PREPROCESSING.search(named.rsplit(".", 1)[-1])


_GRAD_FREE = frozenset({"no_grad", "inference_mode"})


def grad_free(expr: ast.expr) -> bool:
    """torch.no_grad(), torch.inference_mode(), @torch.no_grad."""
    node = expr.func if isinstance(expr, ast.Call) else expr
    name = _last_name(node)
    return name in _GRAD_FREE


def _char_column(source_lines: list[bytes], line: int, byte_column: int) -> int:
    """The 1-based character column of a byte offset on a line (ast counts bytes, Load characters)."""
    if line - 1 >= len(source_lines):
        return byte_column + 1
    return len(source_lines[line - 1][:byte_column].decode("utf-8", "replace")) + 1


def _start(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


# The files a folder of a repo holds one model in (a pipeline's unet/, an adapter's folder).
_COMPONENT_FILE = re.compile(
    r"(diffusion_pytorch_model|pytorch_model|model|tf_model|flax_model|adapter_model|config|adapter_config)"
    r"([.-]|$)"
)


class ModelBindings:
    """The models (and models' outputs) each expression of one parsed file holds. ``imported`` reads what
    a name imported from another module of the project holds, ``imported_runs`` the models a function
    imported from one runs on its arguments, ``callers`` the calls of a class or function of the file in
    the modules importing it, ``imported_class`` the class a base class imported from one names,
    ``imported_inputs`` which parameters of an imported function reach its models, ``star_names`` which
    star-imported module defines a name (infer() gives them)."""

    # answers cut short by _MAX_DEPTH so far, in any file: a value followed into another module is cut
    # there, and what was worked out around it here must not be kept as final either
    depth_cuts: ClassVar[int] = 0

    def __init__(
        self,
        tree: ast.Module,
        source: bytes,
        path: str,
        loads: Sequence[Load],
        imported: Imported | None = None,
        imported_runs: ImportedRuns | None = None,
        callers: Callers | None = None,
        imported_class: ImportedClass | None = None,
        imported_inputs: ImportedInputs | None = None,
        star_names: StarNames | None = None,
        files_written: FilesWritten | None = None,
        stored_elsewhere: StoredElsewhere | None = None,
        repo_elsewhere: Callable[[Load], tuple[str | None, str | None]] | None = None,
        subclass_calls: SubclassCalls | None = None,
        subclasses: Subclasses | None = None,
        shadowed_libraries: frozenset[str] = frozenset(),
        ignores_instance: Callable[[str], bool] | None = None,
    ) -> None:
        self.tree = tree
        self.ignores_instance = ignores_instance  # see _Project.ignores_instance
        self.subclass_calls = subclass_calls
        self.subclasses = subclasses
        # ML libraries' names, less those a module of the project takes (a scripts/clip.py)
        self.libraries = values.ML_ROOTS - shadowed_libraries
        self._derived_from: dict[int, set[int]] | None = None  # see self_calls_in_subclasses
        self.files_written = files_written
        self.stored_elsewhere = stored_elsewhere  # what other modules set a placeholder of this one to
        self._module_stores: dict[str, list[tuple[str, ast.expr, Scope]]] = {}  # see module_stores
        self.repo_elsewhere = repo_elsewhere  # repo_of for a load of another file
        self.path = path
        self.imported = imported
        self.imported_runs = imported_runs
        self.callers = callers
        self.imported_class = imported_class
        self.imported_inputs = imported_inputs
        self._inputs: dict[int, Inputs] = {}  # of each function, by id: see _model_inputs
        self._lineages: dict[int, list[ClassFound]] = {}
        # a base class's __init__ read for a subclass -> the calls that run it (super().__init__(m))
        self._init_given: dict[int, list[tuple[ModelBindings, ast.Call, Scope]]] = {}
        # a base class's methods read for an instance of a subclass -> that subclass: self.process(x)
        # runs its override, self.queue its attribute
        self._self_class: dict[int, ClassFound] = {}
        self._self_key: tuple[int, ...] = ()  # the subclasses of _self_class, for the memo's keys
        self._class_memo: dict[tuple[object, ...], Held] = {}  # see _once
        self._picks_made: dict[int, ast.Subscript] = {}  # see _as_pick
        self._output_folders: list[tuple[str, ast.expr, Scope]] | None = None  # see _output_folder_writes
        self._driver_steps: dict[int, tuple[dict[int, int], frozenset[int]]] = {}  # see _later_steps
        self._handed_names: (
            dict[tuple[int, str], list[tuple[CallSite, ast.Call, int | None, str | None]]] | None
        ) = None
        self._runs_on_arguments: dict[int, frozenset[Load]] = {}  # of each function, by id
        self._helpers_followed: set[int] = set()  # see _helper_runs
        self._handed: dict[int, ast.Call | None] = {}  # a call -> the call of the function it runs
        self._handed_by_function: dict[int, list[tuple[ast.Call, Scope]]] | None = None
        # self.method handed over (Thread(target=self.loop, args=(q,))): by method name, with its site
        self._handed_methods: dict[str, list[tuple[CallSite, ast.Call]]] = {}
        # self(x) in a transformers Pipeline subclass -> the calls of its steps it makes (see _steps_of)
        self._steps: dict[int, tuple[ast.Call, ...]] = {}
        self._downloaded: dict[int, frozenset[Load]] = {}  # of each function, by id: see _downloads
        self._conversions: dict[int, bool] = {}  # of each function, by id: see _converts
        # of each function, by id: the attributes it sets, where each node is (see _statements_of)
        self._method_statements: dict[int, tuple[frozenset[str], _Placed, _Placed]] = {}  # _statements_of
        self._spelled: set[str] | None = None  # the file's string constants: see _named_here
        self._dead: dict[tuple[int, int], frozenset[tuple[int, str]]] = {}  # see _dead_branches
        # where the file's downloads write: (folder, file or None for all of it, load); see _downloaded_to
        self._download_targets: list[tuple[str, str | None, Load]] | None = None
        # downloads into a folder a name holds: (the folder's keys, the file's or None, call, scope)
        self._folder_downloads: list[_FolderDownload] | None = None
        self._saves: dict[tuple[str, str], list[tuple[ast.expr, Scope]]] | None = None  # by file
        self._write_calls: list[tuple[CallSite, ast.expr, ast.expr, Scope]] | None = None  # _site_writes
        self._lists_folders: bool | None = None  # see reads_image_folders
        self._parts_asked: set[int] = set()  # parameters whose callers' pipelines are being read
        self._property_names: frozenset[str] | None = None  # see _property
        # what is written below a folder a name holds, by (the scope binding the name, the name)
        self._folders_written: dict[tuple[int, str], list[tuple[ast.expr, Scope]]] | None = None
        # what the file writes to data files, by the file's name (see written_file)
        self._data_files: dict[str, list[tuple[ast.expr, Scope]]] | None = None
        ctx = FileContext(tree, source=source, walrus=token_lines(source, b":="))
        self.module = ctx.module = Scope(package_of(path), body=tree.body, ctx=ctx)
        bind_block(tree.body, self.module)
        if star_names is not None and len(self.module.stars) > 1:  # from utils import *; from models import *
            ctx.star_names = star_names(self.module.stars)
        self.ctx = ctx
        # Every node's scope, and each load's call.
        self.scopes: dict[int, Scope] = {}
        self.functions: dict[int, ast.AST] = {}  # a node -> the function or class body it is in (by id)
        self.loads: dict[int, Load] = {}
        self.calls: dict[Load, ast.Call] = {}
        self.models: frozenset[Load] = frozenset()
        self.sites: list[CallSite] = []  # every call of the file
        self.classes: dict[int, ast.ClassDef] = {}  # a method -> its class
        self.class_definitions: list[ast.ClassDef] = []
        self.method_calls: dict[str, list[CallSite]] = {}  # x.name(...) calls, by name
        self.name_calls: dict[str, list[CallSite]] = {}  # name(...) calls, by name
        self._memo: dict[tuple[int, int, tuple[int, ...]], Held] = {}
        self._active: dict[tuple[int, int, tuple[int, ...]], int] = {}  # being worked out -> its depth
        self._low: list[int] = []  # of each one being worked out: the shallowest it waits on
        self._seed: dict[tuple[int, int, tuple[int, ...]], Held] = {}  # a cycle's head: its first answer
        # worked out within a cycle not yet settled: with the order it was worked out in, its depth
        # and the shallowest one being worked out it waits on
        self._tentative: dict[tuple[int, int, tuple[int, ...]], tuple[Held, int, int, int]] = {}
        self._serial = 0
        # cut short by _MAX_DEPTH somewhere below: the answer and the depth it was worked out at, good
        # again only as deep (asked from shallower, the value is followed further)
        self._shallow: dict[tuple[int, int, tuple[int, ...]], tuple[Held, int]] = {}
        self._context: dict[int, Followed] = {}  # function -> the call followed
        self._contexts_made: dict[int, set[int]] = {}  # function -> the calls it was followed at
        # a call made of another with its arguments, by (that call, the callee): maps[kind](image)'s of
        # each element, run = self.a if c else self.b's of each method; kept alive (see _same_call_of)
        self._calls_made: dict[tuple[int, int], ast.Call] = {}
        # what is stored in an attribute of an object: self.models[k] = m, self.queue.put(out),
        # args.model = m; by holder (see _holder), each with the key it is stored under, if any
        self.stored: dict[tuple[object, ...], list[tuple[ast.expr | None, ast.expr, Scope]]] = {}
        # UI components events write into (by scope and name): read whenever, they hold all ever written
        self._ui_outputs: set[tuple[int, str]] = set()
        self._place(loads, source)
        self._place_dispatched()

    # -- the file's scopes --------------------------------------------------------------------------

    def _place(self, loads: Sequence[Load], source: bytes) -> None:
        """One walk of the file: each node's scope and owner, each load's call, every call's site."""
        lines = source.splitlines(keepends=True)
        by_position = {(load.line, load.column): load for load in loads}
        # (node, its scope, the function whose body holds it, its statement, under no_grad)
        stack: list[tuple[ast.AST, Scope, ast.AST, ast.stmt | None, bool]] = [
            (stmt, self.module, self.tree, stmt, False) for stmt in self.tree.body
        ]
        while stack:
            node, scope, owner, stmt, quiet = stack.pop()
            if isinstance(node, ast.stmt):
                stmt = node
            self.scopes[id(node)] = scope
            self.functions[id(node)] = owner
            if isinstance(node, _FUNCTIONS):
                stack += [(d, scope, owner, stmt, quiet) for d in (*node.decorator_list, *node.args.defaults)]
                stack += [(d, scope, owner, stmt, quiet) for d in node.args.kw_defaults if d is not None]
                inner = function_scope(node, scope)
                silent = quiet or any(grad_free(d) for d in node.decorator_list)
                stack += [(s, inner, node, s, silent) for s in node.body]
            elif isinstance(node, ast.ClassDef):
                stack += [(d, scope, owner, stmt, quiet) for d in (*node.decorator_list, *node.bases)]
                self.classes.update({id(m): node for m in node.body if isinstance(m, _FUNCTIONS)})
                self.class_definitions.append(node)
                inner = class_scope(node, scope)
                stack += [(s, inner, node, s, quiet) for s in node.body]
            elif isinstance(node, ast.Lambda):
                stack.append((node.body, function_scope(node, scope), owner, stmt, quiet))
            elif isinstance(node, _COMPREHENSIONS):
                inner = self._comprehension_scope(node, scope)
                stack += [(child, inner, owner, stmt, quiet) for child in ast.iter_child_nodes(node)]
            else:
                if isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign)):
                    _bind_mutation(node, scope)
                if isinstance(node, (ast.Expr, ast.Assign)):
                    self._record_store(node, scope, owner)
                if isinstance(node, ast.Call):
                    self._bind_ui_outputs(node, scope, stmt)
                    self.sites.append(CallSite(node, scope, owner, stmt, quiet))
                    func = node.func
                    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                        self.method_calls.setdefault(func.attr, []).append(self.sites[-1])
                    elif isinstance(func, ast.Name):
                        self.name_calls.setdefault(func.id, []).append(self.sites[-1])
                    column = _char_column(lines, node.lineno, node.col_offset)
                    load = by_position.get((node.lineno, column))
                    if load is not None:
                        self.loads[id(node)] = load
                        self.calls[load] = node
                silent = quiet or (
                    isinstance(node, (ast.With, ast.AsyncWith))
                    and any(grad_free(i.context_expr) for i in node.items)
                )
                for child in ast.iter_child_nodes(node):
                    if not isinstance(child, _LEAVES):
                        inside = silent if isinstance(child, ast.stmt) else quiet
                        stack.append((child, scope, owner, stmt, inside))
        self.models = frozenset(load for load in self.calls if is_model(load, self.calls[load]))

    def _bind_ui_outputs(self, call: ast.Call, scope: Scope, stmt: ast.stmt | None) -> None:
        """``button.click(caption, inputs=[image], outputs=[prompt, status])``: each output component
        of the scope then holds what the handler returns there, read by any later event."""
        event = _ui_event(call)
        handed = self.handed_call(call) if event is not None and stmt is not None else None
        if event is None or handed is None or stmt is None:
            return
        outputs = event[2]
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        blocks = scope.blocks_at((stmt.lineno, stmt.col_offset))
        for index, output in enumerate(outputs):
            if not isinstance(output, ast.Name) or output.id not in scope.bindings:
                continue
            written: ast.expr = handed
            if len(outputs) > 1:
                written = ast.copy_location(ast.Subscript(handed, ast.Constant(index), ast.Load()), call)
            scope.bind(output.id, "expr", written, end, blocks)
            self._ui_outputs.add((id(scope), output.id))

    def _comprehension_scope(self, node: ast.AST, scope: Scope) -> Scope:
        made = self.ctx.scopes.get(id(node))
        if made is None:
            made = self.ctx.scopes[id(node)] = scope.child(immediate=True)
            for generator in getattr(node, "generators", ()):
                bind_items(made, generator.target, generator.iter)
        return made

    def _record_store(self, stmt: ast.Expr | ast.Assign, scope: Scope, owner: ast.AST) -> None:
        """Keep what a statement stores in an attribute of an object: ``self.models[k] = m``,
        ``self.queue.put(out)``, ``self.found.append(m)`` (a container held on an object), and
        ``args.model = m``, ``ctx.encoder = enc`` (an attribute of another object than self, which
        ptm check's scopes do not follow)."""
        if isinstance(stmt, ast.Expr):
            call = stmt.value
            keyed = _field_store(call)
            if keyed is not None:  # dataset.update_output("retrieval_result", docs): dataset.retrieval_result
                receiver, key, value = keyed
                holder = self._holder(receiver, key, owner)
                if holder is not None:
                    self.stored.setdefault(holder, []).append((None, value, scope))
                return
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in _MUTATORS | _WEIGHT_SETTERS | {"setdefault"}
                and isinstance(call.func.value, ast.Attribute)
            ):
                return
            container = call.func.value
            given = [a for a in call.args if not isinstance(a, ast.Starred)]
            stored: list[tuple[ast.expr | None, ast.expr]] = [(None, value) for value in given]
            if call.func.attr == "setdefault":  # models.setdefault(name, m)
                stored = [(given[0], given[1])] if len(given) == 2 else []
            elif call.func.attr in _WEIGHT_SETTERS:  # self.unet.load_state_dict(torch.load(path))
                stored = [(None, given[0])] if given and isinstance(given[0], (ast.Name, ast.Call)) else []
        else:
            target = stmt.targets[0]
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
                container, stored = target.value, [(target.slice, stmt.value)]
            elif isinstance(target, ast.Attribute) and not self._is_self(target.value, owner):
                container, stored = target, [(None, stmt.value)]  # self.x = v: values.self_writes
            else:
                return
        holder = self._holder(container.value, container.attr, owner)
        if holder is not None and stored:
            self.stored.setdefault(holder, []).extend((key, value, scope) for key, value in stored)

    def _is_self(self, receiver: ast.expr, function: ast.AST) -> bool:
        """Whether an expression is the instance a method is called on (its first parameter)."""
        if not isinstance(receiver, ast.Name) or id(function) not in self.classes:
            return False
        assert isinstance(function, _FUNCTIONS)
        first = [*function.args.posonlyargs, *function.args.args][:1]
        return bool(first) and first[0].arg == receiver.id

    def _holder(self, receiver: ast.expr, attr: str, function: ast.AST) -> tuple[object, ...] | None:
        """Which attribute of which object a store or a read names: of the instances of a class
        (``self.models`` in its methods), else of the object a name (``args``, ``ctx.state``) is."""
        if self._is_self(receiver, function):
            return ("instance", id(self.classes[id(function)]), attr)
        named = values.dotted(receiver)
        return ("object", named, attr) if named is not None else None

    def _stored_under(
        self, container: ast.Attribute, key: ast.Constant, scope: Scope, depth: int
    ) -> Held | None:
        """What an object's attribute holds under a constant key it is stored under, if any is."""
        receiver = values.evaluate(container.value, scope)
        holders: list[tuple[object, ...] | None] = [self._object_holder(container)]
        if receiver.kind == INSTANCE:
            holders.append(("instance", id(receiver.data.node), container.attr))
        stored = [
            (value, where)
            for holder in holders
            if holder is not None
            for k, value, where in self.stored.get(holder, ())
            if k is not None and _same_constant(k, key)
        ]
        return _union([self.held(v, where, depth + 1) for v, where in stored]) if stored else None

    def _stored(self, holder: tuple[object, ...] | None, depth: int) -> Held:
        """What is stored in an object's attribute, under any key."""
        stored = self.stored.get(holder, []) if holder is not None else []
        return _union([self.held(value, where, depth + 1) for _, value, where in stored])

    def scope_of(self, node: ast.AST) -> Scope:
        return self.scopes.get(id(node), self.module)

    def owner_of(self, node: ast.AST) -> ast.AST:
        """The function (or class, or module) whose body holds the node."""
        return self.functions.get(id(node), self.tree)

    def repo_of(self, load: Load) -> tuple[str | None, str | None]:
        """Which repo a load reads (its id, or for one known only at run time the expression naming
        it, ``args.pretrained_model_name_or_path``) and its subfolder= (a pipeline's vae, unet)."""
        call = self.calls.get(load)
        repo = load.pin.repo or load.pin.model
        if call is None:
            return self.repo_elsewhere(load) if self.repo_elsewhere is not None else (repo, None)
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if repo is None:
            named = keywords.get(_MODEL_ID) or (call.args[0] if call.args else None)
            repo = values.source_text(named) if named is not None else None
        given = keywords.get("subfolder")
        if given is None and load.api in _FILE_FETCHERS:  # hf_hub_download(repo, "vae.ckpt"): that file's
            given = keywords.get("filename") or (call.args[1] if len(call.args) > 1 else None)
            file_name = values.evaluate(given, self.scopes.get(id(call), self.module)) if given else None
            if file_name is not None and file_name.kind == STR and isinstance(file_name.data, str):
                folder, file = posixpath.split(file_name.data)
                # unet/diffusion_pytorch_model.bin: the unet; annotator/ckpts/hand_pose_model.pth: that file
                return repo, folder if folder and _COMPONENT_FILE.match(file) else file_name.data
            if given is not None:  # hf_hub_download(repo, hand_filename): the file that names, not the body's
                return repo, values.source_text(given)
        subfolder = given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None
        return repo, subfolder

    # -- the public questions -----------------------------------------------------------------------

    def model_of(self, expr: ast.expr, at: ast.AST) -> Load | None:
        """The load an expression holds at that node, when it holds exactly one model."""
        models = self.held(expr, self.scope_of(at)).models
        return next(iter(models)) if len(models) == 1 else None

    def held(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Held:
        """What an expression holds in a scope. A value that depends on itself (a loop carrying
        ``latents`` round) is worked out twice, the second time from the first's answer; what is
        worked out within such a cycle is kept for the while, and for good once its head is done."""
        if depth > _MAX_DEPTH:
            ModelBindings.depth_cuts += 1
            return NOTHING
        key = (id(expr), id(scope), tuple(id(call) for call, _, _ in self._context.values()) + self._self_key)
        known = self._memo.get(key)
        if known is not None:
            return known
        shallow = self._shallow.get(key)
        if shallow is not None and depth >= shallow[1]:
            ModelBindings.depth_cuts += 1
            return shallow[0]
        tentative = self._tentative.get(key)
        if tentative is not None:  # what uses it waits on its cycle too, not final before that is
            self._low[-1] = min(self._low[-1], tentative[3])
            return tentative[0]
        at = self._active.get(key)
        if at is not None:  # a cycle: what the value held so far
            self._low[-1] = min(self._low[-1], at)
            return self._seed.get(key, NOTHING)
        position = self._active[key] = len(self._active)
        mark = self._serial  # what is worked out from here on is this one's to settle
        cuts = ModelBindings.depth_cuts
        self._low.append(position + 1)
        try:
            found = self._held(expr, scope, depth)
            if self._low[-1] == position:  # the head of a cycle: once more from what its members held
                seeded = [key, *self._settle(mark, keep=False)]
                self._seed[key] = found
                self._low[-1] = position + 1
                found = self._held(expr, scope, depth)
                for member in seeded:
                    self._seed.pop(member, None)
        finally:
            del self._active[key]
            low = self._low.pop()
        cut = ModelBindings.depth_cuts != cuts
        if low >= position:  # nothing shallower was waited on: this and what it waited on are final
            if cut:
                self._shallow[key] = (found, depth)
            else:
                self._memo[key] = found
            self._settle(mark, keep=True, cut=cut)
        else:
            self._serial += 1
            self._tentative[key] = (found, self._serial, depth, low)
            self._low[-1] = min(self._low[-1], low)
        return found

    def _settle(self, mark: int, *, keep: bool, cut: bool = False) -> list[tuple[int, int, tuple[int, ...]]]:
        """Make final what was worked out within a cycle since ``mark`` (``cut``: as deep as it was
        worked out), or (not ``keep``) make it the seed each member starts from when the cycle is
        worked out again."""
        settled = [k for k, (_, serial, _, _) in self._tentative.items() if serial > mark]
        for k in settled:
            found, _, depth, _ = self._tentative.pop(k)
            if not keep:
                self._seed[k] = found
            elif cut:
                self._shallow[k] = (found, depth)
            else:
                self._memo[k] = found
        return settled

    def exported(self, name: str, called: bool, depth: int = 0, at: Followed | None = None) -> Held:
        """What a module-level name holds for a module importing it: called, what the function of
        that name returns (at the importing module's call ``at``, followed with its arguments); else
        the name's value."""
        bindings = self.module.bindings.get(name, [])
        if not bindings and self.module.stars:  # from .utils import *: whichever module defines it
            return _union(
                [
                    self._imported(f"{star}.{name}", called=called, depth=depth, at=at)
                    for star in self.module.stars
                ]
            )
        if not called:
            if not bindings:
                return NOTHING
            held = self._name(name, self.module, None, depth + 1)
            if self.stored_elsewhere is not None and all(
                kind == "expr" and isinstance(data, ast.Constant) for kind, data, _, _ in bindings
            ):  # model_dict = None, set by the main script: models.model_dict = load_sd()
                held |= self.stored_elsewhere(self.path, name, depth + 1)
            return held
        found = []
        for kind, data, _, _ in bindings:
            if kind == "function":
                found.append(self._returned_at(data, self.module, at, depth))
            elif kind == "class":
                found.append(Held(models=self._class_models(data, self.module, depth)))
            elif kind == REF:  # a name the module imports in turn (a package's __init__ re-exporting)
                found.append(self._imported(data, called=True, depth=depth, at=at))
        return _union(found)

    def module_stores(self, name: str) -> list[tuple[str, ast.expr, Scope]]:
        """The file's stores into a name of an imported module (``models.model_dict = load_sd()``):
        the module's dotted name, the value and its scope."""
        known = self._module_stores.get(name)
        if known is not None:
            return known
        found = self._module_stores[name] = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == name:
                    scope = self.scopes.get(id(node.value), self.module)
                    module = values.evaluate(target.value, scope)
                    if module.kind == REF and isinstance(module.data, str):
                        found.append((module.data, node.value, scope))
        return found

    def any_function(self, called: bool, depth: int) -> Held:
        """What any module-level function of the file is (or, called, returns): a module used as a
        registry of functions picked by name (``getattr(rewards, config.reward_fn)()``)."""
        names = [
            name
            for name, found in self.module.bindings.items()
            if any(kind == "function" for kind, _, _, _ in found) and not name.startswith("_")
        ]
        return _union([self.exported(name, called, depth + 1) for name in names])

    def runs(self, site: CallSite) -> frozenset[Load]:
        """The models a call runs: ``B(x)``, ``B.generate(x)``, ``self.B.encode(x)``, and those a
        function imported from another module of the project runs on its arguments
        (``clip_score(images)`` where that module calls its CLIP model on ``images``)."""
        func = site.call.func
        evaluated = self.evaluated_on(site.call, site.scope)
        if evaluated is not None:  # evaluator(model): the model runs on the samples it was built with
            return evaluated[0]
        if isinstance(func, ast.Attribute) and self._keyword_field(func, site.scope) is not None:
            field = self.held(func, site.scope)  # models.asr(audio): that one of the models
            if field.models or field.runs:
                return field.models | field.runs
        # model.to(device), models.append(m), queue.put(x): no model run
        setting = isinstance(func, ast.Attribute) and (func.attr in _RUNS_NO_MODEL or func.attr in _MUTATORS)
        if isinstance(func, ast.Attribute) and not setting:
            receiver = self.held(func.value, site.scope)
            keyed = _field(receiver, func.attr)
            if keyed is not None:  # models.unet(x) of EasyDict(unet=unet, ...)
                return keyed.models | keyed.runs
            own = self._own_model(func, receiver, site.scope, 0)
            if own:  # pipe.unet = esd_unet, then pipe.unet(x): the model set there
                return own
            if receiver.models:
                method_runs = self._method_runs(func.value, func.attr, site.scope)
                if method_runs:  # pipe.encode_vision(x) of a project class: the models its method runs on x
                    return method_runs
                if self.ignores_instance is not None and self.ignores_instance(func.attr):
                    return frozenset()  # self.stt.dump_transcriptions(rows): a method never reading self
                return receiver.models
        handed = self.handed_call(site.call)
        if handed is not None:  # executor.submit(scorer, images): scorer(images); texts.apply(classifier)
            if self._defined_function(handed.func, site.scope) is not None:
                return frozenset()  # btn.click(process, [image]): the calls in process run them on image
            inner = self.held(handed.func, site.scope)
            if inner.models or inner.runs:
                return inner.models | inner.runs
        if setting or not isinstance(func, (ast.Name, ast.Attribute, ast.Subscript)):
            return frozenset()  # model.to(device), model.apply(init_weights): no model run
        if self._defined_function(func, site.scope) is not None:
            return frozenset()  # helper(x): the calls in its body run its models, followed with x
        parts = self.pipeline_parts(func, site.scope)
        if parts is not None:  # a pipeline built of models: what it is given enters its denoiser
            return parts.denoiser | parts.attached
        if isinstance(func, (ast.Name, ast.Attribute)) and self.imported_runs is not None:
            value = values.evaluate(func, site.scope)
            if (
                value.kind == REF
                and not value.data.startswith(LOCAL_PREFIX)
                and value.data.split(".")[0] not in self.libraries
            ):  # a function of another module of the project, at this call
                imported = self.imported_runs(value.data, (site.call, site.scope, self))
                if imported:
                    return imported
        callee = self.held(func, site.scope)  # models["tts"](text), scorer(images) too
        if not (callee.models or callee.runs) and isinstance(func, ast.Attribute):
            return self._loaded_self(func, site.scope)  # self.quantize(embs) in a loaded model's class
        return callee.models | callee.runs

    def runs_on_arguments(self, name: str, at: Followed | None = None) -> frozenset[Load]:
        """The models a module-level function of the file calls with what its parameters hold (or
        values computed from them), also through other functions of the file it hands them to:
        what a module importing the function runs when it calls it (at the call ``at``: a model it
        is handed, the one that call hands it)."""
        found: set[Load] = set()
        for kind, function, _, _ in self.module.bindings.get(name, ()):
            if kind == "function":
                found |= self.function_runs(function) if at is None else self._runs_at(function, at)
        return frozenset(found)

    def _runs_at(self, function: ast.FunctionDef | ast.AsyncFunctionDef, at: Followed) -> frozenset[Load]:
        """``function_runs`` at one call: where the function calls a model one of its parameters
        holds (``def ask(model, x): return model.generate(x)``), the model this call passes."""
        call, scope, caller = at
        reader = caller or self
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        found: set[Load] = set()
        tainted = _parameter_flow(function)
        for site in self.sites:
            if site.owner is not function or not _mentions(site.call, tainted):
                continue
            root = _callee_root(site.call.func)
            if root is None or (
                root not in positional and root not in {a.arg for a in function.args.kwonlyargs}
            ):
                found |= self.runs(site)
                callee = self._defined_function(site.call.func, site.scope)
                if callee is not None and callee is not function:
                    found |= self._helper_runs(callee, site, function, at)
                continue
            index = positional.index(root) if root in positional else None
            given = _argument_for(call, root, index)
            if given is not None:
                handed = reader.held(given, scope)
                found |= handed.models | handed.runs
        return frozenset(found)

    def _helper_runs(
        self, helper: ast.FunctionDef | ast.AsyncFunctionDef, site: CallSite, function: ast.AST, at: Followed
    ) -> frozenset[Load]:
        """The models a helper of the file runs where a function followed at ``at`` calls it: with
        what that call hands it (``tiled_scale(x, function=lambda a: upscaler(a))``, the upscaler the
        function was given), a few helpers deep."""
        found = self.function_runs(helper)
        if id(helper) in self._helpers_followed or len(self._helpers_followed) >= _MAX_HELPERS_FOLLOWED:
            return found
        self._helpers_followed.add(id(helper))
        try:
            with self.following(function, at):
                return found | self._runs_at(helper, (site.call, site.scope, None))
        finally:
            self._helpers_followed.discard(id(helper))

    def inputs_of(self, name: str) -> Inputs | None:
        """Which parameters of the module-level function ``name`` reach the models it runs (see
        ``_model_inputs``); None when the name is no single function."""
        functions = [data for kind, data, _, _ in self.module.bindings.get(name, ()) if kind == "function"]
        return self._model_inputs(functions[0]) if len(functions) == 1 else None

    def _model_inputs(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Inputs:
        """The parameters whose values (or values computed from them) reach a call in the function's
        body that runs a model: one of the file's, one it is given, or a helper of the file that runs
        models (``prepare(t5, clip, img, prompt)`` gives ``prompt`` to the text encoders, not ``img``)."""
        known = self._inputs.get(id(function))
        if known is not None:
            return known
        parameters = _parameters(function)
        self._inputs[id(function)] = Inputs(_positional(function), parameters)  # while worked out: any
        running = [
            site
            for site in self.sites
            if site.owner is function
            and (
                _callee_root(site.call.func) in parameters
                or self.runs(site)
                or (
                    (helper := self._defined_function(site.call.func, site.scope)) is not None
                    and helper is not function
                    and bool(self._model_inputs(helper).reaching)
                )
            )
        ]
        reaching = frozenset(
            name
            for name in parameters
            if any(_mentions(site.call, _parameter_flow(function, frozenset({name}))) for site in running)
        )
        known = self._inputs[id(function)] = Inputs(_positional(function), reaching)
        return known

    def _reported_for_repo(self, call: ast.Call) -> Load | None:
        """For ``Cls.from_pretrained(path)`` of a class no load reports (a project subclass of a
        library model), the load the file reports for the same repo expression (its tokenizer's): the
        one line the repo's model stands at."""
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "from_pretrained"):
            return None
        named = _model_id_argument(call)
        if named is None or isinstance(named, ast.Constant):
            return None
        repo = values.source_text(named)
        reported = [
            load
            for load, other in self.calls.items()
            if load.api == "from_pretrained"
            and (given := _model_id_argument(other)) is not None
            and values.source_text(given) == repo
        ]
        return reported[0] if len(reported) == 1 else None

    def evaluated_on(self, call: ast.Call, scope: Scope) -> tuple[frozenset[Load], frozenset[Load]] | None:
        """For an object built of models' outputs called with a model (``reranking = Evaluator(
        samples=retrieved); reranking(cross_encoder)``, sentence-transformers' evaluators): the models
        run, and whose outputs they run on; None for any other call."""
        if not call.args or not isinstance(call.func, ast.Name):
            return None
        built = self._name_values(call.func, scope, reaching=True)  # an object a library's class built
        if not built or not all(
            isinstance(value, ast.Call)
            and _last_name(value.func)[:1].isupper()
            and self._class_called(value.func, where) is None
            and id(value) not in self.loads
            for value, where in built
        ):
            return None
        given = self.held(call.args[0], scope).models
        if not given:
            return None
        callee = self.held(call.func, scope)
        if callee.models or callee.runs or not callee.derived:
            return None
        return given, callee.derived

    def _output_folder_writes(self) -> list[tuple[str, ast.expr, Scope]]:
        """The folders a call given a model writes that model's outputs into (``evaluator(model,
        output_path=f"runs/{name}/result")``), by their spelling (see _spelling), with the model's
        expression."""
        if self._output_folders is None:
            self._output_folders = []
            for site in self.sites:
                keywords = {k.arg: k.value for k in site.call.keywords if k.arg}
                folder = next((keywords[k] for k in _OUTPUT_FOLDER_KEYWORDS if k in keywords), None)
                spelled = _spelling(folder) if folder is not None else None
                if spelled is not None and site.call.args:
                    self._output_folders.append((spelled, site.call.args[0], site.scope))
        return self._output_folders

    def _output_below(self, path: ast.expr, depth: int) -> Held:
        """What a path spelled below a folder a call wrote a model's outputs into holds: that model's
        output (``load_dataset("json", data_files=f"runs/{name}/result/predictions.jsonl")``)."""
        spelled = _spelling(path)
        if spelled is None:
            return NOTHING
        written = [
            self.held(model, scope, depth + 1).models
            for folder, model, scope in self._output_folder_writes()
            if spelled.startswith(folder + "/")
        ]
        models = frozenset().union(*written)
        return Held(derived=models) if models else NOTHING

    def model_arguments(self, call: ast.Call, scope: Scope) -> list[ast.expr]:
        """The arguments of a call that may reach the models it runs: for a function of the project,
        those given to parameters that reach a model in its body (and any unpacked ``*args``,
        ``**kwargs``); for any other call, all."""
        every = [*call.args, *(k.value for k in call.keywords)]
        inputs = self._callee_inputs(call.func, scope)
        if inputs is None:
            return every
        chosen = [
            a
            for i, a in enumerate(call.args)
            if isinstance(a, ast.Starred)
            or i >= len(inputs.positional)
            or inputs.positional[i] in inputs.reaching
        ]
        return chosen + [k.value for k in call.keywords if k.arg is None or k.arg in inputs.reaching]

    def _callee_inputs(self, func: ast.expr, scope: Scope) -> Inputs | None:
        """``_model_inputs`` of the module-level function a callee names, of this file or imported."""
        function = self._defined_function(func, scope)
        if function is not None:
            return self._model_inputs(function)
        dotted = _imported_name(func, scope, self.libraries)
        return (
            self.imported_inputs(dotted) if dotted is not None and self.imported_inputs is not None else None
        )

    def function_runs(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[Load]:
        """The models a function of the file calls with what its parameters hold (or values computed
        from them), also through other functions of the file it hands them to by name."""
        known = self._runs_on_arguments.get(id(function))
        if known is not None:
            return known
        self._runs_on_arguments[id(function)] = frozenset()  # while it is worked out: recursion finds nothing
        found: set[Load] = set()
        tainted = _parameter_flow(function)
        for site in self.sites:
            if site.owner is not function or not _mentions(site.call, tainted):
                continue
            found |= self.runs(site)
            callee = self._defined_function(site.call.func, site.scope)
            if callee is not None and callee is not function:
                found |= self.function_runs(callee)
        result = self._runs_on_arguments[id(function)] = frozenset(found)
        return result

    def _put_by_callees(self, scope: Scope, name: str, depth: int) -> Held:
        """What the functions and classes a name is handed to put into it: ``worker(q)`` where
        ``def worker(out): out.put(x)``, ``Handler(queue_out=q)`` where the class keeps it as
        ``self.queue_out`` and its methods ``self.queue_out.put(x)`` (a queue shared by threads)."""
        if self._handed_names is None:
            self._handed_names = {}
            for site in self.sites:
                for call in (site.call, self.handed_call(site.call)):
                    if call is None:
                        continue
                    given: list[tuple[ast.expr, int | None, str | None]]
                    given = [(arg, i, None) for i, arg in enumerate(call.args)]
                    given += [(k.value, None, k.arg) for k in call.keywords if k.arg]
                    for arg, at, keyword in given:
                        if isinstance(arg, ast.Name):
                            entry = (site, call, at, keyword)
                            self._handed_names.setdefault((id(site.scope), arg.id), []).append(entry)
        found = []
        for site, call, at, keyword in self._handed_names.get((id(scope), name), ()):
            function = self._defined_function(call.func, site.scope)
            if function is not None:
                parameter = _parameter_named(function, at, keyword, method=False)
                inner = function_scope(function, self.scope_of(function))
                found += [self.held(v, inner, depth + 1) for v in _put_into(function, parameter)]
                continue
            constructed = self._class_called(call.func, site.scope)
            if constructed is not None:
                found.append(self._put_by_constructor(constructed, at, keyword, depth))
        return _union(found)

    def _streamed_into(self, scope: Scope, name: str) -> Held:
        """What a text streamer yields: the output of the models whose calls in its scope are given it
        (``model.generate(..., streamer=streamer)``, or a dict of keyword arguments holding it handed
        to one: ``Thread(target=model.generate, kwargs=generate_kwargs)``)."""
        names = {name} | {
            other
            for other, found in scope.bindings.items()
            if any(kind == "expr" and _spells_keyword(data, "streamer", name) for kind, data, _, _ in found)
        }
        runs: set[Load] = set()
        for site in self.sites:
            if site.scope is not scope:
                continue
            for call in (site.call, self.handed_call(site.call)):
                given = [*call.args, *(k.value for k in call.keywords)] if call is not None else []
                if any(isinstance(arg, ast.Name) and arg.id in names for arg in given):
                    runs |= self.runs(site)
        return Held(derived=frozenset(runs)) if runs else NOTHING

    def _built_from(self, expr: ast.expr, scope: Scope, hops: int = 0) -> list[ClassFound]:
        """The classes of the project a name is an instance of: every assignment reaching it builds
        one of them (``helper = FaceRestoreHelper(...)``, a class imported from another module, one
        of two a branch picks), or calls a function of the file returning one (``model =
        load_model_if_needed(choice)`` returning a global set to ``Zonos.from_pretrained(...)``); an
        assignment of None (a placeholder) aside; none when one does not."""
        if not isinstance(expr, ast.Name):
            return []
        prepared = self._prepared_from(expr, scope)
        if prepared is not None:  # net, opt = accelerator.prepare(net, opt): what net was built as
            return self._built_from(prepared, scope, hops)
        assigned = [
            (call, where)
            for value, where in self._name_values(expr, scope, reaching=True)
            for call in _alternatives(value)
            if not (isinstance(call, ast.Constant) and call.value is None)
        ]
        if not assigned or not all(isinstance(value, ast.Call) for value, _ in assigned):
            return []
        classes: dict[int, ClassFound] = {}
        for value, where in assigned:
            assert isinstance(value, ast.Call)
            found = self._class_called(value.func, where)
            built = [found] if found is not None else self._returned_instances(value, where, hops)
            if not built:
                return []
            classes.update((id(one[1]), one) for one in built)
        return list(classes.values())

    def _returned_instances(self, call: ast.Call, scope: Scope, hops: int) -> list[ClassFound]:
        """The classes of the project a function of the file returns instances of, every return
        giving a name built as one (see _built_from); none when one does not."""
        function = self._defined_function(call.func, scope)
        if function is None or hops >= _MAX_RETURN_HOPS:
            return []
        returned = returned_values(function)
        if not returned:
            return []
        found: list[ClassFound] = []
        for value in returned:
            built = self._built_from(value, self.scope_of(value), hops + 1)
            if not built:
                return []
            found += built
        return found

    def _prepared_from(self, name: ast.Name, scope: Scope) -> ast.Name | None:
        """For a name unpacked from ``accelerator.prepare(net, opt, ...)`` (or another call handing
        back what it is given) and bound no other way where it is read, the name it was given as."""
        current = _binding_scope(name.id, scope)
        if current is None or current is not scope:
            return None
        chosen = values.reaching_bindings(name.id, current, _start(name))
        found = current.bindings[name.id]
        reaching = found if chosen == values.ALL_BINDINGS else [found[i] for i in chosen]
        if len(reaching) != 1 or reaching[0][0] != "item":
            return None
        call, index = reaching[0][1]
        if not isinstance(call, ast.Call) or _last_name(call.func) not in _PREPARERS:
            return None
        given = call.args[index] if isinstance(index, int) and index < len(call.args) else None
        if not isinstance(given, ast.Name) or given.id != name.id:
            return None
        return given

    def alternative_classes(self, func: ast.expr, scope: Scope) -> list[frozenset[Load]]:
        """The models of each class a callee's instance may be built from, where a branch picks one
        of several (``gen = GeneratorA(...) if multi_gpu else GeneratorB(...)``; ``gen.clip(x)``)."""
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        built = self._built_from(root, scope)
        if len(built) < 2:
            return []
        return [bindings._class_models(cls, where, 0) for bindings, cls, where in built]

    def _method_returns(
        self, instance: ast.expr, names: Sequence[str], scope: Scope, depth: int
    ) -> Held | None:
        """What a method of a project class's instance returns (``generator.run(x)``; for ``net(x)``,
        its ``forward`` or ``__call__``), for each class the instance may be: the first of ``names``
        each defines; None when one of them defines none, or the instance is of no project class."""
        built = self._built_from(instance, scope)
        found = []
        for bindings, cls, where in built:
            method = next((m for name in names if (m := method_named(cls, name)) is not None), None)
            if method is None:
                return None
            inner = function_scope(method, class_scope(cls, where))
            found += [bindings.held(r, inner, depth + 1) for r in returned_values(method)]
        return _union(found) if built else None

    def _bound_methods_called(self, call: ast.Call, func: ast.Name, scope: Scope) -> list[ast.Call]:
        """For a call of a name assigned methods of the file's classes (``run = self.retrieve_with_rerank
        if rerank else self._retrieve``), the same call of each (``self._retrieve(...)``); none when a
        value reaching the name is anything else."""
        branches: list[ast.expr] = []
        for value, _ in self.assigned_values(func, scope):
            branches += [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
        if not branches or not all(
            isinstance(b, ast.Attribute) and _is_local_function(values.evaluate(b, scope)) for b in branches
        ):
            return []
        return [self._same_call_of(call, branch) for branch in branches]

    def _builds_record(self, func: ast.expr, scope: Scope) -> bool:
        """Whether a callee builds a record of the fields it is given: a dict-like type, or a dataclass
        of the project."""
        name = _last_name(func)
        if name in _RECORDS:
            return True
        if not name[:1].isupper():
            return False
        found = self._class_called(func, scope)
        return found is not None and _is_dataclass(found[1])

    def _method_runs(self, instance: ast.expr, name: str, scope: Scope) -> frozenset[Load]:
        """The models a method of a project class's instance runs on what it is given, for each class
        the instance may be; none when one of them defines no such method."""
        found: set[Load] = set()
        for bindings, cls, _ in self._built_from(instance, scope):
            method = method_named(cls, name)
            if method is None:
                return frozenset()
            found |= bindings.function_runs(method)
        return frozenset(found)

    def _class_called(self, func: ast.expr, scope: Scope) -> ClassFound | None:
        """The class of the file, or of another module of the project, a callee names."""
        defined = self._class_named(func, scope)
        if defined is not None:
            return (self, *defined)
        if isinstance(func, ast.Attribute):
            # Pipeline.from_pretrained(repo): a classmethod returning cls(...)
            owner = self._class_called(func.value, scope)
            if owner is not None and _builds_own_class(owner[1], func.attr):
                return owner
        dotted = _imported_name(func, scope, self.libraries)
        return self.imported_class(dotted) if dotted is not None and self.imported_class is not None else None

    def constructor_parameters(self, call: ast.Call, scope: Scope) -> list[str]:
        """The names a project class's ``__init__`` (its own or the nearest base class's) gives the
        arguments of a call building it by position, after self; none for any other callee."""
        constructed = self._class_called(call.func, scope)
        if constructed is None:
            return []
        bindings, cls, where = constructed
        for _, ancestor, _ in bindings.lineage(cls, where):
            init = method_named(ancestor, "__init__")
            if init is not None:
                return [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]
        return []

    def _put_by_constructor(
        self, constructed: ClassFound, at: int | None, keyword: str | None, depth: int
    ) -> Held:
        """What an instance of a class puts into an object given to its constructor: the ``__init__``
        (its own or a base class's) keeps it as ``self.attr``, and its methods put into that."""
        key = ("put", id(constructed[1]), at, keyword)
        return self._once(key, partial(self._worked_out_put, constructed, at, keyword, depth))

    def _worked_out_put(
        self, constructed: ClassFound, at: int | None, keyword: str | None, depth: int
    ) -> Held:
        bindings, cls, where = constructed
        for owner_bindings, ancestor, _ in bindings.lineage(cls, where):
            init = method_named(ancestor, "__init__")
            if init is None:
                continue
            parameter = _parameter_named(init, at, keyword, method=True)
            kept = [
                target.attr
                for stmt in values.nested_statements(init.body)
                if isinstance(stmt, ast.Assign)
                for target, value in values.assigned_pairs(stmt)
                if isinstance(value, ast.Name)
                and value.id == parameter
                and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
            ]
            stored = [
                (value, place)
                for attr in kept
                for _, value, place in owner_bindings.stored.get(("instance", id(ancestor), attr), ())
            ]
            if not stored:
                return NOTHING
            read = partial(owner_bindings.held_all, stored, depth + 1)
            return owner_bindings._as_instance_of(ancestor, constructed, read)
        return NOTHING

    def held_all(self, exprs: Sequence[tuple[ast.expr, Scope]], depth: int) -> Held:
        """What any of these expressions holds."""
        return _union([self.held(expr, scope, depth) for expr, scope in exprs])

    def _named_here(self, func: ast.expr, depth: int) -> Held | None:
        """Calling ``eval(name)`` or ``globals()[name]`` with a name known at run time: what calling any
        module-level class or function of the file whose name a string of the file spells gives (a
        registry of class names, ``{"git": ("GIT", ckpt)}``)."""
        by_eval = isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "eval"
        by_globals = (
            isinstance(func, ast.Subscript)
            and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "globals"
        )
        if not (by_eval or by_globals):
            return None
        if self._spelled is None:
            self._spelled = {
                n.value
                for n in ast.walk(self.tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
        found = [
            Held(models=self._class_models(stmt, self.module, depth))
            if isinstance(stmt, ast.ClassDef)
            else self._returned_at(stmt, self.module, None, depth)
            for stmt in self.tree.body
            if isinstance(stmt, (ast.ClassDef, *_FUNCTIONS)) and stmt.name in self._spelled
        ]
        return _union(found)

    def _picked_from_module(self, call: ast.Call, scope: Scope, depth: int) -> tuple[Held, Held] | None:
        """``getattr(module, name)`` on a module of the project with a name known at run time: what
        any of its functions is, and what calling it gives."""
        func = call.func
        if not (isinstance(func, ast.Name) and func.id == "getattr" and len(call.args) >= 2):
            return None
        if isinstance(call.args[1], ast.Constant):
            return None
        module = values.evaluate(call.args[0], scope)
        if module.kind != REF or module.data.startswith(LOCAL_PREFIX) or self.imported is None:
            return None
        if module.data.split(".")[0] in self.libraries:
            return None
        # refiner_class = "A" ... elif ...: refiner_class = "B": those of the module; else any function of it
        names = self._constant_strings(call.args[1], scope) or ["*"]
        value = _union([self.imported(f"{module.data}.{n}", False, depth + 1, None) for n in names])
        returned = _union([self.imported(f"{module.data}.{n}", True, depth + 1, None) for n in names])
        return (value, returned) if value.runs or value.models or returned.runs or returned.models else None

    def _constant_strings(self, expr: ast.expr, scope: Scope) -> list[str]:
        """The names a variable is assigned as string constants where it is read (every assignment
        reaching it is one); none otherwise."""
        if not isinstance(expr, ast.Name):
            return []
        assigned = [value for value, _ in self.assigned_values(expr, scope)]
        names = [v.value for v in assigned if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        if not assigned or len(names) < len(assigned):
            return []
        return sorted({name for name in names if name.isidentifier()})

    def _file_key(self, expr: ast.expr, scope: Scope) -> tuple[str, str] | None:
        """Which file an expression names: the path an ``open(path)`` handle was opened on, by its
        value when it is a constant, else as written."""
        opened = _opened_path(expr)
        if opened is None and isinstance(expr, ast.Name):
            current = _binding_scope(expr.id, scope)
            bound = current.bindings[expr.id] if current is not None else []
            if current is scope:  # f of the with block the read or write is in, not of an earlier one
                chosen = values.reaching_bindings(expr.id, scope, _start(expr))
                bound = bound if chosen == values.ALL_BINDINGS else [bound[i] for i in chosen]
            handles = [_opened_path(data) for kind, data, _, _ in bound if kind == "expr"]
            opened = next((h for h in handles if h is not None), None)
        path = opened if opened is not None else expr
        value = values.evaluate(path, scope)
        if value.kind in (values.STR, values.PATH) and isinstance(value.data, str):
            return ("value", value.data)
        return ("text", values.source_text(path))

    def _saved_to(self, key: tuple[str, str] | None, depth: int) -> Held:
        """What the file's statements save to that file (``torch.save(emb, path)``, ``json.dump(x, f)``,
        ``df.to_csv(path)``, ``f.write(text)``)."""
        if self._saves is None:
            self._saves = {}
            for value, target, scope in self._writes():
                found = self._file_key(target, scope)
                if found is not None:
                    self._saves.setdefault(found, []).append((value, scope))
        saved = self._saves.get(key, []) if key is not None else []
        return _union([self.held(value, where, depth + 1) for value, where in saved])

    def _writes(self) -> list[tuple[ast.expr, ast.expr, Scope]]:
        """The file's calls saving a value to a file: (value, file, scope)."""
        return [(value, target, scope) for _, value, target, scope in self._site_writes()]

    def _site_writes(self) -> list[tuple[CallSite, ast.expr, ast.expr, Scope]]:
        """The file's calls saving a value to a file, with their sites, found once."""
        if self._write_calls is None:
            self._write_calls = [
                (site, *written, site.scope)
                for site in self.sites
                if (written := _file_write(site.call)) is not None
            ]
        return self._write_calls

    def _written_below(self, scope: Scope, name: str, depth: int) -> Held:
        """The data the file writes to files below the folder a name of that scope holds
        (``img.save(f"{out_dir}/{i}.png")``, ``torch.save(x, os.path.join(out_dir, f))``): a script
        that generates into a folder and hands the folder to what reads it back (FID, CLIP score)."""
        if self._folders_written is None:
            self._folders_written = {}
            for value, target, scope in self._writes():
                for path, where in self._written_paths(target, scope):
                    for folder in _folders(path):
                        for key in self._folder_keys(folder.id, where):
                            self._folders_written.setdefault(key, []).append((value, scope))
        below = self._folders_written.get((id(scope), name))
        if not below:
            return NOTHING
        derived = _union([self.held(value, where, depth + 1) for value, where in below]).derived
        return Held(derived=derived) if derived else NOTHING

    def _written_paths(self, target: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        """The expressions a written file's path may be spelled by: the target, the path an ``open``
        handle was opened on, and the values a name (``path = os.path.join(out_dir, name)``) or
        ``self.output_path`` is assigned."""
        handles = [(target, scope)]
        if isinstance(target, ast.Name):
            handles += self._only_values(target, scope)
        paths = [(opened, where) for handle, where in handles if (opened := _opened_path(handle)) is not None]
        paths = paths or handles
        for path, where in list(paths):
            if isinstance(path, (ast.Name, ast.Attribute)):
                paths += self._only_values(path, where)
        return paths

    def forget(self) -> None:
        """Drop what was worked out of expressions, to work it out again knowing more (what other
        files write to the data files this one reads)."""
        self._memo.clear()
        self._shallow.clear()
        self._class_memo.clear()
        self._tentative.clear()  # a cycle's member not settled when it was worked out: stale too

    def written_file(self, name: str, depth: int) -> Held:
        """The data the file writes to data files of that name (``f"{out}/gen_table.jsonl"``,
        ``os.path.join(dir, "hard-negatives.jsonl")``): what another script of the project reading a
        file of that name gets."""
        if self._data_files is None:
            generates = not (self._trains() or self._prepares_data())  # no validation or dataset images
            images = [(value, scope) for value, _, scope in self._image_writes()] if generates else []
            self._data_files = {IMAGE_FOLDERS: images}
            for value, target, scope in self._writes():
                names = {
                    _written_name(node)
                    for path, _ in self._written_paths(target, scope)
                    for node in ast.walk(path)
                }
                for file_name in sorted(n for n in names if n is not None):
                    self._data_files.setdefault(file_name, []).append((value, scope))
        saved = self._data_files.get(name, [])
        derived = _union([self.held(value, where, depth + 1) for value, where in saved]).derived
        return Held(derived=derived) if derived else NOTHING

    def _image_writes(self) -> list[tuple[ast.expr, ast.expr, Scope]]:
        """The file's calls saving an image (``img.save(path)``, ``save_image(x, path)``, a value
        saved to a path spelling ``.png``)."""
        return [
            (value, target, scope)
            for site, value, target, scope in self._site_writes()
            if (
                _called(site.call)[0] in _IMAGE_WRITERS
                or _saves_itself(site.call)
                or any(_spells_image_file(path) for path, _ in self._written_paths(target, scope))
            )
        ]

    def reads_image_folders(self) -> bool:
        """Whether the file reads every image of a folder (``for name in os.listdir(folder):
        Image.open(os.path.join(folder, name))``) and saves none itself: a script scoring what another
        generated there (a generator or preprocessor reading its inputs saves images of its own)."""
        if self._lists_folders is None:
            self._lists_folders = not (self._image_writes() or self._prepares_data()) and any(
                self._reads_listed_image(site.call, site.scope) for site in self.sites
            )
        return self._lists_folders

    def _trains(self) -> bool:
        """Whether the file trains a model (``loss.backward()``)."""
        return any(_called(site.call)[0] == "backward" for site in self.sites)

    def _prepares_data(self) -> bool:
        """Whether the file, by its name, prepares data (``make_datasets.py``, ``preprocess_files.py``)."""
        return bool(PREPROCESSING_CONTEXT.search(os.path.splitext(os.path.basename(self.path))[0]))

    def _image_path(self, call: ast.Call, scope: Scope) -> ast.expr | None:
        """The path a call reads an image from: ``Image.open(path)``, or ``image_loader(path)`` of a
        function of the file opening its first parameter."""
        if _reads_image(call):
            return call.args[0]
        helper = self._defined_function(call.func, scope)
        first = [*helper.args.posonlyargs, *helper.args.args][:1] if helper is not None else []
        if helper is None or not first or not call.args:
            return None
        opens_first = any(
            isinstance(node, ast.Call) and _reads_image(node) and values.is_name(node.args[0], first[0].arg)
            for node in ast.walk(helper)
        )
        return call.args[0] if opens_first else None

    def _reads_listed_image(self, call: ast.Call, scope: Scope) -> bool:
        """Whether a call reads an image from a path spelled with the names of a folder's listing,
        followed a few assignments back."""
        path = self._image_path(call, scope)
        if path is None:
            return False
        spelling: list[ast.expr] = [path]
        seen: set[str] = set()
        for _ in range(_MAX_PATH_HOPS):
            if any(
                _called(c)[0] in _FOLDER_LISTERS
                for e in spelling
                for c in ast.walk(e)
                if isinstance(c, ast.Call)
            ):
                return True
            if any(_joined_below_folder_argument(e) for e in spelling):
                return True  # os.path.join(args.img_dir, name): a folder given on the command line
            names = {n.id for e in spelling for n in ast.walk(e) if isinstance(n, ast.Name)} - seen
            seen |= names
            spelling = []
            for name in sorted(names):
                binding = _binding_scope(name, scope)
                for kind, data, _, _ in binding.bindings[name] if binding is not None else ():
                    if kind == "expr":
                        spelling.append(data)
                    elif kind in ("iter", "item"):  # for name in names: the names iterated
                        spelling.append(data[0])
        return False

    def _folder_keys(self, name: str, scope: Scope) -> list[tuple[int, str]]:
        """The names a folder written below is read by: the name itself, and for a parameter of a
        function (``def save_all(images, folder)``) the names its calls in the file give it."""
        binding = _binding_scope(name, scope)
        if binding is None:
            return []
        keys = [(id(binding), name)]
        function = binding.node
        for kind, data, _, _ in binding.bindings[name]:
            if kind != "param" or not isinstance(function, _FUNCTIONS) or binding.parent is None:
                continue
            _, _, index, _, _ = data
            for call, where in self._direct_calls(function, binding.parent):
                given = _argument_for(call, name, index)
                caller = _binding_scope(given.id, where) if isinstance(given, ast.Name) else None
                if isinstance(given, ast.Name) and caller is not None:
                    keys.append((id(caller), given.id))
        return keys

    def _handed_calls(self) -> dict[int, list[tuple[ast.Call, Scope]]]:
        """The calls a function of the file gets where it is handed to something that calls it
        (an executor, a thread, map), by the function's id: ``executor.submit(score, images)`` is
        ``score(images)``."""
        if self._handed_by_function is None:
            self._handed_by_function = {}
            for site in self.sites:
                for step in self._steps_of(site.call):
                    assert isinstance(step.func, ast.Attribute)
                    self._handed_methods.setdefault(step.func.attr, []).append((site, step))
                handed = self.handed_call(site.call)
                if handed is None:
                    continue
                function = self._defined_function(handed.func, site.scope)
                if function is not None:
                    self._handed_by_function.setdefault(id(function), []).append((handed, site.scope))
                elif _on_self(handed.func):
                    assert isinstance(handed.func, ast.Attribute)
                    self._handed_methods.setdefault(handed.func.attr, []).append((site, handed))
        return self._handed_by_function

    def handed_call(self, call: ast.Call) -> ast.Call | None:
        """The call of the function a call hands its arguments to, when it is one that calls it
        (``executor.submit(f, x)`` is ``f(x)``); made once per call, so that it may key memos."""
        if id(call) in self._handed:
            return self._handed[id(call)]
        handed = self._handed[id(call)] = _handed_call(call)
        return handed

    def _steps_of(self, call: ast.Call) -> tuple[ast.Call, ...]:
        """``self.preprocess(x)``, ``self._forward(self.preprocess(x))``, ``self.postprocess(...)`` for
        ``self(x)`` or ``self.__call__(x)`` in a subclass of a transformers pipeline, whose ``__call__``
        runs the steps the subclass defines in turn; none for any other call. Made once per call."""
        if id(call) in self._steps:
            return self._steps[id(call)]
        self._steps[id(call)] = ()
        owner = self.functions.get(id(call))
        cls = self.classes.get(id(owner)) if owner is not None else None
        func = call.func
        receiver = func.value if isinstance(func, ast.Attribute) and func.attr == "__call__" else func
        if cls is None or owner is None or not self._is_self(receiver, owner):
            return ()
        assert isinstance(receiver, ast.Name)
        scope = self.scopes[id(call)]
        if not any(_is_transformers_pipeline(values.evaluate(base, scope)) for base in cls.bases):
            return ()
        steps: list[ast.Call] = []
        given: list[ast.expr] = [a for a in call.args if not isinstance(a, ast.Starred)]
        for name in _PIPELINE_STEPS:
            if method_named(cls, name) is None:
                continue
            step = ast.Call(ast.Attribute(ast.Name(receiver.id, ast.Load()), name, ast.Load()), given, [])
            steps.append(ast.fix_missing_locations(ast.copy_location(step, call)))
            given = [steps[-1]]
        self._steps[id(call)] = tuple(steps)
        return self._steps[id(call)]

    def _defined_function(
        self, func: ast.expr, scope: Scope
    ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function of the file a callee names by its own name (``helper`` for ``def helper``)."""
        if not isinstance(func, ast.Name):
            return None
        current: Scope | None = scope
        while current is not None:
            found = current.bindings.get(func.id)
            if found is not None:
                kind, data, _, _ = found[-1]
                return data if kind == "function" and len(found) == 1 else None
            current = current.parent
        return None

    def _class_named(self, func: ast.expr, scope: Scope) -> tuple[ast.ClassDef, Scope] | None:
        """The class of the file a callee names, with the scope it is defined in."""
        if not isinstance(func, ast.Name):
            return None
        current: Scope | None = scope
        while current is not None:
            for kind, data, _, _ in current.bindings.get(func.id, ()):
                if kind == "class":
                    return data, current
            if func.id in current.bindings:
                return None
            current = current.parent
        return None

    def _class_models(self, cls: ast.ClassDef, where: Scope, depth: int) -> frozenset[Load]:
        """The models a class's methods, or its base classes' methods, set on self
        (self.model = AutoModel.from_pretrained(...))."""
        lineage = self.lineage(cls, where)
        # what its methods add to module lists on self (self.blocks = nn.ModuleList(), then
        # self.blocks.append(nn.Sequential(*parts))): submodules it computes with, unlike a registry
        added = _union(
            [
                bindings._stored(("instance", id(ancestor), attr), depth)
                for bindings, ancestor, scope in lineage
                for attr, writes in values.self_writes(class_scope(ancestor, scope)).items()
                if any(_MODULE_LIST.fullmatch(_called_class(e)) for e, _ in writes if isinstance(e, ast.Call))
            ]
        ).models
        # a model a property builds and returns (@property def model(self): ... return pipeline)
        built = _union(
            [
                bindings._returned_at(method, class_scope(ancestor, scope), None, depth + 1)
                for bindings, ancestor, scope in lineage
                for method in ancestor.body
                if _is_property(method)
            ]
        ).models
        # a model kept on the class itself (SentencePruner._model = AutoModel.from_pretrained(...)): shared
        on_class = _union(
            [
                bindings.held(value, at, depth + 1)
                for bindings, ancestor, _ in lineage
                for (owner, _), writes in bindings.ctx.attribute_writes.items()
                if owner == ancestor.name
                for value, at in writes
            ]
        ).models
        if len(lineage) == 1:
            inner = class_scope(cls, where)
            found = [
                self.held(e, at, depth + 1)
                for writes in values.self_writes(inner).values()
                for e, at in writes
            ]
            return _union(found).models | added | built | on_class
        attributes = {
            attr
            for _, ancestor, scope in lineage
            for attr in values.self_writes(class_scope(ancestor, scope))
        }
        set_on_self = [self._lineage_attribute(lineage, attr, depth) for attr in sorted(attributes)]
        return _union(set_on_self).models | added | built | on_class

    def _once(self, key: tuple[object, ...], compute: Callable[[], Held]) -> Held:
        """What a class's instances hold, worked out once whatever is being followed around it: the
        contexts a base class is read in (a subclass's super().__init__, its overrides) would
        otherwise multiply; within its own working out, it holds nothing."""
        known = self._class_memo.get(key)
        if known is not None:
            return known
        self._class_memo[key] = NOTHING
        found = self._class_memo[key] = compute()
        return found

    def _lineage_attribute(
        self, lineage: list[ClassFound], attr: str, depth: int, reader: ast.AST | None = None
    ) -> Held:
        """What an instance of ``lineage[0]`` holds in ``attr``, set by it or by a base class: a base
        class's ``__init__`` given what its subclass hands it (``super().__init__(model)``)."""
        compute = partial(self._worked_out_attribute, lineage, attr, depth, reader)
        return self._once(("attribute", id(lineage[0][1]), attr, id(reader)), compute)

    def _worked_out_attribute(
        self, lineage: list[ClassFound], attr: str, depth: int, reader: ast.AST | None
    ) -> Held:
        bindings, cls, scope = lineage[0]
        found = [bindings._own_attribute(class_scope(cls, scope), attr, depth, reader)]
        for below, (bindings, ancestor, scope) in pairwise(lineage):
            # as for an instance of lineage[0]: self.load() in a base's __init__ runs the subclass's load
            own = partial(bindings._own_attribute, class_scope(ancestor, scope), attr, depth, reader)
            read = partial(bindings._as_instance_of, ancestor, lineage[0], own)
            init = method_named(ancestor, "__init__")
            calls = below[0]._init_calls(below[1]) if init is not None else []
            found.append(bindings._given(init, calls, read) if init is not None and calls else read())
        return _union(found)

    def _init_calls(self, cls: ast.ClassDef) -> list[tuple[ModelBindings, ast.Call, Scope]]:
        """The calls that run a base class's ``__init__`` for a class of the file: its own
        ``super().__init__(...)``, or when it has no ``__init__``, the calls constructing it."""
        init = method_named(cls, "__init__")
        if init is not None:
            return [
                (self, site.call, site.scope)
                for site in self.sites
                if site.owner is init
                and isinstance(site.call.func, ast.Attribute)
                and site.call.func.attr == "__init__"
                and isinstance(site.call.func.value, ast.Call)
                and isinstance(site.call.func.value.func, ast.Name)
                and site.call.func.value.func.id == "super"
            ]
        calls = [(self, site.call, site.scope) for site in self.name_calls.get(cls.name, ())]
        if self.callers is not None and cls in self.tree.body:
            calls += [(other, site.call, site.scope) for other, site in self.callers(cls.name)]
        return calls

    def _given(
        self,
        init: ast.FunctionDef | ast.AsyncFunctionDef,
        calls: list[tuple[ModelBindings, ast.Call, Scope]],
        read: Callable[[], Held],
    ) -> Held:
        """``read()`` with the parameters of a class's ``__init__`` holding what these calls pass (in
        place of what another subclass's calls pass, when it is read for one already)."""
        outer = self._context.get(id(init)), self._init_given.get(id(init))
        self._context[id(init)] = (calls[0][1], calls[0][2], None)
        self._init_given[id(init)] = calls
        try:
            return read()
        finally:
            if outer[0] is not None and outer[1] is not None:
                self._context[id(init)], self._init_given[id(init)] = outer[0], outer[1]
            else:
                del self._context[id(init)], self._init_given[id(init)]

    def lineage(self, cls: ast.ClassDef, where: Scope) -> list[ClassFound]:
        """The class and its base classes, nearest first: those of the file, and those imported from
        another module of the project (``class Mine(Base)`` where Base's ``__init__`` loads)."""
        known = self._lineages.get(id(cls))
        if known is not None:
            return known
        found: list[ClassFound] = [(self, cls, where)]
        self._lineages[id(cls)] = found  # while it is worked out: a class deriving from itself ends
        for base in cls.bases:
            defined = self._class_named(base, where)
            if defined is not None:
                found += [c for c in self.lineage(*defined) if c not in found]
                continue
            value = values.evaluate(base, where) if isinstance(base, (ast.Name, ast.Attribute)) else None
            if (
                value is None
                or value.kind != REF
                or value.data.startswith(LOCAL_PREFIX)
                or value.data.split(".")[0] in self.libraries
                or self.imported_class is None
            ):
                continue
            other = self.imported_class(value.data)
            if other is not None:
                found += [c for c in other[0].lineage(other[1], other[2]) if c not in found]
        return found

    def _override(self, cls: ast.AST, name: str, depth: int) -> Held | None:
        """What ``self.name(...)`` returns in a method of base class ``cls`` read for a subclass that
        overrides ``name`` (a worker's ``process``): what the override returns."""
        bindings, derived, where = self._self_class[id(cls)]
        for found, ancestor, scope in bindings.lineage(derived, where):
            if ancestor is cls:
                return None
            method = method_named(ancestor, name)
            if method is not None:
                inner = function_scope(method, class_scope(ancestor, scope))
                return _union([found.held(r, inner, depth + 1) for r in returned_values(method)])
        return None

    def _inherited_method(self, cls: Scope, name: str) -> tuple[ModelBindings, ast.AST, Scope] | None:
        """A method a class inherits from a base class (of the file or of another module), with the
        bindings of its file and the base class's scope; None when the class defines it itself."""
        if name in cls.bindings or not isinstance(cls.node, ast.ClassDef) or cls.parent is None:
            return None
        for bindings, ancestor, scope in self.lineage(cls.node, cls.parent)[1:]:
            inner = class_scope(ancestor, scope)
            own = _unmangled(name, ancestor)
            for kind, data, _, _ in inner.bindings.get(own, ()):
                if kind == "function":
                    return bindings, data, inner
            if own in inner.bindings:
                return None
        return None

    # -- expressions ----------------------------------------------------------------------------------

    def _held(self, node: ast.expr, scope: Scope, depth: int) -> Held:
        if isinstance(node, ast.Name):
            return self._name(node.id, scope, _start(node), depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, depth)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(node.value, ast.Attribute):
                keyed = self._stored_under(node.value, index, scope, depth)  # self.models["asr"]
                if keyed is not None:
                    return keyed
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                items = self._literal_items(node, scope)  # models["tts"]: the one that key names
                if items:
                    return _union([self.held(e, where, depth + 1) for e, where in items])
            base = self.held(node.value, scope, depth + 1)
            if base.parts is not None and isinstance(index, ast.Constant) and isinstance(index.value, int):
                return base.part(index.value)
            if base.keys is not None and isinstance(index, ast.Constant) and isinstance(index.value, str):
                return base.key(index.value)  # config["unet"] of a config stored into by key
            whole = _union(base.parts) if base.parts is not None else base
            # docs[hits], names[i] for i in scores.topk(3): a pick by a model's output is that model's output
            # (the candidates' own makers reach the picker, not what the picks go to next)
            chosen = self.held(index, scope, depth + 1).derived
            return Held(whole.models, chosen) if chosen else whole
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            parts = tuple(self.held(e, scope, depth + 1) for e in node.elts)
            whole = _union(parts)
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return whole
            return Held(whole.models, whole.derived, parts)
        if isinstance(node, ast.Dict):
            found = [self.held(v, scope, depth + 1) for v in node.values]
            names = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            if len(names) == len(node.keys):  # {"ckpt_path": path}
                return _record(names, found)
            return _union(found).data() if any(h.derived for h in found) else _union(found)
        if isinstance(node, _COMPREHENSIONS):
            inner = self._comprehension_scope(node, scope)
            if isinstance(node, ast.DictComp):
                return _union([self.held(e, inner, depth + 1) for e in (node.key, node.value)])
            element = self.held(node.elt, inner, depth + 1)
            # [tag for tag, p in zip(tags, probs) if p > t]: what a model's output picks is its output too
            picked = _union(
                [self.held(test, inner, depth + 1) for g in node.generators for test in g.ifs]
            ).derived
            if element.parts is None:
                return (
                    Held(element.models, element.derived | picked, runs=element.runs) if picked else element
                )
            # [(a, b) for ...]: the elements are such tuples, kept apart for who unpacks them
            return Held(element.models, element.derived | picked, (element,), runs=element.runs)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            written = self._downloaded_to(node.value)  # "ckpt/x.pth" after hf_hub_download(local_dir="ckpt")
            held = Held(models=written) if written else NOTHING
            file_name = _data_file_name(node.value)
            if file_name is not None and self.files_written is not None:  # "gen_table.jsonl" another wrote
                held |= self.files_written(file_name, self.path, depth)
            return held
        series = _series_name(node) if isinstance(node, ast.JoinedStr) else None
        if series is not None and self.files_written is not None:
            written_series = self.files_written(series, self.path, depth)
            if written_series.derived:  # f"noisy_latents_{t}.pt": a step's latents another script saved
                return written_series
        if isinstance(node, (ast.JoinedStr, ast.BinOp)):
            below = self._downloaded_below(node, scope, depth)
            if below:  # f"{cache_dir}/unet.ckpt", ckpt_dir / name after a download there
                return Held(models=below)
            outputs = self._output_below(node, depth)
            if outputs.derived:  # f"runs/{name}/result/predictions.jsonl" an evaluator given a model wrote
                return outputs
        if isinstance(node, ast.Lambda):
            # A function as a value (map(lambda p: asr(p), paths), df.apply(lambda t: mt(t))): what it
            # computes when called is derived from the models its body runs.
            body = self.held(node.body, function_scope(node, scope), depth + 1)
            computed = body.derived | body.runs
            return Held(runs=computed) if computed else NOTHING
        # Arithmetic, comparisons, f-strings, conditionals, awaits, starred, walrus: their parts' data.
        found = [
            self.held(c, scope, depth + 1) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)
        ]
        # a or b, [a] + [b] (a container grown by append), config | {key: v} (stored into by key):
        # whichever it holds, models too.
        if isinstance(node, (ast.IfExp, ast.BoolOp, ast.NamedExpr, ast.Await, ast.Starred)) or (
            isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.BitOr))
        ):
            if isinstance(node, ast.BinOp) and all(held.parts is not None for held in found):
                joined = _union(found)  # [a] + [b]: a, then b
                parts = tuple(p for h in found for p in h.parts or ())
                return Held(joined.models, joined.derived, parts, runs=joined.runs)
            if isinstance(node, ast.IfExp):
                found = found[1:]  # not the test
            return _union(found)
        return Held(derived=_union(found).derived) if found else NOTHING

    def _name(self, name: str, scope: Scope, at: Position | None, depth: int) -> Held:
        current: Scope | None = scope
        while current is not None:
            bindings = current.bindings.get(name)
            if bindings is not None:
                chosen = values.ALL_BINDINGS if at is None else current.reaching.get((name, at))
                if chosen is None:
                    assert at is not None
                    chosen = current.reaching[(name, at)] = values.reaching_bindings(name, current, at)
                reaching = bindings if chosen == values.ALL_BINDINGS else [bindings[i] for i in chosen]
                container = any(kind == "expr" and _is_container(data) for kind, data, _, _ in reaching)
                if (id(current), name) in self._ui_outputs or any(
                    kind == "expr" and _is_queue(data) for kind, data, _, _ in reaching
                ):
                    reaching = bindings  # a queue (a UI component) is read later: all ever put in
                if isinstance(current.node, _FUNCTIONS) and current.node in self.tree.body:
                    dead = self._dead_branches(current.node)  # if kind == "b32": ... never taken
                    reaching = [
                        b for b in reaching if not any((block[0], block[1]) in dead for block in b[3])
                    ]
                found = [self._binding(kind, data, current, depth) for kind, data, _, _ in reaching]
                if any(kind in ("value", "default") for kind, _, _, _ in reaching):
                    found.append(self._method_argument(current, name, depth))
                if any(kind == "unknown" for kind, _, _, _ in reaching):
                    found.append(self._packed_keywords(current, name, depth))  # def f(x, **kwargs)
                if container:
                    found.append(self._put_by_callees(current, name, depth))
                if any(kind == "expr" and _is_streamer(data) for kind, data, _, _ in reaching):
                    found.append(self._streamed_into(current, name))
                found.append(self._written_below(current, name, depth))
                downloaded = self._downloaded_into(frozenset({(id(current), name)}), depth)
                if downloaded:  # a folder downloads went into, holding one model
                    found.append(Held(models=downloaded))
                held = _union(found)
                if held.models and any(kind == "expr" and _constructs(data) for kind, data, _, _ in reaching):
                    # an object built of models runs those set on it too: stream.vae = tiny_vae
                    held |= Held(models=self.set_on(name, depth=depth))
                return held
            if not current.immediate:
                at = None  # a function runs later: every binding of the names it reads counts
            current = current.parent
        return NOTHING

    def _property(
        self, node: ast.Attribute, scope: Scope
    ) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope] | None:
        """The method of the file's class an attribute read on its instance runs: one decorated as a
        property (``@property``, ``@functools.cached_property``), with the class's scope."""
        if self._property_names is None:  # the file's properties, by name: most attributes are none
            self._property_names = frozenset(
                method.name for method in ast.walk(self.tree) if _is_property(method)
            )
        if node.attr not in self._property_names or not isinstance(node.value, ast.Name):
            return None
        value = values.evaluate(node.value, scope)
        if value.kind != INSTANCE or not isinstance(value.data.node, ast.ClassDef):
            return None
        method = method_named(value.data.node, node.attr)
        if method is None or not _is_property(method):
            return None
        return method, value.data

    def set_on(self, name: str, attr: str | None = None, depth: int = 0) -> frozenset[Load]:
        """The models the file assigns to attributes (or to ``attr``) of an object a name holds:
        loaded there (``stream.vae = AutoencoderTiny.from_pretrained(...)``) or named
        (``stream.vae = tiny``), not those an object built there is given."""
        found: set[Load] = set()
        for key, stored in self.stored.items():
            if key[:2] != ("object", name) or attr not in (None, key[2]):
                continue
            for _, value, scope in stored:
                if isinstance(value, ast.Name):
                    found |= self.held(value, scope, depth + 1).models
                else:
                    found |= {self.loads[id(n)] for n in ast.walk(value) if id(n) in self.loads} & self.models
        return frozenset(found)

    def _binding(self, kind: str, data: Any, scope: Scope, depth: int) -> Held:
        if kind == "expr":
            assert isinstance(data, ast.expr)
            return self.held(data, scope, depth + 1)
        if kind == "scoped":  # a module global a function sets: read in that function's scope
            return self.held(data[0], data[1], depth + 1)
        if kind == "item":
            value, index = data
            return self.held(value, scope, depth + 1).part(index)
        if kind == "iter":
            iterable, index = data
            item = _item(self.held(iterable, scope, depth + 1))
            for step in (index,) if isinstance(index, int) else index or ():
                item = item.part(step)  # for i, (caption, image) in enumerate(pairs): a nested part
            return item
        if kind == "param":
            return self._parameter(data, depth)
        if kind == "function" and not scope.is_class:  # a function as a value (returned, handed over)
            runs = self.function_runs(data)  # the models it runs (a method: what its calls run)
            return Held(runs=runs) if runs else NOTHING
        if kind == REF and self.imported is not None:
            assert isinstance(data, str)
            return self._imported(data, called=False, depth=depth)
        return NOTHING

    def _loaded_self(self, func: ast.Attribute, scope: Scope) -> frozenset[Load]:
        """The models ``self.<method>(...)`` runs in a method of a class whose instances are the model
        its own classmethod loads (``vq = cls(**spec["config"]); vq.load_state_dict(spec["state_dict"]);
        return vq``), for a method running its layers (``self.quantize(embs)`` calling ``self.rq(x)``):
        that model; none for another (``self.log_mel_spectrogram(samples)``)."""
        method = scope.node
        cls = self.classes.get(id(method)) if isinstance(method, _FUNCTIONS) else None
        if cls is None or not isinstance(method, _FUNCTIONS) or _is_classmethod(method):
            return frozenset()
        if not self._is_self(func.value, method) or not _runs_own_layers(cls, func.attr):
            return frozenset()
        loaders = [m for m in cls.body if isinstance(m, _FUNCTIONS) and _builds_own_class(cls, m.name)]
        body = scope.parent  # a method's parent scope is its class's
        if not loaders or body is None:
            return frozenset()

        def loaded() -> Held:
            return Held(models=_union([self._returned_at(m, body, None, 0) for m in loaders]).models)

        return self._once(("loaded self", id(cls)), loaded).models

    def _imported(self, dotted: str, *, called: bool, depth: int, at: Followed | None = None) -> Held:
        if self.imported is None or dotted.startswith(LOCAL_PREFIX):
            return NOTHING
        root = dotted.split(".")[0]
        if root in self.libraries:
            return NOTHING
        return self.imported(dotted, called, depth + 1, at)

    def _parameter(self, data: tuple[ast.FunctionDef, str, int | None, object, Scope], depth: int) -> Held:
        """A parameter of a function of the file: what the call being followed passes, else what
        every call of the file passes."""
        function, name, index, _, outer = data
        found = []
        for reader, call, where, here in self._calls_giving(function, outer, handed=True):
            given = _argument_for(call, name, index)
            if given is None:
                continue
            read = partial(reader.held, given, where, depth + 1)
            # Read as the caller sees it: the context of this call no longer applies.
            found.append(self._outside(function, read) if here else read())
        if not found and id(function) not in self._context:  # def inference(self, r: BaseRetriever)
            found.append(self._annotated_instance(function, name, outer, depth))
        return _union(found)

    def _calls_giving(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, outer: Scope, *, handed: bool
    ) -> list[tuple[ModelBindings, ast.Call, Scope, bool]]:
        """The calls giving a function's parameters their values, each with the bindings reading it
        and whether it is read as this file's (the call followed, or a call of the file): the call
        followed, else the file's calls (and, with ``handed``, those of what it is handed to:
        ``executor.submit(function, x)``) and, for a module-level function, other modules' calls."""
        followed = self._context.get(id(function))
        if followed is not None:
            return [(followed[2] or self, followed[0], followed[1], True)]  # followed[2]: another module's
        sites = self._direct_calls(function, outer)
        if handed:
            sites = [*sites, *self._handed_calls().get(id(function), ())]
        found = [(self, call, where, True) for call, where in sites]
        if self.callers is not None and outer is self.module:  # rerank(ce, hits) in another module
            found += [
                (bindings, site.call, site.scope, False) for bindings, site in self.callers(function.name)
            ]
        return found

    def _annotated_instance(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, outer: Scope, depth: int
    ) -> Held:
        """What a parameter no call of the project gives anything holds by its annotation naming a class
        of the project: the models an instance of that class, or of any class deriving from it, has
        (worked out once per parameter)."""
        compute = partial(self._worked_out_annotation, function, name, outer, depth)
        return self._once(("annotated", id(function), name), compute)

    def _worked_out_annotation(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, outer: Scope, depth: int
    ) -> Held:
        parameter = next(
            (
                a
                for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)
                if a.arg == name
            ),
            None,
        )
        annotation = parameter.annotation if parameter is not None else None
        if not isinstance(annotation, (ast.Name, ast.Attribute)) or self.subclasses is None:
            return NOTHING
        found = self._class_called(annotation, outer)
        if found is None:
            return NOTHING
        classes = [found, *self.subclasses(found[1])]
        if len(classes) > _MAX_SUBCLASSES:
            return NOTHING  # a library's base class (a model's, a pipeline's): any of many
        models = frozenset().union(*(b._class_models(cls, where, depth + 1) for b, cls, where in classes))
        return Held(models=models) if models else NOTHING

    def _given_to_parameter(
        self, name: ast.Name, scope: Scope
    ) -> list[tuple[ModelBindings, ast.expr, Scope]]:
        """What a parameter of a module-level function of the file is given, as the callers spell it:
        at the call followed, else at each call of the project (none for any other name)."""
        binding = _binding_scope(name.id, scope)
        found = binding.bindings[name.id] if binding is not None else []
        if len(found) != 1 or found[0][0] != "param":
            return []
        function, parameter, index, _, outer = found[0][1]
        if outer is not self.module or function not in self.tree.body:
            return []
        sites = self._calls_giving(function, outer, handed=False)
        given = [
            (bindings, _argument_for(call, parameter, index), where) for bindings, call, where, _ in sites
        ]
        return [(bindings, value, where) for bindings, value, where in given if value is not None]

    def callers_through(self, site: CallSite) -> list[Followed | None]:
        """The calls of the module-level function a site is in, to read the site at each in turn,
        where the model it calls is one of the function's parameters (``def answering(a_model,
        inputs): a_model(**inputs)``): each caller's model then meets what that caller gives, not
        another caller's. [None] (read once, with what all calls pass) for any other site."""
        function = site.owner
        if not isinstance(function, _FUNCTIONS) or function not in self.tree.body:
            return [None]
        arguments = function.args
        if _callee_root(site.call.func) not in {a.arg for a in (*arguments.posonlyargs, *arguments.args)}:
            return [None]
        calls: list[Followed | None] = [
            (c, where, None) for c, where in self._direct_calls(function, self.module)
        ]
        if self.callers is not None:
            calls += [(other.call, other.scope, bindings) for bindings, other in self.callers(function.name)]
        return calls if 0 < len(calls) <= _MAX_CALLERS else [None]

    def _dead_branches(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[tuple[int, str]]:
        """The branches (``if`` statement, "body" or "orelse") of ``if param == "x":`` tests a module-level
        function never takes: the call followed, else every call of the project, passes another constant
        (``compute_clip_score(images, clip_model="ViT-G/14")`` never loads the ViT-B/32 branch's model)."""
        followed = self._context.get(id(function))
        key = (id(function), id(followed[0]) if followed is not None else 0)
        known = self._dead.get(key)
        if known is not None:
            return known
        self._dead[key] = frozenset()  # while worked out
        calls: list[ast.Call] = (
            [followed[0]]
            if followed is not None
            else [call for call, _ in self._direct_calls(function, self.module)]
            + [site.call for _, site in (self.callers(function.name) if self.callers is not None else ())]
        )
        positional = _positional(function)
        named = {*positional, *(a.arg for a in function.args.kwonlyargs)}
        dead: set[tuple[int, str]] = set()

        def passed(name: str) -> set[object] | None:
            return _constants_passed(function, name, positional, calls) if name in named else None

        for node in ast.walk(function) if calls else ():
            taken = _test_outcomes(node.test, passed) if isinstance(node, ast.If) else None
            if taken is None:
                continue
            dead |= {
                (id(node), branch)
                for branch, runs in (("body", True), ("orelse", False))
                if runs not in taken
            }
        known = self._dead[key] = frozenset(dead)
        return known

    def never_called(self, load: Load) -> bool:
        """Whether a load stands in a branch of a module-level function that no call of the project
        takes (``if generation_only and inpaint:`` where every call passes ``generation_only=False``)."""
        call = self.calls.get(load)
        if call is None:
            return False
        owner = self.owner_of(call)
        return (
            isinstance(owner, _FUNCTIONS) and owner in self.tree.body and id(call) in self._dead_nodes(owner)
        )

    def _dead_nodes(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[int]:
        """The nodes (by id) inside the branches ``_dead_branches`` finds."""
        dead = self._dead_branches(function)
        if not dead:
            return frozenset()
        return frozenset(
            id(inner)
            for node in ast.walk(function)
            if isinstance(node, ast.If)
            for branch in ("body", "orelse")
            if (id(node), branch) in dead
            for stmt in getattr(node, branch)
            for inner in ast.walk(stmt)
        )

    def context_key(self) -> tuple[int, ...]:
        """The calls being followed now (what a memo of what a body does must key on)."""
        return tuple(id(call) for call, _, _ in self._context.values())

    @contextlib.contextmanager
    def following(self, function: ast.AST, at: Followed | None) -> Iterator[None]:
        """Read the function's body as at the call ``at`` (nothing changes for None)."""
        outer = self._context.get(id(function))
        if at is not None:
            self._context[id(function)] = at
        try:
            yield
        finally:
            if at is not None:
                if outer is None:
                    del self._context[id(function)]
                else:
                    self._context[id(function)] = outer

    def _direct_calls(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, outer: Scope
    ) -> list[tuple[ast.Call, Scope]]:
        """The calls of a function in its file; for one also handed on (``mp.spawn(worker, ...)``,
        where ptm check's tracing gives up), those that call it by its name."""
        sites = values.call_sites(outer.ctx, function)
        if sites is not None:  # each in its own scope: a comprehension's ([score(x) for x in xs])
            return [(call, self.scopes.get(id(call), where)) for call, where in sites]
        return [
            (site.call, site.scope)
            for site in self.name_calls.get(function.name, ())
            if self._defined_function(site.call.func, site.scope) is function
        ]

    def _packed_keywords(self, scope: Scope, name: str, depth: int) -> Held:
        """A function's ``**kwargs``: the dicts its calls of the file unpack into it and the keywords
        they give that name no parameter (also a sampling loop's ``p_sample_loop(model_fn, shape,
        model_kwargs=cond)``, which calls ``model_fn(x, t, **cond)``)."""
        function = scope.node
        if not (
            isinstance(function, _FUNCTIONS)
            and function.args.kwarg is not None
            and function.args.kwarg.arg == name
            and scope.parent is not None
        ):
            return NOTHING
        calls = [*self._direct_calls(function, scope.parent), *self._handed_calls().get(id(function), ())]
        named = _parameters(function)
        return _union(
            [
                self.held(k.value, where, depth + 1)
                for call, where in calls
                for k in call.keywords
                if k.arg is None or k.arg not in named
            ]
        )

    def _method_argument(self, scope: Scope, name: str, depth: int) -> Held:
        """A parameter of a method: what the ``self.method(...)`` calls of its class (and of the file's
        classes deriving from it) pass, and for ``__init__`` what the file's ``Class(...)`` calls pass
        (models handed to the constructor); read for a subclass, what it hands ``__init__``."""
        method = scope.node
        cls = self.classes.get(id(method))
        if cls is None or not isinstance(method, _FUNCTIONS):
            return NOTHING
        positional = [a.arg for a in (*method.args.posonlyargs, *method.args.args)]
        followed = self._context.get(id(method))
        if followed is not None and _is_classmethod(method, also_static=True):
            # Cls.load_model(spec=s) followed: what that call passes (a staticmethod has no cls first)
            first = 1 if _is_classmethod(method) else 0
            at = positional.index(name) - first if name in positional[first:] else None
            given = _argument_for(followed[0], name, at)
            if given is not None:
                return (followed[2] or self).held(given, followed[1], depth + 1)
        static = _is_classmethod(method, also_static=True) and not _is_classmethod(method)
        first = 0 if static else 1  # self._score(reranker, texts) of a staticmethod: no self first
        index = positional.index(name) - first if name in positional[first:] else None
        given_by = self._init_given.get(id(method))
        if given_by is not None:  # read for a subclass: what it hands its base class's __init__
            return _union(self._arguments_given(given_by, name, index, depth))
        # What the class's own calls pass does not depend on the call followed around the method: read
        # once, not again in each context (class-heavy code multiplies them).
        compute = partial(self._calls_argument, scope, cls, method, name, index, depth)
        passed = self._once(("method argument", id(method), name, self._self_key), compute)
        if passed == NOTHING and scope.parent is not None:  # def inference(self, retriever: BaseRetriever)
            return self._annotated_instance(method, name, scope.parent, depth)
        return passed

    @staticmethod
    def _arguments_given(
        calls: list[tuple[ModelBindings, ast.Call, Scope]], name: str, index: int | None, depth: int
    ) -> list[Held]:
        found = []
        for bindings, call, where in calls:
            given = _argument_for(call, name, index)
            if given is not None:
                found.append(bindings.held(given, where, depth + 1))
        return found

    def _calls_argument(
        self,
        scope: Scope,
        cls: ast.ClassDef,
        method: ast.FunctionDef | ast.AsyncFunctionDef,
        name: str,
        index: int | None,
        depth: int,
    ) -> Held:
        family = self._derived_classes(cls)  # self.method(x) in a subclass runs it too
        self._handed_calls()  # and what hands the method over: Thread(target=self.loop, args=(q,))
        calls = [
            (self, call, site.scope)
            for spelled in _spellings(method.name, cls)
            for site, call in [
                *((site, site.call) for site in self.method_calls.get(spelled, ())),
                *self._handed_methods.get(spelled, ()),
            ]
            if self.classes.get(id(site.owner)) in family and _on_self(call.func)
        ]
        found = []
        if method.name == "__init__":
            calls += [(self, site.call, site.scope) for site in self.name_calls.get(cls.name, ())]
            calls += self._alternate_constructor_calls(cls)
            if self.callers is not None and cls in self.tree.body:  # a module-level class
                # RAG(embedder=..., reranker=...) in another module
                calls += [(other, site.call, site.scope) for other, site in self.callers(cls.name)]
        elif scope.parent is not None:  # a method's parent scope is its class's
            found.append(self._template_arguments(cls, scope.parent, method.name, name, index, depth))
            if self.subclass_calls is not None and cls in self.tree.body:  # self.filter_caption(x) in
                calls += self.subclass_calls(cls, method.name)  # another module's subclass
        return _union([*found, *self._arguments_given(calls, name, index, depth)])

    def self_calls_in_subclasses(
        self, base: ast.ClassDef, method: str
    ) -> list[tuple[ModelBindings, ast.Call, Scope]]:
        """The ``self.method(...)`` calls in this file's classes deriving from ``base`` (a class of
        another module)."""
        if self._derived_from is None:  # the file's module-level classes by each base class's id
            self._derived_from = {}
            for cls in self.class_definitions:
                if cls in self.tree.body:
                    for found in self.lineage(cls, self.module)[1:]:
                        self._derived_from.setdefault(id(found[1]), set()).add(id(cls))
        derived = self._derived_from.get(id(base))
        if not derived:
            return []
        return [
            (self, site.call, site.scope)
            for spelled in _spellings(method, base)
            for site in self.method_calls.get(spelled, ())
            if id(self.classes.get(id(site.owner))) in derived and _on_self(site.call.func)
        ]

    def _own_model(self, func: ast.Attribute, receiver: Held, scope: Scope, depth: int) -> frozenset[Load]:
        """The models an attribute of a model holds other than the model itself: one set by an
        earlier statement (``pipe.unet = esd_unet``) or by a project class whose instance the model
        is (``video_pipe.unet`` of a pipeline class of the project); else none (``pipe.unet`` is a
        part of ``pipe``)."""
        if not receiver.models:
            return frozenset()
        held = self.held(func, scope, depth + 1)
        return held.models if held.models and not held.models & receiver.models else frozenset()

    def _alternate_constructor_calls(self, cls: ast.ClassDef) -> list[tuple[ModelBindings, ast.Call, Scope]]:
        """``cls(unet=UNet.from_pretrained(...))`` in a classmethod of the class (its own
        ``from_pretrained``): calls of its ``__init__``."""
        found = []
        for method in cls.body:
            if not isinstance(method, _FUNCTIONS) or not _is_classmethod(method):
                continue
            first = [*method.args.posonlyargs, *method.args.args][:1]
            for site in self.name_calls.get(first[0].arg, ()) if first else ():
                if site.owner is method:
                    found.append((self, site.call, site.scope))
        return found

    def _template_arguments(
        self, cls: ast.ClassDef, where: Scope, method: str, name: str, index: int | None, depth: int
    ) -> Held:
        """A parameter of a method a base class calls on self (``self.process(item)`` in a worker's
        ``run`` loop): what those calls pass, read for an instance of this class."""
        compute = partial(self._worked_out_template, cls, where, method, name, index, depth)
        return self._once(("template", id(cls), method, name), compute)

    def _worked_out_template(
        self, cls: ast.ClassDef, where: Scope, method: str, name: str, index: int | None, depth: int
    ) -> Held:
        found = []
        for bindings, ancestor, _ in self.lineage(cls, where)[1:]:
            for site in bindings.method_calls.get(method, ()):
                receiver = site.call.func.value  # type: ignore[attr-defined]
                if bindings.classes.get(id(site.owner)) is not ancestor or receiver.id not in ("self", "cls"):
                    continue
                given = _argument_for(site.call, name, index)
                if given is not None:
                    read = partial(bindings.held, given, site.scope, depth + 1)
                    found.append(bindings._as_instance_of(ancestor, (self, cls, where), read))
        return _union(found)

    def _derived_classes(self, cls: ast.ClassDef) -> set[ast.ClassDef]:
        """The class and the classes of the file deriving from it (by name), however deep."""
        family = {cls}
        classes = set(self.class_definitions)
        grown = True
        while grown:
            names = {c.name for c in family}
            more = {
                c for c in classes - family if any(isinstance(b, ast.Name) and b.id in names for b in c.bases)
            }
            family |= more
            grown = bool(more)
        return family

    def _outside(self, function: ast.AST, read: Callable[[], Held]) -> Held:
        followed = self._context.pop(id(function), None)
        try:
            return read()
        finally:
            if followed is not None:
                self._context[id(function)] = followed

    def _attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Held:
        prop = self._property(node, scope)
        if prop is not None:  # self.pipeline of @cached_property def pipeline(self): what it returns
            method, where = prop
            return self._returned_at(method, where, None, depth + 1)
        before = self._set_before(node, scope)
        if before is not None:  # if kind == "inpaint": self.unet = A(...); self.pipe = P(unet=self.unet)
            return self.held(*before, depth + 1)
        field = self._keyword_field(node, scope)
        if field is not None:
            return _union([self.held(value, where, depth + 1) for value, where in field])
        # helper.cropped_faces of helper = FaceHelper(...): what its methods put there
        own = _union(
            [
                bindings._instance_attribute(class_scope(cls, where), node.attr, depth)
                for bindings, cls, where in self._built_from(node.value, scope)
            ]
        )
        if own.models or own.derived or own.runs:
            return own
        base = self.held(node.value, scope, depth + 1)
        keyed = _field(base, node.attr)
        if keyed is not None:
            return keyed  # model_dict.vae of EasyDict(vae=vae, unet=unet)
        if _only_fields(base) and node.attr not in _DICT_METHODS:
            return NOTHING  # dataset.question of dataset | {"retrieval_result": docs}: none stored there
        if base.models:
            if node.attr in NOT_OUTPUT or _PREPROCESSING.search(node.attr) or _SIZE.search(node.attr):
                return NOTHING  # pipe.tokenizer, pipe.scheduler, model.text_ctx: no model
            return Held(models=base.models)  # a component: pipe.unet, model.module, model.encoder
        if base.runs and not base.derived:  # sampler.sample of DDIMSampler(model=model_fn): model_fn's models
            return Held(runs=base.runs)
        if base.derived and node.attr in _METADATA:
            return NOTHING  # frames.shape, frames.device: no output, what it is like
        if base.derived:
            return Held(derived=base.derived)  # out.logits, out.last_hidden_state, images.images
        value = values.evaluate(node.value, scope)
        if value.kind == INSTANCE and id(value.data.node) in self._self_class:
            bindings, derived, where = self._self_class[id(value.data.node)]  # self.queue of a subclass
            return bindings._lineage_attribute(bindings.lineage(derived, where), node.attr, depth)
        if value.kind == INSTANCE:
            reader = self._method_of(scope, value.data.node)
            if reader is not None and not (
                isinstance(value.data.node, ast.ClassDef) and self._later_steps(value.data.node, reader)
            ):
                reader = None  # read where nothing runs after it: as anywhere (one memo entry for all)
            return self._instance_attribute(value.data, node.attr, depth, reader) | self._stored(
                self._object_holder(node), depth
            )
        stored = self._stored(self._object_holder(node), depth)  # args.model = m elsewhere
        dotted = values.dotted(node) if self._downloads_into_folders() else None
        if dotted is not None and (
            downloaded := self._downloaded_into(frozenset({("attribute", dotted)}), depth)
        ):
            stored |= Held(models=downloaded)  # args.ckpt_path, a file of the folder a snapshot went to
        if value.kind == REF:
            return self._imported(f"{value.data}.{node.attr}", called=False, depth=depth) | stored
        return stored

    def _set_before(self, node: ast.Attribute, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """``self.attr`` (or ``pipe.unet`` of a local name) read in a function after an earlier
        statement of its block, or of a block around it, sets it: that value (each branch building its
        own parts; ``pipe.unet = esd_unet`` before ``pipe.unet(x)``), else None (read as every
        statement setting it may have)."""
        body = scope  # the function's scope, else the module's (a script's main block)
        while body.parent is not None and not isinstance(body.node, _FUNCTIONS):
            body = body.parent
        statements = self.tree if body.parent is None else body.node
        if not isinstance(statements, (*_FUNCTIONS, ast.Module)) or not isinstance(node.value, ast.Name):
            return None
        sets, placed, enclosing = self._statements_of(statements)
        if node.attr not in sets or id(node) not in placed:
            return None
        receiver = node.value.id
        at: tuple[list[ast.stmt], int] | None = placed[id(node)]
        while at is not None:
            block, index = at
            for stmt in reversed(block[:index]):
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    for target, value in values.assigned_pairs(stmt):
                        if (
                            isinstance(target, ast.Attribute)
                            and target.attr == node.attr
                            and isinstance(target.value, ast.Name)
                            and target.value.id == receiver
                        ):
                            return value, body
            at = enclosing.get(id(block))
        return None

    def _statements_of(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Module
    ) -> tuple[frozenset[str], _Placed, _Placed]:
        """The attributes a function sets on anything (``x.attr = ...``), for each node of its body
        the innermost statement holding it, as (its block, its index there), and for each nested
        block the statement holding it."""
        known = self._method_statements.get(id(function))
        if known is None:
            blocks = [
                function.body,
                *(b for stmt in values.nested_statements(function.body) for b in _statement_blocks(stmt)),
            ]
            statements = [(block, index) for block in blocks for index in range(len(block))]
            enclosing = {id(inner): at for at in statements for inner in _statement_blocks(at[0][at[1]])}
            # outermost first, so that a statement nested in another is where its nodes are
            statements.sort(key=lambda at: -((at[0][at[1]].end_lineno or 0) - at[0][at[1]].lineno))
            placed = {id(n): at for at in statements for n in ast.walk(at[0][at[1]])}
            assignments = [
                stmt
                for stmt in (block[index] for block, index in statements)
                if isinstance(stmt, (ast.Assign, ast.AnnAssign))
            ]
            sets = frozenset(
                target.attr
                for stmt in assignments
                for target, _ in values.assigned_pairs(stmt)
                if isinstance(target, ast.Attribute)
            )
            known = self._method_statements[id(function)] = (sets, placed, enclosing)
        return known

    def _as_instance_of(self, cls: ast.ClassDef, derived: ClassFound, read: Callable[[], Held]) -> Held:
        """``read()`` with ``self`` in the methods of ``cls`` (a base class of this file) standing for
        an instance of ``derived``, a class deriving from it."""
        if derived[1] is cls:
            return read()
        outer = self._self_class.get(id(cls))  # read for another subclass: this one instead, a while
        self._self_class[id(cls)] = derived
        self._self_key = tuple(id(found[1]) for found in self._self_class.values())
        try:
            return read()
        finally:
            if outer is not None:
                self._self_class[id(cls)] = outer
            else:
                del self._self_class[id(cls)]
            self._self_key = tuple(id(found[1]) for found in self._self_class.values())

    def _object_holder(self, node: ast.Attribute) -> tuple[object, ...] | None:
        named = values.dotted(node.value)
        return ("object", named, node.attr) if named is not None else None

    def _instance_attribute(self, cls: Scope, attr: str, depth: int, reader: ast.AST | None = None) -> Held:
        """What a class of the file, or its instances, hold in ``attr``: assigned in the class body or
        to self.attr in any of its methods, or its base classes' (of the file or of another module);
        read in the method ``reader``, not what the steps run after it set (see _later_steps)."""
        if isinstance(cls.node, ast.ClassDef) and cls.parent is not None:
            lineage = self.lineage(cls.node, cls.parent)
            if len(lineage) > 1:
                return self._lineage_attribute(lineage, attr, depth, reader)
        return self._own_attribute(cls, attr, depth, reader)

    def _own_attribute(self, cls: Scope, attr: str, depth: int, reader: ast.AST | None = None) -> Held:
        found = []
        if attr in cls.bindings:
            found.append(self._name(attr, cls, None, depth + 1))
        later = self._later_steps(cls.node, reader) if isinstance(cls.node, ast.ClassDef) else frozenset()
        for expr, where in values.self_writes(cls).get(attr, ()):
            if id(where.node) not in later:
                found.append(self.held(expr, where, depth + 1))
        found.append(self._stored(("instance", id(cls.node), attr), depth))
        return _union(found)

    def _method_of(self, scope: Scope | None, cls: ast.AST) -> ast.AST | None:
        """The method of ``cls`` whose body (or a function nested in it) a scope is."""
        while scope is not None:
            if isinstance(scope.node, _FUNCTIONS) and self.classes.get(id(scope.node)) is cls:
                return scope.node
            scope = scope.parent
        return None

    def _later_steps(self, cls: ast.ClassDef, reader: ast.AST | None) -> frozenset[int]:
        """The methods of a class run after ``reader`` when both are steps of a method running them one
        after another (``self.run_speech_to_text(); self.run_translation()`` in a ``dub`` method),
        each called from nowhere else in the class, and the class's other such drivers (``update``):
        what a later step, or another run, sets on ``self`` is not set when a step reads it
        (open-dubbing's ``self.utterance_metadata``)."""
        if reader is None:
            return frozenset()
        known = self._driver_steps.get(id(cls))
        if known is None:
            known = self._driver_steps[id(cls)] = _driver_steps_of(cls)
        steps, other_drivers = known
        position = steps.get(id(reader))
        if position is None:
            return frozenset()
        return frozenset(method for method, at in steps.items() if at > position) | other_drivers

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Held:
        load = self.loads.get(id(node))
        if load is not None:
            if load in self.models:
                return Held(models=frozenset({load}))
            # AutoTokenizer.from_pretrained(model_dir): the tokenizer of the model there, no model itself
            model_id = _model_id_argument(node)
            given = [a for a in [*node.args, *(k.value for k in node.keywords)] if a is not model_id]
            return _union([self.held(a, scope, depth + 1) for a in given])
        # Contriever.from_pretrained(path) beside AutoTokenizer.from_pretrained(path): the reported load's
        stand_in = self._reported_for_repo(node)
        if stand_in is not None:
            return Held(models=frozenset({stand_in}))
        below = self._downloaded_below(node, scope, depth)
        if below:  # os.path.join(cache_dir, "unet.ckpt") after a download there
            return Held(models=below)
        constant = _constant_join(node, scope)
        written = self._downloaded_to(constant) if constant is not None else frozenset()
        if written:  # os.path.join(checkpoints_dir, name) of two constants, after wget.download(url, out=...)
            return Held(models=written)
        func = node.func
        if _ui_property_update(node):
            return NOTHING  # gr.update(visible="speaker" in names): how a component shows, no value
        if isinstance(func, ast.Name) and func.id in ("zip", "enumerate") and _plain_arguments(node):
            # for doc, score in zip(docs, scores): each item is a tuple of one item of each, kept apart
            items = [_item(self.held(a, scope, depth + 1)) for a in node.args]
            if func.id == "enumerate":
                items = [NOTHING, *items[:1]]
            together = _union(items)
            return Held(
                together.models, together.derived, (Held(together.models, together.derived, tuple(items)),)
            )
        handed = self.handed_call(node)
        if handed is not None and _returns_result(node):
            result = self.held(handed, scope, depth + 1)
            if result.models or result.derived:  # pool.map(f, xs), p_sample_loop(model_fn, ...): f's results
                return result
        elif _last_name(func) == "DataLoader" and (dataset := _argument_for(node, "dataset", 0)) is not None:
            return self.held(dataset, scope, depth + 1)  # its batches: the dataset's items, fields kept
        steps = self._steps_of(node)
        if steps:  # self(x) in a transformers pipeline: what its postprocess (or _forward) returns
            return self.held(steps[-1], scope, depth + 1)
        named = self._named_here(func, depth)
        if named is not None:  # eval(class_name)(ckpt), globals()[name](x): what any it names gives
            return named
        picked = self._picked_from_module(func if isinstance(func, ast.Call) else node, scope, depth)
        if picked is not None:  # getattr(module, name)(): any function of that module of the project
            called = isinstance(func, ast.Call)
            return picked[1] if called else picked[0]
        if (
            self.files_written is not None
            and self.reads_image_folders()
            and self._reads_listed_image(node, scope)
        ):
            generated = self.files_written(IMAGE_FOLDERS, self.path, depth)
            if generated.derived:  # Image.open(os.path.join(folder, name)): images another script made
                return generated
        read = _file_read(node)
        if read is not None:  # torch.load(path), json.load(f), pd.read_csv(path): what the file saved
            saved = self._saved_to(self._file_key(read, scope), depth)
            if saved.models or saved.derived:
                return saved.data() | self._arguments(node, scope, depth).data()
        weights = read if read is not None else self._weights_read(node, scope)
        if weights is not None:
            downloaded = self.held(weights, scope, depth + 1).models
            if downloaded:  # torch.load(hf_hub_download(...)): the downloaded model's weights
                return Held(models=downloaded)
        if isinstance(func, ast.Attribute) and self._keyword_field(func, scope) is not None:
            field = self.held(func, scope, depth + 1)  # models.asr(audio): that one of the models
            if field.models or field.runs:
                return Held(derived=field.models | field.runs)
        if isinstance(func, ast.Attribute):
            receiver = self.held(func.value, scope, depth + 1)
            keyed = _field(receiver, func.attr)
            if keyed is not None:  # models.unet(x) of EasyDict(unet=unet, ...): that field's model
                computed = keyed.models | keyed.runs
                return Held(derived=computed) if computed else NOTHING
            returned = (
                self._method_returns(func.value, (func.attr,), scope, depth) if receiver.models else None
            )
            if returned is not None and (returned.models or returned.derived):
                return returned  # generator.run(features): what the method returns, of its models
            if receiver.models and func.attr in _PIPELINE_ENCODERS:
                built = self.pipeline_parts(func.value, scope)
                encoders = getattr(built, _PIPELINE_ENCODERS[func.attr]) if built is not None else None
                if encoders:  # pipe.encode_prompt(...): its text encoders' states
                    return Held(derived=encoders)
            own = self._own_model(func, receiver, scope, depth)
            if own:  # pipe.unet = esd_unet, then pipe.unet(x); video_pipe.unet(x) of a project class
                return Held(derived=own)
            if receiver.models:
                if func.attr in SAME_MODEL_METHODS | _SUBMODULES or _GETTER.fullmatch(func.attr):
                    return Held(models=receiver.models)
                if func.attr in NOT_OUTPUT:
                    return NOTHING
                if func.attr in _OWN_PREPROCESSING:  # blip.tokenizer(captions): no model runs
                    return _union([self.held(a, scope, depth + 1) for a in node.args]).data()
                return Held(derived=receiver.models)  # model.generate(...), model.encode(...)
            if func.attr in _PREPARERS:
                given = list(node.args)
                if not given and func.attr == "initialize":  # deepspeed.initialize(model=m, optimizer=o)
                    keywords = {k.arg: k.value for k in node.keywords if k.arg}
                    given = [keywords.get(name, ast.Constant(None)) for name in _DEEPSPEED_RETURNS]
                parts = tuple(self.held(a, scope, depth + 1) for a in given)
                return Held(_union(parts).models, _union(parts).derived, parts if len(parts) > 1 else None)
            if receiver.derived and func.attr in _METADATA:
                return NOTHING  # frames.size(2), frames.dim(): how it is shaped, no output
            if receiver.derived:
                # out.detach(), ids.cpu(), x.mean(dim=1): still the model's data, and what else enters.
                return Held(derived=receiver.derived | self._arguments(node, scope, depth).derived)
        elements = self._element_calls_of(node, func, scope)
        if elements:  # maps[kind](image), cls = MODELS.get(kind); cls(cfg): whichever the literal gives runs
            return _union([self._call(call, scope, depth + 1) for call in elements])
        if isinstance(func, ast.Attribute):
            returned = self._class_method_returns(node, func, scope, depth)
            if returned is not None:  # TSARTransformer.load_model(ref): what that classmethod returns
                return returned
        if isinstance(func, ast.Name):
            methods = self._bound_methods_called(node, func, scope)
            if methods:  # run = self.a if c else self.b; run(x): what either method gives at this call
                return _union([self._call(call, scope, depth + 1) for call in methods])
        helper = self._defined_function(func, scope)  # helper(x): what it returns, below
        callee_named = isinstance(func, (ast.Name, ast.Attribute)) or _gets_attribute(func)
        value = values.evaluate(func, scope) if callee_named else None
        # A function of another module, at this call: of each module a name may import, what it gives.
        imports = [
            imported
            for dotted in self._imports_named(func, scope, value)
            for imported in [self._imported(dotted, called=True, depth=depth, at=(node, scope, self))]
            if imported.models or imported.derived
        ]
        if imports:
            return self._built_of_download(node, scope, depth, _union(imports))
        callee = self.held(func, scope, depth + 1) if helper is None else NOTHING
        if callee.models and (built := self.pipeline_parts(func, scope)) is not None:
            decoded = built.decoder and not returns_latents(node)
            return Held(derived=built.decoder if decoded else built.denoiser)
        if callee.models:
            instance = func.args[0] if _unwrapped(func) else func  # unwrap_model(net)(x): net's forward
            returned = self._method_returns(instance, ("forward", "__call__"), scope, depth)
            if returned is not None and returned.derived:  # net(x) of a project module: what forward returns
                return Held(derived=returned.derived)
        if callee.models or callee.runs:
            return Held(derived=callee.models | callee.runs)  # model(x), self.encoder(x), scorer(x)
        name = _last_name(func)
        if name == "len" and isinstance(func, ast.Name):
            return NOTHING  # how many outputs there are is no output: f"({i}/{len(frames)})"
        if name in ("tuple", "list") and isinstance(func, ast.Name) and len(node.args) == 1:
            return self.held(node.args[0], scope, depth + 1)  # tuple([latents, images]): each still apart
        if (
            not node.args
            and node.keywords
            and all(k.arg for k in node.keywords)
            and self._builds_record(func, scope)
        ):
            # EasyDict(vae=vae, unet=unet), Bundle(reranker=r, ...) of a dataclass: each field apart
            fields = [k.arg for k in node.keywords if k.arg]
            return _record(fields, [self.held(k.value, scope, depth + 1) for k in node.keywords])
        if name in _WRAPPERS and node.args:
            first = self.held(node.args[0], scope, depth + 1)
            if first.models:  # a copy of a config keeps its keys: deepcopy(self.config)["unet"]
                return Held(models=first.models, keys=first.keys)
        if name in _WRAPPED_BY_KEYWORD:  # pipeline("translation", model=m): m, wrapped; a chain around an llm
            inner = _keyword(node, _WRAPPED_BY_KEYWORD[name])
            wrapped = self.held(inner, scope, depth + 1).models if inner is not None else frozenset()
            if wrapped:
                return Held(models=wrapped)
        if name == "partial":  # partial(embed, model=m) runs m
            bound = self._arguments(node, scope, depth).models
            if bound:
                return Held(models=bound)
            function = self.held(node.args[0], scope, depth + 1) if node.args else NOTHING
            if function.runs:  # partial(perturb_texts, span_length=2): what perturb_texts runs
                return Held(runs=function.runs)
        if name[:1].isupper():
            # An instance of a class of the file holds the models its methods set on self (a
            # wrapper nn.Module); one built of models (MultiControlNetModel([a, b])) holds them.
            held = self._arguments(node, scope, depth).models
            defined = self._class_named(func, scope)
            calls: frozenset[Load] = frozenset()
            if defined is not None:
                held |= self._class_models(*defined, depth)
                call_method = method_named(defined[0], "__call__")
                if call_method is not None:  # checker = SafetyChecker(); checker(text): what __call__ runs
                    calls = self.function_runs(call_method)
            if held or calls:
                return self._built_of_download(node, scope, depth, Held(models=held, runs=calls))
        if isinstance(func, ast.Attribute):
            receiver_value = values.evaluate(func.value, scope)
            if receiver_value.kind == INSTANCE and id(receiver_value.data.node) in self._self_class:
                overridden = self._override(receiver_value.data.node, func.attr, depth)
                if overridden is not None:  # self.process(x) in a base class, for a subclass
                    return overridden  # its returns: what it computes from x is computed there
            if receiver_value.kind == INSTANCE:
                inherited = self._inherited_method(receiver_value.data, func.attr)
                if inherited is not None:  # self.embed(x) where a base class defines embed
                    bindings, method, where = inherited
                    assert isinstance(method, _FUNCTIONS)
                    returned = (
                        self._returned(method, where, node, scope, depth)
                        if bindings is self
                        else _union(
                            [bindings.held(r, function_scope(method, where)) for r in returned_values(method)]
                        )
                    )
                    return returned | self._arguments(node, scope, depth).data()
        callee_named = isinstance(func, (ast.Name, ast.Attribute)) or _gets_attribute(func)
        value = values.evaluate(func, scope) if callee_named else None
        if value is not None and value.kind == REF:
            local = self.ctx.local.get(value.data)
            if local is not None and isinstance(local[0], _FUNCTIONS):
                returned = self._returned(local[0], local[1], node, scope, depth)
                if _packs_arguments(node, local[0]):  # f(*pairs) into def f(*pairs): not followed apart
                    returned |= self._arguments(node, scope, depth).data()
                return returned
            if not value.data.startswith(LOCAL_PREFIX):
                imported = self._imported(value.data, called=True, depth=depth, at=(node, scope, self))
                if imported.models or imported.derived:
                    return imported
        arguments = self._arguments(node, scope, depth)
        if arguments.models and _LOADER.fullmatch(name):  # Loader().load_from_state_dict(sd), load_rife(path)
            return Held(models=arguments.models)
        if (
            arguments.models
            and (_BUILDER.search(name) or _class_name(func) or name == "cls")
            and all(load.api in _DOWNLOADERS for load in arguments.models)
        ):  # dlib.shape_predictor(downloaded_path), cv2.dnn.readNetFromONNX(path), cls(**spec["config"])
            return Held(models=arguments.models)  # of a checkpoint downloaded: the downloaded model
        if arguments.runs and _class_name(func):  # DDIMSampler(model=model_fn): an object running them
            return Held(derived=arguments.models | arguments.derived, runs=arguments.runs)
        return arguments.data()

    def _class_method_returns(
        self, call: ast.Call, func: ast.Attribute, scope: Scope, depth: int
    ) -> Held | None:
        """What a classmethod (or staticmethod) of a project class, of this file or another, returns
        at a call on the class (or on a name assigned such classes: ``cls = A if x else B``),
        followed with the call's arguments; None when it is no such call."""
        owner = self._class_called(func.value, scope)
        if owner is not None:
            owners = [owner]
        elif isinstance(func.value, ast.Name):
            found = [
                self._class_called(value, where) for value, where in self._reaching_values(func.value, scope)
            ]
            owners = [o for o in found if o is not None]
        else:
            return None
        returned = []
        for bindings, cls, where in owners:
            method = method_named(cls, func.attr)
            if method is not None and _is_classmethod(method, also_static=True):
                at = (call, scope, None if bindings is self else self)
                returned.append(bindings._returned_at(method, class_scope(cls, where), at, depth))
        held = _union(returned)
        return held if held.models or held.derived else None

    def _built_of_download(self, call: ast.Call, scope: Scope, depth: int, built: Held) -> Held:
        """An instance of a project class given a downloaded model's path (``TextEncoder(model_path=
        text_dir)``) is that model: the loads of its class reading a path it is given
        (``T5EncoderModel.from_pretrained(model_path)``) load those files, and are no models of
        their own."""
        if not _class_name(call.func):
            return built
        given = self._arguments(call, scope, depth).models
        if not given or any(load.api not in _DOWNLOADERS for load in given):
            return built
        named = frozenset(load for load in built.models if load.pin.repo or load.pin.model)
        return Held(given | named, built.derived, runs=built.runs)

    def _imports_named(self, func: ast.expr, scope: Scope, value: values.Value | None) -> list[str]:
        """The imports of the project a callee names: the one its value is, or each of the
        alternatives a ``try: from inception import X / except ImportError: from .inception import
        X`` binds."""
        if value is not None and value.kind == REF:
            return [] if value.data.startswith(LOCAL_PREFIX) else [value.data]
        alternatives = alternative_imports(func, scope, 0)
        return [dotted for dotted in alternatives if not dotted.startswith(LOCAL_PREFIX)]

    def pipeline_parts(self, func: ast.expr, scope: Scope) -> PipelineParts | None:
        """The parts of a diffusers pipeline a callee is only ever built as from models
        (``StableDiffusionPipeline(vae=vae, text_encoder=te, unet=unet, ...)``, or loaded with some
        of them: ``TryonPipeline.from_pretrained(repo, unet=unet, vae=vae)``): called, it runs its
        denoiser on what it is given (prompt embeddings, latents, conditioning) and its decoder on
        the denoised latents; its ``encode_prompt`` runs its text encoders. None for any other
        callee, and for a pipeline loaded whole."""
        built = self._reaching_values(func, scope)
        if not built and isinstance(func, ast.Name) and id(func) not in self._parts_asked:
            passed = self._given_to_parameter(func, scope)  # evaluate_pipe(pipe, ...): the caller's pipeline
            self._parts_asked.add(id(func))  # f(pipe) handing it to g(pipe) handing it back: asked once
            try:
                found = [bindings.pipeline_parts(value, where) for bindings, value, where in passed]
            finally:
                self._parts_asked.discard(id(func))
            if found and all(parts is not None for parts in found):
                return _merged_parts_of([parts for parts in found if parts is not None])
        roles: dict[str, set[Load]] = {role: set() for role in _PIPELINE_ROLES.values()}
        conditioned = False
        for value, where in built:
            while (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr in SAME_MODEL_METHODS
            ):
                value = value.func.value  # Pipeline.from_pretrained(...).to("cuda")
            if not isinstance(value, ast.Call) or not _pipeline_class(value).endswith("Pipeline"):
                return None
            conditioned = conditioned or any(
                keyword.arg is not None and _CONTROL_PIPELINE.search(keyword.arg)
                for keyword in value.keywords
            )
            given = [k for k in value.keywords if k.arg in _PIPELINE_ROLES]
            for keyword in given:
                assert keyword.arg is not None
                part = keyword.value
                if isinstance(part, ast.Attribute) and self.held(part.value, where).models:
                    continue  # vae=pipe.vae: another pipeline's part, shared, not a model of its own
                roles[_PIPELINE_ROLES[keyword.arg]] |= self.held(part, where).models
            load = self.loads.get(id(value))
            if load is not None and load in self.models and not any(k.arg in _DENOISERS for k in given):
                roles["denoiser"].add(load)  # from_pretrained(repo, vae=tiny): its own UNet denoises
        if not roles["denoiser"] or len(roles["denoiser"]) == sum(len(r) for r in roles.values()):
            return None  # no part given: a pipeline as one model
        return PipelineParts(
            **{role: frozenset(found) for role, found in roles.items()},
            attached=self._attached_parts(func, scope) - frozenset().union(*roles.values()),
            conditioned=conditioned,
        )

    def _attached_parts(self, func: ast.expr, scope: Scope) -> frozenset[Load]:
        """The models set on a pipeline under a name that is none of its parts' (``pipe.unet_encoder =
        garment_net``): modules its own ``__call__`` runs beside the denoiser (a reference UNet)."""
        if not isinstance(func, ast.Name):
            return frozenset()
        binding = _binding_scope(func.id, scope)
        found: set[Load] = set()
        for (kind, name, attr), stored in self.stored.items():  # pipe.unet_encoder = net (_record_store)
            if kind != "object" or name != func.id or attr in _PIPELINE_ROLES or attr in _NO_PIPELINE_MODULE:
                continue
            for _, value, where in stored:
                if _binding_scope(func.id, where) is binding:
                    found |= self.held(value, where).models
        return frozenset(found)

    def _reaching_values(self, callee: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        """The values a callee may hold where it is called: of a name, the assignments that reach
        the call (none when one is not an assignment: a parameter, a loop); of ``self.name``, every
        value its class assigns it."""
        if isinstance(callee, ast.Name):
            return self._name_values(callee, scope, reaching=True)
        return self._only_values(callee, scope) if isinstance(callee, ast.Attribute) else []

    def assigned_values(self, name: ast.Name, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        """The assignments of a name that reach it where it stands, with their scope; none when one
        is no assignment (a parameter, a loop)."""
        return self._name_values(name, scope, reaching=True)

    def _name_values(self, name: ast.Name, scope: Scope, *, reaching: bool) -> list[tuple[ast.expr, Scope]]:
        """The values a name is assigned (those that reach it where it stands, with ``reaching``), with
        their scope; none when one of them is no assignment."""
        current = _binding_scope(name.id, scope)
        if current is None:
            return []
        bindings = current.bindings[name.id]
        if reaching and current is scope:
            chosen = values.reaching_bindings(name.id, current, _start(name))
            if chosen != values.ALL_BINDINGS:
                bindings = [bindings[i] for i in chosen]
        found = [
            (data, current) if kind == "expr" else data  # "scoped": a global a function sets, in its scope
            for kind, data, _, _ in bindings
            if kind in ("expr", "scoped")
        ]
        return found if len(found) == len(bindings) else []

    def gathered_from(self, name: ast.Name, scope: Scope) -> frozenset[Load]:
        """The models handed to the calls a name is assigned from, or a part of what they return
        (``names, params = trainable_parameters(unet)``)."""
        current = _binding_scope(name.id, scope)
        if current is None:
            return frozenset()
        found: set[Load] = set()
        for kind, data, _, _ in current.bindings[name.id]:
            value = data if kind == "expr" else data[0] if kind == "item" else None
            if isinstance(value, ast.Call):
                for given in [*value.args, *(k.value for k in value.keywords)]:
                    found |= self.held(given, current).models
        return frozenset(found)

    def _only_values(self, container: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        """Every value a name (or ``self.name``) is ever assigned, with its scope; none when it is also
        bound otherwise (a parameter, an import, a loop)."""
        if isinstance(container, ast.Name):
            return self._name_values(container, scope, reaching=False)
        if isinstance(container, ast.Attribute):
            value = values.evaluate(container.value, scope)
            if value.kind == INSTANCE and container.attr not in value.data.bindings:
                return list(values.self_writes(value.data).get(container.attr, ()))
        return []

    def _keyword_field(self, node: ast.Attribute, scope: Scope) -> list[tuple[ast.expr, Scope]] | None:
        """``models.asr`` where ``models`` is only ever built with that keyword
        (``SimpleNamespace(asr=..., llm=...)``, a dataclass of models): the value given for it."""
        # pipe = Pipeline.from_pretrained(repo, controlnet=cn).to(device): pipe.controlnet is cn
        built = [(_same_model_of(value), where) for value, where in self._only_values(node.value, scope)]
        if not built or not all(
            isinstance(call, ast.Call)
            and all(k.arg is not None for k in call.keywords)
            and any(k.arg == node.attr for k in call.keywords)
            for call, _ in built
        ):
            return None
        return [
            (k.value, where)
            for call, where in built
            if isinstance(call, ast.Call)
            for k in call.keywords
            if k.arg == node.attr
        ]

    def _literal_items(self, node: ast.Subscript, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        """``maps[key]`` where ``maps`` (a name, or ``self.maps``) is only ever a dict (list, tuple)
        literal: the elements it may pick, with their scopes (the one a constant key names, else
        each); none when it is anything else."""
        literals = self._only_values(node.value, scope)
        if not literals or not all(isinstance(e, (ast.Dict, ast.List, ast.Tuple)) for e, _ in literals):
            return []
        items = []
        for literal, where in literals:
            if isinstance(literal, ast.Dict):
                keyed = zip(literal.keys, literal.values, strict=True)
                items += [
                    (v, where)
                    for v in [v for k, v in keyed if _same_constant(k, node.slice)] or literal.values
                ]
            else:
                assert isinstance(literal, (ast.List, ast.Tuple))
                items += [(e, where) for e in literal.elts if not isinstance(e, ast.Starred)]
        return items

    def _place_dispatched(self) -> None:
        """A call of each function a literal registry holds where one picked from it is called or
        handed on (``APPROACHES[name](x)``, ``fn = APPROACHES[name]; dataset.map(fn, fn_kwargs=...)``):
        a site of its own, as if the module called it by name, so that the module defining it sees
        the call and what it is given."""
        for site in list(self.sites):
            call = self.handed_call(site.call) or site.call
            for element in self._registered(call.func, site.scope):
                made = ast.copy_location(ast.Call(element, call.args, call.keywords), site.call)
                placed = CallSite(made, site.scope, site.owner, site.statement, site.grad_free)
                self.sites.append(placed)
                self.scopes[id(made)], self.functions[id(made)] = site.scope, site.owner
                self.name_calls.setdefault(element.id, []).append(placed)

    def _registered(self, func: ast.expr, scope: Scope) -> list[ast.Name]:
        """The functions (named in a dict, list or tuple literal) a callee picks (see _picks)."""
        return [
            element
            for pick, where in self._picks(func, scope)
            for element, at in self._literal_items(pick, where)
            if isinstance(element, ast.Name) and values.evaluate(element, at).kind == REF
        ]

    def _picks(self, func: ast.expr, scope: Scope) -> list[tuple[ast.Subscript, Scope]]:
        """What a callee picks from a container: ``REGISTRY[key]``, ``REGISTRY.get(key, default)``
        (as ``REGISTRY[key]``), or a name only ever assigned such a pick."""
        if isinstance(func, ast.Name):
            return [
                (pick, where)
                for value, where in self._only_values(func, scope)
                if (pick := self._as_pick(value)) is not None
            ]
        pick = self._as_pick(func)
        return [(pick, scope)] if pick is not None else []

    def _as_pick(self, value: ast.expr) -> ast.Subscript | None:
        if isinstance(value, ast.Subscript):
            return value
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get"
            and 1 <= len(value.args) <= 2
            and not value.keywords
        ):
            return None
        made = self._picks_made.get(id(value))  # made once: what an expression holds is kept by its id
        if made is None:
            made = self._picks_made[id(value)] = ast.copy_location(
                ast.Subscript(value.func.value, value.args[0], ast.Load()), value
            )
        return made

    def _element_calls_of(self, node: ast.Call, func: ast.expr, scope: Scope) -> list[ast.Call]:
        """``maps[kind](image)`` where ``maps`` is a dict (list, tuple) literal of functions, models or
        classes (or a name picked from one, see _picks): the call of each element it may pick, with
        the call's arguments."""
        return [
            self._same_call_of(node, element)
            for pick, where in self._picks(func, scope)
            for element, _ in self._literal_items(pick, where)
            if isinstance(element, (ast.Name, ast.Attribute))
        ]

    def _same_call_of(self, call: ast.Call, callee: ast.expr) -> ast.Call:
        """A call of ``callee`` with the arguments of ``call``, made once: what a call holds is kept by
        its id."""
        key = (id(call), id(callee))
        made = self._calls_made.get(key)
        if made is None:
            made = self._calls_made[key] = ast.copy_location(ast.Call(callee, call.args, call.keywords), call)
        return made

    def _arguments(self, node: ast.Call, scope: Scope, depth: int) -> Held:
        """What a call's arguments hold together (the receiver of a method too)."""
        parts = [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node.func, ast.Attribute):
            parts.append(node.func.value)
        return _union([self.held(p, scope, depth + 1) for p in parts])

    def _weights_read(self, call: ast.Call, scope: Scope) -> ast.expr | None:
        """The path a call reads weights from: ``load_sft(path)`` for safetensors' ``load_file``
        imported under another name, ``safe_open(path, ...)``."""
        if not call.args or not isinstance(call.func, (ast.Name, ast.Attribute)):
            return None
        value = values.evaluate(call.func, scope)
        if value.kind == REF and value.data.rsplit(".", 1)[-1] in _WEIGHT_READERS:
            return call.args[0]
        return None

    def _downloaded_to(self, path: str) -> frozenset[Load]:
        """The models a literal path reads, downloaded into a literal folder of the file: after
        ``hf_hub_download(repo, "x4.pth", local_dir="ckpt")``, ``"ckpt/x4.pth"`` (or a folder holding
        it); after ``snapshot_download(repo, local_dir="rife")``, ``"rife"`` and what is below it."""
        if self._download_targets is None:
            self._download_targets = [
                target for load in self.models for target in self._download_target(load)
            ]
        if not self._download_targets:
            return frozenset()
        wanted = posixpath.normpath(path)
        return frozenset(
            load
            for root, file, load in self._download_targets
            if (file is None and (wanted == root or wanted.startswith(root + "/")))
            or (file is not None and wanted.startswith(root + "/") and (file + "/").startswith(wanted + "/"))
        )

    def _download_target(self, load: Load) -> list[tuple[str, str | None, Load]]:
        """Where a download writes, when its call names a literal folder (or file, for a URL's): the
        folder and the file in it, or (a snapshot) the folder and None."""
        call = self.calls.get(load)
        if call is None or load.api not in _DOWNLOADERS:
            return []
        scope = self.scopes.get(id(call), self.module)
        saved = None
        if load.api in ("urlretrieve", "gdown"):  # a URL's file saved as a path (hf_hub_download's
            # filename is the file in the repository: below)
            saved = next((k.value for k in call.keywords if k.arg in _SAVED_AS), None)
            if saved is None and len(call.args) > 1:
                saved = call.args[1]  # urlretrieve(url, "ckpt/x.pt")
        file = values.evaluate(saved, scope) if saved is not None else None
        if file is not None and file.kind in (STR, PATH) and isinstance(file.data, str):
            # wget.download(url, out="./checkpoints/vallex.pt"): that file
            saved_as = posixpath.normpath(file.data)
            return [(posixpath.dirname(saved_as) or ".", saved_as, load)]
        local_dir = _keyword(call, "local_dir")
        folder = values.evaluate(local_dir, scope) if local_dir is not None else None
        if folder is None or folder.kind not in (STR, PATH) or not isinstance(folder.data, str):
            return []
        root = posixpath.normpath(folder.data)
        if root in (".", "/", ""):
            return []  # the working folder: a path below it need not be the download's
        named = call.args[1:2] or [k.value for k in call.keywords if k.arg == "filename"]
        if not named:
            return [(root, None, load)]
        name = values.evaluate(named[0], scope)
        if name.kind != STR or not isinstance(name.data, str):
            return []
        return [(root, posixpath.normpath(posixpath.join(root, name.data)), load)]

    def _downloads_into_folders(self) -> list[_FolderDownload]:
        """The file's downloads into a folder a name holds (``cached_download(url, cache_dir=d,
        force_filename=name)``, ``hf_hub_download(repo, f, local_dir=args.ckpt_dir)``): the keys
        of the folder and of the file (None for a snapshot of the whole repository)."""
        if self._folder_downloads is None:
            self._folder_downloads = []
            for site in self.sites:
                spec = _FOLDER_DOWNLOADS.get(_called(site.call)[0])
                if spec is None:
                    continue
                keywords = {k.arg: k.value for k in site.call.keywords if k.arg}
                folder = keywords.get(spec[0])
                if not isinstance(folder, (ast.Name, ast.Attribute)):
                    continue  # a literal folder: _downloaded_to
                file = keywords.get(spec[1]) if spec[1] else None
                if file is None and spec[1] == "filename" and len(site.call.args) > 1:
                    file = site.call.args[1]
                file_keys = _path_keys(file, site.scope) if file is not None else None
                if spec[1] is not None and not file_keys:
                    continue
                folder_keys = _path_keys(folder, site.scope)
                self._folder_downloads.append((folder_keys, file_keys, site.call, site.scope))
                for inside in self._paths_inside(folder, site.scope):
                    # local_dir = os.path.dirname(args.ckpt_path): args.ckpt_path is a file of the download
                    self._folder_downloads.append(
                        (_path_keys(inside, site.scope), None, site.call, site.scope)
                    )
        return self._folder_downloads

    def _paths_inside(self, folder: ast.expr, scope: Scope) -> list[ast.expr]:
        """The paths a folder name was cut from (``ckpt_dir = os.path.dirname(ckpt_path)``,
        ``'/'.join(path.split('/')[:-1])``, ``Path(p).parent``): each names a file in that folder."""
        if not isinstance(folder, ast.Name):
            return []
        found: list[ast.expr] = []
        for value, where in self._name_values(folder, scope, reaching=True):
            inside = _parent_of(value)
            if isinstance(inside, ast.Name):  # '/'.join(parts[:-1]) of parts = path.split('/')
                cut = [_split_of(v) for v, _ in self._name_values(inside, where, reaching=True)]
                inside = cut[0] if len(cut) == 1 else None
            elif inside is not None and _split_of(inside) is not None:
                inside = _split_of(inside)
            if isinstance(inside, (ast.Name, ast.Attribute)):
                found.append(inside)
        return found

    def _download_models(self, call: ast.Call, scope: Scope, depth: int) -> frozenset[Load]:
        """The model a download fetches: the load it is, or the model its URL is built for
        (``hf_hub_url(repo, filename)`` handed to ``cached_download``)."""
        load = self.loads.get(id(call))
        if load is not None:
            return frozenset({load}) if load in self.models else frozenset()
        return self.held(call.args[0], scope, depth + 1).models if call.args else frozenset()

    def _downloaded_into(self, folder: frozenset[_PathKey], depth: int) -> frozenset[Load]:
        """The model a folder holds when the file's downloads into it are all of that one model
        (its files fetched one by one, or a snapshot); a folder of several models holds none."""
        downloads = self._downloads_into_folders()
        if not downloads:
            return frozenset()
        found = [
            self._download_models(call, where, depth) for keys, _, call, where in downloads if keys & folder
        ]
        models = frozenset().union(*found) if found else frozenset()
        return models if len(models) == 1 else frozenset()

    def _downloaded_below(self, path: ast.expr, scope: Scope, depth: int) -> frozenset[Load]:
        """The model a path joined below a download's folder reads: the download of that file
        (``os.path.join(cache_dir, model_name)``), or the one model the folder holds."""
        joined = _joined_path(path) if self._downloads_into_folders() else None
        if joined is None:
            return frozenset()
        folder_keys = _path_keys(joined[0], scope)
        file_keys = _path_keys(joined[1], scope)
        found = [
            self._download_models(call, where, depth)
            for keys, files, call, where in self._downloads_into_folders()
            if keys & folder_keys and files is not None and files & file_keys
        ]
        if found:
            return frozenset().union(*found)
        return self._downloaded_into(folder_keys, depth)

    def _downloads(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[Load]:
        """The models a function downloads to a file whose path it returns: one whose body calls a
        downloader (``hf_hub_download(..., local_dir=root)``) without returning what that gives, and
        returns no model."""
        known = self._downloaded.get(id(function))
        if known is None:
            known = self._downloaded[id(function)] = self._worked_out_downloads(function)
        return known

    def _worked_out_downloads(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[Load]:
        calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and id(n) in self.loads]
        downloaded = frozenset(
            self.loads[id(c)]
            for c in calls
            if (self.loads[id(c)].api in _DOWNLOADERS or _last_name(c.func) in _FILE_DOWNLOADERS)
            and self.loads[id(c)] in self.models
        )
        if not downloaded or len(calls) != len(downloaded):
            return frozenset()
        returned = {id(n) for r in returned_values(function) for n in ast.walk(r)}
        if any(id(c) in returned for c in calls):
            return frozenset()  # return hf_hub_download(...): followed as it is
        return downloaded

    def _returned(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        where: Scope,
        call: ast.Call,
        caller: Scope,
        depth: int,
    ) -> Held:
        """What a function of the file returns at this call: followed with the call's own arguments
        (at every call of a small function, a few times for another), else with what all its calls
        pass."""
        return self._returned_at(function, where, (call, caller, None), depth)

    def _returned_at(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, where: Scope, at: Followed | None, depth: int
    ) -> Held:
        """What a function of the file returns at a call ``at`` (in this file, or in another with
        that file's bindings; None: read with what all its calls pass)."""
        inner = function_scope(function, where)
        returns = returned_values(function)
        if not returns:
            return NOTHING
        made = self._contexts_made.setdefault(id(function), set())  # the calls it was followed at
        follow = (
            at is not None
            and id(function) not in self._context
            and (id(at[0]) in made or len(made) < _MAX_CONTEXTS or _is_small(function))
            and bool(at[0].args or at[0].keywords)
        )
        if follow:
            assert at is not None
            made.add(id(at[0]))
        with self.following(function, at if follow else None):
            if function in self.tree.body:  # def load(kind): if kind == "clip": return ...: branches taken
                skipped = self._dead_nodes(function)
                returns = [r for r in returns if id(r) not in skipped] or returns
            found = [self.held(r, inner, depth + 1) for r in returns]
        downloads = self._downloads(function)
        if downloads and not any(
            f.models for f in found
        ):  # def fetch(url): hf_hub_download(...); return path
            return Held(models=downloads)
        returned = found[0] if len(found) == 1 else _union(found)
        converted = returned.derived and not returned.models
        if at is not None and not follow and converted and self._converts(function):
            # tensor2vid(frames) read with every caller's frames: at this call, what this call gives it
            call, scope, caller = at
            return (caller or self)._arguments(call, scope, depth).data()
        return returned

    def _converts(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a function only converts what it is given: its calls run no model and it reads
        no model of the file (``tensor2vid(video)``, ``postprocess(images)``)."""
        known = self._conversions.get(id(function))
        if known is None:
            known = self._conversions[id(function)] = not any(
                site.owner is function and self.runs(site) for site in self.sites
            ) and not any(
                isinstance(n, ast.Name) and self.held(n, self.scope_of(n)).models
                for n in ast.walk(function)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            )
        return known


_MAX_HELPERS_FOLLOWED = 4  # helpers deep, at one call of a function another module imports
_MAX_CONSTRUCTOR_HOPS = 2  # classmethods returning another classmethod's instance, followed this deep
_PROPERTIES = frozenset({"property", "cached_property"})  # decorators making a method an attribute
_MAX_SUBCLASSES = 12  # classes an annotated parameter is read as: the one it names and its subclasses
_MAX_ALIAS_HOPS = 3  # names and attributes an alternative import is followed through (run = gen.run)
# Methods storing a value under a field their first argument names: dataset.update_output("pred", x).
_KEYED_SETTER = re.compile(r"(?:update|add|set|put|store)_(?:output|field|column|item|value|attr|result)s?")
_DICT_METHODS = frozenset(name for name in dir(dict) if not name.startswith("_"))
_MUTATORS = frozenset(
    {"append", "extend", "add", "insert", "update", "appendleft", "put", "put_nowait", "add_module"}
)
# Loaders that fetch a model's file and give its path.
_DOWNLOADERS = frozenset(
    {"hf_hub_download", "load_file_from_url", "gdown", "keras.utils.get_file", "urlretrieve"}
)
# Callees of other loads' APIs that only write the file they fetch (download_url_to_file(url, dst)).
_FILE_DOWNLOADERS = frozenset({"download_url_to_file"})
# Downloaders that write into a folder they are given: the keywords naming the folder and the file
# in it (None: the whole repository). hf_hub_download's cache_dir is no such folder (it nests).
_FOLDER_DOWNLOADS = {
    "hf_hub_download": ("local_dir", "filename"),
    "snapshot_download": ("local_dir", None),
    "cached_download": ("cache_dir", "force_filename"),
    "load_file_from_url": ("model_dir", "file_name"),
}
# Where a path leads: its value when known, and the name (by the scope binding it) spelling it.
_PathKey = tuple[object, ...]
# A download into a folder a name holds: the folder's keys, the file's (None: all of the repo), the call.
_FolderDownload = tuple[frozenset[_PathKey], frozenset[_PathKey] | None, ast.Call, Scope]
# The keyword naming the model a from_pretrained call loads.
_MODEL_ID = "pretrained_model_name_or_path"
# The keywords naming the file a download is saved as (wget's out, urlretrieve's filename, gdown's output).
_SAVED_AS = frozenset({"out", "filename", "output", "dst"})
# Loaders fetching one file of a repository: two files of one repository may be two models.
_FILE_FETCHERS = frozenset({"hf_hub_download", "hf_hub_url"})
# Functions that read a file of weights (safetensors', whatever name they are imported under).
_WEIGHT_READERS = frozenset({"load_file", "safe_open", "load_torch_file"})
# Calls that put another model's weights into a model: ``model.load_state_dict(torch.load(path))``.
_WEIGHT_SETTERS = frozenset({"load_state_dict", "load_weights", "load_model"})
# Keywords naming the folder a call given a model writes its outputs into (evaluators' predictions).
_OUTPUT_FOLDER_KEYWORDS = ("output_path", "output_dir", "output_folder")
# Library calls that build a model from a file they are given, by a word of their name (dlib's
# shape_predictor, cv2.dnn.readNet, onnxruntime's InferenceSession is a class).
_BUILDER = re.compile(r"model|predictor|detector|session|net|engine|interpreter|read", re.IGNORECASE)
# Calls that build a model from weights they are given (a path or a state dict), by name.
_LOADER = re.compile(r"(?:\w+_)?load(?:_\w+)?|\w*from_(?:state_dict|file|checkpoint|ckpt)")


def _bind_mutation(stmt: ast.Expr | ast.Assign | ast.AugAssign, scope: Scope) -> None:
    """``found.append(x)``, ``found[k] = x``, ``found[k] += x``: the name then holds what it held and
    x (a binding of ``found + [x]`` where the statement ends)."""
    if isinstance(stmt, ast.AugAssign):  # value[:, h:w] += v: value[:, h:w] = value[:, h:w] + v
        added_to = stmt.target
        if not isinstance(added_to, ast.Subscript) or isinstance(added_to.slice, ast.Constant):
            return  # result["answer"] += note: a record's text annotated, not a tensor accumulated
        grown = ast.copy_location(ast.BinOp(added_to, stmt.op, stmt.value), stmt)
        stmt = ast.copy_location(ast.Assign(targets=[added_to], value=grown), stmt)
    call = stmt.value
    if (  # model.load_state_dict(sd), msg = model.load_state_dict(sd): model then has those weights
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in _WEIGHT_SETTERS
        and isinstance(call.func.value, ast.Name)
        and call.args
        and isinstance(call.args[0], (ast.Name, ast.Call, ast.Subscript))
    ):
        name, weights = call.func.value.id, call.args[0]
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        if name in scope.global_names:  # global model; model.load_state_dict(sd): the module's model
            module = scope
            while module.parent is not None:
                module = module.parent
            module.bind(name, "scoped", (weights, scope), end, ((id(scope), "global", None),))
        elif name in scope.bindings:
            before = ast.Name(name, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset)
            having = ast.BoolOp(ast.Or(), [before, weights])
            scope.bind(name, "expr", having, end, scope.blocks_at((stmt.lineno, stmt.col_offset)))
        return
    if isinstance(stmt, ast.Expr):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            return
        receiver = call.func.value
        field = _field_store(call)
        if field is not None and isinstance(receiver, ast.Name) and receiver.id in scope.bindings:
            # dataset.update_output("retrieval_result", docs): dataset | {"retrieval_result": docs}, also
            # for whom the dataset is handed to (a refiner in another module reading the field)
            _, key, value = field
            before = ast.Name(receiver.id, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset)
            joined = ast.BinOp(before, ast.BitOr(), ast.Dict([ast.Constant(key)], [value]))
            end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
            scope.bind(receiver.id, "expr", joined, end, scope.blocks_at((stmt.lineno, stmt.col_offset)))
            return
        if call.func.attr not in _MUTATORS:
            return
        added = [a for a in call.args if not isinstance(a, ast.Starred)]
        if (  # data["sampled"].append(s): data | {"sampled": [s]}
            isinstance(receiver, ast.Subscript)
            and isinstance(receiver.value, ast.Name)
            and isinstance(receiver.slice, ast.Constant)
            and isinstance(receiver.slice.value, str)
            and receiver.value.id in scope.bindings
            and added
        ):
            keyed_name = receiver.value.id
            before = ast.Name(keyed_name, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset)
            item = ast.Dict([receiver.slice], [ast.List(added, ast.Load())])
            end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
            joined = ast.BinOp(before, ast.BitOr(), item)
            scope.bind(keyed_name, "expr", joined, end, scope.blocks_at((stmt.lineno, stmt.col_offset)))
            return
        if not isinstance(receiver, ast.Name):
            return
        name = receiver.id
    else:
        target = stmt.targets[0]
        stores = (  # kwargs["a"], kwargs["b"] = encode(x): each its item
            [(item, ast.Subscript(stmt.value, ast.Constant(at))) for at, item in enumerate(target.elts)]
            if isinstance(target, ast.Tuple)
            else [(target, stmt.value)]
        )
        keyed: dict[str, ast.expr] = {}
        for element, value in stores:
            if (found := _keyed_store(element, value)) is not None:  # config["vae"]["ckpt_path"] = path:
                name, stored = found  # config | {"vae": {"ckpt_path": path}}
                so_far = keyed.get(name) or ast.Name(
                    name, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset
                )
                keyed[name] = ast.BinOp(so_far, ast.BitOr(), stored)
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        for name, merged in keyed.items():
            if name in scope.bindings:
                scope.bind(name, "expr", merged, end, scope.blocks_at((stmt.lineno, stmt.col_offset)))
        if keyed:
            return
        stored_in = _stored_into(target)  # inputs_embeds[b][start:end] = audio: a store into inputs_embeds
        if stored_in is None:
            return
        name, added = stored_in, [stmt.value]
    if not added:
        return
    if name not in scope.bindings:  # not a local of this scope: binding it here would hide the outer one
        module = scope
        while module.parent is not None:
            module = module.parent
        if module is not scope and _binding_scope(name, scope) is module:
            # _CACHE[name] = (tokenizer, model) in a method, of a module-level dict: the module's
            end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
            module.bind(
                name, "scoped", (ast.List(added, ast.Load()), scope), end, ((id(scope), "global", None),)
            )
        return
    start = (stmt.lineno, stmt.col_offset)
    before = ast.Name(name, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset)
    grown = ast.BinOp(before, ast.Add(), ast.List(added, ast.Load()))
    end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
    scope.bind(name, "expr", grown, end, scope.blocks_at(start))


def _stored_into(target: ast.expr) -> str | None:
    """The name whose items a store target sets (``inputs_embeds`` of ``inputs_embeds[b][s:e]``)."""
    root = target
    while isinstance(root, ast.Subscript):
        root = root.value
    return root.id if isinstance(target, ast.Subscript) and isinstance(root, ast.Name) else None


def _keyed_store(target: ast.expr, value: ast.expr) -> tuple[str, ast.Dict] | None:
    """A store under constant string keys of a name (``config["vae"]["ckpt_path"] = path``): the
    name, and the dict literal of what it adds (``{"vae": {"ckpt_path": path}}``)."""
    stored: ast.expr = value
    while isinstance(target, ast.Subscript):
        key = target.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        stored = ast.copy_location(ast.Dict([key], [stored]), target)
        target = target.value
    if not isinstance(target, ast.Name) or stored is value or not isinstance(stored, ast.Dict):
        return None  # a plain assignment, or a store under a key not known
    return target.id, stored


_VALUED = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)  # statements whose value may yield


def returned_values(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """The values a function's return statements give, or a generator's yields (not those of
    functions nested in it)."""
    found = []
    for stmt in values.nested_statements(function.body):
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            found.append(stmt.value)
        elif isinstance(stmt, _VALUED) and stmt.value is not None:
            found += [
                node.value
                for node in ast.walk(stmt.value)
                if isinstance(node, (ast.Yield, ast.YieldFrom)) and node.value is not None
            ]
    return found


def _test_outcomes(test: ast.expr, passed: Callable[[str], set[object] | None]) -> set[bool] | None:
    """What an ``if`` test of parameters may come to, given the constants each is passed: ``kind ==
    "clip"``, ``flag``, ``not flag``, ``a and b``, ``a or b``; None when not known."""
    if isinstance(test, ast.Name):
        values = passed(test.id)
        return None if values is None else {bool(v) for v in values}
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _test_outcomes(test.operand, passed)
        return None if inner is None else {not o for o in inner}
    if isinstance(test, ast.BoolOp):
        decided = not isinstance(test.op, ast.And)  # what one operand settles the whole to
        found = [_test_outcomes(v, passed) for v in test.values]
        if any(o == {decided} for o in found):
            return {decided}
        return {not decided} if all(o == {not decided} for o in found) else None
    compared = _constant_test(test)
    if compared is None:
        return None
    name, constant, equal = compared
    values = passed(name)
    return None if values is None else {(v == constant) == equal for v in values}


def _constant_test(test: ast.expr) -> tuple[str, object, bool] | None:
    """``name == constant`` (or ``!=``, either side): the name, the constant, whether it tests equality."""
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))
    ):
        return None
    left, right = test.left, test.comparators[0]
    if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
        left, right = right, left
    if not (isinstance(left, ast.Name) and isinstance(right, ast.Constant)):
        return None
    return left.id, right.value, isinstance(test.ops[0], ast.Eq)


def _constants_passed(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    name: str,
    positional: tuple[str, ...],
    calls: list[ast.Call],
) -> set[object] | None:
    """The constants the calls give a parameter (its default where one gives none); None when one
    gives anything else, or unpacks arguments."""
    defaults = dict(zip(reversed(positional), reversed(function.args.defaults), strict=False))
    defaults |= {
        a.arg: d for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True) if d
    }
    index = positional.index(name) if name in positional else None
    passed: set[object] = set()
    for call in calls:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        given = _argument_for(call, name, index) or defaults.get(name)
        if not isinstance(given, ast.Constant):
            return None
        passed.add(given.value)
    return passed


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    """What a call gives a keyword argument, if it gives it."""
    return next((k.value for k in call.keywords if k.arg == name), None)


def _argument_for(call: ast.Call, name: str, index: int | None) -> ast.expr | None:
    """What a call gives a parameter: by its keyword, else at its position (None for ``*args``)."""
    given = _keyword(call, name)
    if given is None and index is not None and index < len(call.args):
        given = call.args[index]
    return None if isinstance(given, ast.Starred) else given


def _callee_root(func: ast.expr) -> str | None:
    """The name a callee is reached from: ``model`` for ``model.generate``, ``model.encoder``."""
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def _positional(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    return tuple(a.arg for a in (*function.args.posonlyargs, *function.args.args))


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names of a function's parameters, ``*args`` and ``**kwargs`` too, not ``self``/``cls``."""
    arguments = function.args
    names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    return frozenset(names - {"self", "cls"})


def _parameter_flow(
    function: ast.FunctionDef | ast.AsyncFunctionDef, start: frozenset[str] | None = None
) -> frozenset[str]:
    """A function's parameters (or those of ``start``) and the local names assigned (or looped over)
    from them, in its own body: the names that hold what a caller gives it."""
    names = set(_parameters(function) if start is None else start)
    statements = list(values.nested_statements(function.body))
    generators = [n for n in ast.walk(function) if isinstance(n, ast.comprehension)]
    grown = True
    while grown:  # until nothing more is reached: a loop may assign a name before what reads it
        before = len(names)
        for stmt in statements:
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.value is not None:
                sources: ast.AST | None = stmt.value
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                sources, targets = stmt.iter, [stmt.target]
            else:
                continue
            if sources is not None and reads(sources, names):  # x = param.to(device) too
                names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        for loop in generators:  # [f(tile) for tile in samples.split(64)]
            if reads(loop.iter, names):
                names |= {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
        grown = len(names) > before
    return frozenset(names)


def reads(node: ast.AST, names: frozenset[str] | set[str]) -> bool:
    """Whether an expression reads one of the names anywhere in it."""
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _imported_name(func: ast.expr, scope: Scope, libraries: frozenset[str]) -> str | None:
    """The dotted name a callee imports from elsewhere, when it may be a module of the project (not a
    name of the file, nor one of an ML library)."""
    if not isinstance(func, (ast.Name, ast.Attribute)) and not _gets_attribute(func):
        return None
    value = values.evaluate(func, scope)
    if value.kind != REF or value.data.startswith(LOCAL_PREFIX) or value.data.split(".")[0] in libraries:
        return None
    return str(value.data)


def _gets_attribute(func: ast.expr) -> bool:
    """``getattr(module, "Name")``: a callee named at run time (of a module named by a constant)."""
    return isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr"


def _item(iterable: Held) -> Held:
    """What an item of an iterable holds: any of a literal's elements, else what the whole holds."""
    return _union(iterable.parts) if iterable.parts is not None else iterable


def _plain_arguments(call: ast.Call) -> bool:
    """Whether a call is given positional arguments only, none of them starred."""
    return bool(call.args) and not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args)


def _mentions(node: ast.AST, names: frozenset[str] | set[str]) -> bool:
    """Whether an expression reads one of the names (a call: in its arguments)."""
    parts = [*node.args, *(k.value for k in node.keywords)] if isinstance(node, ast.Call) else [node]
    return any(isinstance(n, ast.Name) and n.id in names for part in parts for n in ast.walk(part))


# Calls that call the function they are given with the arguments that follow it (by position of the
# function): executor.submit(f, x), loop.run_in_executor(pool, f, x), asyncio.to_thread(f, x), map(f, xs),
# pool.map(f, xs); pool.apply_async(f, (x,)) with the arguments as one tuple; Thread(target=f, args=(x,));
# with the function alone, what they are called on (_RECEIVER_MAPS: series.apply(f), dataset.map(f)).
_CALLS_GIVEN = {
    "submit": 0,
    "run_in_executor": 1,
    "to_thread": 0,
    "map": 0,
    "imap": 0,
    "imap_unordered": 0,
    "starmap": 0,
}
_CALLS_GIVEN_TUPLE = {"apply_async": 0, "apply": 0}
_TARGET_RUNNERS = frozenset({"Thread", "Process", "Timer"})
_RECEIVER_MAPS = frozenset({"map", "apply", "applymap"})


def _packs_arguments(call: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a call's arguments reach the function's parameters through ``*`` (or ``**`` into
    named parameters); what reaches its ``**kwargs`` is followed (see _packed_keywords)."""
    arguments = function.args
    return (
        arguments.vararg is not None
        or any(isinstance(a, ast.Starred) for a in call.args)
        or (arguments.kwarg is None and any(k.arg is None for k in call.keywords))
    )


@dataclass(frozen=True)
class PipelineParts:
    """The models a diffusers pipeline was built of, by what they do in it."""

    denoiser: frozenset[Load]
    decoder: frozenset[Load]
    text_encoder: frozenset[Load]
    image_encoder: frozenset[Load]
    attached: frozenset[Load] = frozenset()  # set on it by another name: run beside the denoiser
    conditioned: bool = False  # built with a ControlNet or adapter: its image conditions, not starts


# The keywords a diffusers pipeline takes its parts by, and what each part does.
_DENOISERS = frozenset({"unet", "transformer", "prior"})
DECODERS = frozenset({"vae", "movq"})
_PIPELINE_ROLES = (
    dict.fromkeys(_DENOISERS, "denoiser")
    | dict.fromkeys(DECODERS, "decoder")
    | dict.fromkeys(("text_encoder", "text_encoder_2", "text_encoder_3"), "text_encoder")
    | {"image_encoder": "image_encoder"}
)
# A pipeline's attributes that hold no module its call runs beside the denoiser.
_NO_PIPELINE_MODULE = frozenset(
    {"safety_checker", "feature_extractor", "scheduler", "tokenizer", "tokenizer_2", "image_processor"}
)
_CONTROL_PIPELINE = re.compile(r"controlnet|adapter", re.IGNORECASE)  # the keywords of its conditioning
# A pipeline's methods that run one kind of its parts.
_PIPELINE_ENCODERS = {"encode_prompt": "text_encoder", "encode_image": "image_encoder"}


def _pipeline_class(call: ast.Call) -> str:
    """The class a call makes: ``TryonPipeline`` for ``TryonPipeline(...)`` and for
    ``TryonPipeline.from_pretrained(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr.startswith("from_"):
        func = func.value
    return _last_name(func)


def _constructs(value: object) -> bool:
    """Whether a value is a call of a class (by its capitalised name): an object made."""
    return isinstance(value, ast.Call) and _called_class(value)[:1].isupper()


def returns_latents(call: ast.Call) -> bool:
    """Whether a pipeline's call asks for the denoised latents (``output_type="latent"``), undecoded."""
    return any(
        k.arg == "output_type" and isinstance(k.value, ast.Constant) and k.value.value == "latent"
        for k in call.keywords
    )


def _last_name(expr: ast.expr) -> str:
    """The name an expression ends with: ``f`` of ``f``, ``encode`` of ``model.encode``; "" else."""
    return expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else ""


def _called_class(call: ast.Call) -> str:
    """The name a callee ends with: ``StableDiffusionPipeline`` for ``diffusers.StableDiffusionPipeline()``"""
    func = call.func
    return _last_name(func)


# What transformers' Pipeline.__call__ runs of a subclass, in turn, each on what the one before returns.
_PIPELINE_STEPS = ("preprocess", "_forward", "postprocess")


def _is_transformers_pipeline(base: values.Value) -> bool:
    """Whether a base class is one of transformers' pipelines (``Pipeline``, ``TextGenerationPipeline``)."""
    return base.kind == REF and base.data.startswith("transformers.") and base.data.endswith("Pipeline")


_SIZES: weakref.WeakKeyDictionary[ast.AST, int] = weakref.WeakKeyDictionary()


def _is_small(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a function is small enough to follow at each of its calls."""
    size = _SIZES.get(function)
    if size is None:
        size = _SIZES[function] = sum(1 for _ in ast.walk(function))
    return size <= _SMALL_FUNCTION


def _on_self(func: ast.expr) -> bool:
    """Whether a callee is a method of the instance (or class) a method runs on: ``self.loop``."""
    receiver = func.value if isinstance(func, ast.Attribute) else None
    return isinstance(receiver, ast.Name) and receiver.id in ("self", "cls")


def _handed_call(call: ast.Call) -> ast.Call | None:
    """``f(x)`` for a call that runs the function it is given (``executor.submit(f, x)``)."""
    func = call.func
    name = _last_name(func)
    function: ast.expr | None = None
    given: list[ast.expr] = []
    if (event := _ui_event(call)) is not None:  # before executor.submit: a textbox's submit too
        function, given, _ = event
    elif name in _CALLS_GIVEN and len(call.args) > _CALLS_GIVEN[name]:
        at = _CALLS_GIVEN[name]
        function, given = call.args[at], list(call.args[at + 1 :])
    elif name in _CALLS_GIVEN_TUPLE and len(call.args) > _CALLS_GIVEN_TUPLE[name]:
        at = _CALLS_GIVEN_TUPLE[name]
        function = call.args[at]
        packed = call.args[at + 1] if len(call.args) > at + 1 else None
        given = list(packed.elts) if isinstance(packed, (ast.Tuple, ast.List)) else []
    elif name in _TARGET_RUNNERS:
        named = {k.arg: k.value for k in call.keywords if k.arg}
        function = named.get("target")
        packed = named.get("args")
        given = list(packed.elts) if isinstance(packed, (ast.Tuple, ast.List)) else []
    elif (kwargs := _keyword(call, "model_kwargs")) is not None:
        # diffusion.p_sample_loop(model_fn, shape, model_kwargs=cond): model_fn(x, t, **cond) each step
        handed = ast.Call(call.args[0], [], [ast.keyword(None, kwargs)]) if call.args else None
        return ast.copy_location(handed, call) if handed is not None and _callable(call.args[0]) else None
    elif name == "DataLoader" and (collate := _keyword(call, "collate_fn")) is not None:
        # DataLoader(dataset, collate_fn=collate): each batch is collate(items of the dataset)
        dataset = _argument_for(call, "dataset", 0)
        function, given = collate, [dataset] if dataset is not None else []
    elif name == "spawn" and call.args:  # torch.multiprocessing.spawn(fn, args=(a,)): fn(rank, a)
        function = call.args[0]
        packed = _keyword(call, "args")
        given = [ast.Constant(0), *(packed.elts if isinstance(packed, (ast.Tuple, ast.List)) else ())]
    if function is None or not _callable(function):
        return None
    keywords: list[ast.keyword] = []
    if not given and len(call.args) == 1 and isinstance(func, ast.Attribute) and name in _RECEIVER_MAPS:
        given = [func.value]  # series.apply(f), dataset.map(f): f of what it is called on
        passed = _keyword(call, "fn_kwargs")
        if isinstance(passed, ast.Dict):  # dataset.map(f, fn_kwargs={"model": m}): f(batch, model=m)
            keywords = [
                ast.keyword(k.value, v)
                for k, v in zip(passed.keys, passed.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
    handed = ast.Call(function, [g for g in given if not isinstance(g, ast.Starred)], keywords)
    return ast.copy_location(handed, call)


def _returns_result(call: ast.Call) -> bool:
    """Whether a call that runs a function it is given gives back what that function returns (a map,
    an executor, a sampling loop), not a thread or a UI event."""
    name = _called(call)[0]
    return name not in _TARGET_RUNNERS and name != "spawn" and _ui_event(call) is None


def _statement_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The blocks of statements a compound statement holds: an if's branches, a loop's body and
    else, a with's body, a try's parts (not a nested definition's body)."""
    if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
        return []
    found = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
    found += [handler.body for handler in getattr(stmt, "handlers", ())]
    found += [case.body for case in getattr(stmt, "cases", ())]
    return [block for block in found if isinstance(block, list) and block]


def branch_tests(tree: ast.Module) -> dict[int, frozenset[tuple[str, bool]]]:
    """For each line of a file's statements, inside functions and classes too, the ``if`` tests (as
    written) around it, with the branch (True: the body, False: the else) it is in."""
    found: dict[int, frozenset[tuple[str, bool]]] = {}

    def visit(statements: list[ast.stmt], around: frozenset[tuple[str, bool]]) -> None:
        for stmt in statements:
            if isinstance(stmt, ast.If):
                test = ast.unparse(stmt.test)
                visit(stmt.body, around | {(test, True)})
                visit(stmt.orelse, around | {(test, False)})
            elif isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
                visit(stmt.body, around)
            elif blocks := _statement_blocks(stmt):
                for block in blocks:
                    visit(block, around)
            else:
                for line in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1):
                    found[line] = around

    visit(tree.body, frozenset())
    return found


def _unwrapped(func: ast.expr) -> TypeGuard[ast.Call]:
    """Whether a callee is a wrapper's call handing back its first argument (``unwrap_model(net)``)."""
    return isinstance(func, ast.Call) and _called(func)[0] in _WRAPPERS and bool(func.args)


def _class_name(func: ast.expr) -> bool:
    """Whether a callee is named as a class is (``TextEncoder``, ``encoders.TextEncoder``)."""
    name = _last_name(func)
    return name[:1].isupper()


def _callable(expr: ast.expr) -> bool:
    """Whether an argument may be a function handed over: a name, an attribute or a lambda."""
    return isinstance(expr, (ast.Name, ast.Attribute, ast.Lambda))


# Gradio's event listeners: ``component.click(fn, inputs, outputs)`` runs fn on the values of the input
# components and writes what it returns into the output components.
_UI_EVENTS = frozenset(
    {"click", "change", "submit", "then", "success", "upload", "select", "input", "release", "load", "clear"}
)


def _ui_event(call: ast.Call) -> tuple[ast.expr, list[ast.expr], list[ast.expr]] | None:
    """The handler, input components and output components of an event listener's registration."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in _UI_EVENTS):
        return None
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if not {"inputs", "outputs"} & keywords.keys():
        if len(call.args) < 3:
            return None  # no component named: not a UI event (``driver.click()``, ``df.select(cols)``)
        listed = any(isinstance(a, (ast.List, ast.Tuple)) for a in call.args[1:3])
        if call.func.attr == "submit" and not listed:
            return None  # executor.submit(f, x, y), not textbox.submit(f, [inputs], [outputs])
    positional: list[ast.expr | None] = [*call.args[:3], None, None, None]
    function = keywords.get("fn", positional[0])
    if not isinstance(function, (ast.Name, ast.Attribute, ast.Lambda)):
        return None
    return (
        function,
        _components(keywords.get("inputs", positional[1])),
        _components(keywords.get("outputs", positional[2])),
    )


def _components(given: ast.expr | None) -> list[ast.expr]:
    """The components an event's ``inputs`` or ``outputs`` names: one, or a literal list of them."""
    if isinstance(given, (ast.List, ast.Tuple)):
        return [e for e in given.elts if not isinstance(e, ast.Starred)]
    return [given] if given is not None else []


_CONTAINERS = re.compile(r"(?:Queue|deque|list|dict|set|OrderedDict|defaultdict)$")


def _is_streamer(value: ast.expr) -> bool:
    """``TextIteratorStreamer(tokenizer)`` (transformers' streamers): what generate gives it, it yields."""
    return isinstance(value, ast.Call) and _last_name(value.func).endswith("Streamer")


def _spells_keyword(value: ast.expr, keyword: str, name: str) -> bool:
    """Whether a dict built there gives ``name`` under ``keyword`` (``dict(streamer=streamer)``,
    ``{"streamer": streamer}``)."""
    if isinstance(value, ast.Call) and _last_name(value.func) == "dict":
        return any(k.arg == keyword and values.is_name(k.value, name) for k in value.keywords)
    if isinstance(value, ast.Dict):
        return any(
            isinstance(k, ast.Constant) and k.value == keyword and values.is_name(v, name)
            for k, v in zip(value.keys, value.values, strict=True)
        )
    return False


def _is_container(value: ast.expr) -> bool:
    """Whether a value is a new container (``[]``, ``{}``, ``Queue()``, ``deque()``) that a callee
    may fill."""
    if isinstance(value, (ast.List, ast.Dict, ast.Set)):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = _last_name(func)
        return _CONTAINERS.search(name) is not None
    return False


# Reading a file back: torch.load(path), np.load(path), pickle.load(f), json.load(f), pd.read_csv(path),
# datasets' load_from_disk(path), f.read(); load_dataset("json", data_files=path).
_FILE_READERS = frozenset({"load", "read_csv", "read_json", "read_parquet", "read_pickle", "load_from_disk"})
_HANDLE_READERS = frozenset({"read", "readlines"})
_READS = _FILE_READERS | _HANDLE_READERS | {"load_dataset"}
# Writing one: torch.save(obj, path) and json/pickle/joblib's dump(obj, f) give the value first,
# numpy's save(path, arr) the path; df.to_csv(path), ds.save_to_disk(path) are methods of the value.
_FILE_WRITERS = frozenset({"save", "dump", "savez", "savetxt"})
_VALUE_WRITERS = frozenset({"to_csv", "to_json", "to_parquet", "to_pickle", "save_to_disk"})
_HANDLE_WRITERS = frozenset({"write", "writelines"})
# Image, video and audio writers: (index of the value, index of the path) among their arguments.
_MEDIA_WRITERS = {
    "save_image": (0, 1),  # torchvision's save_image(tensor, path)
    "export_to_video": (0, 1),  # diffusers' export_to_video(frames, path)
    "export_to_gif": (0, 1),
    "imwrite": (1, 0),  # cv2.imwrite(path, image), imageio.imwrite(path, image)
    "imsave": (1, 0),
    "mimsave": (1, 0),
    "mimwrite": (1, 0),
    "write_video": (1, 0),  # torchvision.io.write_video(path, frames, fps)
    "write": (1, 0),  # soundfile.write(path, data, rate), wavfile.write(path, rate, data): three arguments
}


def _called(call: ast.Call) -> tuple[str, str]:
    """A call's name and the name of what it is called on (``np``, ``f``; "" for another
    expression)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr, func.value.id if isinstance(func.value, ast.Name) else values.dotted(
            func.value
        ) or ""
    return (func.id if isinstance(func, ast.Name) else ""), ""


def _file_read(call: ast.Call) -> ast.expr | None:
    """The file (a path, or a handle ``open`` gave) a call reads a saved value from."""
    func = call.func
    name = _last_name(func)
    if name not in _READS:
        return None
    receiver = _called(call)[1]
    if name == "load" and call.args and receiver not in ("", "self"):
        return call.args[0]
    if name in _FILE_READERS - {"load"} and call.args:
        return call.args[0]
    if name in _HANDLE_READERS and isinstance(call.func, ast.Attribute) and not call.args:
        return call.func.value
    if name == "load_dataset":
        return _keyword(call, "data_files")
    return None


def _file_write(call: ast.Call) -> tuple[ast.expr, ast.expr] | None:
    """(value, file) a call saves."""
    name, receiver = _called(call)
    args = call.args
    audio = receiver.split(".")[-1] in ("wavfile", "sf", "soundfile")
    if name in _MEDIA_WRITERS and len(args) >= 2 and (name != "write" or (audio and len(args) >= 3)):
        value, path = _MEDIA_WRITERS[name]
        if receiver.endswith("wavfile"):
            value = 2  # wavfile.write(path, rate, data)
        return args[value], args[path]
    if name == "save" and len(args) == 1 and isinstance(call.func, ast.Attribute) and receiver != "self":
        return call.func.value, args[0]  # image.save(path)
    if _WRITE_HELPER.fullmatch(name) and len(args) == 2:  # write_jsonlines(rows, path), save_json(path, x)
        path_first = _names_a_path(args[0]) and not _names_a_path(args[1])
        return (args[1], args[0]) if path_first else (args[0], args[1])
    if name in _FILE_WRITERS and len(args) >= 2 and receiver not in ("", "self"):
        path_first = receiver in ("np", "numpy", "torchaudio") or name in ("savez", "savetxt")
        return (args[1], args[0]) if path_first else (args[0], args[1])
    if name in _VALUE_WRITERS and call.args and isinstance(call.func, ast.Attribute):
        return call.func.value, call.args[0]
    if name in _HANDLE_WRITERS and len(call.args) == 1 and isinstance(call.func, ast.Attribute):
        return call.args[0], call.func.value
    return None


def _saves_itself(call: ast.Call) -> bool:
    """``image.save(path)``: a PIL image (or the like) saving itself."""
    return _called(call)[0] == "save" and len(call.args) == 1 and isinstance(call.func, ast.Attribute)


def _spells_image_file(path: ast.expr) -> bool:
    """Whether a path's spelling ends an image file's name (``f"{out}/{i}.png"``)."""
    return any(
        isinstance(node, ast.Constant) and isinstance(node.value, str) and _IMAGE_FILE.search(node.value)
        for node in ast.walk(path)
    )


def _reads_image(call: ast.Call) -> bool:
    """``Image.open(path)``, ``cv2.imread(path)``, ``load_image(path)`` of a path known at run time."""
    name, receiver = _called(call)
    reads = name in _IMAGE_READERS or (name == "open" and receiver.split(".")[-1] == "Image")
    return reads and bool(call.args) and not isinstance(call.args[0], ast.Constant)


def _folders(path: ast.expr) -> list[ast.Name]:
    """The names of folders a path is built below: ``out_dir`` of ``f"{out_dir}/{i}.png"``,
    ``os.path.join(out_dir, name)``, ``out_dir / name``, ``out_dir.joinpath(name)``."""
    if isinstance(path, ast.JoinedStr):
        return [
            part.value
            for part, after in pairwise(path.values)
            if isinstance(part, ast.FormattedValue)
            and isinstance(part.value, ast.Name)
            and isinstance(after, ast.Constant)
            and str(after.value).startswith("/")
        ]
    folders: list[ast.expr] = []
    if isinstance(path, ast.BinOp) and isinstance(path.op, ast.Div):
        folders = [path.left]
    elif isinstance(path, ast.Call):
        name, receiver = _called(path)
        if name == "join" and receiver.split(".")[-1] in ("path", "osp", "posixpath") and len(path.args) >= 2:
            folders = list(path.args[:-1])
        elif name == "joinpath" and isinstance(path.func, ast.Attribute):
            folders = [path.func.value]
    below = [inner for folder in folders for inner in _folders(folder)]
    return [folder for folder in folders if isinstance(folder, ast.Name)] + below


def _parent_of(path: ast.expr) -> ast.expr | None:
    """The path whose folder an expression computes: ``os.path.dirname(p)``, ``Path(p).parent``,
    ``p.rsplit('/', 1)[0]``; of ``'/'.join(parts[:-1])``, the parts (a name or a split)."""
    if isinstance(path, ast.Call) and len(path.args) == 1 and not path.keywords:
        name, receiver = _called(path)
        if name == "dirname" and receiver.split(".")[-1] in ("path", "osp", "posixpath"):
            return path.args[0]
        joined = path.args[0]
        if (
            name == "join"
            and isinstance(path.func, ast.Attribute)
            and isinstance(path.func.value, ast.Constant)
            and isinstance(joined, ast.Subscript)
            and _drops_last(joined.slice)
        ):
            return joined.value
        return None
    if isinstance(path, ast.Attribute) and path.attr == "parent":
        inner = path.value
        if isinstance(inner, ast.Call) and _called(inner)[0] in ("Path", "PurePath") and len(inner.args) == 1:
            return inner.args[0]
        return inner
    if isinstance(path, ast.Subscript) and isinstance(path.slice, ast.Constant) and path.slice.value == 0:
        cut = path.value
        if (
            isinstance(cut, ast.Call)
            and isinstance(cut.func, ast.Attribute)
            and cut.func.attr in ("rsplit", "rpartition")
        ):
            return cut.func.value
    return None


def _drops_last(index: ast.expr) -> bool:
    """Whether a slice is ``[:-1]``."""
    return (
        isinstance(index, ast.Slice)
        and index.lower is None
        and index.step is None
        and isinstance(index.upper, ast.UnaryOp)
        and isinstance(index.upper.op, ast.USub)
        and isinstance(index.upper.operand, ast.Constant)
        and index.upper.operand.value == 1
    )


def _split_of(parts: ast.expr) -> ast.expr | None:
    """The path a list of parts was split from: ``p`` of ``p.split('/')``."""
    if isinstance(parts, ast.Call) and isinstance(parts.func, ast.Attribute) and parts.func.attr == "split":
        return parts.func.value
    return None


def _path_keys(expr: ast.expr, scope: Scope) -> frozenset[_PathKey]:
    """What a folder or file name is known by: its value, when it has one, and the name spelling
    it (``cache_dir``, ``args.ckpt_dir``, by the scope binding it)."""
    keys: set[_PathKey] = set()
    value = values.evaluate(expr, scope)
    if value.kind in (STR, PATH) and isinstance(value.data, str):
        keys.add(("value", posixpath.normpath(value.data)))
    if isinstance(expr, ast.Name) and (binding := _binding_scope(expr.id, scope)) is not None:
        keys.add((id(binding), expr.id))
    elif isinstance(expr, ast.Attribute) and (dotted := values.dotted(expr)) is not None:
        keys.add(("attribute", dotted))
    return frozenset(keys)


def _constant_join(path: ast.Call, scope: Scope) -> str | None:
    """The path ``os.path.join(a, b, ...)`` joins where every part is a string known statically
    (``checkpoints_dir = "./checkpoints/"``); None otherwise."""
    name, receiver = _called(path)
    if name != "join" or receiver.split(".")[-1] not in ("path", "osp", "posixpath") or not path.args:
        return None
    parts = [values.evaluate(part, scope) for part in path.args]
    if any(part.kind != STR or not isinstance(part.data, str) for part in parts):
        return None
    return posixpath.join(*(str(part.data) for part in parts))


def _joined_path(path: ast.expr) -> tuple[ast.expr, ast.expr] | None:
    """The folder and the file name of a path joined of two: ``os.path.join(d, f)``, ``d / f``,
    ``f"{d}/{f}"``, ``f"{d}/unet.ckpt"``."""
    if isinstance(path, ast.JoinedStr) and len(path.values) in (2, 3):
        folder, rest = path.values[0], path.values[1:]
        if not (isinstance(folder, ast.FormattedValue) and isinstance(rest[0], ast.Constant)):
            return None
        text = str(rest[0].value)
        if len(rest) == 1 and text.startswith("/") and "/" not in text[1:]:
            return folder.value, ast.Constant(text[1:])
        if len(rest) == 2 and text == "/" and isinstance(rest[1], ast.FormattedValue):
            return folder.value, rest[1].value
        return None
    if isinstance(path, ast.BinOp) and isinstance(path.op, ast.Div):
        return path.left, path.right
    if isinstance(path, ast.Call) and len(path.args) == 2 and not path.keywords:
        name, receiver = _called(path)
        if name == "join" and receiver.split(".")[-1] in ("path", "osp", "posixpath"):
            return path.args[0], path.args[1]
    return None


def _names_a_path(expr: ast.expr) -> bool:
    """Whether an argument is spelled as a path: a string, or a name saying path, file or folder."""
    if isinstance(expr, (ast.Constant, ast.JoinedStr)):
        return True
    name = _last_name(expr)
    return _PATH_NAME.search(name) is not None


def _alternatives(value: ast.expr) -> list[ast.expr]:
    """The values a conditional expression may give (``A() if multi_gpu else B()``): each branch."""
    if isinstance(value, ast.IfExp):
        return [*_alternatives(value.body), *_alternatives(value.orelse)]
    return [value]


def _written_name(node: ast.AST) -> str | None:
    """The data file, or series of them, a part of a path names."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _data_file_name(node.value)
    return _series_name(node) if isinstance(node, ast.JoinedStr) else None


def _series_name(node: ast.JoinedStr) -> str | None:
    """The name of the series of data files an f-string ends with, its holes spelled ``{}``
    (``noisy_latents_{}.pt`` of ``f"{path}/noisy_latents_{t}.pt"``)."""
    text = "".join(
        part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
        for part in node.values
    )
    found = _DATA_FILE_SERIES.search(text)
    return found.group(0) if found is not None else None


def _data_file_name(text: str) -> str | None:
    """The name of the data file a string ends with (``gen_table.jsonl`` of ``"/gen_table.jsonl"``)."""
    found = _DATA_FILE.search(text)
    return found.group(0) if found is not None else None


def _is_classmethod(function: ast.FunctionDef | ast.AsyncFunctionDef, *, also_static: bool = False) -> bool:
    """Whether a method is a classmethod (or, ``also_static``, a staticmethod)."""
    wanted = ("classmethod", "staticmethod") if also_static else ("classmethod",)
    return any(isinstance(d, ast.Name) and d.id in wanted for d in function.decorator_list)


def _builds_own_class(cls: ast.ClassDef, name: str, depth: int = 0) -> bool:
    """Whether a class's classmethod of that name returns an instance of it: ``return cls(...)``,
    ``model = cls(...).to(device); ...; return model``, or ``return cls.from_local(...)`` of another
    such classmethod."""
    method = method_named(cls, name)
    if method is None or not _is_classmethod(method):
        return False
    first = [*method.args.posonlyargs, *method.args.args][:1]
    if not first:
        return False
    own = first[0].arg

    def builds(value: ast.expr) -> bool:
        value = _same_model_of(value)
        return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == own

    built_names = {
        target.id
        for node in ast.walk(method)
        if isinstance(node, ast.Assign) and builds(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for returned in returned_values(method):
        if builds(returned) or (isinstance(returned, ast.Name) and returned.id in built_names):
            return True
        func = returned.func if isinstance(returned, ast.Call) else None
        if (  # return cls.from_local(...)
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == own
            and depth < _MAX_CONSTRUCTOR_HOPS
            and _builds_own_class(cls, func.attr, depth + 1)
        ):
            return True
    return False


def alternative_imports(expr: ast.expr, scope: Scope, depth: int = 0) -> list[str]:
    """The imports a name bound in several places names, each branch's (``if v == "a": import gen.a as
    gen`` / ``else: import gen.b as gen``), through attributes and names assigned them (``run =
    gen.run``: ``gen.a.run`` and ``gen.b.run``). Bindings to anything else (``run = None`` in another
    branch) are no import and are left out. Empty where fewer than two imports are named, or none."""
    if depth > _MAX_ALIAS_HOPS:
        return []
    if isinstance(expr, ast.Attribute):
        return [f"{base}.{expr.attr}" for base in alternative_imports(expr.value, scope, depth + 1)]
    binding = _binding_scope(expr.id, scope) if isinstance(expr, ast.Name) else None
    if binding is None or not isinstance(expr, ast.Name):
        return []
    found: list[str] = []
    for kind, data, _, _ in binding.bindings[expr.id]:
        if kind == REF:
            found.append(data)
        elif kind == "expr" and isinstance(data, (ast.Name, ast.Attribute)):
            found += alternative_imports(data, scope, depth + 1) or [
                value.data for value in [values.evaluate(data, scope)] if value.kind == REF
            ]
    return found if len(set(found)) > 1 else []


def _is_local_function(value: values.Value) -> bool:
    """Whether a value is a function (or method) of the file."""
    return value.kind == REF and isinstance(value.data, str) and value.data.startswith(LOCAL_PREFIX)


def _field_store(call: ast.expr) -> tuple[ast.expr, str, ast.expr] | None:
    """(object, field, value) of a method call storing a value under a field a constant names
    (``dataset.update_output("pred", answers)``)."""
    if not isinstance(call, ast.Call) or len(call.args) != 2 or call.keywords:
        return None
    first, value = call.args
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.isidentifier()):
        return None
    func = call.func
    if isinstance(func, ast.Attribute) and _KEYED_SETTER.fullmatch(func.attr):
        return func.value, first.value, value
    return None


def _binding_scope(name: str, scope: Scope) -> Scope | None:
    """The scope (of the ones a name is read in) that binds it."""
    current: Scope | None = scope
    while current is not None and name not in current.bindings:
        current = current.parent
    return current


def _opened_path(expr: ast.expr) -> ast.expr | None:
    """The path of ``open(path, ...)`` or ``Path(...).open(...)``."""
    if not isinstance(expr, ast.Call):
        return None
    func = expr.func
    if isinstance(func, ast.Name) and func.id == "open" and expr.args:
        return expr.args[0]
    if isinstance(func, ast.Attribute) and func.attr == "open":
        return (
            expr.args[0]
            if isinstance(func.value, ast.Name) and func.value.id in ("io", "gzip")
            else func.value
        )
    return None


def _is_queue(value: ast.expr) -> bool:
    """``Queue()``, ``queue.Queue()``, ``asyncio.Queue()``, ``mp.SimpleQueue()``."""
    return isinstance(value, ast.Call) and _last_name(value.func).endswith("Queue")


def _parameter_named(
    function: ast.FunctionDef | ast.AsyncFunctionDef, at: int | None, keyword: str | None, *, method: bool
) -> str | None:
    """The parameter an argument given by position (after self for a method) or keyword binds."""
    if keyword is not None:
        return keyword
    positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)][int(method) :]
    return positional[at] if at is not None and at < len(positional) else None


def _put_into(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str | None) -> list[ast.expr]:
    """What a function's body puts into a name (``out.put(x)``, ``out.append(x)``, ``out[k] = x``)."""
    found: list[ast.expr] = []
    for stmt in values.nested_statements(function.body):
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in _MUTATORS
                and isinstance(func.value, ast.Name)
                and func.value.id == name
            ):
                found += [a for a in stmt.value.args if not isinstance(a, ast.Starred)]
        elif isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == name
            ):
                found.append(stmt.value)
    return found


def _joined_below_folder_argument(expr: ast.expr) -> bool:
    """Whether a path joins a name below a folder given on the command line (``os.path.join(args.img_dir,
    name)``, ``f"{opt.outdir}/{name}"``, ``Path(args.samples) / name``)."""
    parts: list[ast.expr] = []
    if isinstance(expr, ast.Call) and _last_name(expr.func) == "join":
        parts = list(expr.args[:1])
    elif isinstance(expr, ast.JoinedStr):
        parts = [v.value for v in expr.values[:1] if isinstance(v, ast.FormattedValue)]
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        parts = [expr.left]
    return any(
        isinstance(part, ast.Attribute)
        and isinstance(part.value, ast.Name)
        and part.value.id in ("args", "opt", "opts", "cfg", "config")
        and _FOLDER_ARGUMENT.search(part.attr) is not None
        for part in parts
    )


_FOLDER_ARGUMENT = re.compile(r"dir|folder|samples|outputs?$|images?$|imgs?$", re.IGNORECASE)


def _model_id_argument(call: ast.Call) -> ast.expr | None:
    """What a load call is given as the repo: its first argument, else ``pretrained_model_name_or_path=``."""
    return call.args[0] if call.args else _keyword(call, _MODEL_ID)


def _spelling(path: ast.expr) -> str | None:
    """A path's spelling with the names it is built of as placeholders (``f"runs/{name}/result"``:
    ``runs/{name}/result``); None for one built another way."""
    if isinstance(path, ast.Constant) and isinstance(path.value, str):
        return path.value
    if not isinstance(path, ast.JoinedStr):
        return None
    parts = []
    for part in path.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            parts.append(part.value)
        elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name):
            parts.append("{" + part.value.id + "}")
        else:
            return None
    return "".join(parts)


def _ui_property_update(call: ast.Call) -> bool:
    """``gr.update(visible=...)``, ``gr.Dropdown.update(choices=...)``: a Gradio update of a
    component's properties that gives it no value."""
    name, receiver = _called(call)
    return (
        name == "update"
        and receiver.split(".")[0] in ("gr", "gradio")
        and not call.args
        and all(k.arg not in (None, "value") for k in call.keywords)
    )


def _driver_steps_of(cls: ast.ClassDef) -> tuple[dict[int, int], frozenset[int]]:
    """The methods a driver method of a class calls as statements of its own, outside any loop
    (``self.run_preprocessing()``, then ``self.run_speech_to_text()``), by id, with their order (of
    those called anywhere else in the class, none; of several drivers, the one running most); and
    the class's other drivers (``update`` beside ``dub``: entry points never called in the class)."""
    calls = Counter(
        node.func.attr
        for node in ast.walk(cls)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _on_self(node.func)
    )
    best: dict[int, int] = {}
    drivers: dict[int, dict[int, int]] = {}
    for driver in (m for m in cls.body if isinstance(m, _FUNCTIONS)):
        run: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for stmt in _straight_statements(driver.body):
            call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
            if isinstance(call, ast.Call) and _on_self(call.func):
                assert isinstance(call.func, ast.Attribute)
                step = method_named(cls, call.func.attr)
                if step is not None and step is not driver:
                    run.append(step)
        order = {id(step): at for at, step in enumerate(s for s in run if calls[s.name] == 1)}
        if len(run) >= _MIN_STEPS and not calls[driver.name] and driver.name != "__init__":
            drivers[id(driver)] = order
        if len(order) >= _MIN_STEPS and len(order) > len(best):
            best = order
    others = frozenset(driver for driver, order in drivers.items() if order is not best)
    return best, others


def _straight_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A block's statements, and those of the if, with and try blocks in it, in order; not a loop's."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _straight_statements(stmt.body)
            yield from _straight_statements(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _straight_statements(stmt.body)
        elif isinstance(stmt, ast.Try):
            yield from _straight_statements([*stmt.body, *stmt.orelse, *stmt.finalbody])


def method_named(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The method of that name a class body defines; a private method also by its mangled name, which a
    subclass must spell (``self._IFBaseModule__validate_generations(images)``)."""
    name = _unmangled(name, cls)
    return next((m for m in cls.body if isinstance(m, _FUNCTIONS) and m.name == name), None)


def _spellings(name: str, cls: ast.ClassDef) -> tuple[str, ...]:
    """How calls of a method of the class spell its name: a private one (``__validate``) also mangled,
    as a subclass must (``self._IFBaseModule__validate(x)``)."""
    if name.startswith("__") and not name.endswith("__"):
        return name, _mangling(cls) + name
    return (name,)


def _unmangled(name: str, cls: ast.ClassDef) -> str:
    """A private name of the class as its body spells it (``__validate``) for the mangled one code
    outside it must use (``_IFBaseModule__validate``); any other name as it is."""
    prefix = _mangling(cls)
    if name.startswith(prefix + "__") and not name.endswith("__"):
        return name[len(prefix) :]
    return name


def _mangling(cls: ast.ClassDef) -> str:
    """What Python puts before a private name of the class (``_IFBaseModule`` of ``__validate``)."""
    return "_" + cls.name.lstrip("_")


def _same_constant(key: ast.expr | None, index: ast.expr) -> bool:
    """Whether a dict literal's key is the constant a subscript picks (``maps["depth"]``)."""
    return isinstance(key, ast.Constant) and isinstance(index, ast.Constant) and key.value == index.value


def _record(names: Sequence[str], found: Sequence[Held]) -> Held:
    """A dict (or a record: ``EasyDict(...)``) of those fields: of models, each field's kept apart
    for who reads one; of models' outputs, their data."""
    whole = _union(found)
    if any(h.derived for h in found):  # of outputs, their data, each field's still apart
        fields = tuple(zip(names, [h.data() for h in found], strict=True))
        return Held(derived=whole.data().derived, keys=fields)
    if whole.models or whole.keys is not None:
        return Held(whole.models, runs=whole.runs, keys=tuple(zip(names, found, strict=True)))
    return whole


def _is_dataclass(cls: ast.ClassDef) -> bool:
    """Whether a class is decorated as a dataclass (``@dataclass``, ``@dataclasses.dataclass(...)``)."""
    return _decorated(cls, frozenset({"dataclass"}))


def _is_property(node: ast.AST) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Whether a class body's statement is a method read as an attribute (``@property``,
    ``@functools.cached_property``)."""
    return isinstance(node, _FUNCTIONS) and _decorated(node, _PROPERTIES)


def _runs_own_layers(cls: ast.ClassDef, name: str) -> bool:
    """Whether a method of a module class calls its layers: a submodule its ``__init__`` builds
    (``self.rq = ResidualVQ(...)``, then ``self.rq(x)``), ``self(...)``, or a method that does."""
    init = method_named(cls, "__init__")
    built = {
        target.attr
        for stmt in (values.nested_statements(init.body) if init is not None else ())
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
        for target in stmt.targets
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
    }
    seen: set[str] = set()

    def runs(name: str) -> bool:
        method = method_named(cls, name)
        params = [*method.args.posonlyargs, *method.args.args] if method is not None else []
        if method is None or not params or name in seen:
            return False
        seen.add(name)
        this = params[0].arg
        called = [call.func for call in ast.walk(method) if isinstance(call, ast.Call)]
        return any(isinstance(func, ast.Name) and func.id == this for func in called) or any(
            func.attr in built or runs(func.attr)
            for func in called
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == this
        )

    return runs(name)


def never_reads_self(function: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> bool:
    """Whether a method (not a staticmethod) of class ``owner`` never reads its first parameter
    (``self``), ``super()``, nor its class by name (``SentencePruner._model``, a model shared by all)."""
    params = [*function.args.posonlyargs, *function.args.args]
    if not params or _decorated(function, frozenset({"staticmethod"})):
        return False
    read = (params[0].arg, "super", owner)
    return not any(isinstance(node, ast.Name) and node.id in read for node in ast.walk(function))


def _decorated(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, names: frozenset[str]) -> bool:
    """Whether a class or function has a decorator of one of these names (``@cached_property``,
    ``@functools.cached_property``, ``@dataclasses.dataclass(frozen=True)``)."""
    return any(_last_name(d.func if isinstance(d, ast.Call) else d) in names for d in node.decorator_list)


def _same_model_of(value: ast.expr) -> ast.expr:
    """The model a chain of calls handing it back is called on: ``x`` of ``x.to(device).eval()``."""
    while (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in SAME_MODEL_METHODS
    ):
        value = value.func.value
    return value


def _only_fields(record: Held) -> bool:
    """Whether all a record holds is under keys known (a field not among them holds none of it)."""
    return record.keys is not None and all(key is not None for key, _ in record.keys)


def _field(record: Held, name: str) -> Held | None:
    """What field ``name`` of a record with known keys holds; None when it has no such key."""
    if record.keys is None or not any(key == name for key, _ in record.keys):
        return None
    return record.key(name)


def _union(found: Sequence[Held]) -> Held:
    if not found:
        return NOTHING
    if len(found) == 1:
        return found[0]
    models: frozenset[Load] = frozenset().union(*(h.models for h in found))
    derived: frozenset[Load] = frozenset().union(*(h.derived for h in found))
    runs: frozenset[Load] = frozenset().union(*(h.runs for h in found))
    return Held(models, derived, _merged_parts(found), runs=runs, keys=_merged_keys(found))


def _merged_parts_of(found: Sequence[PipelineParts]) -> PipelineParts:
    """The parts of whichever of several pipelines a name may be."""
    return PipelineParts(
        denoiser=frozenset().union(*(p.denoiser for p in found)),
        decoder=frozenset().union(*(p.decoder for p in found)),
        text_encoder=frozenset().union(*(p.text_encoder for p in found)),
        image_encoder=frozenset().union(*(p.image_encoder for p in found)),
        attached=frozenset().union(*(p.attached for p in found)),
        conditioned=any(p.conditioned for p in found),
    )


def _merged_keys(found: Sequence[Held]) -> tuple[tuple[str | None, Held], ...] | None:
    """Alternatives of which one at least is a dict with keys known: their keys, and the others'
    whole values under keys not known; None when none has keys known."""
    if all(held.keys is None for held in found):
        return None
    return tuple(
        entry
        for held in found
        if held != NOTHING
        for entry in (held.keys if held.keys is not None else ((None, held),))
    )


def _merged_parts(found: Sequence[Held]) -> tuple[Held, ...] | None:
    """Alternatives that are all tuples or lists (of the names a loop reads, the sides of an ``or``):
    position by position, what any of them holds there; None when one is something else."""
    shaped = [held.parts for held in found if held != NOTHING]
    if not shaped or any(parts is None for parts in shaped):
        return None
    width = max(len(parts) for parts in shaped if parts is not None)
    return tuple(
        _union([parts[index] for parts in shaped if parts is not None and index < len(parts)])
        for index in range(width)
    )
