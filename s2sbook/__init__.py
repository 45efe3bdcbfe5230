"""The book's helper package: the code the chapters teach, importable by later chapters (the d2l pattern).

Generated from the chapters' ``# @save`` cells by ``python tools/generate.py`` (never edit these by hand):
``text`` and ``arrays`` (chapter 1), ``models`` (chapters 2-3), ``training`` (chapter 2), ``checks``
(chapter 4), ``decoding`` (chapters 3 and 6), ``evaluation`` (chapters 3 and 6), ``attention`` (chapter 7),
``numpy_translator`` (chapter 8), ``pipeline`` (chapter 9), ``backends`` (chapter 10), ``distributed``
(chapter 11).

Hand-written: ``data`` (corpus reader, vocabularies, ``prepare``), ``cache`` (``load_or_train``),
``translator`` (chapter 5's saved translator and its command line), ``plots``, ``timing``, ``budgets``,
``notebook`` (what every chapter's hidden first cell sets up: TensorFlow's log quieted, short tracebacks).
"""

import os

# Keep TensorFlow's C++ start-up chatter out of scripts and notebooks; must be set before TF loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
