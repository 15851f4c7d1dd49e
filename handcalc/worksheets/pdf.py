"""HTML → PDF with headless Chromium (Debian's ``chromium``) driven by Playwright.

The worksheets are our own HTML; KaTeX (shipped in the package, :mod:`handcalc.resources`)
typesets the math in the page, so nothing needs the network.
One browser prints every document (:func:`print_all`, a page per CPU core working
through the queue): for each document it loads the HTML file, waits until KaTeX has typeset every formula and the fonts
are in, shrinks any equation wider than the paper's text column, and prints the page
with :meth:`playwright.sync_api.Page.pdf` (A4 or Letter, backgrounds on, 15 mm margins,
a footer line with the page number).

When Chromium or Playwright is missing, :func:`missing` says exactly what to install.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import resources

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAPERS = {"a4": ("A4", 210.0), "letter": ("Letter", 215.9)}  # Playwright format, width in mm
MARGIN_MM = {"top": 14, "bottom": 16, "left": 15, "right": 15}
PX_PER_MM = 96 / 25.4
KATEX_FILES = ("katex.min.js", "katex.min.css")
TIMEOUT_MS = 60_000


class PdfError(Exception):
    """PDFs cannot be made (a missing program) or a document did not typeset."""


@dataclass(frozen=True)
class Output:
    pdf: Path
    mode: str | None  # class set on <body> before printing ("worksheet" hides the answers), None: as loaded
    footer: str  # plain text, written at the foot of every page with the page number (and the PDF's title)


@dataclass(frozen=True)
class Job:
    """One HTML file (KaTeX beside it, see :func:`copy_katex`) printed to one or more PDFs."""

    html: Path
    outputs: tuple[Output, ...]


def chromium() -> str | None:
    return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")


def missing() -> list[str]:
    """What must be installed before PDFs can be made (empty: nothing)."""
    out = []
    if chromium() is None:
        out.append("Chromium is not installed: run `bash scripts/setup.sh` or `sudo apt-get install chromium`")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        out.append("Playwright for Python is not installed: run `pip install 'handcalc[pdf]'` "
                   "(or `bash scripts/setup.sh` in a checkout)")
    return out


def copy_katex(dest: Path) -> None:
    """Copy KaTeX's script, style sheet and WOFF2 fonts (shipped in the package) into ``dest`` (once)."""
    src = resources.KATEX
    (dest / "fonts").mkdir(parents=True, exist_ok=True)
    for name in KATEX_FILES:
        if not (dest / name).is_file():
            shutil.copyfile(src / name, dest / name)
    for font in (src / "fonts").glob("*.woff2"):
        if not (dest / "fonts" / font.name).is_file():
            shutil.copyfile(font, dest / "fonts" / font.name)


def _footer(text: str) -> str:
    return ('<div style="font-family: DejaVu Sans, sans-serif; font-size: 7.5px; color: #555; width: 100%; '
            'padding: 0 15mm; display: flex; justify-content: space-between;">'
            f'<span>{html.escape(text)}</span>'
            '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


async def _print_one(page, job: Job, paper: str, progress: Callable[[int], None] | None) -> None:
    await page.goto(job.html.resolve().as_uri(), wait_until="load", timeout=TIMEOUT_MS)
    await page.wait_for_function("document.body.dataset.math === 'done'", timeout=TIMEOUT_MS)
    errors = await page.evaluate("window.worksheetErrors")
    if errors:
        raise PdfError(f"{job.html}: KaTeX could not typeset {len(errors)} formula(s): {errors[0]}")
    for out in job.outputs:
        await page.evaluate("([mode, title]) => { if (mode) document.body.className = mode; document.title = title; }",
                            [out.mode, out.footer])
        over = await page.evaluate("window.worksheetFit()")
        if over:
            raise PdfError(f"{job.html}: {over} formula(s) are wider than the page even when shrunk")
        out.pdf.parent.mkdir(parents=True, exist_ok=True)
        await page.pdf(path=str(out.pdf), format=PAPERS[paper][0], print_background=True,
                       margin={k: f"{v}mm" for k, v in MARGIN_MM.items()}, display_header_footer=True,
                       header_template="<span></span>", footer_template=_footer(out.footer))
        if progress:
            progress(1)


def _largest_first(jobs: Sequence[Job]) -> list[Job]:
    """The jobs, longest HTML first: the teacher's combined key is the longest job by far, and
    started last it would keep one page busy while the others have nothing left to do."""
    return sorted(jobs, key=lambda job: job.html.stat().st_size, reverse=True)


async def _print_all(jobs: Sequence[Job], paper: str, progress: Callable[[int], None] | None, workers: int) -> None:
    from playwright.async_api import async_playwright

    width_px = round((PAPERS[paper][1] - MARGIN_MM["left"] - MARGIN_MM["right"]) * PX_PER_MM)
    async with async_playwright() as pw:
        try:
            browser = await pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # the browser did not start: say so in one line
            raise PdfError(f"Chromium did not start ({str(exc).splitlines()[0]}); "
                           "run `bash scripts/setup.sh` or `sudo apt-get install chromium`") from None
        queue: asyncio.Queue[Job] = asyncio.Queue()
        for job in _largest_first(jobs):
            queue.put_nowait(job)

        async def worker() -> None:
            page = await browser.new_page(viewport={"width": width_px, "height": 1100})
            await page.emulate_media(media="print")
            while not queue.empty():
                job = queue.get_nowait()
                await _print_one(page, job, paper, progress)
            await page.close()

        try:
            await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(jobs))))))
        finally:
            await browser.close()


def print_all(jobs: Sequence[Job], paper: str = "a4", progress: Callable[[int], None] | None = None,
              workers: int | None = None) -> None:
    """Print every job with one browser, ``workers`` pages at a time (default: one per CPU);
    ``progress(1)`` after each PDF."""
    if paper not in PAPERS:
        raise PdfError(f"--paper: expected one of {', '.join(PAPERS)}, got {paper!r}")
    problems = missing()
    if problems:
        raise PdfError("; ".join(problems))
    try:
        asyncio.run(_print_all(jobs, paper, progress, workers or os.cpu_count() or 1))
    except KeyboardInterrupt:  # the browser's pending replies die with it: no asyncio noise after Ctrl-C
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        raise
