"""ptm.lock as `ptm lock` writes it is read without the general TOML parser (lockfile.read_as_written),
which is pure Python and was the largest cost of a `ptm check` that reads the lock.

It must read exactly what tomllib reads, and give up (None: tomllib reads the text, with its errors)
on anything else: a hand edit, a merge, CRLF line ends, escapes, a key given twice.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from ptmlock.lockfile import (
    Lock,
    LockedFile,
    LockedModel,
    files_digest,
    parse_lock,
    read_as_written,
    render_lock,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SHA = "ab" * 32
HASH = "sha256:" + "cd" * 32


def _lock() -> Lock:
    """One model of each source, with every kind of field render_lock writes."""
    files = tuple(LockedFile(f"data/file_{i:03}.txt", i, SHA) for i in range(12))
    url_file = LockedFile("model.bin", 7, SHA, url="https://example.com/a, b/model.bin?x=1#y", etag="W-1a")
    weights = (LockedFile("tiny.pth", 0, SHA, url="https://example.com/w.pth", last_modified="Mon, 01 Jan"),)
    local_files = (LockedFile("weights.safetensors", 10, SHA),)
    return Lock(
        {
            "bert": LockedModel(
                "bert", "huggingface", "main", COMMIT, HASH, files, repo="org/bert", license="mit"
            ),
            "empty": LockedModel("empty", "huggingface", "v1", COMMIT, HASH, (), repo="org/empty"),
            "hub-model_2": LockedModel(
                "hub-model_2",
                "torchhub",
                "v1.0",
                COMMIT,
                HASH,
                files[:1],
                repo="o/r",
                entry="tiny",
                weights=weights,
            ),
            "fetched": LockedModel(
                "fetched",
                "url",
                None,
                None,
                HASH,
                (url_file,),
                digest=files_digest((url_file,)),
                license="é 日本 # not a comment",
            ),
            "mine": LockedModel(
                "mine",
                "local",
                None,
                None,
                HASH,
                local_files,
                path="../models/mine",
                digest=files_digest(local_files),
                provenance=(("dataset", "s3://b/k, v2"), ("run", "wandb:team/abc = 1 }")),
            ),
        }
    )


def test_a_lock_as_ptm_writes_it_reads_as_tomllib_reads_it() -> None:
    text = render_lock(_lock())
    read = read_as_written(text)
    assert read is not None and read == tomllib.loads(text)
    assert list(read["models"]["mine"]) == list(tomllib.loads(text)["models"]["mine"])  # the keys' order too


def test_a_lock_without_models_reads_as_tomllib_reads_it() -> None:
    text = render_lock(Lock({}))
    assert read_as_written(text) == tomllib.loads(text) == {"version": 2}


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="CRLF line ends"),
        pytest.param(lambda t: t.replace('hub = "url"', 'hub = "u\\u0072l"'), id="an escape"),
        pytest.param(lambda t: t.replace("[models.bert]", '[models."bert"]'), id="a quoted name"),
        pytest.param(lambda t: t.replace("[models.empty]", "[models.bert]"), id="a table given twice"),
        pytest.param(
            lambda t: t.replace('license = "mit"', 'license = "mit"\nlicense = "mit"'), id="a key twice"
        ),
        pytest.param(
            lambda t: t.replace('license = "mit"', 'license = "mit" # checked'), id="a comment after"
        ),
        pytest.param(lambda t: t.replace("size = 3,", "size = 0x3,"), id="a hex number"),
        pytest.param(lambda t: t.replace("size = 3,", "size = 1_0,"), id="an underscore in a number"),
        pytest.param(lambda t: t.replace("version = 2", "version = 2\nmodels = 1"), id="models as a value"),
        pytest.param(lambda t: t.rstrip("\n").removesuffix("]"), id="an array left open"),
        pytest.param(lambda t: t + "\n[models.bert.exports.onnx]\nopset = 17\n", id="export records"),
        pytest.param(lambda t: t.replace("    { path", "  { path", 1), id="another indent"),
        pytest.param(lambda t: t.replace('sha256 = "', 'sha256="', 1), id="no spaces around ="),
        pytest.param(lambda t: "<<<<<<< ours\n" + t, id="merge markers"),
    ],
)
def test_any_other_text_is_left_to_tomllib(edit) -> None:
    assert read_as_written(edit(render_lock(_lock()))) is None


def test_a_hand_edited_lock_reads_as_before(tmp_path: Path) -> None:
    """Left to tomllib, an edit that is still valid TOML reads as the same lock."""
    text = render_lock(_lock())
    edited = text.replace("\n", "\r\n").replace('hub = "url"', 'hub = "u\\u0072l"  # by hand')
    assert read_as_written(edited) is None
    assert parse_lock(edited, tmp_path / "ptm.lock") == parse_lock(text, tmp_path / "ptm.lock")


def test_whatever_it_reads_of_an_edited_lock_tomllib_reads_the_same() -> None:
    """Seeded random edits (characters and lines inserted, swapped, removed): every text the reader
    accepts is valid TOML, read as tomllib reads it."""
    rng = random.Random(12)
    lines = render_lock(_lock()).split("\n")
    odd = [
        "models = 1",
        "[models]",
        "x = { }",
        "z = [",
        "# c",
        "   ",
        '"',
        "\\",
        "{",
        "]",
        ",",
        "=",
        "\r",
        "\t",
        "é",
    ]
    accepted = 0
    for _ in range(800):
        edited = list(lines)
        for _ in range(rng.randint(1, 3)):
            at, other = rng.randrange(len(edited)), rng.randrange(len(edited))
            line = edited[at]
            cut = rng.randrange(len(line) + 1)
            edited[at : at + 1] = rng.choice(
                [
                    [line[:cut] + rng.choice(odd) + line[cut:]],
                    [line[:cut] + line[cut + 1 :]],
                    [line, edited[other]],
                    [edited[other]],
                    [],
                ]
            )
        text = "\n".join(edited)
        read = read_as_written(text)
        if read is not None:
            accepted += 1
            assert read == tomllib.loads(text), text
    assert accepted > 50  # the edits also keep to the written layout often enough to test it
