"""What names and expressions of one file stand for, as far as reading it can tell.

Scopes follow Python's rules closely enough for model ids: module, function and class scopes,
imports (absolute, aliased, relative to the file's package, star), assignments, parameters. A name
bound more than once with different values is dynamic; so is anything computed at run time
except string constants, simple f-strings and concatenations, literal dicts, path builders and
environment lookups with a default.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .catalog import HF_LIBRARIES, ROOTS

STR = "str"
BOOL = "bool"
NONE = "none"
OTHER = "other"  # another constant (a number, bytes)
REF = "ref"  # an imported or defined symbol: data is its dotted name
OBJECT = "object"  # what calling a known symbol returns: data is the dotted name called
PATH = "path"  # a local path built with os.path or pathlib
DICT = "dict"  # a literal dict: data is a DictValue
DYNAMIC = "dynamic"
UNBOUND = "unbound"  # a name bound nowhere in the file (a builtin): data is the name

LOCAL_PREFIX = "<local>"
_ML_ROOTS = frozenset(ROOTS) | frozenset(HF_LIBRARIES)
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
_PATH_CALLS = frozenset(
    {
        "os.path.join",
        "os.path.expanduser",
        "os.path.expandvars",
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "os.path.dirname",
        "os.getcwd",
        "os.fspath",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.Path.home",
        "pathlib.Path.cwd",
    }
)
_MAX_DEPTH = 24
# No model id, revision, URL or path is longer (PATH_MAX), so no longer string is taken for one: a
# file doubling a string a few times, or naming a megabyte constant in every call, would otherwise
# have ptm build, and print, gigabytes.
_MAX_TEXT = 4096
# Names a star import is taken not to rebind: model libraries export no `dict` or `str`.
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class DictValue:
    """A dict built literally; ``opaque`` when it also unpacks something unknown."""

    items: dict[str, tuple[ast.expr, Scope]]
    opaque: bool = False


@dataclass(frozen=True)
class Value:
    kind: str
    data: Any = None
    env: str | None = None  # the environment variable this is the default of


DYNAMIC_VALUE = Value(DYNAMIC)
_PATH_VALUE = Value(PATH)


@dataclass(eq=False)
class Scope:
    package: str | None  # the file's package, for relative imports
    parent: Scope | None = None
    is_class: bool = False
    stars: list[str] = field(default_factory=list)  # modules imported with *
    bindings: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    # Each name is resolved once (bindings are complete before any lookup); a name met again while
    # it is being resolved (x = x + "a") is dynamic.
    resolved: dict[str, Value] = field(default_factory=dict)

    def child(self, *, is_class: bool = False) -> Scope:
        # Methods do not see their class's names: their parent is the class's parent.
        parent = self.parent if self.is_class and not is_class else self
        return Scope(self.package, parent, is_class, self.stars)

    def bind(self, name: str, kind: str, data: Any = None) -> None:
        self.bindings.setdefault(name, []).append((kind, data))

    def bind_unknown(self, names: Iterable[str]) -> None:
        for name in names:
            self.bind(name, "unknown")

    def absolute(self, module: str | None, level: int) -> str | None:
        if not level:
            return module
        if not self.package:
            return None
        parts = self.package.split(".")
        if level - 1 > len(parts) - 1:
            return None
        base = ".".join(parts[: len(parts) - (level - 1)])
        return f"{base}.{module}" if module else base


def _target_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def bind_block(statements: Iterable[ast.stmt], scope: Scope) -> None:
    """Record what each statement of a block binds, through compound statements, not nested scopes."""
    for stmt in statements:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    scope.bind(alias.asname, REF, alias.name)
                else:
                    root = alias.name.split(".")[0]
                    scope.bind(root, REF, root)
        elif isinstance(stmt, ast.ImportFrom):
            module = scope.absolute(stmt.module, stmt.level)
            for alias in stmt.names:
                if alias.name == "*":
                    if module:
                        scope.stars.append(module)
                elif module:
                    scope.bind(alias.asname or alias.name, REF, f"{module}.{alias.name}")
                else:
                    scope.bind(alias.asname or alias.name, "unknown")
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                _bind_target(scope, target, stmt.value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                _bind_target(scope, stmt.target, stmt.value)
        elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)):
            scope.bind_unknown(_target_names(stmt.target))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.bind(stmt.name, REF, f"{LOCAL_PREFIX}.{stmt.name}")
        elif isinstance(stmt, ast.ClassDef):
            scope.bind(stmt.name, "class", stmt)
        elif isinstance(stmt, (ast.Global, ast.Nonlocal)):
            scope.bind_unknown(stmt.names)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    scope.bind_unknown(_target_names(item.optional_vars))
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                bind_block(case.body, scope)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for block in ("body", "orelse", "finalbody"):
            bind_block(getattr(stmt, block, ()), scope)
        for handler in getattr(stmt, "handlers", ()):
            if handler.name:
                scope.bind_unknown([handler.name])
            bind_block(handler.body, scope)


def _bind_target(scope: Scope, target: ast.expr, value: ast.expr) -> None:
    if isinstance(target, ast.Name):
        scope.bind(target.id, "expr", value)
    elif (
        isinstance(target, (ast.Tuple, ast.List))
        and isinstance(value, (ast.Tuple, ast.List))
        and len(target.elts) == len(value.elts)
    ):
        for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
            _bind_target(scope, sub_target, sub_value)
    else:
        scope.bind_unknown(_target_names(target))


def bind_parameters(arguments: ast.arguments, scope: Scope) -> None:
    params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    scope.bind_unknown(a.arg for a in params)


def lookup(name: str, scope: Scope, depth: int = 0) -> Value:
    current: Scope | None = scope
    while current is not None:
        if name in current.bindings:
            if name not in current.resolved:
                current.resolved[name] = DYNAMIC_VALUE
                current.resolved[name] = _resolve_bindings(current.bindings[name], current, depth)
            return current.resolved[name]
        current = current.parent
    if scope.stars and name not in _BUILTINS:
        ml = [m for m in scope.stars if m.split(".")[0] in _ML_ROOTS]
        candidates = ml or scope.stars
        return Value(REF, f"{candidates[0]}.{name}") if len(candidates) == 1 else DYNAMIC_VALUE
    return Value(UNBOUND, name)


def _resolve_bindings(bindings: list[tuple[str, Any]], scope: Scope, depth: int) -> Value:
    values = []
    for kind, data in bindings:
        if kind == REF:
            values.append(Value(REF, data))
        elif kind == "class":
            values.append(_class_value(data, scope, depth))
        elif kind == "expr":
            values.append(evaluate(data, scope, depth + 1))
        else:
            return DYNAMIC_VALUE
    # `try: from x import Y / except ImportError: Y = None` binds Y to the import for our purpose.
    if any(v.kind == REF for v in values):
        values = [v for v in values if v.kind != NONE]
    first = values[0]
    return first if all(v == first for v in values) else DYNAMIC_VALUE


def _class_value(node: ast.ClassDef, scope: Scope, depth: int) -> Value:
    """A class defined here is the library class it extends, a Hugging Face one first (its
    from_pretrained is the one inherited, as with ``class Net(nn.Module, PyTorchModelHubMixin)``)."""
    bases = [evaluate(base, scope, depth + 1) for base in node.bases]
    refs = [b for b in bases if b.kind == REF]
    for roots in (HF_LIBRARIES, _ML_ROOTS):
        for base in refs:
            if base.data.split(".")[0] in roots:
                return base
    return Value(REF, f"{LOCAL_PREFIX}.{node.name}")


def source_text(node: ast.AST, limit: int | None = None) -> str:
    """The node as written, cut to ``limit`` characters for a message; "..." when ast.unparse
    refuses (an int past Python's digit limit: a long hex literal is valid source)."""
    try:
        text = ast.unparse(node)
    except ValueError:
        return "..."
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


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
        return lookup(node.id, scope, depth)
    if isinstance(node, ast.Attribute):
        base = evaluate(node.value, scope, depth + 1)
        if base.kind in (REF, OBJECT):
            return Value(base.kind, f"{base.data}.{node.attr}")
        return _PATH_VALUE if base.kind == PATH else DYNAMIC_VALUE
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
                return Value(STR, left.data + right.data, left.env or right.env)
        return DYNAMIC_VALUE
    if isinstance(node, ast.Dict):
        return _dict(zip(node.keys, node.values, strict=True), scope, depth)
    if isinstance(node, ast.Subscript):
        container = evaluate(node.value, scope, depth + 1)
        key = evaluate(node.slice, scope, depth + 1)
        if container.kind == DICT and key.kind == STR and key.data in container.data.items:
            item, item_scope = container.data.items[key.data]
            return evaluate(item, item_scope, depth + 1)
        return DYNAMIC_VALUE
    if isinstance(node, ast.IfExp):
        body, orelse = evaluate(node.body, scope, depth + 1), evaluate(node.orelse, scope, depth + 1)
        return body if body == orelse else DYNAMIC_VALUE
    return DYNAMIC_VALUE


def _text(value: object) -> str | None:
    """str(value), None when Python refuses (an int past its digit limit: a long hex literal is
    valid source)."""
    try:
        return str(value)
    except ValueError:
        return None


def _fstring(node: ast.JoinedStr, scope: Scope, depth: int) -> Value:
    text, env, size = [], None, 0
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
            env = env or value.env
        if piece is None or (size := size + len(piece)) > _MAX_TEXT:
            return DYNAMIC_VALUE
        text.append(piece)
    return Value(STR, "".join(text), env)


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


def _call_value(node: ast.Call, scope: Scope, depth: int) -> Value:
    func = evaluate(node.func, scope, depth + 1)
    if func.kind == PATH:  # Path(...).joinpath(...), .resolve(), .expanduser()
        return _PATH_VALUE
    if func.kind == UNBOUND:
        if func.data == "dict":
            pairs = [(ast.Constant(k.arg) if k.arg else None, k.value) for k in node.keywords]
            return _dict(pairs, scope, depth) if not node.args else DYNAMIC_VALUE
        if func.data == "str" and len(node.args) == 1:
            inner = evaluate(node.args[0], scope, depth + 1)
            return inner if inner.kind in (STR, PATH) else DYNAMIC_VALUE
        return DYNAMIC_VALUE
    if func.kind in (REF, OBJECT):
        if func.data in _ENV_GETTERS:
            return _env_default(node, scope, depth)
        if func.data in _PATH_CALLS:
            return _PATH_VALUE
        if func.data.split(".")[0] in _ML_ROOTS:  # a model, a client: calling it again is not the load
            return Value(OBJECT, f"{func.data}()")
    return DYNAMIC_VALUE


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
    return Value(value.kind, value.data, name.data if name.kind == STR else "?")


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
