"""What a hub answers is validated before it is locked, printed or laid out: a lock ptm cannot read back is
never written, and file names that clash on case-insensitive filesystems are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptmlock.paths import case_clash, contained
from tests.conftest import one_line_error, write_manifest


def readme(license_: str) -> bytes:
    return f"---\nlicense: {license_}\n---\n# evil\n".encode()


def test_a_licence_that_is_not_valid_toml_text_is_refused_before_the_lock_is_written(hub, ptm) -> None:
    hub.hub.create_repo("evil/model")
    # DEL is a control character TOML forbids in strings: the lock written would be one ptm cannot read.
    hub.hub.commit("evil/model", {"config.json": b"{}", "README.md": readme("mit\x7f")})
    write_manifest('[models.evil]\nrepo = "evil/model"\n')
    result = ptm("lock", expect=1)
    line = one_line_error(result)
    assert "refusing to write" in line and "ptm.lock" in line and "malformed metadata" in line
    assert result.stdout == ""  # nothing of the answer was printed as if it were locked
    assert not Path("ptm.lock").exists()


def test_install_does_not_lock_in_memory_what_it_would_refuse_to_write(hub, ptm) -> None:
    hub.hub.create_repo("evil/model")
    hub.hub.commit("evil/model", {"config.json": b"{}", "README.md": readme("mit\x7f")})
    write_manifest('[models.evil]\nrepo = "evil/model"\n')
    line = one_line_error(ptm("install", expect=1))
    assert "refusing to write" in line
    assert not Path("ptm.lock").exists()
    assert not (Path.home() / "hf").exists() or not any((Path.home() / "hf").rglob("config.json"))


def test_files_differing_only_in_case_are_refused_at_lock(hub, ptm) -> None:
    hub.hub.create_repo("evil/model")
    hub.hub.commit("evil/model", {"config.json": b"{}", "Model.py": b"a", "model.py": b"b"})
    write_manifest('[models.evil]\nrepo = "evil/model"\n')
    line = one_line_error(ptm("lock", expect=1))
    assert "'Model.py' and 'model.py' differ only in case" in line
    assert "include/exclude in [models.evil]" in line
    assert not Path("ptm.lock").exists()
    write_manifest('[models.evil]\nrepo = "evil/model"\nexclude = ["Model.py"]\n')
    ptm("lock")


@pytest.mark.parametrize(
    ("paths", "clash"),
    [
        (["a.py", "A.py"], ("A.py", "a.py")),
        (["Models/x.bin", "models/y.bin"], ("Models", "models")),
        (["caf\u00e9.txt", "cafe\u0301.txt"], ("caf\u00e9.txt", "cafe\u0301.txt")),
        (["a/b.py", "a/c.py", "b"], None),
    ],
)
def test_case_clash_finds_names_one_filesystem_would_merge(paths, clash) -> None:
    found = case_clash(paths)
    assert (tuple(sorted(found)) if found else None) == (tuple(sorted(clash)) if clash else None)


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "/etc/passwd", "", "a/./b", "a\\..\\b", "a\x00b"])
def test_contained_refuses_every_way_out_of_its_root(tmp_path, relative) -> None:
    from ptmlock.paths import UnsafePathError

    with pytest.raises(UnsafePathError, match="refusing to use it as a path"):
        contained(tmp_path, relative, "file")


def test_contained_joins_plain_relative_paths(tmp_path) -> None:
    assert contained(tmp_path, "snapshots/abc/config.json", "file") == tmp_path / "snapshots/abc/config.json"
