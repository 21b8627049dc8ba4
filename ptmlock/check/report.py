"""What `ptm check` prints: `path:line:col: CODE message` for people, JSON and SARIF 2.1.0 for tools."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from .files import relative_below
from .rules import ERROR, INFO, RULES, WARNING
from .runner import CheckResult


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == INFO else 's'}"


def text(result: CheckResult) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in result.findings]
    if result.fixed:
        lines.append(
            f"Fixed {_count(sum(result.fixed.values()), 'load')} in {_count(len(result.fixed), 'file')}."
        )
    severities = Counter(f.severity for f in result.findings)
    checked = f"{_count(result.files, 'file')}, {_count(len(result.loads), 'model load')}"
    if not result.findings:
        lines.append(f"No problems ({checked}).")
    else:
        parts = [_count(severities[s], s) for s in (ERROR, WARNING, INFO) if severities[s]]
        fixable = sum(f.fixable for f in result.findings)
        hint = f"; {fixable} fixable with --fix" if fixable else ""
        lines.append(f"Found {', '.join(parts)} ({checked}){hint}.")
    return "\n".join(lines) + "\n"


def as_json(result: CheckResult) -> str:
    severities = Counter(f.severity for f in result.findings)
    data = {
        "version": 1,
        "files": result.files,
        "summary": {s: severities[s] for s in (ERROR, WARNING, INFO)} | {"fixed": sum(result.fixed.values())},
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "code": f.code,
                "rule": RULES[f.code].name,
                "severity": f.severity,
                "message": f.message,
                "fixable": f.fixable,
            }
            for f in result.findings
        ],
        "loads": [
            {
                "path": load.path,
                "line": load.line,
                "column": load.column,
                "call": load.call,
                "api": load.api,
                "hub": load.hub,
                "kind": load.pin.kind,
                "state": load.pin.state,
                "model": load.pin.model,
                "repo": load.pin.repo,
                "revision": load.pin.revision,
                "runs_remote_code": load.pin.remote_code is not None,
            }
            for load in result.loads
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _location(path: str, root: Path) -> dict[str, str]:
    """An artifactLocation: relative to SRCROOT (percent-encoded) inside the root, an absolute
    file: URI, which takes no base, outside it."""
    relative = relative_below(path, root)
    if relative is None:
        return {"uri": Path(path).absolute().as_uri()}
    return {"uri": quote(Path(relative).as_posix()), "uriBaseId": "SRCROOT"}


def as_sarif(result: CheckResult) -> str:
    from ..sarif import LEVELS, sarif_log  # here: the text format, the hook's, needs neither

    codes = list(RULES)
    results = []
    for f in result.findings:
        location = _location(f.path, result.root)
        item: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    }
                }
            ],
        }
        if f.fix is not None and f.commit is not None:
            item["fixes"] = [
                {
                    "description": {"text": f"pin the locked commit {f.commit}"},
                    "artifactChanges": [
                        {
                            "artifactLocation": location,
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "byteOffset": f.fix.start,
                                        "byteLength": f.fix.end - f.fix.start,
                                    },
                                    "insertedContent": {"text": f.fix.template.format(commit=f.commit)},
                                }
                            ],
                        }
                    ],
                }
            ]
        results.append(item)
    # columnKind: the columns ptm reports count characters.
    return sarif_log(
        "ptmlock", __version__, RULES.values(), results, result.root, columnKind="unicodeCodePoints"
    )


FORMATS = {"text": text, "json": as_json, "sarif": as_sarif}
