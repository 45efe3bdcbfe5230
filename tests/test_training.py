"""s2sbook.training: the cache is keyed, atomic, shared through a lock, and training is reproducible."""

import json
import subprocess
import sys
import textwrap

import numpy as np

from s2sbook import training

from tiny import RECIPE, write_corpus


def weights(trained):
    return trained.fullmodel.get_weights()


def test_train_once_then_load_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv(training.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    first = training.load_or_train(RECIPE, corpus=corpus)
    calls = []
    second = training.load_or_train(RECIPE, corpus=corpus, fit=lambda *a: calls.append(a))
    assert calls == [] and second.directory == first.directory
    assert all((a == b).all() for a, b in zip(weights(first), weights(second)))
    assert sorted(p.name for p in first.directory.iterdir()) == [
        "en_vocab.json", "fr_vocab.json", "fullmodel.keras", "history.json", "meta.json"]
    assert not list((tmp_path / "cache").glob(".tmp-*"))


def test_same_recipe_gives_identical_weights_in_a_fresh_cache(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path)
    monkeypatch.setenv(training.CACHE_ENV, str(tmp_path / "a"))
    a = training.load_or_train(RECIPE, corpus=corpus)
    monkeypatch.setenv(training.CACHE_ENV, str(tmp_path / "b"))
    b = training.load_or_train(RECIPE, corpus=corpus)
    assert all((x == y).all() for x, y in zip(weights(a), weights(b)))
    assert a.history == b.history


def test_cache_key_follows_corpus_recipe_and_seed(tmp_path):
    corpus = write_corpus(tmp_path)
    key = training.cache_key(corpus, RECIPE)
    assert key == training.cache_key(corpus, dict(RECIPE))
    assert key != training.cache_key(corpus, {**RECIPE, "seed": 8})
    assert key != training.cache_key(corpus, {**RECIPE, "epochs": 4})
    other = write_corpus(tmp_path / "..", copies=5)
    assert key != training.cache_key(other, RECIPE)


def test_two_processes_at_once_train_only_once(tmp_path):
    corpus = write_corpus(tmp_path)
    script = textwrap.dedent(f"""
        import json, sys
        from s2sbook import training
        trained = training.load_or_train({RECIPE!r}, corpus={str(corpus)!r})
        print(json.dumps({{"train_seconds": trained.meta["train_seconds"], "dir": str(trained.directory)}}))
    """)
    env = {"S2S_CACHE": str(tmp_path / "cache"), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    waited = sum("Another process is training this model" in out for out, _ in outputs)
    trained_dirs = {json.loads(out.strip().splitlines()[-1])["dir"] for out, _ in outputs}
    assert waited == 1 and len(trained_dirs) == 1
    assert len(list((tmp_path / "cache").glob("model-*/meta.json"))) == 1


def test_vocabulary_that_does_not_match_the_corpus_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(training.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    trained = training.load_or_train(RECIPE, corpus=corpus)
    vocab = json.loads((trained.directory / "fr_vocab.json").read_text())
    vocab["tokens"].append("intrus")
    (trained.directory / "fr_vocab.json").write_text(json.dumps(vocab))
    try:
        training.load_or_train(RECIPE, corpus=corpus)
    except ValueError as error:
        assert "delete" in str(error) and "retrain" in str(error)
    else:
        raise AssertionError("a mismatched vocabulary was accepted")
    assert np.isfinite(trained.history["loss"]).all()
