"""A function run in a new Python process that imports neither Keras nor this package (chapter 14).

Chapter 14 ships the inference models to a SavedModel and to ONNX and serves them where a reader's server
would: in a process that has only TensorFlow, or only ONNX Runtime. ``run_standalone`` sends the functions'
source code to that process (so the child never imports ``s2sbook``), passes the arguments and the result
as JSON, and checks, in the child, after the call, that no forbidden module was imported. The child's peak
memory comes back with the result, so a chapter can report it beside its kernel's.

The forbidden modules are also blocked before the call (an ``import keras`` fails), because ``import
tensorflow`` itself imports Keras 3 whenever it is installed (TensorFlow's ``__init__`` imports
``keras.src.optimizers`` and skips it if that import fails): without the block, no process that imports
TensorFlow could be without Keras in this environment. A SavedModel that still needed Keras would then
fail to load, which is what the check is for.
"""

from __future__ import annotations

import inspect
import json
import tempfile
import textwrap
from pathlib import Path

from .processes import ProcessError, run_python

NEVER = ("keras", "s2sbook")  # what a standalone process must not import, whatever else it forbids

# What the shipped functions may use without importing it (the book's greedy_ids uses np, timed uses
# time and statistics): only the standard library and numpy.
PRELUDE = "import json\nimport statistics\nimport sys\nimport time\n\nimport numpy as np\n"

BLOCK = """
for _name in {forbidden!r}:
    sys.modules[_name] = None  # an import of it raises ImportError
"""

EPILOGUE = """
with open(sys.argv[1], encoding="utf-8") as _file:
    _arguments = json.load(_file)
_result = {function}(**_arguments)
for _name in {forbidden!r}:
    if sys.modules.get(_name, 0) is None:
        del sys.modules[_name]
_imported = sorted({{n.split(".")[0] for n in sys.modules}} & set({forbidden!r}))
if _imported:
    raise SystemExit(f"the standalone process imported {{', '.join(_imported)}}")
with open("/proc/self/status") as _status:
    _peak = [int(line.split()[1]) // 1024 for line in _status if line.startswith("VmHWM:")]
print("\\n" + json.dumps({{"result": _result, "peak_memory_mb": _peak[0] if _peak else None}}))
"""


class StandaloneError(RuntimeError):
    """The standalone process failed: the end of its error output is in the message."""


def source_of(function) -> str:
    return textwrap.dedent(inspect.getsource(function))


def run_standalone(function, *, uses=(), forbidden=(), block: bool = True, timeout: float = 600,
                   **arguments) -> dict:
    """``function(**arguments)`` called in a new Python process, which imports neither Keras, ``s2sbook``
    nor any module named in ``forbidden``; returns ``{"result": ..., "peak_memory_mb": ...}``.

    ``function`` and every function in ``uses`` (those it calls) travel as source code, so each imports
    what it needs inside its body (numpy and a few standard modules are imported for them, ``PRELUDE``).
    Arguments and the result must be JSON values. ``block=False`` leaves the forbidden modules importable
    (then only the check after the call stands between them and the process).
    """
    forbidden = tuple(dict.fromkeys((*NEVER, *forbidden)))
    block_code = BLOCK.format(forbidden=forbidden) if block else ""
    code = "\n\n".join([PRELUDE, block_code, *(source_of(f) for f in (*uses, function)),
                        EPILOGUE.format(function=function.__name__, forbidden=forbidden)])
    # The arguments travel in a file: a test split is too long for a command line. TensorFlow's C++ start-up
    # log goes to the child's standard error, which is only shown on failure.
    with tempfile.TemporaryDirectory(prefix="s2sbook-standalone-") as folder:
        passed = Path(folder, "arguments.json")
        passed.write_text(json.dumps(arguments), encoding="utf-8")
        try:
            finished = run_python(code, str(passed), name=f"{function.__name__} in its standalone process",
                                  timeout=timeout, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
        except ProcessError as error:
            raise StandaloneError(str(error)) from None
    return json.loads(finished.stdout.rstrip().rsplit("\n", 1)[-1])
