"""The site: a real ``mkdocs build --strict`` inspected as HTML, the generator's safety
rules, and ``handcalc build``.  Golden numbers are seed 003's candy-bar example."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sitebuild import BIN, ROOT, Links, built_site, mkdocs, page_dir

from handcalc import escape
from handcalc.core import spec as spec_mod
from handcalc.core.errors import SpecError
from handcalc.site import sitegen
from handcalc.worksheets import model as W

EXAMPLES = ROOT / "examples"
SLUGS = {p.stem: spec_mod.load(p) for p in sorted(EXAMPLES.glob("*.yaml"))}
TRAINING_PAGES = ["forward", "loss", "backward", "update", "training", "check"]
WORKSHEET_PAGES = ["worksheet", "answers"]
NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?")
HOSTILE = r"<script>alert(1)</script> & 50% _x_ \href{javascript:alert(1)}{x} ../../etc"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


def html_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def expected_pages(slug: str) -> list[str]:
    return (TRAINING_PAGES if SLUGS[slug].trains else ["forward", "check"]) + WORKSHEET_PAGES


# ---------------------------------------------------------------------------
# the built site


def test_every_example_has_its_pages(site: Path) -> None:
    listing = Links(html_of(site / "examples" / "index.html"))
    for slug in SLUGS:
        assert (site / "examples" / slug / "index.html").is_file()
        for name in expected_pages(slug):
            assert (site / "examples" / slug / name / "index.html").is_file(), (slug, name)
        assert any(h.rstrip("/").endswith(f"{slug}") for h in listing.hrefs), f"examples/index lists no {slug}"


def test_an_example_is_listed_before_its_variants(site: Path) -> None:
    """The list of examples and the nav sort by name without the suffix: candy-bar, then the
    twin that builds on it (by file name, "candy-bar-mse.yaml" sorts first)."""
    hrefs = [h.rstrip("/").removesuffix("/index.html").rsplit("/", 1)[-1]
             for h in Links(html_of(site / "examples" / "index.html")).hrefs]
    order = [s for s in dict.fromkeys(hrefs) if s in SLUGS]
    assert order.index("candy-bar") < order.index("candy-bar-mse"), order


def test_every_example_page_has_a_title_of_its_own(site: Path) -> None:
    """The browser tab (and the theme's header) tells the pages of two examples apart: each
    page's <title> names the page and its example, as the reader sees it."""
    titles: dict[str, str] = {}
    for slug, spec in SLUGS.items():
        for name in ["", *expected_pages(slug)]:
            built = html_of(site / "examples" / slug / name / "index.html")
            title = html.unescape(re.search(r"<title>(.*?)</title>", built, re.S).group(1))
            assert spec.title in title, (slug, name, title)
            assert title not in titles, (slug, name, titles.get(title))
            titles[title] = f"{slug}/{name}"


def test_example_pages_link_to_each_other(site: Path) -> None:
    for slug in SLUGS:
        folder = site / "examples" / slug
        pages = [folder / "index.html"] + [folder / n / "index.html" for n in expected_pages(slug)]
        for page in pages:
            links = Links(html_of(page))
            reached = {page_dir(h, page) for h in links.pages}
            assert reached | {page} == set(pages), f"{page} page list: {links.pages}"
            navigated = {page_dir(h, page) for h in links.hrefs if not h.startswith(("http", "#"))}
            assert set(pages) <= navigated | {page}, f"{page}: the sidebar misses pages of {slug}"


def test_candy_bar_shows_seed_003_numbers(site: Path) -> None:
    def numbers(page: str) -> set[str]:
        text = html_of(site / "examples" / "candy-bar" / page / "index.html")
        return set(re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])", text))

    assert {"17", "29", "12"} <= numbers("forward")
    assert "-2.5" in numbers("backward")  # ∂L/∂W[1]_11 (seed 003)
    assert {"0.67", "0.29"} <= numbers("update")  # new W[2] (seed 003)


def test_katex_comes_from_the_site(site: Path) -> None:
    katex = site / "assets" / "handcalc" / "katex"
    for name in ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js", "fonts/KaTeX_Main-Regular.woff2"):
        assert (katex / name).is_file(), name
    css = html_of(katex / "katex.min.css")
    for font in re.findall(r"url\(([^)]+)\)", css):
        assert (katex / font.strip("'\"")).is_file(), font
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        links = Links(html_of(page))
        srcs = [u for _, u in links.resources]
        remote = [u for u in srcs if re.match(r"(https?:)?//", u)]
        assert not remote, f"{page} loads {remote}"
        if page.name != "404.html":
            assert any(u.endswith("assets/handcalc/katex/katex.min.js") for u in srcs), page
            assert any(u.endswith("assets/handcalc/katex-init.js") for u in srcs), page
    for css_file in site.rglob("*.css"):
        assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", html_of(css_file)), css_file


def test_hand_written_pages_are_in_the_nav(site: Path) -> None:
    home = Links(html_of(site / "index.html"))
    for target in ("concepts", "notation", "regenerate", "reference/spec", "reference/cli", "examples"):
        assert (site / target / "index.html").is_file(), target
        assert any(h.rstrip("/").endswith(target) for h in home.hrefs), target


WS_LINE = re.compile(r'<div class="ws-line">\s*<p><span class="ws-no">(\d+)</span></p>\s*'
                     r'<div class="arithmatex"[^>]*>(.*?)</div>', re.S)
BOX_SIZE = re.compile(r"\\(?:rule|hspace)(?:\[[^\]]*\])?(?:\{[^}]*\})+")  # the answer box's own dimensions
INDEX = re.compile(r"[_^](?:\{[^{}]*\}|\d)")  # sub- and superscripts: W^{[1]}_{11}


def sheet_of(page: Path) -> str:
    """The HTML of a worksheet page's sheet (the ``ws-sheet`` block), entities read."""
    raw = html_of(page)
    start = raw.index('<div class="ws-sheet">')
    return html.unescape(raw[start:raw.index("</article>", start)])


def text_of(sheet: str) -> str:
    """What a reader sees of a sheet: its text and TeX, without tags (and their ids)."""
    return re.sub(r"<[^>]*>", " ", sheet)


def lines_of(sheet: str) -> dict[int, str]:
    """Line number → the TeX of that line, answer-box dimensions removed."""
    return {int(n): BOX_SIZE.sub("", tex) for n, tex in WS_LINE.findall(sheet)}


def numbers_of(tex: str) -> set[str]:
    return set(NUMBER.findall(INDEX.sub("", BOX_SIZE.sub("", tex))))


def given_texts(ws: W.Worksheet) -> set[str]:
    """Every number a worksheet gives: the operands written on its lines, the givens' entries
    and the constants of its rules (the difference loss's ∂L/∂ŷ = −1, say)."""
    out = {t for ln in ws.lines for t in ln.operands}
    for block in [b for g in ws.givens for b in g.blocks] + [r for p in ws.parts for r in p.rules]:
        out |= numbers_of(block)
    return out


def test_worksheet_and_answer_key_pages(site: Path) -> None:
    """Each example's worksheet page has a blank box on every line of the engine's worksheet
    and none of the answers the key has; the key page has every answer in its box."""
    for slug, spec in SLUGS.items():
        ws = W.make(spec, where=slug)
        folder = site / "examples" / slug
        sheet, key = sheet_of(folder / "worksheet" / "index.html"), sheet_of(folder / "answers" / "index.html")
        sheet_lines, key_lines = lines_of(sheet), lines_of(key)
        assert sorted(sheet_lines) == sorted(key_lines) == [ln.number for ln in ws.lines], slug
        for ln in ws.lines:
            assert ln.answer.text in NUMBER.findall(key_lines[ln.number].split(r"\boxed")[-1]), (slug, ln.number)
            assert not NUMBER.findall(sheet_lines[ln.number].split(r"\boxed")[-1]), (slug, ln.number)
        answers = {ln.answer.text for ln in ws.lines}
        assert answers <= numbers_of(text_of(key)), slug
        structural = {str(k) for k in range(len(ws.lines) + 20)}  # line numbers, layer sizes, indices
        leaked = (answers - given_texts(ws) - structural) & numbers_of(text_of(sheet))
        assert not leaked, f"{slug}: the worksheet page shows answers {sorted(leaked)}"
        assert Links(html_of(folder / "worksheet" / "index.html")).hrefs.count("../answers/") >= 1, slug


# ---------------------------------------------------------------------------
# hostile text and bad specs, through the generator and through MkDocs


def hostile_project(tmp_path: Path, nav: bool = True) -> Path:
    """A small project: one example with hostile text in its title, description, input
    names and file name, and a stale copy of generated pages on disk; with a ``nav`` or
    without (then the pages' own titles name them in the theme's nav and <title>)."""
    data = yaml.safe_load((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    data.update(title=HOSTILE, description=HOSTILE, inputs=["<b>q</b>", "$x$ & 50%"])
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "..Evil <x> & 50%.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "examples" / "stale").mkdir(parents=True)
    (docs / "examples" / sitegen.MARKER).write_text("")
    (docs / "examples" / "stale" / "index.md").write_text("# stale\n")
    (docs / "index.md").write_text("# Home\n\nSee the [examples](examples/index.md).\n")
    config = {
        "site_name": "hostile", "docs_dir": "docs", "strict": True,
        "theme": {"name": "material", "font": False},
        "plugins": ["search", {"handcalc": {"examples": "examples"}}],
        **({"nav": [{"Home": "index.md"}, {"Examples": "examples/index.md"}]} if nav else {}),
        "markdown_extensions": yaml.safe_load((ROOT / "mkdocs.yml").read_text())["markdown_extensions"],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


def test_slugs_are_safe() -> None:
    assert escape.slug("Candy Bar_2") == "candy-bar-2"
    assert escape.slug("../../etc/passwd") == "etc-passwd"
    assert escape.slug("..Evil <x> & 50%") == "evil-x-50"
    for bad in ("../x", "/etc", "a/../../b", "", ".", "a\\b"):
        with pytest.raises(ValueError):
            sitegen.safe_relative(bad, "test")


def test_hostile_text_is_written_literally_by_the_generator(tmp_path: Path) -> None:
    project = hostile_project(tmp_path)
    collected = sitegen.collect(project / "examples")
    assert [c.slug for c in collected] == ["evil-x-50"]
    written = sitegen.write(sitegen.site_files(collected), project / "docs")
    folder = (project / "docs" / "examples").resolve()
    assert all(folder in p.resolve().parents for p in written)
    assert not (project / "docs" / "examples" / "stale").exists()
    assert sorted(p.name for p in project.rglob("*") if "etc" in p.name) == []
    for page in (folder / "evil-x-50").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "<script>" not in text and "\\href" not in text, page.name


@pytest.mark.parametrize("nav", [True, False], ids=["nav", "no-nav"])
def test_hostile_text_is_shown_literally_in_the_site(tmp_path: Path, nav: bool) -> None:
    project = hostile_project(tmp_path, nav)
    done = mkdocs("build", "--strict", "-d", str(project / "site"), cwd=project)
    assert done.returncode == 0, done.stderr
    site = project / "site"
    assert not (site / "examples" / "stale").exists()  # the in-memory pages replace the on-disk copy
    outside = [p for p in tmp_path.rglob("*") if not p.resolve().is_relative_to(tmp_path.resolve())]
    assert not outside
    overview = site / "examples" / "evil-x-50" / "index.html"
    for page in [overview, *site.glob("examples/evil-x-50/*/index.html"), site / "examples" / "index.html"]:
        raw = html_of(page)
        assert "<script>alert" not in raw and not re.search(r"(href|src)=[\"']?javascript", raw, re.I), page
        links = Links(raw)
        assert not [h for h in links.hrefs if h.lower().startswith("javascript")], page
    text = " ".join(" ".join(Links(html_of(overview)).text).split())
    assert HOSTILE in text  # the title (and description) appear literally
    assert "<b>q</b>" in text


def test_bad_spec_names_file_and_field(tmp_path: Path) -> None:
    project = hostile_project(tmp_path)
    bad = project / "examples" / "broken.yaml"
    data = yaml.safe_load((EXAMPLES / "candy-bar.yaml").read_text(encoding="utf-8"))
    data["layers"][0]["weights"] = [[2, 2, 9], [1, 3]]
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken\.yaml: layers\[0\]\.weights"):
        sitegen.collect(project / "examples")
    done = mkdocs("build", "-d", str(project / "site"), cwd=project)
    assert done.returncode != 0
    assert re.search(r"broken\.yaml: layers\[0\]\.weights", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    cli = subprocess.run([str(BIN / "handcalc"), "build", "--examples", str(project / "examples"),
                          "--docs", str(project / "docs"), "--no-katex"], capture_output=True, text=True)
    assert cli.returncode == 2
    assert re.search(r"^handcalc: .*broken\.yaml: layers\[0\]\.weights: ", cli.stderr), cli.stderr
    assert "Traceback" not in cli.stderr


# ---------------------------------------------------------------------------
# handcalc build


def test_handcalc_build_writes_the_pages(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copy(EXAMPLES / "candy-bar.yaml", examples)
    shutil.copy(EXAMPLES / "seven-layer.yaml", examples)
    docs = tmp_path / "docs"
    (docs / "reference").mkdir(parents=True)
    (docs / "reference" / "spec.md").write_text("# mine\n")
    args = [sys.executable, "-m", "handcalc.cli", "build", "--examples", str(examples), "--docs", str(docs)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = docs / "examples"
    assert "# Worked examples" in (out / "index.md").read_text(encoding="utf-8")
    for name in ["index", *TRAINING_PAGES]:
        assert (out / "candy-bar" / f"{name}.md").is_file(), name
    assert (out / "candy-bar" / "network.svg").is_file()
    stems = sorted(p.stem for p in (out / "seven-layer").glob("*.md"))
    assert stems == ["answers", "check", "forward", "index", "worksheet"]
    assert (docs / "assets" / "handcalc" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()
    assert (docs / "assets" / "handcalc" / "katex-init.js").is_file()
    assert (docs / "reference" / "spec.md").read_text() == "# mine\n"  # hand-written pages untouched
    (examples / "seven-layer.yaml").unlink()
    assert subprocess.run(args, capture_output=True, text=True, cwd=ROOT).returncode == 0
    assert not (out / "seven-layer").exists()  # the generated folder is replaced, not merged
    # a folder the generator did not write is never cleared
    (docs / "mine").mkdir()
    (docs / "mine" / "notes.md").write_text("# notes\n")
    refused = subprocess.run(args + ["--folder", "mine"], capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 2 and "did not write" in refused.stderr
    assert (docs / "mine" / "notes.md").is_file()
    escape = subprocess.run(args + ["--folder", "../out"], capture_output=True, text=True, cwd=ROOT)
    assert escape.returncode == 2 and not (tmp_path / "out").exists()


def test_no_raw_tex_in_the_search_index_or_titles(site: Path) -> None:
    """Search results, headings, the table of contents and page titles show no TeX source."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    tex = re.compile(r"\\[(\[]|\\(frac|approx|partial|begin|hat|mathrm|operatorname)\b|\^\{?\[")
    assert len(index["docs"]) > 50
    bad = [(d["location"], (d["title"] + " " + d["text"])[:80]) for d in index["docs"]
           if tex.search(d["title"]) or tex.search(d["text"])]
    assert not bad, bad[:5]
    for page in site.rglob("*.html"):
        title = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
        assert title and not tex.search(title.group(1)), page


class _Counting:
    """A process pool that counts the jobs given to it (and can be made to fail at submitting)."""

    def __init__(self, pool, broken: bool = False) -> None:
        self.pool, self.broken, self.jobs = pool, broken, []

    def submit(self, fn, *args, **kwargs):
        self.jobs.append(fn.__name__)
        if self.broken:
            from concurrent.futures.process import BrokenProcessPool
            raise BrokenProcessPool("a worker died")
        return self.pool.submit(fn, *args, **kwargs)


def test_a_pool_runs_the_float64_updates_aside_with_the_same_pages(tmp_path: Path) -> None:
    """Under ``mkdocs serve`` an edited spec's float64 updates run in a worker process while the
    exact steps are re-checked: the pages are the same as in one process, and with a pool that
    has died too (then everything runs here).  Forward-only and exact-only specs need no worker."""
    folder = tmp_path / "examples"
    folder.mkdir()
    for name in ("golf", "candy-bar", "seven-layer"):
        shutil.copy(ROOT / "examples" / f"{name}.yaml", folder)
    alone = {c.slug: c for c in sitegen.collect(folder, workers=1)}
    # (the serve plugin forks its pool before the server's threads start; a test process may run
    # threads already, so this pool starts its worker afresh)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    try:
        for broken in (False, True):
            for name, collected in alone.items():
                counting = _Counting(pool, broken)
                got = sitegen.collect(folder, workers=1, pool=counting,
                                      memo={k: v for k, v in _memo(folder, alone).items() if v.slug != name})
                got = {c.slug: c for c in got}
                assert got[name].rendered == collected.rendered, (name, broken)
                assert got[name].report_failures == collected.report_failures == 0
                assert counting.jobs == (["long_run"] if name == "golf" else []), (name, counting.jobs)
    finally:
        pool.shutdown()


def test_under_serve_the_pages_come_first_and_the_training_when_its_worker_is_done(tmp_path: Path) -> None:
    """``mkdocs serve`` (:class:`sitegen.Background`): an edited spec's pages of the worked step come
    at once, its training, check and worksheet pages say they come a moment later (the same
    pages and files, under the same names and titles), that version is never memoised; when the
    worker is done the server is asked for a rebuild, and the next collect gives the very pages
    of a run in one process.  A job of a version edited away asks for no rebuild."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    folder = tmp_path / "examples"
    folder.mkdir()
    for name in ("golf", "candy-bar"):
        shutil.copy(ROOT / "examples" / f"{name}.yaml", folder)
    alone = {c.slug: c for c in sitegen.collect(folder, workers=1)}
    asked = threading.Semaphore(0)
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    try:
        counting = _Counting(pool)
        background = sitegen.Background(counting, asked.release)
        memo = {k: v for k, v in _memo(folder, alone).items() if v.slug != "golf"}
        kept = set(memo)
        first = {c.slug: c for c in sitegen.collect(folder, workers=1, memo=memo, background=background)}
        waiting, whole = first["golf"].rendered, alone["golf"].rendered
        assert first["golf"].running and not first["candy-bar"].running and set(memo) == kept
        assert [(p.path, p.title) for p in waiting.pages] == [(p.path, p.title) for p in whole.pages]
        assert [a.path for a in waiting.assets] == [a.path for a in whole.assets]
        for got, want in zip(waiting.pages, whole.pages):
            if got.path in ("training.md", "check.md", "worksheet.md", "answers.md"):
                assert "This page reloads by itself" in got.markdown and "$" not in got.markdown, got.markdown
            else:
                assert got == want, got.path
        assert "7992 float64 updates after them are running now" in waiting.pages[5].markdown
        assert asked.acquire(timeout=300), "the worker's end asks for a rebuild"
        second = {c.slug: c for c in sitegen.collect(folder, workers=1, memo=memo, background=background)}
        assert not second["golf"].running and second["golf"].rendered == whole
        assert second["golf"].report_failures == alone["golf"].report_failures == 0
        assert counting.jobs == ["_float_part"] and len(memo) == len(kept) + 1

        # saved again while the worker runs: the job of the version edited away is dropped
        spec = folder / "golf.yaml"
        for rate in ("0.2", "0.3"):
            spec.write_text(re.sub(r"learning_rate: \S+", f"learning_rate: {rate}", spec.read_text()))
            got = {c.slug: c for c in sitegen.collect(folder, workers=1, memo=memo, background=background)}
            assert got["golf"].running
        (last,) = background.running.values()
        last.job.result(timeout=300)
        assert asked.acquire(timeout=10) and not asked.acquire(timeout=2), "one rebuild asked for, not two"
        assert counting.jobs == ["_float_part"] * 3
    finally:
        pool.shutdown()


def test_a_float64_failure_in_the_pool_names_the_file_and_the_step(tmp_path: Path) -> None:
    """A spec whose float64 updates diverge gives the same one-line error through the pool
    (the error crosses the process boundary whole) as in one process."""
    from hostile_cases import spec
    folder = tmp_path / "examples"
    folder.mkdir()
    (folder / "wild.yaml").write_text(spec(
        "layers: [{units: 1, activation: linear, weights: [[2], [1]], bias: [0]}]",
        "data: {train: [{x: [1, 2], y: 1}, {x: [2, 1], y: 0}]}", "learning_rate: 1000",
        "training: {epochs: 200, exact_steps: 2}"), encoding="utf-8")
    with pytest.raises(SpecError) as alone:
        sitegen.collect(folder, workers=1)
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    asked = threading.Event()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        with pytest.raises(SpecError) as pooled:
            sitegen.collect(folder, workers=1, pool=_Counting(pool))
        background = sitegen.Background(pool, asked.set)  # (under serve: the pages first)
        assert sitegen.collect(folder, workers=1, background=background)[0].running
        assert asked.wait(120)
        with pytest.raises(SpecError) as later:
            sitegen.collect(folder, workers=1, background=background)
    assert str(pooled.value) == str(alone.value) == str(later.value)
    assert str(alone.value).startswith(f"{folder / 'wild.yaml'}: step ") and "diverged in float64" in str(alone.value)


def test_no_pool_is_forked_from_a_process_running_threads() -> None:
    import threading
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert sitegen.worker_pool(1) is None
    finally:
        stop.set()
        thread.join()


def _memo(folder: Path, collected: dict) -> dict:
    """A memo holding every example of ``folder`` (keyed as :func:`sitegen.collect` keys it)."""
    import hashlib
    out = {}
    for path in sitegen.spec_files(folder):
        key = (str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest())
        out[key] = collected[escape.slug(path.stem)]
    return out
