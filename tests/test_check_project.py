"""`ptm check` against a locked project: undeclared models, revisions that differ from the lock,
unpinned loads of declared models, and --fix writing the locked commit (locked via the fixture hub)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ptmlock.manifest import load_manifest
from tests.conftest import one_line_error, write_manifest
from tests.installing import torchhub_model
from tests.test_lock import THREE_MODELS

# The loads against the lock, not the edges (whose evidence PTM031 wants: tests/test_check_edges.py).
MANIFEST = THREE_MODELS[: THREE_MODELS.index("\n[[edges]]")] + "\n"

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


def test_fix_keeps_parenthesised_argument_valid(hub, ptm) -> None:
    commits = _locked_project(hub, ptm)
    Path("app.py").write_text(
        "from transformers import AutoModel\n"
        'MODEL = "fixtures/tiny-bert"\n'
        'a = AutoModel.from_pretrained(("fixtures/tiny-bert"))\n'
        "b = AutoModel.from_pretrained(\n"
        '    ("fixtures/"\n'
        '     "tiny-bert")\n'
        ")\n"
        "c = AutoModel.from_pretrained(((MODEL)))\n"
        'd = AutoModel.from_pretrained(MODEL, cache_dir=("/tmp/cache"))\n'
        "e = AutoModel.from_pretrained(MODEL  # the model (tiny)\n"
        ")\n"
        "f = AutoModel.from_pretrained(MODEL,)\n"
    )
    assert "Fixed 6 loads in 1 file." in ptm("check --fix").stdout
    pin = f'revision="{commits["bert"]}"'
    assert Path("app.py").read_text() == (
        "from transformers import AutoModel\n"
        'MODEL = "fixtures/tiny-bert"\n'
        f'a = AutoModel.from_pretrained(("fixtures/tiny-bert"), {pin})\n'
        "b = AutoModel.from_pretrained(\n"
        '    ("fixtures/"\n'
        f'     "tiny-bert"), {pin}\n'
        ")\n"
        f"c = AutoModel.from_pretrained(((MODEL)), {pin})\n"
        f'd = AutoModel.from_pretrained(MODEL, cache_dir=("/tmp/cache"), {pin})\n'
        f"e = AutoModel.from_pretrained(MODEL, {pin}  # the model (tiny)\n"
        ")\n"
        f"f = AutoModel.from_pretrained(MODEL, {pin},)\n"
    )
    assert _findings(ptm) == {}


def test_fix_writes_nothing_when_an_edit_would_break_a_file(tmp_path: Path) -> None:
    from ptmlock.check.fix import apply_fixes
    from ptmlock.check.loads import Fix
    from ptmlock.check.rules import Finding
    from ptmlock.errors import PtmError

    good, bad = Path("good.py"), Path("bad.py")
    good.write_text("f(x)\n")
    bad.write_text("f(x)\n")
    fixes = [(good, Fix(3, 3, ', revision="{commit}"')), (bad, Fix(2, 2, ', revision="{commit}"'))]
    findings = [Finding(str(p), 1, 1, 1, 5, "PTM012", "m", fix=fix, commit="a" * 40) for p, fix in fixes]
    with pytest.raises(PtmError, match=r"^bad\.py:1: --fix would make this file invalid Python"):
        apply_fixes(findings)
    assert good.read_text() == bad.read_text() == "f(x)\n"


def test_a_stale_lock_entry_is_not_used_as_the_pin(hub, ptm) -> None:
    commits = _locked_project(hub, ptm)
    Path("ptm.toml").write_text(MANIFEST.replace('revision = "main"', 'revision = "dev"', 1))
    Path("app.py").write_text(
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("fixtures/tiny-bert", revision="dev")\n'
    )
    result = ptm("check --fix", expect=1)
    assert "Fixed" not in result.stdout
    assert 'revision="dev"' in Path("app.py").read_text() and commits["bert"] not in result.stdout
    (finding,) = _findings(ptm)[2]
    assert finding["code"] == "PTM002" and not finding["fixable"]
    assert "'bert' changed in ptm.toml since it was locked" in finding["message"]
    assert "run `ptm lock`" in finding["message"]


def test_fix_writes_through_a_symlink_to_its_target(hub, ptm) -> None:
    commits = _locked_project(hub, ptm)
    Path("real").mkdir()
    Path("real/app.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("fixtures/tiny-bert")\n'
    )
    Path("app.py").unlink()
    Path("app.py").symlink_to("real/app.py")
    ptm("check --fix app.py")
    assert Path("app.py").is_symlink()
    assert f'revision="{commits["bert"]}"' in Path("real/app.py").read_text()


def test_torch_hub_loads_are_tied_to_the_declared_model(github, files, ptm) -> None:
    from fixtures.github import HUBCONF_REPO

    write_manifest(torchhub_model(files.url))
    ptm("lock")
    commit = github.github.repos.resolve(HUBCONF_REPO, "v1.0")
    Path("app.py").write_text(
        "import torch\n"
        f'torch.hub.load("{HUBCONF_REPO}:v1.0", "tiny_mlp")\n'
        f'torch.hub.load("{HUBCONF_REPO}", "tiny_mlp")\n'
        f'torch.hub.load("{HUBCONF_REPO}:{commit}", "tiny_mlp")\n'
        f'torch.hub.load("{HUBCONF_REPO}:{"f" * 40}", "tiny_mlp")\n'
        'torch.hub.load("other/repo:v2", "net")\n'
    )
    found = _findings(ptm)
    assert {line: sorted(f["code"] for f in items) for line, items in found.items()} == {
        2: ["PTM002", "PTM003"],
        3: ["PTM003", "PTM011"],
        5: ["PTM011"],
        6: ["PTM002", "PTM003", "PTM010"],
    }
    mutable = next(f for f in found[2] if f["code"] == "PTM002")["message"]
    assert f'load "{HUBCONF_REPO}:{commit}" (its commit in ptm.lock)' in mutable
    assert 'ptmlock.torch_hub_load("mlp")' in mutable
    assert "declare 'mlp' at \"v1.0\"" in next(f for f in found[3] if f["code"] == "PTM011")["message"]
    assert f"'mlp' at {commit}" in found[5][0]["message"]
    undeclared = next(f for f in found[6] if f["code"] == "PTM010")["message"]
    assert 'hub = "torchhub", repo = "other/repo", revision = "v2", entry = "net"' in undeclared


def test_init_from_code_declares_torch_hub_and_sentence_transformers_loads(ptm) -> None:
    Path("app.py").write_text(
        "import torch\n"
        "from sentence_transformers import CrossEncoder, SentenceTransformer\n"
        'torch.hub.load("pytorch/vision:v0.10.0", "resnet18")\n'
        'torch.hub.load("pytorch/vision", model="resnet50")\n'
        'SentenceTransformer("all-MiniLM-L6-v2")\n'
        'SentenceTransformer("bert-base-uncased")\n'
        'CrossEncoder("ms-marco-MiniLM")\n'
    )
    ptm("init --from-code")
    models = load_manifest(Path("ptm.toml")).models
    assert {n: (m.hub, m.repo, m.revision, m.options.get("entry")) for n, m in models.items()} == {
        "resnet18": ("torchhub", "pytorch/vision", "v0.10.0", "resnet18"),
        "resnet50": ("torchhub", "pytorch/vision", "main", "resnet50"),
        "all-MiniLM-L6-v2": ("huggingface", "sentence-transformers/all-MiniLM-L6-v2", "main", None),
        "bert-base-uncased": ("huggingface", "bert-base-uncased", "main", None),
        "ms-marco-MiniLM": ("huggingface", "ms-marco-MiniLM", "main", None),
    }


def test_bare_sentence_transformers_names_are_its_org_repos(ptm) -> None:
    write_manifest('[models.mini]\nrepo = "sentence-transformers/all-MiniLM-L6-v2"\n')
    Path("app.py").write_text(
        "from sentence_transformers import SentenceTransformer\n"
        'SentenceTransformer("all-MiniLM-L6-v2")\n'
        'SentenceTransformer("all-mpnet-base-v2")\n'
    )
    found = _findings(ptm)
    assert [f["code"] for f in found[2]] == ["PTM012"]
    assert "loads model 'mini' with no revision" in found[2][0]["message"]
    undeclared = next(f for f in found[3] if f["code"] == "PTM010")["message"]
    assert '"sentence-transformers/all-mpnet-base-v2" is not declared' in undeclared
    assert "`ptm add sentence-transformers/all-mpnet-base-v2`" in undeclared


def test_init_from_code_names_a_revision_it_cannot_declare(ptm) -> None:
    Path("src").mkdir()
    Path("src/app.py").write_text(
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("org/ok")\n'
        f'AutoModel.from_pretrained("org/model", revision="{"ABCDEF0123" * 4}")\n'
    )
    result = ptm("init --from-code src", expect=1)
    assert one_line_error(result) == (
        f"error: src/app.py:3: cannot declare org/model at this revision: commit '{'ABCDEF0123' * 4}' "
        f"must be lowercase: '{'abcdef0123' * 4}'; fix the revision in the code, then run "
        "`ptm init --from-code` again"
    )
    assert not Path("ptm.toml").exists()
