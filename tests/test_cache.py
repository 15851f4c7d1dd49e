"""The site cache (``.cache/handcalc``): a warm build gives the same site as a cold one, file
for file; an edited spec or template invalidates exactly the examples and pages it changes; a
damaged or foreign entry is ignored and rebuilt.

The whole site is built once cold and once warm (``sitebuild``); the invalidation tests build a
small site of two examples in this process, where the plugin's record of what came from the
cache can be read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
import yaml
from sitebuild import ROOT, cold_build, mkdocs, site_config, warm_build

from handcalc import resources
from handcalc.site import cache

pytestmark = pytest.mark.slow


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_warm_build_gives_the_same_site_file_for_file() -> None:
    cold, cold_log = cold_build()
    warm, warm_log = warm_build()
    examples = len(list((ROOT / "examples").glob("*.yaml")))
    assert f"from the cache: 0 of {examples} examples, 0 of " in cold_log
    pages = next(line for line in warm_log.splitlines() if "from the cache:" in line)
    n = pages.split("pages' HTML")[0].split(" of ")[-1].split()[0]
    assert f"from the cache: {examples} of {examples} examples, {n} of {n} pages' HTML" in pages, warm_log
    rendered = pages.split(" pages rendered")[0].split(" of ")[-1]
    assert f", {rendered} of {rendered} pages rendered into the theme" in pages, warm_log
    a, b = files_of(cold), files_of(warm)
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []
    assert any(name.endswith("search_index.json") for name in a)


# ---------------------------------------------------------------------------
# a small site, built in this process


class Site:
    """mkdocs.yml, docs/ and two examples in a temporary folder, built with the handcalc plugin."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "docs").mkdir()
        (folder / "docs" / "index.md").write_text("# Home\n\n[Examples](examples/index.md)\n", encoding="utf-8")
        (folder / "examples").mkdir()
        for name in ("candy-bar.yaml", "candy-bar-mse.yaml"):
            shutil.copy(ROOT / "examples" / name, folder / "examples")
        (folder / "mkdocs.yml").write_text(yaml.safe_dump({
            "site_name": "t", "theme": {"name": "material"}, "strict": True,
            "plugins": ["search", {"handcalc": {"workers": 1}}]}), encoding="utf-8")
        self.cache = folder / ".cache" / "handcalc"
        self.builds = 0

    def build(self) -> tuple[dict[str, bytes], set[str], dict[str, int]]:
        """The built site's files, the pages whose HTML came from the cache, the cache's counts."""
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        self.builds += 1
        site = self.folder / f"site{self.builds}"
        config = load_config(config_file=str(self.folder / "mkdocs.yml"), site_dir=str(site))
        config.plugins.on_startup(command="build", dirty=False)
        build(config)
        plugin = config.plugins["handcalc"]
        reused, counts = set(plugin.reused), dict(plugin._store.counts)
        plugin._store = plugin._memo = None  # (MkDocs keeps the plugin object:) the next build starts afresh
        return files_of(site), reused, counts


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    level = logging.getLogger("mkdocs").level
    yield Site(tmp_path)
    logging.getLogger("mkdocs").setLevel(level)


def pages_of(files: dict[str, bytes], slug: str) -> set[str]:
    return {f"examples/{slug}/{'index' if n == f'examples/{slug}/index.html' else n.split('/')[2]}.md"
            for n in files if n.startswith(f"examples/{slug}/") and n.endswith("index.html")}


def test_an_edited_spec_invalidates_its_own_pages_only(small: Site) -> None:
    first, reused, counts = small.build()
    assert reused == set() and counts["example miss"] == 2 and counts["example hit"] == 0
    again, reused, counts = small.build()
    assert again == first
    generated = pages_of(first, "candy-bar") | pages_of(first, "candy-bar-mse") | {"examples/index.md"}
    assert reused == generated and counts["example hit"] == 2

    spec = small.folder / "examples" / "candy-bar-mse.yaml"
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["layers"][0]["weights"][0][0] += 1
    spec.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    edited, reused, counts = small.build()
    assert counts["example hit"] == 1 and counts["example miss"] == 1  # candy-bar from the cache, the edit ran
    assert pages_of(first, "candy-bar") | {"examples/index.md"} <= reused
    assert "examples/candy-bar-mse/forward.md" not in reused
    changed = {n for n in first if first[n] != edited.get(n)}
    assert "examples/candy-bar-mse/forward/index.html" in changed
    assert not any(n.startswith("examples/candy-bar/") for n in changed)
    assert len(list((small.cache / "example").iterdir())) == 2  # the old version's entry was pruned


def test_an_edited_template_reruns_the_examples_and_converts_only_pages_it_changed(
        small: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    shutil.copytree(resources.PACKAGE / "templates", package / "templates")
    state = cache.code_state.__wrapped__
    before = state(package)
    assert state(package) == before
    first, _, _ = small.build()

    template = package / "templates" / "worksheet.md.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("\n", "\n\nEdited template.\n", 1),
                        encoding="utf-8")
    assert state(package) != before
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(package / "templates"),
                             **{k: getattr(resources.templates(), k) for k in (
                                 "undefined", "autoescape", "keep_trailing_newline", "trim_blocks", "lstrip_blocks")})
    monkeypatch.setattr(resources, "templates", lambda: env)
    monkeypatch.setattr(cache, "code_state", lambda: state(package))
    edited, reused, counts = small.build()

    assert counts["example hit"] == 0 and counts["example miss"] == 2  # every example ran with the new template
    worksheets = {f"examples/{s}/{n}.md" for s in ("candy-bar", "candy-bar-mse") for n in ("worksheet", "answers")}
    assert all(b"Edited template." in edited[f"{p[:-3]}/index.html"] for p in worksheets)
    assert not worksheets & reused  # their Markdown changed: converted again
    assert reused == (pages_of(first, "candy-bar") | pages_of(first, "candy-bar-mse") | {"examples/index.md"}) \
        - worksheets
    assert {n for n in first if first[n] != edited[n]} >= {f"{p[:-3]}/index.html" for p in worksheets}


def test_finished_pages_come_from_the_cache_until_the_theme_or_a_page_changes(small: Site) -> None:
    overrides = small.folder / "overrides"
    overrides.mkdir()
    main = overrides / "main.html"
    main.write_text('{% extends "base.html" %}\n{% block footer %}<p>first footer</p>{% endblock %}\n',
                    encoding="utf-8")
    config = small.folder / "mkdocs.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["theme"]["custom_dir"] = "overrides"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    first, _, counts = small.build()
    pages = [n for n in first if n.endswith("index.html")]
    assert counts["page hit"] == 0 and counts["page miss"] == len(pages)
    assert all(b"first footer" in first[n] for n in pages)

    again, _, counts = small.build()
    assert again == first and counts["page hit"] == len(pages) and counts["page miss"] == 0

    (small.folder / "docs" / "index.md").write_text("# Home\n\nEdited.\n", encoding="utf-8")
    edited, _, counts = small.build()
    assert counts["page miss"] == 1 and counts["page hit"] == len(pages) - 1  # only the home page changed
    assert {n for n in first if first[n] != edited[n]} >= {"index.html"}
    assert b"Edited." in edited["index.html"]

    main.write_text(main.read_text(encoding="utf-8").replace("first", "second"), encoding="utf-8")
    themed, _, counts = small.build()
    assert counts["page hit"] == 0 and counts["page miss"] == len(pages)
    assert all(b"second footer" in themed[n] and b"first footer" not in themed[n] for n in pages)


def entry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json"))


def rewrite(path: Path, change) -> None:
    entry = json.loads(path.read_text(encoding="utf-8"))
    payload = change(json.loads(entry["payload"]))
    entry["payload"] = json.dumps(payload)
    entry["sha256"] = hashlib.sha256(entry["payload"].encode("utf-8")).hexdigest()
    path.write_text(json.dumps(entry), encoding="utf-8")


def test_damaged_and_foreign_entries_are_ignored_and_rebuilt(small: Site) -> None:
    first, _, _ = small.build()
    examples = entry_files(small.cache / "example")
    pages = entry_files(small.cache / "html")
    damaged = {
        pages[0]: lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # cut short
        pages[1]: lambda p: p.write_text(p.read_text(encoding="utf-8").replace("<", "&lt;", 1), encoding="utf-8"),
        pages[2]: lambda p: rewrite(p, lambda d: {**d, "html": 5}),  # a checksum that fits, the wrong shape
        examples[0]: lambda p: rewrite(p, lambda d: {**d, "pages": [["../../outside.md", "x", "# x"]]}),
        examples[1]: lambda p: p.write_bytes(b"\x80\x81 not json"),
    }
    for path, damage in damaged.items():
        damage(path)
    damaged_bytes = {p: p.read_bytes() for p in damaged}
    again, reused, counts = small.build()
    assert again == first
    assert counts["html refused"] == 3 and counts["example refused"] == 2 and counts["example hit"] == 0
    for path in damaged:  # written again, whole
        assert path.read_bytes() != damaged_bytes[path]
        assert json.loads(path.read_text(encoding="utf-8"))["format"] == cache.FORMAT
    assert not (small.folder / "outside.md").exists()
    _, reused, counts = small.build()
    assert counts["html refused"] == counts["example refused"] == counts["example miss"] == 0


def test_the_cache_can_be_turned_off_and_must_stay_outside_the_site(small: Site) -> None:
    config = small.folder / "mkdocs.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["plugins"][1]["handcalc"]["cache"] = False
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    small.build()
    assert not small.cache.exists()

    from mkdocs.exceptions import Abort, PluginError

    data["plugins"][1]["handcalc"].update(cache=True, cache_dir="docs/cache")
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises((PluginError, Abort)):
        small.build()
    assert not (small.folder / "docs" / "cache").exists()


def test_search_stripping_is_handed_back_only_right_after_materials_search() -> None:
    """What Material's search makes of a page's HTML is kept only when no other plugin's
    ``on_page_context`` runs between the search plugin's and handcalc's (another plugin would
    see the empty page the search plugin is handed)."""
    from types import SimpleNamespace

    from handcalc.site.plugin import _next_after

    class Handler:
        def on_page_context(self, context, **kwargs):
            return context

    search, other, ours = Handler(), Handler(), Handler()

    def config(*order):
        return SimpleNamespace(plugins=SimpleNamespace(events={"page_context": [h.on_page_context for h in order]}))

    assert _next_after(config(search, ours), search, ours)
    assert _next_after(config(other, search, ours, other), search, ours)
    assert not _next_after(config(search, other, ours), search, ours)
    assert not _next_after(config(ours, search), search, ours)
    assert not _next_after(config(search), search, ours)


@pytest.mark.parametrize(("options", "message"), [
    ({"workers": 0}, "option 'workers': expected a whole number from 1 to 32, got 0"),
    ({"workers": True}, "option 'workers': expected a whole number from 1 to 32, got True"),
    ({"workers": 99}, "option 'workers': expected a whole number from 1 to 32, got 99"),
    ({"folder": "a\0b"}, "option 'folder': must not hold control characters"),
    ({"cache_dir": ""}, "option 'cache_dir': expected a non-empty text"),
    ({"cache_dir": "/"}, "cache_dir '/' is the project's folder or one above it"),
    ({"cache_dir": "."}, "cache_dir '.' is the project's folder or one above it"),
])
def test_plugin_options_out_of_range_stop_the_build_with_one_line(tmp_path: Path, options: dict,
                                                                   message: str) -> None:
    """A hostile-input audit found workers: 30 forking 30 processes, 0/true taken silently, a NUL in
    folder ending in a traceback, and cache_dir: / writing cache folders into the root."""
    project = tmp_path / "p"
    project.mkdir()
    config = site_config(project, **options)
    done = mkdocs("build", "-f", str(config), "-d", str(tmp_path / "site"), cwd=project, timeout=120)
    assert done.returncode != 0 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists() and not (project / ".cache").exists()
