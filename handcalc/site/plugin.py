"""The MkDocs plugin ``handcalc``: the worked examples as in-memory pages of the site.

Glue only; the work is in :mod:`handcalc.site.sitegen`.  The plugin needs nothing but
``- handcalc`` under ``plugins`` (every option: ``docs/own-site.md``):

* ``on_config`` checks the Markdown extensions the pages need (:data:`EXTENSIONS`) and adds
  the missing ones; one configured in a way that would leave math unrendered
  (``pymdownx.arithmatex`` without ``generic: true``) stops the build with one line saying
  what to change.  It adds the pages' style sheets and scripts (KaTeX shipped in the
  package, :mod:`handcalc.resources`) to ``extra_css``/``extra_javascript``, and runs the
  specs of ``examples``.
* ``on_files`` puts the pages and the assets into the site with ``File.generated``
  (nothing is written into ``docs_dir``, so ``mkdocs serve`` does not see its own output
  and rebuild forever).  The generated folders belong to the plugin: a page the user
  wrote inside one stops the build (it is never dropped or overwritten); a copy that
  ``handcalc build`` wrote (marked as generated) is replaced by the fresh pages.
* ``on_serve`` watches the examples folder, so saving a spec rebuilds the site: through the
  system's file events where it can (MkDocs' own watcher looks twice a second).
  ``on_startup`` forks the worker processes of a ``mkdocs serve`` session before the server
  starts its threads (``on_shutdown`` stops them; they also end by themselves with the
  server).  An edited spec's float64 training and re-check run in one of them while the
  site is rebuilt with the pages of its worked step; its training, check and worksheet pages
  say they follow, and the worker's end asks the server for the rebuild that brings them
  (:class:`handcalc.site.sitegen.Background`).

* The cache (:mod:`handcalc.site.cache`, options ``cache`` and ``cache_dir``): an example
  whose spec, file and package did not change is not run again (``on_config``), a page whose
  Markdown did not change is not converted again (a page of the user's only when every Markdown
  extension is one of :data:`SELF_CONTAINED`) (``on_page_markdown`` and
  ``on_page_content``), and with Material's search its entries are not parsed again from its
  HTML (``on_files``), and a page whose every input to the theme's template did not change is
  not rendered into the theme again (``on_env``: :class:`_PageTemplate`).  The site is
  byte-identical with or without it.

A nav entry pointing at ``<folder>/index.md`` becomes a section with every example and
its pages.  Defining ``on_startup`` keeps one plugin object for a whole ``mkdocs serve``
session, so specs that did not change are not run again (the memo is keyed by file and
content hash, so an edited spec always runs).

A spec with an error stops ``mkdocs build`` with one line naming the file and the field.
Under ``mkdocs serve`` it does not stop the server: the example's pages show the error
above the numbers of the spec's last version that worked (or, with none, an overview page
holding just the error), the same line is logged, and saving the fixed spec brings the
pages back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sysconfig
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import cache as _cache
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure import StructureItem
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.theme import Theme

from .. import resources
from ..core.errors import SpecError
from ..escape import printable
from . import cache, sitegen

log = get_plugin_logger(__name__)

# The Markdown extensions the pages are written for, with the settings they need
# (``SETTINGS``: a setting the user may leave out, but not set otherwise).
EXTENSIONS: dict[str, dict[str, Any]] = {
    "admonition": {},  # a spec's error on a page
    "attr_list": {},  # { .ws-part } on worksheet headings
    "md_in_html": {},  # <nav markdown>, <div markdown> (the page list, worksheet lines)
    "pymdownx.arithmatex": {"generic": True},  # $…$ and $$ for KaTeX (katex-init.js)
    "pymdownx.details": {},  # ??? folds
    "pymdownx.superfences": {},
}
SETTINGS: dict[str, dict[str, tuple[Callable[[Any], bool], str]]] = {
    "pymdownx.arithmatex": {  # the delimiters katex-init.js hands to KaTeX; the pages' $…$ and $$ blocks
        "tex_inline_wrap": (lambda v: list(v) == ["\\(", "\\)"], "tex_inline_wrap left at its default"),
        "tex_block_wrap": (lambda v: list(v) == ["\\[", "\\]"], "tex_block_wrap left at its default"),
        "inline_syntax": (lambda v: "dollar" in v, "dollar in inline_syntax"),
        "block_syntax": (lambda v: "dollar" in v, "dollar in block_syntax"),
    },
}
IN_EXTRA = {"attr_list", "md_in_html", "tables", "fenced_code"}  # what the `extra` extension already holds


MAX_WORKERS = 32  # worker processes at most (each is a forked copy of MkDocs)


class _Count(c.BaseConfigOption[int]):
    """A whole number from 1 to ``high`` (``true`` is not a number here)."""

    def __init__(self, high: int) -> None:
        super().__init__()
        self.high = high

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.high:
            raise c.ValidationError(f"expected a whole number from 1 to {self.high}, got {printable(repr(value))}")
        return value


class _Name(c.BaseConfigOption[str]):
    """Text on one line, not blank (a folder name, a title)."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise c.ValidationError(f"expected a non-empty text, got {printable(repr(value))}")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise c.ValidationError(f"must not hold control characters, got {printable(repr(value))}")
        return value


class HandcalcConfig(base.Config):
    examples = c.Dir(exists=True, default="examples")  # folder of specs, relative to mkdocs.yml
    folder = _Name(default="examples")  # where the pages go, relative to docs_dir
    nav_title = _Name(default="Worked examples")
    workers = c.Optional(_Count(MAX_WORKERS))  # processes running specs at once (default: one per CPU core)
    cache = c.Type(bool, default=True)  # keep the examples' pages and their HTML between builds
    cache_dir = _Name(default=".cache/handcalc")  # where, relative to mkdocs.yml


class HandcalcPlugin(BasePlugin[HandcalcConfig]):
    def __init__(self) -> None:
        self._store: cache.Store | None = None
        self._memo: cache.ExampleMemo | None = None
        self._collected: list[sitegen.Collected] = []
        self._serving = False
        self._last_good: dict[str, sitegen.Collected] = {}  # by spec file: its latest version that ran
        self._pages: set[str] = set()  # src_uri of the generated pages (whose HTML is cached)
        self._html_context = ""  # what every page's HTML depends on besides its Markdown (per build)
        self._from_cache: dict[str, tuple[str, dict]] = {}  # src_uri → (its Markdown, cached HTML)
        self._converting: dict[str, tuple[str, int]] = {}  # src_uri → (key, warnings before) of a miss
        self._warnings = _Counter()
        self.reused: set[str] = set()  # the generated pages whose HTML came from the cache in this build
        self._compiled = _CompiledTemplates()
        self._render_context: str | None = None  # what every page's rendering depends on (per build; "" = never reuse)
        self.rendered: dict[str, bool] = {}  # src_uri → whether the finished page came from the cache, this build
        self._template_class = type("PageTemplate", (_PageTemplate,), {"remember": self._render})
        self._pool: ProcessPoolExecutor | None = None  # under ``mkdocs serve``: worker processes forked at start
        self._observer: Any = None  # under ``mkdocs serve``: what tells the server a spec was saved
        self._stripped: dict[str, str] = {}  # a page's HTML before Material's search strips it → after
        self._stripped_used: set[str] = set()  # (of this build)
        self._put_back: dict[str, str] = {}  # src_uri → its stripped HTML, known (this build)
        self._strip_of: dict[str, str] = {}  # src_uri → the key its stripped HTML is kept under (this build)
        self._background: sitegen.Background | None = None  # under ``mkdocs serve``: an edited spec's float64 run

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Keeps this object (and its memo) across the rebuilds of ``mkdocs serve``, and starts its
        worker processes there while the server has no threads yet (an edited spec's float64
        updates then run in one of them while this process re-checks its exact steps)."""
        self._serving = command == "serve"
        if self._serving and self._pool is None and self.config.workers != 1:
            self._pool = sitegen.worker_pool(self.config.workers)

    def on_shutdown(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer = None
        if self._background is not None:
            self._background.keep(set())
            self._background = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @event_priority(100)
    def _compile_once(self, config: MkDocsConfig) -> MkDocsConfig:
        """Every Jinja environment of the theme — the one pages are rendered with and those other
        plugins make (Material's search makes three per build to translate its labels) — keeps
        compiled templates for the whole ``mkdocs serve`` session instead of compiling them on
        every rebuild (a template whose source changed is compiled again).  In memory only:
        compiled templates are code, never read from disk.  The listing of the theme's files in
        installed packages is kept too (:func:`_listing`).  (``Theme.get_env`` of this build's
        theme, wrapped before the other plugins' ``on_config`` run.)"""
        theme, compiled = config.theme, self._compiled
        make = getattr(type(theme), "get_env", None)
        if make is None:
            return config

        def get_env() -> jinja2.Environment:
            env = make(theme)
            if env.bytecode_cache is None:
                env.bytecode_cache = compiled
            if type(env.loader) is jinja2.FileSystemLoader:
                env.loader.list_templates = _listing(env.loader)  # type: ignore[method-assign]
            return env

        theme.get_env = get_env  # type: ignore[method-assign]
        return config

    def _run_examples(self, config: MkDocsConfig) -> MkDocsConfig:
        _markdown_extensions(config)
        _add_assets(config)
        self._open_cache(config)
        try:
            self._collected = sitegen.collect(self.config.examples, memo=self._memo,
                                              on_error=self._show_error if self._serving else None,
                                              workers=self.config.workers, pool=self._pool,
                                              background=self._background)
            section = sitegen.nav(self._collected, self.config.folder, self.config.nav_title)
        except (SpecError, ValueError, OSError) as exc:
            raise PluginError(f"handcalc: {printable(str(exc))}") from None
        self._last_good.update({str(c.source): c for c in self._collected if c.error is None and not c.running})
        for got in self._collected:  # a page that says a line does not re-check must fail --strict
            for failure in got.rendered.line_failures[:5]:
                log.warning(f"handcalc: {got.slug}: a printed line does not re-check: {failure}")
            if got.report_failures:
                log.warning(f"handcalc: {got.slug}: {got.report_failures} equations or gradients do not re-check "
                            "(see its check page)")
        if config.nav is not None:
            config.nav = _expand(config.nav, f"{self.config.folder}/index.md", section)
        return config

    on_config = CombinedEvent(_compile_once, _run_examples)

    def _open_cache(self, config: MkDocsConfig) -> None:
        """The cache of this build: the folder's (``cache``: true) or memory only; the same object
        across the rebuilds of ``mkdocs serve``."""
        folder = None
        if self.config.cache:
            project = Path(config.config_file_path or ".").parent.resolve()
            folder = (project / self.config.cache_dir).resolve()
            if folder == project or folder in project.parents:
                given = printable(repr(self.config.cache_dir))
                raise PluginError(f"handcalc: mkdocs.yml: plugins: handcalc: cache_dir {given} is the project's "
                                  "folder or one above it; give a folder of its own, such as .cache/handcalc")
            for name in ("docs_dir", "site_dir"):
                where = Path(config[name]).resolve()
                if folder == where or where in folder.parents:
                    raise PluginError(f"handcalc: mkdocs.yml: plugins: handcalc: cache_dir {self.config.cache_dir!r} "
                                      f"is inside {name}; give a folder outside it")
        if self._store is None or self._store.folder != folder:
            self._store = cache.Store(folder)
            self._memo = cache.ExampleMemo(self._store, sitegen.dump, sitegen.undump, sitegen.dumped,
                                           salt=cache.digest([cache.describe(p) for p in sitegen.PRODUCERS]))
        self._store.start()
        self._html_context = ""
        self._from_cache.clear()
        self._converting.clear()
        self.reused = set()
        self._render_context = None
        self.rendered = {}
        self._stripped_used.clear()
        self._put_back.clear()
        self._strip_of.clear()

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        logging.getLogger("mkdocs").addHandler(self._warnings)

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        generated = [(f.path, f.data) for f in sitegen.site_files(self._collected, self.config.folder)]
        self._pages = {path for path, _ in generated if path.endswith(".md")}
        self._remember_search(config)
        for folder in (self.config.folder.strip("/"), resources.SITE_FOLDER):
            for old in _owned_files(files, folder, Path(config.docs_dir)):
                files.remove(old)
        for path, data in generated:
            files.append(File.generated(config, path, content=data))
        for path, src in resources.site_assets():
            files.append(File.generated(config, path, abs_src_path=str(src)))
        return files

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        """Saving a spec rebuilds the site (no ``watch:`` entry needed in ``mkdocs.yml``).  MkDocs
        looks for changes every half second; the examples folder is watched through the operating
        system's file events instead where it can be (:func:`_watch_at_once`), so a saved spec is
        noticed at once."""
        rebuild = _rebuilder(server)
        if self._observer is None and rebuild is not None:
            self._observer = _watch_at_once(rebuild, self.config.examples)
        if self._observer is None:
            server.watch(self.config.examples)
        if self._background is None and self._pool is not None and rebuild is not None:
            self._background = sitegen.Background(self._pool, rebuild)
        return server

    def _show_error(self, path: Path, slug: str, exc: SpecError) -> sitegen.Collected:
        """Under ``mkdocs serve``: the error goes on the example's pages and into the log."""
        near = _near(path)
        exc = SpecError(exc.field.replace(str(path), str(near), 1), exc.message)
        shown = sitegen.broken(near, slug, exc, self._last_good.get(str(path)))
        log.info(f"{printable(shown.error)} (shown on the example's pages until the spec is fixed)")
        return replace(shown, source=path)

    # The HTML of a generated page is kept, keyed by its Markdown and everything else MkDocs' conversion
    # depends on (:meth:`_html_key`): a page whose key is known is not converted again.  MkDocs has no
    # event to skip a conversion, so on a hit ``on_page_markdown`` (run last) hands MkDocs an empty
    # page, and ``on_page_content`` (run first) puts back what the conversion gave: the HTML, the table
    # of contents, the anchors, the title and the Markdown itself.  A page whose conversion logged a
    # warning is never kept (a later build must log it again).

    @event_priority(-100)
    def on_page_markdown(self, markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        uri = page.file.src_uri
        if self._store is None or (uri not in self._pages and not _self_contained(config)):
            return markdown
        key = self._html_key(page, markdown, config, files)
        entry = self._store.get("html", key, _html_entry)
        if entry is None:
            self._converting[uri] = (key, self._warnings.count)
            return markdown
        self._from_cache[uri] = (markdown, entry)
        return ""

    @event_priority(100)
    def on_page_content(self, html: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        """Besides the cache: math stays out of the search index (a result would show its raw TeX):
        Material's search skips elements marked ``data-search-exclude``."""
        uri = page.file.src_uri
        if uri in self._from_cache:
            page.markdown, entry = self._from_cache.pop(uri)
            html = _restore(page, entry, files)
            if uri in self._pages:
                self.reused.add(uri)
        elif uri in self._converting:
            key, before = self._converting.pop(uri)
            if self._warnings.count == before and self._store is not None:
                self._store.put("html", key, _html_record(page, html))
        return html.replace('class="arithmatex"', 'class="arithmatex" data-search-exclude')

    def _html_key(self, page: Any, markdown: str, config: MkDocsConfig, files: Files) -> str:
        if not self._html_context:
            self._html_context = cache.digest(
                "html", cache.FORMAT, [(d, cache.version(d)) for d in _converters(config)],
                config.markdown_extensions, config.mdx_configs, config.use_directory_urls,
                {k: str(v) for k, v in config.validation.links.items()},
                sorted((f.src_uri, f.dest_uri, f.url) for f in files))
        f = page.file
        return cache.digest(self._html_context, f.src_uri, f.dest_uri, f.url, cache.text_digest(markdown))

    def _remember_search(self, config: MkDocsConfig) -> None:
        """With Material's search plugin, a page's search entries are kept too: keyed by
        everything the plugin reads of the page (its HTML, table of contents, URL, title, meta) and
        the plugin's settings, they are added to the index as they were the first time instead of
        parsing the page's HTML again.  Any other search plugin is left as it is."""
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            add = getattr(index, "add_entry_from_context", None)
            if not (type(plugin).__module__.startswith("material.plugins.search") and callable(add)
                    and isinstance(getattr(index, "entries", None), list)):
                continue
            context = cache.digest("search", cache.version("mkdocs-material"), cache.version("jieba"),
                                   getattr(index, "config", None))
            strip = _next_after(config, plugin, self)

            def remembered(page: Any, add: Callable = add, index: Any = index, context: str = context,
                           strip: bool = strip) -> None:
                if self._store is None:
                    return add(page)
                key = cache.digest(context, page.url, str(page.title), page.meta, _toc(page.toc),
                                   _plain(page.content))
                entries = self._store.get("search", key, _search_entries)
                if entries is not None:
                    index.entries.extend(json.loads(json.dumps(entries)))
                else:
                    first = len(index.entries)
                    add(page)
                    try:
                        self._store.put("search", key, json.loads(json.dumps(index.entries[first:])))
                    except (TypeError, ValueError):  # entries JSON cannot hold exactly are not kept
                        pass
                if strip:
                    self._stripping(page, context)
                return None

            index.add_entry_from_context = remembered

    # Material's search plugin, once it has indexed a page, strips its ``data-search-*`` attributes
    # from the page's HTML with a regular expression that scans the whole page (about 1 ms per
    # 100 kB: 60-70 ms per build on this site).  What it made of a page's HTML is kept for the
    # session, keyed by the HTML and the plugin's version and settings: for HTML seen before, the
    # plugin is handed an empty page to strip (right after it indexed the page, above) and
    # ``on_page_context`` (run after the plugin's) puts back what it made the first time.  Only
    # when no other plugin's ``on_page_context`` runs between the two (:func:`_next_after`).

    def _stripping(self, page: Any, context: str) -> None:
        if not isinstance(page.content, str):
            return
        seen = cache.digest(context, cache.text_digest(page.content))
        self._stripped_used.add(seen)
        if seen in self._stripped:
            self._put_back[page.file.src_uri] = self._stripped[seen]
            page.content = ""
        else:
            self._strip_of[page.file.src_uri] = seen

    @event_priority(-100)
    def on_page_context(self, context: dict, *, page: Any, config: MkDocsConfig, nav: Navigation) -> dict:
        uri = page.file.src_uri
        if uri in self._put_back:
            page.content = self._put_back.pop(uri)
        elif uri in self._strip_of and isinstance(page.content, str):
            self._stripped[self._strip_of.pop(uri)] = page.content
        return context

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Finished pages from the cache (:meth:`_render`)."""
        if self._store is not None and env.template_class is jinja2.Template:
            env.template_class = self._template_class
        return env

    # A finished page (the theme's template rendered around the page's HTML) is kept too, keyed by
    # everything the template can read (:meth:`_render_key`): the theme's files, the environment's
    # globals and filters, the whole configuration (each plugin's settings), the navigation, the list
    # of pages, every attribute of the page and every other variable of the context.  MkDocs renders
    # each page with ``template.render(context)``; the environment's ``template_class`` (a documented
    # Jinja setting, set in ``on_env``) answers that call from the cache when the key is known.  The
    # other events (``on_page_context``, ``on_post_page``) run as always.  A theme whose templates
    # print the build's date and time (MkDocs' own themes do) is always rendered.

    def _render(self, template: jinja2.Template, context: dict, render: Callable[[dict], str]) -> str:
        page = context.get("page")
        if self._store is None or not isinstance(page, Page) or not isinstance(context.get("nav"), Navigation):
            return render(context)
        key = self._render_key(template, context)
        if key is None:
            return render(context)
        out = self._store.get("page", key, lambda d: isinstance(d, str))
        if out is not None:
            self.rendered[page.file.src_uri] = True
            return out
        before = self._warnings.count
        out = render(context)
        self.rendered[page.file.src_uri] = False
        if self._warnings.count == before:
            self._store.put("page", key, out)
        return out

    def _render_key(self, template: jinja2.Template, context: dict) -> str | None:
        if self._render_context is None:
            self._render_context = _render_context(template.environment, context)
        if not self._render_context:
            return None
        page = context["page"]
        own = {name: value for name, value in vars(page).items() if name != "active"}
        own.update(title=page.title, url=page.url, is_homepage=page.is_homepage, toc=page.toc)
        rest = {k: v for k, v in context.items() if k not in ("nav", "pages", "config", "page", "build_date_utc")}
        try:
            return cache.digest(self._render_context, template.name, _plain(own), _plain(rest))
        except (TypeError, ValueError, RecursionError):  # something no key can hold: rendered
            return None

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        logging.getLogger("mkdocs").removeHandler(self._warnings)
        self._stripped = {k: v for k, v in self._stripped.items() if k in self._stripped_used}
        if self._store is not None:
            self._store.prune()
            counts = self._store.counts
            log.debug("cache: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
            log.info(f"from the cache: {counts['example hit']} of {len(self._collected)} examples, "
                     f"{len(self.reused)} of {len(self._pages)} pages' HTML, "
                     f"{sum(self.rendered.values())} of {len(self.rendered)} pages rendered into the theme")

    def on_build_error(self, *, error: Exception) -> None:
        logging.getLogger("mkdocs").removeHandler(self._warnings)


def _next_after(config: MkDocsConfig, plugin: Any, ours: Any) -> bool:
    """Whether our ``on_page_context`` is the next one MkDocs runs after ``plugin``'s."""
    handlers = getattr(config.plugins, "events", {}).get("page_context", [])
    owners = [getattr(h, "__self__", None) for h in handlers]
    return any(a is plugin and b is ours for a, b in zip(owners, owners[1:]))


def _rebuilder(server: LiveReloadServer) -> Callable[[], None] | None:
    """A function that asks ``server`` for a rebuild (from any thread), as MkDocs' own watcher
    does when it sees a change; None where this MkDocs' server does not ask for rebuilds the way
    1.5–1.6 do."""
    cond = getattr(server, "_rebuild_cond", None)
    if not isinstance(cond, threading.Condition) or not isinstance(getattr(server, "_want_rebuild", None), bool):
        return None

    def rebuild() -> None:
        with cond:
            server._want_rebuild = True
            cond.notify_all()

    return rebuild


def _watch_at_once(rebuild: Callable[[], None], folder: str) -> Any:
    """A running observer of ``folder`` that calls ``rebuild`` as soon as a file in it is written,
    created, moved or deleted; None where the system has no file events (watchdog's observer
    would poll: then MkDocs watches the folder itself)."""
    import watchdog.events
    import watchdog.observers
    from watchdog.observers.polling import PollingObserver

    if issubclass(watchdog.observers.Observer, PollingObserver):
        return None
    written = {watchdog.events.EVENT_TYPE_CREATED, watchdog.events.EVENT_TYPE_DELETED,
               watchdog.events.EVENT_TYPE_MODIFIED, watchdog.events.EVENT_TYPE_MOVED, watchdog.events.EVENT_TYPE_CLOSED}

    def changed(event: watchdog.events.FileSystemEvent) -> None:
        if not event.is_directory and event.event_type in written:  # (reading a spec is no change)
            rebuild()

    handler = watchdog.events.FileSystemEventHandler()
    handler.on_any_event = changed  # type: ignore[method-assign]
    observer = watchdog.observers.Observer()
    observer.daemon = True  # (it must not keep the process alive)
    try:
        observer.schedule(handler, os.path.abspath(folder), recursive=True)
        observer.start()
    except OSError as exc:  # (no inotify watches left, say): MkDocs' polling instead
        log.debug(f"watching {folder} by polling: {exc}")
        return None
    return observer


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in memory (Jinja checks each against its source's checksum)."""

    def __init__(self) -> None:
        self._code: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket: jinja2.bccache.Bucket) -> tuple:
        """The template, and the environment's settings that change what it compiles to."""
        env = bucket.environment
        return (bucket.key, tuple(sorted(env.extensions)), cache.describe(env.autoescape), env.trim_blocks,
                env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.block_start_string,
                env.variable_start_string, env.comment_start_string, env.line_statement_prefix, env.optimized)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[self._key(bucket)] = bucket.bytecode_to_string()


class _PageTemplate(jinja2.Template):
    """The environment's templates: a page's rendering is answered by ``remember`` (the plugin's
    :meth:`HandcalcPlugin._render`), which renders it only when the cache does not hold it."""

    remember: Callable[..., str]

    def render(self, *args: Any, **kwargs: Any) -> str:
        return type(self).remember(self, dict(*args, **kwargs), super().render)


def _render_context(env: jinja2.Environment, context: dict) -> str:
    """What every page's rendering depends on in this build, besides the page itself; "" when
    pages must always be rendered (a template prints the build's date and time)."""
    theme = _theme_state(env)
    if not theme:
        return ""
    config = context["config"]
    plugins = {name: [cache.describe(type(p)), _plain(dict(p.config))] for name, p in config.plugins.items()}
    # (the folder the site is written to is left out: ``mkdocs serve`` writes into a new one each session,
    # and a page's text does not depend on where it is written)
    settings = {k: v for k, v in config.items() if k not in ("plugins", "site_dir")}
    nav = context["nav"]
    pages = [[f.src_uri, f.dest_uri, f.url] for f in context.get("pages") or ()]
    return cache.digest("page", cache.FORMAT, theme, cache.version("Jinja2"), cache.version("mkdocs"),
                        _plain(settings), plugins, _plain([_nav_item(i) for i in nav.items]),
                        None if nav.homepage is None else nav.homepage.url, pages,
                        _plain(sorted(env.globals.items())), _plain(sorted(env.filters.items())),
                        _plain(sorted(env.tests.items())), sorted(env.extensions),
                        [env.autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline])


def _theme_state(env: jinja2.Environment) -> str:
    """The SHA-256 of the theme's files (every file of each folder the loader searches), or "" when a
    template mentions ``build_date_utc``.  In a folder of an installed distribution, the icons
    (``.icons``, thousands of files) are given by the distribution's version instead of read, and
    the rest is read once per version of it in a process."""
    loader = env.loader
    folders = list(getattr(loader, "searchpath", ()) or ()) if isinstance(loader, jinja2.FileSystemLoader) else None
    if not folders:
        return ""
    h = hashlib.sha256()
    for folder in folders:
        versions = _installed(folder)
        state = _folder_state(folder, "") if versions is None else _kept_folder_state(folder, versions)
        if not state:
            return ""
        h.update(str(folder).encode() + b"\0" + (versions or "").encode() + b"\0" + state.encode())
    return h.hexdigest()


def _folder_state(folder: str, versions: str) -> str:
    """The SHA-256 of the files of ``folder`` (without the icons of an installed one); "" when one
    mentions ``build_date_utc``."""
    h = hashlib.sha256()
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        if versions and ".icons" in dirs:
            dirs.remove(".icons")
        for name in sorted(names):
            path = Path(root, name)
            data = path.read_bytes()
            if b"build_date_utc" in data:
                return ""
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


_kept_folder_state = _cache(_folder_state)


def _installed(folder: str) -> str | None:
    """The distributions (with their versions) that installed ``folder``; None for a folder that is
    not inside an installed package (a theme's ``custom_dir``, say: read on every build)."""
    where = Path(folder).resolve()
    for lib in {Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}:
        if where != lib and where.is_relative_to(lib):
            top = where.relative_to(lib).parts[0]
            return repr([(d, cache.version(d)) for d in _distributions().get(top, [])])
    return None


def _listing(loader: jinja2.FileSystemLoader) -> Callable[[], list[str]]:
    """``loader.list_templates`` with the listing of each folder of an installed distribution kept for
    the session (MkDocs lists the theme's files on every build to find its static files: 14,500
    in Material's, most of them icons); other folders are listed every time."""
    def list_templates() -> list[str]:
        found: set[str] = set()
        for folder in loader.searchpath:
            versions = _installed(folder)
            found.update(_files_of(folder, loader.followlinks) if versions is None
                         else _kept_files_of(folder, loader.followlinks, versions))
        return sorted(found)

    return list_templates


def _files_of(folder: str, followlinks: bool, versions: str = "") -> tuple[str, ...]:
    return tuple(jinja2.FileSystemLoader(folder, followlinks=followlinks).list_templates())


_kept_files_of = _cache(_files_of)


def _nav_item(item: Any) -> list:
    children = getattr(item, "children", None) or []
    return [type(item).__name__, item.title, getattr(item, "url", None), [_nav_item(c) for c in children]]


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it, for a key: the site's structure (pages, sections, links, files,
    tables of contents) by what names it; anything else :func:`cache.digest` does not know is
    described by its type and ``repr`` (an address in a ``repr`` gives a key that never hits)."""
    if isinstance(value, str) and len(value) > 1024:
        return ["text", cache.text_digest(value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return [["dict"], *sorted(([_plain(k), _plain(v)] for k, v in value.items()), key=repr)]
    if isinstance(value, File):
        return ["file", value.src_uri, value.dest_uri, value.url]
    if isinstance(value, StructureItem):
        return ["nav", type(value).__name__, str(value.title), getattr(value, "url", None)]
    if isinstance(value, (TableOfContents, AnchorLink)):
        return ["toc", _toc(value if isinstance(value, TableOfContents) else [value])]
    if isinstance(value, base.Config):
        return _plain(dict(value))
    if isinstance(value, Theme):  # (its repr shows a set, in an order that differs between processes)
        return ["theme", value.name, _plain(list(value.dirs)), _plain(set(value.static_templates)),
                _plain(dict(value.items()))]
    return cache.describe(value)


class _Counter(logging.Handler):
    """Counts the warnings MkDocs logs (a page converted while one was logged is not cached)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# Markdown extensions whose output depends on nothing but the page's Markdown and their settings.  A
# page the user wrote is converted from the cache only when every extension is one of these (one that
# reads other files, such as pymdownx.snippets, would make a stale page); the generated pages always.
SELF_CONTAINED = {"abbr", "admonition", "attr_list", "def_list", "extra", "fenced_code", "footnotes", "md_in_html",
                  "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks", "codehilite", "legacy_attrs",
                  "legacy_em", *(f"pymdownx.{n}" for n in (
                      "arithmatex", "betterem", "caret", "critic", "details", "emoji", "escapeall", "highlight",
                      "inlinehilite", "keys", "magiclink", "mark", "progressbar", "saneheaders", "smartsymbols",
                      "superfences", "tabbed", "tasklist", "tilde", "blocks.admonition", "blocks.details",
                      "blocks.tab", "blocks.caption", "blocks.definition", "blocks.html"))}


def _self_contained(config: MkDocsConfig) -> bool:
    return all(isinstance(e, str) and e.removeprefix("markdown.extensions.") in SELF_CONTAINED
               for e in config.markdown_extensions)


def _converters(config: MkDocsConfig) -> list[str]:
    """The distributions whose code converts the pages: MkDocs, Markdown and those of the extensions."""
    names = {"mkdocs", "Markdown", "Pygments"}  # (Pygments: the highlighting extensions call it)
    top = _distributions()
    for ext in config.markdown_extensions:
        module = ext if isinstance(ext, str) else type(ext).__module__
        names.update(top.get(module.split(".")[0], ()))
    return sorted(names)


@_cache
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _toc(items: Any) -> list:
    return [[a.title, a.id, a.level, _toc(a.children)] for a in items]


def _anchor_links(items: list) -> list[AnchorLink]:
    out = []
    for title, id_, level, children in items:
        link = AnchorLink(title, id_, level)
        link.children = _anchor_links(children)
        out.append(link)
    return out


def _html_record(page: Any, html: str) -> dict:
    """What MkDocs' conversion of ``page`` set (``Page.render``), as JSON."""
    links = page.links_to_anchors
    return {"html": html, "toc": _toc(page.toc), "title": page._title_from_render,
            "anchors": sorted(page.present_anchor_ids or ()),
            "links": None if links is None else [[f.src_uri, dict(v)] for f, v in links.items()]}


def _toc_ok(items: object) -> bool:
    return isinstance(items, list) and all(
        isinstance(i, list) and len(i) == 4 and isinstance(i[0], str) and isinstance(i[1], str)
        and type(i[2]) is int and _toc_ok(i[3]) for i in items)


def _html_entry(d: object) -> bool:
    """``d`` has the shape :func:`_html_record` gives."""
    return (isinstance(d, dict) and isinstance(d.get("html"), str) and _toc_ok(d.get("toc"))
            and (d.get("title") is None or isinstance(d["title"], str))
            and isinstance(d.get("anchors"), list) and all(isinstance(a, str) for a in d["anchors"])
            and (d.get("links") is None or (isinstance(d["links"], list) and all(
                isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and isinstance(x[1], dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in x[1].items()) for x in d["links"]))))


def _search_entries(d: object) -> bool:
    return isinstance(d, list) and all(
        isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("location", "title", "text")) for e in d)


def _restore(page: Any, entry: dict, files: Files) -> str:
    """Set on ``page`` what converting its Markdown set, from the cache; returns the HTML."""
    page.toc = TableOfContents(_anchor_links(entry["toc"]))
    page._title_from_render = entry["title"]
    page.present_anchor_ids = set(entry["anchors"])
    if page.links_to_anchors is not None and entry["links"] is not None:
        page.links_to_anchors = {f: dict(v) for uri, v in entry["links"]
                                 if (f := files.get_file_from_path(uri)) is not None}
    page.content = entry["html"]
    return entry["html"]


def _markdown_extensions(config: MkDocsConfig) -> None:
    """Add the Markdown extensions of :data:`EXTENSIONS` that ``mkdocs.yml`` lacks; stop the
    build when one is configured so that the math would not be typeset."""
    have = {e.removeprefix("markdown.extensions.") for e in config.markdown_extensions if isinstance(e, str)}
    if "extra" in have:
        have |= IN_EXTRA
    added = []
    for name, options in EXTENSIONS.items():
        if name not in have:
            config.markdown_extensions.append(name)
            config.mdx_configs[name] = dict(options)
            added.append(name)
            continue
        mine = config.mdx_configs.get(name) or {}
        wrong = [f"{k}: {str(v).lower()}" for k, v in options.items() if mine.get(k) != v]
        wrong += [say for k, (ok, say) in SETTINGS.get(name, {}).items() if k in mine and not ok(mine[k])]
        if wrong:
            raise PluginError(f"handcalc: mkdocs.yml: markdown_extensions: {name} needs {', '.join(wrong)} "
                              "(the worked examples' math is typeset by KaTeX)")
    if added:
        log.info(f"added the Markdown extensions the worked examples need: {', '.join(added)}")


def _add_assets(config: MkDocsConfig) -> None:
    """The pages' style sheets and scripts, after the site's own (each once)."""
    for url in (f"{resources.SITE_FOLDER}/{name}" for name in resources.STYLESHEETS):
        if url not in config.extra_css:
            config.extra_css.append(url)
    for url in (f"{resources.SITE_FOLDER}/{name}" for name in resources.SCRIPTS):
        if url not in (str(s) for s in config.extra_javascript):
            config.extra_javascript.append(url)


def _owned_files(files: Files, folder: str, docs_dir: Path) -> list[File]:
    """The files of ``docs_dir/folder`` that the plugin replaces: a copy ``handcalc build`` wrote
    (the folder carries its mark).  Any other file there is the user's: stop the build."""
    inside = [f for f in files if f.src_uri.startswith(folder + "/")]
    if inside and not (docs_dir / folder / sitegen.MARKER).is_file():
        first = _near(docs_dir / inside[0].src_uri)
        more = f" (and {len(inside) - 1} more)" if len(inside) > 1 else ""
        raise PluginError(f"handcalc: {printable(str(first))}{more} is inside {_near(docs_dir / folder)}/, the folder "
                          "the handcalc plugin generates; move it elsewhere in the docs folder"
                          + (" or give the plugin another `folder`" if folder != resources.SITE_FOLDER else ""))
    return inside


def _near(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it (shorter in messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _expand(entries: Any, target: str, section: dict) -> Any:
    """The nav with the entry that points at ``target`` replaced by ``section``."""
    if isinstance(entries, list):
        return [_expand(e, target, section) for e in entries]
    if isinstance(entries, dict) and len(entries) == 1:
        (title, value), = entries.items()
        if value == target:
            return {title: next(iter(section.values()))}
        return {title: _expand(value, target, section)}
    if entries == target:
        return section
    return entries
