"""House rules that a reviewer would otherwise have to check by eye."""

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tracked(*patterns):
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.splitlines()] or sorted(
        p for pattern in patterns for p in ROOT.glob(f"**/{pattern}") if "_build" not in p.parts)


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "chapters").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, f"{path.name} has outputs"


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    for path in (ROOT / "chapters").glob("*.ipynb"):
        assert f"chapters/{path.stem}" in toc, path.name


def test_no_pickle_anywhere():
    pattern = re.compile(r"(import|from) pickle|pickle\.(load|dump)|joblib\.(load|dump)|\.pkl\b")
    for path in tracked("*.py", "*.ipynb"):
        if path.resolve() == Path(__file__).resolve():
            continue
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_requirements_pin_jupyter_book_1_and_tensorflow():
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^jupyter-book==1\.", requirements, re.M)
    assert re.search(r"^tensorflow(-cpu)?==2\.21", requirements, re.M)
