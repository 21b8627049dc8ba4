"""A manifest's daily life under `ptm lock`: renames and selection changes never move a pin, and
`--dry-run` previews a run. Every branch is moved upstream first, so a pin that moved would show."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.github import HUBCONF_REPO
from ptmlock.lockfile import Lock, LockedModel, read_lock
from ptmlock.manifest import load_manifest, parse_manifest
from ptmlock.resolve import KEEP, RELIST, RENAME, RENAMED, RESOLVE, lock_project, plan_models
from tests.conftest import one_line_error, write_manifest
from tests.installing import store_root
from tests.test_lock import lock_data

BERT = """\
[models.{name}]
repo = "fixtures/tiny-bert"
include = {include}
"""
SELECTED = '["*.json", "*.safetensors"]'


def declare_bert(name: str = "bert", include: str = SELECTED, extra: str = "") -> None:
    write_manifest(BERT.format(name=name, include=include) + extra)


def move_main(hub) -> str:
    return hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"moved": "upstream"}'}, message="moved")


def test_renaming_a_model_keeps_its_pin_and_says_so(hub, ptm) -> None:
    declare_bert("generator")
    ptm("lock")
    before = lock_data()["models"]["generator"]
    moved = move_main(hub)

    declare_bert("gen-main")
    result = ptm("lock")

    after = lock_data()["models"]
    assert list(after) == ["gen-main"] and after["gen-main"] == before != moved
    [line, summary] = result.stdout.splitlines()
    assert line.startswith("> gen-main ") and line.endswith(" renamed from generator")
    assert before["commit"][:12] in line
    assert summary == "Wrote ptm.lock (1 model)."
    assert "removed" not in result.stdout and "added" not in result.stdout


def test_a_renamed_model_keeps_its_export_records(hub, ptm) -> None:
    declare_bert("generator")
    ptm("lock")
    locked = read_lock(Path("ptm.lock"))
    assert locked is not None
    exported = {"exports": {"onnx": {"path": "artifacts/generator/model.onnx"}}}
    with_exports = locked.models["generator"]._replace(export_tables=exported)
    previous = locked._replace(models={"generator": with_exports})
    move_main(hub)
    declare_bert("gen-main")

    result = lock_project(load_manifest(Path("ptm.toml")), previous, keeper=None)

    [change] = result.changes
    assert (change.name, change.status, change.renamed_from) == ("gen-main", RENAMED, "generator")
    assert result.lock.models["gen-main"].export_tables == exported
    assert result.lock.models["gen-main"].commit == with_exports.commit


def test_a_renamed_local_model_is_still_read_again(ptm) -> None:
    Path("ranker").mkdir()
    Path("ranker/w.bin").write_bytes(b"v1")
    write_manifest('[models.ranker]\nhub = "local"\npath = "ranker"\n')
    ptm("lock")
    write_manifest('[models.scorer]\nhub = "local"\npath = "ranker"\n')
    assert ptm("lock").stdout.splitlines()[0].endswith(" renamed from ranker")

    write_manifest('[models.judge]\nhub = "local"\npath = "ranker"\n')
    Path("ranker/w.bin").write_bytes(b"v2")
    line = ptm("lock").stdout.splitlines()[0]
    assert line.startswith("~ judge ") and line.endswith(" updated, renamed from scorer") and " -> " in line


def test_a_rename_that_could_pair_two_ways_resolves_anew(hub, ptm) -> None:
    declare_bert("one", extra=BERT.format(name="two", include=SELECTED))
    ptm("lock")
    moved = move_main(hub)

    declare_bert("uno", extra=BERT.format(name="dos", include=SELECTED))
    result = ptm("lock")

    assert {m["commit"] for m in lock_data()["models"].values()} == {moved}
    assert "+ dos " in result.stdout and "- one " in result.stdout and "renamed" not in result.stdout


def test_a_rename_with_another_source_is_a_removal_and_an_addition(hub, ptm) -> None:
    declare_bert("generator")
    ptm("lock")
    declare_bert("gen-main", include='["*.json"]')
    result = ptm("lock")
    assert "+ gen-main " in result.stdout and "- generator " in result.stdout


def test_changing_include_lists_the_files_again_at_the_locked_commit(hub, ptm) -> None:
    declare_bert()
    ptm("lock")
    before = lock_data()["models"]["bert"]
    move_main(hub)

    declare_bert(include='["*.json", "*.safetensors", "vocab.txt"]')
    result = ptm("lock")

    after = lock_data()["models"]["bert"]
    assert after["commit"] == before["commit"] and after["revision"] == "main"
    files = {f["path"]: f for f in after["files"]}
    assert "vocab.txt" in files and all(files[f["path"]] == f for f in before["files"])
    assert f"{before['commit'][:12]}  (" in result.stdout and "-> " not in result.stdout
    assert "~ bert " in result.stdout and result.stdout.splitlines()[0].endswith(" updated")
    assert "bert: its entry in ptm.toml changed" not in ptm("lock --check").stdout


def test_changing_the_revision_or_upgrading_still_moves_the_commit(hub, ptm) -> None:
    declare_bert()
    ptm("lock")
    moved = move_main(hub)
    declare_bert(include='["*.json"]')
    ptm("lock")
    assert lock_data()["models"]["bert"]["commit"] != moved
    ptm("lock --upgrade bert")
    assert lock_data()["models"]["bert"]["commit"] == moved

    write_manifest(BERT.format(name="bert", include='["*.json"]') + 'revision = "v1.0"\n')
    ptm("lock")
    assert lock_data()["models"]["bert"]["commit"] == hub.hub.resolve("fixtures/tiny-bert", "v1.0")


def test_changing_torchhub_weights_keeps_the_code_commit(github, files, ptm) -> None:
    model = """\
[models.mlp]
hub = "torchhub"
repo = "{repo}"
entry = "tiny_mlp"
weights = ["{files}/weights/tiny_mlp-{version}.pth"]
"""
    write_manifest(model.format(repo=HUBCONF_REPO, files=files.url, version="v1"))
    ptm("lock")
    before = lock_data()["models"]["mlp"]
    moved = github.github.repos.commit(HUBCONF_REPO, {"extra.py": b"# moved upstream\n"}, message="moved")

    write_manifest(model.format(repo=HUBCONF_REPO, files=files.url, version="v2"))
    ptm("lock")

    after = lock_data()["models"]["mlp"]
    assert after["commit"] == before["commit"] != moved
    assert after["files"] == before["files"]
    assert [w["path"] for w in after["weights"]] == ["tiny_mlp-v2.pth"]


def test_dry_run_prints_the_lines_of_a_real_run_and_writes_nothing(hub, ptm) -> None:
    declare_bert()
    preview = ptm("lock --dry-run")
    assert not Path("ptm.lock").exists() and not store_root().exists()
    assert preview.stdout.endswith("Would write ptm.lock (1 model); nothing written (--dry-run).\n")

    real = ptm("lock")
    assert real.stdout.splitlines()[:-1] == preview.stdout.splitlines()[:-1]
    written = Path("ptm.lock").read_bytes()
    moved = move_main(hub)

    upgrade = ptm("lock --upgrade bert --dry-run")
    assert Path("ptm.lock").read_bytes() == written
    assert f"-> {moved[:12]}" in upgrade.stdout and "~ bert " in upgrade.stdout
    assert "Up to date: ptm.lock (1 model); nothing written" in ptm("lock --dry-run").stdout


def test_dry_run_keeps_no_torchhub_archive_or_weights(github, files, ptm) -> None:
    write_manifest(
        f'[models.mlp]\nhub = "torchhub"\nrepo = "{HUBCONF_REPO}"\nentry = "tiny_mlp"\n'
        f'weights = ["{files.url}/weights/tiny_mlp-v1.pth"]\n'
    )
    ptm("lock --dry-run")
    assert not Path("ptm.lock").exists() and not store_root().exists()


def test_dry_run_with_check_is_refused(ptm) -> None:
    declare_bert()
    line = one_line_error(ptm("lock --check --dry-run", expect=2))
    assert line == "error: --check writes nothing already; drop --dry-run"


# The decision alone, from ptm.toml and the previous lock (no network).


def _lock(text: str) -> Lock:
    """The lock a manifest would have, every model pinned at one commit (only the declaration counts)."""
    manifest = parse_manifest(text)
    return Lock(
        models={
            name: LockedModel(
                name=name,
                hub=spec.hub,
                repo=spec.repo,
                revision=spec.revision,
                commit=None if spec.hub in ("url", "local") else "a" * 40,
                declaration_hash=spec.declaration_hash,
                files=(),
            )
            for name, spec in manifest.models.items()
        },
    )


def _plans(old: str, new: str, upgrade: tuple[str, ...] | None = None) -> dict[str, tuple[str, str | None]]:
    plans = plan_models(parse_manifest(new).models, _lock(old), upgrade)
    return {name: (plan.action, plan.old.name if plan.old else None) for name, plan in plans.items()}


HF = '[models.{}]\nrepo = "org/{}"\n'


@pytest.mark.parametrize(
    ("old", "new", "upgrade", "expected"),
    [
        (HF.format("a", "x"), HF.format("a", "x"), None, {"a": (KEEP, "a")}),
        (HF.format("a", "x"), HF.format("a", "x"), (), {"a": (RESOLVE, "a")}),
        (HF.format("a", "x"), HF.format("a", "x") + 'include = ["*.json"]\n', None, {"a": (RELIST, "a")}),
        (HF.format("a", "x"), HF.format("a", "x") + 'revision = "dev"\n', None, {"a": (RESOLVE, "a")}),
        (HF.format("a", "x"), HF.format("a", "y"), None, {"a": (RESOLVE, "a")}),
        (HF.format("a", "x"), HF.format("b", "x"), None, {"b": (RENAME, "a")}),
        (HF.format("a", "x"), HF.format("b", "x"), ("b",), {"b": (RESOLVE, None)}),
        (HF.format("a", "x"), HF.format("b", "x") + 'include = ["*.json"]\n', None, {"b": (RESOLVE, None)}),
        (
            HF.format("a", "x") + HF.format("b", "x"),
            HF.format("c", "x") + HF.format("d", "x"),
            None,
            {"c": (RESOLVE, None), "d": (RESOLVE, None)},
        ),
        (
            HF.format("a", "x") + HF.format("b", "y"),
            HF.format("c", "x") + HF.format("b", "y"),
            None,
            {"c": (RENAME, "a"), "b": (KEEP, "b")},
        ),
        (
            '[models.u]\nhub = "url"\nurl = "https://h/a.bin"\n',
            '[models.u]\nhub = "url"\nurl = "https://h/b.bin"\n',
            None,
            {"u": (RESOLVE, "u")},
        ),
        (
            '[models.u]\nhub = "url"\nurl = "https://h/a.bin"\n',
            '[models.v]\nhub = "url"\nurl = "https://h/a.bin"\n',
            None,
            {"v": (RENAME, "u")},
        ),
    ],
)
def test_plan_decides_keep_relist_resolve_or_rename(old, new, upgrade, expected) -> None:
    assert _plans(old, new, upgrade) == expected
