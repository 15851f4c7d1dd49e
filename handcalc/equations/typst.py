"""The Typst dialect: the house printer's primitives as Typst math, for the PDF worksheets.

:mod:`handcalc.equations.latex` builds every line; with ``Style(dialect=TYPST)`` each symbol,
fraction, bracket, relation and row is spelled here — ``W^([1])_(12)``, ``frac(partial L,
partial hat(y))``, ``mat(delim: "[", …)`` — and the registry's sympy rules are printed by
:class:`SympyPrinter`.  Nothing here reads LaTeX.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy
from sympy.printing.printer import Printer

from .dialect import Dialect

_RELATIONS = {"=": "=", "≈": "approx", "←": "arrow.l"}


def string(s: str) -> str:
    """A Typst string literal of ``s`` (spec text lands in documents only this way)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attached(x: str) -> bool:
    """``x`` carries a script, so another one cannot simply be attached to it."""
    return "^" in x or "_" in x


class Typst(Dialect):
    """Typst math (the PDF worksheets, typeset by the ``typst`` package)."""

    name = "typst"
    cdot, cdots, thin, quad, qquad, partial = "dot.op", "dots.c", " thin ", "quad", "wide", "partial"
    open_big, close_big, open_bigger, close_bigger = "(", ")", "(", ")"

    def relation(self, rel: str) -> str:
        return _RELATIONS[rel]

    def script(self, base: str, sup: str = "", sub: str = "") -> str:
        if sub.isalpha() and sub.isascii():  # index letters (ij): one variable each, not a name
            sub = " ".join(sub)
        return base + (f"^({sup})" if sup else "") + (f"_({sub})" if sub else "")

    def power(self, base: str, exp: str) -> str:
        if _attached(base) and not base.startswith("("):
            base = f"({base})"
        return f"{base}^({exp})"

    def greek(self, name: str) -> str:
        return name

    def hat(self, x: str) -> str:
        return f"hat({x})"

    def frac(self, num: str, den: str) -> str:
        return f"frac({num}, {den})"

    def tfrac(self, num: str, den: str) -> str:
        return f"inline(frac({num}, {den}))"

    def abs(self, x: str) -> str:
        return f"abs({x})"

    def builtin(self, name: str) -> str:
        return name

    def named(self, name: str) -> str:
        return f"op({string(name)})"

    def factor_gap(self, right: str) -> str:
        return " thin "

    def text(self, s: str) -> str:
        return string(" ".join(s.split()))

    def group(self, x: str) -> str:
        return x

    def sum(self, lower: str, upper: str) -> str:
        return f"sum_({lower})" + (f"^({upper})" if upper else "")

    def aligned(self, rows: Sequence[str], gaps: Sequence[int] = ()) -> str:
        return " \\\n".join(r.strip() for r in rows)

    def matrix(self, rows: Sequence[Sequence[str]]) -> str:
        return 'mat(delim: "[", ' + "; ".join(", ".join(r) for r in rows) + ")"

    def labelled(self, lhs: str, label: str) -> str:
        return f"{lhs} thick {self.text(label)}"

    def stack(self, rows: Sequence[str]) -> str:
        return " \\\n".join(rows)

    def sympy(self, expr: Any, names: Mapping[Any, str]) -> str:
        return SympyPrinter(names).doprint(expr)

    def answer_box(self, width_em: float, answer: str = "") -> str:
        """The answer as math at the box's left, in a box of a fixed size."""
        inner = f"[${answer}$]" if answer else "[]"
        return (f"#box(width: {width_em:.1f}em, height: 1.5em, stroke: 0.6pt, inset: (x: 0.35em), "
                f"baseline: 0.45em, align(left + horizon){inner})")


TYPST = Typst()


class SympyPrinter(Printer):
    """The registry's sympy rules as Typst math in house style: terms in the order written,
    juxtaposed factors, ``ln x``, a quotient as ``frac``, cases for piecewise rules."""

    printmethod = "_typst"

    def __init__(self, names: Mapping[Any, str]) -> None:
        super().__init__()
        self.names = dict(names)

    def _print_Symbol(self, e: sympy.Symbol) -> str:
        return self.names.get(e, e.name)

    def _print_Integer(self, e: sympy.Integer) -> str:
        return str(e.p)

    def _print_Rational(self, e: sympy.Rational) -> str:
        return ("-" if e.p < 0 else "") + f"frac({abs(e.p)}, {e.q})"

    def _negated(self, e: sympy.Expr) -> str | None:
        """The text of ``-e`` when ``e`` is written with a leading minus, else None."""
        if e.is_Number and e < 0:
            return self._print(-e)
        if e.is_Mul and e.args[0] == -1:
            return self._product(e.args[1:])
        return None

    def _print_Add(self, e: sympy.Add) -> str:
        out = ""
        for k, term in enumerate(e.args):
            neg = self._negated(term)
            body = self._print(term) if neg is None else neg
            out += (("-" if neg is not None else "") + body if k == 0
                    else (" - " if neg is not None else " + ") + body)
        return out

    def _factor(self, e: sympy.Expr) -> str:
        t = self._print(e)
        return f"({t})" if e.is_Add or (e.is_Mul and self._negated(e) is not None) else t

    def _product(self, factors: Sequence[sympy.Expr]) -> str:
        """Factors side by side; those with exponent −1, and a fraction's denominator, under a bar
        (½ (y − ŷ)² is written as (y − ŷ)²/2, as sympy's LaTeX printer writes it)."""
        num = [f for f in factors if not (f.is_Pow and f.exp == -1)]
        den = [f.base for f in factors if f.is_Pow and f.exp == -1]
        if num and num[0].is_Rational and num[0].q != 1:
            c, num = num[0], num[1:]
            num, den = ([sympy.Integer(c.p)] if c.p != 1 else []) + num, [sympy.Integer(c.q)] + den
        if not den:
            return " ".join(self._factor(f) for f in num)
        return f"frac({self._juxtaposed(num) or '1'}, {self._juxtaposed(den)})"

    def _juxtaposed(self, factors: Sequence[sympy.Expr]) -> str:
        """A numerator's or a denominator's factors side by side (a lone one needs no brackets)."""
        if len(factors) == 1:
            return self._print(factors[0])
        return " ".join(self._factor(f) for f in factors)

    def _print_Mul(self, e: sympy.Mul) -> str:
        neg = self._negated(e)
        return "-" + neg if neg is not None else self._product(e.args)

    def _print_Pow(self, e: sympy.Pow) -> str:
        if e.exp == -1:
            return f"frac(1, {self._print(e.base)})"
        base = self._print(e.base)
        if not e.base.is_Atom or _attached(base):
            base = f"({base})"
        return f"{base}^({self._print(e.exp)})"

    def _print_exp(self, e: sympy.Expr) -> str:
        return f"e^({self._print(e.args[0])})"

    def _print_log(self, e: sympy.Expr) -> str:
        arg = e.args[0]
        return f"ln {self._print(arg)}" if arg.is_Atom else f"ln({self._print(arg)})"

    def _print_tanh(self, e: sympy.Expr) -> str:
        return f"tanh({self._print(e.args[0])})"

    def _print_Abs(self, e: sympy.Expr) -> str:
        return f"abs({self._print(e.args[0])})"

    def _print_sign(self, e: sympy.Expr) -> str:
        return f'op("sign")({self._print(e.args[0])})'

    def _print_StrictGreaterThan(self, e: sympy.Expr) -> str:
        return f"{self._print(e.lhs)} > {self._print(e.rhs)}"

    def _print_Piecewise(self, e: sympy.Piecewise) -> str:
        rows = [f"{self._print(value)} & " + ('"otherwise"' if cond == sympy.true else f'"for " {self._print(cond)}')
                for value, cond in e.args]
        return "cases(" + ", ".join(rows) + ")"
