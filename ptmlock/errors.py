"""One error family: raised deep with a user-facing message, printed once at the CLI edge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class PtmError(Exception):
    """An expected failure: its message is one line that says what is wrong and how to fix it (one line
    per failure when several are reported together)."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class ManifestError(PtmError):
    """ptm.toml is malformed or inconsistent; the message names file and line."""

    exit_code = 2

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line
        self.detail = message  # what is wrong, without where


class LockError(PtmError):
    """ptm.lock is missing, malformed or stale."""


class ResolveError(PtmError):
    """A model could not be resolved on its hub (not found, gated, unreachable, unsafe)."""


class SourceMissing(ResolveError):
    """The files a pin was made from are not on this machine (a local model trained elsewhere): the pin is
    kept, since its bytes may still be in the store. Any other failure to re-read them is reported."""


class IntegrityError(PtmError):
    """Bytes did not match the hash the lock promises."""

    exit_code = 3


class VerificationError(PtmError):
    """An exported artifact, a runtime or a tokenizer no longer behaves as ptm.lock records."""

    exit_code = 4


def combined(errors: Sequence[PtmError], shown: int = 10) -> PtmError:
    """Several independent failures as one error of one line each (the first ``shown`` distinct ones,
    then how many more), exiting with the first one's code."""
    distinct = list({error.message: error for error in errors}.values())  # e.g. one archive, many files
    if len(distinct) == 1:
        return distinct[0]
    lines = [error.message for error in distinct[:shown]]
    if len(distinct) > shown:
        lines.append(f"... and {len(distinct) - shown} more error(s)")
    return PtmError("\n".join(lines), exit_code=distinct[0].exit_code)
