"""infer(): the models a tree loads, the edges between them and how each was adapted, read from the
source as `ptm check` reads it (the same files, the same scanner), never imported or run.

Only files that load a model are parsed again and followed; a name one of them imports from another
module of the project (``from .models import encoder``, ``from .models import load_encoder``) holds
what that module's name holds, when that module loads models too.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from pathlib import Path

from ..check import values
from ..check.constants import IMPORTED_ROOT, find_module, import_bases, project_modules
from ..check.files import collect, read_source, relative_below
from ..check.loads import FileScan, Load, Uncheckable
from ..check.runner import scan_files
from ..check.scanner import package_of, parse
from ..check.values import LOCAL_PREFIX, REF, Scope, absolute_module
from . import Inference, InferredAdaptation, InferredEdge
from .adaptations import find_adaptations
from .bindings import (
    DATA_FILE_NAME,
    DATA_FILE_SERIES_NAME,
    IMAGE_FOLDERS,
    NOTHING,
    Callers,
    CallSite,
    ClassFound,
    Followed,
    Held,
    Imported,
    ImportedClass,
    ImportedInputs,
    ImportedRuns,
    Inputs,
    ModelBindings,
    StarNames,
    SubclassCalls,
    alternative_imports,
    branch_tests,
    method_named,
    never_reads_self,
)
from .edges import find_edges

_NOTHING_MATCHES = re.compile(rb"(?!)")
_FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import\b", re.MULTILINE)
# A string literal ending with a data file's name: its name.
_DATA_FILE_LITERAL = re.compile(rf"""[/'"]({DATA_FILE_NAME})['"]""".encode())
# f"noisy_latents_{t}.pt", f'{dir}/noisy_latents_{noisest}.pt': the series' name and extension around a hole
_DATA_FILE_SERIES_LITERAL = re.compile(rb"""[/'"{}]([\w-]*[a-zA-Z][\w-]*)\{[^{}'"]*\}([\w-]*\.\w+)['"]""")
_IMPORT = re.compile(rb"^[ \t]*import[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)", re.MULTILINE)
# from m import a, b / from m import (\n a,\n b,\n): the module and the names, over several lines too
_FROM_IMPORT_NAMES = re.compile(
    rb"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(?:\(([^)]*)\)|([\w, \t]+))", re.MULTILINE
)
_MAIN_GUARD = re.compile(rb"^if[ \t]+__name__[ \t]*==[ \t]*['\"]__main__['\"]", re.MULTILINE)
# Files that make a folder a project of its own (its dependencies, its packaging).
PROJECT_FILE = re.compile(r"requirements[\w.-]*\.txt|setup\.py|setup\.cfg|pyproject\.toml|environment\.ya?ml")
_MAX_NAMING_ROUNDS = 3  # modules deep a function returning another module's models is followed
_MAX_REEXPORTS = 3  # package __init__ files a callee's import is followed through
_MAX_SUBCLASS_CALLS = 12  # self.method(...) calls of other modules' subclasses read for a base class's method
# The strongest handoff mode an edge seen several times keeps.
_MODE_RANK = {"hierarchical": 0, "parallel": 1, "sequential": 2, None: 3}


class _Project:
    """The files of the tree that load models, each parsed and bound once, on demand."""

    def __init__(self, root: Path, loads: dict[str, list[Load]], paths: Sequence[str] = ()) -> None:
        self.root = os.path.realpath(root)
        self.loads = loads  # by real path
        self.paths = paths  # every file of the tree, in order: see files_written
        self._sources: dict[str, bytes] = {}
        self.data_files: dict[str, list[tuple[str, Held]]] | None = None  # see read_data_files
        self._data_readers: dict[str, set[str]] = {}  # by data file name: the files reading it
        self._imported: set[str] | None = None  # the files another file of the tree imports: see _scripts
        self._shared: dict[str, list[str]] | None = None  # see _shared_data_files
        self._storing: set[tuple[str, str]] = set()  # see stored_elsewhere
        self._stores_spelled: dict[str, list[str]] = {}  # see _storing_into
        self.bindings: dict[str, tuple[ast.Module, ModelBindings] | None] = {}
        # the bound files' calls by callee name, grown as files are bound (see _callers_of)
        self._calls_by_name: dict[str, list[tuple[str, ModelBindings, CallSite]]] | None = None
        self._real: dict[str, str] = {}  # os.path.realpath, once per path
        self._roots: dict[str, str] = {}  # a folder's project root, see _project_root
        self._branches: dict[str, dict[int, frozenset[tuple[str, bool]]]] = {}  # see exclusive
        self._ignoring: dict[str, bool] = {}  # see ignores_instance
        self._subclass_calls_found: dict[tuple[int, str], list[tuple[ModelBindings, ast.Call, Scope]]] = {}
        self._derived_classes: dict[int, list[ClassFound]] = {}  # see _subclasses
        self.busy: set[str] = set()
        # The names of models other modules may import: see name_models, which must run first.
        self._exported: re.Pattern[bytes] = _NOTHING_MATCHES
        self._naming = False
        self._classes: re.Pattern[bytes] | None = None  # the classes that load, see _loading_classes
        self.busy_classes: set[tuple[str, str]] = set()
        self.busy_paths: set[str] = set()  # files being bound
        self.reexporting: dict[str, bool] = {}  # package __init__ files, see reexports_models
        self.tried_as_imported: set[str] = set()  # files bound (or not) as another module imports from them

    def bound(
        self, path: str, *, given_models: bool = False, imported_from: bool = False
    ) -> tuple[ast.Module, ModelBindings] | None:
        """A file parsed and bound: one that loads models or imports them, (``given_models``) one whose
        class another module constructs with models, or (``imported_from``: another module imports
        names from it) a package's ``__init__`` re-exporting models."""
        real = self._real_path(path)
        retry = given_models or (imported_from and real not in self.tried_as_imported)
        cached = self.bindings.get(real)
        if real in self.bindings and (cached is not None or not retry or real in self.busy_paths):
            return cached
        if imported_from:
            self.tried_as_imported.add(real)
        self.bindings[real] = None  # while it is bound: an import cycle finds nothing
        self.busy_paths.add(real)
        found = None
        loads = self.loads.get(real, [])
        try:
            source = read_source(path, self.root)
            if (
                loads
                or given_models
                or (imported_from and self.reexports_models(path, source))
                or self.imports_models(source)
            ):
                tree = parse(source, path)
                found = (
                    tree,
                    ModelBindings(
                        tree,
                        source,
                        path,
                        loads,
                        *self._imported_by(path),
                        files_written=self.files_written,
                        stored_elsewhere=self.stored_elsewhere,
                        repo_elsewhere=self.repo_of,
                        subclass_calls=self._subclass_calls(real),
                        subclasses=self._subclasses,
                        shadowed_libraries=self._shadowed_libraries(path, source),
                        ignores_instance=self.ignores_instance,
                    ),
                )
        except (Uncheckable, RecursionError):
            pass  # ptm check reports a file it cannot read; one too deeply nested to follow adds nothing
        self.bindings[real] = found
        if found is not None and self._calls_by_name is not None:
            self._index_calls(real, found[1])
        self.busy_paths.discard(real)
        return found

    def repo_of(self, load: Load) -> tuple[str | None, str | None]:
        """Which repo (and subfolder, or file) a load of any file reads: see ModelBindings.repo_of; of
        one known only at run time, none (the expressions naming two in two files say nothing)."""
        repo = load.pin.repo or load.pin.model
        bound = self.bindings.get(self._real_path(load.path))
        if repo is None or bound is None or load not in bound[1].calls:
            return repo, None
        return bound[1].repo_of(load)

    def files_written(self, name: str, reader: str, depth: int) -> Held:
        """What the other files of the tree write to a data file of that name (see
        read_data_files): a script generating ``gen_table.jsonl`` hands its outputs to one reading
        it. (A file reading what it writes itself: ModelBindings._saved_to.)"""
        reader = self._real_path(reader)
        found = NOTHING
        for path, held in (self.data_files or {}).get(name, ()):
            if path != reader and self._one_project(path, reader):
                found |= held
        return found

    def stored_elsewhere(self, path: str, name: str, depth: int) -> Held:
        """What the other files of the tree store into a module's name (``import models;
        models.model_dict = models.load_sd()`` in the main script, for ``from models import
        model_dict`` elsewhere), through a package re-exporting the module too."""
        real = self._real_path(path)
        if (real, name) in self._storing:
            return NOTHING
        self._storing.add((real, name))
        try:
            found = NOTHING
            for other in self._storing_into(name):
                if self._real_path(other) == real:
                    continue
                bound = self.bound(other)
                if bound is None:
                    continue
                bases = import_bases(other, package_of(other), self.root)
                for dotted, value, scope in bound[1].module_stores(name):
                    module = find_module(tuple(dotted.split(".")), bases, self.root)
                    if module is not None and self._names_module(module, real):
                        found |= bound[1].held(value, scope, depth + 1)
            return found
        finally:
            self._storing.discard((real, name))

    def _storing_into(self, name: str) -> list[str]:
        """The files of the tree spelling a store into an attribute of that name (``x.name = ...``)."""
        known = self._stores_spelled.get(name)
        if known is None:
            spelled = re.compile(rb"\.\s*" + re.escape(name.encode()) + rb"\s*=(?!=)")
            known = self._stores_spelled[name] = [
                path for path in self.paths if spelled.search(self._source(path)) is not None
            ]
        return known

    def _names_module(self, module: str, real: str) -> bool:
        """Whether an imported module is that file, or a package holding it (re-exporting it)."""
        found = self._real_path(module)
        if found == real:
            return True
        return os.path.basename(found) == "__init__.py" and real.startswith(os.path.dirname(found) + os.sep)

    def _one_project(self, first: str, second: str) -> bool:
        """Whether two files are of one project of the tree: the nearest folder above each that declares
        a project (its own requirements or packaging file) is the same. A repository of several
        projects reuses file names (``gen_table.jsonl`` in lm-watermarking's experiments/ and
        watermark_reliability_release/); one project's stages keep theirs in folders of their own
        (geneval's generation/ and evaluation/)."""
        return self._project_root(os.path.dirname(first)) == self._project_root(os.path.dirname(second))

    def _project_root(self, folder: str) -> str:
        """The nearest folder from ``folder`` up to the tree's root holding a project file, else the root."""
        known = self._roots.get(folder)
        if known is None:
            real = self._real_path(folder)
            if real == self.root or not real.startswith(self.root + os.sep):
                known = self.root
            else:
                try:
                    names = os.listdir(real)
                except OSError:
                    names = []
                declares = any(PROJECT_FILE.fullmatch(name) for name in names)
                known = real if declares else self._project_root(os.path.dirname(real))
            self._roots[folder] = known
        return known

    def read_data_files(self) -> None:
        """Once every file is bound: what each file writes to the data files whose names two or more
        files spell, worked out while no file reads another's (no cycle through files); then, in the
        files spelling one that holds a model's output, what expressions hold is worked out again."""
        written: dict[str, list[tuple[str, Held]]] = {}
        for name, paths in self._shared_data_files().items():
            for path in paths:
                bound = self.bindings.get(self._real_path(path))
                held = bound[1].written_file(name, 0) if bound is not None else NOTHING
                if held.derived:
                    written.setdefault(name, []).append((self._real_path(path), held))
        bound_files = sorted((path, found[1]) for path, found in self.bindings.items() if found is not None)
        for path, bindings in bound_files:  # images generated into a folder (IMAGE_FOLDERS)
            held = bindings.written_file(IMAGE_FOLDERS, 0)
            if held.derived:
                written.setdefault(IMAGE_FOLDERS, []).append((path, held))
        self.data_files = written
        image_readers = [path for path, bindings in bound_files if bindings.reads_image_folders()]
        shared = {**self._shared_data_files(), IMAGE_FOLDERS: image_readers}
        readers = {
            self._real_path(path)
            for name, writers in written.items()
            for path in shared[name]
            if any(
                writer != self._real_path(path) and self._one_project(writer, path) for writer, _ in writers
            )
        }
        self._data_readers = {name: {self._real_path(path) for path in shared[name]} for name in written}
        for path in sorted(readers):  # a file that may read what another writes
            bound = self.bindings.get(path)
            if bound is not None:
                bound[1].forget()

    def _shared_data_files(self) -> dict[str, list[str]]:
        """The data file names string literals of two or more files of the tree end with, and those
        files: where one script may hand data to another."""
        if self._shared is None:
            spelling: dict[str, list[str]] = {}
            for path in self.paths:
                source = self._source(path)
                series = {b"%s{}%s" % found for found in _DATA_FILE_SERIES_LITERAL.findall(source)}
                names = {n.decode() for n in {*_DATA_FILE_LITERAL.findall(source), *series}}
                for name in sorted(n for n in names if "{}" not in n or DATA_FILE_SERIES_NAME.fullmatch(n)):
                    spelling.setdefault(name, []).append(path)
            self._shared = {name: paths for name, paths in spelling.items() if len(paths) > 1}
        return self._shared

    def _source(self, path: str) -> bytes:
        if path not in self._sources:
            try:
                self._sources[path] = read_source(path, self.root)
            except Uncheckable:
                self._sources[path] = b""
        return self._sources[path]

    def reexports_models(self, path: str, source: bytes) -> bool:
        """Whether a package's ``__init__`` imports from a module of the project that loads models, or
        from an ``__init__`` that does in turn (``from .encoder import build_encoder``): its importers
        may take a model through it. Told from import lines, before any name of a model is known."""
        if os.path.basename(path) != "__init__.py":
            return False
        real = self._real_path(path)
        known = self.reexporting.get(real)
        if known is not None:
            return known
        self.reexporting[real] = False  # while it is read: an import cycle leads nowhere new
        package = package_of(path)
        bases = import_bases(path, package, self.root)
        for dots, dotted in _FROM_IMPORT.findall(source):
            module = absolute_module(package, dotted.decode() or None, len(dots))
            found = find_module(tuple(module.split(".")), bases, self.root) if module else None
            if found is None:
                continue
            if self._real_path(found) in self.loads or self._reexports(found):
                self.reexporting[real] = True
                break
        return self.reexporting[real]

    def _reexports(self, path: str) -> bool:
        try:
            return self.reexports_models(path, read_source(path, self.root))
        except Uncheckable:
            return False

    def name_models(self) -> None:
        """Read the module-level names that hold or return a model in the modules that load one,
        first: binding those modules follows what they import, through re-exporting ``__init__``
        files too, while no other file is half bound."""
        self._naming = True
        try:
            names = {name for path in self.loads for name in self._model_names(path)}
            self._exported = _words(names)
            named = set(self.loads)
            for _ in range(_MAX_NAMING_ROUNDS):  # get_bundle() building a loading class's instances
                importing = [
                    path
                    for path in self.paths
                    if self._real_path(path) not in named and self._may_import_models(path)
                ]
                named |= {self._real_path(path) for path in importing}
                more = {name for path in importing for name in self._model_names(path)} - names
                if not more:
                    break
                names |= more
                self._exported = _words(names)
        finally:
            self._naming = False

    def _may_import_models(self, path: str) -> bool:
        """Whether a file names a model-holding name or a loading class of another module."""
        source = self._source(path)
        return bool(self._exported.search(source) or self._loading_classes().search(source))

    def forget_worked_out(self) -> None:
        """Once every file is bound, drop what was worked out while some were not: a parameter read
        before the module calling its function was bound (``get_relevant_documents(..., bundle)``,
        called where only the naming of ``get_bundle``'s models binds) holds what those calls give."""
        for bound in self.bindings.values():
            if bound is not None:
                bound[1].forget()

    def imports_models(self, source: bytes) -> bool:
        """Whether a file may import a model from a module that loads one: it names one of the
        module-level names (variables, functions) that hold or return a model there."""
        if b"import" not in source:
            return False
        if self._naming:  # a module a loading module imports from, while no names are known yet
            return True
        if self._exported.search(source) is not None:
            return True
        # one building an instance of a class of another module whose methods load its models
        # (generator = CLIPTextGenerator(**vars(args))), or joining such workers by queues
        return self._loading_classes().search(source) is not None

    def _loading_classes(self) -> re.Pattern[bytes]:
        """The module-level classes of the modules that load models whose bodies load one."""
        if self._classes is None:
            names = set()
            for path in self.loads:
                bound = self.bound(path)
                if bound is None:
                    continue
                lines = [load.line for load in bound[1].models]
                names |= {
                    node.name
                    for node in bound[0].body
                    if isinstance(node, ast.ClassDef)
                    and any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in lines)
                }
            self._classes = _words(names)
        return self._classes

    def _model_names(self, path: str) -> set[str]:
        bound = self.bound(path)
        if bound is None:
            return set()
        bindings = bound[1]
        return {
            name
            for name, found in bindings.module.bindings.items()
            if (
                any(kind in ("expr", "item") for kind, _, _, _ in found)
                and bindings.exported(name, called=False).models
            )
            or (
                any(kind in ("expr", "item", "function") for kind, _, _, _ in found)
                and bindings.exported(name, called=True).models
            )
        }

    def _imported_by(
        self, path: str
    ) -> tuple[Imported, ImportedRuns, Callers, ImportedClass, ImportedInputs, StarNames]:
        """What ``ModelBindings`` reads in other modules for a file: what a name it imports from another
        module of the project holds, the models a function imported from one runs on its arguments,
        the calls of its own classes and functions elsewhere, the class a base class it imports names,
        and which parameters of an imported function reach the models it runs."""
        bases = import_bases(path, package_of(path), self.root)

        def bound_module(dotted: str, *, given_models: bool = False) -> ModelBindings | None:
            parts = tuple(dotted.split("."))
            module = find_module(parts[:-1], bases, self.root) if len(parts) > 1 else None
            other = None
            if module is not None:
                other = self.bound(module, given_models=given_models, imported_from=True)
            return other[1] if other is not None else None

        def imported(dotted: str, called: bool, depth: int, at: Followed | None) -> Held:
            # module.* is any function of the module (getattr(rewards, config.reward_fn)())
            every = dotted.endswith(".*")
            other = bound_module(dotted, given_models=every) if dotted not in self.busy else None
            if other is None:
                return NOTHING
            self.busy.add(dotted)
            try:
                if every:
                    return other.any_function(called, depth)
                return other.exported(dotted.rsplit(".", 1)[-1], called, depth, at)
            finally:
                self.busy.discard(dotted)

        def runs(dotted: str, at: Followed | None) -> frozenset[Load]:
            other = bound_module(dotted)
            return (
                other.runs_on_arguments(dotted.rsplit(".", 1)[-1], at) if other is not None else frozenset()
            )

        def inputs(dotted: str) -> Inputs | None:
            other = bound_module(dotted)
            return other.inputs_of(dotted.rsplit(".", 1)[-1]) if other is not None else None

        def star_names(stars: Sequence[str]) -> dict[str, str]:
            found: dict[str, str] = {}
            for star in stars:
                module = find_module(tuple(star.split(".")), bases, self.root)
                for name in project_modules(self.root).top_level(module) if module is not None else ():
                    found.setdefault(name, star)
            return found

        return imported, runs, self._callers_of(path), self._classes_for(path), inputs, star_names

    def _classes_for(self, path: str) -> ImportedClass:
        """The module-level class of another module of the project a name a file imports names
        (a base class of one of its classes)."""
        bases = import_bases(path, package_of(path), self.root)

        def imported_class(dotted: str, hops: int = 0) -> ClassFound | None:
            parts = tuple(dotted.split("."))
            module = find_module(parts[:-1], bases, self.root) if len(parts) > 1 else None
            bound = self.bound(module, given_models=True) if module is not None else None
            if bound is None or module is None:
                return None
            bindings = bound[1]
            for kind, data, _, _ in bindings.module.bindings.get(parts[-1], ()):
                if kind == "class":
                    return bindings, data, bindings.module
                if kind == REF and hops < _MAX_REEXPORTS and os.path.basename(module) == "__init__.py":
                    return imported_class(data, hops + 1)  # from .base import BaseRetriever in a package
            return None

        return imported_class

    def _callers_of(self, path: str) -> Callers:
        """The calls of a class or function of ``path`` in the other bound modules that import it by
        name."""
        real = self._real_path(path)

        def callers(name: str) -> list[tuple[ModelBindings, CallSite]]:
            if (real, name) in self.busy_classes:
                return []
            self.busy_classes.add((real, name))
            try:
                return [
                    (other, site)
                    for other_path, other, site in self._calls_named(name)
                    if other_path != real and self._names(other_path, site, real)
                ]
            finally:
                self.busy_classes.discard((real, name))

        return callers

    def exclusive(self, first: Load, second: Load) -> bool:
        """Whether two loads of one file are built in opposite branches of one test (``if
        args.light_mode:`` ... ``else:`` ..., written again for each model): one configuration's model
        never meets the other's."""
        path = self._real_path(first.path)
        bound = self.bindings.get(path)
        if bound is None or path != self._real_path(second.path):
            return False
        if path not in self._branches:
            self._branches[path] = branch_tests(bound[0])
        tests = self._branches[path]
        return any(
            (test, not taken) in tests.get(second.line, ()) for test, taken in tests.get(first.line, ())
        )

    def apart(self, first: Load, second: Load) -> bool:
        """Whether two loads never meet: made by two scripts of the tree (files with a ``__main__`` block
        that no file imports), each run as its own process, when no data file one writes is read by the
        other (a class of a shared module given one script's model and the other's does not mix them),
        or by two functions of one file that keep what they build."""
        paths = self._real_path(first.path), self._real_path(second.path)
        if paths[0] == paths[1]:
            return self._apart_in_file(first, second)
        if not all(self._script(path) for path in paths):
            return False
        return not any(
            writer in paths and readers & set(paths) - {writer}
            for name, writers in (self.data_files or {}).items()
            for writer, _ in writers
            for readers in [self._data_readers.get(name, set())]
        )

    def never_made(self, load: Load) -> bool:
        """Whether a load stands in a branch of ``if flag:`` (or ``if not flag:``) that never runs: the
        file sets ``flag`` once, at the top, to a constant (``use_blip = False``), or the branch is of a
        function every call of which passes a constant that rules it out."""
        path = self._real_path(load.path)
        bound = self.bindings.get(path)
        if bound is None:
            return False
        if bound[1].never_called(load):
            return True
        if path not in self._branches:
            self._branches[path] = branch_tests(bound[0])
        for test, taken in self._branches[path].get(load.line, ()):
            negated = test.startswith("not ")
            constant = _module_constant(bound[1].module, test.removeprefix("not ").strip())
            if constant is not None and (bool(constant[0]) != negated) != taken:
                return True
        return False

    def _apart_in_file(self, first: Load, second: Load) -> bool:
        """Whether two loads of one file are made in two of its functions that keep what they make
        and never call one another (two test functions, each building its own models)."""
        one, other = self._closed_function(first), self._closed_function(second)
        if one is None or other is None or one is other:
            return False
        names = [{n.id for n in ast.walk(f) if isinstance(n, ast.Name)} for f in (one, other)]
        return other.name not in names[0] and one.name not in names[1]

    def _closed_function(self, load: Load) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The module-level function of the file a load is made in when nothing leaves it: no value is
        returned or yielded, no global set (``def test_detection(): model = ...``: each such function
        builds its own models)."""
        bound = self.bindings.get(self._real_path(load.path))
        if bound is None:
            return None
        for function in bound[0].body:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not function.lineno <= load.line <= (function.end_lineno or function.lineno):
                continue
            leaves = any(
                isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom))
                or (isinstance(node, ast.Return) and node.value is not None)
                for node in ast.walk(function)
            )
            return None if leaves else function
        return None

    def _script(self, path: str) -> bool:
        """Whether a file runs as a script of its own: it has a ``__main__`` block, and no file of the
        tree imports it."""
        if self._imported is None:
            self._imported = set()
            for importer in self.paths:
                self._imported |= self._imports_of(importer)
        return path not in self._imported and bool(_MAIN_GUARD.search(self._source(path)))

    def _imports_of(self, path: str) -> set[str]:
        """The files of the tree a file imports (``import a.b``, ``from .a import b`` as ``a`` or the
        module ``a.b``)."""
        source = self._source(path)
        package = package_of(path)
        bases = import_bases(path, package, self.root)
        dotted: list[str] = []
        for names in _IMPORT.findall(source):
            dotted += [name.strip().decode() for name in names.split(b",")]
        for dots, module, grouped, names in _FROM_IMPORT_NAMES.findall(source):
            base = absolute_module(package, module.decode() or None, len(dots))
            if base:
                dotted.append(base)
                listed = re.sub(r"#[^\n]*", "", (grouped or names).decode())  # a, b as c,  # comment
                for name in listed.split(","):
                    imported = name.split(" as ")[0].strip()
                    if imported.isidentifier():
                        dotted.append(f"{base}.{imported}")
        found = set()
        for name in dotted:
            module_path = find_module(tuple(name.split(".")), bases, self.root)
            if module_path is not None:
                found.add(self._real_path(module_path))
        found.discard(self._real_path(path))
        return found

    def _shadowed_libraries(self, path: str, source: bytes) -> frozenset[str]:
        """The ML libraries a file imports by a name a module file of the project takes (``from clip
        import clip_classification`` beside a ``clip.py``): that module is imported, not the library. A
        package of that name is the library's own source (a checkout of diffusers), read as a library."""
        imported = {m.decode() for m in IMPORTED_ROOT.findall(source)} & values.ML_ROOTS
        if not imported:
            return frozenset()
        bases = import_bases(path, package_of(path), self.root)
        found = {r: find_module((r,), bases, self.root) for r in sorted(imported)}
        return frozenset(r for r, module in found.items() if module and not module.endswith("__init__.py"))

    def _subclass_calls(self, path: str) -> SubclassCalls:
        """The ``self.method(...)`` calls in the other bound modules' subclasses of a class of ``path``
        (``BLIPCaptioner(BaseCaptioner)`` calling ``self.filter_caption(image, caption)``)."""

        def calls(base: ast.ClassDef, method: str) -> list[tuple[ModelBindings, ast.Call, Scope]]:
            key = (id(base), method)
            known = self._subclass_calls_found.get(key)
            if known is None:
                known = [
                    call
                    for other_path, bound in sorted(self.bindings.items(), key=lambda item: item[0])
                    if bound is not None and other_path != path
                    for call in bound[1].self_calls_in_subclasses(base, method)
                ]
                # a base class of a library's many subclasses (a pipeline's, a model's): read no further
                known = self._subclass_calls_found[key] = known if len(known) <= _MAX_SUBCLASS_CALLS else []
            return known

        return calls

    def ignores_instance(self, method: str) -> bool:
        """Whether the project defines methods of that name in one file alone, and none of them reads
        the instance it runs on (``dump_transcriptions(self, rows)`` writing its rows to a file):
        calling one on an object holding models runs none of them."""
        known = self._ignoring.get(method)
        if known is None:
            known = self._ignores_instance(method)
            if known is not None:  # a file not bound yet is asked again later
                self._ignoring[method] = known
        return bool(known)

    def _ignores_instance(self, method: str) -> bool | None:
        if method.startswith("__"):
            return False
        defining = re.compile(rb"\bdef\s+" + re.escape(method.encode()) + rb"\s*\(")
        spelled = [path for path in self.paths if defining.search(self._source(path))]
        if len(spelled) != 1:
            return False
        bound = self.bindings.get(self._real_path(spelled[0]))
        if bound is None:
            return None if self._real_path(spelled[0]) not in self.bindings else False
        found = [
            (function, cls)
            for cls in bound[1].class_definitions
            if (function := method_named(cls, method)) is not None
        ]
        return bool(found) and all(never_reads_self(function, cls.name) for function, cls in found)

    def _subclasses(self, base: ast.ClassDef) -> list[ClassFound]:
        """The classes of the bound modules deriving from a class (directly or not)."""
        known = self._derived_classes.get(id(base))
        if known is None:
            known = self._derived_classes[id(base)] = []
            for _, bound in sorted(self.bindings.items(), key=lambda item: item[0]):
                if bound is None:
                    continue
                tree, bindings = bound
                for cls in (node for node in tree.body if isinstance(node, ast.ClassDef) and node.bases):
                    lineage = bindings.lineage(cls, bindings.module)
                    if any(ancestor is base for _, ancestor, _ in lineage[1:]):
                        known.append((bindings, cls, bindings.module))
        return known

    def _calls_named(self, name: str) -> list[tuple[str, ModelBindings, CallSite]]:
        """The calls of a name in the bound files, with the file each is in."""
        if self._calls_by_name is None:
            self._calls_by_name = {}
            for path, bound in list(self.bindings.items()):
                if bound is not None:
                    self._index_calls(path, bound[1])
        return self._calls_by_name.get(name, [])

    def _index_calls(self, path: str, bindings: ModelBindings) -> None:
        assert self._calls_by_name is not None
        for called, sites in bindings.name_calls.items():
            self._calls_by_name.setdefault(called, []).extend((path, bindings, site) for site in sites)
        for called, sites in bindings.method_calls.items():  # pipelines.generate(...) of an imported module
            self._calls_by_name.setdefault(called, []).extend(
                (path, bindings, site)
                for site in sites
                if isinstance(site.call.func, ast.Attribute) and isinstance(site.call.func.value, ast.Name)
            )

    def _names(self, path: str, site: CallSite, module: str) -> bool:
        """Whether a call's callee in ``path`` is a name imported from ``module``."""
        return any(self._real_path(found) == module for found in self._modules_called(path, site))

    def _real_path(self, path: str) -> str:
        """``os.path.realpath``, once per path (asked again and again while models are traced)."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = os.path.realpath(path)
        return real

    def _modules_called(self, path: str, site: CallSite) -> list[str]:
        """The modules of the project a call's callee may be defined in: the one it is imported from,
        or each of those a name imported in several branches names (``if task == "qa": from
        evaluate.qa import eval`` / ``else: from evaluate.eval import eval``)."""
        value = values.evaluate(site.call.func, site.scope)
        if value.kind != REF:
            dotted = alternative_imports(site.call.func, site.scope)
            found = [self._module_defining(path, values.Value(REF, name)) for name in dotted]
            return [module for module in found if module is not None]
        module = self._module_defining(path, value)
        return [module] if module is not None else []

    def _module_defining(self, path: str, value: values.Value) -> str | None:
        """The module of the project defining what a callee's value names: the one it is imported
        from, or the one a package's ``__init__`` imports it from in turn (``from .best_of_n import
        best_of_n``)."""
        for _ in range(_MAX_REEXPORTS):
            if value.kind != REF or value.data.startswith(LOCAL_PREFIX) or "." not in value.data:
                return None
            *module, name = value.data.split(".")
            found = find_module(tuple(module), import_bases(path, package_of(path), self.root), self.root)
            if found is None or os.path.basename(found) != "__init__.py":
                return found
            bound = self.bound(found, imported_from=True)
            if bound is None:
                return found
            if name not in bound[1].module.bindings:  # from .utils import *: the module defining it
                return self._star_defining(found, bound[1].module.stars, name) or found
            path, value = found, values.lookup(name, bound[1].module, 0, None)
        return None

    def _star_defining(self, package: str, stars: Sequence[str], name: str) -> str | None:
        """Of the modules a package's ``__init__`` star-imports, the one defining ``name`` at its top
        (a function, a class or an assignment)."""
        defined = re.compile(
            rb"^(?:(?:async\s+)?def|class)\s+"
            + re.escape(name.encode())
            + rb"\b|^"
            + re.escape(name.encode())
            + rb"\s*=",
            re.MULTILINE,
        )
        bases = import_bases(package, package_of(package), self.root)
        for star in stars:
            module = find_module(tuple(star.split(".")), bases, self.root)
            if module is not None and defined.search(self._source(module)):
                return module
        return None

    def bind_called(self) -> None:
        """Bind the modules whose classes or functions a bound module calls with models
        (``RAG(embedder, reranker)``, ``rerank(ce, hits)``): they run those models; or with their
        outputs (``fid(folder_generated)``): they may run models of their own on them."""
        done: set[str] = set()
        # and the modules bound on the way, in turn (a pipeline module bound as the main script calls it
        # with models, calling a third module's function with them)
        while pending := [
            (path, bound[1])
            for path, bound in self.bindings.items()
            if bound is not None and path not in done
        ]:
            done |= {path for path, _ in pending}
            for path, bindings in pending:
                self._bind_called_by(path, bindings)

    def _bind_called_by(self, path: str, bindings: ModelBindings) -> None:
        for sites in [*bindings.name_calls.values(), *bindings.method_calls.values()]:
            for site in sites:
                given = [*site.call.args, *(k.value for k in site.call.keywords)]
                if not given:
                    continue
                modules = self._modules_called(path, site)
                if not modules:
                    continue
                held = [bindings.held(arg, site.scope) for arg in given]
                if any(h.models or h.derived for h in held):
                    for module in modules:
                        self.bound(module, given_models=True)


def infer(paths: Sequence[str], root: Path, exclude: Sequence[str] = ()) -> Inference:
    """The loads of the files under ``paths`` (the project's Python files when empty), the edges
    between them and their adaptations; evidence names files relative to ``root``."""
    return infer_scanned(scan_files(collect(paths, root, exclude), root), root)


def infer_scanned(scans: Sequence[FileScan], root: Path) -> Inference:
    """``infer`` on files `ptm check` has scanned already."""
    by_path: dict[str, list[Load]] = {}
    for scan in scans:
        if scan.loads:
            by_path.setdefault(os.path.realpath(scan.path), []).extend(scan.loads)
    project = _Project(root, by_path, [scan.path for scan in scans if not scan.error])
    project.name_models()
    for scan in scans:  # every file first: a class's constructor may be called in a later one
        if not scan.error:
            project.bound(scan.path)
    project.bind_called()
    project.forget_worked_out()
    project.read_data_files()
    edges: list[InferredEdge] = []
    adaptations: list[InferredAdaptation] = []
    for scan in scans:
        bound = project.bound(scan.path) if not scan.error else None
        if bound is None:
            continue
        tree, bindings = bound
        shown = _shown(scan.path, root)
        try:
            edges += find_edges(bindings, shown)
            adaptations += find_adaptations(tree, shown, bindings)
        except RecursionError:  # a (generated or hostile) expression nested deeper than can be followed
            continue
    edges = [
        edge
        for edge in edges
        if not project.exclusive(edge.source, edge.target)
        and not project.apart(edge.source, edge.target)
        and not project.never_made(edge.source)
        and not project.never_made(edge.target)
    ]
    loads = tuple(load for scan in scans for load in scan.loads)
    return Inference(loads, _merged(edges), tuple(adaptations))


def _words(names: set[str]) -> re.Pattern[bytes]:
    """A pattern finding any of the names as a word."""
    words = b"|".join(re.escape(name.encode()) for name in sorted(names))
    return re.compile(rb"\b(?:" + words + rb")\b") if words else _NOTHING_MATCHES


def _module_constant(module: Scope, name: str) -> tuple[object] | None:
    """The constant a name of a module is bound to, where that is its one binding (``use_blip =
    False``), in a 1-tuple; None for any other name."""
    found = module.bindings.get(name) if name.isidentifier() else None
    if not found or len(found) != 1:  # a function's global write binds it again: not one binding
        return None
    kind, data, _, _ = found[0]
    if kind != "expr" or not isinstance(data, ast.Constant):
        return None
    return (data.value,)


def _shown(path: str, root: Path) -> str:
    """A path as evidence names it: relative to the root, with /."""
    relative = relative_below(os.path.realpath(path), os.path.realpath(root))
    return (relative if relative is not None else os.path.abspath(path)).replace(os.sep, "/")


def _merged(edges: Sequence[InferredEdge]) -> tuple[InferredEdge, ...]:
    """One edge per source, target and kind, with all its evidence (by file and line) and the strongest
    mode, the first stage said and whether any evidence says the guide is frozen."""
    merged: dict[tuple[Load, Load, str], InferredEdge] = {}
    for edge in edges:
        key = (edge.source, edge.target, edge.kind)
        known = merged.get(key)
        if known is None:
            merged[key] = edge
            continue
        evidence = tuple(sorted({*known.evidence, *edge.evidence}, key=lambda s: (s.path, s.line, s.text)))
        mode = min(known.mode, edge.mode, key=lambda m: _MODE_RANK.get(m, 3))
        frozen = known.guide_frozen if edge.guide_frozen is None else known.guide_frozen or edge.guide_frozen
        merged[key] = InferredEdge(
            known.source, known.target, known.kind, mode, known.stage or edge.stage, evidence, frozen
        )
    return tuple(
        sorted(
            merged.values(),
            key=lambda e: (e.evidence[0].path, e.evidence[0].line, e.source.line, e.target.line, e.kind),
        )
    )
