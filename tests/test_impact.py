"""Impact: `ptm why` (what depends on a model) and `ptm diff` (what a lock change touches downstream)."""

from __future__ import annotations

import json
import shutil

from tests.conftest import REPO_ROOT, write_manifest

TEXT_TO_IMAGE = str(REPO_ROOT / "examples" / "text-to-image" / "ptm.toml")

SYSTEM = """\
[models.bert]
repo = "fixtures/tiny-bert"

[models.mlp]
repo = "fixtures/tiny-mlp"

[models.tuned]
repo = "fixtures/no-license"
base = "mlp"
adaptation = "weights"

[components.scorer]
kind = "glue"

[[edges]]
from = "bert"
to = "mlp"
kind = "feature-handoff"
mode = "sequential"

[[edges]]
from = "mlp"
to = "scorer"
kind = "post-processing"
"""


def test_why_lists_dependents_transitively_with_the_path(ptm) -> None:
    result = ptm(["-m", TEXT_TO_IMAGE, "why", "denoiser"])
    lines = result.stdout.splitlines()
    assert lines[0] == "5 depend on denoiser:"
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:]}
    assert rows["lcm-lora"] == "denoiser -base-> lcm-lora"
    assert rows["vae-decoder"] == "denoiser -feature-handoff-> vae-decoder"
    assert (
        rows["release-filter"] == "denoiser -feature-handoff-> vae-decoder -feature-handoff-> release-filter"
    )
    assert set(rows) == {"lcm-lora", "vae-decoder", "safety-checker", "release-filter", "clip-scorer"}


def test_why_json_and_leaf(ptm) -> None:
    data = json.loads(ptm(["-m", TEXT_TO_IMAGE, "why", "vae-decoder", "--format", "json"]).stdout)
    assert data["name"] == "vae-decoder"
    assert {d["name"]: d["via"] for d in data["dependents"]} == {
        "safety-checker": ["evaluation"],
        "release-filter": ["feature-handoff"],
        "clip-scorer": ["evaluation"],
    }
    assert ptm(["-m", TEXT_TO_IMAGE, "why", "clip-scorer"]).stdout == "Nothing depends on clip-scorer.\n"


def test_why_follows_training_partners_both_ways(ptm) -> None:
    write_manifest('[models.a]\nrepo = "o/a"\ntrained_with = ["b"]\n\n[models.b]\nrepo = "o/b"\n')
    assert "a -trained-with-> b" in ptm("why a").stdout
    assert "b -trained-with-> a" in ptm("why b").stdout


def test_why_unknown_name_suggests_the_closest(ptm) -> None:
    result = ptm(["-m", TEXT_TO_IMAGE, "why", "denoser"], expect=2)
    assert (
        "'denoser' is not a model or component" in result.stderr
        and "did you mean 'denoiser'" in result.stderr
    )


def test_diff_shows_changed_pins_files_and_downstream(hub, ptm) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    shutil.copy("ptm.lock", "old.lock")
    old_commit = hub.hub.resolve("fixtures/tiny-bert")
    new_commit = hub.hub.commit("fixtures/tiny-bert", {"config.json": b"{}", "extra.json": b"[]"})
    ptm("lock --upgrade bert")
    lines = ptm("diff old.lock ptm.lock", expect=1).stdout.splitlines()
    assert lines[0] == f"~ {'bert':<20} {old_commit[:12]} -> {new_commit[:12]}  (files: 1 changed, 1 added)"
    assert lines[1:3] == ["    ~ config.json", "    + extra.json"]
    assert lines[3] == "Affected downstream:"
    affected = {line.split()[0]: line.split(None, 1)[1] for line in lines[4:]}
    assert affected == {
        "mlp": "bert -feature-handoff-> mlp",
        "scorer": "bert -feature-handoff-> mlp -post-processing-> scorer",
        "tuned": "bert -feature-handoff-> mlp -base-> tuned",
    }


def test_diff_json_reports_added_and_removed_models(hub, ptm) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    shutil.copy("ptm.lock", "old.lock")
    without_tuned = SYSTEM.replace('[models.tuned]\nrepo = "fixtures/no-license"\nbase = "mlp"\n', "")
    write_manifest(
        without_tuned.replace('adaptation = "weights"\n', "")
        + '\n[models.extra]\nrepo = "fixtures/tiny-mlp"\n'
    )
    ptm("lock")
    data = json.loads(ptm("diff old.lock ptm.lock -f json", expect=1).stdout)
    changes = {c["name"]: c for c in data["changes"]}
    assert set(changes) == {"extra", "tuned"}
    assert changes["extra"]["status"] == "added" and changes["extra"]["old_commit"] is None
    assert changes["tuned"]["status"] == "removed" and changes["tuned"]["new_commit"] is None
    assert data["affected"] == []
    assert ptm("diff old.lock ptm.lock", expect=1).stdout.endswith("Nothing downstream is affected.\n")


def test_diff_of_identical_locks_and_missing_files(hub, ptm) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    assert ptm("diff ptm.lock ptm.lock").stdout == "No model changed between ptm.lock and ptm.lock.\n"
    result = ptm("diff nope.lock ptm.lock", expect=2)
    assert result.stderr.strip() == (
        "error: nope.lock: not found; give two ptm.lock files, e.g. from `git show HEAD~1:ptm.lock`"
    )


def test_diff_without_a_manifest_still_lists_changes(hub, ptm, tmp_path) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    shutil.copy("ptm.lock", tmp_path / "old.lock")
    hub.hub.commit("fixtures/tiny-mlp", {"config.json": b"{}"})
    ptm("lock --upgrade mlp")
    shutil.copy("ptm.lock", tmp_path / "new.lock")
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    lines = ptm(
        ["-m", str(empty / "ptm.toml"), "diff", str(tmp_path / "old.lock"), str(tmp_path / "new.lock")],
        expect=1,
    ).stdout
    assert lines.splitlines()[0].startswith("~ mlp")
    assert "No ptm.toml here, so downstream impact is not shown." in lines
