"""Fresh hand-friendly numbers for an existing example (``handcalc new``, worksheets).

A variant keeps everything of the base spec but its weights and biases, which are
drawn again from ``init`` with a new seed (optionally as small whole numbers,
AI-by-Hand style, or with other bounds and decimals).
"""

from __future__ import annotations

import copy
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from . import atomic
from .errors import SpecError
from .numbers import decimal_places, fixed
from .spec import Init, Spec, draw, parse


def variant(spec: Spec, seed: int, *, integers: bool | None = None, low: Fraction | None = None,
            high: Fraction | None = None, decimals: int | None = None, inputs: bool = False) -> dict[str, Any]:
    """The base spec's YAML document with new weights and biases drawn from ``seed``.

    With ``inputs`` the training inputs are redrawn too (same bounds, one more decimal
    kept off: whole numbers 0–3 like seed 001's temperature and humidity scale)."""
    raw = copy.deepcopy(spec.raw)
    base = spec.init
    init = Init(seed=seed, low=base.low if low is None else low, high=base.high if high is None else high,
                decimals=base.decimals if decimals is None else decimals,
                integers=base.integers if integers is None else integers)
    if init.integers and low is None and high is None and base.high - base.low < 2:
        init = Init(seed=seed, low=Fraction(-2), high=Fraction(2), decimals=0, integers=True)
    rng = random.Random(seed)
    for lay, raw_layer in zip(spec.layers, raw["layers"]):
        rows, cols = len(lay.weights), lay.units
        vals = draw(init, rng, rows * cols)
        m = [[vals[i * cols + j] for j in range(cols)] for i in range(rows)]
        fresh = {"weights": m if spec.notation == "row" else [list(c) for c in zip(*m)]}
        if lay.bias is not None:
            fresh["bias"] = draw(init, rng, cols)
        rest = {k: v for k, v in raw_layer.items() if k not in fresh}
        raw_layer.clear()  # keep the usual key order: units, activation, weights, bias, ...
        raw_layer.update({k: rest.pop(k) for k in ("units", "activation") if k in rest})
        raw_layer.update(fresh)
        raw_layer.update(rest)
    if inputs and "train" in raw.get("data", {}):
        for sample in raw["data"]["train"]:
            sample["x"] = [Fraction(rng.randint(0, 3)) for _ in sample["x"]]
    raw["init"] = {"seed": seed, "low": init.low, "high": init.high, "decimals": init.decimals,
                   "integers": init.integers}
    parse(copy.deepcopy(raw))  # the variant must itself be a valid spec
    return raw


class _Dumper(yaml.SafeDumper):
    pass


def _fraction(dumper: yaml.SafeDumper, f: Fraction) -> yaml.Node:
    places = decimal_places(f)
    if places is None:
        return dumper.represent_str(f"{f.numerator}/{f.denominator}")
    if f.denominator == 1:
        return dumper.represent_int(f.numerator)
    return dumper.represent_scalar("tag:yaml.org,2002:float", fixed(f, places))


_Dumper.add_representer(Fraction, _fraction)


def dump(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)


def write_new(spec: Spec, seed: int, out: Path, force: bool, **options: Any) -> None:
    """Write the variant to ``out`` completely, then move it into place; an existing file (or a
    symbolic link, even a dangling one) is only replaced with ``force``, and a link is then
    replaced itself, never followed."""
    if out.is_symlink() and not force:
        raise SpecError(str(out), "already exists as a symbolic link (use --force to replace the link)")
    if out.exists() and not force:
        raise SpecError(str(out), "already exists (use --force to overwrite)")
    if out.is_dir():
        raise SpecError(str(out), "is a folder; -o names the spec file to write")
    if out.exists() and not out.is_symlink() and not out.is_file():
        raise SpecError(str(out), "is not a regular file (a device, pipe or socket); -o names the spec file to "
                                  "write, and --force never replaces anything else")
    text = dump(variant(spec, seed, **options))
    if not out.absolute().parent.is_dir():
        raise SpecError(str(out), "cannot be written: its folder does not exist")
    try:
        atomic.write_file(out, text)
    except OSError as exc:
        raise SpecError(str(out), f"cannot be written ({exc.strerror or exc.__class__.__name__})") from None
