"""Every document handcalc writes, fed hostile spec text: a title and input/output names that
look like HTML, a Jinja expression, LaTeX commands and math delimiters.

The HTML documents (worksheet, answer key, the combined key of all variants) must have the
same markup as with harmless text — hostile text adds no tag, script or attribute — and
show the text literally; inside KaTeX math the names must arrive escaped.  The Markdown
pages of the site must not contain any of the strings raw, except inside the SVG diagram
(a file of its own, and inlined in the overview page), which must parse as XML and hold
them only as text.  (The built
site, through MkDocs, is checked in test_site.py.)
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, example_spec

from handcalc.core import check, engine
from handcalc.core.spec import load, parse
from handcalc.equations.typst import TYPST
from handcalc.site import render, sitegen
from handcalc.worksheets import model as W
from handcalc.worksheets import output as P

HOSTILE_TITLES = ["<script>alert(1)</script>", "{{ 7*7 }}", r"\textbf{x}", "$x$",
                  "<img src=x onerror=alert(1)> & {% raw %} \\(y\\) 50%"]
HOSTILE_NAMES = [r"\textbf{x}", "$y$ {{ 7*7 }}"]
HOSTILE_OUTPUT = "<i>o</i>"


class Document(HTMLParser):
    """The tag structure, the text outside scripts and the text of ``.math`` elements."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple]] = []
        self.text: list[str] = []
        self.math: list[str] = []
        self._script = 0
        self._math_depth = 0
        self._stack: list[bool] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, tuple(k for k, _ in attrs)))
        if tag in ("script", "style"):
            self._script += 1
        is_math = "math" in (dict(attrs).get("class") or "").split()
        if tag not in ("meta", "link", "br", "img", "input"):
            self._stack.append(is_math)
            self._math_depth += is_math

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._script -= 1
        if self._stack and tag not in ("meta", "link", "br", "img", "input"):
            self._math_depth -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._script:
            return
        (self.math if self._math_depth else self.text).append(data)


def _variants(title: str, inputs: list[str], outputs: list[str], **kw):
    raw = dict(example_spec("candy-bar").raw, title=title, inputs=inputs, outputs=outputs)
    return W.make_variants(parse(raw), 2, seed=3, **kw)


@pytest.fixture(scope="module")
def harmless() -> dict[str, Document]:
    docs = P.documents(_variants("Plain title", ["a", "b"], ["c"]), "s")
    return {d.stem: Document(d.html()) for d in docs}


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_every_html_document_shows_hostile_text_literally(title: str, harmless: dict[str, Document]) -> None:
    docs = P.documents(_variants(title, HOSTILE_NAMES, [HOSTILE_OUTPUT]), "s")
    assert sorted(d.stem for d in docs) == sorted(harmless)  # worksheets, keys and the combined key
    assert any(d.stem == "s-keys" for d in docs)
    for d in docs:
        doc = Document(d.html())
        assert doc.tags == harmless[d.stem].tags, d.stem  # no tag or attribute added by the text
        text = " ".join("".join(doc.text).split())
        assert title in text, d.stem  # shown literally (and a Jinja expression is not evaluated)
        math = "".join(doc.math)
        for name in [*HOSTILE_NAMES, HOSTILE_OUTPUT]:
            assert name not in math, (d.stem, name)  # a name inside math is escaped
        assert "textbf{x}" not in math.replace(r"\textbackslash{}textbf\{x\}", "")


def test_every_pdf_shows_hostile_text_literally(tmp_path: Path) -> None:
    """Spec text reaches a Typst document only as a string literal: the documents typeset, and the
    text comes out as written (Typst markup, math and code in it stay text)."""
    title = " ".join([*HOSTILE_TITLES, '" #set text(red) ] [ // @ref <lbl> `x` = -- *b* _i_ \\'])
    docs = P.documents(_variants(title, HOSTILE_NAMES, [HOSTILE_OUTPUT], dialect=TYPST), "s")
    P.write(docs, tmp_path, "pdf")
    for d in docs:
        text = subprocess.run(["pdftotext", str(tmp_path / f"{d.stem}.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert title in " ".join(text.split()), d.stem
        if d.kind != "keys":
            assert ", ".join(HOSTILE_NAMES) in " ".join(text.split()), d.stem


def test_markdown_pages_and_diagram_hold_no_raw_hostile_text(tmp_path: Path) -> None:
    title = " ".join(HOSTILE_TITLES)
    data = yaml.safe_load((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    data.update(title=title, description=title, source=title, inputs=HOSTILE_NAMES, outputs=[HOSTILE_OUTPUT])
    (tmp_path / "hostile.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    trace = engine.run(load(tmp_path / "hostile.yaml"))
    rendered = render.render_example(trace, check.check(trace, fd_steps=0), "hostile")
    collected = sitegen.collect(tmp_path)
    files = [f for f in sitegen.site_files(collected) if isinstance(f.data, str) and f.path.endswith(".md")]
    pages = [(p.path, p.markdown) for p in rendered.pages] + [(f.path, f.data) for f in files]
    assert any(path.endswith("answers.md") for path, _ in pages)  # the worksheet pages are among them
    svgs = [next(a.data.decode() for a in rendered.assets if a.path == "network.svg")]
    for path, md in pages:
        inlined = re.findall(r"<svg\b.*?</svg>", md, re.S)  # the overview page inlines the diagram
        svgs += inlined
        for block in inlined:
            md = md.replace(block, "")
        for raw in [*HOSTILE_TITLES, *HOSTILE_NAMES, HOSTILE_OUTPUT]:
            assert raw not in md, (path, raw)
    assert len(svgs) > 1
    for svg in svgs:  # an XML island: well-formed whatever the names, the text only as text
        root = ET.fromstring(svg)
        ns = "{http://www.w3.org/2000/svg}"
        assert not [el for el in root.iter() if el.tag.removeprefix(ns) in ("script", "foreignObject")]
        assert not [k for el in root.iter() for k in el.attrib if k.lower().startswith("on")]
        assert root.find(f"{ns}title").text.startswith(title)
        labels = {"".join(el.itertext()) for el in root.iter(f"{ns}text")}
        assert set(HOSTILE_NAMES) <= labels and HOSTILE_OUTPUT in labels
