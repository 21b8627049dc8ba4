"""`ptm lock --upgrade` keeps models trained together (trained_with) on one side of an upgrade."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import write_manifest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COUPLED = """\
[models.bert]
repo = "fixtures/tiny-bert"
trained_with = ["mlp"]

[models.mlp]
repo = "fixtures/tiny-mlp"

[models.other]
repo = "fixtures/no-license"

[[edges]]
from = "bert"
to = "mlp"
kind = "feature-handoff"
mode = "sequential"

[[edges]]
from = "mlp"
to = "other"
kind = "evaluation"
"""


def commits() -> dict[str, str]:
    data = tomllib.loads(Path("ptm.lock").read_text())
    return {name: entry["commit"] for name, entry in data["models"].items()}


def move_upstream(hub) -> dict[str, str]:
    return {
        "bert": hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 3}'}),
        "mlp": hub.hub.commit("fixtures/tiny-mlp", {"config.json": b'{"v": 3}'}),
    }


def test_upgrading_one_of_a_training_pair_is_refused(hub, ptm) -> None:
    write_manifest(COUPLED)
    ptm("lock")
    before = Path("ptm.lock").read_bytes()
    move_upstream(hub)
    result = ptm("lock --upgrade mlp", expect=2)
    assert result.stderr.strip() == (
        f"error: {Path('ptm.toml').absolute()}:3: cannot upgrade mlp without bert: they are trained together "
        "(trained_with); upgrade them together with `ptm lock --upgrade bert mlp`, "
        "or pass --allow-split to move them apart"
    )
    assert Path("ptm.lock").read_bytes() == before


def test_allow_split_moves_only_the_named_model(hub, ptm) -> None:
    write_manifest(COUPLED)
    ptm("lock")
    before = commits()
    upstream = move_upstream(hub)
    ptm("lock --upgrade mlp --allow-split")
    after = commits()
    assert after["mlp"] == upstream["mlp"] and after["bert"] == before["bert"]


def test_allow_split_without_upgrade_is_refused(ptm) -> None:
    write_manifest(COUPLED)
    result = ptm("lock --allow-split", expect=2)
    assert result.stderr.strip() == (
        "error: --allow-split only applies with --upgrade: `ptm lock --upgrade --allow-split NAME...`"
    )
    assert not Path("ptm.lock").exists()


def test_upgrading_the_whole_training_set_or_everything_is_allowed(hub, ptm) -> None:
    write_manifest(COUPLED)
    ptm("lock")
    upstream = move_upstream(hub)
    ptm("lock --upgrade bert mlp")
    assert {k: v for k, v in commits().items() if k != "other"} == upstream
    ptm("lock --upgrade other")  # not coupled to anything: moves alone
    ptm("lock --upgrade")
