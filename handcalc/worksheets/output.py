"""Worksheets on paper: HTML documents and PDF files (the site's worksheet pages are
:mod:`handcalc.site.worksheet`).

* :func:`documents` — the documents of one ``handcalc worksheet`` run: a worksheet and its key
  per sheet and, for variants, the teacher's combined key;
* :func:`html_document`, :func:`keys_document` — a document as self-contained HTML (KaTeX from a
  ``katex/`` folder beside it; worksheets built in the LaTeX dialect);
* :func:`write` — the files of a run: HTML, or PDF typeset by Typst (:mod:`handcalc.worksheets.typeset`,
  worksheets built in the Typst dialect), everything staged and moved into place at once.

Every number comes from the worksheet's lines (:mod:`handcalc.worksheets.model`), which take it
from the trace through :func:`handcalc.core.display.show`; the templates only choose fields.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import resources
from ..core import atomic
from ..core.errors import SpecError
from . import typeset
from .model import SCOPE_HEADINGS, Worksheet

KATEX_DIR = "katex"  # beside the HTML files
FORMATS = ("pdf", "html")


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


def copy_katex(dest: Path) -> None:
    """KaTeX's script, style sheet and WOFF2 fonts (shipped in the package) into ``dest``."""
    src = resources.KATEX
    (dest / "fonts").mkdir(parents=True, exist_ok=True)
    for name in ("katex.min.js", "katex.min.css"):
        shutil.copyfile(src / name, dest / name)
    for font in (src / "fonts").glob("*.woff2"):
        shutil.copyfile(font, dest / "fonts" / font.name)


# ---------------------------------------------------------------------------
# files


@dataclass(frozen=True)
class Document:
    """One file of a run: a worksheet, its answer key, or the teacher's key of all variants."""

    stem: str  # file name without extension, e.g. "golf-v1-07-key"
    kind: str  # "worksheet" | "key" | "keys"
    sheets: tuple[Worksheet, ...]
    footer: str  # plain text at the foot of every PDF page (with the page number)

    def html(self) -> str:
        if self.kind == "keys":
            return keys_document(self.sheets)
        return html_document(self.sheets, self.kind == "key")

    def typst(self, paper: str) -> str:
        if self.kind == "keys":
            return typeset.keys_source(self.sheets, paper, self.footer)
        return typeset.source(self.sheets, self.kind == "key", paper, self.footer)


def documents(sheets: Sequence[Worksheet], stem: str) -> list[Document]:
    """Single worksheet: ``stem-worksheet`` and ``stem-key``.  Variants: ``stem-v<id>-worksheet``,
    ``stem-v<id>-key`` for each and ``stem-keys`` (all answers) for the teacher."""
    out = []
    for ws in sheets:
        base = f"{stem}-v{ws.variant}" if ws.variant else stem
        tag = f" · variant {ws.variant}" if ws.variant else ""
        out.append(Document(f"{base}-worksheet", "worksheet", (ws,), f"{ws.title}{tag} · worksheet"))
        out.append(Document(f"{base}-key", "key", (ws,), f"{ws.title}{tag} · answer key"))
    if sheets and sheets[0].variant:
        out.append(Document(f"{stem}-keys", "keys", tuple(sheets), f"{sheets[0].title} · answer keys of all variants"))
    return out


class Clash(Exception):
    """An output file exists and ``--force`` was not given."""


def write(docs: Sequence[Document], out: Path, fmt: str = "pdf", paper: str = "a4", force: bool = False,
          progress: Callable[[int], None] | None = None) -> list[Path]:
    """Write every document as ``fmt`` (``pdf``: typeset by Typst; ``html``: with KaTeX beside it).

    Refuses (:class:`Clash`) when a file it would write exists, unless ``force``; raises
    :class:`handcalc.worksheets.typeset.PdfError` (nothing written) when PDFs cannot be made."""
    if fmt not in FORMATS:
        raise SpecError("--format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "pdf":
        problems = typeset.missing()
        if problems:
            raise typeset.PdfError("; ".join(problems))
        typeset.paper_name(paper)
    targets = [out / f"{d.stem}.{fmt}" for d in docs]
    if out.exists() and not out.is_dir():
        raise SpecError(str(out), "is a file, not a folder (-o names the folder the worksheets go into)")
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise Clash(f"{existing[0]}{more} already exist{'s' if len(existing) == 1 else ''} (use --force to overwrite)")
    with atomic.staged(out) as tmp:  # everything is made here first, then moved into ``out``
        if fmt == "html":
            copy_katex(tmp / KATEX_DIR)
            for d in docs:
                (tmp / f"{d.stem}.html").write_text(d.html(), encoding="utf-8")
                if progress:
                    progress(1)
        else:
            typeset.write([(tmp / f"{d.stem}.pdf", d.typst(paper)) for d in docs], progress)
        atomic.move_into(tmp, out)
    return targets
