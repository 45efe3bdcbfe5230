"""Sphinx extension (``local_extensions`` in _config.yml): ships chapter 8's exported weights with the site.

The weights come from trained models, which are not committed, so the site's copies are made where the
models are: chapter 8 exports them under the cache folder (``$S2S_CACHE``, else ``_artifacts/``) when it
runs, in the build or in the tests before it: ``exported_weights/s2s_weights.js`` (the book's model),
``exported_weights/real/s2s_weights_real.js`` (chapter 9's) and
``exported_weights/attention/s2s_weights_attention.js`` (chapter 7's). When the build has finished, this
copies them into the site's ``_static/``, next to ``s2s_translator.js``, which loads them. A build without
one of them fails, saying what to run. Kept free of TensorFlow: it runs inside the Sphinx process.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
# The same names as s2sbook.cache.cache_root() and s2sbook.numpy_translator (a test checks they agree).
CACHE_ENV, EXPORT_FOLDER = "S2S_CACHE", "exported_weights"
SITE_FILES = {"book": "s2s_weights.js", "real": "s2s_weights_real.js", "attention": "s2s_weights_attention.js"}
SITE_FILE = SITE_FILES["book"]


def export_folder() -> Path:
    return Path(os.environ.get(CACHE_ENV) or ROOT / "_artifacts") / EXPORT_FOLDER


def sources() -> list[Path]:
    """Where chapter 8 writes each model's file: the book's in the export folder, the others in a folder
    named for the model inside it."""
    return [export_folder() / ("" if name == "book" else name) / file for name, file in SITE_FILES.items()]


def copy_weights(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    missing = [str(path) for path in sources() if not path.is_file()]
    if missing:
        raise ExtensionError(
            f"no {', '.join(missing)}: chapter 8 (chapters/08_nothing_but_the_weights.ipynb) writes them when it "
            "runs. Run that chapter with the same S2S_CACHE, or delete _build/.jupyter_cache so that the build "
            "runs it.")
    target = Path(app.outdir) / "_static"
    target.mkdir(parents=True, exist_ok=True)
    for path in sources():
        shutil.copyfile(path, target / path.name)


def setup(app):
    app.connect("build-finished", copy_weights)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
