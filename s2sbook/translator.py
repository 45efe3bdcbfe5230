"""Chapter 5: a trained model saved as files, loaded in a fresh process, and a ``translate()`` to call.

A saved translator is a folder of four files: ``fullmodel.keras`` (the training model, config and
weights), ``en_vocab.json`` and ``fr_vocab.json``, and ``limits.json`` (the longest English input the
model was trained on, and how many French tokens to decode at most). The inference models are not
saved: ``Translator`` rebuilds them from ``fullmodel``'s layers by name, so they share its weights.

Command line: ``python -m s2sbook.translator FOLDER "He eats." ...`` (or ``--input FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from .data import Dataset, Vocabulary, encode_source
from .decoding import decode_batch
from .models import inference_models
from .text import detokenize

MODEL_FILE, EN_VOCAB_FILE, FR_VOCAB_FILE = "fullmodel.keras", "en_vocab.json", "fr_vocab.json"
LIMITS_FILE = "limits.json"
SAVE_HINT = "Save a translator with Translator.save(folder) (chapter 5), or point at a folder that holds one."


class BadSentencesError(ValueError):
    """Raised by ``translate_batch`` when some sentences cannot be translated; lists every one of them."""


@dataclass
class Translation:
    """One sentence of a batch: its French, or the reason it could not be translated."""

    source: object
    french: str | None
    error: str | None = None


class Translator:
    """English -> French with the inference models rebuilt from ``fullmodel``'s own layers."""

    def __init__(self, fullmodel: keras.Model, en_vocab: Vocabulary, fr_vocab: Vocabulary,
                 max_len_en: int, max_decoder_len: int):
        self.encoder_model, self.decoder_model = inference_models(fullmodel)  # names every missing layer
        for vocab, layer_name in ((en_vocab, "encoder_embedding"), (fr_vocab, "decoder_embedding")):
            rows = fullmodel.get_layer(layer_name).input_dim
            if rows != len(vocab):
                raise ValueError(
                    f"the {vocab.language} vocabulary has {len(vocab)} tokens but the model's {layer_name} has "
                    f"{rows} rows: they come from different trainings. Save the model and its vocabularies "
                    "together (Translator.save) and load them from the same folder.")
        self.fullmodel, self.en_vocab, self.fr_vocab = fullmodel, en_vocab, fr_vocab
        self.max_len_en, self.max_decoder_len = int(max_len_en), int(max_decoder_len)

    @classmethod
    def from_dataset(cls, fullmodel: keras.Model, data: Dataset) -> Translator:
        """The limits are the data's: its longest English sentence, and its longest French one + ``_END``."""
        return cls(fullmodel, data.en_vocab, data.fr_vocab, data.max_len_en, data.max_decoder_len)

    def save(self, folder: str | os.PathLike) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.fullmodel.save(folder / MODEL_FILE)
        self.en_vocab.save(folder / EN_VOCAB_FILE)
        self.fr_vocab.save(folder / FR_VOCAB_FILE)
        limits = {"max_len_en": self.max_len_en, "max_decoder_len": self.max_decoder_len}
        (folder / LIMITS_FILE).write_text(json.dumps(limits, indent=1))
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Translator:
        """Everything from files: nothing left in memory by a training run is needed."""
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"there is no folder {folder}. {SAVE_HINT}")
        missing = [name for name in (MODEL_FILE, EN_VOCAB_FILE, FR_VOCAB_FILE, LIMITS_FILE)
                   if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{folder} has no {', '.join(missing)}. {SAVE_HINT}")
        fullmodel = _load_model(folder / MODEL_FILE)
        limits = json.loads((folder / LIMITS_FILE).read_text())
        try:
            return cls(fullmodel, Vocabulary.load(folder / EN_VOCAB_FILE), Vocabulary.load(folder / FR_VOCAB_FILE),
                       limits["max_len_en"], limits["max_decoder_len"])
        except ValueError as error:
            raise ValueError(f"{folder}: {error}") from error

    def encode(self, sentence: str) -> np.ndarray:
        """Same normalisation and tokens as training; a clear error for anything the model cannot read."""
        return encode_source(sentence, self.en_vocab, self.max_len_en)

    def translate(self, sentence: str) -> str:
        """One English sentence -> French. Raises TypeError or ValueError (with the fix) on bad input."""
        return self._decode(self.encode(sentence))[0]

    def translate_batch(self, sentences, on_error: str = "raise") -> list[Translation]:
        """Many sentences at once. One bad sentence never vanishes: with ``on_error="raise"`` the call
        fails listing every bad sentence; with ``"report"`` the others are translated and the bad ones
        come back with their error."""
        if isinstance(sentences, str):
            raise TypeError("translate_batch() takes a list of sentences; for one sentence call translate()")
        if on_error not in ("raise", "report"):
            raise ValueError(f"on_error must be 'raise' or 'report', not {on_error!r}")
        results, rows, good = [], [], []
        for sentence in sentences:
            try:
                rows.append(self.encode(sentence))
                good.append(len(results))
                results.append(Translation(sentence, None))
            except (TypeError, ValueError) as error:
                results.append(Translation(sentence, None, f"{type(error).__name__}: {error}"))
        bad = [(i, r) for i, r in enumerate(results) if r.error]
        if bad and on_error == "raise":
            lines = "\n".join(f"  sentence {i} {_shorten(r.source)}: {r.error}" for i, r in bad)
            raise BadSentencesError(f"{len(bad)} of {len(results)} sentences cannot be translated:\n{lines}\n"
                                    "Fix them, or pass on_error='report' to translate the others.")
        if rows:
            for i, french in zip(good, self._decode(np.concatenate(rows)), strict=True):
                results[i].french = french
        return results

    def _decode(self, encoder_input_data: np.ndarray) -> list[str]:
        tokens = decode_batch(encoder_input_data, self.encoder_model, self.decoder_model,
                              self.fr_vocab, self.max_decoder_len)
        return [detokenize(t) for t in tokens]


def _shorten(value, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width - 4] + "...'"


def _load_model(path: Path) -> keras.Model:
    # Keras reports a truncated or non-zip file as "File not found", which sends readers looking for
    # the wrong problem: name it for what it is.
    corrupt = (f"{path} is not a readable .keras file (truncated or corrupt). Save the model again with "
               "Translator.save(), or copy the file again.")
    if not zipfile.is_zipfile(path):
        raise ValueError(corrupt)
    try:
        return keras.models.load_model(path, compile=False)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"{corrupt} Keras said: {error}") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m s2sbook.translator", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="a folder written by Translator.save()")
    parser.add_argument("sentences", nargs="*", help="English sentences to translate")
    parser.add_argument("--input", type=argparse.FileType("r", encoding="utf-8"),
                        help="a file of English sentences, one per line ('-' for standard input)")
    args = parser.parse_args(argv)
    sentences = list(args.sentences) + ([line.rstrip("\n") for line in args.input] if args.input else [])
    if not sentences:
        parser.error("give sentences to translate, or --input FILE")
    failed = 0
    for i, result in enumerate(Translator.load(args.folder).translate_batch(sentences, on_error="report")):
        if result.error:
            failed += 1
            print(f"line {i + 1}: {result.error}", file=sys.stderr)
        print(result.french or "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
