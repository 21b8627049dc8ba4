"""ptm.toml validation: every problem is one line naming file, line and the fix."""

from __future__ import annotations

import functools

import pytest

from ptmlock.manifest_check import parse_checked_manifest as parse_manifest
from tests.conftest import manifest_error, one_line_error, validate, write_manifest

# ptm.toml as commands read it: the format's checks, then each source's.
error_of = functools.partial(manifest_error, parse=parse_manifest)

GOOD = """\
# our models
[models.bert]
repo = "fixtures/tiny-bert"
revision = "v1.0"   # pinned by tag
task = "feature-extraction"

[models.mlp-a]
repo = "fixtures/tiny-mlp"
role = "interchangeable"
group = "head"

[models.mlp-b]
repo = "fixtures/tiny-mlp"
revision = "0123456789abcdef0123456789abcdef01234567"
role = "interchangeable"
group = "head"

[[edges]]
from = "bert"
to = "mlp-a"
kind = "feature-handoff"
mode = "sequential"
stage = "inference"
"""


def test_valid_manifest_parses_into_models_and_edges() -> None:
    manifest = parse_manifest(GOOD)
    assert list(manifest.models) == ["bert", "mlp-a", "mlp-b"]
    assert manifest.models["bert"].revision == "v1.0"
    assert manifest.models["mlp-a"].revision == "main"
    assert manifest.models["mlp-b"].pinned
    assert manifest.edges[0].source == "bert" and manifest.edges[0].mode == "sequential"
    validate("ptm", dict(manifest.data))


def test_one_glob_may_be_written_without_a_list_and_the_schema_agrees() -> None:
    manifest = parse_manifest('[models.bert]\nrepo = "org/bert"\ninclude = "*.json"\n')
    assert manifest.models["bert"].include == ("*.json",)
    validate("ptm", dict(manifest.data))


def test_comments_and_layout_do_not_change_a_models_declaration_hash() -> None:
    reformatted = GOOD.replace("# our models\n", "").replace(
        'revision = "v1.0"   # pinned by tag', 'revision="v1.0"'
    )

    def hashes(text: str) -> dict[str, str]:
        return {name: spec.declaration_hash for name, spec in parse_manifest(text).models.items()}

    assert hashes(reformatted) == hashes(GOOD)
    assert hashes(GOOD.replace("v1.0", "main")) != hashes(GOOD)


def test_declaration_hash_ignores_descriptive_keys() -> None:
    changed = parse_manifest(GOOD.replace('task = "feature-extraction"', 'task = "fill-mask"'))
    assert changed.models["bert"].declaration_hash == parse_manifest(GOOD).models["bert"].declaration_hash


def test_unknown_key_names_line_and_suggests_fix() -> None:
    error = error_of(GOOD.replace('revision = "v1.0"', 'revison = "v1.0"'))
    assert error.line == 4
    assert "ptm.toml:4" in error.message and "did you mean 'revision'" in error.message


def test_an_uppercase_key_is_told_its_lowercase_name() -> None:
    error = error_of(GOOD.replace('revision = "v1.0"', 'REVISION = "v1.0"'))
    assert "unknown key 'REVISION'" in error.message and "did you mean 'revision'" in error.message


def test_unknown_top_level_key_is_an_error() -> None:
    error = error_of("[model.bert]\nrepo = 'a/b'\n")
    assert "unknown key 'model'" in error.message and "did you mean 'models'" in error.message
    assert error.line == 1


def test_edge_to_undeclared_model_names_the_edge_line() -> None:
    error = error_of(GOOD.replace('to = "mlp-a"', 'to = "mlp-c"'))
    assert error.line == 20
    assert "edge to 'mlp-c' is not a declared model" in error.message


def test_interchangeable_model_without_group() -> None:
    error = error_of('[models.x]\nrepo = "a/b"\nrole = "interchangeable"\n')
    assert error.line == 3 and "needs a group" in error.message


def test_group_without_interchangeable_role() -> None:
    error = error_of('[models.x]\nrepo = "a/b"\ngroup = "g"\n')
    assert 'set role = "interchangeable"' in error.message


@pytest.mark.parametrize(
    ("revision", "why"),
    [
        ("", "non-empty"),
        ("feature..x", "not a valid"),
        ("has space", "not a valid"),
        ("-rf", "not a valid"),
        ("v1.lock", "not a valid"),
        ("0123456789ABCDEF0123456789ABCDEF01234567", "must be lowercase"),
        ("0123456789abcdef0123456789abcdef012345678", "longer than a 40-hex"),
    ],
)
def test_bad_revision_strings_are_rejected(revision: str, why: str) -> None:
    error = error_of(f'[models.x]\nrepo = "a/b"\nrevision = "{revision}"\n')
    assert error.line == 3 and why in error.message


def test_feature_handoff_needs_a_mode_and_others_refuse_one() -> None:
    assert "needs mode" in error_of(GOOD.replace('mode = "sequential"\n', "")).message
    text = GOOD.replace('kind = "feature-handoff"', 'kind = "evaluation"')
    assert "mode only applies" in error_of(text).message


def test_unknown_edge_kind_suggests_the_closest() -> None:
    error = error_of(GOOD.replace('kind = "feature-handoff"', 'kind = "feature-hand-off"'))
    assert "did you mean 'feature-handoff'" in error.message and error.line == 21


def test_invalid_toml_names_the_line() -> None:
    error = error_of('[models.x]\nrepo = "a/b\n')
    assert error.line == 2 and "invalid TOML" in error.message


def test_a_misspelled_hub_suggests_the_closest() -> None:
    error = error_of('[models.x]\nhub = "huggingfase"\nrepo = "a/b"\n')
    assert "did you mean 'huggingface'" in error.message and error.line == 2


def test_missing_repo_and_bad_repo_id() -> None:
    assert "needs repo" in error_of('[models.x]\nrevision = "main"\n').message
    assert "not a Hugging Face repo id" in error_of('[models.x]\nrepo = "../etc"\n').message


def test_model_name_must_be_a_plain_identifier() -> None:
    assert "may only use letters" in error_of('[models."a b"]\nrepo = "a/b"\n').message


def test_validate_checks_the_policy_table_that_lock_accepts(ptm) -> None:
    one = '[models.bert]\nrepo = "org/bert"\n'
    write_manifest(one + '\n[policy]\nformats = ["safetensors"]\nallow_pickle = "never"\n')
    ptm("validate")
    write_manifest(one + '\n[policy]\nallow_pickle = "sometimes"\n')
    line = one_line_error(ptm("validate", expect=2))
    assert "ptm.toml:" in line and "allow_pickle" in line
