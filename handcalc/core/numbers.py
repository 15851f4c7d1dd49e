"""Exact and high-precision numbers.

A :class:`Num` holds either a :class:`fractions.Fraction` (an *exact* value) or an
``mpmath.mpf`` carried with :data:`DIGITS` significant digits (an *approximate*
value, the result of ``exp``, ``ln`` or ``tanh``).  Arithmetic between two exact
numbers stays exact; anything that touches an approximate number is approximate.

This module also owns the two ways a number is turned into a decimal:

* :func:`round_half_away` — the rounding a student does on a calculator
  (``2.345 → 2.35``, ``−2.345 → −2.35``), used by ``display.rounding: hand``;
* :func:`to_decimal_string` — the text form used in the JSON trace: the exact
  decimal where it terminates, otherwise ``SIG_DIGITS`` significant digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Union

import mpmath

DIGITS = 60  # working precision of approximate values (at least 50 are promised)
SIG_DIGITS = 25  # digits written for a non-terminating value in the JSON trace
mpmath.mp.dps = DIGITS

Raw = Union[Fraction, "mpmath.mpf"]
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_RATIO = re.compile(r"^[+-]?\d+\s*/\s*[+-]?\d+$")


class Num:
    """A number that knows whether it is exact.  Immutable."""

    __slots__ = ("v",)

    def __init__(self, v: Raw) -> None:
        object.__setattr__(self, "v", v)

    def __setattr__(self, name: str, value: object) -> None:  # pragma: no cover
        raise AttributeError("Num is immutable")

    def __reduce__(self) -> tuple:
        """Pickled by its value (a run's parameters go to a worker process)."""
        return Num, (self.v,)

    # -- construction -----------------------------------------------------
    @staticmethod
    def of(x: int | Fraction | str | Num) -> Num:
        if isinstance(x, Num):
            return x
        if isinstance(x, str):
            return Num(parse_exact(x))
        return Num(Fraction(x))

    @staticmethod
    def of_float(x: float) -> Num:
        """A float64 result: kept as an approximate value."""
        return Num(mpmath.mpf(float(x)))

    @property
    def exact(self) -> bool:
        return isinstance(self.v, Fraction)

    def mpf(self) -> mpmath.mpf:
        v = self.v
        if isinstance(v, Fraction):
            return mpmath.mpf(v.numerator) / v.denominator
        return v

    # -- arithmetic ---------------------------------------------------------
    def _pair(self, other: Num | int) -> tuple[Raw, Raw]:
        o = other if isinstance(other, Num) else Num(Fraction(other))
        if isinstance(self.v, Fraction) and isinstance(o.v, Fraction):
            return self.v, o.v
        return self.mpf(), o.mpf()

    def _is_exact_zero(self) -> bool:
        return isinstance(self.v, Fraction) and self.v == 0

    def __add__(self, other: Num | int) -> Num:
        # adding an exact zero changes nothing, and must not make an exact value approximate
        if isinstance(other, Num) and other._is_exact_zero():
            return self
        if self._is_exact_zero() and isinstance(other, Num):
            return other
        a, b = self._pair(other)
        return Num(a + b)

    __radd__ = __add__

    def __sub__(self, other: Num | int) -> Num:
        if isinstance(other, Num) and other._is_exact_zero():
            return self
        a, b = self._pair(other)
        return Num(a - b)

    def __rsub__(self, other: Num | int) -> Num:
        a, b = self._pair(other)
        return Num(b - a)

    def __mul__(self, other: Num | int) -> Num:
        # an exact zero times anything is an exact zero (a dead ReLU passes back exactly 0)
        if self._is_exact_zero() or (isinstance(other, Num) and other._is_exact_zero()):
            return ZERO
        a, b = self._pair(other)
        return Num(a * b)

    __rmul__ = __mul__

    def __truediv__(self, other: Num | int) -> Num:
        a, b = self._pair(other)
        if b == 0:
            raise ZeroDivisionError("division by zero")
        return Num(a / b)

    def __rtruediv__(self, other: Num | int) -> Num:
        a, b = self._pair(other)
        if a == 0:
            raise ZeroDivisionError("division by zero")
        return Num(b / a)

    def __neg__(self) -> Num:
        return Num(-self.v)

    def __abs__(self) -> Num:
        return Num(abs(self.v))

    # -- comparison -----------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (Num, int, Fraction)):
            return NotImplemented
        a, b = self._pair(other if isinstance(other, Num) else Num(Fraction(other)))
        return bool(a == b)

    def __hash__(self) -> int:
        return hash(self.v)

    def __lt__(self, other: Num | int) -> bool:
        a, b = self._pair(other)
        return bool(a < b)

    def __le__(self, other: Num | int) -> bool:
        a, b = self._pair(other)
        return bool(a <= b)

    def __gt__(self, other: Num | int) -> bool:
        a, b = self._pair(other)
        return bool(a > b)

    def __ge__(self, other: Num | int) -> bool:
        a, b = self._pair(other)
        return bool(a >= b)

    def sign(self) -> int:
        return (self.v > 0) - (self.v < 0)

    def __float__(self) -> float:
        return float(self.v)

    def __repr__(self) -> str:
        return f"Num({to_decimal_string(self)}{'' if self.exact else ' ~'})"


ZERO = Num(Fraction(0))
ONE = Num(Fraction(1))


MAX_DIGITS = 100  # digits of a number as written (a ratio: of each side)
MAX_EXPONENT = 100  # a nonzero number read must lie within 10^-100 ≤ |x| < 10^100
MAX_TEXT = 250  # characters of a number's text, checked before anything else


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (with … and the full length) for an error message."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def check_magnitude(f: Fraction, text: str) -> Fraction:
    """``f`` itself, or ``ValueError`` when it lies outside 10^-MAX_EXPONENT ≤ |f| < 10^MAX_EXPONENT."""
    if f and abs(f) >= 10**MAX_EXPONENT:
        raise ValueError(f"number too large: '{shorten(text)}' (a number must be below 1e{MAX_EXPONENT} in size)")
    if f and abs(f) < Fraction(1, 10**MAX_EXPONENT):
        raise ValueError(f"number too small: '{shorten(text)}' (a nonzero number must be at least "
                         f"1e-{MAX_EXPONENT} in size; write 0 for zero)")
    return f


def parse_exact(text: str) -> Fraction:
    """Read a decimal (``0.1``, ``-2.5e-3``) or a ratio (``"1/3"``) exactly.

    Raises ``ValueError`` with a short reason for anything else, and for numbers that
    are too long, too large or too small to be a hand-worked value (:data:`MAX_DIGITS`,
    :data:`MAX_EXPONENT`): these are refused from their text, before any arithmetic,
    so ``1e-99999999`` costs nothing.
    """
    t = text.strip()
    if len(t) > MAX_TEXT:
        raise ValueError(f"number too long: '{shorten(t)}' (at most {MAX_TEXT} characters)")
    if _DECIMAL.match(t):
        mantissa, _, exponent = t.lower().partition("e")
        if len(exponent.lstrip("+-")) > 9:  # beyond even Decimal's exponents: decided from the sign
            if not mantissa.strip("+-0."):
                return Fraction(0)
            small = exponent.startswith("-")
            return check_magnitude(Fraction(1, 10**(MAX_EXPONENT + 1)) if small else Fraction(10**MAX_EXPONENT), t)
        d = Decimal(t)
        digits = len(d.as_tuple().digits)
        if digits > MAX_DIGITS:
            raise ValueError(f"number too long: '{shorten(t)}' has {digits} digits (at most {MAX_DIGITS})")
        if d and d.adjusted() >= MAX_EXPONENT:
            return check_magnitude(Fraction(10**MAX_EXPONENT), t)
        if d and d.adjusted() < -MAX_EXPONENT - 1:
            return check_magnitude(Fraction(1, 10**(MAX_EXPONENT + 1)), t)
        return check_magnitude(Fraction(d), t)
    if _RATIO.match(t):
        n, d = (p.strip() for p in t.split("/"))
        if max(len(n.lstrip("+-")), len(d.lstrip("+-"))) > MAX_DIGITS:
            raise ValueError(f"number too long: '{shorten(t)}' (at most {MAX_DIGITS} digits above and below the line)")
        if int(d) == 0:
            raise ValueError(f"'{t}' divides by zero")
        return check_magnitude(Fraction(int(n), int(d)), t)
    if re.fullmatch(r"[+-]?\d+(:[0-5]?\d)+(\.\d*)?", t):
        raise ValueError(f"'{shorten(t)}' is not a number: handcalc reads YAML 1.2, which has no base-60 "
                         "numbers (YAML 1.1 would read 1:30 as 90); write the value itself, or a ratio "
                         "in quotes such as \"1/30\"")
    raise ValueError(f"'{shorten(t)}' is not a number (write 0.25, -3, 1e-3 or \"1/3\")")


def exp(x: Num) -> Num:
    """e^x; exact only at x = 0."""
    if x.exact and x.v == 0:
        return ONE
    return Num(mpmath.exp(x.mpf()))


def ln(x: Num) -> Num:
    """Natural logarithm; exact only at x = 1."""
    if x <= 0:
        raise ValueError("logarithm of a number that is not positive")
    if x.exact and x.v == 1:
        return ZERO
    return Num(mpmath.log(x.mpf()))


def tanh(x: Num) -> Num:
    """Hyperbolic tangent; exact only at x = 0."""
    if x.exact and x.v == 0:
        return ZERO
    return Num(mpmath.tanh(x.mpf()))


def round_half_away(x: Num, decimals: int) -> Fraction:
    """Round to ``decimals`` places, halves away from zero, as a calculator does."""
    scale = 10**decimals
    if x.exact:
        num, den = abs(x.v.numerator) * scale, x.v.denominator
    else:  # an mpf is exactly man·2^exp: round with integers, no floating point
        man, exp = x.v.man_exp
        if man is None or man == 0:  # mpmath gives (0, 0) for zero
            return Fraction(0)
        if exp + int(abs(man)).bit_length() < -4 * decimals - 2:  # |x| < 2^(-4d-2) < 10^-d / 2: rounds to 0
            return Fraction(0)  # (σ(-1e20) ≈ e^(-1e20) would need an integer of 10^20 bits)
        num, den = (abs(man) << exp) * scale if exp >= 0 else abs(man) * scale, 1 if exp >= 0 else 1 << -exp
    q = (2 * num + den) // (2 * den)
    return Fraction(q if x.v >= 0 else -q, scale)


def terminates(f: Fraction) -> bool:
    """True when ``f`` has a finite decimal expansion."""
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_places(f: Fraction) -> int | None:
    """Digits after the point of a terminating fraction, or ``None``."""
    if not terminates(f):
        return None
    places = 0
    while f.denominator != 1:
        f *= 10
        places += 1
    return places


def fixed(f: Fraction, places: int) -> str:
    """Write an exact fraction with exactly ``places`` digits after the point (it must fit)."""
    scaled = f * 10**places
    assert scaled.denominator == 1, "fixed() needs a value that fits"
    n = abs(scaled.numerator)
    digits = str(n).rjust(places + 1, "0")
    body = digits if places == 0 else f"{digits[:-places]}.{digits[-places:]}"
    return ("-" if f < 0 else "") + body


def to_decimal_string(x: Num, sig: int = SIG_DIGITS) -> str:
    """Exact decimal text where it terminates, else ``sig`` significant digits."""
    if x.exact:
        places = decimal_places(x.v)
        if places is not None:
            return fixed(x.v, places)
        return mpmath.nstr(x.mpf(), sig, strip_zeros=False, min_fixed=-6, max_fixed=sig)
    return mpmath.nstr(x.v, sig, strip_zeros=False, min_fixed=-6, max_fixed=sig)
