"""Worksheet PDFs typeset by Typst: the ``typst`` package compiles each document in-process, with
the fonts it embeds (no browser, no system fonts, the same PDF on Linux, macOS and Windows).

:func:`source` writes a worksheet or its key as a Typst document from the worksheet's lines
(their math written by :mod:`handcalc.equations.typst` — the worksheets are built in that
dialect, see :func:`handcalc.worksheets.model.build`), :func:`keys_source` the teacher's key of
all variants; :mod:`handcalc.worksheets.compiler` compiles them (:func:`pdf` one in this
process, :func:`write` many side by side, one worker process per CPU core).  The templates (``worksheet.typ.j2``,
``worksheet-keys.typ.j2``) only place what they are given; text from a spec reaches them as
Typst string literals (:func:`handcalc.equations.typst.string`), never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import resources
from ..equations.typst import TYPST, string
from .compiler import PdfError, missing, pdf, write
from .model import SCOPE_HEADINGS, Worksheet

__all__ = ["PAPERS", "PdfError", "keys_source", "missing", "paper_name", "pdf", "source", "write"]

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

