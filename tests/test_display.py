"""``handcalc.core.display``: the digits a substituted line writes and its two relations.

Records are built by hand here, and every expectation is worked out in the test with
Fractions and Python's ``decimal`` (``ROUND_HALF_UP``): a line is right when a reader who
takes each operand as written, redoes the arithmetic and rounds halves away from zero
lands on the written result (docs/notation.md).
"""

from __future__ import annotations

import gc
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handcalc.core import display
from handcalc.core.display import FRACTION, InFull, Named, evaluate_with, joint, layout, operands, show, written
from handcalc.core.functions import Role
from handcalc.core.numbers import Num
from handcalc.core.trace import Affine, Applied, Mean, Update

#: the extra operand decimals display tries, as docs/notation.md describes them (a few more
#: digits at a time, up to 40 more for lines near a pole)
EXTRA = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40)


def half_up(x: F, places: int) -> F:
    with localcontext() as ctx:
        ctx.prec = 500
        d = Decimal(x.numerator) / Decimal(x.denominator)
        return F(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def as_written(x: Num, places: int) -> F:
    """An operand as a reader takes it from the page."""
    if isinstance(x, Named) or places == FRACTION:
        return F(x.v) if x.exact else F(str(x.v))
    return F(x.v) if x.exact and half_up(F(x.v), places) == x.v else half_up(F(x.v) if x.exact else F(str(x.v)),
                                                                           places)


def affine_value(terms, offset, scale) -> F:
    total = sum((F(a) * F(b) for a, b in terms), F(0)) + (F(offset) if offset is not None else 0)
    return total * F(scale) if scale is not None else total


def redo(terms, offset, scale, places) -> F:
    """The affine line's value from its operands as written with ``places`` (operands order)."""
    flat = [x for t in terms for x in t] + ([offset] if offset is not None else [])
    vals = [as_written(Num(F(x)), p) for x, p in zip(flat, places)]
    total = sum((vals[2 * k] * vals[2 * k + 1] for k in range(len(terms))), F(0))
    if offset is not None:
        total += vals[-1]
    return total * F(scale) if scale is not None else total


def affine(terms, offset=None, scale=None) -> Affine:
    return Affine(tuple((Num(F(a)), Num(F(b))) for a, b in terms), Num(affine_value(terms, offset, scale)),
                  None if offset is None else Num(F(offset)), None if scale is None else Num(F(scale)))


# ---------------------------------------------------------------------------
# operands and re-evaluation


def test_operands_of_each_kind_of_record_in_page_order() -> None:
    a, b, c, d, e = (Num(F(k, 7)) for k in range(1, 6))
    assert operands(Affine(((a, b), (c, d)), a, e)) == [a, b, c, d, e]
    assert operands(Affine(((a, b),), a)) == [a, b]
    assert operands(Mean((a, b, c), a)) == [a, b, c]
    assert operands(Applied(Role.VALUE, "relu", (c,), c)) == [c]
    assert operands(Update(a, b, c, d)) == [a, b, c]
    with pytest.raises(TypeError, match="no operands for str"):
        operands("z = 1")
    with pytest.raises(TypeError, match="no re-check for str"):
        evaluate_with("z = 1", [])


def test_each_kind_of_record_is_redone_from_other_operands() -> None:
    x = [Num(F(n, 4)) for n in (1, -2, 3, 5, -7)]
    rec = Affine(((x[0], x[0]), (x[0], x[0])), x[0], x[0], Num(F(1, 3)))
    assert evaluate_with(rec, x).v == (F(1, 4) * F(-2, 4) + F(3, 4) * F(5, 4) + F(-7, 4)) * F(1, 3)
    assert evaluate_with(Affine(((x[0], x[0]),), x[0]), x[:2]).v == F(-2, 16)
    assert evaluate_with(Mean((x[0],) * 3, x[0]), x[2:]).v == (F(3, 4) + F(5, 4) - F(7, 4)) / 3
    assert evaluate_with(Update(x[0], x[0], x[0], x[0]), x[1:4]).v == F(-2, 4) - F(3, 4) * F(5, 4)
    assert evaluate_with(Applied(Role.VALUE, "relu", (x[0],), x[0]), [x[1]]).v == 0
    assert evaluate_with(Applied(Role.VALUE, "leaky_relu", (x[0],), x[0], 0, Num(F(1, 10))), [x[4]]).v == F(-7, 40)
    got = evaluate_with(Applied(Role.VALUE, "softmax", (x[0], x[0]), x[0], 1), [x[0], x[3]])
    with mpmath.workdps(80):
        want = mpmath.exp(mpmath.mpf(5) / 4) / (mpmath.exp(mpmath.mpf(1) / 4) + mpmath.exp(mpmath.mpf(5) / 4))
        assert abs(got.mpf() - want) < mpmath.mpf(10) ** -55


def test_an_operand_as_a_reader_takes_it() -> None:
    third = Num(F(1, 3))
    assert written(third, 3).v == F(333, 1000)
    assert written(Num(F(-2, 3)), 2).v == F(-67, 100)
    assert written(third, FRACTION) is third
    named = Named(third, "a_1")
    assert written(named, 1) is named and named.v == F(1, 3) and named.symbol == "a_1"


# ---------------------------------------------------------------------------
# the digits of a line


def test_a_line_whose_numbers_fit_is_written_with_equals_signs() -> None:
    rec = affine([("0.5", "0.25"), ("-1.5", "2")], "0.75")  # = 0.125 − 3 + 0.75 = −2.125
    lay = layout(rec, 3)
    assert lay.ok and lay.places == (3,) * 5
    assert (lay.result.text, lay.subst, lay.final) == ("-2.125", "=", "=")


def test_a_rounded_result_is_written_with_approx() -> None:
    rec = affine([("0.5", "0.25")])  # 0.125 shown with 2 decimals: 0.13
    lay = layout(rec, 2)
    assert (lay.result.text, lay.result.relation, lay.subst, lay.final, lay.places) == ("0.13", "≈", "=", "≈", (2, 2))


def test_operands_get_the_digits_the_result_needs() -> None:
    # 0.333… · 0.3 = 0.1 exactly: written 0.33 · 0.3 = 0.099 → 0.10, 0.3 needs no more digits
    rec = affine([(F(1, 3), "0.3"), (F(2, 7), F(7, 2))], None)  # 0.1 + 1 = 1.1
    lay = layout(rec, 2)
    assert lay.ok and lay.result.text == "1.1" and lay.subst == "≈" and lay.final == "≈"
    flat = [F(1, 3), F("0.3"), F(2, 7), F(7, 2)]
    assert half_up(redo([(F(1, 3), "0.3"), (F(2, 7), F(7, 2))], None, None, lay.places), 1) == F("1.1")
    assert lay.places[1] == 2 and lay.places[3] == 2  # 0.3 and 3.5 are written as they are
    for k, x in enumerate(flat):
        assert lay.places_of(Num(x), 99) == 99  # places_of asks by the operand itself, not its value
        assert lay.places_of(rec.terms[k // 2][k % 2], 99) == lay.places[k]


def test_an_exact_tie_with_a_third_is_written_as_a_fraction() -> None:
    """docs/notation.md: a result such as 0.65125 → 0.6513 with an operand 1/3 is redone from
    the fraction, since any number of its digits lands below the tie."""
    terms = [(F(1, 3), "1.95375")]  # = 0.65125 exactly
    for digits in range(4, 40):
        assert half_up(F(round(F(10**digits, 3)), 10**digits) * F("1.95375"), 4) == F("0.6512")
    lay = layout(affine(terms), 4)
    assert lay.ok and lay.result.text == "0.6513"
    assert lay.places[0] == FRACTION and lay.places[1] >= 4
    assert half_up(redo(terms, None, None, lay.places), 4) == F("0.6513")
    assert lay.subst == "≈"  # 1.95375 is written with 4 decimals


def test_a_line_no_digits_can_redo_is_not_ok() -> None:
    """A recorded value that is not the line's value (as a wrong trace would hold) re-checks with no digits."""
    a, b = Num(F(1, 2)), Num(F(1, 4))
    lay = layout(Affine(((a, b),), Num(F(3, 10))), 2)
    assert not lay.ok and lay.final == "≈"
    places, subst, final = joint([Affine(((a, b),), Num(F(3, 10)))], 2)
    assert final == "≈"


def test_named_operands_count_as_written_exactly() -> None:
    third = Named(Num(F(1, 3)), "a")
    rec = Affine(((third, Num(F(3))),), Num(F(1)))
    lay = layout(rec, 2)
    assert lay.ok and (lay.subst, lay.final) == ("=", "=")
    assert layout(Affine(((Num(F(1, 3)), Num(F(3))),), Num(F(1))), 2).subst == "≈"


def test_given_operands_are_written_in_full() -> None:
    """η = 0.0001 changes 2 − η·3 = 1.9997 by less than the result's 2 decimals show: as a plain
    operand it may be written 0.00, as a given number (a worksheet's η) it never is."""
    grad = Named(Num(F(3)), "g")
    plain = Update(Num(F(2)), Num(F("0.0001")), grad, Num(F("1.9997")))
    assert show(plain.rate, layout(plain, 2).places[1]).text == "0.00"
    rate = InFull(Num(F("0.0001")))
    rec = Update(InFull(Num(F(2))), rate, grad, Num(F("1.9997")))
    lay = layout(rec, 2)
    full = display.GIVEN_PLACES
    assert lay.ok and lay.places == (full, full, 2) and lay.places_of(rate, 0) == full
    assert show(rate, lay.places[1]).text == "0.0001" and (lay.subst, lay.final) == ("=", "≈")


def test_show_nonzero_keeps_the_sign_of_a_small_value() -> None:
    assert display.show_nonzero(Num(F("0.0004")), 2).text == "0.0004"
    assert display.show_nonzero(Num(F("-0.00003")), 4).text == "-0.00003"
    assert display.show_nonzero(Num(F(1, 3)), 2) == show(Num(F(1, 3)), 2)
    assert display.show_nonzero(Num(F(0)), 2).text == "0"


@st.composite
def affine_lines(draw):
    def num():
        return F(draw(st.integers(-999, 999)), draw(st.sampled_from([1, 2, 3, 4, 7, 8, 10, 12, 40, 100, 1000, 9])))

    n = draw(st.integers(1, 4))
    terms = [(num(), num()) for _ in range(n)]
    offset = num() if draw(st.booleans()) else None
    scale = draw(st.sampled_from([None, F(1, 2), F(1, 3)]))
    return terms, offset, scale


@settings(max_examples=150, deadline=None)
@given(affine_lines(), st.integers(0, 4))
def test_every_affine_line_redoes_from_its_written_digits(line, decimals: int) -> None:
    terms, offset, scale = line
    rec = affine(terms, offset, scale)
    lay = layout(rec, decimals)
    value = affine_value(terms, offset, scale)
    assert lay.ok
    assert all(p == FRACTION or p >= decimals for p in lay.places)
    again = redo(terms, offset, scale, lay.places)
    places = len(lay.result.text.partition(".")[2])
    assert F(lay.result.text) == (value if (value * 10**decimals).denominator == 1 else half_up(value, decimals))
    assert half_up(again, places) == F(lay.result.text)
    flat = [x for t in terms for x in t] + ([offset] if offset is not None else [])
    assert lay.subst == ("≈" if any(p != FRACTION and as_written(Num(F(x)), p) != x
                                    for x, p in zip(flat, lay.places)) else "=")
    assert lay.final == ("=" if again == F(lay.result.text) else "≈")
    # no fewer digits for every operand would do (display tries a few more at a time) ...
    if FRACTION not in lay.places:
        top = max(lay.places)
        for extra in EXTRA:
            if decimals + extra >= top:
                break
            assert half_up(redo(terms, offset, scale, [decimals + extra] * len(flat)), places) != F(lay.result.text)
        # ... and the last operand has no digit more than it needs
        if lay.places[-1] > decimals:
            fewer = list(lay.places[:-1]) + [lay.places[-1] - 1]
            assert half_up(redo(terms, offset, scale, fewer), places) != F(lay.result.text)


def test_hand_rounded_records_are_written_with_approx() -> None:
    a, b = Num(F(1, 2)), Num(F(1, 4))
    rec = Affine(((a, b),), Num(F(13, 100)), rounded=True)  # 0.125 written down as 0.13
    lay = layout(rec, 2)
    assert lay.result.text == "0.13" and lay.result.relation == "≈" and lay.final == "≈"


def test_updates_means_and_functions_get_their_digits_too() -> None:
    up = Update(Num(F(1, 3)), Num(F(1, 10)), Num(F(2, 3)), Num(F(1, 3) - F(1, 10) * F(2, 3)))  # 4/15 = 0.2666…
    lay = layout(up, 2)
    assert lay.ok and lay.result.text == "0.27"
    ops = [F(1, 3), F(1, 10), F(2, 3)]
    vals = [half_up(x, p) if p != FRACTION else x for x, p in zip(ops, lay.places)]
    assert half_up(vals[0] - vals[1] * vals[2], 2) == F("0.27")
    mean = Mean((Num(F(1, 3)), Num(F(1, 6)), Num(F(5, 7))), Num((F(1, 3) + F(1, 6) + F(5, 7)) / 3))
    lay = layout(mean, 3)
    vals = [half_up(x, p) for x, p in zip((F(1, 3), F(1, 6), F(5, 7)), lay.places)]
    assert lay.ok and half_up(sum(vals) / 3, 3) == F(lay.result.text)


# ---------------------------------------------------------------------------
# a matrix line, and the layouts remembered per record


def test_a_matrix_line_writes_all_its_operands_with_one_number_of_decimals() -> None:
    easy = affine([("0.5", "0.5")])  # 0.25
    hard = affine([(F(1, 3), "0.3")])  # 0.1, which needs 1/3 to 2 decimals at least
    places, subst, final = joint([easy, hard], 1)
    assert places == max(max(layout(easy, 1).places), max(layout(hard, 1).places))
    assert half_up(F(round(F(10**places, 3)), 10**places) * F("0.3"), 1) == F("0.1")
    assert subst == "≈" and final == "≈"
    assert joint([easy, easy], 2) == (2, "=", "=")
    assert joint([], 3) == (3, "=", "=")
    empty = Affine((), Num(F(0)))  # an equation with no operands (Σ over nothing) takes the line's decimals
    assert operands(empty) == [] and layout(empty, 2).places == ()
    assert joint([empty], 2) == (2, "=", "=") and joint([empty, hard], 1) == (places, "≈", "≈")


def test_a_matrix_line_is_exact_only_when_every_equation_is() -> None:
    exact = affine([("0.5", "0.5")])  # 0.25 with 2 decimals
    tie = affine([("0.5", "0.25")])  # 0.125 → 0.13
    assert joint([exact, tie], 2)[1:] == ("=", "≈")
    assert joint([exact], 2)[1:] == ("=", "=")


def test_layouts_are_remembered_per_record_and_decimals_and_forgotten_with_the_record() -> None:
    rec = affine([(F(1, 3), "0.3")])
    first = layout(rec, 2)
    assert layout(rec, 2) is first
    other = layout(rec, 1)
    assert other.result.text == "0.1" and first.result.text == "0.1"
    again = layout(rec, 2)
    assert again == first and again is not first  # the entry holds one number of decimals at a time
    key = id(rec)
    assert key in display._LAYOUTS
    del rec, first, other, again
    gc.collect()
    assert key not in display._LAYOUTS


def test_show_writes_fitting_values_in_full_and_others_rounded() -> None:
    assert show(Num(F(-5, 2)), 3) == display.Shown("-2.5", F(-5, 2), False)
    assert show(Num(F(2, 3)), 2) == display.Shown("0.67", F(67, 100), True)
    assert show(Num(F(-1, 200)), 2) == display.Shown("-0.01", F(-1, 100), True)
    assert show(Num(F(12)), 0, rounded=True) == display.Shown("12", F(12), True)
    assert display.result_places(show(Num(F(2, 3)), 4)) == 4 and display.result_places(show(Num(F(12)), 4)) == 0
