"""The HTML graph in a real headless Chromium: its script runs offline and draws every node, link and lane."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ptmlock.lockfile import read_lock
from ptmlock.manifest import load_manifest
from ptmlock.render.view import build_view
from tests.conftest import REPO_ROOT, write_manifest

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed"),
]


class Elements(HTMLParser):
    """Every element of the rendered DOM as (tag, attributes)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def having(self, tag: str, css_class: str) -> list[dict[str, str]]:
        return [a for t, a in self.found if t == tag and css_class in a.get("class", "").split()]


def chromium(page: Path, profile: Path, *args: str) -> str:
    """Run headless Chromium on ``page`` with every host unresolvable, so nothing can load from outside."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=5000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def drawn(ptm, tmp_path: Path, manifest: Path) -> tuple[Elements, Path]:
    page = tmp_path / "graph.html"
    ptm(["-m", str(manifest), "graph", "--format", "html", "-o", str(page)])
    dom = Elements(chromium(page, tmp_path / "profile", "--dump-dom"))
    shot = tmp_path / "graph.png"
    chromium(page, tmp_path / "profile", "--window-size=1600,1000", f"--screenshot={shot}")
    return dom, shot


@pytest.mark.parametrize("example", ["text-to-image", "text-to-audio", "retrieval"])
def test_page_draws_every_node_link_group_and_lane(ptm, tmp_path: Path, example: str) -> None:
    manifest = REPO_ROOT / "examples" / example / "ptm.toml"
    view = build_view(load_manifest(manifest), None)
    dom, shot = drawn(ptm, tmp_path, manifest)

    [body] = [a for t, a in dom.found if t == "body"]
    assert "data-error" not in body
    assert body["data-rendered"] == f"{len(view.nodes)} nodes, {len(view.links)} links"
    nodes = {a["data-name"]: a for a in dom.having("g", "node")}
    assert set(nodes) == {n.name for n in view.nodes}
    assert {n for n, a in nodes.items() if "component" in a["class"]} == {
        n.name for n in view.nodes if n.type == "component"
    }
    links = [(a["data-source"], a["data-target"], a["data-relation"]) for a in dom.having("path", "link")]
    assert links == [(link.source, link.target, link.relation) for link in view.links]
    assert {a["data-group"] for a in dom.having("g", "cluster")} == set(view.groups)
    assert [a["data-stage"] for a in dom.having("g", "lane")] == list(view.stages)
    unpinned = [n for n in view.nodes if n.pin and not n.pin.ok]
    assert len(dom.having("text", "bad")) == len(unpinned) > 0
    assert {a["data-relation"] for t, a in dom.found if t == "li" and "data-relation" in a} == {
        link.relation for link in view.links
    }
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_locked_models_are_drawn_with_their_short_commit(hub, ptm, tmp_path: Path) -> None:
    manifest = write_manifest(
        '[models.bert]\nrepo = "fixtures/tiny-bert"\n\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n'
        '[[edges]]\nfrom = "bert"\nto = "mlp"\nkind = "feature-handoff"\nmode = "sequential"\n'
    )
    ptm("lock")
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    dom, _ = drawn(ptm, tmp_path, manifest)
    assert {a["data-name"]: a["data-pin"] for a in dom.having("g", "node")} == {
        "bert": "locked",
        "mlp": "locked",
    }
    assert len(dom.having("text", "ok")) == 2 and dom.having("text", "bad") == []
    assert {f"● {m.commit[:7]}" for m in lock.models.values()} <= set(dom.text)
