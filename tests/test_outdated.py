"""`ptm outdated`: each locked model's requested revision against its upstream, after the upstream moved:
branches, tags, pinned commits, URL files, torch.hub repositories and local files. It never writes."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from fixtures.github import HUBCONF_REPO
from fixtures.hostile import link_to_self, replace_body, rewrite_json
from fixtures.http import FixtureServer, Request
from fixtures.hub import FakeHub, populate_standard
from fixtures.hub.server import hub_route
from tests.conftest import one_line_error, write_manifest

BERT = "fixtures/tiny-bert"


def bert(name: str = "bert", revision: str = "main") -> str:
    return (
        f'[models.{name}]\nrepo = "{BERT}"\nrevision = "{revision}"\ninclude = ["*.json", "*.safetensors"]\n'
    )


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_a_branch_that_moved_shows_its_new_commit_commits_ahead_files_and_size(hub, ptm) -> None:
    write_manifest(bert())
    ptm("lock")
    locked = Path("ptm.lock").read_bytes()
    old = hub.hub.resolve(BERT)
    config = b'{"model_type": "bert", "moved": 1}'
    hub.hub.commit(BERT, {"config.json": config}, message="a")
    new = hub.hub.commit(BERT, {"extra.json": b"{}"}, message="b")
    shrunk = len(hub.hub.repo_files(BERT, old)["config.json"]) - len(config) - len(b"{}")

    result = ptm("outdated", expect=1)

    [line, summary] = result.stdout.splitlines()
    assert line.startswith(f"~ bert                 {BERT}@main  branch moved {old[:12]} -> {new[:12]}; ")
    assert line.endswith(
        f"; 2 commits ahead; 1 file changed (config.json), 1 added (extra.json); -{shrunk} B"
    )
    assert "tag" not in line
    assert summary == "1 of 1 model outdated: bert; `ptm lock --upgrade bert` moves their pins."
    assert Path("ptm.lock").read_bytes() == locked


def test_a_re_pointed_tag_is_flagged_as_suspicious(hub, ptm) -> None:
    write_manifest(bert("paper", "v1.0") + bert("current"))
    ptm("lock")
    hub.hub.tag(BERT, "v1.0", revision="main")  # someone moved the tag the paper used

    result = ptm("outdated --format json", expect=1)

    report = json.loads(result.stdout)
    current, paper = report["models"]
    assert (paper["name"], paper["status"], paper["ref"], paper["suspicious"]) == (
        "paper",
        "moved",
        "tag",
        True,
    )
    assert paper["upstream"] == hub.hub.resolve(BERT) != paper["locked"]
    assert [f["path"] for f in paper["files"]] == ["model.safetensors"]
    assert (current["status"], current["ref"], current["suspicious"]) == ("up-to-date", "branch", False)
    assert report["outdated"] == ["paper"] and report["errors"] == []
    text = ptm("outdated", expect=1).stdout
    assert (
        "tag moved" in text
        and "a tag should never move: check who re-pointed fixtures/tiny-bert@v1.0" in text
    )


def test_a_rewritten_branch_history_is_flagged(hub, ptm) -> None:
    write_manifest(bert("exp", "dev"))
    ptm("lock")
    unrelated = hub.hub.commit(BERT, {"config.json": b"{}"}, branch="rewrite", message="force-pushed")
    hub.hub.set_branch(BERT, "dev", unrelated)

    model = json.loads(ptm("outdated -f json", expect=1).stdout)["models"][0]

    assert (model["history_rewritten"], model["suspicious"], model["commits_ahead"]) == (True, True, None)
    assert "history rewritten" in ptm("outdated", expect=1).stdout


def test_pinned_commits_are_never_outdated_and_ask_nothing_of_the_hub(hub, ptm) -> None:
    pinned = hub.hub.resolve(BERT, "v1.0")
    write_manifest(bert("pinned", pinned))
    ptm("lock")
    hub.hub.commit(BERT, {"config.json": b"{}"}, message="moved")
    before = hub.hub.request_count

    result = ptm("outdated")

    assert hub.hub.request_count == before
    assert result.stdout == (
        f"= pinned               {BERT}@{pinned}  pinned to commit {pinned[:12]}: never outdated\n"
        "Nothing moved upstream (1 model checked).\n"
    )


def test_nothing_moved_exits_0_and_an_up_to_date_model_costs_one_request(hub, ptm) -> None:
    write_manifest(bert() + bert("tagged", "v1.0"))
    ptm("lock")
    before = hub.hub.request_count
    result = ptm("outdated")
    assert hub.hub.request_count - before == 2  # one refs listing each: the files are not listed again
    assert result.stdout.splitlines()[0].startswith(
        f"= bert                 {BERT}@main  up to date (branch at "
    )
    assert result.stdout.splitlines()[-1] == "Nothing moved upstream (2 models checked)."


def test_url_files_changed_upstream_by_their_validators(files, ptm) -> None:
    write_manifest(
        '[models.head]\nhub = "url"\n'
        f'files = ["{files.url}/mlp/config.json", "{files.url}/mlp/model.safetensors"]\n'
    )
    ptm("lock")
    old = files.host.get("mlp/config.json")
    files.host.put("mlp/config.json", b'{"changed": "upstream", "longer": true}')
    new = files.host.get("mlp/config.json")
    assert old is not None and new is not None

    result = ptm("outdated -f json", expect=1)

    [model] = json.loads(result.stdout)["models"]
    [change] = model["files"]
    assert change["path"] == "config.json" and change["change"] == "changed"
    assert change["validators"]["ETag"] == [old.etag, new.etag]
    assert change["validators"]["Last-Modified"] == [old.last_modified, new.last_modified]
    assert change["size"] == [len(old.content), len(new.content)]
    assert model["size_delta"] == len(new.content) - len(old.content)
    line = ptm("outdated", expect=1).stdout.splitlines()[0]
    assert f"changed upstream; 1 file changed (config.json: ETag {old.etag} -> {new.etag}, " in line


def test_url_files_without_validators_in_the_lock_are_compared_by_their_bytes(files, ptm) -> None:
    write_manifest(f'[models.ckpt]\nhub = "url"\nurl = "{files.url}/weights/tiny_mlp-v1.pth"\n')
    ptm("lock")
    text = Path("ptm.lock").read_text()
    Path("ptm.lock").write_text(re.sub(r', (etag|last_modified) = "(?:[^"\\]|\\.)*"', "", text))
    assert "etag" not in Path("ptm.lock").read_text()
    ptm("outdated")
    served = files.host.get("weights/tiny_mlp-v1.pth")
    assert served is not None
    files.host.put("weights/tiny_mlp-v1.pth", served.content[::-1])  # same size, other bytes

    [model] = json.loads(ptm("outdated -f json", expect=1).stdout)["models"]

    assert model["files"] == [
        {"path": "tiny_mlp-v1.pth", "change": "changed", "size": [len(served.content)] * 2, "validators": {}}
    ]


def test_a_torchhub_revision_that_moved_lists_its_tree_and_weights_and_keeps_nothing(
    github, files, ptm
) -> None:
    write_manifest(
        f'[models.mlp]\nhub = "torchhub"\nrepo = "{HUBCONF_REPO}"\nrevision = "main"\nentry = "tiny_mlp"\n'
        f'weights = ["{files.url}/weights/tiny_mlp-v2.pth"]\n'
    )
    ptm("lock")
    store = Path(__import__("os").environ["PTM_HOME"])
    kept = files_in(store)
    assert ptm("outdated").stdout.startswith("= mlp ")
    github.github.repos.commit(HUBCONF_REPO, {"models/extra.py": b"X = 1\n"}, message="moved")
    files.host.put("weights/tiny_mlp-v2.pth", b"retrained")

    [model] = json.loads(ptm("outdated -f json", expect=1).stdout)["models"]

    assert model["upstream"] == github.github.repos.resolve(HUBCONF_REPO) != model["locked"]
    assert (model["ref"], model["commits_ahead"], model["suspicious"]) == ("branch", 1, False)
    assert [(f["path"], f["change"]) for f in model["files"]] == [
        ("models/extra.py", "added"),
        ("tiny_mlp-v2.pth", "changed"),
    ]
    assert files_in(store) == kept


def torchhub_mlp(name: str, revision: str) -> str:
    return (
        f'[models.{name}]\nhub = "torchhub"\nrepo = "{HUBCONF_REPO}"\nrevision = "{revision}"\n'
        'entry = "tiny_mlp"\n'
    )


def test_a_torchhub_tag_re_pointed_or_a_branch_rewritten_is_suspicious(github, ptm) -> None:
    repos = github.github.repos
    repos.tag(HUBCONF_REPO, "v1")
    repos.set_branch(HUBCONF_REPO, "dev", "main")
    write_manifest(torchhub_mlp("paper", "v1") + torchhub_mlp("exp", "dev") + torchhub_mlp("current", "main"))
    ptm("lock")
    repos.commit(HUBCONF_REPO, {"models/extra.py": b"X = 1\n"}, message="moved")
    repos.tag(HUBCONF_REPO, "v1", revision="main")  # someone moved the tag the paper used
    tree = repos.repo_files(HUBCONF_REPO, repos.resolve(HUBCONF_REPO))
    unrelated = repos.commit(HUBCONF_REPO, tree, branch="orphan", message="rewritten")
    repos.set_branch(HUBCONF_REPO, "dev", unrelated)  # a force-push

    report = json.loads(ptm("outdated -f json", expect=1).stdout)

    models = {m["name"]: m for m in report["models"]}
    seen = {
        n: (m["ref"], m["commits_ahead"], m["history_rewritten"], m["suspicious"]) for n, m in models.items()
    }
    assert seen == {
        "current": ("branch", 1, False, False),
        "exp": ("branch", None, True, True),
        "paper": ("tag", 1, False, True),
    }
    text = ptm("outdated", expect=1).stdout
    assert f"a tag should never move: check who re-pointed {HUBCONF_REPO}@v1" in text
    assert "history rewritten" in text and "1 commit ahead" in text


def test_local_models_whose_files_changed_and_those_not_here(ptm) -> None:
    Path("ranker").mkdir()
    Path("ranker/w.bin").write_bytes(b"v1")
    Path("gone").mkdir()
    Path("gone/w.bin").write_bytes(b"v1")
    write_manifest(
        '[models.ranker]\nhub = "local"\npath = "ranker"\n\n[models.gone]\nhub = "local"\npath = "gone"\n'
    )
    ptm("lock")
    Path("ranker/w.bin").write_bytes(b"v2 longer")
    Path("ranker/new.bin").write_bytes(b"new")
    for file in Path("gone").iterdir():
        file.unlink()
    Path("gone").rmdir()

    lines = ptm("outdated", expect=1).stdout.splitlines()

    assert lines[0] == "? gone                 gone  its files are not on this machine: nothing to compare"
    assert lines[1] == (
        "~ ranker               ranker  files changed on this machine since they were locked; "
        "1 file changed (w.bin), 1 added (new.bin); +10 B"
    )


def test_stale_models_are_outdated_without_asking_the_hub(hub, ptm) -> None:
    write_manifest(bert())
    ptm("lock")
    write_manifest(bert() + bert("extra"))
    before = hub.hub.request_count
    result = ptm("outdated extra", expect=1)
    assert hub.hub.request_count == before
    assert result.stdout.splitlines() == [
        f"! extra                {BERT}@main  declared in ptm.toml but not locked; run `ptm lock`",
        "1 of 1 model outdated: extra; run `ptm lock`.",
    ]


def test_a_model_that_cannot_be_checked_is_an_error_after_the_others(hub, files, ptm) -> None:
    write_manifest(bert() + f'\n[models.ckpt]\nhub = "url"\nurl = "{files.url}/weights/tiny_mlp-v1.pth"\n')
    ptm("lock")
    files.host.delete("weights/tiny_mlp-v1.pth")

    result = ptm("outdated", expect=1)

    assert result.stdout.splitlines()[0].startswith("= bert ")
    assert (
        result.stdout.splitlines()[1]
        == "Nothing moved upstream (1 model checked; 1 model could not be checked)."
    )
    assert "tiny_mlp-v1.pth answered HTTP 404" in one_line_error(result)
    report = json.loads(ptm("outdated -f json", expect=1).stdout)
    assert [m["name"] for m in report["models"]] == ["bert"] and "HTTP 404" in report["errors"][0]


def test_outdated_needs_a_lock_and_known_names(hub, ptm) -> None:
    write_manifest(bert())
    assert "ptm.lock does not exist; run `ptm lock` first" in one_line_error(ptm("outdated", expect=1))
    ptm("lock")
    assert "nope: not declared in ptm.toml nor locked" in one_line_error(ptm("outdated nope", expect=2))


def test_a_mirror_without_refs_nor_history_still_shows_the_move(hub, ptm) -> None:
    hub.hub.features = dataclasses.replace(hub.hub.features, refs=False)
    write_manifest(bert())
    ptm("lock")
    assert ptm("outdated").stdout.startswith("= bert ")
    old = hub.hub.resolve(BERT)
    new = hub.hub.commit(BERT, {"extra.json": b"{}"}, message="moved")

    [model] = json.loads(ptm("outdated -f json", expect=1).stdout)["models"]

    assert (model["locked"], model["upstream"], model["ref"], model["commits_ahead"]) == (
        old,
        new,
        None,
        None,
    )
    assert [(f["path"], f["change"]) for f in model["files"]] == [("extra.json", "added")]
    assert (
        f"revision moved {old[:12]} -> {new[:12]}; 1 file added (extra.json); +2 B"
        in ptm("outdated", expect=1).stdout
    )


def is_refs_or_history(req: Request) -> bool:
    return req.path.rstrip("/").endswith("/refs") or "/commits/" in req.path


@pytest.mark.parametrize(
    ("spoil", "ref", "ahead"),
    [
        # every ref "points" at a path, and the history page links to itself forever
        (
            lambda route: link_to_self(
                rewrite_json(route, is_refs_or_history, lying_targets), is_refs_or_history
            ),
            "branch",
            1,
        ),
        (lambda route: replace_body(route, is_refs_or_history, b"<html>sign in</html>"), None, None),
    ],
    ids=["lying-refs-endless-history", "not-json"],
)
def test_a_hub_lying_about_refs_or_history_cannot_hide_a_move(
    tiny_models, monkeypatch, ptm, spoil, ref, ahead
) -> None:
    fake = FakeHub()
    populate_standard(fake, tiny_models)
    with FixtureServer(spoil(hub_route(fake))) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        write_manifest(bert())
        ptm("lock")
        assert ptm("outdated").stdout.startswith("= bert ")
        new = fake.commit(BERT, {"extra.json": b"{}"}, message="moved")

        [model] = json.loads(ptm("outdated -f json", expect=1).stdout)["models"]

    assert (model["upstream"], model["ref"], model["commits_ahead"]) == (new, ref, ahead)
    assert model["history_rewritten"] is False  # a page that links on is not the whole history


def lying_targets(data: object) -> object:
    if isinstance(data, dict):  # the refs listing
        for ref in data["branches"] + data["tags"]:
            ref["targetCommit"] = "../" * 20
    return data
