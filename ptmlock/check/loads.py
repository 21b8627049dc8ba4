"""What the scanner reports for each model load it recognises: plain data, picklable across processes."""

from __future__ import annotations

from typing import NamedTuple

# How a load is pinned.
UNPINNED = "unpinned"  # no revision: whatever the source serves that day
MUTABLE = "mutable"  # a branch, tag or alias that can move
PINNED = "pinned"  # a full commit, a versioned handle or checksummed bytes
LOCAL = "local"  # a local path: not a hub load
DYNAMIC = "dynamic"  # the model id or the revision is only known at run time


# The records below are NamedTuples, not frozen dataclasses: as read-only and as typed, and defining a
# dataclass costs `ptm check`'s start-up (a pre-commit hook's) about a millisecond each.
class Classified(NamedTuple):
    """A call's pin state, with the clauses a message needs: why it is not pinned and how to pin it."""

    state: str
    kind: str = "model"  # or "dataset", "space"
    model: str | None = None  # the id as the library takes it, when known statically
    repo: str | None = None  # the repo on its hub (Hugging Face org/name, torch.hub owner/name), when one
    revision: str | None = None  # the revision, ref or tag found, when known
    entry: str | None = None  # torch.hub: the hubconf function called, when known
    reason: str = ""
    hint: str = ""
    dynamic: str | None = None  # "model" or "revision": what is not known statically
    remote_code: str | None = None  # why the load runs code from its source, when it does
    override: str | None = None  # the environment variable that can replace a pinned revision at run time
    # The ptm.toml model the load names through ptmlock.path/revision/torch_hub_load: pinned by ptm.lock.
    declared: str | None = None
    forwarded: bool = False  # the revision may come in the caller's **kwargs: the helper is not the pin
    hub: str | None = None  # the hub of the repo, when not the API's (a Hugging Face URL given to requests)


class Fix(NamedTuple):
    """An edit that pins a load: write ``template`` (with {commit} filled in) over bytes [start, end)."""

    start: int
    end: int
    template: str


class Load(NamedTuple):
    path: str
    line: int
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    call: str  # the call as written, shortened: AM.from_pretrained("bert-base-uncased")
    api: str  # the catalog entry's name
    hub: str
    pin: Classified
    ignores: frozenset[str] = frozenset()  # codes suppressed on the call's lines; "*" for all
    fix: Fix | None = None


FIX_IT = "fix it so its model loads can be checked"


class Uncheckable(Exception):
    """Why a file cannot be checked (it cannot be read, or does not parse), from which line, and what
    to do about it."""

    def __init__(self, reason: str, remedy: str = FIX_IT, line: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.remedy = remedy
        self.line = line


class FileScan(NamedTuple):
    path: str
    loads: tuple[Load, ...] = ()
    error: str | None = None  # why the file could not be checked
    error_line: int = 1
    remedy: str = FIX_IT  # what to do about the error

    @classmethod
    def failed(cls, path: str, why: Uncheckable) -> FileScan:
        return cls(path, error=why.reason, error_line=why.line, remedy=why.remedy)
