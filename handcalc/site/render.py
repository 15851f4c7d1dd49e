"""Trace → the Markdown pages and files of one worked example.

:func:`render_example` is the whole interface: it returns a :class:`handcalc.pages.Rendered`
with ``index.md`` (overview), ``forward.md``, ``loss.md``, ``backward.md``, ``update.md``,
``training.md`` and ``check.md`` (a forward-only spec gets the overview, forward and check),
plus ``network.svg`` and ``loss.svg``.

The Markdown needs these extensions: ``pymdownx.arithmatex`` (generic mode: ``$…$`` inline,
``$$`` display blocks on their own lines), ``pymdownx.details`` (``??? example`` folds),
``pymdownx.superfences``, ``tables``, ``attr_list``, ``md_in_html``, ``admonition``.

The builders here pick *which* records to show and lay them out; every equation comes
from :mod:`handcalc.equations.latex`, every number from :func:`handcalc.core.display.show`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from .. import resources
from ..core.check import Report
from ..core.display import GIVEN_PLACES, joint, show
from ..core.functions import ACTIVATIONS, LOSSES
from ..core.numbers import Num, to_decimal_string
from ..core.spec import LayerSpec, Spec
from ..core.trace import After, Applied, BackwardLayer, ForwardLayer, Record, Step, Trace
from ..core.walk import Section, trace_sections
from ..equations import latex
from ..equations.latex import Style, bmatrix
from ..equations.latex import math_block as math
from ..equations.pagecheck import PageCheck, check_pages
from ..escape import escape_md
from ..pages import Asset, Page, Rendered
from .diagram import network_svg
from .plot import LOG_EPOCHS, loss_svg, waiting_svg

DETAIL_SAMPLES = 4  # batches up to this size are worked sample by sample
DETAIL_UNITS = 2  # element-wise expansions shown unfolded per layer when a layer is big
SMALL = 4  # a layer with at most this many inputs and units is "small": everything unfolded
SUM_KEEP = 3  # terms kept at the start of an abbreviated batch sum
FOLD_SIZE = 24  # element-wise expansions per fold at most
GROUP = 6  # equations per display block inside a fold
TABLE_FOLD = 12  # data tables longer than this are folded
LOSS_CSV = "loss-per-epoch.csv"  # every epoch's mean loss, beside the training page
GRADIENT_ROWS = 40  # gradient comparisons shown open on the check page at most

# ---------------------------------------------------------------------------
# templates


@cache
def environment():
    """The Jinja environment of the pages: package templates, undefined names are errors,
    the filters registered here are the only helpers templates have."""
    env = resources.templates()
    env.filters.update({"md": escape_md, "tex": latex.text, "math": latex.math_block})
    return env


# ---------------------------------------------------------------------------
# Markdown building blocks


def fold(title: str, body: str, kind: str = "example") -> str:
    """A collapsed ``??? kind "title"`` block (pymdownx.details) around Markdown."""
    inner = "\n".join(("    " + ln) if ln.strip() else "" for ln in body.strip().splitlines())
    return f'??? {kind} "{title}"\n\n{inner}\n'


def table(header: Sequence[str], rows: Sequence[Sequence[str]], words: int = 0) -> str:
    """A Markdown table, numbers aligned right; the first ``words`` columns hold words, aligned left."""
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(" :--- " if k < words else " ---: " for k in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def cell(x: Num, style: Style, rounded: bool = False) -> str:
    """A number in a table cell: ``≈`` in front when it is rounded."""
    s = show(x, style.decimals, rounded)
    return ("≈ " if s.approx else "") + s.text.replace("-", "−")


def log_epochs(n: int) -> list[int]:
    """Epochs 1…n on a log scale: k·10^d for k = 1…9, and n."""
    out, power = [], 1
    while power <= n:
        out += [k * power for k in range(1, 10) if k * power <= n]
        power *= 10
    return out if out[-1] == n else [*out, n]


def loss_csv(trace: Trace) -> bytes:
    """Every epoch's mean loss as CSV (numbers as ``handcalc run --json`` writes them)."""
    rows = ["epoch,mean_loss", *(f"{e},{to_decimal_string(v)}" for e, v in enumerate(trace.epoch_loss, start=1))]
    return ("\n".join(rows) + "\n").encode()


def rec_cell(rec: Record, style: Style) -> str:
    return cell(rec.value, style, rec.rounded)


def matrix_eq(lhs: str, rows: Sequence[Sequence[str]], approx: bool, note: str = "") -> str:
    """``lhs = [matrix]``, split into column blocks when it is wide."""
    blocks = latex.matrix_blocks(lhs, rows, "≈" if approx else "=", stacked=True)
    if len(blocks) == 1:
        return math(blocks[0])
    parts = [f"The matrix has {len(rows[0])} columns; to fit the page it is printed in "
             f"{len(blocks)} blocks of columns{note}.", ""]
    for block in blocks:
        parts += [math(block), ""]
    return "\n".join(parts)


def aligned_block(eqs: Sequence[latex.Equation]) -> str:
    return math(latex.block(eqs))


def expansions(eqs: Sequence[latex.Equation], what: str, show_all: bool) -> str:
    """The element-wise equations: all of them, or the first few and every other one folded.

    The folds hold at most :data:`FOLD_SIZE` equations each, so that opening one stays quick;
    the site typesets a fold's math only when it is opened (``handcalc/assets/katex-init.js``), so
    a page with hundreds of folded equations is as quick to show as one without them."""
    if show_all or len(eqs) <= DETAIL_UNITS + 1:
        return aligned_block(eqs)
    out = [aligned_block(eqs[:DETAIL_UNITS])]
    first, total = DETAIL_UNITS, len(eqs)
    for start in range(first, total, FOLD_SIZE):
        part = eqs[start:start + FOLD_SIZE]
        title = (f"The other {len(part)} {what}" if total - first <= FOLD_SIZE
                 else f"{what[0].upper()}{what[1:]}: {start + 1}–{start + len(part)} of {total}")
        out.append(fold(title, "\n\n".join(aligned_block(part[i:i + GROUP]) for i in range(0, len(part), GROUP))))
    return "\n\n".join(out)


# ---------------------------------------------------------------------------
# shared pieces


@dataclass(frozen=True)
class Ctx:
    trace: Trace
    spec: Spec
    style: Style
    report: Report | None  # None: still running (the check page waits for it)
    sections: tuple[Section, ...] = ()  # the walk over the worked step (or the forward pass)

    @property
    def layers(self) -> int:
        return len(self.spec.layers)

    def equations(self, part: str, kind: str, layer: int | None = None, sample: int | None = None,
                  keep: int | None = None) -> list[latex.Equation]:
        """The equations of one kind in a part of the walk (one layer; one sample of it)."""
        return [latex.equation(e, self.style, keep) for sec in self.sections
                if sec.part == part and (layer is None or sec.layer == layer) for e in sec.of(kind)
                if sample is None or e.place.sample == sample]


def _small(f: ForwardLayer) -> bool:
    return len(f.W) <= SMALL and len(f.W[0]) <= SMALL


def params_block(l: int, W: Sequence[Sequence[Num]], b: Sequence[Num] | None, style: Style,
                 name: str = "") -> str:
    """``W^{[l]}`` and ``b^{[l]}`` in the notation's layout."""
    w_txt, w_approx = latex.values([x for r in W for x in r], style)
    cols = len(W[0])
    rows = [w_txt[i * cols:(i + 1) * cols] for i in range(len(W))]
    out = [matrix_eq(f"W^{{[{l}]}}{name}", latex.oriented(rows, style), w_approx)]
    if b is not None:
        b_txt, b_approx = latex.values(list(b), style)
        out.append(matrix_eq(f"b^{{[{l}]}}{name}", latex.vector(b_txt, style), b_approx))
    return "\n\n".join(out)


def vec_tex(items: Sequence[str], style: Style) -> str:
    """A vector; a single number stands alone, without brackets."""
    return items[0] if len(items) == 1 else bmatrix(latex.vector(items, style))


def samples_shown(n: int) -> list[int]:
    return list(range(n)) if n <= DETAIL_SAMPLES else [0]


# ---------------------------------------------------------------------------
# forward


def layer_names(f: ForwardLayer, s: int, style: Style, new: bool = False) -> tuple[str, str, str, str]:
    """The symbols of one layer for sample ``s``: input, ``z``, ``a`` and the symbolic weighted sum;
    ``new`` marks them as computed with the updated parameters."""
    l, mark = f.layer, (r"_{\text{new}}" if new else "")
    tag = f"({s + 1})" if style.batch > 1 else ""
    prev = (f"x^{{{tag}}}" if tag else "x") if l == 1 else f"a^{{[{l - 1}]{tag}}}{mark}"
    zname, aname = f"z^{{[{l}]{tag}}}{mark}", f"a^{{[{l}]{tag}}}{mark}"
    w, bias = f"W^{{[{l}]}}{mark}", ("" if f.b is None else f" + b^{{[{l}]}}{mark}")
    symbolic = f"{prev}\\, {w}{bias}" if style.notation == "row" else f"{w} {prev}{bias}"
    return prev, zname, aname, symbolic


def product_rows(f: ForwardLayer, s: int, style: Style, zname: str, symbolic: str) -> list[str]:
    """``z = a W + b`` of a small layer as rows of an ``aligned`` block: symbols, numbers, result."""
    st = style
    zs, _ = latex.record_values(f.z[s], st)
    p, subst_rel, final = joint(f.z[s], st.decimals)
    x_txt = [latex.number(x, p) for x in f.inputs[s]]
    w_txt = latex.oriented([[latex.number(w, p) for w in r] for r in f.W], st)
    b_txt = ("" if f.b is None else " " + latex.addend(f.b[0], p) if len(f.b) == 1
             else " + " + vec_tex([latex.number(x, p) for x in f.b], st))
    subst = (f"{vec_tex(x_txt, st)} {bmatrix(w_txt)}" if st.notation == "row"
             else f"{bmatrix(w_txt)} {vec_tex(x_txt, st)}") + b_txt
    return [f"{zname} &= {symbolic}", f"&{latex.tex_relation(subst_rel)} {subst}",
            f"&{latex.tex_relation(final)} {vec_tex(zs, st)}"]


def relu_note(lay: LayerSpec, a: Sequence[Applied], l: int, st: Style, s: int) -> str:
    """What (leaky) ReLU did to the layer's entries, in the singular or the plural."""
    entry = ACTIVATIONS[lay.activation]
    act = entry.title
    dead = [j for j, r in enumerate(a) if r.args[0] <= 0]
    if not dead:
        return (f"Every entry is positive, so {act} passes all of them through unchanged." if len(a) > 1
                else f"The entry is positive, so {act} passes it through unchanged.")
    units = ", ".join(f"${latex.unit_sym('z', l, j, st, s)}$" for j in dead)
    them = "them" if len(dead) > 1 else "it"
    what = entry.nonpositive.format(them=them)
    return f"Not positive: {units}; {act} {what}."


def forward_layer(c: Ctx, f: ForwardLayer, s: int) -> str:
    """One layer of the forward pass for sample ``s``: matrix form, each dot product, activation."""
    st, l = c.style, f.layer
    lay = c.spec.layers[l - 1]
    prev, zname, aname, symbolic = layer_names(f, s, st)
    zs, z_approx = latex.record_values(f.z[s], st)
    out = []
    if _small(f):
        out.append(math(latex.aligned(product_rows(f, s, st, zname, symbolic))))
    else:
        xs, x_approx = latex.values(list(f.inputs[s]), st)
        out.append(f"The layer's input ({'sample 1 of the batch' if st.batch > 1 else 'one sample'}):")
        out.append(matrix_eq(prev, latex.vector(xs, st), x_approx))
        out.append("Its weights and biases:" if f.b is not None else "Its weights:")
        out.append(params_block(l, f.W, f.b, st))
        out.append(f"so ${zname} = {symbolic}$ comes out as")
        out.append(matrix_eq(zname, latex.vector(zs, st), z_approx))
    out.append((f"Each entry of ${zname}$ is one dot product" if len(f.W[0]) > 1 else f"${zname}$ is one dot product")
               + (" plus the unit's bias:" if f.b is not None else ":"))
    zeqs = c.equations("forward", "z", l, s)
    out.append(expansions(zeqs, "entries of " + f"${zname}$", _small(f)))
    last = " = \\hat{y}" if l == c.layers and st.batch == 1 else ""
    entry = ACTIVATIONS[lay.activation]
    if entry.identity:  # a = z: nothing new to write
        out.append(f"The activation is the identity, so ${aname}{last} = {zname}$.")
        return "\n\n".join(out)
    a_txt, a_approx = latex.record_values(f.a[s], st)
    rel = latex.tex_relation("≈" if a_approx else "=")
    out.append(f"Then the activation, {entry.called}:")
    out.append(math(f"{aname}{last} = {latex.function_name(entry.symbol)}({zname}) {rel} {vec_tex(a_txt, st)}"))
    aeqs = c.equations("forward", "a", l, s)
    out.append(expansions(aeqs, "activations", _small(f)))
    if entry.nonpositive:
        out.append(relu_note(lay, f.a[s], l, st, s))
    return "\n\n".join(out)


def batch_table(c: Ctx, layers: Sequence[ForwardLayer], l: int) -> str:
    f = layers[l - 1]
    header = ["sample"] + [f"a{j + 1}" for j in range(len(f.a[0]))]
    rows = [[str(s + 1)] + [rec_cell(r, c.style) for r in a] for s, a in enumerate(f.a)]
    return fold(f"Activations of layer {l} for all {len(rows)} samples of the batch", table(header, rows), "note")


def forward_page(c: Ctx, layers: Sequence[ForwardLayer], batch: Sequence[int]) -> dict:
    sections = []
    n = len(layers[0].z)
    for f in layers:
        lay = c.spec.layers[f.layer - 1]
        parts = []
        for s in samples_shown(n):
            if n > 1:
                parts.append(f"#### Sample {s + 1} (training row {batch[s] + 1})")
            parts.append(forward_layer(c, f, s))
        if n > DETAIL_SAMPLES:
            parts.append(batch_table(c, layers, f.layer))
        sections.append({"title": f"Layer {f.layer}: {lay.units} unit{'s' if lay.units > 1 else ''}, "
                                  f"{ACTIVATIONS[lay.activation].title}",
                         "body": "\n\n".join(parts)})
    return {"sections": sections}


# ---------------------------------------------------------------------------
# loss


def loss_page(c: Ctx, step: Step) -> dict:
    st = c.style
    parts = [math(latex.loss_rule(c.spec.loss, len(c.spec.outputs)))]
    eqs = c.equations("loss", "L1")
    shown = samples_shown(len(eqs))
    parts.append("With the numbers of " + ("the sample" if len(eqs) == 1 else "each sample") + ":")
    parts.append(aligned_block([eqs[s] for s in shown]))
    if len(eqs) > 1:
        parts.append("The step's loss is the mean over the batch:")
        parts.append(aligned_block(c.equations("loss", "L", keep=SUM_KEEP)))
    if len(eqs) > DETAIL_SAMPLES:
        rows = []
        last = step.forward[-1]
        for s, i in enumerate(step.batch):
            y = c.spec.train[i].y
            rows.append([str(s + 1), str(i + 1)] + [cell(Num(v), st) for v in y]
                        + [rec_cell(r, st) for r in last.a[s]] + [rec_cell(step.losses[s], st)])
        header = ["sample", "row"] + [f"y{j + 1}" for j in range(len(c.spec.outputs))] + \
                 [f"ŷ{j + 1}" for j in range(len(c.spec.outputs))] + ["L"]
        parts.append(fold(f"y, ŷ and the loss of all {len(rows)} samples", table(header, rows), "note"))
    return {"body": "\n\n".join(parts), "value": show(step.loss.value, st.decimals, step.loss.rounded),
            "loss": LOSSES[c.spec.loss], "moved": moved(c, step), "change": change_words(step, st)}


# ---------------------------------------------------------------------------
# before and after the update


def word(x: Num, style: Style, rounded: bool = False) -> str:
    """A number inside a sentence: as on the pages, with a proper minus sign."""
    return show(x, style.decimals, rounded).text.replace("-", "−")


def change_words(step: Step, style: Style) -> str:
    """``the loss falls from 0.2984 to 0.2910, by 0.0074`` (empty without an after record)."""
    a = step.after
    if a is None:
        return ""
    old, new = word(step.loss.value, style, step.loss.rounded), word(a.loss.value, style, a.loss.rounded)
    by = show(a.change.value, style.decimals, a.change.rounded)
    if a.change.value == 0:
        return f"the loss stays at {old}"
    if by.value == 0:
        return f"the loss barely changes ({old} before, {new} after)"
    verb = "falls" if a.change.value < 0 else "rises"
    return f"the loss {verb} from {old} to {new}, by {by.text.lstrip('-')}"


def moved(c: Ctx, step: Step) -> str:
    """``the prediction ŷ moves from 12 to 23.5177, away from the target 1.55`` (one sample, one output)."""
    a, st = step.after, c.style
    if a is None or len(step.batch) != 1 or len(c.spec.outputs) != 1:
        return ""
    y = Num(c.spec.train[step.batch[0]].y[0])
    old, new = step.forward[-1].a[0][0], a.forward[-1].a[0][0]
    if new.value == old.value:
        return f"the prediction $\\hat{{y}}$ stays at {word(old.value, st, old.rounded)}"
    way = "toward" if abs(new.value - y) < abs(old.value - y) else "away from"
    return (f"the prediction $\\hat{{y}}$ moves from {word(old.value, st, old.rounded)} to "
            f"{word(new.value, st, new.rounded)}, {way} the target {word(y, st)}")


def _new_hat(c: Ctx, s: int, j: str = "") -> str:
    """``ŷ_new`` of sample ``s`` (``j``: an output index such as ``,j``)."""
    tag = f"^{{({s + 1})}}" if c.style.batch > 1 else ""
    return rf"\hat{{y}}{tag}_{{\text{{new}}{j}}}"


def _new_symbols(c: Ctx, s: int) -> tuple[str, str]:
    """The target and the new prediction of one output (index ``j`` when there are several)."""
    tag = f"^{{({s + 1})}}" if c.style.batch > 1 else ""
    j = "j" if len(c.spec.outputs) > 1 else ""
    return f"y{tag}" + (f"_{j}" if j else ""), _new_hat(c, s, f",{j}" if j else "")


def after_forward(c: Ctx, a: After, s: int) -> str:
    """Sample ``s`` forward with the updated parameters, layer by layer in matrix form."""
    st, out = c.style, []
    for f in a.forward:
        lay = c.spec.layers[f.layer - 1]
        _, zname, aname, symbolic = layer_names(f, s, st, new=True)
        if f.layer == c.layers:
            aname += " = " + _new_hat(c, s)
        entry = ACTIVATIONS[lay.activation]
        rhs = zname if entry.identity else f"{latex.function_name(entry.symbol)}({zname})"
        a_txt, a_approx = latex.record_values(f.a[s], st)
        if _small(f):
            rel = latex.tex_relation("≈" if a_approx else "=")
            out.append(math(latex.aligned(product_rows(f, s, st, zname, symbolic)
                                          + [f"{aname} &= {rhs} {rel} {vec_tex(a_txt, st)}"])))
        else:
            zs, z_approx = latex.record_values(f.z[s], st)
            out.append(matrix_eq(f"{zname} = {symbolic}", latex.vector(zs, st), z_approx))
            out.append(matrix_eq(f"{aname} = {rhs}", latex.vector(a_txt, st), a_approx))
    return "\n\n".join(out)


def change_eq(step: Step, style: Style) -> latex.Equation:
    """``ΔL = L_new − L`` with the numbers of the step."""
    a = step.after
    lay = latex.places_of(a.change, style)  # the change's terms are the two losses themselves
    return latex.Equation(lhs=r"\Delta L", formula=(r"L_{\text{new}} - L",),
                          numbers=(f"{latex.number(a.loss.value, lay)} - {latex.factor(step.loss.value, lay)}",),
                          result=lay.result.text, relation=lay.final, subst=lay.subst)


def after_loss(c: Ctx, step: Step) -> str:
    """The new loss of each shown sample, the batch mean and the change."""
    a, st = step.after, c.style
    n = len(a.losses)
    eqs = []
    for s in samples_shown(n):
        y, hat = _new_symbols(c, s)
        lhs = r"L_{\text{new}}" if n == 1 else rf"L^{{({s + 1})}}_{{\text{{new}}}}"
        eqs.append(replace(latex.sample_loss(a.losses[s], st, s), lhs=lhs,
                           formula=(latex.loss_formula(c.spec.loss, len(c.spec.outputs), y, hat),)))
    if n > 1:
        eqs.append(latex.mean(a.loss, r"L_{\text{new}}", [rf"L^{{({k + 1})}}_{{\text{{new}}}}" for k in range(n)],
                              st, keep=SUM_KEEP))
    eqs.append(change_eq(step, st))
    return aligned_block(eqs)


def before_after_table(c: Ctx, step: Step) -> str:
    """Prediction and loss before and after the update, side by side (all samples folded for a big batch)."""
    a, st = step.after, c.style
    n, outs = len(step.batch), len(c.spec.outputs)
    head = ["", "before the update", "after the update"]
    rows = []
    for s in samples_shown(n):
        tag = f", sample {s + 1}" if n > 1 else ""
        y = c.spec.train[step.batch[s]].y
        for j in range(outs):
            sub = f"_{{{j + 1}}}" if outs > 1 else ""
            rows.append([f"prediction $\\hat{{y}}{sub}$ (target {word(Num(y[j]), st)}{tag})",
                         rec_cell(step.forward[-1].a[s][j], st), rec_cell(a.forward[-1].a[s][j], st)])
        if n > 1:
            rows.append([f"loss $L^{{({s + 1})}}$", rec_cell(step.losses[s], st), rec_cell(a.losses[s], st)])
    rows.append(["loss $L$" + (" (mean over the batch)" if n > 1 else ""), rec_cell(step.loss, st),
                 rec_cell(a.loss, st)])
    out = table(head, rows, words=1)
    if n > DETAIL_SAMPLES:
        every = [[str(s + 1), str(i + 1),
                  ", ".join(rec_cell(r, st) for r in step.forward[-1].a[s]),
                  ", ".join(rec_cell(r, st) for r in a.forward[-1].a[s]),
                  rec_cell(step.losses[s], st), rec_cell(a.losses[s], st)] for s, i in enumerate(step.batch)]
        out += "\n\n" + fold(f"ŷ and the loss of all {n} samples, before and after", table(
            ["sample", "row", "ŷ before", "ŷ after", "L before", "L after"], every), "note")
    return out


def after_summary(c: Ctx, step: Step) -> str:
    """One or two sentences: how the loss changed and, for one prediction, where ŷ went."""
    loss, change, went = LOSSES[c.spec.loss], change_words(step, c.style), moved(c, step)
    if step.after is None:
        return (f"With the new parameters a prediction leaves the range where {loss.title} is defined "
                f"({loss.domain}), so there is no loss after the update to compare.")
    text = change[0].upper() + change[1:] + "."
    if loss.kind == "toy":
        return text + (f" But {went}: with this toy loss a lower $L$ only means a larger $\\hat{{y}}$."
                       if went else " With this toy loss a lower $L$ only means larger predictions.")
    return text + (f" {went[0].upper()}{went[1:]}." if went else "")


def before_after(c: Ctx, step: Step) -> str:
    """The update page's last section: the same samples forward again with the new parameters."""
    a, n = step.after, len(step.batch)
    if a is None:
        return after_summary(c, step)
    rows = ", ".join(str(i + 1) for i in step.batch[:6]) + (" …" if n > 6 else "")
    who = (f"the same sample (training row {rows}) goes" if n == 1 else
           f"the same {n} samples (training rows {rows}) go")
    out = [f"To see what the step did, {who} forward again, now with the new weights and biases"
           + (":" if n <= DETAIL_SAMPLES else "; sample 1 is shown in full:")]
    for s in samples_shown(n):
        if n > 1:
            out.append(f"#### Sample {s + 1} (training row {step.batch[s] + 1})")
        out.append(after_forward(c, a, s))
    out.append("The new loss, and how much it changed:")
    out.append(after_loss(c, step))
    out.append(before_after_table(c, step))
    out.append(after_summary(c, step))
    return "\n\n".join(out)


# ---------------------------------------------------------------------------
# backward


def backward_layer(c: Ctx, step: Step, b: BackwardLayer) -> str:
    st, l = c.style, b.layer
    f = step.forward[l - 1]
    small = _small(f)
    n = len(b.dz)
    out = []
    for s in samples_shown(n):
        if n > 1:
            out.append(f"#### Sample {s + 1}")
        if l == c.layers:
            out.append(f"At the output $a^{{[{l}]}} = \\hat{{y}}$, so the chain starts with the loss's derivative:")
            eqs = c.equations("backward", "da", l, s)
        else:
            out.append(f"$\\partial L/\\partial a^{{[{l}]}}$, passed down from layer {l + 1}:")
            eqs = c.equations("backward", "da", l, s)
        out.append(expansions(eqs, "entries", small))
        out.append("The activation's derivative at this layer's values:")
        out.append(expansions(c.equations("backward", "f'", l, s), "derivatives", small))
        out.append(f"The chain rule gives the layer's error $\\delta^{{[{l}]}} = \\partial L / \\partial z^{{[{l}]}}$:")
        d_eqs = c.equations("backward", "delta", l, s)
        out.append(expansions(d_eqs, "entries of δ", small))
    keep = SUM_KEEP if n > DETAIL_SAMPLES else None
    dW_txt, dW_approx = latex.record_values([r for row in b.dW for r in row], st)
    cols = len(b.dW[0])
    rows = [dW_txt[i * cols:(i + 1) * cols] for i in range(len(b.dW))]
    prev = "x" if l == 1 else f"a^{{[{l - 1}]}}"
    form = (f"({prev})^\\top \\delta^{{[{l}]}}" if st.notation == "row" else f"\\delta^{{[{l}]}} ({prev})^\\top")
    mean_note = " averaged over the batch" if n > 1 else ""
    out.append(f"#### Gradients of layer {l}")
    out.append(f"The weight gradient is $\\partial L/\\partial W^{{[{l}]}} = {form}${mean_note}, entry by entry:")
    w_eqs = c.equations("backward", "dW", l, keep=keep)
    out.append(expansions(w_eqs, "weight gradients", small))
    out.append(matrix_eq(latex.grad(f"W^{{[{l}]}}"), latex.oriented(rows, st), dW_approx))
    if b.db is not None:
        out.append(f"The bias gradient is the error itself{' (mean over the batch)' if n > 1 else ''}:")
        b_eqs = c.equations("backward", "db", l, keep=keep)
        out.append(expansions(b_eqs, "bias gradients", small))
        db_txt, db_approx = latex.record_values(b.db, st)
        out.append(matrix_eq(latex.grad(f"b^{{[{l}]}}"), latex.vector(db_txt, st), db_approx))
    if n > DETAIL_SAMPLES:
        header = ["sample"] + [f"δ{j + 1}" for j in range(len(b.dz[0]))]
        trows = [[str(s + 1)] + [rec_cell(r, st) for r in dz] for s, dz in enumerate(b.dz)]
        out.append(fold(f"The error δ of layer {l} for all {n} samples", table(header, trows), "note"))
    return "\n\n".join(out)


def backward_page(c: Ctx, step: Step) -> dict:
    rules = []
    for name in dict.fromkeys(lay.activation for lay in c.spec.layers):
        rules.append(math(latex.activation_rule(name)))
    sections = [{"title": f"Layer {b.layer}", "body": backward_layer(c, step, b)} for b in reversed(step.backward)]
    last = ACTIVATIONS[c.spec.layers[-1].activation]
    return {"rules": "\n\n".join(rules), "jacobian": "" if last.elementwise else last.title.capitalize(),
            "loss_rule": math(latex.loss_rule(c.spec.loss, len(c.spec.outputs))),
            "sections": sections}


# ---------------------------------------------------------------------------
# update


def update_page(c: Ctx, step: Step) -> dict:
    st = c.style
    sections = []
    for u in step.update:
        l = u.layer
        small = len(u.W) <= SMALL and len(u.W[0]) <= SMALL
        parts = []
        old = [[r.old for r in row] for row in u.W]
        new_txt, new_approx = latex.record_values([r for row in u.W for r in row], st)
        cols = len(u.W[0])
        new_rows = [new_txt[i * cols:(i + 1) * cols] for i in range(len(u.W))]
        if small:
            p, subst, final = joint([r for row in u.W for r in row], st.decimals)
            o = latex.oriented([[latex.number(x, p) for x in row] for row in old], st)
            g = latex.oriented([[latex.number(r.grad, p) for r in row] for row in u.W], st)
            eta = latex.number(u.W[0][0].rate, p)
            parts.append(math(latex.aligned([
                rf"W^{{[{l}]}}_{{\text{{new}}}} &= W^{{[{l}]}} - \eta\,{latex.grad(f'W^{{[{l}]}}')}",
                rf"&{latex.tex_relation(subst)} {bmatrix(o)} - {eta} {bmatrix(g)}",
                rf"&{latex.tex_relation(final)} {bmatrix(latex.oriented(new_rows, st))}"])))
        else:
            parts.append(params_block(l, old, None, st, r"_{\text{old}}"))
            parts.append(matrix_eq(rf"W^{{[{l}]}}_{{\text{{new}}}}", latex.oriented(new_rows, st), new_approx))
        parts.append("Entry by entry, old value beside new:")
        eqs = c.equations("update", "W", l)
        parts.append(expansions(eqs, "weights", small))
        if u.b is not None:
            eqs = c.equations("update", "b", l)
            b_txt, b_approx = latex.record_values(u.b, st)
            parts.append(expansions(eqs, "biases", small))
            if small:
                p, subst, final = joint(u.b, st.decimals)
                o = [latex.number(r.old, p) for r in u.b]
                g = [latex.number(r.grad, p) for r in u.b]
                parts.append(math(latex.aligned([
                    rf"b^{{[{l}]}}_{{\text{{new}}}} &= b^{{[{l}]}} - \eta\,{latex.grad(f'b^{{[{l}]}}')}",
                    rf"&{latex.tex_relation(subst)} {vec_tex(o, st)} - {latex.number(u.b[0].rate, p)}"
                    + (rf" \cdot {latex.factor(u.b[0].grad, p)}" if len(u.b) == 1 else f" {vec_tex(g, st)}"),
                    rf"&{latex.tex_relation(final)} {vec_tex(b_txt, st)}"])))
            else:
                parts.append(matrix_eq(rf"b^{{[{l}]}}_{{\text{{new}}}}", latex.vector(b_txt, st), b_approx))
        sections.append({"title": f"Layer {l}", "body": "\n\n".join(parts)})
    eta = show(Num(c.spec.learning_rate), GIVEN_PLACES)
    return {"sections": sections, "eta": f"{latex.tex_relation(eta.relation)} {eta.text}",
            "after": before_after(c, step),
            "biases": "trained" if any(u.b is not None for u in step.update) else
                      "fixed" if any(lay.bias is not None for lay in c.spec.layers) else "none"}


# ---------------------------------------------------------------------------
# training and check


def given_text(x: Num) -> str:
    """A number of the spec in a table cell: in full, or with "≈" where it has no end."""
    shown = show(x, GIVEN_PLACES)
    return f"≈ {shown.text}" if shown.approx else shown.text


def one_step(trace: Trace) -> bool:
    """The whole training is a single exact update: a loss curve would be one point."""
    return len(trace.steps) == 1 and trace.float_steps == 0


def training_page(c: Ctx, worked: Step) -> dict:
    st, tr = c.style, c.trace
    steps = [[str(s.number), str(s.epoch),
              ", ".join(str(i + 1) for i in s.batch[:6]) + (" …" if len(s.batch) > 6 else ""),
              rec_cell(s.loss, st), "" if s.after is None else rec_cell(s.after.loss, st)] for s in tr.steps]
    step_table = table(["step", "epoch", "training rows", "loss L", "L after the update"], steps)
    n = len(tr.epoch_loss)
    shown = log_epochs(n) if n > LOG_EPOCHS else list(range(1, n + 1))
    epoch_table = table(["epoch", "mean loss"], [[str(e), cell(tr.epoch_loss[e - 1], st)] for e in shown])
    if len(shown) < n:
        note = (f"Epochs 1 to 9, then every 10th to 90, every 100th to 900 and so on, and the last one: evenly "
                f"spread on the chart's logarithmic epoch axis. The file [{LOSS_CSV}]({LOSS_CSV}) holds all {n}.")
        epoch_table = fold(f"Mean loss at {len(shown)} of the {n} epochs", note + "\n\n" + epoch_table, "note")
    elif n > TABLE_FOLD:
        epoch_table = fold(f"Mean loss of all {n} epochs", epoch_table, "note")
    final = "\n\n".join(params_block(l + 1, p.W, p.b, st, r"_{\text{final}}") for l, p in enumerate(tr.final))
    preds = []
    for p in tr.predictions:
        preds.append([str(p.index + 1), ", ".join(cell(x, st) for x in p.x),
                      "" if p.y is None else ", ".join(cell(x, st) for x in p.y),
                      ", ".join(cell(x, st) for x in p.yhat),
                      "" if p.label is None else str(p.label),
                      "" if p.correct is None else ("yes" if p.correct else "no")])
    pred_table = table(["test row", "x", "y", "ŷ", "class", "correct"], preds) if preds else ""
    if len(preds) > TABLE_FOLD:
        pred_table = fold(f"All {len(preds)} test predictions", pred_table, "note")
    acc = None
    if tr.accuracy is not None:
        judged = sum(1 for p in tr.predictions if p.correct is not None)
        right = sum(1 for p in tr.predictions if p.correct)
        acc = f"{right} of {judged}"
    single = one_step(tr)
    before_after_ = ""
    if single:  # the table and the summary of the update page stand in for a one-point loss curve
        before_after_ = "\n\n".join(([before_after_table(c, worked)] if worked.after else [])
                                     + [after_summary(c, worked)])
    return {"steps": step_table, "epochs": epoch_table, "final": final, "stalled": stalled_text(c),
            "predictions": pred_table,
            "accuracy": acc, "float_steps": tr.float_steps, "exact_steps": len(tr.steps), "one_step": single,
            "before_after": before_after_}


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _values(xs: Sequence[Num], st: Style) -> tuple[str, str]:
    """(``=`` or ``≈``, one number or several in brackets) as the tables write them."""
    shown = [show(x, st.decimals) for x in xs]
    text = ", ".join(s.text.replace("-", "−") for s in shown)
    return "≈" if any(s.approx for s in shown) else "=", text if len(shown) == 1 else f"({text})"


def stalled_text(c: Ctx) -> str:
    """What no longer learns with the final weights (:attr:`Trace.stalled`), in words; "" for nothing."""
    stalled, spec, st = c.trace.stalled, c.trace.spec, c.style
    if stalled is None:
        return ""
    parts = []
    if stalled.units:
        names = [f"${latex.sym('a', l, j - 1)}$" for l, j in stalled.units]
        it = "it" if len(names) == 1 else "them"
        parts.append(f"With the final weights, the derivative of the activation of {_and(names)} is 0 for every "
                     f"training row: no gradient reaches the weights and the bias into {it}, so training no "
                     f"longer changes those, and none passes through {it} to the layers below. "
                     + ("Such a unit is called *dead*." if it == "it" else "Such units are called *dead*."))
    if stalled.zero_rows:
        rows = [str(i + 1) for i in stalled.zero_rows]
        last = len(spec.layers) - 1
        out = spec.layers[-1]
        made = "its bias alone" if out.bias is not None else "its activation at 0 alone"
        rel, value = _values(stalled.zero_prediction, st)
        text = (f"Training rows {_and(rows)} leave layer {last} as zeros only, so the output layer sees the same "
                f"input for all of them and gives each the same prediction, ŷ {rel} {value} (made by {made}).")
        targets = [tuple(spec.train[i].y) for i in stalled.zero_rows]
        if len(set(targets)) > 1:
            shown = [_values([Num(v) for v in y], st)[1] for y in targets]
            text += (f" Their targets are {_and(shown)}: as long as these rows stay silent, one prediction has to "
                     "serve them all, and the loss over them can fall no lower than the best single prediction "
                     "allows.")
        parts.append(text)
    return "\n\n".join(parts)


def check_page(c: Ctx, lines: PageCheck) -> dict:
    st, r = c.style, c.report
    assert r is not None, "the check page of a run whose re-check is still running"
    rows = []
    for g in r.gradient_checks:
        i, j = (g.row, g.col)
        name = (latex.weight(g.layer, i, j, st) if g.kind == "W" else latex.sym("b", g.layer, j))
        rows.append([f"{g.step}", f"${name}$", cell(g.backprop, st),
                     "not compared (ReLU kink)" if g.estimate is None else cell(g.estimate, st),
                     "—" if g.estimate is None else "yes" if g.ok else "**no**"])
    head = ["step", "parameter", "backprop", "finite difference", "agree"]
    first = [row for row, g in zip(rows, r.gradient_checks) if g.step == r.gradient_checks[0].step] if rows else []
    if len(rows) <= GRADIENT_ROWS:
        grad_table = table(head, rows)
    elif len(first) <= GRADIENT_ROWS:  # the first step in the open, the later ones folded
        rest = rows[len(first):]
        grad_table = (table(head, first) + "\n\n"
                      + fold(f"The other {len(rest)} gradient comparisons", table(head, rest), "note"))
    else:
        grad_table = fold(f"All {len(rows)} gradient comparisons", table(head, rows), "note")
    return {"lines": len(lines.lines), "line_failures": [str(f) for f in lines.failures[:20]],
            "lines_failed": len(lines.failures),
            "equations": r.equations, "failures": r.failures[:20], "failed": len(r.failures),
            "gradients": r.gradients, "grad_table": grad_table, "ok": r.ok,
            "kinks": r.kinks, "float_fd": r.float_fd_steps, "steps": len({g.step for g in r.gradient_checks})}


# ---------------------------------------------------------------------------
# overview


def overview_page(c: Ctx) -> dict:
    spec, st = c.spec, c.style
    arch = [["0 (input)", str(spec.n_inputs), "—", "—", "—"]]
    total_w = total_b = 0
    for l, lay in enumerate(spec.layers, start=1):
        nw = len(lay.weights) * lay.units
        nb = 0 if lay.bias is None else lay.units
        total_w, total_b = total_w + nw, total_b + nb
        arch.append([str(l), str(lay.units), lay.activation.replace("_", " "), str(nw), str(nb)])
    arch.append(["total", "", "", str(total_w), str(total_b)])
    arch_table = table(["layer", "units", "activation", "weights", "biases"], arch)

    def data_rows(samples):
        return [[str(k + 1)] + [cell(Num(v), st) for v in s.x]
                + ([cell(Num(v), st) for v in s.y] if s.y is not None else []) for k, s in enumerate(samples)]

    with_y = bool(spec.train) and spec.train[0].y is not None
    header = ["row"] + [escape_md(n) for n in spec.inputs] + ([escape_md(n) for n in spec.outputs] if with_y else [])
    tables = []
    for name, samples in (("Training data", spec.train), ("Test data", spec.test)):
        if not samples:
            continue
        t = table(header, data_rows(samples))
        if len(samples) > TABLE_FOLD:
            t = fold(f"{name}: all {len(samples)} rows", t, "note")
        tables.append({"title": name, "count": len(samples), "table": t})
    hyper = [["loss", LOSSES[spec.loss].title if spec.loss else "none (forward pass only)"],
             ["learning rate η", given_text(Num(spec.learning_rate))],
             ["epochs", str(spec.training.epochs)], ["batch size", str(spec.training.batch_size)],
             ["shuffle", "yes" if spec.training.shuffle else "no"],
             ["exact steps", str(spec.training.exact_steps)],
             ["step worked on the pages", str(spec.training.worked_step)],
             ["display", f"{spec.display.decimals} decimals, rounding {spec.display.rounding}"],
             ["notation", st.notation]]
    if not spec.trains:
        hyper = [hyper[0], hyper[-2], hyper[-1]]
    return {"arch": arch_table, "weights": total_w, "biases": total_b, "data": tables,
            "hyper": table(["setting", "value"], hyper), "sizes": "-".join(map(str, spec.sizes)),
            "symbols": table(["symbol", "meaning"], symbols(c), words=2), "loss_title": hyper[0][1]}


def symbols(c: Ctx) -> list[list[str]]:
    """The rows of the notation table: only the symbols this example's pages use."""
    spec, trains = c.spec, c.trace.steps != ()
    biases = any(lay.bias is not None for lay in spec.layers)
    rows = [["$x = a^{[0]}$", "the input vector"],
            ["$W^{[l]}$, $b^{[l]}$" if biases else "$W^{[l]}$",
             "weights and biases of layer $l$" if biases else "weights of layer $l$"],
            ["$z^{[l]}$", "what layer $l$ computes before its activation"],
            ["$a^{[l]}$", "the activation (output) of layer $l$"],
            [f"$\\hat{{y}} = a^{{[{c.layers}]}}$",
             "the network's prediction; $y$ is the target" if trains else "the network's output"]]
    if trains:
        rows += [["$L$", f"the loss ({LOSSES[spec.loss].title})"],
                 ["$\\delta^{[l]} = \\partial L / \\partial z^{[l]}$", "the error of layer $l$"],
                 ["$\\eta$", "the learning rate"],
                 ["$W_{\\text{new}}$, $L_{\\text{new}}$, …", "a quantity after the update"]]
    if c.style.batch > 1:
        rows.append(["$a^{[l](s)}$, $L^{(s)}$" if trains else "$x^{(s)}$, $a^{[l](s)}$",
                     "a quantity of sample $s$ of the batch" if trains else "a quantity of training row $s$"])
    return rows


# ---------------------------------------------------------------------------
# the example


def note_page(spec: Spec, path: str, title: str, note: str, text: str) -> Page:
    """A page that stands in for ``path`` while what it shows is still being made: its title, and a
    note (``note``: the note's title) that says so."""
    md = environment().get_template("running.md").render(title=title, note=note, text=text, spec=spec)
    return Page(path, title, md.strip() + "\n")


def running_text(c: Ctx, page: str) -> tuple[str, str]:
    """(title, text) of the note that stands in for the training or the check page while the
    run's float64 updates and its re-check are still running (:func:`render_example`)."""
    if page == "training.md":
        n, test = len(c.trace.steps), " and the test predictions" if c.spec.test else ""
        return ("Training on the numbers just saved",
                f"{n} update{'s' if n != 1 else ''} ran on exact numbers; the {c.trace.float_steps} float64 "
                f"updates after them are running now. This page reloads by itself with the loss per epoch, the "
                f"final weights{test} when they are done.")
    return ("Re-checking the numbers just saved",
            "The run's equations are being recomputed from the digits their pages print, and its gradients "
            "compared with finite differences. This page reloads by itself with the results.")


def render_example(trace: Trace, report: Report | None, slug: str, notation: str | None = None) -> Rendered:
    """All pages and files of one example (``notation`` overrides the spec's ``row``/``column``).

    ``report`` None: the run's float64 updates and its re-check are still running (``trace`` holds
    its exact steps alone, :func:`handcalc.core.engine.so_far`): the training and check pages are
    a note saying so, the others are complete; the files are the same, the loss chart and table
    without data."""
    spec, running = trace.spec, report is None
    worked = trace.steps[spec.training.worked_step - 1] if trace.steps else None
    batch = len(worked.batch) if worked else (len(trace.inference[0].z) if trace.inference else 1)
    style = Style.of(spec, notation, batch)
    c = Ctx(trace, spec, style, report, tuple(trace_sections(trace, worked)))
    env = environment()
    common = {"spec": spec, "style": style, "slug": slug, "layers": len(spec.layers), "trains": worked is not None,
              "batch": batch, "see_also": spec.see_also,
              "bias": " + b^{[l]}" if any(lay.bias is not None for lay in spec.layers) else ""}

    def page(path: str, title: str, **data) -> Page:
        md = env.get_template(path).render(title=title, **common, **data)
        return Page(path, title, md.strip() + "\n")

    def waiting(path: str, title: str) -> Page:
        return note_page(spec, path, title, *running_text(c, path))

    diagram = network_svg(spec, trace.initial, style)
    pages = [page("index.md", spec.title, **overview_page(c), diagram=diagram.strip())]
    chart = None if worked is None or one_step(trace) else loss_svg(trace) if not running else waiting_svg()
    if worked is not None:
        pages += [
            page("forward.md", "Forward pass", **forward_page(c, worked.forward, worked.batch), step=worked,
                 updates_before=worked.number - 1),
            page("loss.md", "Loss", **loss_page(c, worked), step=worked),
            page("backward.md", "Backward pass", **backward_page(c, worked), step=worked),
            page("update.md", "Update", **update_page(c, worked), step=worked),
            waiting("training.md", "Training") if running else
            page("training.md", "Training", **training_page(c, worked), step=worked,
                 chart=chart.decode().strip() if chart else ""),
        ]
    elif trace.inference:
        pages.append(page("forward.md", "Forward pass", **forward_page(c, trace.inference,
                                                                        tuple(range(len(spec.train)))), step=None))
    lines = check_pages((p.path, p.markdown) for p in pages)
    pages.append(waiting("check.md", "Check") if running else page("check.md", "Check", **check_page(c, lines)))
    assets = [Asset("network.svg", diagram.encode())]
    if chart:
        assets.append(Asset("loss.svg", chart))
        if (spec.training.epochs if running else len(trace.epoch_loss)) > LOG_EPOCHS:
            assets.append(Asset(LOSS_CSV, loss_csv(trace)))
    return Rendered(slug, spec.title, tuple(pages), tuple(assets), len(lines.lines),
                    tuple(str(f) for f in lines.failures))
