"""s2sbook.training: MaskedAccuracy counts real tokens only, in a metric and in the compiled model."""

import numpy as np
import pytest

from s2sbook.training import MaskedAccuracy


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
