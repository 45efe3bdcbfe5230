"""Figures a chapter reports about its own run."""

import resource
import sys


def peak_memory() -> str:
    """Peak resident memory of this process (the notebook kernel), as the execution page reports it."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    megabytes = peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux
    return f"Peak memory of this kernel: {megabytes:.0f} MB (the book's budget is 1,200 MB per chapter)."
