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
    with pytest.raises(ValueError, match="^logarithm of a number that is not positive$"):
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


# ---------------------------------------------------------------------------
# construction, the reflected operators, hashing and repr


def test_of_reads_every_kind_of_input() -> None:
    third = Num(F(1, 3))
    assert Num.of(third) is third
    assert Num.of("-2.5e-1").v == F(-1, 4) and Num.of("-2.5e-1").exact
    assert Num.of(" 4/6 ").v == F(2, 3)
    assert Num.of(7).v == F(7) and Num.of(F(3, 8)).v == F(3, 8)


def test_reflected_division_and_subtraction_with_plain_integers() -> None:
    a = Num(F(2, 5))
    assert (3 / a).exact and (3 / a).v == F(15, 2)
    assert (1 / ONE).v == 1 and (2 / Num(F(-4))).v == F(-1, 2)
    assert (3 - a).v == F(13, 5) and (a - 3).v == F(-13, 5)
    e = exp(ONE)
    assert not (1 / e).exact and agreeing_digits(1 / e, reference(lambda q: mpmath.exp(-1))) >= 50
    with pytest.raises(ZeroDivisionError, match="^division by zero$"):
        1 / ZERO
    with pytest.raises(ZeroDivisionError, match="^division by zero$"):
        1 / approx(0)


def test_equal_numbers_hash_alike() -> None:
    """Equal values are one key of a dict or set, whatever their kind (a dyadic value is the same
    number exact and approximate)."""
    assert hash(Num(F(1, 2))) == hash(Num(F(2, 4))) == hash(approx("0.5")) == hash(F(1, 2))
    assert len({Num(F(1, 2)), Num(F(2, 4)), Num(F(3, 4))}) == 2
    assert (Num(F(1, 2)) == "0.5") is False and Num(F(1, 2)) != object()


def test_repr_says_whether_a_number_is_exact() -> None:
    assert repr(Num(F(-3, 4))) == "Num(-0.75)"
    assert repr(approx("0.5")) == "Num(0.5000000000000000000000000 ~)"
    assert float(Num(F(1, 8))) == 0.125


# ---------------------------------------------------------------------------
# the limits on a number's text (docs/reference/spec.md: 250 characters, 100 digits on
# each side of a ratio, 10^-100 ≤ |x| < 10^100)


@pytest.mark.parametrize(("text", "value"), [
    ("9" * 100, F(10**100 - 1)), ("0." + "0" * 99 + "1", F(1, 10**100)),
    ("-" + "9" * 99 + ".5", F(-(2 * 10**99 - 1), 2)),
    ("1e-100", F(1, 10**100)), ("9.99e99", F(999 * 10**97)), ("0e-99999999999", F(0)), ("-0.0e+99999999999", F(0)),
    ("0e999", F(0)), ("1" * 100 + "/" + "3" * 100, F(int("1" * 100), int("3" * 100))), ("0/7", F(0)),
    (" " * 200 + "1" + " " * 200, F(1)), ("0" * 249 + "1", F(1)), ("-" + "0" * 247 + ".5", F(-1, 2)),
])
def test_numbers_at_the_documented_limits_are_read(text: str, value: F) -> None:
    assert parse_exact(text) == value


@pytest.mark.parametrize(("text", "message"), [
    ("1" * 101, "number too long: '" + "1" * 40 + "… (101 characters)' has 101 digits (at most 100)"),
    ("1." + "0" * 100, "has 101 digits (at most 100)"), ("0." + "0" * 100 + "1", "number too small"),
    ("1" * 251, "number too long: '" + "1" * 40 + "… (251 characters)' (at most 250 characters)"),
    ("1" * 101 + "/3", "(at most 100 digits above and below the line)"),
    ("3/" + "1" * 101, "(at most 100 digits above and below the line)"),
    ("1e100", "number too large: '1e100' (a number must be below 1e100 in size)"),
    ("-1.0e+400", "number too large: '-1.0e+400'"),
    ("1e+99999999999", "number too large"),
    ("1" * 50 + "e60", "number too large"),
    ("9e-101", "number too small: '9e-101' (a nonzero number must be at least 1e-100 in size; write 0 for zero)"),
    ("1e-99999999", "number too small"), ("-1e-99999999999", "number too small"),
    ("1e-150", "number too small"),
    ("1:30", "handcalc reads YAML 1.2, which has no base-60 numbers"),
    ("-12:05:59.5", "no base-60 numbers"),
    ("x" * 60, "'" + "x" * 40 + "… (60 characters)' is not a number"),
])
def test_numbers_beyond_the_documented_limits_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_exact(text)
    assert message in str(err.value)


def test_a_message_quotes_a_short_text_whole() -> None:
    forty = "y" * 40
    with pytest.raises(ValueError, match=f"^'{forty}' is not a number"):
        parse_exact(forty)


# ---------------------------------------------------------------------------
# the text of the JSON trace (docs/reference/spec.md, "Numbers are strings")


def decimal_text(value: F) -> str:
    """Python's decimal module writes a terminating fraction in full (the independent reference)."""
    with localcontext() as ctx:
        ctx.prec = 400
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text


@pytest.mark.parametrize("value", [F(0), F(12), F(-12), F(-3, 4), F(67, 100), F(-5, 2), F(1, 2**30), F(1, 8),
                                   F(-7, 5**13), F(10**30) + F(1, 2), F(1, 100), F(-155, 100), F(123456789, 10**9)])
def test_terminating_values_are_written_digit_for_digit(value: F) -> None:
    assert to_decimal_string(Num(value)) == decimal_text(value)


def test_the_documented_examples_of_the_json_trace() -> None:
    assert [to_decimal_string(Num(F(x))) for x in ("0.67", "-2.5", "12")] == ["0.67", "-2.5", "12"]
    assert to_decimal_string(Num(F(1, 2**30))) == "0.000000000931322574615478515625"
    assert to_decimal_string(Num(F(1, 3))) == "0.3333333333333333333333333"
    assert to_decimal_string(approx("1e-8")) == "1.000000000000000000000000e-8"


@pytest.mark.parametrize("value", [F(2, 3), F(-1, 7), F(22, 7), F(10**20, 3), F(-10**30, 3), F(1, 3 * 10**8),
                                   F(-5, 3 * 10**12)])
def test_non_terminating_values_carry_25_digits_correctly_rounded(value: F) -> None:
    text = to_decimal_string(Num(value))
    with localcontext() as ctx:
        ctx.prec = 25
        want = Decimal(value.numerator) / Decimal(value.denominator)  # rounded to 25 significant digits
    mantissa, _, exponent = text.partition("e")
    assert significant_digits(text) == 25
    assert Decimal(text) == want, (text, want)
    if exponent:  # exponent form: one digit before the point, as in "1.000000000000000000000000e-8"
        assert len(mantissa.lstrip("-").partition(".")[0]) == 1


@pytest.mark.parametrize("decimals", [0, 2, 12])
def test_rounding_a_vanishing_number_is_quick_and_zero(decimals: int) -> None:
    """σ(−10²⁰) = 1/(1 + e^(10²⁰)) is about 2^(−1.4·10²⁰): rounding it must not build an integer
    of that many bits (it raised OverflowError, or ate gigabytes at −10¹⁰)."""
    tiny = exp(Num(-(10**20)))
    assert round_half_away(tiny, decimals) == 0 and round_half_away(-tiny, decimals) == 0
    edge = Num(mpmath.mpf(2) ** (-4 * decimals - 3))  # just under the shortcut's bound: still 0
    assert round_half_away(edge, decimals) == 0
    half = Num(F(1, 2 * 10**decimals))  # a half of the last place rounds away from zero
    assert round_half_away(half, decimals) == F(1, 10**decimals)
