"""Shared helpers: the shipped examples, and their traces run once per test session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from handcalc.core import engine, spec
from handcalc.core.trace import Trace

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def example_spec(name: str, rounding: str | None = None) -> spec.Spec:
    return spec.load(EXAMPLES / f"{name}.yaml").with_display(rounding=rounding)


def example_trace(name: str, rounding: str = "exact") -> Trace:
    """The trace of a shipped example, computed once per session (moons takes seconds)."""
    return _trace(name, rounding)  # one cache key whether or not rounding is passed


@cache
def _trace(name: str, rounding: str) -> Trace:
    return engine.run(example_spec(name, rounding))


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session", autouse=True)
def _fresh_traces():
    """Every test session starts without cached traces: bench/mutation.py forks each mutant's
    session from a process that already ran the tests, and a trace cached there would hide
    the mutant."""
    _trace.cache_clear()
    yield
