"""What every browser test of the built site shares: the site served over HTTP on 127.0.0.1, headless
Chromium (Debian's ``chromium`` package, or ``$S2S_CHROMIUM``; never a browser that Playwright downloads),
and ``Visit``, one page opened at one window size with what the browser reported while loading it. The
fixtures are in this folder's conftest.py.

Before the book is built there is nothing to open, so the tests skip, saying why. ``.ci/run`` builds first
and sets ``S2S_REQUIRE_SITE=1``: there, a missing site or browser is a failure, not a skip.
"""

import functools
import os
import shutil
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("S2S_SITE") or ROOT / "_build" / "html")  # the built site, or another folder
REQUIRED = os.environ.get("S2S_REQUIRE_SITE") == "1"

# No console error is allowed. Jupyter Book 1 used to log two on every page, and the build now removes both
# causes: pydata-sphinx-theme's "Got invalid theme mode" (no default colour mode: _config.yml's
# html_context.default_mode) and sphinx-thebe's "Identifier 'THEBE_JS_URL' has already been declared" (its
# inline script on each page twice: tools/page_scripts.py).
KNOWN_CONSOLE_ERRORS = ()

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (S2S_REQUIRE_SITE=1: the browser test must run)")
    pytest.skip(reason)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path = HTML):
    """``folder`` over HTTP on 127.0.0.1 (a port the system chooses): yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium():
    """Headless Chromium under Playwright, or a skip (a failure under S2S_REQUIRE_SITE=1) saying what is missing."""
    executable = os.environ.get("S2S_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        unavailable("no Chromium: `apt-get install chromium`, or set S2S_CHROMIUM to a Chromium or Chrome binary")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            yield browser
        finally:
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
