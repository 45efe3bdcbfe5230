#!/usr/bin/env python
"""Hand the notebooks that the test command executed to the book build, so that CI executes each one once.

.ci/run runs the README's test command with nbmake's ``--overwrite``: nbmake writes every executed notebook
back over its source. Before that, .ci/run copies the sources (committed without outputs) to SOURCES. This
script then stores each executed notebook in the build's execution cache (jupyter-cache, the folder that
``execute.cache`` in _config.yml names, by default _build/.jupyter_cache), exactly as the build would have
stored it after executing it: the source notebook with the executed outputs and execution counts. Its run
time, from its first cell to its last (nbmake records the timing of each cell), goes with it, for the
execution-statistics page. The build (``execute_notebooks: cache``) matches each source notebook to its
cache entry by the hash of its code cells and shows the cached outputs instead of executing it again.

The script fails if an executed notebook is missing, has a code cell that did not run, or if the build
would not find its entry (then the build would silently execute every notebook a second time).

    python .ci/cache_executed.py SOURCES [NOTEBOOK.ipynb ...] [--cache DIR]   (default: every chapters/*.ipynb)
"""

from __future__ import annotations

import argparse
import copy
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from book import ROOT  # noqa: E402  (tools/book.py: the repository's root, one home)


def cache_path() -> Path:
    """The build's execution cache: ``execute.cache`` of _config.yml, or Jupyter Book's default."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return ROOT / ((config.get("execute") or {}).get("cache") or "_build/.jupyter_cache")


def run_seconds(executed: nbformat.NotebookNode) -> float | None:
    """From the first code cell's start to the last one's end, as nbclient recorded them (``record_timing``)."""
    times = [datetime.fromisoformat(cell.metadata.execution[key].replace("Z", "+00:00"))
             for cell in executed.cells if cell.cell_type == "code" and "execution" in cell.metadata
             for key in ("iopub.status.busy", "iopub.status.idle") if key in cell.metadata.execution]
    return (max(times) - min(times)).total_seconds() if times else None


def with_outputs(source: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The source notebook (its cells, their metadata, its kernelspec) with the executed outputs."""
    merged = copy.deepcopy(source)
    code = [cell for cell in merged.cells if cell.cell_type == "code"]
    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    if [cell.source for cell in code] != [cell.source for cell in ran]:
        raise SystemExit("the executed notebook's code differs from its source")
    for cell, result in zip(code, ran, strict=True):
        if result.execution_count is None:
            raise SystemExit("a code cell was not executed")
        cell.outputs, cell.execution_count = result.outputs, result.execution_count
    return merged


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", type=Path, help="folder of the source notebooks, as committed")
    parser.add_argument("notebooks", type=Path, nargs="*", help="executed notebooks (default: chapters/*.ipynb)")
    parser.add_argument("--cache", type=Path, default=None, help="the execution cache (default: the build's)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    cache = get_cache(args.cache or cache_path())
    for notebook in notebooks:
        source = nbformat.read(args.sources / notebook.name, as_version=nbformat.NO_CONVERT)
        executed = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
        try:
            merged = with_outputs(source, executed)
        except SystemExit as error:
            raise SystemExit(f"{notebook}: {error}") from None
        seconds = run_seconds(executed)
        record = cache.cache_notebook_bundle(
            CacheBundleIn(merged, str(notebook.resolve()), data={"execution_seconds": seconds}),
            check_validity=True, overwrite=True)
        try:
            found = cache.match_cache_notebook(source).pk  # the build's own look-up
        except KeyError:
            found = None
        if found != record.pk:
            raise SystemExit(f"{notebook}: the build would not find its cached outputs")
        shown = "?" if seconds is None else f"{seconds:.0f} s"
        print(f"cached the outputs of {notebook.name} (executed by the test command in {shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
