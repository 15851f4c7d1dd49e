"""The loss curve of a training run as an SVG image (matplotlib, Agg backend).

The curve is the mean loss of each epoch (``trace.epoch_loss``); the exact steps
are marked.  Values are plotted as floats: the picture is a sketch, the numbers on
the pages stay exact.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .trace import Trace  # noqa: E402


def loss_svg(trace: Trace) -> bytes:
    """The mean loss per epoch (and per exact step when there are few epochs) as SVG bytes."""
    plt.rcParams["svg.hashsalt"] = "handcalc"  # stable ids: the same trace gives the same file
    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
    epochs = list(range(1, len(trace.epoch_loss) + 1))
    ax.plot(epochs, [float(v) for v in trace.epoch_loss], color="#1f6fb4", marker="o" if len(epochs) <= 30 else None,
            linewidth=1.6, label="mean loss per epoch")
    if len(epochs) <= 3 and trace.steps:
        ax.plot([s.number / max(len(trace.steps), 1) * len(epochs) for s in trace.steps],
                [float(s.loss.value) for s in trace.steps], "s", color="#c8382d", label="exact steps")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if len(epochs) > 50:
        ax.set_xscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()
