"""Worksheets and answer keys: content, variants, HTML, PDF (Typst), CLI, site pages.

Every expected number is taken from the worksheet's trace through ``display.show``; the
PDF tests read the printed text back with ``pdftotext``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from fractions import Fraction as F
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLE_NAMES, EXAMPLES, example_spec, example_trace

from handcalc.cli import main
from handcalc.core import check
from handcalc.core.display import show, show_nonzero
from handcalc.core.errors import SpecError
from handcalc.core.numbers import Num
from handcalc.core.spec import parse
from handcalc.core.trace import Affine
from handcalc.core.variants import variant
from handcalc.equations import pagecheck
from handcalc.equations.latex import LATEX
from handcalc.equations.typst import TYPST
from handcalc.site import worksheet as site_worksheet
from handcalc.worksheets import model as W
from handcalc.worksheets import output as P
from handcalc.worksheets import typeset

NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?")
HOSTILE = r"<script>alert(1)</script> & 50% _x_ \href{javascript:alert(1)}{x} ../../etc"


def numbers_in(text: str) -> Counter:
    """Number tokens of a text, KaTeX's minus sign read as '-'."""
    return Counter(NUMBER.findall(text.replace("\u2212", "-")))


def given_texts(ws: W.Worksheet) -> set[str]:
    """Every number the worksheet gives: operands written on the lines and the givens' entries."""
    out = {t for ln in ws.lines for t in ln.operands}
    for g in ws.givens:
        for b in g.blocks:
            out |= set(NUMBER.findall(b))
    return out


# ---------------------------------------------------------------------------
# content


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_key_passes_check_with_hand_rounding(name):
    ws = W.make(example_spec(name), where=name)
    assert ws.hand and ws.decimals == 2
    assert ws.trace.spec.display.rounding == "hand"
    report = check.check(ws.trace)
    assert report.ok, report.summary()
    assert report.equations >= len(ws.lines)


def test_scopes_cover_the_step_in_order():
    spec = example_spec("golf")
    forward, loss, step = (W.make(spec, s) for s in ("forward", "loss", "step"))
    assert [p.key for p in step.parts] == ["forward", "loss", "backward", "update"]
    assert [p.key for p in loss.parts] == ["forward", "loss"]
    assert [p.key for p in forward.parts] == ["forward"]
    n_forward = sum(2 * lay.units for lay in spec.layers)  # z and a of every unit
    assert len(forward.lines) == n_forward
    assert len(loss.lines) == n_forward + 1
    params = sum(len(lay.weights) * lay.units + lay.units for lay in spec.layers)
    update = step.parts[-1].lines
    assert len(update) == params
    assert [ln.number for ln in step.lines] == list(range(1, len(step.lines) + 1))


def test_worksheet_lines_give_no_answer_away():
    ws = W.make(example_spec("golf"))
    for ln in ws.lines:
        assert r"\mathrlap" not in ln.blank  # the box is empty
        assert ln.answer.text in ln.filled
        # derived operands are symbols: the numbers written on a line are only the given ones
        assert set(NUMBER.findall(ln.blank)) <= set(NUMBER.findall(ln.filled))
    gives = given_texts(ws)
    for ln in ws.lines:
        if ln.answer.text not in gives:
            later = [m for m in ws.lines if m.number > ln.number]
            assert all(ln.answer.text not in NUMBER.findall(m.blank) for m in later), ln.number


def test_forward_only_and_large_batch_are_refused_with_a_clear_message():
    with pytest.raises(SpecError, match="forward pass"):
        W.make(example_spec("seven-layer"), "step")
    with pytest.raises(SpecError, match="400 samples"):
        W.make(example_spec("moons"), "step")
    assert W.default_scope(example_spec("moons")) == "loss"
    assert W.default_scope(example_spec("seven-layer")) == "forward"
    moons = W.make(example_spec("moons"))
    assert moons.samples == 1  # the first sample of the first step


def test_display_overrides_are_kept():
    ws = W.make(example_spec("golf"), "forward", rounding="exact", decimals=4)
    assert not ws.hand and ws.decimals == 4
    assert check.check(ws.trace).ok


# ---------------------------------------------------------------------------
# given numbers are written in full (read back from the emitted documents)

ARROW = re.compile(r"\\leftarrow|arrow\.l")
#: the number before "· ∂L/∂θ" on an update line: η (∂L/∂θ is the student's own result, a symbol)
RATE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?) (?:\\cdot|dot\.op) \{?\\?frac[({]\\?partial")
TYPST_LINE = re.compile(r'^  \("\d+", \[\$ (.*) \$\]\),$', re.M)


def documents(spec, name: str) -> dict[str, str]:
    """Every document made from a spec's worksheet, by name: the HTML worksheet and key, the site's
    worksheet.md and answers.md (LaTeX), the Typst worksheet and key (the PDFs' sources) and the
    teacher's combined key (HTML and Typst)."""
    tex, typ = W.make(spec, where=name), W.make(spec, where=name, dialect=TYPST)
    return {"worksheet.html": P.html_document([tex], False), "key.html": P.html_document([tex], True),
            "worksheet.md": site_worksheet.markdown(tex, False), "answers.md": site_worksheet.markdown(tex, True),
            "worksheet.typ": typeset.source([typ], False), "key.typ": typeset.source([typ], True),
            "keys.html": P.keys_document([tex]), "keys.typ": typeset.keys_source([typ])}


def emitted(spec, name: str) -> dict[str, list[str]]:
    """The equations of each worksheet and key (:func:`documents`), read back from the text."""
    docs = documents(spec, name)
    out = {k: [eq for b in pagecheck.math_blocks(docs[k]) for eq in pagecheck.equations(b)]
           for k in ("worksheet.html", "key.html", "worksheet.md", "answers.md")}
    out |= {k: TYPST_LINE.findall(docs[k]) for k in ("worksheet.typ", "key.typ")}
    return out


@pytest.mark.parametrize("name", [n for n in EXAMPLE_NAMES if W.default_scope(example_spec(n)) == "step"])
def test_every_update_line_writes_the_learning_rate_in_full(name):
    """candy-bar-mse's η = 0.0001 was written 0.00 on the update lines whose result it does not
    change at 2 decimals; a given number is written as the givens list it, never rounded."""
    spec = example_spec(name)
    updates = sum(len(p.lines) for p in W.make(spec, where=name).parts if p.key == "update")
    for doc, eqs in emitted(spec, name).items():
        lines = [eq for eq in eqs if ARROW.search(eq)]
        assert len(lines) >= updates > 0, doc
        for eq in lines:
            rates = RATE.findall(eq)
            assert len(rates) == 1 and F(rates[0]) == spec.learning_rate, (doc, eq)


def test_a_given_weight_and_slope_are_written_in_full_on_their_lines():
    raw = yaml.safe_load((EXAMPLES / "candy-bar-mse.yaml").read_text())
    raw["layers"][0]["weights"] = [[2, "0.0004"], [1, 3]]  # z2 = 5 · 0.0004 + 6 · 3 + 1: the 0.002 rounds away
    raw["layers"][0].update(activation="leaky_relu", negative_slope="0.0003", bias=[-30, 1])  # a1 = 0.0003 · (-14)
    spec = parse(raw)
    for doc, eqs in emitted(spec, "spec").items():
        z2 = [eq for eq in eqs if re.match(r"\s*z\^[{(]\[1\][})]_[{(]?2", eq)]
        a1 = [eq for eq in eqs if re.match(r"\s*a\^[{(]\[1\][})]_[{(]?1", eq)]
        assert z2 and all("0.0004" in eq for eq in z2), (doc, z2)
        assert a1 and all("0.0003" in eq for eq in a1), (doc, a1)


def test_the_loss_intro_typesets_the_last_layers_symbol():
    """It read "(your a[3])" in plain text; the symbol is printed by the dialect like every other."""
    tex, typ = W.make(example_spec("golf"), "loss"), W.make(example_spec("golf"), "loss", dialect=TYPST)
    for text, symbol in ((P.html_document([tex], False), '<span class="math">a^{[3]}</span>'),
                         (site_worksheet.markdown(tex, True), "$a^{[3]}$"),
                         (typeset.source([typ], False), "$a^([3])$")):
        intro = next(line for line in text.splitlines() if "Compare the prediction" in line)
        assert symbol in intro and "a[3]" not in intro, intro


def test_the_help_of_decimals_says_what_a_worksheet_does():
    text = " ".join(CliRunner().invoke(main, ["worksheet", "--help"]).output.split())
    assert "Override display.decimals" not in text and "Override display.rounding" not in text
    assert "a worksheet does not use the spec's display.rounding" in text
    assert f"Decimals of every result (default {W.DEFAULT_DECIMALS}; a worksheet does not use" in text
    spec = example_spec("golf")
    assert spec.display.decimals != W.DEFAULT_DECIMALS == W.make(spec, "forward").decimals


# ---------------------------------------------------------------------------
# a later worked step: where the givens come from, and where the key leaves the exact run

FROM_ROUNDED = ("The weights and biases are the ones training steps 1 and 2 leave when worked with this sheet's "
                "rounding (every result rounded to 2 decimals), so they may differ a little from the worked example's.")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_givens_of_a_later_step_say_where_they_come_from():
    """golf works step 3 from the parameters steps 1 and 2 leave under the sheet's own rounding."""
    assert example_spec("golf").training.worked_step == 3
    for doc, text in documents(example_spec("golf"), "golf").items():
        if not doc.startswith("keys"):
            assert FROM_ROUNDED in flat(text), doc
    for doc, text in documents(example_spec("candy-bar"), "candy-bar").items():  # step 1: the spec's own weights
        assert "The weights and biases are the ones" not in text, doc


def test_the_key_notes_a_relu_unit_the_rounding_switches_off():
    """golf's key has z^{[1]}_3 = -0.01 (ReLU off) where the exact step 3 has z ≈ +0.0004 (on): the key
    says so, with both numbers, and only the key; the numbers come from the two traces."""
    spec = example_spec("golf")
    exact_z = example_trace("golf").steps[spec.training.worked_step - 1].forward[0].z[0][2].value  # layer 1, unit 3
    line = next(ln for ln in W.make(spec).lines if ln.lhs == "z^{[1]}_{3}")
    assert (line.record.value > 0) != (exact_z > 0)  # the case: off on the sheet, on in the exact run
    exact_text = show_nonzero(exact_z, spec.display.decimals).text
    assert F(exact_text) != 0
    for doc, text in documents(spec, "golf").items():
        text = flat(text)
        notes = re.findall(r"(?:Layer \d+, unit \d+ \([^)]*\), line|Line) \d+.*?by more than rounding|"
                           r"Line \d+ \(layer.*?above.*?\.", text)
        if doc.startswith("worksheet"):
            assert not notes and "exact run" not in text, doc
            continue
        assert len(notes) == 1, (doc, notes)
        note = re.sub(r'<[^>]+>|\$|#"([^"]*)"', r"\1", notes[0])  # without HTML tags, $ and Typst strings
        assert re.match(rf"(Layer 1, unit 3 \(ReLU\), line {line.number}|Line {line.number} \(layer 1, unit 3, ReLU\))",
                        note), note
        assert re.search(rf"= {re.escape(line.answer.text)}, at most 0, but the exact run of step 3 has \S+ "
                         rf"(\\approx|approx) {re.escape(exact_text)}, above 0", note), note


@pytest.mark.parametrize("activation, units", [("relu", [2, 3]), ("sigmoid", [2, 3])])
def test_a_unit_is_noted_when_its_z_crosses_the_kink(activation, units):
    """At the kink itself z takes the rule below it (ReLU′(0) = 0): a key's 0 against an exact -0.00003
    is the same rule, against +0.0055 it is not.  Without a kink the sign decides the same way."""
    def z(v: str) -> Affine:
        return Affine((), Num(F(v)))

    key = (z("0"), z("0"), z("-0.01"), z("0.02"), z("-0.5"))
    exact = (z("-0.00003"), z("0.0055"), z("0.0004"), z("0.01"), z("-0.4"))
    lines = [SimpleNamespace(record=r, number=k + 7, lhs=f"z_{k + 1}", answer=show(r.value, 2))
             for k, r in enumerate(key)]
    spec = SimpleNamespace(layers=[SimpleNamespace(activation=activation)])
    got = W.flips(lines, [SimpleNamespace(z=(key,))], [SimpleNamespace(z=(exact,))], spec, 2, LATEX)
    assert [f.unit for f in got] == units
    assert [(f.line, f.above, f.kink, f.at) for f in got] == [(u + 6, False, activation == "relu", "0") for u in units]
    assert [f.exact for f in got] == [r"z_2 \approx 0.01", "z_3 = 0.0004"]  # digits enough to show the sign


def test_no_note_where_key_and_exact_run_agree_on_every_unit():
    for name in ("candy-bar", "candy-bar-mse", "mazur"):
        assert W.make(example_spec(name)).flips == ()
        for doc, text in documents(example_spec(name), name).items():
            assert "exact run" not in text, (name, doc)


# ---------------------------------------------------------------------------
# variants


def test_variants_differ_are_reproducible_and_each_key_checks():
    spec = example_spec("golf")
    first = W.make_variants(spec, 4, seed=1)
    again = W.make_variants(spec, 4, seed=1)
    other = W.make_variants(spec, 4, seed=2)
    keys = [[ln.answer.text for ln in ws.lines] for ws in first]
    assert keys == [[ln.answer.text for ln in ws.lines] for ws in again]
    assert [ws.variant for ws in first] == ["1-1", "1-2", "1-3", "1-4"]
    assert len({W._fingerprint(ws) for ws in first}) == 4
    assert {W._fingerprint(ws) for ws in first}.isdisjoint({W._fingerprint(ws) for ws in other})
    for ws in first:
        assert check.check(ws.trace).ok
        # the variant's weights are exactly those variants.variant draws from its seed, brought to
        # the worked step (golf works step 3) by the worksheet's own updates
        drawn = W.prepare(parse(variant(spec, ws.weight_seed)), ws.scope)
        assert [lay.weights for lay in drawn.layers] == [lay.weights for lay in ws.trace.spec.layers]


def test_integer_variants_with_new_inputs():
    spec = example_spec("candy-bar")
    sheets = W.make_variants(spec, 3, seed=5, integers=True, inputs=True)
    for ws in sheets:
        assert check.check(ws.trace).ok
        for lay in ws.trace.spec.layers:
            assert all(w.denominator == 1 for row in lay.weights for w in row)
    assert len({W._fingerprint(ws) for ws in sheets}) == 3


# ---------------------------------------------------------------------------
# HTML


def test_html_escapes_spec_text_and_the_worksheet_file_holds_no_answers():
    spec = example_spec("candy-bar")
    raw = dict(spec.raw, title=HOSTILE, inputs=["<b>q</b>", "n_&_%"])
    ws = W.make(parse(raw))
    for key in (False, True):
        html = P.html_document([ws], key)
        assert "<script>alert" not in html and "<b>q</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 50% _x_ \\href{javascript:alert(1)}{x} ../../etc" in html
    sheet = P.html_document([ws], False)
    assert "htmlClass{ws-answer}" not in sheet and "mathrlap" not in sheet
    key = P.html_document([ws], True)
    assert all(ln.answer.text in key for ln in ws.lines)
    md = site_worksheet.markdown(ws, False)
    assert "<script>" not in md and "&lt;script&gt;alert" in md and "&#92;href" in md


def test_cli_html_single_and_refusal_to_overwrite(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["worksheet", str(EXAMPLES / "candy-bar.yaml"), "-o", str(out), "--format", "html"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.glob("*.html")) == ["candy-bar-key.html", "candy-bar-worksheet.html"]
    assert (out / "katex" / "katex.min.js").is_file()
    r = CliRunner().invoke(main, ["worksheet", str(EXAMPLES / "candy-bar.yaml"), "-o", str(out), "--format", "html"])
    assert r.exit_code == 2 and "--force" in r.output
    r = CliRunner().invoke(main, ["worksheet", str(EXAMPLES / "candy-bar.yaml"), "-o", str(out), "--format", "html",
                                  "--force"])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("args, message", [
    (["--integers"], "only apply with --variants"),
    (["--scope", "step", "--variants", "2"], "forward pass"),
])
def test_cli_bad_requests_exit_2(tmp_path, args, message):
    name = "seven-layer" if "step" in args else "golf"
    r = CliRunner().invoke(main, ["worksheet", str(EXAMPLES / f"{name}.yaml"), "-o", str(tmp_path), *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_cli_variants_html(tmp_path):
    r = CliRunner().invoke(main, ["worksheet", str(EXAMPLES / "golf.yaml"), "--variants", "3", "--seed", "7",
                                  "-o", str(tmp_path), "--format", "html"])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in tmp_path.glob("*.html"))
    per_variant = [f"golf-v7-{k}-{kind}.html" for k in (1, 2, 3) for kind in ("key", "worksheet")]
    assert names == ["golf-keys.html"] + per_variant
    for k in (1, 2, 3):
        for kind in ("key", "worksheet"):
            assert f"Variant 7-{k}" in (tmp_path / f"golf-v7-{k}-{kind}.html").read_text()


# ---------------------------------------------------------------------------
# PDF (Typst)


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout.replace("\u2212", "-")


def pages_of_answers(key_pdf: Path, ws: W.Worksheet) -> list[int]:
    """The page each line's answer stands on in the key, found in the order of the lines (each
    answer after the one before it): fails when an answer is missing or out of order."""
    pages = pdftext(key_pdf).split("\f")
    out, page, pos = [], 0, 0
    for ln in ws.lines:
        while True:
            m = re.search(rf"(?<![\d.]){re.escape(ln.answer.text)}(?![\d])", pages[page][pos:])
            if m:
                pos += m.end()
                out.append(page + 1)
                break
            page, pos = page + 1, 0
            assert page < len(pages), f"line {ln.number}: answer {ln.answer.text} not found in order"
    return out


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, list[W.Worksheet], W.Worksheet]:
    """golf's worksheet and two variants, made by the command line with no browser on PATH."""
    out = tmp_path_factory.mktemp("worksheets")
    path = os.path.dirname(sys.executable)  # the environment's own programs only
    assert shutil.which("chromium", path=path) is None and shutil.which("chromium-browser", path=path) is None
    for extra in ([], ["--variants", "2", "--seed", "3"]):
        r = subprocess.run([sys.executable, "-m", "handcalc.cli", "worksheet", str(EXAMPLES / "golf.yaml"),
                            "-o", str(out), *extra], capture_output=True, text=True, env={**os.environ, "PATH": path})
        assert r.returncode == 0, r.stderr
    single = W.make(example_spec("golf"), dialect=TYPST)
    sheets = W.make_variants(example_spec("golf"), 2, seed=3, dialect=TYPST)
    return out, sheets, single


def test_pdfs_hold_formulas_and_only_the_key_holds_answers(printed):
    out, sheets, single = printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["golf-worksheet.pdf", "golf-key.pdf", "golf-keys.pdf"]
        + [f"golf-v{v.variant}-{kind}.pdf" for v in sheets for kind in ("worksheet", "key")])
    for ws, stem in [(single, "golf")] + [(v, f"golf-v{v.variant}") for v in sheets]:
        sheet, key = pdftext(out / f"{stem}-worksheet.pdf"), pdftext(out / f"{stem}-key.pdf")
        for text in (sheet, key):
            assert "Play golf today?" in text
            assert f"Round every result to {ws.decimals} decimals" in text
            assert "max(0," in text and "Forward pass" in text and "Backward pass" in text and "Update" in text
            if ws.variant:
                assert f"Variant {ws.variant}" in text
        assert "Name" in sheet and "Name" not in key
        # the key holds the engine's answers in the order of the lines ...
        assert len(pages_of_answers(out / f"{stem}-key.pdf", ws)) == len(ws.lines)
        # ... the worksheet none of them, except where the same number is given (or is a line's label)
        sheet_n = numbers_in(sheet)
        gives = given_texts(ws)
        gives |= {g.lstrip("-") for g in gives}  # pdftotext may part a matrix entry's minus sign from it
        structural = {str(k) for k in range(0, len(ws.lines) + 20)}
        for a in {ln.answer.text for ln in ws.lines}:
            if a not in gives and a not in structural:
                assert sheet_n[a] == 0, f"answer {a} printed on the worksheet"
        # exact or rounded is the key's to say: every blank box follows "="
        assert "≈ \n" not in sheet and not re.search(r"≈\s*$", sheet, re.M)


@pytest.mark.parametrize("name, most", [("candy-bar", 2), ("golf", 4)])
def test_paper_used_well(tmp_path, name, most):
    """Parts flow on (no page per part): candy-bar fits on 2 A4 pages and its key on 2; every page
    of a key that holds lines holds at least two of them, and the worksheet breaks where its key does."""
    ws = W.make(example_spec(name), dialect=TYPST)
    P.write(P.documents([ws], name), tmp_path, "pdf", "a4")
    sheet, key = tmp_path / f"{name}-worksheet.pdf", tmp_path / f"{name}-key.pdf"
    assert page_count(sheet) == page_count(key) <= most
    per_page = Counter(pages_of_answers(key, ws))
    assert min(per_page.values()) >= 2, per_page
    text = pdftext(key)
    assert f"{ws.title} · answer key" in text and f"page {page_count(key)} of {page_count(key)}" in text


def test_pdfs_are_a4_and_render(printed, tmp_path):
    out, sheets, _ = printed
    info = subprocess.run(["pdfinfo", str(out / "golf-worksheet.pdf")], capture_output=True, text=True).stdout
    assert "pts (A4)" in info and "worksheet" in info and "answer key" not in info
    keys = pdftext(out / "golf-keys.pdf")
    for ws in sheets:
        assert f"Variant {ws.variant}" in keys
        assert numbers_in(keys) >= Counter({ln.answer.text: 1 for ln in ws.lines})
    for stem in ("golf-worksheet", "golf-key", "golf-keys"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out / f"{stem}.pdf"),
                        str(tmp_path / stem)], check=True)
        png = next(tmp_path.glob(f"{stem}*.png"))
        assert png.stat().st_size > 5000


def test_letter_paper_and_hostile_text(tmp_path):
    raw = yaml.safe_load((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    raw = raw | {"title": HOSTILE + ' "quoted" #set text(red) $x$ ] [ // /* @ref <lbl> `code`',
                 "inputs": ["a#b", 'q"uote'], "outputs": ["$p$"]}
    ws = W.make(parse(raw), "forward", dialect=TYPST)
    P.write(P.documents([ws], "candy"), tmp_path, "pdf", "letter")
    info = subprocess.run(["pdfinfo", str(tmp_path / "candy-key.pdf")], capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info
    text = " ".join(pdftext(tmp_path / "candy-key.pdf").split())
    assert raw["title"].replace("  ", " ") in text and "a#b, q\"uote" in text


def test_pdf_errors(tmp_path, monkeypatch):
    ws = W.make(example_spec("candy-bar"), "forward", dialect=TYPST)
    (tmp_path / "w").mkdir()
    with pytest.raises(typeset.PdfError, match=r"--paper: expected one of a4, letter, got 'a3'"):
        P.write(P.documents([ws], "candy"), tmp_path, "pdf", "a3")
    with pytest.raises(typeset.PdfError, match="Typst could not typeset the document"):
        typeset.pdf("#unknown-function()")
    with pytest.raises(typeset.PdfError, match="Typst could not typeset the document: unknown variable"):
        typeset.write([(tmp_path / "w" / f"{k}.pdf", src) for k, src in enumerate(["ok", "#unknown-function()", "ok"])],
                      workers=2)  # a worker process's failure reaches the caller
    typeset.write([(tmp_path / "w" / "one.pdf", "one document, this process")])
    assert (tmp_path / "w" / "one.pdf").read_bytes().startswith(b"%PDF")
    monkeypatch.setitem(sys.modules, "typst", None)  # `import typst` raises ImportError
    with pytest.raises(typeset.PdfError, match=r"pip install 'handcalc\[pdf\]'"):
        P.write(P.documents([ws], "candy"), tmp_path / "out", "pdf", "a4")
    for jobs in ([(tmp_path / "w" / "x.pdf", "x")], [(tmp_path / "w" / f"{k}.pdf", "x") for k in range(3)]):
        with pytest.raises(typeset.PdfError, match=r"pip install 'handcalc\[pdf\]'"):
            typeset.write(jobs, workers=2)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("*.pdf"))
    r = CliRunner().invoke(main, ["worksheet", str(EXAMPLES / "candy-bar.yaml"), "-o", str(tmp_path / "cli")])
    assert r.exit_code == 1 and "no PDF written" in r.output and "Traceback" not in r.output
    with pytest.raises(ValueError, match="dialect=TYPST"):
        typeset.source([W.make(example_spec("candy-bar"), "forward")], False)


# ---------------------------------------------------------------------------
# the site


def test_site_pages_for_each_example():
    from handcalc.site import sitegen

    for ex in sitegen.collect(EXAMPLES, producers=(site_worksheet.site_pages,)):
        pages = {p.path: p.markdown for p in ex.rendered.pages}
        assert set(pages) == {"worksheet.md", "answers.md"}
        assert "\\mathrlap" not in pages["worksheet.md"]
        assert "(answers.md)" in pages["worksheet.md"] and "(worksheet.md)" in pages["answers.md"]
        assert "{ .ws-part }" in pages["worksheet.md"]
        for block in re.findall(r"\$\$\n(.*?)\n\$\$", pages["answers.md"], re.S):
            assert "\n\n" not in block and "htmlClass" not in block
