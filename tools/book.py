"""The book's structure: pages from _toc.yml, their sources, the repository's ROOT, and what is derived from
what the chapters import (third-party modules, the Colab cell's extras, the requirements' pins). Shared by
tools/generate.py, benchmarks/peak_memory.py, .ci/cache_executed.py and the tests."""

import ast
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COLAB_CELL = ROOT / "chapters" / "_colab_cell.py"


def load_script(relative: str):
    """A script of the repository (benchmarks/, tools/, .ci/) loaded as a module, to test its functions."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toc_pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the book in reading order, as ``_toc.yml`` names them (``chapters/01_data``)."""
    toc = yaml.safe_load(Path(toc_file).read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    walk([toc])
    return pages


def source(page: str) -> Path:
    """The file a page is built from: ``PAGE.ipynb`` or ``PAGE.md``."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{page}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"_toc.yml lists {page}, but there is no {page}.ipynb or {page}.md")


def toc_notebooks() -> list[Path]:
    return [path for path in map(source, toc_pages()) if path.suffix == ".ipynb"]


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def cell_source(cell: dict) -> str:
    return "".join(cell["source"])


def title(page: str) -> str:
    """The page's title as a reader sees it: its first ``# `` heading, without Markdown marks."""
    path = source(page)
    if path.suffix == ".ipynb":
        text = "\n".join(cell_source(c) for c in cells(path) if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    heading = re.search(r"^# (.+)$", text, re.M)
    assert heading, f"{path.name} has no '# ' title"
    return re.sub(r"[`*]", "", heading.group(1)).strip()


def repository() -> tuple[str, str]:
    """The repository URL and branch from _config.yml (the launch buttons and the Colab cell use them)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/"), config["repository"]["branch"]


def imported_modules(code: str) -> set[str]:
    """The top-level names of the modules that ``code`` imports (IPython magics and shell escapes left out)."""
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def third_party_imports() -> dict[str, set[str]]:
    """Every third-party module that a chapter or the package imports, with the distributions that provide
    it (normalised names). Left out: the standard library, the book's own package, myst_nb (used by
    s2sbook.budgets only inside a Jupyter Book build) and IPython (s2sbook.notebook, inside a kernel)."""
    code = [cell_source(c) for notebook in toc_notebooks() for c in cells(notebook) if c["cell_type"] == "code"]
    code += [path.read_text(encoding="utf-8") for path in (ROOT / "s2sbook").glob("*.py")]
    modules = set().union(*map(imported_modules, code))
    modules -= set(sys.stdlib_module_names) | {"s2sbook", "myst_nb", "IPython"}
    distributions = importlib.metadata.packages_distributions()
    return {module: {re.sub(r"[-_.]+", "-", name).lower() for name in distributions.get(module, [module])}
            for module in sorted(modules)}


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file that apply on this platform (their environment
    marker holds here: torch is ``2.13.0+cpu`` on Linux, ``2.13.0`` elsewhere), names normalised."""
    from packaging.markers import Marker

    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;(.*))?$", line)
        if match and (match.group(3) is None or Marker(match.group(3)).evaluate()):
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


# What Colab preinstalls (as distributions), so its set-up cell leaves it alone: its TensorFlow build, Keras and
# their companions, JAX, and jinja2 (for pandas' Styler).
COLAB_PROVIDES = {"tensorflow", "tensorflow-cpu", "keras", "numpy", "matplotlib", "pandas", "h5py", "jinja2",
                  "ipython", "jax", "jaxlib"}


def colab_extras() -> list[str]:
    """What the Colab cell installs besides the package: every distribution that a chapter or the package
    imports and Colab lacks, at the pin of requirements.txt (``KeyError`` naming one that is not pinned)."""
    needed = set()
    for names in third_party_imports().values():
        if not names & COLAB_PROVIDES:
            needed |= names
    book = pins(ROOT / "requirements.txt")
    return [f"{name}=={book[name]}" for name in sorted(needed)]


def chapters_importing(module: str) -> set[str]:
    """The file names of the chapters whose code imports ``module`` (a top-level name)."""
    return {notebook.name for notebook in toc_notebooks()
            if any(module in imported_modules(cell_source(c)) for c in cells(notebook) if c["cell_type"] == "code")}
