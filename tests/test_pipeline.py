"""Chapter 9's recipe for real data: the frequency cutoff with <unk>, prepare()'s options, and batches
padded to their own longest sentence."""

import numpy as np
import pytest
from tiny import VARIED_PAIRS, write_corpus

from s2sbook import data, pipeline


def test_a_cutoff_keeps_frequent_words_and_reads_the_others_as_unk():
    sentences = [["the", "cat"], ["the", "dog"], ["the", "cat", "sat"]]
    vocab = data.Vocabulary.build(sentences, "en", min_count=2)
    assert vocab.tokens == [data.PAD, data.UNK, "cat", "the"]
    assert vocab.encode(["the", "dog", "sat"]) == [vocab.index["the"], vocab.unk, vocab.unk]
    with pytest.raises(ValueError, match="at least 1"):
        data.Vocabulary.build(sentences, "en", min_count=0)


def test_without_a_cutoff_unknown_words_are_still_refused():
    vocab = data.Vocabulary.build([["the", "cat"]], "en")
    assert vocab.unk is None
    with pytest.raises(data.UnknownWordsError):
        vocab.encode(["the", "dog"])


def test_prepare_keeps_the_first_pairs_and_counts_words_in_the_training_split_only(tmp_path):
    # 60 distinct English sentences (the split is by English sentence), then one with words seen once.
    pairs = [(f"{en[:-1]}{'!' * k}", fr) for k in range(1, 11) for en, fr in VARIED_PAIRS]
    pairs.append(("Zebras sing.", "Les zèbres chantent."))
    path = tmp_path / "sixty-one.tsv"
    path.write_text("".join(f"{en}\t{fr}\n" for en, fr in pairs), encoding="utf-8")
    everything = data.prepare(path)
    assert "zebras" in everything.en_vocab.index
    first = data.prepare(path, max_pairs=60)
    assert len(first.corpus.pairs) == 60 and "zebras" not in first.en_vocab.index
    cut = data.prepare(path, min_count=2)
    train = set(cut.split["train"].tolist())
    seen = {t for i in train for t in cut.en_tokens[i]}
    assert set(cut.en_vocab.tokens) - {data.PAD, data.UNK} <= seen
    last = len(cut.corpus.pairs) - 1  # the one sentence with words seen once
    assert cut.en_vocab.unk in cut.encoder_input_data[last]


def test_bucketed_batches_hold_every_pair_once_padded_to_their_own_longest(tmp_path):
    ds = data.prepare(write_corpus(tmp_path, copies=5, pairs=VARIED_PAIRS))
    arrays = ds.encoder_input_data, ds.decoder_input_data, ds.decoder_target_data
    batches = list(pipeline.bucketed_batches(*arrays, batch_size=4, seed=1))
    assert len(batches) == pipeline.bucketed_batches(*arrays, batch_size=4).cardinality().numpy()
    seen = []
    for (encoder_input, decoder_input), target in batches:
        target, decoder_input = target.numpy(), decoder_input.numpy()
        assert (target != 0).all()  # one French length per batch: no padding in the target
        assert (encoder_input.numpy() != 0).any(axis=0).all()  # no column of padding only
        seen += [tuple(row) for row in target]
    expected = [tuple(row[row != 0]) for row in ds.decoder_target_data]
    assert sorted(seen) == sorted(expected)
    # Chapter 2's way pads every batch to the corpus's longest sentence.
    padded = list(pipeline.padded_batches(*arrays, batch_size=4))
    assert all(target.shape[1] == ds.decoder_target_data.shape[1] for _, target in padded)


def test_the_real_recipe_is_chapter_9s_and_the_full_one_uses_every_pair():
    assert pipeline.FULL_RECIPE["max_pairs"] is None
    assert {k: v for k, v in pipeline.FULL_RECIPE.items() if k not in ("max_pairs", "epochs")} == {
        k: v for k, v in pipeline.REAL_RECIPE.items() if k not in ("max_pairs", "epochs")}


def test_bucketed_training_is_the_same_run_to_run(tmp_path):
    from s2sbook import models, training

    ds = data.prepare(write_corpus(tmp_path, copies=5, pairs=VARIED_PAIRS), min_count=1)
    recipe = {**pipeline.REAL_RECIPE, "latent_dim": 8, "embedding_dim": 4, "epochs": 2, "batch_size": 4}
    weights = []
    for _ in range(2):
        training.set_seed(recipe["seed"])
        fullmodel = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), 8, 4)
        history = pipeline.train_bucketed(fullmodel, ds, recipe)
        weights.append((history, [w.copy() for w in fullmodel.get_weights()]))
    assert weights[0][0] == weights[1][0]
    assert all(np.array_equal(a, b) for a, b in zip(weights[0][1], weights[1][1], strict=True))


def test_masked_accuracy_scores_the_split_it_is_given(tmp_path):
    """An untrained model scores each split differently: the accuracy must be that of the named split's
    target tokens (padding left out), computed here by hand, not another split's."""
    from s2sbook import models, training

    ds = data.prepare(write_corpus(tmp_path, copies=5, pairs=VARIED_PAIRS))
    training.set_seed(4)
    fullmodel = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), 8, 4)
    by_hand = {}
    for split in ("train", "val", "test"):
        encoder_input, decoder_input, target = ds.part(split)
        predicted = fullmodel.predict([encoder_input, decoder_input], verbose=0).argmax(axis=-1)
        by_hand[split] = float((predicted == target)[target != 0].mean())
    assert len(set(by_hand.values())) == 3  # the splits are told apart
    for split, accuracy in by_hand.items():
        assert pipeline.masked_accuracy(fullmodel, ds, split) == pytest.approx(accuracy, abs=1e-6)
