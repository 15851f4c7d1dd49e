"""The one walk over a step's equations: every record of a trace with the place it stands at.

A :class:`Place` says what a number is (``z``, ``δ``, ``∂L/∂W`` …) and where (layer, unit,
input or row, sample); an :class:`Entry` is one equation: its place, its record and, for each
operand of the record (in the order of :func:`handcalc.core.display.operands`), the place an
earlier equation worked it out at, or ``None`` for a given number (an input, a weight, η).

The site pages, the worksheets and :mod:`handcalc.core.check` all take the equations of a step
from :func:`step_sections`, so they cannot drift apart; a printer writes a place's symbol and an
entry's equation in its own dialect.  Sections come in the order a student works: per sample the
forward pass layer by layer, the loss, the backward pass from the output down (per sample ∂L/∂a,
f′ and δ, then ∂L/∂W and ∂L/∂b), the update, and last the same samples forward again with the
updated parameters (``after``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .functions import ACTIVATIONS
from .spec import Spec
from .trace import ForwardLayer, Record, Step, Trace

#: the kinds of place, as the check names them (``L1`` is one sample's loss, ``J`` an entry ∂a_k/∂z_j)
KINDS = ("z", "a", "yhat", "L1", "L", "change", "da", "f'", "delta", "dW", "db", "W", "b")


class Place(NamedTuple):  # a tuple, not a dataclass: a step of a big batch makes hundreds of thousands
    kind: str
    layer: int | None = None  # 1-based; 0 is the input
    unit: int | None = None  # j, 0-based
    row: int | None = None  # the input i of a weight; k of a Jacobian entry ∂a_k/∂z_j
    sample: int | None = None  # 0-based, in the batch
    after: bool = False  # computed with the updated parameters

    def __str__(self) -> str:
        l, s = self.layer, self.sample
        smp = f"[sample {s + 1}]" if s is not None else ""
        j = "" if self.unit is None else self.unit + 1
        name = {
            "z": f"z[{l}]{smp}[{j}]", "a": f"a[{l}]{smp}[{j}]", "yhat": f"ŷ{smp}[{j}]",
            "L1": f"L{smp}", "L": "L", "change": "L change", "da": f"dL/da[{l}]{smp}[{j}]",
            "f'": f"f'[{l}]{smp}[{j}]" if self.row is None else f"J[{l}]{smp}[{self.row + 1},{j}]",
            "delta": f"delta[{l}]{smp}[{j}]", "dW": f"dL/dW[{l}][{(self.row or 0) + 1},{j}]",
            "db": f"dL/db[{l}][{j}]", "W": f"W[{l}][{(self.row or 0) + 1},{j}] new", "b": f"b[{l}][{j}] new",
        }[self.kind]
        return f"after: {name}" if self.after else name


@dataclass(frozen=True)
class Entry:
    place: Place
    record: Record
    operands: tuple[Place | None, ...]  # where each operand was worked out (None: a given number)


@dataclass(frozen=True)
class Section:
    part: str  # "forward" | "loss" | "backward" | "update" | "after"
    layer: int | None  # None: the loss, or the whole "after" pass
    sample: int | None  # the forward pass is worked sample by sample
    entries: tuple[Entry, ...]

    def of(self, kind: str) -> list[Entry]:
        """This section's entries of one kind, in order."""
        return [e for e in self.entries if e.place.kind == kind]


def forward_sections(layers: Sequence[ForwardLayer], elementwise: Sequence[bool],
                     after: bool = False) -> Iterator[Section]:
    """Per sample, per layer: ``z_j = Σ a_i W_ij + b_j`` and ``a_j = f(z)``; ``elementwise[l]``
    is false for an activation of the whole vector (softmax: every z is an operand)."""
    for s in range(len(layers[0].z) if layers else 0):
        for f, each in zip(layers, elementwise):
            l = f.layer
            out = []
            ops = tuple(o for i in range(len(f.W))  # the same for every unit: (a_i, given W_ij) pairs
                        for o in (None if l == 1 else Place("a", l - 1, i, sample=s, after=after), None))
            for j, rec in enumerate(f.z[s]):
                out.append(Entry(Place("z", l, j, sample=s, after=after), rec, ops))
            zs = [Place("z", l, k, sample=s, after=after) for k in range(len(f.z[s]))]
            for j, rec in enumerate(f.a[s]):
                out.append(Entry(Place("a", l, j, sample=s, after=after), rec, (zs[j],) if each else tuple(zs)))
            yield Section("forward", l, s, tuple(out))


def step_sections(step: Step, elementwise: Sequence[bool], derivative_of: Sequence[str]) -> list[Section]:
    """Every equation of one training step, section by section (see the module's docstring);
    ``derivative_of[l]`` says whether layer l's f′ is written in z or in a."""
    out = list(forward_sections(step.forward, elementwise))
    n = len(step.batch)
    outs = len(step.forward[-1].a[0])
    losses = [Entry(Place("L1", sample=s), rec, (None,) * outs + tuple(Place("yhat", unit=j, sample=s)
                                                                       for j in range(outs)))
              for s, rec in enumerate(step.losses)]
    mean = Entry(Place("L"), step.loss, tuple(Place("L1", sample=s) for s in range(n)))
    out.append(Section("loss", None, None, tuple(losses) + (mean,)))
    top = len(step.forward)
    for b in reversed(step.backward):
        l, each = b.layer, elementwise[b.layer - 1]
        entries: list[Entry] = []
        for s in range(n):
            for j, rec in enumerate(b.da[s]):
                if l == top:
                    ops: tuple[Place | None, ...] = (None, Place("yhat", unit=j, sample=s))
                else:
                    ops = tuple(o for k in range(len(rec.terms)) for o in (Place("delta", l + 1, k, sample=s), None))
                entries.append(Entry(Place("da", l, j, sample=s), rec, ops))
            for jk, d in enumerate(b.deriv[s]):
                if isinstance(d, tuple):  # a Jacobian row k: ∂a_k/∂z_j from a_k and a_j
                    entries += [Entry(Place("f'", l, j, row=jk, sample=s), rec,
                                      (Place("a", l, jk, sample=s), Place("a", l, j, sample=s)))
                                for j, rec in enumerate(d)]
                else:
                    entries.append(Entry(Place("f'", l, jk, sample=s), d,
                                         (Place(derivative_of[l - 1], l, jk, sample=s),)))
            for j, rec in enumerate(b.dz[s]):
                ks = [j] if each else range(len(b.dz[s]))
                entries.append(Entry(Place("delta", l, j, sample=s), rec, tuple(
                    o for k in ks for o in (Place("da", l, k, sample=s),
                                            Place("f'", l, j, row=None if each else k, sample=s)))))
        units = len(b.dz[0])
        inputs = [[None if l == 1 else Place("a", l - 1, i, sample=s) for s in range(n)] for i in range(len(b.dW))]
        deltas = [[Place("delta", l, j, sample=s) for s in range(n)] for j in range(units)]
        for i, row in enumerate(b.dW):
            entries += [Entry(Place("dW", l, j, row=i), rec, tuple(o for s in range(n)
                                                                    for o in (inputs[i][s], deltas[j][s])))
                        for j, rec in enumerate(row)]
        entries += [Entry(Place("db", l, j), rec, tuple(deltas[j])) for j, rec in enumerate(b.db or ())]
        out.append(Section("backward", l, None, tuple(entries)))
    for u in step.update:
        l = u.layer
        entries = [Entry(Place("W", l, j, row=i), rec, (None, None, Place("dW", l, j, row=i)))
                   for i, row in enumerate(u.W) for j, rec in enumerate(row)]
        entries += [Entry(Place("b", l, j), rec, (None, None, Place("db", l, j))) for j, rec in enumerate(u.b or ())]
        out.append(Section("update", l, None, tuple(entries)))
    if step.after is not None:
        a = step.after
        entries = [e for sec in forward_sections(a.forward, elementwise, after=True) for e in sec.entries]
        entries += [Entry(Place("L1", sample=s, after=True), rec, ()) for s, rec in enumerate(a.losses)]
        entries.append(Entry(Place("L", after=True), a.loss, ()))
        entries.append(Entry(Place("change", after=True), a.change, (Place("L", after=True), None, Place("L"), None)))
        out.append(Section("after", None, None, tuple(entries)))
    return out


def trace_sections(trace: Trace, step: Step | None = None) -> list[Section]:
    """The sections of one step of a trace (the first by default), or of its forward pass
    when it only runs forward."""
    if trace.steps:
        return spec_step_sections(trace.spec, step or trace.steps[0])
    return list(forward_sections(trace.inference or (), [ACTIVATIONS[lay.activation].elementwise
                                                         for lay in trace.spec.layers]))


def spec_step_sections(spec: Spec, step: Step) -> list[Section]:
    """The sections of one step of a run of ``spec``."""
    acts = [ACTIVATIONS[lay.activation] for lay in spec.layers]
    return step_sections(step, [a.elementwise for a in acts], [a.derivative_of for a in acts])


def entries(sections: Sequence[Section]) -> Iterator[Entry]:
    for sec in sections:
        yield from sec.entries


def records(trace: Trace, step: Step | None = None) -> Iterator[tuple[Place, Record]]:
    """Every record of one step (or of the forward pass) with its place."""
    for e in entries(trace_sections(trace, step)):
        yield e.place, e.record


def step_records(spec: Spec, step: Step) -> Iterator[tuple[Place, Record]]:
    """Every record of one step of a run of ``spec`` with its place."""
    for e in entries(spec_step_sections(spec, step)):
        yield e.place, e.record
