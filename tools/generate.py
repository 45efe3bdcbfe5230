#!/usr/bin/env python
"""Write what is derived from the chapters: the taught package modules (d2l's ``#@save`` pattern, spelled
``# @save`` as ruff formats it), the hidden first and last cell of every chapter, and the peak-memory rows
of the execution page.

A code cell whose first line is ``# @save s2sbook/NAME.py`` belongs to that module. Each generated
module is a header (below: its docstring and imports) followed by its cells, verbatim, in chapter
order. Nobody edits a generated module: change the chapter, then run

    python tools/generate.py            # rewrites whatever is stale
    python tools/generate.py --check    # exits 1 if anything is stale (the tests run this)

Saved cells hold no imports (put them in the chapter's import cell and in the header below), so a
generated module is the chapter's code and nothing else.

Every notebook page of ``_toc.yml`` starts with the set-up cell (``chapters/_colab_cell.py``) and ends
with the cell that reports its kernel's peak memory, both hidden from the site; ``chapters/execution.md``
gets one peak-memory row per notebook. So a new chapter needs its ``_toc.yml`` entry and this command.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

from book import ROOT, cell_source, title, toc_notebooks

HIDDEN = {"tags": ["remove-cell"]}
SETUP_CELL = ROOT / "chapters" / "_colab_cell.py"
MEMORY_CELL = "from s2sbook.budgets import report_peak_memory\n\nreport_peak_memory()"
EXECUTION_PAGE = ROOT / "chapters" / "execution.md"
ROWS_START = "% Peak-memory rows: written by python tools/generate.py from _toc.yml, do not edit."
ROWS_END = "% End of the rows written by tools/generate.py."
# The mark as `ruff format` writes it (it puts a space after every "#").
MARK = re.compile(r"# @save (s2sbook/\w+\.py)\s*$")
COMMAND = "python tools/generate.py"

# Each generated module: its docstring and the imports its cells need.
HEADERS = {
    "s2sbook/text.py": (
        "Chapter 1: normalising and tokenising sentences, the special tokens, and tokens back to text.",
        "import re\nimport unicodedata",
    ),
    "s2sbook/arrays.py": (
        "Chapter 1: token ids -> the three padded arrays of teacher forcing, and the fixed split.",
        "import numpy as np\n\nfrom .text import END, START, tokenize",
    ),
    "s2sbook/models.py": (
        "Chapters 2-3: the classic training model, and the inference models wired through its layers.",
        "import keras\nfrom keras import layers\nfrom keras.layers import Input\nfrom keras.models import Model",
    ),
    "s2sbook/training.py": (
        "Chapter 2: the recipe, the seed, the masked metric and loss, and teacher-forcing training.",
        "import importlib\n\nimport keras\n\nfrom .arrays import SEED",
    ),
    "s2sbook/checks.py": (
        "Chapter 4: the proof that inference models share the training model's layers and weights,\n"
        "as two checks that chapters 5 and 7, the appendix and the tests call.",
        "import keras\nimport numpy as np",
    ),
    "s2sbook/decoding.py": (
        "Chapters 3 and 6: greedy decoding with the inference models, from the classic loop to a batched,\n"
        "compiled one; beam search; the model's score of a translation.",
        "import weakref\n\nimport keras\nimport numpy as np\nimport tensorflow as tf\n\nfrom .text import END, START",
    ),
    "s2sbook/evaluation.py": (
        "Chapter 6: scoring translations (exact match, and BLEU by sacrebleu on detokenised text).",
        "import numpy as np\nimport sacrebleu\n\nfrom .arrays import SEED\nfrom .text import detokenize",
    ),
    "s2sbook/attention.py": (
        "Chapter 7: the encoder-decoder with Luong (dot-product) attention, and its inference models.",
        "import keras\nimport numpy as np\nfrom keras import layers\n\nfrom .text import END, START",
    ),
    "s2sbook/pipeline.py": (
        "Chapter 9: a recipe for real sentences: length-bucketed tf.data batches, training with early\n"
        "stopping on the validation loss, and evaluation batch by batch.",
        "import keras\nimport numpy as np\nimport tensorflow as tf\n\nfrom .arrays import SEED\n"
        "from .training import EpochLog, compile_model",
    ),
    "s2sbook/backends.py": (
        "Chapter 10: the book's model and proof on TensorFlow, JAX and PyTorch, one process per backend;\n"
        "what each backend holds behind a Keras Variable; one .keras file translated on all three.",
        "import importlib\nimport json\nimport os\nimport subprocess\nimport sys\nimport warnings\n"
        "from pathlib import Path\n\nimport keras\nimport numpy as np\n\nfrom .budgets import peak_memory_mb\n"
        "from .cache import load_or_train\nfrom .checks import matches_fullmodel, shares_layers\n"
        "from .data import prepare\n"
        "from .decoding import decode_batch\nfrom .models import build_training_model, inference_models\n"
        "from .timing import EpochTimes, environment, timed\nfrom .training import RECIPE, compile_model, set_seed",
    ),
    "s2sbook/numpy_translator.py": (
        "Chapter 8: the trained weights exported (.npz + JSON, no pickle), and the translator redone in numpy\n"
        "from nothing but them: embedding lookup, LSTM step, dense softmax, greedy decoding; the site's bundle.",
        "import base64\nimport json\nfrom pathlib import Path\n\nimport keras\nimport numpy as np\n\n"
        "from .data import Vocabulary, encode_source\nfrom .text import END, START, detokenize",
    ),
    "s2sbook/encoders.py": (
        "Chapter 13: a stacked (two-layer) and a bidirectional encoder, their inference models built by calling\n"
        "fullmodel's own layers, and greedy decoding that carries any number of states.",
        "import keras\nfrom keras import layers\n\nfrom .decoding import greedy_ids, ids_to_tokens\n"
        "from .text import END, START",
    ),
    "s2sbook/distributed.py": (
        "Chapter 11: data-parallel training on Keras's distribution API (JAX backend), in new processes\n"
        "with simulated devices; the proof and greedy decoding on the distributed model.",
        "import json\nimport os\nimport random\nimport re\nimport shutil\nimport signal\nimport socket\n"
        "import subprocess\nimport sys\nimport tempfile\nimport time\nfrom pathlib import Path\n\n"
        "import jax\nimport keras\nimport numpy as np\n\n"
        "from .budgets import peak_memory_mb\nfrom .checks import matches_fullmodel, shares_layers\n"
        "from .data import prepare\nfrom .decoding import greedy_ids, ids_to_tokens\n"
        "from .models import build_training_model, inference_models\nfrom .notebook import is_tensorflow_log\n"
        "from .text import END, START\nfrom .timing import EpochTimes\nfrom .training import EpochLog, compile_model",
    ),
}


class GenerateError(Exception):
    pass


def saved_cells() -> dict[str, list[tuple[str, str]]]:
    """``{module: [(chapter file name, cell code without its mark), ...]}`` in the order of _toc.yml."""
    found = {module: [] for module in HEADERS}
    for notebook in toc_notebooks():
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            first, _, code = "".join(cell["source"]).partition("\n")
            mark = MARK.match(first)
            if re.match(r"#\s*@save", first) and not mark:
                raise GenerateError(f"{notebook.name}: write the mark as '# @save s2sbook/NAME.py', not {first!r}")
            if not mark:
                continue
            module = mark.group(1)
            if module not in HEADERS:
                raise GenerateError(f"{notebook.name}: {module} is not a generated module; add it to HEADERS "
                                    f"in tools/generate.py")
            if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse(code).body):
                raise GenerateError(f"{notebook.name}: a # @save cell for {module} imports something; move the "
                                    f"import to the chapter's import cell and to {module}'s header in "
                                    f"tools/generate.py")
            found[module].append((notebook.name, code.strip()))
    empty = [module for module, cells in found.items() if not cells]
    if empty:
        raise GenerateError(f"no chapter cell is saved to {', '.join(empty)}")
    return found


def render(module: str, cells: list[tuple[str, str]]) -> str:
    docstring, imports = HEADERS[module]
    chapters = sorted({name for name, _ in cells})
    header = (f'"""{docstring}\n\nGenerated by {COMMAND} from the # @save cells of {", ".join(chapters)}:\n'
              f'edit the chapter, then run that command. Do not edit this file."""\n\n'
              f"from __future__ import annotations\n\n{imports}")
    body = "\n\n\n".join(f"# {name}\n{code}" for name, code in cells)
    # isort's blank lines after the imports: two before a def or class, else one.
    first = ast.parse(cells[0][1]).body[0]
    gap = "\n\n\n" if isinstance(first, (ast.FunctionDef, ast.ClassDef)) else "\n\n"
    return f"{header}{gap}{body}\n"


def code_cell(cell_id: str, source: str) -> dict:
    lines = source.split("\n")
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": HIDDEN,
            "outputs": [], "source": [line + "\n" for line in lines[:-1]] + [lines[-1]]}


def with_hidden_cells(path: Path) -> str:
    """The notebook's text with the set-up cell first and the peak-memory cell last (added or updated)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    prefix = cells[0]["id"].rsplit("-", 1)[0] if cells and "-" in cells[0]["id"] else path.stem[:12]
    setup = SETUP_CELL.read_text(encoding="utf-8").strip()
    first = cells[0] if cells else {}
    if first.get("cell_type") == "code" and cell_source(first).startswith(setup.split("\n")[0]):
        cells[0] = code_cell(first["id"], setup)
    else:
        cells.insert(0, code_cell(f"{prefix}-setup", setup))
    last = cells[-1]
    if last["cell_type"] == "code" and cell_source(last).strip().endswith("report_peak_memory()"):
        cells[-1] = code_cell(last["id"], MEMORY_CELL)
    else:
        cells.append(code_cell(f"{prefix}-memory", MEMORY_CELL))
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def with_memory_rows(page: str, notebooks: list[Path]) -> str:
    """The execution page with one peak-memory row per notebook of _toc.yml, between the two markers."""
    if ROWS_START not in page or ROWS_END not in page:
        raise GenerateError(f"{EXECUTION_PAGE.name} lost its markers {ROWS_START!r} and {ROWS_END!r}")
    rows = [f"| {title(str(path.relative_to(ROOT).with_suffix('')))} | "
            f"{{glue:text}}`{path.name}::peak_memory_mb:d` MB |" for path in notebooks]
    head, rest = page.split(ROWS_START, 1)
    _, tail = rest.split(ROWS_END, 1)
    table = "\n".join(["| Notebook | Peak memory |", "| --- | --- |", *rows])
    return f"{head}{ROWS_START}\n\n{table}\n\n{ROWS_END}{tail}"


def wanted_files() -> dict[Path, str]:
    """Every derived file and the text it must have."""
    wanted = {ROOT / module: render(module, cells) for module, cells in saved_cells().items()}
    notebooks = toc_notebooks()
    wanted |= {path: with_hidden_cells(path) for path in notebooks}
    wanted[EXECUTION_PAGE] = with_memory_rows(EXECUTION_PAGE.read_text(encoding="utf-8"), notebooks)
    return wanted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale modules; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        wanted = wanted_files()
    except GenerateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stale = [path for path, text in wanted.items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if args.check:
        if stale:
            names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
            print(f"stale, regenerate with `{COMMAND}`: {names}", file=sys.stderr)
            return 1
        return 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
