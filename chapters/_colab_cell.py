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
    # --no-deps keeps Colab's own TensorFlow, Keras, numpy, pandas and
    # matplotlib; filelock is the one other need.
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    subprocess.run([*pip, "-e", BOOK, "filelock"], check=True)
    # A running kernel does not see a fresh install: make s2sbook importable.
    sys.path.insert(0, BOOK)
    os.chdir(BOOK)

# Everywhere: keep TensorFlow's C++ start-up log out of the outputs (before any
# cell imports TensorFlow), and show an error as the line of this notebook that
# raised and its message, without machine paths.
from s2sbook.notebook import quiet_tensorflow, short_tracebacks  # noqa: E402

quiet_tensorflow()
short_tracebacks()
