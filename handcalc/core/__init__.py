"""The engine: a spec in, every number of the run out, exact, with no notion of pages.

``spec`` (YAML → checked Spec), ``numbers`` (exact or 60-digit Num), ``functions`` (the
registry of activations and losses), ``engine`` (runs a spec → trace), ``trace`` (the
records), ``fast`` (float64 training), ``display`` (how a number is written: digits, = or ≈),
``check`` (re-checks and finite differences), ``export``, ``variants``, ``datasets``, ``errors``.
Nothing here imports from the other subpackages of handcalc.
"""
