"""What `ptm audit` reports: its rules and one finding per file, global, layer, licence or model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..check.rules import ERROR, WARNING, Rule

UNSAFE_GLOBAL = "PTM101"
RUNS_CODE = "PTM102"
UNREADABLE = "PTM103"
PICKLE_FORBIDDEN = "PTM104"
FORMAT_FORBIDDEN = "PTM105"
REMOTE_CODE = "PTM106"
LICENSE_UNKNOWN = "PTM107"
LICENSE_FORBIDDEN = "PTM108"
NOT_AUDITED = "PTM109"
STORE_CHANGED = "PTM110"
UNKNOWN_FORMAT = "PTM111"
OUTSIDE_PATH = "PTM112"

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        rule.code: rule
        for rule in (
            Rule(
                UNSAFE_GLOBAL,
                "unsafe-global",
                ERROR,
                "A pickle imports a global outside the allow-list.",
                9.0,
            ),
            Rule(
                RUNS_CODE,
                "runs-code",
                ERROR,
                "Loading the file runs code it holds (Keras Lambda, PyFunc).",
                9.0,
            ),
            Rule(
                UNREADABLE,
                "unreadable",
                ERROR,
                "A model file cannot be read statically, so it is unchecked.",
                7.0,
            ),
            Rule(
                PICKLE_FORBIDDEN,
                "pickle-forbidden",
                ERROR,
                "A pickle-based file where the policy allows none.",
                7.0,
            ),
            Rule(
                FORMAT_FORBIDDEN,
                "format-forbidden",
                ERROR,
                "Weights in a format the policy does not list.",
                5.0,
            ),
            Rule(REMOTE_CODE, "remote-code", WARNING, "The model ships code that loading it runs.", 8.0),
            Rule(
                LICENSE_UNKNOWN, "license-unknown", WARNING, "The lock records no licence for the model.", 3.0
            ),
            Rule(
                LICENSE_FORBIDDEN,
                "license-forbidden",
                ERROR,
                "The model's licence is denied or not allowed.",
                5.0,
            ),
            Rule(NOT_AUDITED, "not-audited", WARNING, "A locked file is not in the store: not checked.", 5.0),
            Rule(
                STORE_CHANGED, "store-changed", ERROR, "A store blob no longer holds the locked bytes.", 8.0
            ),
            Rule(
                UNKNOWN_FORMAT, "unknown-format", WARNING, "A binary file in no format the audit knows.", 3.0
            ),
            Rule(OUTSIDE_PATH, "outside-path", ERROR, "A file names data outside its model's folder.", 8.0),
        )
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a locked model. ``path`` is the locked file ('' for the model as a whole),
    ``member`` where inside an archive, ``offset`` the byte (of the pickle opcode, the layer, the op)."""

    code: str
    model: str
    message: str
    path: str = ""
    member: str = ""
    offset: int | None = None
    subject: str | None = None  # the global, layer, op, licence or code file concerned
    severity: str = ""

    def __post_init__(self) -> None:
        if not self.severity:
            object.__setattr__(self, "severity", RULES[self.code].severity)

    @property
    def where(self) -> str:
        """model/file!member@offset: as precise as the finding is."""
        place = f"{self.model}/{self.path}" if self.path else self.model
        if self.member:
            place += f"!{self.member}"
        if self.offset is not None:
            place += f"@{self.offset}"
        return place
