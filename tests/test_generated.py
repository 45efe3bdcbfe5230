"""The package modules that the chapters teach are generated from the chapters' # @save cells (the d2l
pattern), so chapter and package cannot drift apart: this test fails when a generated module is stale,
and says the one command that fixes it. A generated module's imports are derived from the chapters, so a
new chapter, and a new module, need nothing but the chapter's entry in _toc.yml."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from book import ROOT, load_script

GENERATOR = ROOT / "tools" / "generate.py"


def test_generated_modules_are_up_to_date():
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_stale_module_is_named_with_the_fix(monkeypatch, capsys):
    generate = load_script("tools/generate.py")
    wanted = generate.wanted_files
    monkeypatch.setattr(generate, "wanted_files", lambda: {
        path: text + "# changed\n" if path.name == "text.py" else text for path, text in wanted().items()})
    assert generate.main(["--check"]) == 1
    assert "regenerate with `python tools/generate.py`: s2sbook/text.py" in capsys.readouterr().err


def test_a_module_imports_what_its_cells_use_from_its_home():
    """A name defined by another module's saved cells comes from that module; anything else from the
    chapter's own import of it; a local name that shadows an import imports nothing."""
    generate = load_script("tools/generate.py")
    chapter = ROOT / "chapters" / "03_inference_models.ipynb"  # imports numpy as np, keras, START from data
    cells_of = {"s2sbook/text.py": [(chapter, "START = 'START_'\ndef tokenize(s):\n    return s.split()")],
                "s2sbook/new.py": [(chapter, "def f(keras_model, layers=None):\n    np = 1\n"
                                             "    return keras.ops.zeros(np), tokenize(START), Path")]}
    with pytest.raises(generate.GenerateError, match=r"uses Path"):
        generate.module_imports("s2sbook/new.py", cells_of)
    cells_of["s2sbook/new.py"][0] = (chapter, cells_of["s2sbook/new.py"][0][1].replace(", Path", ""))
    assert generate.module_imports("s2sbook/new.py", cells_of) == "import keras\n\nfrom .text import START, tokenize"


def test_a_saved_cell_that_imports_is_refused(tmp_path, monkeypatch):
    generate = load_script("tools/generate.py")
    chapter = tmp_path / "99_x.ipynb"
    chapter.write_text(json.dumps(notebook([markdown("# 99. X"), code("# @save s2sbook/x.py\nimport os\nA = 1")])))
    monkeypatch.setattr(generate, "toc_notebooks", lambda: [chapter])
    with pytest.raises(generate.GenerateError, match=r"99_x.ipynb.*s2sbook/x.py imports"):
        generate.saved_cells()


def markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": [text]}


def code(text):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [text]}


def notebook(cells):
    for number, cell in enumerate(cells):
        cell["id"] = f"99_scratch-{number:02d}"
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


def test_a_new_chapter_and_its_new_module_need_only_the_toc_entry(tmp_path):
    """In a copy of the repository: a scratch chapter that saves a cell to a new module and uses chapter
    1's tokenizer, listed in _toc.yml and nowhere else. The generator gives it its hidden first and last
    cells, its execution-page row and its module (imports derived); then the repository's checks pass and
    the module imports."""
    copy = tmp_path / "book"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    chapter = copy / "chapters" / "99_scratch.ipynb"
    chapter.write_text(json.dumps(notebook([
        markdown("# 99. Scratch\n\nHow long is a sentence, in tokens?"),
        code("import numpy as np\n\nfrom s2sbook.text import tokenize"),
        code("# @save s2sbook/scratch.py\ndef token_lengths(sentences):\n"
             "    return np.array([len(tokenize(s)) for s in sentences])"),
        code('token_lengths(["He eats the apple.", "Go."])')]), indent=1), encoding="utf-8")
    toc = copy / "_toc.yml"
    toc.write_text(toc.read_text().replace("      - file: chapters/11_distributed\n",
                                           "      - file: chapters/11_distributed\n"
                                           "      - file: chapters/99_scratch\n"), encoding="utf-8")
    assert "chapters/99_scratch" in toc.read_text()
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    env = os.environ | {"PYTHONPATH": str(copy)}

    def run(*command):
        return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=600)

    generated = run(sys.executable, "tools/generate.py")
    assert generated.returncode == 0, generated.stderr
    assert "s2sbook/scratch.py" in generated.stdout and "chapters/99_scratch.ipynb" in generated.stdout
    module = (copy / "s2sbook" / "scratch.py").read_text(encoding="utf-8")
    assert "import numpy as np\n\nfrom .text import tokenize\n" in module
    assert "``scratch`` (chapter 99)" in (copy / "s2sbook" / "__init__.py").read_text(encoding="utf-8")
    assert "99_scratch.ipynb::peak_memory_mb" in (copy / "chapters" / "execution.md").read_text(encoding="utf-8")
    assert run(sys.executable, "tools/generate.py", "--check").returncode == 0
    imported = run(sys.executable, "-c", "from s2sbook.scratch import token_lengths; print(token_lengths(['Go.']))")
    assert imported.stdout.strip() == "[2]", imported.stderr
    linted = run(sys.executable, "-m", "ruff", "check", "s2sbook/scratch.py", "chapters/99_scratch.ipynb")
    assert linted.returncode == 0, linted.stdout
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    checks = run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/test_repository.py",
                 "tests/test_colab.py", "tests/test_generated.py", "-k", "not new_chapter")
    assert checks.returncode == 0, checks.stdout[-3000:]


def test_a_generated_module_that_no_chapter_saves_to_any_more_is_named(monkeypatch):
    generate = load_script("tools/generate.py")
    monkeypatch.setattr(generate, "toc_notebooks", lambda: [])
    with pytest.raises(generate.GenerateError, match=r"no chapter cell is saved to .*s2sbook/text\.py"):
        generate.saved_cells()
