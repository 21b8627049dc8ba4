"""Tests that cannot fail are found by reading the tests: an assert on a helper that always returns None,
and a comparison or `x and y` written as a statement (an assert forgotten)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _returns_nothing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when every way out of ``function`` gives None (no `return value`, no yield)."""
    for node in ast.walk(function):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return False
        returned = node.value if isinstance(node, ast.Return) else None
        if returned is not None and not (isinstance(returned, ast.Constant) and returned.value is None):
            return False
    return True


def _none_helpers(trees: dict[Path, ast.Module]) -> set[str]:
    """Names of module-level test helpers (not tests, not fixtures) that always return None."""
    names: set[str] = set()
    for tree in trees.values():
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("test"):
                continue
            if not node.decorator_list and _returns_nothing(node):
                names.add(node.name)
    return names


def _operands(test: ast.expr) -> Iterator[ast.expr]:
    """The expressions whose truth an assert checks: the operands of and/or/not, recursively."""
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _operands(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _operands(test.operand)
    else:
        yield test


def dead_checks(trees: dict[Path, ast.Module]) -> list[str]:
    helpers = _none_helpers(trees)
    found = []
    for path, tree in sorted(trees.items()):
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                for operand in _operands(node.test):
                    call = operand.func if isinstance(operand, ast.Call) else None
                    if isinstance(call, ast.Name) and call.id in helpers:
                        found.append(f"{where}:{node.lineno}: asserts {call.id}(), which always returns None")
            elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.BoolOp, ast.Compare)):
                found.append(f"{where}:{node.lineno}: a comparison or and/or as a statement (no assert?)")
    return found


def _parse(source: str) -> dict[Path, ast.Module]:
    return {TESTS / "example.py": ast.parse(source)}


def test_the_test_suite_has_no_check_that_cannot_fail() -> None:
    trees = {path: ast.parse(path.read_text(), str(path)) for path in TESTS.rglob("*.py")}
    assert dead_checks(trees) == []


def test_an_assert_on_a_helper_returning_none_is_found() -> None:
    source = "def consistent():\n    assert True\n\ndef test_x():\n    assert consistent() and not 1\n"
    assert dead_checks(_parse(source)) == [
        "tests/example.py:5: asserts consistent(), which always returns None"
    ]


def test_a_comparison_written_as_a_statement_is_found() -> None:
    source = "def test_x():\n    x = 1\n    x == 2\n    x and print(x)\n"
    assert [line.split(": ", 1)[0] for line in dead_checks(_parse(source))] == [
        "tests/example.py:3",
        "tests/example.py:4",
    ]


def test_helpers_that_return_values_and_fixtures_are_not_flagged() -> None:
    source = (
        "import pytest\n\ndef ok():\n    return True\n\n@pytest.fixture\ndef fx():\n    yield 1\n\n"
        "def test_x(fx):\n    assert ok() and fx\n"
    )
    assert dead_checks(_parse(source)) == []
