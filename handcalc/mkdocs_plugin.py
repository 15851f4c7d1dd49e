"""The MkDocs plugin ``handcalc``: the worked examples as in-memory pages of the site.

Glue only; the work is in :mod:`handcalc.sitegen`.  On every build (``mkdocs build``, and
each rebuild of ``mkdocs serve``) it runs the specs of ``examples``, puts the pages into
the site with ``File.generated`` (nothing is written into ``docs_dir``, so ``mkdocs
serve`` does not see its own output and rebuild forever) and adds KaTeX from
``node_modules`` the same way.  If ``handcalc build`` wrote a copy of the pages into
``docs_dir`` earlier, the fresh in-memory pages replace it.

A nav entry pointing at ``<folder>/index.md`` becomes a section with every example and
its pages.  ``mkdocs.yml`` should list ``examples`` under ``watch`` so that editing a spec
rebuilds the site.  Defining ``on_startup`` keeps one plugin object for a whole ``mkdocs
serve`` session, so specs that did not change are not run again (the memo is keyed by
file and content hash, so an edited spec always runs).

A spec with an error stops ``mkdocs build`` with one line naming the file and the field.
Under ``mkdocs serve`` it does not stop the server: the example's pages show the error
above the numbers of the spec's last version that worked (or, with none, an overview page
holding just the error), the same line is logged, and saving the fixed spec brings the
pages back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files

from . import sitegen
from .errors import SpecError
from .escape import printable

log = get_plugin_logger(__name__)


class HandcalcConfig(base.Config):
    examples = c.Dir(exists=True, default="examples")  # folder of specs, relative to mkdocs.yml
    folder = c.Type(str, default="examples")  # where the pages go, relative to docs_dir
    katex = c.Dir(exists=False, default="node_modules/katex/dist")  # KaTeX from the npm registry
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
        try:
            katex = sitegen.katex_files(self.config.katex)
        except SpecError as exc:
            raise PluginError(f"handcalc: {printable(str(exc))}") from None
        prefixes = (self.config.folder.rstrip("/") + "/", sitegen.KATEX_FOLDER + "/")
        for old in [f for f in files if f.src_uri.startswith(prefixes)]:
            files.remove(old)
        for path, data in generated:
            files.append(File.generated(config, path, content=data))
        for path, src in katex:
            files.append(File.generated(config, path, abs_src_path=str(src)))
        return files

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
