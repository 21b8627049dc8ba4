"""What names and expressions of one file stand for, as far as reading it can tell.

Scopes follow Python's rules closely enough for model ids: module, function and class scopes,
imports (absolute, aliased, relative to the file's package, star), assignments, parameters. Within
a scope a name has the values of the bindings that reach the use in statement order (a later
reassignment lends nothing, one in the same loop does); from a nested function every binding counts.
A name bound to several values stands for the riskiest of them (a hub id over a local path, a branch
over a commit), marked ``many``. Values are traced through literals, f-strings and ``+``, literal
lists, dicts and loops over them, path builders, environment lookups with a default, parameter
defaults (click and typer options too), class and instance attributes, dataclass fields read through
HfArgumentParser, argparse defaults, what local functions return, and constants imported from
other modules of the project. Anything else computed at run time is dynamic.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, TypeAlias

from .catalog import HF_LIBRARIES, ROOTS

STR = "str"
BOOL = "bool"
NONE = "none"
OTHER = "other"  # another constant (a number, bytes)
REF = "ref"  # an imported or defined symbol: data is its dotted name
OBJECT = "object"  # what calling a known symbol returns: data is the dotted name called
PATH = "path"  # a local path built with os.path, pathlib or tempfile: data is its text when a literal
DICT = "dict"  # a literal dict: data is a DictValue
LIST = "list"  # a literal list, tuple or set, or what returns several values: data is a ListValue
INSTANCE = "instance"  # an instance of a class defined in the file (self, cls, Args()): data is its Scope
PARSER = "parser"  # transformers.HfArgumentParser(...): data is the tuple of dataclass values it parses
ARGPARSE = "argparse"  # an argparse parser
NAMESPACE = "namespace"  # what an argparse parser parses: attributes are its arguments' defaults
BOUND = "bound"  # a method of one of the values above: data is (value, name)
DYNAMIC = "dynamic"
UNBOUND = "unbound"  # a name bound nowhere in the file (a builtin): data is the name

LOCAL_PREFIX = "<local>"
ML_ROOTS = frozenset(ROOTS) | frozenset(HF_LIBRARIES)
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
_PATH_BUILDERS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
_PATH_CALLS = _PATH_BUILDERS | {
    "os.path.join",
    "os.path.expanduser",
    "os.path.expandvars",
    "os.path.abspath",
    "os.path.realpath",
    "os.path.normpath",
    "os.path.dirname",
    "os.getcwd",
    "pathlib.WindowsPath",
    "pathlib.Path.home",
    "pathlib.Path.cwd",
    "tempfile.mkdtemp",
    "tempfile.gettempdir",
    "tempfile.TemporaryDirectory",
}
# Calls that leave a string without ~ or $ as it is: expanduser("org/model") is the hub id.
_PATH_TEXT_CALLS = frozenset({"os.path.expanduser", "os.path.expandvars"})
# Calls whose value is the default they are given: a dataclass or pydantic field, a typer option.
_DEFAULT_HOLDERS = frozenset(
    {"dataclasses.field", "pydantic.Field", "pydantic.fields.Field", "typer.Option", "typer.Argument"}
)
_HF_PARSE = frozenset({"parse_args_into_dataclasses", "parse_json_file", "parse_yaml_file", "parse_dict"})
_CLICK_PARAMETERS = frozenset({"click.option", "click.argument"})
# pytest's temporary folders, given to a test as a parameter.
_TEMPORARY_PARAMETERS = frozenset({"tmp_path", "tmpdir"})
# Attributes of a loaded model, config or adapter that name another model: the id in them comes from
# the hub at run time, so a load of one is reported as dynamic, not taken for a model object.
_ID_ATTRIBUTES = frozenset(
    {"base_model_name_or_path", "name_or_path", "_name_or_path", "model_name_or_path"}
    | {"pretrained_model_name_or_path", "model_id", "model_name", "repo_id", "hub_model_id"}
)
_MAX_DEPTH = 24
# No model id, revision, URL or path is longer (PATH_MAX), so no longer string is taken for one: a
# file doubling a string a few times, or naming a megabyte constant in every call, would otherwise
# have ptm build, and print, gigabytes.
_MAX_TEXT = 4096
# Names a star import is taken not to rebind: model libraries export no `dict` or `str`.
_BUILTINS = frozenset(dir(builtins))
_START = (0, 0)  # where parameters are bound: before any statement of their function


# DictValue and Value are NamedTuples, read-only and typed, where frozen dataclasses cost `ptm check`'s
# start-up about a millisecond each to define.
class DictValue(NamedTuple):
    """A dict built literally; ``opaque`` when it also unpacks something unknown."""

    items: dict[str, tuple[ast.expr, Scope]]
    opaque: bool = False


class Value(NamedTuple):
    kind: str
    data: Any = None
    env: str | None = None  # the environment variable this is the default of
    many: bool = False  # the riskiest of several values the code may take: not part of what it is

    # Two values are the same whether or not either is marked ``many``.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and self[:3] == other[:3]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:3])


# An item of a ListValue: an expression to evaluate in its scope, or a value already known.
Item: TypeAlias = "tuple[ast.expr, Scope] | Value"


class ListValue:
    """A list, tuple or set built literally (or the tuple a parser returns); ``opaque`` when it also
    unpacks something unknown (*rest)."""

    __slots__ = ("items", "opaque")

    def __init__(self, items: tuple[Item, ...], opaque: bool = False) -> None:
        self.items = items
        self.opaque = opaque


DYNAMIC_VALUE = Value(DYNAMIC)
_PATH_VALUE = Value(PATH)
Position = tuple[int, int]
# The compound statements' blocks a binding or use is in, outermost first: (statement id, block,
# where the statement ends when the block is a loop's body that runs again, else None).
Blocks = tuple[tuple[int, str, "Position | None"], ...]
# Binding: (kind, data, where it takes effect (line, column), the blocks it is in).
Binding = tuple[str, Any, Position, Blocks]
ResolveRef = Callable[[str], "Value | None"]


# FileContext and Scope are plain classes: a dataclass costs `ptm check`'s start-up a few
# milliseconds each to define.
class FileContext:
    """What all scopes of one file share: its tree, the classes and functions defined in it, what it
    saves models to, and how names imported from the project's other modules are read."""

    def __init__(
        self,
        tree: ast.Module | None = None,
        source: bytes = b"",
        walrus: list[int] | None = None,
        resolve_ref: ResolveRef | None = None,
        tracing: bool = False,
    ) -> None:
        self.tree = tree
        self.source = source
        self.module: Scope | None = None  # the module's scope, where a search for calls starts
        self.walrus = walrus or []  # the lines holding ":=": only their statements are searched
        self.resolve_ref = resolve_ref  # a constant of another module of the project, by dotted name
        self.tracing = tracing  # a load's arguments are being evaluated: only then are other modules read
        self.scopes: dict[int, Scope] = {}  # of each function and class node
        # <local>.name -> its definition and the scope it is defined in; None when defined twice
        self.local: dict[str, tuple[ast.AST, Scope] | None] = {}
        self.returns: dict[int, Value] = {}  # what each function returns
        self.attribute_writes: dict[tuple[str, str], list[tuple[ast.expr, Scope]]] = {}
        self.saved: dict[str, Position] = {}  # name or literal saved to -> where it is first saved
        self.self_writes: dict[int, dict[str, list[tuple[ast.expr, Scope]]]] = {}
        self.arguments: dict[str, list[tuple[ast.expr | None, Scope]]] | None = (
            None  # argparse dest -> defaults
        )
        self.calls: dict[int, list[tuple[ast.Call, Scope]] | None] = {}  # of each function
        # a name several star imports may give -> the module that defines it, where that is known
        self.star_names: dict[str, str] = {}
        self.choices: set[int] = set()  # if and match statements: one of their blocks runs, no other


def absolute_module(package: str | None, module: str | None, level: int) -> str | None:
    """The module ``from <level dots><module> import`` names in a file of ``package``; None when the
    dots climb out of it."""
    if not level:
        return module
    if not package:
        return None
    parts = package.split(".")
    if level - 1 > len(parts) - 1:
        return None
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{module}" if module else base


class Scope:
    def __init__(
        self,
        package: str | None,  # the file's package, for relative imports
        parent: Scope | None = None,
        is_class: bool = False,
        stars: list[str] | None = None,  # modules imported with *
        *,
        body: Sequence[ast.stmt] = (),  # the statements of the scope, to place a use among them
        immediate: bool = False,  # a comprehension: runs where it stands, so its parent's order holds
        node: ast.AST | None = None,  # the function or class this is the scope of
        ctx: FileContext | None = None,
    ) -> None:
        self.package = package
        self.parent = parent
        self.is_class = is_class
        self.stars = [] if stars is None else stars
        self.body = body
        self.immediate = immediate
        self.node = node
        self.ctx = FileContext() if ctx is None else ctx
        self.bindings: dict[str, list[Binding]] = {}
        # Values by (name, bindings that reach a use): each is resolved once; a name met again while
        # it is being resolved (x = x + "a" in a loop) is dynamic.
        self.resolved: dict[tuple[str, tuple[int, ...]], Value] = {}
        # Each name's bindings in the order they take effect, and where each does.
        self.order: dict[str, tuple[list[int], list[Position]]] = {}
        self.reaching: dict[tuple[str, Position], tuple[int, ...]] = {}  # by use
        self.global_names: set[str] = set()  # names a function declares global: its writes are the module's

    def child(self, *, is_class: bool = False, immediate: bool = False) -> Scope:
        # Methods do not see their class's names: their parent is the class's parent.
        parent = self.parent if self.is_class and not is_class else self
        return Scope(self.package, parent, is_class, self.stars, immediate=immediate, ctx=self.ctx)

    def bind(
        self,
        name: str,
        kind: str,
        data: Any = None,
        at: Position = _START,
        blocks: Blocks = (),
    ) -> None:
        self.bindings.setdefault(name, []).append((kind, data, at, blocks))

    def bind_unknown(self, names: Iterable[str], at: Position = _START, blocks: tuple = ()) -> None:
        for name in names:
            self.bind(name, "unknown", None, at, blocks)

    def absolute(self, module: str | None, level: int) -> str | None:
        return absolute_module(self.package, module, level)

    def blocks_at(self, at: Position) -> Blocks:
        """The compound statements' blocks of this scope that hold the position, outermost first."""
        found: list[tuple[int, str, Position | None]] = []
        statements = self.body
        while statements:
            index = bisect.bisect_right(statements, at, key=_statement_start) - 1
            if index < 0:
                break
            stmt = statements[index]
            inner = None
            for name, block, loops in _blocks(stmt):
                if block and _start(block[0]) <= at <= _end(block[-1]):
                    inner = block
                    if not isinstance(stmt, _ALWAYS_RUN):
                        found.append((id(stmt), name, loops))
                    break
            if inner is None:
                break
            statements = inner
        return tuple(found)


# A with statement's body runs whenever the statement does: it is no block a binding may not run in.
_ALWAYS_RUN = (ast.With, ast.AsyncWith)


def _statement_start(stmt: ast.stmt) -> Position:
    return (stmt.lineno, stmt.col_offset)


def _start(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> Position:
    return (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None) or 0)


# The statements holding blocks of statements in their scope (not definitions: their own scopes).
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)


def _blocks(stmt: ast.stmt) -> Iterator[tuple[str, list[ast.stmt], Position | None]]:
    """The statement blocks of a compound statement, each with where its loop ends when it runs
    again (a loop's body)."""
    loop = isinstance(stmt, (ast.For, ast.AsyncFor, ast.While))
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if block and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield name, block, _end(stmt) if loop and name == "body" else None
    for number, handler in enumerate(getattr(stmt, "handlers", ())):
        yield f"handler{number}", handler.body, None
    for number, case in enumerate(getattr(stmt, "cases", ())):
        yield f"case{number}", case.body, None


def _target_names(target: ast.expr) -> Iterator[str]:
    """The names an assignment target binds: ``self`` of ``self.x`` or ``d`` of ``d[k]`` is no name
    it rebinds (``self.clip, self.preprocess = clip.load(...)`` leaves ``self`` the instance)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def token_lines(source: bytes, token: bytes) -> list[int]:
    """The numbers of the lines where ``token`` stands, ascending (lines end at \\n)."""
    lines: list[int] = []
    line, searched = 1, 0
    at = source.find(token)
    while at >= 0:
        line += source.count(b"\n", searched, at)
        if not lines or lines[-1] != line:
            lines.append(line)
        searched = at
        at = source.find(token, at + len(token))
    return lines


def _on_lines(lines: list[int], node: ast.stmt) -> bool:
    """Whether one of the (sorted) lines is within the node's."""
    at = bisect.bisect_left(lines, node.lineno)
    return at < len(lines) and lines[at] <= (node.end_lineno or node.lineno)


def _header_nodes(stmt: ast.stmt, *, walk: bool = False) -> Iterator[ast.AST]:
    """The nodes of a statement outside its nested blocks (and definitions, and lambdas unless ``walk``)."""
    stack: list[ast.AST] = [
        child
        for name, child in ast.iter_fields(stmt)
        if name not in ("body", "orelse", "finalbody", "handlers", "cases")
        for child in (child if isinstance(child, list) else [child])
        if isinstance(child, ast.AST)
    ]
    while stack:
        node = stack.pop()
        yield node
        if walk or not isinstance(node, (ast.Lambda, ast.stmt)):
            stack.extend(ast.iter_child_nodes(node))


def _walrus_targets(stmt: ast.stmt) -> Iterator[ast.NamedExpr]:
    """The := expressions a statement holds outside its nested blocks and definitions."""
    for node in _header_nodes(stmt):
        if isinstance(node, ast.NamedExpr):
            yield node


def bind_block(statements: Iterable[ast.stmt], scope: Scope, blocks: tuple = ()) -> None:
    """Record what each statement of a block binds, where, and in which blocks, through compound
    statements but not into nested scopes."""
    walrus = scope.ctx.walrus
    for stmt in statements:
        if isinstance(stmt, ast.Expr) and not walrus:  # most statements: a call that binds nothing
            continue
        at = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    scope.bind(alias.asname, REF, alias.name, at, blocks)
                else:
                    root = alias.name.split(".")[0]
                    scope.bind(root, REF, root, at, blocks)
        elif isinstance(stmt, ast.ImportFrom):
            module = scope.absolute(stmt.module, stmt.level)
            for alias in stmt.names:
                if alias.name == "*":
                    if module:
                        scope.stars.append(module)
                elif module:
                    scope.bind(alias.asname or alias.name, REF, f"{module}.{alias.name}", at, blocks)
                else:
                    scope.bind(alias.asname or alias.name, "unknown", None, at, blocks)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                _bind_target(scope, target, stmt.value, at, blocks)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                _bind_target(scope, stmt.target, stmt.value, at, blocks)
        elif isinstance(stmt, ast.AugAssign):
            if isinstance(stmt.target, ast.Name):
                # x += y is x = x + y, x read where the statement starts.
                read = ast.Name(stmt.target.id, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset)
                scope.bind(stmt.target.id, "expr", ast.BinOp(read, stmt.op, stmt.value), at, blocks)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            inside = (*blocks, (id(stmt), "body", _end(stmt)))
            bind_items(scope, stmt.target, stmt.iter, _end(stmt.iter), inside)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.bind(stmt.name, "function", stmt, at, blocks)
            if scope.parent is None and _sets_globals(stmt, scope.ctx.source):
                function_scope(stmt, scope)  # now: binding its body binds the globals it sets
        elif isinstance(stmt, ast.ClassDef):
            scope.bind(stmt.name, "class", stmt, at, blocks)
        elif isinstance(stmt, ast.Global) and scope.parent is not None:
            scope.global_names.update(stmt.names)  # read from the module; written to it, below
        elif isinstance(stmt, (ast.Global, ast.Nonlocal)):
            scope.bind_unknown(stmt.names, at, blocks)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    scope.bind(
                        item.optional_vars.id, "expr", item.context_expr, _end(item.context_expr), blocks
                    )
                elif item.optional_vars is not None:
                    scope.bind_unknown(_target_names(item.optional_vars), _end(item.context_expr), blocks)
        if walrus and _on_lines(walrus, stmt):
            for named in _walrus_targets(stmt):
                scope.bind(named.target.id, "expr", named.value, _end(named), blocks)
        if not isinstance(stmt, _COMPOUND):
            continue
        if isinstance(stmt, (ast.If, ast.Match)):
            scope.ctx.choices.add(id(stmt))
        for name, block, loops in _blocks(stmt):
            inner = blocks if isinstance(stmt, _ALWAYS_RUN) else (*blocks, (id(stmt), name, loops))
            if name.startswith("handler"):
                handler = stmt.handlers[int(name.removeprefix("handler"))]
                if handler.name:
                    scope.bind_unknown([handler.name], _start(handler), inner)
            bind_block(block, scope, inner)


def _sets_globals(function: ast.FunctionDef | ast.AsyncFunctionDef, source: bytes) -> bool:
    """Whether a function declares a module name global (``global MODEL``), so sets it."""
    if source and b"global" not in source:
        return False
    return any(isinstance(node, ast.Global) for node in ast.walk(function))


def _bind_target(scope: Scope, target: ast.expr, value: ast.expr, at: Position, blocks: tuple) -> None:
    if isinstance(target, ast.Name) and target.id in scope.global_names:
        module = scope
        while module.parent is not None:
            module = module.parent
        # A module global set when some function runs: it may or may not hold this, read in the
        # function's own scope.
        module.bind(target.id, "scoped", (value, scope), at, ((id(scope), "global", None),))
    elif isinstance(target, ast.Name):
        scope.bind(target.id, "expr", value, at, blocks)
    elif isinstance(target, (ast.Tuple, ast.List)):
        if isinstance(value, (ast.Tuple, ast.List)) and len(target.elts) == len(value.elts):
            for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                _bind_target(scope, sub_target, sub_value, at, blocks)
            return
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Name):
                scope.bind(element.id, "item", (value, index), at, blocks)
            elif isinstance(element, (ast.Tuple, ast.List)):  # a, (b, c) = f(): (b, c) is f()[1]
                part = ast.copy_location(ast.Subscript(value, ast.Constant(index), ast.Load()), value)
                _bind_target(scope, element, part, at, blocks)
            else:  # *rest: unknown
                scope.bind_unknown(_target_names(element), at, blocks)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        # Cls.attr = value sets an attribute: Cls is still the class it was.
        key = (target.value.id, target.attr)
        scope.ctx.attribute_writes.setdefault(key, []).append((value, scope))
    elif isinstance(target, ast.Starred):
        scope.bind_unknown(_target_names(target), at, blocks)
    # x[key] = value and a.b.c = value rebind no name.


def bind_items(
    scope: Scope, target: ast.expr, iterable: ast.expr, at: Position = _START, blocks: tuple = ()
) -> None:
    """Bind a loop's target to the items of what it iterates (a tuple target to their parts, a
    nested one to the parts of those: ``for i, (caption, image) in enumerate(zip(...))``)."""
    if isinstance(target, ast.Name):
        scope.bind(target.id, "iter", (iterable, None), at, blocks)
    elif isinstance(target, (ast.Tuple, ast.List)):
        _bind_item_parts(scope, target, iterable, (), at, blocks)
    else:
        scope.bind_unknown(_target_names(target), at, blocks)


def _bind_item_parts(
    scope: Scope,
    target: ast.Tuple | ast.List,
    iterable: ast.expr,
    path: tuple[int, ...],
    at: Position,
    blocks: tuple,
) -> None:
    for index, element in enumerate(target.elts):
        if isinstance(element, ast.Name):
            scope.bind(element.id, "iter", (iterable, (*path, index) if path else index), at, blocks)
        elif isinstance(element, (ast.Tuple, ast.List)):
            _bind_item_parts(scope, element, iterable, (*path, index), at, blocks)
        else:  # *rest: unknown
            scope.bind_unknown(_target_names(element), at, blocks)


def bind_parameters(
    arguments: ast.arguments,
    scope: Scope,
    outer: Scope | None = None,
    decorators: Sequence[ast.expr] = (),
    method_of: Scope | None = None,
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None,
) -> None:
    """Bind a function's parameters: ``self``/``cls`` to the class, a click option's to its
    default, those of a ``function`` called in the file to what its calls pass (or their default),
    others to their default (evaluated in ``outer``, where the def stands), pytest's tmp_path to a
    path; any other to what callers pass, unknown."""
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: dict[str, ast.expr] = {
        a.arg: d
        for a, d in zip(
            positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True
        )
    }
    defaults |= {
        a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d is not None
    }
    options = _decorated_defaults(decorators, outer) if decorators and outer is not None else {}
    if method_of is not None and positional and not _is_static(decorators, outer):
        scope.bind(positional[0].arg, "value", Value(INSTANCE, method_of))
        positional = positional[1:]
    for index, param in enumerate([*positional, *arguments.kwonlyargs]):
        default = (defaults[param.arg], outer) if param.arg in defaults and outer is not None else None
        if param.arg in options:
            scope.bind(param.arg, *options[param.arg])
        elif function is not None and outer is not None:
            where = index if index < len(positional) else None
            scope.bind(param.arg, "param", (function, param.arg, where, default, outer))
        elif default is not None:
            scope.bind(param.arg, "default", default)
        else:
            scope.bind(param.arg, "value", _unknown_parameter(param.arg))
    scope.bind_unknown(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)


def _unknown_parameter(name: str) -> Value:
    """What a parameter no caller in the file gives is: a folder when named one (input_dir,
    tmp_path), else unknown."""
    if name in _TEMPORARY_PARAMETERS or _names_a_folder(name):
        return _PATH_VALUE
    return DYNAMIC_VALUE


def _names_a_folder(name: str) -> bool:
    return name.endswith(("_dir", "_folder")) or name == "dir"


def _parameter(data: tuple[Any, ...], depth: int) -> Value:
    """A parameter of a function the file calls: what each call passes, or the default where one
    passes nothing; the default (or unknown) when the function is called from elsewhere too."""
    function, name, index, default, outer = data
    given_default = evaluate(default[0], default[1], depth + 1) if default else None
    sites = call_sites(outer.ctx, function)
    if not sites:
        return _default(given_default) if given_default is not None else _unknown_parameter(name)
    fallback = given_default or DYNAMIC_VALUE  # a call that passes nothing: the default, None too
    values = []
    for call, where in sites:
        given = next((k.value for k in call.keywords if k.arg == name), None)
        spread = any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        )
        if given is None and index is not None and index < len(call.args):
            given = call.args[index]
        if (
            given is not None
            and not isinstance(given, ast.Starred)
            and not (spread and any(isinstance(a, ast.Starred) for a in call.args[: (index or 0) + 1]))
        ):
            values.append(evaluate(given, where, depth + 1))
        else:
            values.append(DYNAMIC_VALUE if spread else fallback)
    return merge(values)


_MAX_CALL_SITES = 64
# Each function's calls are searched for in the whole file: past this many functions, or this many
# times its name stands, a (generated, hostile) file would be searched for hours.
_MAX_TRACED_FUNCTIONS = 256
_MAX_OCCURRENCES = 4096


def call_sites(
    ctx: FileContext, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[tuple[ast.Call, Scope]] | None:
    """Every call of a function in its file, with the scope each is in; None when its name also
    stands where it is not called (handed on as a callback), or too often. Its name in a string or a
    comment is no use of it."""
    if id(function) in ctx.calls or len(ctx.calls) >= _MAX_TRACED_FUNCTIONS:
        return ctx.calls.get(id(function))
    ctx.calls[id(function)] = None
    occurrences = _occurrences(ctx.source, function.name.encode())
    if occurrences is None or ctx.module is None or ctx.tree is None:
        return None
    found: list[tuple[ast.Call, Scope]] = []
    # The occurrences come in order: a statement holding several is walked once.
    walked: tuple[ast.stmt | None, list[ast.AST]] = (None, [])
    for line, column, before in occurrences:
        placed = _statement_at(ctx.tree.body, ctx.module, line)
        if placed is None:
            continue  # in a comment between statements
        stmt, scope = placed
        if walked[0] is not stmt:
            walked = (stmt, list(_header_nodes(stmt, walk=True)))
        nodes = walked[1]
        name = next(
            (
                node
                for node in nodes
                if isinstance(node, ast.Name)
                and node.id == function.name
                and (node.lineno, node.col_offset) == (line, column)
            ),
            None,
        )
        if name is None:
            if _in_text(nodes, line, column, before):
                continue
            return None  # bound again: an import, a parameter, a class
        call = next((node for node in nodes if isinstance(node, ast.Call) and node.func is name), None)
        if call is None:
            return None  # handed on
        found.append((call, scope))
    ctx.calls[id(function)] = found
    return found


def _in_text(nodes: list[ast.AST], line: int, column: int, before: bytes) -> bool:
    """Whether a position in a statement (``before`` it on its line) is in a string or a comment."""
    strings = [
        ((node.lineno, node.col_offset), (node.end_lineno or 0, node.end_col_offset or 0))
        for node in nodes
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))
    ]

    def in_string(at: tuple[int, int]) -> bool:
        return any(start <= at < end for start, end in strings)

    hashes = (index for index, byte in enumerate(before) if byte == ord("#"))
    return in_string((line, column)) or any(not in_string((line, index)) for index in hashes)


def _occurrences(source: bytes, word: bytes) -> list[tuple[int, int, bytes]] | None:
    """Where ``word`` stands as a whole word (but after ``def``): (line, byte column, what comes before
    it on its line); None past the bounds."""
    found: list[tuple[int, int, bytes]] = []
    line, searched, calls = 1, 0, 0
    at = source.find(word)
    for _ in range(_MAX_OCCURRENCES):
        if at < 0:
            return found
        end = at + len(word)
        before, after = source[at - 1 : at], source[end : end + 1]
        whole = not (before.isalnum() or before in (b"_", b".")) and not (after.isalnum() or after == b"_")
        if whole and source[max(0, at - 4) : at] != b"def ":
            line += source.count(b"\n", searched, at)
            searched = at
            start = source.rfind(b"\n", 0, at) + 1
            found.append((line, at - start, source[start:at]))
            calls += source[end:].lstrip(b" \t").startswith(b"(")
            if calls > _MAX_CALL_SITES:
                return None
        at = source.find(word, end)
    return None


def _statement_at(statements: Sequence[ast.stmt], scope: Scope, line: int) -> tuple[ast.stmt, Scope] | None:
    """The innermost statement on a line, with its scope."""
    while statements:
        index = bisect.bisect_right(statements, line, key=lambda s: s.lineno) - 1
        if index < 0:
            return None
        stmt = statements[index]
        if line > (stmt.end_lineno or stmt.lineno):
            return None
        inner: Sequence[ast.stmt] = ()
        for _, block, _ in _blocks(stmt):
            if block[0].lineno <= line <= (block[-1].end_lineno or block[-1].lineno):
                inner = block
                break
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if stmt.body[0].lineno > line:  # a decorator, a default, a base: the enclosing scope's
                return stmt, scope
            if isinstance(stmt, ast.ClassDef):
                scope = class_scope(stmt, scope)
            else:
                scope = function_scope(stmt, scope)
            inner = stmt.body
        if not inner:
            return stmt, scope
        statements = inner
    return None


def _is_static(decorators: Sequence[ast.expr], outer: Scope | None) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in decorators)


def _decorated_defaults(decorators: Sequence[ast.expr], outer: Scope) -> dict[str, tuple[str, Any]]:
    """The bindings decorators give parameters: the default of a @click.option/@click.argument,
    each value of a @pytest.mark.parametrize."""
    found: dict[str, tuple[str, Any]] = {}
    for decorator in decorators:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, (ast.Name, ast.Attribute)):
            continue
        func = evaluate(decorator.func, outer)
        if func.kind == REF and func.data == "pytest.mark.parametrize" and len(decorator.args) > 1:
            names = evaluate(decorator.args[0], outer)
            if names.kind == STR:
                listed = [n.strip() for n in names.data.split(",") if n.strip()]
            elif names.kind == LIST:
                listed = [v.data for v in (_item_value(i, 0) for i in names.data.items) if v.kind == STR]
            else:
                continue
            for index, name in enumerate(listed):
                found[name] = ("iter", (decorator.args[1], index if len(listed) > 1 else None))
            continue
        if func.kind != REF or func.data not in _CLICK_PARAMETERS:
            continue
        declared = [
            a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        name = _parameter_name(declared)
        default = next((k.value for k in decorator.keywords if k.arg == "default"), None)
        if name and default is not None:
            found[name] = ("default", (default, outer))
    return found


def _parameter_name(declared: Sequence[str]) -> str | None:
    """The Python name click or argparse gives an option: a name without dashes, else the first
    long option, else the first short one, dashes made underscores."""
    plain = [d for d in declared if not d.startswith("-")]
    if plain:
        return plain[0].replace("-", "_")
    long = [d for d in declared if d.startswith("--")]
    chosen = (long or list(declared) or [""])[0].lstrip("-")
    return chosen.replace("-", "_") or None


def function_scope(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, parent: Scope) -> Scope:
    """The scope of a function (made once per node): its parameters and body bound."""
    made = parent.ctx.scopes.get(id(node))
    if made is not None:
        return made
    inner = parent.child()
    inner.node = node
    parent.ctx.scopes[id(node)] = inner
    decorators = getattr(node, "decorator_list", ())
    method_of = parent if parent.is_class else None
    traced = None if isinstance(node, ast.Lambda) or method_of is not None else node
    bind_parameters(node.args, inner, parent, decorators, method_of, traced)
    if isinstance(node, ast.Lambda):
        return inner
    inner.body = node.body
    bind_block(node.body, inner)
    return inner


def class_scope(node: ast.ClassDef, parent: Scope) -> Scope:
    """The scope of a class body (made once per node)."""
    made = parent.ctx.scopes.get(id(node))
    if made is not None:
        return made
    inner = parent.child(is_class=True)
    inner.node, inner.body = node, node.body
    parent.ctx.scopes[id(node)] = inner
    bind_block(node.body, inner)
    return inner


_MAX_REACHING = 64  # past this many bindings that may reach a use, every binding of the name counts
ALL_BINDINGS = (-1,)  # every binding of the name


def reaching_bindings(name: str, scope: Scope, at: Position) -> tuple[int, ...]:
    """The bindings that may hold at a use: the last one before it on every path to it, those
    after that one which may not run, and those later in a loop the use is in, unless that last one
    is itself in the loop (it runs again every round, before the use: a for loop's target)."""
    bindings = scope.bindings[name]
    known = scope.order.get(name)
    if known is None:
        order = sorted(range(len(bindings)), key=lambda i: bindings[i][2])
        known = scope.order[name] = (order, [bindings[i][2] for i in order])
    order, positions = known
    used_in = scope.blocks_at(at)
    count = bisect.bisect_right(positions, at)
    first = max(0, count - _MAX_REACHING)
    definite: tuple = ()  # the blocks of the last binding on every path to the use
    for index in range(count - 1, first - 1, -1):
        blocks = bindings[order[index]][3]
        if used_in[: len(blocks)] == blocks:
            first, definite = index, blocks
            break
    else:
        if first:  # too many that may or may not run: all of them
            return ALL_BINDINGS
    chosen = order[first:count]
    if all(block[2] is None or block in definite for block in used_in):
        # No loop around the use runs again without passing the binding that holds: one of another
        # branch of an if the use is in (x = a() in the if, use(x) in its else) never reaches it.
        choices = scope.ctx.choices
        chosen = [i for i in chosen if not _other_branch(bindings[i][3], used_in, choices)]
    for block in used_in:
        if block[2] is not None and block not in definite:  # a loop: its later bindings reach the next round
            until = bisect.bisect_right(positions, block[2])
            if until - count > _MAX_REACHING:
                return ALL_BINDINGS
            chosen += [i for i in order[count:until] if block in bindings[i][3]]
    return tuple(chosen)


def _other_branch(blocks: Blocks, used_in: Blocks, choices: set[int]) -> bool:
    """Whether a binding stands in another block of an if (or match) statement the use stands in."""
    inside = {block[0]: block[1] for block in used_in if block[0] in choices}
    return any(block[0] in inside and inside[block[0]] != block[1] for block in blocks)


def lookup(name: str, scope: Scope, depth: int = 0, at: Position | None = None) -> Value:
    """What a name means where it is used (``at``; None: anywhere in the scope)."""
    current: Scope | None = scope
    while current is not None:
        bindings = current.bindings.get(name)
        if bindings is not None:
            chosen: tuple[int, ...] | None = ALL_BINDINGS if at is None else current.reaching.get((name, at))
            if chosen is None:
                assert at is not None
                chosen = current.reaching[(name, at)] = reaching_bindings(name, current, at)
            key = (name, chosen)
            if key not in current.resolved:
                current.resolved[key] = DYNAMIC_VALUE
                reaching = bindings if chosen == ALL_BINDINGS else [bindings[i] for i in chosen]
                current.resolved[key] = _resolve_bindings(reaching, current, depth)
            return _imported(current.resolved[key], scope)
        if not current.immediate:
            at = None  # a function runs later: every binding of the names it reads counts
        current = current.parent
    if scope.stars and name not in _BUILTINS:
        known = scope.ctx.star_names.get(name) if scope.ctx is not None else None
        if known is not None:
            return Value(REF, f"{known}.{name}")
        ml = [m for m in scope.stars if m.split(".")[0] in ML_ROOTS]
        candidates = ml or scope.stars
        return Value(REF, f"{candidates[0]}.{name}") if len(candidates) == 1 else DYNAMIC_VALUE
    return Value(UNBOUND, name)


def _imported(value: Value, scope: Scope) -> Value:
    """A constant imported from another module of the project, read while a load is traced."""
    ctx = scope.ctx
    if value.kind != REF or not ctx.tracing or ctx.resolve_ref is None:
        return value
    root = value.data.split(".")[0]
    if root in ML_ROOTS or root == LOCAL_PREFIX:
        return value
    found = ctx.resolve_ref(value.data)
    return value if found is None else found


def _resolve_bindings(bindings: list[Binding], scope: Scope, depth: int) -> Value:
    if not bindings:  # used before any binding reaches it: it fails there, or is given elsewhere
        return DYNAMIC_VALUE
    values = [_binding_value(kind, data, scope, depth) for kind, data, _, _ in bindings]
    # `try: from x import Y / except ImportError: Y = None` binds Y to the import for our purpose.
    if any(v.kind == REF for v in values):
        values = [v for v in values if v.kind != NONE]
    return merge(values)


def _binding_value(kind: str, data: Any, scope: Scope, depth: int) -> Value:
    if kind == REF:
        return Value(REF, data)
    if kind == "scoped":  # a module global a function sets
        return evaluate(data[0], data[1], depth + 1)
    if kind == "function":
        return Value(REF, _register(data, scope))
    if kind == "class":
        return _class_value(data, scope, depth)
    if kind == "expr":
        return evaluate(data, scope, depth + 1)
    if kind == "value":
        return data
    if kind == "default":
        return _default(evaluate(data[0], data[1], depth + 1))
    if kind == "param":
        return _parameter(data, depth)
    if kind == "iter":
        iterable, index = data
        return _iterated(evaluate(iterable, scope, depth + 1), index, depth)
    if kind == "item":
        value, index = data
        return _element(evaluate(value, scope, depth + 1), index, depth)
    return DYNAMIC_VALUE


def _default(value: Value) -> Value:
    """A default stands for the value unless it is None or ... (required: the caller gives one)."""
    if value.kind == NONE or (value.kind == OTHER and value.data is Ellipsis):
        return DYNAMIC_VALUE
    return value


_COMMIT_LENGTH = 40
_HEX = frozenset("0123456789abcdef")


def _risk(value: Value) -> int:
    """How much worse a value is for a load than the others it may be: a hub id (or code run from
    the hub) over a local path (a folder filled in when none is given: `x = x or folder`) over not
    knowing over no revision over a commit."""
    if value.kind == STR:
        from .classify import is_local  # at run time: classify imports this module

        text = value.data
        if len(text) == _COMMIT_LENGTH and set(text) <= _HEX:
            return 1
        return 4 if is_local(text, lambda _: False) else 6
    if value.kind == BOOL:
        return 5 if value.data else 0
    return {NONE: 2, DYNAMIC: 3, PATH: 4}.get(value.kind, 0)


_RANKED = frozenset({STR, BOOL, NONE, OTHER, PATH, DYNAMIC})


def merge(values: Sequence[Value]) -> Value:
    """One value for a name or expression that may take several: the same one, else the riskiest
    (marked ``many``), else dynamic when they are of kinds that do not compare."""
    first = values[0]
    if all(v == first for v in values[1:]):
        return first
    if any(v.kind not in _RANKED for v in values):
        return DYNAMIC_VALUE
    worst = max(values, key=_risk)
    return DYNAMIC_VALUE if worst.kind == DYNAMIC else Value(worst.kind, worst.data, worst.env, many=True)


def _items(value: Value, depth: int) -> list[Value] | None:
    """The values a for loop over ``value`` takes; None when unknown."""
    if value.kind == LIST and not value.data.opaque:
        return [_item_value(item, depth) for item in value.data.items]
    if value.kind == DICT and not value.data.opaque:
        return [Value(STR, key) for key in value.data.items]
    if value.kind == BOUND and value.data[0].kind == DICT and not value.data[0].data.opaque:
        dictionary, method = value.data[0].data, value.data[1]
        if method == "keys":
            return [Value(STR, key) for key in dictionary.items]
        if method == "values":
            return [evaluate(e, s, depth + 1) for e, s in dictionary.items.values()]
        if method == "items":
            pairs = [ListValue((Value(STR, k), item)) for k, item in dictionary.items.items()]
            return [Value(LIST, pair) for pair in pairs]
    if value.kind == BOUND and value.data[1] == "enumerate":
        inner = _items(value.data[0], depth)
        return None if inner is None else [Value(LIST, ListValue((DYNAMIC_VALUE, v))) for v in inner]
    return None


def _item_value(item: Item, depth: int) -> Value:
    return item if isinstance(item, Value) else evaluate(item[0], item[1], depth + 1)


def _iterated(value: Value, index: int | tuple[int, ...] | None, depth: int) -> Value:
    """An item of what a loop iterates, or its part ``index`` (a path of them for a nested target)."""
    items = _items(value, depth)
    if not items:
        return DYNAMIC_VALUE
    for step in (index,) if isinstance(index, int) else index or ():
        items = [_element(item, step, depth) for item in items]
    return merge(items)


def _element(value: Value, index: int, depth: int) -> Value:
    """Item ``index`` of a literal list or tuple (a, b = pair)."""
    if value.kind != LIST or value.data.opaque or index >= len(value.data.items):
        return DYNAMIC_VALUE
    return _item_value(value.data.items[index], depth)


def _class_value(node: ast.ClassDef, scope: Scope, depth: int) -> Value:
    """A class defined here is the library class it extends, a Hugging Face one first (its
    from_pretrained is the one inherited, as with ``class Net(nn.Module, PyTorchModelHubMixin)``)."""
    bases = [evaluate(base, scope, depth + 1) for base in node.bases]
    refs = [b for b in bases if b.kind == REF]
    for roots in (HF_LIBRARIES, ML_ROOTS):
        for base in refs:
            if base.data.split(".")[0] in roots:
                return base
    return Value(REF, _register(node, scope))


def _register(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: Scope) -> str:
    """The name a function or class defined in the file goes by (<local>.Class.method for a method,
    <local>.helper.collate_fn for a function defined in another: two helpers each defining its own are
    two functions), kept with its definition so that calling it can be traced; two definitions of one
    name keep neither."""
    outer, owner = scope.node, ""
    if isinstance(outer, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and scope.parent is not None:
        owner = f"{outer.name}."
    name = f"{LOCAL_PREFIX}.{owner}{node.name}"
    known = scope.ctx.local.get(name, (node, scope))
    scope.ctx.local[name] = (node, scope) if known is not None and known[0] is node else None
    return name


def source_text(node: ast.AST, limit: int | None = None) -> str:
    """The node as written, cut to ``limit`` characters for a message; "..." when ast.unparse
    refuses (an int past Python's digit limit: a long hex literal is valid source)."""
    try:
        text = ast.unparse(node)
    except ValueError:
        return "..."
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def dotted(node: ast.expr) -> str | None:
    """a.b.c for a name or a chain of attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _saved(node: ast.Name | ast.Attribute, scope: Scope) -> bool:
    """Whether the name is a folder the file saved a model to before this use."""
    saved = scope.ctx.saved
    if not saved:
        return False
    text = node.id if isinstance(node, ast.Name) else dotted(node)
    first = saved.get(text) if text else None
    return first is not None and first < _start(node)


def evaluate(node: ast.expr, scope: Scope, depth: int = 0) -> Value:
    if depth > _MAX_DEPTH:
        return DYNAMIC_VALUE
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return Value(STR, value) if len(value) <= _MAX_TEXT else DYNAMIC_VALUE
        if isinstance(value, bool):
            return Value(BOOL, value)
        return Value(NONE) if value is None else Value(OTHER, value)
    if isinstance(node, ast.Name):
        if _saved(node, scope):
            return _PATH_VALUE
        return lookup(node.id, scope, depth, _start(node) if hasattr(node, "lineno") else None)
    if isinstance(node, ast.Attribute):
        return _PATH_VALUE if _saved(node, scope) else _attribute(node, scope, depth)
    if isinstance(node, ast.Call):
        return _call_value(node, scope, depth)
    if isinstance(node, ast.JoinedStr):
        return _fstring(node, scope, depth)
    if isinstance(node, ast.BinOp):
        left = evaluate(node.left, scope, depth + 1)
        if isinstance(node.op, ast.Div) and left.kind == PATH:
            return _PATH_VALUE
        if isinstance(node.op, ast.Add):
            right = evaluate(node.right, scope, depth + 1)
            if left.kind == STR and right.kind == STR and len(left.data) + len(right.data) <= _MAX_TEXT:
                return Value(STR, left.data + right.data, left.env or right.env, left.many or right.many)
        return DYNAMIC_VALUE
    if isinstance(node, ast.Dict):
        return _dict(zip(node.keys, node.values, strict=True), scope, depth)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        opaque = any(isinstance(e, ast.Starred) for e in node.elts)
        items = tuple((e, scope) for e in node.elts if not isinstance(e, ast.Starred))
        return Value(LIST, ListValue(items, opaque))
    if isinstance(node, ast.Subscript):
        return _subscript(node, scope, depth)
    if isinstance(node, ast.IfExp):
        return merge([evaluate(node.body, scope, depth + 1), evaluate(node.orelse, scope, depth + 1)])
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):  # name or "org/default"
        return merge([evaluate(v, scope, depth + 1) for v in node.values])
    if isinstance(node, ast.NamedExpr):
        return evaluate(node.value, scope, depth + 1)
    return DYNAMIC_VALUE


def _subscript(node: ast.Subscript, scope: Scope, depth: int) -> Value:
    container = evaluate(node.value, scope, depth + 1)
    key = evaluate(node.slice, scope, depth + 1)
    if container.kind == DICT and key.kind == STR and key.data in container.data.items:
        item, item_scope = container.data.items[key.data]
        return evaluate(item, item_scope, depth + 1)
    if container.kind == DICT and key.kind == DYNAMIC and container.data.items and not container.data.opaque:
        # An entry chosen at run time: one of the dict's values.
        return merge([evaluate(e, s, depth + 1) for e, s in container.data.items.values()])
    if container.kind == LIST and key.kind == OTHER and isinstance(key.data, int) and key.data >= 0:
        return _element(container, key.data, depth)
    return DYNAMIC_VALUE


def _attribute(node: ast.Attribute, scope: Scope, depth: int) -> Value:
    base = evaluate(node.value, scope, depth + 1)
    attr = node.attr
    if base.kind == REF:
        name = f"{base.data}.{attr}"
        local = scope.ctx.local.get(base.data)
        if local is not None and isinstance(local[0], ast.ClassDef):
            found = _class_attribute(class_scope(local[0], local[1]), attr, depth, with_self=False)
            if found is not None and found.kind in _RANKED | {DICT, LIST}:
                return found
        return _imported(Value(REF, name), scope)
    if base.kind == OBJECT:
        return DYNAMIC_VALUE if attr in _ID_ATTRIBUTES else Value(OBJECT, f"{base.data}.{attr}")
    if base.kind == INSTANCE:
        return _class_attribute(base.data, attr, depth, with_self=True) or DYNAMIC_VALUE
    if base.kind == NAMESPACE:
        return _argument_default(scope, attr, depth)
    if base.kind == PATH:
        return Value(BOUND, (base, attr)) if attr == "as_posix" else _PATH_VALUE
    if base.kind in (PARSER, ARGPARSE, DICT, LIST):
        return Value(BOUND, (base, attr))
    return DYNAMIC_VALUE


def _class_attribute(cls: Scope, attr: str, depth: int, *, with_self: bool) -> Value | None:
    """An attribute of a class defined in the file, or of its instances (``with_self``: what its
    methods assign to self.attr too); None when the class sets it nowhere."""
    key = (f".{attr}", (int(with_self),))
    if key in cls.resolved:
        return cls.resolved[key]
    cls.resolved[key] = DYNAMIC_VALUE
    values = []
    if attr in cls.bindings:
        values.append(lookup(attr, cls, depth + 1))
    writes = list(cls.ctx.attribute_writes.get((getattr(cls.node, "name", ""), attr), ()))
    if with_self:
        writes += self_writes(cls).get(attr, [])
    values += [evaluate(expr, where, depth + 1) for expr, where in writes]
    found = merge(values) if values else None
    if found is not None:
        cls.resolved[key] = found
    else:
        del cls.resolved[key]
    return found


def self_writes(cls: Scope) -> dict[str, list[tuple[ast.expr, Scope]]]:
    """What the methods of a class assign to self.<attr>, each with the method's scope."""
    made = cls.ctx.self_writes.get(id(cls))
    if made is not None:
        return made
    writes: dict[str, list[tuple[ast.expr, Scope]]] = {}
    cls.ctx.self_writes[id(cls)] = writes
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = [*method.args.posonlyargs, *method.args.args]
        if not params or _is_static(method.decorator_list, None):
            continue
        this = params[0].arg
        statements = list(nested_statements(method.body))
        found = [
            (target.attr, value)
            for stmt in statements
            if isinstance(stmt, (ast.Assign, ast.AnnAssign))
            for target, value in assigned_pairs(stmt)
            if isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == this
        ]
        found += _registered_writes(statements, this)
        if found:
            inner = function_scope(method, cls)
            for attr, value in found:
                writes.setdefault(attr, []).append((value, inner))
    return writes


def _registered_writes(statements: list[ast.stmt], this: str) -> list[tuple[str, ast.expr]]:
    """The attributes a method sets without assigning them: ``self.register_modules(vae=vae)``
    (diffusers), and ``setattr(self, k, v)`` in a loop over the items of a dict the method builds
    (``for k, v in self.components.items()``)."""
    found: list[tuple[str, ast.expr]] = []
    for stmt in statements:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "register_modules"
            and is_name(call.func.value, this)
        ):
            found += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
    for loop in statements:  # for k, v in components.items(): setattr(self, k, v)
        if not (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Tuple)
            and len(loop.target.elts) == 2
            and all(isinstance(e, ast.Name) for e in loop.target.elts)
            and isinstance(loop.iter, ast.Call)
            and isinstance(loop.iter.func, ast.Attribute)
            and loop.iter.func.attr == "items"
        ):
            continue
        key_name, value_name = (e.id for e in loop.target.elts if isinstance(e, ast.Name))
        sets = any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) == 3
            and is_name(node.args[0], this)
            and is_name(node.args[1], key_name)
            and is_name(node.args[2], value_name)
            for node in ast.walk(loop)
        )
        if sets:
            found += _dict_items(loop.iter.func.value, statements)
    return found


def is_name(node: ast.expr, name: str) -> bool:
    """Whether an expression is that plain name."""
    return isinstance(node, ast.Name) and node.id == name


def _dict_items(container: ast.expr, statements: list[ast.stmt]) -> list[tuple[str, ast.expr]]:
    """The constant keys and values of the dicts ``container`` (a name or ``self.x``) is assigned in
    those statements: ``dict(vae=vae, unet=unet)`` or ``{"vae": vae}``."""
    spelled = ast.unparse(container)
    items: list[tuple[str, ast.expr]] = []
    for stmt in statements:
        if not isinstance(stmt, ast.Assign):
            continue
        for target, built in assigned_pairs(stmt):
            if ast.unparse(target) != spelled:
                continue
            if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) and built.func.id == "dict":
                items += [(k.arg, k.value) for k in built.keywords if k.arg is not None]
            elif isinstance(built, ast.Dict):
                items += [
                    (k.value, v)
                    for k, v in zip(built.keys, built.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                ]
    return items


def assigned_pairs(stmt: ast.Assign | ast.AnnAssign) -> Iterator[tuple[ast.expr, ast.expr]]:
    """Each target of an assignment with the value it gets; ``self.a, self.b = a, b`` pairs each
    element with its own, ``self.vad, utils = load()`` each with its item of the value
    (``load()[0]``); a target unpacking with ``*rest`` is left out. The items made are kept, so
    that each is one node however often a statement is read."""
    if stmt.value is None:
        return
    for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
        if not isinstance(target, (ast.Tuple, ast.List)):
            yield target, stmt.value
        elif any(isinstance(e, ast.Starred) for e in target.elts):
            continue
        elif isinstance(stmt.value, (ast.Tuple, ast.List)):
            if len(stmt.value.elts) == len(target.elts) and not any(
                isinstance(e, ast.Starred) for e in stmt.value.elts
            ):
                yield from zip(target.elts, stmt.value.elts, strict=True)
        else:
            yield from zip(target.elts, _items_of(target, stmt.value), strict=True)


_ITEMS: weakref.WeakKeyDictionary[ast.expr, tuple[ast.expr, ...]] = weakref.WeakKeyDictionary()


def _items_of(target: ast.Tuple | ast.List, value: ast.expr) -> tuple[ast.expr, ...]:
    """``value[0]``, ``value[1]``...: the items an unpacking target takes, made once per target."""
    items = _ITEMS.get(target)
    if items is None:
        items = _ITEMS[target] = tuple(
            ast.copy_location(ast.Subscript(value, ast.Constant(index), ast.Load()), value)
            for index in range(len(target.elts))
        )
    return items


def nested_statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a block and of the blocks within it, not of nested definitions."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        yield stmt
        for _, block, _ in _blocks(stmt):
            stack.extend(block)


def _text(value: object) -> str | None:
    """str(value), None when Python refuses (an int past its digit limit: a long hex literal is
    valid source)."""
    try:
        return str(value)
    except ValueError:
        return None


def _fstring(node: ast.JoinedStr, scope: Scope, depth: int) -> Value:
    text, env, size, many = [], None, 0, False
    piece: str | None
    for part in node.values:
        if isinstance(part, ast.Constant):
            piece = str(part.value)
        else:
            assert isinstance(part, ast.FormattedValue)
            if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                return DYNAMIC_VALUE
            value = evaluate(part.value, scope, depth + 1)
            piece = _text(value.data) if value.kind in (STR, OTHER) else None
            env, many = env or value.env, many or value.many
        if piece is None or (size := size + len(piece)) > _MAX_TEXT:
            return DYNAMIC_VALUE
        text.append(piece)
    return Value(STR, "".join(text), env, many)


def _dict(pairs: Iterable[tuple[ast.expr | None, ast.expr]], scope: Scope, depth: int) -> Value:
    items: dict[str, tuple[ast.expr, Scope]] = {}
    opaque = False
    for key, value in pairs:
        if key is None:  # {**other}
            inner = evaluate(value, scope, depth + 1)
            if inner.kind == DICT:
                items.update(inner.data.items)
                opaque = opaque or inner.data.opaque
            else:
                opaque = True
        elif isinstance(key, ast.Constant) and isinstance(key.value, str):
            items[key.value] = (value, scope)
        else:
            opaque = True
    return Value(DICT, DictValue(items, opaque))


def _path(node: ast.Call, scope: Scope, depth: int) -> Value:
    """Path("org/name") keeps its text: as_posix() or str() of it is the hub id again."""
    if len(node.args) == 1 and not node.keywords:
        inner = evaluate(node.args[0], scope, depth + 1)
        if inner.kind == STR and inner.data.count("/") == 1 and not inner.data.startswith((".", "/", "~")):
            return Value(PATH, inner.data)
    return _PATH_VALUE


def _as_text(value: Value) -> Value:
    """str() of a value: a string stays one, a path with its text becomes that text."""
    if value.kind == STR:
        return value
    if value.kind == PATH:
        return Value(STR, value.data) if value.data is not None else _PATH_VALUE
    return DYNAMIC_VALUE


def _call_value(node: ast.Call, scope: Scope, depth: int) -> Value:
    func = evaluate(node.func, scope, depth + 1)
    if func.kind == BOUND:
        return _method_value(func.data[0], func.data[1], scope.ctx)
    if func.kind == PATH:  # Path(...).joinpath(...), .resolve(), .expanduser()
        return _PATH_VALUE
    if func.kind == UNBOUND:
        if func.data == "dict":
            pairs = [(ast.Constant(k.arg) if k.arg else None, k.value) for k in node.keywords]
            return _dict(pairs, scope, depth) if not node.args else DYNAMIC_VALUE
        if func.data == "str" and len(node.args) == 1:
            return _as_text(evaluate(node.args[0], scope, depth + 1))
        if func.data in ("list", "tuple", "set", "sorted") and len(node.args) == 1:
            inner = evaluate(node.args[0], scope, depth + 1)
            return inner if inner.kind == LIST else DYNAMIC_VALUE
        if func.data == "enumerate" and node.args:
            return Value(BOUND, (evaluate(node.args[0], scope, depth + 1), "enumerate"))
        if func.data == "getattr" and len(node.args) == 2:  # getattr(importlib.import_module("m"), "Cls")
            owner, attr = (evaluate(a, scope, depth + 1) for a in node.args)
            if owner.kind == REF and attr.kind == STR and attr.data.isidentifier():
                return Value(REF, f"{owner.data}.{attr.data}")
        return DYNAMIC_VALUE
    if func.kind not in (REF, OBJECT):
        return DYNAMIC_VALUE
    name = func.data
    if name == "importlib.import_module" and len(node.args) == 1 and not node.keywords:
        module = evaluate(node.args[0], scope, depth + 1)
        if module.kind == STR and all(part.isidentifier() for part in module.data.split(".")):
            return Value(REF, module.data)  # a module named by a constant: as `import m` binds it
    if name in _ENV_GETTERS:
        return _env_default(node, scope, depth)
    if name in _PATH_BUILDERS:
        return _path(node, scope, depth)
    if name == "os.fspath" and len(node.args) == 1:
        return _as_text(evaluate(node.args[0], scope, depth + 1))
    if name in _PATH_TEXT_CALLS and len(node.args) == 1:
        inner = evaluate(node.args[0], scope, depth + 1)
        return inner if inner.kind == STR and not inner.data.startswith(("~", "$")) else _PATH_VALUE
    if name in _PATH_CALLS:
        return _PATH_VALUE
    if name in _DEFAULT_HOLDERS:
        given = (
            node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "default"), None)
        )
        return DYNAMIC_VALUE if given is None else _default(evaluate(given, scope, depth + 1))
    if name == "pytest.param":  # a parametrize case: its values, as a tuple of them
        if len(node.args) == 1:
            return evaluate(node.args[0], scope, depth + 1)
        return Value(LIST, ListValue(tuple((a, scope) for a in node.args)))
    if name == "argparse.ArgumentParser":
        return Value(ARGPARSE)
    if name.split(".")[0] == "transformers" and name.endswith(".HfArgumentParser") and node.args:
        classes = evaluate(node.args[0], scope, depth + 1)
        items = classes.data.items if classes.kind == LIST else (classes,)
        return Value(PARSER, tuple(_item_value(item, depth) for item in items))
    local = scope.ctx.local.get(name)
    if local is not None:
        definition, where = local
        if isinstance(definition, ast.ClassDef):
            return Value(INSTANCE, class_scope(definition, where))
        return _returned(definition, where, depth)  # type: ignore[arg-type]
    if name.split(".")[0] in ML_ROOTS:  # a model, a client: calling it again is not the load
        return Value(OBJECT, f"{name}()")
    return DYNAMIC_VALUE


def _method_value(receiver: Value, method: str, ctx: FileContext) -> Value:
    if receiver.kind == PATH and method == "as_posix":
        return _as_text(receiver)
    if receiver.kind == PARSER and method in _HF_PARSE:
        items = tuple(_parsed(cls, ctx) for cls in receiver.data)
        return Value(LIST, ListValue(items))
    if receiver.kind == ARGPARSE and method in ("parse_args", "parse_known_args", "parse_intermixed_args"):
        namespace = Value(NAMESPACE)
        if method == "parse_known_args":
            return Value(LIST, ListValue((namespace, DYNAMIC_VALUE)))
        return namespace
    if receiver.kind in (DICT, LIST) and method in ("keys", "values", "items"):
        return Value(BOUND, (receiver, method))
    return DYNAMIC_VALUE


def _parsed(cls: Value, ctx: FileContext) -> Value:
    """What HfArgumentParser makes of one dataclass: an instance of a class defined here (read
    through its field defaults), or an object."""
    local = ctx.local.get(cls.data) if cls.kind == REF else None
    if local is not None and isinstance(local[0], ast.ClassDef):
        return Value(INSTANCE, class_scope(local[0], local[1]))
    if cls.kind == REF and cls.data.split(".")[0] in ML_ROOTS:
        return Value(OBJECT, f"{cls.data}()")
    return DYNAMIC_VALUE


def _returned(node: ast.FunctionDef | ast.AsyncFunctionDef, where: Scope, depth: int) -> Value:
    """What a function defined in the file returns (the riskiest of its returns), once per function."""
    known = where.ctx.returns.get(id(node))
    if known is not None:
        return known
    where.ctx.returns[id(node)] = DYNAMIC_VALUE  # while it is worked out: a recursive call is unknown
    found = _returns(node, where, depth)
    where.ctx.returns[id(node)] = found
    return found


def _returns(node: ast.FunctionDef | ast.AsyncFunctionDef, where: Scope, depth: int) -> Value:
    inner = function_scope(node, where)
    returns: list[ast.expr] = []
    for stmt in nested_statements(node.body):
        if isinstance(stmt, ast.Return):
            if stmt.value is None:
                return DYNAMIC_VALUE
            returns.append(stmt.value)
    if not returns:
        return DYNAMIC_VALUE
    return merge([evaluate(value, inner, depth + 1) for value in returns])


def _argument_default(scope: Scope, dest: str, depth: int) -> Value:
    """The default of the argparse argument stored in ``dest``, as the file's add_argument calls give it."""
    ctx = scope.ctx
    if ctx.arguments is None:
        ctx.arguments = _argparse_arguments(ctx, scope)
    found = ctx.arguments.get(dest)
    if not found:
        return DYNAMIC_VALUE
    value = merge([DYNAMIC_VALUE if e is None else _default(evaluate(e, s, depth + 1)) for e, s in found])
    if _names_a_folder(dest) and value.kind == STR and "/" not in value.data:
        # --output_dir default="controlnet-model": the folder the script writes, not a hub id
        return Value(PATH, value.data)
    return value


def _argparse_arguments(ctx: FileContext, scope: Scope) -> dict[str, list[tuple[ast.expr | None, Scope]]]:
    """Each add_argument of the file by the attribute it sets, with its default and scope."""
    module: Scope = scope
    while module.parent is not None:
        module = module.parent
    found: dict[str, list[tuple[ast.expr | None, Scope]]] = {}
    if ctx.tree is None:
        return found
    stack: list[tuple[ast.AST, Scope]] = [(stmt, module) for stmt in ctx.tree.body]
    while stack:
        node, where = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = function_scope(node, where)
            stack += [(stmt, inner) for stmt in node.body]
            continue
        if isinstance(node, ast.ClassDef):
            inner = class_scope(node, where)
            stack += [(stmt, inner) for stmt in node.body]
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            dest = keywords.get("dest")
            declared = [
                a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            name = dest.value if isinstance(dest, ast.Constant) else _parameter_name(declared)
            if isinstance(name, str):
                found.setdefault(name, []).append((keywords.get("default"), where))
        stack += [(child, where) for child in ast.iter_child_nodes(node)]
    return found


def _env_default(node: ast.Call, scope: Scope, depth: int) -> Value:
    """os.environ.get("X", default): the default, marked as one (the environment may override it)."""
    default = (
        node.args[1]
        if len(node.args) > 1
        else next((k.value for k in node.keywords if k.arg == "default"), None)
    )
    if default is None:
        return DYNAMIC_VALUE
    name = evaluate(node.args[0], scope, depth + 1) if node.args else DYNAMIC_VALUE
    value = evaluate(default, scope, depth + 1)
    return Value(value.kind, value.data, name.data if name.kind == STR else "?", value.many)


class CallArgs:
    """A call's arguments by position and keyword, with literal ``**dict`` unpacked."""

    def __init__(self, node: ast.Call, scope: Scope) -> None:
        self.scope = scope
        self.positional: list[ast.expr] = []
        self.star_args = False
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.star_args = True
                break
            self.positional.append(arg)
        self.explicit = {k.arg: k for k in node.keywords if k.arg}
        self.keywords: dict[str, tuple[ast.expr, Scope]] = {
            k: (v.value, scope) for k, v in self.explicit.items()
        }
        self.opaque = False  # **something we cannot see into: any keyword may be in it
        for keyword in node.keywords:
            if keyword.arg is None:
                unpacked = evaluate(keyword.value, scope)
                if unpacked.kind == DICT:
                    for name, item in unpacked.data.items.items():
                        self.keywords.setdefault(name, item)
                    self.opaque = self.opaque or unpacked.data.opaque
                else:
                    self.opaque = True

    def expr(self, position: int | None, keywords: tuple[str, ...]) -> tuple[ast.expr, Scope] | None:
        for name in keywords:
            if name in self.keywords:
                return self.keywords[name]
        if position is not None and position < len(self.positional):
            return self.positional[position], self.scope
        return None

    def value(self, position: int | None, keywords: tuple[str, ...]) -> Value | None:
        """The argument's value; None when it is certainly absent, dynamic when it may hide in *args/**kw."""
        found = self.expr(position, keywords)
        if found is not None:
            return evaluate(*found)
        hidden = self.opaque or (position is not None and self.star_args)
        return DYNAMIC_VALUE if hidden else None
