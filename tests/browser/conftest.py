"""The fixtures of the browser tests (see served.py): ``site`` (the built site's base URL), ``browser``
(Chromium, for the site's pages) and ``chromium`` (Chromium alone, for pages a test makes by hand: no
build needed)."""

import pytest
from served import HTML, serve, unavailable
from served import chromium as launch


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        unavailable(f"no built site at {HTML}: run `jupyter-book build . -W -n --keep-going` first")
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.fixture(scope="module")
def browser(site, chromium):
    return chromium
