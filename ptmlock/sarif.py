"""What every SARIF 2.1.0 log ptm writes shares (`ptm check`, `ptm audit`): the rules' descriptors and
the log around a run's results, in a module that imports nothing of ptm, so that a command pays only for
its own report."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ptmlock/ptmlock"
# ptm's severities as SARIF levels.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


class Rule(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def security_severity(self) -> float: ...


def rule_descriptors(rules: Iterable[Rule]) -> list[dict[str, Any]]:
    """The tool's rules, in order: a result's ruleIndex points into this list."""
    return [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"security-severity": f"{rule.security_severity:.1f}", "tags": ["supply-chain"]},
        }
        for rule in rules
    ]


def sarif_log(
    tool: str, version: str, rules: Iterable[Rule], results: list[dict[str, Any]], root: Path, **run: Any
) -> str:
    """One run of ``tool`` as a SARIF log, its paths relative to ``root`` (SRCROOT); ``run``: more fields."""
    driver = {"name": tool, "version": version, "informationUri": INFORMATION_URI}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {**driver, "rules": rule_descriptors(rules)}},
                "originalUriBaseIds": {"SRCROOT": {"uri": root.absolute().as_uri() + "/"}},
                **run,
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
