"""Chapters 1-7 on real sentences: every chapter runs with S2S_CORPUS pointed at a real fra.txt.

The sample is taken from the shipped Tatoeba pairs (data/tatoeba-eng-fra.tsv): every translation of
every 150th of the first 40,000 English sentences (267 English sentences, 697 pairs, so most have
several French translations, as in the real file), written in fra.txt's current 3-column format (the
shipped Tatoeba file has 2; chapter 1 reads both). Each chapter runs as the reader runs it, in its own
kernel, its models trained on the sample into a cache of this test's own: an assertion or any other
error in a cell not tagged raises-exception fails the test. The one change is chapter 6's timing
sample (N_SAMPLE = 20 -> 4): the classic loop's time per sentence is what that cell measures, and
four sentences keep the test short (a model trained on 500 pairs rarely stops before the length limit).
"""

import nbformat
import pytest
from book import ROOT
from nbclient import NotebookClient

from s2sbook import cache, data

CHAPTERS = ["01_data", "02_training_model", "03_inference_models", "04_same_weights", "05_save_reload",
            "06_fast_decoding", "07_attention"]
ATTRIBUTION = "CC-BY 2.0 (France) Attribution: tatoeba.org"


@pytest.fixture(scope="module")
def real_sample(tmp_path_factory):
    lines = (ROOT / "data" / "tatoeba-eng-fra.tsv").read_text(encoding="utf-8").splitlines()
    chosen = {line.split("\t")[0] for line in lines[:40_000:150]}
    folder = tmp_path_factory.mktemp("real")
    path = folder / "fra.txt"
    path.write_text("".join(f"{line}\t{ATTRIBUTION}\n" for line in lines if line.split("\t")[0] in chosen),
                    encoding="utf-8")
    corpus = data.read_corpus(path)
    english = {en for en, _ in corpus.pairs}
    assert (len(english), len(corpus.pairs)) == (267, 697)  # the sample this docstring describes
    return path, folder / "cache"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chapter_runs_on_real_sentences(chapter, real_sample, monkeypatch):
    corpus, cache_folder = real_sample
    monkeypatch.setenv(data.CORPUS_ENV, str(corpus))
    monkeypatch.setenv(cache.CACHE_ENV, str(cache_folder))  # the kernel inherits both settings
    notebook = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    if chapter == "06_fast_decoding":
        [cell] = [c for c in notebook.cells if c.cell_type == "code" and "N_SAMPLE = 20\n" in c.source]
        cell.source = cell.source.replace("N_SAMPLE = 20\n", "N_SAMPLE = 4\n")
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "chapters")}}).execute()
    if chapter == "01_data":  # it read the sample, not the shipped corpus
        outputs = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
        assert "fra.txt: 697 lines, 697 pairs, 0 blank, 0 malformed" in outputs
