"""Formulas as structure: how one line of a page writes an activation, a derivative or a loss.

A *form* is a small tree of the nodes below.  :mod:`handcalc.core.functions` gives each
activation and loss its forms; a printer of :mod:`handcalc.equations` writes a form twice,
once with symbols (``\\max(0, z^{[1]}_1)``) and once with the written numbers put in
(``\\max(0, -0.5)``), each dialect in its own syntax.  Nothing here knows LaTeX or Typst.

``Arg(k)`` stands for the record's ``k``-th argument (see :class:`handcalc.core.trace.Applied`),
``Param()`` for the function's parameter (the leaky ReLU slope).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Union


@dataclass(frozen=True)
class Arg:
    k: int


@dataclass(frozen=True)
class Param:
    pass


@dataclass(frozen=True)
class Const:
    value: Fraction  # written as an integer or a small fraction


@dataclass(frozen=True)
class Add:
    terms: tuple[Form, ...]


@dataclass(frozen=True)
class Sub:
    left: Form
    right: Form


@dataclass(frozen=True)
class Neg:
    x: Form


@dataclass(frozen=True)
class Mul:
    """A product; ``dot``: the numbers are joined by a multiplication sign (symbols are juxtaposed
    either way); without it the factors stand side by side as in ``2(y - ŷ)`` or ``y \\ln ŷ``."""

    factors: tuple[Form, ...]
    dot: bool = True


@dataclass(frozen=True)
class Frac:
    num: Form
    den: Form


@dataclass(frozen=True)
class Pow:
    base: Form
    exp: int


@dataclass(frozen=True)
class Exp:
    """``e`` to the power ``x``."""

    x: Form


@dataclass(frozen=True)
class Abs:
    x: Form


@dataclass(frozen=True)
class Group:
    """Brackets written around ``x``: ``big`` ones around a whole sum."""

    x: Form
    big: bool = False


@dataclass(frozen=True)
class Call:
    """``fn(args)``: ``fn`` is an operator (``max``, ``tanh``, ``ln``, ``sign``) or the symbol of an
    activation (``ReLU``); ``prime`` writes its derivative ``ReLU′(z)``."""

    fn: str
    args: tuple[Form, ...]
    prime: bool = False


Form = Union[Arg, Param, Const, Add, Sub, Neg, Mul, Frac, Pow, Exp, Abs, Group, Call]


def const(x: int | Fraction) -> Const:
    return Const(Fraction(x))


def args_of(form: Form) -> set[int]:
    """The arguments a form uses (a form without any is written once, without a numbers step)."""
    if isinstance(form, Arg):
        return {form.k}
    out: set[int] = set()
    for child in children(form):
        out |= args_of(child)
    return out


def children(form: Form) -> tuple[Form, ...]:
    if isinstance(form, (Arg, Param, Const)):
        return ()
    if isinstance(form, (Add,)):
        return form.terms
    if isinstance(form, Sub):
        return (form.left, form.right)
    if isinstance(form, Mul):
        return form.factors
    if isinstance(form, Frac):
        return (form.num, form.den)
    if isinstance(form, Pow):
        return (form.base,)
    if isinstance(form, Call):
        return form.args
    return (form.x,)  # Neg, Exp, Abs, Group
