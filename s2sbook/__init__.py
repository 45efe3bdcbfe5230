"""The code the book teaches inline, importable by later chapters (the d2l pattern).

Modules mirror the chapters: ``data`` (chapter 1), ``models`` (chapters 2-3),
``decoding`` (chapters 3 and 6), ``translator`` (chapter 5), ``evaluation`` (chapter 6),
``attention`` (chapter 7), ``training`` (the training recipes, cached), ``plots`` and ``report``.
"""

import os

# Keep TensorFlow's C++ start-up chatter out of notebook outputs; must be set before TF loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
