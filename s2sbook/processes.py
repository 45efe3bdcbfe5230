"""The one module of the book that starts processes: Python code run in fresh processes.

Keras reads its backend (``KERAS_BACKEND``) and XLA its flags (such as the number of simulated CPU
devices) once, when first imported, so a run on another backend or on simulated devices needs a new
Python process with those in its environment. Chapter 10 runs each backend this way
(``backends.run_on``), chapter 11 its JAX jobs (``distributed.run_jax``), ``load_or_train`` trains in a
process of its own when asked (``cache``), and ``tools/real_sentences.py`` runs each seed in one.

``run_processes`` starts one process per ``Command`` and waits for all of them:

- each process writes its output to files, not pipes (a chatty process never blocks on a full pipe
  while the others wait for it); lines of standard output are passed to ``echo`` as they come;
- the processes of one group may wait for each other (the processes of one distributed job do): once
  one has failed, the others would wait for it forever, so they are stopped at once, and so are all of
  them after ``timeout`` seconds, or when the caller is interrupted;
- a stopped process first prints where it was waiting: it runs with Python's faulthandler on, and is
  stopped with SIGABRT, which faulthandler catches;
- a failure raises ``ProcessError``, which names the process, its exit status (or that it had not
  finished) and ends with the end of its error output.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .budgets import peak_memory_mb
from .notebook import is_tensorflow_log

DEVICES_FLAG = "--xla_force_host_platform_device_count"  # XLA: this many simulated CPU devices
# XLA's other CPU flags stay at their defaults. Chapter 11 once turned Eigen's shared pool of helper threads off
# (a run had hung in a collective) and gave a waiting collective 300 s instead of 40: once fit waited for each
# step (simulated_devices.WaitForEachStep), neither was needed. With both at their defaults, chapter 11's
# 4-device job trained to the same losses and translations, bit for bit, and it and tests/test_distributed.py's
# queued fit finished on a shared machine whose load average was 8 to 27 on its 2 cores.
# Gloo, the library of collectives that JAX uses between processes on CPUs, prints every connection it makes
# ("[Gloo] Rank 0 is connected to 3 peer ranks. ...") to standard output, and no setting of JAX turns it off.
GLOO_LOG = re.compile(r"^\[Gloo\] ")
POLL_SECONDS = 0.2
TAIL_LINES = 15  # of a failed process's error output, in ProcessError's message


@dataclass
class Command:
    """One process: the arguments after ``python`` (``["-c", code, ...]`` or ``[script, ...]``), the Keras
    backend, the number of simulated CPU devices (JAX), and variables added to its environment."""

    args: list[str]
    backend: str | None = None
    devices: int | None = None
    env: dict[str, str] = field(default_factory=dict)


def python_code(code: str, *args: str, **options) -> Command:
    """A ``Command`` that runs ``code`` (as ``python -c code args...``)."""
    return Command(["-c", code, *args], **options)


def xla_flags(devices: int) -> str:
    return f"{DEVICES_FLAG}={devices}"


def environment(command: Command) -> dict[str, str]:
    """The environment ``command`` runs in: this process's, plus what the command sets."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",  # each line reaches the caller when it is printed
        "PYTHONFAULTHANDLER": "1",  # a process stopped with SIGABRT prints where it was
    }
    if command.backend is not None:
        env["KERAS_BACKEND"] = command.backend
    if command.devices is not None:
        env["JAX_PLATFORMS"] = "cpu"
        env["XLA_FLAGS"] = xla_flags(command.devices)
        # XLA's compiler allocates and frees much memory: hand it back to the system at once, which keeps
        # the process's peak lower.
        env["MALLOC_TRIM_THRESHOLD_"] = "0"
    env.update(command.env)
    return env


@dataclass
class Finished:
    """What a process left: its exit status (None: it was stopped before it finished), its standard output
    and error output, and the most memory of its own that the calling process held while it waited (MB,
    sampled as it polled; see ``_own_mb``): added to the process's own peak, what the two held together."""

    status: int | None
    stdout: str
    stderr: str
    caller_mb: int = 0

    def lines(self) -> list[str]:
        """The lines of standard output that the code printed: without libraries' log lines."""
        return [line for line in self.stdout.splitlines() if not is_library_log(line)]


def is_library_log(line: str) -> bool:
    """True for a line that a library logs, not the code: TensorFlow's C++ log, Gloo's connections."""
    return bool(GLOO_LOG.match(line)) or is_tensorflow_log(line)


class ProcessError(RuntimeError):
    """A process of a group failed, or did not finish in time. ``finished`` holds every process's
    ``Finished``; ``failed`` the indexes of those the message is about."""

    def __init__(self, name: str, finished: list[Finished], failed: list[int], timeout: float | None):
        self.name, self.finished, self.failed = name, finished, failed
        parts = []
        for p in failed:
            run = finished[p]
            what = (f"had not finished after {timeout:g} s" if run.status is None
                    else f"exited with status {run.status}")
            lines = [line for line in (run.stderr or run.stdout).splitlines() if not is_library_log(line)]
            parts.append(f"{name}: process {p} of {len(finished)} {what}; the end of its error output:\n"
                         + "\n".join(lines[-TAIL_LINES:]))
        super().__init__("\n".join(parts))


def run_processes(commands: list[Command], name: str = "python", timeout: float | None = None,
                  echo=None) -> list[Finished]:
    """Run ``commands`` together, each in a new Python process, and wait for all of them; ``echo(p, line)``
    is called with each line that process ``p`` prints, as it comes (libraries' log lines left out).
    Raises ``ProcessError`` when a process fails (the others are then stopped at once) or when they have not
    all finished after ``timeout`` seconds (they are all stopped)."""
    with tempfile.TemporaryDirectory(prefix="s2sbook-processes-") as logs:
        children, outputs = [], []
        try:
            for p, command in enumerate(commands):
                out, err = Path(logs, f"{p}.out"), Path(logs, f"{p}.err")
                with open(out, "wb") as stdout, open(err, "wb") as stderr:
                    children.append(subprocess.Popen([sys.executable, *command.args], env=environment(command),
                                                     stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL))
                outputs.append(_Lines(out))
            caller_mb = _wait(children, outputs, timeout, echo)
            # None for a process stopped here, before it finished.
            statuses = [None if _stop(child) else child.returncode for child in children]
        finally:
            for child in children:
                _stop(child)
            for lines in outputs:
                lines.close()
        finished = [Finished(status, Path(logs, f"{p}.out").read_text(errors="replace"),
                             Path(logs, f"{p}.err").read_text(errors="replace"), caller_mb)
                    for p, status in enumerate(statuses)]
    # The cause: the processes that failed, or else those that never finished.
    failed = [p for p, run in enumerate(finished) if run.status]
    failed = failed or [p for p, run in enumerate(finished) if run.status is None]
    if failed:
        raise ProcessError(name, finished, failed, timeout)
    return finished


def run_python(code: str, *args: str, name: str = "python", timeout: float | None = None, echo=None,
               **options) -> Finished:
    """``code`` run in one new Python process (``options``: ``Command``'s ``backend``, ``devices``,
    ``env``); ``echo(line)`` gets each line it prints, as it comes."""
    command = python_code(code, *args, **options)
    passed = None if echo is None else (lambda _, line: echo(line))
    return run_processes([command], name=name, timeout=timeout, echo=passed)[0]


def free_address() -> str:
    """``127.0.0.1:PORT``, where nothing listens yet: the address of a job's coordinator on this machine."""
    return f"127.0.0.1:{free_port()}"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on, for a coordinator that starts listening seconds
    later (chapter 11's process 0, once its imports are done). The system hands out ports from 32768 up
    (Linux; 49152 up on macOS and Windows) to programs that ask for any port: one below that range is
    not handed to another program in the meantime. SystemRandom, because the book seeds Python's random."""
    for port in random.SystemRandom().sample(range(20_000, 32_768), 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:  # in use
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32767 on 127.0.0.1: stop some of the programs "
                       "that listen there, or run again")


class _Lines:
    """The complete lines a process has written to a file so far, read as they come."""

    def __init__(self, path: Path):
        self.file, self.pending = open(path, "rb"), b""

    def new(self, final: bool = False) -> list[str]:
        self.pending += self.file.read()
        *lines, self.pending = self.pending.split(b"\n")
        if final and self.pending:
            lines, self.pending = [*lines, self.pending], b""
        return [line.decode(errors="replace").rstrip("\r") for line in lines]

    def close(self):
        self.file.close()


def _wait(children, outputs, timeout, echo):
    deadline = None if timeout is None else time.monotonic() + timeout
    caller_mb = _own_mb()
    while True:
        statuses = [child.poll() for child in children]
        if echo is not None:
            for p, lines in enumerate(outputs):
                for line in lines.new(final=statuses[p] is not None):
                    if not is_library_log(line):
                        echo(p, line)
        done = None not in statuses or any(statuses)
        if done or (deadline is not None and time.monotonic() >= deadline):
            return caller_mb
        time.sleep(POLL_SECONDS)
        caller_mb = max(caller_mb, _own_mb())


def _stop(child: subprocess.Popen) -> bool:
    """Stop ``child`` unless it has finished; True if it had not."""
    if child.poll() is not None:
        return False
    # faulthandler (PYTHONFAULTHANDLER, in environment()) prints where the process was before SIGABRT
    # ends it; Windows has no SIGABRT to send.
    if sys.platform == "win32":
        child.kill()
    else:
        child.send_signal(signal.SIGABRT)
    child.wait()
    return True


def _own_mb() -> int:
    """This process's own resident memory now, in MB: its anonymous and shared-memory pages (Linux's RssAnon
    and RssShmem), not the pages of files it maps, such as TensorFlow's libraries, which a child that maps the
    same files shares. Elsewhere its peak so far (all of it), an upper bound."""
    status = Path("/proc/self/status")
    if status.is_file():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        if "RssAnon" in fields:
            return round(sum(int(fields[k].split()[0]) for k in ("RssAnon", "RssShmem") if k in fields) / 2**10)
    return peak_memory_mb()
