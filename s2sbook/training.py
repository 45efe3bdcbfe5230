"""The book's one training recipe, trained once and cached for every chapter.

``load_or_train()`` returns the trained ``fullmodel`` and its data. The first caller trains it and
writes it atomically to a git-ignored cache folder; a concurrent caller waits on a file lock and
then loads it, so one run never trains the same model twice. The cache key covers the corpus bytes,
the recipe, the seed and the code that builds and trains, so a change to any of them retrains.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf
from filelock import FileLock, Timeout

from . import attention as attention_module
from . import data as data_module
from . import models as models_module
from .attention import build_attention_model
from .data import REPO_ROOT, SEED, Dataset, Vocabulary, prepare
from .models import build_training_model, compile_model

CACHE_ENV = "S2S_CACHE"
RECIPE = {"latent_dim": 50, "embedding_dim": 50, "learning_rate": 3e-3,
          "batch_size": 64, "epochs": 20, "seed": SEED}
# Chapter 7's model: the same recipe, data split and seed, with attention.
ATTENTION_RECIPE = {**RECIPE, "architecture": "attention"}
BUILDERS = {"lstm": (build_training_model, models_module), "attention": (build_attention_model, attention_module)}


def set_seed(seed: int) -> None:
    """Same seed, same weights: seeds Python, numpy and TF, and asks TF for deterministic kernels."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


class EpochLog(keras.callbacks.Callback):
    """One short line per epoch instead of a progress bar, so the rendered output is stable."""

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1:2d}: " + "  ".join(f"{k} {v:.4f}" for k, v in sorted(logs.items())))


def train_model(fullmodel: keras.Model, data: Dataset, recipe: dict) -> dict:
    """Teacher forcing: the decoder reads the true previous token and learns to predict the next."""
    compile_model(fullmodel, recipe["learning_rate"])
    encoder_input_data, decoder_input_data, decoder_target_data = data.part("train")
    val_encoder_input, val_decoder_input, val_target = data.part("val")
    history = fullmodel.fit([encoder_input_data, decoder_input_data], decoder_target_data,
                            validation_data=([val_encoder_input, val_decoder_input], val_target),
                            batch_size=recipe["batch_size"], epochs=recipe["epochs"],
                            verbose=0, callbacks=[EpochLog()])
    return {k: [float(v) for v in values] for k, values in history.history.items()}


@dataclass
class Trained:
    fullmodel: keras.Model
    data: Dataset
    history: dict
    directory: Path
    meta: dict


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or REPO_ROOT / "_artifacts")


def cache_key(corpus_file: Path, recipe: dict) -> str:
    digest = hashlib.sha256(Path(corpus_file).read_bytes())
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    _, architecture_module = BUILDERS[recipe.get("architecture", "lstm")]
    for module in dict.fromkeys((data_module, models_module, architecture_module)):  # once each
        digest.update(inspect.getsource(module).encode())
    digest.update(inspect.getsource(train_model).encode())
    digest.update(f"keras {keras.__version__} tf {tf.__version__}".encode())
    return digest.hexdigest()[:16]


def _load(directory: Path, data: Dataset) -> Trained:
    for name, vocab in (("en_vocab.json", data.en_vocab), ("fr_vocab.json", data.fr_vocab)):
        if Vocabulary.load(directory / name) != vocab:
            raise ValueError(f"{directory / name} does not match the corpus; delete {directory} to retrain.")
    fullmodel = keras.models.load_model(directory / "fullmodel.keras", compile=False)
    history = json.loads((directory / "history.json").read_text())
    meta = json.loads((directory / "meta.json").read_text())
    return Trained(fullmodel, data, history, directory, meta)


def load_or_train(recipe: dict | None = None, corpus=None, build=None,
                  fit=train_model, lock_timeout: float = 1800) -> Trained:
    """The trained model for ``recipe`` on ``corpus``: from the cache, or trained now and cached.

    ``recipe["architecture"]`` ("lstm" when absent, or "attention") picks the model. ``build`` and
    ``fit`` let chapter 2 pass its own inline code; a test checks it equals the default.
    """
    recipe = dict(RECIPE if recipe is None else recipe)
    build = build or BUILDERS[recipe.get("architecture", "lstm")][0]
    corpus_file = Path(corpus) if corpus is not None else data_module.corpus_path()
    data = prepare(corpus_file, seed=recipe["seed"])
    key = cache_key(corpus_file, recipe)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    directory = root / f"model-{key}"
    lock = FileLock(root / f"model-{key}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Another process is training this model; waiting for it (up to {lock_timeout:.0f} s).")
        lock.acquire(timeout=lock_timeout)
    try:
        if (directory / "meta.json").is_file():
            return _load(directory, data)
        set_seed(recipe["seed"])
        fullmodel = build(len(data.en_vocab), len(data.fr_vocab),
                          latent_dim=recipe["latent_dim"], embedding_dim=recipe["embedding_dim"])
        started = time.perf_counter()
        history = fit(fullmodel, data, recipe)
        meta = {"key": key, "recipe": recipe, "corpus": str(corpus_file), "pairs": len(data.corpus.pairs),
                "train_seconds": round(time.perf_counter() - started, 1)}
        # Write everything into a scratch folder, then rename it into place in one atomic step.
        scratch = root / f".tmp-{key}-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        fullmodel.save(scratch / "fullmodel.keras")
        data.en_vocab.save(scratch / "en_vocab.json")
        data.fr_vocab.save(scratch / "fr_vocab.json")
        (scratch / "history.json").write_text(json.dumps(history))
        (scratch / "meta.json").write_text(json.dumps(meta, indent=1))
        os.replace(scratch, directory)
        return Trained(fullmodel, data, history, directory, meta)
    finally:
        lock.release()
