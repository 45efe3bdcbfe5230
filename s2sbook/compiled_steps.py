"""The decoding functions that ``decode_batch`` and beam search run: the decoder step compiled once per
model and kept as long as the model lives (chapters 4 and 5 decode with several); on JAX or PyTorch
(chapter 10), where ``tf.function`` cannot trace the model, Keras's ``predict_on_batch`` instead. Also the
check of what ``decode_batch`` is given. Chapter 6 teaches the compiled functions themselves
(``decoding.compiled_encoder``, ``decoding.compiled_decoder_step``); this is their bookkeeping."""

from __future__ import annotations

import weakref

import keras
import numpy as np

# The compiled step sees its model through a weak proxy, so that this cache does not keep it alive.
_DECODER_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def portable_steps(encoder_model, decoder_model):
    """``(encode, decoder_step)`` for any backend: predict_on_batch compiles (JAX) or runs without gradients
    (PyTorch), and takes and returns numpy arrays."""

    def encode(encoder_input_data):
        return tuple(encoder_model.predict_on_batch(encoder_input_data))

    def decoder_step(target_seq, *state):
        output_tokens, h, c = decoder_model.predict_on_batch([target_seq, *state])[:3]
        return output_tokens[:, -1, :], *state[:-2], h, c

    return encode, decoder_step


def compiled(encoder_model, decoder_model):
    """``(encode, decoder_step)`` for ``decode_batch`` and beam search. The decoder step, which runs at every
    step, is chapter 6's compiled one, traced once per model and reused while the model lives. The encoder
    runs once per batch, so it is called directly: tracing it for every new pair of models (chapter 5 decodes
    with six) would cost more than it saves, and is what TensorFlow's retracing warning is about."""
    if keras.backend.backend() != "tensorflow":
        return portable_steps(encoder_model, decoder_model)
    from . import decoding  # imported here: decoding imports this module

    if decoder_model not in _DECODER_STEPS:
        _DECODER_STEPS[decoder_model] = decoding.compiled_decoder_step(weakref.proxy(decoder_model))

    def encode(encoder_input_data):
        return tuple(encoder_model(encoder_input_data, training=False))

    return encode, _DECODER_STEPS[decoder_model]


def token_rows(encoder_input_data) -> np.ndarray:
    """The input as an int32 array of token ids, or a ``ValueError`` saying what it is instead."""
    array = np.asarray(encoder_input_data)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            "encoder_input_data must be a 2-D array of token ids (sentences x positions), "
            f"got shape {array.shape} and dtype {array.dtype}"
        )
    return array.astype("int32", copy=False)
