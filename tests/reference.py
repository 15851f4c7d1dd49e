"""An independent implementation of the MLP maths, for the tests to compare the engine with.

Written from the formulas alone, sharing no code with ``handcalc.core.engine`` or
``handcalc.core.fast``, and formulated differently on purpose: every activation's
derivative is taken as a full Jacobian ``J_s[k, j] = ∂a_k/∂z_j`` (diagonal for the
element-wise ones), and ``δ_s = ∂L_s/∂a · J_s``.

Row orientation, one sample per row of a batch of ``n``:

* ``Z = A_prev W + b``, ``A = f(Z)``
* batch loss ``L = (1/n) Σ_s L_s(y_s, ŷ_s)`` with the per-sample losses of issue 2
  (mse = mean over outputs of (y−ŷ)², half_sse = ½Σ(y−ŷ)², mae = mean |y−ŷ|,
  bce = −Σ[y ln ŷ + (1−y) ln(1−ŷ)], cce = −Σ y ln ŷ, difference = Σ(y−ŷ))
* ``∂L/∂W = A_prevᵀ Δ / n``, ``∂L/∂b = Σ_s δ_s / n``, ``∂L_s/∂a_prev = δ_s Wᵀ``
* ``W ← W − η ∂L/∂W``; a fixed (non-trainable) bias stays as it is.

The arithmetic runs on whatever the arrays hold: float64 (the usual case), Python
``Fraction`` objects (exact, for rational networks), or ``mpmath.mpf`` objects (for
precision checks); :class:`Ops` supplies ``exp``, ``log`` and ``tanh`` for each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import mpmath
import numpy as np


@dataclass(frozen=True)
class Ops:
    """Element-wise transcendental functions and the conversion of exact inputs."""

    exp: Callable
    log: Callable
    tanh: Callable
    convert: Callable[[Fraction], object]
    dtype: object


FLOAT = Ops(np.exp, np.log, np.tanh, float, float)
EXACT = Ops(None, None, None, lambda f: Fraction(f), object)  # rational networks only
MP = Ops(np.frompyfunc(mpmath.exp, 1, 1), np.frompyfunc(mpmath.log, 1, 1), np.frompyfunc(mpmath.tanh, 1, 1),
         lambda f: mpmath.mpf(Fraction(f).numerator) / Fraction(f).denominator, object)


@dataclass(frozen=True)
class Layer:
    W: np.ndarray  # inputs × units
    b: np.ndarray | None
    activation: str
    slope: object = Fraction(1, 100)  # leaky ReLU
    trainable_bias: bool = True


@dataclass(frozen=True)
class StepResult:
    z: list[np.ndarray]  # per layer: batch × units
    a: list[np.ndarray]
    sample_losses: np.ndarray
    loss: object
    delta: list[np.ndarray]  # per layer: batch × units
    dW: list[np.ndarray]  # per layer: inputs × units
    db: list[np.ndarray]  # per layer: units (defined even for a fixed bias)
    after: list[Layer]


def array(rows: Sequence, ops: Ops = FLOAT) -> np.ndarray:
    """An array of ``rows`` (nested sequences of exact numbers) in the arithmetic of ``ops``."""
    return np.array(np.vectorize(ops.convert, otypes=[object])(np.array(rows, dtype=object)), dtype=ops.dtype)


def layer(W: Sequence, b: Sequence | None, activation: str, slope: Fraction = Fraction(1, 100),
          trainable_bias: bool = True, ops: Ops = FLOAT) -> Layer:
    return Layer(array(W, ops), None if b is None else array(b, ops), activation, ops.convert(slope),
                 trainable_bias)


def activate(name: str, z: np.ndarray, slope: object, ops: Ops) -> np.ndarray:
    if name == "relu":
        return np.where(z > 0, z, z * 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, z * slope)
    if name == "linear":
        return z.copy()
    if name == "sigmoid":
        return 1 / (1 + ops.exp(-z))
    if name == "tanh":
        return ops.tanh(z)
    if name == "softmax":
        e = ops.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise KeyError(name)


def jacobian(name: str, z_s: np.ndarray, a_s: np.ndarray, slope: object) -> np.ndarray:
    """``J[k, j] = ∂a_k/∂z_j`` of one sample."""
    n = len(z_s)
    if name == "softmax":
        J = np.empty((n, n), dtype=a_s.dtype)
        for k in range(n):
            for j in range(n):
                J[k, j] = a_s[k] * ((1 if k == j else 0) - a_s[j])
        return J
    if name == "relu":
        d = [1 if v > 0 else 0 for v in z_s]
    elif name == "leaky_relu":
        d = [1 if v > 0 else slope for v in z_s]
    elif name == "linear":
        d = [1] * n
    elif name == "sigmoid":
        d = [v * (1 - v) for v in a_s]
    elif name == "tanh":
        d = [1 - v * v for v in a_s]
    else:
        raise KeyError(name)
    J = np.zeros((n, n), dtype=a_s.dtype)
    for k in range(n):
        J[k, k] = d[k]
    return J


def losses(name: str, Y: np.ndarray, P: np.ndarray, ops: Ops) -> np.ndarray:
    """Per-sample losses."""
    n_out = Y.shape[1]
    if name == "difference":
        return (Y - P).sum(axis=1)
    if name == "mse":
        return ((Y - P) ** 2).sum(axis=1) / n_out
    if name == "half_sse":
        return ((Y - P) ** 2).sum(axis=1) / 2
    if name == "mae":
        return np.abs(Y - P).sum(axis=1) / n_out
    if name in ("bce", "cce"):  # a zero factor drops its term (0·ln 0 = 0)
        out = []
        for y_s, p_s in zip(Y, P):
            total = 0
            for y, p in zip(y_s, p_s):
                if y != 0:
                    total = total + y * ops.log(p)
                if name == "bce" and y != 1:
                    total = total + (1 - y) * ops.log(1 - p)
            out.append(-total)
        return np.array(out, dtype=Y.dtype)
    raise KeyError(name)


def loss_gradient(name: str, Y: np.ndarray, P: np.ndarray, ops: Ops = FLOAT) -> np.ndarray:
    """``∂L_s/∂ŷ`` for each sample (rows)."""
    n_out = Y.shape[1]
    if name == "difference":
        return P * 0 - 1
    if name == "mse":
        return 2 * (P - Y) / n_out
    if name == "half_sse":
        return P - Y
    if name == "mae":
        sign = np.vectorize(lambda v: ops.convert(int(v > 0) - int(v < 0)), otypes=[object])(P - Y)
        return np.array(sign, dtype=Y.dtype) / n_out
    if name == "bce":
        return (P - Y) / (P * (1 - P))
    if name == "cce":
        return np.where(Y != 0, -Y / np.where(P != 0, P, 1), P * 0)
    raise KeyError(name)


def forward(layers: Sequence[Layer], X: np.ndarray, ops: Ops = FLOAT) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations and activations of every layer."""
    zs, as_ = [], []
    A = X
    for lay in layers:
        Z = A @ lay.W
        if lay.b is not None:
            Z = Z + lay.b
        A = activate(lay.activation, Z, lay.slope, ops)
        zs.append(Z)
        as_.append(A)
    return zs, as_


def batch_loss(layers: Sequence[Layer], X: np.ndarray, Y: np.ndarray, loss: str, ops: Ops = FLOAT):
    _, as_ = forward(layers, X, ops)
    return losses(loss, Y, as_[-1], ops).sum() / X.shape[0]


def step(layers: Sequence[Layer], X: np.ndarray, Y: np.ndarray, loss: str, lr: object,
         ops: Ops = FLOAT) -> StepResult:
    """One gradient-descent update on the batch ``X``, ``Y``."""
    n = X.shape[0]
    zs, as_ = forward(layers, X, ops)
    per = losses(loss, Y, as_[-1], ops)
    G = loss_gradient(loss, Y, as_[-1], ops)  # ∂L_s/∂a of the last layer, per sample
    deltas: list[np.ndarray] = [None] * len(layers)
    dWs: list[np.ndarray] = [None] * len(layers)
    dbs: list[np.ndarray] = [None] * len(layers)
    for l in range(len(layers) - 1, -1, -1):
        lay = layers[l]
        D = np.array([G[s] @ jacobian(lay.activation, zs[l][s], as_[l][s], lay.slope) for s in range(n)],
                     dtype=G.dtype).reshape(n, lay.W.shape[1])
        deltas[l] = D
        A_prev = X if l == 0 else as_[l - 1]
        dWs[l] = A_prev.T @ D / n
        dbs[l] = D.sum(axis=0) / n
        G = D @ lay.W.T
    after = []
    for lay, dW, db in zip(layers, dWs, dbs):
        b = lay.b
        if b is not None and lay.trainable_bias:
            b = b - lr * db
        after.append(replace(lay, W=lay.W - lr * dW, b=b))
    return StepResult(zs, as_, per, per.sum() / n, deltas, dWs, dbs, after)


def classify(activation: str, loss: str | None, P: np.ndarray) -> list[int | None]:
    """The class of each row: softmax (or cce with several outputs) the first largest entry,
    sigmoid (or bce) 1 when the value is at least ½, anything else none."""
    if activation == "softmax" or (loss == "cce" and P.shape[1] > 1):
        return [int(np.argmax(row)) for row in P]
    if activation == "sigmoid" or loss == "bce":
        return [int(row[0] >= 0.5) for row in P]
    return [None] * len(P)


def schedule(n_samples: int, batch_size: int, epochs: int) -> list[list[int]]:
    """The batches of training without shuffling: consecutive slices, the last one possibly short."""
    return [list(range(start, min(start + batch_size, n_samples)))
            for _ in range(epochs) for start in range(0, n_samples, batch_size)]


def finite_differences(layers: Sequence[Layer], X: np.ndarray, Y: np.ndarray, loss: str,
                       h: float = 1e-6) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Central differences ``(L(θ+h) − L(θ−h)) / 2h`` of the float64 batch loss for every weight and bias."""

    def nudged(l: int, kind: str, index: tuple[int, ...], by: float) -> list[Layer]:
        out = list(layers)
        arr = (out[l].W if kind == "W" else out[l].b).copy()
        arr[index] += by
        out[l] = replace(out[l], **{kind: arr})
        return out

    dWs, dbs = [], []
    for l, lay in enumerate(layers):
        dW = np.zeros_like(lay.W)
        for index in np.ndindex(lay.W.shape):
            dW[index] = (batch_loss(nudged(l, "W", index, h), X, Y, loss)
                         - batch_loss(nudged(l, "W", index, -h), X, Y, loss)) / (2 * h)
        dWs.append(dW)
        if lay.b is None:
            dbs.append(None)
            continue
        db = np.zeros_like(lay.b)
        for index in np.ndindex(lay.b.shape):
            db[index] = (batch_loss(nudged(l, "b", index, h), X, Y, loss)
                         - batch_loss(nudged(l, "b", index, -h), X, Y, loss)) / (2 * h)
        dbs.append(db)
    return dWs, dbs
