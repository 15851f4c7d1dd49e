"""The worksheet pages of the site: ``worksheet.md`` and ``answers.md`` of an example, from
the same :class:`handcalc.worksheets.model.Worksheet` the printable documents are made of."""

from __future__ import annotations

from .. import resources
from ..core.errors import SpecError
from ..equations import latex
from ..equations.pagecheck import check_text
from ..escape import escape_md
from ..pages import Page, Rendered
from ..worksheets.model import SCOPE_HEADINGS, TooLarge, Worksheet, default_scope, make


def markdown(ws: Worksheet, key: bool) -> str:
    """The worksheet (or its key) as a Markdown page of the site (arithmatex ``$$`` blocks)."""
    return resources.templates().get_template("worksheet.md.j2").render(
        ws=ws, key=key, scopes=SCOPE_HEADINGS, md=escape_md, math=latex.math_block).strip() + "\n"


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
