"""Dependencies point one way: data formats <- sources <- install/export <- commands.

Read from the source with ``ast`` (imports inside functions count too), so that a lazy import cannot
hide a cycle: the ptm.toml and ptm.lock formats import no source and no export code, and `ptm check`,
which a pre-commit hook runs on every commit, reaches neither the sources, nor install, nor export, nor
the heavy libraries they use.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ptmlock"

# The formats: plain data, parsed and rendered. Everything else builds on them, never the reverse.
FORMATS = (
    "ptmlock.manifest",
    "ptmlock.lockfile",
    "ptmlock.lock_types",
    "ptmlock.tomlpos",
    "ptmlock.toml_checker",
    "ptmlock.export_settings",
    "ptmlock.canonical",
    "ptmlock.pins",
    "ptmlock.taxonomy",
)
FORMATS_MAY_NOT_IMPORT = ("ptmlock.hubs", "ptmlock.export", "ptmlock.install", "ptmlock.resolve")
# What `ptm check` runs: the command line's module level, and the check package and what it imports.
CHECK_PATH = (
    "ptmlock.__main__",
    "ptmlock.cli",
    "ptmlock.commands.check",
    "ptmlock.deadline",
    "ptmlock.check.report",
    "ptmlock.check.runner",
)
CHECK_MAY_NOT_IMPORT = (
    "ptmlock.hubs",
    "ptmlock.install",
    "ptmlock.export",
    "jsonschema",
    "huggingface_hub",
    "httpx",
    "httpx2",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _absolute(module: str, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        is_package = MODULES[module].name == "__init__.py"
        parent = module.split(".")[: len(module.split(".")) - node.level + is_package]
        base = ".".join([*parent, *([node.module] if node.module else [])])
    # `from . import hubs` imports a module; `from .x import name` imports x.
    names = [f"{base}.{alias.name}" for alias in node.names]
    return [name for name in names if name in MODULES] or [base]


def _names(module: str, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module != "__future__":
        return _absolute(module, node)
    return []


def _type_checking_imports(module: str) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:``, which never run."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt) if hasattr(n, "lineno")}
    return lines


@cache
def run_time_imports(module: str, nested: bool) -> frozenset[str]:
    """What importing ``module`` imports (``nested``: or running any of its functions)."""
    skipped = _type_checking_imports(module)
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    nodes = list(ast.walk(tree)) if nested else [n for top in tree.body for n in ast.walk(top)]
    if not nested:  # module level: not inside a function or class body's methods
        inner = {
            id(n)
            for top in tree.body
            for f in ast.walk(top)
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            for n in ast.walk(f)
        }
        nodes = [n for n in nodes if id(n) not in inner]
    return frozenset(
        name for node in nodes if getattr(node, "lineno", 0) not in skipped for name in _names(module, node)
    )


def _with_parents(name: str) -> list[str]:
    """Importing ptmlock.check.rules runs ptmlock/__init__.py and ptmlock/check/__init__.py first."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def closure(start: Iterable[str], nested: Callable[[str], bool]) -> dict[str, str]:
    """Every module reached from ``start``, with the module that imports it first."""
    reached: dict[str, str] = {name: "" for name in start}
    todo = list(start)
    while todo:
        module = todo.pop()
        if module not in MODULES:
            continue
        # A package's __init__ runs at its module level; its functions (ptmlock.__getattr__, which imports
        # the API on `ptmlock.path`) run only when used, which any import that uses them shows here.
        package = MODULES[module].name == "__init__.py"
        for name in run_time_imports(module, nested(module) and not package):
            for each in _with_parents(name):
                if each not in reached:
                    reached[each] = module
                    todo.append(each)
    return reached


def chain(reached: dict[str, str], name: str) -> str:
    links = [name]
    while reached.get(links[-1]):
        links.append(reached[links[-1]])
    return " <- ".join(links)


def forbidden(reached: dict[str, str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        chain(reached, name)
        for name in reached
        if any(name == p or name.startswith(p + ".") for p in prefixes)
    )


def test_the_formats_import_no_source_and_no_export_code() -> None:
    for module in FORMATS:
        # Every import counts, lazy ones too: a format that imports a source inside a function still
        # depends on it, and a cycle is a cycle whenever it closes.
        reached = closure([module], nested=lambda _: True)
        assert forbidden(reached, FORMATS_MAY_NOT_IMPORT) == [], module


def test_ptm_check_reaches_no_source_install_export_or_heavy_library() -> None:
    # The command line's own module and the check package count every import (a command's lazy import
    # is what runs); beyond them, what a module imports when it is imported.
    def nested(module: str) -> bool:
        return module.startswith("ptmlock.check") or module == "ptmlock.commands.check"

    reached = closure(CHECK_PATH, nested)
    assert forbidden(reached, CHECK_MAY_NOT_IMPORT) == []


def test_the_command_line_imports_each_command_only_when_it_runs() -> None:
    from ptmlock.cli import cli

    assert not [m for m in run_time_imports("ptmlock.cli", nested=False) if m.startswith("ptmlock.commands")]
    names = cli.list_commands(None)  # type: ignore[arg-type]
    assert {"lock", "install", "check", "export"} <= set(names)
    for name in names:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name
    assert cli.get_command(None, "common") is None  # type: ignore[arg-type]
