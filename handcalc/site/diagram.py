"""The network diagram of an example as an SVG document.

Nodes stand in columns, one column per layer (the inputs first); every weight is a
line from input ``i`` to unit ``j``, blue when positive, red when negative, thicker
when larger in size.  Small networks (no layer wider than :data:`LABELS_UP_TO`) get
each weight's value written on its line in a pill of the page's background, edged in the
line's colour, and each bias under its unit.  :func:`place_labels` chooses where along its
line each label stands: clear of every other line, of the units, of the biases and of the
other labels (the layers move apart until they all are).

Colours are classes (``hc-pos``, ``hc-neg``, ``hc-text`` …) with their light-scheme
colours as attributes: a page that inlines the SVG restyles them for its colour scheme
(``handcalc.css`` does, for light and dark), and the file on its own still reads.
The drawing is made at its natural size: text is never smaller than 11 px when shown
1:1, and a page lets a wide diagram scroll instead of shrinking it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.display import show
from ..core.numbers import Num
from ..core.spec import Spec
from ..core.trace import Params
from ..equations.latex import Style
from ..escape import escape_xml

LABELS_UP_TO = 4  # widest layer for which weights are labelled
COL = 160  # horizontal distance between layers
ROW = 78  # vertical distance between units (shrinks for tall layers)
MARGIN = 105  # room for input/output names
R = 15  # node radius
POS, NEG, NIL = "#1f6fb4", "#c8382d", "#9a9a9a"
LABEL_PX = 12  # font size of a weight label
PILL_H = 18  # height of its pill
CLEARANCE = 8  # px at least from a label's centre to any line but its own
COLS_TRIED = (COL, 200, 240, 280)  # layer distances tried until every label stands clear


def _num(x: Num, decimals: int) -> str:
    return show(x, decimals).text.replace("-", "−")


Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float

    def at(self, t: float) -> tuple[float, float]:
        return self.x1 + (self.x2 - self.x1) * t, self.y1 + (self.y2 - self.y1) * t


def text_width(text: str, px: float = LABEL_PX) -> float:
    """About how wide ``text`` is in a sans-serif face (generous: DejaVu Sans's figures)."""
    return sum(0.32 if c in ".,1" else 0.84 if c in "−-" else 0.64 for c in text) * px


def _crosses(e: Edge, b: Box) -> bool:
    """Whether the segment ``e`` passes through the box ``b`` (Liang–Barsky clipping)."""
    lo, hi = 0.0, 1.0
    dx, dy = e.x2 - e.x1, e.y2 - e.y1
    for p, q in ((-dx, e.x1 - b[0]), (dx, b[2] - e.x1), (-dy, e.y1 - b[1]), (dy, b[3] - e.y1)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
        if lo > hi:
            return False
    return True


def _meet(a: Box, b: Box, gap: float = 2.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _near_circle(b: Box, cx: float, cy: float, r: float) -> bool:
    dx = max(b[0] - cx, 0, cx - b[2])
    dy = max(b[1] - cy, 0, cy - b[3])
    return math.hypot(dx, dy) < r


def distance(e: Edge, x: float, y: float) -> float:
    """How far the point (x, y) lies from the segment ``e``."""
    dx, dy = e.x2 - e.x1, e.y2 - e.y1
    t = max(0.0, min(1.0, ((x - e.x1) * dx + (y - e.y1) * dy) / ((dx * dx + dy * dy) or 1.0)))
    return math.hypot(x - e.x1 - t * dx, y - e.y1 - t * dy)


def place_labels(edges: Sequence[Edge], widths: Sequence[float], nodes: Sequence[tuple[float, float, float]],
                 keep_clear: Sequence[Box], top: float) -> list[tuple[float, bool]]:
    """For each edge, where along it (0 at its first end, 1 at its second) its label's pill of
    ``widths[k]`` × :data:`PILL_H` stands, and whether it stands clear: its centre at least
    :data:`CLEARANCE` from every other edge, the pill off the nodes (x, y, r), the boxes
    ``keep_clear`` and the other labels, and below ``top``.  A place no other edge crosses at all
    comes first, then one near the unit the edge feeds; the edges with the fewest places choose
    first."""
    def box(k: int, t: float) -> Box:
        x, y = edges[k].at(t)
        return x - widths[k] / 2, y - PILL_H / 2, x + widths[k] / 2, y + PILL_H / 2

    steps = [i / 50 for i in range(5, 46)]
    free: list[list[float]] = []
    for k, e in enumerate(edges):
        ok = []
        for t in steps:
            b = box(k, t)
            if (b[1] < top or any(_near_circle(b, *n[:2], n[2] + 3) for n in nodes)
                    or any(_meet(b, c) for c in keep_clear)):
                continue
            others = [o for m, o in enumerate(edges) if m != k]
            if all(distance(o, *e.at(t)) >= CLEARANCE for o in others):
                ok.append((any(_crosses(o, b) for o in others), abs(t - 0.7), t))
        free.append([t for *_, t in sorted(ok)])
    placed: dict[int, tuple[float, bool]] = {}
    for k in sorted(range(len(edges)), key=lambda k: len(free[k])):
        taken = [box(m, t) for m, (t, _) in placed.items()]
        t = next((t for t in free[k] if not any(_meet(box(k, t), b) for b in taken)), None)
        placed[k] = (0.7, False) if t is None else (t, True)
    return [placed[k] for k in range(len(edges))]


def network_svg(spec: Spec, params: Sequence[Params], style: Style) -> str:
    sizes = spec.sizes
    small = max(sizes) <= LABELS_UP_TO
    row = ROW if max(sizes) <= 8 else max(26, ROW * 8 // max(sizes))
    r = R if row >= 40 else row // 2 - 2
    height = max(sizes) * row + 60
    labels: list[str] = []
    col = COL
    for col in COLS_TRIED if small else ():
        labels, clear = _labels(spec, params, style, col, row, r, height)
        if clear:
            break
    width = 2 * MARGIN + col * (len(sizes) - 1)

    def pos(layer: int, k: int) -> tuple[float, float]:
        n = sizes[layer]
        return MARGIN + col * layer, height / 2 + (k - (n - 1) / 2) * row

    big = max((abs(w) for p in params for rw in p.W for w in rw), default=Num(1))
    scale = float(big) or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hc-net" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="13" role="img">',
           f"<title>{escape_xml(spec.title)}: a {'-'.join(map(str, sizes))} network</title>"]
    for l, p in enumerate(params, start=1):
        for i, rw in enumerate(p.W):
            for j, w in enumerate(rw):
                (x1, y1), (x2, y2) = pos(l - 1, i), pos(l, j)
                colour, kind = (POS, "pos") if w > 0 else (NEG, "neg") if w < 0 else (NIL, "nil")
                thick = 0.6 + 3.4 * abs(float(w)) / scale
                out.append(f'<line class="hc-{kind}" data-edge="{l}-{i + 1}-{j + 1}" x1="{x1:.1f}" y1="{y1:.1f}" '
                           f'x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="{thick:.2f}" '
                           'stroke-opacity="0.8"/>')
    out += labels
    for l, n in enumerate(sizes):
        for k in range(n):
            x, y = pos(l, k)
            node = "hc-input" if l == 0 else "hc-unit"
            fill = "#eef3f8" if l == 0 else "#ffffff"
            out.append(f'<circle class="{node}" cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="#333" '
                       'stroke-width="1.4"/>')
            if r >= 10:
                out.append(f'<text class="hc-text" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" '
                           f'fill="#222">{k + 1}</text>')
            if l == 0:
                out.append(f'<text class="hc-text" x="{x - r - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" fill="#222">'
                           f'{escape_xml(spec.inputs[k])}</text>')
            if l == len(sizes) - 1 and spec.outputs:
                out.append(f'<text class="hc-text" x="{x + r + 6:.1f}" y="{y + 4:.1f}" fill="#222">'
                           f'{escape_xml(spec.outputs[k])}</text>')
            if small and l > 0 and params[l - 1].b is not None:
                out.append(f'<text class="hc-muted" x="{x:.1f}" y="{y + r + 14:.1f}" text-anchor="middle" '
                           f'font-size="11" fill="#555">b = {_num(params[l - 1].b[k], style.decimals)}</text>')
    for l in range(len(sizes)):
        x, _ = pos(l, 0)
        name = "input" if l == 0 else f"layer {l}"
        act = "" if l == 0 else f" ({spec.layers[l - 1].activation.replace('_', ' ')})"
        out.append(f'<text class="hc-text" x="{x:.1f}" y="18" text-anchor="middle" font-size="12" fill="#222">'
                   f'{name}{act}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _labels(spec: Spec, params: Sequence[Params], style: Style, col: float, row: float, r: float,
            height: float) -> tuple[list[str], bool]:
    """The weight labels of the diagram with layers ``col`` apart, and whether all stand clear."""
    sizes = spec.sizes

    def pos(layer: int, k: int) -> tuple[float, float]:
        return MARGIN + col * layer, height / 2 + (k - (sizes[layer] - 1) / 2) * row

    edges, texts, kinds, names = [], [], [], []
    for l, p in enumerate(params, start=1):
        for i, rw in enumerate(p.W):
            for j, w in enumerate(rw):
                edges.append(Edge(*pos(l - 1, i), *pos(l, j)))
                texts.append(_num(w, style.decimals))
                kinds.append("pos" if w > 0 else "neg" if w < 0 else "nil")
                names.append(f"{l}-{i + 1}-{j + 1}")
    nodes = [(*pos(l, k), r) for l, n in enumerate(sizes) for k in range(n)]
    biases = []
    for l, p in enumerate(params, start=1):
        for k, b in enumerate(p.b or ()):
            x, y = pos(l, k)
            half = text_width(f"b = {_num(b, style.decimals)}", 11) / 2
            biases.append((x - half, y + r + 3, x + half, y + r + 18))
    widths = [max(PILL_H + 4, text_width(t) + 10) for t in texts]
    where = place_labels(edges, widths, nodes, biases, top=26)
    colours = {"pos": POS, "neg": NEG, "nil": NIL}
    out = []
    for e, t, kind, name, wd, (at, _) in zip(edges, texts, kinds, names, widths, where):
        x, y = e.at(at)
        out.append(f'<g class="hc-weight" data-edge="{name}">'
                   f'<rect class="hc-pill hc-pill-{kind}" x="{x - wd / 2:.1f}" y="{y - PILL_H / 2:.1f}" '
                   f'width="{wd:.1f}" height="{PILL_H}" rx="{PILL_H / 2}" fill="#ffffff" stroke="{colours[kind]}" '
                   f'stroke-width="1"/>'
                   f'<text class="hc-{kind}" x="{x:.1f}" y="{y + 0.36 * LABEL_PX:.1f}" text-anchor="middle" '
                   f'font-size="{LABEL_PX}" fill="{colours[kind]}">{t}</text></g>')
    return out, all(ok for _, ok in where)
