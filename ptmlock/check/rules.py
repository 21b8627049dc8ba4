"""The rules `ptm check` reports, their default severity, and the findings a load gives by itself."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from .loads import DYNAMIC, LOCAL, MUTABLE, PINNED, UNPINNED, Fix, Load

ERROR = "error"
WARNING = "warning"
INFO = "info"
OFF = "off"
SEVERITIES = (ERROR, WARNING, INFO, OFF)
# Findings at these severities make `ptm check` exit 1; info findings are shown only.
FAILING = (ERROR, WARNING)
# The rules comparing ptm.toml's edges with the code's data flow (check/edges.py).
EDGE_RULES = ("PTM030", "PTM031")


# NamedTuples, read-only and typed: a frozen dataclass costs `ptm check` ~4M instructions to define.
class Rule(NamedTuple):
    code: str
    name: str
    severity: str
    summary: str
    security_severity: float  # GitHub code scanning's 0-10 scale, carried in SARIF


RULES: Mapping[str, Rule] = MappingProxyType(
    {
        rule.code: rule
        for rule in (
            Rule("PTM001", "unpinned-load", WARNING, "A model is loaded from a hub without a revision.", 7.0),
            Rule("PTM002", "mutable-revision", WARNING, "A model is loaded at a branch, tag or alias.", 6.5),
            Rule(
                "PTM003",
                "remote-code-not-pinned",
                ERROR,
                "Code from a hub runs at a revision that is not a pinned commit.",
                9.0,
            ),
            Rule("PTM004", "dynamic-revision", WARNING, "The revision is not known statically.", 5.0),
            Rule("PTM005", "dynamic-model", INFO, "A model id known only at run time, with no pin.", 3.0),
            Rule("PTM006", "unchecked-file", WARNING, "A Python file could not be parsed.", 1.0),
            Rule("PTM010", "undeclared-model", WARNING, "A hub model is loaded but not in ptm.toml.", 5.0),
            Rule(
                "PTM011",
                "revision-differs-from-lock",
                ERROR,
                "The revision in code differs from ptm.lock.",
                7.0,
            ),
            Rule(
                "PTM012",
                "unpinned-declared-model",
                WARNING,
                "A declared model is loaded without its locked revision.",
                7.0,
            ),
            Rule("PTM020", "unpinned-dataset", WARNING, "A dataset is loaded without a pinned version.", 5.0),
            # ptm.toml and the code in step: what the data flow between model loads shows (ptmlock/dataflow).
            Rule(
                "PTM030",
                "undeclared-edge",
                INFO,
                "One model's output reaches another's call, but ptm.toml declares no edge between them.",
                1.0,
            ),
            Rule(
                "PTM031",
                "edge-without-evidence",
                INFO,
                "An edge of ptm.toml between two models the code loads has no evidence in the code.",
                1.0,
            ),
        )
    }
)


class CheckSettings(NamedTuple):
    """The [check] table of ptm.toml."""

    exclude: tuple[str, ...] = ()
    severity: Mapping[str, str] = MappingProxyType({})

    def severity_of(self, code: str) -> str:
        return self.severity.get(code, RULES[code].severity)


class Finding(NamedTuple):
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    severity: str = ""
    fix: Fix | None = None
    commit: str | None = None  # what the fix writes

    @property
    def fixable(self) -> bool:
        return self.fix is not None and self.commit is not None


def finding(
    load: Load, code: str, message: str, fix: Fix | None = None, commit: str | None = None
) -> Finding:
    """A finding at a load's call, its message led by the call as written."""
    return Finding(
        load.path,
        load.line,
        load.column,
        load.end_line,
        load.end_column,
        code,
        f"{load.call}: {message}",
        severity=RULES[code].severity,
        fix=fix,
        commit=commit,
    )


def pin_findings(load: Load) -> list[Finding]:
    """What is wrong with a load on its own, without ptm.toml or ptm.lock."""
    pin = load.pin
    found = []
    if pin.kind == "dataset" and pin.state in (UNPINNED, MUTABLE, DYNAMIC):
        # Datasets have a rule of their own: ptm.toml declares models, and a project may pin its data
        # elsewhere, so PTM020 can be turned off alone.
        found.append(finding(load, "PTM020", f"{pin.reason}; {pin.hint}"))
    elif pin.state in (UNPINNED, MUTABLE):
        found.append(
            finding(load, "PTM001" if pin.state == UNPINNED else "PTM002", f"{pin.reason}; {pin.hint}")
        )
    elif pin.state == DYNAMIC:
        found.append(
            finding(load, "PTM004" if pin.dynamic == "revision" else "PTM005", f"{pin.reason}; {pin.hint}")
        )
    # A pinned default the environment can replace ($REV) pins nothing when remote code runs.
    overridable = pin.state == PINNED and pin.override is not None
    # A helper whose caller hands the revision in **kwargs is checked where it is called.
    if pin.remote_code and not pin.forwarded and (overridable or pin.state not in (PINNED, LOCAL)):
        if overridable:
            why = f"${pin.override} can replace its pinned revision"
            how = "write the 40-hex commit in the code, not as the default of an environment variable,"
        else:
            why, how = "no commit pins which", pin.hint
        message = f"{pin.remote_code} and {why}, so a change upstream changes what runs here; {how}"
        found.append(finding(load, "PTM003", f"{message} and review that code"))
    return found


def apply_settings(findings: list[Finding], settings: CheckSettings) -> list[Finding]:
    """Set each finding's severity from [check].severity and drop the rules turned off."""
    kept = []
    for item in findings:
        severity = settings.severity_of(item.code)
        if severity != OFF:
            kept.append(item._replace(severity=severity))
    return kept
