"""Install benchmark (issue 9): the size of a core install and the start-up time of ``handcalc run``.

Run from the repository root::

    .venv/bin/python bench/install.py                  # the checkout's HEAD
    .venv/bin/python bench/install.py --ref 5168585    # an earlier commit, for a before → after

For each commit: ``git archive`` into a temporary folder, a fresh virtual environment,
``pip install`` of that source without extras (the core), then the size of the whole
environment (``du -sh``; an empty environment is about 26 MB of pip and setuptools) and
the median wall time of ``handcalc run examples/candy-bar.yaml`` in a new process (the
start-up: imports, reading the spec, one exact step).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def du(path: Path) -> str:
    return subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


def measure(ref: str) -> tuple[str, float]:
    """(size of the environment, median seconds of ``handcalc run``) for commit ``ref``."""
    with tempfile.TemporaryDirectory(prefix="handcalc-install-") as tmp:
        src, env_dir = Path(tmp) / "src", Path(tmp) / "venv"
        src.mkdir()
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
        subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(src)], check=True,
                       capture_output=True)
        spec = src / "handcalc" / "examples" / "candy-bar.yaml"
        if not spec.is_file():  # before the examples moved into the package
            spec = src / "examples" / "candy-bar.yaml"
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            subprocess.run([str(env_dir / "bin" / "handcalc"), "run", str(spec)], check=True, capture_output=True,
                           cwd=tmp)
            times.append(time.perf_counter() - t0)
        return du(env_dir), statistics.median(times)


def install_figures(refs: list[str]) -> None:
    print(f"\nCore install (no extras) in a fresh virtual environment; load average {os.getloadavg()[0]:.1f}")
    print(f"{'commit':<10}  {'size':>6}  {'handcalc run (median of ' + str(RUNS) + ')':>28}")
    for ref in refs:
        size, seconds = measure(ref)
        print(f"{ref:<10}  {size:>6}  {seconds:>26.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", action="append", help="commit(s) to measure (default: HEAD)")
    install_figures(parser.parse_args().ref or ["HEAD"])


if __name__ == "__main__":
    main()
