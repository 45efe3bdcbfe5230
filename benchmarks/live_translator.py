#!/usr/bin/env python
"""The live boxes' budgets, measured in the real browser on the built site.

Method. Serves the built site (``_build/html``, or ``--site``) on 127.0.0.1 and opens the intro's page,
whose box runs chapter 9's real-sentence model first and offers the book's model and chapter 7's attention
model, in headless Chromium (Debian's, driven by Playwright, as the browser test does). It prints:

- shipped: the bytes of everything the boxes can load (``s2s_translator.js`` and ``.css``, and the three
  weights files: the book's and the attention model's as base64 float32, the real-sentence model's as
  base64 float16), against 3 MB;
- ready: milliseconds from the page's load (its document loaded and parsed, DOMContentLoaded, when the
  translator starts) until the box can translate (the real-sentence model's weights loaded and decoded, the
  example translated), median of ``--loads`` fresh page loads, against 1 s. Also printed, not budgeted: the
  same moment counted from navigation start, which adds the theme's own page load (its style sheets and
  scripts), and the load event;
- one translation: for each sentence of chapter 9's test split, ``--repeats`` calls of the real-sentence
  model's translator timed together with ``performance.now()`` and divided; the median, against 5 ms;
- the attention grid: with the attention model chosen, each of the book's test sentences typed into the
  box (an input event); the time from the event to the grid in the page (translation and drawing, which
  the page times itself), the median over the split, against one animation frame at 60 Hz (16.7 ms); the
  share of inputs over a frame and the largest time are printed too (a shared machine's pauses land there).

The machine's load average is printed with the results: the budgets are for a quiet machine, and every
time here grows with the load.

Exits with status 1 if any budget is not met, after printing everything.

    python benchmarks/live_translator.py [--site _build/html] [--loads 5] [--repeats 20]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import textwrap
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from s2sbook import data, pipeline

ROOT = Path(__file__).resolve().parents[1]
PAGE = "intro.html"
SHIPPED = ("_static/s2s_translator.js", "_static/s2s_translator.css", "_static/s2s_weights.js",
           "_static/s2s_weights_real.js", "_static/s2s_weights_attention.js")
# 3 MB, 1 s, 5 ms, one frame at 60 Hz (1 KB = 1024 bytes)
BUDGETS = {"shipped_kb": 3 * 1024, "ready_ms": 1000, "translation_ms": 5.0, "grid_ms": 1000 / 60}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def measure(site: Path, english: list[str], book_english: list[str], loads: int, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("S2S_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        sys.exit("no Chromium: `apt-get install chromium`, or set S2S_CHROMIUM to a Chromium or Chrome binary")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable)
            ready, content_loaded, load_event = [], [], []
            for _ in range(loads):
                context = browser.new_context()  # a fresh context: nothing cached from the last load
                tab = context.new_page()
                tab.goto(url, wait_until="load")
                tab.wait_for_selector(".s2s-live[data-state=ready]", timeout=20_000)
                ready.append(tab.evaluate("S2S.timings.ready"))
                navigation = tab.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
                content_loaded.append(navigation["domContentLoadedEventEnd"])
                load_event.append(navigation["loadEventEnd"])
                if len(ready) < loads:
                    context.close()
            per_sentence = tab.evaluate("""([sentences, repeats]) => sentences.map(s => {
                const translator = S2S.translators.real;
                translator.translate(s);  // once untimed
                const t0 = performance.now();
                for (let i = 0; i < repeats; i++) translator.translate(s);
                return (performance.now() - t0) / repeats; })""", [english, repeats])
            failed = tab.evaluate("""sentences => sentences.filter(s => {
                const error = S2S.translators.real.translate(s).error;
                return error && error.type !== "EmptyTranslationError"; }).length""", english)
            tab.check(".s2s-live input[type=radio][value=attention]")
            tab.wait_for_selector(".s2s-live[data-model=attention][data-state=ready]", timeout=20_000)
            grid = tab.evaluate("""sentences => {
                const input = document.querySelector(".s2s-live .s2s-input");
                return sentences.map(s => {
                    input.value = s;
                    input.dispatchEvent(new Event("input"));
                    if (!document.querySelector(".s2s-live .s2s-attention")) throw new Error("no grid for " + s);
                    return S2S.timings.translate + S2S.timings.draw; }); }""", book_english)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"ready_ms": statistics.median(r - c for r, c in zip(ready, content_loaded, strict=True)),
            "ready_from_start_ms": statistics.median(ready), "content_loaded_ms": statistics.median(content_loaded),
            "load_ms": statistics.median(load_event),
            "translation_ms": statistics.median(per_sentence), "failed": failed,
            "grid_ms": statistics.median(grid), "grid_max_ms": max(grid),
            "grid_over_frame": sum(g > BUDGETS["grid_ms"] for g in grid) / len(grid)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built site")
    parser.add_argument("--loads", type=int, default=5, help="page loads; the median is kept (default: 5)")
    parser.add_argument("--repeats", type=int, default=20, help="calls per sentence timed together (default: 20)")
    args = parser.parse_args(argv)
    missing = [name for name in SHIPPED if not (args.site / name).is_file()]
    if not (args.site / PAGE).is_file() or missing:
        sys.exit(f"no built site with the live translator at {args.site} (missing: {missing or PAGE}); "
                 "build the book first: jupyter-book build . -W -n --keep-going")
    sizes = {name: (args.site / name).stat().st_size for name in SHIPPED}
    recipe = pipeline.REAL_RECIPE
    real = data.prepare(data.TATOEBA_CORPUS, seed=recipe["seed"], max_pairs=recipe["max_pairs"],
                        min_count=recipe["min_count"])
    english = [real.corpus.pairs[i][0] for i in real.split["test"]]
    book = data.prepare()
    book_english = [book.corpus.pairs[i][0] for i in book.split["test"]]
    result = measure(args.site, english, book_english, args.loads, args.repeats)
    if result["failed"]:
        sys.exit(f"FAILED: the page could not translate {result['failed']} test sentences")

    shipped_kb = sum(sizes.values()) / 1024
    for name, size in sizes.items():
        print(f"{name:30} {size / 1024:8.1f} KB")
    rows = [
        ("shipped (3 models' weights + code)", shipped_kb, "KB", BUDGETS["shipped_kb"]),
        (f"ready after load (median of {args.loads})", result["ready_ms"], "ms", BUDGETS["ready_ms"]),
        (f"one translation, real (median of {len(english):,})", result["translation_ms"], "ms",
         BUDGETS["translation_ms"]),
        (f"attention grid (median of {len(book_english):,})", result["grid_ms"], "ms",
         BUDGETS["grid_ms"]),
    ]
    print(f"\n{'what':40} {'measured':>12} {'budget':>10}")
    over = []
    for what, value, unit, budget in rows:
        print(f"{what:40} {value:9,.1f} {unit:2} {budget:7,.1f} {unit:2} {'ok' if value <= budget else 'OVER'}")
        if value > budget:
            over.append(what)
    # Lines of at most 84 characters: chapter 8 shows a run's output in the site's column.
    timings = (f"(from navigation start, medians: the page's document loaded at {result['content_loaded_ms']:.0f} ms, "
               f"the translator was ready at {result['ready_from_start_ms']:.0f} ms, the load event came at "
               f"{result['load_ms']:.0f} ms)")
    grid = (f"attention grid: {result['grid_over_frame']:.1%} of the inputs took longer than a frame, the longest "
            f"{result['grid_max_ms']:.0f} ms; load average of the machine: {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores")
    print(textwrap.fill(timings, 84))
    print(textwrap.fill(grid, 84))
    if over:
        print(f"FAILED: over budget: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
