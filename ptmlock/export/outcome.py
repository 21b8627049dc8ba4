"""The outcome of `ptm verify`: one line per check, each passing or failing with its numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import PtmError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def summarise(error: BaseException) -> str:
    """One line from a library exception: the exporter's own summary when it wrote one."""
    text = _ANSI.sub("", str(error)) or type(error).__name__
    if "## Exception summary" in text:
        text = text.split("## Exception summary", 1)[1]
    line = next((s.strip() for s in text.splitlines() if s.strip()), type(error).__name__)
    return line if len(line) <= 300 else line[:297] + "..."


class RunFailure(PtmError):
    """An artifact could not be loaded or run: `ptm verify` reports it as a failed check, not an abort."""


@dataclass(frozen=True)
class Check:
    model: str
    subject: str
    ok: bool
    detail: str
    judged: bool = True  # False: figures reported for information, which pass or fail nothing

    @property
    def status(self) -> str:
        return "info" if not self.judged else "ok" if self.ok else "FAIL"

    def line(self) -> str:
        return f"{self.status:<4}  {self.model}  {self.subject}: {self.detail}"

    def data(self) -> dict[str, str | bool]:
        """The check as `ptm verify --format json` gives it (docs/verify-json.md)."""
        return {
            "model": self.model,
            "subject": self.subject,
            "status": self.status.lower(),
            "ok": self.ok,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class VerifyOptions:
    frozen: bool = False
    provider: str | None = None  # "cuda"/"cpu" required on the command line; else ptm.toml's
    atol: float | None = None
    rtol: float | None = None
    trusted: bool = False  # --trust: loader_kwargs that run code from the model's files are allowed
    allow_looser: bool = False  # a tolerance looser than the locked one is used (and said), not refused
