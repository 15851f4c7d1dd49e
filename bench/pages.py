"""Page images to look at (issue 11): the site's most complex pages as a reader sees them, at
1280 px in the light and the dark scheme and at 390 px, and two of them printed to A4 PDF and
turned into one PNG per sheet with ``pdftoppm``.  Nothing is asserted; the images are for eyes.

Run from the repository root::

    .venv/bin/python bench/pages.py            # builds the site into a temporary folder
    .venv/bin/python bench/pages.py --site /tmp/site    # an already built site

Writes ``bench/out/pages/<page>-<1280-light|1280-dark|390>.png`` (the first screens of the page,
up to SHOT_HEIGHT px tall, every fold closed as a reader finds it) and
``bench/out/pages/<page>-print-<n>.png``.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import shutil
import subprocess
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# bench/site.py, loaded from its file (the standard library's ``site`` owns the name)
_spec = importlib.util.spec_from_file_location("handcalc_bench_site", Path(__file__).with_name("site.py"))
_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_site)
ARGS, CHROMIUM, ROOT, build = _site.ARGS, _site.CHROMIUM, _site.ROOT, _site.build

OUT = ROOT / "bench" / "out" / "pages"
PAGES = ("examples/moons/backward", "examples/golf/forward", "examples/seven-layer",
         "examples/golf/worksheet", "examples/candy-bar/update")
PRINTED = ("examples/golf/worksheet", "examples/moons/backward")
VIEWS = (("1280-light", 1280, "light"), ("1280-dark", 1280, "dark"), ("390", 390, "light"))
SHOT_HEIGHT = 4000  # px of page per image: enough to see the layout, small enough to look at


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def shoot(site: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    written: list[Path] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for path in PAGES:
                name = path.removeprefix("examples/").replace("/", "-")
                for label, width, scheme in VIEWS:
                    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
                    page.goto(f"{base}/{path}/", wait_until="load")
                    page.wait_for_function("document.documentElement.dataset.mathDone === 'true'", timeout=60_000)
                    height = min(SHOT_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
                    target = OUT / f"{name}-{label}.png"
                    page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": width, "height": height},
                                    full_page=True)
                    written.append(target)
                    if path in PRINTED and label == "1280-light":
                        for old in OUT.glob(f"{name}-print-*.png"):
                            old.unlink()
                        pdf = OUT / f"{name}.pdf"
                        pdf.write_bytes(page.pdf(format="A4"))
                        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(OUT / f"{name}-print")],
                                       check=True)
                        written += sorted(OUT.glob(f"{name}-print-*.png"))
                    page.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        raise SystemExit("needs pdftoppm (poppler-utils)")
    if args.site:
        written = shoot(args.site)
    else:
        with tempfile.TemporaryDirectory(prefix="handcalc-bench-pages-") as tmp:
            build(Path(tmp) / "site")
            written = shoot(Path(tmp) / "site")
    print("\n".join(str(p.relative_to(ROOT)) for p in written))


if __name__ == "__main__":
    main()
