"""The book's budgets, and the figures a chapter reports about its own run for the execution-statistics
page: its hidden last cell calls ``report_peak_memory()``; hidden cells ``record()`` the numbers the page
quotes."""

import resource
import sys

MEMORY_BUDGET_MB = 1200


def peak_memory_mb() -> int:
    """Peak resident memory of this process (the notebook kernel) in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes on macOS, KiB on Linux


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
