"""s2sbook.estimate: before training on a reader's corpus (S2S_CORPUS), the cost is estimated; too slow is
cut to the pairs that fit (max_pairs, said), too large a batch is refused with the estimate."""

from types import SimpleNamespace

import pytest
from tiny import RECIPE, write_corpus

from s2sbook import cache, data, estimate
from s2sbook.budgets import MEMORY_BUDGET_MB
from s2sbook.training import RECIPE as BOOK_RECIPE


def sized(pairs, en_len, fr_len, en_vocab, fr_vocab):
    """What check() reads of a prepared Dataset."""
    return SimpleNamespace(corpus=SimpleNamespace(pairs=[None] * pairs), max_len_en=en_len, max_decoder_len=fr_len,
                           en_vocab=range(en_vocab), fr_vocab=range(fr_vocab))


def test_the_shipped_corpus_fits_both_budgets(shipped, capsys):
    assert estimate.check(shipped, BOOK_RECIPE, "eng-fra.tsv") is None
    assert capsys.readouterr().out == ""
    whole = estimate.estimate(len(shipped.corpus.pairs), shipped.max_len_en, shipped.max_decoder_len,
                              len(shipped.en_vocab), len(shipped.fr_vocab), BOOK_RECIPE)
    assert whole.peak_mb < MEMORY_BUDGET_MB and whole.train_seconds < estimate.TRAINING_BUDGET_S


def test_a_corpus_too_slow_to_train_is_cut_to_max_pairs_with_a_message(capsys):
    many_short = sized(200_000, 8, 13, 123, 212)  # the shipped corpus's shape, 17 times the pairs
    cap = estimate.check(many_short, BOOK_RECIPE, "big.txt")
    out = capsys.readouterr().out
    assert 0 < cap < 200_000 and f"max_pairs={cap}" in out and "big.txt" in out
    fits = estimate.estimate(cap, 8, 13, 123, 212, BOOK_RECIPE)
    assert fits.train_seconds <= estimate.TRAINING_BUDGET_S * 1.01


def test_a_batch_too_large_for_memory_is_refused_with_the_estimate():
    captions = sized(29_000, 41, 42, 9_000, 11_000)  # long sentences, a large vocabulary
    with pytest.raises(estimate.TooLargeError, match="captions.txt") as refused:
        estimate.check(captions, BOOK_RECIPE, "captions.txt")
    message = str(refused.value)
    assert "MB" in message and "batch_size" in message and "max_pairs" in message and "bucketed" in message


def test_load_or_train_caps_a_readers_corpus_and_trains_on_the_cut(tmp_path, monkeypatch, capsys):
    corpus = write_corpus(tmp_path)
    monkeypatch.setenv(data.CORPUS_ENV, str(corpus))
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    ds = data.prepare(corpus)
    whole = estimate.estimate(len(ds.corpus.pairs), ds.max_len_en, ds.max_decoder_len, len(ds.en_vocab),
                              len(ds.fr_vocab), RECIPE)
    monkeypatch.setattr(estimate, "TRAINING_BUDGET_S", whole.train_seconds * 0.75)  # a budget it overruns
    trained = cache.load_or_train(RECIPE, quiet=True)
    out = capsys.readouterr().out
    cap = trained.meta["recipe"]["max_pairs"]
    assert cap < len(ds.corpus.pairs) and len(trained.data.corpus.pairs) == cap
    assert f"max_pairs={cap}" in out and out.count("\n") == 2  # the cap, then the model's one line
