"""The house printer: every equation of a trace as *formula → numbers → result*.

This module decides what every line says — its symbols, terms, brackets, relations and rows —
once for every output; the :class:`handcalc.equations.dialect.Dialect` of the :class:`Style`
spells it: LaTeX (:class:`LaTeX`, the default: the site and the HTML worksheets) or Typst
(:class:`handcalc.equations.typst.Typst`: the PDF worksheets).

Each function here takes one trace record and the place it stands (layer, unit,
sample) and returns an :class:`Equation`: the left-hand symbol, the symbolic
right-hand side, the same right-hand side with the numbers put in, and the result
with its relations (see :class:`handcalc.core.display.Layout`).
The site prints all three parts; a worksheet prints the first two and a box.

Numbers are written only through :func:`handcalc.core.display.show`: results with
``display.decimals``, the operands of a substituted line with
:func:`handcalc.core.display.layout` decimals, so that every line re-checks from the page; the
relation before the numbers is ``\approx`` when a written operand is rounded, the one
before the result ``=`` only when the written numbers give it exactly.
A negative factor of a product is put in parentheses: ``5 \\cdot (-2)``.

Symbols (the same on every page): ``W^{[l]}``, ``b^{[l]}``, ``z^{[l]}``, ``a^{[l]}``
(``a^{[0]} = x``), ``\\hat{y} = a^{[L]}``, ``\\delta^{[l]} = ∂L/∂z^{[l]}``, ``\\eta``, ``L``;
a sample ``s`` of a batch is a superscript ``(s)``.  In ``row`` notation
``z^{[l]} = a^{[l-1]} W^{[l]} + b^{[l]}`` and ``W_{ij}`` joins input ``i`` to unit ``j``;
in ``column`` notation ``z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}`` and ``W_{ji}`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from ..core import forms
from ..core.display import FRACTION, GIVEN_PLACES, InFull, Layout, Named, layout, show
from ..core.functions import ACTIVATIONS, LOSSES
from ..core.numbers import Num
from ..core.trace import Affine, Applied, Mean, Record, Update
from ..core.walk import Entry, Place
from .dialect import Dialect

# ---------------------------------------------------------------------------
# text inside math

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\textasciicircum{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}",
}


def escape_text(s: str) -> str:
    """Spec text for ``\\text{…}``: every LaTeX special character written literally.

    ``<`` and ``>`` are left to the Markdown/HTML escaping of the page the math lands on."""
    return "".join(_TEXT_ESCAPES.get(c, c) for c in " ".join(s.split()))


def text(s: str) -> str:
    """``\\text{…}`` around escaped spec text."""
    return r"\text{" + escape_text(s) + "}"


_RELATIONS = {"=": "=", "≈": r"\approx", "←": r"\leftarrow"}


class LaTeX(Dialect):
    """LaTeX as KaTeX typesets it (the site, the HTML worksheets)."""

    name = "latex"
    cdot, cdots, thin, quad, qquad, partial = r"\cdot", r"\cdots", r"\,", r"\quad", r"\qquad", r"\partial"
    open_big, close_big, open_bigger, close_bigger = r"\bigl(", r"\bigr)", r"\Bigl(", r"\Bigr)"

    def relation(self, rel: str) -> str:
        return _RELATIONS[rel]

    def script(self, base: str, sup: str = "", sub: str = "") -> str:
        return base + (f"^{{{sup}}}" if sup else "") + (f"_{{{sub}}}" if sub else "")

    def power(self, base: str, exp: str) -> str:
        return f"{base}^{exp}" if len(exp) == 1 else f"{base}^{{{exp}}}"

    def greek(self, name: str) -> str:
        return "\\" + name

    def hat(self, x: str) -> str:
        return r"\hat{" + x + "}"

    def frac(self, num: str, den: str) -> str:
        return rf"\frac{{{num}}}{{{den}}}"

    def tfrac(self, num: str, den: str) -> str:
        return rf"\tfrac{{{num}}}{{{den}}}"

    def abs(self, x: str) -> str:
        return rf"\lvert {x} \rvert"

    def builtin(self, name: str) -> str:
        return "\\" + name

    def named(self, name: str) -> str:
        return r"\operatorname{" + name + "}"

    def factor_gap(self, right: str) -> str:
        return " " if right.startswith("\\") else r"\,"

    def text(self, s: str) -> str:
        return text(s)

    def group(self, x: str) -> str:
        return "{" + x + "}"

    def sum(self, lower: str, upper: str) -> str:
        return r"\sum_{" + lower + "}" + (f"^{{{upper}}}" if upper else "")

    def aligned(self, rows: Sequence[str], gaps: Sequence[int] = ()) -> str:
        body = [r.strip() for r in rows]
        joins = [r" \\[10pt]" if k + 1 in gaps else r" \\" for k in range(len(body) - 1)] + [""]
        return "\\begin{aligned}\n" + "\n".join(r + j for r, j in zip(body, joins)) + "\n\\end{aligned}"

    def matrix(self, rows: Sequence[Sequence[str]]) -> str:
        return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(r) for r in rows) + r" \end{bmatrix}"

    def labelled(self, lhs: str, label: str) -> str:
        return rf"{lhs}\ {text(label)}"

    def stack(self, rows: Sequence[str]) -> str:
        return "\\begin{gathered}\n" + " \\\\\n".join(rows) + "\n\\end{gathered}"

    def sympy(self, expr: Any, names: Mapping[Any, str]) -> str:
        return HousePrinter(dict(names)).doprint(expr)

    def answer_box(self, width_em: float, answer: str = "") -> str:
        """The answer stands at the box's left, overlapping its strut (``\\mathrlap``)."""
        inner = r"\mathrlap{" + answer + "}" if answer else ""
        return r"\boxed{\rule[-0.45em]{0pt}{1.6em}\," + inner + r"\hspace{" + f"{width_em:.1f}" + "em}}"


LATEX = LaTeX()


# ---------------------------------------------------------------------------
# settings and numbers


@dataclass(frozen=True)
class Style:
    """How a trace is written: result decimals, hand rounding, matrix layout, batch size."""

    decimals: int
    hand: bool
    notation: str  # "row" | "column"
    batch: int = 1  # samples per step: above 1, per-sample symbols carry a superscript (s)
    dialect: Dialect = field(default=LATEX, compare=False)

    @classmethod
    def of(cls, spec, notation: str | None = None, batch: int = 1, dialect: Dialect = LATEX) -> Style:
        return cls(spec.display.decimals, spec.display.rounding == "hand", notation or spec.notation, batch, dialect)


def tex_relation(rel: str) -> str:
    """A relation as LaTeX: ``=``, ``≈`` (decided by :mod:`handcalc.core.display`) or ``←`` (an update)."""
    return _RELATIONS[rel]


def number(x: Num, places: int | Layout, rounded: bool = False, d: Dialect = LATEX) -> str:
    """A number as written with ``places`` decimals (see :func:`handcalc.core.display.show`), or with
    the decimals a line's :class:`handcalc.core.display.Layout` chose for it (a given number
    that is not one of its operands, such as a slope: in full)."""
    if isinstance(x, Named):
        return d.group(x.symbol)
    if isinstance(places, Layout):
        places = places.places_of(x, GIVEN_PLACES if isinstance(x, InFull) else max(places.places, default=0))
    if places == FRACTION:  # an exact ratio no number of digits re-checks with (see display.layout)
        f = x.v
        return ("-" if f < 0 else "") + d.tfrac(str(abs(f.numerator)), str(f.denominator))
    return show(x, places, rounded).text


def factor(x: Num, places: int | Layout, d: Dialect = LATEX) -> str:
    """A factor of a product: negative numbers in parentheses."""
    t = number(x, places, d=d)
    return f"({t})" if t.startswith("-") else t


def addend(x: Num, places: int | Layout, d: Dialect = LATEX) -> str:
    """A term added to what stands before it: ``+ 1`` or ``- 3``."""
    t = number(x, places, d=d)
    return f"- {t[1:]}" if t.startswith("-") else f"+ {t}"


def places_of(rec: Record, style: Style) -> Layout:
    return layout(rec, style.decimals)


# ---------------------------------------------------------------------------
# symbols


def _idx(*ks: int) -> str:
    ks = tuple(k + 1 for k in ks)
    return ",".join(map(str, ks)) if any(k > 9 for k in ks) else "".join(map(str, ks))


def sym(base: str, layer: int | None = None, *index: int, sample: int | None = None, d: Dialect = LATEX) -> str:
    """``base^{[layer](s)}_{ij}`` with 0-based indices printed 1-based."""
    sup = "" if layer is None else f"[{layer}]"
    if sample is not None:
        sup += f"({sample + 1})"
    return d.script(base, sup, _idx(*index) if index else "")


def weight(layer: int, i: int, j: int, style: Style, base: str = "W") -> str:
    """The weight from input ``i`` to unit ``j`` (0-based), in the style's notation."""
    d = style.dialect
    return sym(base, layer, i, j, d=d) if style.notation == "row" else sym(base, layer, j, i, d=d)


def act(layer: int, i: int, style: Style, sample: int | None = None) -> str:
    """``a^{[l]}_i`` (``x_i`` for layer 0)."""
    s = sample if style.batch > 1 else None
    return sym("x", None, i, sample=s, d=style.dialect) if layer == 0 else sym("a", layer, i, sample=s, d=style.dialect)


def unit_sym(base: str, layer: int, j: int, style: Style, sample: int | None = None) -> str:
    return sym(base, layer, j, sample=sample if style.batch > 1 else None, d=style.dialect)


def _delta(layer: int, j: int, style: Style, sample: int | None = None) -> str:
    return unit_sym(style.dialect.greek("delta"), layer, j, style, sample)


def _loss_sym(style: Style, sample: int | None) -> str:
    """``L``, or ``L^{(s)}`` for one sample of a batch."""
    return style.dialect.script("L", f"({sample + 1})") if style.batch > 1 and sample is not None else "L"


def partial(num: str, den: str, d: Dialect = LATEX) -> str:
    """``∂num/∂den``."""
    return d.frac(f"{d.partial} {num}", f"{d.partial} {den}")


def grad(of: str, d: Dialect = LATEX) -> str:
    return partial("L", of, d)


def sample_grad(of: str, style: Style, sample: int | None) -> str:
    """∂L/∂· of one sample's loss (``L^{(s)}``) when the batch has several samples."""
    return partial(_loss_sym(style, sample), of, style.dialect)


# ---------------------------------------------------------------------------
# an equation in three parts


PER_LINE = 4  # terms per row of a wrapped sum


@dataclass(frozen=True)
class Equation:
    """``lhs = formula = numbers ≈ result``; formula and numbers are lists of chunks
    (every chunk after the first starts with its operator) so that long sums wrap."""

    lhs: str
    formula: tuple[str, ...]
    numbers: tuple[str, ...]  # empty: the formula has nothing to substitute
    result: str
    relation: str  # before the result: "=" or "≈" (see :class:`handcalc.core.display.Layout`)
    open: str = ""  # written before the chunks (e.g. r"\tfrac{1}{4}\bigl(")
    close: str = ""  # written after them
    assign: str = "="  # between lhs and formula: "=" or "←" (an update)
    subst: str = "="  # between formula and numbers: "≈" when a written operand is rounded
    dialect: Dialect = field(default=LATEX, compare=False)

    def through(self) -> str:
        """The relation from the formula straight to the result (the numbers left out)."""
        return "≈" if "≈" in (self.subst, self.relation) else "="

    def compact(self) -> bool:
        """Short enough to stand on one line: ``lhs = formula = numbers = result``."""
        return len(self.formula) <= 3 and len(self.numbers) <= 3 and not self.open

    def rows(self, per_line: int = PER_LINE, with_result: bool = True, stacked: bool = False) -> list[str]:
        """The rows of an ``aligned`` block: ``lhs &= …``, continuation rows ``&\\quad …``.
        Without numbers to substitute, a formula that is its own result is written once;
        ``stacked``: formula, numbers and result each start a row even when the line is short."""
        d = self.dialect
        assign, subst, rel = (d.relation(r) for r in (self.assign, self.subst, self.relation))
        if not self.numbers and " ".join(self.formula) == self.result:
            return [f"{self.lhs} &{assign} {self.result}"]
        if " ".join(self.numbers) == self.result and not self.open:  # nothing happens in the last step
            return Equation(self.lhs, self.formula, (), self.result, self.through(),
                            assign=self.assign, dialect=d).rows(per_line, with_result, stacked)
        if not stacked and self.compact():
            line = f"{self.lhs} &{assign} {' '.join(self.formula)}"
            if self.numbers:
                line += f" {subst} {' '.join(self.numbers)}"
            return [line + (f" {rel} {self.result}" if with_result else " =")]
        out = _wrap(f"{self.lhs} &{assign} ", self.formula, per_line, self.open, self.close, d)
        if self.numbers:
            out += _wrap(f" &{subst} ", self.numbers, per_line, self.open, self.close, d)
        if with_result:
            out.append(f" &{rel} {self.result}")
        return out

    def inline(self) -> str:
        """On one line: ``lhs = formula = numbers ≈ result``."""
        assign, subst, rel = (self.dialect.relation(r) for r in (self.assign, self.subst, self.relation))
        parts = [self.lhs, f"{assign} " + self.open + " ".join(self.formula) + self.close]
        if self.numbers:
            parts.append(f"{subst} " + self.open + " ".join(self.numbers) + self.close)
        parts.append(f"{rel} {self.result}")
        return " ".join(parts)

    def block(self, per_line: int = PER_LINE) -> str:
        return self.dialect.aligned(self.rows(per_line))


def block(eqs: Sequence[Equation], per_line: int = PER_LINE) -> str:
    """Several equations in one ``aligned`` environment, a small gap between them."""
    rows: list[str] = []
    gaps = []
    for e in eqs:
        if rows:
            gaps.append(len(rows))
        rows += e.rows(per_line)
    return (eqs[0].dialect if eqs else LATEX).aligned(rows, gaps)


def _wrap(head: str, chunks: Sequence[str], per_line: int, open_: str, close: str, d: Dialect) -> list[str]:
    lines = [list(chunks[i:i + per_line]) for i in range(0, len(chunks), per_line)] or [[]]
    rows = []
    for n, group in enumerate(lines):
        body = " ".join(group)
        if n == 0:
            body = open_ + body
        if n == len(lines) - 1:
            body += close
        rows.append((head if n == 0 else f" &{d.quad} ") + body)
    return rows


def aligned(rows: Sequence[str], gaps: Sequence[int] = ()) -> str:
    """An ``aligned`` environment; rows are joined by ``\\\\`` (no empty lines), with a
    little extra space before each row index in ``gaps`` (where a new equation starts)."""
    return LATEX.aligned(rows, gaps)


def _result(lay: Layout) -> tuple[str, str, str]:
    """The written result, the relation before it and the one before the numbers."""
    return lay.result.text, lay.final, lay.subst


def _abbreviate(chunks: Sequence[str], keep: int, d: Dialect) -> tuple[str, ...]:
    """The first ``keep`` chunks, ``⋯`` and the last one, for long batch sums."""
    if len(chunks) <= keep + 2:
        return tuple(chunks)
    return tuple(chunks[:keep]) + (f"+ {d.cdots}", chunks[-1])


def affine(rec: Affine, lhs: str, symbols: Sequence[tuple[str, str]], style: Style,
           offset: str | None = None, scale: str | None = None, swap: bool = False,
           keep: int | None = None) -> Equation:
    """``lhs = scale·(Σ x_k w_k + offset)``; ``symbols`` name each ``(x_k, w_k)``;
    ``swap`` writes ``w_k x_k`` (column notation); ``keep`` abbreviates a long sum."""
    p, d = places_of(rec, style), style.dialect
    sym_terms, num_terms = [], []
    for (x, w), (sx, sw) in zip(rec.terms, symbols):
        a, b = (sw, sx) if swap else (sx, sw)
        na, nb = (factor(w, p, d), factor(x, p, d)) if swap else (factor(x, p, d), factor(w, p, d))
        sym_terms.append(f"{a} {b}")
        num_terms.append(f"{na} {d.cdot} {nb}")
    formula = [t if n == 0 else f"+ {t}" for n, t in enumerate(sym_terms)]
    numbers = [t if n == 0 else f"+ {t}" for n, t in enumerate(num_terms)]
    if keep is not None:
        formula, numbers = list(_abbreviate(formula, keep, d)), list(_abbreviate(numbers, keep, d))
    if rec.offset is not None and offset is not None:
        formula.append(f"+ {offset}")
        numbers.append(addend(rec.offset, p, d))
    open_, close = "", ""
    if rec.scale is not None and rec.scale != 1 and scale is not None:
        open_, close = f"{scale} {d.open_big}", d.close_big
    value, rel, sub = _result(p)
    return Equation(lhs, tuple(formula), tuple(numbers), value, rel, open_, close, subst=sub, dialect=d)


def mean(rec: Mean, lhs: str, symbols: Sequence[str], style: Style, keep: int | None = None) -> Equation:
    """``lhs = (1/n) Σ items``."""
    p, d = places_of(rec, style), style.dialect
    n = len(rec.items)
    value, rel, sub = _result(p)
    if n == 1:
        return Equation(lhs, (symbols[0],), (number(rec.items[0], p, d=d),), value, rel, subst=sub, dialect=d)
    formula = [s if k == 0 else f"+ {s}" for k, s in enumerate(symbols)]
    numbers = [number(x, p, d=d) if k == 0 else addend(x, p, d) for k, x in enumerate(rec.items)]
    if keep is not None:
        formula, numbers = list(_abbreviate(formula, keep, d)), list(_abbreviate(numbers, keep, d))
    frac = f"{d.tfrac('1', str(n))} {d.open_big}"
    return Equation(lhs, tuple(formula), tuple(numbers), value, rel, frac, d.close_big, subst=sub, dialect=d)


# ---------------------------------------------------------------------------
# forward pass


def forward_z(rec: Affine, layer: int, j: int, style: Style, sample: int | None = None,
              keep: int | None = None) -> Equation:
    """``z^{[l]}_j = Σ_i a^{[l-1]}_i W^{[l]}_{ij} + b^{[l]}_j`` (column: ``W_{ji} a_i``)."""
    symbols = [(act(layer - 1, i, style, sample), weight(layer, i, j, style)) for i in range(len(rec.terms))]
    return affine(rec, unit_sym("z", layer, j, style, sample), symbols, style,
                  offset=sym("b", layer, j, d=style.dialect), swap=style.notation == "column", keep=keep)


# ---------------------------------------------------------------------------
# forms (handcalc.core.forms): an activation's or a loss's line, with symbols or numbers

def function_name(symbol: str, d: Dialect = LATEX) -> str:
    """A function's symbol, e.g. in LaTeX ``\\sigma``, ``\tanh``, ``\\operatorname{ReLU}``."""
    return d.operator(symbol)


class FormPrinter:
    r"""Writes a form with the given texts for its arguments (and parameter): the symbols of a
    line's formula, or the numbers of its substituted step (``numbers``: a product of numbers
    is joined by ``\cdot``).  A negative number standing as a factor, a subtrahend or a base
    is put in brackets."""

    def __init__(self, args: Sequence[str], param: str = "", numbers: bool = False, d: Dialect = LATEX) -> None:
        self.args, self.param, self.numbers, self.d = list(args), param, numbers, d

    def doprint(self, form: forms.Form) -> str:
        return self._print(form)

    def _print(self, form: forms.Form, factor: bool = False) -> str:
        return getattr(self, "_print_" + type(form).__name__)(form, factor)

    @staticmethod
    def _signed(t: str, factor: bool) -> str:
        return f"({t})" if factor and t.startswith("-") else t

    def _print_Arg(self, form: forms.Arg, factor: bool) -> str:
        return self._signed(self.args[form.k], factor)

    def _print_Param(self, form: forms.Param, factor: bool) -> str:
        return self._signed(self.param, factor)

    def _print_Const(self, form: forms.Const, factor: bool) -> str:
        v = form.value
        if v.denominator == 1:
            return str(v.numerator)
        return ("-" if v < 0 else "") + self.d.tfrac(str(abs(v.numerator)), str(v.denominator))

    def _print_Add(self, form: forms.Add, factor: bool) -> str:
        body = " + ".join(self._print(t) for t in form.terms)
        return f"({body})" if factor else body

    def _print_Sub(self, form: forms.Sub, factor: bool) -> str:
        body = f"{self._print(form.left)} - {self._print(form.right, True)}"
        return f"({body})" if factor else body

    def _print_Neg(self, form: forms.Neg, factor: bool) -> str:
        return "-" + self._print(form.x, True)

    def _print_Mul(self, form: forms.Mul, factor: bool) -> str:
        out = ""
        for k, f in enumerate(form.factors):
            t = self._print(f, True)
            if k:
                before = form.factors[k - 1]
                if self.numbers and form.dot:
                    out += f" {self.d.cdot} "
                elif isinstance(before, forms.Const) or t.startswith(("(", self.d.open_big)):
                    pass
                else:
                    out += self.d.factor_gap(t)
            out += t
        return out

    def _print_Frac(self, form: forms.Frac, factor: bool) -> str:
        return self.d.frac(self._print(form.num), self._print(form.den))

    def _print_Pow(self, form: forms.Pow, factor: bool) -> str:
        base = self._print(form.base, True)
        if isinstance(form.base, forms.Arg) and not self.numbers and "^" in base:
            base = f"({base})"  # a symbol with a superscript: (a^{[1]}_1)^2
        return self.d.power(base, str(form.exp))

    def _print_Exp(self, form: forms.Exp, factor: bool) -> str:
        return self.d.script("e", self._print(form.x))

    def _print_Abs(self, form: forms.Abs, factor: bool) -> str:
        return self.d.abs(self._print(form.x))

    def _print_Group(self, form: forms.Group, factor: bool) -> str:
        inner = self._print(form.x)
        return f"{self.d.open_big}{inner}{self.d.close_big}" if form.big else f"({inner})"

    def _print_Call(self, form: forms.Call, factor: bool) -> str:
        name = self.d.operator(form.fn) + ("'" if form.prime else "")
        if form.fn == "ln" and isinstance(form.args[0], (forms.Arg, forms.Param)):
            return f"{name} {self._print(form.args[0])}"
        return f"{name}(" + ", ".join(self._print(a) for a in form.args) + ")"


def form_equation(lhs: str, form: forms.Form, symbols: Sequence[str], values: Sequence[Num], lay: Layout,
                  param: Num | None = None, d: Dialect = LATEX) -> Equation:
    """``lhs = form(symbols) = form(numbers) = result``; a form that is a bare argument or uses
    none is written once, without a numbers step."""
    par = "" if param is None else number(param, lay, d=d)
    formula = FormPrinter(symbols, par, d=d).doprint(form)
    used = forms.args_of(form)
    numbers = () if not used or isinstance(form, forms.Arg) else (
        FormPrinter([number(v, lay, d=d) for v in values], par, numbers=True, d=d).doprint(form),)
    value, rel, sub = _result(lay)
    return Equation(lhs, (formula,), numbers, value, rel, subst=sub, dialect=d)


def forward_a(rec: Applied, layer: int, j: int, style: Style, sample: int | None = None,
              zs: Sequence[str] | None = None) -> Equation:
    """``a^{[l]}_j = f(z^{[l]}_j)``, written out with the activation's form."""
    entry = ACTIVATIONS[rec.fn]
    if entry.elementwise:
        symbols = [unit_sym("z", layer, j, style, sample)]
    else:
        symbols = list(zs or [unit_sym("z", layer, k, style, sample) for k in range(len(rec.args))])
    return form_equation(act(layer, j, style, sample), entry.form(len(rec.args), j), symbols, rec.args,
                         places_of(rec, style), rec.param, style.dialect)


def _yhatsym(j: int, style: Style, sample: int | None) -> str:
    return sym(style.dialect.hat("y"), None, j, sample=sample if style.batch > 1 else None, d=style.dialect)


def _ysym(j: int, style: Style, sample: int | None) -> str:
    return sym("y", None, j, sample=sample if style.batch > 1 else None, d=style.dialect)


def sample_loss(rec: Applied, style: Style, sample: int | None = None) -> Equation:
    """``L^{(s)} = loss(y, ŷ)`` written out term by term."""
    n = len(rec.args) // 2
    symbols = [_ysym(j, style, sample) for j in range(n)] + [_yhatsym(j, style, sample) for j in range(n)]
    return form_equation(_loss_sym(style, sample), LOSSES[rec.fn].form(n), symbols, rec.args, places_of(rec, style),
                         d=style.dialect)


def batch_loss(rec: Mean, style: Style, keep: int | None = 3) -> Equation:
    """``L = (1/n) Σ_s L^{(s)}``."""
    symbols = [style.dialect.script("L", f"({s + 1})") for s in range(len(rec.items))]
    return mean(rec, "L", symbols, style, keep=keep)


def loss_grad(rec: Applied, layer: int, j: int, style: Style, sample: int | None = None) -> Equation:
    """``∂L/∂a^{[L]}_j = loss′(y_j, ŷ_j)``."""
    lhs = sample_grad(act(layer, j, style, sample), style, sample)
    symbols = [_ysym(j, style, sample), _yhatsym(j, style, sample)]
    return form_equation(lhs, LOSSES[rec.fn].derivative_form(rec.index), symbols, rec.args,
                         places_of(rec, style), d=style.dialect)


# ---------------------------------------------------------------------------
# backward pass


def act_grad(rec: Applied, layer: int, j: int, style: Style, sample: int | None = None,
             k: int | None = None) -> Equation:
    """``f′`` of unit ``j``: ``ReLU′(z_j)``, ``σ′ = a_j(1 − a_j)``, ``tanh′ = 1 − a_j²``;
    softmax (``k`` given): ``J_{kj} = ∂a_k/∂z_j = a_k(1[k=j] − a_j)``."""
    entry = ACTIVATIONS[rec.fn]
    a = act(layer, j, style, sample)
    z = unit_sym("z", layer, j, style, sample)
    if not entry.elementwise:
        ak = act(layer, k, style, sample)
        lhs, symbols = partial(ak, z, style.dialect), [ak, a]
    else:
        lhs, symbols = partial(a, z, style.dialect), [z if entry.derivative_of == "z" else a]
    return form_equation(lhs, entry.derivative_form(rec.index), symbols, rec.args, places_of(rec, style), rec.param,
                         style.dialect)


def delta(rec: Affine, layer: int, j: int, style: Style, sample: int | None = None,
          softmax: bool = False) -> Equation:
    """``δ^{[l]}_j = ∂L/∂a^{[l]}_j · f′_j`` (softmax: ``Σ_k ∂L/∂a_k · J_{kj}``)."""
    z, d = unit_sym("z", layer, j, style, sample), style.dialect
    units = range(len(rec.terms)) if softmax else (j,)
    symbols = [(sample_grad(act(layer, k, style, sample), style, sample),
                d.thin + partial(act(layer, k, style, sample), z, d)) for k in units]
    return affine(rec, _delta(layer, j, style, sample), symbols, style)


def weight_grad(rec: Affine, layer: int, i: int, j: int, style: Style, keep: int | None = None) -> Equation:
    """``∂L/∂W_{ij} = (1/n) Σ_s a^{[l-1](s)}_i δ^{[l](s)}_j``."""
    n = len(rec.terms)
    symbols = [(act(layer - 1, i, style, s), _delta(layer, j, style, s)) for s in range(n)]
    scale = style.dialect.tfrac("1", str(n)) if n > 1 else None
    return affine(rec, grad(weight(layer, i, j, style), style.dialect), symbols, style, scale=scale, keep=keep)


def bias_grad(rec: Mean, layer: int, j: int, style: Style, keep: int | None = None) -> Equation:
    """``∂L/∂b_j = (1/n) Σ_s δ^{[l](s)}_j``."""
    symbols = [_delta(layer, j, style, s) for s in range(len(rec.items))]
    return mean(rec, grad(sym("b", layer, j, d=style.dialect), style.dialect), symbols, style, keep=keep)


def input_grad(rec: Affine, layer: int, i: int, style: Style, sample: int | None = None,
               keep: int | None = None) -> Equation:
    """``∂L/∂a^{[l-1]}_i = Σ_j δ^{[l]}_j W^{[l]}_{ij}`` (passed down from layer ``l``)."""
    symbols = [(_delta(layer, j, style, sample), weight(layer, i, j, style))
               for j in range(len(rec.terms))]
    lhs = sample_grad(act(layer - 1, i, style, sample), style, sample)
    return affine(rec, lhs, symbols, style, keep=keep)


# ---------------------------------------------------------------------------
# update


def update(rec: Update, target: str, style: Style) -> Equation:
    """``θ ← θ − η ∂L/∂θ``; ``target`` is the parameter's symbol."""
    p, d = places_of(rec, style), style.dialect
    value, rel, sub = _result(p)
    formula = f"{target} - {d.greek('eta')}{d.thin}{grad(target, d)}"
    numbers = f"{number(rec.old, p, d=d)} - {factor(rec.rate, p, d)} {d.cdot} {factor(rec.grad, p, d)}"
    return Equation(target, (formula,), (numbers,), value, rel, assign="←", subst=sub, dialect=d)


def weight_update(rec: Update, layer: int, i: int, j: int, style: Style) -> Equation:
    return update(rec, weight(layer, i, j, style), style)


def bias_update(rec: Update, layer: int, j: int, style: Style) -> Equation:
    return update(rec, sym("b", layer, j, d=style.dialect), style)


# ---------------------------------------------------------------------------
# places and entries of the walk (handcalc.core.walk)


def symbol(place: Place, style: Style) -> str:
    """The symbol of a place: the left-hand side of the line that works it out."""
    l, j, s = place.layer, place.unit or 0, place.sample
    kind, d = place.kind, style.dialect
    if kind == "z":
        return unit_sym("z", l, j, style, s)
    if kind == "a":
        return act(l, j, style, s)
    if kind == "yhat":
        return _yhatsym(j, style, s)
    if kind == "L1":
        return _loss_sym(style, s)
    if kind == "L":
        return "L"
    if kind == "da":
        return sample_grad(act(l, j, style, s), style, s)
    if kind == "f'":
        k = j if place.row is None else place.row
        return partial(act(l, k, style, s), unit_sym("z", l, j, style, s), d)
    if kind == "delta":
        return _delta(l, j, style, s)
    if kind == "dW":
        return grad(weight(l, place.row, j, style), d)
    if kind == "db":
        return grad(sym("b", l, j, d=d), d)
    if kind == "W":
        return weight(l, place.row, j, style)
    if kind == "b":
        return sym("b", l, j, d=d)
    raise ValueError(f"no symbol for {place}")


def equation(entry: Entry, style: Style, keep: int | None = None) -> Equation:
    """The equation of one entry of the walk; ``keep`` abbreviates a long batch sum."""
    p, rec = entry.place, entry.record
    l, j, s = p.layer, p.unit or 0, p.sample
    kind = p.kind
    if kind == "z":
        return forward_z(rec, l, j, style, s)
    if kind == "a":
        return forward_a(rec, l, j, style, s)
    if kind == "L1":
        return sample_loss(rec, style, s)
    if kind == "L":
        return batch_loss(rec, style, keep=keep)
    if kind == "da":
        return loss_grad(rec, l, j, style, s) if isinstance(rec, Applied) else input_grad(rec, l + 1, j, style, s)
    if kind == "f'":
        return act_grad(rec, l, j, style, s, p.row)
    if kind == "delta":
        return delta(rec, l, j, style, s, softmax=any(o is not None and o.row is not None for o in entry.operands))
    if kind == "dW":
        return weight_grad(rec, l, p.row, j, style, keep)
    if kind == "db":
        return bias_grad(rec, l, j, style, keep)
    if kind == "W":
        return weight_update(rec, l, p.row, j, style)
    if kind == "b":
        return bias_update(rec, l, j, style)
    raise ValueError(f"no equation for {p}")


# ---------------------------------------------------------------------------
# matrices


MAX_COLS = 8  # wider matrices are split into blocks of columns


def bmatrix(rows: Sequence[Sequence[str]], d: Dialect = LATEX) -> str:
    return d.matrix(rows)


def oriented(rows: Sequence[Sequence[str]], style: Style) -> list[list[str]]:
    """A matrix kept inputs × units, laid out for the notation (column: transposed)."""
    m = [list(r) for r in rows]
    return m if style.notation == "row" else [list(c) for c in zip(*m)]


def vector(items: Sequence[str], style: Style) -> list[list[str]]:
    """A vector as a row (row notation) or a column (column notation)."""
    return [list(items)] if style.notation == "row" else [[x] for x in items]


LINE_CHARS = 72  # characters of matrix entries (2 spaces each) that fit the desk column and A4; a phone scrolls


def block_width(rows: Sequence[Sequence[str]]) -> int:
    """How many columns of these entries fit side by side (at most :data:`MAX_COLS`)."""
    longest = max((len(x) for r in rows for x in r), default=1)
    return max(1, min(MAX_COLS, LINE_CHARS // (longest + 2)))


def column_blocks(rows: Sequence[Sequence[str]], width: int | None = None) -> list[tuple[int, int, list[list[str]]]]:
    """``(first, last, block)`` pieces of at most ``width`` columns (0-based, last exclusive)."""
    width = width or block_width(rows)
    n = len(rows[0]) if rows else 0
    if n > width:  # blocks of even width: 16 columns in 4 blocks of 4, not 5 + 5 + 5 + 1
        blocks = -(-n // width)
        width = -(-n // blocks)
    return [(c, min(c + width, n), [list(r[c:c + width]) for r in rows]) for c in range(0, max(n, 1), width)]


def columns_text(c0: int, c1: int) -> str:
    """``columns 1–5``, or ``column 16`` for a block of one (0-based first, last exclusive)."""
    return f"columns {c0 + 1}–{c1}" if c1 - c0 > 1 else f"column {c1}"


def matrix_blocks(lhs: str, rows: Sequence[Sequence[str]], rel: str = "=", stacked: bool = False,
                  d: Dialect = LATEX) -> list[str]:
    """``lhs = [matrix]`` (``rel``: ``=`` or ``≈``), or one equation per block of columns when it is
    too wide for a line: ``lhs (columns 1–4) = [block]`` (``stacked``: the label above its block)."""
    rel = d.relation(rel)
    blocks = column_blocks(rows)
    if len(blocks) == 1:
        return [f"{lhs} {rel} {d.matrix(rows)}"]
    out = []
    for c0, c1, b in blocks:
        head = f"{d.labelled(lhs, f'({columns_text(c0, c1)})')} {rel}"
        out.append(d.stack([head, d.matrix(b)]) if stacked else f"{head} {d.matrix(b)}")
    return out


def math_block(body: str) -> str:
    """A display block of Markdown (arithmatex): ``$$`` lines around the body, no empty line inside."""
    lines = [ln.rstrip() for ln in body.strip().splitlines() if ln.strip()]
    return "$$\n" + "\n".join(lines) + "\n$$"


def values(xs: Sequence[Num], style: Style, rounded: Sequence[bool] | None = None) -> tuple[list[str], bool]:
    """Numbers written with ``display.decimals``; true when any of them is rounded."""
    shown = [show(x, style.decimals, bool(rounded and rounded[k])) for k, x in enumerate(xs)]
    return [s.text for s in shown], any(s.approx for s in shown)


def record_values(recs: Sequence[Record], style: Style) -> tuple[list[str], bool]:
    return values([r.value for r in recs], style, [r.rounded for r in recs])


# ---------------------------------------------------------------------------
# formulas of the rules (sympy, printed in house style)


class HousePrinter(LatexPrinter):
    """sympy's printer in house style: terms in the order written, juxtaposed factors,
    ``\\ln x`` / ``\\tanh(z)`` without sizing brackets, ``\\hat{y}`` for the prediction."""

    def __init__(self, names: dict | None = None) -> None:
        super().__init__({"mul_symbol": None, "order": "none", "mat_str": "bmatrix", "mat_delim": None,
                          "symbol_names": names or {}})

    def _print_log(self, expr: sympy.Expr, exp: str | None = None) -> str:
        arg = expr.args[0]
        body = r"\ln " + self._print(arg) if arg.is_Atom else r"\ln(" + self._print(arg) + ")"
        return body if exp is None else f"({body})^{{{exp}}}"

    def _print_tanh(self, expr: sympy.Expr, exp: str | None = None) -> str:
        body = r"\tanh(" + self._print(expr.args[0]) + ")"
        return body if exp is None else f"{body}^{{{exp}}}"


_z, _a, _y, _h, _alpha = sympy.symbols("z a y yhat alpha")
_yj, _hj = sympy.symbols("y_j yhat_j")


def _names(d: Dialect) -> dict[sympy.Symbol, str]:
    """How the rules' sympy symbols are written."""
    return {_h: d.hat("y"), _alpha: d.greek("alpha"), _yj: d.script("y", sub="j"), _hj: d.script(d.hat("y"), sub="j")}


def sympy_latex(expr: sympy.Expr) -> str:
    return LATEX.sympy(expr, _names(LATEX))


def activation_rule(name: str, d: Dialect = LATEX) -> str:
    """``f(z) = …, f′(z) = …`` of an activation, e.g. ``σ′(z) = a(1 − a)`` with ``a = σ(z)``;
    the rule comes from the registry (its sympy expressions)."""
    entry = ACTIVATIONS[name]
    if entry.rule is None:  # not element-wise (softmax): its Jacobian, in index notation
        a_k, a_j, z_j = (d.script(*x) for x in (("a", "", "k"), ("a", "", "j"), ("z", "", "j")))
        e_z = [d.script("e", d.script("z", sub=k)) for k in "km"]
        value = d.frac(e_z[0], f"{d.sum('m', '')} {e_z[1]}")
        return (f"{a_k} = {value}, {d.qquad} "
                f"{partial(a_k, z_j, d)} = {a_k}{d.thin}{d.open_big}[k = j] - {a_j}{d.close_big}")
    value, deriv = entry.rule(sympy, _z, _a, _alpha)
    f, names = d.operator(entry.symbol), _names(d)
    return f"{f}(z) = {d.sympy(value, names)}, {d.qquad} {f}'(z) = {d.sympy(deriv, names)}"


def loss_formula(name: str, outputs: int, y: str, hat: str, d: Dialect = LATEX) -> str:
    """The right-hand side of ``L`` for one sample; ``y`` and ``hat`` are one output's target and
    prediction (with the index ``j`` when there are several outputs)."""
    entry = LOSSES[name]
    ys, hs = sympy.symbols("target prediction")
    term = d.sympy(entry.rule(sympy, ys, hs)[0], {ys: y, hs: hat})
    if outputs == 1:
        return term
    pre = d.frac("1", str(outputs)) if entry.mean else ""
    return f"{pre}{d.sum('j=1', str(outputs))} {d.open_bigger}{term}{d.close_bigger}"


def loss_rule(name: str, outputs: int, d: Dialect = LATEX) -> str:
    """``L(y, ŷ)`` of one sample and ``∂L/∂ŷ_j``."""
    entry, names = LOSSES[name], _names(d)
    if outputs == 1:
        deriv = entry.rule(sympy, _y, _h)[1]
        return (f"L = {loss_formula(name, 1, 'y', names[_h], d)}, {d.qquad} "
                f"{grad(names[_h], d)} = {d.sympy(deriv, names)}")
    deriv = d.sympy(entry.rule(sympy, _yj, _hj)[1], names)
    if entry.mean:
        deriv = f"{d.frac('1', str(outputs))}({deriv})"
    return (f"L = {loss_formula(name, outputs, names[_yj], names[_hj], d)}, {d.qquad} "
            f"{grad(names[_hj], d)} = {deriv}")
