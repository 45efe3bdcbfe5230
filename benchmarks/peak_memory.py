#!/usr/bin/env python
"""Check every notebook's peak memory against the book's budget, from the notebooks a build executed.

Every chapter notebook ends with ``report_peak_memory()``, which glues ``peak_memory_mb`` (the kernel's
peak resident memory) into the notebook's outputs. The book build writes each executed notebook to
``_build/jupyter_execute/PAGE.ipynb``. This script reads the glued value of every notebook page of
``_toc.yml`` from there (or from the folder given), prints one row per notebook and exits with status 1
when any notebook is over ``s2sbook.budgets.MEMORY_BUDGET_MB`` or has no value (a notebook that was not
executed, or that lost its last cell, fails instead of passing unmeasured).

    python benchmarks/peak_memory.py [EXECUTED_FOLDER] [--toc _toc.yml]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from s2sbook.budgets import MEMORY_BUDGET_MB

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from book import ROOT, toc_pages  # noqa: E402  (tools/book.py: the book's pages and ROOT, one home)

GLUE_NAME = "peak_memory_mb"


def notebook_pages(toc: Path) -> list[str]:
    """The pages whose source, beside ``_toc.yml``, is a notebook (``chapters/01_data.ipynb``)."""
    pages = (page.removesuffix(".ipynb").removesuffix(".md") for page in toc_pages(toc))
    return [f"{page}.ipynb" for page in pages if (toc.parent / f"{page}.ipynb").is_file()]


def number(text) -> float | None:
    try:
        return float("".join(text) if isinstance(text, list) else text)
    except (TypeError, ValueError):
        return None


def glued(executed: Path, page: str, name: str) -> float | None:
    """The value a page's notebook glued under ``name`` (myst-nb's ``glue``) in this build, or None.

    myst-nb writes ``PAGE.glue.json`` beside ``PAGE.ipynb`` for every notebook that glued something, whether
    it executed the notebook or took its outputs from the execution cache; ``PAGE.ipynb`` carries the glue
    outputs only when the build executed it. Both are read, the JSON first.
    """
    stem = executed / page.removesuffix(".ipynb")
    glue_file = stem.with_name(stem.name + ".glue.json")
    if glue_file.is_file():
        record = json.loads(glue_file.read_text(encoding="utf-8")).get(name)
        if record is not None:
            return number(record.get("data", {}).get("text/plain"))
    notebook = stem.with_name(stem.name + ".ipynb")
    if not notebook.is_file():
        return None
    for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            if output.get("output_type") == "display_data" and record.get("name") == name:
                return number(output.get("data", {}).get(record.get("mime_prefix", "") + "text/plain"))
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("executed", nargs="?", type=Path, default=ROOT / "_build" / "jupyter_execute",
                        help="folder of the executed notebooks (default: _build/jupyter_execute)")
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml",
                        help="the book's table of contents; notebook pages are found beside it (default: _toc.yml)")
    args = parser.parse_args(argv)

    pages = notebook_pages(args.toc)
    if not pages:
        print(f"FAILED: {args.toc} lists no notebook", file=sys.stderr)
        return 1
    width = max(len("notebook"), *map(len, pages))
    print(f"{'notebook':{width}} {'peak MB':>8} {'budget MB':>10}")
    failures = []
    for page in pages:
        peak = glued(args.executed, page, GLUE_NAME)
        if peak is None:
            failures.append(f"{page}: no {GLUE_NAME} glued in {args.executed} (not executed, or no last cell?)")
            shown, verdict = "-", "NO VALUE"
        else:
            shown, verdict = f"{peak:,.0f}", "ok" if peak <= MEMORY_BUDGET_MB else "OVER BUDGET"
            if peak > MEMORY_BUDGET_MB:
                failures.append(f"{page}: {peak:,.0f} MB is over the budget of {MEMORY_BUDGET_MB:,} MB")
        print(f"{page:{width}} {shown:>8} {MEMORY_BUDGET_MB:>10,} {verdict}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(f"peak memory: {len(pages) - len(failures)} of {len(pages)} notebooks measured and within "
          f"{MEMORY_BUDGET_MB:,} MB")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
