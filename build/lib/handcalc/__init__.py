"""handcalc: exact, step-by-step worked examples of multi-layer perceptrons.

Data flows one way: spec (:mod:`handcalc.spec`) → engine (:mod:`handcalc.engine`)
→ trace (:mod:`handcalc.trace`) → renderer → pages → site.
"""

__version__ = "0.1.0"
