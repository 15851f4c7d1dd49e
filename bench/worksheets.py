"""Benchmark section: worksheets (issue 4).

Times ``handcalc worksheet examples/golf.yaml --variants 30 --seed 1`` as PDF: drawing
and re-checking 30 variants, writing their HTML, and printing 30 worksheets, 30 keys and
the combined key with headless Chromium (one browser, one page per core).  Target: under
60 s on the 2-core machine.  Run alone::

    .venv/bin/python bench/worksheets.py

:func:`worksheet_figures` returns the figures; :func:`main` prints them as a table.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handcalc.core import spec as spec_mod  # noqa: E402
from handcalc.worksheets import model as worksheet  # noqa: E402
from handcalc.worksheets import output as pages  # noqa: E402

VARIANTS = 30
TARGET_S = 60.0


def worksheet_figures(variants: int = VARIANTS) -> dict[str, float | int | str]:
    """Seconds to make ``variants`` golf worksheets with keys as PDF, split by stage."""
    spec = spec_mod.load(ROOT / "examples" / "golf.yaml")
    t0 = time.perf_counter()
    sheets = worksheet.make_variants(spec, variants, seed=1)
    t1 = time.perf_counter()
    docs = pages.documents(sheets, "golf")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        pages.write(docs, out, "pdf", "a4")
        t2 = time.perf_counter()
        pdfs = sorted(out.glob("*.pdf"))
        size = sum(p.stat().st_size for p in pdfs)
    return {"variants": variants, "pdfs": len(pdfs), "draw_check_s": t1 - t0, "print_s": t2 - t1,
            "total_s": t2 - t0, "mb": size / 1e6, "lines": len(sheets[0].lines), "cores": os.cpu_count() or 1,
            "load": os.getloadavg()[0]}


def main() -> None:
    f = worksheet_figures()
    verdict = "PASS" if f["total_s"] < TARGET_S else "MISS"
    rows = [
        ("variants (worksheet + key each) + combined key", f"{f['variants']} → {f['pdfs']} PDFs"),
        ("results per worksheet", f["lines"]),
        ("draw + re-check variants", f"{f['draw_check_s']:.2f} s"),
        ("write HTML + print PDFs (Chromium)", f"{f['print_s']:.2f} s"),
        (f"total (target < {TARGET_S:.0f} s)", f"{f['total_s']:.2f} s  {verdict}"),
        ("size of all PDFs", f"{f['mb']:.1f} MB"),
        ("machine", f"{f['cores']} cores, load average {f['load']:.1f} at the end"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Worksheets: {VARIANTS} variants of examples/golf.yaml as PDF")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
