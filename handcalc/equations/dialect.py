"""What a math dialect must spell: the primitives the house printer builds every equation from.

:mod:`handcalc.equations.latex` decides *what* a line says — which symbols, terms, brackets,
relations and rows — once, for every output.  A :class:`Dialect` says only *how* each
primitive is written: LaTeX for the site and the HTML worksheets
(:class:`handcalc.equations.latex.LaTeX`), Typst for the PDF worksheets
(:class:`handcalc.equations.typst.Typst`).  No dialect converts another's text.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

#: the registry's Greek function symbols, by the letter's name
GREEK = {"α": "alpha", "σ": "sigma", "δ": "delta", "η": "eta", "θ": "theta"}
#: the function names both dialects write upright by themselves (LaTeX ``\max``, Typst ``max``)
OPERATORS = frozenset("arccos arcsin arctan cos cosh exp ln log max min sin sinh tan tanh".split())


class Dialect(ABC):
    """The spelling of one math dialect.  Arguments are already written in the same dialect."""

    name: str
    cdot: str  # the multiplication sign between numbers
    cdots: str  # the centred ellipsis of an abbreviated sum
    thin: str  # a thin space
    quad: str
    qquad: str
    partial: str
    open_big: str  # brackets around a whole sum: ``\bigl(`` … ``\bigr)``
    close_big: str
    open_bigger: str
    close_bigger: str

    @abstractmethod
    def relation(self, rel: str) -> str:
        """``=``, ``≈`` or ``←`` (an update)."""

    @abstractmethod
    def script(self, base: str, sup: str = "", sub: str = "") -> str:
        """``base`` with a superscript and a subscript (either may be empty)."""

    @abstractmethod
    def power(self, base: str, exp: str) -> str:
        """``base`` raised to ``exp`` (``base`` is bracketed by the caller when it needs it)."""

    @abstractmethod
    def greek(self, name: str) -> str:
        """A Greek letter by its English name: ``delta``, ``eta``, ``theta``, ``sigma``, ``alpha``."""

    @abstractmethod
    def hat(self, x: str) -> str: ...

    @abstractmethod
    def frac(self, num: str, den: str) -> str: ...

    @abstractmethod
    def tfrac(self, num: str, den: str) -> str:
        """A small fraction standing inside a line (``1/4`` of a mean, an exact ratio)."""

    @abstractmethod
    def abs(self, x: str) -> str: ...

    def operator(self, name: str) -> str:
        """A function's symbol: its Greek letter (``σ``), or its name written upright (``max``, ``ReLU``)."""
        if name in GREEK:
            return self.greek(GREEK[name])
        return self.builtin(name) if name in OPERATORS else self.named(name)

    @abstractmethod
    def builtin(self, name: str) -> str:
        """One of :data:`OPERATORS`, as the dialect knows it."""

    @abstractmethod
    def named(self, name: str) -> str:
        """Any other function name, upright."""

    @abstractmethod
    def factor_gap(self, right: str) -> str:
        """The space between two juxtaposed factors of a symbolic product, before ``right``."""

    @abstractmethod
    def text(self, s: str) -> str:
        """Plain text inside math, every special character of the dialect written literally."""

    @abstractmethod
    def group(self, x: str) -> str:
        """``x`` as one unit where it stands for an earlier line's result (no visible brackets
        unless the dialect needs them to attach a script)."""

    @abstractmethod
    def sum(self, lower: str, upper: str) -> str:
        """The summation sign with its limits."""

    @abstractmethod
    def aligned(self, rows: Sequence[str], gaps: Sequence[int] = ()) -> str:
        """Rows aligned at their ``&``; a little extra space before each row index in ``gaps``."""

    @abstractmethod
    def matrix(self, rows: Sequence[Sequence[str]]) -> str:
        """A matrix in square brackets."""

    @abstractmethod
    def labelled(self, lhs: str, label: str) -> str:
        """``lhs (label)``: a symbol with a plain-text note after it."""

    @abstractmethod
    def stack(self, rows: Sequence[str]) -> str:
        """Rows centred one above the other."""

    @abstractmethod
    def sympy(self, expr: Any, names: Mapping[Any, str]) -> str:
        """A sympy expression (the registry's rules) in house style; ``names`` spell its symbols."""

    @abstractmethod
    def answer_box(self, width_em: float, answer: str = "") -> str:
        """A worksheet's answer box ``width_em`` wide, blank or holding ``answer`` (the same size
        either way, so that a key's pages break where its worksheet's do)."""
