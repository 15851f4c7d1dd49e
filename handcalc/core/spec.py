"""Reading and checking an example spec (YAML) into typed, immutable records.

Numbers are read exactly from their text: ``0.1`` becomes ``Fraction(1, 10)`` and
``"1/3"`` is allowed.  Every problem raises :class:`SpecError` naming the field,
e.g. ``layers[1].weights: expected 3×2, got 2×3``.  Unknown keys are errors.

Weights are stored internally in *row* orientation, ``W[i][j]`` = weight from
input ``i`` to unit ``j`` (inputs × units), whatever the spec's ``notation``.
"""

from __future__ import annotations

import math
import random
import re
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from . import datasets
from .errors import SpecError
from .functions import ACTIVATIONS, LOSSES
from .numbers import MAX_DIGITS, MAX_EXPONENT, Num, check_magnitude, parse_exact, shorten, to_decimal_string

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]

#: requests larger than these are refused with the limit named
LIMITS = {
    "layers": 16,
    "units": 512,
    "parameters": 1_000_000,  # weights and biases of the whole network
    "samples": 100_000,
    "epochs": 1_000_000,
    "decimals": 12,
    # reading: the spec file's size, YAML nesting, a number's digits and size (see numbers.py)
    "spec_bytes": 1_000_000,
    "nesting": 32,
    "line_chars": 200,  # a title or a name (they head pages and label diagrams)
    "alias_values": 100_000,  # values repeated by YAML aliases, all aliases together
    "number_digits": MAX_DIGITS,
    "number_exponent": MAX_EXPONENT,
    # float64 training: multiply-adds over the whole run (epochs × samples × weights), and
    # updates (each costs tens of microseconds whatever the network's size)
    "float_work": 20_000_000_000,
    "updates": 1_000_000,
    # exact training: multiply-adds over the steps traced exactly
    "exact_work": 4_000_000,
    # exact forward passes outside training (forward-only specs, test samples): multiply-adds
    "forward_work": 2_000_000,
}


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str
    weights: Matrix  # inputs × units
    bias: Vector | None  # None: the layer has no bias at all
    trainable_bias: bool = True
    negative_slope: Fraction = Fraction(1, 100)  # leaky_relu only


@dataclass(frozen=True)
class Sample:
    x: Vector
    y: Vector | None


@dataclass(frozen=True)
class Training:
    epochs: int = 1
    batch_size: int = 1
    shuffle: bool = False
    exact_steps: int = 0  # resolved: how many leading updates run on exact numbers
    worked_step: int = 1  # the exact step the pages and the worksheet work in full (1-based)


@dataclass(frozen=True)
class Init:
    seed: int = 0
    low: Fraction = Fraction(-1, 2)
    high: Fraction = Fraction(1, 2)
    decimals: int = 1
    integers: bool = False


@dataclass(frozen=True)
class Display:
    decimals: int = 4
    rounding: str = "exact"  # exact | hand


@dataclass(frozen=True)
class SeeAlso:
    """A link from the example's pages to another example of the same folder."""

    example: str  # the other spec's file name without .yaml
    note: str  # why, e.g. "same network, a real loss"


@dataclass(frozen=True)
class Spec:
    title: str
    notation: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    layers: tuple[LayerSpec, ...]
    loss: str | None
    learning_rate: Fraction
    train: tuple[Sample, ...]
    test: tuple[Sample, ...]
    training: Training
    init: Init
    display: Display
    description: str = ""
    source: str = ""
    see_also: tuple[SeeAlso, ...] = ()
    seed: int = 0  # seed of training.shuffle's order: always init.seed (training has no seed key)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_inputs(self) -> int:
        return len(self.layers[0].weights)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.n_inputs,) + tuple(layer.units for layer in self.layers)

    @property
    def trains(self) -> bool:
        return self.loss is not None and self.training.epochs > 0 and bool(self.train)

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(len(self.train) / self.training.batch_size)

    @property
    def total_updates(self) -> int:
        return self.training.epochs * self.updates_per_epoch if self.trains else 0

    def with_training(self, **changes: Any) -> Spec:
        """A copy with some training fields replaced (used by tests and benchmarks)."""
        return replace(self, training=replace(self.training, **changes))

    def with_display(self, rounding: str | None = None, decimals: int | None = None) -> Spec:
        """A copy with the display settings overridden where given."""
        d = self.display
        return replace(self, display=Display(d.decimals if decimals is None else decimals,
                                             d.rounding if rounding is None else rounding))


# ---------------------------------------------------------------------------
# YAML: safe, with floats kept as their exact decimal text


try:  # libyaml's scanner and parser (C) when PyYAML has them: about three times faster
    from yaml._yaml import CParser as _Parser

    _READER: tuple = ()
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    _READER = (Reader, Scanner)


class _ExactLoader(Composer, _Parser, *_READER, SafeConstructor, Resolver):
    """YAML 1.2 (core schema) scalars on PyYAML's safe constructor, with three guards.

    Events come from libyaml where available; nodes are composed here, in Python, where
    the nesting depth is counted (libyaml's own composer recurses in C and crashes the
    process on deep nesting).

    PyYAML follows YAML 1.1, which reads ``010`` as 8, ``1:30`` as 90 and ``yes`` as
    true; here a plain scalar is a number only in the 1.2 forms (``010`` is ten, ``0o10``
    eight, ``1:30`` stays text and is refused where a number is expected), a boolean only
    as ``true``/``false``, and null as ``null``, ``~`` or nothing.  A key given twice in one
    mapping is an error (YAML says keys are unique; PyYAML would keep the last), nesting
    deeper than ``LIMITS["nesting"]`` is refused before it can exhaust the stack, and
    numbers are built from their text with bounded digits (see :func:`parse_exact`).
    """

    yaml_implicit_resolvers: dict = {}
    depth = 0

    def _size(self, node: yaml.Node) -> int:
        """The scalars of ``node``, its aliases counted again (each node's count computed once, so
        that nested aliases cost no more to count than to read; a node that holds itself counts 0)."""
        if isinstance(node, yaml.ScalarNode):
            return 1
        if id(node) not in self._sizes:
            self._sizes[id(node)] = 0
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for kv in node.value for n in kv]
            self._sizes[id(node)] = sum(self._size(n) for n in children)
        return self._sizes[id(node)]

    def __init__(self, stream: str) -> None:
        for base in (_Parser, *_READER):
            base.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.repeated = 0  # values that aliases (*name) have repeated so far
        self._sizes: dict[int, int] = {}  # id of a composed node → its scalars, aliases counted again

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > LIMITS["nesting"]:
                raise yaml.YAMLError(f"nested more than {LIMITS['nesting']} levels deep")
            anchor = self.peek_event().anchor if self.check_event(yaml.AliasEvent) else None
            if anchor in self.anchors:
                self.repeated += self._size(self.anchors[anchor])
                if self.repeated > LIMITS["alias_values"]:  # a few aliases can stand for millions of numbers
                    raise yaml.YAMLError(f"its aliases (*name) repeat more than {LIMITS['alias_values']:,} values")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):  # a key given twice: name it and where
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    m = key_node.start_mark
                    raise _DuplicateKey(f"key '{shorten(str(key))}' is given twice in one mapping "
                                        f"(again at line {m.line + 1}, column {m.column + 1})")
                seen.add(key)
        return mapping


class _DuplicateKey(yaml.YAMLError):
    pass


_DIGITS = "0123456789"
for _tag, _regexp, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$", "-+" + _DIGITS),
    ("float", r"^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+." + _DIGITS),
):
    _ExactLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_regexp), list(_first))


def _exact_float(loader: _ExactLoader, node: yaml.Node) -> Fraction | str:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return parse_exact(text)
    except ValueError:
        return text  # too long/large/small, .inf, .nan: reported by the number check with the field name


def _exact_int(loader: _ExactLoader, node: yaml.Node) -> int | str:
    text = loader.construct_scalar(node).replace("_", "")
    body = text.lstrip("+-")
    if len(body) > MAX_DIGITS or not body:
        return text  # reported by the number check with the field name ("number too long")
    sign = -1 if text.startswith("-") else 1
    for prefix, base in (("0o", 8), ("0x", 16)):
        if body.startswith(prefix):
            return sign * int(body[2:], base)
    return sign * int(body)


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _exact_float)
_ExactLoader.add_constructor("tag:yaml.org,2002:int", _exact_int)


def read_yaml(text: str, name: str = "spec") -> Any:
    try:
        return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a safe constructor
    except _DuplicateKey as exc:
        raise SpecError(name, str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "maximum nesting depth" in problem:  # libyaml ≥ 0.2.6 stops at 1,000 levels, before the composer looks
            problem = f"nested more than {LIMITS['nesting']} levels deep"
        raise SpecError(name, f"not valid YAML{where}: {problem}") from None
    except (ValueError, RecursionError) as exc:  # a constructor's own complaint, e.g. bad base64
        raise SpecError(name, f"not valid YAML: {exc.__class__.__name__}: {shorten(str(exc), 80)}") from None


def read_text(path: str | Path) -> str:
    """The text of a spec file, refused before reading when it is not a regular file or
    larger than ``LIMITS["spec_bytes"]`` (and never read past that size)."""
    p = Path(path)
    cap = LIMITS["spec_bytes"]
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise SpecError(str(p), "is a folder, not a spec file")
        if not stat.S_ISREG(st.st_mode):
            raise SpecError(str(p), "is not a regular file (a device, pipe or socket); give a .yaml file")
        if st.st_size > cap:
            raise SpecError(str(p), f"is {st.st_size:,} bytes, over the limit of {cap:,} for a spec file")
        with p.open("rb") as f:
            data = f.read(cap + 1)
    except FileNotFoundError:
        raise SpecError(str(p), "no such file") from None
    except NotADirectoryError:
        raise SpecError(str(p), "no such file (a part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise SpecError(str(p), f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    if len(data) > cap:
        raise SpecError(str(p), f"is over the limit of {cap:,} bytes for a spec file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(str(p), f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start:,})") from None


def load(path: str | Path) -> Spec:
    return parse(read_yaml(read_text(path), str(path)))


# ---------------------------------------------------------------------------
# field checks


def _keys(d: Any, where: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
    if not isinstance(d, dict):
        raise SpecError(where or "spec", f"expected a mapping, got {_kind(d)}")
    for k in d:
        if k not in allowed:
            hint = ", ".join(sorted(allowed))
            raise SpecError(_join(where, shorten(str(k))), f"unknown key (allowed here: {hint})")
    for k in sorted(required):
        if k not in d:
            raise SpecError(_join(where, k), "required")
    return d


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, Fraction)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return f"a list of {len(v)}"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__


def number(v: Any, where: str) -> Fraction:
    if isinstance(v, bool) or v is None:
        raise SpecError(where, f"expected a number, got {_kind(v)}")
    if isinstance(v, (int, Fraction)):  # (a YAML hex or octal integer, or a number given from Python)
        try:
            return check_magnitude(Fraction(v), str(v))
        except ValueError as exc:
            raise SpecError(where, str(exc)) from None
    if isinstance(v, float):  # from yaml.safe_load or Python: the number its shortest text means (0.1 → 1/10)
        if not math.isfinite(v):
            raise SpecError(where, f"expected a finite number, got {v}")
        v = repr(v)  # then read like the text, within the same limits
    if isinstance(v, str):
        try:
            return parse_exact(v)
        except ValueError as exc:
            raise SpecError(where, str(exc)) from None
    raise SpecError(where, f"expected a number, got {_kind(v)}")


def integer(v: Any, where: str, low: int, high: int) -> int:
    if isinstance(v, str):
        try:
            parse_exact(v)  # a number too long or large to read says so
        except ValueError as exc:
            if str(exc).startswith("number too"):
                raise SpecError(where, str(exc)) from None
    if isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(where, f"expected a whole number, got {_kind(v)}")
    if not low <= v <= high:
        raise SpecError(where, f"expected {low} to {high:,}, got {v:,}")
    return v


def boolean(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        hint = " (handcalc reads YAML 1.2, where yes/no/on/off are text)" if isinstance(v, str) and \
            v.lower() in ("yes", "no", "on", "off", "y", "n") else ""
        raise SpecError(where, f"expected true or false, got {_kind(v)}{hint}")
    return v


_INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me")  # control, format (zero-width), spaces, marks alone


def text(v: Any, where: str, line: bool = False, blank: bool = True) -> str:
    """Text of a spec field.  Control characters (escape codes, NUL, …) are refused, so
    none can reach a terminal or a page; ``line`` text (titles, names) may not hold a
    line break either, and without ``blank`` it must show at least one visible character."""
    if not isinstance(v, str):
        raise SpecError(where, f"expected text, got {_kind(v)}")
    allowed = "" if line else "\t\n\r"
    bad = next((c for c in v if unicodedata.category(c) == "Cc" and c not in allowed), None)
    if bad is not None:
        raise SpecError(where, f"must not hold control characters (found U+{ord(bad):04X})")
    if not blank and all(unicodedata.category(c) in _INVISIBLE for c in v):
        raise SpecError(where, "must not be empty (it needs at least one visible character)")
    if line:
        if any(unicodedata.category(c) in ("Zl", "Zp") for c in v):  # U+2028, U+2029
            raise SpecError(where, "must stay on one line (found a line or paragraph separator)")
        if len(v) > LIMITS["line_chars"]:
            raise SpecError(where, f"at most {LIMITS['line_chars']} characters on its one line, got {len(v):,}")
    return v


def choice(v: Any, where: str, options: list[str] | dict) -> str:
    if not isinstance(v, str) or v not in options:
        got = f"'{shorten(v)}'" if isinstance(v, str) else _kind(v)
        raise SpecError(where, f"expected one of {' | '.join(options)}, got {got}")
    return v


def vector(v: Any, where: str, length: int | None = None) -> Vector:
    if isinstance(v, (int, Fraction, str)) and not isinstance(v, bool) and length == 1:
        v = [v]
    if not isinstance(v, list):
        raise SpecError(where, f"expected a list of numbers, got {_kind(v)}")
    if length is not None and len(v) != length:
        raise SpecError(where, f"expected {length} number{'' if length == 1 else 's'}, got {len(v)}")
    return tuple(number(x, f"{where}[{i}]") for i, x in enumerate(v))


def matrix(v: Any, where: str, rows: int, cols: int, why: str = "") -> Matrix:
    """A ``rows``×``cols`` list of lists of numbers; ``why`` says where the expected shape comes from."""
    if not isinstance(v, list) or not all(isinstance(r, list) for r in v):
        raise SpecError(where, f"expected a {rows}×{cols} list of lists{why}, got {_kind(v)}")
    widths = {len(r) for r in v}
    if len(v) != rows or widths != {cols}:
        got = f"{len(v)}×{widths.pop()}" if len(widths) == 1 else f"rows of lengths {[len(r) for r in v]}"
        raise SpecError(where, f"expected {rows}×{cols}{why}, got {got}")
    return tuple(tuple(number(x, f"{where}[{i}][{j}]") for j, x in enumerate(r)) for i, r in enumerate(v))


def names(v: Any, where: str, count: int) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in v):
        raise SpecError(where, f"expected a list of names, got {_kind(v)}")
    if len(v) != count:
        raise SpecError(where, f"expected {count} name{'' if count == 1 else 's'}, got {len(v)}")
    return tuple(text(str(x), f"{where}[{i}]", line=True, blank=False) for i, x in enumerate(v))


# ---------------------------------------------------------------------------
# the spec

TOP = {
    "title", "notation", "inputs", "outputs", "layers", "loss", "learning_rate", "data",
    "training", "init", "display", "description", "source", "see_also",
}
LAYER = {"units", "activation", "weights", "bias", "trainable_bias", "negative_slope"}


def check_init(init: Init, where: str = "init", low_name: str = "init.low", high_name: str = "init.high") -> Init:
    """Refuse bounds no hand-friendly number fits: low above high, or no value of
    the chosen precision (whole numbers, or ``decimals`` places) between them."""
    low, high = to_decimal_string(Num(init.low)), to_decimal_string(Num(init.high))
    if init.low > init.high:
        raise SpecError(low_name, f"must not exceed {high_name} ({high}), got {low}")
    step = 1 if init.integers else Fraction(1, 10**init.decimals)
    if math.floor(init.high / step) < math.ceil(init.low / step):
        what = "whole number" if init.integers else f"number of {init.decimals} decimal{'s' * (init.decimals != 1)}"
        raise SpecError(where, f"no {what} lies between low ({low}) and high ({high})")
    return init


def draw(init: Init, rng: random.Random, count: int) -> list[Fraction]:
    """Hand-friendly random numbers: uniform in [low, high], rounded to ``decimals``
    (or whole numbers with ``integers``)."""
    check_init(init)
    if init.integers:
        lo, hi = math.ceil(init.low), math.floor(init.high)
        return [Fraction(rng.randint(lo, hi)) for _ in range(count)]
    scale = 10**init.decimals
    lo, hi = math.ceil(init.low * scale), math.floor(init.high * scale)
    return [Fraction(rng.randint(lo, hi), scale) for _ in range(count)]


def _init(d: Any) -> Init:
    d = _keys({} if d is None else d, "init", {"seed", "low", "high", "decimals", "integers"})
    return check_init(Init(
        seed=integer(d.get("seed", 0), "init.seed", 0, 2**63),
        low=number(d.get("low", Fraction(-1, 2)), "init.low"),
        high=number(d.get("high", Fraction(1, 2)), "init.high"),
        decimals=integer(d.get("decimals", 1), "init.decimals", 0, LIMITS["decimals"]),
        integers=boolean(d.get("integers", False), "init.integers"),
    ))


def _count_parameters(d: list, n_inputs: int | None, notation: str) -> None:
    """Refuse a network of more than ``LIMITS["parameters"]`` weights and biases before any
    weight is read or drawn (the layers' own checks come after)."""
    first = d[0] if isinstance(d[0], dict) else {}
    w = first.get("weights")
    if n_inputs is None and isinstance(w, list) and w and all(isinstance(r, list) for r in w):
        n_inputs = len(w) if notation == "row" else len(w[0])
    fan_in = n_inputs or 1
    total = 0
    for n, raw in enumerate(d):
        units = raw.get("units") if isinstance(raw, dict) else None
        if not isinstance(units, int) or isinstance(units, bool) or not 1 <= units <= LIMITS["units"]:
            return  # the layer's own check names the problem
        total += min(fan_in, LIMITS["units"]) * units + units
        if total > LIMITS["parameters"]:
            raise SpecError(f"layers[{n}].units", f"the layers up to this one have {total:,} weights and biases, "
                            f"over the limit of {LIMITS['parameters']:,}; use fewer or narrower layers")
        fan_in = units


def _layers(d: list, notation: str, n_inputs: int | None, init: Init) -> tuple[LayerSpec, ...]:
    if not isinstance(d, list) or not d:
        raise SpecError("layers", f"expected a non-empty list of layers, got {_kind(d)}")
    if len(d) > LIMITS["layers"]:
        raise SpecError("layers", f"at most {LIMITS['layers']} layers, got {len(d)}")
    rng = random.Random(init.seed)
    _count_parameters(d, n_inputs, notation)
    out: list[LayerSpec] = []
    fan_in = n_inputs

    def why(n: int, raw_units: int) -> str:
        """The first layer's shape follows the names in `inputs`; the message says so."""
        if n or n_inputs is None:
            return ""
        names, units = f"{n_inputs} input{'s' * (n_inputs != 1)} named", f"{raw_units} unit{'s' * (raw_units != 1)}"
        return f" ({names} × {units})" if notation == "row" else f" ({units} × {names})"
    for n, raw in enumerate(d):
        where = f"layers[{n}]"
        raw = _keys(raw, where, LAYER, {"units", "activation"})
        units = integer(raw["units"], f"{where}.units", 1, LIMITS["units"])
        act = choice(raw["activation"], f"{where}.activation", list(ACTIVATIONS))
        if ACTIVATIONS[act].last_only and n != len(d) - 1:
            raise SpecError(f"{where}.activation", f"{act} is only supported on the last layer")
        w = raw.get("weights")
        if fan_in is None:  # the first layer fixes the input count
            if w is None:
                raise SpecError("inputs", "name the inputs or give layers[0].weights")
            if not isinstance(w, list) or not w or not all(isinstance(r, list) for r in w):
                raise SpecError(f"{where}.weights", f"expected a list of lists, got {_kind(w)}")
            fan_in = len(w) if notation == "row" else len(w[0])
            if fan_in < 1:
                raise SpecError(f"{where}.weights", "expected at least one input, got none")
            if fan_in > LIMITS["units"]:
                raise SpecError(f"{where}.weights", f"at most {LIMITS['units']} inputs, got {fan_in}")
        if w is None or w == "random":
            vals = draw(init, rng, fan_in * units)
            weights = tuple(tuple(vals[i * units + j] for j in range(units)) for i in range(fan_in))
        elif notation == "row":
            weights = matrix(w, f"{where}.weights", fan_in, units, why(n, units))
        else:
            m = matrix(w, f"{where}.weights", units, fan_in, why(n, units))
            weights = tuple(tuple(m[j][i] for j in range(units)) for i in range(fan_in))
        b = raw.get("bias")
        if b is None:
            bias = None
        elif b == "random":
            bias = tuple(draw(init, rng, units))
        else:
            bias = vector(b, f"{where}.bias", units)
        trainable = boolean(raw.get("trainable_bias", True), f"{where}.trainable_bias")
        slope = number(raw.get("negative_slope", Fraction(1, 100)), f"{where}.negative_slope")
        out.append(LayerSpec(units, act, weights, bias, trainable, slope))
        fan_in = units
    return tuple(out)


def _samples(d: Any, where: str, n_in: int, n_out: int, need_y: bool) -> tuple[Sample, ...]:
    if d is None:
        return ()
    if not isinstance(d, list):
        raise SpecError(where, f"expected a list of samples, got {_kind(d)}")
    if len(d) > LIMITS["samples"]:
        raise SpecError(where, f"at most {LIMITS['samples']:,} samples, got {len(d):,}")
    out = []
    for i, s in enumerate(d):
        w = f"{where}[{i}]"
        s = _keys(s, w, {"x", "y"}, {"x"} | ({"y"} if need_y else set()))
        x = vector(s["x"], f"{w}.x", n_in)
        y = vector(s["y"], f"{w}.y", n_out) if "y" in s else None
        out.append(Sample(x, y))
    return tuple(out)


def _data(d: Any, n_in: int, n_out: int, need_y: bool) -> tuple[tuple[Sample, ...], tuple[Sample, ...]]:
    d = _keys(d, "data", {"train", "test", "generate"})
    if "generate" in d:
        if "train" in d or "test" in d:
            raise SpecError("data.generate", "give either generate or train/test, not both")
        g = _keys(d["generate"], "data.generate", set(datasets.OPTIONS), {"kind"})
        kind = choice(g["kind"], "data.generate.kind", list(datasets.GENERATORS))
        opts = _generate_options(g, n_in, n_out)
        train, test = datasets.GENERATORS[kind](**opts)
        to_s = lambda rows: tuple(Sample(tuple(x), tuple(y)) for x, y in rows)  # noqa: E731
        return to_s(train), to_s(test)
    if "train" not in d:
        raise SpecError("data.train", "required")
    train = _samples(d["train"], "data.train", n_in, n_out, need_y)
    test = _samples(d.get("test"), "data.test", n_in, n_out, need_y)
    return train, test


def _targets(loss: str | None, train: tuple[Sample, ...], test: tuple[Sample, ...]) -> None:
    """The targets a loss accepts (its registry entry's ``targets``): cross-entropy targets are
    probabilities, 0 ≤ y ≤ 1 for bce, y ≥ 0 for cce (any other makes the loss negative or meaningless)."""
    accepted = LOSSES[loss].targets if loss else None
    if accepted is None:
        return
    need = f"of at least {accepted.low}" if accepted.high is None else f"from {accepted.low} to {accepted.high}"
    for where, samples in (("data.train", train), ("data.test", test)):
        for i, s in enumerate(samples):
            for j, y in enumerate(s.y or ()):
                if not accepted.contains(y):
                    raise SpecError(f"{where}[{i}].y[{j}]", f"{loss} needs targets {need}, got {y}")


def _generate_options(g: dict[str, Any], n_in: int, n_out: int) -> dict[str, Any]:
    """The options of ``data.generate``, checked (:mod:`handcalc.core.datasets` makes the data)."""
    if n_in != 2:
        raise SpecError("data.generate", f"generated data sets have 2 inputs, the network has {n_in}")
    if n_out not in (1, 2):
        raise SpecError("data.generate", f"generated data sets need 1 or 2 outputs, the network has {n_out}")
    opts = {
        "samples": integer(g.get("samples", datasets.OPTIONS["samples"]), "data.generate.samples", 4, 100_000),
        "seed": integer(g.get("seed", 0), "data.generate.seed", 0, 2**63),
        "noise": number(g.get("noise", datasets.OPTIONS["noise"]), "data.generate.noise"),
        "test_fraction": number(g.get("test_fraction", datasets.OPTIONS["test_fraction"]),
                                "data.generate.test_fraction"),
        "decimals": integer(g.get("decimals", 2), "data.generate.decimals", 0, 8),
        "standardize": boolean(g.get("standardize", False), "data.generate.standardize"),
        "center": number(g.get("center", 1), "data.generate.center"),
        "one_hot": n_out == 2,
    }
    if opts["noise"] < 0:
        raise SpecError("data.generate.noise", "expected a number ≥ 0")
    if not 0 <= opts["test_fraction"] < 1:
        raise SpecError("data.generate.test_fraction", "expected a number from 0 up to (not including) 1")
    return opts


def parse(d: Any) -> Spec:
    """Check a loaded YAML document and build the :class:`Spec`."""
    d = _keys(d, "", TOP, {"title", "layers"})
    title = text(d["title"], "title", line=True, blank=False)
    notation = choice(d.get("notation", "row"), "notation", ["row", "column"])
    init = _init(d.get("init"))
    # the names in `inputs` fix the input count (the first layer's weights are checked against
    # them); without names, the first layer's weights do
    named = names(d["inputs"], "inputs", len(d["inputs"]) if isinstance(d["inputs"], list) else 0) \
        if "inputs" in d else None
    if named == ():
        raise SpecError("inputs", "expected at least one name, got none")
    if named is not None and len(named) > LIMITS["units"]:
        raise SpecError("inputs", f"at most {LIMITS['units']} inputs, got {len(named)}")
    layers = _layers(d["layers"], notation, None if named is None else len(named), init)
    n_inputs, n_outputs = len(layers[0].weights), layers[-1].units
    inputs = named if named is not None else tuple(f"x{i + 1}" for i in range(n_inputs))
    outputs = names(d["outputs"], "outputs", n_outputs) if "outputs" in d else tuple(
        f"y{j + 1}" if n_outputs > 1 else "y" for j in range(n_outputs))
    loss = choice(d["loss"], "loss", list(LOSSES)) if d.get("loss") is not None else None
    lr = number(d.get("learning_rate", Fraction(1, 10)), "learning_rate")
    if lr <= 0:
        raise SpecError("learning_rate", f"expected a positive number, got {lr}")
    if "data" not in d:
        raise SpecError("data", "required (data.train lists the samples)")
    train, test = _data(d["data"], n_inputs, n_outputs, need_y=loss is not None)
    _targets(loss, train, test)
    training = _training(d.get("training"), loss, train, layers)
    _forward_work(train, test, training, loss, layers)
    seed = init.seed
    disp = _keys({} if d.get("display") is None else d["display"], "display", {"decimals", "rounding"})
    display = Display(
        decimals=integer(disp.get("decimals", 4), "display.decimals", 0, LIMITS["decimals"]),
        rounding=choice(disp.get("rounding", "exact"), "display.rounding", ["exact", "hand"]),
    )
    return Spec(
        title=title, notation=notation, inputs=inputs, outputs=outputs, layers=layers, loss=loss,
        learning_rate=lr, train=train, test=test, training=training, init=init, display=display,
        description=text(d.get("description", ""), "description"),
        source=text(d.get("source", ""), "source"), see_also=_see_also(d.get("see_also")), seed=seed, raw=d,
    )


def _see_also(d: Any) -> tuple[SeeAlso, ...]:
    if d is None:
        return ()
    if not isinstance(d, list):
        raise SpecError("see_also", f"expected a list of links, got {_kind(d)}")
    out = []
    for i, item in enumerate(d):
        where = f"see_also[{i}]"
        item = _keys(item, where, {"example", "note"}, {"example"})
        name = text(item["example"], f"{where}.example")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
            raise SpecError(f"{where}.example", f"expected the name of an example's page folder (its spec file "
                            f"name without .yaml, in lower-case letters, digits and dashes), got {name!r}")
        out.append(SeeAlso(name, " ".join(text(item.get("note", ""), f"{where}.note").split())))
    return tuple(out)


def _training(d: Any, loss: str | None, train: tuple[Sample, ...], layers: tuple[LayerSpec, ...]) -> Training:
    d = _keys({} if d is None else d, "training", {"epochs", "batch_size", "shuffle", "exact_steps", "worked_step"})
    epochs = integer(d.get("epochs", 1 if loss else 0), "training.epochs", 0, LIMITS["epochs"])
    if loss and epochs and not train:
        raise SpecError("data.train", f"no samples to train on: with a loss ({loss}) give at least one "
                        "training sample, or set training.epochs: 0")
    n = max(len(train), 1)
    bs = integer(d.get("batch_size", 1), "training.batch_size", 1, LIMITS["samples"])
    if bs > n:
        raise SpecError("training.batch_size", f"expected at most the {n} training samples, got {bs}")
    shuffle = boolean(d.get("shuffle", False), "training.shuffle")
    updates = epochs * math.ceil(n / bs) if loss else 0
    weights = sum(len(lay.weights) * lay.units + lay.units for lay in layers)
    float_work = epochs * len(train) * weights
    if float_work > LIMITS["float_work"]:
        raise SpecError("training.epochs", f"{epochs:,} epochs × {len(train):,} samples × {weights:,} "
                        f"parameters is {float_work:.2e} multiply-adds, over the limit of "
                        f"{LIMITS['float_work']:.0e}; train for fewer epochs")
    if updates > LIMITS["updates"]:
        raise SpecError("training.epochs", f"{epochs:,} epochs of {math.ceil(n / bs):,} updates each are {updates:,} "
                        f"updates, over the limit of {LIMITS['updates']:,}; train for fewer epochs or use a larger "
                        "training.batch_size")
    exact_default = min(updates, 100)
    exact = integer(d.get("exact_steps", exact_default), "training.exact_steps", 0, max(updates, 0))
    exact_work = exact * bs * weights * 3
    if exact_work > LIMITS["exact_work"]:
        fit = max(LIMITS["exact_work"] // (bs * weights * 3), 0)
        raise SpecError("training.exact_steps", f"{exact:,} exact steps of {bs} samples need about "
                        f"{exact_work:,} exact multiply-adds, over the limit of {LIMITS['exact_work']:,}; "
                        f"set training.exact_steps to at most {fit} (the float64 path does the rest)")
    worked = 1
    if "worked_step" in d:
        worked = integer(d["worked_step"], "training.worked_step", -(2**63), 2**63)  # a whole number
        if not exact:
            raise SpecError("training.worked_step", "there is no exact step to work (training.exact_steps is 0)")
        if not 1 <= worked <= exact:
            raise SpecError("training.worked_step", f"expected 1 to {exact} (training.exact_steps), got {worked:,}")
    return Training(epochs=epochs, batch_size=bs, shuffle=shuffle, exact_steps=exact, worked_step=worked)


def _forward_work(train: tuple[Sample, ...], test: tuple[Sample, ...], training: Training, loss: str | None,
                  layers: tuple[LayerSpec, ...]) -> None:
    """The exact forward passes outside training: every training sample of a spec that does
    not train (its pages show them all) and every test sample, each one pass over the weights."""
    weights = sum(len(lay.weights) * lay.units for lay in layers)
    trains = loss is not None and training.epochs > 0 and bool(train)
    passes = (0 if trains else len(train)) + len(test)
    work = passes * weights
    if work > LIMITS["forward_work"]:
        where = "data.test" if trains else "data.train"
        raise SpecError(where, f"{passes:,} exact forward passes over {weights:,} weights need about {work:,} "
                        f"exact multiply-adds, over the limit of {LIMITS['forward_work']:,}; give fewer samples "
                        f"(at most {LIMITS['forward_work'] // weights:,}) or a smaller network")
