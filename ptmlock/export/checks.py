"""The outcome of `ptm verify`: one line per check, each passing or failing with its numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    model: str
    subject: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.model}  {self.subject}: {self.detail}"


@dataclass(frozen=True)
class VerifyOptions:
    frozen: bool = False
    provider: str | None = None  # "cuda"/"cpu" required on the command line; else ptm.toml's
    atol: float | None = None
    rtol: float | None = None
