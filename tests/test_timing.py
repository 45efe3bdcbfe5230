"""s2sbook.timing: timed() reports the median of its runs, and counts no time between them; the record of
what a timing depends on (``environment()``), read by its fields."""

import json
from dataclasses import asdict

import keras
import pytest

from s2sbook import timing
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


def test_a_cpu_name_with_parentheses_is_kept_whole_and_the_backend_is_its_own_field(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n")
    found = timing.environment(cpuinfo)
    assert found.cpu == "Intel(R) Xeon(R) Processor"
    assert found.backend == keras.backend.backend()
    assert found.cores >= 1
    assert found.cpu in str(found)


def test_the_record_travels_as_json_between_processes():
    found = timing.environment()
    assert timing.Environment(**json.loads(json.dumps(asdict(found)))) == found


def test_without_cpuinfo_the_cpu_is_what_platform_knows(tmp_path):
    assert timing.cpu_name(tmp_path / "absent")  # platform.processor() or platform.machine(), never empty
