"""ptm.lock through real `git merge`: independent changes merge without conflict, a conflicted lock is
repaired from both sides' pins without resolving them again, and only a model both sides pinned
differently asks a person (`ptm lock --take`). Each scenario runs with git's own text merge and with ptm's
merge driver; the hub is moved upstream (or unreachable) after each branch locked, so a pin resolved
again instead of kept would show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ptmlock.export.records import with_records
from ptmlock.lockfile import read_lock, write_lock
from ptmlock.manifest import parse_manifest
from tests.conftest import REPO_ROOT, one_line_error, validate, write_manifest
from tests.test_remove import export_record

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DECLARATIONS = {
    "alpha": 'repo = "fixtures/no-license"',
    "bert": 'repo = "fixtures/tiny-bert"',
    "carrot": 'repo = "fixtures/tiny-bert"\nrevision = "v1.0"',
    "dog": 'repo = "fixtures/no-license"\ninclude = ["*.json"]',
    "mlp": 'repo = "fixtures/tiny-mlp"',
    "zeta": 'repo = "fixtures/tiny-mlp"\nrevision = "v1.0"',
}
UNREACHABLE = "http://127.0.0.1:9"


def declare(*names: str) -> None:
    """ptm.toml declaring ``names`` in this order: one branch adds at the top, the other at the end, so
    that git merges ptm.toml itself without conflict and only ptm.lock is in question."""
    write_manifest("\n".join(f"[models.{name}]\n{DECLARATIONS[name]}\n" for name in names))


class Git:
    def __call__(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        assert expect is None or done.returncode == expect, (
            f"git {' '.join(args)}: {done.stdout}{done.stderr}"
        )
        return done

    def commit(self, message: str) -> None:
        self("add", "-A")
        self("commit", "-q", "-m", message)

    def merge(self, branch: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return self("merge", "-q", "--no-edit", *extra, branch, expect=None)

    def unmerged(self) -> set[str]:
        return set(self("diff", "--name-only", "--diff-filter=U").stdout.split())


@pytest.fixture
def git(monkeypatch: pytest.MonkeyPatch) -> Git:
    """A git repository in the project folder, with no user or system configuration."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "ptm tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@ptmlock.invalid")
    # The merge driver runs `python -m ptmlock` from this checkout.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    )
    repo = Git()
    repo("init", "-q", "-b", "main")
    return repo


def use_driver(git: Git, ptm) -> None:
    """The one-time set-up `ptm init --git` prints, with this interpreter standing in for `ptm`."""
    printed = ptm("init --git").stdout
    assert "ptm.lock merge=ptm" in Path(".gitattributes").read_text()
    assert 'git config merge.ptm.driver "ptm merge-lock %O %A %B %P"' in printed
    git("config", "merge.ptm.driver", f"{sys.executable} -m ptmlock merge-lock %O %A %B %P")
    git.commit("merge ptm.lock with ptm")


def lock_data() -> dict:
    data = tomllib.loads(Path("ptm.lock").read_text())
    validate("ptm-lock", data)
    return data


def locked_models() -> dict:
    return lock_data()["models"]


def move_upstream(hub) -> None:
    for repo in ("fixtures/tiny-bert", "fixtures/tiny-mlp", "fixtures/no-license"):
        hub.hub.commit(repo, {"config.json": b'{"moved": "upstream"}'}, message="moved")


def branches(git: Git, ptm, base: tuple[str, ...], ours: tuple[str, ...], theirs: tuple[str, ...]) -> dict:
    """Commit ``base`` locked on main, then ``theirs`` on branch theirs and ``ours`` on main, each locked
    on its branch; the models both branches' locks pin, as a merge should keep them."""
    declare(*base)
    ptm("lock")
    git.commit("base")
    git("checkout", "-q", "-b", "theirs")
    declare(*theirs)
    ptm("lock")
    git.commit("theirs")
    theirs_models = locked_models()
    git("checkout", "-q", "main")
    declare(*ours)
    ptm("lock")
    git.commit("ours")
    return {**theirs_models, **locked_models()}


def assert_fresh(ptm, expected: dict) -> None:
    """The lock pins ``expected`` and is what `ptm lock` of the merged ptm.toml writes (no network)."""
    assert locked_models() == expected
    assert "up to date" in ptm("lock --check").stdout
    assert ptm("lock").stdout.endswith(f"Up to date: ptm.lock ({len(expected)} models).\n")


@pytest.mark.parametrize("driver", [False, True], ids=["git", "driver"])
def test_models_added_on_two_branches_merge_without_conflict(hub, git, ptm, monkeypatch, driver) -> None:
    if driver:
        use_driver(git, ptm)
    expected = branches(git, ptm, ("bert", "mlp"), ("alpha", "bert", "mlp"), ("bert", "mlp", "zeta"))
    move_upstream(hub)
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    assert git.merge("theirs").returncode == 0 and not git.unmerged()

    assert set(expected) == {"alpha", "bert", "mlp", "zeta"}
    assert_fresh(ptm, expected)


@pytest.mark.parametrize("driver", [False, True], ids=["git", "driver"])
def test_models_added_at_the_same_place_keep_both_pins(hub, git, ptm, monkeypatch, driver) -> None:
    if driver:
        use_driver(git, ptm)
    expected = branches(git, ptm, ("bert", "mlp"), ("carrot", "bert", "mlp"), ("bert", "mlp", "dog"))
    move_upstream(hub)
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    merged = git.merge("theirs")

    if driver:  # the driver merges entry by entry: nothing for a person to do
        assert merged.returncode == 0 and not git.unmerged()
    else:  # both sides inserted between bert and mlp: git's text merge conflicts, ptm lock repairs it
        assert merged.returncode == 1 and git.unmerged() == {"ptm.lock"}
        conflicted = Path("ptm.lock").read_text()
        preview = json.loads(ptm("lock --dry-run --format json").stdout)
        assert Path("ptm.lock").read_text() == conflicted and not preview["written"]
        assert preview["merged"] == {"ours": "HEAD", "theirs": "theirs"}
        kept = {m["name"]: m["kept_from"] for m in preview["models"]}
        assert kept == {"bert": None, "carrot": "ours", "dog": "theirs", "mlp": None}
        lines = ptm("lock").stdout.splitlines()
        assert any(line.startswith("= carrot ") and line.endswith(" kept from ours") for line in lines)
        assert any(line.startswith("= dog ") and line.endswith(" kept from theirs") for line in lines)
        assert (
            lines[-1]
            == "Merged both sides of the conflict in ptm.lock; mark it resolved with `git add ptm.lock`."
        )
        git.commit("merged")
    assert_fresh(ptm, expected)


def test_the_driver_flags_the_lock_while_ptm_toml_has_conflicts(hub, git, ptm, monkeypatch) -> None:
    use_driver(git, ptm)
    # Both branches add a model at the end of ptm.toml, as `ptm add` does: ptm.toml conflicts.
    expected = branches(git, ptm, ("bert", "mlp"), ("bert", "mlp", "alpha"), ("bert", "mlp", "zeta"))
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    merged = git.merge("theirs")

    assert merged.returncode == 1 and git.unmerged() == {"ptm.toml", "ptm.lock"}
    assert "ptm merge-lock: ptm.toml has conflicts too; resolve them, then run `ptm lock`" in merged.stderr
    assert "<<<<<<<" not in Path("ptm.lock").read_text() and locked_models() == expected
    declare("bert", "mlp", "alpha", "zeta")
    assert_fresh(ptm, expected)


@pytest.mark.parametrize("driver", [False, True], ids=["git", "driver"])
def test_an_upgrade_on_one_branch_and_an_addition_on_the_other_both_survive(
    hub, git, ptm, monkeypatch, driver
) -> None:
    if driver:
        use_driver(git, ptm)
    declare("bert", "mlp")
    ptm("lock")
    git.commit("base")
    old = locked_models()["bert"]["commit"]
    moved = hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 2}'}, message="v2")
    git("checkout", "-q", "-b", "theirs")
    ptm("lock --upgrade bert")
    # A change to ptm.toml that pins nothing touches no line of the lock.
    write_manifest(Path("ptm.toml").read_text().replace('tiny-bert"', 'tiny-bert"\ndescription = "v2"'))
    git.commit("upgrade bert")
    git("checkout", "-q", "main")
    declare("bert", "mlp", "zeta")
    ptm("lock")
    git.commit("add zeta")
    move_upstream(hub)
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    assert git.merge("theirs").returncode == 0 and not git.unmerged()

    models = locked_models()
    assert models["bert"]["commit"] == moved != old and "zeta" in models
    assert_fresh(ptm, models)


@pytest.mark.parametrize("driver", [False, True], ids=["git", "driver"])
def test_export_records_travel_with_their_model(hub, git, ptm, monkeypatch, driver) -> None:
    if driver:
        use_driver(git, ptm)
    declare("bert", "mlp")
    ptm("lock")
    git.commit("base")
    git("checkout", "-q", "-b", "theirs")
    # What `ptm export bert` does: settings in ptm.toml, records in ptm.lock.
    settings = '\n[models.bert.export]\ninputs = [{ name = "x", dtype = "float32", shape = ["batch", 8] }]\n'
    write_manifest(Path("ptm.toml").read_text().replace('tiny-bert"\n', 'tiny-bert"\n' + settings))
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    records = {"onnx": export_record("artifacts/bert/model.onnx", b"graph")}
    write_lock(
        Path("ptm.lock"),
        lock._replace(models={**lock.models, "bert": with_records(lock.models["bert"], records, None)}),
    )
    git.commit("export bert")
    exported = locked_models()["bert"]
    git("checkout", "-q", "main")
    declare("bert", "mlp", "zeta")
    ptm("lock")
    git.commit("add zeta")
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    assert git.merge("theirs").returncode == 0 and not git.unmerged()

    models = locked_models()
    assert models["bert"] == exported and "exports" in exported and "zeta" in models
    assert_fresh(ptm, models)


@pytest.mark.parametrize("driver", [False, True], ids=["git", "driver"])
def test_both_branches_moving_one_pin_is_a_conflict_a_person_decides(
    hub, git, ptm, monkeypatch, driver
) -> None:
    if driver:
        use_driver(git, ptm)
    declare("bert", "mlp")
    ptm("lock")
    git.commit("base")
    theirs = hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 2}'}, message="v2")
    git("checkout", "-q", "-b", "theirs")
    ptm("lock --upgrade bert")
    git.commit("bert v2")
    git("checkout", "-q", "main")
    ours = hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 3}'}, message="v3")
    ptm("lock --upgrade bert")
    git.commit("bert v3")
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    merged = git.merge("theirs")

    assert merged.returncode == 1 and git.unmerged() == {"ptm.lock"}
    if driver:
        assert "ptm merge-lock: both sides changed bert; run `ptm lock`" in merged.stdout + merged.stderr
    conflicted = Path("ptm.lock").read_text()
    error = one_line_error(ptm("lock", expect=1))
    label = "ours" if driver else "ours (HEAD)"  # the driver is not told the branches' names
    assert error == (
        f"error: ptm.lock: both sides pinned bert ({label} {ours[:12]}, theirs {theirs[:12]}); keep one "
        "with `ptm lock --take ours bert` or `ptm lock --take theirs bert`"
    )
    assert Path("ptm.lock").read_text() == conflicted  # nothing written
    line = next(x for x in ptm("lock --take theirs bert").stdout.splitlines() if x.startswith("= bert "))
    assert line.endswith(" kept from theirs") and theirs[:12] in line
    assert locked_models()["bert"]["commit"] == theirs
    git.commit("merged")
    assert "up to date" in ptm("lock --check").stdout


def test_a_pin_made_for_the_declaration_ptm_toml_merged_to_is_kept(hub, git, ptm, monkeypatch) -> None:
    declare("bert", "mlp")
    ptm("lock")
    git.commit("base")
    hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 2}'}, message="v2")
    git("checkout", "-q", "-b", "theirs")
    write_manifest(Path("ptm.toml").read_text().replace('tiny-bert"', 'tiny-bert"\nrevision = "v1.0"'))
    ptm("lock")
    git.commit("bert at v1.0")
    pinned = locked_models()["bert"]
    git("checkout", "-q", "main")
    ptm("lock --upgrade bert")
    git.commit("upgrade bert")
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    assert git.merge("theirs").returncode == 1 and git.unmerged() == {"ptm.lock"}

    # ptm.toml merged to theirs' revision: our upgraded pin is of a declaration that is gone.
    assert "= bert " in (result := ptm("lock").stdout) and "kept from theirs" in result
    assert locked_models()["bert"] == pinned


def test_only_models_neither_side_pinned_are_resolved(hub, git, ptm) -> None:
    expected = branches(git, ptm, ("bert", "mlp"), ("carrot", "bert", "mlp"), ("bert", "mlp", "dog"))
    move_upstream(hub)
    assert git.merge("theirs").returncode == 1
    declare("alpha", "carrot", "bert", "mlp", "dog")  # resolving the merge, someone adds a model

    lines = ptm("lock").stdout.splitlines()

    models = locked_models()
    assert {name: models[name] for name in expected} == expected
    assert models["alpha"]["commit"] == hub.hub.resolve("fixtures/no-license", "main")
    assert any(line.startswith("+ alpha ") and line.endswith(" added") for line in lines)


@pytest.mark.parametrize("driver", [False, True], ids=["git", "driver"])
def test_a_merge_without_a_base_keeps_both_sides(hub, git, ptm, monkeypatch, driver) -> None:
    if driver:
        use_driver(git, ptm)
    declare("bert", "mlp")
    ptm("lock")
    git.commit("main")
    ours = locked_models()
    git("checkout", "-q", "--orphan", "other")
    git("rm", "-rq", "--cached", ".")
    declare("bert", "zeta")
    ptm("lock")
    git.commit("unrelated")
    expected = {**locked_models(), **ours}
    git("checkout", "-q", "-f", "main")
    move_upstream(hub)
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    assert git.merge("other", "--allow-unrelated-histories").returncode == 1
    # Both sides added ptm.toml: a person writes the merged one; the driver merged ptm.lock already.
    assert git.unmerged() == ({"ptm.toml"} if driver else {"ptm.toml", "ptm.lock"})
    declare("bert", "mlp", "zeta")
    if not driver:
        assert "= zeta " in ptm("lock").stdout
    assert_fresh(ptm, expected)


def test_the_base_in_diff3_conflicts_tells_which_side_moved_a_pin(hub, ptm, monkeypatch) -> None:
    declare("bert", "mlp")
    ptm("lock")
    base = Path("ptm.lock").read_text()
    moved = hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 2}'}, message="v2")
    ptm("lock --upgrade bert")
    theirs = Path("ptm.lock").read_text()
    Path("ptm.lock").write_text(base)
    declare("alpha", "bert", "mlp")
    ptm("lock")
    ours = Path("ptm.lock").read_text()
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    # Outside a merge the conflict's own sections are all there is: one conflict over the whole lock.
    Path("ptm.lock").write_text(f"<<<<<<< HEAD\n{ours}=======\n{theirs}>>>>>>> theirs\n")
    assert "both sides pinned bert" in one_line_error(ptm("lock", expect=1))  # no base: both pins fit
    Path("ptm.lock").write_text(f"<<<<<<< HEAD\n{ours}||||||| base\n{base}=======\n{theirs}>>>>>>> theirs\n")
    ptm("lock")
    models = locked_models()
    assert models["bert"]["commit"] == moved and "alpha" in models


def test_one_model_changed_on_both_sides_is_never_merged_line_by_line(hub, git, ptm, monkeypatch) -> None:
    declare("bert", "mlp")
    ptm("lock")
    git.commit("base")
    hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"v": 2}'}, message="v2")
    git("checkout", "-q", "-b", "theirs")
    ptm("lock --upgrade bert")  # its commit and a file's line change
    git.commit("upgrade bert")
    git("checkout", "-q", "main")
    write_manifest(Path("ptm.toml").read_text().replace('tiny-bert"', 'tiny-bert"\ninclude = ["*.json"]'))
    ptm("lock")  # its declaration hash and other files' lines change
    git.commit("bert's json files only")
    ours = locked_models()["bert"]
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE)

    # Line by line these changes do not touch: without entry_hash, git would pair theirs' commit with
    # our file list. The one line that both changed makes it a conflict.
    assert git.merge("theirs").returncode == 1 and git.unmerged() == {"ptm.lock"}
    conflicted = Path("ptm.lock").read_text()
    assert "kept from ours" in ptm("lock").stdout  # ptm.toml merged to our declaration
    assert locked_models()["bert"] == ours

    # Outside the merge, the lines outside the conflicts cannot be given back to their sides.
    git.commit("merged")
    Path("ptm.lock").write_text(conflicted)
    error = one_line_error(ptm("lock", expect=1))
    assert error.startswith("error: ptm.lock: git merged the lines of bert from both sides")
    git("checkout", "ptm.lock")


@pytest.mark.hand_edited_lock
def test_conflict_markers_out_of_place_name_their_line(ptm) -> None:
    declare("bert")
    Path("ptm.lock").write_text("version = 2\n=======\n[models.bert]\n")
    assert "ptm.lock:2: conflict marker ======= out of place; " in one_line_error(ptm("lock", expect=1))


def test_take_without_a_conflict_is_refused(ptm) -> None:
    declare("bert")
    line = one_line_error(ptm("lock --take ours bert", expect=2))
    assert line == "error: --take only applies while ptm.lock has merge conflicts; it has none"


def test_an_edge_or_description_change_leaves_the_lock_current(hub, ptm) -> None:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\n\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    ptm("lock")
    text = Path("ptm.lock").read_text()
    write_manifest(
        '[models.bert]\nrepo = "fixtures/tiny-bert"\ndescription = "the encoder"\n\n'
        '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n'
        '[[edges]]\nfrom = "bert"\nto = "mlp"\nkind = "feature-handoff"\nmode = "sequential"\n'
    )
    assert "up to date" in ptm("lock --check").stdout
    assert "Up to date" in ptm("lock").stdout and Path("ptm.lock").read_text() == text
    assert "\n\nversion = 2\n\n[models.bert]\nentry_hash = " in text and "manifest_hash" not in text


def v1_lock(declaration_hash: str) -> str:
    """A lock as ptmlock wrote format 1: a hash of all of ptm.toml at the top."""
    return f"""\
# ptm.lock: generated by `ptm lock`. Do not edit by hand; run `ptm lock` after changing ptm.toml.

version = 1
manifest_hash = "sha256:{"1" * 64}"

[models.mlp]
hub = "huggingface"
repo = "fixtures/tiny-mlp"
revision = "main"
commit = "{"c" * 40}"
license = "mit"
pin_hash = "{declaration_hash}"
files = [
    {{ path = "config.json", size = 12, sha256 = "{"d" * 64}" }},
]
"""


def test_a_version_1_lock_is_read_and_upgraded_by_the_next_lock(ptm) -> None:
    manifest = '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n'
    write_manifest(manifest)
    Path("ptm.lock").write_text(v1_lock(parse_manifest(manifest).models["mlp"].declaration_hash))

    checked = ptm("lock --check")
    assert (
        "up to date" in checked.stdout and "format 1; the next `ptm lock` writes format 2" in checked.stderr
    )
    before = locked_models()
    result = ptm("lock")  # no hub: the pin is kept, only the format changes

    assert "ptm.lock was in format 1; now in format 2." in result.stdout
    data = lock_data()
    assert data["version"] == 2 and "manifest_hash" not in data
    assert {k: v for k, v in data["models"]["mlp"].items() if k != "entry_hash"} == before["mlp"]


def test_lock_and_check_report_as_json(hub, ptm) -> None:
    declare("bert", "mlp")
    data = json.loads(ptm("lock --format json").stdout)
    assert (data["lock"], data["changed"], data["written"], data["dry_run"], data["version"]) == (
        "ptm.lock",
        True,
        True,
        False,
        2,
    )
    assert data["upgraded_from"] is None and data["merged"] is None and data["warnings"] == []
    [bert, mlp] = data["models"]
    assert bert["name"] == "bert" and bert["status"] == "added" and bert["hub"] == "huggingface"
    assert bert["pin"] == locked_models()["bert"]["commit"] and bert["previous_pin"] is None
    assert bert["source"] == "fixtures/tiny-bert@main" and bert["kept_from"] is None
    assert bert["files"] == len(locked_models()["bert"]["files"]) and bert["size"] > 0
    assert (
        set(bert)
        == set(mlp)
        == {
            "name",
            "status",
            "hub",
            "source",
            "pin",
            "previous_pin",
            "renamed_from",
            "kept_from",
            "files",
            "size",
        }
    )

    fresh = json.loads(ptm("lock --check --format json").stdout)
    assert fresh == {
        "lock": "ptm.lock",
        "up_to_date": True,
        "version": 2,
        "models": 2,
        "stale": [],
        "warnings": [],
    }
    declare("bert")
    stale = json.loads(ptm("lock --check --format json", expect=1).stdout)
    assert stale["up_to_date"] is False and stale["stale"] == ["mlp: locked but no longer declared"]


def test_init_sets_up_the_merge_driver_in_a_git_repository(git, ptm) -> None:
    lines = ptm("init").stdout.splitlines()
    assert lines[1:] == [
        "Added to .gitattributes: ptm.lock merge=ptm (commit it).",
        "Run once in each clone, so that git merges ptm.lock with ptm:",
        '    git config merge.ptm.driver "ptm merge-lock %O %A %B %P"',
    ]
    assert ptm("init --git").stdout.startswith("Already in .gitattributes: ptm.lock merge=ptm")
    assert Path(".gitattributes").read_text() == "ptm.lock merge=ptm\n"
    assert git("check-attr", "merge", "ptm.lock").stdout.strip() == "ptm.lock: merge: ptm"


def test_init_outside_git_writes_attributes_only_when_asked(ptm) -> None:
    assert ptm("init").stdout.splitlines() == ["Created ptm.toml; add models with `ptm add org/name`."]
    assert not Path(".gitattributes").exists()
    Path(".gitattributes").write_text("*.bin binary")
    assert ptm("init --git").stdout.startswith("Added to .gitattributes: ptm.lock merge=ptm (commit it).\n")
    assert Path(".gitattributes").read_text() == "*.bin binary\nptm.lock merge=ptm\n"
    assert "--git leaves ptm.toml as it is" in one_line_error(ptm("init --git --force", expect=2))
