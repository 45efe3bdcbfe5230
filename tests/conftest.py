import sys
from pathlib import Path

import pytest

import s2sbook  # noqa: F401  (quiets TensorFlow's C++ start-up log before any test imports TF)

# tools/book.py (the book's pages, from _toc.yml, and the repository's ROOT) is shared by the tests, the
# generator and the benchmarks.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))



@pytest.fixture(scope="session")
def shipped():
    """Chapter 1's output for the shipped corpus, prepared once for every test that reads it."""
    from s2sbook import data

    return data.prepare()


@pytest.fixture(scope="session")
def tiny_trained(tmp_path_factory):
    """``(dataset, fullmodel)`` of the tiny corpus, trained once for the tests that only read it."""
    from tiny import train_tiny

    return train_tiny(tmp_path_factory.mktemp("tiny"), seed=3)


@pytest.fixture(scope="session")
def tiny_varied_trained(tmp_path_factory):
    """``(dataset, fullmodel)`` of the tiny corpus of sentences of different lengths (``VARIED_PAIRS``)."""
    from tiny import VARIED_PAIRS, train_tiny

    return train_tiny(tmp_path_factory.mktemp("tiny-varied"), seed=3, pairs=VARIED_PAIRS)
