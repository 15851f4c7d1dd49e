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

from handcalc import engine
from handcalc.cli import main

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
    ("top-level-text", "just a sentence\n", "spec", "expected a mapping, got text"),
    ("empty-file", "", "spec", "expected a mapping, got nothing"),
    ("unknown-top-key", _set("lerning_rate", 0.1), "lerning_rate", r"unknown key \(allowed here: .*learning_rate"),
    ("unknown-layer-key", _rename_in_layer("activation", "activaton"), r"layers\[0\]\.activaton",
     r"unknown key \(allowed here: activation, "),
    ("missing-title", _drop("title"), "title", "required"),
    ("blank-title", _set("title", "   "), "title", "must not be empty"),
    ("row-weights-shape", _set("layers.0.weights", [[1, 2, 3], [4, 5, 6]]), r"layers\[0\]\.weights",
     "expected 2×2, got 2×3"),
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
    ("input-names-count", _set("inputs", ["a", "b", "c"]), "inputs", "expected 2 names, got 3"),
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
