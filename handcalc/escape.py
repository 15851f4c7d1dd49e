"""Spec text made safe for where it lands: Markdown/HTML pages and SVG/XML.

(LaTeX ``\\text{…}`` escaping lives in :mod:`handcalc.equations.latex`.)  A title such as
``<script>alert(1)</script> & 50% _x_ \\href{javascript:alert(1)}{x} ../../etc`` must
show literally: never as markup, math or a link.
"""

from __future__ import annotations

import re
import unicodedata

_MD_ESCAPES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "\\": "&#92;", "`": "&#96;",
    "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "(": "&#40;", ")": "&#41;", "#": "&#35;",
    "|": "&#124;", "$": "&#36;", "!": "&#33;", "~": "&#126;", "^": "&#94;", "{": "&#123;", "}": "&#125;",
    ":": "&#58;", "+": "&#43;", "-": "&#45;", "=": "&#61;",
}


def escape_md(s: str) -> str:
    """Spec text for a Markdown/HTML page: every character that Markdown, HTML, arithmatex or
    a table could read as markup becomes a character reference, so it shows literally."""
    return "".join(_MD_ESCAPES.get(c, c) for c in " ".join(str(s).split()))


def escape_xml(s: str) -> str:
    """Spec text for SVG/XML text and attributes.  The network diagram is also inlined in a
    Markdown page, so every character Markdown or arithmatex could read is a character
    reference too (the same set as :func:`escape_md`; all of them are valid XML)."""
    return escape_md(s)


def printable(s: str, keep: str = "") -> str:
    """Text for a terminal or a log: control and format characters (escape codes, NUL,
    line breaks, zero-width and direction marks) written as ``\\x1b``/``\\u200b``, so spec
    text can never clear a screen, set a window title or hide part of a message; the
    characters of ``keep`` (``"\\n"`` for multi-line output) are left as they are."""
    return "".join(c if c in keep or unicodedata.category(c) not in ("Cc", "Cf") else
                   (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in str(s))


def slug(name: str, fallback: str = "") -> str:
    """A name reduced to ``[a-z0-9-]`` for a file or folder: ``Candy Bar_2`` → ``candy-bar-2``,
    ``../../etc/passwd`` → ``etc-passwd`` (``fallback`` when nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or fallback
