"""Colab opens one notebook without the rest of the repository. Every chapter's first cell (the text of
chapters/_colab_cell.py, put there by tools/generate.py) fetches the helper package and the corpus there;
everywhere it then quiets TensorFlow's C++ log before any cell imports TensorFlow, and makes tracebacks
short (s2sbook.notebook)."""

import json
import os
import re
import subprocess
import sys

from book import COLAB_CELL, ROOT, cell_source, cells, repository, third_party_imports, toc_notebooks
from test_repository import pins

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
    assert extras[1][5:] == colab_extras()
    for command in (install[1], extras[1]):  # Colab's own TensorFlow and Keras stay
        assert not any(name.startswith(("tensorflow", "keras")) for name in command)
    assert chdir == ["chdir", book]
    assert changed["path_added"] == [book]



# What Colab preinstalls (as distributions), so the cell leaves it alone: its TensorFlow build, Keras and
# their companions, JAX, and jinja2 (for pandas' Styler). Everything else the chapters import is installed.
COLAB_PROVIDES = {"tensorflow", "tensorflow-cpu", "keras", "numpy", "matplotlib", "pandas", "h5py", "jinja2",
                  "ipython", "jax", "jaxlib"}


def colab_extras() -> list[str]:
    match = re.search(r"EXTRAS = \[(.*?)\]", CELL, re.S)
    assert match, "the Colab cell lists what it installs besides the package as EXTRAS = [...]"
    return re.findall(r'"([^"]+)"', match.group(1))


def test_colab_installs_every_package_the_chapters_import_that_colab_lacks_at_the_books_pins():
    needed = set()
    for names in third_party_imports().values():
        needed |= names - COLAB_PROVIDES if not names & COLAB_PROVIDES else set()
    book = pins(ROOT / "requirements.txt")
    assert sorted(colab_extras()) == sorted(f"{name}=={book[name]}" for name in needed), (
        f"the chapters import {sorted(needed)} beyond what Colab provides: list them, pinned as in "
        "requirements.txt, in EXTRAS of chapters/_colab_cell.py")
