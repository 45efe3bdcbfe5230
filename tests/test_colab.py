"""Colab opens one notebook without the rest of the repository. Every chapter's first cell (the text of
chapters/_colab_cell.py, put there by tools/generate.py) fetches the helper package and the corpus there;
everywhere it then quiets TensorFlow's C++ log before any cell imports TensorFlow, and makes tracebacks
short (s2sbook.notebook)."""

import json
import os
import subprocess
import sys

import pytest
from book import COLAB_CELL, ROOT, cell_source, cells, colab_extras, repository, toc_notebooks

CELL = COLAB_CELL.read_text(encoding="utf-8").strip()
# Hidden on the site (it does nothing there); still in the notebook that Colab and Binder open.
TAG = "remove-cell"


def run_cell(prelude: str, cwd) -> dict:
    """Execute the cell in a fresh interpreter after ``prelude``; return what the cell changed (as JSON)."""
    program = prelude + f"""
import json, os, sys
before = (os.getcwd(), list(sys.path), set(sys.modules))
exec(compile({CELL!r}, "colab_cell", "exec"), {{"__name__": "__main__"}})
print(json.dumps({{"cwd_changed": os.getcwd() != before[0], "path_added": [p for p in sys.path if p not in before[1]],
                  "tf_log_level": os.environ.get("TF_CPP_MIN_LOG_LEVEL"),
                  "new_modules": sorted(set(sys.modules) - before[2]), "calls": globals().get("calls", [])}}))
"""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", program], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]) | {"stdout": done.stdout.splitlines()[:-1], "stderr": done.stderr}


def test_every_chapter_notebook_starts_with_the_colab_cell():
    notebooks = toc_notebooks()
    assert notebooks
    for notebook in notebooks:
        first = cells(notebook)[0]
        assert first["cell_type"] == "code" and cell_source(first).strip() == CELL, (
            f"{notebook.name}: the first cell must be the text of chapters/_colab_cell.py, unchanged")
        assert TAG in first.get("metadata", {}).get("tags", []), f"{notebook.name}: tag the Colab cell {TAG}"


def test_outside_colab_the_cell_only_quiets_tensorflow(tmp_path):
    changed = run_cell("", tmp_path)
    assert changed["path_added"] == [] and not changed["cwd_changed"]
    assert "s2sbook.notebook" in changed["new_modules"]
    assert not any(name.startswith(("tensorflow", "keras", "subprocess")) for name in changed["new_modules"])
    assert changed["tf_log_level"] == "3"
    assert changed["stdout"] == [] and changed["stderr"] == ""
    assert list(tmp_path.iterdir()) == []  # nothing cloned, nothing written


def test_in_colab_the_cell_clones_this_repository_and_installs_the_package_without_its_dependencies(tmp_path):
    # A stand-in google.colab module; subprocess.run and os.chdir record their calls instead of acting.
    prelude = """
import os, subprocess, sys, types
sys.modules["google"] = types.ModuleType("google")
sys.modules["google.colab"] = types.ModuleType("google.colab")
calls = []
subprocess.run = lambda command, **kwargs: calls.append(["run", command, kwargs])
os.chdir = lambda path: calls.append(["chdir", path])
"""
    changed = run_cell(prelude, tmp_path)
    url, _ = repository()
    book = "/content/s2sbook"
    clone, install, extras, chdir = changed["calls"]
    assert clone == ["run", ["git", "clone", "--depth=1", url, book], {"check": True}]
    command = install[1]
    assert command[:3] == [sys.executable, "-m", "pip"] and "--no-deps" in command, command
    assert command[command.index("-e") + 1] == book and install[2] == {"check": True}
    assert extras[1][:4] == [sys.executable, "-m", "pip", "install"] and extras[2] == {"check": True}
    assert extras[1][5:] == colab_extras() and colab_extras()  # what the chapters import, at the book's pins
    for command in (install[1], extras[1]):  # Colab's own TensorFlow and Keras stay
        assert not any(name.startswith(("tensorflow", "keras")) for name in command)
    assert chdir == ["chdir", book]
    assert changed["path_added"] == [book]



def test_colab_installs_every_package_the_chapters_import_that_colab_lacks_at_the_books_pins(monkeypatch):
    """``EXTRAS`` is derived (``book.colab_extras``, written into the cell by tools/generate.py); here the
    derivation itself: a chapter that imports a package Colab lacks gets it installed at the book's pin."""
    import book

    monkeypatch.setattr(book, "third_party_imports", lambda: {
        "numpy": {"numpy"}, "sacrebleu": {"sacrebleu"}, "jax": {"jax"}, "filelock": {"filelock"}})
    pinned = book.pins(ROOT / "requirements.txt")
    assert book.colab_extras() == [f"filelock=={pinned['filelock']}", f"sacrebleu=={pinned['sacrebleu']}"]
    monkeypatch.setattr(book, "third_party_imports", lambda: {"nowhere": {"no-such-distribution"}})
    with pytest.raises(KeyError, match="no-such-distribution"):
        book.colab_extras()
