"""Chapter 5's tables of what bad input gets: each case tried, and its error shown.

``outcomes`` runs calls that are expected to fail and tabulates each one's exception type and message
(with a folder's path left out, so that a page shows no machine path). ``broken_folders`` makes copies of
a saved translator with one thing wrong in each, the cases chapter 5 shows; the tests of
``s2sbook.translator`` try every case there is, one test each.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import keras
import pandas as pd

from .attention import build_attention_model
from .data import Vocabulary
from .text import END

NO_ERROR = "no error"


def outcomes(calls: dict[str, tuple[Callable, object]], hide: str | Path | None = None,
             errors: tuple[type[BaseException], ...] = (TypeError, ValueError, OSError),
             label: str = "input") -> pd.DataFrame:
    """``{case: (function, argument)}`` -> one row per case: its ``label``, the type of the error that
    ``function(argument)`` raised (``"no error"`` if none) and its message, with ``hide/`` removed."""
    rows = []
    for case, (function, argument) in calls.items():
        try:
            function(argument)
        except errors as error:
            message = str(error)
            if hide is not None:
                message = message.replace(f"{hide}/", "")
            rows.append((case, type(error).__name__, message))
        else:
            rows.append((case, NO_ERROR, ""))
    return pd.DataFrame(rows, columns=[label, "error", "message"])


def broken_folders(translator, saved: Path, into: Path) -> dict[str, Path]:
    """Copies of the translator folder ``saved`` (written by ``translator.save``) under ``into``, each
    with one thing wrong, by what is wrong (one name is a folder that does not exist)."""
    saved, into = Path(saved), Path(into)
    shutil.rmtree(into, ignore_errors=True)
    fr_tokens = translator.fr_vocab.tokens
    model = translator.fullmodel
    limits = {"max_len_en": translator.max_len_en, "max_decoder_len": translator.max_decoder_len}

    def copy(name: str) -> Path:
        return shutil.copytree(saved, into / name)

    folders = {"no such folder": into / "missing"}
    folder = folders["limits.json missing"] = copy("no_limits")
    (folder / "limits.json").unlink()
    folder = folders["manifest.json missing"] = copy("no_manifest")
    (folder / "manifest.json").unlink()
    folder = folders["truncated .keras file"] = copy("truncated")
    content = (saved / "fullmodel.keras").read_bytes()
    (folder / "fullmodel.keras").write_bytes(content[: len(content) // 2])
    folder = folders["vocabulary from another training"] = copy("mismatched_vocabulary")
    Vocabulary(fr_tokens[:-3], "fr").save(folder / "fr_vocab.json")
    folder = folders["vocabulary of the right size, reordered"] = copy("reordered_vocabulary")
    Vocabulary([fr_tokens[0], *reversed(fr_tokens[1:])], "fr").save(folder / "fr_vocab.json")
    folder = folders["a layer renamed"] = copy("renamed_layer")
    renamed = json.loads(json.dumps(model.get_config()).replace('"decoder_lstm"', '"lstm"'))
    keras.Model.from_config(renamed).save(folder / "fullmodel.keras")
    folder = folders["chapter 7's attention model"] = copy("attention_model")
    build_attention_model(len(translator.en_vocab), len(translator.fr_vocab),
                          model.get_layer("decoder_lstm").units,
                          model.get_layer("decoder_embedding").output_dim).save(folder / "fullmodel.keras")
    folder = folders["max_decoder_len: 0"] = copy("zero_limit")
    (folder / "limits.json").write_text(json.dumps({**limits, "max_decoder_len": 0}))
    folder = folders["no _END token (manifest made to match)"] = copy("no_end_token")
    Vocabulary([t if t != END else "_FIN" for t in fr_tokens], "fr").save(folder / "fr_vocab.json")
    manifest = json.loads((folder / "manifest.json").read_text())  # made to match, as a careful hand edit would
    manifest["files"]["fr_vocab.json"] = hashlib.sha256((folder / "fr_vocab.json").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folders
