"""The bounds of an exact run (``handcalc.core.engine.run``), checked in-process against the
exact reference implementation (``tests/reference.py`` on Fractions).

docs/reference/spec.md: exact parameters may have at most 2,000 digits (numerator or
denominator), and a weight of 2^1000 or more after an exact step is divergence.  The step
each run stops at is found here by training the same network with the reference.
"""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import islice

import numpy as np
import pytest
import reference as R

from handcalc.core import engine, spec
from handcalc.core.errors import SpecError

#: a rational network whose fractions multiply their digits with every exact step
GROWING = """\
title: A rational network whose fractions grow with every exact step
inputs: [a, b]
layers:
  - {units: 3, activation: linear, weights: [["1/3", 0.25, -0.5], [0.1, "-1/7", 0.3]], bias: [0.1, 0.2, 0.3]}
  - {units: 3, activation: linear, weights: [[0.1, 0.2, 0.3], [0.2, "2/7", 0.4], ["1/3", 0.4, 0.5]],
     bias: [0.1, 0, 0.1]}
  - {units: 1, activation: linear, weights: [[0.3], [0.2], ["1/3"]], bias: [0.1]}
loss: mse
learning_rate: 0.25
data:
  train: [{x: [1.5, 0.7], y: [1]}, {x: [0.3, 1.9], y: [-1]}, {x: [1.1, 0.2], y: [0.5]}]
training: {epochs: 30, batch_size: 3}
"""

#: a linear unit with a huge learning rate: integer weights that grow about 2^11 a step
DIVERGING = """\
title: Divergence on exact numbers
inputs: [a, b]
layers: [{units: 1, activation: linear, weights: [[2], [1]], bias: [0]}]
loss: mse
learning_rate: 1000
data: {train: [{x: [1, 2], y: [1]}, {x: [2, 1], y: [0]}]}
training: {epochs: 100, shuffle: false}
"""


def reference_params(text: str):
    """Parameters after each update of the reference, exactly (a generator over steps 1, 2, …)."""
    s = spec.parse(spec.read_yaml(text))
    layers = [R.layer(lay.weights, lay.bias, lay.activation, ops=R.EXACT) for lay in s.layers]
    X = R.array([t.x for t in s.train], R.EXACT)
    Y = R.array([t.y for t in s.train], R.EXACT)
    lr = Fraction(s.learning_rate)
    for batch in R.schedule(len(s.train), s.training.batch_size, s.training.epochs):
        layers = R.step(layers, X[batch], Y[batch], s.loss, lr, R.EXACT).after
        yield [v for lay in layers for v in (*lay.W.ravel(), *lay.b.ravel())]


def run(text: str, exact_steps: int, **training):
    s = spec.parse(spec.read_yaml(text))
    return engine.run(s.with_training(exact_steps=exact_steps, **training))


def decimal_digits(n: int) -> int:
    """Digits of ``|n|``, by comparison with powers of ten (no conversion to text)."""
    n, d = abs(n), max(1, int(abs(n).bit_length() * 0.30103))
    while 10**d <= n:
        d += 1
    while d > 1 and 10 ** (d - 1) > n:
        d -= 1
    return d


def test_exact_weights_past_2000_digits_stop_the_run() -> None:
    digits = []  # per step: the most decimal digits of a numerator or denominator
    for params in reference_params(GROWING):
        digits.append(max(decimal_digits(x) for p in params for x in (Fraction(p).numerator, Fraction(p).denominator)))
        if digits[-1] > 2000:
            break
    over = len(digits)  # the first step past the bound
    assert digits[-1] > 2000 and over >= 2 and digits[-2] <= 2000
    with pytest.raises(SpecError) as err:
        run(GROWING, 30)
    assert err.value.field == "training.exact_steps"
    found = re.fullmatch(r"after step (\d+) the exact weights have ([\d,]+) digits \(at most 2,000\); set "
                         r"training\.exact_steps to (\d+) or fewer, or use display\.rounding: hand", err.value.message)
    assert found, err.value.message
    assert (int(found[1]), int(found[3])) == (over, over - 1)
    assert int(found[2].replace(",", "")) == digits[-1]
    trace = run(GROWING, over - 1, epochs=over - 1)  # the steps that fit run (one an epoch)
    assert len(trace.steps) == over - 1
    final = [v.v for p in trace.final for v in (*(w for row in p.W for w in row), *p.b)]
    assert final == [Fraction(p) for p in next(islice(reference_params(GROWING), over - 2, None))]


def test_a_weight_past_2_to_the_1000_stops_an_exact_run() -> None:
    largest = []  # per step: the largest |parameter|
    for params in reference_params(DIVERGING):
        largest.append(max(abs(Fraction(p)) for p in params))
        if largest[-1] >= 2**1001:
            break
    with pytest.raises(SpecError) as err:
        run(DIVERGING, 100)
    found = re.fullmatch(r"training diverged: a weight is about 2\^([\d,]+) after this step, beyond the float64 "
                         r"range; use a smaller learning_rate or fewer exact_steps", err.value.message)
    assert found, err.value.message
    step = int(err.value.field.removeprefix("step "))
    assert largest[step - 1] > 2**1000 and (step == 1 or largest[step - 2] < 2**1001)
    size = int(found[1].replace(",", ""))
    assert 2 ** (size - 2) <= largest[step - 1] < 2 ** (size + 2)


def test_an_exact_run_below_both_bounds_keeps_every_step() -> None:
    trace = run(DIVERGING, 20, epochs=10)  # two updates an epoch
    assert len(trace.steps) == 20 and trace.float_steps == 0
    want = next(islice(reference_params(DIVERGING), 19, None))
    got = [v.v for p in trace.final for v in (*(w for row in p.W for w in row), *p.b)]
    assert got == [Fraction(p) for p in want]
    assert np.all([v.exact for p in trace.final for row in p.W for v in row])


#: tanh makes every weight an approximate (60-digit) value after the first step; the output
#: weight is multiplied by about the learning rate each step
DIVERGING_APPROX = """\
title: Divergence on approximate numbers
inputs: [a]
layers: [{units: 1, activation: tanh, weights: [[1]], bias: [0]}, {units: 1, activation: linear, weights: [[1]]}]
loss: mse
learning_rate: 1e40
data: {train: [{x: [1], y: [0]}]}
training: {epochs: 30}
"""


def test_an_approximate_weight_past_2_to_the_1000_stops_an_exact_run() -> None:
    s = spec.parse(spec.read_yaml(DIVERGING_APPROX))
    layers = [R.layer(lay.weights, lay.bias, lay.activation, ops=R.MP) for lay in s.layers]
    X, Y = R.array([t.x for t in s.train], R.MP), R.array([t.y for t in s.train], R.MP)
    largest = []
    while not largest or largest[-1] < 2**1001:
        layers = R.step(layers, X, Y, "mse", R.MP.convert(s.learning_rate), R.MP).after
        largest.append(max(abs(v) for lay in layers for v in (*lay.W.ravel(), *(() if lay.b is None else lay.b))))
    with pytest.raises(SpecError, match="training diverged: a weight is about 2") as err:
        run(DIVERGING_APPROX, 30)
    step = int(err.value.field.removeprefix("step "))
    assert largest[step - 1] > 2**1000 and (step == 1 or largest[step - 2] < 2**1001)
    assert not run(DIVERGING_APPROX, step - 1, epochs=step - 1).final[1].W[0][0].exact


SHUFFLED = """\
title: Batches
inputs: [a]
layers: [{units: 1, activation: linear, weights: [[0.5]], bias: [0]}]
loss: mse
data: {train: [{x: [1], y: [1]}, {x: [2], y: [0]}, {x: [3], y: [1]}, {x: [4], y: [0]}, {x: [5], y: [1]}]}
training: {epochs: 4, batch_size: 2, shuffle: true, exact_steps: 12}
"""


def batches(text: str) -> list[tuple[int, tuple[int, ...]]]:
    return [(st.epoch, st.batch) for st in engine.run(spec.parse(spec.read_yaml(text))).steps]


def test_every_epoch_visits_each_sample_once_in_batches_of_the_batch_size() -> None:
    """docs/reference/spec.md: the samples in the order written, or shuffled every epoch from the
    seed, grouped into batches of batch_size (the last one may be smaller)."""
    plain = batches(SHUFFLED.replace("shuffle: true", "shuffle: false"))
    assert [list(b) for _, b in plain] == R.schedule(5, 2, 4)
    assert [e for e, _ in plain] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    orders = {}
    for seed in (0, 1, 2):
        got = batches(SHUFFLED + f"init: {{seed: {seed}}}\n")
        assert [e for e, _ in got] == [e for e, _ in plain]
        assert [len(b) for _, b in got] == [2, 2, 1] * 4
        for epoch in range(1, 5):
            assert sorted(i for e, b in got if e == epoch for i in b) == [0, 1, 2, 3, 4]
        assert got == batches(SHUFFLED + f"init: {{seed: {seed}}}\n")  # the seed decides the order
        orders[seed] = tuple(b for _, b in got)
    assert len(set(orders.values())) == 3 and tuple(b for _, b in plain) not in orders.values()


def test_a_forward_only_spec_predicts_its_samples_without_training() -> None:
    text = """\
title: Forward only
inputs: [a, b]
layers: [{units: 1, activation: sigmoid, weights: [[2], [-1]], bias: [0]}]
data: {train: [{x: [1, 2]}, {x: [3, -1], y: [1]}], test: [{x: [0.5, 1]}]}
"""
    trace = engine.run(spec.parse(spec.read_yaml(text)))
    assert trace.steps == () and trace.float_steps == 0 and trace.accuracy is None
    assert [rec.value for rec in trace.inference[0].z[1]] == [Fraction(7)]
    assert [[rec.value for rec in z] for z in trace.inference[0].z] == [[0], [7]]
    (p,) = trace.predictions
    assert p.label == 1 and p.correct is None  # σ(0) = ½ counts as class 1; no target, no judgement
