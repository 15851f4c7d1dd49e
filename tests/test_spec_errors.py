"""One test per class of bad spec, through the command line.

Every bad spec must end with exit status 2 and one or two lines on stderr that start
with ``handcalc:`` and name the field (``layers[1].weights: expected 1×2, got 2×1``),
never a traceback, and no command may leave half a file behind: ``new`` writes no
spec and ``worksheet`` creates no folder.

Most cases run in-process with click's ``CliRunner`` (fast; an escaped exception shows
up as ``result.exception``); the ones where the operating system or the YAML parser
is involved (unsafe tags, a folder, a missing file, huge requests) run the installed
``handcalc`` in a subprocess, where a traceback would be seen as it is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from handcalc.cli import main
from handcalc.core import engine
from handcalc.core import spec as spec_mod

HANDCALC = Path(sys.executable).parent / "handcalc"

#: a small valid spec; each case below breaks one thing in it
GOOD = """\
title: A small network
notation: row
inputs: [a, b]
outputs: [y]
layers:
  - units: 2
    activation: relu
    weights: [[1, 2], [3, 4]]
    bias: [0, 1]
  - units: 1
    activation: linear
    weights: [[1], [2]]
    bias: [0]
loss: mse
learning_rate: 0.1
data:
  train: [{x: [1, 2], y: [0.5]}]
"""

Change = Callable[[dict[str, Any]], None] | str


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets one key, e.g. ``_set("layers.0.bias", [0, 1, 2])``."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc.pop(key)


def _rename_in_layer(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["layers"][0][new] = doc["layers"][0].pop(old)

    return change


def _column_written_as_rows(doc: dict[str, Any]) -> None:
    """Column notation, but layer 2's weights left in row orientation (2×1 instead of 1×2)."""
    doc["notation"] = "column"
    doc["layers"][0]["weights"] = [list(c) for c in zip(*doc["layers"][0]["weights"])]


def write_spec(folder: Path, change: Change) -> Path:
    path = folder / "bad.yaml"
    if isinstance(change, str):
        path.write_text(change, encoding="utf-8")
    else:
        doc = yaml.safe_load(GOOD)
        change(doc)
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# (id, change, field the message must name, the key part of the message)
LOAD_ERRORS = [
    ("yaml-syntax", "title: [unclosed\nlayers: x\n", r"\S*/bad\.yaml", r"not valid YAML \(line 2, column \d+\)"),
    ("top-level-list", "- title\n- layers\n", "spec", "expected a mapping, got a list of 2"),
    # 300 aliases of one 512-number sample: a 150 kB file that stands for 150,000 numbers (a hostile-input
    # audit's 405 kB version ran for 3 minutes in 5 GB)
    ("alias-bomb", "title: t\nlayers: [{units: 1, activation: linear}]\ndata:\n  train:\n    - &s {x: ["
     + ", ".join(["0.5"] * 512) + "]}\n" + "    - *s\n" * 300, r"\S*/bad\.yaml",
     r"not valid YAML: its aliases \(\*name\) repeat more than 100,000 values"),
    ("top-level-text", "just a sentence\n", "spec", "expected a mapping, got text"),
    ("empty-file", "", "spec", "expected a mapping, got nothing"),
    ("unknown-top-key", _set("lerning_rate", 0.1), "lerning_rate", r"unknown key \(allowed here: .*learning_rate"),
    ("hex-too-large", GOOD.replace("learning_rate: 0.1", "learning_rate: 0x" + "f" * 98), "learning_rate",
     r"number too large: .* \(a number must be below 1e100 in size\)"),
    ("title-too-long", _set("title", "word " * 100), "title", "at most 200 characters on its one line, got 500"),
    ("title-paragraph-separator", _set("title", "a\u2029b"), "title", "must stay on one line"),
    ("unknown-long-key", _set("k" * 900_000, 1), r"k{40}… \(900,000 characters\)", r"unknown key"),
    ("unknown-layer-key", _rename_in_layer("activation", "activaton"), r"layers\[0\]\.activaton",
     r"unknown key \(allowed here: activation, "),
    ("missing-title", _drop("title"), "title", "required"),
    ("blank-title", _set("title", "   "), "title", "must not be empty"),
    ("row-weights-shape", _set("layers.0.weights", [[1, 2, 3], [4, 5, 6]]), r"layers\[0\]\.weights",
     r"expected 2×2 \(2 inputs named × 2 units\), got 2×3"),
    # the names fix the input count: a transposed first layer is told the shape it should have
    ("transposed-first-layer", lambda d: d["layers"][0].update(units=3, weights=[[1, 2], [3, 4], [5, 6]],
                                                                bias=[0, 0, 0]) or d["layers"][1].update(
        weights=[[1], [2], [3]]), r"layers\[0\]\.weights", r"expected 2×3 \(2 inputs named × 3 units\), got 3×2"),
    ("ragged-rows-in-order", _set("layers.1.weights", [[1, 2, 3], [4]]), r"layers\[1\]\.weights",
     r"got rows of lengths \[3, 1\]"),
    ("column-weights-shape", _column_written_as_rows, r"layers\[1\]\.weights", "expected 1×2, got 2×1"),
    ("ragged-weights", _set("layers.1.weights", [[1], [2, 3]]), r"layers\[1\]\.weights",
     r"expected 2×1, got rows of lengths \[1, 2\]"),
    ("bias-length", _set("layers.0.bias", [0, 1, 2]), r"layers\[0\]\.bias", "expected 2 numbers, got 3"),
    ("word-for-number", _set("layers.0.weights", [[1, "abc"], [3, 4]]), r"layers\[0\]\.weights\[0\]\[1\]",
     "'abc' is not a number"),
    ("divide-by-zero", _set("layers.1.bias", ["1/0"]), r"layers\[1\]\.bias\[0\]", "'1/0' divides by zero"),
    ("infinity", GOOD.replace("learning_rate: 0.1", "learning_rate: .inf"), "learning_rate",
     r"'\.inf' is not a number"),
    ("unknown-activation", _set("layers.0.activation", "rleu"), r"layers\[0\]\.activation",
     r"expected one of relu \| .*, got 'rleu'"),
    ("softmax-hidden", _set("layers.0.activation", "softmax"), r"layers\[0\]\.activation",
     "softmax is only supported on the last layer"),
    ("unknown-loss", _set("loss", "rmse"), "loss", r"expected one of difference \| .*, got 'rmse'"),
    ("input-names-count", _set("inputs", ["a", "b", "c"]), r"layers\[0\]\.weights",
     r"expected 3×2 \(3 inputs named × 2 units\), got 2×2"),
    ("output-names-count", _set("outputs", ["y", "z"]), "outputs", "expected 1 names?, got 2"),
    ("x-length", _set("data.train.0.x", [1, 2, 3]), r"data\.train\[0\]\.x", "expected 2 numbers, got 3"),
    ("y-length", _set("data.train.0.y", [0.5, 1]), r"data\.train\[0\]\.y", "expected 1 number, got 2"),
    ("missing-y", _set("data.train.0", {"x": [1, 2]}), r"data\.train\[0\]\.y", "required"),
    ("bce-target", lambda d: d.update(loss="bce", data={"train": [{"x": [1, 2], "y": [2]}]}),
     r"data\.train\[0\]\.y\[0\]", "bce needs targets from 0 to 1, got 2"),
    ("cce-target", lambda d: d.update(loss="cce", data={"train": [{"x": [1, 2], "y": [-1]}]}),
     r"data\.train\[0\]\.y\[0\]", "cce needs targets of at least 0, got -1"),
    ("zero-learning-rate", _set("learning_rate", 0), "learning_rate", "expected a positive number, got 0"),
    ("negative-learning-rate", _set("learning_rate", "-1/4"), "learning_rate",
     "expected a positive number, got -1/4"),
    ("empty-train-with-loss", _set("data", {"train": []}), r"data\.train", "no samples to train on"),
    ("missing-data", _drop("data"), "data", "required"),
    ("batch-larger-than-data", _set("training", {"batch_size": 5}), r"training\.batch_size",
     "expected at most the 1 training samples, got 5"),
    ("epochs-not-a-number", _set("training", {"epochs": "ten"}), r"training\.epochs",
     "expected a whole number, got text"),
    ("unknown-rounding", _set("display", {"rounding": "bankers"}), r"display\.rounding",
     r"expected one of exact \| hand, got 'bankers'"),
]


def message_of(stderr: str) -> str:
    """The user-facing message: one or two lines, ``handcalc: …``, no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, stderr
    assert lines[0].startswith("handcalc: "), stderr
    return lines[0]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("change", "field", "key"), [pytest.param(c, f, k, id=i) for i, c, f, k in LOAD_ERRORS])
def test_bad_spec_is_refused_by_every_command(tmp_path: Path, change: Change, field: str, key: str) -> None:
    bad = write_spec(tmp_path, change)
    out_spec, out_dir = tmp_path / "out.yaml", tmp_path / "sheets"
    for args in (["run", str(bad)], ["run", str(bad), "--json"], ["check", str(bad)],
                 ["new", str(bad), "--seed", "1", "-o", str(out_spec)],
                 ["worksheet", str(bad), "-o", str(out_dir), "--format", "html"]):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.output)
        assert isinstance(r.exception, SystemExit), r.exception  # anything else is an escaped error
        line = message_of(r.stderr)
        assert re.search(rf"^handcalc: {field}: .*{key}", line), line
        assert r.stdout == "", r.stdout  # not even half a JSON object
    assert not out_spec.exists()
    assert not out_dir.exists()


def test_good_spec_used_by_the_cases_is_accepted(tmp_path: Path) -> None:
    """The base of every case above is itself valid, so each case fails for its one change."""
    good = write_spec(tmp_path, lambda doc: None)
    assert invoke("run", str(good)).exit_code == 0
    assert invoke("new", str(good), "--seed", "1", "-o", str(tmp_path / "out.yaml")).exit_code == 0


def test_prediction_outside_the_loss_domain_stops_the_step(tmp_path: Path) -> None:
    """bce on a linear output: the spec loads (handcalc does not insist on sigmoid), but
    ŷ = 15 has no logarithm of 1 − ŷ, so the step is refused with its step and sample."""
    bad = write_spec(tmp_path, lambda d: d.update(loss="bce", data={"train": [{"x": [1, 2], "y": [1]}]}))
    out_dir = tmp_path / "sheets"
    for args in (["run", str(bad)], ["check", str(bad)], ["worksheet", str(bad), "-o", str(out_dir)]):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.output)
        assert isinstance(r.exception, SystemExit), r.exception
        line = message_of(r.stderr)
        assert re.search(r"^handcalc: step 1: ŷ1 of training sample 1 is \S+, where bce is undefined "
                         r"\(it needs ŷ in \(0, 1\)\)", line), line
    assert not out_dir.exists()


# ---------------------------------------------------------------------------
# the installed command, in a subprocess


def handcalc(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HANDCALC), *args], capture_output=True, text=True, timeout=timeout)


def test_unsafe_yaml_tag_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    bad = write_spec(tmp_path, GOOD.replace("title: A small network",
                                            f'title: !!python/object/apply:os.system ["touch {marker}"]'))
    out = tmp_path / "out.yaml"
    for args in (["run", str(bad)], ["new", str(bad), "--seed", "1", "-o", str(out)]):
        done = handcalc(*args)
        assert done.returncode == 2, done.stderr
        line = message_of(done.stderr)
        assert re.search(r"bad\.yaml: not valid YAML \(line 1, column \d+\): could not determine a constructor "
                         r"for the tag .*python/object/apply:os\.system", line), line
    assert not marker.exists()
    assert not out.exists()


@pytest.mark.parametrize(("training", "field", "limit"), [
    pytest.param({"epochs": 1_000_000_000}, r"training\.epochs", "expected 0 to 1,000,000, got 1,000,000,000",
                 id="a-billion-epochs"),
    pytest.param({"epochs": 1_000_000, "batch_size": 400}, r"training\.epochs",
                 r"over the limit of 2e\+10; train for fewer epochs", id="a-million-epochs-of-400-samples"),
    # under the float64 work limit (8.8e9), but 2 million updates at tens of µs each (a hostile-input audit
    # found a spec within every limit that would train for days)
    pytest.param({"epochs": 5_000, "batch_size": 1}, r"training\.epochs",
                 r"5,000 epochs of 400 updates each are 2,000,000 updates, over the limit of 1,000,000; train for "
                 r"fewer epochs or use a larger "
                 r"training\.batch_size", id="millions-of-small-updates"),
    pytest.param({"epochs": 10, "batch_size": 400, "exact_steps": 10}, r"training\.exact_steps",
                 r"over the limit of 4,000,000; set training\.exact_steps to at most \d+", id="too-many-exact-steps"),
])
def test_requests_too_big_to_finish_are_refused_at_once(tmp_path: Path, training: dict, field: str,
                                                        limit: str) -> None:
    """The refusal states the limit and comes before any work: the command ends long before
    the timeout (a billion epochs would otherwise run for days)."""

    def change(doc: dict[str, Any]) -> None:
        doc["layers"] = [{"units": 64, "activation": "relu"}, {"units": 64, "activation": "relu"},
                         {"units": 1, "activation": "sigmoid"}]
        doc.update(loss="bce", training=training, data={"generate": {"kind": "moons", "samples": 500}})

    bad = write_spec(tmp_path, change)
    done = handcalc("run", str(bad), timeout=30)
    assert done.returncode == 2, done.stderr
    assert re.search(rf"^handcalc: {field}: .*{limit}", message_of(done.stderr)), done.stderr


GROWING = """\
title: A rational network whose fractions grow with every exact step
layers:
  - {units: 5, activation: linear, weights: [["1/3", 0.25, -0.5, "2/7", 0.7], [0.1, "-1/7", 0.3, 0.4, 0.5]],
     bias: [0.1, 0.2, 0.3, 0.4, 0.5]}
  - {units: 5, activation: linear, weights: [[0.1, 0.2, 0.3, 0.4, 0.5], [0.2, 0.3, 0.4, 0.5, 0.6],
     ["1/3", 0.4, 0.5, 0.6, 0.7], [0.4, 0.5, 0.6, 0.7, 0.8], [0.5, 0.6, 0.7, 0.8, "2/7"]],
     bias: [0.1, 0.1, 0.1, 0.1, 0.1]}
  - {units: 1, activation: linear, weights: [[0.3], [0.2], [0.1], ["1/3"], [0.5]], bias: [0.1]}
loss: mse
learning_rate: 0.25
data:
  train: [{x: [1.5, 0.7], y: [1]}, {x: [0.3, 1.9], y: [-1]}, {x: [1.1, 0.2], y: [0.5]}, {x: [0.9, 1.3], y: [0.2]}]
training: {epochs: 3, batch_size: 1}
"""


def test_exact_numbers_that_outgrow_the_bound_are_refused(tmp_path: Path) -> None:
    """Every exact step of this network multiplies the digits of its fractions: twelve
    steps would not finish.  The run stops with the bound and the number of steps that fit,
    and that number of steps runs."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(GROWING)
    done = handcalc("run", str(bad), timeout=30)
    assert done.returncode == 2, done.stderr
    line = message_of(done.stderr)
    found = re.match(r"handcalc: training\.exact_steps: after step (\d+) the exact weights have [\d,]+ digits "
                     rf"\(at most {engine.MAX_EXACT_DIGITS:,}\); set training\.exact_steps to (\d+) or fewer", line)
    assert found, line
    fits = int(found.group(2))
    assert fits == int(found.group(1)) - 1 >= 1
    good = tmp_path / "good.yaml"
    good.write_text(GROWING.replace("batch_size: 1}", f"batch_size: 1, exact_steps: {fits}}}"))
    ran = handcalc("run", str(good), timeout=30)  # the exact steps run; the float64 ones may diverge
    diverged = re.match(r"handcalc: step (\d+): training diverged in float64", message_of(ran.stderr) or "")
    assert ran.returncode == 0 or (ran.returncode == 2 and diverged and int(diverged.group(1)) > fits), ran.stderr


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    done = handcalc("run", str(missing))
    assert done.returncode == 2
    assert message_of(done.stderr) == f"handcalc: {missing}: no such file"


def test_folder_instead_of_a_file(tmp_path: Path) -> None:
    expected = f"handcalc: {tmp_path}: is a folder, not a spec file"
    done = handcalc("run", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert message_of(done.stderr) == expected
    for args in (["check", str(tmp_path)], ["new", str(tmp_path), "--seed", "1", "-o", str(tmp_path / "out.yaml")],
                 ["worksheet", str(tmp_path), "-o", str(tmp_path / "sheets")]):
        r = invoke(*args)
        assert r.exit_code == 2 and isinstance(r.exception, SystemExit), (args, r.output)
        assert message_of(r.stderr) == expected
    assert sorted(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# every other validation branch of spec.py and of data.generate (spec._generate_options),
# one case each, through `handcalc run` only (the cases above show that every command
# reports a bad spec the same way)


def _layer(n: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["layers"][n].update(changes)


def _without_weights_and(**top: Any) -> Callable[[dict[str, Any]], None]:
    """Layer 1 without weights (so the input count must come from elsewhere), other top-level keys set."""

    def change(doc: dict[str, Any]) -> None:
        doc["layers"][0].pop("weights")
        for k, v in top.items():
            if v is None:
                doc.pop(k)
            else:
                doc[k] = v

    return change


def _column_first_layer(weights: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc.pop("inputs")
        doc["notation"] = "column"
        doc["layers"][0]["weights"] = weights
        doc["layers"][1]["weights"] = [[1, 2]]

    return change


def _generate(**options: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc.update(data={"generate": {"kind": "moons", **options}})


def _generate_with_units(first: int, last: int) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc.pop("inputs")
        doc.pop("outputs")
        doc["layers"] = [{"units": 2, "activation": "relu", "weights": [[1, 2]] * first},
                         {"units": last, "activation": "linear", "weights": [[1] * last] * 2}]
        doc["data"] = {"generate": {"kind": "moons"}}

    return change


# (id, change, field the message must name, the key part of the message)
BRANCHES = [
    ("yaml-constructor-error", GOOD.replace("learning_rate: 0.1", "learning_rate: !!int abc"), r"\S*/bad\.yaml",
     "not valid YAML: ValueError: "),
    ("title-a-number", _set("title", 5), "title", "expected text, got a number"),
    ("description-a-list", _set("description", ["a"]), "description", "expected text, got a list of 1"),
    ("source-a-mapping", _set("source", {"a": 1}), "source", "expected text, got a mapping"),
    ("notation-unknown", _set("notation", "diagonal"), "notation", "expected one of row | column, got 'diagonal'"),
    ("layers-text", _set("layers", "relu"), "layers", "expected a non-empty list of layers, got text"),
    ("layers-empty", _set("layers", []), "layers", "expected a non-empty list of layers, got a list of 0"),
    ("layers-too-many", _set("layers", [{"units": 1}] * 17), "layers", "at most 16 layers, got 17"),
    ("layer-text", _set("layers.1", "dense"), r"layers\[1\]", "expected a mapping, got text"),
    ("units-missing", lambda d: d["layers"][1].pop("units"), r"layers\[1\]\.units", "required"),
    ("units-zero", _layer(1, units=0), r"layers\[1\]\.units", "expected 1 to 512, got 0"),
    ("units-boolean", _layer(1, units=True), r"layers\[1\]\.units", "expected a whole number, got a boolean"),
    ("units-fraction", _layer(1, units=2.5), r"layers\[1\]\.units", "expected a whole number, got a number"),
    ("no-inputs-no-weights", _without_weights_and(inputs=None), "inputs",
     r"name the inputs or give layers\[0\]\.weights"),
    ("no-input-names", _without_weights_and(inputs=[]), "inputs", "expected at least one name, got none"),
    ("first-weights-text", _column_first_layer("abc"), r"layers\[0\]\.weights", "expected a list of lists, got text"),
    ("first-weights-no-columns", _column_first_layer([[]]), r"layers\[0\]\.weights",
     "expected at least one input, got none"),
    ("first-weights-too-wide", _column_first_layer([[0] * 513] * 2), r"layers\[0\]\.weights",
     "at most 512 inputs, got 513"),
    ("weights-text", _layer(1, weights="abc"), r"layers\[1\]\.weights", "expected a 2×1 list of lists, got text"),
    ("weight-nothing", _set("layers.0.weights", [[1, None], [3, 4]]), r"layers\[0\]\.weights\[0\]\[1\]",
     "expected a number, got nothing"),
    ("weight-boolean", _set("layers.0.weights", [[1, True], [3, 4]]), r"layers\[0\]\.weights\[0\]\[1\]",
     "expected a number, got a boolean"),
    ("weight-list", _set("layers.0.weights", [[1, [2]], [3, 4]]), r"layers\[0\]\.weights\[0\]\[1\]",
     "expected a number, got a list of 1"),
    ("bias-text", _layer(0, bias="abc"), r"layers\[0\]\.bias", "expected a list of numbers, got text"),
    ("trainable-bias-text", _layer(0, trainable_bias="no"), r"layers\[0\]\.trainable_bias",
     "expected true or false, got text"),
    ("negative-slope-word", _layer(0, negative_slope="steep"), r"layers\[0\]\.negative_slope",
     "'steep' is not a number"),
    ("inputs-text", _set("inputs", "ab"), "inputs", "expected a list of names, got text"),
    ("inputs-booleans", _set("inputs", [True, False]), "inputs", "expected a list of names, got a list of 2"),
    ("outputs-mapping", _set("outputs", {"y": 1}), "outputs", "expected a list of names, got a mapping"),
    ("loss-a-number", _set("loss", 5), "loss", "expected one of difference .*, got a number"),
    ("learning-rate-word", _set("learning_rate", "fast"), "learning_rate", "'fast' is not a number"),
    ("data-list", _set("data", [1]), "data", "expected a mapping, got a list of 1"),
    ("data-without-train", _set("data", {"test": []}), r"data\.train", "required"),
    ("train-text", _set("data", {"train": "abc"}), r"data\.train", "expected a list of samples, got text"),
    ("sample-a-list", _set("data", {"train": [[1, 2]]}), r"data\.train\[0\]", "expected a mapping, got a list of 2"),
    ("sample-unknown-key", _set("data.train.0.z", 1), r"data\.train\[0\]\.z", r"unknown key \(allowed here: x, y\)"),
    ("test-sample-x-length", _set("data.test", [{"x": [1], "y": [0]}]), r"data\.test\[0\]\.x",
     "expected 2 numbers, got 1"),
    ("bce-test-target", lambda d: d.update(loss="bce", data={"train": [{"x": [1, 2], "y": [1]}],
                                                             "test": [{"x": [1, 2], "y": [-1]}]}),
     r"data\.test\[0\]\.y\[0\]", "bce needs targets from 0 to 1, got -1"),
    ("init-a-number", _set("init", 5), "init", "expected a mapping, got a number"),
    ("init-unknown-key", _set("init", {"sed": 1}), r"init\.sed", "unknown key"),
    ("init-seed-negative", _set("init", {"seed": -1}), r"init\.seed",
     "expected 0 to 9,223,372,036,854,775,808, got -1"),
    ("init-low-above-high", _set("init", {"low": 1, "high": 0}), r"init\.low",
     r"must not exceed init\.high \(0\), got 1"),
    ("init-no-decimal-fits", _set("init", {"low": 0.01, "high": 0.04}), "init",
     r"no number of 1 decimal lies between low \(0\.01\) and high \(0\.04\)"),
    ("init-no-integer-fits", _set("init", {"low": 0.1, "high": 0.9, "integers": True}), "init",
     r"no whole number lies between low \(0\.1\) and high \(0\.9\)"),
    ("init-decimals-13", _set("init", {"decimals": 13}), r"init\.decimals", "expected 0 to 12, got 13"),
    ("init-integers-text", _set("init", {"integers": "yes"}), r"init\.integers", "expected true or false, got text"),
    ("training-a-number", _set("training", 3), "training", "expected a mapping, got a number"),
    ("training-unknown-key", _set("training", {"epoch": 3}), r"training\.epoch", "unknown key"),
    ("shuffle-text", _set("training", {"shuffle": "yes"}), r"training\.shuffle", "expected true or false, got text"),
    ("batch-size-zero", _set("training", {"batch_size": 0}), r"training\.batch_size", "expected 1 to 100,000, got 0"),
    ("exact-steps-too-many", _set("training", {"exact_steps": 5}), r"training\.exact_steps",
     "expected 0 to 1, got 5"),
    ("display-text", _set("display", "fine"), "display", "expected a mapping, got text"),
    ("display-decimals-13", _set("display", {"decimals": 13}), r"display\.decimals", "expected 0 to 12, got 13"),
    ("generate-and-train", lambda d: d["data"].update(generate={"kind": "moons"}), r"data\.generate",
     "give either generate or train/test, not both"),
    ("generate-text", _set("data", {"generate": "moons"}), r"data\.generate", "expected a mapping, got text"),
    ("generate-without-kind", _set("data", {"generate": {"samples": 10}}), r"data\.generate\.kind", "required"),
    ("generate-unknown-kind", _set("data", {"generate": {"kind": "spiral"}}), r"data\.generate\.kind",
     "expected one of gaussian | moons, got 'spiral'"),
    ("generate-unknown-option", _generate(nois=1), r"data\.generate\.nois", "unknown key"),
    ("generate-three-inputs", _generate_with_units(3, 1), r"data\.generate",
     "generated data sets have 2 inputs, the network has 3"),
    ("generate-three-outputs", _generate_with_units(2, 3), r"data\.generate",
     "generated data sets need 1 or 2 outputs, the network has 3"),
    ("generate-samples-3", _generate(samples=3), r"data\.generate\.samples", "expected 4 to 100,000, got 3"),
    ("generate-seed-text", _generate(seed="x"), r"data\.generate\.seed", "expected a whole number, got text"),
    ("generate-noise-negative", _generate(noise=-0.1), r"data\.generate\.noise", "expected a number ≥ 0"),
    ("generate-noise-word", _generate(noise="lots"), r"data\.generate\.noise", "'lots' is not a number"),
    ("generate-test-fraction-1", _generate(test_fraction=1), r"data\.generate\.test_fraction",
     r"expected a number from 0 up to \(not including\) 1"),
    ("generate-decimals-9", _generate(decimals=9), r"data\.generate\.decimals", "expected 0 to 8, got 9"),
    ("generate-standardize-text", _generate(standardize="yes"), r"data\.generate\.standardize",
     "expected true or false, got text"),
    ("generate-center-word", _generate(center="middle"), r"data\.generate\.center", "'middle' is not a number"),
]


@pytest.mark.parametrize(("change", "field", "key"), [pytest.param(c, f, k, id=i) for i, c, f, k in BRANCHES])
def test_every_validation_branch_is_reported(tmp_path: Path, change: Change, field: str, key: str) -> None:
    r = invoke("run", str(write_spec(tmp_path, change)))
    assert r.exit_code == 2, r.output
    assert isinstance(r.exception, SystemExit), r.exception
    line = message_of(r.stderr)
    assert re.search(rf"^handcalc: {field}: .*{key}", line), line
    assert r.stdout == ""


def test_too_many_samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample limit (100,000), lowered to 2 so that the case does not parse a huge file."""
    monkeypatch.setitem(spec_mod.LIMITS, "samples", 2)
    r = invoke("run", str(write_spec(tmp_path, _set("data", {"train": [{"x": [1, 2], "y": [0]}] * 3}))))
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.output
    assert message_of(r.stderr) == "handcalc: data.train: at most 2 samples, got 3"
