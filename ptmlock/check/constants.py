"""Constants a file imports from the project's other modules (``from .config import MODEL_ID``),
read from those modules' files when a load's argument names one.

Scanning is per file and may run in worker processes, so nothing is collected ahead: a module is
found on disk (next to the importing file's top package, next to the file, or at the project root),
parsed once per process, and only its names that a load reads are worked out. A file that imports
nothing of the project costs nothing more.
"""

from __future__ import annotations

import functools
import os
import re

from .files import python_files_below, read_source, relative_below
from .loads import Uncheckable
from .values import (
    BOOL,
    DICT,
    LIST,
    NONE,
    OTHER,
    PATH,
    STR,
    FileContext,
    ResolveRef,
    Scope,
    Value,
    bind_block,
    lookup,
    token_lines,
)

_CONSTANTS = frozenset({STR, BOOL, NONE, OTHER, DICT, LIST, PATH})
IMPORTED_ROOT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+(\w+)", re.MULTILINE)  # the top name of an import
# A script adding a folder to sys.path at run time (sys.path.append(args.clip_path)) before importing.
_EXTENDS_SYS_PATH = re.compile(rb"\bsys\.path\.(?:append|insert|extend)\(")
# Past this many modules on one chain of imports (a imports b imports c...), a name is unknown.
_MAX_CHAIN = 8


class ProjectModules:
    """The project's modules, read on demand and kept: each file's module scope, or None when it
    cannot be read or parsed."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.modules: dict[str, Scope | None] = {}
        self.busy: set[str] = set()  # names being resolved: an import cycle ends in "unknown"

    def resolver(self, path: str, package: str | None) -> ResolveRef:
        """How a file at ``path`` reads the constants it imports; where it looks is worked out when it
        first reads one (most files read none, and import_bases may read the file)."""
        bases = functools.cache(functools.partial(import_bases, path, package, self.root))
        return lambda name: self.value(name, bases())

    def value(self, name: str, bases: tuple[str, ...]) -> Value | None:
        """The constant ``name`` (module.NAME, dotted) stands for, if a module of the project defines one."""
        if name in self.busy or len(self.busy) >= _MAX_CHAIN:
            return None
        parts = name.split(".")
        if len(parts) < 2:
            return None
        module = find_module(tuple(parts[:-1]), bases, self.root)
        if module is None:
            return None
        scope = self._scope(module)
        if scope is None or parts[-1] not in scope.bindings:
            return None
        self.busy.add(name)
        try:
            found = lookup(parts[-1], scope)
        finally:
            self.busy.discard(name)
        return found if found.kind in _CONSTANTS else None

    def top_level(self, path: str) -> frozenset[str]:
        """The functions and classes a module of the project defines at its top level, and for a
        package's ``__init__``, the names it imports (``from .base import BaseRetriever``): what a
        star import of it gives."""
        scope = self._scope(path)
        if scope is None:
            return frozenset()
        package = os.path.basename(path) == "__init__.py"
        kinds = ("function", "class", "ref") if package else ("function", "class")
        return frozenset(
            name for name, found in scope.bindings.items() if any(kind in kinds for kind, _, _, _ in found)
        )

    def _scope(self, path: str) -> Scope | None:
        if path in self.modules:
            return self.modules[path]
        from .scanner import package_of, parse  # the scanner imports this module when it scans

        scope: Scope | None = None
        try:
            source = read_source(path, self.root)
            tree = parse(source, path)
        except Uncheckable:
            pass
        else:
            package = package_of(path)
            ctx = FileContext(tree, source=source, walrus=token_lines(source, b":="), tracing=True)
            scope = ctx.module = Scope(package, body=tree.body, ctx=ctx)
            ctx.resolve_ref = self.resolver(path, package)
            bind_block(tree.body, scope)
        self.modules[path] = scope
        return scope


def import_bases(path: str, package: str | None, root: str) -> tuple[str, ...]:
    """Where an importing file's absolute imports are looked for: the folder above its top package,
    its own folder (a script's imports), the project root and its ``src/`` (a src-layout package,
    importable once installed: ``scripts/run.py`` importing ``src/pkg``)."""
    folder = os.path.dirname(os.path.abspath(path))
    top = folder
    for _ in (package or "").split(".") if package else ():
        top = os.path.dirname(top)
    bases = tuple(dict.fromkeys((top, folder, root, os.path.join(root, "src"))))
    return bases + _sys_path_bases(path, bases, root)


@functools.lru_cache(maxsize=1 << 12)
def _sys_path_bases(path: str, bases: tuple[str, ...], root: str) -> tuple[str, ...]:
    """For a file that adds folders to ``sys.path`` at run time (``sys.path.append(args.clip_path)``,
    then ``from clip import CLIP``), the folders of the project's modules it imports by top-level
    names no usual base holds: the module of that name nearest the file (none where several are as
    near: ``image_captioning/clip`` for ``image_captioning/run.py`` beside ``story/clip``)."""
    try:
        source = read_source(path, root)
    except Uncheckable:
        return ()
    if not _EXTENDS_SYS_PATH.search(source):
        return ()
    index = _modules_by_name(root)
    folder = os.path.dirname(os.path.abspath(path))
    found = []
    for name in sorted({m.decode() for m in IMPORTED_ROOT.findall(source)}):
        places = index.get(name, ())
        if not places or find_module((name,), bases, root) is not None:
            continue
        shared = [len(os.path.commonpath([folder, os.path.abspath(place)])) for place in places]
        nearest = [place for place, length in zip(places, shared, strict=True) if length == max(shared)]
        if len(nearest) == 1:
            found.append(nearest[0])
    return tuple(dict.fromkeys(found))


@functools.lru_cache(maxsize=16)
def _modules_by_name(root: str) -> dict[str, tuple[str, ...]]:
    """The folders holding a module of each name (``name.py``, or a package ``name/``) in the project."""
    found: dict[str, list[str]] = {}
    for file in python_files_below(root):
        place, name = os.path.split(file)
        if name == "__init__.py":  # a package: its folder's name, found in the folder above
            place, name = os.path.split(place)
        else:
            name = name.removesuffix(".py")
        found.setdefault(name, []).append(place)
    return {name: tuple(dict.fromkeys(places)) for name, places in found.items()}


# Keyed by the importing file's bases too: a big tree (diffusers' src) asks tens of thousands.
@functools.lru_cache(maxsize=1 << 16)
def find_module(module: tuple[str, ...], bases: tuple[str, ...], root: str) -> str | None:
    """The file of a module inside the project (a symlink out of it is not followed)."""
    for base in bases:
        for candidate in (os.path.join(base, *module) + ".py", os.path.join(base, *module, "__init__.py")):
            if os.path.isfile(candidate) and relative_below(os.path.realpath(candidate), root) is not None:
                return candidate
    return None


@functools.lru_cache(maxsize=16)
def project_modules(root: str) -> ProjectModules:
    """One reader of the project's modules per process and root."""
    return ProjectModules(root)


def forget_modules() -> None:
    """Read the project's modules afresh: one process may check a tree again after it changed."""
    project_modules.cache_clear()
    find_module.cache_clear()
    _sys_path_bases.cache_clear()
    _modules_by_name.cache_clear()
