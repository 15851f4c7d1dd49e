"""Printable worksheets: the equations of one example with a blank box for every result.

A worksheet covers a *scope* of one training step:

* ``forward`` — ``z^{[l]}_j = Σ_i a^{[l-1]}_i W^{[l]}_{ij} + b^{[l]}_j`` and ``a^{[l]}_j = f(z^{[l]}_j)``
  for every layer;
* ``loss``    — the forward pass and ``L(y, ŷ)``;
* ``step``    — the forward pass, the loss, the backward pass (``∂L/∂a``, ``f′``,
  ``δ = ∂L/∂a · f′``, ``∂L/∂W``, ``∂L/∂b`` from the output down) and the update
  ``θ_new = θ − η ∂L/∂θ``.

Each line is *formula = given numbers = box*.  Numbers the student is given (inputs,
targets, weights, biases, η, a slope) are written out in full, as the givens list them
(:class:`handcalc.core.display.InFull`), never rounded to the worksheet's decimals; a number the
student worked out on an earlier line is written as that line's symbol
(:class:`handcalc.core.display.Named`), so the worksheet never gives an answer away.  The answer
key is the same document with every box filled from the trace through
:func:`handcalc.core.display.show`.

Worksheets use hand rounding by default (every result rounded to ``decimals`` places,
halves away from zero, before it is used again), so a student with a calculator gets
exactly the key's numbers, and :func:`handcalc.core.check.check` re-checks the key.

Variants (:func:`make_variants`) draw fresh hand-friendly weights (and optionally inputs)
from seeds derived reproducibly from one base seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from itertools import islice
from typing import Any

from ..core import check as check_mod
from ..core import engine
from ..core.display import GIVEN_PLACES, InFull, Named, Shown, operands, show, show_nonzero
from ..core.errors import SpecError
from ..core.functions import ACTIVATIONS
from ..core.numbers import Num, round_half_away
from ..core.spec import LayerSpec, Sample, Spec, Training, parse
from ..core.trace import Affine, Applied, ForwardLayer, Mean, Params, Record, Trace, Update
from ..core.variants import variant
from ..core.walk import Entry, Place, Section, trace_sections
from ..equations import latex
from ..equations.dialect import Dialect
from ..equations.latex import LATEX, Style

SCOPES = ("forward", "loss", "step")
SCOPE_TITLES = {"forward": "forward pass", "loss": "forward pass and loss", "step": "one training step"}
SCOPE_HEADINGS = {k: v.capitalize() for k, v in SCOPE_TITLES.items()}
MAX_BATCH = 4  # a step-scope worksheet works at most this many samples by hand
MAX_LINES = 500  # results on one worksheet at most (estimated up front, see estimate_lines)
MAX_TOTAL_LINES = 50_000  # results of all variants of one `handcalc worksheet --variants` run
LINES_PER_PAGE = 11  # about, on A4 (a 2-32-32-1 step: 2,566 results on 223 pages)
DEFAULT_DECIMALS = 2
ATTEMPTS = 40  # seeds tried per variant before giving up


# ---------------------------------------------------------------------------
# content


@dataclass(frozen=True)
class Line:
    """One equation: the key's line (the answer in its box, after the relation that holds) and
    the worksheet's (the box empty, after "=": whether the result is exact or rounded is the key's
    to say), in the worksheet's dialect (:attr:`Worksheet.dialect`)."""

    number: int
    lhs: str  # the symbol of the result
    answer: Shown
    record: Record
    operands: tuple[str, ...]  # the given numbers written on the line (as text)
    equation: latex.Equation  # the key's line as structure (the site lays it out again for phones)
    box_em: float  # the width of its answer box

    @cached_property
    def blank_equation(self) -> latex.Equation:
        eq = self.equation
        return replace(eq, result=eq.dialect.answer_box(self.box_em), relation="=")

    @cached_property
    def blank(self) -> str:
        """The worksheet's rows (an ``aligned`` block)."""
        return self.equation.dialect.aligned(self.blank_equation.rows())

    @cached_property
    def filled(self) -> str:
        """The key's rows."""
        return self.equation.dialect.aligned(self.equation.rows())


@dataclass(frozen=True)
class Group:
    title: str  # plain text
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Span:
    """A piece of a sentence: plain text, or math in the worksheet's dialect (a symbol)."""

    text: str
    math: bool = False


def words(text: str) -> tuple[Span, ...]:
    """A sentence without math."""
    return (Span(text),)


@dataclass(frozen=True)
class Part:
    """One phase of the step (forward, loss, backward, update): it starts a new page."""

    key: str
    title: str
    intro: tuple[Span, ...]  # plain text and symbols
    rules: tuple[str, ...]  # display blocks of the rules used
    groups: tuple[Group, ...]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(ln for g in self.groups for ln in g.lines)


@dataclass(frozen=True)
class Given:
    """A named quantity the student is given, as display blocks (wide matrices split)."""

    label: str  # plain text
    blocks: tuple[str, ...]


@dataclass(frozen=True)
class Flip:
    """A unit whose ``z`` is above ``at`` (its activation's kink, else 0) in the key and not in the
    exact run of the same step from the spec as written, or the other way round: the sheet's
    rounding (of this step, or of the steps before it) moved it there, so at a kink the unit's
    later lines differ from the exact run's by more than rounding.  Math in the worksheet's dialect."""

    line: int  # the key's line of z
    layer: int
    unit: int  # 1-based
    activation: str  # its title ("ReLU")
    kink: bool  # the activation changes its rule at ``at`` (else only the sign of z differs)
    key: str  # "z = -0.01", as the key has it
    exact: str  # "z ≈ 0.0004", as the exact run has it
    at: str  # "0"
    above: bool  # the key's z is above ``at`` (and the exact run's is not)


@dataclass(frozen=True)
class Worksheet:
    title: str  # plain text from the spec (escaped where it lands)
    scope: str
    decimals: int
    hand: bool
    variant: str | None  # e.g. "1-07"
    weight_seed: int | None  # the seed the variant's weights were drawn with
    sizes: str  # "2-3-2-1"
    samples: int
    givens: tuple[Given, ...]
    parts: tuple[Part, ...]
    trace: Trace
    worked: int = 1  # the training step worked (training.worked_step)
    dialect: Dialect = LATEX  # the math of lines, rules and givens
    symbol_example: str = ""  # the symbol of the first result (z of layer 1, unit 1), for the instructions
    prediction: str = ""  # the symbol of the prediction
    flips: tuple[Flip, ...] = ()  # units on the other side of a kink (or of 0) than in the exact run

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(ln for p in self.parts for ln in p.lines)

    @property
    def earlier(self) -> int:
        """The training steps before the one worked: the givens are the parameters they leave."""
        return self.worked - 1


# ---------------------------------------------------------------------------
# the spec a worksheet is made from


def default_scope(spec: Spec) -> str:
    """A full step where it fits on paper, else forward + loss, else the forward pass."""
    if not spec.trains:
        return "forward"
    return "step" if spec.training.batch_size <= MAX_BATCH else "loss"


def prepare(spec: Spec, scope: str, rounding: str | None = None, decimals: int | None = None,
            where: str = "spec") -> Spec:
    """The spec of one worksheet: hand rounding (unless overridden), cut down to one step.

    Forward and loss scope use the first sample of the worked step (``training.worked_step``);
    step scope keeps its whole batch.  A later worked step starts from the parameters the
    updates before it leave, under the worksheet's own rounding.  Raises :class:`SpecError`
    for a scope the spec cannot have (no loss) or a batch too large to work by hand."""
    if scope not in SCOPES:
        raise SpecError("--scope", f"expected one of {', '.join(SCOPES)}, got {scope!r}")
    if not spec.trains and scope != "forward":
        raise SpecError("--scope", f"{where} has no loss or no training, so its worksheet can only cover "
                        "the forward pass (use --scope forward)")
    if not spec.train:
        raise SpecError("data.train", "a worksheet needs at least one training sample")
    spec = spec.with_display(rounding=rounding or "hand", decimals=DEFAULT_DECIMALS if decimals is None else decimals)
    if not spec.trains:
        _check_lines(spec, scope, 1, where)
        return replace(spec, train=spec.train[:1], test=())
    _, batch = next(islice(engine.schedule(spec), spec.training.worked_step - 1, None))
    if scope == "step" and len(batch) > MAX_BATCH:
        raise SpecError("--scope", f"one step of {where} works a batch of {len(batch)} samples, too many "
                        f"to do by hand (at most {MAX_BATCH}); use --scope forward or loss (first sample only) "
                        "or an example with a smaller training.batch_size")
    keep = batch if scope == "step" else batch[:1]
    _check_lines(spec, scope, len(keep), where)
    layers = _trained(spec, spec.training.worked_step - 1)
    return replace(spec, layers=layers, train=tuple(spec.train[i] for i in keep), test=(),
                   training=Training(epochs=1, batch_size=len(keep), shuffle=False, exact_steps=1))


def _params_after(spec: Spec, steps: int, r: engine.Rounder) -> tuple[Params, ...]:
    """The parameters the first ``steps`` updates of ``spec`` leave, every result written down by ``r``."""
    params, plan = engine.initial_params(spec), engine.schedule(spec)
    for number in range(1, steps + 1):
        epoch, batch = next(plan)
        _, params = engine.step(spec, params, number, epoch, batch, r)
    return params


def _trained(spec: Spec, steps: int) -> tuple[LayerSpec, ...]:
    """The layers as the first ``steps`` updates leave them (the spec's own rounding).

    They are given numbers of the worksheet: an exact value stays as it is, an approximate
    one becomes the number written (:data:`GIVEN_PLACES` decimals)."""
    if steps == 0:
        return spec.layers
    params = _params_after(spec, steps, engine.Rounder(spec.display.rounding == "hand", spec.display.decimals))

    def given(x: Num) -> Fraction:
        return x.v if x.exact else round_half_away(x, GIVEN_PLACES)

    return tuple(replace(lay, weights=tuple(tuple(given(w) for w in row) for row in p.W),
                         bias=None if p.b is None else tuple(given(v) for v in p.b))
                 for lay, p in zip(spec.layers, params))


class TooLarge(SpecError):
    """The worksheet would have more lines than :data:`MAX_LINES`."""


def estimate_lines(spec: Spec, scope: str, samples: int) -> int:
    """About how many results a worksheet of ``scope`` over ``samples`` samples has (from the
    network's size alone, before anything is computed): z and a of every unit per sample;
    each sample's loss and the batch loss; ∂L/∂a, f′ and δ of every unit per sample, and
    ∂L/∂θ and the update of every trained parameter."""
    units = sum(lay.units for lay in spec.layers)
    lines = 2 * samples * units
    if scope != "forward":
        lines += samples + (samples > 1)
    if scope == "step":
        trained = sum(len(lay.weights) * lay.units + (lay.units if lay.bias is not None and lay.trainable_bias else 0)
                      for lay in spec.layers)
        lines += 3 * samples * units + 2 * trained
    return lines


def _check_lines(spec: Spec, scope: str, samples: int, where: str) -> None:
    n = estimate_lines(spec, scope, samples)
    if n > MAX_LINES:
        smaller = {"step": " use --scope loss or forward, or", "loss": " use --scope forward, or"}.get(scope, "")
        raise TooLarge("--scope", f"a worksheet ({SCOPE_TITLES[scope]}) of {where} would have about {n:,} results, "
                       f"over the limit of {MAX_LINES:,} (about {MAX_LINES // LINES_PER_PAGE} pages);{smaller} "
                       "make it from a smaller network")


# ---------------------------------------------------------------------------
# lines


def _operand(x: Num, symbol: str | None) -> Num:
    """A derived operand as its symbol (:class:`Named`), a given one to be written in full (:class:`InFull`)."""
    return InFull(x) if symbol is None else Named(x, symbol)


def _mask(rec: Record, derived: Sequence[str | None]) -> Record:
    """The record with its operands (in the order of :func:`handcalc.core.display.operands`) marked:
    the derived ones named, the given ones (and an activation's slope) to be written in full."""
    it = iter(derived)
    if isinstance(rec, Affine):
        terms = tuple((_operand(x, next(it)), _operand(w, next(it))) for x, w in rec.terms)
        offset = None if rec.offset is None else _operand(rec.offset, next(it, None))  # the walk lists no bias
        return replace(rec, terms=terms, offset=offset)
    if isinstance(rec, Mean):
        return replace(rec, items=tuple(_operand(x, next(it)) for x in rec.items))
    if isinstance(rec, Applied):
        return replace(rec, args=tuple(_operand(x, next(it)) for x in rec.args),
                       param=None if rec.param is None else InFull(rec.param))
    if isinstance(rec, Update):
        return replace(rec, old=_operand(rec.old, next(it)), rate=_operand(rec.rate, next(it)),
                       grad=_operand(rec.grad, next(it)))
    raise TypeError(f"no worksheet line for {type(rec).__name__}")


def box_width(answers: Sequence[Shown]) -> float:
    """The width (em) of the answer boxes of a group of lines: room for the longest answer among
    them, so a box is sized for answers of its kind without telling one line's answer (its sign,
    its digits) from the others'."""
    return max(4.5, 0.6 * max((len(a.text) for a in answers), default=0) + 1.5)


class Builder:
    """Numbers the lines in order and writes each one twice: blank and filled."""

    def __init__(self, style: Style) -> None:
        self.style, self.count = style, 0

    def lines(self, entries: Sequence[Entry]) -> tuple[Line, ...]:
        """The lines of a group of entries, their answer boxes of one width (:func:`box_width`)."""
        answers = [show(e.record.value, self.style.decimals, e.record.rounded) for e in entries]
        width = box_width(answers)
        return tuple(self.line(e, a, width) for e, a in zip(entries, answers))

    def line(self, entry: Entry, answer: Shown, box_em: float) -> Line:
        """The line of one entry of the walk: the operands the student worked out earlier are
        written as the symbols of their lines, the given ones as numbers."""
        rec, d = entry.record, self.style.dialect
        derived = [None if p is None else latex.symbol(p, self.style) for p in entry.operands]
        masked = _mask(rec, derived)
        eq = latex.equation(replace(entry, record=masked), self.style)
        if all(x is not None for x in derived):  # nothing given to substitute: formula, then the box
            eq = replace(eq, numbers=(), relation=eq.through())
        filled = replace(eq, result=d.answer_box(box_em, answer.text))
        places = latex.places_of(masked, self.style)  # the digits the line itself was written with
        given = tuple(latex.number(x, places, d=d) for x, o in zip(operands(masked), derived) if o is None)
        self.count += 1
        return Line(self.count, eq.lhs, answer, rec, given, filled, box_em)


def _layer_title(spec: Spec, l: int, head: str = "") -> str:
    lay = spec.layers[l - 1]
    units = f"{lay.units} unit{'s' if lay.units > 1 else ''}"
    return f"{head or f'Layer {l}'}: {units}, {ACTIVATIONS[lay.activation].title}"


def _groups(b: Builder, sections: Sequence[Section], spec: Spec, part: str) -> tuple[Group, ...]:
    """The groups of lines of one part of the worksheet, from the walk's sections of that part."""
    groups = []
    samples = len({sec.sample for sec in sections if sec.part == "forward"})
    for sec in (x for x in sections if x.part == part):
        # a batch of one: its mean L = L^{(1)} says nothing new
        lines = b.lines([e for e in sec.entries if not (e.place.kind == "L" and len(e.operands) == 1)])
        if part == "forward":
            head = f"Sample {sec.sample + 1}, layer {sec.layer}" if samples > 1 else ""
            title = _layer_title(spec, sec.layer, head)
        elif part == "backward":
            title = _layer_title(spec, sec.layer)
        else:
            title = "Loss" if part == "loss" else f"Layer {sec.layer}"
        groups.append(Group(title, lines))
    return tuple(groups)


# ---------------------------------------------------------------------------
# the key against the exact run


def exact_forward(written: Spec, samples: Sequence[Sample], step: int) -> tuple[ForwardLayer, ...]:
    """The forward pass of ``samples`` at training step ``step`` of the spec as written, every result
    exact (no rounding, neither in this step nor in the updates before it)."""
    exact = engine.Rounder(False, written.display.decimals)
    params = _params_after(written, step - 1, exact) if written.trains else engine.initial_params(written)
    return engine.forward(written, params, [tuple(Num(v) for v in s.x) for s in samples], exact)


def flips(ws_lines: Sequence[Line], forward: Sequence[ForwardLayer], exact: Sequence[ForwardLayer], spec: Spec,
          decimals: int, d: Dialect) -> tuple[Flip, ...]:
    """The units whose z in the key (``forward``, its lines ``ws_lines``) is above a kink of their
    activation (an activation without one: above 0) and in the ``exact`` run is not, or the other way
    round (at the kink itself z takes the rule below it: ReLU′(0) = 0); the exact z is written with
    ``decimals`` (more where it would read 0)."""
    line_of = {id(ln.record): ln for ln in ws_lines}
    out = []
    for l, (mine, theirs) in enumerate(zip(forward, exact), start=1):
        act = ACTIVATIONS[spec.layers[l - 1].activation]
        for zs, xs in zip(mine.z, theirs.z):  # per sample
            for j, (rec, ex) in enumerate(zip(zs, xs)):
                at = next((p for p in act.kinks or (Fraction(0),) if (rec.value > p) != (ex.value > p)), None)
                if at is None:
                    continue
                ln, shown = line_of[id(rec)], show_nonzero(ex.value, decimals)
                out.append(Flip(ln.number, l, j + 1, act.title, bool(act.kinks),
                                f"{ln.lhs} {d.relation(ln.answer.relation)} {ln.answer.text}",
                                f"{ln.lhs} {d.relation(shown.relation)} {shown.text}",
                                show(Num(at), GIVEN_PLACES).text, rec.value > at))
    return tuple(out)


# ---------------------------------------------------------------------------
# givens


def _blocks(lhs: str, rows: Sequence[Sequence[str]], st: Style) -> tuple[str, ...]:
    return tuple(latex.matrix_blocks(lhs, rows, d=st.dialect))


def _nums(xs: Sequence[Num]) -> list[str]:
    """Given numbers in full (as the spec writes them)."""
    return [show(x, GIVEN_PLACES).text for x in xs]


def _givens(spec: Spec, trace: Trace, st: Style, scope: str, step: int) -> tuple[Given, ...]:
    out, d = [], st.dialect
    for s, sample in enumerate(spec.train):
        tag = f" (sample {s + 1})" if len(spec.train) > 1 else ""
        sup = "" if len(spec.train) == 1 else f"({s + 1})"
        names = ", ".join(spec.inputs)
        x = latex.vector(_nums([Num(v) for v in sample.x]), st)
        out.append(Given(f"Input{tag}: {names}", _blocks(d.script("x", sup), x, st)))
        if scope != "forward" and sample.y is not None:
            out.append(Given(f"Target{tag}: {', '.join(spec.outputs)}",
                             _blocks(d.script("y", sup), latex.vector(_nums([Num(v) for v in sample.y]), st), st)))
    for l, p in enumerate(trace.initial, start=1):
        cols = len(p.W[0])
        flat = _nums([w for row in p.W for w in row])
        rows = latex.oriented([flat[i * cols:(i + 1) * cols] for i in range(len(p.W))], st)
        blocks = _blocks(d.script("W", f"[{l}]"), rows, st)
        if p.b is not None:
            blocks += _blocks(d.script("b", f"[{l}]"), latex.vector(_nums(p.b), st), st)
        act = ACTIVATIONS[spec.layers[l - 1].activation].title
        units = spec.layers[l - 1].units
        when = f", as training step {step} starts" if step > 1 else ""
        out.append(Given(f"Layer {l} ({units} unit{'s' if units > 1 else ''}, {act}){when}", blocks))
    if scope == "step":
        out.append(Given("Learning rate", (f"{d.greek('eta')} = {_nums([Num(spec.learning_rate)])[0]}",)))
    return tuple(out)


# ---------------------------------------------------------------------------
# the worksheet


def build(spec: Spec, scope: str, variant_id: str | None = None, weight_seed: int | None = None,
          notation: str | None = None, worked: int = 1, dialect: Dialect = LATEX,
          written: Spec | None = None) -> Worksheet:
    """The worksheet of a prepared spec (see :func:`prepare`); ``worked`` is the training step it works;
    its math is written in ``dialect``.  Given the spec as ``written`` (before :func:`prepare`), the
    key notes the units that the sheet's rounding puts on the other side of a kink (:func:`flips`)."""
    trace = engine.run(spec)
    batch = len(spec.train) if trace.steps else 1
    st = Style.of(spec, notation, batch, dialect)
    d = dialect
    sections = trace_sections(trace)
    b = Builder(st)
    activations = tuple(dict.fromkeys(latex.activation_rule(lay.activation, d) for lay in spec.layers))
    parts = [Part("forward", "Forward pass",
                  words("Work through the network from the input to the output, layer by layer."),
                  (_forward_rule(st),) + activations, _groups(b, sections, spec, "forward"))]
    if scope in ("loss", "step"):
        parts.append(Part("loss", "Loss", _loss_intro(len(spec.layers), d),
                          (latex.loss_rule(spec.loss, len(spec.outputs), d),), _groups(b, sections, spec, "loss")))
    if scope == "step":
        parts.append(Part("backward", "Backward pass",
                          words("From the output down: the chain rule gives each layer's error δ = ∂L/∂z, then the "
                                "gradients of its weights and biases."),
                          activations, _groups(b, sections, spec, "backward")))
        theta = d.greek("theta")
        parts.append(Part("update", "Update", words("One step of gradient descent on every weight and bias."),
                          (f"{d.script(theta, sub=d.text('new'))} = {theta} - {d.greek('eta')}{d.thin}"
                           f"{latex.grad(theta, d)}",), _groups(b, sections, spec, "update")))
    noted = ()
    if written is not None:
        exact = exact_forward(written, spec.train, worked)
        noted = flips([ln for p in parts for ln in p.lines], trace.steps[0].forward if trace.steps else trace.inference,
                      exact, spec, written.display.decimals, d)
    return Worksheet(spec.title, scope, st.decimals, st.hand, variant_id, weight_seed,
                     "-".join(map(str, spec.sizes)), len(spec.train), _givens(spec, trace, st, scope, worked),
                     tuple(parts), trace, worked, d, latex.symbol(Place("z", 1, 0), replace(st, batch=1)),
                     d.hat("y"), noted)


def _loss_intro(layers: int, d: Dialect) -> tuple[Span, ...]:
    """"Compare the prediction ŷ (your a^{[L]}) with the target y", the symbols in ``d``."""
    return (Span("Compare the prediction "), Span(d.hat("y"), True), Span(" (your "),
            Span(d.script("a", f"[{layers}]"), True), Span(") with the target "), Span("y", True), Span("."))


def _forward_rule(st: Style) -> str:
    """``z_j = Σ_i a_i W_ij + b_j`` (row) or ``Σ_i W_ji a_i + b_j`` (column), then the activation."""
    d = st.dialect
    a_prev, w = d.script("a", "[l-1]", "i"), d.script("W", "[l]", "ij" if st.notation == "row" else "ji")
    z_j, a_j = d.script("z", "[l]", "j"), d.script("a", "[l]", "j")
    term = f"{a_prev} {w}" if st.notation == "row" else f"{w} {a_prev}"
    return (f"{z_j} = {d.sum('i', '')} {term} + {d.script('b', '[l]', 'j')}, {d.qquad} {a_j} = f({z_j}), "
            f"{d.qquad} {d.script('a', '[0]')} = x")


def make(spec: Spec, scope: str | None = None, rounding: str | None = None, decimals: int | None = None,
         where: str = "spec", notation: str | None = None, dialect: Dialect = LATEX) -> Worksheet:
    """Prepare and build the worksheet of a spec as it is."""
    scope = scope or default_scope(spec)
    return build(prepare(spec, scope, rounding, decimals, where), scope, notation=notation,
                 worked=spec.training.worked_step, dialect=dialect, written=spec)


# ---------------------------------------------------------------------------
# variants


def variant_seed(seed: int, k: int, attempt: int = 0) -> int:
    """The weight seed of variant ``k`` (1-based) of base seed ``seed``: reproducible, spread out."""
    digest = hashlib.sha256(f"handcalc-worksheet:{seed}:{k}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _lively(ws: Worksheet) -> bool:
    """Every hidden ReLU-type layer has at least one unit that passes its input on."""
    layers = ws.trace.steps[0].forward if ws.trace.steps else ws.trace.inference
    for f in layers[:-1]:
        if all(r.value.v == 0 for r in f.a[0]):
            return False
    return True


def make_variants(spec: Spec, count: int, seed: int, scope: str | None = None, *, integers: bool | None = None,
                  weight_decimals: int | None = None, inputs: bool = False, rounding: str | None = None,
                  decimals: int | None = None, where: str = "spec",
                  progress: Callable[[int], None] | None = None, dialect: Dialect = LATEX) -> list[Worksheet]:
    """``count`` worksheets with fresh weights, each different, each key re-checked.

    Variant ``k`` tries the seeds :func:`variant_seed` ``(seed, k, 0), (seed, k, 1), …`` and keeps
    the first whose numbers stay in the loss's domain, whose key passes :func:`handcalc.core.check.check`,
    whose numbers differ from every earlier variant and (if possible) whose hidden layers are not
    all switched off."""
    scope = scope or default_scope(spec)
    one = prepare(spec, scope, rounding, decimals, where)  # the scope and batch are checked once, up front
    lines = estimate_lines(one, scope, len(one.train))
    if lines * count > MAX_TOTAL_LINES:
        raise TooLarge("--variants", f"{count} variants of about {lines:,} results each are over the limit of "
                       f"{MAX_TOTAL_LINES:,} results in one run; make at most {max(MAX_TOTAL_LINES // lines, 1)}")
    out: list[Worksheet] = []
    seen: set[Any] = set()
    width = len(str(count))
    for k in range(1, count + 1):
        fallback = None
        for attempt in range(ATTEMPTS):
            ws_seed = variant_seed(seed, k, attempt)
            raw = variant(spec, ws_seed, integers=integers, decimals=weight_decimals, inputs=inputs)
            try:
                drawn = parse(raw)
                ws = build(prepare(drawn, scope, rounding, decimals, where), scope, f"{seed}-{k:0{width}d}", ws_seed,
                           worked=spec.training.worked_step, dialect=dialect, written=drawn)
            except SpecError:
                continue
            key = _fingerprint(ws)
            if key in seen or not check_mod.check(ws.trace).ok:
                continue
            if not _lively(ws):
                fallback = fallback or (ws, key)
                continue
            break
        else:
            if fallback is None:
                raise SpecError("--variants", f"could not draw variant {k} in {ATTEMPTS} tries "
                                "(the numbers leave the loss's domain); try other --decimals or weights")
            ws, key = fallback
        seen.add(key)
        out.append(ws)
        if progress:
            progress(1)
    return out


def _fingerprint(ws: Worksheet) -> tuple:
    p = ws.trace.initial
    return (tuple((tuple(tuple(w.v for w in row) for row in q.W), None if q.b is None else tuple(x.v for x in q.b))
                  for q in p), tuple(tuple(s.x) for s in ws.trace.spec.train))
