"""The built site (``_build/html``) as a reader meets it: every page of the table of contents opened in
headless Chromium (Debian's ``chromium`` package, driven by Playwright; never a browser that Playwright
downloads), served over HTTP from this machine.

Before the book is built there is nothing to open, so these tests skip, saying why. ``.ci/run`` builds
first and sets ``S2S_REQUIRE_SITE=1``: there, a missing site or browser is a failure, not a skip.

One full-page screenshot per page goes to ``_build/screenshots/`` (CI keeps it).
"""

import functools
import os
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest
from book import ROOT, cell_source, cells, repository, source, title, toc_notebooks, toc_pages

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
REQUIRED = os.environ.get("S2S_REQUIRE_SITE") == "1"



def min_figures(page: str) -> int:
    """The figures a page promises, at least: one per code cell of its notebook that shows a figure
    (``plt.show()``), so a new chapter needs no entry here."""
    path = source(page)
    if path.suffix != ".ipynb":
        return 0
    return sum(c["cell_type"] == "code" and "plt.show()" in cell_source(c) for c in cells(path))


# Jupyter Book 1's theme logs these two on every page; anything else in the console is a failure.
KNOWN_CONSOLE_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (S2S_REQUIRE_SITE=1: the browser test must run)")
    pytest.skip(reason)


def test_every_chapter_promises_the_figures_it_draws():
    """Runs without a build: the count that the page test expects, read off the notebooks."""
    assert min_figures("chapters/02_training_model") == 3 and min_figures("intro") == 0


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        unavailable(f"no built site at {HTML}: run `jupyter-book build . -W -n --keep-going` first")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site):
    executable = os.environ.get("S2S_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        unavailable("no Chromium: `apt-get install chromium`, or set S2S_CHROMIUM to a Chromium or Chrome binary")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        yield browser
        browser.close()


class Visit:
    """One page opened at one window size, with everything the browser reported while loading it."""

    def __init__(self, browser, url: str, viewport: dict):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", lambda m: m.type == "error" and self.report_error(f"console error: {m.text}"))
        self.page.on("pageerror", lambda error: self.report_error(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.page.goto(url, wait_until="networkidle")
        # Wait until every image has loaded or failed (lazy ones included).
        self.page.evaluate("""() => Promise.all([...document.images].map(img => {
            img.loading = "eager";
            return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
        }))""")

    def report_error(self, text: str):
        if not any(known in text for known in KNOWN_CONSOLE_ERRORS):
            self.problems.append(text)

    def close(self):
        self.context.close()


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
        return {outputs, images, wide: wide.concat(tables)};
    }""")
    problems = []
    for text in found["outputs"]:
        if match := TF_LOG.search(text):
            problems.append(f"TensorFlow log line in an output: {text[match.start():][:80]!r}")
        if match := MACHINE_PATH.search(text):
            problems.append(f"machine path in an output: {text[max(0, match.start() - 20):][:80]!r}")
    for image in found["images"]:
        if MEANINGLESS_ALT.search(image["alt"]) or len(image["alt"].split()) < 3:
            problems.append(f"image without meaningful alt text: {image['src']} (alt {image['alt']!r})")
        if image["inOutput"] and not image["caption"]:
            problems.append(f"figure without a caption: {image['src']}")
    return problems + found["wide"]


@pytest.mark.parametrize("page", toc_pages())
def test_page(page, site, browser):
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
<div class="cell"><div class="cell_output"><figure><img alt="A well-described figure of the loss"
  src="{png}"><figcaption>Loss per epoch.</figcaption></figure><pre>All fine: 3/4 of …/keras/x.py</pre></div></div>
</article></body></html>"""
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
       "wAAAABJRU5ErkJggg==")


def test_reader_problems_catches_each_class_on_a_broken_page(browser):
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.set_content(BROKEN_PAGE.format(png=PNG, long_line="x = 1  # " + "y" * 200, long_word="z" * 200))
    problems = reader_problems(tab)
    context.close()
    expected = ["TensorFlow log line in an output", "machine path in an output",
                "image without meaningful alt text: ", "figure without a caption", "code block ", "table "]
    assert [next(p for p in problems if p.startswith(e)) for e in expected]  # each class reported ...
    # ... exactly once each, and nothing on the well-formed last cell (its caption, alt text, "3/4", "…/").
    assert sorted(p.split(":")[0].split(" ")[0] for p in problems) == sorted(
        ["TensorFlow", "machine", "image", "figure", "figure", "code", "table"]), problems
