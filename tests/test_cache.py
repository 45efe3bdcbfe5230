"""s2sbook.cache: the key is what runs, the cache is atomic and shared through a lock, training is reproducible."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
from filelock import FileLock
from tiny import RECIPE, write_corpus

from s2sbook import cache, data, models, text, training


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
    # Trained now or loaded, the caller gets the same kind of model: the cached one, not compiled (a compiled
    # model would save its optimizer's variables too, which chapter 5's tour of the file does not expect).
    assert not first.fullmodel.compiled and not second.fullmodel.compiled
    assert sorted(p.name for p in first.directory.iterdir()) == [
        "en_vocab.json", "fr_vocab.json", "fullmodel.keras", "history.json", "manifest.json"]
    assert not list((tmp_path / "cache").glob(".tmp-*"))


def test_new_process_trains_in_another_process_and_this_one_loads_the_same_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    elsewhere = cache.load_or_train(RECIPE, corpus=corpus, new_process=True)
    out = capsys.readouterr().out
    # The other process printed its training; this one then took the model from the cache (training here
    # would not print "Loaded model").
    assert out.index("Trained model") < out.index("Loaded model")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "here"))
    here = cache.load_or_train(RECIPE, corpus=corpus)
    assert elsewhere.directory.name == here.directory.name  # one key, wherever it trained
    assert all((a == b).all() for a, b in zip(weights(elsewhere), weights(here), strict=True))


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


def cell(source: str, name: str):
    """``compiled_function`` for a replacement of the book's code: a notebook cell's edit of it."""
    return compiled_function(source, name)


# Each edit of the code that prepares the data, as a reader or contributor would make it.
PREPARATION_EDITS = {
    "a function of the corpus reader": (data, "read_corpus", lambda: cell(
        "def read_corpus(path=None, on_error=None):\n    return None", "read_corpus")),
    "the tokeniser": (data, "tokenize", lambda: cell("def tokenize(text):\n    return text.split()", "tokenize")),
    "the arrays code": (data, "make_arrays", lambda: cell("def make_arrays(*args):\n    return args", "make_arrays")),
    "a constant of the reader (SENTENCE_END)": (data, "SENTENCE_END", lambda: frozenset(".!?")),
    "a constant of a classmethod and a property (data.UNK)": (data, "UNK", lambda: "<unknown>"),
    "a pattern of the tokeniser (TOKEN_RE)": (text, "TOKEN_RE", lambda: re.compile(r"\w+|[^\w\s]")),
    "a classmethod (Vocabulary.build)": (data.Vocabulary, "build", lambda: classmethod(cell(
        "def build(cls, sentences, language, specials=(), min_count=None):\n    return None", "build"))),
    "a property (Vocabulary.unk)": (data.Vocabulary, "unk", lambda: property(cell(
        "def unk(self):\n    return 1", "unk"))),
    "a property of the dataset (Dataset.max_decoder_len)": (data.Dataset, "max_decoder_len", lambda: property(cell(
        "def max_decoder_len(self):\n    return self.max_len_fr + 2", "max_decoder_len"))),
}


@pytest.mark.parametrize("edit", PREPARATION_EDITS)
def test_cache_key_follows_the_preparation_code(tmp_path, monkeypatch, edit):
    corpus = write_corpus(tmp_path)
    before = key(corpus)
    owner, name, replacement = PREPARATION_EDITS[edit]
    monkeypatch.setattr(owner, name, replacement())
    assert key(corpus) != before
    monkeypatch.undo()
    assert key(corpus) == before  # the edit undone, the key is the old one: the key is the code, nothing else


@pytest.mark.parametrize("change", ["class constant", "staticmethod", "classmethod", "property"])
def test_cache_key_follows_every_kind_of_member_of_a_cell_class(tmp_path, change):
    corpus = write_corpus(tmp_path)
    source = """
        class Prep:
            LIMIT = {limit}
            @staticmethod
            def clean(x):
                return x{clean}
            @classmethod
            def make(cls):
                return cls.LIMIT{make}
            @property
            def size(self):
                return {size}
        def fit(fullmodel, data, recipe):
            return Prep"""
    plain = {"limit": 1, "clean": "", "make": "", "size": 1}
    edited = {**plain, **{"class constant": {"limit": 2}, "staticmethod": {"clean": ".strip()"},
                          "classmethod": {"make": " + 1"}, "property": {"size": 2}}[change]}
    keys = [key(corpus, fit=compiled_function(source.format(**values), "fit")) for values in (plain, edited, plain)]
    assert keys[0] != keys[1] and keys[0] == keys[2]


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
    assert len(list((tmp_path / "cache").glob("model-*/manifest.json"))) == 1


def test_an_intact_vocabulary_that_does_not_match_the_corpus_is_refused(tmp_path, monkeypatch):
    # Files that are what was saved yet disagree with the corpus mean a key that missed a change:
    # retraining would hide that bug, so the cache refuses.
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    trained = cache.load_or_train(RECIPE, corpus=corpus)
    vocab = json.loads((trained.directory / "fr_vocab.json").read_text())
    vocab["tokens"].append("intrus")
    (trained.directory / "fr_vocab.json").write_text(json.dumps(vocab))
    meta = json.loads((trained.directory / "manifest.json").read_text())
    meta["files"]["fr_vocab.json"] = hashlib.sha256((trained.directory / "fr_vocab.json").read_bytes()).hexdigest()
    (trained.directory / "manifest.json").write_text(json.dumps(meta))
    with pytest.raises(cache.CorpusMismatchError, match="delete .* to retrain"):
        cache.load_or_train(RECIPE, corpus=corpus)
    assert np.isfinite(trained.history["loss"]).all()


def test_chapter_2_and_the_package_give_one_key(tmp_path):
    """Chapter 2 trains with its own cells' functions, the later chapters with the package's copies of them:
    the same code must give the same key, or the book would train the same model twice."""
    from book import ROOT, cell_source, cells
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    code = [cell_source(c) for c in cells(ROOT / "chapters" / "02_training_model.ipynb") if c["cell_type"] == "code"]
    imports = code[1]  # the import cell, after the hidden set-up cell
    for source in [imports, *(s for s in code if s.startswith("# @save"))]:
        assert shell.run_cell(source, silent=True).success
    corpus = write_corpus(tmp_path)
    chapter = shell.user_ns["build_training_model"], shell.user_ns["train_model"]
    assert chapter[0] is not models.build_training_model
    assert key(corpus, build=chapter[0], fit=chapter[1]) == key(corpus)


# Faults: each heals (moved aside, trained again, said so) and the next run loads; nothing loops.
@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """``(corpus, trained)``: a cache with the tiny model in it, trained once; tests damage copies of it."""
    folder = tmp_path_factory.mktemp("warm")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(cache.CACHE_ENV, str(folder / "cache"))
        corpus = write_corpus(folder)
        return corpus, cache.load_or_train(RECIPE, corpus=corpus)


def damage_remove(name):
    return lambda directory: (directory / name).unlink()


def damage_truncate(directory):
    path = directory / "fullmodel.keras"
    path.write_bytes(path.read_bytes()[:1000])


def damage_edit_vocabulary(directory):
    vocab = json.loads((directory / "fr_vocab.json").read_text())
    vocab["tokens"].append("intrus")
    (directory / "fr_vocab.json").write_text(json.dumps(vocab))


@pytest.mark.parametrize("damage, problem", [
    (damage_remove("manifest.json"), ("no manifest.json", "never finished")),
    (damage_remove("history.json"), ("no history.json",)),
    (damage_truncate, ("fullmodel.keras", "SHA-256")),
    (damage_edit_vocabulary, ("fr_vocab.json", "SHA-256")),
], ids=["no manifest.json", "no history.json", "truncated model", "edited vocabulary"])
def test_a_damaged_cached_model_is_moved_aside_and_trained_again(warm_cache, tmp_path, monkeypatch, capsys, damage,
                                                                problem):
    corpus, first = warm_cache
    shutil.copytree(first.directory.parent, tmp_path / "cache")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    damage(tmp_path / "cache" / first.directory.name)
    healed = cache.load_or_train(RECIPE, corpus=corpus)
    out = capsys.readouterr().out
    # The message names the model, what is wrong, where the damaged folder went; then it trains again.
    [aside] = (tmp_path / "cache").glob(f"broken-model-{first.meta['key']}-*")
    assert first.meta["key"] in out and "damaged" in out and all(part in out for part in problem)
    assert str(aside) in out and "Trained model" in out
    assert all((a == b).all() for a, b in zip(weights(first), weights(healed), strict=True))
    again = cache.load_or_train(RECIPE, corpus=corpus)
    assert "Loaded model" in capsys.readouterr().out and again.directory == healed.directory


def test_a_model_file_keras_cannot_read_is_damage_even_when_the_manifest_vouches_for_it(warm_cache, tmp_path,
                                                                                        monkeypatch, capsys):
    # The hashes say the files are what was saved; loading is checked all the same.
    corpus, first = warm_cache
    directory = shutil.copytree(first.directory, tmp_path / "cache" / first.directory.name)
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    damage_truncate(directory)
    meta = json.loads((directory / "manifest.json").read_text())
    meta["files"]["fullmodel.keras"] = hashlib.sha256((directory / "fullmodel.keras").read_bytes()).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(meta))
    cache.load_or_train(RECIPE, corpus=corpus)
    assert "is damaged: it does not load (ValueError: " in capsys.readouterr().out


def run_killed(tmp_path, corpus, kill_in: str):
    """Run load_or_train in a process that kills itself (SIGKILL: no clean-up runs) during ``kill_in``."""
    script = textwrap.dedent(f"""
        import os, signal
        from s2sbook import cache, data, training

        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)

        if {kill_in!r} == "training":
            cache.load_or_train({RECIPE!r}, corpus={str(corpus)!r}, fit=die)
        else:  # the save: after the model file is written, before the vocabularies
            data.Vocabulary.save = die
            cache.load_or_train({RECIPE!r}, corpus={str(corpus)!r})
    """)
    env = {"S2S_CACHE": str(tmp_path / "cache"), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]


def test_a_run_killed_during_training_leaves_nothing_in_the_way(tmp_path, monkeypatch, capsys):
    corpus = write_corpus(tmp_path)
    run_killed(tmp_path, corpus, "training")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    trained = cache.load_or_train(RECIPE, corpus=corpus, lock_timeout=5)  # the dead process's lock is free
    assert "Trained model" in capsys.readouterr().out and (trained.directory / "manifest.json").is_file()


def test_a_run_killed_during_the_save_leaves_a_scratch_folder_that_the_next_run_removes(tmp_path, monkeypatch,
                                                                                         capsys):
    corpus = write_corpus(tmp_path)
    run_killed(tmp_path, corpus, "save")
    [scratch] = (tmp_path / "cache").glob(".tmp-model-*")
    assert (scratch / "fullmodel.keras").is_file() and not list((tmp_path / "cache").glob("model-*/"))
    # A dead process's scratch folder of another key goes too; a live process's stays.
    dead_other = tmp_path / "cache" / f".tmp-model-0123456789abcdef-{scratch.name.rpartition('-')[2]}"
    live_other = tmp_path / "cache" / f".tmp-model-0123456789abcdef-{os.getpid()}"
    dead_other.mkdir()
    live_other.mkdir()
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    trained = cache.load_or_train(RECIPE, corpus=corpus, lock_timeout=5)
    out = capsys.readouterr().out
    assert "Removed 2 scratch folder(s) of saves that did not finish" in out and "Trained model" in out
    assert not scratch.exists() and not dead_other.exists() and live_other.exists()
    assert (trained.directory / "manifest.json").is_file()


def test_a_lock_held_too_long_says_which_lock_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    key = cache.cache_key(corpus, RECIPE, models.build_training_model, training.train_model)
    (tmp_path / "cache").mkdir()
    lock_file = tmp_path / "cache" / f"model-{key}.lock"
    with FileLock(lock_file):
        with pytest.raises(TimeoutError) as error:
            cache.load_or_train(RECIPE, corpus=corpus, lock_timeout=0.2)
    message = str(error.value)
    assert str(lock_file) in message and "stop it" in message and "lock_timeout" in message
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_on_error_reaches_load_or_train_and_the_skipped_lines_are_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.ON_ERROR_ENV, raising=False)
    corpus = write_corpus(tmp_path)
    whole = corpus.read_text(encoding="utf-8")
    corpus.write_text(whole + "no tab here\n", encoding="utf-8")
    with pytest.raises(data.CorpusError, match="line 25"):
        cache.load_or_train(RECIPE, corpus=corpus)
    trained = cache.load_or_train(RECIPE, corpus=corpus, on_error="skip")
    assert [n for n, _, _ in trained.data.corpus.malformed] == [25]
    assert "Left out 1 malformed line(s)" in capsys.readouterr().out
    # The setting does what the argument does (the same model, from the cache), and the pairs are those of
    # the file without that line.
    monkeypatch.setenv(data.ON_ERROR_ENV, "skip")
    assert cache.load_or_train(RECIPE, corpus=corpus).directory == trained.directory
    corpus.write_text(whole, encoding="utf-8")
    assert data.prepare(corpus).corpus.pairs == trained.data.corpus.pairs


# A crash in the middle of a save leaves no cache entry behind.

CACHE_FILES = ["en_vocab.json", "fr_vocab.json", "fullmodel.keras", "history.json", "manifest.json"]


class Crash(Exception):
    """The process dying half-way through writing the cache."""


def crash_in_model_save(monkeypatch):
    def save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"PK\x03\x04 half a zip file")
        raise Crash("killed while writing the model")

    monkeypatch.setattr(keras.Model, "save", save)


def crash_in_vocabulary_save(monkeypatch):
    original = data.Vocabulary.save

    def save(self, path):
        original(self, path)
        if self.language == "fr":  # after the English one, while writing the French one
            Path(path).write_text('{"language": "fr", "tok', encoding="utf-8")
            raise Crash("killed while writing a vocabulary")

    monkeypatch.setattr(data.Vocabulary, "save", save)


def crash_in_manifest_write(monkeypatch):
    original = Path.write_text

    def write_text(self, text, *args, **kwargs):
        if self.name != "manifest.json":
            return original(self, text, *args, **kwargs)
        original(self, text[:len(text) // 2], *args, **kwargs)
        raise Crash("killed while writing manifest.json")

    monkeypatch.setattr(Path, "write_text", write_text)


def no_training(fullmodel, data, recipe):
    """The cache does not care what training did; skipping it keeps these tests fast."""
    return {"loss": [1.0]}


@pytest.mark.parametrize("crash", [crash_in_model_save, crash_in_vocabulary_save, crash_in_manifest_write])
def test_a_crash_while_saving_leaves_no_cache_entry_and_the_next_call_trains(tmp_path, monkeypatch, capsys, crash):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    corpus = write_corpus(tmp_path)
    with monkeypatch.context() as patched:
        crash(patched)
        with pytest.raises(Crash):
            cache.load_or_train(RECIPE, corpus=corpus, fit=no_training)
    assert [p.name for p in folder.glob("model-*") if p.is_dir()] == []
    assert [p.name for p in folder.glob(".tmp-*")] == []
    capsys.readouterr()

    trained = cache.load_or_train(RECIPE, corpus=corpus, fit=no_training)
    assert "Trained model" in capsys.readouterr().out
    assert sorted(p.name for p in trained.directory.iterdir()) == CACHE_FILES
    again = cache.load_or_train(RECIPE, corpus=corpus, fit=no_training)
    assert "Loaded model" in capsys.readouterr().out
    assert again.directory == trained.directory
    assert json.loads((again.directory / "manifest.json").read_text()) == again.meta == trained.meta
    mine, theirs = again.fullmodel.get_weights(), trained.fullmodel.get_weights()
    assert len(mine) == len(theirs) > 0
    assert all(np.array_equal(a, b) for a, b in zip(mine, theirs, strict=True))


def test_a_lock_path_that_is_a_folder_is_named_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path)
    lock_path = tmp_path / "cache" / f"model-{key(corpus)}.lock"
    lock_path.mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as error:
        cache.load_or_train(RECIPE, corpus=corpus, lock_timeout=0.2)
    assert str(lock_path) in str(error.value) and "remove that folder" in str(error.value)
