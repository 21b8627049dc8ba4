"""ptm.toml entries of the torchhub, url and local hubs: one-line errors with lines, and the JSON Schema."""

from __future__ import annotations

import jsonschema
import pytest
import tomlkit

from ptmlock.manifest import parse_manifest
from tests.conftest import one_line_error, validate, write_manifest

VISION = 'repo = "pytorch/vision"\nentry = "resnet18"\n'
URL = "https://example.com/m"
ERRORS = {
    "ref-in-repo": (
        "torchhub",
        'repo = "pytorch/vision:v0.10.0"\nentry = "resnet18"\n',
        3,
        'revision = "v0.10.0"',
    ),
    "no-entry": ("torchhub", 'repo = "pytorch/vision"\n', 1, "needs entry ="),
    "bad-entry": (
        "torchhub",
        'repo = "pytorch/vision"\nentry = "_resnet18"\n',
        4,
        "is not a public name of hubconf.py",
    ),
    "weights-key": (
        "torchhub",
        VISION + 'weights = [{ url = "https://x/a.pth", sha = "0" }]\n',
        5,
        "did you mean 'sha256'",
    ),
    "weights-renamed": (
        "torchhub",
        VISION + 'weights = [{ url = "https://x/a.pth", path = "tiny.pth" }]\n',
        5,
        "path 'tiny.pth' is not 'a.pth', the URL's last segment, which is the name torch.hub looks for",
    ),
    "weights-no-name": (
        "torchhub",
        VISION + 'weights = [{ url = "https://x/", path = "a.pth" }]\n',
        5,
        "does not end in a file name, which torch.hub needs to name the checkpoint",
    ),
    "same-weights": (
        "torchhub",
        VISION + 'weights = ["https://x/a.pth", "https://y/a.pth"]\n',
        5,
        "named 'a.pth'",
    ),
    "torchhub-typo": ("torchhub", VISION + "weight = []\n", 5, "did you mean 'weights'"),
    "no-url": ("url", "", 1, "needs url ="),
    "scheme": ("url", 'url = "ftp://example.com/a.bin"\n', 3, "not an http(s) URL"),
    "no-name": ("url", f'url = "{URL}/"\n', 3, f'with files = [{{ url = "{URL}/", path = "model.bin" }}]'),
    "no-name-in-files": ("url", f'files = ["{URL}/"]\n', 3, f'with {{ url = "{URL}/", path = "model.bin" }}'),
    "sha256": ("url", f'url = "{URL}/a.bin"\nsha256 = "abc"\n', 4, "64 hex digits"),
    "url-and-files": ("url", f'url = "{URL}/a.bin"\nfiles = ["{URL}/b.bin"]\n', 3, "not both"),
    "escape": ("url", f'files = [{{ url = "{URL}/a.bin", path = "../a.bin" }}]\n', 3, "contains '..'"),
    "same-name": ("url", f'files = ["{URL}/a.bin", "{URL}/x/a.bin"]\n', 3, "named 'a.bin'"),
    "entry-without-url": ("url", 'files = [{ path = "a.bin" }]\n', 3, "needs url ="),
    "empty-files": ("url", "files = []\n", 3, "non-empty list"),
    "url-typo": ("url", f'urls = ["{URL}/a.bin"]\n', 3, "did you mean 'url'"),
    "no-path": ("local", "", 1, "needs path ="),
    "empty-path": ("local", 'path = ""\n', 3, "non-empty string"),
    "code-commit": ("local", 'path = "m"\ncode_commit = "HEAD"\n', 4, "is not a git commit"),
    "dataset": ("local", 'path = "m"\ndataset = 3\n', 4, "'dataset' must be a string"),
    "provenance": ("local", 'path = "m"\nprovenance = { epochs = 12 }\n', 4, "table of strings"),
    "twice": ("local", 'path = "m"\ndataset = "a"\nprovenance = { dataset = "b" }\n', 5, "given twice"),
    "local-typo": ("local", 'path = "m"\ntraining_scrpt = "t.py"\n', 4, "did you mean 'training_script'"),
    "local-revision": ("local", 'path = "m"\nrevision = "main"\n', 4, "unknown key 'revision'"),
}


@pytest.mark.parametrize(("hub", "body", "line", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_one_line_naming_file_and_line(ptm, hub, body, line, message) -> None:
    write_manifest(f'[models.m]\nhub = "{hub}"\n' + body)
    error = one_line_error(ptm("lock", expect=2))
    assert f"ptm.toml:{line}:" in error and message in error


MIXED = f"""\
[models.encoder]
repo = "fixtures/tiny-bert"

[models.hub-mlp]
hub = "torchhub"
{VISION}weights = ["https://download.pytorch.org/models/resnet18-f37072fd.pth"]

[models.head]
hub = "url"
files = [
    {{ url = "{URL}/config.json" }},
    {{ url = "{URL}/model.bin", path = "w/model.bin", sha256 = "{"a" * 64}" }},
]

[models.scratch]
hub = "local"
path = "models/scratch"
code_commit = "0123abc"
provenance = {{ run = "r1" }}
"""


def test_every_hub_validates_against_the_manifest_schema() -> None:
    manifest = parse_manifest(MIXED)
    assert [m.hub for m in manifest.models.values()] == ["huggingface", "torchhub", "url", "local"]
    assert [m.revision for m in manifest.models.values()] == ["main", "main", None, None]
    validate("ptm", dict(manifest.data))


@pytest.mark.parametrize(
    "extra",
    [
        '[models.x]\nhub = "url"\nurl = "https://a/b.bin"\nentry = "f"\n',
        '[models.x]\nhub = "local"\nrepo = "a/b"\npath = "m"\n',
    ],
    ids=["entry-on-url", "repo-on-local"],
)
def test_the_manifest_schema_knows_which_keys_each_hub_takes(extra) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate("ptm", tomlkit.parse(MIXED + extra).unwrap())
