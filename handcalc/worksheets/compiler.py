"""Typst documents → PDF bytes with the ``typst`` package, in-process.

Kept apart from everything else so that the worker processes of
:func:`handcalc.worksheets.typeset.pdfs` (started fresh: forking a process whose Typst threads
are running is not safe) load nothing but this module and the compiler.
"""

from __future__ import annotations


class PdfError(Exception):
    """A PDF cannot be made: Typst is not installed, or a document did not typeset."""


def missing() -> list[str]:
    """What must be installed before PDFs can be made (empty: nothing)."""
    try:
        import typst  # noqa: F401
    except ImportError:
        return ["the Typst compiler is not installed: run `pip install 'handcalc[pdf]'` "
                "(or `bash scripts/setup.sh` in a checkout)"]
    return []


def pdf(src: str) -> bytes:
    """The PDF of a Typst document (the fonts the compiler embeds only: the same file on any machine)."""
    problems = missing()
    if problems:
        raise PdfError("; ".join(problems))
    import typst

    try:
        return typst.compile(src.encode("utf-8"), format="pdf", ignore_system_fonts=True)
    except typst.TypstError as exc:  # a bug of ours, not of the spec: say where
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PdfError(f"Typst could not typeset the document: {first}") from None
