"""Regenerate docs/graphs.md (Mermaid, from `ptm graph --format mermaid`) and docs/img/*.png (the HTML page
in headless Chromium) for every manifest under examples/. Run from the repository root:

    PYTHONPATH=. python docs/render_graphs.py            # Markdown and, when Chromium is installed, pictures
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ptmlock.manifest import load_manifest
from ptmlock.render import render
from ptmlock.render.layout import layout
from ptmlock.render.view import build_view

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("text-to-image", "text-to-audio", "retrieval", "autonomous-driving")
INTRO = """\
# Model graphs of the examples

Each example under [`examples/`](../examples) is a real multi-model system described in `ptm.toml`.
The diagrams below are `ptm graph --format mermaid` pasted as is; GitHub draws them. The pictures are
`ptm graph --format html` opened in a browser (one self-contained file: click a model for its details,
type in the search box to dim everything that does not match, fold an interchangeable group into one box
by its title or all of them with "Collapse groups"). Models are not locked here, so every pin shows its red
mark. Regenerate this page with `PYTHONPATH=. python docs/render_graphs.py`.

Rows are pipeline stages. A model is drawn in its own stage: its `stage` key when it has one; else the
stage it post-processes, evaluates or guides in (an evaluator or a guide sits in its own row, pointing at
the model, which stays in its row); else the stage of the features it hands on; else that of the features
it takes in. A derived model without staged edges sits in its base's row, and interchangeable models share
their slot's row.
"""


def summary(manifest_path: Path) -> str:
    """The manifest's opening comment, as a paragraph."""
    lines = []
    for line in manifest_path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").rstrip())
    return " ".join(lines)


def page() -> str:
    parts = [INTRO]
    for name in EXAMPLES:
        path = ROOT / "examples" / name / "ptm.toml"
        mermaid = render(load_manifest(path), None, "mermaid")
        parts.append(
            f"\n## {name}\n\n{summary(path)}\n\n"
            f"```console\n$ ptm -m examples/{name}/ptm.toml graph --format mermaid\n```\n\n"
            f"```mermaid\n{mermaid}```\n\n![{name} in the HTML view](img/{name}.png)\n"
        )
    return "".join(parts)


def screenshot(name: str, chromium: str, target: Path) -> None:
    manifest = load_manifest(ROOT / "examples" / name / "ptm.toml")
    placed = layout(build_view(manifest, None))
    width, height = int(placed.width) + 420, int(placed.height) + 170
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / f"{name}.html"
        page_path.write_text(render(manifest, None, "html"), encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                f"--window-size={width},{height}",
                f"--screenshot={target}",
                page_path.as_uri(),
            ],
            check=True,
            capture_output=True,
        )


def main() -> None:
    (ROOT / "docs" / "graphs.md").write_text(page(), encoding="utf-8")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium not found: docs/graphs.md written, pictures left as they were", file=sys.stderr)
        return
    for name in EXAMPLES:
        screenshot(name, chromium, ROOT / "docs" / "img" / f"{name}.png")


if __name__ == "__main__":
    main()
