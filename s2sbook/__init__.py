"""The book's helper package: the code the chapters teach, importable by later chapters (the d2l pattern).

Generated from the chapters' ``# @save`` cells by ``python tools/generate.py`` (never edit these by hand):
``text`` (chapter 1), ``arrays`` (chapter 1), ``training`` (chapter 2), ``models`` (chapters 2 and 3),
``decoding`` (chapters 3 and 6), ``evaluation`` (chapters 3 and 6), ``checks`` (chapter 4), ``speed`` (chapter
6), ``attention`` (chapter 7), ``numpy_translator`` (chapter 8), ``pipeline`` (chapter 9), ``backends``
(chapter 10), ``distributed`` (chapter 11), ``transformer`` (chapter 12), ``encoders`` (chapter 13),
``shipping`` (chapter 14).

Hand-written: ``budgets``, ``cache``, ``compiled_steps``, ``data``, ``estimate``, ``folders``, ``logs``,
``notebook``, ``outcomes``, ``plots``, ``processes``, ``simulated_devices``, ``standalone``, ``timing``,
``translator``, ``watch``. (This docstring, too, is written by ``python tools/generate.py``.)
"""

import os

# Keep TensorFlow's C++ start-up chatter out of scripts and notebooks; must be set before TF loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
