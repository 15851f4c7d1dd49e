"""Run a spec on exact numbers and record every equation in a :class:`Trace`.

Conventions (row orientation, one sample ``s`` of a batch of ``n``):

* forward:   ``z^{[l]} = a^{[l−1]} W^{[l]} + b^{[l]}``,  ``a^{[l]} = f(z^{[l]})``,  ``ŷ = a^{[L]}``
* loss:      ``L = (1/n) Σ_s L_s(y_s, ŷ_s)``
* backward:  ``∂L_s/∂a^{[L]} = loss′(y_s, ŷ_s)``;
  ``δ^{[l]} = ∂L_s/∂a^{[l]} ⊙ f′(z^{[l]})`` (softmax: ``δ = J^T ∂L_s/∂a``);
  ``∂L_s/∂a^{[l−1]} = δ^{[l]} (W^{[l]})^T``
* gradients: ``∂L/∂W^{[l]} = (1/n) Σ_s (a_s^{[l−1]})^T δ_s^{[l]}``,  ``∂L/∂b^{[l]} = (1/n) Σ_s δ_s^{[l]}``
* update:    ``W ← W − η ∂L/∂W``,  ``b ← b − η ∂L/∂b`` (plain SGD, no momentum)
* after:     the same samples forward again with the new parameters, their loss, and
  the change ``L_new − L`` (:class:`handcalc.core.trace.After`)

With ``display.rounding: hand`` every recorded value is rounded to
``display.decimals`` (halves away from zero) before it is used again.
After ``training.exact_steps`` updates the rest of the training runs on the
float64 path (:mod:`handcalc.core.fast`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from .errors import SpecError
from .functions import ACTIVATIONS, LOSSES, Role, evaluate, in_domain
from .numbers import ONE, ZERO, Num, round_half_away
from .spec import LayerSpec, Spec
from .trace import (
    Affine,
    After,
    Applied,
    BackwardLayer,
    ForwardLayer,
    Mean,
    Params,
    Prediction,
    Stalled,
    Step,
    Trace,
    Update,
    UpdateLayer,
)

if TYPE_CHECKING:
    import numpy as np

    from . import fast

MAX_EXACT_DIGITS = 2_000  # exact parameters larger than this stop the run (see _check_size)
MAX_LOG2 = 1000  # |weight| ≥ 2^1000 ≈ 1e301 after an exact step stops the run: beyond float64 (about 1.8e308)

Progress = Callable[[int], None]


class Rounder:
    """Writes a value down: unchanged (exact mode) or rounded to ``decimals`` (hand mode)."""

    def __init__(self, hand: bool, decimals: int) -> None:
        self.hand, self.decimals = hand, decimals

    def __call__(self, v: Num) -> tuple[Num, bool]:
        if not self.hand:
            return v, False
        r = Num(round_half_away(v, self.decimals))
        return r, not (v.exact and r.v == v.v)

    def affine(self, terms: Sequence[tuple[Num, Num]], offset: Num | None = None,
               scale: Num | None = None) -> Affine:
        total = ZERO
        for x, w in terms:
            total = total + x * w
        if offset is not None:
            total = total + offset
        if scale is not None:
            total = total * scale
        value, rounded = self(total)
        return Affine(tuple(terms), value, offset, scale, rounded)

    def mean(self, items: Sequence[Num]) -> Mean:
        total = ZERO
        for x in items:
            total = total + x
        value, rounded = self(total / len(items))
        return Mean(tuple(items), value, rounded)

    def applied(self, role: Role, fn: str, args: Sequence[Num], index: int = 0, param: Num | None = None) -> Applied:
        value, rounded = self(evaluate(role, fn, args, index, param))
        return Applied(role, fn, tuple(args), value, index, param, rounded)

    def update(self, old: Num, rate: Num, grad: Num) -> Update:
        value, rounded = self(old - rate * grad)
        return Update(old, rate, grad, value, rounded)


def schedule(spec: Spec) -> Iterator[tuple[int, tuple[int, ...]]]:
    """(epoch, sample indices) of every update, in order; shuffled per epoch with ``seed``."""
    rng = random.Random(spec.seed)
    order = list(range(len(spec.train)))
    bs = spec.training.batch_size
    for epoch in range(1, spec.training.epochs + 1):
        if spec.training.shuffle:
            rng.shuffle(order)
        for start in range(0, len(order), bs):
            yield epoch, tuple(order[start:start + bs])


def _parameter(lay: LayerSpec) -> Num | None:
    """The layer's activation parameter (the leaky ReLU slope), or None."""
    name = ACTIVATIONS[lay.activation].parameter
    return None if name is None else Num(getattr(lay, name))


def initial_params(spec: Spec) -> tuple[Params, ...]:
    return tuple(
        Params(tuple(tuple(Num(w) for w in row) for row in lay.weights),
               None if lay.bias is None else tuple(Num(b) for b in lay.bias))
        for lay in spec.layers
    )


def forward(spec: Spec, params: Sequence[Params], xs: Sequence[Sequence[Num]], r: Rounder) -> tuple[ForwardLayer, ...]:
    out = []
    inputs = [tuple(x) for x in xs]
    for l, (lay, p) in enumerate(zip(spec.layers, params), start=1):
        act = ACTIVATIONS[lay.activation]
        slope = _parameter(lay)
        zs, as_ = [], []
        for a_prev in inputs:
            z = tuple(r.affine([(a_prev[i], p.W[i][j]) for i in range(len(a_prev))],
                               None if p.b is None else p.b[j]) for j in range(lay.units))
            zv = [rec.value for rec in z]
            if act.elementwise:
                a = tuple(r.applied(Role.VALUE, act.name, (zj,), 0, slope) for zj in zv)
            else:
                a = tuple(r.applied(Role.VALUE, act.name, zv, j) for j in range(lay.units))
            zs.append(z)
            as_.append(a)
        out.append(ForwardLayer(l, p.W, p.b, tuple(inputs), tuple(zs), tuple(as_)))
        inputs = [tuple(rec.value for rec in a) for a in as_]
    return tuple(out)


def _derivative(act_name: str, z: Sequence[Num], a: Sequence[Num], slope: Num | None, r: Rounder):
    act = ACTIVATIONS[act_name]
    if not act.elementwise:  # softmax: the Jacobian J_kj = a_k (1[k=j] − a_j)
        n = len(a)
        return tuple(tuple(r.applied(Role.DERIVATIVE, act_name, (a[k], a[j]), int(k == j)) for j in range(n))
                     for k in range(n))
    src = z if act.derivative_of == "z" else a
    return tuple(r.applied(Role.DERIVATIVE, act_name, (v,), 0, slope) for v in src)


def step(spec: Spec, params: Sequence[Params], number: int, epoch: int, batch: tuple[int, ...],
         r: Rounder) -> tuple[Step, tuple[Params, ...]]:
    """One update on one batch: forward, loss, backward, update."""
    samples = [spec.train[i] for i in batch]
    xs = [tuple(Num(v) for v in s.x) for s in samples]
    ys = [tuple(Num(v) for v in s.y) for s in samples]
    fwd = forward(spec, params, xs, r)
    loss = LOSSES[spec.loss]
    n_out = spec.layers[-1].units
    outside = _outside(spec, fwd)
    if outside:
        s, j, p = outside
        raise SpecError(f"step {number}", f"ŷ{j + 1} of training sample {batch[s] + 1} is {float(p):.6g}, "
                        f"where {spec.loss} is undefined (it needs ŷ in {loss.domain}); "
                        "use more display.decimals or smaller weights")
    yhats = [tuple(rec.value for rec in a) for a in fwd[-1].a]
    losses = tuple(r.applied(Role.LOSS, spec.loss, ys[s] + yhats[s]) for s in range(len(batch)))
    batch_loss = r.mean([rec.value for rec in losses])
    scale = Num(Fraction(1, len(batch)))

    da = [tuple(r.applied(Role.LOSS_DERIVATIVE, spec.loss, (ys[s][j], yhats[s][j]), n_out) for j in range(n_out))
          for s in range(len(batch))]
    backward: list[BackwardLayer] = []
    for l in range(len(spec.layers), 0, -1):
        lay, p, f = spec.layers[l - 1], params[l - 1], fwd[l - 1]
        slope = _parameter(lay)
        derivs, dzs = [], []
        for s in range(len(batch)):
            z = [rec.value for rec in f.z[s]]
            a = [rec.value for rec in f.a[s]]
            d = _derivative(lay.activation, z, a, slope, r)
            g = [rec.value for rec in da[s]]
            if ACTIVATIONS[lay.activation].elementwise:
                dz = tuple(r.affine([(g[j], d[j].value)]) for j in range(lay.units))
            else:
                dz = tuple(r.affine([(g[k], d[k][j].value) for k in range(lay.units)]) for j in range(lay.units))
            derivs.append(d)
            dzs.append(dz)
        delta = [[rec.value for rec in dz] for dz in dzs]
        n_in = len(p.W)
        dW = tuple(tuple(r.affine([(f.inputs[s][i], delta[s][j]) for s in range(len(batch))], None, scale)
                         for j in range(lay.units)) for i in range(n_in))
        db = None
        if p.b is not None and lay.trainable_bias:
            db = tuple(r.mean([delta[s][j] for s in range(len(batch))]) for j in range(lay.units))
        backward.append(BackwardLayer(l, tuple(da), tuple(derivs), tuple(dzs), dW, db))
        if l > 1:
            da = [tuple(r.affine([(delta[s][j], p.W[i][j]) for j in range(lay.units)]) for i in range(n_in))
                  for s in range(len(batch))]
    backward.reverse()

    eta = Num(spec.learning_rate)
    updates, new_params = [], []
    for l, (p, bwd) in enumerate(zip(params, backward), start=1):
        W = tuple(tuple(r.update(p.W[i][j], eta, bwd.dW[i][j].value) for j in range(len(p.W[0])))
                  for i in range(len(p.W)))
        b = None if bwd.db is None else tuple(r.update(p.b[j], eta, bwd.db[j].value) for j in range(len(p.b)))
        updates.append(UpdateLayer(l, W, b))
        new_params.append(Params(tuple(tuple(u.value for u in row) for row in W),
                                 p.b if b is None else tuple(u.value for u in b)))
    new_params = tuple(new_params)
    rec = Step(number, epoch, batch, fwd, losses, batch_loss, tuple(backward), tuple(updates),
               _after(spec, new_params, xs, ys, batch_loss, r))
    return rec, new_params


def _outside(spec: Spec, fwd: Sequence[ForwardLayer]) -> tuple[int, int, Num] | None:
    """(sample, output, ŷ) of the first prediction outside the loss's domain, if any."""
    loss = LOSSES[spec.loss]
    for s, a in enumerate(fwd[-1].a):
        for j, rec in enumerate(a):
            if not in_domain(loss, rec.value):
                return s, j, rec.value
    return None


def _after(spec: Spec, params: Sequence[Params], xs: Sequence[tuple[Num, ...]], ys: Sequence[tuple[Num, ...]],
           before: Mean, r: Rounder) -> After | None:
    """The samples of a step forward again with the updated parameters, and the new loss."""
    fwd = forward(spec, params, xs, r)
    if _outside(spec, fwd):
        return None
    losses = tuple(r.applied(Role.LOSS, spec.loss, y + tuple(rec.value for rec in a)) for y, a in zip(ys, fwd[-1].a))
    loss = r.mean([rec.value for rec in losses])
    return After(fwd, losses, loss, r.affine([(loss.value, ONE), (before.value, -ONE)]))


def classify(spec: Spec, yhat: Sequence[Num]) -> int | None:
    """The predicted class of a classifier (sigmoid: ŷ ≥ ½; softmax: arg max), else ``None``."""
    act = ACTIVATIONS[spec.layers[-1].activation].classes
    loss = LOSSES[spec.loss].classes if spec.loss else None
    if act == "argmax" or (loss == "argmax" and len(yhat) > 1):
        return max(range(len(yhat)), key=lambda j: yhat[j])
    if act == "threshold" or loss == "threshold":
        return int(yhat[0] >= Num(Fraction(1, 2)))
    return None


def _target_class(y: Sequence[Num]) -> int:
    return max(range(len(y)), key=lambda j: y[j]) if len(y) > 1 else int(y[0] >= Num(Fraction(1, 2)))


def predict(spec: Spec, params: Sequence[Params], r: Rounder) -> tuple[tuple[Prediction, ...], Fraction | None]:
    preds = []
    for i, s in enumerate(spec.test):
        fwd = forward(spec, params, [tuple(Num(v) for v in s.x)], r)
        yhat = tuple(rec.value for rec in fwd[-1].a[0])
        y = None if s.y is None else tuple(Num(v) for v in s.y)
        label = classify(spec, yhat)
        correct = None if label is None or y is None else label == _target_class(y)
        preds.append(Prediction(i, tuple(Num(v) for v in s.x), y, yhat, label, correct))
    judged = [p.correct for p in preds if p.correct is not None]
    accuracy = Fraction(sum(judged), len(judged)) if judged else None
    return tuple(preds), accuracy


@dataclass(frozen=True)
class Exact:
    """The exact part of a run: the spec's first ``exact_steps`` updates, and the updates left
    for the float64 path (:func:`long_run`).  :func:`finish` makes the whole trace of both."""

    spec: Spec
    initial: tuple[Params, ...]
    steps: tuple[Step, ...]
    params: tuple[Params, ...]  # after the exact steps
    rest: tuple[tuple[int, tuple[int, ...]], ...]  # (epoch, batch) of each float64 update still to run


LongRun = tuple[list[tuple["np.ndarray", "np.ndarray | None"]], list[float]]  # fast.train: final arrays, losses


def exact(spec: Spec, progress: Progress | None = None) -> Exact:
    """The exact updates of a run (all of them, when it has no float64 part)."""
    params = initial = initial_params(spec)
    steps: list[Step] = []
    r = Rounder(spec.display.rounding == "hand", spec.display.decimals)
    plan = schedule(spec) if spec.trains else iter(())
    for number in range(1, spec.training.exact_steps + 1):
        epoch, batch = next(plan)
        rec, params = step(spec, params, number, epoch, batch, r)
        _check_size(params, number)
        steps.append(rec)
        if progress:
            progress(1)
    return Exact(spec, initial, tuple(steps), params, tuple(plan))


def long_run(spec: Spec, params: tuple[Params, ...], rest: Sequence[tuple[int, tuple[int, ...]]], first: int = 1,
             progress: Progress | None = None) -> LongRun | None:
    """The float64 updates ``rest`` from ``params`` (None when there are none); ``first`` is the
    number of the first of them.  A pure function of its arguments: it may run in another
    process while this one re-checks the exact steps (:func:`exact` gives the arguments)."""
    if not rest:
        return None
    from . import fast  # numpy, imported only when a run has float64 steps (a quick start otherwise)

    return fast.train(spec, params, rest, progress, first=first)


def finish(ex: Exact, long: LongRun | None) -> Trace:
    """The whole trace: the exact steps, the float64 run's result, and the predictions with the
    final parameters."""
    spec, params = ex.spec, ex.params
    epoch_losses: dict[int, list[Num]] = {}
    for rec in ex.steps:
        epoch_losses.setdefault(rec.epoch, []).append(rec.loss.value)
    if long is not None:
        final_f, losses = long
        params = tuple(Params(tuple(tuple(Num.of_float(w) for w in row) for row in W),
                              None if b is None else tuple(Num.of_float(v) for v in b)) for W, b in final_f)
        for (epoch, _), loss in zip(ex.rest, losses):
            epoch_losses.setdefault(epoch, []).append(Num.of_float(loss))
    epoch_loss = tuple(_mean(v) for _, v in sorted(epoch_losses.items()))
    r = Rounder(spec.display.rounding == "hand", spec.display.decimals)
    predictions, accuracy = predict(spec, params, r)
    inference = None
    if not spec.trains and spec.train:
        inference = forward(spec, params, [tuple(Num(v) for v in s.x) for s in spec.train], r)
    return Trace(spec, ex.initial, ex.steps, params, epoch_loss, len(ex.rest), predictions, accuracy, inference,
                 None if long is None else stalled(spec, params, long[0]))


def so_far(ex: Exact) -> Trace:
    """The trace of the exact steps alone, while the float64 updates ``ex.rest`` still run elsewhere:
    no final parameters, epoch losses or predictions yet (``float_steps`` counts the updates to come)."""
    return Trace(ex.spec, ex.initial, ex.steps, (), (), len(ex.rest), (), None, None)


def stalled(spec: Spec, params: Sequence[Params], arrays: fast.Arrays) -> Stalled | None:
    """After a float64 run (``arrays``: its final parameters, ``params`` the same as numbers): the
    hidden units that no longer learn (their activation's derivative is 0 for every training
    row) and the rows whose last hidden layer puts out only zeros, read in float64, with the
    prediction all those rows share (on exact numbers); None when there are none of either.
    (A run of exact steps only is left alone: it imports no NumPy, and its pages show every step.)"""
    if len(spec.layers) < 2 or not spec.train:
        return None
    from . import fast  # (already imported by the float64 run)

    units, rows = fast.silent(spec, arrays)
    if not units and len(rows) < 2:
        return None
    if len(rows) < 2:
        return Stalled(tuple(units), (), None)
    out = forward(spec, params, [tuple(Num(v) for v in spec.train[rows[0]].x)], Rounder(False, 0))
    return Stalled(tuple(units), tuple(rows), tuple(a.value for a in out[-1].a[0]))


def run(spec: Spec, progress: Progress | None = None) -> Trace:
    """Train (or, without a loss, only run forward) and return the whole trace."""
    ex = exact(spec, progress)
    return finish(ex, long_run(spec, ex.params, ex.rest, len(ex.steps) + 1, progress))


def _check_size(params: Sequence[Params], number: int) -> None:
    """Refuse to go on when exact parameters outgrow ``MAX_EXACT_DIGITS``.

    In a network whose arithmetic stays rational (linear, ReLU, leaky ReLU; mse and the
    like) every exact step combines the parameters of all layers, so the digits of the
    fractions can multiply from step to step and a few more steps would not finish."""
    bits = max((max(v.v.numerator.bit_length(), v.v.denominator.bit_length()) for p in params
                for v in (*(w for row in p.W for w in row), *(p.b or ())) if v.exact), default=1)
    digits = int(bits * 0.30103) + 1  # decimal digits of the largest numerator or denominator
    big = max((_log2(v) for p in params for v in (*(w for row in p.W for w in row), *(p.b or ()))), default=0)
    if big > MAX_LOG2:
        raise SpecError(f"step {number}", f"training diverged: a weight is about 2^{big:,} after this step, "
                        "beyond the float64 range; use a smaller learning_rate or fewer exact_steps")
    if digits > MAX_EXACT_DIGITS:
        raise SpecError("training.exact_steps",
                        f"after step {number} the exact weights have {digits:,} digits (at most "
                        f"{MAX_EXACT_DIGITS:,}); set training.exact_steps to {number - 1} or fewer, or use "
                        "display.rounding: hand")


def _log2(v: Num) -> int:
    """About log2 |v| (0 for zero), from the integers of the value, never through a float."""
    if v.exact:
        return v.v.numerator.bit_length() - v.v.denominator.bit_length() if v.v else 0
    man, exp = v.v.man_exp
    return 0 if not man else exp + int(man).bit_length()


def _mean(values: list[Num]) -> Num:
    total = ZERO
    for v in values:
        total = total + v
    return total / len(values) if values else ZERO


__all__ = ["run", "step", "forward", "schedule", "initial_params", "Rounder", "ONE"]
