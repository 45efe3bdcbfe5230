#!/usr/bin/env python
"""Write the parts of the package that the chapters teach, from the chapters (the d2l ``#@save`` pattern).

A code cell whose first line is ``#@save s2sbook/NAME.py`` belongs to that module. Each generated
module is a header (below: its docstring and imports) followed by its cells, verbatim, in chapter
order. Nobody edits a generated module: change the chapter, then run

    python tools/generate.py            # rewrites the generated modules
    python tools/generate.py --check    # exits 1 if any of them is stale (the tests run this)

Saved cells hold no imports (put them in the chapter's import cell and in the header below), so a
generated module is the chapter's code and nothing else.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
MARK = re.compile(r"#@save (s2sbook/\w+\.py)\s*$")
COMMAND = "python tools/generate.py"

# Each generated module: its docstring and the imports its cells need.
HEADERS = {
    "s2sbook/text.py": (
        "Chapter 1: normalising and tokenising sentences, the special tokens, and tokens back to text.",
        "import re\nimport unicodedata",
    ),
    "s2sbook/arrays.py": (
        "Chapter 1: token ids -> the three padded arrays of teacher forcing, and the fixed split.",
        "import numpy as np\n\nfrom .text import END, START",
    ),
    "s2sbook/models.py": (
        "Chapters 2-3: the classic training model, and the inference models wired through its layers.",
        "import keras\nfrom keras import layers\nfrom keras.layers import Input\nfrom keras.models import Model",
    ),
    "s2sbook/training.py": (
        "Chapter 2: the recipe, the seed, the masked metric and loss, and teacher-forcing training.",
        "import keras\nimport tensorflow as tf\n\nfrom .arrays import SEED",
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
        "import numpy as np\nimport sacrebleu\n\nfrom .text import detokenize",
    ),
    "s2sbook/attention.py": (
        "Chapter 7: the encoder-decoder with Luong (dot-product) attention, and its inference models.",
        "import keras\nimport numpy as np\nfrom keras import layers\n\nfrom .text import END, START",
    ),
    "s2sbook/numpy_translator.py": (
        "Chapter 8: the trained weights exported (.npz + JSON, no pickle), and the translator redone in numpy\n"
        "from nothing but them: embedding lookup, LSTM step, dense softmax, greedy decoding; the site's bundle.",
        "import base64\nimport json\nfrom pathlib import Path\n\nimport keras\nimport numpy as np\n\n"
        "from .data import Vocabulary, encode_source\nfrom .text import END, START, detokenize",
    ),
}


class GenerateError(Exception):
    pass


def saved_cells() -> dict[str, list[tuple[str, str]]]:
    """``{module: [(chapter file name, cell code without its mark), ...]}`` in chapter order."""
    found = {module: [] for module in HEADERS}
    for notebook in sorted(CHAPTERS.glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            first, _, code = "".join(cell["source"]).partition("\n")
            mark = MARK.match(first)
            if first.startswith("#@save") and not mark:
                raise GenerateError(f"{notebook.name}: write the mark as '#@save s2sbook/NAME.py', not {first!r}")
            if not mark:
                continue
            module = mark.group(1)
            if module not in HEADERS:
                raise GenerateError(f"{notebook.name}: {module} is not a generated module; add it to HEADERS "
                                    f"in tools/generate.py")
            if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse(code).body):
                raise GenerateError(f"{notebook.name}: a #@save cell for {module} imports something; move the "
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
    parts = [f'"""{docstring}\n\nGenerated by {COMMAND} from the #@save cells of {", ".join(chapters)}:\n'
             f'edit the chapter, then run that command. Do not edit this file."""\n\n'
             f"from __future__ import annotations\n\n{imports}"]
    parts += [f"# {name}\n{code}" for name, code in cells]
    return "\n\n\n".join(parts) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale modules; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        wanted = {module: render(module, cells) for module, cells in saved_cells().items()}
    except GenerateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stale = [module for module, text in wanted.items()
             if not (ROOT / module).is_file() or (ROOT / module).read_text(encoding="utf-8") != text]
    if args.check:
        if stale:
            print(f"stale, regenerate with `{COMMAND}`: {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    for module in stale:
        (ROOT / module).write_text(wanted[module], encoding="utf-8")
        print(f"wrote {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
