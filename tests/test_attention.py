"""s2sbook.attention on a tiny model: the inference models share the training model's layers,
reproduce its outputs step by step, and survive save -> load -> rebuild."""

import keras
import numpy as np
import pytest

from s2sbook import attention, data, decoding, models

from tiny import VARIED_PAIRS as PAIRS, train_tiny


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("corpus"), attention.build_attention_model, seed=5, pairs=PAIRS)


def translations(ds, fullmodel):
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    return decoding.decode_batch(ds.encoder_input_data, encoder_model, decoder_model, ds.fr_vocab, ds.max_len_fr + 1)


def test_it_learns_the_tiny_corpus(tiny):
    ds, fullmodel = tiny
    assert translations(ds, fullmodel)[:len(PAIRS)] == [data.tokenize(fr) for _, fr in PAIRS]


def test_inference_models_share_every_layer_and_variable(tiny):
    _, fullmodel = tiny
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    for model in (encoder_model, decoder_model):
        for layer in model.layers:
            if layer.name in attention.ATTENTION_LAYER_NAMES:
                assert layer is fullmodel.get_layer(layer.name)
    assert {id(v) for v in encoder_model.weights + decoder_model.weights} == {id(v) for v in fullmodel.weights}


def test_step_by_step_decoder_reproduces_fullmodel_under_teacher_forcing(tiny):
    ds, fullmodel = tiny
    # Sentences of different lengths in one batch, so the padding mask of the attention matters.
    encoder_input_data, decoder_input_data, target = (
        ds.encoder_input_data, ds.decoder_input_data, ds.decoder_target_data)
    assert len({int((row != 0).sum()) for row in encoder_input_data}) > 1
    full = keras.ops.convert_to_numpy(fullmodel([encoder_input_data, decoder_input_data], training=False))
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    encoder_outputs, h, c = encoder_model(encoder_input_data, training=False)
    encoder_outputs = keras.ops.convert_to_tensor(np.asarray(encoder_outputs))
    steps = []
    for t in range(decoder_input_data.shape[1]):
        probs, h, c, scores = decoder_model(
            [keras.ops.convert_to_tensor(decoder_input_data[:, t:t + 1]), encoder_outputs, h, c], training=False)
        steps.append(np.asarray(probs)[:, 0])
        lengths = (encoder_input_data != 0).sum(axis=1)
        padded = np.arange(encoder_input_data.shape[1])[None, :] >= lengths[:, None]
        assert np.all(np.asarray(scores)[:, 0][padded] == 0)  # no weight on padding
    real = target != 0
    assert np.abs(full - np.stack(steps, axis=1))[real].max() <= 1e-5


def test_save_load_rebuild_gives_identical_translations(tiny, tmp_path):
    ds, fullmodel = tiny
    fullmodel.save(tmp_path / "attention.keras")
    reloaded = keras.models.load_model(tmp_path / "attention.keras", compile=False)
    assert translations(ds, reloaded) == translations(ds, fullmodel)


def test_missing_layer_is_named(tiny):
    ds, _ = tiny
    plain = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=4, embedding_dim=4)
    with pytest.raises(ValueError, match="no layer named attention, attention_concat, attention_combine"):
        attention.attention_inference_models(plain)


def test_greedy_with_attention_weights_sum_to_one_over_real_words(tiny):
    ds, fullmodel = tiny
    encoder_model, decoder_model = attention.attention_inference_models(fullmodel)
    results = attention.greedy_with_attention(ds.encoder_input_data[:6], encoder_model, decoder_model,
                                              ds.fr_vocab, ds.max_len_fr + 1)
    for (tokens, weights), (_, fr) in zip(results, PAIRS):
        assert tokens == [*data.tokenize(fr), data.END]
        assert weights.shape[0] == len(tokens)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
