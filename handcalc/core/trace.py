"""The trace: every number of a run, as immutable records.

Each record is one equation a page can print as *formula → numbers → result*
and a checker can recompute:

* :class:`Affine`  — ``value = scale · (Σ_k x_k·w_k + offset)`` (dot products, δ, ∂L/∂W, ∂L/∂a)
* :class:`Mean`    — ``value = (1/n) Σ items`` (batch loss, ∂L/∂b)
* :class:`Applied` — ``value = fn(args)`` for a function of :mod:`handcalc.core.functions`
* :class:`Update`  — ``value = old − rate·grad``

``rounded`` is true when ``display.rounding: hand`` changed the value when it was
written down (the page then prints ``≈``).  Matrices are kept in row orientation
(inputs × units); the notation is applied when numbers leave the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Union

from .functions import Role
from .numbers import Num
from .spec import Spec


@dataclass(frozen=True)
class Affine:
    terms: tuple[tuple[Num, Num], ...]
    value: Num
    offset: Num | None = None
    scale: Num | None = None
    rounded: bool = False


@dataclass(frozen=True)
class Mean:
    items: tuple[Num, ...]
    value: Num
    rounded: bool = False


@dataclass(frozen=True)
class Applied:
    """``role`` of the registry entry ``fn`` (:mod:`handcalc.core.functions`) applied to ``args``:
    an activation (args ``z_j``; softmax: the vector ``z``, ``index`` j), its derivative (args
    ``z_j`` or ``a_j``; softmax: ``a_k, a_j``, ``index`` 1 when k = j), a loss (args ``y…, ŷ…``)
    or its derivative (args ``y_j, ŷ_j``, ``index`` = outputs)."""

    role: Role
    fn: str  # the name of a registry entry
    args: tuple[Num, ...]
    value: Num
    index: int = 0
    param: Num | None = None  # the activation's parameter (leaky ReLU slope)
    rounded: bool = False


@dataclass(frozen=True)
class Update:
    old: Num
    rate: Num
    grad: Num
    value: Num
    rounded: bool = False


Record = Union[Affine, Mean, Applied, Update]
Rows = tuple[tuple[Num, ...], ...]


@dataclass(frozen=True)
class Params:
    W: Rows  # inputs × units
    b: tuple[Num, ...] | None


@dataclass(frozen=True)
class ForwardLayer:
    layer: int  # 1-based
    W: Rows
    b: tuple[Num, ...] | None
    inputs: Rows  # per sample: a^{[l−1]}
    z: tuple[tuple[Affine, ...], ...]  # per sample, per unit
    a: tuple[tuple[Applied, ...], ...]  # per sample, per unit


@dataclass(frozen=True)
class BackwardLayer:
    layer: int
    da: tuple[tuple[Record, ...], ...]  # per sample: ∂L_s/∂a^{[l]} (Applied loss′ on the last layer)
    #: per sample: f′ per unit (element-wise), or the Jacobian rows k × j (softmax)
    deriv: tuple[tuple[Applied, ...] | tuple[tuple[Applied, ...], ...], ...]
    dz: tuple[tuple[Affine, ...], ...]  # per sample: δ^{[l]}
    dW: tuple[tuple[Affine, ...], ...]  # inputs × units, mean over the batch
    db: tuple[Mean, ...] | None  # None: no bias, or a fixed one


@dataclass(frozen=True)
class UpdateLayer:
    layer: int
    W: tuple[tuple[Update, ...], ...]
    b: tuple[Update, ...] | None


@dataclass(frozen=True)
class After:
    """The step's samples run forward again with the updated parameters: the new
    prediction and loss, and the change of the loss."""

    forward: tuple[ForwardLayer, ...]
    losses: tuple[Applied, ...]  # per sample
    loss: Mean
    change: Affine  # L_new − L as 1·L_new + (−1)·L


@dataclass(frozen=True)
class Step:
    number: int  # 1-based update count
    epoch: int  # 1-based
    batch: tuple[int, ...]  # indices into spec.train
    forward: tuple[ForwardLayer, ...]
    losses: tuple[Applied, ...]  # per sample
    loss: Mean
    backward: tuple[BackwardLayer, ...]  # index 0 is layer 1
    update: tuple[UpdateLayer, ...]
    #: the same samples after the update; None when a new prediction leaves the loss's domain
    after: After | None = None


@dataclass(frozen=True)
class Prediction:
    index: int
    x: tuple[Num, ...]
    y: tuple[Num, ...] | None
    yhat: tuple[Num, ...]
    label: int | None  # predicted class, for classifiers
    correct: bool | None


@dataclass(frozen=True)
class Stalled:
    """What no longer learns with the final parameters, read from a forward pass over the
    training rows: hidden units whose activation's derivative is 0 for every row (no gradient
    reaches the weights into them), and the rows whose last hidden layer puts out only zeros
    (the output layer then sees the same input for all of them)."""

    units: tuple[tuple[int, int], ...]  # (layer, unit), both 1-based
    zero_rows: tuple[int, ...]  # 0-based training rows
    zero_prediction: tuple[Num, ...] | None  # ŷ that every one of ``zero_rows`` gets


@dataclass(frozen=True)
class Trace:
    spec: Spec
    initial: tuple[Params, ...]
    steps: tuple[Step, ...]  # the updates run on exact numbers
    final: tuple[Params, ...]
    epoch_loss: tuple[Num, ...]  # mean loss of the updates of each epoch
    float_steps: int  # updates run on the float64 path after the exact ones
    predictions: tuple[Prediction, ...]  # on data.test with the final parameters
    accuracy: Fraction | None
    inference: tuple[ForwardLayer, ...] | None  # forward pass on data.train (forward-only specs)
    stalled: Stalled | None = None  # after a float64 run: units and rows that no longer learn (None: nothing)
