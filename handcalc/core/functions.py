"""The table of activations and losses: value and derivative of each, in one place.

Activations act on the pre-activation vector ``z`` of one sample:

* element-wise ones give ``a_j = f(z_j)`` and a derivative vector ``f′_j``
  written in terms of ``z_j`` or ``a_j`` (whichever a student would use);
* ``softmax`` gives ``a_j = e^{z_j} / Σ_k e^{z_k}`` and the Jacobian
  ``J_kj = ∂a_k/∂z_j = a_k (1[k=j] − a_j)``.

Losses compare one sample's target ``y`` with its prediction ``ŷ``:

====================  ==========================================  =======================
name                  L (one sample, n outputs)                   ∂L/∂ŷ_j
====================  ==========================================  =======================
``difference``        Σ (y_j − ŷ_j)                               −1
``mse``               (1/n) Σ (y_j − ŷ_j)²                        −2 (y_j − ŷ_j) / n
``half_sse``          ½ Σ (y_j − ŷ_j)²                            −(y_j − ŷ_j)
``mae``               (1/n) Σ |y_j − ŷ_j|                         −sign(y_j − ŷ_j) / n
``bce``               −Σ [y_j ln ŷ_j + (1−y_j) ln(1−ŷ_j)]          (ŷ_j − y_j) / (ŷ_j (1 − ŷ_j))
``cce``               −Σ y_j ln ŷ_j                               −y_j / ŷ_j
====================  ==========================================  =======================

Conventions: ReLU′(0) = 0, leaky ReLU′(0) = slope, sign(0) = 0 (so MAE′ = 0 at a
perfect prediction).  Every function takes and returns :class:`Num`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .numbers import ONE, ZERO, Num, exp, ln, tanh


@dataclass(frozen=True)
class Activation:
    name: str
    elementwise: bool
    #: derivative is written in terms of the output ``a`` (sigmoid, tanh) or the input ``z``
    derivative_of: str  # "z" | "a"
    value: Callable[[Sequence[Num], int, Num], Num]  # (z vector, j, slope) → a_j
    derivative: Callable[[Num, Num], Num]  # elementwise: (z_j or a_j, slope) → f′_j


def _relu(z: Sequence[Num], j: int, slope: Num) -> Num:
    return z[j] if z[j] > 0 else ZERO


def _leaky(z: Sequence[Num], j: int, slope: Num) -> Num:
    return z[j] if z[j] > 0 else slope * z[j]


def _sigmoid(z: Sequence[Num], j: int, slope: Num) -> Num:
    return ONE / (ONE + exp(-z[j]))


def _tanh(z: Sequence[Num], j: int, slope: Num) -> Num:
    return tanh(z[j])


def _linear(z: Sequence[Num], j: int, slope: Num) -> Num:
    return z[j]


def _softmax(z: Sequence[Num], j: int, slope: Num) -> Num:
    top = max(z)  # shifting by the maximum changes nothing mathematically
    exps = [exp(zk - top) for zk in z]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return exps[j] / total


def softmax_jacobian(a_k: Num, a_j: Num, same: bool) -> Num:
    """J_kj = a_k (1[k=j] − a_j)."""
    return a_k * ((ONE if same else ZERO) - a_j)


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", True, "z", _relu, lambda z, s: ONE if z > 0 else ZERO),
    "leaky_relu": Activation("leaky_relu", True, "z", _leaky, lambda z, s: ONE if z > 0 else s),
    "sigmoid": Activation("sigmoid", True, "a", _sigmoid, lambda a, s: a * (ONE - a)),
    "tanh": Activation("tanh", True, "a", _tanh, lambda a, s: ONE - a * a),
    "linear": Activation("linear", True, "z", _linear, lambda z, s: ONE),
    "softmax": Activation("softmax", False, "a", _softmax, lambda a, s: a),
}


@dataclass(frozen=True)
class Loss:
    """A loss and how the pages speak of it: ``title`` names it in words, ``kind`` is
    ``regression`` (a distance between y and ŷ), ``classification`` (ŷ are probabilities)
    or ``toy`` (for the mechanics only), and ``about`` says in one sentence what it does."""

    name: str
    value: Callable[[Sequence[Num], Sequence[Num]], Num]  # (y, ŷ) → L of one sample
    derivative: Callable[[Num, Num, int], Num]  # (y_j, ŷ_j, n outputs) → ∂L/∂ŷ_j
    title: str
    kind: str  # "regression" | "classification" | "toy"
    about: str
    #: the prediction must lie strictly inside (0, 1) (bce) or above 0 (cce)
    domain: str = ""


def _total(xs: Sequence[Num]) -> Num:
    out = ZERO
    for x in xs:
        out = out + x
    return out


def _bce(y: Sequence[Num], p: Sequence[Num]) -> Num:
    terms = []
    for yj, pj in zip(y, p):
        t = ZERO
        if yj != 0:
            t = t + yj * ln(pj)
        if yj != 1:
            t = t + (ONE - yj) * ln(ONE - pj)
        terms.append(t)
    return -_total(terms)


def _cce(y: Sequence[Num], p: Sequence[Num]) -> Num:
    return -_total([yj * ln(pj) for yj, pj in zip(y, p) if yj != 0])


HALF = Num(Fraction(1, 2))

LOSSES: dict[str, Loss] = {
    "difference": Loss(
        "difference", lambda y, p: _total([a - b for a, b in zip(y, p)]), lambda y, p, n: -ONE,
        "difference", "toy",
        "It is not a distance: minimising y − ŷ means making ŷ as large as possible, whatever the target, "
        "so it has no minimum, and gradient descent on it simply pushes ŷ up.",
    ),
    "mse": Loss(
        "mse",
        lambda y, p: _total([(a - b) * (a - b) for a, b in zip(y, p)]) / len(y),
        lambda y, p, n: Num(Fraction(-2, n)) * (y - p),
        "mean squared error", "regression",
        "It is the mean of the squared differences between target and prediction: 0 for a perfect prediction, "
        "and large errors count much more than small ones.",
    ),
    "half_sse": Loss(
        "half_sse",
        lambda y, p: HALF * _total([(a - b) * (a - b) for a, b in zip(y, p)]),
        lambda y, p, n: p - y,
        "half the sum of squared errors", "regression",
        "It is half the sum of the squared differences between target and prediction: 0 for a perfect "
        "prediction, and the ½ cancels the 2 of the derivative.",
    ),
    "mae": Loss(
        "mae",
        lambda y, p: _total([abs(a - b) for a, b in zip(y, p)]) / len(y),
        lambda y, p, n: Num(Fraction(-(y - p).sign(), n)),
        "mean absolute error", "regression",
        "It is the mean of the distances between target and prediction: 0 for a perfect prediction, and every "
        "error counts in proportion to its size.",
    ),
    "bce": Loss(
        "bce", _bce, lambda y, p, n: (p - y) / (p * (ONE - p)),
        "binary cross-entropy", "classification",
        "It reads ŷ as the probability of “yes”: near 0 when that probability matches the target and "
        "grows without bound as the network becomes sure of the wrong answer.",
        domain="(0, 1)",
    ),
    "cce": Loss(
        "cce", _cce, lambda y, p, n: ZERO if y == 0 else -y / p,
        "categorical cross-entropy", "classification",
        "It reads ŷ as probabilities of the classes: for a one-hot target it is minus the logarithm of the "
        "probability given to the right class, 0 when that probability is 1.",
        domain="(0, ∞)",
    ),
}


def evaluate(fn: str, args: Sequence[Num], index: int = 0, param: Num | None = None) -> Num:
    """Evaluate a named function of the trace (see :class:`handcalc.core.trace.Applied`)."""
    kind, _, name = fn.rpartition(":")
    slope = param if param is not None else ZERO
    if kind == "":
        act = ACTIVATIONS[name]
        return act.value(args, index if not act.elementwise else 0, slope)
    if kind == "d":
        if name == "softmax":
            return softmax_jacobian(args[0], args[1], index == 1)
        return ACTIVATIONS[name].derivative(args[0], slope)
    if kind == "loss":
        half = len(args) // 2
        return LOSSES[name].value(args[:half], args[half:])
    if kind == "dloss":
        return LOSSES[name].derivative(args[0], args[1], index)
    raise KeyError(fn)


def in_domain(loss: Loss, p: Num) -> bool:
    """Whether a prediction is one the loss (and its derivative) is defined at."""
    if loss.domain == "(0, 1)":
        return ZERO < p < ONE
    if loss.domain == "(0, ∞)":
        return p > 0
    return True
