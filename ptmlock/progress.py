"""Progress of long work: transient rich bars on stderr when it is a terminal; nothing otherwise (CI and
pipes get the commands' summary lines only, and stdout stays the report: `--format json` too).

Every bar shares one live display, so work running at once in several threads (models resolved
concurrently, files downloaded in parallel) shows one line each. Work that waits without moving bytes (a
retry after HTTP 503) is told with notice(): above the bars when some are shown, as a warning line on
stderr otherwise.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Literal, Protocol

Unit = Literal["bytes", "steps"]

_lock = threading.Lock()  # guards _display, _quiet and the display's task count
_display: _Display | None = None  # the bars on screen now, which notices are printed above
_quiet = False


@contextmanager
def hidden(when: bool = True) -> Iterator[None]:
    """No bars during the ``with`` block ``when`` it is true (a command's --quiet)."""
    global _quiet
    with _lock:
        before, _quiet = _quiet, _quiet or when
    try:
        yield
    finally:
        with _lock:
            _quiet = before


def shown() -> bool:
    """Whether bars are drawn: stderr is a terminal and no --quiet asked for silence."""
    with _lock:
        silenced = _quiet
    return not silenced and sys.stderr.isatty()


def notice(message: str) -> None:
    """Tell the user what the work is waiting for (called from any thread); ``message`` is one line,
    already redacted."""
    with _lock:
        display = _display
    if display is None:
        print(f"warning: {message}", file=sys.stderr, flush=True)
        return
    from rich.text import Text

    # As Text, not markup: a URL's "[::1]" must not be read as a style.
    display.progress.console.print(Text.assemble(("warning:", "yellow"), " ", message))


class Bar(Protocol):
    def advance(self, amount: float = 1) -> None:
        """Called from any thread as work is done (bytes, or steps)."""

    def describe(self, description: str) -> None:
        """What is being done now."""


class _Hidden:
    """The bar of work that is not shown."""

    def advance(self, amount: float = 1) -> None:
        pass

    def describe(self, description: str) -> None:
        pass


class _Shown:
    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task

    def advance(self, amount: float = 1) -> None:
        self._progress.advance(self._task, amount)  # rich guards its tasks with a lock

    def describe(self, description: str) -> None:
        # Drawn now, not at the next tick: a step that ends within a tick is still seen.
        self._progress.update(self._task, description=description, refresh=True)


class _Display:
    """One rich Progress on stderr, started with its first bar and stopped with its last."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}", style="bold", markup=False),
            BarColumn(),
            _amount_column(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bars = 0


def _amount_column() -> Any:
    """A column of bytes and speed for downloads, "3/10" for steps (built on first use: rich loads only
    when a bar is drawn)."""
    from rich.progress import DownloadColumn, MofNCompleteColumn, ProgressColumn, TransferSpeedColumn
    from rich.table import Column
    from rich.text import Text

    class AmountColumn(ProgressColumn):
        def __init__(self) -> None:
            super().__init__(table_column=Column(no_wrap=True))
            self._bytes, self._speed, self._steps = (
                DownloadColumn(),
                TransferSpeedColumn(),
                MofNCompleteColumn(),
            )

        def render(self, task: Any) -> Text:
            if task.fields.get("unit") == "steps":
                return self._steps.render(task)
            return Text.assemble(self._bytes.render(task), " ", self._speed.render(task))

    return AmountColumn()


@contextmanager
def bar(description: str, total: float | None, unit: Unit = "steps") -> Iterator[Bar]:
    """A transient bar for the work in the ``with`` block (``total``: None when unknown), when bars are
    shown; it goes when the block ends."""
    if not shown():
        yield _Hidden()
        return
    global _display
    with _lock:
        display = _display = _display or _Display()
        display.bars += 1
        if display.bars == 1:
            display.progress.start()
        task = display.progress.add_task(description, total=total, unit=unit)
        display.progress.refresh()  # drawn now, not at the next tick: short work is still seen
    try:
        yield _Shown(display.progress, task)
    finally:
        with _lock:
            display.progress.remove_task(task)
            display.bars -= 1
            if display.bars == 0:
                display.progress.stop()
                _display = None


class Reporter(Protocol):
    def start(self, files: int, total_bytes: int) -> None: ...

    def advance(self, nbytes: int) -> None:
        """Called from worker threads as bytes land in the store."""

    def close(self) -> None: ...


class RichReporter:
    """The bar of an install's downloads (bytes, speed, time left), on the shared display."""

    def __init__(self) -> None:
        self._open = ExitStack()
        self._bar: Bar = _Hidden()

    def start(self, files: int, total_bytes: int) -> None:
        self._bar = self._open.enter_context(bar(f"Fetching, files: {files}", total_bytes, "bytes"))

    def advance(self, nbytes: int) -> None:
        self._bar.advance(nbytes)

    def close(self) -> None:
        self._open.close()
        self._bar = _Hidden()
