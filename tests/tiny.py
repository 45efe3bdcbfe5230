"""A tiny corpus and recipe, so tests of the model code take seconds."""

from pathlib import Path

import numpy as np

from s2sbook import data, models, training

PAIRS = [("He eats.", "Il mange."), ("She eats.", "Elle mange."), ("He reads.", "Il lit."),
         ("She reads.", "Elle lit."), ("We read.", "Nous lisons."), ("We eat.", "Nous mangeons.")]
# Sentences of different lengths, for code where padding matters (the attention mask).
VARIED_PAIRS = [("He eats.", "Il mange."), ("He eats the apple.", "Il mange la pomme."),
                ("She reads the book.", "Elle lit le livre."), ("We read.", "Nous lisons."),
                ("She eats the bread.", "Elle mange le pain."), ("We eat the apple.", "Nous mangeons la pomme.")]
RECIPE = {"latent_dim": 16, "embedding_dim": 8, "learning_rate": 0.03, "batch_size": 8, "epochs": 3, "seed": 7}


ENDINGS = (".", "!", "?")  # English endings of the copies: the same French, other English sentences


def write_corpus(folder: Path, copies: int = 4, pairs=PAIRS) -> Path:
    # Repeat the pairs so each split has some. The split is by English sentence, so the copies end in
    # ".", "!" and "?" in turn (the same English sentence again after that): 6 pairs make 18 sentences.
    path = Path(folder) / "tiny.tsv"
    lines = [f"{en[:-1]}{ENDINGS[copy % len(ENDINGS)]}\t{fr}\tCC-BY\n" for copy in range(copies) for en, fr in pairs]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def train_tiny(folder: Path, build=models.build_training_model, seed: int = 3, pairs=PAIRS):
    """``(dataset, fullmodel)``: a tiny model that has learnt ``pairs`` by heart, in a few seconds."""
    ds = data.prepare(write_corpus(folder, pairs=pairs))
    training.set_seed(seed)
    fullmodel = build(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=16, embedding_dim=8)
    training.compile_model(fullmodel, learning_rate=0.03)
    fullmodel.fit([ds.encoder_input_data, ds.decoder_input_data], ds.decoder_target_data,
                  batch_size=8, epochs=60, verbose=0)
    return ds, fullmodel


def forced_model(fullmodel, ds, token):
    """A copy of ``fullmodel`` whose output bias makes ``token`` win at every decoder step."""
    clone = models.build_training_model(len(ds.en_vocab), len(ds.fr_vocab), latent_dim=16, embedding_dim=8)
    clone.set_weights(fullmodel.get_weights())
    bias = clone.get_layer("decoder_dense").bias
    bias.assign(np.where(np.arange(len(ds.fr_vocab)) == ds.fr_vocab.index[token], 100.0, -100.0))
    return clone
