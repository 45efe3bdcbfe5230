"""Chapter 5: a trained model saved as files, loaded in a fresh process, and a ``translate()`` to call.

A saved translator is a folder of five files: ``fullmodel.keras`` (the training model, config and
weights), ``en_vocab.json`` and ``fr_vocab.json``, ``limits.json`` (the longest English input the
model was trained on, and how many French tokens to decode at most), and ``manifest.json``, written
last, with the SHA-256 of the four others and the model's architecture. ``Translator.load`` refuses a
folder whose files do not match its manifest: a model and vocabularies from different saves translate
garbage without any error, so they must prove they belong together. The inference models are not
saved: ``Translator`` rebuilds them from ``fullmodel``'s layers by name, so they share its weights.

What each bad input gets (``translate`` raises it; ``translate_batch(..., on_error="report")`` puts it
in ``Translation.error`` or ``Translation.warning``):

- not a string: ``TypeError``; empty, only punctuation, or longer than the model was trained on:
  ``ValueError``; words the model never saw: ``UnknownWordsError`` (a ``ValueError``);
- an output without a single French word (empty, or only punctuation): ``EmptyTranslationError``
  (a ``ValueError``); never an empty string returned as a translation;
- an output cut at ``max_decoder_len`` tokens before ``_END``: returned, with a
  ``TruncatedTranslationWarning`` (``translate``) or ``Translation.warning`` (``translate_batch``).

Command line: ``python -m s2sbook.translator FOLDER "He eats." ...`` (or ``--input FILE``). It prints
one line per sentence (an empty line for one it could not translate) and exits with status 0 when all
were translated, 1 when some were not (or were cut short, with ``--strict``), 2 when it could not
start (no such folder, a broken folder, an unreadable input file); every problem goes to standard
error as one line naming the sentence, never as a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from . import folders
from .data import WORD, Dataset, Vocabulary, encode_source, shorten
from .decoding import decode_batch
from .models import build_training_model, inference_models
from .text import END, START, detokenize

MODEL_FILE, EN_VOCAB_FILE, FR_VOCAB_FILE = "fullmodel.keras", "en_vocab.json", "fr_vocab.json"
LIMITS_FILE, MANIFEST_FILE = "limits.json", folders.MANIFEST
SAVED_FILES = (MODEL_FILE, EN_VOCAB_FILE, FR_VOCAB_FILE, LIMITS_FILE)  # the files the manifest vouches for
MANIFEST_FORMAT = folders.FORMAT
# The most tokens a limit may be: decoding holds a (sentences x max_decoder_len) array of ids and steps that
# often, so a forged limits.json of 10**9 would ask for gigabytes. The longest sentence of either corpus has
# under 100 tokens.
MAX_TOKENS = 1000
# The layers of build_training_model's model: a model file that names any other class is not one of the
# book's, and is refused before Keras builds anything from it.
BOOK_LAYERS = {"InputLayer", "Embedding", "LSTM", "Dense"}
PYTHON_CODE = ("Lambda", "__lambda__", "function")  # how a .keras file carries Python code
SAVE_HINT = "Save a translator with Translator.save(folder) (chapter 5), or point at a folder that holds one."
TOGETHER_HINT = ("A model and its vocabularies only work together if they were saved together: save them again "
                 "with Translator.save(folder), or copy the whole folder again.")
# The layer settings that make two models of the same layers differ; with each layer's name and class
# they are the "architecture" of the manifest.
ARCHITECTURE_SETTINGS = ("input_dim", "output_dim", "mask_zero", "units", "return_sequences", "return_state",
                         "activation")


class BadSentencesError(ValueError):
    """Raised by ``translate_batch`` when some sentences cannot be translated; lists every one of them."""


class EmptyTranslationError(ValueError):
    """The model's output holds no French word: an empty string is not a translation."""


def empty_translation_message(french: str) -> str:
    """EmptyTranslationError's message, given by this translator, chapter 8's numpy one and the page's."""
    return (f"the model's output {french!r} holds no French word, so there is no translation to give. Rephrase "
            "the sentence; the model translates sentences like those it was trained on best.")


class TruncatedTranslationWarning(UserWarning):
    """The output reached ``max_decoder_len`` tokens without ``_END``: it may be cut short."""


@dataclass
class Translation:
    """One sentence of a batch: its French, or the reason it could not be translated (``error``); a
    translation that may be incomplete carries a ``warning``."""

    source: object
    french: str | None
    error: str | None = None
    warning: str | None = None


class Translator:
    """English -> French with the inference models rebuilt from ``fullmodel``'s own layers."""

    def __init__(self, fullmodel: keras.Model, en_vocab: Vocabulary, fr_vocab: Vocabulary,
                 max_len_en: int, max_decoder_len: int):
        max_len_en, max_decoder_len = _limit("max_len_en", max_len_en), _limit("max_decoder_len", max_decoder_len)
        for vocab, language in ((en_vocab, "en"), (fr_vocab, "fr")):
            if vocab.language != language:
                raise ValueError(f"the {language} vocabulary given is marked {vocab.language!r}: are the English "
                                 "and French vocabularies swapped?")
        missing = [token for token in (START, END) if token not in fr_vocab.index]
        if missing:
            raise ValueError(f"the French vocabulary has no {' and no '.join(missing)}: decoding starts with "
                             f"{START} and stops at {END}, so it cannot come from chapter 1's prepare(). "
                             "Save the vocabularies that were trained with the model.")
        self.encoder_model, self.decoder_model = inference_models(fullmodel)  # names every missing layer
        expected = _expected_architecture(fullmodel)
        if architecture(fullmodel) != expected:
            mine, theirs = {tuple(x[:2]) for x in architecture(fullmodel)}, {tuple(x[:2]) for x in expected}
            extra = ", ".join(name for name, _ in sorted(mine - theirs)) or "none"
            raise ValueError(
                f"{fullmodel.name} is not the classic encoder-decoder of build_training_model (layers it has "
                f"that that model lacks or has with other settings: {extra}). Translator decodes only that "
                "model; chapter 7's attention model decodes with greedy_with_attention.")
        for vocab, layer_name in ((en_vocab, "encoder_embedding"), (fr_vocab, "decoder_embedding")):
            rows = fullmodel.get_layer(layer_name).input_dim
            if rows != len(vocab):
                raise ValueError(
                    f"the {vocab.language} vocabulary has {len(vocab)} tokens but the model's {layer_name} has "
                    f"{rows} rows: they come from different trainings. Save the model and its vocabularies "
                    "together (Translator.save) and load them from the same folder.")
        self.fullmodel, self.en_vocab, self.fr_vocab = fullmodel, en_vocab, fr_vocab
        self.max_len_en, self.max_decoder_len = max_len_en, max_decoder_len

    @classmethod
    def from_dataset(cls, fullmodel: keras.Model, data: Dataset) -> Translator:
        """The limits are the data's: its longest English sentence, and its longest French one + ``_END``."""
        return cls(fullmodel, data.en_vocab, data.fr_vocab, data.max_len_en, data.max_decoder_len)

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the folder whole (``s2sbook.folders.write``): the files go into a scratch folder and then
        into place, the manifest last, under a lock. A save that dies half-way leaves a folder that load
        refuses, and two saves at once leave one of them, never a folder whose files come from both."""
        def write_files(scratch: Path) -> None:
            self.fullmodel.save(scratch / MODEL_FILE)
            self.en_vocab.save(scratch / EN_VOCAB_FILE)
            self.fr_vocab.save(scratch / FR_VOCAB_FILE)
            limits = {"max_len_en": self.max_len_en, "max_decoder_len": self.max_decoder_len}
            (scratch / LIMITS_FILE).write_text(json.dumps(limits, indent=1))

        folders.write(folder, write_files, SAVED_FILES, {"architecture": architecture(self.fullmodel)})
        return Path(folder)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Translator:
        """Everything from files: nothing left in memory by a training run is needed. Each file is
        checked for what it must hold (the error names the file), then against the manifest, so that
        files from different saves are refused before the model is even read."""
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"there is no folder {folder}. {SAVE_HINT}")
        missing = [name for name in (*SAVED_FILES, MANIFEST_FILE) if not (folder / name).is_file()]
        if missing == [MANIFEST_FILE]:
            raise FileNotFoundError(
                f"{folder} has no {MANIFEST_FILE}, the list of what was saved together: it was written by an "
                "older s2sbook, by hand, or by a save that did not finish. Load the model and vocabularies "
                "you trust and save them again with Translator.save(folder).")
        if missing:
            raise FileNotFoundError(f"{folder} has no {', '.join(missing)}. {SAVE_HINT}")
        for name in (MANIFEST_FILE, *SAVED_FILES):
            _readable(folder / name)
        manifest = _read_manifest(folder)
        limits = _read_limits(folder / LIMITS_FILE)
        en_vocab, fr_vocab = Vocabulary.load(folder / EN_VOCAB_FILE), Vocabulary.load(folder / FR_VOCAB_FILE)
        if not zipfile.is_zipfile(folder / MODEL_FILE):
            raise ValueError(_corrupt(folder / MODEL_FILE))
        changed = folders.changed(folder, manifest)
        if changed:
            raise ValueError(
                f"{folder}: {', '.join(changed)} {'is' if len(changed) == 1 else 'are'} not what Translator.save "
                f"wrote with the other files (the SHA-256 differs from {MANIFEST_FILE}): truncated, edited, or "
                f"copied from another save. {TOGETHER_HINT}")
        fullmodel = _load_model(folder / MODEL_FILE)
        try:
            translator = cls(fullmodel, en_vocab, fr_vocab, limits["max_len_en"], limits["max_decoder_len"])
        except ValueError as error:
            raise ValueError(f"{folder}: {error}") from error
        if architecture(fullmodel) != manifest["architecture"]:
            raise ValueError(f"{folder}: the model in {MODEL_FILE} is not the architecture {MANIFEST_FILE} "
                             f"records. {TOGETHER_HINT}")
        return translator

    def encode(self, sentence: str) -> np.ndarray:
        """Same normalisation and tokens as training; a clear error for anything the model cannot read."""
        return encode_source(sentence, self.en_vocab, self.max_len_en)

    def translate(self, sentence: str) -> str:
        """One English sentence -> French. Raises TypeError or ValueError (with the fix) on bad input,
        EmptyTranslationError when the model gives no French word; warns when the output is cut short."""
        result = self._finish([Translation(sentence, None)], [self.encode(sentence)])[0]
        if result.error:
            raise EmptyTranslationError(result.error.partition(": ")[2])
        if result.warning:
            warnings.warn(result.warning, TruncatedTranslationWarning, stacklevel=2)
        return result.french

    def translate_batch(self, sentences, on_error: str = "raise") -> list[Translation]:
        """Many sentences at once. One bad sentence never vanishes: with ``on_error="raise"`` the call
        fails listing every bad sentence (bad input, or no French word out); with ``"report"`` the others
        are translated and the bad ones come back with their error. A translation cut at the length
        limit comes back with a ``warning`` either way."""
        if isinstance(sentences, (str, bytes, bytearray)):
            raise TypeError(f"translate_batch() takes a list of sentences, not one {type(sentences).__name__} "
                            "object; for one sentence call translate()"
                            + ("" if isinstance(sentences, str) else ", with the bytes decoded to str first"))
        if on_error not in ("raise", "report"):
            raise ValueError(f"on_error must be 'raise' or 'report', not {on_error!r}")
        try:
            sentences = list(sentences)
        except TypeError:
            raise TypeError(f"translate_batch() takes a list of sentences, got {type(sentences).__name__}") from None
        results, rows = [], []
        for sentence in sentences:
            results.append(Translation(sentence, None))
            try:
                rows.append(self.encode(sentence))
            except (TypeError, ValueError) as error:
                results[-1].error = f"{type(error).__name__}: {error}"
        self._finish([r for r in results if not r.error], rows)
        bad = [(i, r) for i, r in enumerate(results) if r.error]
        if bad and on_error == "raise":
            lines = "\n".join(f"  sentence {i} {shorten(r.source)}: {r.error}" for i, r in bad)
            raise BadSentencesError(f"{len(bad)} of {len(results)} sentences cannot be translated:\n{lines}\n"
                                    "Fix them, or pass on_error='report' to translate the others.")
        return results

    def _finish(self, results: list[Translation], rows: list[np.ndarray]) -> list[Translation]:
        """Decode ``rows`` into ``results``: French, or an error for no word, and a warning when cut short."""
        if not rows:
            return results
        outputs = decode_batch(np.concatenate(rows), self.encoder_model, self.decoder_model, self.fr_vocab,
                               self.max_decoder_len)
        for result, tokens in zip(results, outputs, strict=True):
            french = detokenize(tokens)
            if not any(WORD.search(t) for t in tokens):
                result.error = f"{EmptyTranslationError.__name__}: {empty_translation_message(french)}"
                continue
            result.french = french
            if len(tokens) >= self.max_decoder_len:  # decode_batch stops there; an ended output is shorter
                result.warning = (f"the translation reached the limit of {self.max_decoder_len} French tokens "
                                  f"without {END}: it may be cut short. Split the sentence into shorter ones.")
        return results


def architecture(model: keras.Model) -> list[list]:
    """Each layer's name, class and the settings that shape it: what the manifest records of a model."""
    return [[layer.name, type(layer).__name__,
             {k: v for k, v in layer.get_config().items() if k in ARCHITECTURE_SETTINGS}] for layer in model.layers]


def _expected_architecture(fullmodel: keras.Model) -> list[list]:
    """The architecture ``build_training_model`` gives for ``fullmodel``'s sizes (the layers exist:
    ``inference_models`` found them)."""
    def setting(layer, name):
        return fullmodel.get_layer(layer).get_config()[name]

    reference = build_training_model(setting("encoder_embedding", "input_dim"),
                                     setting("decoder_embedding", "input_dim"),
                                     setting("decoder_lstm", "units"), setting("decoder_embedding", "output_dim"))
    return architecture(reference)


def _limit(name: str, value) -> int:
    # bool is an int to Python, and a float limit would be cut silently by range(): both are refused.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    if value > MAX_TOKENS:
        raise ValueError(f"{name} is {value}, more tokens than a translator decodes (at most {MAX_TOKENS}; the "
                         "limits Translator.save writes are the longest training sentences)")
    return int(value)


def _readable(path: Path) -> None:
    """Open the file, so that one it may not read is named for that, not called corrupt."""
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise PermissionError(f"{path} cannot be read: permission denied (the file is intact or not, this "
                              "process may not open it). Give it read permission (chmod u+r), or run as its "
                              "owner.") from None


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"{path} is not valid JSON ({error}), so it is not {what}. {SAVE_HINT}") from None


def _read_limits(path: Path) -> dict:
    limits = _read_json(path, "a limits file")
    if not isinstance(limits, dict) or set(limits) != {"max_len_en", "max_decoder_len"}:
        raise ValueError(f"{path} must hold exactly {{\"max_len_en\": ..., \"max_decoder_len\": ...}}, "
                         f"not {shorten(limits, 80)}. {SAVE_HINT}")
    try:
        return {name: _limit(name, value) for name, value in limits.items()}
    except ValueError as error:
        raise ValueError(f"{path}: {error}. {SAVE_HINT}") from None


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST_FILE
    try:
        manifest = folders.read_manifest(folder)
    except ValueError as error:
        raise ValueError(f"{error}, so it is not a manifest. {SAVE_HINT}") from None
    if (manifest.get("format") != MANIFEST_FORMAT
            or not isinstance(manifest.get("files"), dict) or set(manifest["files"]) != set(SAVED_FILES)
            or not isinstance(manifest.get("architecture"), list)):
        raise ValueError(f"{path} is not a manifest written by Translator.save (format {MANIFEST_FORMAT}, the "
                         f"SHA-256 of {', '.join(SAVED_FILES)} and the architecture). {TOGETHER_HINT}")
    return manifest


def _corrupt(path: Path) -> str:
    # Keras reports a truncated or non-zip file as "File not found", which sends readers looking for
    # the wrong problem: name it for what it is.
    return (f"{path} is not a readable .keras file (truncated or corrupt). Save the model again with "
            "Translator.save(), or copy the file again.")


def _python_code(path: Path) -> str:
    return (f"{path} contains Python code (a Lambda layer or a function), so it was refused: loading it would "
            "run that code, and a folder's manifest proves only that its files belong together, not who wrote "
            "them. The book's models never hold Python code: use a folder written by Translator.save from a "
            "model you trained, never one from a source you do not trust.")


def _check_config(path: Path) -> None:
    """Refuse, before Keras builds anything, a model file whose config names Python code or a layer
    that build_training_model does not use."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        # Keras's own layers; its operations (the padding mask's NotEqual) are layers of keras.src.ops.
        classes = {layer["class_name"] for layer in config["config"]["layers"] if layer["module"] == "keras.layers"}
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{_corrupt(path)} ({type(error).__name__}: {str(error)[:200]})") from None

    def walk(node):
        if isinstance(node, dict):
            if node.get("class_name") in PYTHON_CODE or "function" in node:
                raise ValueError(_python_code(path))
            module = node.get("module")
            if isinstance(module, str) and module.split(".")[0] != "keras":
                raise ValueError(
                    f"{path} names code from outside Keras ({module}.{node.get('class_name')}), so it was refused: "
                    "loading it would import and run that code. The book's models use only Keras's own layers: "
                    "use a folder written by Translator.save from a model you trained.")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config["config"])  # the model; its compile_config (the book's own metric) is not read: compile=False
    foreign = sorted(classes - BOOK_LAYERS)
    if foreign:
        raise ValueError(f"{path} is not the classic encoder-decoder of build_training_model (it holds layers "
                         f"that model has not: {', '.join(foreign)}). Translator decodes only that model; chapter "
                         "7's attention model decodes with greedy_with_attention.")


def _load_model(path: Path) -> keras.Model:
    if not zipfile.is_zipfile(path):
        raise ValueError(_corrupt(path))
    _check_config(path)
    try:
        return keras.models.load_model(path, compile=False)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as error:
        if "safe_mode" in str(error):  # Keras's way out of its safe mode is never the fix here
            raise ValueError(_python_code(path)) from None
        raise ValueError(f"{_corrupt(path)} Keras said: {type(error).__name__}: {str(error)[:300]}") from None


def read_sentences(raw: bytes, name: str, encoding: str | None = None) -> list[str]:
    """The lines of an ``--input`` file: UTF-8, or whatever its byte-order mark says (UTF-8 or UTF-16),
    or ``encoding``; a ValueError naming the file, the line and the fix for anything else."""
    if encoding is None:
        for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                           (codecs.BOM_UTF16_BE, "utf-16")):
            if raw.startswith(bom):
                encoding = codec
                break
    if encoding is None and b"\x00" in raw:
        # ASCII in UTF-16 is valid UTF-8 with a NUL after every letter: decoding would not fail, but no
        # sentence would be known.
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ValueError(f"{name}: line {line} holds NUL bytes: it looks like UTF-16 without a byte-order mark. "
                         "Pass --encoding utf-16-le (or utf-16-be), or save the file as UTF-8.")
    try:
        text = raw.decode(encoding or "utf-8")
    except (UnicodeDecodeError, LookupError) as error:
        if isinstance(error, LookupError):
            raise ValueError(f"--encoding {encoding}: {error}") from None
        line = raw.count(b"\n", 0, error.start) + 1
        raise ValueError(f"{name}: line {line} is not {encoding or 'UTF-8'} (bytes {raw[error.start:error.end]!r}); "
                         "if it is latin-1 or Windows-1252, pass --encoding latin-1 (or cp1252), or save the "
                         "file as UTF-8.") from None
    if "\r" in text.rstrip("\r") and "\n" not in text:
        raise ValueError(f"{name}: line 1 holds carriage returns (CR) and the file no line feed: its lines end the "
                         "old Mac way (CR only), so it reads as one line. Convert it to one sentence per line "
                         f"(tr '\\r' '\\n' < {name} > fixed.txt) and pass that file.")
    # A BOM read through an explicit --encoding utf-8 would be a first "word" of '\ufeff'.
    lines = [line.rstrip("\r") for line in text.removeprefix("\ufeff").split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m s2sbook.translator", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="a folder written by Translator.save()")
    parser.add_argument("sentences", nargs="*", help="English sentences to translate")
    parser.add_argument("--input", metavar="FILE",
                        help="a file of English sentences, one per line ('-' for standard input)")
    parser.add_argument("--encoding", help="of the --input file (default: UTF-8, or what its byte-order mark says)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a translation is cut at the length limit, too")
    args = parser.parse_intermixed_args(argv)  # options may come after sentences, and sentences after options
    # Each sentence is named by where it came from, so a message points at the right line.
    labelled = [(f"argument {i}", s) for i, s in enumerate(args.sentences, start=1)]
    try:
        if args.input:
            name = "standard input" if args.input == "-" else args.input
            raw = sys.stdin.buffer.read() if args.input == "-" else Path(args.input).read_bytes()
            lines = read_sentences(raw, name, args.encoding)
            if not lines:
                raise ValueError(f"{name} holds no sentences (it is {'only a byte-order mark' if raw else 'empty'}): "
                                 "write one English sentence per line, or give them as arguments.")
            labelled += [(f"{name} line {i}", s) for i, s in enumerate(lines, start=1)]
        if not labelled:
            parser.error("give sentences to translate, or --input FILE")
        translator = Translator.load(args.folder)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    results = translator.translate_batch([s for _, s in labelled], on_error="report")
    failed = warned = 0
    for (label, _), result in zip(labelled, results, strict=True):
        if result.error:
            failed += 1
            print(f"{label}: {result.error}", file=sys.stderr)
        if result.warning:
            warned += 1
            print(f"{label}: warning: {result.warning}", file=sys.stderr)
        print(result.french or "")
    return 1 if failed or (warned and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
