"""`ptm init`, `ptm add` and `ptm remove`: edit ptm.toml with tomlkit, keeping comments and layout."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.items import Comment, Item, Key, Table, Whitespace

from . import atomic, config
from .declaration import AddRequest, declare
from .errors import ManifestError, PtmError
from .manifest_check import parse_checked_manifest

if TYPE_CHECKING:
    from .manifest import Manifest, ModelSpec

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


@dataclass(frozen=True)
class EdgeEntry:
    """An ``[[edges]]`` entry to write, with the comment lines above it (where the code shows it)."""

    source: str
    target: str
    kind: str
    mode: str | None = None
    stage: str | None = None
    description: str | None = None
    comments: tuple[str, ...] = ()

    def fields(self) -> dict[str, str]:
        keys = ("from", "to", "kind", "mode", "stage", "description")
        values = (self.source, self.target, self.kind, self.mode, self.stage, self.description)
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}


# Control characters would end a TOML comment, or make the file invalid.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _comment(text: str) -> str:
    return "# " + _CONTROL.sub(" ", text)


def _table(header: str, fields: Mapping[str, Any], comments: Sequence[str] = ()) -> str:
    lines = [header, *(_comment(c) for c in comments)]
    lines += [f"{key} = {tomlkit.item(value).as_string()}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def manifest_text(
    models: Mapping[str, Mapping[str, Any]],
    *,
    notes: Mapping[str, Sequence[str]] | None = None,
    components: Mapping[str, Mapping[str, str]] | None = None,
    edges: Sequence[EdgeEntry] = (),
) -> str:
    """The commented template declaring ``models`` (name -> fields; ``notes`` are comment lines under a
    model's header), ``components`` and ``edges`` (each with its comments above it)."""
    notes = notes or {}
    tables = [_table(f"[models.{name}]", fields, notes.get(name, ())) for name, fields in models.items()]
    tables += [_table(f"[components.{name}]", fields) for name, fields in (components or {}).items()]
    tables += [
        "".join(_comment(c) + "\n" for c in edge.comments) + _table("[[edges]]", edge.fields())
        for edge in edges
    ]
    return "\n".join([TEMPLATE, *tables])


def init_manifest(path: Path, text: str = TEMPLATE, *, force: bool = False) -> None:
    """Write ``text`` (the commented template, or what `manifest_text` made of it) as ptm.toml, once it
    parses: nothing half-right is written."""
    if path.exists() and not force:
        raise PtmError(
            f"{path} already exists; edit it, add models with `ptm add`, or pass --force to replace it"
        )
    if text != TEMPLATE:
        parse_checked_manifest(text, path)
    atomic.write_text(path, text)


def add_model(path: Path, request: AddRequest, name: str | None, cwd: Path) -> tuple[ModelSpec, bool]:
    """Declare the model ``request`` describes (named ``name``, else after its source), or update the
    model of that name with what it gives; (what was declared, True when the model is new).

    ptm.toml is checked as it is, then with the change: an error of the file names its line, an error
    of the change is the command's; either way ptm.toml is left as it was.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PtmError(f"{path} not found; create it with `ptm init`") from None
    manifest = parse_checked_manifest(text, path)
    declaration = declare(
        request,
        {spec.name: spec.hub for spec in manifest.models.values()},
        name=name,
        hf_endpoint=_hf_endpoint(),
        cwd=cwd,
        project_dir=path.parent,
    )
    document = tomlkit.parse(text)
    models = document.get("models")
    if models is None:
        models = tomlkit.table(is_super_table=True)
        document.add("models", models)
    created = declaration.name not in models
    if created:
        entry = tomlkit.table()
        models.add(declaration.name, entry)
    else:
        entry = models[declaration.name]
        if not isinstance(entry, Table):
            raise PtmError(f"{path}: models.{declaration.name} is not a table; edit it by hand")
    for key in declaration.drop:
        entry.pop(key, None)
    for key, value in declaration.keys.items():
        _set(entry, key, _toml_value(value))
    if created:
        entry.add(tomlkit.nl())  # a blank line before whatever follows, e.g. [[edges]]
    new_text, new = checked_edit(document, path, "add")
    atomic.write_text(path, new_text)
    return new.models[declaration.name], created


def _hf_endpoint() -> str:
    """The Hub whose links `ptm add` reads as Hugging Face models: HF_ENDPOINT (a mirror's links too)."""
    try:
        return config.hf_endpoint()
    except PtmError:  # a broken HF_ENDPOINT is `ptm lock`'s to report; huggingface.co links still work
        return config.DEFAULT_HF_ENDPOINT


def _toml_value(value: Any) -> Any:
    """A list of several entries one a line, as people write a long array; a table entry inline."""
    if not isinstance(value, list):
        return value
    array = tomlkit.array()
    for item in value:
        if isinstance(item, dict):
            table = tomlkit.inline_table()
            table.update(item)
            item = table
        array.append(item)
    return array.multiline(len(value) > 1)


def without_models(text: str, path: Path, names: Collection[str]) -> tuple[str, Manifest]:
    """ptm.toml's ``text`` without the models ``names``: their tables (with their export and verify
    tables), the ``[[edges]]`` from or to them, and other models' ``base`` (with its ``adaptation`` and
    ``adapter``, which only mean something with it) and ``trained_with`` entries naming them. The new text
    and what it declares, checked like `ptm add`'s edit; nothing is written."""
    document = tomlkit.parse(text)
    for name in names:
        # Fetched anew each time: when other tables split [models.*], tomlkit's view of them goes stale
        # after a deletion.
        del document["models"][name]
    for entry in document.get("models", {}).values():
        if not isinstance(entry, Table):
            continue
        if entry.get("base") in names:
            for key in ("base", "adaptation", "adapter"):
                entry.pop(key, None)
        partners = entry.get("trained_with")
        if partners is not None and any(other in names for other in partners):
            kept = [other for other in partners if other not in names]
            if kept:
                entry["trained_with"] = kept
            else:
                del entry["trained_with"]
    edges = document.get("edges")
    if edges is not None:
        for index in reversed(range(len(edges))):
            if edges[index].get("from") in names or edges[index].get("to") in names:
                del edges[index]
        if not edges:  # tomlkit would leave `edges = []` at the top of the file
            del document["edges"]
    return checked_edit(document, path, "remove")


def checked_edit(document: tomlkit.TOMLDocument, path: Path, command: str) -> tuple[str, Manifest]:
    """The edited ``document``'s text and manifest; an edit that breaks ptm.toml is the command's error."""
    new_text = tomlkit.dumps(document).rstrip("\n") + "\n"
    try:
        return new_text, parse_checked_manifest(new_text, path)
    except ManifestError as error:
        raise PtmError(
            f"ptm {command}: {error.detail}; {path.name} was left unchanged", exit_code=2
        ) from None


def _set(table: Table, key: str, value: Any) -> None:
    """Set ``key``, in place if it is there, else after the table's last key: the comments and blank
    lines that end a table belong to what follows it."""
    if key in table:
        table[key] = value
        return
    body = table.value.body
    trailing: list[tuple[Key | None, Item]] = []
    while body and body[-1][0] is None and isinstance(body[-1][1], (Whitespace, Comment)):
        trailing.insert(0, body.pop())
    table.add(key, value)
    body.extend(trailing)
