"""How a number is written on a page: the digits, and ``=`` or ``≈``.

This is the only place that decides how a value is shown; the LaTeX printer, the
worksheets and ``handcalc check`` all go through :func:`show`, so the numbers a
reader sees are exactly the numbers the checker re-computes with.

* An exact value whose decimal expansion ends within ``decimals`` places is
  written in full (``0.67``, ``-2.5``, ``12``) with ``=``.
* Anything else is rounded to ``decimals`` places (halves away from zero),
  written with all ``decimals`` digits and ``≈``.
* A record that hand rounding changed (``rounded``) is written with ``≈`` too.

A substituted line (:func:`layout`) writes its operands with as many digits as it needs
for a reader to redo it from the page: ``=`` between the numbers and the result means they
give it exactly, ``≈`` that they give it after rounding to the result's decimals.
An operand the reader is given (:class:`InFull`: an input, a target, a weight, η) is written
in full, never cut to the line's decimals.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .functions import evaluate
from .numbers import Num, decimal_places, fixed, round_half_away
from .trace import Affine, Applied, Mean, Record, Update

GIVEN_PLACES = 12  # a given number is written in full up to this many decimals


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


def show_nonzero(x: Num, decimals: int) -> Shown:
    """:func:`show`, with more decimals (up to :data:`GIVEN_PLACES`) where ``decimals`` would write
    a value that is not 0 as 0: where its sign is the point (0.0004, not 0.00)."""
    for places in range(decimals, max(decimals, GIVEN_PLACES) + 1):
        shown = show(x, places)
        if shown.value != 0 or x == 0:
            return shown
    return shown


class Named(Num):
    """An operand written as its symbol, not its digits: a worksheet leaves the student's own
    earlier results as symbols.  Its value still counts when a line's digits are chosen, and it
    counts as written exactly (the student uses the number they wrote down)."""

    __slots__ = ("symbol",)

    def __init__(self, x: Num, symbol: str) -> None:
        super().__init__(x.v)
        object.__setattr__(self, "symbol", symbol)


class InFull(Num):
    """An operand the reader is given (an input, a target, a weight or bias, η, a slope): a
    worksheet writes it in full, as its givens list it (up to :data:`GIVEN_PLACES` decimals),
    never rounded to the line's decimals."""

    __slots__ = ()

    def __init__(self, x: Num) -> None:
        super().__init__(x.v)


def operands(rec: Record) -> list[Num]:
    """The numbers a substituted line writes, in a fixed order per kind of record."""
    if isinstance(rec, Affine):
        ops = [v for t in rec.terms for v in t]
        return ops + ([rec.offset] if rec.offset is not None else [])
    if isinstance(rec, Mean):
        return list(rec.items)
    if isinstance(rec, Applied):
        return list(rec.args)
    if isinstance(rec, Update):
        return [rec.old, rec.rate, rec.grad]
    raise TypeError(f"no operands for {type(rec).__name__}")


def evaluate_with(rec: Record, ops: list[Num]) -> Num:
    """The equation's value with its operands (in :func:`operands` order) replaced by ``ops``."""
    if isinstance(rec, Affine):
        total = Num(Fraction(0))
        for k in range(len(rec.terms)):
            total = total + ops[2 * k] * ops[2 * k + 1]
        if rec.offset is not None:
            total = total + ops[-1]
        return total * rec.scale if rec.scale is not None else total
    if isinstance(rec, Mean):
        total = Num(Fraction(0))
        for x in ops:
            total = total + x
        return total / len(ops)
    if isinstance(rec, Applied):
        return evaluate(rec.role, rec.fn, ops, rec.index, rec.param)
    if isinstance(rec, Update):
        return ops[0] - ops[1] * ops[2]
    raise TypeError(f"no re-check for {type(rec).__name__}")


FRACTION = -1  # operand "places" meaning: written as an exact fraction (\tfrac{1}{3}), not in digits


def written(x: Num, places: int) -> Num:
    """An operand as a reader takes it from the page: its symbol's value, its fraction or its digits."""
    if isinstance(x, Named) or places == FRACTION:
        return x
    return Num(shown_value(x, places))


def result_places(shown: Shown) -> int:
    """Decimals of a written result ("0.5933" → 4, "12" → 0)."""
    return len(shown.text.partition(".")[2])


#: extra operand decimals tried, in order, until a line re-checks (a line whose result is
#: a huge derivative near a pole, such as bce's ∂L/∂ŷ at ŷ = 0.9999992, needs many)
EXTRA_PLACES = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40)
REFINE_MAX = 24  # lines with at most this many operands get digits operand by operand


@dataclass(frozen=True)
class Layout:
    """How one equation's numbers are written on a page.

    ``places`` gives each operand's decimals (:func:`operands` order); ``subst`` is the
    relation between the formula and the substituted numbers (``≈`` when a written operand
    is rounded); ``final`` the relation between those numbers and the result: ``=`` only when
    the written numbers give the written result exactly, ``≈`` when they give it after
    rounding to its decimals (halves away from zero).  ``ok`` is false when no choice of
    digits re-checks (``handcalc check`` reports such a line)."""

    places: tuple[int, ...]
    result: Shown
    subst: str
    final: str
    ok: bool
    _by_id: dict[int, int]

    def places_of(self, x: Num, default: int) -> int:
        return self._by_id.get(id(x), default)


def _agrees(rec: Record, ops: list[Num], places: list[int], result: Shown) -> Num | None:
    """The value recomputed from the written operands, if it rounds to the written result."""
    try:
        again = evaluate_with(rec, [written(x, p) for x, p in zip(ops, places)])
    except (ZeroDivisionError, ValueError):  # an operand rounded onto a pole (ŷ written as 1.0000)
        return None
    return again if round_half_away(again, result_places(result)) == result.value else None


_LAYOUTS: dict[int, tuple[int, Layout]] = {}  # id(record) → (decimals, layout), while the record lives


def layout(rec: Record, decimals: int) -> Layout:
    """:func:`_layout`, worked out once per record: ``handcalc check``, a matrix line
    (:func:`joint`), the equation printers and a worksheet's givens all ask for the same
    records' layouts (for moons, 71,000 of them).  A record is immutable, and its entry is
    dropped when the record is (so an ``id`` is never taken for another record's)."""
    hit = _LAYOUTS.get(id(rec))
    if hit is not None and hit[0] == decimals:
        return hit[1]
    lay = _layout(rec, decimals)
    if hit is None:
        weakref.finalize(rec, _LAYOUTS.pop, id(rec), None)
    _LAYOUTS[id(rec)] = (decimals, lay)
    return lay


def _places(ops: Sequence[Num], places: int) -> list[int]:
    """``places`` decimals for each operand, :data:`GIVEN_PLACES` (in full) for a given one."""
    return [GIVEN_PLACES if isinstance(x, InFull) else places for x in ops]


def _layout(rec: Record, decimals: int) -> Layout:
    """The digits of each operand and the two relations of one line.

    Operands get the fewest decimals (from ``decimals`` up) with which a reader who redoes
    the arithmetic from the page lands on the written result; on lines with few operands
    each operand keeps only the extra digits it needs.  An :class:`InFull` operand is written in
    full.  The result is never changed."""
    ops = operands(rec)
    result = show(rec.value, decimals, rec.rounded)
    places = _places(ops, decimals)
    again = None
    for extra in EXTRA_PLACES:
        places = _places(ops, decimals + extra)
        again = _agrees(rec, ops, places, result)
        if again is not None:
            break
    if again is None:  # a result that is an exact tie (0.65125 → 0.6513) with an operand like 1/3:
        # no number of digits lands on it; such operands are written as fractions instead
        ratios = [x.exact and not isinstance(x, Named) and decimal_places(x.v) is None for x in ops]
        for extra in EXTRA_PLACES if any(ratios) else ():
            places = [FRACTION if r else p for r, p in zip(ratios, _places(ops, decimals + extra))]
            again = _agrees(rec, ops, places, result)
            if again is not None:
                break
    ok = again is not None
    if ok and places and max(places) > decimals and len(ops) <= REFINE_MAX:
        for k in range(len(ops)):
            fixed = places[k] == FRACTION or isinstance(ops[k], InFull)
            for fewer in range(decimals, places[k]) if not fixed else ():
                trial = places[:k] + [fewer] + places[k + 1:]
                got = _agrees(rec, ops, trial, result)
                if got is not None:
                    places, again = trial, got
                    break
    rounded_operand = any(not isinstance(x, Named) and p != FRACTION and not (x.exact and x.v == shown_value(x, p))
                          for x, p in zip(ops, places))
    exact_result = ok and again.exact and again.v == result.value
    by_id: dict[int, int] = {}
    for x, p in zip(ops, places):
        by_id[id(x)] = p if p == FRACTION else max(p, by_id.get(id(x), 0))
    return Layout(tuple(places), result, "≈" if rounded_operand else "=", "=" if exact_result else "≈", ok, by_id)


def joint(recs: Sequence[Record], decimals: int) -> tuple[int, str, str]:
    """One number of decimals for the operands of several equations written together (a
    matrix line such as ``z = x W + b``), and the line's two relations (as :class:`Layout`)."""
    needed = max((max(layout(r, decimals).places, default=decimals) for r in recs), default=decimals)
    ops = [operands(r) for r in recs]
    results = [show(r.value, decimals, r.rounded) for r in recs]
    places = needed
    for extra in EXTRA_PLACES:
        places = max(needed, decimals + extra)
        agreed = [_agrees(r, o, [places] * len(o), res) for r, o, res in zip(recs, ops, results)]
        if all(a is not None for a in agreed):
            break
    else:
        agreed = [None] * len(recs)
    rounded = any(not (x.exact and x.v == shown_value(x, places)) for o in ops for x in o)
    exact = all(a is not None and a.exact and a.v == res.value for a, res in zip(agreed, results))
    return places, "≈" if rounded else "=", "=" if exact else "≈"
