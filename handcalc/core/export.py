"""The trace as plain data (for ``handcalc run --json``).

Numbers become strings (:func:`handcalc.core.numbers.to_decimal_string`): the exact
decimal where it terminates, otherwise 25 significant digits.  Matrices are
written in the spec's notation: ``row`` → inputs × units, ``column`` → units × inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .numbers import Num, to_decimal_string
from .trace import ForwardLayer, Params, Trace


def num(x: Num) -> str:
    return to_decimal_string(x)


def vec(xs: Sequence[Any]) -> list[str]:
    return [num(getattr(x, "value", x)) for x in xs]


def mat(rows: Sequence[Sequence[Any]], notation: str) -> list[list[str]]:
    m = [vec(r) for r in rows]
    return m if notation == "row" else [list(c) for c in zip(*m)]


def _forward(layers: Sequence[ForwardLayer]) -> list[dict[str, Any]]:
    return [{"layer": f.layer, "z": [vec(z) for z in f.z], "a": [vec(a) for a in f.a]} for f in layers]


def _params(ps: Sequence[Params], notation: str) -> list[dict[str, Any]]:
    return [{"weights": mat(p.W, notation), "bias": None if p.b is None else vec(p.b)} for p in ps]


def to_dict(trace: Trace) -> dict[str, Any]:
    spec, nt = trace.spec, trace.spec.notation
    steps = []
    for s in trace.steps:
        steps.append({
            "step": s.number,
            "epoch": s.epoch,
            "batch": [i + 1 for i in s.batch],
            "loss": num(s.loss.value),
            "sample_losses": vec(s.losses),
            "forward": _forward(s.forward),
            "backward": [{
                "layer": b.layer,
                "da": [vec(d) for d in b.da],
                "dz": [vec(d) for d in b.dz],
                "dW": mat(b.dW, nt),
                "db": None if b.db is None else vec(b.db),
            } for b in s.backward],
            "update": [{
                "layer": u.layer,
                "W": mat(u.W, nt),
                "b": None if u.b is None else vec(u.b),
            } for u in s.update],
            "after": None if s.after is None else {
                "forward": _forward(s.after.forward),
                "sample_losses": vec(s.after.losses),
                "loss": num(s.after.loss.value),
                "change": num(s.after.change.value),
            },
        })
    return {
        "title": spec.title,
        "notation": nt,
        "rounding": spec.display.rounding,
        "decimals": spec.display.decimals,
        "sizes": list(spec.sizes),
        "exact_steps": len(trace.steps),
        "worked_step": spec.training.worked_step,
        "float_steps": trace.float_steps,
        "initial": {"layers": _params(trace.initial, nt)},
        "steps": steps,
        "epoch_loss": vec(trace.epoch_loss),
        "final": {"layers": _params(trace.final, nt)},
        "predictions": [{
            "sample": p.index + 1,
            "x": vec(p.x),
            "y": None if p.y is None else vec(p.y),
            "yhat": vec(p.yhat),
            "label": p.label,
            "correct": p.correct,
        } for p in trace.predictions],
        "accuracy": None if trace.accuracy is None else num(Num(trace.accuracy)),
        "forward": None if trace.inference is None else _forward(trace.inference),
    }
