"""The built site (``_build/html``) as a reader meets it: every page of the table of contents opened in
headless Chromium, served over HTTP from this machine (served.py and conftest.py: the server, the browser,
and the skip before a build).

One full-page screenshot per page goes to ``_build/screenshots/`` (CI keeps it).
"""

import re
import shutil
from urllib.parse import unquote, urlsplit

import pytest
from book import ROOT, cell_source, cells, repository, source, title, toc_notebooks, toc_pages
from served import DESKTOP, HTML, PHONE, Visit, unavailable

from s2sbook.plots import SMALLEST_FONT_PT

SCREENSHOTS = ROOT / "_build" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)


# The accessibility audit: axe-core from the npm registry, pinned in .ci/axe-core/ (`npm ci --prefix .ci/axe-core`;
# .ci/run does it), injected into each page. A serious or critical violation fails the page; the others are listed.
AXE = ROOT / ".ci" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    if not AXE.is_file():
        unavailable(f"no axe-core at {AXE}: run `npm ci --prefix .ci/axe-core`")
    return AXE


def accessibility_violations(tab, axe_file) -> list[dict]:
    """axe-core's violations on the page as it is now: rule, impact, what it asks, and the first few elements."""
    tab.add_script_tag(path=str(axe_file))
    return tab.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")), count: v.nodes.length}))""")


def describe(violation: dict) -> str:
    return (f"{violation['impact']} accessibility violation {violation['id']} ({violation['help']}): "
            f"{violation['count']} element(s), such as {', '.join(violation['nodes'])}")


def min_figures(page: str) -> int:
    """The figures a page promises, at least: one per code cell of its notebook that shows a figure
    (``plt.show()``), so a new chapter needs no entry here."""
    path = source(page)
    if path.suffix != ".ipynb":
        return 0
    return sum(c["cell_type"] == "code" and "plt.show()" in cell_source(c) for c in cells(path))


def test_every_chapter_promises_the_figures_it_draws():
    """Runs without a build: the count that the page test expects, read off the notebooks."""
    assert min_figures("chapters/02_training_model") == 3 and min_figures("intro") == 0


def internal_link_problems(hrefs: list[str], base: str) -> list[str]:
    problems = []
    for href in hrefs:
        if not href.startswith(base):
            continue  # another site (the repository, Binder, Colab, ...) or mailto:
        parts = urlsplit(href)
        target = HTML / unquote(parts.path).lstrip("/")
        if parts.path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"link to a missing file: {href}")
        elif parts.fragment and target.suffix == ".html":
            anchor = re.escape(unquote(parts.fragment))
            if not re.search(rf"""\b(id|name)=["']{anchor}["']""", target.read_text(encoding="utf-8")):
                problems.append(f"link to a missing anchor: {href}")
    return problems


# What a page must not show in any cell output: TensorFlow's C++ (absl) log, and paths of the machine
# that built it (an absolute path of two or more parts, a Windows drive, site-packages).
TF_LOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+\s+\S+:\d+\]|absl::InitializeLog", re.M)
MACHINE_PATH = re.compile(r"(?<![\w.~…:/])/[\w.+@-]+/[\w.+@-]+|\b[A-Za-z]:\\[\w.]|site-packages")
# A temporary folder's name (Python's tempfile: tmp + 8 characters; pytest's tmp_path) in an output, even
# without the rest of its path: "tmpk2x9_a1b/fra.txt" is as much a machine's path as "/tmp/tmpk2x9_a1b/fra.txt".
TEMP_FOLDER = re.compile(r"\btmp[a-z0-9_]{8}\b|\bpytest-of-|\bpytest-\d+[/\\]")
# Figures: their smallest text, at the width the page shows them, is at least MIN_TEXT_PX; and none is so wide
# that it must shrink to a strip (the column is 672 px at desktop width, about 340 px on a phone).
MIN_TEXT_PX = 9
MAX_ASPECT = 3.0
# An alt text that says nothing: empty, a file name, or a hash.
MEANINGLESS_ALT = re.compile(r"^\s*$|^[\w.-]*\.(png|jpe?g|svg|gif)$|^[0-9a-f]{12,}$", re.I)


def reader_problems(tab) -> list[str]:
    """What a reader of the page at the default desktop width must not meet: log noise or machine paths in
    an output, an image without meaningful alt text, a cell's figure without a caption, a code block or
    table wider than its column."""
    found = tab.evaluate("""() => {
        const article = document.querySelector("article") || document.body;
        const outputs = [...article.querySelectorAll(".cell_output")].map(o => o.innerText);
        const images = [...article.querySelectorAll("img")].map(img => ({
            src: (img.currentSrc || img.src).split("/").pop().slice(0, 40), alt: img.getAttribute("alt") || "",
            inOutput: !!img.closest(".cell_output"),
            caption: (img.closest("figure")?.querySelector("figcaption")?.innerText || "").trim()}));
        const wide = [...article.querySelectorAll("pre")]
            .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
            .map(pre => `code block ${pre.scrollWidth} px wide in ${pre.clientWidth} px: `
                + pre.innerText.split("\\n").reduce((a, b) => b.length > a.length ? b : a, "").slice(0, 60));
        const tables = [...article.querySelectorAll("table")].filter(table => {
            const box = table.parentElement;
            return table.offsetWidth > box.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1;
        }).map(table => `table ${table.offsetWidth} px wide in ${table.parentElement.clientWidth} px: `
            + [...table.querySelectorAll("th")].map(th => th.innerText.trim()).join(" | ").slice(0, 60));
        // A table cell cut short: pandas' "..." (its default cut is 50 characters, so a cell of exactly 50 that
        // ends in "..."), an ellipsis, a "..." standing for rows or columns left out, or a cell that the style
        // clips (its text wider than its box, with overflow hidden or an ellipsis).
        const cut = [...article.querySelectorAll(".cell_output table td, .cell_output table th")].filter(cell => {
            const text = cell.innerText.trim(), style = getComputedStyle(cell);
            return (text.endsWith("...") && text.length === 50) || text.endsWith("…") || text === "..."
                || (cell.scrollWidth > cell.clientWidth + 1 && (style.overflowX !== "visible"
                    || style.textOverflow === "ellipsis"));
        }).map(cell => `table cell cut short: ${JSON.stringify(cell.innerText.trim().slice(0, 60))}`);
        return {outputs, images, wide: wide.concat(tables, cut)};
    }""")
    problems = []
    for text in found["outputs"]:
        if match := TF_LOG.search(text):
            problems.append(f"TensorFlow log line in an output: {text[match.start():][:80]!r}")
        if match := MACHINE_PATH.search(text) or TEMP_FOLDER.search(text):
            problems.append(f"machine path in an output: {text[max(0, match.start() - 20):][:80]!r}")
    for image in found["images"]:
        if MEANINGLESS_ALT.search(image["alt"]) or len(image["alt"].split()) < 3:
            problems.append(f"image without meaningful alt text: {image['src']} (alt {image['alt']!r})")
        if image["inOutput"] and not image["caption"]:
            problems.append(f"figure without a caption: {image['src']}")
    return problems + found["wide"] + figure_problems(tab)


def figure_problems(tab) -> list[str]:
    """Output figures whose smallest text would render below MIN_TEXT_PX, or wider than MAX_ASPECT:1. The text
    size comes from the PNG itself: matplotlib records its dots per inch (the pHYs chunk), the book's figures
    use no text below plots.SMALLEST_FONT_PT (tests/test_figures.py checks), and the page scales the image
    from its natural width to the width it shows."""
    figures = tab.evaluate("""async () => {
        const article = document.querySelector("article") || document.body;
        const images = [...article.querySelectorAll(".cell_output img")];
        return Promise.all(images.map(async img => {
            let dpi = null;
            try {
                const bytes = new Uint8Array(await (await fetch(img.currentSrc || img.src)).arrayBuffer());
                const view = new DataView(bytes.buffer);
                for (let at = 8; at + 8 <= bytes.length;) {  // PNG chunks: length, type, data, CRC
                    const length = view.getUint32(at), type = String.fromCharCode(...bytes.slice(at + 4, at + 8));
                    if (type === "pHYs" && bytes[at + 16] === 1) { dpi = view.getUint32(at + 8) * 0.0254; break; }
                    if (type === "IDAT") break;
                    at += 12 + length;
                }
            } catch (error) { dpi = null; }
            return {src: (img.currentSrc || img.src).split("/").pop().slice(0, 40), dpi,
                    natural: [img.naturalWidth, img.naturalHeight], shown: img.getBoundingClientRect().width};
        }));
    }""")
    problems = []
    for figure in figures:
        (width, height), shown = figure["natural"], figure["shown"]
        if not width or not height:
            continue  # an image that did not load is reported by the page test
        if width / height > MAX_ASPECT:
            problems.append(f"figure {width}x{height} px is wider than {MAX_ASPECT:g}:1: {figure['src']}")
        if figure["dpi"]:
            text_px = SMALLEST_FONT_PT * figure["dpi"] / 72 * shown / width
            if text_px < MIN_TEXT_PX:
                problems.append(f"figure text would render at {text_px:.1f} px (under {MIN_TEXT_PX} px): "
                                f"{width} px wide shown at {shown:.0f} px, {figure['dpi']:.0f} dpi: {figure['src']}")
    return problems


@pytest.mark.parametrize("page", toc_pages())
def test_page(page, site, browser, axe):
    page_file = HTML / f"{page}.html"
    assert page_file.is_file(), f"{page} is in _toc.yml but the build made no {page_file}"
    url = site + f"{page}.html"
    visit = Visit(browser, url, DESKTOP)
    problems = visit.problems
    tab = visit.page

    # The chapter's title, as its source spells it.
    expected_title = title(page)
    heading = tab.evaluate("""() => { const h = document.querySelector("article h1");
        if (!h) return null; const c = h.cloneNode(true); c.querySelectorAll(".headerlink").forEach(a => a.remove());
        return c.textContent.trim(); }""")
    if heading != expected_title:
        problems.append(f"<h1> is {heading!r}, the source's title is {expected_title!r}")
    if expected_title not in tab.title():
        problems.append(f"<title> {tab.title()!r} lacks {expected_title!r}")

    # Every image loaded, and the page has at least the figures it promises.
    images = tab.evaluate("""() => [...document.images].map(img => ({src: img.currentSrc || img.src,
        width: img.naturalWidth, inArticle: !!img.closest("article")}))""")
    problems += [f"image did not load: {image['src']}" for image in images if image["width"] == 0]
    figures = sum(image["inArticle"] for image in images)
    if figures < min_figures(page):
        problems.append(f"{figures} figures, expected at least {min_figures(page)}")

    # A traceback only where the cell is tagged raises-exception; and such a cell does raise.
    cells = tab.evaluate("""() => [...document.querySelectorAll("div.cell")].map(cell => ({
        tagged: cell.classList.contains("tag_raises-exception"),
        traceback: !!cell.querySelector(".cell_output .traceback")
            || /Traceback \\(most recent call last\\)/.test(cell.querySelector(".cell_output")?.textContent || ""),
        code: (cell.querySelector(".cell_input")?.textContent || "").trim().slice(0, 80)}))""")
    for cell in cells:
        if cell["traceback"] and not cell["tagged"]:
            problems.append(f"traceback in a cell not tagged raises-exception: {cell['code']!r}")
        if cell["tagged"] and not cell["traceback"]:
            problems.append(f"cell tagged raises-exception shows no error: {cell['code']!r}")

    # Every link into the site leads to a file of the site (and to an anchor that exists there).
    hrefs = tab.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    problems += internal_link_problems(hrefs, site)

    # A notebook page's launch buttons open that notebook from the repository; other pages have none.
    repo, branch = repository()
    owner_and_name = urlsplit(repo).path.strip("/")
    launch = {
        "binder": sorted({h for h in hrefs if urlsplit(h).netloc == "mybinder.org"}),
        "colab": sorted({h for h in hrefs if urlsplit(h).netloc == "colab.research.google.com"}),
    }
    if source(page).suffix == ".ipynb":
        path = f"{page}.ipynb"
        expected = {
            "binder": [f"https://mybinder.org/v2/gh/{owner_and_name}/{branch}?urlpath=lab/tree/{path}"],
            "colab": [f"https://colab.research.google.com/github/{owner_and_name}/blob/{branch}/{path}"],
        }
        if launch != expected:
            problems.append(f"launch links {launch}, expected {expected}")
    elif launch["binder"] or launch["colab"]:
        problems.append(f"launch links on a page that is not a notebook: {launch}")

    # No log noise or machine path in any output; images described and captioned; nothing wider than its column.
    problems += reader_problems(tab)

    tab.screenshot(path=SCREENSHOTS / f"{page.replace('/', '__')}.png", full_page=True)

    # Accessibility: serious and critical violations fail the page; the others are listed in the output.
    violations = accessibility_violations(tab, axe)
    problems += [describe(v) for v in violations if v["impact"] in FAILING_IMPACTS]
    for violation in violations:
        if violation["impact"] not in FAILING_IMPACTS:
            print(f"{page}: {describe(violation)}")
    visit.close()

    # At phone width the page does not scroll sideways, and nothing of the main text runs off the screen.
    # (Wide code and tables scroll inside their own boxes; that is fine.)
    phone = Visit(browser, url, PHONE)
    problems += phone.problems
    overflow = phone.page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const inScrollBox = e => {
            for (let p = e.parentElement; p && p.tagName !== "ARTICLE"; p = p.parentElement)
                if (getComputedStyle(p).overflowX !== "visible") return true;
            return false;
        };
        const wide = [...document.querySelectorAll("article *")]
            .filter(e => e.getBoundingClientRect().right > width + 1 && !inScrollBox(e))
            .map(e => e.tagName + ": " + e.textContent.trim().slice(0, 60));
        return {scroll: document.documentElement.scrollWidth - width, wide};
    }""")
    if overflow["scroll"] > 1:
        problems.append(f"at {PHONE['width']} px the page scrolls sideways by {overflow['scroll']} px")
    problems += [f"at {PHONE['width']} px, runs off the screen: {text!r}" for text in overflow["wide"]]
    phone.close()

    assert not problems, f"{url}:\n  " + "\n  ".join(problems)


def test_execution_page_times_every_notebook(site, browser):
    """The build's execution table (nb-exec-table) has a run time for each notebook of the book."""
    visit = Visit(browser, site + "chapters/execution.html", DESKTOP)
    rows = visit.page.evaluate("""() => [...document.querySelectorAll("article table")[0].querySelectorAll("tbody tr")]
        .map(row => [...row.querySelectorAll("td")].map(td => td.textContent.trim()))""")
    visit.close()
    times = {row[0]: row[3] for row in rows}
    expected = {path.relative_to(ROOT).with_suffix("").as_posix() for path in toc_notebooks()}
    assert set(times) == expected
    assert all(re.fullmatch(r"\d+\.\d+", time) for time in times.values()), times


# The live boxes (the intro's and chapter 8's) are tested in tests/browser/test_live_box.py.


# A page that breaks each rule of reader_problems once, built by hand (no build needed).
BROKEN_PAGE = """<html><body><article>
<div class="cell_output"><pre>I0000 00:00:1795694648.912814   23537 port.cc:153] on</pre></div>
<div class="cell"><div class="cell_output"><pre>ValueError: no file /work/venv/lib/python3.11/x.py</pre></div></div>
<div class="cell"><div class="cell_output"><img alt="0123456789abcdef0123.png" src="{png}"></div></div>
<div class="cell"><div class="cell_output"><figure><img alt="Training loss falls over twenty epochs" src="{png}">
  </figure></div></div>
<div style="width: 300px"><div class="highlight"><pre style="overflow: auto">{long_line}</pre></div></div>
<div style="width: 300px; overflow: auto"><table><tr><th>{long_word}</th></tr></table></div>
<div class="cell"><div class="cell_output"><pre>Wrote tmpk2x9_a1b/fra.txt</pre></div></div>
<div class="cell"><div class="cell_output"><table><tr><td>{cut_by_pandas}</td>
  <td style="max-width: 60px; overflow: hidden; white-space: nowrap">{long_word}</td></tr></table></div></div>
<div class="cell"><div class="cell_output"><figure><img alt="A strip of a figure, far too wide" style="width: 672px"
  src="{wide_png}"><figcaption>A wide strip.</figcaption></figure></div></div>
<div class="cell"><div class="cell_output"><figure><img alt="A well-described figure of the loss"
  src="{png}"><figcaption>Loss per epoch.</figcaption></figure><pre>All fine: 3/4 of …/keras/x.py, tmp/a</pre>
  <table><tr><td>?!...</td><td>Je pensais...</td></tr></table>
  <figure><img alt="A figure of a readable size" src="{fine_png}"><figcaption>Fine.</figcaption></figure>
</div></div>
</article></body></html>"""
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
       "wAAAABJRU5ErkJggg==")


def matplotlib_png(width_in: float, height_in: float) -> str:
    """A data: URI of a PNG as the notebooks' inline backend saves one (100 dpi, recorded in its pHYs chunk)."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, height_in))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_reader_problems_catches_each_class_on_a_broken_page(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    tab = context.new_page()
    cut_by_pandas = "notre nouvelle histoire de la nouvelle librairi..."  # pandas' cut: 47 characters + "..."
    assert len(cut_by_pandas) == 50
    tab.set_content(BROKEN_PAGE.format(png=PNG, long_line="x = 1  # " + "y" * 200, long_word="z" * 200,
                                       cut_by_pandas=cut_by_pandas, wide_png=matplotlib_png(20, 3),
                                       fine_png=matplotlib_png(6, 4)))
    problems = reader_problems(tab)
    context.close()
    expected = ["TensorFlow log line in an output", "machine path in an output",
                "image without meaningful alt text: ", "figure without a caption", "code block ", "table ",
                "table cell cut short", "figure 2000x300 px is wider than 3:1", "figure text would render at"]
    assert [next(p for p in problems if p.startswith(e)) for e in expected]  # each class reported ...
    # ... once each (paths: one absolute, one a temporary folder's name; cut cells: pandas' and the style's),
    # and nothing on the well-formed last cell (caption, alt text, "3/4", "…/", "tmp/a", cells ending in "...",
    # a figure of 6 by 4 inches).
    assert sorted(p.split(":")[0].split(" ")[0] for p in problems) == sorted(
        ["TensorFlow", "machine", "machine", "image", "figure", "figure", "code", "table", "table", "table",
         "figure", "figure"]), problems


# A page with one violation of each failing kind, and one of a minor kind, beside markup that passes.
INACCESSIBLE_PAGE = """<html lang="en"><head><title>A page made inaccessible</title></head><body><main>
<h1>Accessibility</h1>
<img src="{png}">
<input type="text">
<p style="color: #bbbbbb; background: #ffffff">Grey on white: too little contrast to read.</p>
<h4>A heading that skips levels</h4>
<label>A box with a label <input type="text"></label>
<img src="{png}" alt="A described image">
</main></body></html>"""


def test_accessibility_audit_catches_violations_on_a_broken_page(chromium, axe):
    context = chromium.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.set_content(INACCESSIBLE_PAGE.format(png=PNG))
    violations = {v["id"]: v for v in accessibility_violations(tab, axe)}
    context.close()
    failing = sorted(name for name, v in violations.items() if v["impact"] in FAILING_IMPACTS)
    assert failing == ["color-contrast", "image-alt", "label"], violations
    assert violations["heading-order"]["impact"] not in FAILING_IMPACTS  # listed, not failed
    assert violations["image-alt"]["count"] == 1 and violations["label"]["count"] == 1  # not the good ones
