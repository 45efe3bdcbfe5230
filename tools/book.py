"""The book's structure: pages from _toc.yml, their sources, the repository. Shared by tools/generate.py,
benchmarks/peak_memory.py and the tests."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COLAB_CELL = ROOT / "chapters" / "_colab_cell.py"


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
