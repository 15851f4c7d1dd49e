"""How a number is written on a page: the digits, and ``=`` or ``≈``.

This is the only place that decides how a value is shown; the LaTeX printer, the
worksheets and ``handcalc check`` all go through :func:`show`, so the numbers a
reader sees are exactly the numbers the checker re-computes with.

* An exact value whose decimal expansion ends within ``decimals`` places is
  written in full (``0.67``, ``-2.5``, ``12``) with ``=``.
* Anything else is rounded to ``decimals`` places (halves away from zero),
  written with all ``decimals`` digits and ``≈``.
* A record that hand rounding changed (``rounded``) is written with ``≈`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .functions import evaluate
from .numbers import Num, decimal_places, fixed, round_half_away
from .trace import Affine, Applied, Mean, Record, Update


@dataclass(frozen=True)
class Shown:
    text: str  # "-2.5", "0.5933"; a minus sign is "-"
    value: Fraction  # the number as written
    approx: bool  # write "≈" before it, not "="

    @property
    def relation(self) -> str:
        return "≈" if self.approx else "="


def _fits(x: Num, decimals: int) -> bool:
    """An exact value whose decimal expansion ends within ``decimals`` places."""
    return x.exact and (x.v.numerator * 10**decimals) % x.v.denominator == 0


def shown_value(x: Num, decimals: int) -> Fraction:
    """The number as written by :func:`show` (without building its text)."""
    return x.v if _fits(x, decimals) else round_half_away(x, decimals)


def show(x: Num, decimals: int, rounded: bool = False) -> Shown:
    if _fits(x, decimals):
        return Shown(fixed(x.v, decimal_places(x.v)), x.v, rounded)
    r = round_half_away(x, decimals)
    return Shown(fixed(r, decimals), r, True)


GUARD = 10  # at most this many extra digits for the operands of one equation


def _operand(x: Num, places: int) -> Num:
    return Num(shown_value(x, places))


def recompute(rec: Record, places: int) -> Num:
    """The value of an equation from its operands written with ``places`` decimals."""
    s = lambda x: _operand(x, places)  # noqa: E731
    if isinstance(rec, Affine):
        total = Num(Fraction(0))
        for x, w in rec.terms:
            total = total + s(x) * s(w)
        if rec.offset is not None:
            total = total + s(rec.offset)
        return total * rec.scale if rec.scale is not None else total
    if isinstance(rec, Mean):
        total = Num(Fraction(0))
        for x in rec.items:
            total = total + s(x)
        return total / len(rec.items)
    if isinstance(rec, Applied):
        return evaluate(rec.fn, [s(a) for a in rec.args], rec.index, rec.param)
    if isinstance(rec, Update):
        return s(rec.old) - s(rec.rate) * s(rec.grad)
    raise TypeError(f"no re-check for {type(rec).__name__}")


def rechecks(rec: Record, places: int, decimals: int, hand: bool) -> bool:
    """Whether the equation, operands written with ``places`` decimals, gives its displayed result."""
    shown = shown_value(rec.value, decimals)
    try:
        again = recompute(rec, places)
    except (ZeroDivisionError, ValueError):  # an operand rounded onto a pole (ŷ shown as 1.0000)
        return False
    if hand:
        return round_half_away(again, decimals) == shown
    return abs(again - Num(shown)) <= Num(Fraction(1, 10**decimals))


def operand_places(rec: Record, decimals: int, hand: bool) -> int:
    """How many decimals the operands of ``rec`` are written with on a page.

    The fewest places, from ``decimals`` up, with which the equation re-checks.  Exact
    mode: a reader recomputing it from the page gets the displayed result to within one
    unit of its last digit (a sum of many rounded terms, or ln near 0, needs a few guard
    digits).  Hand mode: ``decimals``, since results are already rounded so, unless an
    operand comes straight from the spec with more places (a weight 1/3, a learning
    rate 0.001); then the extra places it needs, so the equation still re-checks exactly.
    """
    for places in range(decimals, decimals + GUARD + 1):
        if rechecks(rec, places, decimals, hand):
            return places
    return decimals + GUARD
