"""The command line end to end: ``--help``, ``run`` (summary and ``--json``), ``new``, ``check``.

Numbers typed here are golden values quoted from seed 003 ("Multi-Layer Perceptrons,
example: forward and backward pass"); every other expected number is read from the
engine's trace or from the spec's own text.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
import mpmath
import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES, example_spec, example_trace

from handcalc.cli import main
from handcalc.core import engine
from handcalc.core import spec as spec_mod
from handcalc.core.numbers import Num, decimal_places


def invoke(*args: str):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r


def run_json(path: Path, *options: str) -> dict[str, Any]:
    r = invoke("run", path, "--json", *options)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command of the CLI, found by walking the click group."""
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(prefix + (name,))
        if isinstance(cmd, click.Group):
            out += commands(cmd, prefix + (name,))
    return out


# ---------------------------------------------------------------------------
# --help


def test_the_cli_has_the_commands_issue_2_names() -> None:
    assert {"run", "check", "new"} <= set(main.commands)


@pytest.mark.parametrize("path", [()] + commands(main), ids=lambda p: " ".join(p) or "handcalc")
def test_help_works_for_every_command(path: tuple[str, ...]) -> None:
    r = invoke(*path, "--help")
    assert r.exit_code == 0, r.output
    assert re.search(rf"^Usage: \S+ {' '.join(path)}", r.stdout, re.M), r.stdout
    cmd = main
    for name in path:
        cmd = cmd.commands[name]
    first_line = (cmd.help or "").strip().splitlines()[0]
    assert first_line.split()[0] in r.stdout  # the command's own description is shown
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.opts[-1] in r.stdout, f"{param.opts} missing from the help of {path}"


# ---------------------------------------------------------------------------
# run --json


@pytest.fixture(scope="module")
def candy_json() -> dict[str, Any]:
    return run_json(EXAMPLES / "candy-bar.yaml")


def strings_in(node: Any) -> list[Any]:
    """Every leaf of a JSON value."""
    if isinstance(node, dict):
        return [x for v in node.values() for x in strings_in(v)]
    if isinstance(node, list):
        return [x for v in node for x in strings_in(v)]
    return [node]


def test_run_json_has_the_documented_shape(candy_json: dict[str, Any]) -> None:
    spec = example_spec("candy-bar")
    d = candy_json
    assert d["notation"] == "row" and d["sizes"] == list(spec.sizes)
    assert len(d["steps"]) == spec.total_updates
    for n, step in enumerate(d["steps"], start=1):
        assert step["step"] == n
        assert isinstance(step["loss"], str)
        assert [f["layer"] for f in step["forward"]] == [1, 2]
        for f, units in zip(step["forward"], spec.sizes[1:]):
            assert set(f) >= {"z", "a"}
            assert [len(z) for z in f["z"]] == [units] * spec.training.batch_size  # one list per sample
            assert [len(a) for a in f["a"]] == [units] * spec.training.batch_size
        for b, (fan_in, units) in zip(step["backward"], zip(spec.sizes, spec.sizes[1:])):
            assert set(b) >= {"dz", "dW", "db"}
            assert [len(r) for r in b["dW"]] == [units] * fan_in  # row notation: inputs × units
            assert len(b["db"]) == units
        for u, (fan_in, units) in zip(step["update"], zip(spec.sizes, spec.sizes[1:])):
            assert set(u) >= {"W", "b"}
            assert [len(r) for r in u["W"]] == [units] * fan_in
    assert [set(lay) for lay in d["final"]["layers"]] == [{"weights", "bias"}] * 2
    numbers = [x for k in ("steps", "final", "initial") for x in strings_in(d[k]) if not isinstance(x, int)]
    assert numbers and all(isinstance(x, str) for x in numbers)  # numbers are strings
    for x in numbers:
        Decimal(x)  # ... each a plain decimal


def test_run_json_holds_the_seed_003_numbers(candy_json: dict[str, Any]) -> None:
    """Seed 003's worked step, as printed by ``run --json`` (matrices in row notation)."""
    step = candy_json["steps"][0]
    f1, f2 = step["forward"]
    assert f1["z"] == [["17", "29"]] and f1["a"] == [["17", "29"]]  # Z¹ = A¹ = [17, 29]
    assert f2["z"] == [["12"]] and f2["a"] == [["12"]]  # Z² = 8.5 + 3.5 = 12, ŷ = 12
    b1, b2 = step["backward"]
    assert b2["dW"] == [["-17"], ["-29"]] and b2["db"] == ["-1"]  # ∂L/∂W² = −[17, 29]ᵀ, ∂L/∂b² = −1
    assert b1["da"] == [["-0.5", "0"]] and b1["dz"] == [["-0.5", "0"]]  # ∂L/∂A¹ = ∂L/∂Z¹ = [−0.5, 0]
    assert b1["dW"] == [["-2.5", "0"], ["-3", "0"]]  # ∂L/∂W¹ = [[−2.5, 0], [−3.0, 0]]
    assert b1["db"] == ["-0.5", "0"]  # ∂L/∂b¹ = [−0.5, 0]
    assert step["update"][1]["W"] == [["0.67"], ["0.29"]]  # W² new = [0.67, 0.29]ᵀ
    assert candy_json["final"]["layers"][1]["weights"] == [["0.67"], ["0.29"]]  # one step: final = after it


def test_terminating_numbers_are_written_exactly(candy_json: dict[str, Any]) -> None:
    """Every JSON number of the candy-bar step is the trace's Fraction, digit for digit."""
    trace = example_trace("candy-bar")
    step, s = candy_json["steps"][0], trace.steps[0]
    pairs = [(step["loss"], s.loss.value)]
    for u_json, u in zip(step["update"], s.update):
        pairs += [(x, r.value) for xs, rs in zip(u_json["W"], u.W) for x, r in zip(xs, rs)]
        pairs += [(x, r.value) for x, r in zip(u_json["b"], u.b)]
    for text, value in pairs:
        assert value.exact and decimal_places(value.v) is not None
        assert Fraction(text) == value.v, (text, value)


def column_copy(src: Path, dst: Path) -> Path:
    """The same spec written in column notation: every written matrix transposed."""
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    doc["notation"] = "column"
    for layer in doc["layers"]:
        layer["weights"] = [list(c) for c in zip(*layer["weights"])]
    dst.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return dst


def transpose(m: list[list[str]]) -> list[list[str]]:
    return [list(c) for c in zip(*m)]


def test_column_notation_json_is_units_by_inputs(tmp_path: Path, candy_json: dict[str, Any]) -> None:
    col = run_json(column_copy(EXAMPLES / "candy-bar.yaml", tmp_path / "candy-column.yaml"))
    assert col["notation"] == "column"
    sizes = col["sizes"]
    for key in ("initial", "final"):
        for lay, fan_in, units in zip(col[key]["layers"], sizes, sizes[1:]):
            assert [len(r) for r in lay["weights"]] == [fan_in] * units  # units × inputs
    for c_step, r_step in zip(col["steps"], candy_json["steps"]):
        assert c_step["forward"] == r_step["forward"] and c_step["loss"] == r_step["loss"]
        for cb, rb in zip(c_step["backward"], r_step["backward"]):
            assert cb["dW"] == transpose(rb["dW"]) and cb["db"] == rb["db"]
        for cu, ru in zip(c_step["update"], r_step["update"]):
            assert cu["W"] == transpose(ru["W"]) and cu["b"] == ru["b"]
    for cl, rl in zip(col["final"]["layers"], candy_json["final"]["layers"]):
        assert cl["weights"] == transpose(rl["weights"])


def test_untrained_column_layers_are_written_as_the_spec_wrote_them() -> None:
    """seven-layer (column notation, forward only): the JSON weights are the spec's own text."""
    d = run_json(EXAMPLES / "seven-layer.yaml")
    written = yaml.safe_load((EXAMPLES / "seven-layer.yaml").read_text(encoding="utf-8"))["layers"]
    assert d["notation"] == "column" and d["steps"] == []
    for lay, raw in zip(d["final"]["layers"], written):
        assert lay["weights"] == [[str(w) for w in row] for row in raw["weights"]]
        assert lay["bias"] is None  # seed 004: no biases at all
    # the forward pass agrees with the trace, sample by sample
    trace = example_trace("seven-layer")
    assert [[[Fraction(x) for x in a] for a in f["a"]] for f in d["forward"]] == [
        [[r.value.v for r in a] for a in f.a] for f in trace.inference]


def significant_digits(text: str) -> int:
    mantissa = re.sub(r"[eE].*$", "", text).lstrip("-").replace(".", "").lstrip("0")
    return len(mantissa)


def assert_close_to(text: str, value: Num, digits: int = 20) -> None:
    """``text`` has at least ``digits`` significant digits, all of them right."""
    assert significant_digits(text) >= digits, text
    with mpmath.workdps(80):
        got, want = mpmath.mpf(text), value.mpf()
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** (1 - digits), (text, value)


def test_approximate_numbers_carry_at_least_20_digits() -> None:
    """golf (sigmoid, bce): ŷ, the loss and every ∂L/∂W of the first step are approximate."""
    d = run_json(EXAMPLES / "golf.yaml")
    s = example_trace("golf").steps[0]
    j = d["steps"][0]
    checked = 0
    for text, rec in [(j["loss"], s.loss)] + [(x, r) for xs, rs in zip(j["forward"][-1]["a"], s.forward[-1].a)
                                              for x, r in zip(xs, rs)]:
        assert not rec.value.exact
        assert_close_to(text, rec.value)
        checked += 1
    for bj, b in zip(j["backward"], s.backward):
        for xs, rs in zip(bj["dW"], b.dW):
            for x, r in zip(xs, rs):
                if r.value == 0:
                    assert Fraction(x) == 0
                else:
                    assert_close_to(x, r.value)
                    checked += 1
    assert checked > 3


def test_exact_non_terminating_numbers_carry_at_least_20_digits(tmp_path: Path) -> None:
    """A learning rate of 1/3 makes the candy-bar update exact but not a finite decimal."""
    doc = yaml.safe_load((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    doc["learning_rate"] = "1/3"
    path = tmp_path / "third.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    d = run_json(path)
    s = engine.run(spec_mod.load(path)).steps[0]
    seen = 0
    for uj, u in zip(d["steps"][0]["update"], s.update):
        for xs, rs in zip(uj["W"], u.W):
            for x, r in zip(xs, rs):
                assert r.value.exact
                if decimal_places(r.value.v) is None:
                    assert_close_to(x, r.value)
                    seen += 1
                else:
                    assert Fraction(x) == r.value.v
    assert seen > 0


# ---------------------------------------------------------------------------
# run (summary)


def test_run_prints_a_short_summary() -> None:
    r = invoke("run", EXAMPLES / "candy-bar.yaml")
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.strip().splitlines()
    spec, trace = example_spec("candy-bar"), example_trace("candy-bar")
    assert 2 <= len(lines) <= 10
    assert lines[0].startswith(f"{spec.title}: {'-'.join(map(str, spec.sizes))} network")
    loss = next(line for line in lines if line.startswith("loss before the first update: "))
    assert Fraction(loss.rsplit(" ", 1)[1]) == trace.steps[0].loss.value.v
    assert "{" not in r.stdout  # not the JSON


def test_run_summary_of_a_forward_only_spec_gives_the_predictions() -> None:
    r = invoke("run", EXAMPLES / "seven-layer.yaml")
    assert r.exit_code == 0
    trace = example_trace("seven-layer")
    shown = re.findall(r"^sample (\d+): ŷ = \[(.*)\]$", r.stdout, re.M)
    assert [int(n) for n, _ in shown] == list(range(1, len(trace.spec.train) + 1))
    for (_, values), a in zip(shown, trace.inference[-1].a):
        assert [Fraction(v) for v in values.split(", ")] == [rec.value.v for rec in a]


# ---------------------------------------------------------------------------
# new


def params_of(s: spec_mod.Spec) -> list[Fraction]:
    return [w for lay in s.layers for row in lay.weights for w in row] + [
        b for lay in s.layers for b in (lay.bias or ())]


def new(base: str, out: Path, *options: str) -> spec_mod.Spec:
    r = invoke("new", EXAMPLES / f"{base}.yaml", "-o", out, *options)
    assert r.exit_code == 0, r.output
    assert str(out) in r.stdout
    return spec_mod.load(out)


@pytest.mark.parametrize("base", ["golf", "seven-layer"])
def test_new_keeps_everything_but_the_weights(tmp_path: Path, base: str) -> None:
    original = example_spec(base)
    fresh = new(base, tmp_path / "v.yaml", "--seed", "5")
    assert params_of(fresh) != params_of(original)
    assert fresh.sizes == original.sizes and fresh.notation == original.notation
    assert [(lay.activation, lay.bias is None) for lay in fresh.layers] == [
        (lay.activation, lay.bias is None) for lay in original.layers]
    assert (fresh.title, fresh.loss, fresh.learning_rate, fresh.train, fresh.test, fresh.training) == (
        original.title, original.loss, original.learning_rate, original.train, original.test, original.training)
    assert fresh.init.seed == 5


def test_new_is_reproducible_and_depends_on_the_seed(tmp_path: Path) -> None:
    a = new("golf", tmp_path / "a.yaml", "--seed", "7")
    b = new("golf", tmp_path / "b.yaml", "--seed", "7")
    c = new("golf", tmp_path / "c.yaml", "--seed", "8")
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    assert params_of(a) == params_of(b)
    assert params_of(a) != params_of(c)


def test_new_respects_integers_bounds_and_decimals(tmp_path: Path) -> None:
    ints = params_of(new("golf", tmp_path / "i.yaml", "--seed", "3", "--integers", "--low", "-3", "--high", "3"))
    assert all(w.denominator == 1 and -3 <= w <= 3 for w in ints)
    assert len(set(ints)) > 2
    narrow = params_of(new("golf", tmp_path / "n.yaml", "--seed", "3", "--low", "0.25", "--high", "0.75",
                           "--decimals", "2"))
    assert all(Fraction("0.25") <= w <= Fraction("0.75") for w in narrow)
    assert max(decimal_places(w) for w in narrow) == 2
    one = params_of(new("golf", tmp_path / "o.yaml", "--seed", "3", "--decimals", "1"))
    assert max(decimal_places(w) for w in one) == 1
    base = example_spec("golf").init
    assert all(base.low <= w <= base.high for w in one)  # default bounds: the base's init


def test_new_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("my own notes\n", encoding="utf-8")
    r = invoke("new", EXAMPLES / "golf.yaml", "--seed", "1", "-o", out)
    assert r.exit_code == 2
    assert r.stderr.strip() == f"handcalc: {out}: already exists (use --force to overwrite)"
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    r = invoke("new", EXAMPLES / "golf.yaml", "--seed", "1", "-o", out, "--force")
    assert r.exit_code == 0, r.output
    assert spec_mod.load(out).init.seed == 1


def test_new_force_never_replaces_a_pipe_or_device(tmp_path: Path) -> None:
    """--force overwrites a file; a FIFO (or a device node, as root even /dev/null) is not one."""
    import os
    import stat

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    r = invoke("new", EXAMPLES / "golf.yaml", "--seed", "1", "-o", fifo, "--force")
    assert r.exit_code == 2 and "is not a regular file" in r.stderr, r.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize(("options", "message"), [
    (["--low", "zero"], "--low: 'zero' is not a number"),
    (["--low", "1", "--high", "0"], "--low: must not exceed --high (0), got 1"),
    (["--low", "0.9"], "--low: must not exceed --high (0.5), got 0.9"),  # golf's init.high is 0.5
    (["--low", "0.21", "--high", "0.29", "--decimals", "1"],
     "--low/--high/--decimals: no number of 1 decimal lies between low (0.21) and high (0.29)"),
    (["--low", "0.2", "--high", "0.8", "--integers"],
     "--low/--high: no whole number lies between low (0.2) and high (0.8)"),
], ids=["not-a-number", "low-above-high", "low-above-base-high", "no-value-of-that-precision", "no-whole-number"])
def test_new_refuses_bounds_no_weight_fits(tmp_path: Path, options: list[str], message: str) -> None:
    out = tmp_path / "v.yaml"
    r = invoke("new", EXAMPLES / "golf.yaml", "--seed", "1", "-o", out, *options)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith(f"handcalc: {message}"), r.stderr
    assert not out.exists()


# ---------------------------------------------------------------------------
# check


@pytest.mark.parametrize("name", ["candy-bar", "seven-layer"])
def test_check_exits_0_on_a_good_example(name: str) -> None:
    r = invoke("check", EXAMPLES / f"{name}.yaml")
    assert r.exit_code == 0, r.output
    assert re.search(r"^\d+ displayed equations re-checked, 0 failed$", r.stdout, re.M), r.stdout


def test_a_run_without_float64_steps_does_not_import_numpy() -> None:
    """`handcalc run` on a spec of exact steps only starts quickly: NumPy (about 0.1 s to import)
    is loaded only by a float64 run (bench/README, section install)."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    code = ("import sys; from click.testing import CliRunner; from handcalc.cli import main; "
            f"r = CliRunner().invoke(main, ['run', {str(root / 'examples' / 'candy-bar.yaml')!r}]); "
            "assert r.exit_code == 0, r.output; print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


@pytest.mark.parametrize("title", ["Neural nets: worked examples", "Week #3 examples", "[draft] MLPs",
                                   "{braces}, 'quotes' & \"double\"", "- a dash", "<b>bold</b> ünïcode ∂L/∂w"])
def test_init_writes_any_title_as_given(tmp_path: Path, title: str) -> None:
    """`handcalc init --title` gives a mkdocs.yml whose site_name is the title as typed (YAML
    punctuation included) and a home page whose heading shows it literally."""
    r = invoke("init", tmp_path / "site", "--title", title)
    assert r.exit_code == 0, r.output
    config = yaml.safe_load((tmp_path / "site" / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == title
    heading = (tmp_path / "site" / "docs" / "index.md").read_text(encoding="utf-8").splitlines()[0]
    assert "<b>" not in heading and heading.startswith("# ")


def test_init_refuses_a_title_with_control_characters(tmp_path: Path) -> None:
    r = invoke("init", tmp_path / "site", "--title", "bell\x07")
    assert r.exit_code == 2 and "--title" in r.stderr and "control characters" in r.stderr
    assert not (tmp_path / "site").exists()


def _documented_sessions() -> list[tuple[str, list[str]]]:
    """``$ handcalc run|check …`` blocks of docs/reference/cli.md: the command and the lines shown."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```text\n\$ handcalc ((?:run|check) [^\n]*)\n(.*?)```", text, re.S):
        out.append((block[0], block[1].splitlines()))
    return out


@pytest.mark.parametrize(("command", "shown"), _documented_sessions(), ids=lambda x: str(x)[:40])
def test_documented_output_is_what_the_command_prints(command: str, shown: list[str]) -> None:
    """The reference's sample output is the command's: each line shown is printed (a line ending
    in "..." stands for a longer one, "..." alone for lines left out), in order."""
    r = invoke(*command.split())
    assert r.exit_code == 0, r.output
    printed = iter(r.stdout.splitlines())
    for line in shown:
        if line == "...":
            continue
        want = line.removesuffix("...")
        assert any(got == line or (line.endswith("...") and got.startswith(want)) for got in printed), \
            (command, line, r.stdout)


def test_the_reference_shows_sample_output() -> None:
    assert {c.split()[0] for c, _ in _documented_sessions()} == {"run", "check"}


def test_success_messages_escape_the_paths_they_name(tmp_path: Path) -> None:
    """A path with a terminal escape is echoed as text (it cleared the screen on a tty)."""
    out = tmp_path / "n\x1b[2Jew.yaml"
    r = invoke("new", EXAMPLES / "golf.yaml", "--seed", "3", "-o", out)
    assert r.exit_code == 0 and out.is_file(), r.output
    assert "\x1b" not in r.stdout and "\\x1b[2J" in r.stdout


def test_python_dash_m_runs_the_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "handcalc", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Usage:" in done.stdout and "worksheet" in done.stdout, done.stderr
