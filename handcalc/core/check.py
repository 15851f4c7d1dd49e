"""``handcalc check``: re-check every displayed equation and every gradient.

1. *Re-check*: each equation is recomputed from its operands **as written** on the page
   (:func:`handcalc.core.display.layout` chooses their digits): rounded to the written result's
   decimals, halves away from zero, it must give the written result, and exactly so where
   the page writes ``=``.  The pages themselves are re-checked too, from their LaTeX
   (:mod:`handcalc.equations.pagecheck`).
2. *Finite differences*: for each exact step, every ∂L/∂θ is compared with the
   central difference (L(θ+h) − L(θ−h)) / 2h of the batch loss at the step's
   starting parameters, on unrounded numbers (h = 10⁻²⁵, so for piecewise-linear
   networks away from a kink the estimate equals backprop exactly).  Large batches
   use float64 with h = 10⁻⁶.  Where a ReLU input sits exactly at 0 (a kink), the
   parameters feeding it are not compared (there ReLU′(0) = 0 by convention, while
   the central difference sees the average slope ½); the rest of the step is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import engine, fast
from .display import evaluate_with, layout, operands, written
from .functions import ACTIVATIONS, Role, evaluate
from .numbers import Num
from .spec import Spec
from .trace import Params, Record, Step, Trace
from .walk import records, step_records

H_EXACT = Num(Fraction(1, 10**25))
H_FLOAT = 1e-6
KINK = Num(Fraction(1, 10**20))  # |z| below this counts as sitting on ReLU's kink
EXACT_FD_BUDGET = 40_000  # batch × parameters up to which finite differences use exact numbers
EXACT_FD_WORK = 500_000  # ... and exact multiply-adds of all of a step's estimates (2 × batch × parameters²)
FD_MAX_CELLS = 1_000  # gradients compared per step at most (a larger step: every k-th, evenly spread)


@dataclass(frozen=True)
class GradientCheck:
    """One ∂L/∂θ of one step: backprop beside its central-difference estimate."""

    step: int
    layer: int  # 1-based
    kind: str  # "W" | "b"
    row: int  # 0-based (inputs for W; 0 for b)
    col: int  # 0-based unit
    backprop: Num
    estimate: Num | None  # None: not compared (the parameter feeds a ReLU kink)
    exact_arithmetic: bool  # estimate from exact/60-digit numbers (else float64)
    ok: bool


@dataclass
class Report:
    equations: int = 0
    failures: list[str] = field(default_factory=list)
    gradient_checks: list[GradientCheck] = field(default_factory=list)
    gradients: int = 0
    max_gradient_error: float = 0.0
    kinks: list[int] = field(default_factory=list)
    float_fd_steps: list[int] = field(default_factory=list)
    fd_sampled: list[tuple[int, int, int]] = field(default_factory=list)  # (step, compared, of all)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        lines = [f"{self.equations} displayed equations re-checked, {len(self.failures)} failed",
                 f"{self.gradients} gradients compared with finite differences "
                 f"(largest difference {self.max_gradient_error:.3g})"]
        if self.float_fd_steps:
            lines.append(f"finite differences in float64 for large steps {self.float_fd_steps}")
        for step, compared, total in self.fd_sampled:
            lines.append(f"step {step}: {compared:,} of its {total:,} gradients compared (evenly spread)")
        if self.kinks:
            lines.append(f"steps {self.kinks} have a ReLU input exactly at 0: the parameters that feed it "
                         "are not compared (ReLU′(0) = 0 by convention; a central difference sees ½)")
        lines += self.failures[:20]
        if len(self.failures) > 20:
            lines.append(f"... and {len(self.failures) - 20} more")
        return "\n".join(lines)


def recheck(where: str, rec: Record, spec: Spec, report: Report) -> None:
    lay = layout(rec, spec.display.decimals)
    report.equations += 1
    if not lay.ok:
        try:
            again = f"{float(evaluate_with(rec, [written(x, p) for x, p in zip(operands(rec), lay.places)])):.12g}"
        except (ZeroDivisionError, ValueError):
            again = "undefined (an operand written on a pole)"
        report.failures.append(f"{where}: written {lay.result.text}, recomputed from the written operands {again}")


def _perturbed(params: Sequence[Params], l: int, kind: str, i: int, j: int, delta: Num) -> list[Params]:
    out = list(params)
    p = out[l]
    if kind == "W":
        W = [list(r) for r in p.W]
        W[i][j] = W[i][j] + delta
        out[l] = Params(tuple(tuple(r) for r in W), p.b)
    else:
        b = list(p.b)
        b[j] = b[j] + delta
        out[l] = Params(p.W, tuple(b))
    return out


def _exact_loss(spec: Spec, batch: Sequence[int]) -> Callable[[Sequence[Params]], Num]:
    plain = engine.Rounder(False, 0)
    xs = [tuple(Num(v) for v in spec.train[i].x) for i in batch]
    ys = [tuple(Num(v) for v in spec.train[i].y) for i in batch]

    def loss(params: Sequence[Params]) -> Num:
        out = engine.forward(spec, params, xs, plain)[-1].a
        total = Num(Fraction(0))
        for y, a in zip(ys, out):
            total = total + evaluate(Role.LOSS, spec.loss, y + tuple(r.value for r in a))
        return total / len(ys)

    return loss


def _float_difference(spec: Spec, batch: Sequence[int], params: Sequence[Params]) -> Callable[..., Num]:
    """Central differences in float64: the parameters are converted once, and each estimate
    nudges one entry of the arrays in place (and puts it back)."""
    X = np.array([[float(v) for v in spec.train[i].x] for i in batch])
    Y = np.array([[float(v) for v in spec.train[i].y] for i in batch])
    arrays = fast.to_arrays(params)

    def difference(l: int, kind: str, i: int, j: int) -> Num:
        W, b = arrays[l]
        target, at = (W, (i, j)) if kind == "W" else (b, (j,))
        old = target[at]
        target[at] = old + H_FLOAT
        up = fast.batch_loss(spec, arrays, X, Y)
        target[at] = old - H_FLOAT
        down = fast.batch_loss(spec, arrays, X, Y)
        target[at] = old
        return Num.of_float((up - down) / (2 * H_FLOAT))

    return difference


def _kinks(spec: Spec, s: Step) -> set[tuple[int, int]]:
    """(layer index, unit) of every ReLU input sitting on the kink z = 0 in this step."""
    return {(l, j) for l, (lay, f) in enumerate(zip(spec.layers, s.forward))
            for zs in f.z for j, r in enumerate(zs)
            if any(abs(r.value - k) < KINK for k in ACTIVATIONS[lay.activation].kinks)}


def _crosses(kinks: set[tuple[int, int]], l: int, unit: int) -> bool:
    """Whether nudging a parameter of layer ``l`` feeding ``unit`` moves some z onto/over a kink:
    every parameter below a kinked layer does, and in that layer those of the kinked unit."""
    return any(l < kl or (l == kl and unit == ku) for kl, ku in kinks)


def gradients(spec: Spec, s: Step, params: Sequence[Params], report: Report) -> None:
    """Compare the step's exact-arithmetic gradients with central differences."""
    exact_step = s
    if spec.display.rounding == "hand":  # the same step on unrounded numbers
        exact_step, _ = engine.step(spec, params, s.number, s.epoch, s.batch, engine.Rounder(False, 0))
    kinks = _kinks(spec, exact_step)
    if kinks:
        report.kinks.append(s.number)
    n_params = sum(len(p.W) * len(p.W[0]) + len(p.b or ()) for p in params)
    # each estimate runs the batch forward twice: exact numbers while that stays small
    exact = len(s.batch) * n_params <= EXACT_FD_BUDGET and 2 * len(s.batch) * n_params**2 <= EXACT_FD_WORK
    loss = _exact_loss(spec, s.batch) if exact else None
    difference = None if exact else _float_difference(spec, s.batch, params)
    if not exact:
        report.float_fd_steps.append(s.number)
    cells = []
    for l, b in enumerate(exact_step.backward):
        cells += [(l, "W", i, j, b.dW[i][j].value) for i in range(len(b.dW)) for j in range(len(b.dW[0]))]
        cells += [(l, "b", 0, j, r.value) for j, r in enumerate(b.db or ())]
    every = -(-len(cells) // FD_MAX_CELLS)  # a large step: every k-th gradient, spread over all layers
    if every > 1:
        report.fd_sampled.append((s.number, len(cells[::every]), len(cells)))
    for l, kind, i, j, g in cells[::every]:
        if _crosses(kinks, l, j):
            report.gradient_checks.append(GradientCheck(s.number, l + 1, kind, i, j, g, None, exact, True))
            continue
        if exact:
            h = H_EXACT
            fd = (loss(_perturbed(params, l, kind, i, j, h)) - loss(_perturbed(params, l, kind, i, j, -h))) / (h * 2)
        else:
            fd = difference(l, kind, i, j)
        err = float(abs(fd - g))
        tol = 1e-20 if exact else 1e-5
        ok = err <= tol * max(1.0, float(abs(g)))
        report.gradients += 1
        report.max_gradient_error = max(report.max_gradient_error, err)
        report.gradient_checks.append(GradientCheck(s.number, l + 1, kind, i, j, g, fd, exact, ok))
        if not ok:
            name = f"W[{l + 1}][{i + 1},{j + 1}]" if kind == "W" else f"b[{l + 1}][{j + 1}]"
            report.failures.append(f"step {s.number}: dL/d{name} = {float(g):.12g}, "
                                   f"finite difference {float(fd):.12g}")


def check(trace: Trace, fd_steps: int | None = None) -> Report:
    """Re-check a whole trace; finite differences on the first ``fd_steps`` steps (all by default)."""
    report = check_steps(trace.spec, trace.initial, trace.steps, fd_steps)
    if trace.inference:
        for where, rec in records(trace):
            recheck(f"forward {where}", rec, trace.spec, report)
    return report


def check_steps(spec: Spec, initial: Sequence[Params], steps: Sequence[Step], fd_steps: int | None = None) -> Report:
    """Re-check the exact steps of a run (all :func:`check` reads of a training run: it can
    start before the float64 updates after them are done)."""
    report = Report()
    params = tuple(initial)
    for n, s in enumerate(steps):
        for where, rec in step_records(spec, s):
            recheck(f"step {s.number} {where}", rec, spec, report)
        if fd_steps is None or n < fd_steps:
            gradients(spec, s, params, report)
        params = tuple(
            Params(tuple(tuple(u.value for u in row) for row in up.W),
                   p.b if up.b is None else tuple(u.value for u in up.b))
            for p, up in zip(params, s.update))
    return report
