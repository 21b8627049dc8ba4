"""`ptm init` and `ptm add`: edit ptm.toml with tomlkit so users' comments and layout survive."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from .errors import PtmError
from .lockfile import atomic_write_text
from .manifest import parse_manifest

TEMPLATE = """\
# ptm.toml: the pre-trained models this project depends on, and how they interact.
# `ptm lock` pins them in ptm.lock; `ptm install` puts exactly the locked bytes on disk.
# Schema for editors: schemas/ptm.schema.json (https://github.com/ptmlock/ptmlock)
#
# [models.encoder]
# hub = "huggingface"            # where it comes from
# repo = "org/name"
# revision = "main"              # a branch, a tag or a 40-hex commit; the lock pins the commit
# role = "complementary"         # or "interchangeable", with group = "<slot>"
# include = ["*.json", "*.safetensors"]  # default: every file but duplicate weight formats
# task = "feature-extraction"
#
# [[edges]]                      # how one model's output reaches another
# from = "encoder"
# to = "classifier"
# kind = "feature-handoff"       # feature-handoff | feedback-guidance | evaluation | post-processing
# mode = "sequential"            # feature-handoff only: hierarchical | sequential | parallel
# stage = "inference"
"""


def init_manifest(
    path: Path, *, force: bool = False, models: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Write the commented template, declaring ``models`` (name -> fields) when given."""
    if path.exists() and not force:
        raise PtmError(
            f"{path} already exists; edit it, add models with `ptm add`, or pass --force to replace it"
        )
    text = TEMPLATE
    if models:
        document = tomlkit.parse(TEMPLATE)
        tables = tomlkit.table(is_super_table=True)
        for name, fields in models.items():
            table = tomlkit.table()
            table.update(fields)
            tables.add(name, table)
        document.add("models", tables)
        text = tomlkit.dumps(document)
        parse_manifest(text, path)
    atomic_write_text(path, text)


def add_model(path: Path, name: str, fields: Mapping[str, Any]) -> bool:
    """Add model ``name`` or update the given fields of it; True when it is new.

    The result is validated before it is written, so a bad `ptm add` leaves ptm.toml as it was.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PtmError(f"{path} not found; create it with `ptm init`") from None
    document = tomlkit.parse(text)
    models = document.get("models")
    if models is None:
        models = tomlkit.table(is_super_table=True)
        document.add("models", models)
    created = name not in models
    if created:
        entry = tomlkit.table()
        models.add(name, entry)
    else:
        entry = models[name]
        if not isinstance(entry, Table):
            raise PtmError(f"{path}: models.{name} is not a table; edit it by hand")
    for key, value in fields.items():
        if value is None or value == ():
            continue
        entry[key] = list(value) if isinstance(value, tuple) else value
    new_text = tomlkit.dumps(document)
    if created and not new_text.endswith("\n"):
        new_text += "\n"
    parse_manifest(new_text, path)
    atomic_write_text(path, new_text)
    return created
