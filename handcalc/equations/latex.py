"""The house LaTeX printer: every equation of a trace as *formula → numbers → result*.

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

from collections.abc import Sequence
from dataclasses import dataclass

import sympy
from sympy.printing.latex import LatexPrinter

from ..core.display import FRACTION, Layout, Named, layout, show
from ..core.numbers import Num
from ..core.trace import Affine, Applied, Mean, Record, Update

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


# ---------------------------------------------------------------------------
# settings and numbers


@dataclass(frozen=True)
class Style:
    """How a trace is written: result decimals, hand rounding, matrix layout, batch size."""

    decimals: int
    hand: bool
    notation: str  # "row" | "column"
    batch: int = 1  # samples per step: above 1, per-sample symbols carry a superscript (s)

    @classmethod
    def of(cls, spec, notation: str | None = None, batch: int = 1) -> Style:
        return cls(spec.display.decimals, spec.display.rounding == "hand", notation or spec.notation, batch)


def tex_relation(rel: str) -> str:
    """``=`` or ``\approx`` for a relation of :class:`handcalc.core.display.Layout`."""
    return r"\approx" if rel == "≈" else "="


def number(x: Num, places: int | Layout, rounded: bool = False) -> str:
    """A number as written with ``places`` decimals (see :func:`handcalc.core.display.show`), or with
    the decimals a line's :class:`handcalc.core.display.Layout` chose for it."""
    if isinstance(x, Named):
        return "{" + x.symbol + "}"
    if isinstance(places, Layout):
        places = places.places_of(x, max(places.places, default=0))
    if places == FRACTION:  # an exact ratio no number of digits re-checks with (see display.layout)
        f = x.v
        return ("-" if f < 0 else "") + rf"\tfrac{{{abs(f.numerator)}}}{{{f.denominator}}}"
    return show(x, places, rounded).text


def factor(x: Num, places: int | Layout) -> str:
    """A factor of a product: negative numbers in parentheses."""
    t = number(x, places)
    return f"({t})" if t.startswith("-") else t


def addend(x: Num, places: int | Layout) -> str:
    """A term added to what stands before it: ``+ 1`` or ``- 3``."""
    t = number(x, places)
    return f"- {t[1:]}" if t.startswith("-") else f"+ {t}"


def places_of(rec: Record, style: Style) -> Layout:
    return layout(rec, style.decimals)


# ---------------------------------------------------------------------------
# symbols


def _idx(*ks: int) -> str:
    ks = tuple(k + 1 for k in ks)
    return ",".join(map(str, ks)) if any(k > 9 for k in ks) else "".join(map(str, ks))


def sym(base: str, layer: int | None = None, *index: int, sample: int | None = None) -> str:
    """``base^{[layer](s)}_{ij}`` with 0-based indices printed 1-based."""
    sup = "" if layer is None else f"[{layer}]"
    if sample is not None:
        sup += f"({sample + 1})"
    out = base + (f"^{{{sup}}}" if sup else "")
    return out + (f"_{{{_idx(*index)}}}" if index else "")


def weight(layer: int, i: int, j: int, style: Style, base: str = "W") -> str:
    """The weight from input ``i`` to unit ``j`` (0-based), in the style's notation."""
    return sym(base, layer, i, j) if style.notation == "row" else sym(base, layer, j, i)


def act(layer: int, i: int, style: Style, sample: int | None = None) -> str:
    """``a^{[l]}_i`` (``x_i`` for layer 0)."""
    s = sample if style.batch > 1 else None
    return sym("x", None, i, sample=s) if layer == 0 else sym("a", layer, i, sample=s)


def unit_sym(base: str, layer: int, j: int, style: Style, sample: int | None = None) -> str:
    return sym(base, layer, j, sample=sample if style.batch > 1 else None)


def grad(of: str) -> str:
    return r"\frac{\partial L}{\partial " + of + "}"


def sample_grad(of: str, style: Style, sample: int | None) -> str:
    """∂L/∂· of one sample's loss (``L^{(s)}``) when the batch has several samples."""
    if style.batch > 1 and sample is not None:
        return r"\frac{\partial L^{(" + str(sample + 1) + r")}}{\partial " + of + "}"
    return grad(of)


# ---------------------------------------------------------------------------
# an equation in three parts


@dataclass(frozen=True)
class Equation:
    """``lhs = formula = numbers ≈ result``; formula and numbers are lists of chunks
    (every chunk after the first starts with its operator) so that long sums wrap."""

    lhs: str
    formula: tuple[str, ...]
    numbers: tuple[str, ...]  # empty: the formula has nothing to substitute
    result: str
    relation: str  # "=" or r"\approx"
    open: str = ""  # written before the chunks (e.g. r"\tfrac{1}{4}\bigl(")
    close: str = ""  # written after them
    assign: str = "="  # between lhs and formula: "=" or r"\leftarrow" (an update)
    subst: str = "="  # between formula and numbers: r"\approx" when a written operand is rounded

    def through(self) -> str:
        """The relation from the formula straight to the result (the numbers left out)."""
        return r"\approx" if r"\approx" in (self.subst, self.relation) else "="

    def compact(self) -> bool:
        """Short enough to stand on one line: ``lhs = formula = numbers = result``."""
        return len(self.formula) <= 3 and len(self.numbers) <= 3 and not self.open

    def rows(self, per_line: int = 4, with_result: bool = True) -> list[str]:
        """The rows of an ``aligned`` block: ``lhs &= …``, continuation rows ``&\\quad …``.
        Without numbers to substitute, a formula that is its own result is written once."""
        if not self.numbers and " ".join(self.formula) == self.result:
            return [f"{self.lhs} &{self.assign} {self.result}"]
        if " ".join(self.numbers) == self.result and not self.open:  # nothing happens in the last step
            return Equation(self.lhs, self.formula, (), self.result, self.through(),
                            assign=self.assign).rows(per_line, with_result)
        if self.compact():
            line = f"{self.lhs} &{self.assign} {' '.join(self.formula)}"
            if self.numbers:
                line += f" {self.subst} {' '.join(self.numbers)}"
            return [line + (f" {self.relation} {self.result}" if with_result else " =")]
        out = _wrap(f"{self.lhs} &{self.assign} ", self.formula, per_line, self.open, self.close)
        if self.numbers:
            out += _wrap(f" &{self.subst} ", self.numbers, per_line, self.open, self.close)
        if with_result:
            out.append(f" &{self.relation} {self.result}")
        return out

    def inline(self) -> str:
        """On one line: ``lhs = formula = numbers ≈ result``."""
        parts = [self.lhs, f"{self.assign} " + self.open + " ".join(self.formula) + self.close]
        if self.numbers:
            parts.append(f"{self.subst} " + self.open + " ".join(self.numbers) + self.close)
        parts.append(f"{self.relation} {self.result}")
        return " ".join(parts)

    def block(self, per_line: int = 4) -> str:
        return aligned(self.rows(per_line))


def block(eqs: Sequence[Equation], per_line: int = 4) -> str:
    """Several equations in one ``aligned`` environment, a small gap between them."""
    rows: list[str] = []
    gaps = []
    for e in eqs:
        if rows:
            gaps.append(len(rows))
        rows += e.rows(per_line)
    return aligned(rows, gaps)


def _wrap(head: str, chunks: Sequence[str], per_line: int, open_: str, close: str) -> list[str]:
    lines = [list(chunks[i:i + per_line]) for i in range(0, len(chunks), per_line)] or [[]]
    rows = []
    for n, group in enumerate(lines):
        body = " ".join(group)
        if n == 0:
            body = open_ + body
        if n == len(lines) - 1:
            body += close
        rows.append((head if n == 0 else r" &\quad ") + body)
    return rows


def aligned(rows: Sequence[str], gaps: Sequence[int] = ()) -> str:
    """An ``aligned`` environment; rows are joined by ``\\\\`` (no empty lines), with a
    little extra space before each row index in ``gaps`` (where a new equation starts)."""
    body = [r.strip() for r in rows]
    joins = [r" \\[10pt]" if k + 1 in gaps else r" \\" for k in range(len(body) - 1)] + [""]
    return "\\begin{aligned}\n" + "\n".join(r + j for r, j in zip(body, joins)) + "\n\\end{aligned}"


def _result(lay: Layout) -> tuple[str, str, str]:
    """The written result, the relation before it and the one before the numbers."""
    return lay.result.text, tex_relation(lay.final), tex_relation(lay.subst)


def _sum_chunks(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """``p_1 + p_2 + …`` from already written products."""
    return tuple(p if n == 0 else f"+ {p}" for n, (p, _) in enumerate(pairs))


def _abbreviate(chunks: Sequence[str], keep: int) -> tuple[str, ...]:
    """The first ``keep`` chunks, ``⋯`` and the last one, for long batch sums."""
    if len(chunks) <= keep + 2:
        return tuple(chunks)
    return tuple(chunks[:keep]) + (r"+ \cdots", chunks[-1])


def affine(rec: Affine, lhs: str, symbols: Sequence[tuple[str, str]], style: Style,
           offset: str | None = None, scale: str | None = None, swap: bool = False,
           keep: int | None = None) -> Equation:
    """``lhs = scale·(Σ x_k w_k + offset)``; ``symbols`` name each ``(x_k, w_k)``;
    ``swap`` writes ``w_k x_k`` (column notation); ``keep`` abbreviates a long sum."""
    p = places_of(rec, style)
    sym_terms, num_terms = [], []
    for (x, w), (sx, sw) in zip(rec.terms, symbols):
        a, b = (sw, sx) if swap else (sx, sw)
        na, nb = (factor(w, p), factor(x, p)) if swap else (factor(x, p), factor(w, p))
        sym_terms.append(f"{a} {b}")
        num_terms.append(rf"{na} \cdot {nb}")
    formula = [t if n == 0 else f"+ {t}" for n, t in enumerate(sym_terms)]
    numbers = [t if n == 0 else f"+ {t}" for n, t in enumerate(num_terms)]
    if keep is not None:
        formula, numbers = list(_abbreviate(formula, keep)), list(_abbreviate(numbers, keep))
    if rec.offset is not None and offset is not None:
        formula.append(f"+ {offset}")
        numbers.append(addend(rec.offset, p))
    open_, close = "", ""
    if rec.scale is not None and rec.scale != 1 and scale is not None:
        open_, close = rf"{scale} \bigl(", r"\bigr)"
    value, rel, sub = _result(p)
    return Equation(lhs, tuple(formula), tuple(numbers), value, rel, open_, close, subst=sub)


def mean(rec: Mean, lhs: str, symbols: Sequence[str], style: Style, keep: int | None = None) -> Equation:
    """``lhs = (1/n) Σ items``."""
    p = places_of(rec, style)
    n = len(rec.items)
    value, rel, sub = _result(p)
    if n == 1:
        return Equation(lhs, (symbols[0],), (number(rec.items[0], p),), value, rel, subst=sub)
    formula = [s if k == 0 else f"+ {s}" for k, s in enumerate(symbols)]
    numbers = [number(x, p) if k == 0 else addend(x, p) for k, x in enumerate(rec.items)]
    if keep is not None:
        formula, numbers = list(_abbreviate(formula, keep)), list(_abbreviate(numbers, keep))
    frac = rf"\tfrac{{1}}{{{n}}} \bigl("
    return Equation(lhs, tuple(formula), tuple(numbers), value, rel, frac, r"\bigr)", subst=sub)


# ---------------------------------------------------------------------------
# forward pass


def forward_z(rec: Affine, layer: int, j: int, style: Style, sample: int | None = None,
              keep: int | None = None) -> Equation:
    """``z^{[l]}_j = Σ_i a^{[l-1]}_i W^{[l]}_{ij} + b^{[l]}_j`` (column: ``W_{ji} a_i``)."""
    symbols = [(act(layer - 1, i, style, sample), weight(layer, i, j, style)) for i in range(len(rec.terms))]
    return affine(rec, unit_sym("z", layer, j, style, sample), symbols, style,
                  offset=sym("b", layer, j), swap=style.notation == "column", keep=keep)


ACT_NAMES = {
    "relu": r"\operatorname{ReLU}", "leaky_relu": r"\operatorname{LReLU}", "sigmoid": r"\sigma",
    "tanh": r"\tanh", "linear": r"\operatorname{id}", "softmax": r"\operatorname{softmax}",
}


def forward_a(rec: Applied, layer: int, j: int, style: Style, sample: int | None = None,
              zs: Sequence[str] | None = None) -> Equation:
    """``a^{[l]}_j = f(z^{[l]}_j)``, written out for each activation."""
    p = places_of(rec, style)
    value, rel, sub = _result(p)
    lhs = act(layer, j, style, sample)
    z = unit_sym("z", layer, j, style, sample)
    fn = rec.fn
    if fn == "softmax":
        zsym = zs or [unit_sym("z", layer, k, style, sample) for k in range(len(rec.args))]
        formula = rf"\frac{{e^{{{zsym[j]}}}}}{{{' + '.join(f'e^{{{s}}}' for s in zsym)}}}"
        nums = [f"e^{{{number(z_, p)}}}" for z_ in rec.args]
        numbers = rf"\frac{{e^{{{number(rec.args[j], p)}}}}}{{{' + '.join(nums)}}}"
        return Equation(lhs, (formula,), (numbers,), value, rel, subst=sub)
    zn = number(rec.args[0], p)
    if fn == "relu":
        return Equation(lhs, (rf"\max(0, {z})",), (rf"\max(0, {zn})",), value, rel, subst=sub)
    if fn == "leaky_relu":
        alpha = number(rec.param, p)
        return Equation(lhs, (rf"\max({alpha}\,{z}, {z})",), (rf"\max({alpha} \cdot {factor(rec.args[0], p)}, {zn})",),
                        value, rel, subst=sub)
    if fn == "sigmoid":
        zf = factor(rec.args[0], p)
        return Equation(lhs, (rf"\frac{{1}}{{1 + e^{{-{z}}}}}",), (rf"\frac{{1}}{{1 + e^{{-{zf}}}}}",), value, rel,
                        subst=sub)
    if fn == "tanh":
        return Equation(lhs, (rf"\tanh({z})",), (rf"\tanh({zn})",), value, rel, subst=sub)
    if fn == "linear":
        return Equation(lhs, (z,), (), value, rel, subst=sub)
    raise ValueError(f"no LaTeX for activation {fn}")


# ---------------------------------------------------------------------------
# loss


def _yhatsym(j: int, style: Style, sample: int | None) -> str:
    return sym(r"\hat{y}", None, j, sample=sample if style.batch > 1 else None)


def _ysym(j: int, style: Style, sample: int | None) -> str:
    return sym("y", None, j, sample=sample if style.batch > 1 else None)


def sample_loss(rec: Applied, style: Style, sample: int | None = None) -> Equation:
    """``L^{(s)} = loss(y, ŷ)`` written out term by term."""
    name = rec.fn.split(":")[1]
    p = places_of(rec, style)
    value, rel, sub = _result(p)
    n = len(rec.args) // 2
    ys, ps = rec.args[:n], rec.args[n:]
    lhs = f"L^{{({sample + 1})}}" if style.batch > 1 and sample is not None else "L"
    y = [_ysym(j, style, sample) for j in range(n)]
    h = [_yhatsym(j, style, sample) for j in range(n)]
    yn, hn = [number(v, p) for v in ys], [factor(v, p) for v in ps]  # ŷ is subtracted: (-0.5) in brackets

    def joined(items: Sequence[str]) -> str:
        return " + ".join(items)

    if name == "difference":
        f = joined(f"({a} - {b})" if n > 1 else f"{a} - {b}" for a, b in zip(y, h))
        v = joined(f"({a} - {b})" if n > 1 else f"{a} - {b}" for a, b in zip(yn, hn))
    elif name in ("mse", "half_sse"):
        pre = r"\tfrac{1}{2}" if name == "half_sse" else (rf"\tfrac{{1}}{{{n}}}" if n > 1 else "")
        f = pre + (r"\bigl(" if pre and n > 1 else "") + joined(f"({a} - {b})^2" for a, b in zip(y, h))
        v = pre + (r"\bigl(" if pre and n > 1 else "") + joined(f"({a} - {b})^2" for a, b in zip(yn, hn))
        if pre and n > 1:
            f, v = f + r"\bigr)", v + r"\bigr)"
    elif name == "mae":
        pre = rf"\tfrac{{1}}{{{n}}}\bigl(" if n > 1 else ""
        post = r"\bigr)" if n > 1 else ""
        f = pre + joined(rf"\lvert {a} - {b} \rvert" for a, b in zip(y, h)) + post
        v = pre + joined(rf"\lvert {a} - {b} \rvert" for a, b in zip(yn, hn)) + post
    elif name == "bce":
        f = "-" + joined(rf"\bigl({a} \ln {b} + (1 - {a}) \ln(1 - {b})\bigr)" for a, b in zip(y, h))
        v = "-" + joined(rf"\bigl({a} \ln {b} + (1 - {a}) \ln(1 - {b})\bigr)" for a, b in zip(yn, hn))
    elif name == "cce":
        f = r"-\bigl(" + joined(rf"{a} \ln {b}" for a, b in zip(y, h)) + r"\bigr)"
        v = r"-\bigl(" + joined(rf"{a} \ln {b}" for a, b in zip(yn, hn)) + r"\bigr)"
    else:
        raise ValueError(f"no LaTeX for loss {name}")
    return Equation(lhs, (f,), (v,), value, rel, subst=sub)


def batch_loss(rec: Mean, style: Style, keep: int | None = 3) -> Equation:
    """``L = (1/n) Σ_s L^{(s)}``."""
    symbols = [f"L^{{({s + 1})}}" for s in range(len(rec.items))]
    return mean(rec, "L", symbols, style, keep=keep)


def loss_grad(rec: Applied, layer: int, j: int, style: Style, sample: int | None = None) -> Equation:
    """``∂L/∂a^{[L]}_j = loss′(y_j, ŷ_j)``."""
    name = rec.fn.split(":")[1]
    p = places_of(rec, style)
    value, rel, sub = _result(p)
    lhs = sample_grad(act(layer, j, style, sample), style, sample)
    y, h = _ysym(j, style, sample), _yhatsym(j, style, sample)
    yn, hn = number(rec.args[0], p), number(rec.args[1], p)
    yf, hf = factor(rec.args[0], p), factor(rec.args[1], p)  # subtracted: a negative one in brackets
    n = rec.index
    if name == "difference":
        return Equation(lhs, ("-1",), (), value, rel, subst=sub)
    if name == "mse":
        pre = "-2" if n == 1 else rf"-\tfrac{{2}}{{{n}}}"
        return Equation(lhs, (f"{pre}({y} - {h})",), (f"{pre}({yn} - {hf})",), value, rel, subst=sub)
    if name == "half_sse":
        return Equation(lhs, (f"{h} - {y}",), (f"{hn} - {yf}",), value, rel, subst=sub)
    if name == "mae":
        pre = "-" if n == 1 else rf"-\tfrac{{1}}{{{n}}}"
        return Equation(lhs, (rf"{pre}\operatorname{{sign}}({y} - {h})",),
                        (rf"{pre}\operatorname{{sign}}({yn} - {hf})",), value, rel, subst=sub)
    if name == "bce":
        return Equation(lhs, (rf"\frac{{{h} - {y}}}{{{h}\,(1 - {h})}}",),
                        (rf"\frac{{{hn} - {yn}}}{{{hn} \cdot (1 - {hn})}}",), value, rel, subst=sub)
    if name == "cce":
        return Equation(lhs, (rf"-\frac{{{y}}}{{{h}}}",), (rf"-\frac{{{yn}}}{{{hn}}}",), value, rel, subst=sub)
    raise ValueError(f"no LaTeX for loss {name}")


# ---------------------------------------------------------------------------
# backward pass


def act_grad(rec: Applied, layer: int, j: int, style: Style, sample: int | None = None,
             k: int | None = None) -> Equation:
    """``f′`` of unit ``j``: ``ReLU′(z_j)``, ``σ′ = a_j(1 − a_j)``, ``tanh′ = 1 − a_j²``;
    softmax (``k`` given): ``J_{kj} = ∂a_k/∂z_j = a_k(1[k=j] − a_j)``."""
    p = places_of(rec, style)
    value, rel, sub = _result(p)
    name = rec.fn.split(":")[1]
    a = act(layer, j, style, sample)
    z = unit_sym("z", layer, j, style, sample)
    if name == "softmax":
        ak = act(layer, k, style, sample)
        lhs = rf"\frac{{\partial {ak}}}{{\partial {z}}}"
        an, bn = number(rec.args[0], p), number(rec.args[1], p)
        if rec.index == 1:
            return Equation(lhs, (f"{ak}(1 - {a})",), (f"{an} \\cdot (1 - {bn})",), value, rel, subst=sub)
        return Equation(lhs, (f"-{ak}\\,{a}",), (f"-{an} \\cdot {factor(rec.args[1], p)}",), value, rel, subst=sub)
    lhs = rf"\frac{{\partial {a}}}{{\partial {z}}}"
    xn = number(rec.args[0], p)
    if name == "relu":
        return Equation(lhs, (rf"\operatorname{{ReLU}}'({z})",), (rf"\operatorname{{ReLU}}'({xn})",), value, rel,
                        subst=sub)
    if name == "leaky_relu":
        return Equation(lhs, (rf"\operatorname{{LReLU}}'({z})",), (rf"\operatorname{{LReLU}}'({xn})",), value, rel,
                        subst=sub)
    if name == "sigmoid":
        return Equation(lhs, (f"{a}(1 - {a})",), (f"{xn} \\cdot (1 - {xn})",), value, rel, subst=sub)
    if name == "tanh":
        return Equation(lhs, (f"1 - ({a})^2",), (f"1 - {factor(rec.args[0], p)}^2",), value, rel, subst=sub)
    if name == "linear":
        return Equation(lhs, ("1",), (), value, rel, subst=sub)
    raise ValueError(f"no LaTeX for derivative {name}")


def delta(rec: Affine, layer: int, j: int, style: Style, sample: int | None = None,
          softmax: bool = False) -> Equation:
    """``δ^{[l]}_j = ∂L/∂a^{[l]}_j · f′_j`` (softmax: ``Σ_k ∂L/∂a_k · J_{kj}``)."""
    z = unit_sym("z", layer, j, style, sample)
    if softmax:
        symbols = [(sample_grad(act(layer, k, style, sample), style, sample),
                    rf"\frac{{\partial {act(layer, k, style, sample)}}}{{\partial {z}}}")
                   for k in range(len(rec.terms))]
    else:
        symbols = [(sample_grad(act(layer, j, style, sample), style, sample),
                    rf"\frac{{\partial {act(layer, j, style, sample)}}}{{\partial {z}}}")]
    symbols = [(a, rf"\,{b}") for a, b in symbols]
    return affine(rec, unit_sym(r"\delta", layer, j, style, sample), symbols, style)


def weight_grad(rec: Affine, layer: int, i: int, j: int, style: Style, keep: int | None = None) -> Equation:
    """``∂L/∂W_{ij} = (1/n) Σ_s a^{[l-1](s)}_i δ^{[l](s)}_j``."""
    n = len(rec.terms)
    symbols = [(act(layer - 1, i, style, s), unit_sym(r"\delta", layer, j, style, s)) for s in range(n)]
    scale = rf"\tfrac{{1}}{{{n}}}" if n > 1 else None
    return affine(rec, grad(weight(layer, i, j, style)), symbols, style, scale=scale, keep=keep)


def bias_grad(rec: Mean, layer: int, j: int, style: Style, keep: int | None = None) -> Equation:
    """``∂L/∂b_j = (1/n) Σ_s δ^{[l](s)}_j``."""
    symbols = [unit_sym(r"\delta", layer, j, style, s) for s in range(len(rec.items))]
    return mean(rec, grad(sym("b", layer, j)), symbols, style, keep=keep)


def input_grad(rec: Affine, layer: int, i: int, style: Style, sample: int | None = None,
               keep: int | None = None) -> Equation:
    """``∂L/∂a^{[l-1]}_i = Σ_j δ^{[l]}_j W^{[l]}_{ij}`` (passed down from layer ``l``)."""
    symbols = [(unit_sym(r"\delta", layer, j, style, sample), weight(layer, i, j, style))
               for j in range(len(rec.terms))]
    lhs = sample_grad(act(layer - 1, i, style, sample), style, sample)
    return affine(rec, lhs, symbols, style, keep=keep)


# ---------------------------------------------------------------------------
# update


def update(rec: Update, target: str, style: Style) -> Equation:
    """``θ ← θ − η ∂L/∂θ``; ``target`` is the parameter's symbol."""
    p = places_of(rec, style)
    value, rel, sub = _result(p)
    formula = rf"{target} - \eta\,{grad(target)}"
    numbers = rf"{number(rec.old, p)} - {factor(rec.rate, p)} \cdot {factor(rec.grad, p)}"
    return Equation(target, (formula,), (numbers,), value, rel, assign=r"\leftarrow", subst=sub)


def weight_update(rec: Update, layer: int, i: int, j: int, style: Style) -> Equation:
    return update(rec, weight(layer, i, j, style), style)


def bias_update(rec: Update, layer: int, j: int, style: Style) -> Equation:
    return update(rec, sym("b", layer, j), style)


# ---------------------------------------------------------------------------
# matrices


MAX_COLS = 8  # wider matrices are split into blocks of columns


def bmatrix(rows: Sequence[Sequence[str]]) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(r) for r in rows) + r" \end{bmatrix}"


def oriented(rows: Sequence[Sequence[str]], style: Style) -> list[list[str]]:
    """A matrix kept inputs × units, laid out for the notation (column: transposed)."""
    m = [list(r) for r in rows]
    return m if style.notation == "row" else [list(c) for c in zip(*m)]


def vector(items: Sequence[str], style: Style) -> list[list[str]]:
    """A vector as a row (row notation) or a column (column notation)."""
    return [list(items)] if style.notation == "row" else [[x] for x in items]


LINE_CHARS = 52  # characters of matrix entries that fit on one line of an A4 page or a phone


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
_NAMES = {_h: r"\hat{y}", _alpha: r"\alpha", _yj: "y_j", _hj: r"\hat{y}_j"}
_U = {"evaluate": False}


def _sub(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    return sympy.Add(a, sympy.Mul(-1, b, **_U), **_U)


def sympy_latex(expr: sympy.Expr) -> str:
    return HousePrinter(_NAMES).doprint(expr)


#: activation → (f(z), f′ written in terms of z or of a = f(z))
ACTIVATION_RULES: dict[str, tuple[sympy.Expr, sympy.Expr]] = {
    "relu": (sympy.Piecewise((_z, _z > 0), (0, True)), sympy.Piecewise((1, _z > 0), (0, True))),
    "leaky_relu": (sympy.Piecewise((_z, _z > 0), (_alpha * _z, True)), sympy.Piecewise((1, _z > 0), (_alpha, True))),
    "sigmoid": (1 / (1 + sympy.exp(-_z)), sympy.Mul(_a, _sub(1, _a), **_U)),
    "tanh": (sympy.tanh(_z), _sub(1, _a**2)),
    "linear": (_z, sympy.Integer(1)),
}


def loss_rules(name: str, y: sympy.Symbol = _y, h: sympy.Symbol = _h) -> tuple[sympy.Expr, sympy.Expr]:
    """One output's term of the loss and its derivative ∂/∂ŷ, as sympy expressions."""
    diff = _sub(y, h)
    return {
        "difference": (diff, sympy.Integer(-1)),
        "mse": (sympy.Pow(diff, 2, **_U), sympy.Mul(-2, diff, **_U)),
        "half_sse": (sympy.Mul(sympy.Rational(1, 2), sympy.Pow(diff, 2, **_U), **_U), _sub(h, y)),
        "mae": (sympy.Abs(diff, **_U), sympy.Mul(-1, sympy.sign(diff, **_U), **_U)),
        "bce": (sympy.Mul(-1, sympy.Add(sympy.Mul(y, sympy.log(h), **_U),
                                        sympy.Mul(_sub(1, y), sympy.log(_sub(1, h)), **_U), **_U), **_U),
                sympy.Mul(_sub(h, y), sympy.Pow(sympy.Mul(h, _sub(1, h), **_U), -1, **_U), **_U)),
        "cce": (sympy.Mul(-1, y, sympy.log(h), **_U), sympy.Mul(-1, y, sympy.Pow(h, -1, **_U), **_U)),
    }[name]


def activation_rule(name: str) -> str:
    """``f(z) = …, f′(z) = …`` of an activation, e.g. ``σ′(z) = a(1 − a)`` with ``a = σ(z)``."""
    if name == "softmax":
        return (r"a_k = \frac{e^{z_k}}{\sum_m e^{z_m}}, \qquad "
                r"\frac{\partial a_k}{\partial z_j} = a_k\,\bigl([k = j] - a_j\bigr)")
    value, deriv = ACTIVATION_RULES[name]
    f = ACT_NAMES[name]
    return rf"{f}(z) = {sympy_latex(value)}, \qquad {f}'(z) = {sympy_latex(deriv)}"


def loss_formula(name: str, outputs: int, y: str, hat: str) -> str:
    """The right-hand side of ``L`` for one sample; ``y`` and ``hat`` are the LaTeX of one
    output's target and prediction (with the index ``j`` when there are several outputs)."""
    ys, hs = sympy.symbols("target prediction")
    term = HousePrinter({ys: y, hs: hat}).doprint(loss_rules(name, ys, hs)[0])
    if outputs == 1:
        return term
    pre = rf"\frac{{1}}{{{outputs}}}" if name in ("mse", "mae") else ""
    return rf"{pre}\sum_{{j=1}}^{{{outputs}}} \Bigl({term}\Bigr)"


def loss_rule(name: str, outputs: int) -> str:
    """``L(y, ŷ)`` of one sample and ``∂L/∂ŷ_j``."""
    if outputs == 1:
        deriv = loss_rules(name)[1]
        return (rf"L = {loss_formula(name, 1, 'y', _NAMES[_h])}, \qquad "
                rf"\frac{{\partial L}}{{\partial \hat{{y}}}} = {sympy_latex(deriv)}")
    deriv = loss_rules(name, _yj, _hj)[1]
    mean = name in ("mse", "mae")
    pre = rf"\frac{{1}}{{{outputs}}}" if mean else ""
    return (rf"L = {loss_formula(name, outputs, 'y_j', _NAMES[_hj])}, \qquad "
            rf"\frac{{\partial L}}{{\partial \hat{{y}}_j}} = {pre}{'(' if mean else ''}{sympy_latex(deriv)}"
            rf"{')' if mean else ''}")
