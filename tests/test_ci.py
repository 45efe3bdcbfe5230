"""One CI recipe: GitHub runs .ci/run, and .ci/run executes each notebook once (the build reuses nbmake's outputs)."""

import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import load_script
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]


def test_the_github_workflow_runs_the_ci_script_and_repeats_none_of_its_steps():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8"))
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    assert runs == ["bash .ci/run"]


def test_ci_runs_the_readme_commands_and_the_peak_memory_check():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    build = "jupyter-book build . -W -n --keep-going"
    tests = "pytest -n 2 --dist loadfile --nbmake --nbmake-timeout=900 tests chapters"
    assert build in readme and tests in readme
    # The test command in its two halves: no unit test reads a chapter while nbmake writes over it.
    units, chapters = tests.replace(" chapters", ""), tests.replace(" tests chapters", " --overwrite chapters")
    order = [script.index(f"\n{units}\n"), script.index(f"\n{chapters}\n"),
             script.index("\npython .ci/cache_executed.py "), script.index(f"\n{build}\n"),
             script.index("\npython benchmarks/peak_memory.py\n")]
    assert order == sorted(order), "unit tests, chapters, cache their outputs, build, then peak memory"
    subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], check=True)


@pytest.fixture
def cache_executed():
    return load_script(".ci/cache_executed.py")


def source_notebook():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# A page"),
                nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["remove-cell"]}),
                nbformat.v4.new_code_cell("raise ValueError", metadata={"tags": ["raises-exception"]})]
    for number, cell in enumerate(nb.cells):
        cell.id = f"page-{number}"
    return nb


def executed_notebook():
    """What ``nbmake --overwrite`` writes: outputs, execution counts, nbclient's timing in each cell."""
    nb = source_notebook()
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2"}
    times = [("2026-01-01T10:00:00.000000Z", "2026-01-01T10:00:02.500000Z"),
             ("2026-01-01T10:00:02.600000Z", "2026-01-01T10:00:07.000000Z")]
    outputs = [[nbformat.v4.new_output("stream", name="stdout", text="1\n")],
               [nbformat.v4.new_output("error", ename="ValueError", evalue="", traceback=[])]]
    for count, (cell, (busy, idle), output) in enumerate(zip(nb.cells[1:], times, outputs), start=1):
        cell.execution_count, cell.outputs = count, output
        cell.metadata["execution"] = {"iopub.status.busy": busy, "iopub.execute_input": busy,
                                      "shell.execute_reply": idle, "iopub.status.idle": idle}
    return nb


def test_executed_outputs_are_cached_where_the_build_looks_them_up(cache_executed, tmp_path, capsys):
    (tmp_path / "sources").mkdir()
    nbformat.write(source_notebook(), tmp_path / "sources" / "page.ipynb")
    nbformat.write(executed_notebook(), tmp_path / "page.ipynb")
    assert cache_executed.main([str(tmp_path / "sources"), str(tmp_path / "page.ipynb"),
                                "--cache", str(tmp_path / "cache")]) == 0
    assert "cached the outputs of page.ipynb (executed by the test command in 7 s)" in capsys.readouterr().out

    # The build's look-up (myst-nb, execute_notebooks: cache) of the notebook as committed finds the outputs.
    cache = get_cache(tmp_path / "cache")
    record = cache.match_cache_notebook(source_notebook())
    assert record.data == {"execution_seconds": 7.0}
    _, merged = cache.merge_match_into_notebook(source_notebook())
    executed = executed_notebook()
    assert [cell.get("outputs") for cell in merged.cells[1:]] == [cell.outputs for cell in executed.cells[1:]]


def test_an_executed_notebook_that_is_not_its_source_is_refused(cache_executed, tmp_path):
    (tmp_path / "sources").mkdir()
    nbformat.write(source_notebook(), tmp_path / "sources" / "page.ipynb")
    changed = executed_notebook()
    changed.cells[1].source = "print(2)"
    nbformat.write(changed, tmp_path / "page.ipynb")
    with pytest.raises(SystemExit, match="code differs from its source"):
        cache_executed.main([str(tmp_path / "sources"), str(tmp_path / "page.ipynb"), "--cache", str(tmp_path / "c")])
    unexecuted = executed_notebook()
    unexecuted.cells[2].execution_count = None
    nbformat.write(unexecuted, tmp_path / "page.ipynb")
    with pytest.raises(SystemExit, match="was not executed"):
        cache_executed.main([str(tmp_path / "sources"), str(tmp_path / "page.ipynb"), "--cache", str(tmp_path / "c")])
