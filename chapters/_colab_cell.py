# Colab opens this notebook without the rest of the book: fetch the helper package and the corpus.
# Anywhere else (a local Jupyter, Binder, the book's build) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    BOOK = "/content/s2sbook"
    if not os.path.isdir(BOOK):
        subprocess.run(["git", "clone", "--depth=1", "https://github.com/s2sbook/s2sbook", BOOK], check=True)
    # --no-deps keeps Colab's own TensorFlow, Keras, numpy, pandas and matplotlib; filelock is the one other need.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", BOOK, "filelock"], check=True)
    sys.path.insert(0, BOOK)  # a running kernel does not see a fresh install; this makes s2sbook importable now
    os.chdir(BOOK)

# Everywhere: before any cell imports TensorFlow, keep its C++ start-up log out of the outputs.
import os  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
