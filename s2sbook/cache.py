"""The trained model, trained once and cached for every chapter.

``load_or_train()`` returns a trained ``fullmodel`` and its data. The first caller trains it and
writes it atomically to a git-ignored cache folder; a concurrent caller waits on a file lock and
then loads it, so one run never trains the same model twice. The cache key is made of what actually
runs: the source of the build and fit functions (and of every function, class and constant of the
book they reach), the recipe, the corpus bytes and the library versions. So a reader who edits
chapter 2's code, or passes another build function, gets a model of their own, never a stale one.

The cache heals rather than refuses, because everything in it can be made again: a model folder that
is incomplete (no ``manifest.json``, a missing file), whose files are not what was saved (the manifest
holds their SHA-256; ``s2sbook.folders`` writes and checks it, as for a saved translator) or whose model
does not load is moved aside to ``broken-model-KEY-TIME`` (kept
for a look, never read again) and the model is trained again, with a message saying so. Scratch
folders left by a killed save are removed. Only a lock held by a live process for longer than
``lock_timeout`` stops a run, with a message saying which lock and what to do.
"""

from __future__ import annotations

import contextlib
import dis
import hashlib
import inspect
import io
import json
import os
import re
import sys
import time
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf
from filelock import Timeout

from . import data as data_module
from . import estimate, folders, processes
from .data import REPO_ROOT, Dataset, Vocabulary, prepare
from .models import build_training_model
from .training import RECIPE, set_seed, train_model

CACHE_ENV = "S2S_CACHE"
MODEL_FILES = ("fullmodel.keras", "en_vocab.json", "fr_vocab.json", "history.json")  # the manifest vouches for them
# What reading a damaged model folder raises (json's and Unicode's errors are ValueErrors); anything
# else is a bug, and is not taken for damage.
DAMAGE_ERRORS = (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile)
PLAIN_VALUES = (int, float, str, bool, type(None), tuple, list, dict)
# Recipe entries that are prepare()'s options (how much of the corpus, which vocabulary), not training's.
DATA_OPTIONS = ("max_pairs", "min_count")
# The lines of load_or_train that report repairs of the cache (printed even when quiet=True).
CACHE_REPAIRS = ("Removed ", "The cached model ")


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


def _class_member_code(value) -> list:
    """The functions behind a class attribute: a method, a classmethod or staticmethod, a property's
    getter, setter and deleter (``Vocabulary.build`` and ``Vocabulary.unk`` are code that runs too)."""
    if isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if f is not None]
    return [value] if inspect.isfunction(value) else []


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
            for name, value in sorted(vars(obj).items()):
                if name.startswith("__") and name.endswith("__"):  # Python's own (__dict__, __doc__, ...)
                    continue
                digest.update(f"{name}:".encode())
                todo += _class_member_code(value)
                if isinstance(value, PLAIN_VALUES) and not callable(value):  # a class constant
                    digest.update(repr(value).encode())
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
    digest = hashlib.sha256(folders.sha256(Path(corpus_file)).encode())
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    digest.update(code_fingerprint(build, fit, prepare).encode())
    digest.update(f"python {sys.version_info[:2]} keras {keras.__version__} tf {tf.__version__}".encode())
    if keras.backend.backend() != "tensorflow":  # JAX or PyTorch (chapter 10) train weights of their own
        digest.update(f" {keras.backend.backend()}".encode())
    return digest.hexdigest()[:16]


@dataclass
class Trained:
    fullmodel: keras.Model
    data: Dataset
    history: dict
    directory: Path
    meta: dict


class CorpusMismatchError(ValueError):
    """Intact cached vocabularies that differ from the corpus's: a key that missed a change, not damage."""


def _load(directory: Path, data: Dataset) -> Trained:
    for name, vocab in (("en_vocab.json", data.en_vocab), ("fr_vocab.json", data.fr_vocab)):
        if Vocabulary.load(directory / name) != vocab:
            raise CorpusMismatchError(f"{directory / name} does not match the corpus; delete {directory} to "
                                      "retrain.")
    fullmodel = keras.models.load_model(directory / "fullmodel.keras", compile=False)
    history = json.loads((directory / "history.json").read_text())
    return Trained(fullmodel, data, history, directory, folders.read_manifest(directory))


def _save(directory: Path, fullmodel: keras.Model, data: Dataset, history: dict, meta: dict) -> None:
    """Everything into a scratch folder, then renamed into place in one step (the caller holds the key's
    lock): a crash half-way leaves no folder that a later call would take for a trained model."""
    def write_files(scratch: Path) -> None:
        fullmodel.save(scratch / "fullmodel.keras")
        data.en_vocab.save(scratch / "en_vocab.json")
        data.fr_vocab.save(scratch / "fr_vocab.json")
        (scratch / "history.json").write_text(json.dumps(history))

    folders.write(directory, write_files, MODEL_FILES, meta, locked=True)


def _train_in_new_process(recipe: dict, corpus_file: Path, build, fit, lock_timeout: float,
                           on_error: str | None) -> None:
    """``load_or_train`` in a Python process of its own, its printed lines passed on as they come: the
    caller's process then only loads the model, and never holds training's memory."""
    arguments = {"recipe": recipe, "corpus": str(corpus_file), "lock_timeout": lock_timeout,
                 "on_error": on_error, "build": [build.__module__, build.__qualname__],
                 "fit": [fit.__module__, fit.__qualname__]}
    code = ("import importlib, json, sys\nfrom s2sbook.cache import load_or_train\n"
            "a = json.loads(sys.argv[1])\n"
            "build, fit = (getattr(importlib.import_module(m), n) for m, n in (a.pop('build'), a.pop('fit')))\n"
            "load_or_train(build=build, fit=fit, **a)\n")
    # Its lines (one per epoch) reach the reader as it prints them, not when it ends.
    processes.run_python(code, json.dumps(arguments), name="load_or_train in a new process",
                         echo=lambda line: print(line, flush=True))


def _within_budget(recipe: dict, corpus_file: Path, on_error: str | None) -> tuple[dict, Dataset]:
    """``recipe`` and its data, with ``max_pairs`` cut to what trains within the time budget (saying so), or
    ``estimate.TooLargeError`` if a batch would not fit the memory budget (s2sbook.estimate)."""
    prepared = prepare(corpus_file, seed=recipe["seed"], on_error=on_error,
                       **{k: recipe[k] for k in DATA_OPTIONS if k in recipe})
    cap = estimate.check(prepared, recipe, corpus_file.name)
    if cap is None or cap >= recipe.get("max_pairs", cap + 1):
        return recipe, prepared
    recipe = {**recipe, "max_pairs": cap}
    return recipe, prepare(corpus_file, seed=recipe["seed"], on_error=on_error,
                           **{k: recipe[k] for k in DATA_OPTIONS if k in recipe})


def load_or_train(recipe: dict | None = None, corpus=None, build=build_training_model, fit=train_model,
                  lock_timeout: float = 1800, on_error: str | None = None, new_process: bool = False,
                  quiet: bool = False) -> Trained:
    """The model that ``build`` makes and ``fit`` trains with ``recipe`` on ``corpus``: from the cache if
    exactly this was trained before, else trained now and cached. Says which, and the key. ``on_error``
    is ``prepare``'s (``"skip"`` leaves malformed corpus lines out, and prints them; None: ``$S2S_ON_ERROR``).
    It needs no place in the key: a corpus that reads without skipping gives the same data either way.
    ``new_process=True`` trains in a process of its own (when ``build`` and ``fit`` can be imported from
    the package; a chapter's own cells cannot, and train here), so that this process stays as small as
    loading makes it: chapter 9's kernel keeps under the memory budget this way.

    ``quiet=True`` is for a chapter that needs a model but does not teach its training: whether the model
    was trained now (with its epoch log), by another process (waited for) or earlier (loaded), it prints
    one and the same line, naming the model and how long its training took, so that the page reads the same
    on a cold cache and a warm one, whichever chapter ran first. A damaged cache is still reported, and a
    failed training prints what it had logged before raising."""
    if quiet:
        if corpus is None and os.environ.get(data_module.CORPUS_ENV):  # the cap's message is not the log's
            recipe = _within_budget(dict(RECIPE if recipe is None else recipe), data_module.corpus_path(), on_error)[0]
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log):
                trained = load_or_train(recipe, corpus, build, fit, lock_timeout, on_error, new_process)
        except BaseException:
            print(log.getvalue(), end="")
            raise
        for line in log.getvalue().splitlines():
            if line.startswith(CACHE_REPAIRS):  # the cache's state, which a reader should hear of
                print(line)
        seed = trained.meta["recipe"].get("seed")
        print(f"Model {trained.meta['key']} ({build.__name__}, seed {seed}): trained once in "
              f"{trained.meta['train_seconds']:.0f} s, then cached.")
        return trained
    recipe = dict(RECIPE if recipe is None else recipe)
    corpus_file = Path(corpus) if corpus is not None else data_module.corpus_path()
    if corpus is None and os.environ.get(data_module.CORPUS_ENV):  # a reader's corpus: will it fit?
        recipe, data = _within_budget(recipe, corpus_file, on_error)
    else:
        data = prepare(corpus_file, seed=recipe["seed"], on_error=on_error,
                       **{k: recipe[k] for k in DATA_OPTIONS if k in recipe})
    key = cache_key(corpus_file, recipe, build, fit)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    directory = root / f"model-{key}"
    importable = all(f.__module__.startswith("s2sbook.") for f in (build, fit))
    if new_process and importable and not (directory.exists() and folders.problem(directory, MODEL_FILES) is None):
        _train_in_new_process(recipe, corpus_file, build, fit, lock_timeout, on_error)
    lock = folders.lock(root / f"model-{key}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Another process is training model {key}; waiting for it (up to {lock_timeout:g} s).")
        try:
            lock.acquire(timeout=lock_timeout)
        except Timeout:
            # The operating system releases the lock of a process that dies, so a live process holds it.
            raise TimeoutError(
                f"waited {lock_timeout:g} s for {lock.lock_file}, held by another process that is still "
                f"running (training model {key}, or stuck). Let it finish, or stop it (a notebook kernel "
                "or a python process using this cache folder), then run again; "
                "load_or_train(lock_timeout=...) waits longer.") from None
    try:
        removed = folders.remove_stale_scratch(directory, "model-*")
        if removed:
            print(f"Removed {len(removed)} scratch folder(s) of saves that did not finish: "
                  f"{', '.join(p.name for p in removed)}.")
        if directory.exists():
            problem = folders.problem(directory, MODEL_FILES)
            if problem is None:
                try:
                    trained = _load(directory, data)
                except CorpusMismatchError:
                    raise  # retraining would hide a bug of the cache key: refuse, and say how to go on
                except DAMAGE_ERRORS as error:
                    problem = f"it does not load ({type(error).__name__}: {str(error)[:200]})"
            if problem is None:
                print(f"Loaded model {key} ({build.__name__}) from the cache; "
                      f"an earlier run trained it in {trained.meta['train_seconds']:.0f} s.")
                return trained
            aside = folders.move_aside(directory)
            print(f"The cached model {key} is damaged: {problem}. Moved it to {aside} (delete it when you "
                  "like) and training the model again.")
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
        # The model as the cache holds it (loaded, not compiled), as a later call returns it: a chapter then
        # behaves the same whether it trained the model or not (a compiled model also saves its optimizer).
        return _load(directory, data)
    finally:
        lock.release()
