"""Every example teaches what it says it teaches (issue 7, items 3–6), read from the built pages:
the update page ends with the samples run again with the new parameters, the candy bar says what
its toy loss does and links its mean-squared-error twin, the worked step is chosen by a spec key,
and the sentences read as a person would write them.  Numbers come from the trace."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLE_NAMES, EXAMPLES, example_spec, example_trace
from sitebuild import ROOT, Links, built_site

from handcalc.cli import main
from handcalc.core import check, engine
from handcalc.core.display import show
from handcalc.core.errors import SpecError
from handcalc.core.functions import LOSSES
from handcalc.core.numbers import Num
from handcalc.core.spec import parse, read_yaml
from handcalc.core.trace import Step
from handcalc.site import sitegen
from handcalc.site.render import render_example
from handcalc.worksheets import model as W

TRAINING = [n for n in EXAMPLE_NAMES if example_spec(n).trains]


def worked(name: str) -> Step:
    trace = example_trace(name)
    return trace.steps[trace.spec.training.worked_step - 1]


def page(slug: str, name: str = "") -> str:
    """A built page's visible text (the LaTeX of its math included), entities decoded."""
    path = built_site() / "examples" / slug / name / "index.html"
    return html.unescape(" ".join(Links(path.read_text(encoding="utf-8")).text))


def hrefs(slug: str, name: str = "") -> list[str]:
    return Links((built_site() / "examples" / slug / name / "index.html").read_text(encoding="utf-8")).hrefs


def words(x: Num, decimals: int) -> str:
    """A number as a sentence on the pages writes it (display.show, with a proper minus sign)."""
    return show(x, decimals).text.replace("-", "−")


# ---------------------------------------------------------------------------
# 3. before and after


@pytest.mark.slow
@pytest.mark.parametrize("name", TRAINING)
def test_update_page_ends_with_the_step_run_again(name: str) -> None:
    step, d = worked(name), example_spec(name).display.decimals
    after = step.after
    assert after is not None
    built = (built_site() / "examples" / name / "update" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2 id="([^"]+)"', built)[-1] == "before-and-after"  # the page ends with it
    text = page(name, "update")
    tail = text[text.index("Before and after"):]
    assert r"W^{[1]}_{\text{new}}" in tail and r"L_{\text{new}}" in tail and r"\Delta L" in tail
    assert "before the update" in tail and "after the update" in tail
    for rec in (step.loss, after.loss, step.forward[-1].a[0][0], after.forward[-1].a[0][0]):
        assert show(rec.value, d, rec.rounded).text.replace("-", "−") in tail  # the old/new table
    verb = "falls" if after.change.value < 0 else "rises"
    by = show(after.change.value, d, after.change.rounded).text.lstrip("-")
    assert (f"The loss {verb} from {words(step.loss.value, d)} to {words(after.loss.value, d)}, by {by}."
            in tail)


def test_the_change_is_the_new_loss_less_the_old() -> None:
    for name in TRAINING:
        for s in example_trace(name).steps:
            assert s.after.change.value == s.after.loss.value - s.loss.value, (name, s.number)
            assert s.after.change.terms == ((s.after.loss.value, Num(1)), (s.loss.value, Num(-1)))


@pytest.mark.slow
def test_a_one_step_example_shows_before_and_after_instead_of_a_loss_curve() -> None:
    for name in TRAINING:
        trace = example_trace(name)
        training = page(name, "training")
        chart = 'class="hc-diagram hc-chart"' in (
            built_site() / "examples" / name / "training" / "index.html").read_text(encoding="utf-8")
        if len(trace.steps) == 1 and trace.float_steps == 0:
            assert not chart, name
            assert "Before and after the update" in training and "after the update" in training, name
            assert not (built_site() / "examples" / name / "loss.svg").exists(), name
        else:
            assert chart, name
            assert "L after the update" in training, name  # a column of the step table


# ---------------------------------------------------------------------------
# 4. the candy bar and its twin


def test_toy_loss_moves_the_prediction_away_and_mse_toward_the_target() -> None:
    for name, farther in (("candy-bar", True), ("candy-bar-mse", False)):
        step = worked(name)
        y = Num(example_spec(name).train[step.batch[0]].y[0])
        before, after = step.forward[-1].a[0][0].value, step.after.forward[-1].a[0][0].value
        assert (abs(after - y) > abs(before - y)) == farther, name
        assert step.after.change.value < 0, name  # both losses fall
    toy, mse = example_spec("candy-bar"), example_spec("candy-bar-mse")
    assert (toy.layers, toy.train) == (mse.layers, mse.train)  # same network, weights and data
    assert (toy.loss, mse.loss) == ("difference", "mse")


def test_mse_twin_says_truly_what_a_hundred_times_larger_rate_would_do() -> None:
    """candy-bar-mse's description: with 0.01 the step overshoots, the output ReLU's input turns
    negative, ŷ = 0 and no gradient flows back, so training stops. Run and see."""
    assert "would give ŷ = 0 and pass no gradient back" in " ".join(example_spec("candy-bar-mse").description.split())
    raw = read_yaml((EXAMPLES / "candy-bar-mse.yaml").read_text(encoding="utf-8"))
    raw["learning_rate"] = "0.01"
    raw["training"].update(epochs=3, exact_steps=3)
    steps = engine.run(parse(raw)).steps
    z_out = steps[1].forward[-1].z[0][0].value
    assert z_out < 0 and steps[1].forward[-1].a[0][0].value == 0
    y = Num(example_spec("candy-bar-mse").train[0].y[0])
    assert steps[0].forward[-1].a[0][0].value > y.v  # it started above the target: it went past it
    for later in steps[1:]:
        assert all(g.value == 0 for lay in later.backward for row in lay.dW for g in row)
        assert all(g.value == 0 for lay in later.backward for g in (lay.db or ()))


@pytest.mark.slow
def test_candy_bar_pages_say_what_the_toy_loss_does_and_link_the_twin() -> None:
    d = example_spec("candy-bar").display.decimals
    step = worked("candy-bar")
    loss = page("candy-bar", "loss")
    for said in ("toy loss", "as large as possible", "no minimum", "away from the target"):
        assert said in loss, said
    new = step.after.forward[-1].a[0][0]
    assert f"moves from {words(step.forward[-1].a[0][0].value, d)} to {words(new.value, d)}" in loss
    assert "away from the target" in page("candy-bar", "update")
    mse = page("candy-bar-mse", "loss")
    assert "mean squared error" in mse and "toward the target" in page("candy-bar-mse", "update")
    assert "toy" not in mse.split("See also")[0]
    for here, there in (("candy-bar", "candy-bar-mse"), ("candy-bar-mse", "candy-bar")):
        for name in ("", "loss"):
            assert any(h.rstrip("/").endswith(f"../{there}") or h.rstrip("/").endswith(f"../../{there}")
                       for h in hrefs(here, name)), (here, name)
    assert "Same network, a real loss" in page("candy-bar")


TINY = {
    "title": "tiny", "inputs": ["a", "b"],
    "layers": [{"units": 2, "activation": "relu", "weights": [[0.5, -0.2], [0.3, 0.4]], "bias": [0.1, 0]},
               {"units": 1, "activation": "sigmoid", "weights": [[0.6], [-0.3]], "bias": [0.1]}],
    "learning_rate": 0.5, "data": {"train": [{"x": [1, 2], "y": [1]}]},
}


def tiny(loss: str) -> dict:
    doc = read_yaml(yaml.safe_dump(TINY))  # numbers read exactly, as from a file
    doc["loss"] = loss
    if loss == "cce":
        doc["layers"][-1] = {"units": 2, "activation": "softmax", "weights": [["3/5", "1/10"], ["-3/10", "1/5"]]}
        doc["data"]["train"][0]["y"] = [1, 0]
    return doc


@pytest.mark.parametrize("loss", list(LOSSES))
def test_loss_page_wording_fits_the_kind_of_loss(loss: str) -> None:
    trace = engine.run(parse(tiny(loss)))
    pages = {p.path: p.markdown for p in render_example(trace, check.check(trace), "tiny").pages}
    words_ = LOSSES[loss]
    opening = pages["loss.md"].split("$$")[0]
    assert words_.title in opening and words_.about in opening
    kind_says = {"regression": "how far the prediction", "classification": "predicted probabilities",
                 "toy": "toy loss"}
    for kind, phrase in kind_says.items():
        assert (phrase in opening) == (kind == words_.kind), (loss, kind)
    assert words_.title in pages["index.md"]
    if loss != "difference":  # the other keys never stand on a page as the loss's name
        for path, md in pages.items():
            assert not re.search(rf"(?<![\\\w]){loss}(?!\w)", md), (loss, path)


# ---------------------------------------------------------------------------
# 5. the worked step


def golf_with(tmp_path: Path, **training) -> Path:
    doc = yaml.safe_load((EXAMPLES / "golf.yaml").read_text(encoding="utf-8"))
    doc["training"].update(training)
    out = tmp_path / "golf.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return out


@pytest.mark.parametrize("value", [0, -1, 9, 2.5, "two", True, None])
def test_worked_step_out_of_range_is_refused(tmp_path: Path, value) -> None:
    path = golf_with(tmp_path, worked_step=value)  # golf has 8 exact steps
    for args in (["run", str(path)], ["check", str(path)], ["worksheet", str(path), "-o", str(tmp_path / "o")]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 2, (args, r.output)
        assert r.stderr.startswith("handcalc: training.worked_step: "), r.stderr
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_worked_step_needs_an_exact_step(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["run", str(golf_with(tmp_path, exact_steps=0, worked_step=1))])
    assert r.exit_code == 2 and r.stderr.startswith("handcalc: training.worked_step: "), r.stderr


def test_worked_step_defaults_to_the_first() -> None:
    doc = read_yaml((EXAMPLES / "golf.yaml").read_text(encoding="utf-8"))
    assert parse(doc).training.worked_step == 3
    del doc["training"]["worked_step"]
    assert parse(doc).training.worked_step == 1


def test_golf_works_a_step_whose_first_layer_gradients_are_not_all_zero() -> None:
    trace = example_trace("golf")
    assert all(r.value == 0 for row in trace.steps[0].backward[0].dW for r in row)  # x = [0, 0]: why
    step = worked("golf")
    assert any(r.value != 0 for row in step.backward[0].dW for r in row)
    assert [s.x for s in trace.spec.train] == [s.x for s in example_spec("golf").train]  # data and order kept
    ws = W.make(example_spec("golf"))  # the worksheet works the same step
    assert ws.worked == step.number and ws.trace.spec.train[0] == trace.spec.train[step.batch[0]]
    assert any(r.value != 0 for row in ws.trace.steps[0].backward[0].dW for r in row)
    assert f"as training step {step.number} starts" in ws.givens[2].label


@pytest.mark.slow
def test_golf_pages_show_the_worked_step() -> None:
    step, d = worked("golf"), example_spec("golf").display.decimals
    assert f"training step {step.number} on training row {step.batch[0] + 1}" in page("golf", "forward")
    backward = page("golf", "backward")
    for row in step.backward[0].dW:
        for r in row:
            assert show(r.value, d, r.rounded).text in backward
    assert f"The loss of step {step.number} is" in page("golf", "loss")
    assert f"Step {step.number} is the one the other pages work in full" in page("golf", "training")
    earlier = f"the ones the first {step.number - 1} updates leave"
    assert earlier in page("golf", "forward") and "training/" in " ".join(hrefs("golf", "forward"))
    assert "starting values of the overview" not in page("candy-bar", "forward")  # it works step 1


# ---------------------------------------------------------------------------
# 6. words a person would write


@pytest.mark.slow
def test_relu_sentences_agree_in_number() -> None:
    seen = set()
    for name in EXAMPLE_NAMES:
        text = page(name, "forward")
        for listed, verb in re.findall(r"Not positive: (.*?); (?:leaky )?ReLU (?:sets|scales) (it|them)", text):
            many = listed.count(",") > 0
            assert verb == ("them" if many else "it"), (name, listed, verb)
            seen.add(verb)
        assert "Every entry is positive" not in text or "passes all of them" in text
    assert seen == {"it", "them"}
    assert "The entry is positive, so ReLU passes it through unchanged." in page("candy-bar", "forward")


@pytest.mark.slow
def test_a_linear_layer_is_not_written_entry_by_entry_again() -> None:
    text = page("seven-layer", "forward")
    assert "The activation is the identity" in text
    assert "a^{[7](1)}_{1}" not in text and r"\operatorname{id}" not in text


@pytest.mark.slow
def test_notation_table_lists_only_the_symbols_used() -> None:
    def table(name: str) -> str:
        text = page(name)
        return text[text.index("symbol"):text.index("Exact values are written")]

    forward_only = table("seven-layer")
    for unused in (r"\delta", r"\eta", "the loss", "b^{[l]}", "the target"):
        assert unused not in forward_only, unused
    assert "W^{[l]}" in forward_only and "x^{(s)}" in forward_only
    training = table("golf")
    for used in (r"\delta", r"\eta", "binary cross-entropy", "b^{[l]}", "the target"):
        assert used in training, used


@pytest.mark.slow
def test_losses_are_named_in_words_on_every_page() -> None:
    for name in EXAMPLE_NAMES:
        folder = built_site() / "examples" / name
        for path in folder.rglob("index.html"):
            text = html.unescape(" ".join(Links(path.read_text(encoding="utf-8")).text))
            assert not re.search(r"(?<![\\\w])(bce|cce|mse|mae|half_sse)(?!\w)", text), path
        spec = example_spec(name)
        if spec.loss:
            assert LOSSES[spec.loss].title in page(name), name


SEED_CITATION = re.compile(r"\bseeds? 00\d", re.I)


@pytest.mark.slow
def test_sources_are_cited_by_title_and_author_not_seed_numbers() -> None:
    generated = ROOT / "docs" / "examples"  # `handcalc build` output: checked below, as built
    written = [ROOT / "README.md", *sorted(EXAMPLES.glob("*.yaml")),
               *(p for p in sorted((ROOT / "docs").rglob("*.md")) if generated not in p.parents)]
    for path in written:
        assert not SEED_CITATION.search(path.read_text(encoding="utf-8")), path
    site = built_site()
    for path in site.rglob("*.html"):
        assert not SEED_CITATION.search(" ".join(Links(path.read_text(encoding="utf-8")).text)), path
    home = Links((site / "index.html").read_text(encoding="utf-8"))
    assert any(h.rstrip("/").endswith("sources") for h in home.hrefs)
    sources = Links((site / "sources" / "index.html").read_text(encoding="utf-8"))
    for author in ("Rishabh Mondal", "Jeremy London"):
        assert author in " ".join(sources.text)
    for name in EXAMPLE_NAMES:
        assert f"{name}.yaml" in " ".join(sources.text), name
        assert "Source:" in page(name), name


# ---------------------------------------------------------------------------
# see_also


def test_see_also_links_only_to_examples_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "candy-bar.yaml").write_text((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    alone = sitegen.collect(tmp_path, workers=1)[0]
    assert alone.spec.see_also == ()
    assert not any("candy-bar-mse" in p.markdown for p in alone.rendered.pages)
    (tmp_path / "candy-bar-mse.yaml").write_text((EXAMPLES / "candy-bar-mse.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    both = {c.slug: c for c in sitegen.collect(tmp_path, workers=1)}
    for here, there in (("candy-bar", "candy-bar-mse"), ("candy-bar-mse", "candy-bar")):
        pages = {p.path: p.markdown for p in both[here].rendered.pages}
        assert f"](../{there}/index.md)" in pages["index.md"] and f"](../{there}/index.md)" in pages["loss.md"]


def test_see_also_names_a_page_folder() -> None:
    doc = read_yaml((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    for bad in ("../etc", "Candy Bar", "", 3, "x)[y](z"):
        doc["see_also"] = [{"example": bad}]
        with pytest.raises(SpecError) as exc:
            parse(doc)
        assert exc.value.field == "see_also[0].example"


@pytest.mark.slow
def test_check_page_says_agree_only_of_gradients_it_compared() -> None:
    """A gradient at a kink is not compared: its row says so and does not claim agreement; the
    sentence on large steps agrees in number with the steps it lists."""
    skipped = 0
    for name in EXAMPLE_NAMES:
        built = (built_site() / "examples" / name / "check" / "index.html").read_text(encoding="utf-8")
        for row in re.findall(r"<tr>(.*?)</tr>", built, flags=re.S):
            cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            if cells and cells[3].startswith("not compared"):
                skipped += 1
                assert cells[4] != "yes", (name, cells)
        text = page(name, "check")
        for listed, verb in re.findall(r"Steps? ([\d, ]+?) (is|are) large", text):
            assert verb == ("are" if "," in listed else "is"), (name, listed)
    assert skipped, "no example has a gradient at a kink: the test checks nothing"


@pytest.mark.slow
def test_update_page_states_only_the_rules_it_applies() -> None:
    """Mazur's biases are fixed: its update page gives no bias rule and says they stay; golf
    trains its biases and gives both rules. η is written in full (candy-bar-mse: 0.0001)."""
    assert r"b^{[l]}_{\text{new}}" not in page("mazur", "update")
    assert "The biases are fixed" in page("mazur", "update")
    assert r"b^{[l]}_{\text{new}}" in page("golf", "update") and "The biases are fixed" not in page("golf", "update")
    eta = show(Num(example_spec("candy-bar-mse").learning_rate), 12).text
    assert rf"\eta = {eta}" in page("candy-bar-mse", "update")
