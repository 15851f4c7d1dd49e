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
* ``on_serve`` watches the examples folder, so saving a spec rebuilds the site.

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

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files

from .. import resources
from ..core.errors import SpecError
from ..escape import printable
from . import sitegen

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


class HandcalcConfig(base.Config):
    examples = c.Dir(exists=True, default="examples")  # folder of specs, relative to mkdocs.yml
    folder = c.Type(str, default="examples")  # where the pages go, relative to docs_dir
    nav_title = c.Type(str, default="Worked examples")
    workers = c.Optional(c.Type(int))  # processes running specs at once (default: one per CPU core)


class HandcalcPlugin(BasePlugin[HandcalcConfig]):
    def __init__(self) -> None:
        self._memo: dict[tuple[str, str], sitegen.Collected] = {}
        self._collected: list[sitegen.Collected] = []
        self._serving = False
        self._last_good: dict[str, sitegen.Collected] = {}  # by spec file: its latest version that ran

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Keeps this object (and its memo) across the rebuilds of ``mkdocs serve``."""
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        _markdown_extensions(config)
        _add_assets(config)
        try:
            self._collected = sitegen.collect(self.config.examples, memo=self._memo,
                                              on_error=self._show_error if self._serving else None,
                                              workers=self.config.workers)
            section = sitegen.nav(self._collected, self.config.folder, self.config.nav_title)
        except (SpecError, ValueError, OSError) as exc:
            raise PluginError(f"handcalc: {printable(str(exc))}") from None
        self._last_good.update({str(c.source): c for c in self._collected if c.error is None})
        for got in self._collected:  # a page that says a line does not re-check must fail --strict
            for failure in got.rendered.line_failures[:5]:
                log.warning(f"handcalc: {got.slug}: a printed line does not re-check: {failure}")
            if got.report_failures:
                log.warning(f"handcalc: {got.slug}: {got.report_failures} equations or gradients do not re-check "
                            "(see its check page)")
        if config.nav is not None:
            config.nav = _expand(config.nav, f"{self.config.folder}/index.md", section)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        generated = [(f.path, f.data) for f in sitegen.site_files(self._collected, self.config.folder)]
        for folder in (self.config.folder.strip("/"), resources.SITE_FOLDER):
            for old in _owned_files(files, folder, Path(config.docs_dir)):
                files.remove(old)
        for path, data in generated:
            files.append(File.generated(config, path, content=data))
        for path, src in resources.site_assets():
            files.append(File.generated(config, path, abs_src_path=str(src)))
        return files

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        """Saving a spec rebuilds the site (no ``watch:`` entry needed in ``mkdocs.yml``)."""
        server.watch(self.config.examples)
        return server

    def _show_error(self, path: Path, slug: str, exc: SpecError) -> sitegen.Collected:
        """Under ``mkdocs serve``: the error goes on the example's pages and into the log."""
        near = _near(path)
        exc = SpecError(exc.field.replace(str(path), str(near), 1), exc.message)
        shown = sitegen.broken(near, slug, exc, self._last_good.get(str(path)))
        log.info(f"{printable(shown.error)} (shown on the example's pages until the spec is fixed)")
        return replace(shown, source=path)

    def on_page_content(self, html: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        """Math stays out of the search index (a result would show its raw TeX): Material's
        search skips elements marked ``data-search-exclude``."""
        return html.replace('class="arithmatex"', 'class="arithmatex" data-search-exclude')


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
