"""s2sbook.processes, the one module that starts processes: what a process is given, what comes back, and
how a group of processes that wait for each other is stopped when one fails or time runs out."""

import socket

import numpy as np
import pytest

from s2sbook import processes
from s2sbook.processes import Command, ProcessError, python_code, run_processes, run_python


def test_a_process_gets_its_backend_and_environment_and_its_output_comes_back():
    code = "import os, sys; print(os.environ['KERAS_BACKEND'], os.environ['GREETING'], sys.argv[1])"
    finished = run_python(code, "argument", backend="jax", env={"GREETING": "hello"})
    assert finished.status == 0
    assert finished.stdout == "jax hello argument\n"


def test_simulated_devices_are_what_jax_sees():
    finished = run_python("import jax; print(jax.device_count(), jax.devices()[0].platform)", devices=3)
    assert finished.stdout.split() == ["3", "cpu"]


def test_echo_gets_each_line_as_it_is_printed_before_the_process_ends(tmp_path):
    # The process prints its second line only once the caller has seen the first (echo writes the marker).
    marker, seen = tmp_path / "marker", []

    def echo(line):
        seen.append(line)
        if line == "first":
            marker.write_text("seen")

    code = ("import pathlib, sys, time\nprint('first')\nmarker = pathlib.Path(sys.argv[1])\n"
            "while not marker.exists():\n    time.sleep(0.05)\nprint('second', end='')\n")
    finished = run_python(code, str(marker), echo=echo, timeout=600)
    assert seen == ["first", "second"]
    assert finished.stdout == "first\nsecond"


def test_a_failure_names_the_process_and_its_status_and_ends_with_its_error_output():
    with pytest.raises(ProcessError) as raised:
        run_python("print('fine so far'); raise ValueError('the cause')", name="job")
    error = raised.value
    assert error.failed == [0] and error.finished[0].status == 1
    message = str(error)
    assert message.startswith("job: process 0 of 1 exited with status 1")
    assert message.rstrip().endswith("ValueError: the cause")


def test_when_one_process_fails_the_others_are_stopped_not_waited_for():
    fails = python_code("import sys; sys.exit(3)")
    would_wait = python_code("import time; time.sleep(3600)")
    with pytest.raises(ProcessError) as raised:
        run_processes([fails, would_wait], name="pair", timeout=1800)
    assert raised.value.failed == [0]
    assert [run.status for run in raised.value.finished] == [3, None]  # None: stopped before it finished


def test_a_process_that_does_not_finish_in_time_is_stopped_and_shows_where_it_was():
    code = "import time\n\ndef waiting_here():\n    time.sleep(3600)\n\nwaiting_here()\n"
    with pytest.raises(ProcessError) as raised:
        run_python(code, name="slow", timeout=2)
    assert raised.value.finished[0].status is None
    assert "slow: process 0 of 1 had not finished after 2 s" in str(raised.value)
    assert "in waiting_here" in raised.value.finished[0].stderr  # faulthandler's traceback


def test_the_callers_memory_while_it_waited_is_reported():
    held = np.ones(200 * 2**20, dtype=np.uint8)  # 200 MB, written: resident while this process waits
    finished = run_python("pass")
    assert finished.caller_mb >= 200
    del held


def test_the_environment_adds_the_commands_variables_last():
    env = processes.environment(Command(["-c", "pass"], backend="jax", devices=2, env={"XLA_FLAGS": "mine"}))
    assert env["KERAS_BACKEND"] == "jax" and env["JAX_PLATFORMS"] == "cpu"
    assert env["XLA_FLAGS"] == "mine"
    assert processes.environment(Command(["-c", "pass"], devices=2))["XLA_FLAGS"].startswith(
        f"{processes.DEVICES_FLAG}=2")


def test_a_free_port_is_free_and_not_one_the_system_hands_out():
    port = processes.free_port()
    assert 20_000 <= port < 32_768
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_a_coordinator_address_is_a_free_port_of_this_machine():
    host, port = processes.free_address().split(":")
    assert host == "127.0.0.1" and 20_000 <= int(port) < 32_768
    with socket.socket() as probe:
        probe.bind((host, int(port)))


def test_libraries_log_lines_are_left_out_of_what_the_code_printed():
    code = ("print('[Gloo] Rank 0 is connected to 3 peer ranks. Expected number of connected peer ranks is : 3')\n"
            "print('epoch  1: loss 5.9863')\n")
    echoed = []
    finished = run_python(code, echo=echoed.append)
    assert finished.lines() == echoed == ["epoch  1: loss 5.9863"]
    assert "[Gloo]" in finished.stdout  # kept whole for whoever needs it
