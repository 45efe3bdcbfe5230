"""Chapters 2-3: the classic training model, and the inference models wired through its layers."""

from __future__ import annotations

import keras
from keras import layers

LATENT_DIM = 50
EMBEDDING_DIM = 50
LAYER_NAMES = ("encoder_embedding", "encoder_lstm", "decoder_embedding", "decoder_lstm", "decoder_dense")


def build_training_model(num_encoder_tokens: int, num_decoder_tokens: int,
                         latent_dim: int = LATENT_DIM, embedding_dim: int = EMBEDDING_DIM) -> keras.Model:
    """The classic tutorial's ``fullmodel``, with explicit layer names and padding masked (id 0)."""
    encoder_inputs = keras.Input(shape=(None,), dtype="int32", name="encoder_inputs")
    enc_emb = layers.Embedding(num_encoder_tokens, embedding_dim, mask_zero=True,
                               name="encoder_embedding")(encoder_inputs)
    encoder_lstm = layers.LSTM(latent_dim, return_state=True, name="encoder_lstm")
    _, state_h, state_c = encoder_lstm(enc_emb)
    encoder_states = [state_h, state_c]

    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    dec_emb = layers.Embedding(num_decoder_tokens, embedding_dim, mask_zero=True,
                               name="decoder_embedding")(decoder_inputs)
    decoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True, name="decoder_lstm")
    decoder_outputs, _, _ = decoder_lstm(dec_emb, initial_state=encoder_states)
    decoder_dense = layers.Dense(num_decoder_tokens, activation="softmax", name="decoder_dense")
    decoder_outputs = decoder_dense(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], decoder_outputs, name="fullmodel")


class MaskedAccuracy(keras.metrics.Metric):
    """Token accuracy over real tokens only: padding positions (target id 0) are not counted."""

    def __init__(self, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = keras.ops.cast(y_true, "int32")
        real = keras.ops.cast(keras.ops.not_equal(y_true, 0), "float32")
        hits = keras.ops.cast(keras.ops.equal(keras.ops.argmax(y_pred, axis=-1), y_true), "float32")
        self.correct.assign_add(keras.ops.sum(hits * real))
        self.total.assign_add(keras.ops.sum(real))

    def result(self):
        return self.correct / keras.ops.maximum(self.total, 1.0)


def compile_model(fullmodel: keras.Model, learning_rate: float) -> None:
    """Sparse integer targets; ``ignore_class=0`` leaves padding out of the loss."""
    fullmodel.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0),
                      metrics=[MaskedAccuracy()])


def inference_models(fullmodel: keras.Model) -> tuple[keras.Model, keras.Model]:
    """``encoder_model`` and ``decoder_model`` built from ``fullmodel``'s own layer objects, found by name.

    No layer is created here except two ``Input`` placeholders for the decoder states, so both models
    use the trained variables of ``fullmodel``.
    """
    missing = [name for name in ("encoder_inputs", "decoder_inputs", *LAYER_NAMES)
               if name not in {layer.name for layer in fullmodel.layers}]
    if missing:
        raise ValueError(f"fullmodel has no layer named {', '.join(missing)}; inference_models() expects the "
                         f"layer names of s2sbook.models.build_training_model: {', '.join(LAYER_NAMES)}")
    encoder_inputs = fullmodel.get_layer("encoder_inputs").output
    _, state_h, state_c = fullmodel.get_layer("encoder_lstm").output
    encoder_model = keras.Model(encoder_inputs, [state_h, state_c], name="encoder_model")

    latent_dim = fullmodel.get_layer("decoder_lstm").units
    decoder_state_input_h = keras.Input(shape=(latent_dim,), name="decoder_state_input_h")
    decoder_state_input_c = keras.Input(shape=(latent_dim,), name="decoder_state_input_c")
    decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
    decoder_inputs = fullmodel.get_layer("decoder_inputs").output
    dec_emb2 = fullmodel.get_layer("decoder_embedding")(decoder_inputs)
    decoder_outputs2, state_h2, state_c2 = fullmodel.get_layer("decoder_lstm")(
        dec_emb2, initial_state=decoder_states_inputs)
    decoder_outputs2 = fullmodel.get_layer("decoder_dense")(decoder_outputs2)
    decoder_model = keras.Model([decoder_inputs, *decoder_states_inputs],
                                [decoder_outputs2, state_h2, state_c2], name="decoder_model")
    return encoder_model, decoder_model
