"""The Typst dialect: the same lines as LaTeX, spelled for Typst, and every one typesets.

The house printer (``handcalc.equations.latex``) decides what each line says once; a dialect
only spells it.  So a worksheet built in Typst must carry the same numbers, indices and
relations, in the same order, as the one built in LaTeX — checked line by line for every
activation with every loss — and every line, rule and given must compile with Typst.
"""

from __future__ import annotations

import re
from itertools import product

import pytest
import sympy
from conftest import EXAMPLE_NAMES, example_spec
from test_registry import combination

from handcalc.core.functions import ACTIVATIONS, LOSSES
from handcalc.core.spec import parse
from handcalc.equations import latex
from handcalc.equations.latex import LATEX
from handcalc.equations.typst import TYPST, SympyPrinter, string
from handcalc.worksheets import model as W
from handcalc.worksheets import typeset

TOKENS = re.compile(r"\d+(?:\.\d+)?|=|\\approx|approx|\\leftarrow|arrow\.l|\+|(?<![a-z])-(?!>)")
WORDS = {r"\approx": "≈", "approx": "≈", r"\leftarrow": "←", "arrow.l": "←"}


def tokens(math: str, box: str) -> list[str]:
    """Numbers (indices, layers, samples, values) and relations of a line, in order, up to its box."""
    head = math.split(box)[0]
    head = re.sub(r"\\rule\[[^]]*\]\{[^}]*\}\{[^}]*\}", "", head)
    return [WORDS.get(t, t) for t in TOKENS.findall(head)]


def pairs(spec, scope=None):
    return W.make(spec, scope, dialect=LATEX), W.make(spec, scope, dialect=TYPST)


def same_lines(tex: W.Worksheet, typ: W.Worksheet) -> None:
    assert len(tex.lines) == len(typ.lines) > 0
    for a, b in zip(tex.lines, typ.lines):
        assert a.answer == b.answer and a.record == b.record
        for x, y in ((a.blank, b.blank), (a.filled, b.filled), (a.lhs, b.lhs)):
            assert tokens(x, r"\boxed{") == tokens(y, "#box("), (a.number, x, y)
    for g, h in zip(tex.givens, typ.givens):
        assert g.label == h.label and [tokens(x, "@") for x in g.blocks] == [tokens(y, "@") for y in h.blocks]


def document(sheets: list[W.Worksheet]) -> str:
    """Every line, rule and given of the sheets, each as a display equation of one document."""
    maths = [m for ws in sheets for m in (*[b for g in ws.givens for b in g.blocks],
                                          *[r for p in ws.parts for r in p.rules],
                                          *[x for ln in ws.lines for x in (ln.lhs, ln.blank, ln.filled)])]
    return "#set page(width: 40cm, height: auto)\n" + "\n".join(f"$ {m} $" for m in maths)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_says_the_same_in_both_dialects(name):
    spec = example_spec(name)
    tex, typ = pairs(spec)
    same_lines(tex, typ)
    assert [p.title for p in tex.parts] == [p.title for p in typ.parts]
    assert [[g.title for g in p.groups] for p in tex.parts] == [[g.title for g in p.groups] for p in typ.parts]


def test_every_activation_with_every_loss_says_the_same_and_typesets():
    sheets = []
    for act, loss in product(ACTIVATIONS, LOSSES):
        tex, typ = pairs(parse(combination(act, loss)), "step")
        same_lines(tex, typ)
        sheets.append(typ)
    assert len(sheets) == len(ACTIVATIONS) * len(LOSSES)
    assert typeset.pdf(document(sheets)).startswith(b"%PDF")


def test_rules_of_every_entry_typeset_in_both_forms():
    rules = [latex.activation_rule(a, TYPST) for a in ACTIVATIONS]
    rules += [latex.loss_rule(loss, n, TYPST) for loss in LOSSES for n in (1, 3)]
    assert typeset.pdf("\n".join(f"$ {r} $" for r in rules)).startswith(b"%PDF")
    # the same numbers in the same order as the LaTeX rules (fractions, exponents, sums' limits)
    for a in ACTIVATIONS:
        assert tokens(latex.activation_rule(a, TYPST), "@") == tokens(latex.activation_rule(a), "@"), a
    for loss in LOSSES:
        for n in (1, 3):
            assert tokens(latex.loss_rule(loss, n, TYPST), "@") == tokens(latex.loss_rule(loss, n), "@"), loss


def test_sympy_printer_brackets_and_quotients():
    y, h, z = sympy.symbols("y h z")
    p = SympyPrinter({h: "hat(y)"})
    assert p.doprint(sympy.Mul(-1, sympy.Add(y, h, evaluate=False), evaluate=False)) == "-(y + hat(y))"
    assert p.doprint(sympy.Mul(y, sympy.Pow(h, -1), evaluate=False)) == "frac(y, hat(y))"
    assert p.doprint(1 / (1 + sympy.exp(-z))) == "frac(1, 1 + e^(-z))"
    assert p.doprint(sympy.Pow(sympy.Add(y, -h, evaluate=False), 2, evaluate=False)) == "(y - hat(y))^(2)"
    assert p.doprint(sympy.Rational(-1, 2)) == "-frac(1, 2)" and p.doprint(sympy.Rational(1, 2)) == "frac(1, 2)"


def test_text_and_scripts_are_spelled_for_typst():
    assert string('a "b" \\ #c $d$') == '"a \\"b\\" \\\\ #c $d$"'
    assert TYPST.text("  two\n words ") == '"two words"'
    assert TYPST.script("W", "[1]", "ij") == "W^([1])_(i j)"  # index letters, not the name "ij"
    assert TYPST.script("W", "[1]", "12") == "W^([1])_(12)"
    assert TYPST.power("a^([1])_(1)", "2") == "(a^([1])_(1))^(2)"
    assert TYPST.operator("σ") == "sigma" and TYPST.operator("ReLU") == 'op("ReLU")' and TYPST.operator("max") == "max"
    assert LATEX.operator("ReLU") == r"\operatorname{ReLU}" and LATEX.operator("tanh") == r"\tanh"


def test_wide_matrices_split_with_their_column_labels():
    rows = [[f"{k}.123456" for k in range(12)], [f"-{k}.654321" for k in range(12)]]
    blocks = latex.matrix_blocks("W^([1])", rows, "≈", d=TYPST)
    assert len(blocks) > 1 and blocks[0].startswith('W^([1]) thick "(columns 1–') and " approx mat(" in blocks[0]
    stacked = latex.matrix_blocks("W^([1])", rows, stacked=True, d=TYPST)
    assert stacked[0].split(" \\\n")[1].startswith('mat(delim: "[", ')
    assert TYPST.stack(["a", "b"]) == "a \\\nb" and TYPST.labelled("x", "(note)") == 'x thick "(note)"'
    assert typeset.pdf("\n".join(f"$ {b} $" for b in blocks + stacked)).startswith(b"%PDF")
