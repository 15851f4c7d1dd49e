"""The site generator: every spec in ``examples/`` → the files of the worked-example site.

Two calls, kept apart so any builder can use them:

* :func:`collect` runs each ``examples/*.yaml`` through ``spec.load → engine.run →
  check.check`` and hands the resulting :class:`Example` to every *page producer*
  (the specs in parallel processes, one per CPU core, where that is safe).
  A producer is a function ``Example → Rendered`` (pages and files of the example's own
  folder); :data:`PRODUCERS` lists them, the renderer's :func:`example_pages` first.
  Another producer (worksheets, say) is one more entry there.
* :func:`site_files` turns the collected examples into :class:`SiteFile` records, paths
  relative to the docs folder: ``<folder>/<slug>/…`` for each example plus
  ``<folder>/index.md`` listing them.  :func:`write` puts them on disk (``handcalc
  build``); the MkDocs plugin serves them from memory instead.

Under ``mkdocs serve`` an edited spec's pages come in two builds (:class:`Background`): those
of its worked step at once, its training, check and worksheet pages when a worker process has
run its float64 updates and re-checked it.

The generator owns ``<folder>/`` (``docs/examples/`` by default) and nothing else: it
marks the folder it writes and refuses to clear one it did not write, and it rejects any
path that would land outside it.  Spec text reaching a page goes through
:func:`handcalc.escape.escape_md`; the slug comes from the file name, reduced to
``[a-z0-9-]``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import multiprocessing
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path, PurePosixPath

from .. import escape, resources
from ..core import atomic, engine
from ..core import check as check_mod
from ..core import spec as spec_mod
from ..core.check import Report
from ..core.errors import SpecError
from ..core.numbers import shorten
from ..core.spec import Spec
from ..core.trace import Trace
from ..escape import escape_md, printable
from ..pages import Asset, Page, Rendered
from .render import render_example  # imported here, before any fork: the workers share it
from .worksheet import site_pages

log = logging.getLogger("mkdocs.plugins.handcalc")
PAGE_PARAMETERS = 5_000  # weights and biases of an example the site makes pages for, at most
MARKER = ".handcalc-generated"  # present in every folder the generator wrote


@dataclass(frozen=True)
class Example:
    """One spec of the examples folder, run and re-checked."""

    source: Path
    slug: str
    trace: Trace
    report: Report | None  # None: its float64 updates and re-check still run (trace: the exact steps alone)

    @property
    def spec(self) -> Spec:
        return self.trace.spec


Producer = Callable[[Example], Rendered]


@dataclass(frozen=True)
class Collected:
    """What the site shows of one example: its spec and everything the producers made."""

    source: Path
    slug: str
    spec: Spec | None  # None: the spec has an error and no earlier version (see :func:`broken`)
    rendered: Rendered  # the producers' pages and files, merged (the overview first)
    error: str | None = None  # the spec's error, when the pages stand in for a broken spec
    report_failures: int = 0  # equations or gradients that handcalc.core.check found wrong
    running: bool = False  # training, check and worksheet pages wait for a worker (:class:`Background`): not kept


@dataclass(frozen=True)
class SiteFile:
    path: str  # POSIX path relative to the docs folder, e.g. "examples/golf/forward.md"
    data: str | bytes


def example_pages(example: Example) -> Rendered:
    """The renderer's pages: overview, forward, loss, backward, update, training, check."""
    return render_example(example.trace, example.report, example.slug)


def worksheet_pages(example: Example) -> Rendered:
    """The worksheet producer's pages: ``worksheet.md`` (blank boxes) and ``answers.md`` (the key)."""
    return site_pages(example)


PRODUCERS: tuple[Producer, ...] = (example_pages, worksheet_pages)


# ---------------------------------------------------------------------------
# collect


def spec_files(examples_dir: Path) -> list[Path]:
    """The specs of the examples folder (``*.yaml`` and ``*.yml``), sorted by name without the
    suffix, so that ``candy-bar`` comes before its twin ``candy-bar-mse``."""
    if not examples_dir.is_dir():
        raise SpecError(str(examples_dir), "no such folder of examples")
    return sorted((p for p in examples_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()),
                  key=lambda p: (p.stem, p.name))


def _in_file(path: Path, exc: SpecError) -> SpecError:
    """The error of a spec, naming its file first (once)."""
    if exc.field.startswith(str(path)):
        return exc
    return SpecError(f"{path}: {exc.field}" if exc.field else str(path), exc.message)


def _fits_pages(spec: Spec) -> None:
    """Refuse, before running it, a network whose pages would be unreadably large: the
    backward and update pages hold an equation for every weight and bias."""
    n = sum(len(lay.weights) * lay.units + (lay.units if lay.bias is not None else 0) for lay in spec.layers)
    if n > PAGE_PARAMETERS:
        raise SpecError("layers", f"the site's pages show an equation for every weight and bias: {n:,} are over the "
                        f"limit of {PAGE_PARAMETERS:,} for a worked example's pages; use a smaller network "
                        "(`handcalc run` and `handcalc check` still take this one)")


def run_example(path: Path, slug: str, pool: Executor | None = None) -> Example:
    """``spec.load → engine.run → check.check`` for one spec file.  With ``pool`` (a process pool
    that is already running), a training run's float64 updates run in one of its processes while
    this one re-checks the exact steps; the result is the same."""
    try:
        spec = spec_mod.load(path)
        _fits_pages(spec)
        if pool is None:
            trace, report = engine.run(spec), None
        else:
            trace, report = _overlapped(spec, pool)
    except SpecError as exc:
        raise _in_file(path, exc) from None
    return _example(path, slug, trace, check_mod.check(trace) if report is None else report)


def _example(path: Path, slug: str, trace: Trace, report: Report | None) -> Example:
    linked = _linked(trace.spec, path)
    return Example(path, slug, trace if linked is trace.spec else replace(trace, spec=linked), report)


def _overlapped(spec: Spec, pool: Executor) -> tuple[Trace, Report | None]:
    """:func:`engine.run` with its float64 part in ``pool``, and the report of the exact steps
    (all :func:`check.check` reads of a training run) made meanwhile; None without a float64 part."""
    ex = engine.exact(spec)
    if not ex.rest:
        return engine.finish(ex, None), None
    args = (spec, ex.params, ex.rest, len(ex.steps) + 1)
    try:
        job = pool.submit(engine.long_run, *args)
    except (BrokenProcessPool, RuntimeError):  # the pool is gone (a worker died, or it was shut down)
        job = None
    report = check_mod.check_steps(spec, ex.initial, ex.steps)
    try:
        long = job.result() if job is not None else engine.long_run(*args)
    except BrokenProcessPool:
        long = engine.long_run(*args)
    return engine.finish(ex, long), report


def _linked(spec: Spec, path: Path) -> Spec:
    """``spec`` with links only to examples of the same folder: a spec copied alone links nowhere."""
    if not spec.see_also:
        return spec
    here = {escape.slug(p.stem) for p in spec_files(path.parent)}
    return replace(spec, see_also=tuple(link for link in spec.see_also if link.example in here))


def merge(slug: str, parts: Sequence[Rendered]) -> Rendered:
    """The producers' outputs for one example as one :class:`Rendered` (pages in order)."""
    pages: list[Page] = []
    assets = []
    seen: set[str] = set()
    for part in parts:
        for item in (*part.pages, *part.assets):
            safe_relative(item.path, f"{slug}: page")
            if item.path in seen:
                raise ValueError(f"two producers of example {slug!r} both made {item.path!r}")
            seen.add(item.path)
        pages += part.pages
        assets += part.assets
    return Rendered(slug, parts[0].title, tuple(pages), tuple(assets), sum(p.lines_checked for p in parts),
                    tuple(f for p in parts for f in p.line_failures))


OnError = Callable[[Path, str, SpecError], Collected]


# What :class:`handcalc.site.cache.ExampleMemo` keeps of a collected example: its pages and files,
# their checks, and the links its pages hold.  The spec itself is read again from the file (a few
# milliseconds), so an entry is only ever text.

def dump(c: Collected) -> dict:
    r = c.rendered
    return {"source": str(c.source), "slug": c.slug, "title": r.title,
            "pages": [[p.path, p.title, p.markdown] for p in r.pages],
            "assets": [[a.path, base64.b64encode(a.data).decode("ascii")] for a in r.assets],
            "lines_checked": r.lines_checked, "line_failures": list(r.line_failures),
            "report_failures": c.report_failures, "links": _links(c.spec)}


def _links(spec: Spec | None) -> list[str]:
    return [] if spec is None else [link.example for link in spec.see_also]


def _strings(value: object, n: int | None = None) -> bool:
    return isinstance(value, list) and (n is None or len(value) == n) and all(isinstance(v, str) for v in value)


def dumped(d: object) -> bool:
    """``d`` has the shape :func:`dump` gives (anything else in the cache is not used)."""
    return (isinstance(d, dict) and all(isinstance(d.get(k), str) for k in ("source", "slug", "title"))
            and isinstance(d.get("pages"), list) and len(d["pages"]) > 0 and all(_strings(p, 3) for p in d["pages"])
            and isinstance(d.get("assets"), list) and all(_strings(a, 2) for a in d["assets"])
            and all(type(d.get(k)) is int and d[k] >= 0 for k in ("lines_checked", "report_failures"))
            and _strings(d.get("line_failures")) and _strings(d.get("links")))


def undump(key: tuple[str, str], d: dict) -> Collected | None:
    """The collected example of :func:`dump`'s ``d``, its spec read again from its file; None
    when the entry does not fit the file now (another file, another folder of examples, a spec
    that no longer loads, a page path that would leave its folder)."""
    source = Path(d["source"])
    try:
        if str(source.resolve()) != key[0] or escape.slug(source.stem) != d["slug"]:
            return None
        spec = _linked(spec_mod.load(source), source)
        if _links(spec) != d["links"]:
            return None
        for path, *_ in (*d["pages"], *d["assets"]):
            safe_relative(path, "cached page")
        assets = tuple(Asset(path, base64.b64decode(data, validate=True)) for path, data in d["assets"])
    except (SpecError, OSError, ValueError):
        return None
    rendered = Rendered(d["slug"], d["title"], tuple(Page(*p) for p in d["pages"]), assets, d["lines_checked"],
                        tuple(d["line_failures"]))
    return Collected(source, d["slug"], spec, rendered, report_failures=d["report_failures"])


def produce(path: Path, slug: str, producers: Sequence[Producer], pool: Executor | None = None) -> Collected:
    """One spec run, re-checked and turned into pages by every producer (``pool``: see
    :func:`run_example`)."""
    return _pages(run_example(path, slug, pool), producers)


def _pages(example: Example, producers: Sequence[Producer]) -> Collected:
    report, rendered = example.report, merge(example.slug, [make(example) for make in producers])
    return Collected(example.source, example.slug, example.spec, rendered,
                     report_failures=0 if report is None else len(report.failures), running=report is None)


# ---------------------------------------------------------------------------
# under mkdocs serve: the pages first, the float64 updates a moment later


def _float_part(spec: Spec) -> tuple[engine.LongRun | None, Report]:
    """In a worker process: a training run's float64 updates, and the re-check of its exact steps
    (done again there from the spec, so that the worker is sent nothing but the spec)."""
    ex = engine.exact(spec)
    return (engine.long_run(spec, ex.params, ex.rest, len(ex.steps) + 1),
            check_mod.check_steps(spec, ex.initial, ex.steps))


@dataclass(frozen=True)
class _Running:
    exact: engine.Exact
    job: Future


class Background:
    """Under ``mkdocs serve``: the float64 updates of an edited spec, and the re-check of its exact
    steps, run in a worker process of ``pool`` while the site is built at once with the pages of
    the example's worked step; its training, check and worksheet pages say they are on the way
    (that version is never kept in the memo).  ``ready()`` is called, from another thread, when a
    worker is done: the next :func:`collect` gives the whole example.  A job of a version of the
    spec that is no longer the current one is dropped."""

    def __init__(self, pool: Executor, ready: Callable[[], None]) -> None:
        self.pool, self.ready = pool, ready
        self.running: dict[tuple[str, str], _Running] = {}
        self._lock = threading.Lock()

    def start(self, key: tuple[str, str], ex: engine.Exact) -> _Running | None:
        """The worker's job for ``ex``'s spec (None when the pool can no longer take jobs)."""
        try:
            job = self.pool.submit(_float_part, ex.spec)
        except (BrokenProcessPool, RuntimeError):  # a worker died, or the pool was shut down
            return None
        with self._lock:
            running = self.running[key] = _Running(ex, job)
        job.add_done_callback(lambda done: self._done(key, done))
        return running

    def _done(self, key: tuple[str, str], job: Future) -> None:
        with self._lock:
            wanted = key in self.running and self.running[key].job is job and not job.cancelled()
        if wanted:
            self.ready()

    def keep(self, keys: set[tuple[str, str]]) -> None:
        """Drop (and cancel, when not started) the jobs of every key but ``keys``."""
        with self._lock:
            for key in set(self.running) - keys:
                self.running.pop(key).job.cancel()

    def take(self, key: tuple[str, str]) -> _Running | None:
        with self._lock:
            return self.running.pop(key, None)


def _first(path: Path, slug: str, key: tuple[str, str], producers: Sequence[Producer],
           background: Background) -> Collected:
    """One edited spec under ``mkdocs serve`` (:class:`Background`): the pages of its worked step,
    the others waiting for the worker, or — once the worker is done — the whole example."""
    running = background.running.get(key)
    if running is None:
        try:
            spec = spec_mod.load(path)
            _fits_pages(spec)
            ex = engine.exact(spec)
        except SpecError as exc:
            raise _in_file(path, exc) from None
        if not ex.rest:  # exact steps only: nothing to wait for
            trace = engine.finish(ex, None)
            return _pages(_example(path, slug, trace, check_mod.check(trace)), producers)
        running = background.start(key, ex)
        if running is None:
            return produce(path, slug, producers)
    if not running.job.done():
        waiting = _pages(_example(path, slug, engine.so_far(running.exact), None), producers)
        if not running.job.done():  # (a short run may be done by now: then the whole example at once)
            return waiting
    background.take(key)
    try:
        long, report = running.job.result()
    except BrokenProcessPool:  # its worker died: here
        return produce(path, slug, producers)
    except SpecError as exc:
        raise _in_file(path, exc) from None
    return _pages(_example(path, slug, engine.finish(running.exact, long), report), producers)


def _guarded(path: Path, make: Callable[[], Collected]) -> Collected | SpecError:
    """``make()``, any failure returned as a :class:`SpecError` naming the file: a spec
    must never stop the other examples, nor leave ``mkdocs serve`` without an answer."""
    try:
        return make()
    except SpecError as exc:
        return _in_file(path, exc)
    except Exception as exc:  # noqa: BLE001 - a failure we did not foresee still gets one line
        return SpecError(str(path), f"could not be processed ({exc.__class__.__name__}: "
                         f"{shorten(str(exc).splitlines()[0] if str(exc) else '', 120)}); please report this spec")


def _produce_job(path: Path, slug: str, producers: Sequence[Producer]) -> Collected | tuple[str, str]:
    """:func:`produce` in a worker process: an error comes back as (field, message)."""
    r = _guarded(path, partial(produce, path, slug, producers))
    return (r.field, r.message) if isinstance(r, SpecError) else r


def _cost(path: Path) -> int:
    """A rough measure of the work a spec takes (samples × weights), to start the largest first."""
    try:
        spec = spec_mod.load(path)
    except Exception:  # noqa: BLE001 - the error is reported when the spec runs
        return 0
    return max(1, len(spec.train)) * sum(a * b for a, b in zip(spec.sizes, spec.sizes[1:]))


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` processes (default: one per CPU core), forked now and kept: for a
    long-lived process, such as ``mkdocs serve``, that will start threads later (forking a
    threaded process can deadlock the child).  None where this process already runs threads
    or cannot fork."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    pool = ProcessPoolExecutor(max_workers=max(1, workers or os.cpu_count() or 1),
                               mp_context=multiprocessing.get_context("fork"),
                               initializer=_follow, initargs=(os.getpid(),))
    pool.submit(int).result()  # (with fork, every worker starts at the first job)
    return pool


def _follow(parent: int) -> None:
    """In a worker of :func:`worker_pool`: end as soon as the process that forked it is gone.  A
    ``mkdocs serve`` stopped by a signal (SIGTERM from a terminal or an editor) cannot stop its
    workers, and they would otherwise wait for jobs forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="handcalc-follow-parent", daemon=True).start()


def _produce_all(todo: Sequence[tuple[Path, str]], producers: Sequence[Producer], workers: int,
                 pool: Executor | None = None) -> list[Collected | SpecError]:
    """Every spec of ``todo`` produced: in worker processes when there is more than one spec —
    those of ``pool``, or processes forked for this call when this process runs a single thread
    (forking a threaded process, such as ``mkdocs serve`` once it is serving, can deadlock the
    child) — otherwise one by one (a single spec's float64 run in ``pool``, see :func:`run_example`)."""
    if len(todo) <= 1 or (pool is None and (workers <= 1 or threading.active_count() > 1
                                            or "fork" not in multiprocessing.get_all_start_methods())):
        return [_guarded(path, partial(produce, path, slug, producers, pool)) for path, slug in todo]
    order = sorted(range(len(todo)), key=lambda i: -_cost(todo[i][0]))
    if pool is not None:
        try:
            return _in_pool(pool, todo, order, producers)
        except BrokenProcessPool:  # a worker died: the rest here, one by one
            return [_guarded(path, partial(produce, path, slug, producers)) for path, slug in todo]
    ctx = multiprocessing.get_context("fork")  # the workers start with everything this process imported
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx) as own:
        return _in_pool(own, todo, order, producers)


def _in_pool(pool: Executor, todo: Sequence[tuple[Path, str]], order: Sequence[int],
             producers: Sequence[Producer]) -> list[Collected | SpecError]:
    futures = {i: pool.submit(_produce_job, *todo[i], tuple(producers)) for i in order}
    results = [futures[i].result() for i in range(len(todo))]
    return [SpecError(*r) if isinstance(r, tuple) else r for r in results]


def collect(examples_dir: Path | str, producers: Sequence[Producer] = PRODUCERS,
            memo: MutableMapping[tuple[str, str], Collected] | None = None,
            on_error: OnError | None = None, workers: int | None = None,
            pool: Executor | None = None, background: Background | None = None) -> list[Collected]:
    """Run every spec of ``examples_dir`` and every producer on it.

    The specs run in ``workers`` processes at once (default: one per CPU core), the
    largest first.  ``memo`` (optional) keeps results between calls, keyed by file and
    content hash, so a server that rebuilds after one spec changed recomputes only that
    spec; entries of files that are gone or changed are dropped.  A spec that fails to
    load or run raises its :class:`SpecError` (file and field named; the first such spec
    by name), unless ``on_error`` is given: then ``on_error(path, slug, error)`` supplies
    what the site shows for it instead.  ``pool`` (optional, see :func:`worker_pool`): processes
    to use instead of forking new ones, and for a single spec, to run its float64 updates in.
    ``background`` (optional, under ``mkdocs serve``): when a single spec changed, the pages of its
    worked step come at once and the others when its worker is done (:class:`Background`)."""
    examples_dir = Path(examples_dir)
    slugs: dict[str, Path] = {}
    failed: dict[Path, SpecError] = {}  # specs that cannot be read, or whose page name another gives too
    keyed: list[tuple[Path, str, tuple[str, str]]] = []
    for path in spec_files(examples_dir):
        folder = escape.slug(path.stem)
        if not folder or folder in slugs:
            error = SpecError(str(path), "the file name needs at least one letter or digit (it names the pages)"
                              if not folder else f"gives the same page folder {folder!r} as {slugs[folder].name}; "
                              "rename one of the two files")
            if on_error is None:
                raise error
            if not folder:
                log.warning(printable(str(error)))
                continue
            failed[slugs[folder]] = error  # shown on the pages of the spec that has the name
            continue
        slugs[folder] = path
        try:
            with path.open("rb") as f:  # at most the bytes a spec may have: a huge file is refused when loaded
                digest = hashlib.sha256(f.read(spec_mod.LIMITS["spec_bytes"] + 1)).hexdigest()
        except OSError as exc:
            error = SpecError(str(path), f"cannot be read ({exc.strerror or exc.__class__.__name__})")
            if on_error is None:
                raise error from None
            failed[path], digest = error, ""
        keyed.append((path, folder, (str(path.resolve()), digest)))
    todo = [(path, folder) for path, folder, key in keyed
            if path not in failed and (memo is None or key not in memo)]
    made: dict[Path, Collected | SpecError] = dict(failed)
    if background is not None and len(todo) == 1:
        (path, folder), = todo
        key = next(key for p, _, key in keyed if p == path)
        background.keep({key})
        made[path] = _guarded(path, partial(_first, path, folder, key, producers, background))
    else:
        if background is not None:
            background.keep(set())
        made.update(zip((path for path, _ in todo),
                        _produce_all(todo, producers, workers or os.cpu_count() or 1, pool)))
    out: list[Collected] = []
    for path, folder, key in keyed:
        item = memo[key] if path not in made else made[path]
        if isinstance(item, SpecError):
            if on_error is None:
                raise item
            out.append(on_error(path, folder, item))
            continue
        if memo is not None and not item.running:
            memo[key] = item
        out.append(item)
    if memo is not None:
        for stale in set(memo) - {key for _, _, key in keyed}:
            del memo[stale]
    return out


def broken(path: Path, slug: str, exc: SpecError, last: Collected | None) -> Collected:
    """What a live server shows for a spec that has an error: the pages of its last version
    that worked (``last``), each opening with the error, or — with no such version — one
    overview page holding the error.  The error names the file and the field."""
    message = str(_in_file(path, exc))
    notice = (f'!!! failure "This spec has an error"\n\n    {escape_md(message)}\n\n'
              + ("    The numbers below are from the last version of the spec that worked; "
                 if last is not None else "    ")
              + "save the fixed file and this page reloads.\n\n")
    if last is None:
        title = path.name
        page = Page("index.md", title, f"# {escape_md(title)}\n\n{notice}")
        return Collected(path, slug, None, Rendered(slug, title, (page,)), message)
    r = last.rendered
    pages = tuple(Page(p.path, p.title, _after_title(p.markdown, notice)) for p in r.pages)
    return Collected(path, slug, last.spec, Rendered(r.slug, r.title, pages, r.assets), message)


def _after_title(markdown: str, block: str) -> str:
    """``block`` inserted after the page's first ``# title`` line (or at the top)."""
    lines = markdown.split("\n")
    at = next((i + 1 for i, ln in enumerate(lines) if ln.startswith("# ")), 0)
    return "\n".join(lines[:at] + ["", block.rstrip("\n"), ""] + lines[at:])


# ---------------------------------------------------------------------------
# files of the site


def safe_relative(path: str, what: str) -> PurePosixPath:
    """``path`` as a relative POSIX path that stays inside its folder (no ``..``, no root)."""
    p = PurePosixPath(path)
    if not path or p.is_absolute() or "\\" in path or any(part in ("", ".", "..") for part in path.split("/")):
        raise ValueError(f"{what} path {path!r} would leave its folder")
    return p


def label(rendered: Rendered, page: Page) -> str:
    """A page's name in lists and the nav: the first page is the example's overview."""
    return "Overview" if page is rendered.pages[0] else page.title


def pager(rendered: Rendered, current: Page) -> str:
    """The example's page list, the current page in bold: every page links to every other."""
    items = [f"**{escape_md(label(rendered, p))}**" if p is current else f"[{escape_md(label(rendered, p))}]({p.path})"
             for p in rendered.pages]
    return '\n\n<nav class="hc-pages" markdown>\n' + " · ".join(items) + "\n</nav>\n"


def front_matter(rendered: Rendered, page: Page) -> str:
    """A page's own title for the browser tab and the theme's header (``title`` in the page's
    meta; the nav keeps its short label): the example's title on its overview, "Forward pass ·
    Play golf today?" on the others, so that the pages of two examples can be told apart.
    Escaped as the pages' text is (themes print it as it is), in a quoted YAML string."""
    own = rendered.title if page is rendered.pages[0] else f"{label(rendered, page)} · {rendered.title}"
    title = escape_md(own)
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n\n"


def examples_index(collected: Sequence[Collected], title: str = "Worked examples") -> str:
    """``<folder>/index.md``: one entry per example, with its network and its pages."""
    lines = [f"# {title}", "",
             "Each example is generated from a spec in `examples/`; every number on its pages comes from "
             "the engine and is re-checked before the page is written.", ""]
    for c in collected:
        spec = c.spec
        lines += [f"## [{escape_md(c.rendered.title)}]({c.slug}/index.md)", ""]
        if c.error is not None:
            lines += [f"**This spec has an error:** {escape_md(c.error)}", ""]
        if spec is None:
            continue
        shape = "-".join(str(n) for n in spec.sizes)
        lines += [f"A {shape} network; spec file `{c.source.name}`." if re.fullmatch(r"[\w.-]+", c.source.name)
                  else f"A {shape} network.", ""]
        if spec.description:
            lines += [escape_md(spec.description), ""]
        links = " · ".join(f"[{escape_md(label(c.rendered, p))}]({c.slug}/{p.path})" for p in c.rendered.pages)
        lines += [links, ""]
    return "\n".join(lines)


def site_files(collected: Sequence[Collected], folder: str = "examples") -> list[SiteFile]:
    """Every generated file, paths relative to the docs folder."""
    base = safe_relative(folder, "output folder")
    files = [SiteFile(str(base / "index.md"), examples_index(collected))]
    for c in collected:
        r = c.rendered
        files += [SiteFile(str(base / c.slug / p.path),
                           front_matter(r, p) + p.markdown.rstrip("\n") + "\n" + pager(r, p)) for p in r.pages]
        files += [SiteFile(str(base / c.slug / a.path), a.data) for a in r.assets]
    return files


def nav(collected: Sequence[Collected], folder: str = "examples", title: str = "Worked examples") -> dict:
    """A MkDocs ``nav`` section for the examples: the index, then one section per example.

    Section titles are HTML-escaped here because MkDocs templates print nav titles as
    they are; page titles are the producers' fixed words."""
    base = safe_relative(folder, "output folder")
    entries: list = [str(base / "index.md")]
    for c in collected:
        pages = [{html.escape(label(c.rendered, p), quote=True): str(base / c.slug / p.path)}
                 for p in c.rendered.pages]
        entries.append({html.escape(c.rendered.title, quote=True): pages})
    return {title: entries}


# ---------------------------------------------------------------------------
# writing (for builders other than MkDocs-with-our-plugin)


def _owned_folder(docs_dir: Path, folder: str) -> Path:
    target = docs_dir / safe_relative(folder, "output folder")
    if target.resolve() == docs_dir.resolve() or docs_dir.resolve() not in target.resolve().parents:
        raise ValueError(f"output folder {folder!r} must be a folder inside {docs_dir}")
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} is a file, not a folder; refusing to replace it")
    if target.exists() and any(target.iterdir()) and not (target / MARKER).exists():
        raise ValueError(f"{target} holds files handcalc did not write; refusing to replace it")
    return target


def fill_folder(folder: Path, files: Iterable[tuple[PurePosixPath, str | bytes | Path]]) -> list[PurePosixPath]:
    """Write ``files`` into the empty (staging) ``folder``, with the generator's marker."""
    (folder / MARKER).write_text("Written by handcalc; replaced on every build.\n", encoding="utf-8")
    written = []
    for rel, data in files:
        out = folder / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            shutil.copyfile(data, out)
        elif isinstance(data, bytes):
            out.write_bytes(data)
        else:
            out.write_text(data, encoding="utf-8")
        written.append(rel)
    return written


def write(files: Sequence[SiteFile], docs_dir: Path | str, folder: str = "examples",
          assets: bool = False) -> list[Path]:
    """Write the generated pages into ``docs_dir/folder`` (replacing what was there) and,
    with ``assets``, the pages' scripts, styles and KaTeX into ``docs_dir/assets/handcalc``.
    Returns the files written.

    Atomic per folder: everything is written into staging folders first, and the old
    folders are swapped out only when all of it is complete, so a failure or Ctrl-C leaves
    the previous pages as they were."""
    docs_dir = Path(docs_dir)
    if docs_dir.exists() and not docs_dir.is_dir():
        raise SpecError(str(docs_dir), "is a file, not a folder (the site's docs folder)")
    target = _owned_folder(docs_dir, folder)
    prefix = safe_relative(folder, "output folder")
    rel = []
    for f in files:
        p = safe_relative(f.path, "generated file")
        if p.parts[: len(prefix.parts)] != prefix.parts:
            raise ValueError(f"generated file {f.path!r} is outside {folder!r}")
        rel.append((PurePosixPath(*p.parts[len(prefix.parts):]), f.data))
    jobs = [(target, rel)]
    if assets:
        own = resources.SITE_FOLDER
        a, b = PurePosixPath(own).parts, prefix.parts
        if a[:len(b)] == b or b[:len(a)] == a:  # one inside the other: the second swap would undo the first
            raise ValueError(f"output folder {folder!r} overlaps {own!r}, where the pages' scripts and styles go; "
                             "give another folder")
        jobs.append((_owned_folder(docs_dir, own),
                     [(PurePosixPath(p).relative_to(own), src) for p, src in resources.site_assets()]))
    written: list[Path] = []
    with atomic.staged(docs_dir) as staging:
        for n, (dest, items) in enumerate(jobs):
            (staging / str(n)).mkdir()
            written += [dest / r for r in fill_folder(staging / str(n), items)]
        for n, (dest, _) in enumerate(jobs):
            atomic.swap_folder(staging / str(n), dest)
    return written
