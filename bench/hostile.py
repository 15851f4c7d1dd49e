"""Issue 8: how long hostile or oversized specs take to be refused, and what the work that
is still allowed costs (``check`` of wide networks, the largest spec file).

Run on its own (``.venv/bin/python bench/hostile.py``) or as the ``hostile`` section of
``bench/bench.py``.  Every figure is one wall-clock run timed with ``time.perf_counter``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handcalc.core import check, engine, spec  # noqa: E402
from handcalc.core.errors import SpecError  # noqa: E402

HEAD = "title: t\ninputs: [a, b]\n"
SMALL = "layers: [{units: 1, activation: linear}]\nloss: mse\ndata: {train: [{x: [1, 2], y: [0.5]}]}\n"


def wide(units: int) -> str:
    return (HEAD + f"layers: [{{units: {units}, activation: relu}}, {{units: {units}, activation: relu}}, "
            "{units: 1, activation: linear}]\nloss: mse\ninit: {seed: 3}\ndata: {train: [{x: [1, 2], y: [0.5]}]}\n")


def timed(fn: Callable[[], object]) -> tuple[float, str]:
    t0 = time.perf_counter()
    try:
        fn()
        outcome = "runs"
    except SpecError as exc:
        outcome = f"refused: {exc.field}"
    return time.perf_counter() - t0, outcome


def refusals(folder: Path) -> list[tuple[str, float, str]]:
    samples = "".join(f"  - {{x: [0.{i % 10}, 1.5], y: [0.25]}}\n" for i in range(30_000))
    files = {
        'learning_rate: "1e-99999999"': HEAD + SMALL + 'learning_rate: "1e-99999999"\n',
        "learning_rate: 1.0e-999999999": HEAD + SMALL + "learning_rate: 1.0e-999999999\n",
        "a 5,000-digit input": HEAD + SMALL.replace("x: [1, 2]", "x: [" + "7" * 5000 + ", 2]"),
        "2,000 nested [": HEAD + SMALL + "description: " + "[" * 2000 + "]" * 2000 + "\n",
        "16 layers of 512, forward only": HEAD + "layers: [" + ", ".join(["{units: 512, activation: linear}"] * 16)
        + "]\ndata: {train: [{x: [1, 2]}]}\n",
        "a spec of 1.1 MB": HEAD + SMALL + "description: " + "x" * 1_100_000 + "\n",
        "a spec of 0.96 MB (30,000 samples)": HEAD + "layers: [{units: 1, activation: linear}]\nloss: mse\n"
        "training: {exact_steps: 1}\ndata:\n  train:\n" + samples,
    }
    rows = []
    path = folder / "spec.yaml"
    for name, text in files.items():
        path.write_text(text, encoding="utf-8")
        seconds, outcome = timed(lambda: spec.load(path))
        rows.append((name, seconds, outcome))
    return rows


def checks() -> list[tuple[str, float, float, str]]:
    rows = []
    for units in (32, 64, 128):
        s = spec.parse(spec.read_yaml(wide(units)))
        t0 = time.perf_counter()
        trace = engine.run(s)
        run_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = check.check(trace)
        check_s = time.perf_counter() - t0
        rows.append((f"2-{units}-{units}-1", run_s, check_s, f"{report.gradients:,} compared"))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = refusals(Path(tmp))
    width = max(len(r[0]) for r in rows)
    print("Reading hostile specs (spec.load): time, outcome")
    for name, seconds, outcome in rows:
        print(f"  {name:<{width}}  {seconds:7.3f} s  {outcome}")
    print("check of one exact step of a wide network (one sample): run, check, gradients compared")
    for name, run_s, check_s, compared in checks():
        print(f"  {name:<{width}}  {run_s:7.2f} s  {check_s:7.2f} s  {compared}")


if __name__ == "__main__":
    main()
