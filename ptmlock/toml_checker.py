"""Checks of a TOML document's tables whose every complaint names the file and the line.

Shared by the ptm.toml format (manifest) and its [models.X.export] settings (export_settings).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal, overload

from .errors import ManifestError
from .tomlpos import locate


def closest(word: str, choices: Collection[str]) -> str | None:
    """The choice most like ``word``, for a "did you mean": difflib is imported only when one is asked."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return close[0] if close else None


class TomlChecker:
    """Validation with positions: every complaint names the file and the line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def line(self, table: tuple[str | int, ...], key: str | None = None) -> int | None:
        return locate(self.text, table, key)

    def fail(self, table: tuple[str | int, ...], key: str | None, message: str) -> ManifestError:
        return ManifestError(self.path, self.line(table, key), message)

    def known_keys(
        self, table: tuple[str | int, ...], data: Mapping[str, Any], allowed: tuple[str, ...]
    ) -> None:
        for key in data:
            if key not in allowed:
                lowered = {k.lower(): k for k in allowed}  # keys are lowercase: REVISION means revision
                close = closest(key.lower(), lowered)
                hint = (
                    f"did you mean '{lowered[close]}'?"
                    if close
                    else f"allowed keys: {', '.join(sorted(allowed))}"
                )
                where = "top level" if not table else "[" + ".".join(str(p) for p in table) + "]"
                raise self.fail(table, key, f"unknown key '{key}' in {where}; {hint}")

    @overload
    def string(
        self,
        table: tuple[str | int, ...],
        data: Mapping[str, Any],
        key: str,
        *,
        required: Literal[True],
        choices: tuple[str, ...] | None = None,
    ) -> str: ...

    @overload
    def string(
        self,
        table: tuple[str | int, ...],
        data: Mapping[str, Any],
        key: str,
        *,
        required: bool = False,
        choices: tuple[str, ...] | None = None,
    ) -> str | None: ...

    def string(
        self,
        table: tuple[str | int, ...],
        data: Mapping[str, Any],
        key: str,
        *,
        required: bool = False,
        choices: tuple[str, ...] | None = None,
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(table, None, f"[{'.'.join(map(str, table))}] needs '{key}'")
            return None
        if not isinstance(value, str):
            raise self.fail(table, key, f"'{key}' must be a string, not {type(value).__name__}")
        if choices is not None and value not in choices:
            close = closest(value, choices)
            hint = f"did you mean '{close}'?" if close else f"expected one of: {', '.join(choices)}"
            raise self.fail(table, key, f"{key} '{value}' is not known; {hint}")
        return value

    def names(self, table: tuple[str | int, ...], data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(table, key, f"'{key}' must be a list of model names, e.g. [\"text-encoder\"]")
        return tuple(value)

    def patterns(self, table: tuple[str | int, ...], data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(table, key, f"'{key}' must be a list of glob patterns, e.g. [\"*.json\"]")
        return tuple(value)
