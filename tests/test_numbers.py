"""``handcalc.core.numbers``: exact and approximate arithmetic, calculator rounding, decimal text.

Expected values are either exact rationals (checked by Fraction arithmetic in the test)
or computed here with mpmath at 150 digits, well beyond the 60 handcalc carries.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handcalc.core.functions import Role, evaluate
from handcalc.core.numbers import (
    ONE,
    SIG_DIGITS,
    ZERO,
    Num,
    exp,
    ln,
    parse_exact,
    round_half_away,
    tanh,
    to_decimal_string,
)

REFERENCE_DPS = 150


def approx(x: float | str) -> Num:
    return Num(mpmath.mpf(x))


def reference(f):
    """``f`` evaluated with mpmath at REFERENCE_DPS digits; ``f`` gets ``q``, which turns an
    exact Fraction into an mpf at that precision."""
    with mpmath.workdps(REFERENCE_DPS):
        return f(lambda q: mpmath.mpf(q.numerator) / q.denominator)


def agreeing_digits(got: Num, want: mpmath.mpf) -> float:
    """How many significant digits of ``got`` agree with ``want``."""
    with mpmath.workdps(REFERENCE_DPS):
        err = abs(got.mpf() - want)
        if err == 0:
            return float("inf")
        return float(-mpmath.log10(err / abs(want)))


# ---------------------------------------------------------------------------
# exact vs approximate


def test_exact_arithmetic_stays_exact() -> None:
    a, b = Num(F(1, 3)), Num(F(-2, 7))
    for result, want in ((a + b, F(1, 3) + F(-2, 7)), (a - b, F(1, 3) - F(-2, 7)), (a * b, F(1, 3) * F(-2, 7)),
                         (a / b, F(1, 3) / F(-2, 7)), (-a, F(-1, 3)), (abs(b), F(2, 7)), (1 - a, F(2, 3))):
        assert result.exact and result.v == want


def test_anything_touching_an_approximate_number_is_approximate() -> None:
    a, e = Num(F(1, 3)), exp(ONE)
    for result in (a + e, e + a, a - e, e - a, a * e, e * a, a / e, e / a, 1 - e, -e, abs(e)):
        assert not result.exact
        assert isinstance(result.v, mpmath.mpf)
    assert Num.of_float(0.5) == Num(F(1, 2)) and not Num.of_float(0.5).exact


def test_exact_zero_is_preserved() -> None:
    e = exp(Num(F(3, 10)))
    # 0 · approximate = exact 0 (a dead ReLU passes back exactly zero)
    assert (ZERO * e).exact and (ZERO * e).v == 0
    assert (e * ZERO).exact and (e * ZERO).v == 0
    # adding or subtracting an exact zero changes neither the value nor its exactness
    assert (e + ZERO) is e and (ZERO + e) is e and (e - ZERO) is e
    third = Num(F(1, 3))
    assert (third + ZERO).exact and (ZERO + third).v == F(1, 3)
    # an approximate zero is not an exact one
    assert not (approx(0) * third).exact


def test_functions_are_exact_only_where_their_value_is_rational() -> None:
    assert exp(ZERO) == ONE and exp(ZERO).exact
    assert ln(ONE) == ZERO and ln(ONE).exact
    assert tanh(ZERO) == ZERO and tanh(ZERO).exact
    for value in (exp(ONE), ln(Num(F(2))), tanh(Num(F(1, 2)))):
        assert not value.exact


def test_refusals() -> None:
    with pytest.raises(ZeroDivisionError):
        ONE / ZERO
    with pytest.raises(ZeroDivisionError):
        exp(ONE) / ZERO
    with pytest.raises(ValueError, match="not positive"):
        ln(ZERO)
    with pytest.raises(ValueError, match="not positive"):
        ln(Num(F(-1, 2)))


def test_comparisons_across_kinds() -> None:
    assert Num(F(1, 2)) == approx("0.5") and Num(F(1, 2)) == F(1, 2) and ONE == 1
    assert Num(F(1, 3)) < approx("0.34") < Num(F(7, 20))
    assert exp(ONE) > Num(F(271, 100)) and exp(ONE) < Num(F(272, 100))
    assert [Num(F(-3)).sign(), ZERO.sign(), exp(ONE).sign()] == [-1, 0, 1]


# ---------------------------------------------------------------------------
# parsing exactly from text


@pytest.mark.parametrize(("text", "value"), [
    ("0.1", F(1, 10)), ("-2.5e-3", F(-1, 400)), ("1/3", F(1, 3)), (" -4 / 6 ", F(-2, 3)), (".5", F(1, 2)),
    ("1E2", F(100)), ("+7", F(7)),
])
def test_parse_exact(text: str, value: F) -> None:
    assert parse_exact(text) == value


@pytest.mark.parametrize(("text", "reason"), [("abc", "is not a number"), ("1/0", "divides by zero"),
                                              (".inf", "is not a number"), ("1/2/3", "is not a number"),
                                              ("", "is not a number"), ("0x10", "is not a number")])
def test_parse_exact_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_exact(text)


# ---------------------------------------------------------------------------
# rounding half away from zero


@pytest.mark.parametrize(("value", "decimals", "want"), [
    (F("2.345"), 2, F("2.35")), (F("-2.345"), 2, F("-2.35")),
    (F("0.5"), 0, F(1)), (F("-0.5"), 0, F(-1)),
    (F("2.5"), 0, F(3)), (F("-2.5"), 0, F(-3)),  # not banker's rounding (which gives 2 and −2)
    (F("-0.05"), 1, F("-0.1")), (F("0.125"), 2, F("0.13")), (F("-0.125"), 2, F("-0.13")),
    (F("2.3449999"), 2, F("2.34")), (F("-2.3449999"), 2, F("-2.34")),
    (F("-0.0049"), 2, F(0)), (F(2, 3), 4, F("0.6667")), (F(-2, 3), 4, F("-0.6667")), (F(-1, 3), 0, F(0)),
    (F(12), 3, F(12)),
])
def test_round_half_away_on_fractions(value: F, decimals: int, want: F) -> None:
    assert round_half_away(Num(value), decimals) == want


@pytest.mark.parametrize(("value", "decimals", "want"), [
    # halves that binary floating point holds exactly
    ("2.5", 0, F(3)), ("-2.5", 0, F(-3)), ("0.5", 0, F(1)), ("-0.5", 0, F(-1)),
    ("0.125", 2, F("0.13")), ("-0.125", 2, F("-0.13")), ("-0.375", 2, F("-0.38")),
    ("0", 3, F(0)), ("-1e-30", 2, F(0)), ("123456.5", 0, F(123457)), ("-123456.5", 0, F(-123457)),
])
def test_round_half_away_on_approximate_values(value: str, decimals: int, want: F) -> None:
    x = approx(value)
    assert not x.exact
    assert round_half_away(x, decimals) == want


def decimal_half_up(exact: F, decimals: int) -> F:
    """Independent reference: Python's decimal module, ROUND_HALF_UP (= away from zero)."""
    with localcontext() as ctx:
        ctx.prec = 2000
        d = Decimal(exact.numerator) / Decimal(exact.denominator)  # exact, or 2000 digits (never a tie)
        return F(d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


@given(st.fractions(max_denominator=10**6), st.integers(0, 6))
def test_round_half_away_agrees_with_decimal_half_up(value: F, decimals: int) -> None:
    assert round_half_away(Num(value), decimals) == decimal_half_up(value, decimals)


@given(st.integers(-10**9, 10**9), st.integers(0, 6))
def test_round_half_away_on_exact_halves(n: int, decimals: int) -> None:
    """Every value exactly halfway between two roundings goes away from zero."""
    half = F(2 * n + 1, 2 * 10**decimals)
    got = round_half_away(Num(half), decimals)
    assert abs(got) > abs(half) and abs(got - half) == F(1, 2 * 10**decimals)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 6))
def test_round_half_away_on_mpf_uses_the_exact_binary_value(x: float, decimals: int) -> None:
    got = round_half_away(approx(x), decimals)
    assert got == decimal_half_up(F(x), decimals)  # F(float) is the float's exact binary value


# ---------------------------------------------------------------------------
# decimal text


@pytest.mark.parametrize("value", [F(0), F(12), F(-3, 4), F(1, 8), F(1, 2**40), F(-7, 5**13), F(10**30) + F(1, 2),
                                   F("0.01"), F("-1.55")])
def test_terminating_fractions_are_written_exactly(value: F) -> None:
    text = to_decimal_string(Num(value))
    assert "e" not in text.lower() and "/" not in text
    assert F(text) == value


@given(st.integers(-10**12, 10**12), st.integers(0, 30), st.integers(0, 30))
def test_every_terminating_fraction_is_written_exactly(n: int, twos: int, fives: int) -> None:
    value = F(n, 2**twos * 5**fives)
    assert F(to_decimal_string(Num(value))) == value


def significant_digits(text: str) -> int:
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return len(mantissa)


@pytest.mark.parametrize("value", [F(1, 3), F(-2, 3), F(1, 7), F(10**30, 3), F(1, 3 * 10**9), F(-22, 7)])
def test_non_terminating_fractions_get_enough_digits(value: F) -> None:
    text = to_decimal_string(Num(value))
    assert significant_digits(text) >= 20
    assert significant_digits(text) == SIG_DIGITS
    got, want = mpmath.mpf(text), reference(lambda q: q(value))
    with mpmath.workdps(REFERENCE_DPS):
        # correctly rounded: within half a unit of the last written digit
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** (1 - SIG_DIGITS) / 2


def test_approximate_values_get_enough_digits() -> None:
    for x in (exp(ONE), ln(Num(F(1, 3))), tanh(Num(F(-7, 2))), approx("0.1")):
        text = to_decimal_string(x)
        assert significant_digits(text) >= 20, text
        assert agreeing_digits(Num(mpmath.mpf(text)), x.mpf()) >= SIG_DIGITS - 1


# ---------------------------------------------------------------------------
# at least 50 significant digits for exp, ln, tanh


ARGUMENTS = [F("0.3775"), F(-3775, 10000), F(1, 3), F(-17, 2), F(25), F("1e-12"), F(123456789, 1000)]


@pytest.mark.parametrize("x", ARGUMENTS, ids=str)
def test_exp_carries_50_digits(x: F) -> None:
    assert agreeing_digits(exp(Num(x)), reference(lambda q: mpmath.exp(q(x)))) >= 50


@pytest.mark.parametrize("x", [a for a in ARGUMENTS if a > 0] + [F(1, 10**30), F(10**40, 3)], ids=str)
def test_ln_carries_50_digits(x: F) -> None:
    assert agreeing_digits(ln(Num(x)), reference(lambda q: mpmath.log(q(x)))) >= 50


@pytest.mark.parametrize("x", ARGUMENTS, ids=str)
def test_tanh_carries_50_digits(x: F) -> None:
    assert agreeing_digits(tanh(Num(x)), reference(lambda q: mpmath.tanh(q(x)))) >= 50


@pytest.mark.parametrize("x", ARGUMENTS, ids=str)
def test_sigmoid_and_its_derivative_carry_50_digits(x: F) -> None:
    """σ(0.3775) = 1/(1 + e^{−0.3775}) as the engine evaluates it, and σ′ = σ(1 − σ)."""
    s = evaluate(Role.VALUE, "sigmoid", (Num(x),))
    want = reference(lambda q: 1 / (1 + mpmath.exp(-q(x))))
    assert not s.exact
    assert agreeing_digits(s, want) >= 50
    with mpmath.workdps(REFERENCE_DPS):
        want_d = want * (1 - want)
    assert agreeing_digits(evaluate(Role.DERIVATIVE, "sigmoid", (s,)), want_d) >= 50


def test_softmax_and_cross_entropy_carry_50_digits() -> None:
    z = (Num(F(1, 2)), Num(F(-3, 10)), Num(F(2)))
    a = [evaluate(Role.VALUE, "softmax", z, j) for j in range(3)]
    y = (ZERO, ZERO, ONE)
    loss = evaluate(Role.LOSS, "cce", y + tuple(a))

    def exact_softmax(q):
        es = [mpmath.exp(q(v.v)) for v in z]
        return [e / sum(es) for e in es]

    want = reference(exact_softmax)
    for got, w in zip(a, want):
        assert agreeing_digits(got, w) >= 50
    assert agreeing_digits(loss, reference(lambda q: -mpmath.log(exact_softmax(q)[2]))) >= 50


def test_approximate_arithmetic_keeps_50_digits() -> None:
    """A short chain of steps on approximate values (as in a sigmoid network's backward pass)."""
    x = exp(Num(F(3, 10)))
    y = (x * Num(F(7, 3)) - ln(Num(F(5, 2)))) / (ONE + tanh(Num(F(1, 4))))

    def chain(q):
        e = mpmath.exp(q(F(3, 10)))
        return (e * q(F(7, 3)) - mpmath.log(q(F(5, 2)))) / (1 + mpmath.tanh(q(F(1, 4))))

    assert agreeing_digits(y, reference(chain)) >= 50
