"""Hostile and careless inputs, one case per entry: what a user might type or save, and what
handcalc must answer.  ``tests/test_hostile.py`` runs them all; adding a case is one entry.

A case names its class (``parsing``, ``limits``, ``files``, ``build``, ``serve``,
``printing``), the spec text (written to ``{spec}``) and other files it needs, the command
line, the exit status, a piece of the one-line message (for a refusal: the field it names),
and a time bound.  Every case is also checked for: no traceback, at most two lines on stderr
starting with ``handcalc:`` (or click's own usage error), no raw control character in the
output, and — when it fails — nothing written, changed or left behind in its folder.

Spec text is :data:`BASE` with some top-level lines replaced (:func:`spec`), so each case
shows only what it breaks.
"""

# ruff: noqa: E501  (one case, a few lines: spec text is kept whole)
from __future__ import annotations

from dataclasses import dataclass, field

#: a small valid spec, one top-level key per line
BASE = """\
title: A small network
inputs: [a, b]
layers: [{units: 2, activation: relu, weights: [[1, 2], [3, 4]], bias: [0, 1]}, {units: 1, activation: linear, weights: [[1], [2]], bias: [0]}]
loss: mse
learning_rate: 0.1
data: {train: [{x: [1, 2], y: [0.5]}]}
"""

#: a spec whose exact run is tiny but whose worksheet and check are large (2-32-32-1)
WIDE = ("layers: [{units: 32, activation: relu}, {units: 32, activation: relu}, {units: 1, activation: linear}]",
        "init: {seed: 3}")


def spec(*lines: str, base: str = BASE) -> str:
    """``base`` with each top-level ``key: value`` line replaced by the given one (appended
    when the key is new); a line without a key (or starting with a space) is appended."""
    out = base.splitlines()
    for line in lines:
        key = line.split(":", 1)[0] + ":"
        at = [i for i, old in enumerate(out) if old.startswith(key)] if not line.startswith((" ", "-")) else []
        if at:
            out[at[0]] = line
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def forward_only(*lines: str) -> str:
    """:data:`BASE` without a loss (the spec only runs forward), then ``lines``."""
    return spec(*lines, base=BASE.replace("loss: mse\n", ""))


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


@dataclass(frozen=True)
class Fault:
    """Make the ``nth`` call of ``target`` (``write_text``: :meth:`pathlib.Path.write_text`;
    ``replace``: :func:`os.replace`) raise ``error`` (``ENOSPC`` or ``interrupt`` for Ctrl-C)."""

    target: str
    nth: int
    error: str


@dataclass(frozen=True)
class Case:
    id: str
    cls: str  # parsing | limits | files | build | serve | printing
    args: tuple[str, ...]  # the command line; {spec} {tmp} {examples} {docs} are filled in
    status: int  # expected exit status
    says: str = ""  # a piece of the message (stderr; stdout when status is 0)
    spec: str | None = None  # written to {spec} (= {tmp}/spec.yaml)
    files: dict[str, str | bytes] = field(default_factory=dict)  # more files under {tmp}; see SPECIAL
    seconds: float = 20  # time bound
    fault: Fault | None = None
    writes: tuple[str, ...] = ()  # files (globs under {tmp}) a successful case must have written
    not_in_output: tuple[str, ...] = ()  # must not appear in stdout or stderr


#: values of ``Case.files`` that are not contents
SPECIAL = {"<folder>", "<fifo>", "<dangling>", "<link to /dev/zero>"}

RUN = ("run", "{spec}")
OLD_SITE = {"docs/examples/.handcalc-generated": "", "docs/examples/index.md": "old pages\n",
            "docs/examples/golf/index.md": "old golf page\n", "examples/small.yaml": BASE}
BUILD = ("build", "--examples", "{examples}", "--docs", "{docs}", "--no-katex")

CASES: list[Case] = [
    # ---------------------------------------------------------------- parsing: numbers
    Case("quoted tiny learning rate", "parsing", RUN, 2, "learning_rate: number too small",
         spec('learning_rate: "1e-99999999"'), seconds=5),
    Case("unquoted tiny learning rate", "parsing", RUN, 2, "learning_rate: number too small",
         spec("learning_rate: 1.0e-999999999"), seconds=5),
    Case("huge learning rate", "parsing", RUN, 2, "learning_rate: number too large", spec("learning_rate: 1.0e+400")),
    Case("huge exponent beyond Decimal's own", "parsing", RUN, 2, "learning_rate: number too large",
         spec("learning_rate: 1e999999999999999999999")),
    Case("huge weight", "parsing", RUN, 2, "layers[0].weights[0][1]: number too large",
         spec("layers: [{units: 2, activation: relu, weights: [[1, 1e400], [3, 4]]}, {units: 1, activation: linear}]")),
    Case("tiny weight", "parsing", RUN, 2, "layers[0].weights[1][0]: number too small",
         spec("layers: [{units: 2, activation: relu, weights: [[1, 2], [1e-101, 4]]}, {units: 1, activation: linear}]")),
    Case("smallest weight read", "parsing", RUN, 0, "network",
         spec("layers: [{units: 2, activation: relu, weights: [[1, 2], [1e-100, 4]]}, {units: 1, activation: linear}]")),
    Case("5000-digit whole number as input", "parsing", RUN, 2, "data.train[0].x[0]: number too long",
         spec("data: {train: [{x: [" + "7" * 5000 + ", 2], y: [0.5]}]}")),
    Case("5000-digit epochs", "parsing", RUN, 2, "training.epochs: number too long",
         spec("training: {epochs: " + "9" * 5000 + "}")),
    Case("5000-digit seed", "parsing", RUN, 2, "init.seed: number too long", spec("init: {seed: " + "1" * 5000 + "}")),
    Case("101-digit whole number", "parsing", RUN, 2, "learning_rate: number too long",
         spec("learning_rate: " + "1" * 101)),
    Case("300 zeros after the point", "parsing", RUN, 2, "learning_rate: number too long",
         spec("learning_rate: 0." + "0" * 300 + "1")),
    Case("ratio with a zero denominator", "parsing", RUN, 2, "learning_rate: '1/0' divides by zero",
         spec('learning_rate: "1/0"')),
    Case("ratio with 200 digits", "parsing", RUN, 2, "learning_rate: number too long",
         spec('learning_rate: "' + "3" * 200 + "/7" + '"')),
    Case("negative ratio as learning rate", "parsing", RUN, 2, "learning_rate: expected a positive number",
         spec('learning_rate: "-1/3"')),
    Case("infinite weight", "parsing", RUN, 2, "layers[0].bias[0]",
         spec("layers: [{units: 2, activation: relu, weights: [[1, 2], [3, 4]], bias: [.inf, 0]}, "
              "{units: 1, activation: linear}]")),
    Case("nan learning rate", "parsing", RUN, 2, "learning_rate: '.nan' is not a number", spec("learning_rate: .nan")),
    Case("sexagesimal", "parsing", RUN, 2, "learning_rate: '1:30' is not a number", spec("learning_rate: 1:30")),
    Case("sexagesimal input", "parsing", RUN, 2, "data.train[0].x[1]: '1:30' is not a number",
         spec("data: {train: [{x: [1, 1:30], y: [0.5]}]}")),
    Case("leading zero is decimal (YAML 1.2)", "parsing", ("run", "{spec}"), 0, "ŷ = [10]",
         forward_only("layers: [{units: 1, activation: linear, weights: [[1]]}]", "inputs: [a]",
                      "data: {train: [{x: [010]}]}")),
    Case("0o is octal (YAML 1.2)", "parsing", ("run", "{spec}"), 0, "ŷ = [8]",
         forward_only("layers: [{units: 1, activation: linear, weights: [[1]]}]", "inputs: [a]",
                      "data: {train: [{x: [0o10]}]}")),
    Case("underscores between digits", "parsing", ("run", "{spec}"), 0, "ŷ = [1000]",
         forward_only("layers: [{units: 1, activation: linear, weights: [[1]]}]", "inputs: [a]",
                      "data: {train: [{x: [1_000]}]}")),
    Case("text where a number goes", "parsing", RUN, 2, "learning_rate: 'fast' is not a number",
         spec("learning_rate: fast")),
    Case("a number's text of 100,000 characters", "parsing", RUN, 2, "learning_rate: number too long",
         spec("learning_rate: " + "1" * 100_000), seconds=10),
    # ---------------------------------------------------------------- parsing: YAML
    Case("yes is text, not true (YAML 1.2)", "parsing", RUN, 2, "training.shuffle: expected true or false, got text",
         spec("training: {shuffle: yes}")),
    Case("title yes is text", "parsing", RUN, 0, "yes: 2-2-1 network", spec("title: yes")),
    Case("title that looks like a date is text", "parsing", RUN, 0, "2001-12-14: 2-2-1", spec("title: 2001-12-14")),
    Case("duplicate weights", "parsing", RUN, 2, "key 'weights' is given twice",
         spec("layers: [{units: 2, activation: relu, weights: [[1, 2], [3, 4]], weights: [[1, 2], [3, 5]]}, "
              "{units: 1, activation: linear}]")),
    Case("duplicate top-level key", "parsing", RUN, 2, "key 'learning_rate' is given twice",
         spec() + "learning_rate: 0.5\n"),
    Case("duplicate key in a block mapping", "parsing", RUN, 2, "key 'epochs' is given twice in one mapping (again at line",
         spec("training:", "  epochs: 2", "  epochs: 3")),
    Case("2,000 nested lists", "parsing", RUN, 2, "nested more than 32 levels", spec("description: " + nested(2000))),
    Case("100,000 nested lists", "parsing", RUN, 2, "nested more than 32 levels", nested(100_000), seconds=10),
    Case("2,000 nested mappings", "parsing", RUN, 2, "nested more than 32 levels",
         "a: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n"),
    Case("deep block nesting", "parsing", RUN, 2, "nested more than 32 levels",
         "".join(" " * i + "- \n" for i in range(40)) + " " * 40 + "- 1\n"),
    Case("alias bomb", "parsing", RUN, 2, "a0: unknown key",
         "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1]\na1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
         "a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\na3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n"
         + spec("data: {train: [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]}"), seconds=5),
    Case("alias bomb in the samples", "parsing", RUN, 2, "data.train[0]: expected a mapping",
         spec("data: {train: [&a [&b [&c [1, 1, 1, 1, 1, 1, 1, 1], *c, *c, *c, *c, *c, *c, *c], "
              "*b, *b, *b, *b, *b, *b, *b], *a, *a, *a, *a, *a, *a, *a]}"), seconds=5),
    Case("merge key is not YAML 1.2", "parsing", RUN, 2, "training.<<: unknown key",
         spec("training: {<<: {epochs: 1}}")),
    Case("python tag", "parsing", RUN, 2, "not valid YAML", spec("title: !!python/object/apply:os.system [ls]")),
    Case("binary where a number goes", "parsing", RUN, 2, "learning_rate: expected a number, got bytes",
         spec("learning_rate: !!binary aGVsbG8=")),
    Case("two documents", "parsing", RUN, 2, "not valid YAML", spec() + "---\n" + spec()),
    Case("tab indentation", "parsing", RUN, 2, "not valid YAML", spec("training:", "\tepochs: 2")),
    Case("NUL byte in the file", "parsing", RUN, 2, "not valid YAML", spec("title: a\0b")),
    Case("not UTF-8", "parsing", RUN, 2, "is not UTF-8 text (byte 0xff", files={"spec.yaml": b"title: \xff\n"}),
    Case("empty file", "parsing", RUN, 2, "expected a mapping, got nothing", ""),
    Case("a list instead of a spec", "parsing", RUN, 2, "spec: expected a mapping, got a list", "[1, 2]\n"),
    Case("unhashable key", "parsing", RUN, 2, "not valid YAML", spec("? [a, b]\n: 1")),
    Case("training is an empty list", "parsing", RUN, 2, "training: expected a mapping, got a list of 0",
         spec("training: []")),
    Case("display is zero", "parsing", RUN, 2, "display: expected a mapping, got a number", spec("display: 0")),
    Case("init is false", "parsing", RUN, 2, "init: expected a mapping, got a boolean", spec("init: false")),
    Case("data is an empty list", "parsing", RUN, 2, "data: expected a mapping", spec("data: []")),
    Case("layers is a mapping", "parsing", RUN, 2, "layers: expected a non-empty list", spec("layers: {}")),
    Case("a layer is zero", "parsing", RUN, 2, "layers[0]: expected a mapping", spec("layers: [0]")),
    Case("a sample is text", "parsing", RUN, 2, "data.train[0]: expected a mapping", spec("data: {train: [x]}")),
    # ---------------------------------------------------------------- parsing: text
    Case("NUL title", "parsing", RUN, 2, "title: must not hold control characters (found U+0000)",
         spec('title: "\\0"')),
    Case("zero-width title", "parsing", RUN, 2, "title: must not be empty", spec('title: "\\u200b"')),
    Case("blank title", "parsing", RUN, 2, "title: must not be empty", spec('title: "   "')),
    Case("empty title", "parsing", RUN, 2, "title: must not be empty", spec('title: ""')),
    Case("terminal escape in title", "parsing", RUN, 2, "title: must not hold control characters (found U+001B)",
         spec('title: "\\e]0;pwned\\a\\e[2J"'), not_in_output=("\x1b",)),
    Case("line break in title", "parsing", RUN, 2, "title: must not hold control characters (found U+000A)",
         spec('title: "two\\nlines"')),
    Case("empty input name", "parsing", RUN, 2, "inputs[0]: must not be empty", spec('inputs: ["", b]')),
    Case("zero-width input name", "parsing", RUN, 2, "inputs[1]: must not be empty", spec('inputs: [a, "\\u200b"]')),
    Case("control character in an output name", "parsing", RUN, 2, "outputs[0]: must not hold control characters",
         spec('outputs: ["y\\x07"]')),
    Case("bell in the description", "parsing", RUN, 2, "description: must not hold control characters",
         spec('description: "ding\\a"')),
    Case("escape code in an unknown key", "parsing", RUN, 2, "unknown key", spec('"\\e[2Jx": 1'),
         not_in_output=("\x1b",)),
    Case("escape code in a choice", "parsing", RUN, 2, "loss: expected one of", spec('loss: "\\e[31mred"'),
         not_in_output=("\x1b",)),
    Case("a 100,000-character activation", "parsing", RUN, 2, "characters)", spec("loss: " + "x" * 100_000)),
    Case("numbers as names", "parsing", RUN, 0, "network", spec("inputs: [1, 2]")),
    # ---------------------------------------------------------------- limits
    Case("513 units", "limits", RUN, 2, "layers[0].units: expected 1 to 512, got 513",
         spec("layers: [{units: 513, activation: relu}, {units: 1, activation: linear}]")),
    Case("17 layers", "limits", RUN, 2, "layers: at most 16 layers, got 17",
         spec("layers: [" + ", ".join(["{units: 1, activation: linear}"] * 17) + "]")),
    Case("16 layers of 512, forward only", "limits", RUN, 2, "over the limit of 1,000,000",
         forward_only("layers: [" + ", ".join(["{units: 512, activation: linear}"] * 16) + "]"), seconds=5),
    Case("wide layers refused before weights are drawn", "limits", RUN, 2, "layers[4].units",
         spec("layers: [" + ", ".join(["{units: 512, activation: relu}"] * 5) + ", {units: 1, activation: linear}]"),
         seconds=5),
    Case("forward-only run of many samples", "limits", RUN, 2, "data.train: 10,000 exact forward passes",
         forward_only("layers: [{units: 512, activation: relu}, {units: 1, activation: linear}]",
                      "data: {generate: {kind: moons, samples: 10000}}"), seconds=10),
    Case("test samples of a wide network", "limits", RUN, 2, "data.test:",
         spec("layers: [{units: 512, activation: relu}, {units: 512, activation: relu}, {units: 1, activation: linear}]",
              "data: {generate: {kind: moons, samples: 100}}", "training: {epochs: 1, exact_steps: 1}"), seconds=10),
    Case("too many generated samples", "limits", RUN, 2, "data.generate.samples",
         spec("data: {generate: {kind: moons, samples: 200000}}")),
    Case("a billion epochs", "limits", RUN, 2, "training.epochs: expected 0 to 1,000,000",
         spec("training: {epochs: 1000000000}")),
    Case("float work over the limit", "limits", RUN, 2, "training.epochs",
         spec("layers: [{units: 512, activation: relu}, {units: 512, activation: relu}, {units: 1, activation: linear}]",
              "training: {epochs: 1000000, exact_steps: 0}")),
    Case("exact work over the limit", "limits", RUN, 2, "training.exact_steps",
         spec(*WIDE, "training: {epochs: 1000, exact_steps: 1000}")),
    Case("spec file over the size limit", "limits", RUN, 2, "over the limit of 1,000,000 for a spec file",
         spec("description: " + "x" * 1_000_001)),
    Case("display decimals over the limit", "limits", RUN, 2, "display.decimals: expected 0 to 12",
         spec("display: {decimals: 13}")),
    Case("--decimals over the limit", "limits", ("run", "{spec}", "--decimals", "99"), 2, "--decimals", spec()),
    Case("worksheet of a wide network", "limits", ("worksheet", "{spec}", "-o", "{tmp}/out"), 2,
         "--scope: a worksheet (one training step) of", spec(*WIDE), seconds=10),
    Case("worksheet forward pass of a wide network", "limits",
         ("worksheet", "{spec}", "-o", "{tmp}/out", "--scope", "forward", "--format", "html"), 0, "HTML files",
         spec(*WIDE), seconds=30, writes=("out/spec-worksheet.html", "out/spec-key.html")),
    Case("check of a 2-64-64-1 network", "limits", ("check", "{spec}"), 0, "gradients compared",
         spec("layers: [{units: 64, activation: relu}, {units: 64, activation: relu}, {units: 1, activation: linear}]",
              "init: {seed: 3}"), seconds=60),
    Case("divergence in float64", "limits", RUN, 2, "training diverged in float64: the batch loss is inf",
         spec("layers: [{units: 1, activation: linear, weights: [[2], [1]], bias: [0]}]",
              "data: {train: [{x: [1, 2], y: 1}, {x: [2, 1], y: 0}]}", "learning_rate: 1000",
              "training: {epochs: 200, exact_steps: 2}"), not_in_output=("RuntimeWarning", "nan")),
    Case("divergence on exact numbers", "limits", RUN, 2, "beyond the float64 range",
         spec("layers: [{units: 1, activation: linear, weights: [[2], [1]], bias: [0]}]",
              "data: {train: [{x: [1, 2], y: 1}, {x: [2, 1], y: 0}]}", "learning_rate: 1000",
              "training: {epochs: 100, exact_steps: 100}"), seconds=30),
    Case("bce leaves its domain in float64", "limits", RUN, 2, "where bce is undefined",
         spec("layers: [{units: 1, activation: sigmoid, weights: [[40], [40]], bias: [0]}]", "loss: bce",
              "data: {train: [{x: [1, 2], y: 0}]}", "learning_rate: 0.001",
              "training: {epochs: 5, exact_steps: 0}"), not_in_output=("RuntimeWarning",)),
    Case("batch larger than the data", "limits", RUN, 2, "training.batch_size: expected at most the 1",
         spec("training: {batch_size: 2}")),
    Case("init bounds hold no number", "limits", RUN, 2, "init: no number of 1 decimal",
         spec("init: {low: 0.01, high: 0.02}")),
    # ---------------------------------------------------------------- files
    Case("missing spec", "files", ("run", "{tmp}/nope.yaml"), 2, "nope.yaml: no such file"),
    Case("spec is a folder", "files", ("run", "{tmp}/dir"), 2, "is a folder", files={"dir": "<folder>"}),
    Case("path through a file", "files", ("run", "{spec}/x.yaml"), 2, "no such file", spec()),
    Case("/dev/zero", "files", ("run", "/dev/zero"), 2, "/dev/zero: is not a regular file", seconds=5),
    Case("a link to /dev/zero", "files", ("run", "{tmp}/z.yaml"), 2, "is not a regular file",
         files={"z.yaml": "<link to /dev/zero>"}, seconds=5),
    Case("a fifo", "files", ("run", "{tmp}/f.yaml"), 2, "is not a regular file", files={"f.yaml": "<fifo>"},
         seconds=5),
    Case("/proc file (size 0 on disk, read up to the cap)", "files", ("run", "/proc/self/status"), 2, "Name: unknown key"),
    Case("new: existing output", "files", ("new", "{spec}", "--seed", "1", "-o", "{tmp}/v.yaml"), 2,
         "v.yaml: already exists", spec(), files={"v.yaml": "keep me\n"}),
    Case("new: dangling symlink", "files", ("new", "{spec}", "--seed", "1", "-o", "{tmp}/link.yaml"), 2,
         "already exists as a symbolic link", spec(), files={"link.yaml": "<dangling>"}),
    Case("new: dangling symlink replaced, not followed", "files",
         ("new", "{spec}", "--seed", "1", "-o", "{tmp}/link.yaml", "--force"), 0, "wrote", spec(),
         files={"link.yaml": "<dangling>"}, writes=("link.yaml",)),
    Case("new: output is a folder", "files", ("new", "{spec}", "--seed", "1", "-o", "{tmp}/dir", "--force"), 2,
         "is a directory", spec(), files={"dir": "<folder>"}),
    Case("new: missing folder", "files", ("new", "{spec}", "--seed", "1", "-o", "{tmp}/no/v.yaml"), 2,
         "its folder does not exist", spec()),
    Case("new: into /proc", "files", ("new", "{spec}", "--seed", "1", "-o", "/proc/handcalc.yaml"), 2,
         "/proc/handcalc.yaml", spec()),
    Case("new: full disk", "files", ("new", "{spec}", "--seed", "1", "-o", "{tmp}/v.yaml", "--force"), 2,
         "No space left on device", spec(), files={"v.yaml": "keep me\n"}, fault=Fault("replace", 1, "ENOSPC")),
    Case("new: Ctrl-C", "files", ("new", "{spec}", "--seed", "1", "-o", "{tmp}/v.yaml", "--force"), 130,
         "interrupted", spec(), files={"v.yaml": "keep me\n"}, fault=Fault("replace", 1, "interrupt")),
    Case("worksheet: -o is a file", "files", ("worksheet", "{spec}", "-o", "{tmp}/f", "--format", "html"), 2,
         "is a file", spec(), files={"f": "a file\n"}),
    Case("worksheet: -o under a file", "files", ("worksheet", "{spec}", "-o", "{tmp}/f/out", "--format", "html"), 2,
         "Not a directory", spec(), files={"f": "a file\n"}),
    Case("worksheet: into /proc", "files", ("worksheet", "{spec}", "-o", "/proc/handcalc", "--format", "html"), 2,
         "/proc", spec()),
    Case("worksheet: files exist", "files", ("worksheet", "{spec}", "-o", "{tmp}/out", "--format", "html"), 2,
         "already exists (use --force", spec(), files={"out/spec-key.html": "old key\n"}),
    Case("worksheet: a dangling link is an existing file", "files",
         ("worksheet", "{spec}", "-o", "{tmp}/out", "--format", "html"), 2, "already exist", spec(),
         files={"out/spec-key.html": "<dangling>"}),
    Case("worksheet: full disk", "files", ("worksheet", "{spec}", "-o", "{tmp}/out", "--format", "html", "--force"),
         2, "No space left on device", spec(), files={"out/spec-key.html": "old key\n"},
         fault=Fault("write_text", 2, "ENOSPC")),
    Case("worksheet: Ctrl-C", "files", ("worksheet", "{spec}", "-o", "{tmp}/out", "--format", "html", "--force"),
         130, "interrupted", spec(), files={"out/spec-key.html": "old key\n"},
         fault=Fault("write_text", 1, "interrupt")),
    Case("worksheet: no PDF for a huge batch", "files", ("worksheet", "{spec}", "-o", "{tmp}/out", "--scope", "step"),
         2, "--scope", spec("data: {generate: {kind: moons, samples: 40}}", "training: {batch_size: 20}")),
    # ---------------------------------------------------------------- build
    Case("build: empty examples folder", "build", BUILD, 2, "--examples", files={
        **{k: v for k, v in OLD_SITE.items() if not k.startswith("examples/")}, "examples": "<folder>"}),
    Case("build: missing examples folder", "build", ("build", "--examples", "{tmp}/nope", "--docs", "{docs}",
                                                     "--no-katex"), 2, "no such folder", files=OLD_SITE),
    Case("build: a file of the user's in the assets folder", "build", ("build", "--examples", "{examples}", "--docs",
                                                                       "{docs}"), 2, "handcalc did not write",
         files={**OLD_SITE, "docs/assets/handcalc/mine.css": "p { color: red }\n"}),
    Case("the pages' folder over the assets' folder", "build",
         ("build", "--examples", "{examples}", "--docs", "{docs}", "--folder", "assets"), 2,
         "overlaps 'assets/handcalc'", files=OLD_SITE),
    Case("build: docs is a file", "build", ("build", "--examples", "{examples}", "--docs", "{tmp}/f", "--no-katex"), 2,
         "is a file", files={"f": "a file\n", "examples/small.yaml": BASE}),
    Case("build: a bad spec among good ones", "build", BUILD, 2, "bad.yaml: learning_rate: number too small",
         files={**OLD_SITE, "examples/bad.yaml": spec("learning_rate: 1e-999999999")}),
    Case("build: two specs, one page name", "build", BUILD, 2, "gives the same page folder 'small'",
         files={**OLD_SITE, "examples/Small.yml": BASE}),
    Case("build: a spec named only by symbols", "build", BUILD, 2, "needs at least one letter or digit",
         files={**OLD_SITE, "examples/___.yaml": BASE}),
    Case("build: folder outside docs", "build", BUILD + ("--folder", "../x"), 2, "--folder", files=OLD_SITE),
    Case("build: folder handcalc did not write", "build", BUILD, 2, "refusing to replace it",
         files={"docs/examples/mine.md": "my page\n", "examples/small.yaml": BASE}),
    Case("build: full disk", "build", BUILD, 2, "No space left on device", files=OLD_SITE,
         fault=Fault("write_text", 3, "ENOSPC"), seconds=30),
    Case("build: Ctrl-C while writing", "build", BUILD, 130, "interrupted", files=OLD_SITE,
         fault=Fault("write_text", 2, "interrupt"), seconds=30),
    Case("build: Ctrl-C while swapping", "build", BUILD, 130, "interrupted", files=OLD_SITE,
         fault=Fault("replace", 2, "interrupt"), seconds=30),
    Case("build: spec larger than the limit", "build", BUILD, 2, "over the limit of 1,000,000",
         files={**OLD_SITE, "examples/big.yaml": spec("description: " + "x" * 1_000_001)}),
    Case("build: deep nesting", "build", BUILD, 2, "deep.yaml: not valid YAML",
         files={**OLD_SITE, "examples/deep.yaml": nested(5000)}),
    Case("build: works, replacing the old pages", "build", BUILD, 0, "wrote", files=OLD_SITE, seconds=60,
         writes=("docs/examples/small/index.md", "docs/examples/index.md")),
    # ---------------------------------------------------------------- serve (the plugin, as `mkdocs serve` runs it)
    Case("serve: tiny number", "serve", (), 0, "bad.yaml: learning_rate: number too small",
         files={"examples/small.yaml": BASE, "examples/bad.yaml": spec("learning_rate: 1.0e-999999999")}),
    Case("serve: two specs, one page name", "serve", (), 0, "gives the same page folder 'small'",
         files={"examples/small.yaml": BASE, "examples/Small.yml": BASE}),
    Case("serve: a spec named only by symbols", "serve", (), 0, "",
         files={"examples/small.yaml": BASE, "examples/___.yaml": BASE}),
    Case("serve: spec over the size limit", "serve", (), 0, "over the limit of 1,000,000",
         files={"examples/small.yaml": BASE, "examples/big.yaml": spec("description: " + "x" * 1_000_001)}),
    Case("serve: deep nesting", "serve", (), 0, "nested more than 32 levels",
         files={"examples/small.yaml": BASE, "examples/deep.yaml": nested(100_000)}),
    Case("serve: duplicate key", "serve", (), 0, "key 'loss' is given twice",
         files={"examples/small.yaml": BASE, "examples/dup.yaml": BASE + "loss: mae\n"}),
    Case("serve: divergence", "serve", (), 0, "training diverged",
         files={"examples/small.yaml": BASE, "examples/div.yaml": spec(
             "layers: [{units: 1, activation: linear, weights: [[2], [1]], bias: [0]}]", "learning_rate: 1000",
             "data: {train: [{x: [1, 2], y: 1}, {x: [2, 1], y: 0}]}", "training: {epochs: 200, exact_steps: 2}")}),
    Case("serve: escape codes in the error", "serve", (), 0, "title: must not hold control characters",
         files={"examples/small.yaml": BASE, "examples/esc.yaml": spec('title: "\\e]0;pwned\\a"')},
         not_in_output=("\x1b",)),
    Case("serve: a wide network has no worksheet, says why", "serve", (), 0, "has no worksheet",
         files={"examples/wide.yaml": spec(*WIDE)}, seconds=60),
    Case("serve: a network too large for pages", "serve", (), 0, "layers: the site's pages show an equation",
         files={"examples/small.yaml": BASE, "examples/huge.yaml": spec(
             "layers: [{units: 100, activation: relu}, {units: 100, activation: relu}, {units: 1, activation: linear}]")}),
    Case("build: a network too large for pages", "build", BUILD, 2, "over the limit of 5,000", files={**OLD_SITE,
         "examples/huge.yaml": spec("layers: [{units: 100, activation: relu}, {units: 100, activation: relu}, "
                                    "{units: 1, activation: linear}]")}),
    Case("serve: a spec that is a link to /dev/zero is not read", "serve", (), 0, "",
         files={"examples/small.yaml": BASE, "examples/zero.yaml": "<link to /dev/zero>"}),
    # ---------------------------------------------------------------- printing
    Case("printing: direction override in the title", "printing", RUN, 0, "\\u202e", spec('title: "abc\\u202edef"'),
         not_in_output=("\u202e",)),
    Case("printing: zero-width space in the title", "printing", RUN, 0, "a\\u200bb", spec('title: "a\\u200bb"'),
         not_in_output=("\u200b",)),
    Case("printing: worksheet names the title escaped", "printing",
         ("worksheet", "{spec}", "-o", "{tmp}/out", "--format", "html"), 0, "\\u202e", spec('title: "x\\u202ey"'),
         not_in_output=("\u202e",), writes=("out/spec-worksheet.html",)),
    Case("printing: --json escapes a direction override, staying JSON", "printing", ("run", "{spec}", "--json"), 0,
         '"title": "abc\\u202edef"', spec('title: "abc\\u202edef"'), not_in_output=("\u202e",)),
    Case("printing: worksheet variants over the total limit", "printing",
         ("worksheet", "{spec}", "-o", "{tmp}/out", "--variants", "500", "--format", "html"), 2,
         "--variants: 500 variants of about", spec("layers: [{units: 8, activation: relu}, "
                                                   "{units: 8, activation: relu}, {units: 1, activation: linear}]")),
    Case("printing: --json of a diverging run is refused, not nan", "printing", ("run", "{spec}", "--json"), 2,
         "diverged", spec("layers: [{units: 1, activation: linear, weights: [[2], [1]], bias: [0]}]",
                          "data: {train: [{x: [1, 2], y: 1}, {x: [2, 1], y: 0}]}", "learning_rate: 1000",
                          "training: {epochs: 200, exact_steps: 0}"), not_in_output=("nan", "inf\"")),
    Case("printing: a finite run prints finite numbers", "printing", RUN, 0, "mean loss of the last epoch",
         spec("training: {epochs: 50}"), not_in_output=("nan", "inf")),
    Case("printing: check of a bad spec", "printing", ("check", "{spec}"), 2, "learning_rate",
         spec("learning_rate: -1")),
]
