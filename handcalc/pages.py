"""What the renderer hands to the site: Markdown pages and files for one example.

Paths are relative to the example's own folder in the site (``forward.md``,
``network.svg``); the site generator decides where that folder lives.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    path: str  # e.g. "forward.md"
    title: str  # plain text (the page escapes it where it lands)
    markdown: str


@dataclass(frozen=True)
class Asset:
    path: str  # e.g. "network.svg"
    data: bytes


@dataclass(frozen=True)
class Rendered:
    slug: str  # the example's folder name, safe for paths and URLs
    title: str  # plain text from the spec
    pages: tuple[Page, ...]  # the first page is the example's overview
    assets: tuple[Asset, ...] = ()
    lines_checked: int = 0  # arithmetic lines of the pages redone from their LaTeX (handcalc.equations.pagecheck)
    line_failures: tuple[str, ...] = ()  # those that do not give their printed result
