"""The registry of activations and losses (handcalc.core.functions): every entry complete and
right, checked against the float64 reference implementation in tests/reference.py, and every
activation × every loss rendered through the site pages and a worksheet whose lines re-check.

The forms (the structure a page writes a line with) are evaluated here by a small interpreter
of the tests' own, so a form that prints (y − ŷ) where the derivative needs (ŷ − y) fails
whatever the printers do with it."""

from __future__ import annotations

import ast
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import reference as ref
import sympy

from handcalc.core import check, engine, forms
from handcalc.core.errors import SpecError
from handcalc.core.functions import ACTIVATIONS, LOSSES, Activation, in_domain
from handcalc.core.numbers import Num
from handcalc.core.spec import parse
from handcalc.equations import pagecheck
from handcalc.equations.latex import activation_rule
from handcalc.site.render import render_example
from handcalc.worksheets import model as W
from handcalc.worksheets import output as worksheet_pages

PACKAGE = Path(__file__).resolve().parent.parent / "handcalc"
Z_POINTS = [-1.7, -0.3, 0.4, 1.1, 2.5]
SLOPE = 0.05


def by_symbol(symbol: str) -> Activation:
    return next(a for a in ACTIVATIONS.values() if a.symbol == symbol)


def value(form: forms.Form, args: list[float], param: float = SLOPE) -> float:
    """The number a form stands for, with floats for its arguments."""
    v = lambda f: value(f, args, param)  # noqa: E731
    match form:
        case forms.Arg(k):
            return args[k]
        case forms.Param():
            return param
        case forms.Const(c):
            return float(c)
        case forms.Add(terms):
            return sum(v(t) for t in terms)
        case forms.Sub(left, right):
            return v(left) - v(right)
        case forms.Neg(x):
            return -v(x)
        case forms.Mul(factors, _):
            return math.prod(v(f) for f in factors)
        case forms.Frac(num, den):
            return v(num) / v(den)
        case forms.Pow(base, e):
            return v(base) ** e
        case forms.Exp(x):
            return math.exp(v(x))
        case forms.Abs(x):
            return abs(v(x))
        case forms.Group(x, _):
            return v(x)
        case forms.Call(fn, call_args, prime):
            xs = [v(a) for a in call_args]
            if prime:  # an activation's derivative at z, from the reference Jacobian
                entry = by_symbol(fn)
                z = np.array([xs[0]])
                return float(ref.jacobian(entry.name, z, ref.activate(entry.name, z[None], param, ref.FLOAT)[0],
                                          param)[0, 0])
            return {"max": lambda: max(xs), "tanh": lambda: math.tanh(xs[0]), "ln": lambda: math.log(xs[0]),
                    "sign": lambda: float(np.sign(xs[0]))}[fn]()
    raise TypeError(form)


# ---------------------------------------------------------------------------
# activations


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_entry_is_complete_and_agrees_with_the_reference(name: str) -> None:
    act = ACTIVATIONS[name]
    assert act.name == name and act.title and act.called and act.symbol
    assert act.derivative_of in ("z", "a")
    assert act.elementwise == (act.rule is not None), "an element-wise activation states its rule"
    z = np.array([Z_POINTS[:3], Z_POINTS[2:]])
    want = ref.activate(name, z, SLOPE, ref.FLOAT)
    assert np.allclose(act.np_value(np, z, SLOPE), want)
    for s in range(len(z)):
        exact = [act.value([Num(Fraction(x)) for x in z[s]], j, Num(Fraction(SLOPE))) for j in range(3)]
        assert np.allclose([float(e) for e in exact], want[s])
        line = [value(act.form(3, j), [z[s][j]] if act.elementwise else list(z[s])) for j in range(3)]
        assert np.allclose(line, want[s]), "the line a = f(z) a page writes"
        J = ref.jacobian(name, z[s], want[s], SLOPE)
        da = np.array([0.3, -1.2, 0.7])
        assert np.allclose(act.np_delta(np, z[s][None], want[s][None], da[None], SLOPE)[0], J.T @ da)
        for k in range(3):
            for j in range(3):
                if act.elementwise and k != j:
                    continue
                args = ([z[s][j]] if act.derivative_of == "z" else [want[s][j]]) if act.elementwise \
                    else [want[s][k], want[s][j]]
                assert math.isclose(value(act.derivative_form(int(k == j)), args), J[k, j], abs_tol=1e-12), (k, j)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_kinks_are_where_the_derivative_jumps(name: str) -> None:
    """An entry lists exactly the z where f′ jumps (finite differences are not compared there)."""
    act = ACTIVATIONS[name]
    if not act.elementwise:
        assert act.kinks == ()
        return
    for z in [-2.0, -0.5, 0.0, 0.5, 2.0]:
        left, right = (ref.jacobian(name, np.array([z + h]), ref.activate(name, np.array([[z + h]]), SLOPE,
                                                                           ref.FLOAT)[0], SLOPE)[0, 0]
                       for h in (-1e-9, 1e-9))
        assert (abs(left - right) > 1e-6) == (Fraction(z) in act.kinks), z


def test_the_parameter_names_a_field_of_the_layer() -> None:
    for name, act in ACTIVATIONS.items():
        if act.parameter is not None:
            lay = parse({"title": "t", "inputs": ["x"], "outputs": ["y"],
                         "layers": [{"units": 1, "activation": name, "weights": [[1]], act.parameter: 0.25}],
                         "data": {"train": [{"x": [-2]}]}}).layers[0]
            assert getattr(lay, act.parameter) == Fraction(1, 4)


@pytest.mark.parametrize("name", sorted(n for n, a in ACTIVATIONS.items() if a.last_only))
def test_an_activation_for_the_last_layer_is_refused_below_it(name: str) -> None:
    with pytest.raises(SpecError, match=f"{name} is only supported on the last layer"):
        parse({"title": "t", "inputs": ["x"], "outputs": ["y"],
               "layers": [{"units": 2, "activation": name, "weights": [[1, 1]]},
                          {"units": 1, "activation": "linear", "weights": [[1], [1]]}],
               "data": {"train": [{"x": [1]}]}})


@pytest.mark.parametrize("name", sorted(n for n, a in ACTIVATIONS.items() if a.rule is not None))
def test_an_activation_rule_states_its_derivative(name: str) -> None:
    """The rule a backward page states: f′ is the derivative of f (in z, or in a = f(z))."""
    z, a, alpha = sympy.symbols("z a alpha")
    act = ACTIVATIONS[name]
    value, deriv = act.rule(sympy, z, a, alpha)
    if isinstance(value, sympy.Piecewise):
        for (v, _), (d, _) in zip(value.args, deriv.args):
            assert sympy.simplify(sympy.diff(v, z) - d) == 0
    else:
        assert sympy.simplify(sympy.diff(value, z) - deriv.subs(a, value)) == 0


@pytest.mark.parametrize("name", sorted(n for n, a in ACTIVATIONS.items() if a.rule is not None))
def test_an_activation_rule_does_not_define_f_by_itself(name: str) -> None:
    """``tanh(z) = tanh(z)`` teaches nothing: the printed rule's value is not its own left side."""
    f_of_z, rest = activation_rule(name).split(" = ", 1)
    assert not rest.startswith(f_of_z + ","), activation_rule(name)


# ---------------------------------------------------------------------------
# losses


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_loss_rule_states_its_derivative(name: str) -> None:
    y, h = sympy.symbols("y yhat", real=True)
    value, deriv = LOSSES[name].rule(sympy, y, h)
    assert sympy.simplify(sympy.diff(value, h) - deriv) == 0


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_entry_is_complete_and_agrees_with_the_reference(name: str) -> None:
    loss = LOSSES[name]
    assert loss.name == name and loss.title and loss.about
    assert loss.kind in ("regression", "classification", "toy")
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.25, 0.75]])
    P = np.array([[0.8, 0.3], [0.4, 0.35], [0.6, 0.1]])
    per, grad = loss.np_value(np, Y, P)
    assert np.allclose(per, ref.losses(name, Y, P, ref.FLOAT))
    assert np.allclose(grad, ref.loss_gradient(name, Y, P))
    for y, p, g, L in zip(Y, P, grad, per):
        exact = loss.value([Num(Fraction(v)) for v in y], [Num(Fraction(v)) for v in p])
        assert math.isclose(float(exact), L, abs_tol=1e-12)
        assert math.isclose(value(loss.form(2), [*y, *p]), L, abs_tol=1e-12), "the line L = … a page writes"
        for j in range(2):
            d = loss.derivative(Num(Fraction(y[j])), Num(Fraction(p[j])), 2)
            assert math.isclose(float(d), g[j], abs_tol=1e-12)
            assert math.isclose(value(loss.derivative_form(2), [y[j], p[j]]), g[j], abs_tol=1e-12)
        one = ref.losses(name, y[:1][None], p[:1][None], ref.FLOAT)[0]
        assert math.isclose(value(loss.form(1), [y[0], p[0]]), one, abs_tol=1e-12)
        assert math.isclose(value(loss.derivative_form(1), [y[0], p[0]]),
                            ref.loss_gradient(name, y[:1][None], p[:1][None])[0, 0], abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_the_domain_is_where_the_loss_is_finite(name: str) -> None:
    """A prediction is in the entry's domain exactly where the reference loss and its gradient
    are finite numbers for every target the loss accepts."""
    loss = LOSSES[name]
    targets = [0.0, 1.0] if loss.targets is None or loss.targets.high is not None else [0.0, 1.0, 2.0]
    for p in [-0.5, 0.0, 0.3, 1.0, 1.5]:
        with np.errstate(all="ignore"):
            finite = all(np.isfinite(ref.losses(name, np.array([[y]]), np.array([[p]]), ref.FLOAT)).all()
                         and np.isfinite(ref.loss_gradient(name, np.array([[y]]), np.array([[p]]))).all()
                         for y in targets)
        assert in_domain(loss, Num(Fraction(p))) == finite, p


@pytest.mark.parametrize("name", sorted(n for n, x in LOSSES.items() if x.targets is not None))
def test_a_target_the_loss_does_not_accept_is_refused(name: str) -> None:
    accepted = LOSSES[name].targets
    outside = accepted.low - 1
    with pytest.raises(SpecError, match=r"data\.train\[0\]\.y\[0\]"):
        parse({"title": "t", "inputs": ["x"], "outputs": ["y"], "loss": name, "learning_rate": 0.1,
               "layers": [{"units": 1, "activation": "sigmoid", "weights": [[1]]}],
               "data": {"train": [{"x": [1], "y": [float(outside)]}]}})


# ---------------------------------------------------------------------------
# the names, and every activation × every loss on the pages


def test_the_names_are_literals_in_at_most_two_modules() -> None:
    names = set(ACTIVATIONS) | set(LOSSES)
    where: dict[str, list[str]] = {n: [] for n in names}
    for path in sorted(PACKAGE.rglob("*.py")):
        found = {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Constant) and node.value in names}
        for n in found:
            where[n].append(str(path.relative_to(PACKAGE)))
    assert all(len(mods) <= 2 for mods in where.values()), where


def combination(act: str, loss: str) -> dict:
    """A 2-2-2 network with the activation in both layers (an output-only one on the last)."""
    hidden = act if not ACTIVATIONS[act].last_only else "sigmoid"
    extra = {ACTIVATIONS[act].parameter: 0.1} if ACTIVATIONS[act].parameter else {}
    extra_hidden = extra if hidden == act else {}
    return {"title": f"{act} with {loss}", "inputs": ["x1", "x2"], "outputs": ["y1", "y2"], "loss": loss,
            "learning_rate": 0.5,
            "layers": [{"units": 2, "activation": hidden, "weights": [[0.2, -0.1], [0.3, 0.25]], "bias": [0.05, -0.4],
                        **extra_hidden},
                       {"units": 2, "activation": act, "weights": [[0.3, 0.1], [0.2, 0.2]], "bias": [0.4, 0.45],
                        **extra}],
            "data": {"train": [{"x": [0.5, 1.5], "y": [1, 0]}, {"x": [1.0, -0.5], "y": [0, 1]}]},
            "training": {"batch_size": 2, "epochs": 1}, "display": {"decimals": 3}}


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_every_activation_and_loss_renders_on_the_site_and_the_worksheet(act: str, loss: str) -> None:
    spec = parse(combination(act, loss))
    trace = engine.run(spec)
    report = check.check(trace)
    assert report.ok, report.failures[:3]
    rendered = render_example(trace, report, "combo")
    assert rendered.lines_checked > 20 and rendered.line_failures == ()
    pages = {p.path: p.markdown for p in rendered.pages}
    assert ACTIVATIONS[act].title in pages["forward.md"]
    assert LOSSES[loss].title in pages["index.md"]
    assert r"{\partial a^{[2](1)}_{1}}" in pages["backward.md"]  # the chain starts at the output
    ws = W.make(spec, "step", where="combo")
    key = pagecheck.check_text(worksheet_pages.html_document([ws], key=True), "key")
    assert not key.failures and len(key.lines) > 20, key.failures[:3]


# ---------------------------------------------------------------------------
# how the lines are written: the notation the docs show, typed here as the pages print it

Y1, Y2 = ["y", r"\hat{y}"], ["y_1", "y_2", r"\hat{y}_1", r"\hat{y}_2"]
LOSS_LINES = {  # L for one output, for two outputs; ∂L/∂ŷ for one output, and with (y, ŷ) = (1, −0.5) of two
    "difference": (r"y - \hat{y}", r"(y_1 - \hat{y}_1) + (y_2 - \hat{y}_2)", "-1", "-1"),
    "mse": (r"(y - \hat{y})^2", r"\tfrac{1}{2}\bigl((y_1 - \hat{y}_1)^2 + (y_2 - \hat{y}_2)^2\bigr)",
            r"-2(y - \hat{y})", "-(1 - (-0.5))"),
    "half_sse": (r"\tfrac{1}{2}(y - \hat{y})^2", r"\tfrac{1}{2}\bigl((y_1 - \hat{y}_1)^2 + (y_2 - \hat{y}_2)^2\bigr)",
                 r"\hat{y} - y", "-0.5 - 1"),
    "mae": (r"\lvert y - \hat{y} \rvert",
            r"\tfrac{1}{2}\bigl(\lvert y_1 - \hat{y}_1 \rvert + \lvert y_2 - \hat{y}_2 \rvert\bigr)",
            r"-\operatorname{sign}(y - \hat{y})", r"-\tfrac{1}{2}\operatorname{sign}(1 - (-0.5))"),
    "bce": (r"-\bigl(y \ln \hat{y} + (1 - y) \ln(1 - \hat{y})\bigr)",
            r"-\bigl(\bigl(y_1 \ln \hat{y}_1 + (1 - y_1) \ln(1 - \hat{y}_1)\bigr) + "
            r"\bigl(y_2 \ln \hat{y}_2 + (1 - y_2) \ln(1 - \hat{y}_2)\bigr)\bigr)",
            r"\frac{\hat{y} - y}{\hat{y}(1 - \hat{y})}", r"\frac{-0.5 - 1}{(-0.5) \cdot (1 - (-0.5))}"),
    "cce": (r"-\bigl(y \ln \hat{y}\bigr)", r"-\bigl(y_1 \ln \hat{y}_1 + y_2 \ln \hat{y}_2\bigr)", r"-\frac{y}{\hat{y}}",
            r"-\frac{1}{-0.5}"),
}
ACTIVATION_LINES = {  # a_1 = f(z) with symbols and with z = (−2, 3); f′ with symbols; f′ of a_1 = −0.5, a_2 = 0.25
    "relu": (r"\max(0, z_1)", r"\max(0, -2)", r"\operatorname{ReLU}'(z_1)", r"\operatorname{ReLU}'(-0.5)"),
    "leaky_relu": (r"\max(0.1\,z_1, z_1)", r"\max(0.1 \cdot (-2), -2)", r"\operatorname{LReLU}'(z_1)",
                   r"\operatorname{LReLU}'(-0.5)"),
    "sigmoid": (r"\frac{1}{1 + e^{-z_1}}", r"\frac{1}{1 + e^{-(-2)}}", "a_1(1 - a_1)", r"(-0.5) \cdot (1 - (-0.5))"),
    "tanh": (r"\tanh(z_1)", r"\tanh(-2)", "1 - a_1^2", "1 - (-0.5)^2"),
    "linear": ("z_1", "-2", "1", "1"),
    "softmax": (r"\frac{e^{z_1}}{e^{z_1} + e^{z_2}}", r"\frac{e^{-2}}{e^{-2} + e^{3}}", r"-a_1\,a_2",
                r"-(-0.5) \cdot 0.25"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_loss_line_is_written_in_the_documented_notation(name: str) -> None:
    from handcalc.equations.latex import FormPrinter

    loss = LOSSES[name]
    one, two, grad, grad_numbers = LOSS_LINES[name]
    assert FormPrinter(Y1).doprint(loss.form(1)) == one
    assert FormPrinter(Y2).doprint(loss.form(2)) == two
    assert FormPrinter(Y1).doprint(loss.derivative_form(1)) == grad
    assert FormPrinter(["1", "-0.5"], numbers=True).doprint(loss.derivative_form(2)) == grad_numbers


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_line_is_written_in_the_documented_notation(name: str) -> None:
    from handcalc.equations.latex import FormPrinter

    act = ACTIVATIONS[name]
    value, value_numbers, deriv, deriv_numbers = ACTIVATION_LINES[name]
    symbols = ["z_1"] if act.elementwise else ["z_1", "z_2"]
    assert FormPrinter(symbols, "0.1").doprint(act.form(2, 0)) == value
    assert FormPrinter(["-2", "3"][:len(symbols)], "0.1", numbers=True).doprint(act.form(2, 0)) == value_numbers
    d_symbols = ["a_1", "a_2"] if not act.elementwise else (["z_1"] if act.derivative_of == "z" else ["a_1"])
    assert FormPrinter(d_symbols).doprint(act.derivative_form(0)) == deriv
    assert FormPrinter(["-0.5", "0.25"], numbers=True).doprint(act.derivative_form(0)) == deriv_numbers


def test_intervals_are_written_as_in_the_docs() -> None:
    assert [str(LOSSES[n].domain) for n in ("bce", "cce")] == ["(0, 1)", "(0, ∞)"]
    assert [str(LOSSES[n].targets) for n in ("bce", "cce")] == ["[0, 1]", "[0, ∞)"]
    from handcalc.core.functions import Interval

    assert str(Interval(None, Fraction(2))) == "(−∞, 2)"
    assert str(Interval(Fraction(-1, 2), None, closed=True)) == "[-1/2, ∞)"
