"""torch.hub sources against a hostile GitHub API mirror (PTM_GITHUB_API) and hostile zipballs: a commit
that is a path, a symlink entry that expands to hundreds of MB, a zip bomb, a header that lies about a
size, and a lock whose commit or paths lead out of the store."""

from __future__ import annotations

import dataclasses
import io
import stat
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from fixtures.github import HUBCONF_REPO
from ptmlock import archive
from ptmlock.errors import LockError
from ptmlock.hubs import torchhub
from ptmlock.install import layouts
from ptmlock.lockfile import LockedFile
from ptmlock.paths import UnsafePathError
from tests.conftest import one_line_error, write_manifest
from tests.installing import locked, store_root, torchhub_model
from tests.test_install_sources import forget_kept_archives

# 40 characters of "./" and "../", as len(sha) == 40 let through: from the store's archives/<repo>/
# folder, four ".." reach the test's tmp_path, where "escaped/" would appear.
PATH_SHA = "./" * 9 + "../../../../escaped/ab"
MiB = 1024 * 1024


def serve(github, **features: object) -> None:
    github.github.features = dataclasses.replace(github.github.features, **features)


def real_zipball(github, revision: str = "v1.0") -> bytes:
    repos = github.github.repos
    return github.github.zipball(HUBCONF_REPO, repos.get_repo(HUBCONF_REPO).resolve(revision))


def with_zeros_entry(zipped: bytes, path: str, mode: int, size: int) -> bytes:
    """The zip with one more deflated entry ``path`` (under its top folder) of ``size`` zero bytes, written
    a MiB at a time (highly compressible: 200 MiB deflate to about 200 KB)."""
    buffer = io.BytesIO(zipped)
    with zipfile.ZipFile(buffer, "a") as zipball:
        top = zipball.namelist()[0].partition("/")[0]
        info = zipfile.ZipInfo(f"{top}/{path}", date_time=(2024, 1, 1, 0, 0, 0))
        info.create_system = 3  # unix, so the mode says symlink
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with zipball.open(info, "w") as member:
            for _ in range(size // MiB):
                member.write(bytes(MiB))
    return buffer.getvalue()


def with_claimed_size(zipped: bytes, path: str, size: int) -> bytes:
    """The zip with the central directory's uncompressed size of ``path`` replaced by ``size`` (its CRC
    still that of the bytes it holds)."""
    raw = bytearray(zipped)
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        name_length = int.from_bytes(raw[at + 28 : at + 30], "little")
        if raw[at + 46 : at + 46 + name_length].decode().partition("/")[2] == path:
            raw[at + 24 : at + 28] = size.to_bytes(4, "little")
            return bytes(raw)
        at = raw.find(b"PK\x01\x02", at + 46)
    raise AssertionError(f"{path} is not in the zip")


@pytest.mark.parametrize("sha", [PATH_SHA, "G" * 40], ids=["path", "not-hex"])
@pytest.mark.parametrize("command", ["lock", "install"])
def test_a_commit_sha_that_is_not_hex_is_refused_naming_the_mirror(
    github, files, ptm, tmp_path, sha, command
) -> None:
    serve(github, commit_sha=sha)
    write_manifest(torchhub_model(files.url))
    line = one_line_error(ptm(command, expect=1))
    assert "model 'mlp'" in line and f"the GitHub API at {github.url} (PTM_GITHUB_API)" in line
    assert "not 40 hex digits" in line
    assert not (tmp_path / "escaped").exists() and not Path("ptm.lock").exists()
    assert not list(store_root().rglob("*.zip*"))


def test_the_mirror_named_for_a_bad_commit_hides_its_password(github, files, ptm, monkeypatch) -> None:
    mirror = github.url.replace("http://", "http://mirror:s3cret@")
    monkeypatch.setenv("PTM_GITHUB_API", mirror)
    serve(github, commit_sha=PATH_SHA)
    write_manifest(torchhub_model(files.url))
    result = ptm("lock", expect=1)
    line = one_line_error(result)
    assert "the GitHub API at http://mirror:****@127.0.0.1" in line
    assert "s3cret" not in result.stdout + result.stderr


HOSTILE_LOCKS = {
    "commit": ({"commit": PATH_SHA}, "is not 40 lowercase hex digits"),
    "file-path": ({"files": (LockedFile("../../../../escaped", 1, "0" * 64),)}, "contains '..'"),
    "sha256": ({"files": (LockedFile("hubconf.py", 1, "../../../escaped"),)}, "contains '..'"),
    "weights-path": ({"weights": (LockedFile("../escaped.pth", 1, "0" * 64),)}, "'../escaped.pth' contains"),
    "weights-absolute": ({"weights": (LockedFile("/tmp/escaped.pth", 1, "0" * 64),)}, "is absolute"),
}


@pytest.mark.parametrize(("changes", "message"), HOSTILE_LOCKS.values(), ids=HOSTILE_LOCKS.keys())
def test_a_lock_that_slipped_past_the_schema_cannot_lay_files_out_of_the_store(
    github, files, ptm, changes, message
) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    hostile = locked("mlp")._replace(**changes)
    with pytest.raises(LockError) as refused:
        layouts.layout(hostile)
    assert str(refused.value).startswith("ptm.lock: model 'mlp': ") and message in str(refused.value)


def test_the_kept_archive_of_a_commit_that_is_a_path_stays_in_the_store() -> None:
    with pytest.raises(UnsafePathError, match=r"^commit '[./]+escaped/ab\.zip' contains '\.\.'"):
        torchhub.archive_path(HUBCONF_REPO, PATH_SHA)


def test_a_huge_symlink_entry_is_refused_without_reading_it_into_memory(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")  # what a first lock imports and caches is not what this measures
    Path("ptm.lock").unlink()
    forget_kept_archives()
    serve(github, zipball=with_zeros_entry(real_zipball(github), "link", stat.S_IFLNK | 0o777, 200 * MiB))
    tracemalloc.start()
    try:
        result = ptm("lock", expect=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB, f"reading the archive peaked at {peak / MiB:.0f} MiB"
    assert result.exit_code == 1 and not Path("ptm.lock").exists()
    line = one_line_error(result)
    assert "archive entry" in line and "/link' is over 4 KiB, too large for a symlink's target" in line


@pytest.mark.parametrize("command", ["lock", "install"])
def test_a_zip_bomb_past_the_expanded_size_limit_is_refused(github, files, ptm, monkeypatch, command) -> None:
    write_manifest(torchhub_model(files.url))
    if command == "install":
        ptm("lock")
        forget_kept_archives()
    monkeypatch.setattr(archive, "MAX_EXPANDED", 4 * MiB, raising=False)
    serve(github, zipball=with_zeros_entry(real_zipball(github), "bomb.bin", stat.S_IFREG | 0o644, 5 * MiB))
    line = one_line_error(ptm(command, expect=1))
    assert "the archive expands to 5 MiB, over the 4 MiB a repository may" in line
    assert "refusing the archive" in line and "model 'mlp'" in line
    assert not list((store_root() / "archives").rglob("*.zip"))


@pytest.mark.parametrize(
    ("claimed", "message"),
    [(-1, "archive entry 'models/mlp.py' is damaged"), (+1, "'models/mlp.py' holds")],
    ids=["fewer-bytes-than-it-holds", "more-bytes-than-it-holds"],
)
def test_an_entry_whose_header_lies_about_its_size_is_refused(github, files, ptm, claimed, message) -> None:
    size = len(github.github.repos.repo_files(HUBCONF_REPO, "v1.0")["models/mlp.py"])
    serve(github, zipball=with_claimed_size(real_zipball(github), "models/mlp.py", size + claimed))
    write_manifest(torchhub_model(files.url))
    line = one_line_error(ptm("lock", expect=1))
    assert message in line and "model 'mlp'" in line
    assert not Path("ptm.lock").exists()


@pytest.mark.parametrize(
    ("hubconf", "message"),
    [
        (b"def tiny_mlp(): ...\n" + b"#" * MiB, "is over 1024 KiB, too large for hubconf.py"),
        (b"x = " + b"+".join([b"1"] * 200_000) + b"\ndef tiny_mlp(): ...\n", "is nested too deeply"),
    ],
    ids=["too-large", "too-deep"],
)
def test_a_hostile_hubconf_is_one_line(github, files, ptm, hubconf, message) -> None:
    github.github.repos.commit(HUBCONF_REPO, {"hubconf.py": hubconf}, message="hostile")
    write_manifest(torchhub_model(files.url).replace('revision = "v1.0"', 'revision = "main"'))
    line = one_line_error(ptm("lock", expect=1))
    assert message in line and "model 'mlp'" in line
