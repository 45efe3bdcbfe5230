"""Chapter 10's brief training run on each backend: ``train_briefly`` trains ``fullmodel`` on the first rows of
the training split, timing each epoch (``EpochTimes``) and watching the decoder's dense kernel
(``WatchVariable``): what the Keras variable holds after the first batch, once a callback has read
``self.model``, and after the first epoch."""

from __future__ import annotations

import keras
import numpy as np

from .models import build_training_model
from .timing import EpochTimes
from .training import compile_model, set_seed


class WatchVariable(keras.callbacks.Callback):
    """Records, in ``seen``, whether ``variable`` holds its initial value, an updated one, or no array at
    all, after the first batch, then once the callback has read ``self.model``, and after the first epoch."""

    # It reads the variable it was given, never self.model before it means to: on JAX, reading self.model in
    # a callback makes Keras sync the weights back into the variables first.
    def __init__(self, variable):
        super().__init__()
        self.variable, self.seen = variable, {}

    def on_train_begin(self, logs=None):
        self.start = keras.ops.convert_to_numpy(self.variable).copy()

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0:
            self.seen["variable after batch 1"] = self.holds()
            _ = self.model  # what Keras's own callbacks do
            self.seen["... once a callback reads self.model"] = self.holds()

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.seen["variable after epoch 1"] = self.holds()

    def holds(self) -> str:
        # On JAX, fit keeps the arrays in its own state during an epoch and empties the variable (its private
        # _value is None) until it syncs.
        if self.variable._value is None:
            return "no array (fit holds it)"
        now = keras.ops.convert_to_numpy(self.variable)
        return "initial" if np.array_equal(now, self.start) else "updated"


def train_briefly(data, recipe: dict, rows: int, epochs: int):
    """``(fullmodel, seconds per epoch, what WatchVariable saw)``: the book's model, built and compiled with
    ``recipe`` and trained for ``epochs`` on the first ``rows`` rows of the training split."""
    set_seed(recipe["seed"])
    fullmodel = build_training_model(len(data.en_vocab), len(data.fr_vocab), recipe["latent_dim"],
                                     recipe["embedding_dim"])
    compile_model(fullmodel, recipe["learning_rate"])
    encoder_input_data, decoder_input_data, decoder_target_data = (part[:rows] for part in data.part("train"))
    times = EpochTimes()
    watch = WatchVariable(fullmodel.get_layer("decoder_dense").kernel)
    fullmodel.fit([encoder_input_data, decoder_input_data], decoder_target_data, batch_size=recipe["batch_size"],
                  epochs=epochs, verbose=0, callbacks=[times, watch])
    return fullmodel, times.seconds, watch.seen
