"""The example systems are consistent, and docs/graphs.md shows what `ptm graph` draws for them today."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptmlock.manifest import load_manifest
from ptmlock.render import render
from tests.conftest import REPO_ROOT, validate

EXAMPLES = ("text-to-image", "text-to-audio", "retrieval", "autonomous-driving")


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates_without_warnings(ptm, name: str) -> None:
    path = REPO_ROOT / "examples" / name / "ptm.toml"
    result = ptm(["-m", str(path), "validate", "--strict"])
    assert result.stdout.endswith("; 0 warnings).\n") and result.stderr == ""
    validate("ptm", dict(load_manifest(path).data))


@pytest.mark.parametrize("name", EXAMPLES)
def test_docs_show_the_current_mermaid_and_picture_of_each_example(name: str) -> None:
    docs = (REPO_ROOT / "docs" / "graphs.md").read_text(encoding="utf-8")
    mermaid = render(load_manifest(REPO_ROOT / "examples" / name / "ptm.toml"), None, "mermaid")
    assert f"```mermaid\n{mermaid}```" in docs, (
        "docs/graphs.md is stale: run `PYTHONPATH=. python docs/render_graphs.py`"
    )
    picture = Path(REPO_ROOT, "docs", "img", f"{name}.png")
    assert f"](img/{name}.png)" in docs and picture.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", EXAMPLES)
def test_readme_shows_the_picture_of_each_example(name: str) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"](docs/img/{name}.png)" in readme
