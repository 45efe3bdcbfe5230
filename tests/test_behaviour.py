"""Behaviour that text comparisons used to guard, each pinned on a hand-made example a bug would change.

Every test here failed on a deliberately injected bug before it was committed (issue 10):
tokens after ``_END`` leaking into finished rows, BLEU on tokenised text, a cache written straight
into its final folder, a timer that is not the median, an accuracy that counts padding.
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import sacrebleu
from tiny import RECIPE, VARIED_PAIRS, write_corpus

# Each name is imported once, here, so a move of a module changes one line.
from s2sbook.cache import CACHE_ENV, load_or_train
from s2sbook.data import Vocabulary
from s2sbook.decoding import decode_batch, decode_sequence, ids_to_tokens
from s2sbook.evaluation import bleu
from s2sbook.models import inference_models
from s2sbook.text import END, PAD, START, detokenize, tokenize
from s2sbook.timing import time as timing_time  # the clock that timed() reads
from s2sbook.timing import timed
from s2sbook.training import MaskedAccuracy

# --- 1. Every row of a batch stops at its own first _END -------------------------------------------

FR = Vocabulary([PAD, START, END, "il", "mange", "la", "pomme", "."], "fr")
IL, MANGE, LA, POMME, DOT = (FR.index[t] for t in ("il", "mange", "la", "pomme", "."))
E = FR.index[END]


def test_ids_to_tokens_cuts_each_row_at_its_first_end():
    ids = np.array([
        [IL, MANGE, DOT, E, 0, 0, 0],              # ends, then padding
        [IL, MANGE, E, LA, POMME, DOT, E],         # ends early; what follows (even another _END) is not its
        [E, IL, MANGE, DOT, E, E, E],              # _END first: the empty translation
        [IL, MANGE, LA, POMME, DOT, IL, MANGE],    # no _END: the whole row (the length limit was reached)
        [IL, MANGE, LA, POMME, DOT, E, E],         # a finished row that kept being computed with the others
    ], dtype="int32")
    assert ids_to_tokens(ids, FR) == [
        ["il", "mange", "."],
        ["il", "mange"],
        [],
        ["il", "mange", "la", "pomme", ".", "il", "mange"],
        ["il", "mange", "la", "pomme", "."],
    ]
    assert ids_to_tokens(ids[:0], FR) == []


@pytest.fixture(scope="module")
def varied(tiny_varied_trained):
    ds, fullmodel = tiny_varied_trained
    encoder_model, decoder_model = inference_models(fullmodel)
    return ds, encoder_model, decoder_model


@pytest.mark.parametrize("batch_size", [2048, 4])
def test_decode_batch_equals_one_at_a_time_on_sentences_of_different_lengths(varied, batch_size):
    ds, encoder_model, decoder_model = varied
    # The first rows of the corpus are VARIED_PAIRS in order; a batch holds short and long ones,
    # in the order short, long, long, short, long, long.
    x = ds.encoder_input_data[:len(VARIED_PAIRS)]
    max_decoder_len = ds.max_decoder_len
    one_at_a_time = [decode_sequence(x[i:i + 1], encoder_model, decoder_model, ds.fr_vocab, max_decoder_len)
                     for i in range(len(x))]
    batched = decode_batch(x, encoder_model, decoder_model, ds.fr_vocab, max_decoder_len, batch_size=batch_size)
    assert len(batched) == len(one_at_a_time) == len(VARIED_PAIRS)
    for i, (mine, classic) in enumerate(zip(batched, one_at_a_time, strict=True)):
        assert mine == classic, f"sentence {i}: {VARIED_PAIRS[i][0]!r}"
    # The model has learnt the pairs, so the rows really finish at different steps.
    assert one_at_a_time == [tokenize(fr) for _, fr in VARIED_PAIRS]
    assert len({len(tokens) for tokens in one_at_a_time}) > 1


# --- 2. BLEU is sacrebleu's on detokenised text -----------------------------------------------------

def test_bleu_scores_detokenised_text_not_our_tokens():
    outputs = [["il", "boit", "de", "l'", "eau", "."], ["elle", "mange", "la", "pomme", "."]]
    references = [["elle", "boit", "de", "l'", "eau", "."], ["elle", "mange", "une", "pomme", "."]]
    # What a reader would write: no space after the elided l', none before the full stop.
    readable_outputs = ["il boit de l'eau.", "elle mange la pomme."]
    readable_references = ["elle boit de l'eau.", "elle mange une pomme."]
    assert [detokenize(o) for o in outputs] == readable_outputs
    expected = sacrebleu.corpus_bleu(readable_outputs, [readable_references]).score
    on_tokens = sacrebleu.corpus_bleu([" ".join(o) for o in outputs], [[" ".join(r) for r in references]]).score
    assert expected != pytest.approx(on_tokens)  # the example tells the two apart
    score, _ = bleu(outputs, [[r] for r in references])
    assert score == pytest.approx(expected, abs=1e-9)


# --- 3. A crash in the middle of a save leaves no cache entry behind ------------------------------

CACHE_FILES = ["en_vocab.json", "fr_vocab.json", "fullmodel.keras", "history.json", "manifest.json"]


class Crash(Exception):
    """The process dying half-way through writing the cache."""


def crash_in_model_save(monkeypatch):
    def save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"PK\x03\x04 half a zip file")
        raise Crash("killed while writing the model")

    monkeypatch.setattr(keras.Model, "save", save)


def crash_in_vocabulary_save(monkeypatch):
    original = Vocabulary.save

    def save(self, path):
        original(self, path)
        if self.language == "fr":  # after the English one, while writing the French one
            Path(path).write_text('{"language": "fr", "tok', encoding="utf-8")
            raise Crash("killed while writing a vocabulary")

    monkeypatch.setattr(Vocabulary, "save", save)


def crash_in_meta_write(monkeypatch):
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


@pytest.mark.parametrize("crash", [crash_in_model_save, crash_in_vocabulary_save, crash_in_meta_write])
def test_a_crash_while_saving_leaves_no_cache_entry_and_the_next_call_trains(tmp_path, monkeypatch, capsys, crash):
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    corpus = write_corpus(tmp_path)
    with monkeypatch.context() as patched:
        crash(patched)
        with pytest.raises(Crash):
            load_or_train(RECIPE, corpus=corpus, fit=no_training)
    assert [p.name for p in cache.glob("model-*") if p.is_dir()] == []
    assert [p.name for p in cache.glob(".tmp-*")] == []
    capsys.readouterr()

    trained = load_or_train(RECIPE, corpus=corpus, fit=no_training)
    assert "Trained model" in capsys.readouterr().out
    assert sorted(p.name for p in trained.directory.iterdir()) == CACHE_FILES
    again = load_or_train(RECIPE, corpus=corpus, fit=no_training)
    assert "Loaded model" in capsys.readouterr().out
    assert again.directory == trained.directory
    assert json.loads((again.directory / "manifest.json").read_text()) == again.meta == trained.meta
    mine, theirs = again.fullmodel.get_weights(), trained.fullmodel.get_weights()
    assert len(mine) == len(theirs) > 0
    assert all(np.array_equal(a, b) for a, b in zip(mine, theirs, strict=True))


# --- 4. timed() reports the median of its runs -----------------------------------------------------

@pytest.mark.parametrize("durations, median", [
    ([7.0], 7.0),
    ([9.0, 2.0, 1.0], 2.0),          # max 9, min 1, mean 4, first 9, last 1
    ([4.0, 1.0, 10.0, 2.0], 3.0),    # max 10, mean 4.25, last 2, upper median 4, lower median 2
])
def test_timed_returns_the_median_of_the_scripted_durations(monkeypatch, durations, median):
    # Each run starts 100 s after the previous one started: time between runs must not count.
    clock = iter([t for i, d in enumerate(durations) for t in (100.0 * (i + 1), 100.0 * (i + 1) + d)])
    monkeypatch.setattr(timing_time, "perf_counter", lambda: next(clock))
    calls = []
    result, seconds = timed(lambda: calls.append(None) or len(calls), repeats=len(durations))
    assert seconds == median
    assert result == len(calls) == len(durations)
    assert next(clock, "all used") == "all used"


# --- 5. MaskedAccuracy counts real tokens only ------------------------------------------------------

def one_hot_predictions(argmax_ids, vocab_size=8):
    """Probabilities whose argmax is ``argmax_ids`` (and that are not one-hot, so argmax matters)."""
    argmax_ids = np.asarray(argmax_ids)
    probs = np.full((*argmax_ids.shape, vocab_size), 0.5 / (vocab_size - 1), dtype="float32")
    np.put_along_axis(probs, argmax_ids[..., None], 0.5, axis=-1)
    return probs


def test_masked_accuracy_ignores_padding_on_a_hand_made_example():
    y_true = np.array([[3, 4, 2, 0],
                       [2, 0, 0, 0]])
    predicted = np.array([[3, 4, 5, 0],    # 2 of 3 real tokens right; the padding position "right"
                          [4, 0, 6, 0]])   # 0 of 1 real token right; padding "right", "wrong", "right"
    metric = MaskedAccuracy()
    metric.update_state(y_true, one_hot_predictions(predicted))
    # 2 right out of 4 real tokens. Counting padding would give 5/8; padding as misses, 2/8.
    assert float(metric.result()) == pytest.approx(2 / 4)


def test_masked_accuracy_accumulates_tokens_across_batches_and_resets():
    metric = MaskedAccuracy()
    metric.update_state(np.array([[3, 0, 0]]), one_hot_predictions([[3, 0, 0]]))   # 1 of 1
    metric.update_state(np.array([[3, 4, 2]]), one_hot_predictions([[4, 3, 0]]))   # 0 of 3
    assert float(metric.result()) == pytest.approx(1 / 4)  # tokens, not the mean of the batches (1/2)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    metric.update_state(np.zeros((2, 3), dtype="int32"), one_hot_predictions(np.zeros((2, 3), dtype="int32")))
    assert float(metric.result()) == 0.0  # nothing but padding: no real token, no accuracy


def test_the_compiled_model_reports_accuracy_over_real_tokens(tiny_varied_trained):
    ds, fullmodel = tiny_varied_trained  # compiled by compile_model in tests/tiny.py
    x = [ds.encoder_input_data, ds.decoder_input_data]
    y = ds.decoder_target_data
    real = y != 0
    assert not real.all()  # the targets hold padding
    predicted = np.argmax(fullmodel.predict(x, verbose=0), axis=-1)
    expected = (predicted == y)[real].mean()
    results = fullmodel.evaluate(x, y, batch_size=len(y), verbose=0, return_dict=True)
    assert results["masked_accuracy"] == pytest.approx(expected, abs=1e-6)
