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
