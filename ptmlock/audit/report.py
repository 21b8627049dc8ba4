"""What `ptm audit` prints: one line per finding for people, JSON and SARIF 2.1.0 for tools.

SARIF results point at the model's table in ptm.lock (what a code-scanning UI can show), and name the
file, archive member and byte offset as a logical location.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from .. import __version__
from ..check.rules import ERROR, WARNING
from ..sarif import LEVELS, sarif_log
from ..tomlpos import locate
from ..wording import count
from .findings import RULES, Finding
from .run import AuditResult


def _checked(result: AuditResult) -> str:
    return f"{count(len(result.files), 'file')} of {count(len(result.models), 'model')}"


def text(result: AuditResult, lock_path: Path) -> str:
    lines = [f"{f.where}: {f.code} {f.severity}: {f.message}" for f in result.findings]
    severities = Counter(f.severity for f in result.findings)
    if not result.findings:
        lines.append(f"No findings ({_checked(result)}).")
    else:
        parts = [count(severities[s], s) for s in (ERROR, WARNING) if severities[s]]
        lines.append(f"Found {', '.join(parts)} ({_checked(result)}).")
    return "\n".join(lines) + "\n"


def _finding_data(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "rule": RULES[f.code].name,
        "severity": f.severity,
        "model": f.model,
        "path": f.path or None,
        "member": f.member or None,
        "offset": f.offset,
        "subject": f.subject,
        "message": f.message,
    }


def as_json(result: AuditResult, lock_path: Path) -> str:
    severities = Counter(f.severity for f in result.findings)
    data = {
        "version": 1,
        "summary": {s: severities[s] for s in (ERROR, WARNING)},
        "findings": [_finding_data(f) for f in result.findings],
        "files": [
            {
                "model": f.model,
                "path": f.path,
                "sha256": f.sha256,
                "size": f.size,
                "format": f.format or None,
                "pickled": f.pickled,
            }
            for f in result.files
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def as_sarif(result: AuditResult, lock_path: Path) -> str:
    try:
        lock_text = lock_path.read_text(encoding="utf-8")
    except OSError:
        lock_text = ""
    codes = list(RULES)
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": LEVELS[f.severity],
            "message": {"text": f"{f.where}: {f.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": lock_path.name, "uriBaseId": "SRCROOT"},
                        "region": {"startLine": locate(lock_text, ("models", f.model)) or 1},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.where, "kind": "module"}],
                }
            ],
        }
        for f in result.findings
    ]
    return sarif_log("ptmlock-audit", __version__, RULES.values(), results, lock_path.parent)


FORMATS = {"text": text, "json": as_json, "sarif": as_sarif}
