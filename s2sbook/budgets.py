"""The book's budgets, and the figures a chapter reports about its own run for the execution-statistics
page: its hidden last cell calls ``report_peak_memory()``; hidden cells ``record()`` the numbers the page
quotes."""

import resource
import sys
from pathlib import Path

MEMORY_BUDGET_MB = 1200


def peak_memory_mb() -> int:
    """Peak resident memory of this process (the notebook kernel) in MB.

    On Linux it is VmHWM of /proc/self/status: the peak of this process image alone. ``getrusage``'s
    ru_maxrss would also count the process that started the kernel (Linux carries it over fork and exec),
    so a kernel started by a 1 GB test run would report 1 GB before running a cell.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 2**10)  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes on macOS, KiB elsewhere


def record(name: str, value) -> None:
    """Store ``value`` under ``name`` for the book's execution-statistics page (a myst-nb glue).

    Outside a Jupyter Book build (no myst-nb installed) there is nothing to record into.
    """
    try:
        from myst_nb import glue
    except ImportError:
        return
    # A numpy scalar would be glued as "np.float64(...)", which the page's format spec cannot read.
    glue(name, value.item() if hasattr(value, "item") else value, display=False)


def report_peak_memory() -> None:
    peak = peak_memory_mb()
    record("peak_memory_mb", peak)
    record("memory_budget_mb", MEMORY_BUDGET_MB)
    print(f"Peak memory of this kernel: {peak} MB (the book's budget is {MEMORY_BUDGET_MB:,} MB per chapter).")
