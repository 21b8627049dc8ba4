"""The JSON Schemas of ptm.toml and ptm.lock: shipped for editors, used to check what is read."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# A wheel ships them as ptmlock/_schemas/; a source checkout keeps them at the top level.
_LOCATIONS = (Path(__file__).parent / "_schemas", Path(__file__).parent.parent / "schemas")


def schema_path(name: str) -> Path:
    for folder in _LOCATIONS:
        candidate = folder / f"{name}.schema.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"schema {name}.schema.json is missing from the ptmlock installation")


@functools.cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def first_error(name: str, data: Mapping[str, Any]) -> str | None:
    """The most relevant schema violation as one line ('at models.bert.files[0]: ...'), or None."""
    import jsonschema.exceptions

    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(data))
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"at {where or 'top level'}: {error.message}"
