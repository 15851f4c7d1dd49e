"""The float64 path: the same network, conventions and batches, on NumPy arrays.

Used for long training runs after the exact steps a page shows (seed 002 trains
2000 epochs), and by the tests to confirm both paths agree.  Row orientation:
``Z = A W + b`` with one sample per row; gradients are batch means.
"""

from __future__ import annotations

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
    return [(np.array([[float(w) for w in row] for row in p.W]),
             None if p.b is None else np.array([float(v) for v in p.b])) for p in params]


def _forward(spec: Spec, arrays: Arrays, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    acts, zs = [x], []
    for lay, (W, b) in zip(spec.layers, arrays):
        z = acts[-1] @ W + (0.0 if b is None else b)
        zs.append(z)
        acts.append(ACTIVATIONS[lay.activation].np_value(np, z, float(lay.negative_slope)))
    return acts, zs


def batch_loss(spec: Spec, arrays: Arrays, x: np.ndarray, y: np.ndarray) -> float:
    """Mean loss of a batch, without updating."""
    return float(_loss(spec.loss, y, _forward(spec, arrays, x)[0][-1])[0].mean())


def step(spec: Spec, arrays: Arrays, x: np.ndarray, y: np.ndarray) -> float:
    """One update in place; returns the batch loss before it."""
    acts, zs = _forward(spec, arrays, x)
    _check_domain(spec.loss, acts[-1])
    per, da = _loss(spec.loss, y, acts[-1])
    n = x.shape[0]
    lr = float(spec.learning_rate)
    for l in range(len(spec.layers) - 1, -1, -1):
        lay, (W, b) = spec.layers[l], arrays[l]
        dz = ACTIVATIONS[lay.activation].np_delta(np, zs[l], acts[l + 1], da, float(lay.negative_slope))
        dW = acts[l].T @ dz / n
        if l > 0:
            da = dz @ W.T
        W -= lr * dW
        if b is not None and lay.trainable_bias:
            b -= lr * dz.mean(axis=0)
    return float(per.mean())


class _OutOfDomain(Exception):
    """A prediction outside the loss's domain: (sample in the batch, output, value)."""


def _check_domain(loss: str, p: np.ndarray) -> None:
    """The exact path's domain check (bce needs 0 < ŷ < 1, cce ŷ > 0; a float64 sigmoid
    saturates to exactly 0 or 1 where the exact value would not)."""
    domain = LOSSES[loss].domain
    if domain is None:
        return
    low = -np.inf if domain.low is None else float(domain.low)
    high = np.inf if domain.high is None else float(domain.high)
    inside = (p >= low) & (p <= high) if domain.closed else (p > low) & (p < high)
    bad = np.argwhere(~inside)
    if len(bad):
        s, j = bad[0]
        raise _OutOfDomain(int(s), int(j), float(p[s, j]))


def _finite(spec: Spec, arrays: Arrays, loss: float, number: int) -> None:
    """Stop, naming the step and the quantity, when training leaves the finite float64 range."""
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
    for number, (_, batch) in enumerate(plan, start=first):
        idx = list(batch)
        try:
            with np.errstate(all="ignore"):
                losses.append(step(spec, arrays, X[idx], Y[idx]))
        except _OutOfDomain as exc:
            s, j, value = exc.args
            raise SpecError(f"step {number}", f"ŷ{j + 1} of training sample {batch[s] + 1} is {value:.6g} in "
                            f"float64, where {spec.loss} is undefined (it needs ŷ in {LOSSES[spec.loss].domain}); "
                            "use a smaller learning_rate, fewer epochs or smaller weights") from None
        _finite(spec, arrays, losses[-1], number)
        done += 1
        if progress and done % 100 == 0:
            progress(100)
    if progress and done % 100:
        progress(done % 100)
    return arrays, losses
