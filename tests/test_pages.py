"""A page reads the same whichever chapter ran first and whether the cache was warm.

``load_or_train(quiet=True)`` (what every chapter but chapter 2's teaching cell uses for a model it
needs) prints one line whether it trained, waited or loaded. And one chapter, executed as the build
executes it, on a cold cache and then on the warm cache the first run left, shows the same outputs, once
timings and the kernel's peak memory are masked.
"""

import re
import threading
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbclient import NotebookClient
from tiny import RECIPE, write_corpus

from s2sbook import cache, data

ROOT = Path(__file__).resolve().parents[1]


def test_quiet_prints_one_and_the_same_line_trained_or_loaded(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    trained = cache.load_or_train(RECIPE, corpus=corpus, quiet=True)
    cold = capsys.readouterr().out
    loaded = cache.load_or_train(RECIPE, corpus=corpus, quiet=True)
    warm = capsys.readouterr().out
    assert cold == warm and len(cold.splitlines()) == 1 and trained.meta["key"] in cold
    assert loaded.directory == trained.directory
    # Not quiet, the same calls say what they did (chapter 2's teaching of the cache relies on it).
    cache.load_or_train(RECIPE, corpus=corpus)
    assert capsys.readouterr().out != warm


def test_quiet_waits_for_another_process_without_saying_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    expected = cache.load_or_train(RECIPE, corpus=corpus, quiet=True)
    line = capsys.readouterr().out
    lock = FileLock(cache.cache_root() / f"model-{expected.meta['key']}.lock", thread_local=False)
    lock.acquire()
    threading.Timer(1.0, lock.release).start()  # another "process" holds it for a second
    cache.load_or_train(RECIPE, corpus=corpus, quiet=True)
    assert capsys.readouterr().out == line


def test_quiet_training_that_fails_shows_its_log(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))

    def failing_fit(fullmodel, ds, recipe):
        print("epoch  1: loss 9.9")
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        cache.load_or_train(RECIPE, corpus=write_corpus(tmp_path), fit=failing_fit, quiet=True)
    assert "epoch  1: loss 9.9" in capsys.readouterr().out


# What may differ between two runs of a page: a duration or a peak memory (their digits), and nothing else.
MEASURED = re.compile(r"\d[\d,]*(\.\d+)?(?=\s*(s|ms|µs|MB|MiB|minutes?|seconds?)\b)")
GLUE = "application/papermill.record"


def shown(notebook) -> list[str]:
    """Every output a reader sees (text, HTML, images), cell by cell, with measured numbers masked."""
    out = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                out.append("stderr: " + output["text"])
                continue
            parts = {"stream": output.get("text", "")} if output["output_type"] == "stream" else {
                mime: value for mime, value in output.get("data", {}).items() if not mime.startswith(GLUE)}
            for mime, value in sorted(parts.items()):
                out.append(f"{cell.id} {mime}: {MEASURED.sub('N', str(value))}")
    return out


def test_masking_keeps_what_is_not_measured():
    assert MEASURED.sub("N", "trained once in 52 s; 1,042 MB; 3.5 ms; 20 epochs; 0.982") == (
        "trained once in N s; N MB; N ms; 20 epochs; 0.982")


@pytest.fixture(scope="module")
def real_sample(tmp_path_factory):
    """A small real corpus (every translation of every 150th of Tatoeba's first 40,000 English sentences), so
    that the cold run trains in seconds; a model of its own, in a cache of this test's own."""
    lines = (ROOT / "data" / "tatoeba-eng-fra.tsv").read_text(encoding="utf-8").splitlines()
    chosen = {line.split("\t")[0] for line in lines[:40_000:150]}
    path = tmp_path_factory.mktemp("corpus") / "fra.txt"
    path.write_text("".join(f"{line}\tCC-BY 2.0 (France)\n" for line in lines if line.split("\t")[0] in chosen),
                    encoding="utf-8")
    return path


def test_chapter_3_reads_the_same_on_a_cold_and_a_warm_cache(real_sample, tmp_path, monkeypatch):
    monkeypatch.setenv(data.CORPUS_ENV, str(real_sample))
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))  # empty: the first run trains
    runs = []
    for _ in ("cold", "warm"):
        notebook = nbformat.read(ROOT / "chapters" / "03_inference_models.ipynb", as_version=4)
        NotebookClient(notebook, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "chapters")}}).execute()
        runs.append(shown(notebook))
    assert list((tmp_path / "cache").glob("model-*/manifest.json")), "the cold run cached no model"
    cold, warm = runs
    assert cold and cold == warm, "\n".join(f"cold: {a}\nwarm: {b}" for a, b in zip(cold, warm) if a != b)
