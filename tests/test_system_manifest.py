"""The system model in ptm.toml: components, derived models and training couplings, checked with lines."""

from __future__ import annotations

import pytest

from ptmlock.manifest import parse_manifest
from tests.conftest import manifest_error, validate, write_manifest

SYSTEM = """\
[models.encoder]
repo = "org/encoder"

[models.encoder-lora]
repo = "org/encoder-lora"
base = "encoder"
adaptation = "adapter"
adapter = "lora"

[models.head]
repo = "org/head"
trained_with = ["encoder-lora"]

[components.join]
kind = "fusion"
description = "concatenates features"

[[edges]]
from = "encoder-lora"
to = "join"
kind = "feature-handoff"
mode = "parallel"

[[edges]]
from = "join"
to = "head"
kind = "feature-handoff"
mode = "sequential"
"""


def test_components_derived_models_and_couplings_parse() -> None:
    manifest = parse_manifest(SYSTEM)
    lora = manifest.models["encoder-lora"]
    assert (lora.base, lora.adaptation, lora.adapter) == ("encoder", "adapter", "lora")
    assert manifest.models["head"].trained_with == ("encoder-lora",)
    assert manifest.components["join"].kind == "fusion" and manifest.components["join"].line == 14
    assert [(e.source, e.target) for e in manifest.edges] == [("encoder-lora", "join"), ("join", "head")]
    assert manifest.models["head"].line_of("trained_with") == 12
    validate("ptm", dict(manifest.data))


def test_descriptive_system_keys_do_not_change_the_pin() -> None:
    plain = parse_manifest(SYSTEM.replace('trained_with = ["encoder-lora"]\n', ""))
    assert plain.models["head"].declaration_hash == parse_manifest(SYSTEM).models["head"].declaration_hash


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            ('base = "encoder"', 'base = "encodr"'),
            6,
            "base 'encodr' of 'encoder-lora' is not a declared model; did you mean 'encoder'?",
        ),
        (('base = "encoder"', 'base = "join"'), 6, "base 'join' of 'encoder-lora' is a component"),
        (('base = "encoder"', 'base = "encoder-lora"'), 6, "'encoder-lora' names itself in base"),
        (
            ('trained_with = ["encoder-lora"]', 'trained_with = ["nope"]'),
            12,
            "trained_with 'nope' of 'head' is not a declared model",
        ),
        (
            ('trained_with = ["encoder-lora"]', 'trained_with = "encoder-lora"'),
            12,
            "must be a list of model names",
        ),
        (('adaptation = "adapter"\n', ""), 6, "has base but no adaptation"),
        (
            ('adapter = "lora"\n', ""),
            7,
            'adapter names the adapter type and goes with adaptation = "adapter"',
        ),
        (('adaptation = "adapter"', 'adaptation = "weights"'), 8, "adapter names the adapter type"),
        (('adaptation = "adapter"', 'adaptation = "lora"'), 7, "adaptation 'lora' is not known"),
        (
            ('kind = "fusion"', 'kinds = "fusion"'),
            15,
            "unknown key 'kinds' in [components.join]; did you mean 'kind'?",
        ),
        (
            ('to = "join"', 'to = "joins"'),
            20,
            "edge to 'joins' is not a declared model or component; did you mean 'join'?",
        ),
        (("[components.join]", "[components.head]"), 14, "'head' is both a model and a component"),
    ],
    ids=[
        "unknown-base",
        "component-base",
        "self-base",
        "unknown-partner",
        "partner-not-list",
        "base-without-adaptation",
        "adapter-missing",
        "adapter-without-adapter-adaptation",
        "unknown-adaptation",
        "unknown-component-key",
        "edge-to-unknown-component",
        "name-clash",
    ],
)
def test_system_mistakes_name_the_line(change: tuple[str, str], line: int, message: str) -> None:
    error = manifest_error(SYSTEM.replace(*change))
    assert message in error.message
    assert error.line == line, error.message


def test_adaptation_without_base_is_refused() -> None:
    error = manifest_error('[models.x]\nrepo = "a/b"\nadaptation = "weights"\n')
    assert "has adaptation but no base" in error.message and error.line == 3


INLINE_EDGES = """\
edges = [
    { from = "a", to = "b", kind = "evaluation" },
    { from = "b", to = "a", kind = "evaluation" },  # {"braces" in a comment}
]

[models.a]
repo = "org/a"

[models.b]
repo = "org/b"
"""


def test_inline_edges_are_located_at_their_own_lines(ptm) -> None:
    write_manifest(INLINE_EDGES)
    [line] = ptm("validate", expect=2).stderr.strip().splitlines()
    assert "ptm.toml:2: cycle a -> b -> a (edges at lines 2, 3)" in line
    error = manifest_error(INLINE_EDGES.replace('to = "a"', 'to = "c"'))
    assert error.line == 3 and "edge to 'c' is not a declared model or component" in error.message
