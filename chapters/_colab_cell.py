# Colab opens this notebook without the rest of the book: fetch the helper
# package and the corpus. Anywhere else (a local Jupyter, Binder, the book's
# build) this part does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    BOOK = "/content/s2sbook"
    REPOSITORY = "https://github.com/s2sbook/s2sbook"
    if not os.path.isdir(BOOK):
        git = ["git", "clone", "--depth=1", REPOSITORY, BOOK]
        subprocess.run(git, check=True)
    # --no-deps keeps Colab's own TensorFlow, Keras, numpy, pandas, matplotlib,
    # h5py and jinja2. What else the chapters import comes at the book's pins
    # (tools/generate.py writes this list from the chapters' imports).
    EXTRAS = [
        "filelock==4.3.1",
        "onnx==1.23.2",
        "onnxruntime==1.31.1",
        "sacrebleu==2.6.0",
        "tf2onnx==1.17.0",
    ]
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--no-deps", "-e", BOOK], check=True)
    subprocess.run([*pip, *EXTRAS], check=True)
    # A running kernel does not see a fresh install: make s2sbook importable.
    sys.path.insert(0, BOOK)
    os.chdir(BOOK)

# Everywhere: keep TensorFlow's C++ start-up log out of the outputs (before any
# cell imports TensorFlow), and show an error as the line of this notebook that
# raised and its message, without machine paths.
from s2sbook.notebook import quiet_tensorflow, short_tracebacks  # noqa: E402

quiet_tensorflow()
short_tracebacks()
