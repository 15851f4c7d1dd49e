"""The renderer: pages of every example, seed 003's numbers, math hygiene, escaping, re-checks."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import markdown
import pytest

from handcalc.core import check, engine
from handcalc.core import spec as spec_mod
from handcalc.core.display import layout, show
from handcalc.core.trace import Step
from handcalc.core.walk import trace_sections
from handcalc.equations import latex
from handcalc.escape import escape_md, escape_xml
from handcalc.site import render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.yaml"))
TRAINING_PAGES = ["index.md", "forward.md", "loss.md", "backward.md", "update.md", "training.md", "check.md"]
NASTY = r"<script>alert(1)</script> & 50% _x_ \href{javascript:alert(1)}{x} ../../etc"


@cache
def rendered(name: str, notation: str | None = None):
    trace = engine.run(spec_mod.load(ROOT / "examples" / f"{name}.yaml"))
    return trace, render.render_example(trace, check.check(trace, fd_steps=1), name, notation)


def pages(name: str, notation: str | None = None) -> dict[str, str]:
    return {p.path: p.markdown for p in rendered(name, notation)[1].pages}


def display_blocks(md: str) -> list[str]:
    """The bodies of all ``$$`` blocks (also inside indented folds)."""
    return re.findall(r"^ *\$\$\n(.*?)\n *\$\$$", md, re.S | re.M)


def to_html(md: str) -> str:
    return markdown.markdown(md, extensions=["tables", "attr_list", "md_in_html", "admonition", "pymdownx.details",
                                             "pymdownx.superfences", "pymdownx.arithmatex"],
                             extension_configs={"pymdownx.arithmatex": {"generic": True}})


# -- seed 003: the candy-bar numbers -----------------------------------------------------------

def test_candy_bar_shows_seed_003_numbers():
    # Seed 003 ("Example: Forward and Backward Pass"): z1 = [5·2 + 6·1 + 1, 5·2 + 6·3 + 1] = [17, 29],
    # z2 = 17·0.5 + 29·0 + 3.5 = 12, dL/dW1_11 = -2.5, W2_new = [0.67, 0.29].
    p = pages("candy-bar")
    assert r"5 \cdot 2 + 6 \cdot 1 + 1 = 17" in p["forward.md"]
    assert r"5 \cdot 2 + 6 \cdot 3 + 1 = 29" in p["forward.md"]
    assert r"17 \cdot 0.5 + 29 \cdot 0 + 3.5 = 12" in p["forward.md"]
    assert r"\partial W^{[1]}_{11}} &= x_{1} \delta^{[1]}_{1} = 5 \cdot (-0.5) = -2.5" in p["backward.md"]
    assert r"0.5 - 0.01 \cdot (-17) = 0.67" in p["update.md"]
    assert r"0 - 0.01 \cdot (-29) = 0.29" in p["update.md"]


def test_golf_counts_weights_and_biases_like_seed_001():
    # Seed 001: "This neural network has a total of 14 weights", "6 bias values".
    assert "14 weights and 6 biases" in pages("golf")["index.md"]


# -- every example ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_renders_its_pages(name):
    trace, r = rendered(name)
    paths = [p.path for p in r.pages]
    assert paths == (TRAINING_PAGES if trace.steps else ["index.md", "forward.md", "check.md"])
    assert r.slug == name and r.title == trace.spec.title
    assets = {a.path: a.data for a in r.assets}
    assert assets["network.svg"].startswith(b"<svg")
    if trace.steps and not (len(trace.steps) == 1 and trace.float_steps == 0):
        assert b"<svg" in assets["loss.svg"][:400]
    else:  # no training run, or a single step: no loss curve (the training page shows before and after)
        assert "loss.svg" not in assets
    for p in r.pages:
        assert len(p.markdown.encode()) < 600_000, p.path
        for link in re.findall(r"\]\(([a-z]+\.md)\)", p.markdown):
            assert link in paths


@pytest.mark.parametrize("name", EXAMPLES)
def test_display_blocks_are_well_formed(name):
    for path, md in pages(name).items():
        lines = md.splitlines()
        assert sum(1 for ln in lines if ln.strip() == "$$") % 2 == 0, path
        assert not any("$$" in ln and ln.strip() != "$$" for ln in lines), path
        for body in display_blocks(md):
            assert all(ln.strip() for ln in body.splitlines()), f"{path}: empty line in a display block"
            assert r"\href" not in body and r"\require" not in body
            for m in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", body, re.S):
                assert max(len(row.split("&")) for row in m.split(r"\\")) <= latex.MAX_COLS, path


@pytest.mark.parametrize("name", ["golf", "mazur", "gaussian"])
def test_long_training_tables_the_chart_epochs_and_ships_every_epoch_as_csv(name):
    """A long run's loss table lists the epochs its log-scale chart spreads evenly (1–9, then each
    10th, 100th, … and the last); the CSV beside the page holds every epoch.  Read from the page's
    HTML and the CSV's text, checked against the trace."""
    assert render.log_epochs(1234)[-4:] == [800, 900, 1000, 1234] and render.log_epochs(3) == [1, 2, 3]
    trace, r = rendered(name)
    n = len(trace.epoch_loss)
    html = to_html(pages(name)["training.md"])
    assets = {a.path: a.data for a in r.assets}
    block = html.split("Mean loss at", 1)[1] if n > 50 else html.split("mean loss", 1)[1]
    rows = re.findall(r"<tr>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([^<]+)</td>\s*</tr>", block.split("</table>")[0])
    shown = [int(e) for e, _ in rows]
    csv = assets.get("loss-per-epoch.csv", b"").decode().splitlines()
    if n <= 50:
        assert shown == list(range(1, n + 1)) and not csv
        return
    decades = [e for e in range(1, n + 1) if str(e).rstrip("0") in "123456789" and len(str(e).rstrip("0")) == 1]
    assert shown == decades + ([n] if decades[-1] != n else []), shown
    assert f"all {n}" in html and 'href="loss-per-epoch.csv"' in html
    assert csv[0] == "epoch,mean_loss" and len(csv) == n + 1
    values = {}
    for line in csv[1:]:
        e, v = line.split(",")
        values[int(e)] = v
    assert sorted(values) == list(range(1, n + 1))
    for e, printed in rows:
        exact = values[int(e)]
        assert abs(float(exact) - float(trace.epoch_loss[int(e) - 1])) <= 1e-12
        want = f"{float(exact):.{trace.spec.display.decimals}f}"
        assert printed.replace("≈", "").replace("−", "-").strip() == want, (e, printed, exact)


def _float_forward(trace, x):
    """Activations of every layer for the rows of ``x`` with the final parameters, in float64
    (written here, apart from the engine: ReLU, sigmoid and softmax, the activations of the
    training examples with hidden layers)."""
    import numpy as np
    acts = [np.array(x, dtype=float)]
    for lay, p in zip(trace.spec.layers, trace.final):
        z = acts[-1] @ np.array([[float(w) for w in row] for row in p.W]) + np.array([float(v) for v in p.b])
        if lay.activation == "relu":
            a = np.maximum(z, 0.0)
        elif lay.activation == "sigmoid":
            a = 1 / (1 + np.exp(-z))
        else:
            assert lay.activation == "softmax", lay.activation
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        acts.append(a)
    return acts


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n not in ("seven-layer",)])
def test_units_that_stopped_learning_are_named_from_the_final_weights(name):
    """The training page names every hidden ReLU unit that is 0 for every training row with the
    final weights, and the rows whose last hidden layer is all zeros with the one prediction
    they share (recomputed here in float64 from the final weights), and their targets when those
    differ; nothing when there is none."""
    trace, _ = rendered(name)
    spec = trace.spec
    html = to_html(pages(name)["training.md"])
    acts = _float_forward(trace, [[float(v) for v in s.x] for s in spec.train])
    dead = [f"a^{{[{l}]}}_{{{j + 1}}}" for l, (lay, a) in enumerate(zip(spec.layers[:-1], acts[1:-1]), start=1)
            if lay.activation == "relu" for j in range(a.shape[1]) if (a[:, j] == 0).all()]
    import numpy as np
    zero_rows = [i for i in range(len(spec.train)) if len(spec.layers) > 1 and (acts[-2][i] == 0).all()]
    section = html.split("Units that stopped learning", 1)[1].split("<h2", 1)[0] if "stopped learning" in html else ""
    if not dead and len(zero_rows) < 2:
        assert section == "", name
        return
    assert name in ("golf", "gaussian")  # (the examples where training leaves dead units: keeps this test honest)
    named = re.findall(r"a\^\{\[\d+\]\}_\{\d+\}", section.split("Training rows")[0])
    assert named == dead, (named, dead)
    if len(zero_rows) >= 2:
        listed = re.search(r"Training rows ([\d, and]+) leave layer", section)[1]
        assert [int(v) for v in re.findall(r"\d+", listed)] == [i + 1 for i in zero_rows]
        out = acts[-1][zero_rows]
        assert np.allclose(out, out[0])
        printed = re.search(r"ŷ ≈ \(?([−\d., ]+)\)?", section)[1]
        want = ", ".join(f"{v:.{spec.display.decimals}f}" for v in out[0])
        assert printed.strip().replace("−", "-") == want, (printed, want)
        targets = {tuple(float(v) for v in spec.train[i].y) for i in zero_rows}
        assert ("Their targets are" in section) == (len(targets) > 1)


def test_forward_only_spec_works_each_sample():
    p = pages("seven-layer")
    assert "#### Sample 2" in p["forward.md"]
    assert "loss.md" not in p


def test_notation_override_transposes_matrices():
    row, col = pages("candy-bar", "row")["forward.md"], pages("candy-bar", "column")["forward.md"]
    assert r"\begin{bmatrix} 2 & 2 \\ 1 & 3 \end{bmatrix}" in row
    assert r"\begin{bmatrix} 2 & 1 \\ 2 & 3 \end{bmatrix}" in col
    assert r"W^{[1]}_{11} x_{1}" in col


def test_big_batch_abbreviates_sums_and_folds_tables():
    p = pages("moons")
    assert r"\cdots" in p["backward.md"]
    assert '??? note "The error δ of layer 1 for all 400 samples"' in p["backward.md"]
    assert '??? example "' in p["forward.md"]


def test_big_layer_folds_every_expansion_it_does_not_show():
    # moons layer 2 is 16 x 8: two weight updates shown, the other 126 in folds of FOLD_SIZE
    trace, out = rendered("moons")
    spec = trace.spec
    st = latex.Style.of(spec, None, len(trace.steps[0].batch))
    upd = trace.steps[0].update[1]
    md = pages("moons")["update.md"]
    eqs = [latex.weight_update(r, 2, i, j, st) for i, row in enumerate(upd.W) for j, r in enumerate(row)]
    total = len(eqs)
    assert total == 128
    for e in eqs:
        assert e.rows()[0] in md
    titles = re.findall(rf'^\?\?\? example "Weights: (\d+)–(\d+) of {total}"$', md, re.M)
    spans = [(int(a), int(b)) for a, b in titles]
    assert spans[0][0] == render.DETAIL_UNITS + 1 and spans[-1][1] == total
    assert all(b - a + 1 <= render.FOLD_SIZE for a, b in spans)
    assert all(nxt[0] == prev[1] + 1 for prev, nxt in zip(spans, spans[1:]))
    # the unfolded head holds only the first DETAIL_UNITS of them
    head = md.split("## Layer 2")[1].split('??? example "Weights:')[0]
    assert sum(e.rows()[0] in head for e in eqs) == render.DETAIL_UNITS


def test_relu_zeroed_entries_are_named():
    # golf step 1, layer 1: z = [-0.3, 0.5, 0.5] (from the trace), so z_1 is zeroed
    trace, _ = rendered("golf")
    z = trace.steps[0].forward[0].z[0]
    dead = [j for j, r in enumerate(z) if r.value <= 0]
    assert dead
    text = pages("golf")["forward.md"]
    for j in dead:
        assert f"$z^{{[1]}}_{{{j + 1}}}$" in text.split("## Layer 2")[0].split("Not positive:")[1].split("\n")[0]


# -- every substituted line re-checks -----------------------------------------------------------

def step_equations(trace, s: Step, st: latex.Style):
    """(record, equation) for every equation of a step, as the pages print them (the walk's)."""
    for sec in trace_sections(trace, s):
        if sec.part != "after":  # the pages show the pass after the update in matrix form
            yield from ((e.record, latex.equation(e, st)) for e in sec.entries)


def operands(rec):
    for name in ("terms", "items", "args"):
        if hasattr(rec, name):
            for x in getattr(rec, name):
                yield from (x if isinstance(x, tuple) else (x,))
    if hasattr(rec, "offset") and rec.offset is not None:
        yield rec.offset
    for name in ("old", "rate", "grad"):
        if hasattr(rec, name):
            yield getattr(rec, name)


@pytest.mark.parametrize("name", ["candy-bar", "golf", "gaussian"])
@pytest.mark.parametrize("rounding", ["exact", "hand"])
def test_every_substituted_number_rechecks(name, rounding):
    spec = spec_mod.load(ROOT / "examples" / f"{name}.yaml").with_display(rounding=rounding)
    spec = spec.with_training(exact_steps=min(spec.training.exact_steps, 2))
    trace = engine.run(spec)
    d = spec.display.decimals
    count = 0
    for s in trace.steps:
        st = latex.Style.of(spec, batch=len(s.batch))
        for rec, eq in step_equations(trace, s, st):
            lay = layout(rec, d)
            assert lay.ok
            shown = show(rec.value, d, rec.rounded)
            assert eq.result == shown.text and eq.relation == lay.final
            assert eq.subst == lay.subst
            body = " ".join(eq.numbers)
            for x in operands(rec) if eq.numbers else ():  # (a constant like loss′ = −1 has none)
                text = show(x, lay.places_of(x, d)).text
                assert text.lstrip("-") in body, (eq, x)  # "+ (-3)" is written "- 3"
            count += 1
    assert count > 20


# -- escaping ----------------------------------------------------------------------------------

def nasty_spec():
    src = (ROOT / "examples" / "candy-bar.yaml").read_text()
    src = src.replace("title: Candy bar price", "title: " + repr(NASTY).replace("\\\\", "\\"))
    src = src.replace("inputs: [quarters, nickels]", "inputs: ['a_b%', '<b>*x*</b>']")
    src = src.replace("outputs: [price]", "outputs: ['$y$ & `z`']")
    spec = spec_mod.parse(spec_mod.read_yaml(src))
    assert spec.title == NASTY
    return spec


def test_spec_text_is_escaped_everywhere():
    spec = nasty_spec()
    trace = engine.run(spec)
    r = render.render_example(trace, check.check(trace), "nasty")
    for p in r.pages:
        html = to_html(p.markdown)
        assert "<script" not in html and "<b>" not in html and "href=\"javascript" not in html, p.path
        if p.path == "index.md":
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 50% _x_ \\href{javascript:alert(1)}{x} ../../etc" in (
                html.replace("&#92;", "\\").replace("&#95;", "_").replace("&#40;", "(").replace("&#41;", ")")
                .replace("&#123;", "{").replace("&#125;", "}").replace("&#58;", ":"))
            assert "a_b%" in html.replace("&#95;", "_")
            assert "&#36;y&#36; &amp; &#96;z&#96;" in html  # an output name with $…$ and backticks
    svg = next(a.data.decode() for a in r.assets if a.path == "network.svg")
    assert "<script" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;&#42;x&#42;&lt;/b&gt;" in svg


def test_latex_text_escaping():
    assert latex.escape_text(r"a_b% \ {x} ^ & # $ ~") == (
        r"a\_b\% \textbackslash{} \{x\} \textasciicircum{} \& \# \$ \textasciitilde{}")
    assert latex.text(NASTY).count(r"\href") == 0


def test_markdown_and_xml_escaping():
    assert escape_md("*a* _b_ [c](d) `e` $f$ | <g>") == (
        "&#42;a&#42; &#95;b&#95; &#91;c&#93;&#40;d&#41; &#96;e&#96; &#36;f&#36; &#124; &lt;g&gt;")
    assert escape_xml("<a href='x'>&</a>") == "&lt;a href&#61;&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    assert "\\" not in escape_xml("\\href{x} $y$") and "$" not in escape_xml("$y$")


# -- the rules table (sympy) ---------------------------------------------------------------------

def _matrices(tex: str) -> list[list[list[str]]]:
    """Every ``bmatrix`` of a LaTeX text, as rows of cell texts."""
    return [[[c.strip() for c in row.split("&")] for row in body.split(r"\\")]
            for body in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex, re.S)]


def test_renderer_overrides_the_spec_notation() -> None:
    """The same trace written in column notation: every matrix of the first forward
    equation is the transpose of the row one, and the layout formula is W·a + b."""
    spec = spec_mod.load(ROOT / "examples" / "candy-bar.yaml")
    assert spec.notation == "row"
    trace = engine.run(spec)
    report = check.check(trace)

    def first_equation(notation: str | None) -> str:
        pages = render.render_example(trace, report, "candy-bar", notation=notation)
        text = next(p.markdown for p in pages.pages if p.path == "forward.md")
        return text[text.index(r"\begin{aligned}"):text.index(r"\end{aligned}")]

    row, column = first_equation(None), first_equation("column")
    assert r"x\, W^{[1]}" in row and r"W^{[1]} x" in column
    row_m, col_m = _matrices(row), _matrices(column)
    assert len(row_m) == len(col_m) >= 3
    col_m[0], col_m[1] = col_m[1], col_m[0]  # x·W in row notation, W·x in column notation
    for r_, c_ in zip(row_m, col_m):
        assert [list(t) for t in zip(*r_)] == c_


# -- the network diagram's weight labels -----------------------------------------------------------

def _segment_distance(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> float:
    dx, dy = x2 - x1, y2 - y1
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def test_each_weight_label_stands_on_its_own_line_and_clear_of_the_others() -> None:
    """Every labelled diagram (no layer wider than LABELS_UP_TO): each weight has one label; its
    pill's centre lies on its own line and well away from every other line (so no crossing
    leaves it in doubt), no two pills overlap, and the text is at least 11 px at 1:1."""
    import xml.etree.ElementTree as ET

    from handcalc.site import diagram

    ns = "{http://www.w3.org/2000/svg}"
    labelled = 0
    for name in EXAMPLES:
        spec = spec_mod.load(ROOT / "examples" / f"{name}.yaml")
        if max(spec.sizes) > diagram.LABELS_UP_TO:
            continue
        labelled += 1
        svg = ET.fromstring(diagram.network_svg(spec, engine.initial_params(spec), latex.Style.of(spec)))
        lines = {ln.get("data-edge"): tuple(float(ln.get(k)) for k in ("x1", "y1", "x2", "y2"))
                 for ln in svg.iter(f"{ns}line")}
        pills = {}
        for g in svg.iter(f"{ns}g"):
            rect, text = g.find(f"{ns}rect"), g.find(f"{ns}text")
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            pills[g.get("data-edge")] = (x, y, x + w, y + h)
            assert float(text.get("font-size")) >= 11 and abs(float(text.get("x")) - (x + w / 2)) < 0.5
        assert len(lines) == sum(a * b for a, b in zip(spec.sizes, spec.sizes[1:])) and pills.keys() == lines.keys()
        for edge, (x0, y0, x1, y1) in pills.items():
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            own = _segment_distance(cx, cy, *lines[edge])
            other = min(_segment_distance(cx, cy, *seg) for e, seg in lines.items() if e != edge)
            assert own < 0.5 and other >= (y1 - y0) / 2 - 1, (name, edge, own, other)
        boxes = list(pills.items())
        for k, (e, a) in enumerate(boxes):
            for f, b in boxes[k + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (name, e, f)
    assert labelled >= 4
    # the placing says when it cannot keep a label clear: two lines on top of each other
    same = diagram.Edge(0, 0, 200, 0)
    assert [ok for _, ok in diagram.place_labels([same, same], [30, 30], [], [], top=-50)] == [False, False]
