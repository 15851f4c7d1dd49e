"""Worksheet PDFs typeset by Typst: the ``typst`` package compiles each document in-process, with
the fonts it embeds (no browser, no system fonts, the same PDF on Linux, macOS and Windows).

:func:`source` writes a worksheet or its key as a Typst document from the worksheet's lines
(their math written by :mod:`handcalc.equations.typst` — the worksheets are built in that
dialect, see :func:`handcalc.worksheets.model.build`), :func:`keys_source` the teacher's key of
all variants, :func:`pdf` (:mod:`handcalc.worksheets.compiler`) compiles a document and
:func:`pdfs` many, one process per CPU core (a golf worksheet takes Typst about 0.1–0.2 s of one
core; a class set is 61 documents).  The templates (``worksheet.typ.j2``,
``worksheet-keys.typ.j2``) only place what they are given; text from a spec reaches them as
Typst string literals (:func:`handcalc.equations.typst.string`), never as markup.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from .. import resources
from ..equations.typst import TYPST, string
from .compiler import PdfError, missing, pdf
from .model import SCOPE_HEADINGS, Worksheet

__all__ = ["PAPERS", "PdfError", "keys_source", "missing", "paper_name", "pdf", "pdfs", "source"]

PAPERS = {"a4": "a4", "letter": "us-letter"}
LINE_GAP = "1.0em"  # room under each line to work it out (the same on the key, so pages break alike)


def paper_name(paper: str) -> str:
    if paper not in PAPERS:
        raise PdfError(f"--paper: expected one of {', '.join(PAPERS)}, got {paper!r}")
    return PAPERS[paper]


def _typst_sheets(sheets: Sequence[Worksheet]) -> None:
    if any(ws.dialect is not TYPST for ws in sheets):
        raise ValueError("PDF worksheets are built with dialect=TYPST (see handcalc.worksheets.model.build)")


def source(sheets: Sequence[Worksheet], key: bool, paper: str = "a4", footer: str = "") -> str:
    """Worksheets (``key`` false) or their answer keys as one Typst document, each sheet on new pages."""
    _typst_sheets(sheets)
    kind = "answer key" if key else "worksheet"
    title = f"{sheets[0].title} — {kind}" + (f" {sheets[0].variant}" if len(sheets) == 1 and sheets[0].variant else "")
    return resources.templates().get_template("worksheet.typ.j2").render(
        sheets=sheets, key=key, doc_title=title, footer=footer or title, paper=paper_name(paper), scopes=SCOPE_HEADINGS,
        gap=LINE_GAP, s=string)


def keys_source(sheets: Sequence[Worksheet], paper: str = "a4", footer: str = "") -> str:
    """The teacher's key: every variant's answers by line number, one variant per page."""
    _typst_sheets(sheets)
    title = f"{sheets[0].title} — answer keys"
    return resources.templates().get_template("worksheet-keys.typ.j2").render(
        sheets=sheets, doc_title=title, footer=footer or title, paper=paper_name(paper), scopes=SCOPE_HEADINGS,
        s=string)


def pdfs(sources: Sequence[str], progress: Callable[[int], None] | None = None,
         workers: int | None = None) -> Iterator[bytes]:
    """The PDFs of ``sources``, in order; ``workers`` processes (default: one per CPU core) compile
    them side by side when there are several; ``progress(1)`` after each."""
    workers = min(workers or os.cpu_count() or 1, len(sources))
    if workers <= 1:
        for src in sources:
            yield pdf(src)
            if progress:
                progress(1)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for out in pool.map(pdf, sources):
            yield out
            if progress:
                progress(1)
