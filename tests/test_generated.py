"""The package modules that the chapters teach are generated from the chapters' # @save cells (the d2l
pattern), so chapter and package cannot drift apart: this test fails when a generated module is stale,
and says the one command that fixes it."""

import json
import subprocess
import sys

from book import ROOT
from conftest import load_script

GENERATOR = ROOT / "tools" / "generate.py"


def test_generated_modules_are_up_to_date():
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_stale_module_is_named_with_the_fix(monkeypatch, capsys):
    generate = load_script("tools/generate.py")
    docstring, imports = generate.HEADERS["s2sbook/text.py"]
    monkeypatch.setitem(generate.HEADERS, "s2sbook/text.py", (docstring + " Changed.", imports))
    assert generate.main(["--check"]) == 1
    assert "regenerate with `python tools/generate.py`: s2sbook/text.py" in capsys.readouterr().err


def test_a_new_chapter_needs_only_its_toc_entry(tmp_path, monkeypatch):
    """The generator gives a notebook the hidden first and last cells, and the execution page its row."""
    generate = load_script("tools/generate.py")
    chapter = tmp_path / "99_new.ipynb"
    chapter.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "id": "99_new-01", "metadata": {}, "source": ["# 99. New"]},
        {"cell_type": "code", "execution_count": None, "id": "99_new-02", "metadata": {}, "outputs": [],
         "source": ["print(1)"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    cells = json.loads(generate.with_hidden_cells(chapter))["cells"]
    assert [c["id"] for c in cells] == ["99_new-setup", "99_new-01", "99_new-02", "99_new-memory"]
    assert "".join(cells[0]["source"]) == generate.SETUP_CELL.read_text(encoding="utf-8").strip()
    assert "".join(cells[-1]["source"]) == generate.MEMORY_CELL
    assert all(c["metadata"] == {"tags": ["remove-cell"]} for c in (cells[0], cells[-1]))
    chapter.write_text(generate.with_hidden_cells(chapter), encoding="utf-8")
    assert generate.with_hidden_cells(chapter) == chapter.read_text(encoding="utf-8")  # a second run: no change
    page = generate.with_memory_rows(generate.EXECUTION_PAGE.read_text(encoding="utf-8"), [
        ROOT / "chapters" / "01_data.ipynb"])
    assert "| 1. From corpus to arrays | {glue:text}`01_data.ipynb::peak_memory_mb:d` MB |" in page
