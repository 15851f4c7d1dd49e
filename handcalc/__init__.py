"""handcalc: exact, step-by-step worked examples of multi-layer perceptrons.

Data flows one way: spec (:mod:`handcalc.core.spec`) → engine (:mod:`handcalc.core.engine`)
→ trace (:mod:`handcalc.core.trace`) → renderer → pages → site.

The public API (documented in ``docs/python.md``)::

    import handcalc
    spec = handcalc.load("golf.yaml")      # a path, YAML text or a dict
    run = handcalc.run(spec)               # a Run: spec, trace, report, pages
    run                                    # in Jupyter: the training step, typeset
    run.page("backward")                   # one page of the worked example

The names are imported on first use, so ``import handcalc`` (and the command line) stays quick.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["load", "run", "Run", "NotebookPage", "SpecError", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "SpecError":
        from .core.errors import SpecError

        return SpecError
    if name in ("load", "run", "Run", "NotebookPage"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'handcalc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
