"""Worksheets on paper: HTML documents and PDF files (the site's worksheet pages are
:mod:`handcalc.site.worksheet`).

* :func:`html_document` — worksheets (boxes blank) or answer keys (boxes filled) as one
  self-contained HTML document (KaTeX from a ``katex/`` folder beside it);
  :func:`keys_document` — the teacher's combined key, every variant's answers in a grid.
* :func:`write` — the files of one ``handcalc worksheet`` run: HTML always, then PDF
  through :mod:`handcalc.worksheets.pdf` (one browser for all of them).

Every number comes from the worksheet's lines (:mod:`handcalc.worksheets.model`), which take it
from the trace through :func:`handcalc.core.display.show`; the templates only choose fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import resources
from ..core import atomic
from ..core.errors import SpecError
from . import pdf
from .model import SCOPE_HEADINGS, Worksheet

KATEX_DIR = "katex"  # beside the HTML files


def html_document(sheets: Sequence[Worksheet], key: bool, katex: str = KATEX_DIR) -> str:
    """Worksheets (``key`` false) or their answer keys as one HTML document, each sheet on new pages."""
    kind = "answer key" if key else "worksheet"
    title = f"{sheets[0].title} — {kind}" + (f" {sheets[0].variant}" if len(sheets) == 1 and sheets[0].variant else "")
    return resources.templates().get_template("worksheet.html.j2").render(
        sheets=sheets, key=key, katex=katex, doc_title=title, scopes=SCOPE_HEADINGS)


def keys_document(sheets: Sequence[Worksheet], katex: str = KATEX_DIR) -> str:
    """The teacher's key: every variant's answers, by line number, one variant per page."""
    return resources.templates().get_template("worksheet-keys.html.j2").render(
        sheets=sheets, katex=katex, doc_title=f"{sheets[0].title} — answer keys", scopes=SCOPE_HEADINGS)


# ---------------------------------------------------------------------------
# files


@dataclass(frozen=True)
class Document:
    """An HTML file and the PDFs printed from it (a key's page also prints its worksheet,
    answers hidden: the same layout, one page load for both)."""

    stem: str  # file name without extension, e.g. "golf-v1-07-key"
    html: str
    prints: tuple[tuple[str, str | None, str], ...]  # (PDF stem, <body> class or None, footer text)


def documents(sheets: Sequence[Worksheet], stem: str) -> list[Document]:
    """Single worksheet: ``stem-worksheet`` and ``stem-key``.  Variants: ``stem-v<id>-worksheet``,
    ``stem-v<id>-key`` for each and ``stem-keys`` (all answers) for the teacher."""
    out = []
    for ws in sheets:
        base = f"{stem}-v{ws.variant}" if ws.variant else stem
        tag = f" · variant {ws.variant}" if ws.variant else ""
        out.append(Document(f"{base}-worksheet", html_document([ws], False), ()))
        out.append(Document(f"{base}-key", html_document([ws], True),
                            ((f"{base}-worksheet", "worksheet", f"{ws.title}{tag} · worksheet"),
                             (f"{base}-key", "key", f"{ws.title}{tag} · answer key"))))
    if sheets and sheets[0].variant:
        out.append(Document(f"{stem}-keys", keys_document(sheets),
                            ((f"{stem}-keys", None, f"{sheets[0].title} · answer keys of all variants"),)))
    return out


def pdf_count(docs: Sequence[Document]) -> int:
    return sum(len(d.prints) for d in docs)


class Clash(Exception):
    """An output file exists and ``--force`` was not given."""


def write(docs: Sequence[Document], out: Path, fmt: str = "pdf", paper: str = "a4", force: bool = False,
          progress: Callable[[int], None] | None = None, workers: int | None = None) -> list[Path]:
    """Write every document as HTML (always) and, for ``fmt == "pdf"``, its PDFs.

    Refuses (:class:`Clash`) when a file it would write exists, unless ``force``.  Raises
    :class:`handcalc.worksheets.pdf.PdfError` after writing the HTML when PDFs cannot be made."""
    targets = [out / f"{d.stem}.html" for d in docs]
    if fmt == "pdf":
        targets += [out / f"{stem}.pdf" for d in docs for stem, _, _ in d.prints]
    if out.exists() and not out.is_dir():
        raise SpecError(str(out), "is a file, not a folder (-o names the folder the worksheets go into)")
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise Clash(f"{existing[0]}{more} already exist{'s' if len(existing) == 1 else ''} (use --force to overwrite)")
    with atomic.staged(out) as tmp:  # everything is made here first, then moved into ``out``
        pdf.copy_katex(tmp / KATEX_DIR)
        for d in docs:
            (tmp / f"{d.stem}.html").write_text(d.html, encoding="utf-8")
        try:
            if fmt == "pdf":
                jobs = [pdf.Job(tmp / f"{d.stem}.html", tuple(pdf.Output(tmp / f"{stem}.pdf", mode, footer)
                                                              for stem, mode, footer in d.prints))
                        for d in docs if d.prints]
                pdf.print_all(jobs, paper, progress, workers)
        except pdf.PdfError:  # the HTML is complete: it goes into place, no PDF does
            for p in tmp.glob("*.pdf"):
                p.unlink()
            atomic.move_into(tmp, out)
            raise
        atomic.move_into(tmp, out)
    return targets


# ---------------------------------------------------------------------------
# the site
