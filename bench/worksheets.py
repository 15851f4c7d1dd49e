"""Benchmark section: worksheets as PDF (issues 4 and 10), before → after in one run.

Times ``handcalc worksheet examples/golf.yaml --variants 30 --seed 1`` (30 worksheets, 30 keys
and the combined key) twice:

* **after** — this checkout: Typst typesets the PDFs in-process (no browser); the stages are
  timed apart (draw and re-check the variants, write the Typst sources, compile the PDFs);
* **before** — the command line of an earlier commit (``--before REF``, default the last
  commit that printed with headless Chromium), unpacked with ``git archive`` into a scratch
  folder and run with this environment's Python; it needs Playwright and Debian's
  ``chromium`` (the ``test`` extra and ``scripts/setup.sh`` install both).  Without them,
  or outside a git checkout, the line says why and only the new path is measured.

The figure is the ratio of the two end-to-end times (the same command, wall clock, the
median of ``--runs``).  Target (issue 10): the 30 PDFs with keys in under 2 s.  Run alone::

    .venv/bin/python bench/worksheets.py [--before REF] [--runs N]

:func:`worksheet_figures` returns the figures; :func:`main` prints them as a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handcalc.core import spec as spec_mod  # noqa: E402
from handcalc.equations.typst import TYPST  # noqa: E402
from handcalc.worksheets import model as worksheet  # noqa: E402
from handcalc.worksheets import output, typeset  # noqa: E402

VARIANTS = 30
TARGET_S = 2.0
BEFORE = "a593ffb"  # the last commit whose PDFs came from headless Chromium


def _command(checkout: Path, out: Path, variants: int) -> float:
    """Wall seconds of ``handcalc worksheet golf --variants N`` run from ``checkout``'s code."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "handcalc.cli", "worksheet", str(checkout / "examples" / "golf.yaml"),
                    "--variants", str(variants), "--seed", "1", "-o", str(out), "--force"],
                   check=True, capture_output=True, env=env, cwd=checkout)
    return time.perf_counter() - t0


def _unpack(ref: str, dest: Path) -> str | None:
    """``ref``'s files into ``dest`` (None), or why they cannot be had."""
    try:
        tar = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"no git checkout or no commit {ref} ({exc})"
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(dest, filter="data")
    return None


def _before_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not any(Path(p, "chromium").exists() for p in os.environ.get("PATH", "").split(os.pathsep)):
        return "Debian's chromium is not installed (bash scripts/setup.sh)"
    return None


def stages(variants: int = VARIANTS) -> dict[str, float]:
    """The new path in-process, stage by stage (seconds)."""
    spec = spec_mod.load(ROOT / "examples" / "golf.yaml")
    t0 = time.perf_counter()
    sheets = worksheet.make_variants(spec, variants, seed=1, dialect=TYPST)
    t1 = time.perf_counter()
    sources = [d.typst("a4") for d in output.documents(sheets, "golf")]
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:  # as the command does it: one worker process per core
        typeset.write([(Path(tmp) / f"{k}.pdf", src) for k, src in enumerate(sources)])
        t3 = time.perf_counter()
        size = sum(p.stat().st_size for p in Path(tmp).glob("*.pdf"))
    return {"draw_check_s": t1 - t0, "sources_s": t2 - t1, "compile_s": t3 - t2, "pdfs": len(sources),
            "mb": size / 1e6, "lines": len(sheets[0].lines)}


def worksheet_figures(variants: int = VARIANTS, before: str = BEFORE, runs: int = 3) -> dict[str, object]:
    f: dict[str, object] = dict(stages(variants))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        f["after_s"] = statistics.median(_command(ROOT, tmp_path / "after", variants) for _ in range(runs))
        why = _before_missing() or _unpack(before, tmp_path / "before")
        if why is None:
            f["before_s"] = statistics.median(_command(tmp_path / "before", tmp_path / "out-before", variants)
                                              for _ in range(runs))
        f["before_why"] = why
    f.update(variants=variants, before=before, cores=os.cpu_count() or 1, load=os.getloadavg()[0])
    return f


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BEFORE, help=f"the commit to compare with (default {BEFORE})")
    ap.add_argument("--runs", type=int, default=3, help="end-to-end runs of each command (median)")
    args = ap.parse_args(argv)
    f = worksheet_figures(before=args.before, runs=args.runs)
    pdf_s = float(f["sources_s"]) + float(f["compile_s"])  # type: ignore[arg-type]
    rows = [
        ("variants (worksheet + key each) + combined key", f"{f['variants']} → {f['pdfs']} PDFs, "
                                                          f"{f['lines']} results each"),
        ("after: draw + re-check variants", f"{f['draw_check_s']:.2f} s"),
        ("after: Typst sources + compile", f"{f['sources_s']:.2f} s + {f['compile_s']:.2f} s"),
        (f"after: the PDFs (target < {TARGET_S:.0f} s)", f"{pdf_s:.2f} s  {'PASS' if pdf_s < TARGET_S else 'MISS'}"),
        ("after: whole command (Typst)", f"{f['after_s']:.2f} s"),
    ]
    if f["before_why"] is None:
        ratio = float(f["before_s"]) / float(f["after_s"])  # type: ignore[arg-type]
        rows += [(f"before: whole command ({f['before']}, Chromium)", f"{f['before_s']:.2f} s"),
                 ("ratio before / after", f"{ratio:.1f}×")]
    else:
        rows.append((f"before ({f['before']})", f"not measured: {f['before_why']}"))
    rows += [("size of all PDFs (after)", f"{f['mb']:.1f} MB"),
             ("machine", f"{f['cores']} cores, load average {f['load']:.1f} at the end")]
    width = max(len(r[0]) for r in rows)
    print(f"Worksheets: {VARIANTS} variants of examples/golf.yaml as PDF, before → after")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
