"""Sphinx extension (``local_extensions`` in _config.yml): ships chapter 8's exported weights with the site.

The weights come from the trained model, which is not committed, so the site's copy is made where the model
is: chapter 8 exports it under the cache folder (``$S2S_CACHE``, else ``_artifacts/``) as
``exported_weights/s2s_weights.js`` when it runs, in the build or in the tests before it. When the build has
finished, this copies that file into the site's ``_static/``, next to ``s2s_translator.js``, which loads it.
A build without it fails, saying what to run. Kept free of TensorFlow: it runs inside the Sphinx process.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
# The same names as s2sbook.cache.cache_root() and s2sbook.numpy_translator (a test checks they agree).
CACHE_ENV, EXPORT_FOLDER, SITE_FILE = "S2S_CACHE", "exported_weights", "s2s_weights.js"


def export_folder() -> Path:
    return Path(os.environ.get(CACHE_ENV) or ROOT / "_artifacts") / EXPORT_FOLDER


def copy_weights(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = export_folder() / SITE_FILE
    if not source.is_file():
        raise ExtensionError(
            f"no {source}: chapter 8 (chapters/08_nothing_but_the_weights.ipynb) writes it when it runs. Run "
            "that chapter with the same S2S_CACHE, or delete _build/.jupyter_cache so that the build runs it.")
    target = Path(app.outdir) / "_static" / SITE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def setup(app):
    app.connect("build-finished", copy_weights)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
