"""s2sbook.encoders on tiny models: the stacked and the bidirectional inference models share the training
model's layers and reproduce it step by step (chapter 4's two checks); and Keras 3's `.output` trap
(chapter 13) as it behaves today, so that a Keras release that changes it is noticed."""

import warnings

import keras
import numpy as np
import pytest
from tiny import VARIED_PAIRS as PAIRS
from tiny import train_tiny

from s2sbook import checks, data, encoders, models

ARCHITECTURES = {
    "stacked": (encoders.build_stacked_model, encoders.stacked_inference_models),
    "bidirectional": (encoders.build_bidirectional_model, encoders.bidirectional_inference_models),
}


@pytest.fixture(scope="module", params=sorted(ARCHITECTURES))
def tiny(request, tmp_path_factory):
    build, inference_models = ARCHITECTURES[request.param]
    ds, fullmodel = train_tiny(tmp_path_factory.mktemp(request.param), build, seed=5, pairs=PAIRS)
    return ds, fullmodel, inference_models


def test_both_checks_pass(tiny):
    ds, fullmodel, inference_models = tiny
    assert len({int((row != 0).sum()) for row in ds.encoder_input_data}) > 1  # padding matters
    encoder_model, decoder_model = inference_models(fullmodel)
    assert checks.shares_layers(fullmodel, encoder_model, decoder_model) == len(fullmodel.weights)
    assert checks.matches_fullmodel(fullmodel, encoder_model, decoder_model, ds.encoder_input_data,
                                    ds.decoder_input_data, ds.decoder_target_data) <= 1e-5


def test_it_learns_the_tiny_corpus(tiny):
    ds, fullmodel, inference_models = tiny
    outputs = encoders.translate_rows(ds.encoder_input_data[:len(PAIRS)], *inference_models(fullmodel),
                                      ds.fr_vocab, ds.max_decoder_len)
    assert outputs == [data.tokenize(fr) for _, fr in PAIRS]


def test_the_checks_catch_a_decoder_of_fresh_layers(tiny):
    ds, fullmodel, inference_models = tiny
    build = next(b for b, i in ARCHITECTURES.values() if i is inference_models)
    fresh = build(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=16, embedding_dim=8)
    encoder_model, _ = inference_models(fullmodel)
    _, fresh_decoder = inference_models(fresh)
    with pytest.raises(AssertionError, match="not one of"):
        checks.shares_layers(fullmodel, encoder_model, fresh_decoder)
    with pytest.raises(AssertionError, match="differs from fullmodel"):
        checks.matches_fullmodel(fullmodel, encoder_model, fresh_decoder, ds.encoder_input_data,
                                 ds.decoder_input_data, ds.decoder_target_data)


def test_stacked_states_in_the_wrong_order_fail_the_check(tmp_path):
    ds, fullmodel = train_tiny(tmp_path, encoders.build_stacked_model, seed=5, pairs=PAIRS)
    encoder_model, decoder_model = encoders.stacked_inference_models(fullmodel)
    h1, c1, h2, c2 = encoder_model.outputs
    layers_swapped = keras.Model(encoder_model.inputs[0], [h2, c2, h1, c1])  # each layer's state to the other
    with pytest.raises(AssertionError, match="differs from fullmodel"):
        checks.matches_fullmodel(fullmodel, layers_swapped, decoder_model, ds.encoder_input_data,
                                 ds.decoder_input_data, ds.decoder_target_data)


# Keras 3's `.output` trap. These tests assert what Keras does today; one that fails means a Keras
# release changed the behaviour, and chapter 13's section and the troubleshooting entry need a look.

def test_output_of_a_layer_called_twice_is_its_first_call_without_a_warning(tiny_trained):
    ds, fullmodel = tiny_trained
    _, decoder_model = models.inference_models(fullmodel)  # calls the decoder's layers a second time
    dense = fullmodel.get_layer("decoder_dense")
    assert len(dense._inbound_nodes) >= 2  # Keras's private record of the calls
    assert not hasattr(dense, "get_output_at")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        output = dense.output
    assert caught == []
    assert output is fullmodel.output
    assert output is not decoder_model.outputs[0]


def test_the_restore_recipe_ported_with_output_is_refused(tiny_trained):
    _, fullmodel = tiny_trained
    models.inference_models(fullmodel)
    latent_dim = fullmodel.get_layer("decoder_lstm").units
    state_inputs = [keras.Input(shape=(latent_dim,)), keras.Input(shape=(latent_dim,))]
    _, h, c = fullmodel.get_layer("decoder_lstm").output  # Keras 2: get_output_at(1)
    with pytest.raises(ValueError, match="not connected to `inputs`"):
        keras.Model([fullmodel.input[1], *state_inputs], [fullmodel.get_layer("decoder_dense").output, h, c])


def test_the_restore_recipe_by_role_and_calling_the_layers_both_pass_the_checks(tiny_trained, tmp_path):
    ds, fullmodel = tiny_trained
    arrays = (ds.encoder_input_data, ds.decoder_input_data, ds.decoder_target_data)
    fullmodel.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", compile=False)
    for model in (fullmodel, loaded):
        for _ in range(2):  # built twice: the shared layers gain calls
            for encoder_model, decoder_model in (encoders.called_inference_models(model),
                                                 restore_recipe_by_role(model)):
                assert checks.shares_layers(model, encoder_model, decoder_model) == len(model.weights)
                assert checks.matches_fullmodel(model, encoder_model, decoder_model, *arrays) <= 1e-5


def restore_recipe_by_role(model):
    # keras.io's lstm_seq2seq_restore.py with the book's layer indices (it reads `.output` only of the
    # encoder LSTM, which nothing but the training graph calls).
    encoder_inputs = model.input[0]
    assert model.layers[4].name == "encoder_lstm"
    _, h, c = model.layers[4].output
    encoder_model = keras.Model(encoder_inputs, [h, c])
    latent_dim = model.layers[5].units
    state_inputs = [keras.Input(shape=(latent_dim,)), keras.Input(shape=(latent_dim,))]
    y, h2, c2 = model.layers[5](model.layers[3](model.input[1]), initial_state=state_inputs)
    decoder_model = keras.Model([model.input[1], *state_inputs], [model.layers[6](y), h2, c2])
    return encoder_model, decoder_model


def test_translate_rows_carries_every_state(tiny):
    ds, fullmodel, inference_models = tiny
    encoder_model, decoder_model = inference_models(fullmodel)
    encode, decoder_step = encoders.state_steps(encoder_model, decoder_model)
    state = encode(ds.encoder_input_data[:2])
    token = np.full((2, 1), ds.fr_vocab.index[data.START], dtype="int32")
    probs, *new_state = decoder_step(token, *state)
    assert probs.shape == (2, len(ds.fr_vocab))
    assert [tuple(s.shape) for s in new_state] == [tuple(s.shape) for s in state]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
