"""The fake GitHub API: the endpoints, errors and archives torch.hub sources rely on, over real HTTP."""

from __future__ import annotations

import dataclasses
import io
import stat
import zipfile

import httpx2
import pytest

from fixtures.github import HUBCONF_REPO, MASTER_REPO, PRIVATE_REPO, SYMLINK_OUT, ZIP_SLIP


def zipball(url: str, ref: str, **headers: str) -> httpx2.Response:
    return httpx2.get(f"{url}/repos/{HUBCONF_REPO}/zipball/{ref}", headers=headers, follow_redirects=True)


def test_commit_endpoint_resolves_tags_branches_and_shas(github) -> None:
    repos = github.github.repos
    for ref in ("v1.0", "main", repos.resolve(HUBCONF_REPO, "v1.0")):
        response = httpx2.get(f"{github.url}/repos/{HUBCONF_REPO}/commits/{ref}")
        assert response.status_code == 200 and response.json()["sha"] == repos.resolve(HUBCONF_REPO, ref)


def test_unknown_ref_is_422_and_unknown_repo_is_404_as_on_github(github) -> None:
    response = httpx2.get(f"{github.url}/repos/{HUBCONF_REPO}/commits/nope")
    assert response.status_code == 422 and "No commit found for SHA: nope" in response.json()["message"]
    response = httpx2.get(f"{github.url}/repos/fixtures/nope/commits/main")
    assert response.status_code == 404 and response.json()["message"] == "Not Found"


def test_private_repo_is_hidden_without_a_token(github) -> None:
    url = f"{github.url}/repos/{PRIVATE_REPO}/commits/main"
    assert httpx2.get(url).status_code == 404
    github.github.tokens.add("ghp_x")
    assert httpx2.get(url, headers={"Authorization": "Bearer ghp_x"}).status_code == 200
    assert httpx2.get(url, headers={"Authorization": "Bearer ghp_bad"}).status_code == 401


def test_zipball_redirects_to_an_archive_with_one_top_folder(github) -> None:
    sha = github.github.repos.resolve(HUBCONF_REPO, "v1.0")
    response = zipball(github.url, "v1.0")
    assert response.history[0].status_code == 302 and "/codeload/" in str(response.url)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    top = f"fixtures-tiny-hubconf-{sha[:7]}/"
    assert all(name.startswith(top) for name in archive.namelist()) and archive.comment == sha.encode()
    files = {n.removeprefix(top): archive.read(n) for n in archive.namelist() if not n.endswith("/")}
    assert files == github.github.repos.repo_files(HUBCONF_REPO, "v1.0")
    assert b"/weights/tiny_mlp-v1.pth" in files["hubconf.py"]


def test_zip_timestamp_switch_changes_the_bytes_not_the_tree(github) -> None:
    first = zipball(github.url, "v1.0").content
    github.github.features = dataclasses.replace(github.github.features, zip_date_time=(2030, 1, 2, 3, 4, 6))
    second = zipball(github.url, "v1.0").content
    assert first != second

    def tree(data: bytes) -> dict[str, bytes]:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return {n: archive.read(n) for n in archive.namelist()}

    assert tree(first) == tree(second)


def test_rate_limit_mode_answers_like_github_unless_authenticated(github) -> None:
    github.github.features = dataclasses.replace(github.github.features, rate_limited=True)
    response = httpx2.get(f"{github.url}/repos/{HUBCONF_REPO}/commits/main")
    assert response.status_code == 403 and response.headers["X-RateLimit-Remaining"] == "0"
    assert response.json()["message"].startswith("API rate limit exceeded")
    github.github.tokens.add("ghp_x")
    authed = httpx2.get(
        f"{github.url}/repos/{HUBCONF_REPO}/commits/main", headers={"Authorization": "Bearer ghp_x"}
    )
    assert authed.status_code == 200


@pytest.mark.parametrize("planted", [ZIP_SLIP, SYMLINK_OUT])
def test_planted_entries(github, planted) -> None:
    github.github.features = dataclasses.replace(github.github.features, planted=planted)
    archive = zipfile.ZipFile(io.BytesIO(zipball(github.url, "main").content))
    if planted == ZIP_SLIP:
        assert "../evil.py" in archive.namelist()
    else:
        [link] = [i for i in archive.infolist() if stat.S_ISLNK(i.external_attr >> 16)]
        assert archive.read(link) == b"../../../../etc/passwd"


def test_damaged_switch_breaks_one_member_of_an_otherwise_valid_zip(github) -> None:
    github.github.features = dataclasses.replace(github.github.features, damaged="models/mlp.py")
    archive = zipfile.ZipFile(io.BytesIO(zipball(github.url, "v1.0").content))
    [damaged] = [n for n in archive.namelist() if n.endswith("/models/mlp.py")]
    assert archive.testzip() == damaged
    assert archive.read(next(n for n in archive.namelist() if n.endswith("/hubconf.py")))


def test_master_repo_has_a_master_branch_and_no_main(github) -> None:
    assert httpx2.get(f"{github.url}/repos/{MASTER_REPO}/commits/master").status_code == 200
    assert httpx2.get(f"{github.url}/repos/{MASTER_REPO}/commits/main").status_code == 422


def test_the_tiny_hubconf_repo_loads_with_torch_hub(github, files, tmp_path, monkeypatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    zipfile.ZipFile(io.BytesIO(zipball(github.url, "v1.0").content)).extractall(tmp_path / "repo")
    [folder] = (tmp_path / "repo").iterdir()
    model = torch.hub.load(str(folder), "tiny_mlp", source="local", pretrained=True)
    assert model(torch.ones(2, 8)).shape == (2, 4)
    assert (tmp_path / "torch" / "hub" / "checkpoints" / "tiny_mlp-v1.pth").is_file()
