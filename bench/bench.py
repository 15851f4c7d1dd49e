"""Benchmarks for handcalc: prints the figures the issues ask for, as plain tables.

Run from the repository root::

    .venv/bin/python bench/bench.py                     # every section
    .venv/bin/python bench/bench.py --only engine       # one section: engine, site, worksheets or install

Each section is one function that prints its own tables; adding a section is one
function and one entry in :data:`SECTIONS`.  Nothing here asserts on a time: a
target is printed as PASS or MISS beside the measured value.

Times are medians of repeated runs measured with :func:`time.perf_counter`.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handcalc.core import engine, fast  # noqa: E402
from handcalc.core import spec as spec_mod  # noqa: E402
from handcalc.core.numbers import DIGITS  # noqa: E402
from handcalc.core.spec import Spec  # noqa: E402
from handcalc.core.trace import Params, Step  # noqa: E402

EXAMPLES = ROOT / "examples"
GOLF_TARGET_MS = 20.0  # issue 2: a full exact step of the golf network under 20 ms
GROWTH_STEPS = 100  # consecutive exact steps in the growth table
GROWTH_SHOWN = (1, 10, 50, 100)  # the steps whose time and number size are printed


# ---------------------------------------------------------------------------
# measuring and printing


def median_time(fn: Callable[[], Any], repeat: int = 7, budget: float = 1.0) -> float:
    """Median wall time of ``fn()`` in seconds: at least 3 runs, at most ``repeat``,
    fewer when the runs would take more than ``budget`` seconds in all."""
    times: list[float] = []
    while len(times) < repeat:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 3 and sum(times) > budget:
            break
    return statistics.median(times)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], note: str = "") -> None:
    """Print an aligned text table: first column left-aligned, the others right-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths)))

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for r in cells[1:]:
        print(line(r))
    if note:
        print(note)


# ---------------------------------------------------------------------------
# the networks measured


def wide_network() -> Spec:
    """A 2-16-8-2 classifier (ReLU, ReLU, softmax, categorical cross-entropy) with
    hand-friendly random weights and biases, on a few generated Gaussian points, batch 1."""
    return spec_mod.parse({
        "title": "2-16-8-2 benchmark network",
        "layers": [
            {"units": 16, "activation": "relu", "bias": "random"},
            {"units": 8, "activation": "relu", "bias": "random"},
            {"units": 2, "activation": "softmax", "bias": "random"},
        ],
        "inputs": ["x1", "x2"],
        "loss": "cce",
        "learning_rate": Fraction(1, 10),
        "data": {"generate": {"kind": "gaussian", "samples": 8, "seed": 5, "test_fraction": 0}},
        "training": {"epochs": 1, "batch_size": 1},
        "init": {"seed": 11, "low": Fraction(-1, 2), "high": Fraction(1, 2), "decimals": 1},
    })


def networks() -> list[tuple[str, Spec]]:
    return [
        ("candy-bar", spec_mod.load(EXAMPLES / "candy-bar.yaml")),
        ("golf", spec_mod.load(EXAMPLES / "golf.yaml")),
        ("gaussian", spec_mod.load(EXAMPLES / "gaussian.yaml")),
        ("2-16-8-2", wide_network()),
    ]


def exact_rounder(spec: Spec) -> engine.Rounder:
    return engine.Rounder(spec.display.rounding == "hand", spec.display.decimals)


def batches(spec: Spec, count: int) -> list[tuple[int, tuple[int, ...]]]:
    """The first ``count`` (epoch, batch) pairs of the spec's own schedule, with as many
    epochs as that takes."""
    epochs = math.ceil(count / spec.updates_per_epoch)
    plan = engine.schedule(spec.with_training(epochs=epochs))
    return [next(plan) for _ in range(count)]


def float_arrays(spec: Spec, batch: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[float(v) for v in spec.train[i].x] for i in batch])
    y = np.array([[float(v) for v in spec.train[i].y] for i in batch])
    return x, y


def copy_arrays(arrays: fast.Arrays) -> fast.Arrays:
    return [(W.copy(), None if b is None else b.copy()) for W, b in arrays]


# ---------------------------------------------------------------------------
# number size


def number_size(s: Step) -> tuple[int, int, int, int]:
    """Of the new parameters a step writes: (exact count, largest numerator+denominator bits
    of the exact ones, approximate count, largest mantissa bits of the approximate ones)."""
    exact_n = approx_n = frac_bits = mpf_bits = 0
    for layer in s.update:
        for u in [u for row in layer.W for u in row] + list(layer.b or ()):
            v = u.value.v
            if isinstance(v, Fraction):
                exact_n += 1
                frac_bits = max(frac_bits, v.numerator.bit_length() + v.denominator.bit_length())
            else:
                approx_n += 1
                mpf_bits = max(mpf_bits, int(v.bc))
    return exact_n, frac_bits, approx_n, mpf_bits


def size_text(size: tuple[int, int, int, int]) -> str:
    exact_n, frac_bits, approx_n, mpf_bits = size
    parts = []
    if exact_n:
        parts.append(f"{exact_n} exact, ≤{frac_bits} bits")
    if approx_n:
        parts.append(f"{approx_n} approx, ≤{mpf_bits} bits")
    return "; ".join(parts)


# ---------------------------------------------------------------------------
# section: engine (issue 2)


def step_times(spec: Spec) -> tuple[float, float]:
    """(exact step, float64 step) median times on the first batch of the schedule."""
    params = engine.initial_params(spec)
    r = exact_rounder(spec)
    epoch, batch = batches(spec, 1)[0]
    exact = median_time(lambda: engine.step(spec, params, 1, epoch, batch, r), repeat=15)
    x, y = float_arrays(spec, batch)
    arrays = fast.to_arrays(params)
    copies = [copy_arrays(arrays) for _ in range(200)]
    it = iter(copies)
    floats = median_time(lambda: fast.step(spec, next(it), x, y), repeat=200, budget=0.5)
    return exact, floats


def growth(spec: Spec) -> list[tuple[int, float, tuple[int, int, int, int]]]:
    """Run GROWTH_STEPS consecutive exact steps; for the steps in GROWTH_SHOWN, the median
    time of that step (re-run from the same parameters: a step is a pure function) and
    the size of the numbers it writes."""
    r = exact_rounder(spec)
    params = engine.initial_params(spec)
    out = []
    for number, (epoch, batch) in enumerate(batches(spec, GROWTH_STEPS), start=1):
        before: Sequence[Params] = params
        rec, params = engine.step(spec, before, number, epoch, batch, r)
        if number in GROWTH_SHOWN:
            t = median_time(lambda: engine.step(spec, before, number, epoch, batch, r), repeat=5)  # noqa: B023
            out.append((number, t, number_size(rec)))
    return out


def golf_dot_products(kind: Callable[[int, int], Any], relu: bool) -> Callable[[], None]:
    """A golf-sized rational workload: for each of golf's 8 training samples, the forward
    dot products z = a·W + b of a 2-3-2-1 network and the outer products aᵀδ of its weight
    gradients, on one-decimal numbers built with ``kind``.  With ``relu`` every z is also
    compared with 0 (ReLU), as the engine does; without it only multiply-adds are timed."""
    rng = random.Random(1)
    sizes = (2, 3, 2, 1)
    one_dec = lambda: kind(rng.randint(-5, 5), 10)  # noqa: E731
    Ws = [[[one_dec() for _ in range(sizes[k + 1])] for _ in range(sizes[k])] for k in range(3)]
    bs = [[one_dec() for _ in range(sizes[k + 1])] for k in range(3)]
    xs = [[kind(rng.randint(0, 3), 1) for _ in range(2)] for _ in range(8)]
    zero = kind(0, 1)

    def work() -> None:
        for x in xs:
            acts = [x]
            for W, b in zip(Ws, bs):
                a = acts[-1]
                z = [sum((a[i] * W[i][j] for i in range(len(a))), b[j]) for j in range(len(b))]
                acts.append([v if v > zero else zero for v in z] if relu else z)
            for k in range(len(Ws)):
                delta = acts[k + 1]
                [[acts[k][i] * delta[j] for j in range(len(delta))] for i in range(len(acts[k]))]

    return work


def engine_section() -> None:
    """Issue 2: exact vs float64 step time, growth over 100 steps, the golf target,
    Fraction vs sympy.Rational."""
    nets = networks()
    rows, exact_times = [], {}
    for name, spec in nets:
        exact, floats = step_times(spec)
        exact_times[name] = exact
        rows.append((name, "-".join(map(str, spec.sizes)), spec.loss, ms(exact), ms(floats), f"{exact / floats:,.0f}×"))
    table("Engine: one training step (batch of 1), exact numbers vs float64",
          ["network", "sizes", "loss", "exact step", "float64 step", "ratio"], rows,
          "exact = handcalc.core.engine.step (Fractions / 60-digit mpf, every equation recorded); "
          "float64 = handcalc.core.fast.step (NumPy).")

    rows = []
    for name, spec in nets:
        for number, t, size in growth(spec):
            rows.append((name if number == GROWTH_SHOWN[0] else "", number, ms(t), size_text(size)))
    table(f"Engine: {GROWTH_STEPS} consecutive exact steps (time of one step; size of the parameters it writes)",
          ["network", "step", "exact step", "new weights and biases"], rows,
          "exact: Fractions, size = bits of numerator + denominator;  approx: mpmath values, size = mantissa bits "
          f"(working precision {DIGITS} digits = {mpmath.mp.prec} bits).")

    golf_exact = exact_times["golf"]
    verdict = "PASS" if golf_exact * 1e3 < GOLF_TARGET_MS else "MISS"
    print(f"\nTarget: a full exact step of the golf network under {GOLF_TARGET_MS:g} ms: "
          f"{ms(golf_exact)}  {verdict}")

    from sympy.external.gmpy import GROUND_TYPES

    rows = []
    for label, relu in (("multiply-adds only", False), ("with ReLU comparisons", True)):
        frac = median_time(golf_dot_products(Fraction, relu), repeat=51, budget=1.5)
        rat = median_time(golf_dot_products(sympy.Rational, relu), repeat=51, budget=1.5)
        rows.append((label, ms(frac), ms(rat), f"{rat / frac:.2f}×"))
    table("Rational arithmetic: golf's 8 samples, forward z = a·W + b and dW = aᵀδ",
          ["workload", "fractions.Fraction", "sympy.Rational", "Rational / Fraction"], rows,
          f"sympy ground types: {GROUND_TYPES} (python: plain Python integers, like Fraction; gmpy: GMP).")


# ---------------------------------------------------------------------------

def _bench_module(name: str) -> Any:
    """A sibling script of this folder as a module, loaded from its file (``bench/site.py``
    cannot be imported by name: the standard library's ``site`` has that name)."""
    spec = importlib.util.spec_from_file_location(f"handcalc_bench_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def site_section() -> None:
    """Issue 3: full site build time; per example the heaviest page's HTML size and math typeset time."""
    _bench_module("site").site_figures()


def serve_section() -> None:
    """Issue 12: serve reload after a golf weight edit, cold and warm build, before → after."""
    _bench_module("serve").main([])


def worksheets_section() -> None:
    """Issue 4: 30 golf worksheet variants with keys as PDF."""
    _bench_module("worksheets").main([])


def install_section() -> None:
    """Issue 9: the size of a core install and the start-up time of `handcalc run`, for HEAD."""
    _bench_module("install").install_figures(["HEAD"])


def hostile_section() -> None:
    """Issue 8: time to refuse hostile specs; check of wide networks."""
    _bench_module("hostile").main()


#: section name → function that measures and prints it
SECTIONS: dict[str, Callable[[], None]] = {
    "engine": engine_section,
    "site": site_section,
    "serve": serve_section,
    "worksheets": worksheets_section,
    "install": install_section,
    "hostile": hostile_section,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print handcalc's benchmark figures.")
    parser.add_argument("--only", choices=list(SECTIONS), help="run only this section")
    args = parser.parse_args(argv)
    names = [args.only] if args.only else list(SECTIONS)
    print(f"handcalc benchmarks — Python {sys.version.split()[0]}, sympy {sympy.__version__}, "
          f"numpy {np.__version__}")
    for name in names:
        t0 = time.perf_counter()
        print(f"\n=== {name} ===")
        SECTIONS[name]()
        print(f"\n({name} section: {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
