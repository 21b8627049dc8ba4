"""`ptm --deadline SECONDS`: every command ends by then, whatever a server does.

At the deadline (SIGALRM) the one-line error is printed and the main thread gets a DeadlineExceeded, so
the command unwinds as for Ctrl-C: temporaries are removed and nothing half-written is published. A
worker thread stuck in a read cannot be interrupted that way, and the interpreter would wait for it
(thread pools join their workers); if the process is still alive ``GRACE_S`` later, a watchdog exits it.
Every write ptmlock makes is a rename of a finished file, so a hard exit leaves at most a temporary that
the next run sweeps.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from .errors import PtmError

GRACE_S = 5.0
EXIT_CODE = 124  # what timeout(1) exits with


class DeadlineExceeded(BaseException):
    """Like KeyboardInterrupt, not an Exception: no `except PtmError` on the way may swallow it. Its
    line is already printed when it is raised."""

    exit_code = EXIT_CODE


def parse_seconds(value: str | float | None, source: str) -> float | None:
    """A positive number of seconds, or None for no deadline; PtmError naming ``source`` otherwise."""
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise PtmError(
            f"{source}={value!r} is not a positive number of seconds; set e.g. 600, or leave it out"
        )
    return seconds


@contextmanager
def deadline(seconds: float | None, command: str) -> Iterator[None]:
    """Within this block, ``command`` must end within ``seconds`` (None: no limit)."""
    if seconds is None:
        yield
        return
    import signal  # here: every command enters this block, and few set a deadline

    message = (
        f"`ptm {command}` did not finish within {seconds:g} s (--deadline / PTM_DEADLINE); "
        "nothing half-written was kept: check the network and the servers, or allow more time"
    )
    printed = threading.Event()

    def report() -> None:
        if not printed.is_set():
            printed.set()
            sys.stderr.write(f"error: {message}\n")
            sys.stderr.flush()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        report()
        raise DeadlineExceeded(message)

    def hard_exit() -> None:
        report()
        os._exit(EXIT_CODE)

    in_main = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    watchdog = threading.Timer(seconds + GRACE_S, hard_exit)
    watchdog.daemon = True
    watchdog.start()
    previous = signal.signal(signal.SIGALRM, interrupt) if in_main else None
    if in_main:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if in_main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if not printed.is_set():  # once fired, it ends a process whose stuck workers would keep it alive
            watchdog.cancel()
