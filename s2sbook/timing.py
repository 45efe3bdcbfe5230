"""Wall-clock timing: the speed comparisons of chapter 6 and the benchmarks, and the epochs of chapters 10
and 11 (``EpochTimes``)."""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import keras


def timed(function, repeats: int = 1):
    """``(result, seconds)``: the median wall time of ``repeats`` calls of ``function()``, and the
    result of the last call."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


class EpochTimes(keras.callbacks.Callback):
    """Each epoch's wall time, in ``seconds`` (a callback for ``fit``)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


@dataclass(frozen=True)
class Environment:
    """What a timing depends on: the CPU, the cores this process may use, and the versions of Python,
    TensorFlow, Keras and the Keras backend (its own version when it is not TensorFlow). ``str`` gives the
    readers' line (printed wherever the book prints a time); code reads the fields, never that line."""

    cpu: str
    cores: int
    python: str
    tensorflow: str
    keras: str
    backend: str
    backend_version: str | None = None

    def __str__(self) -> str:
        own = "" if self.backend_version is None else f" {self.backend_version}"
        return (f"{self.cpu}, {self.cores} cores available; TensorFlow {self.tensorflow}, Keras {self.keras} "
                f"({self.backend}{own} backend), Python {self.python}")


def cpu_name(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name (Linux's ``/proc/cpuinfo``), else what ``platform`` knows."""
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def environment(cpuinfo: Path = Path("/proc/cpuinfo")) -> Environment:
    """This process's ``Environment`` (``cpuinfo``: where Linux describes the CPU)."""
    import tensorflow as tf

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    backend = keras.backend.backend()
    # On JAX or PyTorch (chapter 10), that library's version too; TensorFlow's is always there.
    own = None if backend == "tensorflow" else importlib.import_module(backend).__version__
    return Environment(cpu_name(cpuinfo), cores, platform.python_version(), tf.__version__, keras.__version__,
                       backend, own)
