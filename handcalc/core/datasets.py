"""Small synthetic data sets, drawn reproducibly and rounded to hand-friendly decimals.

* ``gaussian`` (seed 000): two classes, each a 2-D normal cloud drawn with the
  Box–Muller transform, centred at (−c, −c) and (c, c).
* ``moons`` (seed 002): two interleaving half circles with normal noise, then an
  80/20 train/test split and, optionally, standardisation by the training mean
  and standard deviation.

Both use Python's own ``random.Random(seed)``, so a spec gives the same points on
every machine.  Labels are one-hot when the network has two outputs and a single
0/1 value when it has one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

Rows = list[tuple[list[Fraction], list[Fraction]]]

OPTIONS = {
    "kind": None, "samples": 40, "seed": 0, "noise": Fraction(1, 5), "test_fraction": Fraction(1, 5),
    "decimals": 2, "standardize": False, "center": 1,
}


def _round(v: float, decimals: int) -> Fraction:
    return Fraction(round(v * 10**decimals), 10**decimals)


def _label(c: int, one_hot: bool) -> list[Fraction]:
    return [Fraction(int(c == 0)), Fraction(int(c == 1))] if one_hot else [Fraction(c)]


def _finish(points: list[tuple[float, float, int]], rng: random.Random, o: dict[str, Any]) -> tuple[Rows, Rows]:
    rng.shuffle(points)
    n_test = int(len(points) * o["test_fraction"])
    test, train = points[:n_test], points[n_test:]
    if o["standardize"]:
        means = [sum(p[k] for p in train) / len(train) for k in (0, 1)]
        stds = [math.sqrt(sum((p[k] - means[k]) ** 2 for p in train) / len(train)) or 1.0 for k in (0, 1)]
        fix = lambda p: ((p[0] - means[0]) / stds[0], (p[1] - means[1]) / stds[1], p[2])  # noqa: E731
        train, test = [fix(p) for p in train], [fix(p) for p in test]
    d = o["decimals"]
    rows = lambda ps: [([_round(p[0], d), _round(p[1], d)], _label(p[2], o["one_hot"])) for p in ps]  # noqa: E731
    return rows(train), rows(test)


def gaussian(**o: Any) -> tuple[Rows, Rows]:
    """Two Box–Muller Gaussian clouds of ``samples // 2`` points each."""
    rng = random.Random(o["seed"])
    c, s = float(o["center"]), float(o["noise"]) or 0.0
    points = []
    for k in range(o["samples"]):
        cls = k % 2
        u1, u2 = 1.0 - rng.random(), rng.random()  # u1 in (0, 1]: ln is defined
        r = math.sqrt(-2.0 * math.log(u1))
        g1, g2 = r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)
        mu = c if cls else -c
        points.append((mu + s * g1, mu + s * g2, cls))
    return _finish(points, rng, o)


def moons(**o: Any) -> tuple[Rows, Rows]:
    """Two interleaving half circles, as in seed 002."""
    rng = random.Random(o["seed"])
    half = o["samples"] // 2
    points = []
    for cls in (0, 1):
        for k in range(half if cls == 0 else o["samples"] - half):
            n = half if cls == 0 else o["samples"] - half
            t = math.pi * k / max(n - 1, 1)
            x, y = (math.cos(t), math.sin(t)) if cls == 0 else (1 - math.cos(t), 1 - math.sin(t) - 0.5)
            points.append((x + rng.gauss(0, float(o["noise"])), y + rng.gauss(0, float(o["noise"])), cls))
    return _finish(points, rng, o)


GENERATORS: dict[str, Callable[..., tuple[Rows, Rows]]] = {"gaussian": gaussian, "moons": moons}
