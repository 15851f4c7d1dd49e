"""The network diagram of an example as an SVG document.

Nodes stand in columns, one column per layer (the inputs first); every weight is a
line from input ``i`` to unit ``j``, blue when positive, red when negative, thicker
when larger in size.  Small networks (no layer wider than :data:`LABELS_UP_TO`) get
each weight's value written on its line, near the unit it feeds, where the lines into
that unit fan apart, and each bias under its unit.

Colours are classes (``hc-pos``, ``hc-neg``, ``hc-text`` …) with their light-scheme
colours as attributes: a page that inlines the SVG restyles them for its colour scheme
(``handcalc.css`` does, for light and dark), and the file on its own still reads.
The drawing is made at its natural size: text is never smaller than 11 px when shown
1:1, and a page lets a wide diagram scroll instead of shrinking it.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def _num(x: Num, decimals: int) -> str:
    return show(x, decimals).text.replace("-", "−")


def network_svg(spec: Spec, params: Sequence[Params], style: Style) -> str:
    sizes = spec.sizes
    small = max(sizes) <= LABELS_UP_TO
    row = ROW if max(sizes) <= 8 else max(26, ROW * 8 // max(sizes))
    r = R if row >= 40 else row // 2 - 2
    height = max(sizes) * row + 60
    width = 2 * MARGIN + COL * (len(sizes) - 1)

    def pos(layer: int, k: int) -> tuple[float, float]:
        n = sizes[layer]
        return MARGIN + COL * layer, height / 2 + (k - (n - 1) / 2) * row

    big = max((abs(w) for p in params for rw in p.W for w in rw), default=Num(1))
    scale = float(big) or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hc-net" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="13" role="img">',
           f"<title>{escape_xml(spec.title)}: a {'-'.join(map(str, sizes))} network</title>"]
    labels = []
    for l, p in enumerate(params, start=1):
        for i, rw in enumerate(p.W):
            for j, w in enumerate(rw):
                (x1, y1), (x2, y2) = pos(l - 1, i), pos(l, j)
                colour, kind = (POS, "pos") if w > 0 else (NEG, "neg") if w < 0 else (NIL, "nil")
                thick = 0.6 + 3.4 * abs(float(w)) / scale
                out.append(f'<line class="hc-{kind}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                           f'stroke="{colour}" stroke-width="{thick:.2f}" stroke-opacity="0.8"/>')
                if small:
                    # near the unit the weight feeds, where its incoming lines are apart (crossings lie
                    # mid-way); the inputs of one unit at staggered distances so their labels do not meet
                    t = 0.78 - 0.16 * i / max(1, sizes[l - 1] - 1) if sizes[l - 1] > 1 else 0.72
                    lx, ly = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
                    labels.append(f'<text class="hc-{kind} hc-label" x="{lx:.1f}" y="{ly + 4:.1f}" '
                                  f'text-anchor="middle" fill="{colour}" stroke="white" stroke-width="4" '
                                  f'stroke-linejoin="round" paint-order="stroke">{_num(w, style.decimals)}</text>')
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
