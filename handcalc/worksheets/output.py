"""Worksheets on paper and on the site: HTML documents, PDF files, Markdown pages.

* :func:`html_document` — worksheets (boxes blank) or answer keys (boxes filled) as one
  self-contained HTML document (KaTeX from a ``katex/`` folder beside it);
  :func:`keys_document` — the teacher's combined key, every variant's answers in a grid.
* :func:`write` — the files of one ``handcalc worksheet`` run: HTML always, then PDF
  through :mod:`handcalc.worksheets.pdf` (one browser for all of them).
* :func:`site_pages` — the page producer for the site: ``worksheet.md`` and ``answers.md``
  in each example's folder.

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
from ..equations import latex
from ..equations.pagecheck import check_text
from ..escape import escape_md
from ..pages import Page, Rendered
from . import pdf
from .model import SCOPE_TITLES, TooLarge, Worksheet, default_scope, make

SCOPES = {k: v.capitalize() for k, v in SCOPE_TITLES.items()}
KATEX_DIR = "katex"  # beside the HTML files


def html_document(sheets: Sequence[Worksheet], key: bool, katex: str = KATEX_DIR) -> str:
    """Worksheets (``key`` false) or their answer keys as one HTML document, each sheet on new pages."""
    kind = "answer key" if key else "worksheet"
    title = f"{sheets[0].title} — {kind}" + (f" {sheets[0].variant}" if len(sheets) == 1 and sheets[0].variant else "")
    return resources.templates().get_template("worksheet.html.j2").render(
        sheets=sheets, key=key, katex=katex, doc_title=title, scopes=SCOPES)


def keys_document(sheets: Sequence[Worksheet], katex: str = KATEX_DIR) -> str:
    """The teacher's key: every variant's answers, by line number, one variant per page."""
    return resources.templates().get_template("worksheet-keys.html.j2").render(
        sheets=sheets, katex=katex, doc_title=f"{sheets[0].title} — answer keys", scopes=SCOPES)


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


def markdown(ws: Worksheet, key: bool) -> str:
    """The worksheet (or its key) as a Markdown page of the site (arithmatex ``$$`` blocks)."""
    return resources.templates().get_template("worksheet.md.j2").render(
        ws=ws, key=key, scopes=SCOPES, md=escape_md, math=latex.math_block).strip() + "\n"


def site_pages(example) -> Rendered:
    """Site producer: ``worksheet.md`` and ``answers.md`` for one collected example."""
    spec = example.trace.spec
    try:
        ws = make(spec, default_scope(spec), where=example.slug)
    except SpecError as exc:  # too large, or hand rounding puts ŷ where the loss is undefined:
        # the example keeps its other pages, and these say why there is no worksheet
        why = exc.message if isinstance(exc, TooLarge) else f"{exc.field}: {exc.message}"
        note = f"# {escape_md(spec.title)}\n\nThis example has no worksheet: {escape_md(why)}.\n"
        return Rendered(example.slug, spec.title, (Page("worksheet.md", "Worksheet", note),
                                                   Page("answers.md", "Answer key", note)))
    pages = (Page("worksheet.md", "Worksheet", markdown(ws, key=False)),
             Page("answers.md", "Answer key", markdown(ws, key=True)))
    lines = check_text(pages[1].markdown, f"{example.slug}/answers.md")
    return Rendered(example.slug, spec.title, pages, (), len(lines.lines), tuple(str(f) for f in lines.failures))
