"""s2sbook.models, s2sbook.checks and s2sbook.decoding on a tiny model: shared layers, the proof, greedy
decoding, stopping."""

import keras
import pytest
from tiny import PAIRS, forced_model

from s2sbook import checks, data, decoding, models


def test_layer_names_and_param_count(tiny_trained):
    ds, fullmodel = tiny_trained
    assert sorted(layer.name for layer in fullmodel.layers if layer.weights) == sorted(
        ["encoder_embedding", "encoder_lstm", "decoder_embedding", "decoder_lstm", "decoder_dense"])
    v_en, v_fr = len(ds.en_vocab), len(ds.fr_vocab)
    lstm = lambda inputs: 4 * 16 * (inputs + 16 + 1)  # noqa: E731
    assert fullmodel.count_params() == v_en * 8 + v_fr * 8 + 2 * lstm(8) + 16 * v_fr + v_fr


def test_inference_models_share_every_layer_and_reproduce_fullmodel(tiny_trained):
    ds, fullmodel = tiny_trained
    encoder_model, decoder_model = models.inference_models(fullmodel)
    assert checks.shares_layers(fullmodel, encoder_model, decoder_model) == len(fullmodel.weights) == 10
    assert checks.matches_fullmodel(fullmodel, encoder_model, decoder_model, ds.encoder_input_data,
                                    ds.decoder_input_data, ds.decoder_target_data) <= 1e-5


def test_the_checks_catch_fresh_layers_and_a_swapped_state(tiny_trained):
    ds, fullmodel = tiny_trained
    arrays = ds.encoder_input_data, ds.decoder_input_data, ds.decoder_target_data
    fresh = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), 16, 8)
    with pytest.raises(AssertionError, match="is not one of fullmodel's layer objects"):
        checks.shares_layers(fullmodel, *models.inference_models(fresh))
    with pytest.raises(AssertionError, match="differs from fullmodel"):
        checks.matches_fullmodel(fullmodel, *models.inference_models(fresh), *arrays)
    encoder_model, decoder_model = models.inference_models(fullmodel)
    probs, h, c = decoder_model.outputs
    swapped = keras.Model(decoder_model.inputs, [probs, c, h])
    with pytest.raises(AssertionError, match="state order"):
        checks.matches_fullmodel(fullmodel, encoder_model, swapped, *arrays)
    with pytest.raises(AssertionError, match="exactly once"):
        checks.shares_layers(fullmodel, encoder_model)  # the decoder's variables are missing


def test_inference_models_name_a_missing_layer():
    inputs = keras.Input((None,), name="encoder_inputs")
    broken = keras.Model(inputs, keras.layers.Embedding(5, 2, name="emb")(inputs))
    with pytest.raises(ValueError, match="encoder_lstm"):
        models.inference_models(broken)


def test_decode_sequence_translates_the_memorised_pairs(tiny_trained):
    ds, fullmodel = tiny_trained
    encoder_model, decoder_model = models.inference_models(fullmodel)
    for i, (en, fr) in enumerate(PAIRS):
        out = decoding.decode_sequence(ds.encoder_input_data[i:i + 1], encoder_model, decoder_model,
                                       ds.fr_vocab, ds.max_decoder_len)
        assert out == data.tokenize(fr), en


def test_decode_batch_equals_decode_sequence(tiny_trained):
    ds, fullmodel = tiny_trained
    encoder_model, decoder_model = models.inference_models(fullmodel)
    one_by_one = [decoding.decode_sequence(ds.encoder_input_data[i:i + 1], encoder_model, decoder_model,
                                           ds.fr_vocab, ds.max_decoder_len) for i in range(len(PAIRS))]
    batched = decoding.decode_batch(ds.encoder_input_data[:len(PAIRS)], encoder_model, decoder_model,
                                    ds.fr_vocab, ds.max_decoder_len, batch_size=4)
    assert batched == one_by_one


def test_decoding_stops_at_end_and_leaves_it_out(tiny_trained):
    ds, fullmodel = tiny_trained
    encoder_model, decoder_model = models.inference_models(forced_model(fullmodel, ds, data.END))
    assert decoding.decode_sequence(ds.encoder_input_data[:1], encoder_model, decoder_model, ds.fr_vocab, 9) == []
    assert decoding.decode_batch(ds.encoder_input_data[:3], encoder_model, decoder_model, ds.fr_vocab, 9) == [[]] * 3


def test_decoding_respects_the_length_limit(tiny_trained):
    ds, fullmodel = tiny_trained
    encoder_model, decoder_model = models.inference_models(forced_model(fullmodel, ds, "mange"))
    assert decoding.decode_sequence(ds.encoder_input_data[:1], encoder_model, decoder_model,
                                    ds.fr_vocab, 5) == ["mange"] * 5
    assert decoding.decode_batch(ds.encoder_input_data[:2], encoder_model, decoder_model,
                                 ds.fr_vocab, 5) == [["mange"] * 5] * 2
