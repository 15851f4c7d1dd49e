"""The registry of activations and losses: one entry each, holding everything about it.

An entry gives its name and words, its value and derivative on exact numbers and on NumPy
arrays, its domain as data, its kinks and parameter, and its formulas as structure: the
*forms* (:mod:`handcalc.core.forms`) a page writes a line with, and the general rule
(a sympy expression, built on demand).  Every other module asks the entry; adding an
activation or a loss is one entry here, a line of the tests' reference implementation
and a row of the docs.

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
perfect prediction).  Every exact function takes and returns :class:`Num`; the NumPy ones
are given the ``numpy`` module (so that the core imports it only for float64 training).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

from .forms import Abs, Add, Arg, Call, Exp, Form, Frac, Group, Mul, Neg, Param, Pow, Sub, const
from .numbers import ONE, ZERO, Num, exp, ln, tanh

Array = Any  # a numpy.ndarray (numpy is imported only by the float64 path)


@dataclass(frozen=True)
class Interval:
    """An interval of the real line; ``None`` is unbounded; ``closed`` ends belong to it."""

    low: Fraction | None
    high: Fraction | None
    closed: bool = False

    def contains(self, x: Num | Fraction) -> bool:
        if self.closed:
            return (self.low is None or x >= self.low) and (self.high is None or x <= self.high)
        return (self.low is None or x > self.low) and (self.high is None or x < self.high)

    def __str__(self) -> str:
        low = "−∞" if self.low is None else str(self.low)
        high = "∞" if self.high is None else str(self.high)
        return ("[" if self.closed and self.low is not None else "(") + f"{low}, {high}" + (
            "]" if self.closed and self.high is not None else ")")


@dataclass(frozen=True)
class Activation:
    name: str
    title: str  # in words, in a heading: "leaky ReLU"
    called: str  # in a sentence: "Then the activation, the sigmoid σ:"
    symbol: str  # the function's symbol on the pages (each printer writes it in its dialect)
    elementwise: bool
    #: derivative is written in terms of the output ``a`` (sigmoid, tanh) or the input ``z``
    derivative_of: str  # "z" | "a"
    value: Callable[[Sequence[Num], int, Num], Num]  # (z vector, j, slope) → a_j
    derivative: Callable[[Num, Num], Num]  # elementwise: (z_j or a_j, slope) → f′_j
    np_value: Callable[[Any, Array, float], Array]  # (numpy, Z, slope) → A, one sample per row
    np_delta: Callable[[Any, Array, Array, Array, float], Array]  # (numpy, Z, A, ∂L/∂A, slope) → δ
    #: the line ``a_j = …`` over the record's arguments (z_j; softmax: the vector z), given (len z, j)
    form: Callable[[int, int], Form]
    #: the line ``f′ = …`` over its arguments (z_j or a_j; softmax: a_k, a_j), given 1 when k = j
    derivative_form: Callable[[int], Form]
    #: ``(sympy, z, a, α) → (f(z), f′)`` for the rule a page states once; None: stated by the printer
    rule: Callable[[Any, Any, Any, Any], tuple[Any, Any]] | None = None
    parameter: str | None = None  # the layer's field that holds its parameter (``negative_slope``)
    kinks: tuple[Fraction, ...] = ()  # z where f′ jumps: finite differences are not compared there
    identity: bool = False  # a = z: the pages say so instead of writing lines
    last_only: bool = False  # allowed on the last layer only
    classes: str | None = None  # "threshold" (ŷ ≥ ½) or "argmax": the outputs read as class probabilities
    #: what it does to entries not above 0, as a verb phrase ({them}: "it" or "them"); "" says nothing
    nonpositive: str = ""


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
    np_value: Callable[[Any, Array, Array], tuple[Array, Array]]  # (numpy, Y, Ŷ) → (L per sample, ∂L/∂Ŷ)
    form: Callable[[int], Form]  # the line L = … over (y_1…y_n, ŷ_1…ŷ_n), given n outputs
    derivative_form: Callable[[int], Form]  # the line ∂L/∂ŷ_j = … over (y_j, ŷ_j), given n outputs
    rule: Callable[[Any, Any, Any], tuple[Any, Any]]  # (sympy, y, ŷ) → (one output's term, its ∂/∂ŷ)
    mean: bool = False  # the outputs' terms are averaged (1/n), not summed
    #: the predictions it is defined for (bce: 0 < ŷ < 1) and the targets it accepts
    domain: Interval | None = None
    targets: Interval | None = None
    classes: str | None = None  # "threshold" or "argmax" (see :class:`Activation`)


def _relu(z: Sequence[Num], j: int, slope: Num) -> Num:
    return z[j] if z[j] > 0 else ZERO


def _leaky(z: Sequence[Num], j: int, slope: Num) -> Num:
    return z[j] if z[j] > 0 else slope * z[j]


def _sigmoid(z: Sequence[Num], j: int, slope: Num) -> Num:
    return ONE / (ONE + exp(-z[j]))


def _tanh(z: Sequence[Num], j: int, slope: Num) -> Num:
    return tanh(z[j])


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


def _np_sigmoid(np: Any, z: Array, slope: float) -> Array:
    with np.errstate(over="ignore"):  # e^{-z} overflows for z ≪ 0: the sigmoid is then 0, correctly
        return 1.0 / (1.0 + np.exp(-z))


def _np_softmax(np: Any, z: Array, slope: float) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _s_sub(sp: Any, a: Any, b: Any) -> Any:
    """``a − b`` as written (sympy, unevaluated)."""
    return sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False)


Z, A = Arg(0), Arg(0)  # the one argument of an element-wise line: z_j, or a_j for σ′ and tanh′


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation(
        "relu", "ReLU", "ReLU", "ReLU", True, "z", _relu, lambda z, s: ONE if z > 0 else ZERO,
        lambda np, z, s: np.maximum(z, 0.0), lambda np, z, a, da, s: da * (z > 0),
        lambda n, j: Call("max", (const(0), Z)), lambda k: Call("ReLU", (Z,), prime=True),
        lambda sp, z, a, al: (sp.Piecewise((z, z > 0), (0, True)), sp.Piecewise((1, z > 0), (0, True))),
        kinks=(Fraction(0),), nonpositive="sets {them} to 0"),
    Activation(
        "leaky_relu", "leaky ReLU", "leaky ReLU", "LReLU", True, "z", _leaky, lambda z, s: ONE if z > 0 else s,
        lambda np, z, s: np.where(z > 0, z, s * z), lambda np, z, a, da, s: da * np.where(z > 0, 1.0, s),
        lambda n, j: Call("max", (Mul((Param(), Z)), Z)), lambda k: Call("LReLU", (Z,), prime=True),
        lambda sp, z, a, al: (sp.Piecewise((z, z > 0), (al * z, True)), sp.Piecewise((1, z > 0), (al, True))),
        parameter="negative_slope", kinks=(Fraction(0),), nonpositive="scales {them} by its slope"),
    Activation(
        "sigmoid", "sigmoid", "the sigmoid σ", "σ", True, "a", _sigmoid, lambda a, s: a * (ONE - a),
        _np_sigmoid, lambda np, z, a, da, s: da * a * (1 - a),
        lambda n, j: Frac(const(1), Add((const(1), Exp(Neg(Z))))), lambda k: Mul((A, Sub(const(1), A))),
        lambda sp, z, a, al: (1 / (1 + sp.exp(-z)), sp.Mul(a, _s_sub(sp, 1, a), evaluate=False)),
        classes="threshold"),
    Activation(
        "tanh", "tanh", "tanh", "tanh", True, "a", _tanh, lambda a, s: ONE - a * a,
        lambda np, z, s: np.tanh(z), lambda np, z, a, da, s: da * (1 - a * a),
        lambda n, j: Call("tanh", (Z,)), lambda k: Sub(const(1), Pow(A, 2)),
        lambda sp, z, a, al: (_s_sub(sp, sp.exp(z), sp.exp(-z)) / sp.Add(sp.exp(z), sp.exp(-z), evaluate=False),
                               _s_sub(sp, 1, a**2))),
    Activation(
        "linear", "linear", "the identity", "id", True, "z", lambda z, j, s: z[j], lambda z, s: ONE,
        lambda np, z, s: z, lambda np, z, a, da, s: da,
        lambda n, j: Z, lambda k: const(1),
        lambda sp, z, a, al: (z, sp.Integer(1)), identity=True),
    Activation(
        "softmax", "softmax", "softmax", "softmax", False, "a", _softmax,
        lambda a, s: a,  # not used: the Jacobian is softmax_jacobian
        _np_softmax, lambda np, z, a, da, s: a * (da - (a * da).sum(axis=1, keepdims=True)),  # Jᵀ ∂L/∂a
        lambda n, j: Frac(Exp(Arg(j)), Add(tuple(Exp(Arg(k)) for k in range(n)))),
        lambda same: Mul((Arg(0), Sub(const(1), Arg(1)))) if same else Neg(Mul((Arg(0), Arg(1)))),
        last_only=True, classes="argmax"),
)}


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


def _np_bce(np: Any, y: Array, p: Array) -> tuple[Array, Array]:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y != 0, y * np.log(p), 0.0) + np.where(y != 1, (1 - y) * np.log(1 - p), 0.0)
    return -t.sum(axis=1), (p - y) / (p * (1 - p))


def _np_cce(np: Any, y: Array, p: Array) -> tuple[Array, Array]:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y != 0, y * np.log(p), 0.0)
    return -t.sum(axis=1), np.where(y != 0, -y / p, 0.0)


def _each(n: int, term: Callable[[Form, Form], Form], group: bool = True) -> tuple[Form, ...]:
    """One term per output over (y_1…y_n, ŷ_1…ŷ_n); in brackets when there are several."""
    return tuple(Group(term(Arg(j), Arg(n + j))) if group and n > 1 else term(Arg(j), Arg(n + j))
                 for j in range(n))


def _scaled(factor: Fraction | None, terms: tuple[Form, ...]) -> Form:
    """``factor · (t_1 + … + t_n)``: big brackets around a sum of several terms."""
    body: Form = terms[0] if len(terms) == 1 else Add(terms)
    if factor is None:
        return body
    return Mul((const(factor), Group(body, big=True) if len(terms) > 1 else body), dot=False)


def _mean_factor(n: int) -> Fraction | None:
    return Fraction(1, n) if n > 1 else None


def _coefficient(c: Fraction, x: Form) -> Form:
    """``c x`` written as a coefficient: ``-x`` for −1."""
    return Neg(x) if c == -1 else Mul((const(c), x), dot=False)


def _bce_form(n: int) -> Form:
    """``-(y ln ŷ + (1 − y) ln(1 − ŷ))``; with several outputs the minus covers the whole sum."""
    terms = _each(n, lambda y, h: Group(Add((Mul((y, Call("ln", (h,))), dot=False),
                                             Mul((Group(Sub(const(1), y)), Call("ln", (Sub(const(1), h),))),
                                                 dot=False))), big=True), group=False)
    return Neg(terms[0] if n == 1 else Group(Add(terms), big=True))


Y, YHAT = Arg(0), Arg(1)  # the arguments of a ∂L/∂ŷ_j line
HALF = Num(Fraction(1, 2))
TARGETS_01, TARGETS_POSITIVE = Interval(Fraction(0), Fraction(1), closed=True), Interval(Fraction(0), None, closed=True)

LOSSES: dict[str, Loss] = {x.name: x for x in (
    Loss(
        "difference", lambda y, p: _total([a - b for a, b in zip(y, p)]), lambda y, p, n: -ONE,
        "difference", "toy",
        "It is not a distance: minimising y − ŷ means making ŷ as large as possible, whatever the target, "
        "so it has no minimum, and gradient descent on it simply pushes ŷ up.",
        lambda np, y, p: ((y - p).sum(axis=1), -np.ones_like(p)),
        lambda n: _scaled(None, _each(n, Sub)), lambda n: const(-1),
        lambda sp, y, h: (_s_sub(sp, y, h), sp.Integer(-1))),
    Loss(
        "mse",
        lambda y, p: _total([(a - b) * (a - b) for a, b in zip(y, p)]) / len(y),
        lambda y, p, n: Num(Fraction(-2, n)) * (y - p),
        "mean squared error", "regression",
        "It is the mean of the squared differences between target and prediction: 0 for a perfect prediction, "
        "and large errors count much more than small ones.",
        lambda np, y, p: (((y - p) ** 2).mean(axis=1), -2 * (y - p) / y.shape[1]),
        lambda n: _scaled(_mean_factor(n), _each(n, lambda y, h: Pow(Group(Sub(y, h)), 2), group=False)),
        lambda n: _coefficient(Fraction(-2, n), Group(Sub(Y, YHAT))),
        lambda sp, y, h: (sp.Pow(_s_sub(sp, y, h), 2, evaluate=False), sp.Mul(-2, _s_sub(sp, y, h), evaluate=False)),
        mean=True),
    Loss(
        "half_sse",
        lambda y, p: HALF * _total([(a - b) * (a - b) for a, b in zip(y, p)]),
        lambda y, p, n: p - y,
        "half the sum of squared errors", "regression",
        "It is half the sum of the squared differences between target and prediction: 0 for a perfect "
        "prediction, and the ½ cancels the 2 of the derivative.",
        lambda np, y, p: (0.5 * ((y - p) ** 2).sum(axis=1), p - y),
        lambda n: _scaled(Fraction(1, 2), _each(n, lambda y, h: Pow(Group(Sub(y, h)), 2), group=False)),
        lambda n: Sub(YHAT, Y),
        lambda sp, y, h: (sp.Mul(sp.Rational(1, 2), sp.Pow(_s_sub(sp, y, h), 2, evaluate=False), evaluate=False),
                          _s_sub(sp, h, y))),
    Loss(
        "mae",
        lambda y, p: _total([abs(a - b) for a, b in zip(y, p)]) / len(y),
        lambda y, p, n: Num(Fraction(-(y - p).sign(), n)),
        "mean absolute error", "regression",
        "It is the mean of the distances between target and prediction: 0 for a perfect prediction, and every "
        "error counts in proportion to its size.",
        lambda np, y, p: (np.abs(y - p).mean(axis=1), -np.sign(y - p) / y.shape[1]),
        lambda n: _scaled(_mean_factor(n), _each(n, lambda y, h: Abs(Sub(y, h)), group=False)),
        lambda n: _coefficient(Fraction(-1, n), Call("sign", (Sub(Y, YHAT),))),
        lambda sp, y, h: (sp.Abs(_s_sub(sp, y, h), evaluate=False),
                          sp.Mul(-1, sp.sign(_s_sub(sp, y, h), evaluate=False), evaluate=False)),
        mean=True),
    Loss(
        "bce", _bce, lambda y, p, n: (p - y) / (p * (ONE - p)),
        "binary cross-entropy", "classification",
        "It reads ŷ as the probability of “yes”: near 0 when that probability matches the target and "
        "grows without bound as the network becomes sure of the wrong answer.",
        _np_bce,
        _bce_form,
        lambda n: Frac(Sub(YHAT, Y), Mul((YHAT, Sub(const(1), YHAT)))),
        lambda sp, y, h: (
            sp.Mul(-1, sp.Add(sp.Mul(y, sp.log(h), evaluate=False),
                              sp.Mul(_s_sub(sp, 1, y), sp.log(_s_sub(sp, 1, h)), evaluate=False), evaluate=False),
                   evaluate=False),
            sp.Mul(_s_sub(sp, h, y), sp.Pow(sp.Mul(h, _s_sub(sp, 1, h), evaluate=False), -1, evaluate=False),
                   evaluate=False)),
        domain=Interval(Fraction(0), Fraction(1)), targets=TARGETS_01, classes="threshold"),
    Loss(
        "cce", _cce, lambda y, p, n: ZERO if y == 0 else -y / p,
        "categorical cross-entropy", "classification",
        "It reads ŷ as probabilities of the classes: for a one-hot target it is minus the logarithm of the "
        "probability given to the right class, 0 when that probability is 1.",
        _np_cce,
        lambda n: Neg(Group(_scaled(None, _each(n, lambda y, h: Mul((y, Call("ln", (h,))), dot=False), group=False)),
                            big=True)),
        lambda n: Neg(Frac(Y, YHAT)),
        lambda sp, y, h: (sp.Mul(-1, y, sp.log(h), evaluate=False),
                          sp.Mul(-1, y, sp.Pow(h, -1, evaluate=False), evaluate=False)),
        domain=Interval(Fraction(0), None), targets=TARGETS_POSITIVE, classes="argmax"),
)}


class Role(Enum):
    """What a record of the trace applies of a registry entry (see :class:`handcalc.core.trace.Applied`)."""

    VALUE = "value"  # an activation: args z_j (element-wise) or the vector z, index j
    DERIVATIVE = "derivative"  # f′: args z_j or a_j; a Jacobian entry: args a_k, a_j, index 1 when k = j
    LOSS = "loss"  # args y…, ŷ… of one sample
    LOSS_DERIVATIVE = "loss derivative"  # ∂L/∂ŷ_j: args y_j, ŷ_j, index = outputs


def evaluate(role: Role, name: str, args: Sequence[Num], index: int = 0, param: Num | None = None) -> Num:
    """Evaluate what a record of the trace applies: ``role`` of the registry entry ``name``."""
    slope = param if param is not None else ZERO
    if role is Role.VALUE:
        act = ACTIVATIONS[name]
        return act.value(args, index if not act.elementwise else 0, slope)
    if role is Role.DERIVATIVE:
        act = ACTIVATIONS[name]
        if not act.elementwise:
            return softmax_jacobian(args[0], args[1], index == 1)
        return act.derivative(args[0], slope)
    if role is Role.LOSS:
        half = len(args) // 2
        return LOSSES[name].value(args[:half], args[half:])
    return LOSSES[name].derivative(args[0], args[1], index)


def in_domain(loss: Loss, p: Num) -> bool:
    """Whether a prediction is one the loss (and its derivative) is defined at."""
    return loss.domain is None or loss.domain.contains(p)
