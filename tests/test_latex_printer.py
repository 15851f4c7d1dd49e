"""The LaTeX printer (``handcalc/equations/latex.py``) through its public functions.

What the printer writes is checked against things it does not produce itself:

* symbols against the notation of the module docstring and the docs, typed here
  (``W_{ij}`` joins input ``i`` to unit ``j`` in row notation, ``W_{ji}`` in column notation),
  on places whose row and unit differ so that the two orders cannot be confused;
* each substituted line of a hand-built record is evaluated (``pagecheck.evaluate``: exact
  decimal arithmetic on the printed text) and compared with the value worked out here with
  ``fractions``; results against Python's ``decimal``;
* the layout of an equation (rows, wrapping, abbreviation, matrix blocks) against the
  rules its docstrings state, on equations and matrices built by hand;
* the rules of the registry (``activation_rule``, ``loss_rule``) as the docs write them.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

import pytest
import sympy

from handcalc.core import engine
from handcalc.core.display import FRACTION, Layout, Named, Shown, layout
from handcalc.core.functions import ACTIVATIONS, LOSSES, Role, evaluate
from handcalc.core.numbers import Num
from handcalc.core.spec import parse
from handcalc.core.trace import Affine, Applied, Mean, Update
from handcalc.core.walk import KINDS, Place, trace_sections
from handcalc.equations import latex
from handcalc.equations.latex import Equation, Style
from handcalc.equations.pagecheck import evaluate as printed_value

ROW, COLUMN = Style(4, False, "row"), Style(4, False, "column")
ROW2, COLUMN2 = Style(4, False, "row", batch=2), Style(4, False, "column", batch=2)


def N(x: str | int) -> Num:
    return Num.of(x)


def decimal_text(x: F, places: int = 4) -> str:
    """``x`` as a page writes a result: its exact decimals when they fit, else rounded half up."""
    d = Decimal(x.numerator) / Decimal(x.denominator)
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(q.normalize(), "f") if q == d else format(q, "f")
    return "0" if text in ("-0", "0") else text


def affine_record(terms: list[tuple[str, str]], offset: str | None = None, scale: str | None = None) -> Affine:
    pairs = tuple((N(x), N(w)) for x, w in terms)
    total = sum((F(x) * F(w) for x, w in terms), F(0)) + (F(offset) if offset else 0)
    value = total * (F(scale) if scale else 1)
    return Affine(pairs, Num(value), N(offset) if offset else None, N(scale) if scale else None)


def mean_record(items: list[str]) -> Mean:
    return Mean(tuple(N(x) for x in items), Num(sum((F(x) for x in items), F(0)) / len(items)))


def rechecks(eq: Equation) -> bool:
    """The printed numbers give the printed result: exactly after ``=``, after rounding to the
    result's decimals (half away from zero, as a calculator) after ``≈``."""
    value = substituted(eq)
    if eq.relation == "=":
        return value == F(eq.result)
    places = len(eq.result.partition(".")[2])
    sign = -1 if value < 0 else 1
    d = (Decimal(abs(value.numerator)) / Decimal(value.denominator)).quantize(Decimal(1).scaleb(-places),
                                                                            rounding=ROUND_HALF_UP)
    return sign * F(d) == F(eq.result) and value != F(eq.result)


def substituted(eq: Equation) -> F:
    """The value of an equation's printed numbers (its mean's ``\\tfrac{1}{n}`` included)."""
    return printed_value(eq.open + " ".join(eq.numbers) + eq.close)


# ---------------------------------------------------------------------------
# symbols: every kind of place, both notations, one sample and a batch

# a place of layer 2 whose unit (j = 2) and input or row (i = 3) differ
PLACES = {
    "z": Place("z", 2, 1, sample=1), "a": Place("a", 2, 1, sample=1), "x": Place("a", 0, 1, sample=1),
    "yhat": Place("yhat", None, 1, sample=1), "L1": Place("L1", sample=1), "L": Place("L"),
    "da": Place("da", 1, 1, sample=1), "f'": Place("f'", 2, 1, sample=1),
    "J": Place("f'", 2, 1, row=2, sample=1), "delta": Place("delta", 2, 1, sample=1),
    "dW": Place("dW", 2, 1, row=2), "db": Place("db", 2, 1), "W": Place("W", 2, 1, row=2), "b": Place("b", 2, 1),
}
SYMBOLS_ONE_SAMPLE = {  # the same in both notations except the weights
    "z": "z^{[2]}_{2}", "a": "a^{[2]}_{2}", "x": "x_{2}", "yhat": r"\hat{y}_{2}", "L1": "L", "L": "L",
    "da": r"\frac{\partial L}{\partial a^{[1]}_{2}}", "f'": r"\frac{\partial a^{[2]}_{2}}{\partial z^{[2]}_{2}}",
    "J": r"\frac{\partial a^{[2]}_{3}}{\partial z^{[2]}_{2}}", "delta": r"\delta^{[2]}_{2}",
    "db": r"\frac{\partial L}{\partial b^{[2]}_{2}}", "b": "b^{[2]}_{2}",
}
SYMBOLS_BATCH = {  # sample 2 of a batch: a superscript (2) on per-sample symbols, none on parameters
    "z": "z^{[2](2)}_{2}", "a": "a^{[2](2)}_{2}", "x": "x^{(2)}_{2}", "yhat": r"\hat{y}^{(2)}_{2}", "L1": "L^{(2)}",
    "L": "L", "da": r"\frac{\partial L^{(2)}}{\partial a^{[1](2)}_{2}}",
    "f'": r"\frac{\partial a^{[2](2)}_{2}}{\partial z^{[2](2)}_{2}}",
    "J": r"\frac{\partial a^{[2](2)}_{3}}{\partial z^{[2](2)}_{2}}", "delta": r"\delta^{[2](2)}_{2}",
    "db": r"\frac{\partial L}{\partial b^{[2]}_{2}}", "b": "b^{[2]}_{2}",
}
WEIGHTS = {"row": ("W^{[2]}_{32}", r"\frac{\partial L}{\partial W^{[2]}_{32}}"),  # input 3 → unit 2
           "column": ("W^{[2]}_{23}", r"\frac{\partial L}{\partial W^{[2]}_{23}}")}


@pytest.mark.parametrize("notation", ["row", "column"])
@pytest.mark.parametrize("batch", [1, 2])
def test_the_symbol_of_every_kind_of_place(notation: str, batch: int) -> None:
    style = Style(4, False, notation, batch)
    want = dict(SYMBOLS_ONE_SAMPLE if batch == 1 else SYMBOLS_BATCH)
    want["W"], want["dW"] = WEIGHTS[notation]
    assert {name: latex.symbol(place, style) for name, place in PLACES.items()} == want
    assert {p.kind for p in PLACES.values()} == set(KINDS) - {"change"}


def test_a_place_without_a_sample_has_no_superscript_in_a_batch() -> None:
    assert latex.symbol(Place("L1"), ROW2) == "L"
    assert latex.symbol(Place("da", 1, 0), ROW2) == r"\frac{\partial L}{\partial a^{[1]}_{1}}"
    assert latex.symbol(Place("z", 1, 0), ROW2) == "z^{[1]}_{1}"


def test_the_loss_change_has_no_symbol_and_no_equation() -> None:
    with pytest.raises(ValueError, match="no symbol for after: L change"):
        latex.symbol(Place("change", after=True), ROW)
    with pytest.raises(ValueError, match="no equation for L change"):
        latex.equation(type("E", (), {"place": Place("change"), "record": None, "operands": ()})(), ROW)


@pytest.mark.parametrize(("row", "unit", "in_row", "in_column"), [
    (8, 0, "W^{[1]}_{91}", "W^{[1]}_{19}"),  # one digit each: written together
    (9, 0, "W^{[1]}_{10,1}", "W^{[1]}_{1,10}"),  # an index of 10 or more: comma-separated
    (0, 9, "W^{[1]}_{1,10}", "W^{[1]}_{10,1}"),
    (10, 11, "W^{[1]}_{11,12}", "W^{[1]}_{12,11}"),
])
def test_two_indices_are_separated_by_a_comma_from_ten_on(row: int, unit: int, in_row: str, in_column: str) -> None:
    assert latex.symbol(Place("W", 1, unit, row=row), ROW) == in_row
    assert latex.symbol(Place("W", 1, unit, row=row), COLUMN) == in_column


def test_a_single_index_and_a_sample_from_ten_on() -> None:
    assert latex.symbol(Place("z", 3, 9, sample=10), ROW2) == "z^{[3](11)}_{10}"
    assert latex.symbol(Place("a", 0, 11), ROW) == "x_{12}"
    assert latex.sym("W", 2, 0, 0) == "W^{[2]}_{11}"
    assert latex.sym("y") == "y" and latex.sym("x", None, 0) == "x_{1}"


def test_style_of_a_spec() -> None:
    spec = parse({"title": "t", "inputs": ["x"], "outputs": ["y"], "notation": "column", "learning_rate": 0.1,
                  "layers": [{"units": 1, "activation": "linear", "weights": [[1]]}],
                  "display": {"decimals": 3, "rounding": "hand"}, "data": {"train": [{"x": [1], "y": [1]}]}})
    assert Style.of(spec) == Style(3, True, "column", 1)
    assert Style.of(spec, "row", batch=5) == Style(3, True, "row", 5)
    assert Style.of(spec.with_display(rounding="exact")).hand is False


# ---------------------------------------------------------------------------
# numbers and text


def test_relations() -> None:
    assert [latex.tex_relation(r) for r in ("=", "≈", "←")] == ["=", r"\approx", r"\leftarrow"]


@pytest.mark.parametrize(("x", "places", "text"), [
    ("0.5", 4, "0.5"), ("-2", 4, "-2"), ("1/3", 4, "0.3333"), ("-2/3", 2, "-0.67"), ("1/8", 2, "0.13"),
    ("1/3", FRACTION, r"\tfrac{1}{3}"), ("-7/3", FRACTION, r"-\tfrac{7}{3}"), ("0", 3, "0"),
])
def test_a_number_is_written_with_its_places(x: str, places: int, text: str) -> None:
    assert latex.number(N(x), places) == text
    sign = text.startswith("-")
    assert latex.factor(N(x), places) == (f"({text})" if sign else text)
    assert latex.addend(N(x), places) == (f"- {text[1:]}" if sign else f"+ {text}")
    if places != FRACTION:
        assert text == decimal_text(F(x), places)


def test_a_number_takes_its_places_from_a_layout() -> None:
    x, y, other = N("1/3"), N("2/3"), N("1/7")
    lay = Layout((2, 6), Shown("1", F(1), False), "≈", "≈", True, {id(x): 2, id(y): 6})
    assert latex.number(x, lay) == "0.33" and latex.number(y, lay) == "0.666667"
    assert latex.number(other, lay) == "0.142857"  # not one of the line's operands: the line's most places
    empty = Layout((), Shown("1", F(1), False), "=", "=", True, {})
    assert latex.number(other, empty) == "0"
    assert latex.number(Named(N("-0.5"), "z^{[1]}_{1}"), 4) == "{z^{[1]}_{1}}"
    assert latex.factor(Named(N("-0.5"), "z"), 4) == "{z}"


@pytest.mark.parametrize(("char", "escaped"), [
    ("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("_", r"\_"), ("^", r"\textasciicircum{}"),
    ("%", r"\%"), ("&", r"\&"), ("#", r"\#"), ("$", r"\$"), ("~", r"\textasciitilde{}"),
])
def test_each_special_character_is_escaped(char: str, escaped: str) -> None:
    assert latex.escape_text(f"a{char}b") == f"a{escaped}b"
    assert latex.text(char) == r"\text{" + escaped + "}"


def test_escaped_text_keeps_other_characters_and_one_space() -> None:
    assert latex.escape_text("  price <b> in\n\t€  ") == "price <b> in €"
    assert latex.text("a  b") == r"\text{a b}"


# ---------------------------------------------------------------------------
# an equation's rows


def test_a_short_equation_stands_on_one_row() -> None:
    e = Equation("z", ("a w", "+ b"), ("2 \\cdot 3", "+ 1"), "7", "=")
    assert e.compact() and e.through() == "="
    assert e.rows() == [r"z &= a w + b = 2 \cdot 3 + 1 = 7"]
    assert e.rows(with_result=False) == [r"z &= a w + b = 2 \cdot 3 + 1 ="]
    assert e.inline() == r"z = a w + b = 2 \cdot 3 + 1 = 7"
    assert e.block() == "\\begin{aligned}\nz &= a w + b = 2 \\cdot 3 + 1 = 7\n\\end{aligned}"


def test_the_relations_of_an_equation() -> None:
    e = Equation("W", ("W - g",), ("0.25 - 0.125",), "0.13", "≈", assign="←", subst="≈")
    assert e.rows() == [r"W &\leftarrow W - g \approx 0.25 - 0.125 \approx 0.13"]
    assert e.inline() == r"W \leftarrow W - g \approx 0.25 - 0.125 \approx 0.13"
    assert [Equation("a", ("b",), ("1",), "1", r, subst=s).through() for r, s in
            [("=", "="), ("≈", "="), ("=", "≈"), ("≈", "≈")]] == ["=", "≈", "≈", "≈"]


def test_compact_means_at_most_three_chunks_and_no_bracket() -> None:
    three = ("a", "+ b", "+ c")
    assert Equation("s", three, three, "6", "=").compact()
    assert not Equation("s", three + ("+ d",), three, "6", "=").compact()
    assert not Equation("s", three, three + ("+ 4",), "6", "=").compact()
    assert not Equation("s", three, three, "6", "=", open="2(", close=")").compact()
    assert Equation("s", three, (), "6", "=").compact()


def test_a_formula_that_is_its_own_result_is_written_once() -> None:
    assert Equation("a", ("1",), (), "1", "=").rows() == ["a &= 1"]
    assert Equation("W", ("0.5",), (), "0.5", "=", assign="←").rows() == [r"W &\leftarrow 0.5"]
    # a formula without numbers that is not the result keeps its result
    assert Equation("a", ("z",), (), "0.5", "=").rows() == ["a &= z = 0.5"]


def test_a_last_step_that_changes_nothing_is_left_out() -> None:
    # numbers that are the result: formula → result, with ≈ when the substitution rounded
    assert Equation("a", ("z",), ("0.5",), "0.5", "=").rows() == ["a &= z = 0.5"]
    assert Equation("a", ("z",), ("0.5",), "0.5", "=", subst="≈").rows() == [r"a &= z \approx 0.5"]
    assert Equation("W", ("w",), ("0.5",), "0.5", "=", assign="←").rows() == [r"W &\leftarrow w = 0.5"]
    assert Equation("a", ("z",), ("0.5",), "0.5", "=").rows(with_result=False) == ["a &= z ="]
    # inside a bracket the numbers are not the result
    opened = Equation("m", ("x",), ("0.5",), "0.5", "=", open="(", close=")")
    assert opened.rows() == ["m &= (x)", " &= (0.5)", " &= 0.5"]


def test_a_long_sum_wraps_per_line() -> None:
    formula = tuple(["t1"] + [f"+ t{k}" for k in range(2, 11)])  # ten chunks
    numbers = tuple(["1"] + [f"+ {k}" for k in range(2, 11)])
    e = Equation("s", formula, numbers, "55", "=", open=r"\tfrac{1}{2} \bigl(", close=r"\bigr)")
    rows = e.rows()
    assert rows == [
        r"s &= \tfrac{1}{2} \bigl(t1 + t2 + t3 + t4", r" &\quad + t5 + t6 + t7 + t8", r" &\quad + t9 + t10\bigr)",
        r" &= \tfrac{1}{2} \bigl(1 + 2 + 3 + 4", r" &\quad + 5 + 6 + 7 + 8", r" &\quad + 9 + 10\bigr)", " &= 55"]
    assert latex.PER_LINE == 4
    assert e.rows(per_line=5)[:2] == [r"s &= \tfrac{1}{2} \bigl(t1 + t2 + t3 + t4 + t5",
                                      r" &\quad + t6 + t7 + t8 + t9 + t10\bigr)"]
    assert e.rows(with_result=False)[-1] == r" &\quad + 9 + 10\bigr)"
    assert e.inline() == (r"s = \tfrac{1}{2} \bigl(" + " ".join(formula) + r"\bigr) = \tfrac{1}{2} \bigl("
                          + " ".join(numbers) + r"\bigr) = 55")
    # a sum of exactly PER_LINE chunks is one row, open and close on it
    four = Equation("s", formula[:4], numbers[:4], "10", "=", open="(", close=")")
    assert four.rows() == ["s &= (t1 + t2 + t3 + t4)", " &= (1 + 2 + 3 + 4)", " &= 10"]
    assert Equation("s", formula[:5], (), "x", "=").rows() == ["s &= t1 + t2 + t3 + t4", r" &\quad + t5", " &= x"]


def test_an_aligned_block_joins_rows_and_spaces_equations() -> None:
    assert latex.aligned([" a &= 1 ", "&= 2"]) == "\\begin{aligned}\na &= 1 \\\\\n&= 2\n\\end{aligned}"
    assert latex.aligned(["a", "b", "c"], [2]) == "\\begin{aligned}\na \\\\\nb \\\\[10pt]\nc\n\\end{aligned}"
    one = Equation("a", ("1",), (), "1", "=")
    two = Equation("s", ("t1", "+ t2", "+ t3", "+ t4", "+ t5"), (), "x", "=")
    assert latex.block([one, two, one]) == (
        "\\begin{aligned}\na &= 1 \\\\[10pt]\ns &= t1 + t2 + t3 + t4 \\\\\n&\\quad + t5 \\\\\n&= x \\\\[10pt]\n"
        "a &= 1\n\\end{aligned}")
    assert latex.block([two], per_line=5) == (
        "\\begin{aligned}\ns &= t1 + t2 + t3 + t4 + t5 \\\\\n&= x\n\\end{aligned}")
    assert two.block(per_line=2).count("\\quad") == 2


def test_a_display_block_has_no_empty_line() -> None:
    assert latex.math_block("\n  a  \n\n  b  \n\n") == "$$\na\n  b\n$$"


# ---------------------------------------------------------------------------
# the equations of hand-built records: symbols typed, numbers evaluated


@pytest.mark.parametrize("style", [ROW, COLUMN])
def test_forward_z_in_both_notations(style: Style) -> None:
    rec = affine_record([("0.5", "2"), ("-1.5", "-0.25"), ("3", "0.1")], offset="-1")
    e = latex.forward_z(rec, 2, 1, style)  # unit 2 of layer 2, three inputs
    assert e.lhs == "z^{[2]}_{2}"
    if style.notation == "row":
        assert e.formula == ("a^{[1]}_{1} W^{[2]}_{12}", "+ a^{[1]}_{2} W^{[2]}_{22}", "+ a^{[1]}_{3} W^{[2]}_{32}",
                             "+ b^{[2]}_{2}")
        assert e.numbers == (r"0.5 \cdot 2", r"+ (-1.5) \cdot (-0.25)", r"+ 3 \cdot 0.1", "- 1")
    else:
        assert e.formula == ("W^{[2]}_{21} a^{[1]}_{1}", "+ W^{[2]}_{22} a^{[1]}_{2}", "+ W^{[2]}_{23} a^{[1]}_{3}",
                             "+ b^{[2]}_{2}")
        assert e.numbers == (r"2 \cdot 0.5", r"+ (-0.25) \cdot (-1.5)", r"+ 0.1 \cdot 3", "- 1")
    assert substituted(e) == F("0.5") * 2 + F("-1.5") * F("-0.25") + F("3") * F("0.1") - 1
    assert e.result == decimal_text(substituted(e)) and e.relation == "=" and e.subst == "="


def test_forward_z_of_the_first_layer_and_a_batch() -> None:
    rec = affine_record([("1", "0.5"), ("2", "-0.5")], offset="0.25")
    e = latex.forward_z(rec, 1, 0, COLUMN2, sample=1)
    assert e.lhs == "z^{[1](2)}_{1}"
    assert e.formula == ("W^{[1]}_{11} x^{(2)}_{1}", "+ W^{[1]}_{12} x^{(2)}_{2}", "+ b^{[1]}_{1}")
    assert e.numbers == (r"0.5 \cdot 1", r"+ (-0.5) \cdot 2", "+ 0.25")
    assert e.rows() == [r"z^{[1](2)}_{1} &= W^{[1]}_{11} x^{(2)}_{1} + W^{[1]}_{12} x^{(2)}_{2} + b^{[1]}_{1} = "
                        r"0.5 \cdot 1 + (-0.5) \cdot 2 + 0.25 = -0.25"]


def test_an_operand_rounded_for_the_page_changes_the_relations() -> None:
    # 1/3 is written 0.3333: the substitution is ≈, and 0.3333 · 3 gives 0.9999, not the result 1
    rec = Affine(((N("1/3"), N("3")),), N("1"))
    e = latex.forward_z(rec, 1, 0, ROW)
    lay = layout(rec, 4)
    assert e.subst == lay.subst == "≈" and e.relation == lay.final
    value = substituted(e)
    assert value != 1 and e.relation == "≈"
    assert decimal_text(value, 0) == e.result == "1"  # the written numbers round to the written result


def test_a_mean_over_the_batch_and_its_abbreviation() -> None:
    items = ["0.5", "-0.25", "1", "0.125", "-2"]
    e = latex.batch_loss(mean_record(items), ROW2)  # five samples: kept whole (keep 3 + 2)
    assert e.lhs == "L" and e.formula == ("L^{(1)}", "+ L^{(2)}", "+ L^{(3)}", "+ L^{(4)}", "+ L^{(5)}")
    assert e.numbers == ("0.5", "- 0.25", "+ 1", "+ 0.125", "- 2")
    assert (e.open, e.close) == (r"\tfrac{1}{5} \bigl(", r"\bigr)")
    assert substituted(e) == sum(F(x) for x in items) / 5 and e.result == decimal_text(substituted(e))
    six = latex.batch_loss(mean_record(items + ["3"]), ROW2)
    assert six.formula == ("L^{(1)}", "+ L^{(2)}", "+ L^{(3)}", r"+ \cdots", "+ L^{(6)}")
    assert six.numbers == ("0.5", "- 0.25", "+ 1", r"+ \cdots", "+ 3")
    assert six.open == r"\tfrac{1}{6} \bigl("
    whole = latex.batch_loss(mean_record(items + ["3"]), ROW2, keep=None)
    assert len(whole.formula) == len(whole.numbers) == 6
    assert latex.batch_loss(mean_record(items + ["3"]), ROW2, keep=4).formula == tuple(whole.formula)
    short = latex.batch_loss(mean_record(items + ["3", "1"]), ROW2, keep=4)
    assert short.formula[3:] == ("+ L^{(4)}", r"+ \cdots", "+ L^{(7)}")


def test_a_mean_of_one_item_is_that_item() -> None:
    e = latex.bias_grad(mean_record(["-0.5"]), 2, 0, ROW)
    assert e.lhs == r"\frac{\partial L}{\partial b^{[2]}_{1}}"
    assert e.formula == (r"\delta^{[2]}_{1}",) and e.numbers == ("-0.5",) and not e.open
    assert e.rows() == [r"\frac{\partial L}{\partial b^{[2]}_{1}} &= \delta^{[2]}_{1} = -0.5"]


def test_bias_gradient_over_a_batch() -> None:
    items = ["0.5", "-0.25", "1", "0.125", "-2", "3"]
    e = latex.bias_grad(mean_record(items), 1, 2, Style(4, False, "column", 6), keep=2)
    assert e.formula == (r"\delta^{[1](1)}_{3}", r"+ \delta^{[1](2)}_{3}", r"+ \cdots", r"+ \delta^{[1](6)}_{3}")
    full = latex.bias_grad(mean_record(items), 1, 2, Style(4, False, "column", 6))
    assert len(full.formula) == 6 and substituted(full) == sum(F(x) for x in items) / 6


@pytest.mark.parametrize("style", [ROW2, COLUMN2])
def test_weight_gradient_over_a_batch(style: Style) -> None:
    terms = [("0.5", "-0.25"), ("-1", "0.75"), ("2", "0.125")]
    e = latex.weight_grad(affine_record(terms, scale="1/3"), 2, 2, 0, Style(4, False, style.notation, 3))
    w = "W^{[2]}_{31}" if style.notation == "row" else "W^{[2]}_{13}"
    assert e.lhs == r"\frac{\partial L}{\partial " + w + "}"
    assert e.formula == (r"a^{[1](1)}_{3} \delta^{[2](1)}_{1}", r"+ a^{[1](2)}_{3} \delta^{[2](2)}_{1}",
                         r"+ a^{[1](3)}_{3} \delta^{[2](3)}_{1}")
    assert e.numbers == (r"0.5 \cdot (-0.25)", r"+ (-1) \cdot 0.75", r"+ 2 \cdot 0.125")
    assert (e.open, e.close) == (r"\tfrac{1}{3} \bigl(", r"\bigr)")
    assert substituted(e) == sum(F(x) * F(w) for x, w in terms) / 3
    assert e.result == decimal_text(substituted(e))
    terms6 = terms + [("1", "1"), ("0.5", "0.5"), ("-1", "0.25")]
    long = latex.weight_grad(affine_record(terms6, scale="1/6"), 1, 0, 1, Style(4, False, style.notation, 6), keep=2)
    assert long.formula == (r"x^{(1)}_{1} \delta^{[1](1)}_{2}", r"+ x^{(2)}_{1} \delta^{[1](2)}_{2}", r"+ \cdots",
                            r"+ x^{(6)}_{1} \delta^{[1](6)}_{2}")
    assert long.numbers[2:] == (r"+ \cdots", r"+ (-1) \cdot 0.25")


def test_a_weight_gradient_of_one_sample_has_no_mean() -> None:
    e = latex.weight_grad(affine_record([("0.5", "-0.25")]), 1, 1, 0, ROW)
    assert e.lhs == r"\frac{\partial L}{\partial W^{[1]}_{21}}"
    assert e.formula == (r"x_{2} \delta^{[1]}_{1}",) and e.numbers == (r"0.5 \cdot (-0.25)",) and not e.open
    # a scale of 1 is not written either
    one = latex.affine(affine_record([("0.5", "-0.25")], scale="1"), "g", [("x", "d")], ROW, scale="S")
    assert not one.open and not one.close


@pytest.mark.parametrize("style", [ROW, COLUMN])
def test_the_gradient_passed_down(style: Style) -> None:
    terms = [("0.5", "-0.25"), ("-1", "0.75")]  # (δ_j, W_ij) for units j = 1, 2
    e = latex.input_grad(affine_record(terms), 2, 2, style)
    assert e.lhs == r"\frac{\partial L}{\partial a^{[1]}_{3}}"
    w = ("W^{[2]}_{31}", "W^{[2]}_{32}") if style.notation == "row" else ("W^{[2]}_{13}", "W^{[2]}_{23}")
    assert e.formula == (rf"\delta^{{[2]}}_{{1}} {w[0]}", rf"+ \delta^{{[2]}}_{{2}} {w[1]}")
    assert substituted(e) == F("0.5") * F("-0.25") + F(-1) * F("0.75")
    batch = latex.input_grad(affine_record(terms), 2, 0, Style(4, False, style.notation, 2), sample=1)
    assert batch.lhs == r"\frac{\partial L^{(2)}}{\partial a^{[1](2)}_{1}}"
    assert batch.formula[0].startswith(r"\delta^{[2](2)}_{1} W^{[2]}_{1")
    many = [("1", "1")] * 7
    assert latex.input_grad(affine_record(many), 2, 0, style, keep=2).formula[2:] == (
        r"+ \cdots", r"+ \delta^{[2]}_{7} " + ("W^{[2]}_{17}" if style.notation == "row" else "W^{[2]}_{71}"))


def test_delta_of_an_elementwise_and_of_a_softmax_layer() -> None:
    e = latex.delta(affine_record([("-0.5", "0.25")]), 2, 1, ROW2, sample=0)
    assert e.lhs == r"\delta^{[2](1)}_{2}"
    assert e.formula == (r"\frac{\partial L^{(1)}}{\partial a^{[2](1)}_{2}} \,\frac{\partial a^{[2](1)}_{2}}"
                         r"{\partial z^{[2](1)}_{2}}",)
    assert e.numbers == (r"(-0.5) \cdot 0.25",) and substituted(e) == F("-0.125")
    s = latex.delta(affine_record([("-0.5", "0.25"), ("1", "-0.25"), ("2", "0.5")]), 3, 0, ROW, softmax=True)
    assert s.formula == tuple(
        ("" if k == 1 else "+ ") + rf"\frac{{\partial L}}{{\partial a^{{[3]}}_{{{k}}}}} "
        rf"\,\frac{{\partial a^{{[3]}}_{{{k}}}}}{{\partial z^{{[3]}}_{{1}}}}" for k in (1, 2, 3))
    assert substituted(s) == F("-0.125") - F("0.25") + 1


@pytest.mark.parametrize("style", [ROW, COLUMN])
def test_updates(style: Style) -> None:
    old, rate, grad = "0.25", "0.5", "-0.125"
    rec = Update(N(old), N(rate), N(grad), Num(F(old) - F(rate) * F(grad)))
    e = latex.weight_update(rec, 2, 2, 0, style)
    w = "W^{[2]}_{31}" if style.notation == "row" else "W^{[2]}_{13}"
    assert e.lhs == w and e.assign == "←"
    assert e.formula == (rf"{w} - \eta\,\frac{{\partial L}}{{\partial {w}}}",)
    assert e.numbers == (r"0.25 - 0.5 \cdot (-0.125)",)
    assert substituted(e) == F(old) - F(rate) * F(grad) and e.result == decimal_text(substituted(e))
    assert e.rows()[0].startswith(rf"{w} &\leftarrow {w} - \eta")
    b = latex.bias_update(Update(N("-0.5"), N("0.1"), N("0.5"), N("-0.55")), 1, 1, style)
    assert b.lhs == "b^{[1]}_{2}" and b.numbers == (r"-0.5 - 0.1 \cdot 0.5",) and substituted(b) == F("-0.55")


# ---------------------------------------------------------------------------
# activations and losses: the registry's forms with a page's symbols, the numbers evaluated

def _activation_record(name: str, args: tuple[str, ...], index: int, role: Role = Role.VALUE) -> Applied:
    param = N("0.1") if ACTIVATIONS[name].parameter else None
    nums = tuple(N(x) for x in args)
    return Applied(role, name, nums, evaluate(role, name, list(nums), index, param), index, param)


FORWARD_A = {  # a^{[2](1)}_2 = f(z^{[2](1)}_2) with z = -0.5 (softmax: z = (0.5, -0.25)); the numbers line
    "relu": (r"\max(0, z^{[2](1)}_{2})", r"\max(0, -0.5)"),
    "leaky_relu": (r"\max(0.1\,z^{[2](1)}_{2}, z^{[2](1)}_{2})", r"\max(0.1 \cdot (-0.5), -0.5)"),
    "sigmoid": (r"\frac{1}{1 + e^{-z^{[2](1)}_{2}}}", r"\frac{1}{1 + e^{-(-0.5)}}"),
    "tanh": (r"\tanh(z^{[2](1)}_{2})", r"\tanh(-0.5)"),
    "linear": ("z^{[2](1)}_{2}", None),
    "softmax": (r"\frac{e^{z^{[2](1)}_{2}}}{e^{z^{[2](1)}_{1}} + e^{z^{[2](1)}_{2}}}",
                r"\frac{e^{-0.25}}{e^{0.5} + e^{-0.25}}"),
}
ACT_GRAD = {  # ∂a/∂z of unit 2 with z_2 or a_2 = -0.5 (softmax: ∂a_1/∂z_2 with a = (0.25, 0.75))
    "relu": (r"\operatorname{ReLU}'(z^{[2](1)}_{2})", r"\operatorname{ReLU}'(-0.5)"),
    "leaky_relu": (r"\operatorname{LReLU}'(z^{[2](1)}_{2})", r"\operatorname{LReLU}'(-0.5)"),
    "sigmoid": (r"a^{[2](1)}_{2}(1 - a^{[2](1)}_{2})", r"(-0.5) \cdot (1 - (-0.5))"),
    "tanh": (r"1 - (a^{[2](1)}_{2})^2", r"1 - (-0.5)^2"),
    "linear": ("1", None),
    "softmax": (r"-a^{[2](1)}_{1}\,a^{[2](1)}_{2}", r"-0.25 \cdot 0.75"),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_line(name: str) -> None:
    each = ACTIVATIONS[name].elementwise
    rec = _activation_record(name, ("-0.5",) if each else ("0.5", "-0.25"), 0 if each else 1)
    e = latex.forward_a(rec, 2, 1, ROW2, sample=0)
    formula, numbers = FORWARD_A[name]
    assert e.lhs == "a^{[2](1)}_{2}" and e.formula == (formula,) and e.numbers == ((numbers,) if numbers else ())
    shown = latex.values([rec.value], ROW2)[0][0]
    assert e.result == shown and e.relation == layout(rec, 4).final
    if not each:  # the symbols of the whole vector can be given
        assert latex.forward_a(rec, 2, 1, ROW2, 0, zs=["Z_1", "Z_2"]).formula == (r"\frac{e^{Z_2}}{e^{Z_1} + e^{Z_2}}",)
    d_rec = _activation_record(name, ("-0.5",) if each else ("0.25", "0.75"), 0, Role.DERIVATIVE)
    d = latex.act_grad(d_rec, 2, 1, ROW2, sample=0, k=None if each else 0)
    d_formula, d_numbers = ACT_GRAD[name]
    k = 2 if each else 1
    assert d.lhs == rf"\frac{{\partial a^{{[2](1)}}_{{{k}}}}}{{\partial z^{{[2](1)}}_{{2}}}}"
    assert d.formula == (d_formula,) and d.numbers == ((d_numbers,) if d_numbers else ())
    if d_numbers and "operatorname" not in d_numbers:
        assert substituted(d) == d_rec.value.v


SAMPLE_LOSS = {  # L^{(2)} of two outputs, y = (1, 0), ŷ = (0.25, 0.5): formula, numbers (arithmetic ones evaluated)
    "difference": (r"(y^{(2)}_{1} - \hat{y}^{(2)}_{1}) + (y^{(2)}_{2} - \hat{y}^{(2)}_{2})", "(1 - 0.25) + (0 - 0.5)"),
    "mse": (r"\tfrac{1}{2}\bigl((y^{(2)}_{1} - \hat{y}^{(2)}_{1})^2 + (y^{(2)}_{2} - \hat{y}^{(2)}_{2})^2\bigr)",
            r"\tfrac{1}{2}\bigl((1 - 0.25)^2 + (0 - 0.5)^2\bigr)"),
    "half_sse": (r"\tfrac{1}{2}\bigl((y^{(2)}_{1} - \hat{y}^{(2)}_{1})^2 + (y^{(2)}_{2} - \hat{y}^{(2)}_{2})^2\bigr)",
                 r"\tfrac{1}{2}\bigl((1 - 0.25)^2 + (0 - 0.5)^2\bigr)"),
    "mae": (r"\tfrac{1}{2}\bigl(\lvert y^{(2)}_{1} - \hat{y}^{(2)}_{1} \rvert + \lvert y^{(2)}_{2} - \hat{y}^{(2)}_{2} "
            r"\rvert\bigr)", r"\tfrac{1}{2}\bigl(\lvert 1 - 0.25 \rvert + \lvert 0 - 0.5 \rvert\bigr)"),
    "bce": (r"-\bigl(\bigl(y^{(2)}_{1} \ln \hat{y}^{(2)}_{1} + (1 - y^{(2)}_{1}) \ln(1 - \hat{y}^{(2)}_{1})\bigr) + "
            r"\bigl(y^{(2)}_{2} \ln \hat{y}^{(2)}_{2} + (1 - y^{(2)}_{2}) \ln(1 - \hat{y}^{(2)}_{2})\bigr)\bigr)",
            r"-\bigl(\bigl(1 \ln 0.25 + (1 - 1) \ln(1 - 0.25)\bigr) + "
            r"\bigl(0 \ln 0.5 + (1 - 0) \ln(1 - 0.5)\bigr)\bigr)"),
    "cce": (r"-\bigl(y^{(2)}_{1} \ln \hat{y}^{(2)}_{1} + y^{(2)}_{2} \ln \hat{y}^{(2)}_{2}\bigr)",
            r"-\bigl(1 \ln 0.25 + 0 \ln 0.5\bigr)"),
}
LOSS_GRAD = {  # ∂L^{(2)}/∂a^{[2](2)}_1 of two outputs with y_1 = 1, ŷ_1 = 0.25
    "difference": ("-1", None),
    "mse": (r"-(y^{(2)}_{1} - \hat{y}^{(2)}_{1})", "-(1 - 0.25)"),
    "half_sse": (r"\hat{y}^{(2)}_{1} - y^{(2)}_{1}", "0.25 - 1"),
    "mae": (r"-\tfrac{1}{2}\operatorname{sign}(y^{(2)}_{1} - \hat{y}^{(2)}_{1})",
            r"-\tfrac{1}{2}\operatorname{sign}(1 - 0.25)"),
    "bce": (r"\frac{\hat{y}^{(2)}_{1} - y^{(2)}_{1}}{\hat{y}^{(2)}_{1}(1 - \hat{y}^{(2)}_{1})}",
            r"\frac{0.25 - 1}{0.25 \cdot (1 - 0.25)}"),
    "cce": (r"-\frac{y^{(2)}_{1}}{\hat{y}^{(2)}_{1}}", r"-\frac{1}{0.25}"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_loss_line(name: str) -> None:
    args = tuple(N(x) for x in ("1", "0", "0.25", "0.5"))
    rec = Applied(Role.LOSS, name, args, evaluate(Role.LOSS, name, list(args)))
    e = latex.sample_loss(rec, ROW2, sample=1)
    assert e.lhs == "L^{(2)}" and (e.formula, e.numbers) == ((SAMPLE_LOSS[name][0],), (SAMPLE_LOSS[name][1],))
    if r"\ln" not in e.numbers[0]:
        assert substituted(e) == rec.value.v
    assert latex.sample_loss(rec, ROW, sample=1).lhs == "L" and latex.sample_loss(rec, ROW2).lhs == "L"
    one_sample = latex.sample_loss(rec, ROW, sample=1).formula[0]  # a batch of one: no sample superscripts
    assert one_sample == SAMPLE_LOSS[name][0].replace("^{(2)}", "")
    g_args = (N(1), N("0.25"))
    g = Applied(Role.LOSS_DERIVATIVE, name, g_args, evaluate(Role.LOSS_DERIVATIVE, name, list(g_args), 2), 2)
    d = latex.loss_grad(g, 2, 0, ROW2, sample=1)
    formula, numbers = LOSS_GRAD[name]
    assert d.lhs == r"\frac{\partial L^{(2)}}{\partial a^{[2](2)}_{1}}"
    assert d.formula == (formula,) and d.numbers == ((numbers,) if numbers else ())
    if numbers and "operatorname" not in numbers:
        assert substituted(d) == g.value.v
    one = latex.loss_grad(g, 2, 0, ROW, sample=1)
    assert one.lhs == r"\frac{\partial L}{\partial a^{[2]}_{1}}" and one.formula == (formula.replace("^{(2)}", ""),)


def test_a_rounded_activation_parameter_and_a_negative_fraction() -> None:
    rec = Applied(Role.VALUE, "leaky_relu", (N("-0.5"),), N("-1/6"), 0, N("1/3"))
    e = latex.forward_a(rec, 1, 0, ROW)
    assert e.formula == (r"\max(0.3333\,z^{[1]}_{1}, z^{[1]}_{1})",)
    assert e.numbers[0].startswith(r"\max(0.333")
    assert latex.function_name("σ") == r"\sigma" and latex.function_name("tanh") == r"\tanh"
    assert latex.function_name("ReLU") == r"\operatorname{ReLU}" and latex.function_name("α") == r"\alpha"


# ---------------------------------------------------------------------------
# every entry of an engine step: its equation stands at its place and re-checks

def _network(notation: str, act: str, loss: str) -> dict:
    """3 inputs → 2 units → 2 (or 1) outputs, a batch of 2: no layer is square.  The spec writes
    a weight matrix inputs × units in row notation, units × inputs in column notation."""
    outs = 2 if act == "softmax" else 1

    def laid(rows: list[list[float]]) -> list[list[float]]:
        return rows if notation == "row" else [list(c) for c in zip(*rows)]

    return {"title": "t", "inputs": ["x1", "x2", "x3"], "outputs": ["y1", "y2"][:outs], "loss": loss,
            "learning_rate": 0.5, "notation": notation,
            "layers": [{"units": 2, "activation": "relu", "weights": laid([[0.5, -0.25], [0.25, 0.5], [-0.5, 1]]),
                        "bias": [0.25, -0.5]},
                       {"units": outs, "activation": act, "weights": laid([[0.5, -1][:outs], [0.25, 0.5][:outs]]),
                        "bias": [0.5, 0][:outs]}],
            "data": {"train": [{"x": [1, 2, -1], "y": [1, 0][:outs]}, {"x": [0.5, -1, 2], "y": [0, 1][:outs]}]},
            "training": {"batch_size": 2, "epochs": 1}, "display": {"decimals": 4}}


@pytest.mark.parametrize(("notation", "act", "loss"), [("row", "linear", "half_sse"), ("column", "softmax", "cce")])
def test_every_entry_of_a_step_is_written_at_its_place(notation: str, act: str, loss: str) -> None:
    trace = engine.run(parse(_network(notation, act, loss)))
    style = Style.of(trace.spec, batch=2)
    kinds = set()
    for sec in trace_sections(trace):
        if sec.part == "after":
            continue
        for entry in sec.entries:
            e = latex.equation(entry, style, keep=None)
            kinds.add(entry.place.kind)
            assert e.lhs == latex.symbol(entry.place, style), entry.place
            if isinstance(entry.record, (Affine, Mean, Update)):
                assert rechecks(e), (entry.place, e)
            constant = not e.numbers and e.formula[0].lstrip("-").isdigit()  # linear′ = 1 uses no operand
            for op in entry.operands:  # each earlier result the line uses is named in its formula
                if op is not None and not constant:
                    assert latex.symbol(op, style) in " ".join(e.formula), (entry.place, op)
    assert kinds == set(KINDS) - {"yhat", "change"}


# ---------------------------------------------------------------------------
# matrices


def test_matrix_layout_in_both_notations() -> None:
    rows = [["1", "2", "3"], ["4", "5", "6"]]  # 2 inputs × 3 units
    assert latex.bmatrix(rows) == r"\begin{bmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \end{bmatrix}"
    assert latex.oriented(rows, ROW) == rows
    assert latex.oriented(rows, COLUMN) == [["1", "4"], ["2", "5"], ["3", "6"]]
    assert latex.vector(["1", "2"], ROW) == [["1", "2"]] and latex.vector(["1", "2"], COLUMN) == [["1"], ["2"]]
    assert latex.matrix_blocks("W", rows) == [r"W = \begin{bmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \end{bmatrix}"]
    assert latex.matrix_blocks("W", rows, "≈") == [r"W \approx \begin{bmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \end{bmatrix}"]


def _widest_line(block: list[list[str]]) -> int:
    return max(sum(len(x) + 2 for x in r) for r in block)


@pytest.mark.parametrize(("width", "columns", "blocks"), [
    (1, 8, [(1, 8)]),  # at most eight columns side by side
    (1, 9, [(1, 5), (6, 9)]),  # nine: two blocks as even as can be, not 8 + 1
    (8, 16, [(1, 6), (7, 12), (13, 16)]),  # 72 // 10 = 7 fit: 6 + 6 + 4, not 7 + 7 + 2
    (5, 16, [(1, 8), (9, 16)]),  # 72 // 7 = 10 fit, at most eight: two blocks of eight
    (4, 7, [(1, 7)]), (5, 8, [(1, 8)]), (9, 8, [(1, 4), (5, 8)]),
    (24, 3, [(1, 2), (3, 3)]), (35, 3, [(1, 1), (2, 2), (3, 3)]),
    (60, 2, [(1, 1), (2, 2)]),  # one column wider than a line still stands alone
])
def test_wide_matrices_are_split_into_blocks_that_fit_a_line(width: int, columns: int,
                                                             blocks: list[tuple[int, int]]) -> None:
    rows = [[str(k % 10) * width for k in range(columns)] for _ in range(2)]
    got = latex.column_blocks(rows)
    assert [(c0 + 1, c1) for c0, c1, _ in got] == blocks
    assert [sum((b[r] for _, _, b in got), []) for r in range(2)] == rows  # the blocks put back are the matrix
    assert all(len(b[0]) == c1 - c0 for c0, c1, b in got)
    assert all(_widest_line(b) <= 72 or len(b[0]) == 1 for _, _, b in got)  # LINE_CHARS: a line at 1280 px
    assert latex.block_width(rows) == min(8, max(1, 72 // (width + 2)))
    labels = latex.matrix_blocks("W", rows)
    if len(blocks) == 1:
        assert labels == [f"W = {latex.bmatrix(rows)}"]
    else:
        want = [f"column {a}" if a == b else f"columns {a}–{b}" for a, b in blocks]
        assert [re.search(r"\\text\{\((.*?)\)\}", x).group(1) for x in labels] == want
        assert all(x.startswith(r"W\ \text{(") for x in labels)


def test_column_blocks_of_a_given_width_and_of_nothing() -> None:
    rows = [["a"] * 10]
    assert [(c0, c1) for c0, c1, _ in latex.column_blocks(rows, 3)] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert [(c0, c1) for c0, c1, _ in latex.column_blocks(rows, 10)] == [(0, 10)]
    assert latex.column_blocks([]) == [(0, 0, [])]
    assert latex.block_width([]) == 8 and latex.block_width([[]]) == 8
    assert latex.columns_text(0, 5) == "columns 1–5" and latex.columns_text(15, 16) == "column 16"
    assert latex.columns_text(3, 5) == "columns 4–5"


def test_stacked_blocks_put_the_label_above() -> None:
    rows = [["x" * 40, "y" * 40]]
    got = latex.matrix_blocks(r"\hat{y}", rows, "≈", stacked=True)
    assert got == ["\\begin{gathered}\n\\hat{y}\\ \\text{(column 1)} \\approx \\\\\n\\begin{bmatrix} " + "x" * 40
                   + " \\end{bmatrix}\n\\end{gathered}",
                   "\\begin{gathered}\n\\hat{y}\\ \\text{(column 2)} \\approx \\\\\n\\begin{bmatrix} " + "y" * 40
                   + " \\end{bmatrix}\n\\end{gathered}"]
    flat = latex.matrix_blocks("W", rows)
    assert flat == [r"W\ \text{(column 1)} = \begin{bmatrix} " + "x" * 40 + r" \end{bmatrix}",
                    r"W\ \text{(column 2)} = \begin{bmatrix} " + "y" * 40 + r" \end{bmatrix}"]


def test_values_are_written_with_the_result_decimals() -> None:
    texts, approx = latex.values([N("1/3"), N("0.5"), N("-2/3")], ROW)
    assert texts == [decimal_text(F(1, 3)), "0.5", decimal_text(F(-2, 3))] and approx
    assert latex.values([N("0.25"), N("-1")], ROW) == (["0.25", "-1"], False)
    assert latex.values([N("0.25"), N("-1")], ROW, [False, True]) == (["0.25", "-1"], True)
    assert latex.values([N("1/8")], Style(2, False, "row")) == (["0.13"], True)
    recs = [Mean((N("0.5"),), N("0.5")), Mean((N("0.25"),), N("0.25"), rounded=True)]
    assert latex.record_values(recs, ROW) == (["0.5", "0.25"], True)
    assert latex.record_values(recs[:1], ROW) == (["0.5"], False)


# ---------------------------------------------------------------------------
# the rules of the registry, as the docs write them

ACTIVATION_RULES = {
    "relu": r"\operatorname{ReLU}(z) = \begin{cases} z & \text{for}\: z > 0 \\0 & \text{otherwise} \end{cases}, "
            r"\qquad \operatorname{ReLU}'(z) = \begin{cases} 1 & \text{for}\: z > 0 \\0 & \text{otherwise} \end{cases}",
    "leaky_relu": r"\operatorname{LReLU}(z) = \begin{cases} z & \text{for}\: z > 0 \\\alpha z & \text{otherwise} "
                  r"\end{cases}, \qquad \operatorname{LReLU}'(z) = \begin{cases} 1 & \text{for}\: z > 0 \\\alpha & "
                  r"\text{otherwise} \end{cases}",
    "sigmoid": r"\sigma(z) = \frac{1}{1 + e^{- z}}, \qquad \sigma'(z) = a \left(1 - a\right)",
    "tanh": r"\tanh(z) = \frac{e^{z} - e^{- z}}{e^{z} + e^{- z}}, \qquad \tanh'(z) = 1 - a^{2}",
    "linear": r"\operatorname{id}(z) = z, \qquad \operatorname{id}'(z) = 1",
    "softmax": r"a_k = \frac{e^{z_k}}{\sum_m e^{z_m}}, \qquad \frac{\partial a_k}{\partial z_j} = "
               r"a_k\,\bigl([k = j] - a_j\bigr)",
}


def braces_dropped(tex: str) -> str:
    """``a_{k}`` as ``a_k``: a one-character index reads the same with or without braces."""
    return re.sub(r"_\{(\w)\}", r"_\1", tex)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_rule(name: str) -> None:
    assert braces_dropped(latex.activation_rule(name)) == ACTIVATION_RULES[name]


LOSS_RULES = {  # one output; several (3): L, ∂L/∂ŷ_j
    "difference": (r"L = y - \hat{y}, \qquad \frac{\partial L}{\partial \hat{y}} = -1",
                   r"L = \sum_{j=1}^{3} \Bigl(y_j - \hat{y}_j\Bigr), \qquad "
                   r"\frac{\partial L}{\partial \hat{y}_j} = -1"),
    "mse": (r"L = \left(y - \hat{y}\right)^{2}, \qquad "
            r"\frac{\partial L}{\partial \hat{y}} = - 2 \left(y - \hat{y}\right)",
            r"L = \frac{1}{3}\sum_{j=1}^{3} \Bigl(\left(y_j - \hat{y}_j\right)^{2}\Bigr), \qquad "
            r"\frac{\partial L}{\partial \hat{y}_j} = \frac{1}{3}(- 2 \left(y_j - \hat{y}_j\right))"),
    "half_sse": (r"L = \frac{\left(y - \hat{y}\right)^{2}}{2}, \qquad "
                 r"\frac{\partial L}{\partial \hat{y}} = \hat{y} - y",
                 r"L = \sum_{j=1}^{3} \Bigl(\frac{\left(y_j - \hat{y}_j\right)^{2}}{2}\Bigr), \qquad "
                 r"\frac{\partial L}{\partial \hat{y}_j} = \hat{y}_j - y_j"),
    "mae": (r"L = \left|{y - \hat{y}}\right|, \qquad \frac{\partial L}{\partial \hat{y}} = "
            r"- \operatorname{sign}{\left(y - \hat{y} \right)}",
            r"L = \frac{1}{3}\sum_{j=1}^{3} \Bigl(\left|{y_j - \hat{y}_j}\right|\Bigr), \qquad "
            r"\frac{\partial L}{\partial \hat{y}_j} = "
            r"\frac{1}{3}(- \operatorname{sign}{\left(y_j - \hat{y}_j \right)})"),
    "bce": (r"L = - (y \ln \hat{y} + \left(1 - y\right) \ln(1 - \hat{y})), \qquad "
            r"\frac{\partial L}{\partial \hat{y}} = \frac{\hat{y} - y}{\hat{y} \left(1 - \hat{y}\right)}",
            r"L = \sum_{j=1}^{3} \Bigl(- (y_j \ln \hat{y}_j + \left(1 - y_j\right) \ln(1 - \hat{y}_j))\Bigr), \qquad "
            r"\frac{\partial L}{\partial \hat{y}_j} = \frac{\hat{y}_j - y_j}{\hat{y}_j \left(1 - \hat{y}_j\right)}"),
    "cce": (r"L = - y \ln \hat{y}, \qquad \frac{\partial L}{\partial \hat{y}} = - \frac{y}{\hat{y}}",
            r"L = \sum_{j=1}^{3} \Bigl(- y_j \ln \hat{y}_j\Bigr), \qquad "
            r"\frac{\partial L}{\partial \hat{y}_j} = - \frac{y_j}{\hat{y}_j}"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_loss_rule(name: str) -> None:
    one, several = LOSS_RULES[name]
    assert braces_dropped(latex.loss_rule(name, 1)) == one
    assert braces_dropped(latex.loss_rule(name, 3)) == several
    assert latex.loss_formula(name, 1, "Y", "H") == one.split(" = ", 1)[1].split(r", \qquad")[0].replace(
        r"\hat{y}", "H").replace("y", "Y")
    two = latex.loss_formula(name, 2, "Y", "H")
    assert two.startswith(r"\frac{1}{2}\sum_{j=1}^{2} \Bigl(" if LOSSES[name].mean else r"\sum_{j=1}^{2} \Bigl(")
    assert two.endswith(r"\Bigr)")


def test_the_house_printer_writes_logarithms_and_tanh() -> None:
    z = sympy.Symbol("z")
    printed = [latex.sympy_latex(e) for e in (sympy.log(z), sympy.log(1 - z), sympy.log(z) ** 2,
                                              sympy.log(1 - z) ** 3, sympy.tanh(z), sympy.tanh(z) ** 2,
                                              sympy.Symbol("yhat") * z)]
    assert printed == [r"\ln z", r"\ln(1 - z)", r"(\ln z)^{2}", r"(\ln(1 - z))^{3}", r"\tanh(z)", r"\tanh(z)^{2}",
                       r"\hat{y} z"]


def test_the_house_printer_writes_matrices_as_bmatrix() -> None:
    assert latex.sympy_latex(sympy.Matrix([[1, 2], [3, 4]])) == r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}"


# ---------------------------------------------------------------------------
# forms the registry does not use yet, written by the rules FormPrinter states


def test_form_brackets_and_spacing() -> None:
    from handcalc.core import forms

    a, b, c = forms.Arg(0), forms.Arg(1), forms.Arg(2)
    printer = latex.FormPrinter(["a", "b", "-c"], "-0.5")
    assert printer.doprint(forms.Mul((a, forms.Add((b, c))))) == "a(b + -c)"  # a sum as a factor: bracketed
    assert printer.doprint(forms.Mul((a, forms.Group(forms.Add((b, a)), big=True)))) == r"a\bigl(b + a\bigr)"
    assert printer.doprint(forms.Mul((forms.Param(), a))) == r"(-0.5)\,a"  # a negative parameter as a factor
    assert printer.doprint(forms.Mul((a, c))) == "a(-c)"
    assert printer.doprint(forms.Add((forms.Param(), a))) == "-0.5 + a"
    numbers = latex.FormPrinter(["2", "-3"], "-0.5", numbers=True)
    assert numbers.doprint(forms.Mul((forms.Param(), a, b))) == r"(-0.5) \cdot 2 \cdot (-3)"
    assert numbers.doprint(forms.Sub(a, forms.Add((a, b)))) == "2 - (2 + -3)"
    assert pytest.approx(float(printed_value(numbers.doprint(forms.Mul((forms.Param(), a, b)))))) == 3.0


def test_a_negative_activation_parameter_is_bracketed() -> None:
    rec = Applied(Role.VALUE, "leaky_relu", (N("-0.5"),), N("0.25"), 0, N("-0.5"))
    e = latex.forward_a(rec, 1, 0, ROW)
    assert e.formula == (r"\max((-0.5)\,z^{[1]}_{1}, z^{[1]}_{1})",)
    assert e.numbers == (r"\max((-0.5) \cdot (-0.5), -0.5)",)


def test_rows_left_out_are_judged_on_the_whole_text() -> None:
    # a formula of several chunks that reads as its result, with nothing to substitute
    assert Equation("a", ("x", "+ y"), (), "x + y", "=").rows() == ["a &= x + y"]
    # numbers of several chunks that read as the result: the last step is left out
    assert Equation("s", ("a", "+ b"), ("1", "+ 2"), "1 + 2", "=").rows() == ["s &= a + b = 1 + 2"]
    # a long formula whose numbers are the result wraps with the width asked for
    long = Equation("s", ("t1", "+ t2", "+ t3", "+ t4", "+ t5"), ("0.5",), "0.5", "=")
    assert long.rows(per_line=2) == ["s &= t1 + t2", r" &\quad + t3 + t4", r" &\quad + t5", " &= 0.5"]


def test_a_mean_with_a_rounded_operand_is_substituted_with_approx() -> None:
    rec = mean_record(["1/3", "2/3", "1/6"])
    e = latex.batch_loss(rec, Style(4, False, "row", 3))
    assert substituted(e) != rec.value.v  # digits stand for thirds and sixths: the substitution rounds
    assert e.subst == "≈" and r"\approx \tfrac{1}{3} \bigl(" in e.block()
    assert rechecks(e)


def test_no_columns_in_blocks_of_one() -> None:
    assert latex.column_blocks([[]], 1) == [(0, 0, [[]])]


def test_keep_abbreviates_the_sums_over_a_batch_of_an_engine_step() -> None:
    doc = {"title": "t", "inputs": ["x"], "outputs": ["y"], "loss": "half_sse", "learning_rate": 0.5,
           "layers": [{"units": 1, "activation": "linear", "weights": [[0.5]], "bias": [0.25]}],
           "data": {"train": [{"x": [k], "y": [1]} for k in range(6)]},
           "training": {"batch_size": 6, "epochs": 1}, "display": {"decimals": 4}}
    trace = engine.run(parse(doc))
    style = Style.of(trace.spec, batch=6)
    sums = [e for sec in trace_sections(trace) if sec.part != "after" for e in sec.entries
            if e.place.kind in ("L", "dW", "db")]
    assert sorted(e.place.kind for e in sums) == ["L", "dW", "db"]
    for entry in sums:
        whole, short = latex.equation(entry, style, keep=None), latex.equation(entry, style, keep=2)
        assert len(whole.formula) == 6 and r"\cdots" not in " ".join(whole.formula + whole.numbers)
        assert len(short.formula) == 4 and short.formula[2] == short.numbers[2] == r"+ \cdots"
        assert short.formula[-1] == whole.formula[-1] and short.numbers[:2] == whole.numbers[:2]
        assert rechecks(whole)
    # the loss line's default keeps three samples (3 + ⋯ + the last); an entry without keep is written whole
    loss = next(e for e in sums if e.place.kind == "L")
    assert len(latex.batch_loss(loss.record, style).formula) == 5
    assert len(latex.equation(loss, style).formula) == 6


def test_keep_abbreviates_a_long_dot_product() -> None:
    rec = affine_record([("1", "0.5")] * 7, offset="1")
    e = latex.forward_z(rec, 1, 0, ROW, keep=2)
    assert e.formula == ("x_{1} W^{[1]}_{11}", "+ x_{2} W^{[1]}_{21}", r"+ \cdots", "+ x_{7} W^{[1]}_{71}",
                         "+ b^{[1]}_{1}")
    assert len(latex.forward_z(rec, 1, 0, ROW).formula) == 8
    assert latex.number(N(0), FRACTION) == r"\tfrac{0}{1}"  # no sign before a zero
