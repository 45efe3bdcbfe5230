"""What a chapter's kernel shows its reader, set up by every chapter's hidden first cell
(``chapters/_colab_cell.py``): ``quiet_tensorflow()`` and ``short_tracebacks()``.

TensorFlow's C++ runtime writes its start-up log (``WARNING: All log messages before
absl::InitializeLog() ...``, ``I0000 ... oneDNN custom operations are on ...``) straight to file
descriptor 2; ``TF_CPP_MIN_LOG_LEVEL`` does not stop all of it. ``quiet_tensorflow`` puts a pipe in
front of descriptor 2 and drops exactly those lines, passing every other line on. It works wherever
the kernel runs (the book's build, nbmake, Binder, Colab, a plain script).

A Keras error raised in a notebook prints a long traceback through the library's files, with the
paths of the machine that ran it. ``short_tracebacks`` makes IPython show what a reader needs: the
line of their own cell that raised, then ``Type: message``, without machine paths. The cell still
ends in an error (the build's and nbmake's ``raises-exception`` handling see it as before). It also sets
pandas to show tables in full (``readable_tables``): a cut cell would hide the very word a table is about.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import textwrap
import threading
import traceback
import warnings

# One record of TensorFlow's C++ (absl) log: severity and date, time, thread id, file:line] message.
TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+\s+[\w.\-/]+:\d+\] ")
# Lines that TensorFlow's C++ start-up writes outside that format: absl's notice before its log is set up,
# and the second line of cpu_feature_guard's record.
TF_OTHER_LINES = (
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^To enable the following instructions: .* rebuild TensorFlow"),
)
# An absolute path of the machine: /home/..., /work/..., /tmp/..., C:\...; shortened to its last two parts.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[\w.+\-@~]+){2,}/?|[A-Za-z]:\\(?:[\w.+\-@~ ]+\\)+[\w.+\-@~]*")
# A folder that Python's tempfile made: "tmp" and eight random letters, digits or underscores.
TEMPORARY_FOLDER = re.compile(r"tmp[a-z0-9_]{8}")
# The file of a notebook cell, as IPython (8 and later) names it; older ones say <ipython-input-...>.
CELL_FILE = re.compile(r"ipykernel_\d+[/\\]\d+\.py$|^<ipython-input-")
# A numpy array or tensor printed inside a message (Keras puts whole tensors in some): its values are cut.
ARRAY_VALUES = re.compile(r"(numpy=\s*)?array\(\[[\s\S]*?\]\)(, dtype=\w+\))?|numpy=\s*array\([\s\S]*?\)(?=>)")
# Terminal colours (Keras puts bold in some messages): no meaning in a notebook's output.
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
WIDTH = 80  # the site's code column holds 84 characters; tracebacks stay inside it
MAX_MESSAGE_LINES = 12

_quiet = False


def is_tensorflow_log(line: str) -> bool:
    """True for a line of TensorFlow's C++ log (and only those)."""
    return bool(TF_LOG_LINE.match(line)) or any(pattern.match(line) for pattern in TF_OTHER_LINES)


def _forward(read_fd: int, write_fd: int) -> None:
    pending = b""
    while True:
        try:
            chunk = os.read(read_fd, 65536)
        except OSError:
            return
        if not chunk:
            if pending:
                os.write(write_fd, pending)
            return
        *lines, pending = (pending + chunk).split(b"\n")
        kept = [line for line in lines if not is_tensorflow_log(line.decode("utf-8", "replace"))]
        if kept:
            os.write(write_fd, b"".join(line + b"\n" for line in kept))


def quiet_tensorflow() -> None:
    """Drop TensorFlow's C++ log lines from file descriptor 2; every other line still gets through.

    Call it before TensorFlow is imported. Calling it again does nothing.
    """
    global _quiet
    if _quiet:
        return
    original = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    threading.Thread(target=_forward, args=(read_fd, original), name="quiet_tensorflow", daemon=True).start()
    _quiet = True


def without_paths(text: str) -> str:
    """``text`` with every absolute file-system path cut to its last two parts (``…/keras/saving.py``), or to
    its last part when the other is a temporary folder (``…/fra.txt``, not ``…/tmpk2x9_a1b/fra.txt``: the
    folder's random name means nothing to a reader, and differs on every run)."""

    def short(match: re.Match) -> str:
        parts = [p for p in re.split(r"[/\\]", match.group(0)) if p]
        if len(parts) > 1 and TEMPORARY_FOLDER.fullmatch(parts[-2]):
            return "…/" + parts[-1]
        return "…/" + "/".join(parts[-2:])

    return ABSOLUTE_PATH.sub(short, text)


def _short_array(match: re.Match) -> str:
    text = match.group(0)
    return text if len(text) <= 40 else text.split("array(", 1)[0].rstrip() + "array(…)"


def short_traceback(etype, value, tb) -> list[str]:
    """The lines a reader needs of an exception: their cell's line that raised, and ``Type: message``."""
    frames = [frame for frame in traceback.extract_tb(tb) if CELL_FILE.search(frame.filename)]
    lines = []
    if frames:
        frame = frames[-1]
        first, last = frame.lineno, max(frame.end_lineno or frame.lineno, frame.lineno)
        code = [linecache.getline(frame.filename, n).rstrip() for n in range(first, min(last, first + 4) + 1)]
        if len(code) == 1 or not any(code[1:]):
            lines.append(f"Cell line {first}: {(code[0] or frame.line or '').strip()}")
        else:  # a statement over several lines: all of it (up to five lines)
            lines.append(f"Cell lines {first}-{last}:")
            lines += ["  " + line for line in textwrap.dedent("\n".join(code)).splitlines()]
            if last > first + 4:
                lines.append("  …")
    message = ARRAY_VALUES.sub(_short_array, without_paths(ANSI_CODES.sub("", str(value)))).strip()
    text = f"{etype.__name__}: {message}" if message else etype.__name__
    wrapped = []
    for paragraph in text.splitlines():
        wrapped += textwrap.wrap(paragraph, WIDTH, subsequent_indent="  ") or [""]
    if len(wrapped) > MAX_MESSAGE_LINES:
        wrapped = wrapped[:MAX_MESSAGE_LINES] + ["  … (message cut)"]
    return lines + wrapped


def _show_warning(message, category, filename, lineno, file=None, line=None):
    text = without_paths(f"{category.__name__}: {message}")
    print("\n".join(textwrap.wrap(text, WIDTH, subsequent_indent="  ")), file=file or sys.stderr)


def readable_tables() -> None:
    """pandas shows every cell in full (its default cuts a cell at 50 characters, with "..."), every column
    and up to 100 rows: the site's style sheet wraps a long cell to the column instead."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_rows", 100)
    pd.set_option("display.width", WIDTH)  # a DataFrame printed as text wraps its columns at the code column


def short_tracebacks() -> None:
    """In IPython: short, path-free tracebacks and warnings (see the module's docstring), and tables shown
    in full (``readable_tables``); every chapter's hidden first cell calls it. Elsewhere: nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        stb = short_traceback(etype, value, tb)
        shell._showtraceback(etype, value, stb)
        return stb

    shell.set_custom_exc((Exception,), handler)
    warnings.showwarning = _show_warning
    readable_tables()
