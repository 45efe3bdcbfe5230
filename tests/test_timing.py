"""s2sbook.timing: the record of what a timing depends on (``environment()``), read by its fields."""

import json
from dataclasses import asdict

import keras

from s2sbook import timing


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
