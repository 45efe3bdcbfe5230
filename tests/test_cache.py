"""s2sbook.cache: the key is what runs, the cache is atomic and shared through a lock, training is reproducible."""

import json
import subprocess
import sys
import textwrap

import numpy as np
from tiny import RECIPE, write_corpus

from s2sbook import cache, models, training


def weights(trained):
    """The model's weight arrays; never empty, so comparing two lists of them compares something."""
    arrays = trained.fullmodel.get_weights()
    assert arrays
    return arrays


def test_train_once_then_load_the_same_weights(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    first = cache.load_or_train(RECIPE, corpus=corpus)
    second = cache.load_or_train(RECIPE, corpus=corpus)
    assert "Loaded model" in capsys.readouterr().out and second.directory == first.directory
    assert all((a == b).all() for a, b in zip(weights(first), weights(second), strict=True))
    assert sorted(p.name for p in first.directory.iterdir()) == [
        "en_vocab.json", "fr_vocab.json", "fullmodel.keras", "history.json", "meta.json"]
    assert not list((tmp_path / "cache").glob(".tmp-*"))


def test_same_recipe_gives_identical_weights_in_a_fresh_cache(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path)
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "a"))
    a = cache.load_or_train(RECIPE, corpus=corpus)
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "b"))
    b = cache.load_or_train(RECIPE, corpus=corpus)
    assert all((x == y).all() for x, y in zip(weights(a), weights(b), strict=True))
    assert a.history == b.history


def key(corpus, recipe=RECIPE, build=models.build_training_model, fit=training.train_model):
    return cache.cache_key(corpus, recipe, build, fit)


def test_cache_key_follows_corpus_recipe_and_seed(tmp_path):
    corpus = write_corpus(tmp_path)
    assert key(corpus) == key(corpus, dict(RECIPE))
    assert key(corpus) != key(corpus, {**RECIPE, "seed": 8})
    assert key(corpus) != key(corpus, {**RECIPE, "epochs": 4})
    other = write_corpus(tmp_path / "..", copies=5)
    assert key(corpus) != key(other)


def compiled_function(source: str, name: str):
    """A function defined from text, like a notebook cell (no source file behind it)."""
    namespace = {"__name__": "__main__"}
    exec(compile(textwrap.dedent(source), "<cell>", "exec"), namespace)
    return namespace[name]


def test_cache_key_follows_the_code_that_runs(tmp_path):
    corpus = write_corpus(tmp_path)
    # Another build function, even one that only calls the book's, is another model.
    assert key(corpus) != key(corpus, build=compiled_function("""
        def build(n_en, n_fr, latent_dim, embedding_dim):
            return build_training_model(n_en, n_fr, latent_dim, embedding_dim)""", "build"))
    # A constant the code reads, and the code of a function it calls, are part of the key.
    cell = """
        WIDTH = {width}
        def helper():
            return WIDTH * {factor}
        def fit(fullmodel, data, recipe):
            return helper()"""
    keys = {key(corpus, fit=compiled_function(cell.format(width=w, factor=f), "fit")) for w, f in
            [(1, 1), (2, 1), (1, 3)]}
    assert len(keys) == 3
    assert key(corpus, fit=compiled_function(cell.format(width=1, factor=1), "fit")) in keys


def test_two_build_functions_on_one_warm_cache_give_two_models(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    plain = cache.load_or_train(RECIPE, corpus=corpus)
    assert f"Trained model {plain.meta['key']} (build_training_model) in " in capsys.readouterr().out

    def build_wider(n_en, n_fr, latent_dim, embedding_dim):
        return models.build_training_model(n_en, n_fr, 2 * latent_dim, embedding_dim)

    wider = cache.load_or_train(RECIPE, corpus=corpus, build=build_wider)
    assert wider.directory != plain.directory
    assert wider.fullmodel.get_layer("decoder_lstm").units == 2 * plain.fullmodel.get_layer("decoder_lstm").units
    again = cache.load_or_train(RECIPE, corpus=corpus)
    assert again.directory == plain.directory
    assert f"Loaded model {plain.meta['key']} (build_training_model) from the cache" in capsys.readouterr().out


def test_two_processes_at_once_train_only_once(tmp_path):
    corpus = write_corpus(tmp_path)
    script = textwrap.dedent(f"""
        import json, sys
        from s2sbook import cache
        trained = cache.load_or_train({RECIPE!r}, corpus={str(corpus)!r})
        print(json.dumps({{"train_seconds": trained.meta["train_seconds"], "dir": str(trained.directory)}}))
    """)
    env = {"S2S_CACHE": str(tmp_path / "cache"), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    waited = sum("Another process is training model" in out for out, _ in outputs)
    trained_dirs = {json.loads(out.strip().splitlines()[-1])["dir"] for out, _ in outputs}
    assert waited == 1 and len(trained_dirs) == 1
    assert len(list((tmp_path / "cache").glob("model-*/meta.json"))) == 1


def test_vocabulary_that_does_not_match_the_corpus_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    trained = cache.load_or_train(RECIPE, corpus=corpus)
    vocab = json.loads((trained.directory / "fr_vocab.json").read_text())
    vocab["tokens"].append("intrus")
    (trained.directory / "fr_vocab.json").write_text(json.dumps(vocab))
    try:
        cache.load_or_train(RECIPE, corpus=corpus)
    except ValueError as error:
        assert "delete" in str(error) and "retrain" in str(error)
    else:
        raise AssertionError("a mismatched vocabulary was accepted")
    assert np.isfinite(trained.history["loss"]).all()


def test_chapter_2_and_the_package_give_one_key(tmp_path):
    """Chapter 2 trains with its own cells' functions, the later chapters with the package's copies of them:
    the same code must give the same key, or the book would train the same model twice."""
    from book import ROOT, cell_source, cells
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    code = [cell_source(c) for c in cells(ROOT / "chapters" / "02_training_model.ipynb") if c["cell_type"] == "code"]
    imports = code[1]  # the import cell, after the hidden set-up cell
    for source in [imports, *(s for s in code if s.startswith("#@save"))]:
        assert shell.run_cell(source, silent=True).success
    corpus = write_corpus(tmp_path)
    chapter = shell.user_ns["build_training_model"], shell.user_ns["train_model"]
    assert chapter[0] is not models.build_training_model
    assert key(corpus, build=chapter[0], fit=chapter[1]) == key(corpus)
