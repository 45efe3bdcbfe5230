"""Chapter 7: the same encoder-decoder with Luong (dot-product) attention, and its inference models.

The decoder LSTM is unchanged. After it, each decoder step scores every encoder step by a dot
product, mixes the encoder outputs into a context vector, and a ``tanh`` layer combines context and
decoder output (Luong et al., 2015) before the softmax. Because attention comes *after* the LSTM,
the inference decoder is one step of the very same layers, as in the plain model.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from .data import END, START, Vocabulary
from .models import EMBEDDING_DIM, LATENT_DIM

ATTENTION_LAYER_NAMES = ("encoder_embedding", "encoder_lstm", "decoder_embedding", "decoder_lstm",
                         "attention", "attention_concat", "attention_combine", "decoder_dense")


def real_steps(encoder_outputs):
    """Which encoder steps are real words: the encoder zeroes its output at padding steps
    (``zero_output_for_mask=True``), so the mask can be read off the outputs themselves. The
    training model and the inference decoder compute it the same way."""
    return keras.ops.any(keras.ops.not_equal(encoder_outputs, 0.0), axis=-1)


def build_attention_model(num_encoder_tokens: int, num_decoder_tokens: int,
                          latent_dim: int = LATENT_DIM, embedding_dim: int = EMBEDDING_DIM) -> keras.Model:
    """``fullmodel`` with attention: the encoder returns its output at every step as well as its state."""
    encoder_inputs = keras.Input(shape=(None,), dtype="int32", name="encoder_inputs")
    enc_emb = layers.Embedding(num_encoder_tokens, embedding_dim, mask_zero=True,
                               name="encoder_embedding")(encoder_inputs)
    encoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True,
                               zero_output_for_mask=True, name="encoder_lstm")
    encoder_outputs, state_h, state_c = encoder_lstm(enc_emb)

    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    dec_emb = layers.Embedding(num_decoder_tokens, embedding_dim, mask_zero=True,
                               name="decoder_embedding")(decoder_inputs)
    decoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True, name="decoder_lstm")
    decoder_outputs, _, _ = decoder_lstm(dec_emb, initial_state=[state_h, state_c])

    # Padding is masked in the attention: a padded English step gets no weight. The scores are not
    # needed here, but Keras 3 connects a later call's scores (the inference decoder's, for the
    # heatmaps) only if the layer's first call returned them too.
    context, _ = layers.Attention(name="attention")([decoder_outputs, encoder_outputs],
                                                    mask=[None, real_steps(encoder_outputs)],
                                                    return_attention_scores=True)
    combined = layers.Concatenate(name="attention_concat")([context, decoder_outputs])
    attentional = layers.Dense(latent_dim, activation="tanh", name="attention_combine")(combined)
    outputs = layers.Dense(num_decoder_tokens, activation="softmax", name="decoder_dense")(attentional)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="fullmodel_attention")


def attention_inference_models(fullmodel: keras.Model) -> tuple[keras.Model, keras.Model]:
    """``encoder_model`` returns the encoder outputs and the state; ``decoder_model`` takes the previous
    token, the encoder outputs and the state, and also returns the attention weights. Every layer is
    ``fullmodel``'s own, found by name; only ``Input`` placeholders are new."""
    names = {layer.name for layer in fullmodel.layers}
    missing = [name for name in ("encoder_inputs", "decoder_inputs", *ATTENTION_LAYER_NAMES) if name not in names]
    if missing:
        raise ValueError(f"fullmodel has no layer named {', '.join(missing)}; attention_inference_models() expects "
                         f"the layer names of s2sbook.attention.build_attention_model")
    encoder_inputs = fullmodel.get_layer("encoder_inputs").output
    encoder_outputs, state_h, state_c = fullmodel.get_layer("encoder_lstm").output
    encoder_model = keras.Model(encoder_inputs, [encoder_outputs, state_h, state_c], name="encoder_model")

    latent_dim = fullmodel.get_layer("decoder_lstm").units
    encoder_outputs_input = keras.Input(shape=(None, latent_dim), name="encoder_outputs_input")
    state_inputs = [keras.Input(shape=(latent_dim,), name="decoder_state_input_h"),
                    keras.Input(shape=(latent_dim,), name="decoder_state_input_c")]
    decoder_inputs = fullmodel.get_layer("decoder_inputs").output
    dec_emb = fullmodel.get_layer("decoder_embedding")(decoder_inputs)
    decoder_outputs, h, c = fullmodel.get_layer("decoder_lstm")(dec_emb, initial_state=state_inputs)
    context, scores = fullmodel.get_layer("attention")(
        [decoder_outputs, encoder_outputs_input], mask=[None, real_steps(encoder_outputs_input)],
        return_attention_scores=True)
    combined = fullmodel.get_layer("attention_concat")([context, decoder_outputs])
    probabilities = fullmodel.get_layer("decoder_dense")(fullmodel.get_layer("attention_combine")(combined))
    decoder_model = keras.Model([decoder_inputs, encoder_outputs_input, *state_inputs],
                                [probabilities, h, c, scores], name="decoder_model")
    return encoder_model, decoder_model


def greedy_with_attention(encoder_input_data, encoder_model, decoder_model, fr_vocab: Vocabulary,
                          max_decoder_len: int) -> list[tuple[list[str], np.ndarray]]:
    """Greedy translations of a few sentences, each with its attention weights: an array of
    (French output tokens + ``_END``) x (English positions), each row summing to 1 over real words."""
    start, end = fr_vocab.index[START], fr_vocab.index[END]
    encoder_outputs, h, c = encoder_model(encoder_input_data, training=False)
    encoder_outputs = keras.ops.convert_to_tensor(np.asarray(encoder_outputs))  # drop the attached Keras mask
    token = np.full((len(encoder_input_data), 1), start, dtype="int32")
    ids, weights = [], []
    for _ in range(max_decoder_len):
        probs, h, c, scores = decoder_model([keras.ops.convert_to_tensor(token), encoder_outputs, h, c],
                                            training=False)
        token = np.argmax(np.asarray(probs)[:, -1, :], axis=-1).astype("int32")[:, None]
        ids.append(token[:, 0])
        weights.append(np.asarray(scores)[:, 0, :])
    ids, weights = np.stack(ids, axis=1), np.stack(weights, axis=1)
    results = []
    for row_ids, row_weights in zip(ids.tolist(), weights):
        length = row_ids.index(end) + 1 if end in row_ids else len(row_ids)
        results.append((fr_vocab.decode(row_ids[:length]), row_weights[:length]))
    return results
