"""ptm.toml's [policy] table: which weight formats, pickles, remote code and licences a project accepts.

    [policy]
    formats = ["safetensors", "onnx", "gguf"]   # weights in any other format are findings
    allow_pickle = "allow-listed"              # never | allow-listed (default) | always
    allow_globals = ["sklearn.linear_model._logistic.LogisticRegression"]  # added to the allow-list
    trust_remote_code = false                  # modelling code in a repo is a finding
    licenses = { allow = ["apache-2.0", "mit"], deny = ["cc-by-nc-4.0"] }

Read here from the raw TOML, with file:line errors like the manifest's. Unset keys keep the default
policy, which warns rather than fails: everything it would have said is still said.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ManifestError
from ..toml_checker import TomlChecker
from .formats import WEIGHT_FORMATS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NEVER, ALLOW_LISTED, ALWAYS = "never", "allow-listed", "always"
PICKLE_MODES = (NEVER, ALLOW_LISTED, ALWAYS)
POLICY_KEYS = ("formats", "allow_pickle", "allow_globals", "trust_remote_code", "licenses")
LICENSE_KEYS = ("allow", "deny")
TABLE = ("policy",)


@dataclass(frozen=True)
class Policy:
    """None for a key left unset: the default applies, and what it finds is a warning, not an error."""

    formats: tuple[str, ...] | None = None
    allow_pickle: str = ALLOW_LISTED
    allow_globals: frozenset[tuple[str, str]] = frozenset()
    trust_remote_code: bool | None = None
    licenses_allow: tuple[str, ...] | None = None
    licenses_deny: tuple[str, ...] = ()


def read_policy(manifest_path: Path) -> Policy:
    """The [policy] of the ptm.toml at ``manifest_path`` (the default policy when it has none)."""
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except OSError as error:
        raise ManifestError(
            manifest_path, None, f"cannot read it ({error.strerror}); run `ptm init`"
        ) from error
    return parse_policy(text, manifest_path)


def parse_policy(text: str, path: Path) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(path, getattr(error, "lineno", None), f"invalid TOML: {error.msg}") from error
    if "policy" not in data:
        return Policy()
    toml = TomlChecker(path, text)
    table = data["policy"]
    if not isinstance(table, Mapping):
        raise toml.fail((), "policy", "policy must be a table: [policy]")
    toml.known_keys(TABLE, table, POLICY_KEYS)
    formats = _names(toml, table, "formats", WEIGHT_FORMATS) if "formats" in table else None
    mode = toml.string(TABLE, table, "allow_pickle", choices=PICKLE_MODES) or ALLOW_LISTED
    trust = table.get("trust_remote_code")
    if trust is not None and not isinstance(trust, bool):
        raise toml.fail(TABLE, "trust_remote_code", "trust_remote_code must be true or false")
    licenses = table.get("licenses", {})
    if not isinstance(licenses, Mapping):
        raise toml.fail(TABLE, "licenses", 'licenses must be a table, e.g. licenses = { allow = ["mit"] }')
    where = (*TABLE, "licenses")
    toml.known_keys(where, licenses, LICENSE_KEYS)
    return Policy(
        formats=formats,
        allow_pickle=mode,
        allow_globals=_globals(toml, table),
        trust_remote_code=trust,
        licenses_allow=_licenses(toml, licenses, "allow") if "allow" in licenses else None,
        licenses_deny=_licenses(toml, licenses, "deny"),
    )


def _strings(
    toml: TomlChecker, table: tuple[str, ...], data: Mapping[str, Any], key: str, example: str
) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise toml.fail(table, key, f"{key} must be a list of strings, e.g. {key} = [{example}]")
    return value


def _names(toml: TomlChecker, data: Mapping[str, Any], key: str, known: tuple[str, ...]) -> tuple[str, ...]:
    names = _strings(toml, TABLE, data, key, '"safetensors"')
    for name in names:
        if name not in known:
            raise toml.fail(TABLE, key, f"format {name!r} is not known; formats: {', '.join(known)}")
    return tuple(names)


def _globals(toml: TomlChecker, data: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    pairs = set()
    for qualified in _strings(toml, TABLE, data, "allow_globals", '"module.Class"'):
        module, _, name = qualified.rpartition(".")
        if not module or not name:
            raise toml.fail(
                TABLE, "allow_globals", f'{qualified!r} is not a module.name, e.g. "collections.OrderedDict"'
            )
        pairs.add((module, name))
    return frozenset(pairs)


def _licenses(toml: TomlChecker, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    # SPDX ids compare without case: the Hub writes apache-2.0, SPDX Apache-2.0.
    return tuple(name.lower() for name in _strings(toml, (*TABLE, "licenses"), data, key, '"apache-2.0"'))
