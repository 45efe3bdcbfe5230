"""Wall-clock timing: the speed comparisons of chapter 6 and the benchmarks, and the epochs of chapters 10
and 11 (``EpochTimes``)."""

from __future__ import annotations

import statistics
import time

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


def environment() -> str:
    """What a timing depends on, in one line: the CPU, its cores, and the TensorFlow, Keras and backend
    versions (printed wherever the book prints a time)."""
    import importlib
    import os
    import platform
    from pathlib import Path

    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    backend = keras.backend.backend()
    # On JAX or PyTorch (chapter 10), that library's version too; TensorFlow's is always printed.
    own = "" if backend == "tensorflow" else f" {importlib.import_module(backend).__version__}"
    return (f"{cpu}, {cores} cores available; TensorFlow {tf.__version__}, Keras {keras.__version__} "
            f"({backend}{own} backend), Python {platform.python_version()}")
