"""`ptm check` on a tree someone else controls (a clone, a pull request): links to devices, FIFOs,
huge files, \\r line endings, nesting the parser gives up on, text built to blow up. Each is a
finding for its own file or is read correctly; none hangs, exhausts memory or ends in a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, write_manifest

READ_LIMIT = 4 * 2**20  # ptm check reads no more of a file (files.MAX_SOURCE_BYTES)
LOAD = 'from transformers import AutoModel\nAutoModel.from_pretrained("org/model")\n'
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, /dev/zero and rlimits are POSIX")


# What a hanging or quadratic scan reaches long before the end (every scan here takes seconds, even on a
# loaded machine).
CHILD_LIMIT_S = 120


def _check_process(*args: str) -> str:
    """`python -m ptmlock check --format json` as pre-commit runs it, in a child limited to 1 GiB of
    memory and CHILD_LIMIT_S seconds, so a regression fails this test rather than the machine."""

    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    try:
        result = subprocess.run(
            [sys.executable, "-m", "ptmlock", "check", "--format", "json", *args],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=CHILD_LIMIT_S,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ptm check {' '.join(args)} still ran after {CHILD_LIMIT_S} s")
    # The one line ptm check may write to stderr is the count of its notes.
    assert re.fullmatch(r"(ptm check: \d+ notes? on model loads .*\n)?", result.stderr), result.stderr
    return result.stdout


def _codes(data: dict) -> dict[str, list[str]]:
    by_path: dict[str, list[str]] = {}
    for item in data["findings"]:
        by_path.setdefault(item["path"], []).append(item["code"])
    return by_path


def _message(data: dict, path: str) -> str:
    (item,) = [f for f in data["findings"] if f["path"] == path]
    assert item["code"] == "PTM006"
    return item["message"]


@posix_only
@pytest.mark.parametrize("given", [(), ("evil.py", "app.py")], ids=["walked", "given"])
def test_a_symlink_to_a_device_is_reported_not_read(given: tuple[str, ...]) -> None:
    Path("evil.py").symlink_to("/dev/zero")
    Path("app.py").write_text(LOAD)
    data = json.loads(_check_process(*given))
    assert _codes(data) == {"app.py": ["PTM001"], "evil.py": ["PTM006"]}
    assert _message(data, "evil.py") == (
        "cannot check this file (a symlink to /dev/zero, outside the project, which ptm does not "
        "follow); check that file where it lives, or add it to [check] exclude in ptm.toml"
    )


@posix_only
@pytest.mark.parametrize("given", [(), ("pipe.py", "link.py", "app.py")], ids=["walked", "given"])
def test_a_fifo_is_reported_never_opened(given: tuple[str, ...]) -> None:
    os.mkfifo("pipe.py")
    Path("link.py").symlink_to("pipe.py")
    Path("app.py").write_text(LOAD)
    data = json.loads(_check_process(*given))
    assert _codes(data) == {"app.py": ["PTM001"], "link.py": ["PTM006"], "pipe.py": ["PTM006"]}
    assert _message(data, "pipe.py") == (
        "cannot check this file (a FIFO, not a regular file, so it is not read); "
        "remove it or add it to [check] exclude in ptm.toml"
    )
    assert f"(a symlink to {Path('pipe.py').resolve()}, a FIFO, not a regular file" in _message(
        data, "link.py"
    )


def test_symlinks_are_followed_to_files_inside_the_project_only(ptm, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "theirs.py"
    outside.parent.mkdir()
    outside.write_text(LOAD)
    Path("src").mkdir()
    Path("src/real.py").write_text(LOAD)
    Path("ours.py").symlink_to("src/real.py")
    Path("theirs.py").symlink_to(outside)
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert _codes(data) == {"ours.py": ["PTM001"], "src/real.py": ["PTM001"], "theirs.py": ["PTM006"]}
    assert f"(a symlink to {outside}, outside the project, which ptm does not follow)" in _message(
        data, "theirs.py"
    )
    assert [load["path"] for load in data["loads"]] == ["ours.py", "src/real.py"]


def test_a_file_over_the_size_limit_is_reported_not_read(ptm) -> None:
    Path("app.py").write_text(LOAD)
    Path("tables.py").write_bytes(LOAD.encode() + b"#" * (READ_LIMIT - len(LOAD)) + b"\n")
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert _codes(data) == {"app.py": ["PTM001"], "tables.py": ["PTM006"]}
    assert _message(data, "tables.py") == (
        "cannot check this file (4.0 MiB, over the 4.0 MiB ptm reads); "
        "if it is generated, add it to [check] exclude in ptm.toml"
    )
    write_manifest('[check]\nexclude = ["tables.py"]\nseverity = { PTM010 = "off" }\n')
    assert _codes(json.loads(ptm("check --format json", expect=1).stdout)) == {"app.py": ["PTM001"]}


@pytest.mark.parametrize(
    "tail",
    [
        "x = " + "-" * 200_000 + "1\n",  # 3.11: MemoryError from the parser
        "x = " + "1+" * 200_000 + "1\n",  # 3.11: RecursionError building the ast
        "f = " + "lambda: " * 1000 + 'AutoModel.from_pretrained("o/m")\n',  # 3.11: parses, too deep to walk
    ],
    ids=["unary", "binary", "lambdas"],
)
def test_nesting_python_gives_up_on_is_a_finding_for_that_file_only(ptm, tail: str) -> None:
    Path("app.py").write_text(LOAD)
    Path("deep.py").write_text(LOAD + tail)
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert _codes(data) == {"app.py": ["PTM001"], "deep.py": ["PTM006"]}
    # Which limit, and so the reason, depends on the Python version.
    assert _message(data, "deep.py").startswith("cannot check this file (nested too deeply to ")


CRLF_CODE = [
    "# a comment first: it must not hide the lines below",
    "from transformers import AutoModel",
    'a = AutoModel.from_pretrained("org/a")',
    'b = AutoModel.from_pretrained("org/b")  # ptm: ignore[PTM001]',
    "c = AutoModel.from_pretrained(",
    '    "org/c",',
    ")  # ptm: ignore",
    'd = AutoModel.from_pretrained("org/d")',
]


def _with_endings(lines: list[str], endings: list[str]) -> bytes:
    return "".join(line + endings[i % len(endings)] for i, line in enumerate(lines)).encode()


@pytest.mark.parametrize("endings", [["\r"], ["\r", "\n", "\r\n"]], ids=["cr", "mixed"])
def test_lines_end_where_python_ends_them(ptm, endings: list[str]) -> None:
    def found(source: bytes) -> list[tuple]:
        Path("app.py").write_bytes(source)
        data = json.loads(ptm("check --format json", expect=1).stdout)
        return [(f["line"], f["column"], f["end_line"], f["end_column"], f["code"]) for f in data["findings"]]

    expected = found(_with_endings(CRLF_CODE, ["\n"]))
    assert [item[0] for item in expected] == [3, 8]  # b and c are silenced
    assert found(_with_endings(CRLF_CODE, endings)) == expected


@pytest.mark.parametrize("endings", [["\r"], ["\r", "\n", "\r\n"]], ids=["cr", "mixed"])
def test_fix_keeps_every_line_ending(hub, ptm, endings: list[str]) -> None:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\nrevision = "main"\n')
    ptm("lock")
    pin = f'revision="{hub.hub.resolve("fixtures/tiny-bert", "main")}"'
    code = [
        "from transformers import AutoModel",
        'a = AutoModel.from_pretrained("fixtures/tiny-bert")',
        "b = AutoModel.from_pretrained(",
        '    "fixtures/tiny-bert",',
        ")",
        'c = AutoModel.from_pretrained("fixtures/tiny-bert", revision="main")',
        'd = AutoModel.from_pretrained("fixtures/tiny-bert")  # ptm: ignore',
    ]
    Path("app.py").write_bytes(_with_endings(code, endings))
    assert "Fixed 3 loads in 1 file." in ptm("check --fix").stdout
    fixed = [
        code[0],
        f'a = AutoModel.from_pretrained("fixtures/tiny-bert", {pin})',
        code[2],
        f'    "fixtures/tiny-bert", {pin},',
        code[4],
        f'c = AutoModel.from_pretrained("fixtures/tiny-bert", {pin})',
        code[6],
    ]
    assert Path("app.py").read_bytes() == _with_endings(fixed, endings)


def test_deep_folders_and_packages_are_walked_without_recursion(ptm) -> None:
    # Only app.py is read: the walk still enters every folder and app.py's package is still looked up
    # through every __init__.py, but not again for each __init__.py (1,100 lookups, each as deep as its
    # file: most of the test's time, and no more proof).
    write_manifest('[check]\nexclude = ["__init__.py"]\nseverity = { PTM010 = "off" }\n')
    folder = Path("pkg")
    for _ in range(1100):  # deeper than Python's recursion limit
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        folder = folder / "p"
    folder.mkdir()
    (folder / "app.py").write_text(LOAD)
    try:
        data = json.loads(ptm("check --format json", expect=1).stdout)
        assert [f["code"] for f in data["findings"]] == ["PTM001"]
        assert data["findings"][0]["path"].endswith("/p/app.py")
    finally:  # shutil.rmtree recurses too: take the tree down from the bottom
        while folder != Path("."):
            for entry in folder.iterdir():
                entry.unlink()
            folder.rmdir()
            folder = folder.parent


@posix_only
def test_text_built_to_blow_up_stays_small() -> None:
    # Each name five times the one before: 5**8 copies of 100 kB, were ptm to join them.
    grow = "".join(f"a{i} = f'" + f"{{a{i - 1}}}" * 5 + "'\n" for i in range(1, 9))
    a0 = 'a0 = "' + "x" * 100_000 + '"\n'
    Path("grow.py").write_text(LOAD + a0 + grow + "AutoModel.from_pretrained(a8)\n")
    # A megabyte constant named in 200 loads; an int too long for str() in an f-string.
    big = 'BIG = "' + "y" * 1_000_000 + '"\n' + "AutoModel.from_pretrained(BIG)\n" * 200
    Path("repeat.py").write_text(LOAD + big + f'AutoModel.from_pretrained(f"org/{{0x{"f" * 5000}}}")\n')
    output = _check_process()
    assert len(output) < 1_000_000
    data = json.loads(output)
    assert {path: set(codes) for path, codes in _codes(data).items()} == {
        "grow.py": {"PTM001", "PTM005"},
        "repeat.py": {"PTM001", "PTM005"},
    }
    assert len(data["loads"]) == 2 + 1 + 200 + 1


@posix_only
@pytest.mark.parametrize(
    "source",
    [
        # One line repeating a trigger word: each was once read back to the start of its line.
        'import timm\ntimm.create_model\nx = "' + "timm " * 800_000 + '"\n',
        # Thousands of aliases of a load API: the file was once searched again for each.
        "".join(f"import tensorflow_hub as h{i}\n" for i in range(20_000))
        + 'PAD = """'
        + "x" * 3_000_000
        + '"""\nh0.load("https://tfhub.dev/google/model")\n',
    ],
    ids=["repeated-trigger", "many-aliases"],
)
def test_repetition_is_scanned_in_linear_time(source: str) -> None:
    Path("big.py").write_text(source)
    data = json.loads(_check_process())
    assert data["files"] == 1 and all(f["code"] != "PTM006" for f in data["findings"])
