"""The float64 path: the same network, conventions and batches, on NumPy arrays.

Used for long training runs after the exact steps a page shows (seed 002 trains
2000 epochs), and by the tests to confirm both paths agree.  Row orientation:
``Z = A W + b`` with one sample per row; gradients are batch means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .errors import SpecError
from .functions import ACTIVATIONS, LOSSES
from .spec import Spec

Arrays = list[tuple[np.ndarray, np.ndarray | None]]


def _loss(name: str, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample loss and ∂L_s/∂ŷ."""
    return LOSSES[name].np_value(np, y, p)


def to_arrays(params: Sequence) -> Arrays:
    """The parameters as float64 arrays: views into one buffer, so that a single sum over it says
    whether every weight and bias is still finite (:func:`_finite`)."""
    sizes = [(len(p.W), len(p.W[0]), None if p.b is None else len(p.b)) for p in params]
    flat = np.array([float(v) for p in params for v in (*(w for row in p.W for w in row), *(p.b or ()))])
    arrays, at = [], 0
    for rows, cols, nb in sizes:
        W = flat[at:at + rows * cols].reshape(rows, cols)
        at += rows * cols
        b = None if nb is None else flat[at:at + nb]
        at += nb or 0
        arrays.append((W, b))
    return arrays


def _forward(spec: Spec, arrays: Arrays, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    acts, zs = [x], []
    for lay, (W, b) in zip(spec.layers, arrays):
        z = acts[-1] @ W + (0.0 if b is None else b)
        zs.append(z)
        acts.append(ACTIVATIONS[lay.activation].np_value(np, z, float(lay.negative_slope)))
    return acts, zs


def silent(spec: Spec, arrays: Arrays) -> tuple[list[tuple[int, int]], list[int]]:
    """With ``arrays``, over the training rows: the hidden units (layer, unit; 1-based) whose
    activation's derivative is 0 for every row, and the rows (0-based) whose last hidden layer
    puts out only zeros."""
    x = np.array([[float(v) for v in s.x] for s in spec.train])
    with np.errstate(all="ignore"):
        acts, zs = _forward(spec, arrays[:-1], x)
    units = []
    for l, (lay, z, a) in enumerate(zip(spec.layers, zs, acts[1:]), start=1):
        act = ACTIVATIONS[lay.activation]
        if act.elementwise:
            slope = float(lay.negative_slope)
            derivative = act.np_delta(np, z, a, np.ones_like(z), slope)  # f′ times 1
            units += [(l, j + 1) for j in np.flatnonzero(~(derivative != 0).any(axis=0))]
    rows = [int(s) for s in np.flatnonzero(~(acts[-1] != 0).any(axis=1))]
    return [(int(l), int(j)) for l, j in units], rows


def batch_loss(spec: Spec, arrays: Arrays, x: np.ndarray, y: np.ndarray) -> float:
    """Mean loss of a batch, without updating."""
    return float(_loss(spec.loss, y, _forward(spec, arrays, x)[0][-1])[0].mean())


def step(spec: Spec, arrays: Arrays, x: np.ndarray, y: np.ndarray) -> float:
    """One update in place; returns the batch loss before it."""
    return _Stepper(spec).step(arrays, x, y)


class _Stepper:
    """:func:`step` with what it needs of the spec looked up once (the registry entries, the
    learning rate and slopes as floats, the loss's domain): a long run takes thousands of steps
    on a small network, where those look-ups cost more than the arithmetic.  The arithmetic is
    the same operations in the same order, so the numbers are the same to the last bit."""

    def __init__(self, spec: Spec) -> None:
        self.layers = [(ACTIVATIONS[lay.activation], float(lay.negative_slope), lay.trainable_bias)
                       for lay in spec.layers]
        self.loss = LOSSES[spec.loss]
        self.lr = float(spec.learning_rate)
        domain = self.loss.domain
        self.domain = None if domain is None else (
            -np.inf if domain.low is None else float(domain.low),
            np.inf if domain.high is None else float(domain.high), domain.closed)

    def step(self, arrays: Arrays, x: np.ndarray, y: np.ndarray) -> float:
        acts, zs = [x], []
        for (act, slope, _), (W, b) in zip(self.layers, arrays):
            z = acts[-1] @ W + (0.0 if b is None else b)
            zs.append(z)
            acts.append(act.np_value(np, z, slope))
        self._check_domain(acts[-1])
        per, da = self.loss.np_value(np, y, acts[-1])
        n = x.shape[0]
        for l in range(len(self.layers) - 1, -1, -1):
            (act, slope, trainable), (W, b) = self.layers[l], arrays[l]
            dz = act.np_delta(np, zs[l], acts[l + 1], da, slope)
            # (with one sample the batch mean is that sample's value: x / 1 and a sum of one term are
            # exact, so skipping them gives the same bits)
            dW = acts[l].T @ dz if n == 1 else acts[l].T @ dz / n
            if l > 0:
                da = dz @ W.T
            W -= self.lr * dW
            if b is not None and trainable:
                b -= self.lr * (dz[0] if n == 1 else np.add.reduce(dz, axis=0) / n)  # dz.mean(axis=0)
        return per.item() if per.size == 1 else float(np.add.reduce(per, axis=None) / per.size)  # per.mean()

    def _check_domain(self, p: np.ndarray) -> None:
        if self.domain is None:
            return
        low, high, closed = self.domain
        least, most = (p.item(),) * 2 if p.size == 1 else (p.min(), p.max())  # (NaN if any is NaN)
        if (low <= least and most <= high) if closed else (low < least and most < high):
            return  # (NaN fails every comparison, so it is caught below)
        inside = (p >= low) & (p <= high) if closed else (p > low) & (p < high)
        s, j = np.argwhere(~inside)[0]
        raise _OutOfDomain(int(s), int(j), float(p[s, j]))


class _OutOfDomain(Exception):
    """A prediction outside the loss's domain: (sample in the batch, output, value)."""


def _finite(spec: Spec, arrays: Arrays, loss: float, number: int) -> None:
    """Stop, naming the step and the quantity, when training leaves the finite float64 range."""
    if math.isfinite(loss) and math.isfinite(np.add.reduce(arrays[0][0].base)):  # (the buffer of :func:`to_arrays`)
        return  # a sum is finite only when every term is (an inf or a NaN makes it inf or NaN)
    what = None if np.isfinite(loss) else f"the batch loss is {loss}"
    for l, (W, b) in enumerate(arrays, start=1):
        if what is None and not (np.isfinite(W).all() and (b is None or np.isfinite(b).all())):
            what = f"the weights of layer {l} are no longer finite numbers"
    if what is not None:
        raise SpecError(f"step {number}", f"training diverged in float64: {what}; use a smaller "
                        f"learning_rate (now {float(spec.learning_rate):g}) or fewer epochs")


def train(spec: Spec, params: Sequence, plan: Sequence[tuple[int, tuple[int, ...]]],
          progress: Callable[[int], None] | None = None, first: int = 1) -> tuple[Arrays, list[float]]:
    """Run the remaining updates of ``plan`` from ``params``; returns final arrays and batch losses.
    ``first`` is the number of the first of these updates (for messages).  A step whose
    prediction leaves the loss's domain, or after which the loss or a weight is not a finite
    number, raises :class:`SpecError` naming the step (NumPy's warnings are not shown)."""
    arrays = to_arrays(params)
    X = np.array([[float(v) for v in s.x] for s in spec.train])
    Y = np.array([[float(v) for v in s.y] for s in spec.train])
    losses = []
    done = 0
    stepper = _Stepper(spec)
    rows: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}  # a batch's samples (a step only reads them)
    with np.errstate(all="ignore"):  # (NumPy's warnings are not shown; what they warn of is checked below)
        for number, (_, batch) in enumerate(plan, start=first):
            xy = rows.get(batch)
            if xy is None:
                idx = list(batch)
                xy = (X[idx], Y[idx])
                if len(rows) < 1024:  # an unshuffled plan repeats a few batches; a shuffled one is not kept
                    rows[batch] = xy
            try:
                losses.append(stepper.step(arrays, *xy))
            except _OutOfDomain as exc:
                s, j, value = exc.args
                raise SpecError(f"step {number}", f"ŷ{j + 1} of training sample {batch[s] + 1} is {value:.6g} in "
                                f"float64, where {spec.loss} is undefined (it needs ŷ in "
                                f"{LOSSES[spec.loss].domain}); use a smaller learning_rate, fewer epochs or "
                                "smaller weights") from None
            _finite(spec, arrays, losses[-1], number)
            done += 1
            if progress and done % 100 == 0:
                progress(100)
    if progress and done % 100:
        progress(done % 100)
    return arrays, losses
