"""s2sbook.timing: timed() reports the median of its runs, and counts no time between them."""

import pytest

from s2sbook.timing import time as timing_time  # the clock that timed() reads
from s2sbook.timing import timed


@pytest.mark.parametrize("durations, median", [
    ([7.0], 7.0),
    ([9.0, 2.0, 1.0], 2.0),          # max 9, min 1, mean 4, first 9, last 1
    ([4.0, 1.0, 10.0, 2.0], 3.0),    # max 10, mean 4.25, last 2, upper median 4, lower median 2
])
def test_timed_returns_the_median_of_the_scripted_durations(monkeypatch, durations, median):
    # Each run starts 100 s after the previous one started: time between runs must not count.
    clock = iter([t for i, d in enumerate(durations) for t in (100.0 * (i + 1), 100.0 * (i + 1) + d)])
    monkeypatch.setattr(timing_time, "perf_counter", lambda: next(clock))
    calls = []
    result, seconds = timed(lambda: calls.append(None) or len(calls), repeats=len(durations))
    assert seconds == median
    assert result == len(calls) == len(durations)
    assert next(clock, "all used") == "all used"
