"""``handcalc.core.check``: every shipped example passes, every trained parameter is compared
with finite differences, and a wrong number — in an equation or in a gradient — is caught.

The traces come from conftest's ``example_trace`` (run once per session); moons is run
twice here in all (exact and hand), which takes a few seconds each.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import cache

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLE_NAMES, EXAMPLES, example_spec, example_trace

from handcalc.cli import main
from handcalc.core import engine
from handcalc.core import spec as spec_mod
from handcalc.core.check import Report, check
from handcalc.core.numbers import Num
from handcalc.core.trace import ForwardLayer, Step, Trace
from handcalc.equations import pagecheck
from handcalc.site.render import render_example

TRAINED = [n for n in EXAMPLE_NAMES if example_spec(n).trains]


@cache
def report(name: str, rounding: str) -> Report:
    return check(example_trace(name, rounding))


def slow_if_moons(names: list[str]) -> list:
    return [pytest.param(n, marks=pytest.mark.slow) if n == "moons" else n for n in names]


def test_every_kind_of_example_is_covered() -> None:
    assert set(TRAINED) >= {"candy-bar", "golf", "gaussian", "moons"}
    assert "seven-layer" in EXAMPLE_NAMES and "seven-layer" not in TRAINED  # forward only


def count_forward(layers: tuple[ForwardLayer, ...]) -> int:
    return sum(len(row) for f in layers for rows in (f.z, f.a) for row in rows)


def count_records(s: Step) -> int:
    """The records of one step, counted from the trace's own structure (not from the walk)."""
    n = count_forward(s.forward) + len(s.losses) + 1
    for b in s.backward:
        n += sum(len(r) for r in b.da) + sum(len(r) for r in b.dz) + sum(len(r) for r in b.dW) + len(b.db or ())
        n += sum(len(x) if isinstance(x, tuple) else 1 for d in b.deriv for x in d)
    n += sum(len(r) for u in s.update for r in u.W) + sum(len(u.b or ()) for u in s.update)
    if s.after is not None:
        n += count_forward(s.after.forward) + len(s.after.losses) + 2
    return n


@pytest.mark.parametrize("rounding", ["exact", "hand"])
@pytest.mark.parametrize("name", slow_if_moons(EXAMPLE_NAMES))
def test_every_example_passes_check(name: str, rounding: str) -> None:
    trace = example_trace(name, rounding)
    r = report(name, rounding)
    assert r.ok, r.summary()
    records = sum(count_records(s) for s in trace.steps) + count_forward(trace.inference or ())
    assert r.equations == records > 0  # every equation of every exact step (or of the forward pass)
    if trace.steps:
        assert r.gradients > 0 and all(g.ok for g in r.gradient_checks)
        assert r.max_gradient_error < 1e-5


def trained_parameters(spec: spec_mod.Spec, step: int) -> set[tuple[int, int, str, int, int]]:
    """(step, layer, kind, row, col) of every parameter a step updates: every weight, and the
    biases of layers that have trainable ones."""
    out = set()
    for l, (lay, fan_in) in enumerate(zip(spec.layers, spec.sizes), start=1):
        out |= {(step, l, "W", i, j) for i in range(fan_in) for j in range(lay.units)}
        if lay.bias is not None and lay.trainable_bias:
            out |= {(step, l, "b", 0, j) for j in range(lay.units)}
    return out


@pytest.mark.parametrize("name", slow_if_moons(TRAINED))
def test_finite_differences_cover_every_trained_parameter(name: str) -> None:
    trace, r = example_trace(name), report(name, "exact")
    want = set().union(*(trained_parameters(trace.spec, s.number) for s in trace.steps))
    got = [(g.step, g.layer, g.kind, g.row, g.col) for g in r.gradient_checks]
    assert len(got) == len(set(got))  # each once
    assert set(got) == want
    skipped = [g for g in r.gradient_checks if g.estimate is None]
    assert all(g.step in r.kinks for g in skipped)  # only parameters feeding a ReLU kink are left out
    assert r.gradients == len(got) - len(skipped) > len(skipped)


def test_fixed_biases_get_no_gradient_check(tmp_path) -> None:
    doc = yaml.safe_load((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    doc["layers"][1]["trainable_bias"] = False
    path = tmp_path / "fixed.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    trace = engine.run(spec_mod.load(path))
    r = check(trace)
    assert r.ok, r.summary()
    kinds = {(g.layer, g.kind) for g in r.gradient_checks}
    assert kinds == {(1, "W"), (1, "b"), (2, "W")}
    assert {(g.step, g.layer, g.kind, g.row, g.col) for g in r.gradient_checks} == trained_parameters(trace.spec, 1)


# ---------------------------------------------------------------------------
# the check can fail


def with_first_step(trace: Trace, step: Step) -> Trace:
    return replace(trace, steps=(step,) + trace.steps[1:])


def put(items: tuple, i: int, value) -> tuple:
    return items[:i] + (value,) + items[i + 1:]


def one_unit(trace: Trace) -> Num:
    """One unit of the last displayed digit."""
    return Num(Fraction(1, 10**trace.spec.display.decimals))


@pytest.mark.parametrize("rounding", ["exact", "hand"])
def test_a_wrong_forward_number_is_reported(rounding: str) -> None:
    trace = example_trace("candy-bar", rounding)
    s = trace.steps[0]
    f1 = s.forward[0]
    z = f1.z[0][0]
    bad = replace(z, value=z.value + one_unit(trace) * 2)
    f1_bad = replace(f1, z=put(f1.z, 0, put(f1.z[0], 0, bad)))
    r = check(with_first_step(trace, replace(s, forward=put(s.forward, 0, f1_bad))), fd_steps=0)
    assert not r.ok
    assert len(r.failures) == 1 and r.failures[0].startswith("step 1 z[1][sample 1][1]: written "), r.failures
    assert "1 failed" in r.summary() and r.failures[0] in r.summary()


def test_a_wrong_approximate_number_is_reported() -> None:
    """golf's sigmoid output is approximate: two units of the last displayed digit off is caught."""
    trace = example_trace("golf")
    s = trace.steps[0]
    out = s.forward[-1]
    a = out.a[0][0]
    assert not a.value.exact
    bad = replace(a, value=a.value + one_unit(trace) * 2)
    out_bad = replace(out, a=put(out.a, 0, put(out.a[0], 0, bad)))
    r = check(with_first_step(trace, replace(s, forward=put(s.forward, len(s.forward) - 1, out_bad))), fd_steps=0)
    assert [f.split(":")[0] for f in r.failures] == [f"step 1 a[{out.layer}][sample 1][1]"], r.failures


@pytest.mark.parametrize("kind", ["W", "b"])
def test_a_wrong_gradient_is_flagged_by_finite_differences(kind: str) -> None:
    """Swap two of seed 003's layer-1 gradients.  Each swapped record is still a true
    equation (it re-checks), but it stands in the wrong place: only the finite
    difference can tell, and it does."""
    trace = example_trace("candy-bar")
    s = trace.steps[0]
    b1 = s.backward[0]
    if kind == "W":  # ∂L/∂W¹[1,1] ← the record of ∂L/∂W¹[2,1]
        assert b1.dW[0][0].value != b1.dW[1][0].value
        b1_bad = replace(b1, dW=put(b1.dW, 0, put(b1.dW[0], 0, b1.dW[1][0])))
        where = "dL/dW[1][1,1]"
    else:  # ∂L/∂b¹[1] ← the record of ∂L/∂b¹[2]
        assert b1.db[0].value != b1.db[1].value
        b1_bad = replace(b1, db=put(b1.db, 0, b1.db[1]))
        where = "dL/db[1][1]"
    r = check(with_first_step(trace, replace(s, backward=put(s.backward, 0, b1_bad))))
    assert not r.ok
    assert len(r.failures) == 1 and r.failures[0].startswith(f"step 1: {where} = "), r.failures
    assert "finite difference" in r.failures[0]
    flagged = [g for g in r.gradient_checks if not g.ok]
    assert [(g.layer, g.kind, g.row, g.col) for g in flagged] == [(1, kind, 0, 0)]
    original = b1.dW[0][0] if kind == "W" else b1.db[0]
    assert flagged[0].estimate == original.value  # the estimate still finds the true gradient
    assert r.equations == report("candy-bar", "exact").equations  # every equation re-checked, none failed


# ---------------------------------------------------------------------------
# handcalc check


def test_cli_check_exits_0_and_prints_the_report() -> None:
    r = CliRunner().invoke(main, ["check", str(EXAMPLES / "gaussian.yaml")])
    assert r.exit_code == 0, r.output
    first, rest = r.stdout.strip().split("\n", 1)
    pages = render_example(example_trace("gaussian"), report("gaussian", "exact"), "gaussian").pages
    lines = pagecheck.check_pages((p.path, p.markdown) for p in pages).lines
    assert first == f"{len(lines)} printed arithmetic lines redone from the pages, 0 failed"
    assert len(lines) > 50
    assert rest == report("gaussian", "exact").summary()
    assert rest.startswith(f"{report('gaussian', 'exact').equations} displayed equations re-checked, 0 failed")


def test_cli_check_exits_1_when_a_number_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = example_trace("candy-bar")
    s = trace.steps[0]
    b1 = s.backward[0]
    wrong = with_first_step(trace, replace(s, backward=put(s.backward, 0, replace(b1, db=put(b1.db, 0, b1.db[1])))))
    monkeypatch.setattr(engine, "run", lambda spec, progress=None: wrong)
    r = CliRunner().invoke(main, ["check", str(EXAMPLES / "candy-bar.yaml")])
    assert r.exit_code == 1, r.output
    assert "step 1: dL/db[1][1] = " in r.stdout
