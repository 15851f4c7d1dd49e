"""The files shipped inside the package: the pages' assets and the example specs.

* ``assets/katex/`` — KaTeX from the npm registry at a pinned version (``VERSION``), with its
  licence and a ``SHA256SUMS`` list; ``scripts/update-katex.py`` refreshes it.
* ``assets/katex-init.js`` — typesets the math of a page (any MkDocs theme; with Material's
  instant navigation, every page shown), ``assets/handcalc.css`` and ``assets/worksheet.css``
  — the styles of the example and worksheet pages.
* ``examples/`` — the shipped specs (``handcalc init`` copies them into a new site).

Nothing here imports the engine, so the command line and the PDF printer can use it cheaply.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
ASSETS = PACKAGE / "assets"
KATEX = ASSETS / "katex"
EXAMPLES = PACKAGE / "examples"

SITE_FOLDER = "assets/handcalc"  # where the assets land in a site, relative to its docs folder
STYLESHEETS = ("katex/katex.min.css", "handcalc.css", "worksheet.css")  # relative to SITE_FOLDER, in order
SCRIPTS = ("katex/katex.min.js", "katex/contrib/auto-render.min.js", "katex-init.js")
NOT_SERVED = ("SHA256SUMS", "VERSION")  # bookkeeping of the vendored copy


def site_assets() -> list[tuple[str, Path]]:
    """Every asset the pages load, as (path in the site, file on disk), sorted."""
    files = sorted(p for p in ASSETS.rglob("*") if p.is_file() and p.name not in NOT_SERVED)
    return [(f"{SITE_FOLDER}/{p.relative_to(ASSETS).as_posix()}", p) for p in files]


def katex_version() -> str:
    return (KATEX / "VERSION").read_text(encoding="utf-8").strip()


@cache
def templates() -> Any:
    """The one Jinja environment of the package's templates (``templates/``): undefined names
    are errors, ``*.html.j2`` templates escape what they are given as HTML, the Markdown ones leave
    escaping to the code that fills them (:mod:`handcalc.escape`)."""
    import jinja2  # here: the command line starts without it

    return jinja2.Environment(loader=jinja2.PackageLoader("handcalc", "templates"), undefined=jinja2.StrictUndefined,
                              autoescape=jinja2.select_autoescape(["html.j2"], default_for_string=False),
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
