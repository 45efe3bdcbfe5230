"""benchmarks/peak_memory.py on hand-made executed notebooks: one under the budget, one over, one without a value."""

import json
from pathlib import Path

import pytest
from book import load_script

from s2sbook.budgets import MEMORY_BUDGET_MB


@pytest.fixture
def peak_memory():
    return load_script("benchmarks/peak_memory.py")


def glue_output(name, value):
    """What ``myst_nb.glue(name, value, display=False)`` leaves in an executed notebook."""
    return {"output_type": "display_data",
            "data": {"application/papermill.record/text/plain": repr(value)},
            "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}}}


def glue_json(value):
    """An entry of ``PAGE.glue.json``, which myst-nb writes beside ``PAGE.ipynb`` (the only home of the value
    when the build took the notebook's outputs from its execution cache)."""
    return {"data": {"text/plain": repr(value)}, "output_type": "display_data",
            "metadata": {"scrapbook": {"mime_prefix": "application/papermill.record/", "name": "peak_memory_mb"}}}


def notebook(*outputs):
    cells = [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# A chapter"]},
             {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": 1, "source": ["report_peak_memory()"],
              "outputs": [{"output_type": "stream", "name": "stdout", "text": ["Peak memory of this kernel: …\n"]},
                          *outputs]}]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def write(path: Path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content) if isinstance(content, dict) else content, encoding="utf-8")


@pytest.fixture
def book(tmp_path):
    """A book of three notebook pages and two Markdown pages, and the folder its build would execute into."""
    write(tmp_path / "_toc.yml", "format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n"
                                 "      - file: chapters/under\n      - file: chapters/over\n"
                                 "      - file: chapters/missing\n      - file: chapters/notes\n")
    write(tmp_path / "intro.md", "# Intro\n")
    write(tmp_path / "chapters" / "notes.md", "# Notes\n")
    for name in ("under", "over", "missing"):
        write(tmp_path / "chapters" / f"{name}.ipynb", notebook())  # sources: committed without outputs
    executed = tmp_path / "_build" / "jupyter_execute" / "chapters"
    write(executed / "under.ipynb", notebook(glue_output("other_figure", 99999),
                                             glue_output("peak_memory_mb", MEMORY_BUDGET_MB - 1)))
    write(executed / "over.ipynb", notebook(glue_output("peak_memory_mb", MEMORY_BUDGET_MB + 1)))
    write(executed / "missing.ipynb", notebook(glue_output("other_figure", 1)))
    write(executed / "missing.glue.json", {"other_figure": glue_json(1)})
    return tmp_path


def run(peak_memory, book, capsys, *pages):
    executed = book / "_build" / "jupyter_execute"
    toc = book / "_toc.yml"
    if pages:
        write(toc, "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"  - file: chapters/{p}\n" for p in pages))
    status = peak_memory.main([str(executed), "--toc", str(toc)])
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


def row(lines, page):
    (found,) = [line.split()[1:] for line in lines if line.startswith(f"chapters/{page}.ipynb")]
    return found


def test_the_table_lists_every_notebook_page_with_its_peak_and_the_budget(peak_memory, book, capsys):
    status, lines, err = run(peak_memory, book, capsys)
    assert lines[0].split() == ["notebook", "peak", "MB", "budget", "MB"]
    assert [line.split()[0] for line in lines[1:4]] == [f"chapters/{p}.ipynb" for p in ("under", "over", "missing")]
    assert not any("notes" in line or "intro" in line for line in lines)  # Markdown pages have no kernel
    budget = f"{MEMORY_BUDGET_MB:,}"
    assert row(lines, "under") == [f"{MEMORY_BUDGET_MB - 1:,}", budget, "ok"]
    assert row(lines, "over") == [f"{MEMORY_BUDGET_MB + 1:,}", budget, "OVER", "BUDGET"]
    assert row(lines, "missing") == ["-", budget, "NO", "VALUE"]
    assert status == 1
    assert "chapters/over.ipynb" in err and "chapters/missing.ipynb" in err and "under.ipynb" not in err
    assert lines[-1] == f"peak memory: 1 of 3 notebooks measured and within {MEMORY_BUDGET_MB:,} MB"


def test_every_notebook_under_the_budget_passes(peak_memory, book, capsys):
    status, lines, err = run(peak_memory, book, capsys, "under")
    assert status == 0 and not err
    assert row(lines, "under")[-1] == "ok"


def test_one_notebook_over_the_budget_fails(peak_memory, book, capsys):
    status, lines, _ = run(peak_memory, book, capsys, "under", "over")
    assert status == 1
    assert row(lines, "over")[-2:] == ["OVER", "BUDGET"]


def test_the_value_is_read_from_the_glue_file_of_a_notebook_taken_from_the_execution_cache(peak_memory, book, capsys):
    executed = book / "_build" / "jupyter_execute" / "chapters"
    write(executed / "cached.ipynb", notebook())  # a cache hit: myst-nb writes the notebook without outputs
    write(executed / "cached.glue.json", {"peak_memory_mb": glue_json(MEMORY_BUDGET_MB)})
    write(book / "chapters" / "cached.ipynb", notebook())
    status, lines, _ = run(peak_memory, book, capsys, "cached")
    assert status == 0 and row(lines, "cached") == [f"{MEMORY_BUDGET_MB:,}", f"{MEMORY_BUDGET_MB:,}", "ok"]
    write(executed / "cached.glue.json", {"peak_memory_mb": glue_json(MEMORY_BUDGET_MB + 1)})
    assert run(peak_memory, book, capsys, "cached")[0] == 1


def test_a_notebook_without_a_value_or_not_executed_fails(peak_memory, book, capsys):
    assert run(peak_memory, book, capsys, "under", "missing")[0] == 1
    (book / "_build" / "jupyter_execute" / "chapters" / "missing.ipynb").unlink()
    status, lines, err = run(peak_memory, book, capsys, "under", "missing")
    assert status == 1 and row(lines, "missing")[-2:] == ["NO", "VALUE"] and "missing.ipynb" in err


def test_a_kernel_does_not_report_the_memory_of_the_process_that_started_it():
    """nbmake starts every kernel from the test process, which holds ~1 GB by then; Linux carries that peak
    over into the child's ru_maxrss. The kernel must report its own peak only."""
    import subprocess
    import sys

    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # touch every page, so it is resident
    child = "from s2sbook.budgets import peak_memory_mb; print(peak_memory_mb())"
    reported = int(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout)
    assert reported < 200, f"the child reported {reported} MB: its parent's 300 MB"
    del ballast
