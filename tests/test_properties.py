"""Random networks: the engine against the independent implementation in ``reference.py``.

Networks of 1–4 layers, 1–5 units each, every activation (softmax only last), every
loss with targets it is defined for, both notations, batches of 1 and of all samples,
exact and hand rounding; now and then a planted kink (a first-layer ReLU input of exactly 0,
compared with the reference on exact Fractions).  Specs are built as plain dicts and go through
``handcalc.core.spec.parse`` like a user's YAML would.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
import reference as R
from conftest import example_spec
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from handcalc.core import check, engine
from handcalc.core.errors import SpecError
from handcalc.core.numbers import Num, round_half_away
from handcalc.core.spec import Spec, parse
from handcalc.core.trace import Trace
from handcalc.core.walk import records

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "linear"]
REGRESSION = ["difference", "mse", "half_sse", "mae"]
PIECEWISE = ("relu", "leaky_relu")
RTOL = 1e-9


@dataclass(frozen=True)
class Problem:
    """A random spec (as a dict) and the same network in row orientation for the reference."""

    doc: dict[str, Any]
    weights: list[list[list[Fraction]]]  # per layer, inputs × units
    biases: list[list[Fraction] | None]
    fixed_bias: list[bool]
    activations: list[str]
    slopes: list[Fraction]
    xs: list[list[Fraction]]
    ys: list[list[Fraction]]
    loss: str
    lr: Fraction

    def layers(self, ops: R.Ops = R.FLOAT) -> list[R.Layer]:
        return [R.layer(W, b, act, slope, not fixed, ops)
                for W, b, act, slope, fixed in zip(self.weights, self.biases, self.activations, self.slopes,
                                                   self.fixed_bias)]

    def data(self, ops: R.Ops = R.FLOAT) -> tuple[np.ndarray, np.ndarray]:
        return R.array(self.xs, ops), R.array(self.ys, ops)


def _text(f: Fraction) -> str:
    """A number as a user would write it: a decimal where it terminates, else a ratio like "2/3"."""
    if f.denominator == 1:
        return str(f.numerator)
    d = Decimal(f.numerator) / Decimal(f.denominator)
    return str(d) if Fraction(d) == f else f"{f.numerator}/{f.denominator}"


@st.composite
def magnitudes(draw, low: int, high: int, scale: int, ratios: bool = True) -> Fraction:
    """A non-zero number with |value| in [low/scale, high/scale], now and then a ratio like 2/3."""
    sign = draw(st.sampled_from([1, -1]))
    if ratios and draw(st.integers(0, 5)) == 0:
        den = draw(st.sampled_from([3, 7]))
        num = draw(st.integers(max(1, low * den // scale), max(1, high * den // scale)))
        return Fraction(sign * num, den)
    return Fraction(sign * draw(st.integers(low, high)), scale)


@st.composite
def problems(draw, activations: list[str] | None = None, losses: list[str] | None = None,
             max_layers: int = 4, ratios: bool = True) -> Problem:
    n_layers = draw(st.integers(1, max_layers))
    n_in = draw(st.integers(1, 5))
    widths = [draw(st.integers(1, 5)) for _ in range(n_layers)]
    hidden = activations or HIDDEN
    acts = [draw(st.sampled_from(hidden)) for _ in range(n_layers - 1)]
    last = draw(st.sampled_from(activations or HIDDEN + ["softmax"]))
    acts.append(last)
    allowed = list(losses or REGRESSION)
    if losses is None and last == "sigmoid":
        allowed.append("bce")
    if losses is None and last == "softmax":
        allowed.append("cce")
    loss = draw(st.sampled_from(allowed))
    notation = draw(st.sampled_from(["row", "column"]))
    n_samples = draw(st.integers(1, 4))
    batch_size = draw(st.sampled_from([1, n_samples]))
    epochs = draw(st.integers(1, 2))
    shuffle = draw(st.booleans())
    lr = draw(st.sampled_from([Fraction(1, 100), Fraction(1, 10), Fraction(1, 4)]))

    weights, biases, fixed, slopes, layer_docs = [], [], [], [], []
    fan_in = n_in
    for units, act in zip(widths, acts):
        W = [[draw(magnitudes(50, 999, 1000, ratios)) for _ in range(units)] for _ in range(fan_in)]
        kind = draw(st.sampled_from(["bias", "bias", "none", "fixed"]))
        b = None if kind == "none" else [draw(magnitudes(10, 500, 1000, ratios)) for _ in range(units)]
        slope = draw(st.sampled_from([Fraction(1, 100), Fraction(1, 5)])) if act == "leaky_relu" else Fraction(1, 100)
        written = W if notation == "row" else [list(col) for col in zip(*W)]
        doc: dict[str, Any] = {"units": units, "activation": act,
                               "weights": [[_text(v) for v in row] for row in written]}
        if b is not None:
            doc["bias"] = [_text(v) for v in b]
        if kind == "fixed":
            doc["trainable_bias"] = False
        if slope != Fraction(1, 100):
            doc["negative_slope"] = _text(slope)
        weights.append(W)
        biases.append(b)
        fixed.append(kind == "fixed")
        slopes.append(slope)
        layer_docs.append(doc)
        fan_in = units

    n_out = widths[-1]
    xs = [[draw(magnitudes(10, 200, 100, ratios)) for _ in range(n_in)] for _ in range(n_samples)]
    if loss == "bce":
        ys = [[Fraction(draw(st.integers(0, 1))) for _ in range(n_out)] for _ in range(n_samples)]
    elif loss == "cce":
        ys = []
        for _ in range(n_samples):
            hot = draw(st.integers(0, n_out - 1))
            ys.append([Fraction(int(j == hot)) for j in range(n_out)])
    else:
        ys = [[Fraction(draw(st.integers(-200, 200)), 100) for _ in range(n_out)] for _ in range(n_samples)]

    if acts[0] in PIECEWISE and biases[0] is not None and draw(st.integers(0, 3)) == 0:
        # plant a kink: the first sample's input to unit 1 of layer 1 is exactly 0 (ReLU′(0) = 0, leaky′(0) = slope)
        b0 = -sum((x * w[0] for x, w in zip(xs[0], weights[0])), Fraction(0))
        biases[0][0] = b0
        layer_docs[0]["bias"][0] = _text(b0)

    doc = {
        "title": "random network",
        "notation": notation,
        "layers": layer_docs,
        "loss": loss,
        "learning_rate": _text(lr),
        "data": {"train": [{"x": [_text(v) for v in x], "y": [_text(v) for v in y]} for x, y in zip(xs, ys)]},
        "training": {"epochs": epochs, "batch_size": batch_size, "shuffle": shuffle},
    }
    return Problem(doc, weights, biases, fixed, acts, slopes, xs, ys, loss, lr)


# ---------------------------------------------------------------------------
# helpers


def _floats(rows) -> np.ndarray:
    return np.array([[float(getattr(v, "value", v)) for v in row] for row in rows])


def _vector(xs) -> np.ndarray:
    return np.array([float(getattr(v, "value", v)) for v in xs])


def assert_close(got: np.ndarray, want: np.ndarray, what: str, rtol: float = RTOL) -> None:
    """Agreement relative to the size of the quantity (an entry near 0 is held to the same absolute bound)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    err = float(np.abs(got - want).max(initial=0.0))
    assert err <= rtol * scale, f"{what}: engine {got.tolist()} vs reference {want.tolist()} (error {err:.3g})"


def batches(spec: Spec, problem: Problem) -> list[list[int]]:
    """The update batches: the reference's own schedule, or the engine's when it shuffles."""
    t = spec.training
    if not t.shuffle:
        return R.schedule(len(problem.xs), t.batch_size, t.epochs)
    plan = [list(b) for _, b in engine.schedule(spec)]
    per_epoch = spec.updates_per_epoch
    for e in range(t.epochs):  # a shuffled epoch still visits every sample once, in batches of batch_size
        epoch = plan[e * per_epoch:(e + 1) * per_epoch]
        assert sorted(i for b in epoch for i in b) == list(range(len(problem.xs)))
        assert all(len(b) == t.batch_size for b in epoch[:-1])
    return plan


def reference_run(problem: Problem, plan: list[list[int]], ops: R.Ops = R.FLOAT) -> list[R.StepResult]:
    X, Y = problem.data(ops)
    layers = problem.layers(ops)
    out = []
    for batch in plan:
        res = R.step(layers, X[batch], Y[batch], problem.loss, ops.convert(problem.lr), ops)
        out.append(res)
        layers = res.after
    return out


def smooth_margin(problem: Problem, results: list[R.StepResult], plan: list[list[int]]) -> float:
    """How far the run stays from every kink: ReLU inputs at 0, and |y − ŷ| at 0 for mae."""
    margin = np.inf
    _, Y = problem.data()
    for res, batch in zip(results, plan):
        for act, z in zip(problem.activations, res.z):
            if act in PIECEWISE:
                margin = min(margin, float(np.abs(z).min()))
        if problem.loss == "mae":
            margin = min(margin, float(np.abs(Y[batch] - res.a[-1]).min()))
    return margin


def tame(problem: Problem, results: list[R.StepResult]) -> bool:
    """No float64 trouble in the reference: no saturated sigmoid under bce, no blow-up."""
    for res in results:
        if not all(np.isfinite(x).all() and np.abs(x).max() < 1e6 for x in res.z + res.dW):
            return False
        if problem.loss == "bce" and np.abs(res.z[-1]).max() > 12:  # 1 − ŷ would lose digits in float64
            return False
    return True


def compare_step(step, res: R.StepResult, problem: Problem, number: int) -> None:
    for l, (f, z, a) in enumerate(zip(step.forward, res.z, res.a), start=1):
        assert_close(_floats(f.z), z, f"step {number} z[{l}]")
        assert_close(_floats(f.a), a, f"step {number} a[{l}]")
    assert_close(float(step.loss.value), res.loss, f"step {number} loss")
    assert_close(_vector(step.losses), res.sample_losses, f"step {number} sample losses")
    for l, (b, dW, db) in enumerate(zip(step.backward, res.dW, res.db), start=1):
        assert_close(_floats(b.dz), res.delta[l - 1], f"step {number} delta[{l}]")
        assert_close(_floats(b.dW), dW, f"step {number} dW[{l}]")
        trainable = problem.biases[l - 1] is not None and not problem.fixed_bias[l - 1]
        assert (b.db is not None) == trainable, f"step {number} db[{l}] present only for a trainable bias"
        if trainable:
            assert_close(_vector(b.db), db, f"step {number} db[{l}]")
    for l, (u, after) in enumerate(zip(step.update, res.after), start=1):
        assert_close(_floats(u.W), after.W, f"step {number} W[{l}] after")
        if u.b is not None:
            assert_close(_vector(u.b), after.b, f"step {number} b[{l}] after")
    if step.after is not None:  # the same batch forward again with the updated parameters
        X, Y = problem.data()
        batch = list(step.batch)
        zs, as_ = R.forward(res.after, X[batch])
        for l, (f, z, a) in enumerate(zip(step.after.forward, zs, as_), start=1):
            assert_close(_floats(f.z), z, f"step {number} z[{l}] after the update")
            assert_close(_floats(f.a), a, f"step {number} a[{l}] after the update")
        new_loss = R.batch_loss(res.after, X[batch], Y[batch], problem.loss)
        assert_close(float(step.after.loss.value), new_loss, f"step {number} loss after the update")
        size = max(1.0, abs(float(new_loss)), abs(float(res.loss)))  # a difference: held to the size of its terms
        assert_close(float(step.after.change.value), new_loss - res.loss, f"step {number} change of the loss",
                     RTOL * size)


def compare_params(params, layers: list[R.Layer], what: str, rtol: float = RTOL) -> None:
    for l, (p, lay) in enumerate(zip(params, layers), start=1):
        assert_close(_floats(p.W), lay.W, f"{what} W[{l}]", rtol)
        assert (p.b is None) == (lay.b is None)
        if p.b is not None:
            assert_close(_vector(p.b), lay.b, f"{what} b[{l}]", rtol)


# ---------------------------------------------------------------------------
# exact mode: the engine against the reference and finite differences

def examples(n: int) -> settings:
    """Hypothesis settings: ``n`` examples, no deadline (exact runs vary in time), filtering allowed."""
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def rational(problem: Problem) -> bool:
    """Whether the reference can run the problem on exact Fractions (no exp, ln or tanh)."""
    return set(problem.activations) <= {"relu", "leaky_relu", "linear"} and problem.loss in REGRESSION


def reference_results(problem: Problem) -> tuple[Spec, list[list[int]], list[R.StepResult], float]:
    """The problem's spec, its batches and the reference run of them, with the run's distance
    from every kink (0 when it touches one).

    float64 cannot tell on which side of a kink a ReLU input (or mae residual) that is
    exactly 0 lands, so such a run is compared with the reference on exact Fractions, which
    applies ReLU′(0) = 0, leaky′(0) = slope and sign(0) = 0 itself; only a kink in a network
    with exp/ln/tanh (which the exact reference cannot run) is skipped."""
    spec = parse(problem.doc)
    plan = batches(spec, problem)
    results = reference_run(problem, plan)
    assume(tame(problem, results))
    margin = smooth_margin(problem, results, plan)
    if margin > 1e-9:
        return spec, plan, results, margin
    assume(rational(problem))
    event("on a kink: compared with the exact reference")
    return spec, plan, reference_run(problem, plan, R.EXACT), 0.0


def run_exact(spec: Spec) -> Trace:
    """``engine.run``; a rational network whose fractions outgrow the engine's bound is
    refused (as documented) and the example is skipped."""
    try:
        return engine.run(spec)
    except SpecError as exc:
        assert exc.field == "training.exact_steps", exc
        assume(False)
        raise


@examples(150)
@given(problems())
def test_engine_agrees_with_reference(problem: Problem) -> None:
    spec, plan, results, margin = reference_results(problem)

    event(f"{spec.notation}, {problem.activations[-1]} + {problem.loss}, "
          f"batch {'n' if spec.training.batch_size > 1 else 1}")
    trace = run_exact(spec)
    assert [list(s.batch) for s in trace.steps] == plan
    assert trace.float_steps == 0
    for number, (s, res) in enumerate(zip(trace.steps, results), start=1):
        compare_step(s, res, problem, number)
    compare_params(trace.final, results[-1].after, "final")

    # gradients of the first step against central differences of the reference loss
    if margin < 1e-4:
        event("too close to a kink for finite differences")
        return
    X, Y = problem.data()
    first = plan[0]
    fd_W, fd_b = R.finite_differences(problem.layers(), X[first], Y[first], problem.loss)
    loss = abs(results[0].loss)
    for l, (b, dW, db) in enumerate(zip(trace.steps[0].backward, fd_W, fd_b), start=1):
        assert_close(_floats(b.dW), dW, f"finite differences dW[{l}]", 1e-5 * max(1.0, loss))
        if b.db is not None:
            assert_close(_vector(b.db), db, f"finite differences db[{l}]", 1e-5 * max(1.0, loss))


@examples(40)
@given(problems())
def test_float_path_agrees_with_reference(problem: Problem) -> None:
    """With no exact steps every update runs on handcalc.core.fast; it must land where the reference does."""
    spec, plan, results, margin = reference_results(problem)
    assume(margin > 0)  # float64 on both sides: a kink's side is decided by rounding noise
    trace = engine.run(spec.with_training(exact_steps=0))
    assert not trace.steps and trace.float_steps == len(plan)
    compare_params(trace.final, results[-1].after, "float64 final")


# ---------------------------------------------------------------------------
# hand rounding


def _places_ok(v: Num, decimals: int) -> bool:
    return v.exact and round_half_away(v, decimals) == v.v


@examples(60)
@given(problems(ratios=False), st.integers(2, 5))
def test_hand_rounding_rechecks(problem: Problem, decimals: int) -> None:
    """Hand mode: every recorded value has at most ``decimals`` places and re-checks from its rounded operands.

    The spec's own numbers may have more places than ``decimals`` (a weight 0.123 shown
    with 2); they are written with the places they need.  Non-terminating spec numbers
    ("1/3") are left out: no finite number of places re-checks a result that rounds
    from an exact tie (0.1·1/3 + 0.1·1/3 + 0.005 + 1/3 = 0.405)."""
    spec = parse({**problem.doc, "display": {"decimals": decimals, "rounding": "hand"}})
    try:
        trace = engine.run(spec)
    except SpecError as exc:  # ŷ rounded onto 0 or 1, where bce/cce are undefined: refused, as documented
        assert exc.field.startswith("step ") and problem.loss in ("bce", "cce")
        assume(False)
    for s in trace.steps:
        for where, rec in records(trace, s):
            assert _places_ok(rec.value, decimals), f"step {s.number} {where}: {rec.value!r}"
    report = check.check(trace, fd_steps=0)
    assert report.ok, report.summary()

    # the first layer's inputs and weights are the spec's own numbers: z¹ is the exact z¹, rounded
    X, _ = problem.data(R.EXACT)
    first = trace.steps[0]
    layer1 = problem.layers(R.EXACT)[0]
    z_exact = X[list(first.batch)] @ layer1.W + (0 if layer1.b is None else layer1.b)
    want = [[round_half_away(Num(Fraction(v)), decimals) for v in row] for row in z_exact]
    assert [[r.value.v for r in row] for row in first.forward[0].z] == want


# ---------------------------------------------------------------------------
# exactness


@examples(60)
@given(problems(activations=["relu", "leaky_relu", "linear"], losses=["mse", "half_sse", "difference"],
                max_layers=3))
def test_rational_networks_are_exact(problem: Problem) -> None:
    """Rational networks give exact Fractions, equal to the reference run on Fractions."""
    spec = parse(problem.doc)
    plan = batches(spec, problem)
    X, Y = problem.data(R.EXACT)
    layers = problem.layers(R.EXACT)
    trace = run_exact(spec)
    for s, batch in zip(trace.steps, plan):
        for where, rec in records(trace, s):
            assert rec.value.exact, f"step {s.number} {where} is not exact"
        res = R.step(layers, X[batch], Y[batch], problem.loss, problem.lr, R.EXACT)
        for f, z, a in zip(s.forward, res.z, res.a):
            assert [[r.value.v for r in row] for row in f.z] == z.tolist()
            assert [[r.value.v for r in row] for row in f.a] == a.tolist()
        assert s.loss.value.v == res.loss
        for b, dW, db in zip(s.backward, res.dW, res.db):
            assert [[r.value.v for r in row] for row in b.dW] == dW.tolist()
            if b.db is not None:
                assert [r.value.v for r in b.db] == db.tolist()
        layers = res.after
    for p, lay in zip(trace.final, layers):
        assert [[w.v for w in row] for row in p.W] == lay.W.tolist()
        if p.b is not None:
            assert [v.v for v in p.b] == lay.b.tolist()


def _agree_to_digits(got: Num, want, digits: int, what: str) -> None:
    if want == 0:
        assert got.mpf() == 0, f"{what}: expected 0, got {got!r}"
        return
    rel = abs(got.mpf() - want) / abs(want)
    assert rel < mpmath.mpf(10) ** -digits, f"{what}: relative error {mpmath.nstr(rel, 3)}"


@pytest.mark.parametrize("name", ["golf", "gaussian"])
def test_transcendental_values_carry_50_digits(name: str) -> None:
    """Sigmoid/softmax steps are approximate, yet right to at least 50 significant digits
    (compared with the reference run in mpmath at 120 digits)."""
    spec = example_spec(name).with_training(exact_steps=2)
    trace = engine.run(spec)
    approximate = [rec for s in trace.steps for _, rec in records(trace, s) if not rec.value.exact]
    assert approximate, "a sigmoid/softmax network has approximate values"
    with mpmath.workdps(120):
        layers = [R.layer([list(r) for r in lay.weights], None if lay.bias is None else list(lay.bias),
                          lay.activation, lay.negative_slope, lay.trainable_bias, R.MP) for lay in spec.layers]
        X = R.array([list(s.x) for s in spec.train], R.MP)
        Y = R.array([list(s.y) for s in spec.train], R.MP)
        for s in trace.steps:
            batch = list(s.batch)
            res = R.step(layers, X[batch], Y[batch], spec.loss, R.MP.convert(spec.learning_rate), R.MP)
            for l, (f, z, a) in enumerate(zip(s.forward, res.z, res.a), start=1):
                for i, row in enumerate(f.a):
                    for j, rec in enumerate(row):
                        _agree_to_digits(rec.value, a[i][j], 50, f"step {s.number} a[{l}][{i}][{j}]")
                        _agree_to_digits(f.z[i][j].value, z[i][j], 50, f"step {s.number} z[{l}][{i}][{j}]")
            _agree_to_digits(s.loss.value, res.loss, 50, f"step {s.number} loss")
            for l, (b, dW) in enumerate(zip(s.backward, res.dW), start=1):
                for i, row in enumerate(b.dW):
                    for j, rec in enumerate(row):
                        _agree_to_digits(rec.value, dW[i][j], 50, f"step {s.number} dW[{l}][{i}][{j}]")
            layers = res.after


# ---------------------------------------------------------------------------
# the float64 path after the exact steps


def _final_floats(trace: Trace) -> list[R.Layer]:
    return [R.Layer(_floats(p.W), None if p.b is None else _vector(p.b), "linear") for p in trace.final]


@pytest.mark.parametrize(("name", "epochs", "exact_small"), [
    ("candy-bar", 5, 1),
    ("golf", 3, 2),
    ("gaussian", 2, 3),
])
def test_float_path_continues_the_exact_path(name: str, epochs: int, exact_small: int) -> None:
    """The same training once all on exact numbers and once mostly on float64 ends at the same weights."""
    base = example_spec(name)
    all_exact = base.with_training(epochs=epochs, exact_steps=epochs * base.updates_per_epoch)
    mostly_float = base.with_training(epochs=epochs, exact_steps=exact_small)
    exact_trace, float_trace = engine.run(all_exact), engine.run(mostly_float)
    assert exact_trace.float_steps == 0 and len(exact_trace.steps) == all_exact.total_updates
    assert len(float_trace.steps) == exact_small
    assert float_trace.float_steps == all_exact.total_updates - exact_small
    compare_params(float_trace.final, _final_floats(exact_trace), f"{name} final")
    assert [float(v) for v in float_trace.epoch_loss] == pytest.approx(
        [float(v) for v in exact_trace.epoch_loss], rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_float_path_continues_the_exact_path_on_moons() -> None:
    base = example_spec("moons")
    all_exact = base.with_training(epochs=2, exact_steps=2)
    mostly_float = base.with_training(epochs=2, exact_steps=1)
    compare_params(engine.run(mostly_float).final, _final_floats(engine.run(all_exact)), "moons final")
