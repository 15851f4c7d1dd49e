"""The worksheet pages of the site: ``worksheet.md`` and ``answers.md`` of an example, from
the same :class:`handcalc.worksheets.model.Worksheet` the printable documents are made of.

A line that stands on one row (or whose rows are long) is written a second time for phones:
every ``=`` starts a row of its own and a sum wraps after :data:`NARROW_TERMS` terms, so the
answer box comes right under the line's symbol, on screen however long the line is.
``worksheet.css`` shows one of the two by the width of the screen; print takes the wide one."""

from __future__ import annotations

from .. import resources
from ..core.errors import SpecError
from ..equations import latex
from ..equations.pagecheck import check_text
from ..escape import escape_md
from ..pages import Page, Rendered
from ..worksheets.model import SCOPE_HEADINGS, Line, TooLarge, Worksheet, default_scope, make
from .render import note_page

NARROW_TERMS = 3  # terms of a sum on one row of a line on a phone
PAGES = (("worksheet.md", "Worksheet"), ("answers.md", "Answer key"))


def narrow(ln: Line, key: bool) -> str | None:
    """The line laid out for a phone (see the module's doc), or None when that is how the
    wide layout writes it already."""
    eq = ln.equation if key else ln.blank_equation
    tall = latex.aligned(eq.rows(NARROW_TERMS, stacked=True))
    return None if tall == (ln.filled if key else ln.blank) else tall


def markdown(ws: Worksheet, key: bool) -> str:
    """The worksheet (or its key) as a Markdown page of the site (arithmatex ``$$`` blocks)."""
    return resources.templates().get_template("worksheet.md.j2").render(
        ws=ws, key=key, scopes=SCOPE_HEADINGS, md=escape_md, math=latex.math_block,
        narrow=lambda ln: narrow(ln, key)).strip() + "\n"


def site_pages(example) -> Rendered:
    """Site producer: ``worksheet.md`` and ``answers.md`` for one collected example (while its run is
    still being finished under ``mkdocs serve``, two notes that they come with its training page)."""
    spec = example.trace.spec
    if example.report is None:  # (the other pages of the worked step come first: these take as long)
        text = ("The worksheet and its key for the numbers just saved come a moment later, with the training "
                "and check pages. This page reloads by itself.")
        return Rendered(example.slug, spec.title, tuple(note_page(spec, path, title, "Preparing the worksheet", text)
                                                        for path, title in PAGES))
    try:
        ws = make(spec, default_scope(spec), where=example.slug)
    except SpecError as exc:  # too large, or hand rounding puts ŷ where the loss is undefined:
        # the example keeps its other pages, and these say why there is no worksheet
        why = exc.message if isinstance(exc, TooLarge) else f"{exc.field}: {exc.message}"
        note = f"# {escape_md(spec.title)}\n\nThis example has no worksheet: {escape_md(why)}.\n"
        return Rendered(example.slug, spec.title, tuple(Page(path, title, note) for path, title in PAGES))
    (sheet, sheet_title), (key, key_title) = PAGES
    pages = (Page(sheet, sheet_title, markdown(ws, key=False)), Page(key, key_title, markdown(ws, key=True)))
    lines = check_text(pages[1].markdown, f"{example.slug}/answers.md")
    return Rendered(example.slug, spec.title, pages, (), len(lines.lines), tuple(str(f) for f in lines.failures))
