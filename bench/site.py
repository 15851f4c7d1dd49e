"""Site benchmark (issue 3): the time of a full ``mkdocs build``, and for each example its
heaviest page (largest HTML) with the time KaTeX takes to typeset it in headless Chromium.

Run from the repository root::

    .venv/bin/python bench/site.py

:func:`site_figures` prints the tables; ``bench/bench.py`` can call it as a section.
Targets: build < 15 s, every page's math < 1 s, no page > 1 MB (printed as PASS/MISS).
The typeset time is measured by the site's own ``handcalc/assets/katex-init.js`` (the time
spent in KaTeX's auto-render for all formulas of the page) and stored on the page as
``data-math-ms``.
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
BUILD_TARGET_S = 15.0
TYPESET_TARGET_MS = 1000.0
PAGE_TARGET_BYTES = 1_000_000
TYPESET_RUNS = 3  # loads per page; the median is printed


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def uncached_config(folder: Path) -> Path:
    """The site's ``mkdocs.yml`` with absolute paths and the plugin's cache off, written into ``folder``."""
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(ROOT / "docs")
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "handcalc" in plugin:
            plugin["handcalc"].update(examples=str(ROOT / "examples"), cache=False)
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder / "mkdocs.yml"


def build(site: Path) -> float:
    """Seconds for ``mkdocs build --strict`` of the whole site (a fresh process, the plugin's cache off)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    config = uncached_config(site.parent)
    t0 = time.perf_counter()
    done = subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"mkdocs build failed:\n{done.stderr}")
    return elapsed


def heaviest_pages(site: Path) -> list[tuple[str, str, int]]:
    """(example, page path, HTML bytes) of the largest page of each example."""
    out = []
    for folder in sorted(p for p in (site / "examples").iterdir() if p.is_dir()):
        pages = [(p.stat().st_size, p) for p in folder.rglob("index.html")]
        size, page = max(pages)
        out.append((folder.name, str(page.parent.relative_to(site)), size))
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def typeset_times(site: Path, paths: list[str]) -> dict[str, float]:
    """Median milliseconds KaTeX takes on each page, served from 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    times: dict[str, float] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for path in paths:
                runs = []
                for _ in range(TYPESET_RUNS):
                    page = browser.new_page(viewport={"width": 1280, "height": 1000})
                    page.goto(f"{base}/{path}/", wait_until="load")
                    page.wait_for_function("document.documentElement.dataset.mathDone === 'true'", timeout=60_000)
                    runs.append(float(page.evaluate("document.documentElement.dataset.mathMs")))
                    page.close()
                times[path] = statistics.median(runs)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return times


def site_figures() -> None:
    """Print the site's figures: build time, and per example its heaviest page's size and typeset time."""
    with tempfile.TemporaryDirectory(prefix="handcalc-bench-site-") as tmp:
        site = Path(tmp) / "site"
        seconds = build(site)
        print(f"\nsite: full `mkdocs build --strict` in {seconds:.1f} s "
              f"(target < {BUILD_TARGET_S:.0f} s: {verdict(seconds < BUILD_TARGET_S)}; {os.cpu_count()} cores)")
        all_pages = list(site.rglob("*.html"))
        largest = max(all_pages, key=lambda p: p.stat().st_size)
        big = largest.stat().st_size
        print(f"site: {len(all_pages)} HTML pages, largest {largest.parent.relative_to(site)} "
              f"{big / 1000:.0f} kB (target < 1 MB: {verdict(big < PAGE_TARGET_BYTES)})")
        heavy = heaviest_pages(site)
        if not Path(CHROMIUM).exists():
            print("site: no /usr/bin/chromium, typeset times skipped")
            return
        times = typeset_times(site, [path for _, path, _ in heavy])
        rows = [(name, path, f"{size / 1000:.0f} kB", f"{times[path]:.0f} ms",
                 verdict(times[path] < TYPESET_TARGET_MS and size < PAGE_TARGET_BYTES)) for name, path, size in heavy]
        header = ("example", "heaviest page", "HTML", f"math typeset (median of {TYPESET_RUNS})", "target")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for r in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def main() -> None:
    site_figures()


if __name__ == "__main__":
    main()
