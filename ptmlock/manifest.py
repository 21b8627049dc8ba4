"""ptm.toml: parse and validate the manifest into frozen data, with errors that name file and line."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from .canonical import canonical_hash
from .check.rules import RULES, SEVERITIES, CheckSettings
from .errors import ManifestError
from .pins import COMMIT_RE
from .taxonomy import ADAPTATIONS, ADAPTER, EDGE_KINDS, FEATURE_HANDOFF, HANDOFF_MODES, ROLES, STAGES
from .toml_checker import TomlChecker, closest

if TYPE_CHECKING:
    from .export_settings import ExportSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
DEFAULT_REVISION = "main"
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")

# [policy] is `ptm audit`'s (ptmlock/audit/policy.py reads and checks it, with its lines).
TOP_LEVEL_KEYS = ("models", "edges", "components", "check", "mirrors", "cache", "policy")
# Where else locked bytes may come from (docs/scale.md): [mirrors] oci = "oci://..." and [cache] remote =
# "s3://...". Checked for their form here; install opens them.
MIRROR_TABLES = {"mirrors": ("oci", "oci://REGISTRY/PREFIX"), "cache": ("remote", "s3://BUCKET/PREFIX")}
# The keys each source's [models.X] table takes besides the common ones (ptm.schema.json says the same).
# Their values are checked by the source itself (manifest_check), which this format does not import.
PROVENANCE_KEYS = ("training_script", "dataset", "code_commit")
SOURCE_KEYS = {
    "huggingface": ("repo", "revision", "include", "exclude"),
    "torchhub": ("repo", "revision", "entry", "weights"),
    "url": ("url", "sha256", "files"),
    "local": ("path", "allow_outside", "include", "exclude", *PROVENANCE_KEYS, "provenance"),
}
KNOWN_HUBS = tuple(SOURCE_KEYS)
# Keys every model may have whatever its hub; they describe the model, they do not change its bytes.
DESCRIPTIVE_KEYS = (
    "role",
    "group",
    "task",
    "description",
    "base",
    "adaptation",
    "adapter",
    "trained_with",
    "stage",
)
# How to export and verify a model; hashed into its export records instead of its declaration_hash.
EXPORT_TABLES = ("export", "verify")
EDGE_KEYS = ("from", "to", "kind", "mode", "stage", "description")
COMPONENT_KEYS = ("kind", "description")
# Keys whose own line graph checks point at (the table's line is used for the rest), besides the
# source's options, whose lines the sources' checks point at (manifest_check).
_LINED_KEYS = ("group", "task", "base", "trained_with")
CHECK_KEYS = ("exclude", "severity")


# A NamedTuple, read-only and typed: a frozen dataclass this size costs every command reading ptm.toml
# (`ptm check`, a pre-commit hook, among them) more than a millisecond to define.
class ModelSpec(NamedTuple):
    """One declared model. ``options`` holds the hub-specific keys as written."""

    name: str
    hub: str
    revision: str | None  # None for hubs without revisions (url, local)
    role: str
    group: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    task: str | None
    description: str | None
    options: Mapping[str, Any]
    line: int | None = None
    declaration_hash: str = ""
    base: str | None = None
    adaptation: str | None = None
    adapter: str | None = None
    trained_with: tuple[str, ...] = ()
    stage: str | None = None  # the pipeline stage it runs in, where its edges do not say (graph lanes)
    key_lines: Mapping[str, int] = MappingProxyType({})
    export: ExportSpec | None = None
    # The folder of ptm.toml, against which relative local paths are read. Not part of the declaration,
    # so equality leaves it out.
    base_dir: Path = Path()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelSpec) and self[:-1] == other[:-1]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:-1])

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)

    @property
    def repo(self) -> str | None:
        return self.options.get("repo")

    @property
    def pinned(self) -> bool:
        return bool(self.revision and COMMIT_RE.match(self.revision))


# Edge, Component and Manifest are NamedTuples too, where frozen dataclasses cost every command reading
# ptm.toml a millisecond each to define.
class Edge(NamedTuple):
    source: str
    target: str
    kind: str
    mode: str | None = None
    stage: str | None = None
    description: str | None = None
    line: int | None = None


class Component(NamedTuple):
    """A graph node that is not a model: glue code, a fusion step, a rule-based filter."""

    name: str
    kind: str | None = None
    description: str | None = None
    line: int | None = None


class Manifest(NamedTuple):
    path: Path
    models: Mapping[str, ModelSpec]
    edges: tuple[Edge, ...] = ()
    data: Mapping[str, Any] = MappingProxyType({})
    components: Mapping[str, Component] = MappingProxyType({})
    check: CheckSettings = CheckSettings()


def check_revision(revision: Any) -> str | None:
    """Why ``revision`` is not a usable git ref or commit, or None when it is."""
    if not isinstance(revision, str) or not revision.strip():
        return "revision must be a non-empty string (a branch, a tag or a 40-hex commit)"
    if re.fullmatch(r"[0-9a-fA-F]{41,}", revision):
        return f"revision '{revision}' is longer than a 40-hex commit sha"
    if re.fullmatch(r"[0-9A-F]{40}", revision) and not COMMIT_RE.match(revision):
        return f"commit '{revision}' must be lowercase: '{revision.lower()}'"
    if (
        _BAD_REF_CHARS.search(revision)
        or ".." in revision
        or "//" in revision
        or "@{" in revision
        or revision.startswith(("-", "/", "."))
        or revision.endswith(("/", ".", ".lock"))
    ):
        return f"revision '{revision}' is not a valid branch, tag or commit name"
    return None


def _model(toml: TomlChecker, name: str, data: Any) -> ModelSpec:
    table = ("models", name)
    if not NAME_RE.match(name):
        raise toml.fail(table, None, f"model name '{name}' may only use letters, digits, '-' and '_'")
    if not isinstance(data, Mapping):
        raise toml.fail(("models",), name, f"models.{name} must be a table, e.g. [models.{name}]")
    if data and set(data) <= set(EXPORT_TABLES):  # what is left when [models.NAME] alone was deleted
        leftover = next(t for t in EXPORT_TABLES if t in data)
        raise toml.fail(
            (*table, leftover),
            None,
            f"[models.{name}.{leftover}] is left without its model: ptm.toml declares no [models.{name}] "
            f"(hub, repo, ...); declare model '{name}' again, or delete [models.{name}.{leftover}]",
        )
    hub = toml.string(table, data, "hub", choices=KNOWN_HUBS) or "huggingface"
    source_keys = SOURCE_KEYS[hub]
    toml.known_keys(table, data, ("hub", *DESCRIPTIVE_KEYS, *EXPORT_TABLES, *source_keys))
    options = {k: v for k, v in data.items() if k in source_keys}
    revision = options.get("revision", DEFAULT_REVISION) if "revision" in source_keys else None
    if revision is not None and (why := check_revision(revision)):
        raise toml.fail(table, "revision", why)
    role = toml.string(table, data, "role", choices=ROLES) or "complementary"
    group = toml.string(table, data, "group")
    if role == "interchangeable" and not group:
        raise toml.fail(
            table, "role", f"interchangeable model '{name}' needs a group, e.g. group = \"encoder\""
        )
    if group and role != "interchangeable":
        raise toml.fail(
            table, "group", f"'{name}' has a group but role is '{role}'; set role = \"interchangeable\""
        )
    base = toml.string(table, data, "base")
    adaptation = toml.string(table, data, "adaptation", choices=ADAPTATIONS)
    if (base is None) != (adaptation is None):
        have, need = ("base", "adaptation") if base else ("adaptation", "base")
        raise toml.fail(
            table,
            have,
            f"'{name}' has {have} but no {need}; a derived model needs both "
            f'(e.g. base = "other-model", adaptation = "weights")',
        )
    adapter = toml.string(table, data, "adapter")
    if (adaptation == ADAPTER) != (adapter is not None):
        key = "adapter" if adapter else "adaptation"
        raise toml.fail(
            table,
            key,
            f'adapter names the adapter type and goes with adaptation = "{ADAPTER}" (e.g. adapter = "lora")',
        )
    if "verify" in data and "export" not in data:
        raise toml.fail(
            (*table, "verify"), None, f"[models.{name}.verify] needs a [models.{name}.export] table"
        )
    export = None
    if "export" in data:
        from .export_settings import parse_export  # most manifests export nothing

        export = parse_export(toml, name, hub, data["export"], data.get("verify"))
    # Spelling a default out (revision = "main", include = []) is the same pin as leaving it out.
    pin_data = {
        "hub": hub,
        **{k: v for k, v in options.items() if v != [] and not (k == "revision" and v == DEFAULT_REVISION)},
    }
    return ModelSpec(
        name=name,
        hub=hub,
        revision=revision,
        role=role,
        group=group,
        include=toml.patterns(table, data, "include") if "include" in source_keys else (),
        exclude=toml.patterns(table, data, "exclude") if "exclude" in source_keys else (),
        task=toml.string(table, data, "task"),
        description=toml.string(table, data, "description"),
        options=MappingProxyType(options),
        line=toml.line(table),
        declaration_hash=canonical_hash(pin_data),
        base=base,
        adaptation=adaptation,
        adapter=adapter,
        trained_with=toml.names(table, data, "trained_with"),
        stage=toml.string(table, data, "stage", choices=STAGES),
        key_lines=MappingProxyType(
            {k: line for k in (*_LINED_KEYS, *source_keys) if k in data and (line := toml.line(table, k))}
        ),
        base_dir=toml.path.parent,
        export=export,
    )


def _component(toml: TomlChecker, name: str, data: Any) -> Component:
    table = ("components", name)
    if not NAME_RE.match(name):
        raise toml.fail(table, None, f"component name '{name}' may only use letters, digits, '-' and '_'")
    if not isinstance(data, Mapping):
        raise toml.fail(("components",), name, f"components.{name} must be a table, e.g. [components.{name}]")
    toml.known_keys(table, data, COMPONENT_KEYS)
    return Component(
        name=name,
        kind=toml.string(table, data, "kind"),
        description=toml.string(table, data, "description"),
        line=toml.line(table),
    )


def _check_references(toml: TomlChecker, models: Mapping[str, ModelSpec], nodes: Collection[str]) -> None:
    """base and trained_with name other declared models."""
    for spec in models.values():
        table = ("models", spec.name)
        named = [("base", spec.base)] if spec.base else []
        named += [("trained_with", other) for other in spec.trained_with]
        for key, other in named:
            if other == spec.name:
                raise toml.fail(table, key, f"'{spec.name}' names itself in {key}")
            if other not in models:
                what = "a component" if other in nodes else "not a declared model"
                close = closest(other, models)
                hint = f"did you mean '{close}'?" if close else f"declare it as [models.{other}]"
                raise toml.fail(table, key, f"{key} '{other}' of '{spec.name}' is {what}; {hint}")


def _edge(toml: TomlChecker, index: int, data: Any, nodes: Collection[str]) -> Edge:
    table = ("edges", index)
    if not isinstance(data, Mapping):
        raise toml.fail(("edges",), None, "edges must be an array of tables: [[edges]]")
    toml.known_keys(table, data, EDGE_KEYS)
    ends: dict[str, str] = {}
    for key in ("from", "to"):
        end = toml.string(table, data, key, required=True)
        if end not in nodes:
            close = closest(end, nodes)
            hint = (
                f"did you mean '{close}'?" if close else f"declare it as [models.{end}] or [components.{end}]"
            )
            raise toml.fail(table, key, f"edge {key} '{end}' is not a declared model or component; {hint}")
        ends[key] = end
    kind = toml.string(table, data, "kind", required=True, choices=EDGE_KINDS)
    mode = toml.string(table, data, "mode", choices=HANDOFF_MODES)
    if kind == FEATURE_HANDOFF and mode is None:
        raise toml.fail(
            table, "kind", f"a {FEATURE_HANDOFF} edge needs mode = one of {', '.join(HANDOFF_MODES)}"
        )
    if kind != FEATURE_HANDOFF and mode is not None:
        raise toml.fail(table, "mode", f"mode only applies to {FEATURE_HANDOFF} edges, not {kind}")
    return Edge(
        source=ends["from"],
        target=ends["to"],
        kind=kind,
        mode=mode,
        stage=toml.string(table, data, "stage", choices=STAGES),
        description=toml.string(table, data, "description"),
        line=toml.line(table),
    )


def _check_settings(toml: TomlChecker, data: Any) -> CheckSettings:
    """[check]: what `ptm check` skips and how severe each rule is."""
    table = ("check",)
    if not isinstance(data, Mapping):
        raise toml.fail((), "check", "check must be a table: [check]")
    toml.known_keys(table, data, CHECK_KEYS)
    severity = data.get("severity", {})
    if not isinstance(severity, Mapping):
        raise toml.fail(table, "severity", 'severity must be a table, e.g. severity = { PTM003 = "warning" }')
    for code, level in severity.items():
        if code not in RULES:
            close = closest(code, RULES)
            hint = f"did you mean '{close}'?" if close else f"rules: {', '.join(RULES)}"
            raise toml.fail(table, "severity", f"unknown rule '{code}' in [check].severity; {hint}")
        if level not in SEVERITIES:
            raise toml.fail(
                table, "severity", f"severity {level!r} of {code} must be one of: {', '.join(SEVERITIES)}"
            )
    return CheckSettings(toml.patterns(table, data, "exclude"), MappingProxyType(dict(severity)))


def _mirror_table(toml: TomlChecker, name: str, data: Any) -> None:
    """[mirrors] / [cache]: one location each, of the scheme install reads (the bytes are checked anyway)."""
    key, form = MIRROR_TABLES[name]
    if not isinstance(data, Mapping):
        raise toml.fail((), name, f'{name} must be a table: [{name}] with {key} = "{form}"')
    toml.known_keys((name,), data, (key,))
    value = data.get(key)
    scheme = form.split("://")[0] + "://"
    if value is not None and not (
        isinstance(value, str) and value.startswith(scheme) and len(value) > len(scheme)
    ):
        raise toml.fail((name,), key, f'[{name}] {key} must be a string "{form}", not {value!r}')


def _tomlkit_data(text: str, path: Path) -> dict[str, Any]:
    """TOML the standard library refused, read by tomlkit: its error (with the line) is the one shown."""
    import tomlkit
    import tomlkit.exceptions

    try:
        return tomlkit.parse(text).unwrap()
    except tomlkit.exceptions.ParseError as error:
        reason = str(error).split(" at line ")[0]
        raise ManifestError(path, error.line, f"invalid TOML: {reason}") from error
    except tomlkit.exceptions.TOMLKitError as error:  # e.g. a key given twice, which has no position
        raise ManifestError(path, _duplicate_line(text), f"invalid TOML: {error}") from error


def _duplicate_line(text: str) -> int | None:
    """The line of a key given twice, as the standard library's parser reports it."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+)", str(error))
        return int(found.group(1)) if found else None
    return None


def parse_manifest(text: str, path: Path | str = "ptm.toml") -> Manifest:
    """ptm.toml checked as a format; each source's own checks of its options are manifest_check's."""
    path = Path(path)
    try:  # the standard library's parser is fast to import; tomlkit's messages are the better ones
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        data = _tomlkit_data(text, path)
    toml = TomlChecker(path, text)
    toml.known_keys((), data, TOP_LEVEL_KEYS)
    raw_models = data.get("models", {})
    if not isinstance(raw_models, Mapping):
        raise toml.fail((), "models", "models must be a table of [models.<name>] tables")
    models = {name: _model(toml, name, spec) for name, spec in raw_models.items()}
    raw_components = data.get("components", {})
    if not isinstance(raw_components, Mapping):
        raise toml.fail((), "components", "components must be a table of [components.<name>] tables")
    components = {name: _component(toml, name, spec) for name, spec in raw_components.items()}
    for name in components:
        if name in models:
            raise toml.fail(
                ("components", name), None, f"'{name}' is both a model and a component; rename one"
            )
    nodes = {**models, **components}
    _check_references(toml, models, nodes)
    raw_edges = data.get("edges", [])
    if not isinstance(raw_edges, list):
        raise toml.fail((), "edges", "edges must be an array of tables: [[edges]]")
    edges = tuple(_edge(toml, i, e, nodes) for i, e in enumerate(raw_edges))
    settings = _check_settings(toml, data["check"]) if "check" in data else CheckSettings()
    for name in MIRROR_TABLES:
        if name in data:
            _mirror_table(toml, name, data[name])
    return Manifest(
        path=path,
        models=MappingProxyType(models),
        edges=edges,
        data=MappingProxyType(data),
        components=MappingProxyType(components),
        check=settings,
    )


def load_manifest(path: Path) -> Manifest:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(path, None, "not found; create one with `ptm init`") from None
    except UnicodeDecodeError as error:
        raise ManifestError(path, None, f"is not UTF-8 text ({error.reason})") from error
    except OSError as error:  # a folder of that name, no permission, ...
        raise ManifestError(
            path, None, f"cannot be read ({error.strerror}); it must be a TOML file"
        ) from error
    return parse_manifest(text, path)
