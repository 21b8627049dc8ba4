"""How the benchmarks time things: the median of repeated runs, optionally after warm-up runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(action: Callable[[], object], repeat: int, warmup: int = 0) -> float:
    """Median wall seconds of ``action`` over ``repeat`` runs (noise on a shared machine is one-sided)."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
