"""Conventions at edge points, each checked against something the code under test does not produce.

* kinks: ReLU′(0) = 0, leaky ReLU′ = slope for z ≤ 0, sign(0) = 0 in mae — in
  ``functions.py`` and through an engine step whose ReLU input (or mae residual) is exactly 0;
* index order: a non-square layer in both notations, read back from the rendered pages
  and compared with the weights as the spec's YAML writes them;
* rounding: ``display.show`` against Python's ``decimal`` with ``ROUND_HALF_UP``;
* classification and test accuracy: against ``tests/reference.py``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
import reference as R
from conftest import example_trace
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_golden import RELU_AT_ZERO as KINK  # x = 1, W¹ = [[1, −1]], b¹ = [−1, 2]: z¹₁ = 0 exactly

from handcalc.core import check, engine
from handcalc.core.display import show, shown_value
from handcalc.core.functions import ACTIVATIONS, LOSSES, Role, evaluate, in_domain
from handcalc.core.numbers import Num
from handcalc.core.spec import parse
from handcalc.site import render

# ---------------------------------------------------------------------------
# kinks in functions.py


def test_relu_derivative_at_zero_is_zero() -> None:
    relu = ACTIVATIONS["relu"]
    slope = Num(F(1, 100))
    assert relu.derivative(Num(F(0)), slope).v == 0
    assert relu.derivative(Num(F(1, 10**9)), slope).v == 1
    assert relu.derivative(Num(F(-1, 10**9)), slope).v == 0
    assert relu.value([Num(F(0))], 0, slope).v == 0
    assert relu.value([Num(F(-3))], 0, slope).v == 0 and relu.value([Num(F(3))], 0, slope).v == 3
    assert evaluate(Role.DERIVATIVE, "relu", [Num(F(0))]).v == 0  # as `handcalc check` re-evaluates it


@pytest.mark.parametrize("slope", [F(1, 100), F(1, 5), F(3, 7)])
def test_leaky_relu_uses_its_slope_at_and_below_zero(slope: F) -> None:
    leaky, s = ACTIVATIONS["leaky_relu"], Num(slope)
    assert leaky.derivative(Num(F(0)), s).v == slope
    assert leaky.derivative(Num(F(-2)), s).v == slope
    assert leaky.derivative(Num(F(2)), s).v == 1
    assert leaky.value([Num(F(-2))], 0, s).v == -2 * slope
    assert leaky.value([Num(F(0))], 0, s).v == 0 and leaky.value([Num(F(2))], 0, s).v == 2
    assert evaluate(Role.DERIVATIVE, "leaky_relu", [Num(F(0))], param=s).v == slope


@pytest.mark.parametrize("n", [1, 2, 3])
def test_mae_sign_of_zero_is_zero(n: int) -> None:
    mae = LOSSES["mae"]
    y = Num(F(3, 10))
    assert mae.derivative(y, y, n).v == 0  # a perfect prediction: no gradient
    assert mae.derivative(y, Num(F(4, 10)), n).v == F(1, n)  # ŷ above y: ∂L/∂ŷ = +1/n
    assert mae.derivative(y, Num(F(2, 10)), n).v == F(-1, n)
    assert mae.value([y] * n, [y] * n).v == 0


# ---------------------------------------------------------------------------
# kinks through an engine step (the numbers come from tests/reference.py on Fractions,
# which implements ReLU′(0) = 0, leaky′(0) = slope and sign(0) = 0 itself)

def _with(doc: dict, **layer0) -> dict:
    return {**doc, "layers": [{**doc["layers"][0], **layer0}, doc["layers"][1]]}


@pytest.mark.parametrize(("doc", "what"), [
    (KINK, "relu at 0"),
    (_with(KINK, activation="leaky_relu", negative_slope="0.2"), "leaky_relu at 0"),
    ({**KINK, "loss": "mae", "data": {"train": [{"x": [1], "y": [3]}]}}, "mae with y = ŷ"),
    ({**KINK, "loss": "mae", "data": {"train": [{"x": [1], "y": [3]}, {"x": [2], "y": [0]}]},
      "training": {"batch_size": 2}}, "mae, one residual 0 in a batch"),
])
def test_engine_step_at_a_kink_matches_the_exact_reference(doc: dict, what: str) -> None:
    spec = parse(doc)
    trace = engine.run(spec)
    assert trace.steps[0].forward[0].z[0][0].value.v == 0, what  # the case really sits on the kink
    layers = [R.layer([list(r) for r in lay.weights], list(lay.bias), lay.activation, lay.negative_slope,
                      lay.trainable_bias, R.EXACT) for lay in spec.layers]
    X = R.array([list(s.x) for s in spec.train], R.EXACT)
    Y = R.array([list(s.y) for s in spec.train], R.EXACT)
    want = R.step(layers, X, Y, spec.loss, spec.learning_rate, R.EXACT)
    step = trace.steps[0]
    for b, delta, dW, db in zip(step.backward, want.delta, want.dW, want.db):
        assert [[r.value.v for r in row] for row in b.dz] == delta.tolist(), what
        assert [[r.value.v for r in row] for row in b.dW] == dW.tolist(), what
        assert [r.value.v for r in b.db] == db.tolist(), what
    for p, lay in zip(trace.final, want.after):
        assert [[w.v for w in row] for row in p.W] == lay.W.tolist(), what


# ---------------------------------------------------------------------------
# index order on a non-square layer, in both notations, read from the rendered pages

#: 2 inputs × 3 units; W[i][j] is the weight from input i to unit j (all distinct)
NON_SQUARE = [[F("0.11"), F("0.12"), F("0.13")], [F("0.21"), F("0.22"), F("0.23")]]


def _non_square_doc(notation: str) -> dict:
    written = NON_SQUARE if notation == "row" else [list(c) for c in zip(*NON_SQUARE)]
    return {"title": "non-square", "notation": notation, "inputs": ["p", "q"],
            "layers": [{"units": 3, "activation": "relu", "weights": [[str(v) for v in r] for r in written],
                        "bias": [0, 0, 0]},
                       {"units": 1, "activation": "linear",
                        "weights": [["1"], ["2"], ["3"]] if notation == "row" else [["1", "2", "3"]]}],
            "loss": "half_sse", "learning_rate": "0.5", "data": {"train": [{"x": [1, 10], "y": [1]}]}}


def _numbers(text: str) -> list[F]:
    return [F(m) for m in re.findall(r"-?\d+(?:\.\d+)?", text)]


@pytest.mark.parametrize("notation", ["row", "column"])
def test_weight_indices_on_a_non_square_layer(notation: str) -> None:
    """Row notation writes W_{ij} for input i → unit j, column notation W_{ji}; the matrix is
    written as the spec writes it; each W symbol stands next to the spec's weight."""
    doc = _non_square_doc(notation)
    trace = engine.run(parse(doc))
    md = {p.path: p.markdown for p in render.render_example(trace, check.check(trace, fd_steps=0), "ns").pages}
    spec_matrix = [[F(v) for v in row] for row in doc["layers"][0]["weights"]]  # as written in the YAML

    def weight_at(a: int, b: int) -> F:  # the symbol W_{ab} (1-based) → the weight it names
        i, j = (a, b) if notation == "row" else (b, a)
        return NON_SQUARE[i - 1][j - 1]

    forward = md["forward.md"]
    line = re.search(r"^z\^\{\[1\]\} &= .*?\n&= (.*?)\\\\$", forward, re.M | re.S).group(1)  # z¹ = x W¹ + b¹
    matrices = re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", line)
    shown = [[_numbers(r) for r in m.split(r"\\")] for m in matrices]
    assert spec_matrix in shown, shown  # W¹ laid out as the YAML writes it

    rows = re.findall(r"^z\^\{\[1\]\}_\{(\d)\} &= (.*?)(?: \\\\(?:\[\d+pt\])?)?$", forward, re.M)
    assert len(rows) == 3
    for unit, line in rows:
        symbolic, substituted = line.split(" = ")[:2]
        terms = [t for t in symbolic.split(" + ") if "W^" in t]
        values = [t for t in substituted.split(" + ")][:len(terms)]
        assert len(terms) == 2
        for term, value in zip(terms, values):
            a, b = map(int, re.search(r"W\^\{\[1\]\}_\{(\d)(\d)\}", term).groups())
            x = int(re.search(r"x_\{(\d)\}", term).group(1))
            assert (x, int(unit)) == ((a, b) if notation == "row" else (b, a)), term
            factors = [f for f in value.split(r"\cdot")]
            w_first = term.strip().startswith("W")
            assert _numbers(factors[0 if w_first else 1]) == [weight_at(a, b)], (term, value)

    updates = re.findall(r"^W\^\{\[1\]\}_\{(\d)(\d)\} &\\leftarrow .*? = (.*?) - ", md["update.md"], re.M)
    assert len(updates) == 6
    for a, b, old in updates:
        assert _numbers(old) == [weight_at(int(a), int(b))], (a, b, old)


# ---------------------------------------------------------------------------
# display.show against decimal's ROUND_HALF_UP


def _half_up(x: F, decimals: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 200
        d = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1).scaleb(-decimals),
                                                                      rounding=ROUND_HALF_UP)
    return abs(d) if d == 0 else d  # "-0.00" is written "0.00"


def _terminates_within(x: F, decimals: int) -> bool:
    return (x * 10**decimals).denominator == 1


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**7, 10**7), st.integers(0, 7), st.integers(0, 6))
@example(25, 3, 1)  # 0.025 → 0.03 (half-even would give 0.02)
@example(-25, 3, 1)
@example(125, 3, 2)  # 0.125 → 0.13
@example(-5, 1, 0)  # −0.5 → −1
@example(-4, 3, 2)  # −0.004 → 0.00
def test_show_rounds_exact_values_half_up(n: int, k: int, decimals: int) -> None:
    x = F(n, 10**k)
    shown = show(Num(x), decimals)
    if _terminates_within(x, decimals):
        assert (shown.text, shown.relation, shown.value) == (format(Decimal(n).scaleb(-k).normalize(), "f"), "=", x)
        assert shown_value(Num(x), decimals) == x
        assert show(Num(x), decimals, rounded=True).relation == "≈"  # a value hand rounding changed
    else:
        want = _half_up(x, decimals)
        assert (shown.text, shown.relation) == (str(want), "≈")
        assert shown.value == F(want) == shown_value(Num(x), decimals)


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=997), st.integers(0, 6))
def test_show_rounds_fractions_half_up(x: F, decimals: int) -> None:
    shown = show(Num(x), decimals)
    if _terminates_within(x, decimals):
        assert shown.relation == "=" and F(shown.text) == x
    else:
        assert (shown.text, shown.relation) == (str(_half_up(x, decimals)), "≈")


@pytest.mark.parametrize(("value", "decimals"), [("0.125", 2), ("-0.125", 2), ("2.5", 0), ("-2.5", 0),
                                                  ("0.0625", 3), ("-0.0625", 3), ("1.75", 1)])
def test_show_rounds_approximate_ties_half_up(value: str, decimals: int) -> None:
    """An approximate value sitting exactly on a tie (a binary fraction) rounds away from zero, with ≈."""
    x = Num(mpmath.mpf(value))
    assert not x.exact
    shown = show(x, decimals)
    assert (shown.text, shown.relation) == (str(_half_up(F(value), decimals)), "≈")


# ---------------------------------------------------------------------------
# classification and accuracy against the reference


def _reference_predictions(trace) -> tuple[list[int], list[bool]]:
    spec = trace.spec
    layers = [R.Layer(np.array([[float(w.v) for w in row] for row in p.W]),
                      None if p.b is None else np.array([float(v.v) for v in p.b]), lay.activation,
                      float(lay.negative_slope)) for p, lay in zip(trace.final, spec.layers)]
    X = np.array([[float(v) for v in s.x] for s in spec.test])
    Y = np.array([[float(v) for v in s.y] for s in spec.test])
    _, acts = R.forward(layers, X)
    labels = R.classify(spec.layers[-1].activation, spec.loss, acts[-1])
    targets = R.classify(spec.layers[-1].activation, spec.loss, Y)
    return labels, [a == b for a, b in zip(labels, targets)]


@pytest.mark.parametrize("name", ["golf", "gaussian"])
def test_classification_and_accuracy_match_the_reference(name: str) -> None:
    trace = example_trace(name)
    labels, correct = _reference_predictions(trace)
    assert [p.label for p in trace.predictions] == labels
    assert [p.correct for p in trace.predictions] == correct
    assert trace.accuracy == F(sum(correct), len(correct))


def _classifier(activation: str, loss: str, weights: list, test_x: list, test_y: list) -> dict:
    units = len(weights[0])
    return {"title": "classes", "inputs": ["x"], "loss": loss, "training": {"epochs": 0},
            "layers": [{"units": units, "activation": activation, "weights": weights, "bias": [0] * units}],
            "data": {"train": [{"x": [1], "y": test_y[0]}],
                     "test": [{"x": [x], "y": y} for x, y in zip(test_x, test_y)]}}


#: one output: ŷ above, below and exactly at ½ (z = 0: σ(0) = ½ exactly), and σ(−0.5) ≈ 0.38 between ⅓ and ½
ONE_OUT_X = [2, -2, 0, -1, 0, "-0.5"]
#: targets: 0 and 1, and soft ones on both sides of ½ and at ½ itself (class 1)
ONE_OUT_Y = [[1], ["0.5"], [0], ["0.4"], [1], ["0.6"]]
#: three outputs: a clear winner, and ties in predictions and in targets (the first tied output wins)
THREE_OUT_X = [1, -1, 0, 2]
THREE_OUT_Y = [[0, 1, 0], ["0.5", "0.5", 0], [0, 0, 1], [0, "0.3", "0.7"]]
#: two outputs: the class is the larger one even when the output is not softmax (sigmoid with cce)
TWO_OUT_X = [1, -1, 0, 2]
TWO_OUT_Y = [[0, 1], [1, 0], ["0.5", "0.5"], [1, 0]]
CLASSIFIERS = {
    "sigmoid+bce": _classifier("sigmoid", "bce", [[1]], ONE_OUT_X, ONE_OUT_Y),
    "sigmoid+mse": _classifier("sigmoid", "mse", [[1]], ONE_OUT_X, ONE_OUT_Y),  # the activation decides
    "linear+bce": _classifier("linear", "bce", [["0.25"]], ONE_OUT_X, ONE_OUT_Y),  # the loss decides
    "softmax+cce": _classifier("softmax", "cce", [[1, 2, 2]], THREE_OUT_X, THREE_OUT_Y),
    "softmax+mse": _classifier("softmax", "mse", [[1, 2, 2]], THREE_OUT_X, THREE_OUT_Y),
    "linear+cce": _classifier("linear", "cce", [[1, 2, 2]], THREE_OUT_X, THREE_OUT_Y),
    "softmax+cce, two outputs": _classifier("softmax", "cce", [[1, -1]], TWO_OUT_X, TWO_OUT_Y),
    "sigmoid+cce, two outputs": _classifier("sigmoid", "cce", [[1, -1]], TWO_OUT_X, TWO_OUT_Y),
}
REGRESSIONS = {
    "linear+mse": _classifier("linear", "mse", [[1]], ONE_OUT_X, ONE_OUT_Y),
    "linear+cce, one output": _classifier("linear", "cce", [[1]], ONE_OUT_X, ONE_OUT_Y),
    "linear+mse, three outputs": _classifier("linear", "mse", [[1, 2, 2]], THREE_OUT_X, THREE_OUT_Y),
}


@pytest.mark.parametrize("doc", list(CLASSIFIERS.values()) + list(REGRESSIONS.values()),
                         ids=list(CLASSIFIERS) + list(REGRESSIONS))
def test_classification_edge_cases_match_the_reference(doc: dict) -> None:
    trace = engine.run(parse(doc))
    labels, correct = _reference_predictions(trace)
    assert [p.label for p in trace.predictions] == labels
    if doc in CLASSIFIERS.values():
        assert [p.correct for p in trace.predictions] == correct
        assert trace.accuracy == F(sum(correct), len(correct))
        assert len(set(labels)) > 1 and 0 < trace.accuracy < 1  # both kinds of answer occur
    else:
        assert labels == [None] * len(labels) and trace.accuracy is None
        assert all(p.correct is None for p in trace.predictions)


# ---------------------------------------------------------------------------
# the loss domains and the function names `handcalc check` evaluates


@pytest.mark.parametrize(("loss", "inside", "outside"), [
    ("bce", [F(1, 10**30), F(1, 2), 1 - F(1, 10**30)], [F(0), F(1), F(-1, 2), F(3, 2)]),
    ("cce", [F(1, 10**30), F(1), F(5)], [F(0), F(-1, 10**30)]),
    ("mse", [F(-5), F(0), F(1), F(5)], []),
])
def test_loss_domains(loss: str, inside: list[F], outside: list[F]) -> None:
    for p in inside:
        assert in_domain(LOSSES[loss], Num(p)), (loss, p)
    for p in outside:
        assert not in_domain(LOSSES[loss], Num(p)), (loss, p)


def test_evaluate_names_each_function_of_the_trace() -> None:
    z = [Num(F(1)), Num(F(-2)), Num(F(3))]
    slope = Num(F(1, 5))
    assert evaluate(Role.VALUE, "relu", z[1:2]).v == 0 and evaluate(Role.VALUE, "linear", z[1:2]).v == -2
    assert evaluate(Role.VALUE, "leaky_relu", z[1:2], param=slope).v == F(-2, 5)
    assert evaluate(Role.VALUE, "leaky_relu", z[1:2]).v == 0  # no slope given: 0
    soft = [evaluate(Role.VALUE, "softmax", z, index=j) for j in range(3)]  # softmax reads the whole vector
    with mpmath.workdps(60):
        e = [mpmath.exp(v) for v in (1, -2, 3)]
        for j in range(3):
            assert abs(soft[j].mpf() - e[j] / sum(e)) < mpmath.mpf(10) ** -50
    a_k, a_j = Num(F(1, 4)), Num(F(1, 3))
    assert evaluate(Role.DERIVATIVE, "softmax", [a_k, a_j], index=1).v == F(1, 4) * (1 - F(1, 3))  # k = j
    assert evaluate(Role.DERIVATIVE, "softmax", [a_k, a_j], index=0).v == -F(1, 4) * F(1, 3)
    assert evaluate(Role.DERIVATIVE, "sigmoid", [a_k]).v == F(1, 4) * F(3, 4)
    assert evaluate(Role.DERIVATIVE, "tanh", [a_k]).v == 1 - F(1, 16)
    y, p = [Num(F(1)), Num(F(0))], [Num(F(1, 2)), Num(F(1, 4))]
    assert evaluate(Role.LOSS, "half_sse", [*y, *p]).v == F(1, 2) * (F(1, 4) + F(1, 16))
    assert evaluate(Role.LOSS, "mse", [*y, *p]).v == (F(1, 4) + F(1, 16)) / 2
    assert evaluate(Role.LOSS_DERIVATIVE, "mse", [y[0], p[0]], index=2).v == -F(2, 2) * F(1, 2)
    assert evaluate(Role.LOSS_DERIVATIVE, "mae", [y[0], p[0]], index=4).v == -F(1, 4)
    assert evaluate(Role.DERIVATIVE, "softmax", [a_k, a_j]).v == -F(1, 4) * F(1, 3)  # the default index: k ≠ j
    assert evaluate(Role.VALUE, "relu", [Num(F(3))], index=2).v == 3  # element-wise functions ignore the index
    with pytest.raises(KeyError, match="integral:relu"):
        evaluate(Role.VALUE, "integral:relu", z)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_with_soft_targets_match_the_reference(name: str) -> None:
    """Targets strictly between 0 and 1 (label smoothing), where no term of bce or cce drops out."""
    y, p = [F(1, 4), F(3, 5)], [F(3, 10), F(4, 5)]
    with mpmath.workdps(80):
        Y, P = R.array([y], R.MP), R.array([p], R.MP)
        want = R.losses(name, Y, P, R.MP)[0]
        grads = R.loss_gradient(name, Y, P, R.MP)[0]
        got = LOSSES[name].value([Num(v) for v in y], [Num(v) for v in p])
        assert abs(got.mpf() - want) < mpmath.mpf(10) ** -50, name
        for j in range(2):
            d = LOSSES[name].derivative(Num(y[j]), Num(p[j]), 2)
            assert abs(d.mpf() - grads[j]) < mpmath.mpf(10) ** -50, (name, j)
