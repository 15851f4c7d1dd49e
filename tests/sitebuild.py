"""The whole site built once per test session with ``mkdocs build --strict`` (shared by
test_site.py and test_browser.py), and small HTML helpers."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def mkdocs(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """``mkdocs ARGS`` (the build date fixed, so that two builds can be compared byte for byte)."""
    return subprocess.run([str(BIN / "mkdocs"), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"})


def site_config(project: Path, **options: object) -> Path:
    """The repository's ``mkdocs.yml`` written into ``project`` with absolute paths (the docs and the
    examples stay where they are) and ``options`` for the handcalc plugin."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(ROOT / "docs")
    plugins = config["plugins"]
    at = next(i for i, p in enumerate(plugins) if isinstance(p, dict) and "handcalc" in p)
    plugins[at]["handcalc"] = {**plugins[at]["handcalc"], "examples": str(ROOT / "examples"), **options}
    path = project / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@cache
def _builds() -> Path:
    out = Path(tempfile.mkdtemp(prefix="handcalc-site-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    return out


def _build(name: str) -> tuple[Path, str]:
    out = _builds()
    config = site_config(out, cache_dir=str(out / "cache"))
    done = mkdocs("build", "--strict", "-f", str(config), "-d", str(out / name))
    assert done.returncode == 0, done.stderr
    return out / name, done.stderr


@cache
def cold_build() -> tuple[Path, str]:
    """``mkdocs build --strict`` of the repository's site into a temporary folder, with an empty
    cache folder of its own: the site and the build's log."""
    return _build("site")


def built_site() -> Path:
    return cold_build()[0]


@cache
def warm_build() -> tuple[Path, str]:
    """The same build again, with the cache :func:`cold_build` filled: the site and the log."""
    cold_build()
    return _build("warm")


class Links(HTMLParser):
    """The links, scripts, stylesheets, images and text of one HTML page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []  # <a href>
        self.resources: list[tuple[str, str]] = []  # (tag, URL) of <script src>, <link href>, <img src>
        self.text: list[str] = []
        self.pages: list[str] = []  # <a href> inside <nav class="hc-pages">
        self._in_pages = 0
        self._skip = 0
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            if self._in_pages:
                self.pages.append(a["href"])
        if tag == "nav":
            self._in_pages += 1 if ("hc-pages" in a.get("class", "") or self._in_pages) else 0
        if tag in ("script", "img") and a.get("src"):
            self.resources.append((tag, a["src"]))
        if tag == "link" and a.get("href") and a.get("rel") != "canonical":  # canonical names, loads nothing
            self.resources.append((tag, a["href"]))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_pages:
            self._in_pages -= 1
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def page_dir(href: str, here: Path) -> Path:
    """The built file a relative link on page ``here`` points at."""
    target = (here.parent / href.split("#")[0]).resolve()
    return target / "index.html" if target.is_dir() else target
