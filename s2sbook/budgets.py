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


GLUE_PREFIX = "application/papermill.record/"  # myst-nb's mark of a glued value in a cell's outputs


def record(name: str, value) -> None:
    """Store ``value`` under ``name`` for the book's execution-statistics page (a myst-nb glue).

    It writes the output that ``myst_nb.glue`` writes, with myst-nb when it is installed and without it
    elsewhere (Binder's environment, in which CI executes the chapters, has no Jupyter Book), so that a
    build shows the values of a notebook executed anywhere. Outside a kernel there is nothing to record into.
    """
    # A numpy scalar would be glued as "np.float64(...)", which the page's format spec cannot read.
    value = value.item() if hasattr(value, "item") else value
    try:
        from myst_nb import glue
    except ImportError:
        glue = _glue
    glue(name, value, display=False)


def _glue(name: str, value, display: bool = False) -> None:
    try:
        from IPython import get_ipython
        from IPython.core.formatters import format_display_data
        from IPython.display import display as show
    except ImportError:
        return
    if get_ipython() is None:
        return
    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    show({GLUE_PREFIX + kind: data for kind, data in bundle.items()}, raw=True, metadata=metadata)


def report_peak_memory() -> None:
    peak = peak_memory_mb()
    record("peak_memory_mb", peak)
    record("memory_budget_mb", MEMORY_BUDGET_MB)
    print(f"Peak memory of this kernel: {peak} MB (the book's budget is {MEMORY_BUDGET_MB:,} MB per chapter).")
