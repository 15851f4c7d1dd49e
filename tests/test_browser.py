"""The built site in headless Chromium: every example page's math typeset by the local
KaTeX (no raw TeX left, no KaTeX error, no request leaving the site), screenshots saved
in ``bench/out/screenshots/`` to look at, typeset times printed."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from sitebuild import ROOT, built_site

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "bench" / "out" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(scripts/setup.sh installs it)")]

# Raw TeX outside KaTeX's output: text nodes not inside .katex, and arithmatex blocks KaTeX did not take.
LEFTOVER_TEX = """() => {
  const bad = [];
  const walker = document.createTreeWalker(document.querySelector("article") || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest(".katex, script, style, pre, code")) continue;
    const t = n.textContent;
    if (/\\\\\\[|\\\\\\(|\\$\\$|\\\\frac|\\\\begin|\\\\mathrm/.test(t)) bad.push(t.trim().slice(0, 80));
  }
  for (const el of document.querySelectorAll(".arithmatex")) {
    if (!el.querySelector(".katex")) bad.push("untypeset: " + el.textContent.slice(0, 80));
  }
  for (const el of document.querySelectorAll(".katex-error")) bad.push("error: " + el.title);
  return bad;
}"""

ALL_TYPESET = "[...document.querySelectorAll('.arithmatex')].every(el => el.querySelector('.katex'))"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    site = built_site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def example_pages() -> list[str]:
    site = built_site()
    return sorted(str(p.parent.relative_to(site)) for p in (site / "examples").glob("*/**/index.html"))


def open_page(browser, base: str, path: str, outside: list[str], width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 1000})

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:  # the site must not need the network
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(f"{base}/{path}/", wait_until="load")
    page.wait_for_function("document.documentElement.dataset.mathDone === 'true'", timeout=30_000)
    return page


def test_every_example_page_is_typeset(browser, server: str) -> None:
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    pages = example_pages()
    assert len(pages) >= 25
    times: dict[str, int] = {}
    for path in pages:
        outside: list[str] = []
        page = open_page(browser, server, path, outside)
        math = page.locator(".arithmatex").count()
        if math:  # KaTeX's fonts came from the site itself
            fonts = page.evaluate("""() => performance.getEntriesByType('resource')
                                       .filter(e => /KaTeX_.*\\.woff2$/.test(e.name)).map(e => e.name)""")
            assert fonts and all(f.startswith(server + "/assets/handcalc/katex/fonts/") for f in fonts), (path, fonts)
            assert page.evaluate("document.fonts.check('16px KaTeX_Main')"), path
        assert not outside, f"{path} asked the network for {outside}"
        times[path] = int(page.evaluate("document.documentElement.dataset.mathMs"))
        name = path.removeprefix("examples/").replace("/", "-")
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        # math in closed folds is typeset when a fold is opened
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.wait_for_function(ALL_TYPESET, timeout=30_000)
        leftovers = page.evaluate(LEFTOVER_TEX)
        assert not leftovers, f"{path}: {leftovers[:5]}"
        assert page.locator(".katex").count() >= math, path
        page.close()
    # typeset times are measured by bench/site.py, not asserted here
    print("\nmath typeset (ms): " + ", ".join(f"{p}={t}" for p, t in sorted(times.items())))


def test_instant_navigation_typesets_the_new_page(browser, server: str) -> None:
    """Material's instant navigation swaps the page in place; the document$ hook typesets it.

    Instant navigation only takes links listed in the sitemap, which names the site by
    ``site_url``; the browser asks for that address and the test answers from its server."""
    site_url = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"].rstrip("/")
    outside: list[str] = []
    page = browser.new_page()

    def proxy(r):
        if r.request.url.startswith(site_url):
            r.fulfill(response=r.fetch(url=server + r.request.url.removeprefix(site_url)))
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", proxy)
    page.goto(f"{site_url}/examples/candy-bar/", wait_until="load")
    page.wait_for_function("document.documentElement.dataset.mathDone === 'true'", timeout=30_000)
    page.evaluate("window.__sameDocument = true; document.documentElement.dataset.mathDone = 'false'")
    page.click("nav.hc-pages a[href$='/candy-bar/forward/']")
    page.wait_for_url("**/examples/candy-bar/forward/**")
    page.wait_for_function("document.documentElement.dataset.mathDone === 'true'", timeout=30_000)
    assert page.evaluate("window.__sameDocument === true"), "the link was not taken by instant navigation"
    assert page.locator("article .katex").count() > 0
    assert page.evaluate(LEFTOVER_TEX) == []
    assert not outside, outside


def test_printed_equations_are_not_cut(browser, server: str) -> None:
    """In print media no display equation hides part of itself behind a scroll box."""
    outside: list[str] = []
    page = open_page(browser, server, "examples/golf/backward", outside)
    page.emulate_media(media="print")
    clipped = page.evaluate("""() => [...document.querySelectorAll('.katex-display')]
        .filter(el => getComputedStyle(el).overflowX !== 'visible').length""")
    assert clipped == 0
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_folds_are_typeset_when_opened_or_printed(browser, server: str) -> None:
    """The moons pages fold most element-wise equations; their math waits until it is shown."""
    outside: list[str] = []
    page = open_page(browser, server, "examples/moons/backward", outside)
    waiting = "document.querySelectorAll('details:not([open]) .arithmatex:not([data-typeset])').length"
    assert page.evaluate(waiting) > 0
    page.locator("details.example:not([open]) > summary").first.click()
    page.wait_for_function("[...document.querySelectorAll('details[open] .arithmatex')]"
                           ".every(el => el.querySelector('.katex'))", timeout=30_000)
    assert page.pdf(format="A4").startswith(b"%PDF")
    assert page.evaluate(ALL_TYPESET), "printing typesets the math of closed folds too"
    assert not outside, outside


CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = c => { const [r, g, b] = c.map(lin); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = getComputedStyle(document.body).backgroundColor;
  if (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) bg = getComputedStyle(document.documentElement).backgroundColor;
  const lb = lum(rgb(bg));
  const out = [];
  for (const t of document.querySelectorAll(".hc-diagram svg text")) {
    const lf = lum(rgb(getComputedStyle(t).fill));
    const ratio = (Math.max(lf, lb) + 0.05) / (Math.min(lf, lb) + 0.05);
    const px = t.getBoundingClientRect().height;
    out.push([t.textContent, ratio, px]);
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_diagrams_follow_the_colour_scheme_and_stay_legible(browser, server: str, scheme: str) -> None:
    """Every text of every example's network diagram and loss chart: contrast at least 4.5:1 (WCAG AA)
    against the page in light and dark, and at least 11 px tall as shown (the diagram is never shrunk)."""
    site = built_site()
    names = sorted(p.name for p in (site / "examples").iterdir() if (p / "network.svg").exists())
    assert len(names) >= 5
    paths = [f"examples/{n}" for n in names] + [f"examples/{n}/training" for n in names
                                                 if (site / "examples" / n / "loss.svg").exists()]
    for name in paths:  # the overview's diagram, and the training page's loss chart
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, color_scheme=scheme)
        page.goto(f"{server}/{name}/", wait_until="load")
        texts = page.evaluate(CONTRAST)
        assert texts, name
        low = [(t, round(r, 2)) for t, r, _ in texts if r < 4.5]
        assert not low, f"{name} ({scheme}): {low[:5]}"
        small = [(t, round(px, 1)) for t, _, px in texts if px < 11]
        assert not small, f"{name} ({scheme}): {small[:5]}"
        page.close()


def test_a_phone_scrolls_wide_content_inside_its_own_box(browser, server: str) -> None:
    """At 390 px no element makes the page itself scroll sideways: wide math and diagrams scroll
    in their own boxes."""
    for path in ("examples/golf", "examples/golf/backward", "examples/seven-layer", "examples/golf/answers"):
        outside: list[str] = []
        page = open_page(browser, server, path, outside, width=390)
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 1, f"{path}: the page is {wider} px wider than the phone"
        page.close()


PRINT_PAGES_AT_MOST = 12  # moons' backward page, its 400-sample folds closed, prints in 11 A4 pages


def pdf_pages(pdf: bytes, tmp: Path) -> list[list[str]]:
    """The non-empty text lines of each page of a PDF (pdftotext)."""
    import subprocess

    path = tmp / "page.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [[ln for ln in page.splitlines() if ln.strip()] for page in text.split("\f")[:-1]]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_printed_pages_have_a_sensible_length_and_no_lonely_line(browser, server: str, tmp_path: Path) -> None:
    """Every page of candy-bar, golf and moons printed from the browser (A4; two of them on Letter
    too): a bounded number of sheets, and no sheet holding a single line or nothing at all."""
    site = built_site()
    paths = sorted(str(p.parent.relative_to(site)) for name in ("candy-bar", "golf", "moons")
                   for p in (site / "examples" / name).glob("**/index.html"))
    assert len(paths) >= 27
    for path in paths:
        outside: list[str] = []
        page = open_page(browser, server, path, outside)
        formats = ("A4", "Letter") if path in ("examples/golf/backward", "examples/golf/worksheet") else ("A4",)
        for paper in formats:
            sheets = pdf_pages(page.pdf(format=paper), tmp_path)
            assert 1 <= len(sheets) <= PRINT_PAGES_AT_MOST, (path, paper, len(sheets))
            lonely = [(k + 1, lines) for k, lines in enumerate(sheets) if len(lines) <= 1]
            assert not lonely, (path, paper, lonely)
        page.close()
