"""One CI recipe: GitHub runs .ci/run, and .ci/run executes each notebook once (the build reuses nbmake's outputs)."""

import subprocess

import nbformat
import pytest
import yaml
from book import ROOT, load_script, pins
from jupyter_cache import get_cache


def test_the_github_workflow_runs_the_ci_script_and_repeats_none_of_its_steps():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8"))
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    assert runs == ["bash .ci/run"]


# Every program .ci/run starts, as a stub that writes its command line to $CI_LOG (as VENV/program when it is
# a virtual environment's) and succeeds; bash's built-ins and coreutils stay real. `python3 -m venv DIR` makes
# DIR/bin/activate and puts every stub, and python, in DIR/bin;
# the chapters' pytest run writes over the notebooks, as nbmake --overwrite does; $CI_FAIL makes the command
# line that contains it fail (after what it wrote).
STUB = r"""#!/bin/bash
here=$(dirname "$0")
line="$(basename "$0") $*"
case "$here" in */bin) line="$(basename "$(dirname "$here")")/$line" ;; esac
echo "$line" >> "$CI_LOG"
if [ "$(basename "$0")" = python3 ] && [ "$1 $2" = "-m venv" ]; then
    mkdir -p "$3/bin"
    echo "export PATH=\"$(cd "$3" && pwd)/bin:\$PATH\"" > "$3/bin/activate"
    cp "$here"/* "$3/bin/" && cp "$0" "$3/bin/python"
fi
case "$line" in
    *"kernelspec list"*) echo "python3 $PWD/.binder-venv/share/jupyter/kernels/python3" ;;
    *"--overwrite chapters"*) for f in chapters/*.ipynb; do echo executed >> "$f"; done ;;
esac
if [ -n "$CI_FAIL" ]; then case "$line" in *"$CI_FAIL"*) exit 1 ;; esac; fi
exit 0
"""
PROGRAMS = ["apt-get", "chromium", "npm", "node", "python3", "ruff", "git", "nbstripout", "jupyter", "pytest",
            "jupyter-book"]


def run_ci(tmp_path, fail: str = ""):
    """.ci/run in a copy of what it reads, every program it starts a stub: (exit status, command lines)."""
    copy = tmp_path / "repo"
    for name in [".ci/run", "binder/postBuild", "binder/requirements.txt", "requirements.txt",
                 *(str(p.relative_to(ROOT)) for p in (ROOT / "chapters").glob("*.ipynb"))]:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((ROOT / name).read_bytes())
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for program in PROGRAMS:
        (stubs / program).write_text(STUB)
        (stubs / program).chmod(0o755)
    log = tmp_path / "log"
    log.touch()
    env = {"PATH": f"{stubs}:/usr/bin:/bin", "CI_LOG": str(log), "CI_FAIL": fail, "HOME": str(tmp_path)}
    done = subprocess.run(["bash", str(copy / ".ci" / "run")], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, log.read_text().splitlines(), copy


def test_ci_runs_the_readme_commands_in_order_and_puts_the_chapters_back(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    build = "jupyter-book build . -W -n --keep-going"
    tests = "pytest -n 2 --dist loadfile --nbmake --nbmake-timeout=900 tests chapters"
    assert build in readme and tests in readme
    status, commands, copy = run_ci(tmp_path)
    assert status == 0, commands
    # The test command in its two halves (no unit test reads a chapter while nbmake writes over it), the
    # outputs cached for the build, the build, peak memory, the browser test: in that order, once each.
    units, chapters = tests.replace(" chapters", ""), tests.replace(" tests chapters", " --overwrite chapters")
    steps = [f".ci-venv/{units}", f".ci-venv/{chapters}",
             ".ci-venv/python .ci/cache_executed.py", f".ci-venv/{build}", ".ci-venv/python benchmarks/peak_memory.py",
             ".ci-venv/pytest -v tests/browser"]
    found = [next((i for i, line in enumerate(commands) if line.startswith(step)), None) for step in steps]
    assert None not in found and found == sorted(found), "\n".join(commands)
    # Everything after the install runs in the fresh venv; the lint and the notebook check run before the tests.
    assert ".ci-venv/python -m pip install --quiet -r requirements.txt" in commands
    assert commands.index(".ci-venv/ruff check .") < found[0]
    assert any(line.startswith(".ci-venv/nbstripout --verify") for line in commands[:found[0]])
    # Binder's environment is made from binder/ alone, and the chapters run in its kernel.
    assert ".binder-venv/python -m pip install --quiet -r binder/requirements.txt ipykernel==" + \
        pins(ROOT / "requirements.txt")["ipykernel"] in commands
    # nbmake wrote over the notebooks; CI puts them back as committed.
    for notebook in (ROOT / "chapters").glob("*.ipynb"):
        assert (copy / "chapters" / notebook.name).read_bytes() == notebook.read_bytes(), notebook.name


def test_a_failing_step_fails_ci_stops_it_and_still_puts_the_chapters_back(tmp_path):
    status, commands, copy = run_ci(tmp_path, fail="--overwrite chapters")
    assert status != 0
    assert not any(line.startswith(".ci-venv/jupyter-book") for line in commands), "no build after a failure"
    for notebook in (ROOT / "chapters").glob("*.ipynb"):
        assert (copy / "chapters" / notebook.name).read_bytes() == notebook.read_bytes(), notebook.name
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
