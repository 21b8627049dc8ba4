"""The snippet tables of `ptm check`'s tests: a Python snippet marks, on the line where a call starts,
what it expects (`# expect: PTM001 PTM003` for findings, `# state: pinned` for a load found and classified
without a finding); lines without a mark must produce nothing. Checked through the real CLI."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

SHA = "0123456789abcdef0123456789abcdef01234567"
_MARK = re.compile(r"#\s*(expect|state):\s*([\w ]+)")


def expected(source: str) -> tuple[set[str], set[str]]:
    """The ``line:CODE`` findings and ``line:state`` loads the marks of ``source`` ask for."""
    findings, states = set(), set()
    for number, line in enumerate(source.splitlines(), start=1):
        for kind, values in _MARK.findall(line):
            target = findings if kind == "expect" else states
            target.update(f"{number}:{value}" for value in values.split())
    return findings, states


def check_snippet(snippet: str, ptm: Any) -> dict[str, Any]:
    """Write ``snippet`` to snippet.py, run `ptm check` on it, and assert that the findings are exactly the
    marked ones, the marked states are there, and the exit code says whether anything blocks."""
    source = textwrap.dedent(snippet).lstrip("\n")
    Path("snippet.py").write_text(source)
    expected_findings, expected_states = expected(source)
    result = ptm("check --format json snippet.py", expect=None)
    data: dict[str, Any] = json.loads(result.stdout)
    assert {f"{f['line']}:{f['code']}" for f in data["findings"]} == expected_findings
    states = {f"{load['line']}:{load['state']}" for load in data["loads"]}
    assert expected_states <= states, f"loads: {data['loads']}"
    failing = any(f["severity"] in ("error", "warning") for f in data["findings"])
    assert result.exit_code == (1 if failing else 0)
    return data
