"""The loss curve of a training run as a small SVG image (plain SVG text, no plotting library).

The curve is the mean loss of each epoch (``trace.epoch_loss``); with at most three
epochs the loss of every exact step is marked too.  Values are plotted as floats: the
picture is a sketch, the numbers on the pages stay exact.  The epoch axis is logarithmic
beyond 50 epochs.  The same trace always gives the same bytes.

As in the network diagram, colours are classes (``hc-bg``, ``hc-text``, ``hc-grid`` …) with
light-scheme colours as attributes, so a page that inlines the chart restyles it for its
colour scheme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from ..core.trace import Trace

WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 46  # margins around the plot area
LINE, STEP, GRID, INK = "#1f6fb4", "#c8382d", "#d9d9d9", "#333"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (1, 2 or 5 × a power of ten apart) covering ``[low, high]``."""
    span = high - low
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    return [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]


def _label(v: float) -> str:
    return f"{v:.6g}".replace("-", "−")


LOG_EPOCHS = 50  # more epochs than this: the epoch axis is logarithmic


def _y_range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.06 or abs(high) * 0.1 or 1.0
    return low - pad, high + pad


def loss_svg(trace: Trace) -> bytes:
    """The mean loss per epoch (and per exact step when there are few epochs) as SVG bytes."""
    losses = [float(v) for v in trace.epoch_loss]
    n = len(losses)
    log_x = n > LOG_EPOCHS
    steps: list[tuple[float, float]] = []
    if n <= 3 and trace.steps:
        steps = [(s.number / max(len(trace.steps), 1) * n, float(s.loss.value)) for s in trace.steps]
    y0, y1 = _y_range(losses + [v for _, v in steps])
    xs = [float(e) for e in range(1, n + 1)] + [x for x, _ in steps]
    x0, x1 = (min(xs) - 0.5, max(xs) + 0.5) if not log_x else (1.0, float(n))
    fx = (lambda v: math.log10(v)) if log_x else (lambda v: v)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(v: float) -> float:
        return round(LEFT + (fx(v) - fx(x0)) / (fx(x1) - fx(x0)) * pw, 2)

    def py(v: float) -> float:
        return round(TOP + (y1 - v) / (y1 - y0) * ph, 2)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f'<rect class="hc-bg" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>']
    x_ticks = ([10.0 ** k for k in range(0, math.floor(math.log10(n)) + 1)] if log_x
               else [t for t in nice_ticks(x0, x1, 6) if t == int(t)])
    for t in x_ticks:
        out.append(f'<line class="hc-grid" x1="{px(t)}" y1="{TOP}" x2="{px(t)}" y2="{TOP + ph}" stroke="{GRID}"/>')
        out.append(f'<text class="hc-text" x="{px(t)}" y="{TOP + ph + 16}" text-anchor="middle" fill="{INK}">'
                   f'{_label(t)}</text>')
    for t in nice_ticks(y0, y1):
        out.append(f'<line class="hc-grid" x1="{LEFT}" y1="{py(t)}" x2="{LEFT + pw}" y2="{py(t)}" stroke="{GRID}"/>')
        out.append(f'<text class="hc-text" x="{LEFT - 6}" y="{py(t) + 4}" text-anchor="end" fill="{INK}">'
                   f'{_label(t)}</text>')
    out.append(f'<rect class="hc-frame" x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="{INK}"/>')
    out.append(f'<text class="hc-text" x="{LEFT + pw / 2}" y="{HEIGHT - 8}" text-anchor="middle" fill="{INK}">'
               'epoch</text>')
    out.append(f'<text class="hc-text" transform="translate(14 {TOP + ph / 2}) rotate(-90)" text-anchor="middle" '
               f'fill="{INK}">loss</text>')
    points = " ".join(f"{px(e)},{py(v)}" for e, v in enumerate(losses, 1))
    out.append(f'<polyline class="hc-pos" points="{points}" fill="none" stroke="{LINE}" stroke-width="1.6"/>')
    if n <= 30:
        out += [f'<circle class="hc-pos" cx="{px(e)}" cy="{py(v)}" r="3.5" fill="{LINE}"/>'
                for e, v in enumerate(losses, 1)]
    out += [f'<rect class="hc-neg" x="{px(x) - 4}" y="{py(v) - 4}" width="8" height="8" fill="{STEP}"/>'
            for x, v in steps]
    legend = [("mean loss per epoch", LINE, "hc-pos")] + ([("exact steps", STEP, "hc-neg")] if steps else [])
    for i, (name, colour, kind) in enumerate(legend):
        y = TOP + 16 + 18 * i
        out.append(f'<line class="{kind}" x1="{LEFT + pw - 170}" y1="{y - 4}" x2="{LEFT + pw - 150}" y2="{y - 4}" '
                   f'stroke="{colour}" stroke-width="3"/>')
        out.append(f'<text class="hc-text" x="{LEFT + pw - 144}" y="{y}" fill="{INK}">{escape(name)}</text>')
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode()


def waiting_svg() -> bytes:
    """The chart's file while the run's float64 updates are still running: its size, no data."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} '
            f'{HEIGHT}"><title>The loss curve is being computed</title></svg>\n').encode()
