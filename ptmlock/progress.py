"""Progress of an install: a rich bar on a terminal; nothing at all otherwise (CI gets summary lines).

Work that waits without moving bytes (a retry after HTTP 503) is told with notice(): above the bar when
one is shown, as a warning line on stderr otherwise.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Protocol

_shown: RichReporter | None = None  # the bar on screen now, which notices are printed above
_shown_lock = threading.Lock()


def notice(message: str) -> None:
    """Tell the user what the work is waiting for (called from any thread); ``message`` is one line,
    already redacted."""
    with _shown_lock:
        bar = _shown
    if bar is None or not bar.note(message):
        print(f"warning: {message}", file=sys.stderr, flush=True)


class Reporter(Protocol):
    def start(self, files: int, total_bytes: int) -> None: ...

    def advance(self, nbytes: int) -> None:
        """Called from worker threads as bytes land in the store."""

    def close(self) -> None: ...


class RichReporter:
    """One transient bar for all downloads (bytes, speed, time left); rich is imported only when used."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def start(self, files: int, total_bytes: int) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
        )
        self._task = self._progress.add_task(f"Fetching {files} file(s)", total=total_bytes)
        self._progress.start()
        global _shown
        with _shown_lock:
            _shown = self

    def note(self, message: str) -> bool:
        """Print ``message`` above the bar; False when the bar is gone."""
        from rich.text import Text

        progress = self._progress
        if progress is None:
            return False
        # As Text, not markup: a URL's "[::1]" must not be read as a style.
        progress.console.print(Text.assemble(("warning:", "yellow"), " ", message))
        return True

    def advance(self, nbytes: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, nbytes)  # rich guards its tasks with a lock

    def close(self) -> None:
        global _shown
        with _shown_lock:
            if _shown is self:
                _shown = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
