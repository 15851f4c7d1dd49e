"""The built site in headless Chromium.  One sweep opens every page of the site (every
example's pages, worksheets and keys, the hand-written docs) once and reads it at 1280 px and
390 px, in the light and the dark scheme: math typeset by the local KaTeX with nothing asked of
the network, no raw TeX where a reader looks, nothing wider than the column unless it scrolls in
its own box, diagram text legible in both schemes, inline math on one line and its fractions at
text size.  Then instant navigation, and printing (sheet counts, lonely lines, nothing clipped)."""

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

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(scripts/setup.sh installs it)")]


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


ALL_TYPESET = "[...document.querySelectorAll('.arithmatex')].every(el => el.querySelector('.katex'))"
MATH_DONE = "document.documentElement.dataset.mathDone === 'true'"
WIDTHS = (1280, 390)  # a desk and a phone
SCHEMES = ("default", "slate")  # Material's light and dark schemes (mkdocs.yml's palette)
SET_SCHEME = "s => document.body.setAttribute('data-md-color-scheme', s)"

# One reading of the page as it is laid out now.  With full=false only what changes with the
# colour scheme: the contrast of SVG text.  Otherwise also
#  - raw TeX: a text node outside KaTeX's output anywhere on the page (headings, table of
#    contents, fold titles, navigation) or the page title that shows TeX source; a formula KaTeX
#    did not take; a KaTeX error;
#  - width: the page scrolling sideways, or an element reaching out of the content column
#    (.md-content, the space between the sidebars) unless it lies inside a box that scrolls:
#    display math, Material's math and table wrappers, diagrams, code; such a box must itself fit,
#    scroll rather than spill, and (display math, diagrams) show the shadow that says there is more;
#  - a worksheet's answer boxes all on screen and not scrolled out of their line's box (a long
#    line takes its narrow layout on a phone);
#  - inline math laid out on one line; a fraction's parts (inline or in a display, not in an
#    exponent) at least 0.85 of the size of the text around the formula;
#  - SVG text (diagrams, the loss chart): contrast at least 4.5:1 (WCAG AA) against the page
#    background, and at least 11 px tall as shown.
# "seen" counts what was looked at, so that the sweep cannot pass by finding nothing.
READ_PAGE = r"""(full) => {
  const problems = [], seen = {svg: 0, inline: 0, fractions: 0, scrolled: 0, boxes: 0};
  const say = (what, el) => problems.push(what + ": " + (el ? el.textContent.trim().slice(0, 60) : ""));
  const article = document.querySelector("article") || document.body;
  if (full) {
    const TEX = /\\[a-zA-Z]+|\\[()[\]]|\$\$|[_^]\{|\^\[/;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (TEX.test(n.textContent) && !n.parentElement.closest(".katex, script, style, pre, code")) say("raw TeX", n);
    }
    if (TEX.test(document.title)) problems.push("raw TeX in the title: " + document.title);
    for (const el of document.querySelectorAll(".arithmatex")) if (!el.querySelector(".katex")) say("untypeset", el);
    for (const el of document.querySelectorAll(".katex-error")) problems.push("KaTeX error: " + el.title);

    const column = (article.closest(".md-content") || article).getBoundingClientRect();
    const sideways = document.documentElement.scrollWidth - window.innerWidth;
    if (sideways > 1) problems.push(`the page scrolls sideways by ${sideways} px`);
    const BOX = ".katex-display, div.arithmatex, .md-typeset__scrollwrap, .hc-diagram, pre, .highlight";
    const CUED = ".katex-display, .hc-diagram";  // ours; Material's boxes show their own scrollbar
    const walk = document.createTreeWalker(article, NodeFilter.SHOW_ELEMENT, {acceptNode(el) {
      const r = el.getBoundingClientRect();
      if (r.width && (r.left < column.left - 1 || r.right > column.right + 1)) {
        say(`<${el.tagName.toLowerCase()} class="${el.getAttribute("class") || ""}"> at ${Math.round(r.left)}..` +
            `${Math.round(r.right)} px, out of the column ${Math.round(column.left)}..${Math.round(column.right)}`, el);
      }
      if (el.matches(BOX)) {
        if (el.scrollWidth > el.clientWidth + 1) {
          const style = getComputedStyle(el);
          if (!/auto|scroll/.test(style.overflowX)) say("wider than its box and not scrolling", el);
          else if (el.matches(CUED) && style.backgroundImage === "none") say("scrolls with no cue", el);
          else seen.scrolled++;
        }
        return NodeFilter.FILTER_REJECT;
      }
      return el.classList.contains("katex") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }});
    while (walk.nextNode()) {}

    for (const box of article.querySelectorAll(".ws-line .fbox")) {  // a worksheet's answer boxes
      const r = box.getBoundingClientRect();
      if (!r.width) continue;  // the other layout of the line, not shown at this width
      seen.boxes++;
      const line = box.closest(".ws-line"), shown = box.closest(".katex-display").getBoundingClientRect();
      if (r.left < Math.max(0, shown.left - 1) || r.right > Math.min(window.innerWidth, shown.right + 1)) {
        say(`answer box off screen at ${Math.round(r.left)}..${Math.round(r.right)} px`, line);
      }
    }
    for (const k of document.querySelectorAll(".arithmatex:not(div) .katex")) {
      seen.inline++;
      if (k.querySelector(".katex-html").getClientRects().length > 1) say("inline math broken across lines", k);
      for (let el = k.parentElement; el; el = el.parentElement) {  // up to .arithmatex, all inline
        if (!getComputedStyle(el).display.startsWith("inline")) { say("inline math on a line of its own", k); break; }
        if (el.matches(".arithmatex")) break;
      }
    }
    for (const f of document.querySelectorAll(".katex .mfrac")) {
      if (f.closest(".msupsub")) continue;  // a fraction in an exponent is meant to be small
      seen.fractions++;
      const text = parseFloat(getComputedStyle(f.closest(".katex").parentElement).fontSize);
      const parts = f.querySelectorAll(":scope > .vlist-t > .vlist-r > .vlist > span > :last-child:not(.frac-line)");
      for (const part of parts) {
        const ratio = parseFloat(getComputedStyle(part).fontSize) / text;
        if (ratio < 0.85) say(`fraction part at ${ratio.toFixed(2)} of the text size`, part);
      }
    }
  }
  const rgb = s => (s.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = c => { const [r, g, b] = c.map(lin); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = getComputedStyle(document.body).backgroundColor;
  if (/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) bg = getComputedStyle(document.documentElement).backgroundColor;
  const lb = lum(rgb(bg));
  for (const t of article.querySelectorAll("svg text")) {
    seen.svg++;
    const lf = lum(rgb(getComputedStyle(t).fill));
    const ratio = (Math.max(lf, lb) + 0.05) / (Math.min(lf, lb) + 0.05);
    const px = t.getBoundingClientRect().height;
    if (ratio < 4.5) say(`SVG text contrast ${ratio.toFixed(2)}`, t);
    if (px < 11) say(`SVG text ${px.toFixed(1)} px tall`, t);
  }
  return {problems, seen};
}"""

KATEX_FONTS = """() => performance.getEntriesByType('resource')
                  .filter(e => /KaTeX_.*\\.woff2$/.test(e.name)).map(e => e.name)"""


def site_pages() -> list[str]:
    """Every page of the built site, as the path a browser asks for ('' is the home page)."""
    site = built_site()
    pages = [p.parent.relative_to(site).as_posix() for p in site.rglob("index.html")
             if p.relative_to(site).parts[0] != "assets"]
    return sorted("" if p == "." else p + "/" for p in pages) + ["404.html"]


def test_every_page_reads_well_in_light_and_dark_on_desk_and_phone(browser, server: str) -> None:
    """Every page of the site, loaded once: typeset by the site's own KaTeX (fonts from the site,
    nothing from the network; folded math typeset when its fold opens), then read with READ_PAGE
    at 1280 px and, resized in place, at 390 px, with every fold open.  The colour scheme is
    switched in place as Material's toggle does; only SVG text depends on it, so a page with SVG
    is read in both schemes at both widths (light then dark at 1280, dark then light at 390) and
    any other page in the light one.  test_a_dark_preference_... checks that a reader who prefers
    dark gets the scheme switched to here."""
    pages = site_pages()
    assert len(pages) >= 60 and "notation/" in pages and "examples/golf/worksheet/" in pages
    outside: list[str] = []
    problems: list[str] = []
    seen = {"svg": 0, "inline": 0, "fractions": 0, "scrolled": 0, "boxes": 0, "dark": 0}
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))

    def read(path: str, width: int, scheme: str, full: bool) -> int:
        found = page.evaluate(READ_PAGE, full)
        problems.extend(f"{path or '/'} {width}px {scheme}: {p}" for p in found["problems"])
        for key, n in found["seen"].items():
            seen[key] += n
        return found["seen"]["svg"]

    for path in pages:
        page.goto("about:blank")  # back to the desk width on an empty page (no half-done transitions)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_function(MATH_DONE, timeout=30_000)
        if page.locator(".arithmatex").count():
            fonts = page.evaluate(KATEX_FONTS)
            if not fonts or not all(f.startswith(server + "/assets/handcalc/katex/fonts/") for f in fonts):
                problems.append(f"{path}: KaTeX fonts {fonts}")
            if not page.evaluate("document.fonts.check('16px KaTeX_Main')"):
                problems.append(f"{path}: KaTeX_Main not loaded")
        if page.evaluate("document.querySelectorAll('details:not([open])').length"):
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            page.wait_for_function(ALL_TYPESET, timeout=60_000)
        scheme = SCHEMES[0]
        for k, width in enumerate(WIDTHS):
            if k:
                page.set_viewport_size({"width": width, "height": 900})
            if read(path, width, scheme, True):  # the page has SVG: read it in the other scheme too
                scheme = SCHEMES[1] if scheme == SCHEMES[0] else SCHEMES[0]
                page.evaluate(SET_SCHEME, scheme)
                seen["dark"] += 1
                read(path, width, scheme, False)
    page.close()
    assert not outside, f"pages asked the network for {sorted(set(outside))[:5]}"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
    # the sweep met what it checks: diagrams and charts in both schemes, inline math and
    # fractions, math and tables that scroll on a phone
    assert seen["svg"] >= 200 and seen["dark"] >= 10 and seen["inline"] >= 1000, seen
    assert seen["fractions"] >= 10 and seen["scrolled"] >= 50, seen
    assert seen["boxes"] >= 2 * 2 * 300, seen  # every worksheet and key at both widths
    print(f"\nsweep: {len(pages)} pages, {seen}")


def test_a_dark_preference_opens_the_dark_scheme(browser, server: str) -> None:
    """A reader whose system prefers dark gets Material's slate scheme, the one the sweep switches
    to; the diagram reads in it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page.goto(f"{server}/examples/golf/", wait_until="load")
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    found = page.evaluate(READ_PAGE, False)
    assert found["seen"]["svg"] > 0 and not found["problems"], found
    page.close()


def test_the_page_reading_finds_what_it_looks_for(browser) -> None:
    """READ_PAGE on a page made to fail each of its checks reports each of them."""
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.set_content(r"""<html><head><title>x^{[2]}</title></head><body style="background:#fff">
      <div class="md-content" style="width:300px"><article>
        <h2>δ^[3] for all samples</h2><p>\(\frac{1}{2}\)</p>
        <div style="width:500px">too wide</div>
        <div class="hc-diagram" style="width:200px"><svg width="400" height="40">
          <text x="5" y="20" style="fill:#bbb;font-size:16px">faint</text>
          <text x="5" y="35" style="font-size:6px">tiny</text></svg></div>
        <p style="width:120px;font-size:16px"><span class="arithmatex"><span class="katex"><span
          class="katex-html">a + b + c + d + e + f + g + h + i + j + k + l</span></span></span> and
          <span class="arithmatex"><span style="display:block"><span class="katex"><span
          class="katex-html">y</span></span></span></span>
          <span class="arithmatex"><span class="katex"><span class="katex-html"><span class="mfrac"><span
          class="vlist-t"><span class="vlist-r"><span class="vlist"><span><span class="pstrut"></span><span
          style="font-size:10px">1</span></span></span></span></span></span></span></span></span></p>
        <div class="arithmatex"><span class="katex-display" style="display:block;width:200px;overflow:visible;
          white-space:nowrap">a very long display formula that does not fit its box at all</span></div>
        <div class="ws-line"><div class="arithmatex"><span class="katex-display" style="display:block;width:200px;
          overflow-x:auto;white-space:nowrap">z = a + b + c + d + e + f + g + h + i + j + k + l + m + n =
          <span class="fbox" style="display:inline-block;width:40px">&nbsp;</span></span></div></div>
      </article></div></body></html>""")
    found = page.evaluate(READ_PAGE, True)
    text = "\n".join(found["problems"])
    for what in ("raw TeX: δ^[3]", "raw TeX: \\(", "raw TeX in the title", "out of the column",
                 "SVG text contrast", "px tall", "inline math broken across lines", "fraction part at",
                 "on a line of its own", "not scrolling", "answer box off screen"):
        assert what in text, (what, text)
    page.close()


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
    page.wait_for_function(MATH_DONE, timeout=30_000)
    page.evaluate("window.__sameDocument = true; document.documentElement.dataset.mathDone = 'false'")
    page.click("nav.hc-pages a[href$='/candy-bar/forward/']")
    page.wait_for_url("**/examples/candy-bar/forward/**")
    page.wait_for_function(MATH_DONE, timeout=30_000)
    assert page.evaluate("window.__sameDocument === true"), "the link was not taken by instant navigation"
    assert page.locator("article .katex").count() > 0
    assert page.evaluate(READ_PAGE, True)["problems"] == []
    assert not outside, outside


PRINT_PAGES_AT_MOST = 10  # moons' backward page, its 400-sample folds closed, prints in 8 A4 sheets
A4_PX = 718  # the width Chromium prints on A4 (210 mm less its 0.4 in margins), in CSS px

# In print media at the paper's width: an element beyond the paper, or a box that cuts off part of
# what it holds (paper cannot scroll).
CLIPPED_IN_PRINT = """() => {
  const bad = [], width = document.documentElement.clientWidth;
  const article = document.querySelector("article") || document.body;
  const walk = document.createTreeWalker(article, NodeFilter.SHOW_ELEMENT, {acceptNode(el) {
    const r = el.getBoundingClientRect();
    if (!r.width) return NodeFilter.FILTER_REJECT;  // not shown (a closed fold's body)
    if (r.right > width + 1) bad.push(`beyond the paper (${Math.round(r.right)} px): ` + el.textContent.slice(0, 50));
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
      bad.push(`cut off (${el.clientWidth} of ${el.scrollWidth} px): ` + el.textContent.slice(0, 50));
    return el.classList.contains("katex") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
  }});
  while (walk.nextNode()) {}
  return bad;
}"""


def pdf_pages(pdf: bytes, tmp: Path) -> list[list[str]]:
    """The non-empty text lines of each page of a PDF (pdftotext)."""
    import subprocess

    path = tmp / "page.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [[ln for ln in page.splitlines() if ln.strip()] for page in text.split("\f")[:-1]]


def pdf_extents(pdf: bytes, tmp: Path) -> list[float]:
    """For each page of a PDF, the share of the page's height its text spans (pdftotext -bbox:
    from the top of its highest word to the foot of its lowest)."""
    import re
    import subprocess

    path = tmp / "page.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    extents = []
    for page in re.findall(r"<page (.*?)</page>", out, re.S):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        words = [(float(a), float(b)) for a, b in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">[^<]*?[^\s<\u200b][^<]*</word>', page)]
        extents.append((max(b for _, b in words) - min(a for a, _ in words)) / height if words else 0.0)
    return extents


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_printed_pages_have_a_sensible_length_and_no_lonely_line(browser, server: str, tmp_path: Path) -> None:
    """Every page of candy-bar, golf and moons printed from the browser (A4; the worksheets, keys
    and golf's backward page on Letter too): nothing cut off or beyond the paper, a bounded number
    of sheets, and no sheet holding a single line or nothing at all; a worksheet or key also
    prints at least 7 of its lines a sheet on average and no sheet of it is nearly empty.  Moons'
    backward page prints its closed folds' titles, and printing typesets the math inside them too."""
    site = built_site()
    paths = sorted(str(p.parent.relative_to(site)) for name in ("candy-bar", "golf", "moons")
                   for p in (site / "examples" / name).glob("**/index.html"))
    assert len(paths) >= 27
    outside: list[str] = []
    page = browser.new_page(viewport={"width": A4_PX, "height": 1000})
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))
    for path in paths:
        page.emulate_media(media="screen")
        page.goto(f"{server}/{path}/", wait_until="load")
        page.wait_for_function(MATH_DONE, timeout=30_000)
        folds = path == "examples/moons/backward"
        if folds:  # the 400-sample folds wait, untypeset, until opened or printed
            waiting = "document.querySelectorAll('details:not([open]) .arithmatex:not([data-typeset])').length"
            assert page.evaluate(waiting) > 0
        page.emulate_media(media="print")
        clipped = page.evaluate(CLIPPED_IN_PRINT)
        assert not clipped, (path, clipped[:5])
        sheet = path.endswith(("/worksheet", "/answers"))
        formats = ("A4", "Letter") if sheet or path == "examples/golf/backward" else ("A4",)
        for paper in formats:
            pdf = page.pdf(format=paper)
            sheets = pdf_pages(pdf, tmp_path)
            assert 1 <= len(sheets) <= PRINT_PAGES_AT_MOST, (path, paper, len(sheets))
            lonely = [(k + 1, lines) for k, lines in enumerate(sheets) if len(lines) <= 1]
            assert not lonely, (path, paper, lonely)
            if sheet:  # a worksheet: at least 7 lines a sheet on average, besides the givens' sheet,
                # and no sheet nearly empty (one line, a heading and a line: less than an eighth of it)
                assert len(sheets) <= page.locator(".ws-line").count() / 7 + 2, (path, paper, len(sheets))
                extents = pdf_extents(pdf, tmp_path)
                assert len(sheets) == 1 or min(extents) >= 1 / 8, (path, paper, [round(e, 2) for e in extents])
        if folds:
            assert page.evaluate(ALL_TYPESET), "printing typesets the math of closed folds too"
    page.close()
    assert not outside, outside
