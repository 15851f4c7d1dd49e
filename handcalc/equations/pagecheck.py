"""Re-check the arithmetic lines of a page from the LaTeX it prints.

This reads what a student reads: the display math of a Markdown page (``$$ … $$``), of a
worksheet document (``<div class="math display">…</div>``) or of a built site page
(arithmatex's ``<div class="arithmatex">\\[…\\]</div>``), not the engine's records.  Every
equation whose second-to-last member is *printed numbers* joined by ``+ − ·``, fractions,
powers, ``|…|`` and parentheses (``\\tfrac{1}{n}\\bigl(…\\bigr)`` for a mean), and whose last
member is one number, is redone with exact decimal arithmetic:

* ``=`` before the result: the printed numbers must give it exactly;
* ``≈`` before the result: they must give it after rounding to its printed decimals,
  halves away from zero.

Lines with symbols or functions (``e^{…}``, ``\\ln``, ``\\max``, a worksheet's blank box)
are not arithmetic lines and are left alone.  A key's filled answer box counts as the
number it holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from ..core.numbers import Num, round_half_away

_MD_BLOCK = re.compile(r"^[ \t]*\$\$[ \t]*\n(.*?)\n[ \t]*\$\$[ \t]*$", re.S | re.M)
_HTML_BLOCK = re.compile(r'<div class="math display">(.*?)</div>', re.S)  # worksheet documents
_SITE_BLOCK = re.compile(r'<div class="arithmatex"[^>]*>\\\[(.*?)\\\]</div>', re.S)  # a built MkDocs page
_ROW_SPLIT = re.compile(r"\\\\(?:\[[^\]]*\])?")
_BOX = re.compile(r"\\boxed\{\\rule\[[^\]]*\]\{[^}]*\}\{[^}]*\}\\,(.*?)\\hspace\{[^}]*\}\}")
_ANSWER = re.compile(r"^\\mathrlap\{([^{}]*)\}$")
_RELATIONS = (r"\approx", r"\leftarrow", "=")


@dataclass(frozen=True)
class LineCheck:
    """One arithmetic line: where it stands, its text, and what its numbers give."""

    where: str
    numbers: str
    relation: str  # "=" or "≈"
    result: str
    again: Fraction

    @property
    def ok(self) -> bool:
        printed = Fraction(self.result)
        if self.relation == "=":
            return self.again == printed
        places = len(self.result.partition(".")[2])
        return round_half_away(Num(self.again), places) == printed

    def __str__(self) -> str:
        sign = "=" if self.relation == "=" else "≈"
        return (f"{self.where}: {self.numbers} {sign} {self.result}, "
                f"but the printed numbers give {_decimal(self.again)}")


@dataclass
class PageCheck:
    lines: list[LineCheck] = field(default_factory=list)

    @property
    def failures(self) -> list[LineCheck]:
        return [ln for ln in self.lines if not ln.ok]

    def extend(self, other: PageCheck) -> None:
        self.lines += other.lines

    def summary(self) -> str:
        return f"{len(self.lines)} printed arithmetic lines redone from the pages, {len(self.failures)} failed"


def _decimal(x: Fraction, digits: int = 12) -> str:
    q = round(x * 10**digits)
    return str(Fraction(q, 10**digits).__float__()) if x.denominator != 1 else str(x.numerator)


# ---------------------------------------------------------------------------
# finding the equations of a page


def math_blocks(text: str) -> list[str]:
    """The display math of a Markdown page, a worksheet document or a built site page
    (HTML entities decoded)."""
    blocks = [m.group(1) for m in _MD_BLOCK.finditer(text)]
    blocks += [html.unescape(m.group(1)) for m in _HTML_BLOCK.finditer(text)]
    blocks += [html.unescape(m.group(1)) for m in _SITE_BLOCK.finditer(text)]
    return blocks


def equations(block: str) -> list[str]:
    """The equations of one display block: the rows of an ``aligned`` environment joined
    into one line per equation (a row that starts with ``&`` continues the one above)."""
    body = block.strip()
    m = re.fullmatch(r"\\begin\{aligned\}(.*)\\end\{aligned\}", body, re.S)
    if not m:
        return [body]
    out: list[str] = []
    for row in _ROW_SPLIT.split(m.group(1)):
        row = row.strip()
        if not row:
            continue
        cont = row.startswith("&")
        row = row.replace("&", " ").replace(r"\quad", " ")
        if cont and out:
            out[-1] += " " + row
        else:
            out.append(row)
    return out


def _members(eq: str) -> tuple[list[str], list[str]]:
    """Split an equation at its top-level relations: members and the relations between them."""
    members, rels, depth, start, k = [], [], 0, 0, 0
    while k < len(eq):
        c = eq[k]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0:
            for r in _RELATIONS:
                if eq.startswith(r, k) and not (r == "=" and eq[k - 1:k] in "<>!"):
                    if r.startswith("\\") and eq[k + len(r):k + len(r) + 1].isalpha():
                        continue
                    members.append(eq[start:k])
                    rels.append(r)
                    k += len(r)
                    start = k
                    break
            else:
                k += 1
                continue
            continue
        k += 1
    members.append(eq[start:])
    return [m.strip() for m in members], rels


def _answer(member: str) -> str:
    """A key's answer box as the number it holds (a blank box stays a box)."""
    m = _BOX.fullmatch(member.strip())
    if not m:
        return member
    inner = _ANSWER.match(m.group(1).strip())
    return inner.group(1) if inner else member


# ---------------------------------------------------------------------------
# exact arithmetic on printed numbers

_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?|\\tfrac|\\frac|\\dfrac|\\cdot|\\times|\\bigl\(|\\bigr\)|\\Bigl\(|\\Bigr\)"
                    r"|\\left\(|\\right\)|\\lvert|\\rvert|\\left\||\\right\||\\,|\\;|[-+()^{}|−])")
_NUMBER = re.compile(r"^\s*(-?)\s*(\d+(?:\.\d+)?)\s*$")


class _NotArithmetic(Exception):
    pass


def _tokens(text: str) -> list[str]:
    out, k = [], 0
    text = text.strip()
    while k < len(text):
        m = _TOKEN.match(text, k)
        if not m:
            raise _NotArithmetic(text[k:k + 12])
        k = m.end()
        t = m.group(1)
        if t in (r"\,", r"\;"):
            continue
        out.append({r"\bigl(": "(", r"\bigr)": ")", r"\Bigl(": "(", r"\Bigr)": ")", r"\left(": "(",
                    r"\right)": ")", r"\times": r"\cdot", "−": "-", r"\left|": "|", r"\right|": "|",
                    r"\lvert": "|", r"\rvert": "|", r"\dfrac": r"\frac", r"\tfrac": r"\frac"}.get(t, t))
    return out


class _Parser:
    """expr := term (('+'|'-') term)* ; term := unary (('\\cdot')? unary)* ; unary := '-' unary | power ;
    power := atom ('^' exponent)? ; atom := number | '(' expr ')' | '{' expr '}' | '|' expr '|' | frac."""

    def __init__(self, tokens: list[str]) -> None:
        self.t, self.k = tokens, 0

    def peek(self) -> str | None:
        return self.t[self.k] if self.k < len(self.t) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise _NotArithmetic(f"expected {want}")
        self.k += 1
        return tok

    def expr(self, closing: str | None = None) -> Fraction:
        value = self.term(closing)
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term(closing)
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self, closing: str | None) -> Fraction:
        value = self.unary(closing)
        while True:
            tok = self.peek()
            if tok == r"\cdot":
                self.take()
                value *= self.unary(closing)
            elif tok in ("(", "{", r"\frac") or (tok == "|" and closing != "|") or (tok and tok[0].isdigit()):
                value *= self.unary(closing)  # juxtaposition: 2(…), \tfrac{1}{4}\bigl(…\bigr)
            else:
                return value

    def unary(self, closing: str | None) -> Fraction:
        if self.peek() == "-":
            self.take()
            return -self.unary(closing)
        return self.power()

    def power(self) -> Fraction:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            if self.peek() == "{":
                self.take()
                e = self.expr()
                self.take("}")
            else:
                tok = self.take()
                if not tok.isdigit():
                    raise _NotArithmetic("exponent")
                e = Fraction(int(tok))
            if e.denominator != 1 or abs(e) > 12:
                raise _NotArithmetic("exponent")
            if base == 0 and e < 0:
                raise _NotArithmetic("0 to a negative power")
            return base ** int(e)
        return base

    def atom(self) -> Fraction:
        tok = self.take()
        if tok[0].isdigit():
            return Fraction(tok)
        if tok in ("(", "{"):
            value = self.expr()
            self.take(")" if tok == "(" else "}")
            return value
        if tok == "|":
            value = self.expr("|")
            self.take("|")
            return abs(value)
        if tok == r"\frac":
            self.take("{")
            num = self.expr()
            self.take("}")
            self.take("{")
            den = self.expr()
            self.take("}")
            if den == 0:
                raise _NotArithmetic("division by zero")
            return num / den
        raise _NotArithmetic(tok)


def evaluate(text: str) -> Fraction:
    """The exact value of printed numbers joined by arithmetic (raises ``ValueError`` if the
    text holds anything else: a symbol, a function, a box)."""
    try:
        p = _Parser(_tokens(text))
        value = p.expr()
        if p.peek() is not None:
            raise _NotArithmetic(p.peek())
    except _NotArithmetic as e:
        raise ValueError(f"not arithmetic: {e}") from None
    return value


def _substitute(numbers: str, known: dict[str, str]) -> str:
    """A worksheet line writes the student's earlier results as their symbols, in braces
    (``{z^{[1]}_{1}}``): each becomes the number its own line gave (the key's answer)."""
    if not known or "{" not in numbers:
        return numbers
    out, k = [], 0
    while k < len(numbers):
        if numbers[k] == "{" and (k == 0 or numbers[k - 1] not in "}^_" and not numbers[:k].rstrip().endswith(
                ("frac", "tfrac", "dfrac"))):
            depth, j = 0, k
            while j < len(numbers):
                depth += {"{": 1, "}": -1}.get(numbers[j], 0)
                if depth == 0:
                    break
                j += 1
            inner = numbers[k + 1:j]
            if inner in known:
                out.append(f"({known[inner]})")
                k = j + 1
                continue
        out.append(numbers[k])
        k += 1
    return "".join(out)


def check_equation(eq: str, where: str, known: dict[str, str] | None = None) -> LineCheck | None:
    """The re-check of one equation, or ``None`` when it is not an arithmetic line.  ``known``
    maps the symbols of earlier lines to their printed results (see :func:`check_text`)."""
    return _check_members(*_members(eq), where, known)


def _check_members(members: list[str], rels: list[str], where: str,
                   known: dict[str, str] | None) -> LineCheck | None:
    if len(members) < 3:
        return None
    result = _answer(members[-1])
    m = _NUMBER.match(result)
    if not m or rels[-1] == r"\leftarrow":
        return None
    numbers = _substitute(members[-2], known or {})
    if _NUMBER.match(numbers):
        return None  # a number copied, nothing computed
    try:
        again = evaluate(numbers)
    except ValueError:
        return None
    return LineCheck(where, numbers, "=" if rels[-1] == "=" else "≈", m.group(1) + m.group(2), again)


def check_text(text: str, where: str) -> PageCheck:
    """Every arithmetic line of one page.  A symbol that an earlier line of the page worked
    out (an answer-key line ``z^{[1]}_{1} = … = 17``) stands for that line's printed result."""
    report = PageCheck()
    known: dict[str, str] = {}
    n = 0
    for block in math_blocks(text):
        for eq in equations(block):
            n += 1
            members, rels = _members(eq)
            line = _check_members(members, rels, f"{where}, equation {n}", known)
            if line is not None:
                report.lines.append(line)
            value = _NUMBER.match(_answer(members[-1])) if len(members) > 1 else None
            if value:
                known[members[0]] = value.group(1) + value.group(2)
    return report


def check_pages(pages: Iterable[tuple[str, str]]) -> PageCheck:
    """Every arithmetic line of several ``(name, text)`` pages."""
    report = PageCheck()
    for name, text in pages:
        report.extend(check_text(text, name))
    return report
