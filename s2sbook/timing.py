"""Wall-clock timing for the speed comparisons of chapter 6 and benchmarks/decode_speed.py."""

from __future__ import annotations

import statistics
import time


def timed(function, repeats: int = 1):
    """``(result, seconds)``: the median wall time of ``repeats`` calls of ``function()``, and the
    result of the last call."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)
