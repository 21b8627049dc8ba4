"""`ptm lock` of torch.hub repositories, against the fake GitHub API and the fixture file server."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from fixtures.github import HUBCONF_REPO, MASTER_REPO, PRIVATE_REPO, SYMLINK_OUT, ZIP_SLIP
from tests.conftest import one_line_error, subprocess_env, write_manifest
from tests.test_lock import lock_data, sha256

HUB_MODEL = """\
[models.mlp]
hub = "torchhub"
repo = "{repo}"
revision = "{revision}"
entry = "tiny_mlp"
weights = ["{files}/weights/tiny_mlp-v1.pth"]
"""


def declare(files_url: str, repo: str = HUBCONF_REPO, revision: str = "v1.0", extra: str = "") -> None:
    write_manifest(HUB_MODEL.format(repo=repo, revision=revision, files=files_url) + extra)


def test_lock_pins_the_commit_every_tree_file_and_the_weights(github, files, ptm) -> None:
    declare(files.url)
    result = ptm("lock")
    assert f"{HUBCONF_REPO}@v1.0" in result.stdout
    model = lock_data()["models"]["mlp"]
    assert model["hub"] == "torchhub" and model["entry"] == "tiny_mlp"
    assert model["commit"] == github.github.repos.resolve(HUBCONF_REPO, "v1.0")
    tree = github.github.repos.repo_files(HUBCONF_REPO, "v1.0")
    assert {f["path"]: (f["size"], f["sha256"]) for f in model["files"]} == {
        path: (len(content), sha256(content)) for path, content in tree.items()
    }
    assert {"hubconf.py", "models/mlp.py", "models/__init__.py"} <= set(tree)
    checkpoint = files.host.get("weights/tiny_mlp-v1.pth")
    assert checkpoint is not None
    [weights] = model["weights"]
    assert weights["path"] == "tiny_mlp-v1.pth" and weights["url"] == f"{files.url}/weights/tiny_mlp-v1.pth"
    assert weights["sha256"] == sha256(checkpoint.content) and weights["size"] == len(checkpoint.content)
    assert weights["etag"] == checkpoint.etag and weights["last_modified"] == checkpoint.last_modified


def test_lock_hashes_the_extracted_tree_not_the_archive_bytes(github, files, ptm) -> None:
    declare(files.url)
    ptm("lock")
    before = Path("ptm.lock").read_bytes()
    sha = lock_data()["models"]["mlp"]["commit"]
    first_zip = httpx2.get(f"{github.url}/repos/{HUBCONF_REPO}/zipball/{sha}", follow_redirects=True).content
    github.github.features = dataclasses.replace(github.github.features, zip_date_time=(2025, 6, 1, 12, 0, 0))
    second_zip = httpx2.get(f"{github.url}/repos/{HUBCONF_REPO}/zipball/{sha}", follow_redirects=True).content
    assert first_zip != second_zip
    result = ptm("lock --upgrade mlp")
    assert "Up to date: ptm.lock" in result.stdout
    assert Path("ptm.lock").read_bytes() == before


def test_branch_moves_only_on_upgrade(github, files, ptm) -> None:
    declare(files.url, revision="main")
    ptm("lock")
    first = lock_data()["models"]["mlp"]["commit"]
    assert first == github.github.repos.resolve(HUBCONF_REPO, "main")
    new = github.github.repos.commit(HUBCONF_REPO, {"README.md": b"# moved on\n"}, message="docs")
    ptm("lock")
    assert lock_data()["models"]["mlp"]["commit"] == first
    result = ptm("lock --upgrade mlp")
    assert lock_data()["models"]["mlp"]["commit"] == new
    assert f"{first[:12]} -> {new[:12]}" in result.stdout


def test_full_commit_sha_revision_locks_that_commit(github, files, ptm) -> None:
    sha = github.github.repos.resolve(HUBCONF_REPO, "v1.0")
    declare(files.url, revision=sha)
    ptm("lock")
    assert lock_data()["models"]["mlp"]["commit"] == sha


@pytest.mark.parametrize(("repo", "branch"), [(HUBCONF_REPO, "main"), (MASTER_REPO, "master")])
def test_without_a_revision_the_main_branch_is_locked_else_master(github, files, ptm, repo, branch) -> None:
    declare(files.url, repo=repo)
    Path("ptm.toml").write_text(Path("ptm.toml").read_text().replace('revision = "v1.0"\n', ""))
    ptm("lock")
    assert lock_data()["models"]["mlp"]["commit"] == github.github.repos.resolve(repo, branch)


def test_without_a_revision_a_repository_with_neither_main_nor_master_is_one_line(github, files, ptm):
    github.github.repos.create_repo("fixtures/trunk-hubconf")
    github.github.repos.commit("fixtures/trunk-hubconf", {"hubconf.py": b"def tiny_mlp(): ...\n"}, "trunk")
    write_manifest('[models.mlp]\nhub = "torchhub"\nrepo = "fixtures/trunk-hubconf"\nentry = "tiny_mlp"\n')
    line = one_line_error(ptm("lock", expect=1))
    assert "(fixtures/trunk-hubconf): the repository has neither a main nor a master branch" in line
    assert 'set revision = "<branch, tag or commit>"' in line


def test_a_github_api_setting_that_is_not_a_url_is_named(files, ptm, monkeypatch) -> None:
    monkeypatch.setenv("PTM_GITHUB_API", "notaurl")
    declare(files.url)
    line = one_line_error(ptm("lock", expect=1))
    assert "PTM_GITHUB_API='notaurl' is not an http(s) URL such as https://api.github.com" in line


def test_private_repository_locks_with_github_token(github, files, ptm, monkeypatch) -> None:
    declare(files.url, repo=PRIVATE_REPO, revision="main")
    assert "set GITHUB_TOKEN if it is private" in one_line_error(ptm("lock", expect=1))
    github.github.tokens.add("ghp_fixture")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fixture")
    ptm("lock")
    assert lock_data()["models"]["mlp"]["commit"] == github.github.repos.resolve(PRIVATE_REPO, "main")


def test_github_token_is_not_sent_to_weight_hosts(github, files, ptm, monkeypatch) -> None:
    github.github.tokens.add("ghp_fixture")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fixture")
    declare(files.url)
    ptm("lock")
    assert files.host.requests and all("authorization" not in seen.headers for seen in files.host.requests)


def test_rate_limit_says_to_set_github_token_and_a_token_gets_through(
    github, files, ptm, monkeypatch
) -> None:
    github.github.features = dataclasses.replace(github.github.features, rate_limited=True)
    declare(files.url)
    message = one_line_error(ptm("lock", expect=1))
    assert "GitHub API rate limit exceeded" in message and "set GITHUB_TOKEN" in message
    assert not Path("ptm.lock").exists()
    github.github.tokens.add("ghp_fixture")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fixture")
    ptm("lock")


def test_bad_github_token_is_named(github, files, ptm, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong")
    declare(files.url)
    assert "GitHub rejected GITHUB_TOKEN" in one_line_error(ptm("lock", expect=1))


@pytest.mark.parametrize(
    ("repo", "revision", "message"),
    [
        ("fixtures/nope", "main", "repository not found on"),
        (HUBCONF_REPO, "v9", "revision 'v9' not found"),
    ],
    ids=["repo", "revision"],
)
def test_not_found_is_one_line_naming_the_model(github, files, ptm, repo, revision, message) -> None:
    declare(files.url, repo=repo, revision=revision)
    line = one_line_error(ptm("lock", expect=1))
    assert message in line and "model 'mlp'" in line and f"{repo}@{revision}" in line
    assert not Path("ptm.lock").exists()


@pytest.mark.parametrize(
    ("planted", "message"),
    [(ZIP_SLIP, "'../evil.py' contains '..'"), (SYMLINK_OUT, "is a symlink to '../../../../etc/passwd'")],
    ids=["zip-slip", "symlink-out"],
)
def test_hostile_archive_entries_are_refused(github, files, ptm, planted, message) -> None:
    github.github.features = dataclasses.replace(github.github.features, planted=planted)
    declare(files.url)
    line = one_line_error(ptm("lock", expect=1))
    assert message in line and "refusing the archive" in line
    assert not Path("ptm.lock").exists()


def test_a_zipball_damaged_in_transit_fails_the_lock_in_one_line_and_is_not_kept(github, files, ptm):
    github.github.features = dataclasses.replace(github.github.features, damaged="models/mlp.py")
    declare(files.url)
    line = one_line_error(ptm("lock", expect=1))
    assert "archive entry 'models/mlp.py' is damaged" in line and "try again" in line
    assert not Path("ptm.lock").exists() and not list(Path(os.environ["PTM_HOME"]).rglob("*.zip*"))


def test_entry_missing_from_hubconf_lists_the_entries(github, files, ptm) -> None:
    declare(files.url)
    Path("ptm.toml").write_text(Path("ptm.toml").read_text().replace('"tiny_mlp"', '"resnet18"'))
    line = one_line_error(ptm("lock", expect=1))
    assert "hubconf.py has no entry 'resnet18'" in line and "tiny_mlp" in line


def test_repository_without_hubconf_is_refused(github, files, ptm) -> None:
    github.github.repos.create_repo("fixtures/not-a-hub")
    github.github.repos.commit("fixtures/not-a-hub", {"README.md": b"# nothing to load\n"})
    declare(files.url, repo="fixtures/not-a-hub", revision="main")
    assert "has no hubconf.py" in one_line_error(ptm("lock", expect=1))


def test_weights_with_a_wrong_sha256_fail_the_lock(github, files, ptm) -> None:
    weights = f'weights = [{{ url = "{files.url}/weights/tiny_mlp-v1.pth", sha256 = "{"0" * 64}" }}]'
    declare(files.url)
    Path("ptm.toml").write_text(
        Path("ptm.toml").read_text().replace(f'weights = ["{files.url}/weights/tiny_mlp-v1.pth"]', weights)
    )
    result = ptm("lock", expect=3)
    assert "ptm.toml expects 000000" in one_line_error(result) and not Path("ptm.lock").exists()


def test_weights_that_are_gone_are_one_line(github, files, ptm) -> None:
    files.host.delete("weights/tiny_mlp-v1.pth")
    declare(files.url)
    assert "answered HTTP 404" in one_line_error(ptm("lock", expect=1))


def test_hubconf_entries_are_read_without_running_it() -> None:
    from ptmlock.hubs.torchhub import hubconf_names

    source = (
        b"from __future__ import annotations\n"
        b"from torchvision.models.resnet import resnet18, ResNet\n"
        b"import torch\n"
        b"dependencies = ['torch']\n"
        b"def _helper(): ...\n"
        b"def vgg11(pretrained=False): ...\n"
    )
    names = hubconf_names(source)
    assert names.defined is not None
    assert {"resnet18", "ResNet", "vgg11", "torch"} <= names.defined and "_helper" not in names.defined
    assert names.entries == ("resnet18", "vgg11")
    assert hubconf_names(b"from torchvision.models import *\n").defined is None


def test_hubconf_entries_inside_try_and_if_blocks_are_found() -> None:
    from ptmlock.hubs.torchhub import hubconf_names

    source = (
        b"import sys\n"
        b"try:\n"
        b"    from .models import resnet18\n"
        b"except ImportError:\n"
        b"    def resnet18(pretrained=False): ...\n"
        b"if sys.version_info >= (3, 8):\n"
        b"    def vit_tiny(pretrained=False): ...\n"
        b"else:\n"
        b"    small, large = 1, 2\n"
        b"def build():\n"
        b"    def inner(): ...\n"
    )
    names = hubconf_names(source)
    assert names.defined is not None
    assert {"resnet18", "vit_tiny", "small", "large", "build"} <= names.defined
    assert "inner" not in names.defined
    assert names.entries == ("build", "resnet18", "vit_tiny")


@pytest.mark.parametrize(
    "dynamic",
    [
        b"for name in NAMES:\n    globals()[name] = make(name)\n",
        b"import sys\nsetattr(sys.modules[__name__], 'resnet18', make())\n",
        b"vars().update(ENTRIES)\n",
    ],
    ids=["globals", "setattr", "vars"],
)
def test_hubconf_that_makes_names_at_import_may_define_any_entry(dynamic) -> None:
    from ptmlock.hubs.torchhub import hubconf_names

    assert hubconf_names(dynamic).defined is None


def test_an_entry_defined_in_an_if_block_of_hubconf_locks(github, files, ptm) -> None:
    hubconf = (
        b"try:\n    import numpy\nexcept ImportError:\n    numpy = None\n\n"
        b"if numpy is None:\n    def tiny_mlp(): ...\n"
    )
    github.github.repos.create_repo("fixtures/guarded-hubconf")
    github.github.repos.commit("fixtures/guarded-hubconf", {"hubconf.py": hubconf})
    declare(files.url, repo="fixtures/guarded-hubconf", revision="main")
    ptm("lock")
    assert lock_data()["models"]["mlp"]["entry"] == "tiny_mlp"


def test_an_entry_named_at_import_time_locks_under_its_dotted_name(github, files, ptm) -> None:
    hubconf = b'for name in ("transformer.wmt19.en-de",):\n    globals()[name] = lambda: None\n'
    github.github.repos.create_repo("fixtures/dynamic-hubconf")
    github.github.repos.commit("fixtures/dynamic-hubconf", {"hubconf.py": hubconf})
    write_manifest(
        '[models.mt]\nhub = "torchhub"\nrepo = "fixtures/dynamic-hubconf"\nrevision = "main"\n'
        'entry = "transformer.wmt19.en-de"\n'
    )
    ptm("lock")
    assert lock_data()["models"]["mt"]["entry"] == "transformer.wmt19.en-de"


def test_locking_a_torch_hub_model_does_not_import_torch(github, files) -> None:
    declare(files.url)
    script = (
        "import sys\n"
        "from ptmlock.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert not done.code, done.code\n"
        "print(sorted(m for m in ('torch', 'transformers', 'onnx') if m in sys.modules))\n"
    )
    env = subprocess_env(PTM_GITHUB_API=github.url)
    result = subprocess.run([sys.executable, "-c", script, "lock"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("[]") and Path("ptm.lock").exists()
