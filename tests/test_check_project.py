"""`ptm check` against a locked project: undeclared models, revisions that differ from the lock,
unpinned loads of declared models, and --fix writing the locked commit (locked via the fixture hub)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_manifest
from tests.test_lock import THREE_MODELS as MANIFEST

CODE = """\
from huggingface_hub import snapshot_download
from transformers import AutoModel

a = AutoModel.from_pretrained("fixtures/tiny-bert")  # the default branch: model 'bert'
b = AutoModel.from_pretrained("fixtures/tiny-bert", revision="v1.0", output_hidden_states=True)
c = AutoModel.from_pretrained("fixtures/tiny-bert", revision="dev")
d = AutoModel.from_pretrained("fixtures/tiny-bert", revision="{wrong}")
e = AutoModel.from_pretrained("fixtures/tiny-bert", revision="{bert}")
f = AutoModel.from_pretrained("org/undeclared")
g = snapshot_download(
    "fixtures/tiny-mlp",
)
"""


def _locked_project(hub, ptm) -> dict[str, str]:
    write_manifest(MANIFEST)
    ptm("lock")
    commits = {
        "bert": hub.hub.resolve("fixtures/tiny-bert", "main"),
        "bert-v1": hub.hub.resolve("fixtures/tiny-bert", "v1.0"),
        "mlp": hub.hub.resolve("fixtures/tiny-mlp", "main"),
    }
    Path("app.py").write_text(CODE.format(wrong="f" * 40, bert=commits["bert"]))
    return commits


def _findings(ptm, *args: str) -> dict[int, list[dict]]:
    result = ptm(["check", "--format", "json", *args], expect=None)
    by_line: dict[int, list[dict]] = {}
    for item in json.loads(result.stdout)["findings"]:
        by_line.setdefault(item["line"], []).append(item)
    return by_line


def test_check_ties_loads_to_the_manifest_and_lock(hub, ptm) -> None:
    commits = _locked_project(hub, ptm)
    found = _findings(ptm)
    codes = {line: sorted(f["code"] for f in items) for line, items in found.items()}
    assert codes == {
        4: ["PTM012"],
        5: ["PTM002"],
        6: ["PTM011"],
        7: ["PTM011"],
        9: ["PTM001", "PTM010"],
        10: ["PTM012"],
    }
    assert f'revision="{commits["bert"]}"' in found[4][0]["message"]
    assert 'ptmlock.path("bert")' in found[4][0]["message"]
    assert commits["bert-v1"] in found[5][0]["message"] and "bert-v1" in found[5][0]["message"]
    assert '"dev" differs' in found[6][0]["message"]
    assert f"'bert' at {commits['bert']}" in found[7][0]["message"]
    undeclared = next(f for f in found[9] if f["code"] == "PTM010")
    assert "`ptm add org/undeclared`" in undeclared["message"]
    assert commits["mlp"] in found[10][0]["message"]
    fixable = [f["fixable"] for f in (found[4][0], found[5][0], found[6][0], found[10][0])]
    assert fixable == [True, True, False, True]


def test_fix_writes_locked_commits_and_keeps_the_rest_of_the_line(hub, ptm) -> None:
    commits = _locked_project(hub, ptm)
    Path("app.py").chmod(0o755)
    result = ptm("check --fix", expect=1)  # PTM011 and the undeclared model remain
    assert "Fixed 3 loads in 1 file." in result.stdout
    lines = Path("app.py").read_text().splitlines()
    assert lines[3] == (
        f'a = AutoModel.from_pretrained("fixtures/tiny-bert", revision="{commits["bert"]}")'
        "  # the default branch: model 'bert'"
    )
    assert lines[4] == (
        f'b = AutoModel.from_pretrained("fixtures/tiny-bert", revision="{commits["bert-v1"]}", '
        "output_hidden_states=True)"
    )
    assert lines[10] == f'    "fixtures/tiny-mlp", revision="{commits["mlp"]}",'
    assert Path("app.py").stat().st_mode & 0o777 == 0o755
    after = _findings(ptm)
    assert sorted(after) == [6, 7, 9]  # what --fix cannot decide stays reported
    assert "PTM012" not in {f["code"] for items in after.values() for f in items}


def test_check_config_does_not_make_the_lock_stale(hub, ptm) -> None:
    _locked_project(hub, ptm)
    Path("ptm.toml").write_text(MANIFEST + '\n[check]\nexclude = ["legacy"]\nseverity = { PTM010 = "off" }\n')
    assert "is up to date" in ptm("lock --check").stdout
    assert 9 in _findings(ptm)  # PTM001 stays
    assert "PTM010" not in {f["code"] for f in _findings(ptm)[9]}
