"""`ptm affected`: what ptm.lock's changes since a git base reach downstream, and verifying exactly that."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import one_line_error, write_manifest
from tests.export.support import MLP_EXPORT

# bert feeds mlp (which declares an export), whose output a scorer post-processes; tuned is derived from
# mlp; judge evaluates bert's output; teacher guides mlp's training only.
SYSTEM = f"""\
[models.bert]
repo = "fixtures/tiny-bert"

[models.mlp]
repo = "fixtures/tiny-mlp"

{MLP_EXPORT}

[models.tuned]
repo = "fixtures/no-license"
base = "mlp"
adaptation = "weights"

[models.judge]
repo = "fixtures/tiny-mlp"
revision = "v1.0"

[models.teacher]
repo = "fixtures/tiny-bert"
revision = "dev"

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

[[edges]]
from = "bert"
to = "judge"
kind = "evaluation"

[[edges]]
from = "teacher"
to = "mlp"
kind = "feedback-guidance"
stage = "fine-tuning"
"""

# Two interchangeable encoders feeding a head.
GROUPED = """\
[models.enc-a]
repo = "fixtures/tiny-bert"
role = "interchangeable"
group = "encoder"
task = "feature-extraction"

[models.{second}]
repo = "fixtures/tiny-bert"
revision = "v1.0"
role = "interchangeable"
group = "encoder"
task = "feature-extraction"

[models.head]
repo = "fixtures/tiny-mlp"

[[edges]]
from = "enc-a"
to = "head"
kind = "feature-handoff"
mode = "sequential"
"""


@pytest.fixture
def git(monkeypatch: pytest.MonkeyPatch, isolated_env):
    """A git repository in the project folder, on branch main, that ignores the machine's git settings."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "ptm tests")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "tests@example.invalid")

    def run(*args: str) -> str:
        return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout

    run("init", "-q", "-b", "main")
    return run


def commit_all(git, message: str) -> None:
    git("add", "ptm.toml", "ptm.lock")
    git("commit", "-q", "-m", message)


def affected_json(ptm, *args: str) -> dict:
    return json.loads(ptm(["affected", "--list", "--format", "json", *args]).stdout)


def test_affected_lists_the_changed_model_and_everything_downstream_with_why(hub, ptm, git) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    commit_all(git, "lock the system")
    git("checkout", "-q", "-b", "upgrade-bert")
    old = hub.hub.resolve("fixtures/tiny-bert")
    new = hub.hub.commit("fixtures/tiny-bert", {"extra.json": b"[]"})
    ptm("lock --upgrade bert")
    commit_all(git, "upgrade bert")

    lines = ptm("affected --list").stdout.splitlines()
    base = git("merge-base", "HEAD", "main").strip()
    assert lines[0] == f"Affected since merge-base HEAD main ({base[:7]}): 5"
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:]}
    assert rows == {
        "bert": f"pin changed: {old[:7]} -> {new[:7]}  [no [models.bert.export]: nothing to verify]",
        "mlp": "downstream of bert: bert -feature-handoff-> mlp",
        "judge": "downstream of bert: bert -evaluation-> judge"
        "  [no [models.judge.export]: nothing to verify]",
        "scorer": "downstream of bert: bert -feature-handoff-> mlp -post-processing-> scorer"
        "  [a component: nothing to verify]",
        "tuned": "downstream of bert: bert -feature-handoff-> mlp -base-> tuned"
        "  [no [models.tuned.export]: nothing to verify]",
    }
    # teacher only guides mlp's training: it is upstream, and nothing of it changed.
    assert "teacher" not in rows


def test_affected_json_names_each_model_once_and_what_is_verified(hub, ptm, git) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    commit_all(git, "lock the system")
    hub.hub.commit("fixtures/tiny-bert", {"extra.json": b"[]"}, branch="dev")
    ptm("lock --upgrade teacher")  # uncommitted: the base is HEAD itself on main

    data = affected_json(ptm)
    assert data["base"]["commit"] == git("rev-parse", "HEAD").strip()
    # Guidance during fine-tuning does not carry a new teacher into mlp's shipped weights.
    assert [(a["name"], a["changed"], a["verified"]) for a in data["affected"]] == [("teacher", True, False)]
    assert data["affected"][0]["skipped"] == "no [models.teacher.export]: nothing to verify"
    assert data["groups"] == []


def test_affected_with_an_unchanged_lock_verifies_nothing(hub, ptm, git) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    commit_all(git, "lock the system")
    result = ptm("affected")
    head = git("rev-parse", "HEAD").strip()
    assert (
        result.stdout
        == f"ptm.lock pins the same models as at merge-base HEAD main ({head[:7]}): nothing is affected.\n"
    )


def test_affected_compares_with_a_given_base_and_counts_new_models(hub, ptm, git) -> None:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\n')
    ptm("lock")
    commit_all(git, "one model")
    git("tag", "v1")
    write_manifest(SYSTEM)
    ptm("lock")
    commit_all(git, "the system")
    data = affected_json(ptm, "--base", "v1")
    assert data["base"]["ref"] == "v1"
    reasons = {a["name"]: a["reason"] for a in data["affected"]}
    assert reasons["mlp"] == reasons["judge"] == reasons["teacher"] == "added to ptm.lock"
    assert "bert" not in reasons
    assert reasons["scorer"] == "downstream of mlp: mlp -post-processing-> scorer"


def test_swapping_a_group_member_checks_that_groups_contract(hub, ptm, git) -> None:
    write_manifest(GROUPED.format(second="enc-b"))
    ptm("lock")
    commit_all(git, "two encoders")
    git("checkout", "-q", "-b", "swap")
    write_manifest(GROUPED.format(second="enc-c"))
    ptm("lock")
    commit_all(git, "enc-c replaces enc-b")

    data = affected_json(ptm)
    assert data["groups"] == [
        {
            "group": "encoder",
            "reason": "'enc-c' swapped in for 'enc-b'",
            "checked": False,
            "blocked": "not checked: 'enc-a', 'enc-c' declare no [models.enc-a.export]",
        }
    ]
    assert [a["name"] for a in data["affected"]] == ["enc-c"]


def test_a_swapped_group_with_exports_is_verified_as_a_group(hub, ptm, git) -> None:
    export = (
        '\n[models.{0}.export]\ninputs = [{{ name = "input_ids", dtype = "int64", shape = [1, 4], '
        "range = [0, 60] }}]\n"
    )
    write_manifest(GROUPED.format(second="enc-b") + export.format("enc-a") + export.format("enc-b"))
    ptm("lock")
    commit_all(git, "two encoders")
    git("checkout", "-q", "-b", "swap")
    write_manifest(GROUPED.format(second="enc-c") + export.format("enc-a") + export.format("enc-c"))
    ptm("lock")
    commit_all(git, "enc-c replaces enc-b")

    data = affected_json(ptm)
    assert [(g["group"], g["checked"]) for g in data["groups"]] == [("encoder", True)]
    # Verifying runs `ptm verify --group encoder`, which needs every member exported first.
    result = ptm("affected --frozen", expect=1)
    assert "group encoder: 'enc-c' swapped in for 'enc-b'; contract checked" in result.stdout
    assert one_line_error(result) == "error: 'enc-a' has no onnx record in ptm.lock; run `ptm export enc-a`"


def test_affected_needs_a_base_it_can_find(hub, ptm, git) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    git("checkout", "-q", "-b", "work")
    commit_all(git, "on a branch, with no main")
    assert one_line_error(ptm("affected", expect=2)) == (
        "error: no base to compare ptm.lock with: neither main nor origin/main shares history with HEAD; "
        "pass --base REF (e.g. --base origin/develop)"
    )
    assert one_line_error(ptm("affected --base nope", expect=2)) == (
        "error: --base nope is not a commit here; give a branch, tag or commit"
    )


def test_affected_outside_git_says_so(hub, ptm, isolated_env) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    assert one_line_error(ptm("affected", expect=2)) == (
        f"error: {isolated_env} is not in a git work tree: `ptm affected` compares ptm.lock with a commit"
    )


@pytest.mark.e2e  # exports with torch: most of a minute on a loaded machine
def test_affected_verifies_the_exported_model_downstream_of_a_moved_pin(hub, ptm, git) -> None:
    write_manifest(SYSTEM)
    ptm("install")
    ptm("export mlp")
    commit_all(git, "mlp exported")
    git("checkout", "-q", "-b", "upgrade-bert")
    hub.hub.commit("fixtures/tiny-bert", {"extra.json": b"[]"})
    ptm("lock --upgrade bert")
    commit_all(git, "upgrade bert")

    result = ptm("affected --frozen")
    checks = [line for line in result.stdout.splitlines() if line.startswith(("ok ", "FAIL ", "info "))]
    assert checks and all(line.split()[1] == "mlp" for line in checks)  # mlp only: bert has no export
    assert "ok    mlp  onnx vs ptm.lock" in result.stdout
    assert result.stdout.endswith(f"All {len(checks)} checks passed.\n")

    # A failing check fails the run with verify's exit code.
    onnx = Path("artifacts/mlp/model.onnx")
    onnx.write_bytes(onnx.read_bytes() + b"\0")
    data = json.loads(ptm("affected --frozen --format json", expect=4).stdout)
    assert data["ok"] is False and data["failed"] >= 1
    assert {c["model"] for c in data["checks"]} == {"mlp"}


def test_a_project_in_a_subfolder_is_compared_with_its_own_lock(hub, ptm, git, isolated_env) -> None:
    project = isolated_env / "services" / "vision"
    project.mkdir(parents=True)
    write_manifest(SYSTEM, project / "ptm.toml")
    manifest = str(project / "ptm.toml")
    ptm(["-m", manifest, "lock"])
    git("add", "services")
    git("commit", "-q", "-m", "the system, in a subfolder")
    hub.hub.commit("fixtures/tiny-mlp", {"extra.json": b"[]"})
    ptm(["-m", manifest, "lock", "--upgrade", "mlp"])
    data = json.loads(ptm(["-m", manifest, "affected", "--list", "--format", "json"]).stdout)
    assert [a["name"] for a in data["affected"]] == ["mlp", "scorer", "tuned"]


def test_a_shallow_clone_without_the_merge_base_says_to_fetch_the_history(
    hub, ptm, git, isolated_env
) -> None:
    write_manifest(SYSTEM)
    ptm("lock")
    commit_all(git, "lock the system")
    git("checkout", "-q", "-b", "work")
    git("commit", "-q", "--allow-empty", "-m", "more work")
    clone = isolated_env.parent / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "work", isolated_env.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    line = one_line_error(ptm(["-m", str(clone / "ptm.toml"), "affected"], expect=2))
    assert line == (
        "error: no base to compare ptm.lock with: neither main nor origin/main shares history with HEAD in "
        "this shallow clone; fetch the whole history (actions/checkout: fetch-depth: 0), or pass --base REF "
        "(e.g. --base origin/develop)"
    )


def test_verify_affected_is_ptm_affected(hub, ptm, git) -> None:
    export = (
        '\n[models.{0}.export]\ninputs = [{{ name = "input_ids", dtype = "int64", shape = [1, 4], '
        "range = [0, 60] }}]\n"
    )
    write_manifest(GROUPED.format(second="enc-b") + export.format("enc-a") + export.format("enc-b"))
    ptm("lock")
    commit_all(git, "two encoders")
    git("checkout", "-q", "-b", "swap")
    write_manifest(GROUPED.format(second="enc-c") + export.format("enc-a") + export.format("enc-c"))
    ptm("lock")
    commit_all(git, "enc-c replaces enc-b")
    result = ptm("verify --affected --frozen", expect=1)
    assert "group encoder: 'enc-c' swapped in for 'enc-b'; contract checked" in result.stdout
    assert one_line_error(result) == "error: 'enc-a' has no onnx record in ptm.lock; run `ptm export enc-a`"
    assert one_line_error(ptm("verify --affected enc-a", expect=2)) == (
        "error: --affected picks the models itself: drop NAMES and --group"
    )
    assert one_line_error(ptm("verify --base main", expect=2)) == (
        "error: --base goes with --affected: `ptm verify --affected --base REF`"
    )
