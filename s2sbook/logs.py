"""TensorFlow's Python warnings, collected to be shown on a page (chapter 6 shows tf.function's retracing
warning): while the ``with`` block runs, the records of the ``"tensorflow"`` logger go to a list instead of
the notebook's error stream, with memory addresses (which change from run to run) blanked out."""

from __future__ import annotations

import contextlib
import logging
import re

ADDRESS = re.compile(r" at 0x[0-9a-f]+")


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(f"{record.levelname}: {ADDRESS.sub('', record.getMessage())}")


@contextlib.contextmanager
def tensorflow_warnings():
    """``with tensorflow_warnings() as logged:`` -> ``logged`` is the list of ``"LEVEL: message"`` lines."""
    import tensorflow as tf  # its get_logger() sets the logger up on first use: before ours replaces it

    logger, collect = tf.get_logger(), Collect()
    saved = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [collect], False
    try:
        yield collect.messages
    finally:
        logger.handlers, logger.propagate = saved
