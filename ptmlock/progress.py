"""Progress of an install: a rich bar on a terminal; nothing at all otherwise (CI gets summary lines)."""

from __future__ import annotations

from typing import Any, Protocol


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

    def advance(self, nbytes: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, nbytes)  # rich guards its tasks with a lock

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
