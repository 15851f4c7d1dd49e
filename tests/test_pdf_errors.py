"""``handcalc.worksheets.pdf`` when PDFs cannot be made: a bad paper size, missing programs,
a browser that does not start, a formula KaTeX cannot typeset or fit on the page.

The failing pages are real worksheets (candy-bar's) with one formula added before printing,
so the page's own script (``worksheet.js``) reports the problem and ``pdf`` turns it into
a :class:`~handcalc.worksheets.pdf.PdfError`; no PDF may be left behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import example_spec

from handcalc.worksheets import model as W
from handcalc.worksheets import output as P
from handcalc.worksheets import pdf


def test_an_unknown_paper_is_refused_before_anything_starts() -> None:
    with pytest.raises(pdf.PdfError, match=r"--paper: expected one of a4, letter, got 'a3'"):
        pdf.print_all([], "a3")


@pytest.fixture
def nothing_installed(monkeypatch, tmp_path):
    """No Chromium at the Debian path nor on PATH, and no Playwright to import."""
    monkeypatch.setattr(pdf, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # `import` raises ImportError


def test_missing_programs_are_named_with_what_to_install(nothing_installed) -> None:
    problems = pdf.missing()
    assert len(problems) == 2
    assert problems[0].startswith("Chromium is not installed") and "apt-get install chromium" in problems[0]
    assert problems[1].startswith("Playwright for Python is not installed") and "handcalc[pdf]" in problems[1]
    with pytest.raises(pdf.PdfError) as err:
        pdf.print_all([], "a4")
    assert str(err.value) == "; ".join(problems)


def test_without_chromium_the_html_is_written_and_no_pdf(nothing_installed, tmp_path) -> None:
    docs = P.documents([W.make(example_spec("candy-bar"), "forward")], "candy")
    out = tmp_path / "out"
    with pytest.raises(pdf.PdfError, match="Chromium is not installed"):
        P.write(docs, out, "pdf", "a4")
    assert sorted(p.name for p in out.glob("*.html")) == sorted(f"{d.stem}.html" for d in docs)
    assert not list(out.glob("*.pdf"))


def page_with(tmp_path: Path, extra: str) -> pdf.Job:
    """candy-bar's worksheet with ``extra`` (HTML) added at the end of its sheet, as a print job."""
    doc = P.documents([W.make(example_spec("candy-bar"), "forward")], "candy")[0]
    assert doc.html.count("</article>") == 1
    html = tmp_path / f"{doc.stem}.html"
    html.write_text(doc.html.replace("</article>", extra + "</article>"), encoding="utf-8")
    pdf.copy_katex(tmp_path / P.KATEX_DIR)
    return pdf.Job(html, (pdf.Output(tmp_path / "out.pdf", None, "footer"),))


@pytest.mark.browser
def test_a_formula_katex_cannot_typeset_stops_the_print(tmp_path) -> None:
    job = page_with(tmp_path, r'<div class="math display">\frac{1}{</div>')
    with pytest.raises(pdf.PdfError, match=r"KaTeX could not typeset 1 formula\(s\): KaTeX parse error"):
        pdf.print_all([job], "a4", workers=1)
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.browser
def test_a_formula_wider_than_the_page_even_when_shrunk_stops_the_print(tmp_path) -> None:
    wide = " + ".join(f"w_{{{k}}} x_{{{k}}}" for k in range(1500))  # over 100 columns wide at full size
    job = page_with(tmp_path, f'<div class="math display">{wide}</div>')
    with pytest.raises(pdf.PdfError, match=r"1 formula\(s\) are wider than the page even when shrunk"):
        pdf.print_all([job], "letter", workers=1)
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.browser
def test_a_browser_that_does_not_start_is_reported_in_one_line(monkeypatch, tmp_path) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(pdf, "chromium", lambda: str(broken))
    job = page_with(tmp_path, "")
    with pytest.raises(pdf.PdfError, match=r"^Chromium did not start \(.*\); run `bash scripts/setup.sh`") as err:
        pdf.print_all([job], "a4", workers=1)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out.pdf").exists()
