"""s2sbook.attention on a tiny model: the inference models share the training model's layers,
reproduce its outputs step by step, and survive save -> load -> rebuild."""

import keras
import numpy as np
import pytest
from tiny import VARIED_PAIRS as PAIRS
from tiny import train_tiny

from s2sbook import attention, checks, data, decoding, models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("corpus"), attention.build_attention_model, seed=5, pairs=PAIRS)


def translations(ds, fullmodel):
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    return decoding.decode_batch(ds.encoder_input_data, encoder_model, decoder_model, ds.fr_vocab, ds.max_decoder_len)


def test_it_learns_the_tiny_corpus(tiny):
    ds, fullmodel = tiny
    assert translations(ds, fullmodel)[:len(PAIRS)] == [data.tokenize(fr) for _, fr in PAIRS]


def test_inference_models_share_the_layers_and_reproduce_fullmodel(tiny):
    ds, fullmodel = tiny
    # Sentences of different lengths in one batch, so the padding mask of the attention matters.
    assert len({int((row != 0).sum()) for row in ds.encoder_input_data}) > 1
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    assert checks.shares_layers(fullmodel, encoder_model, decoder_model) == len(fullmodel.weights)
    assert checks.matches_fullmodel(fullmodel, encoder_model, decoder_model, ds.encoder_input_data,
                                    ds.decoder_input_data, ds.decoder_target_data) <= 1e-5


def test_no_attention_weight_falls_on_padding(tiny):
    ds, fullmodel = tiny
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    results = attention.greedy_with_attention(ds.encoder_input_data, encoder_model, decoder_model,
                                              ds.fr_vocab, ds.max_decoder_len)
    lengths = (ds.encoder_input_data != 0).sum(axis=1)
    assert len(set(lengths)) > 1
    for (_, weights), length in zip(results, lengths, strict=True):
        assert np.all(weights[:, length:] == 0)


def test_save_load_rebuild_gives_identical_translations(tiny, tmp_path):
    ds, fullmodel = tiny
    fullmodel.save(tmp_path / "attention.keras")
    reloaded = keras.models.load_model(tmp_path / "attention.keras", compile=False)
    assert translations(ds, reloaded) == translations(ds, fullmodel)


def test_missing_layer_is_named(tiny):
    ds, _ = tiny
    plain = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=4, embedding_dim=4)
    with pytest.raises(ValueError, match="attention"):
        attention.attention_inference_models(plain)


def test_greedy_with_attention_weights_sum_to_one_over_real_words(tiny):
    ds, fullmodel = tiny
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    results = attention.greedy_with_attention(ds.encoder_input_data[:len(PAIRS)], encoder_model, decoder_model,
                                              ds.fr_vocab, ds.max_decoder_len)
    for (tokens, weights), (_, fr) in zip(results, PAIRS, strict=True):
        assert tokens == [*data.tokenize(fr), data.END]
        assert weights.shape[0] == len(tokens)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
