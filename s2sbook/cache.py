"""The trained model, trained once and cached for every chapter.

``load_or_train()`` returns a trained ``fullmodel`` and its data. The first caller trains it and
writes it atomically to a git-ignored cache folder; a concurrent caller waits on a file lock and
then loads it, so one run never trains the same model twice. The cache key is made of what actually
runs: the source of the build and fit functions (and of every function, class and constant of the
book they reach), the recipe, the corpus bytes and the library versions. So a reader who edits
chapter 2's code, or passes another build function, gets a model of their own, never a stale one.
"""

from __future__ import annotations

import dis
import hashlib
import inspect
import json
import os
import re
import shutil
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf
from filelock import FileLock, Timeout

from . import data as data_module
from .data import REPO_ROOT, Dataset, Vocabulary, prepare
from .models import build_training_model
from .training import RECIPE, set_seed, train_model

CACHE_ENV = "S2S_CACHE"
PLAIN_VALUES = (int, float, str, bool, type(None), tuple, list, dict)


def cache_root() -> Path:
    """Where every artifact of the book goes: ``$S2S_CACHE`` if set, else ``_artifacts/``."""
    return Path(os.environ.get(CACHE_ENV) or REPO_ROOT / "_artifacts")


def _is_book_code(obj) -> bool:
    """Code of this book (the package, or a notebook's own cells), not of a library."""
    module = getattr(obj, "__module__", None) or ""
    return module == "__main__" or module.split(".")[0] == __name__.split(".")[0]


def _names(code: types.CodeType) -> set[str]:
    """Every global name a code object (and the functions nested in it) reads; not attribute names."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def code_fingerprint(*objects) -> str:
    """A hash of the source of ``objects`` and of the book's functions, classes and plain constants that
    they reach through their global names, recursively. Formatting is part of the source; so are
    default argument values. Library code is left out (the versions cover it)."""
    digest, seen, todo = hashlib.sha256(), set(), list(objects)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, type):  # a class: its methods (a notebook's class has no source file of its own)
            digest.update(f"class {obj.__qualname__}({[b.__qualname__ for b in obj.__bases__]})".encode())
            todo += [v for _, v in sorted(vars(obj).items()) if inspect.isfunction(v)]
            continue
        function = inspect.unwrap(obj)
        if not hasattr(function, "__code__"):  # a callable object (functools.partial, ...): its repr is all we know
            digest.update(repr(function).encode())
            continue
        try:
            digest.update(inspect.getsource(function).encode())
        except (OSError, TypeError):  # source not kept (code typed at a plain `python` prompt)
            digest.update(function.__code__.co_code + repr(function.__code__.co_consts).encode())
        digest.update(repr((function.__defaults__, function.__kwdefaults__)).encode())
        for name in sorted(_names(function.__code__) & function.__globals__.keys()):  # builtins are not
            value = function.__globals__[name]
            if (inspect.isfunction(value) or isinstance(value, type)) and _is_book_code(value):
                todo.append(value)
            elif isinstance(value, (set, frozenset)):  # a set's repr changes with Python's hash seed
                digest.update(f"{name}={sorted(map(repr, value))}".encode())
            elif isinstance(value, re.Pattern):
                digest.update(f"{name}={value.pattern!r}".encode())
            elif isinstance(value, PLAIN_VALUES):
                digest.update(f"{name}={value!r}".encode())
    return digest.hexdigest()


def cache_key(corpus_file: Path, recipe: dict, build, fit) -> str:
    digest = hashlib.sha256(Path(corpus_file).read_bytes())
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    digest.update(code_fingerprint(build, fit, prepare).encode())
    digest.update(f"python {sys.version_info[:2]} keras {keras.__version__} tf {tf.__version__}".encode())
    return digest.hexdigest()[:16]


@dataclass
class Trained:
    fullmodel: keras.Model
    data: Dataset
    history: dict
    directory: Path
    meta: dict


def _load(directory: Path, data: Dataset) -> Trained:
    for name, vocab in (("en_vocab.json", data.en_vocab), ("fr_vocab.json", data.fr_vocab)):
        if Vocabulary.load(directory / name) != vocab:
            raise ValueError(f"{directory / name} does not match the corpus; delete {directory} to retrain.")
    fullmodel = keras.models.load_model(directory / "fullmodel.keras", compile=False)
    history = json.loads((directory / "history.json").read_text())
    meta = json.loads((directory / "meta.json").read_text())
    return Trained(fullmodel, data, history, directory, meta)


def _save(directory: Path, fullmodel: keras.Model, data: Dataset, history: dict, meta: dict) -> None:
    """Write everything into a scratch folder, then rename it into place in one atomic step: a crash
    half-way leaves no folder that a later call would take for a trained model."""
    scratch = directory.parent / f".tmp-{directory.name}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        fullmodel.save(scratch / "fullmodel.keras")
        data.en_vocab.save(scratch / "en_vocab.json")
        data.fr_vocab.save(scratch / "fr_vocab.json")
        (scratch / "history.json").write_text(json.dumps(history))
        (scratch / "meta.json").write_text(json.dumps(meta, indent=1))
        os.replace(scratch, directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def load_or_train(recipe: dict | None = None, corpus=None, build=build_training_model, fit=train_model,
                  lock_timeout: float = 1800) -> Trained:
    """The model that ``build`` makes and ``fit`` trains with ``recipe`` on ``corpus``: from the cache if
    exactly this was trained before, else trained now and cached. Says which, and the key."""
    recipe = dict(RECIPE if recipe is None else recipe)
    corpus_file = Path(corpus) if corpus is not None else data_module.corpus_path()
    data = prepare(corpus_file, seed=recipe["seed"])
    key = cache_key(corpus_file, recipe, build, fit)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    directory = root / f"model-{key}"
    lock = FileLock(root / f"model-{key}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Another process is training model {key}; waiting for it (up to {lock_timeout:.0f} s).")
        lock.acquire(timeout=lock_timeout)
    try:
        if (directory / "meta.json").is_file():
            trained = _load(directory, data)
            print(f"Loaded model {key} ({build.__name__}) from the cache; "
                  f"an earlier run trained it in {trained.meta['train_seconds']:.0f} s.")
            return trained
        print(f"Training model {key} ({build.__name__}): nothing in the cache was trained with this code, "
              f"recipe and corpus.")
        set_seed(recipe["seed"])
        fullmodel = build(len(data.en_vocab), len(data.fr_vocab), recipe["latent_dim"], recipe["embedding_dim"])
        started = time.perf_counter()
        history = fit(fullmodel, data, recipe)
        meta = {"key": key, "build": build.__name__, "recipe": recipe, "corpus": corpus_file.name,
                "pairs": len(data.corpus.pairs), "train_seconds": round(time.perf_counter() - started, 1)}
        _save(directory, fullmodel, data, history, meta)
        print(f"Trained model {key} ({build.__name__}) in {meta['train_seconds']:.0f} s and cached it.")
        return Trained(fullmodel, data, history, directory, meta)
    finally:
        lock.release()
