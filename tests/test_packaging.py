"""handcalc outside its own repository: the vendored KaTeX, the plugin in a foreign site,
``handcalc init``, the Python API and notebook display, and (slow) the wheel installed into
a fresh virtual environment outside the checkout."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import example_trace
from sitebuild import BIN, ROOT, mkdocs

import handcalc
from handcalc import resources
from handcalc.core import spec
from handcalc.site import sitegen

SMALL = "candy-bar"  # the quickest shipped example with a training step
CHROMIUM = Path("/usr/bin/chromium")


def test_vendored_katex_is_whole() -> None:
    listed = {}
    for line in (resources.KATEX / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {p.relative_to(resources.KATEX).as_posix() for p in resources.KATEX.rglob("*") if p.is_file()}
    assert present - {"SHA256SUMS"} == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((resources.KATEX / name).read_bytes()).hexdigest() == digest, name
    assert {"katex.min.js", "katex.min.css", "contrib/auto-render.min.js", "LICENSE"} <= set(listed)
    fonts = re.findall(r"url\(fonts/([^)]+)\)", (resources.KATEX / "katex.min.css").read_text(encoding="utf-8"))
    assert fonts and all(f"fonts/{f}" in listed for f in fonts)
    assert re.fullmatch(r"\d+\.\d+\.\d+", resources.katex_version())


def foreign_site(tmp_path: Path, theme: str = "readthedocs", extra: str = "") -> Path:
    """A site that is not this repository: one spec, only ``plugins: [search, handcalc]``."""
    (tmp_path / "docs").mkdir(parents=True)
    (tmp_path / "examples").mkdir()
    shutil.copy(resources.EXAMPLES / f"{SMALL}.yaml", tmp_path / "examples")
    (tmp_path / "docs" / "index.md").write_text("# Notes\n\nSee the [examples](examples/index.md).\n")
    (tmp_path / "mkdocs.yml").write_text(f"site_name: notes\ntheme: {theme}\nplugins: [search, handcalc]\n{extra}")
    return tmp_path


@pytest.mark.parametrize("theme", ["mkdocs", "readthedocs"])
def test_plugin_alone_builds_a_foreign_site(tmp_path: Path, theme: str) -> None:
    site = foreign_site(tmp_path, theme)
    done = mkdocs("build", "--strict", cwd=site)
    assert done.returncode == 0, done.stderr
    assert "added the Markdown extensions" in done.stderr
    page = (site / "site" / "examples" / SMALL / "forward" / "index.html").read_text(encoding="utf-8")
    for asset in resources.SCRIPTS + resources.STYLESHEETS:
        assert f"assets/handcalc/{asset}" in page
        assert (site / "site" / "assets" / "handcalc" / asset).is_file()
    assert 'class="arithmatex"' in page and "$$" not in page  # arithmatex took the math
    assert "&lt;nav" not in page and "markdown>" not in page  # md_in_html took the page list


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_math_is_typeset_with_the_mkdocs_theme(tmp_path: Path) -> None:
    site = foreign_site(tmp_path, "mkdocs")
    assert mkdocs("build", "--strict", cwd=site).returncode == 0
    assert typeset_count([site / "site"])[0] > 5


def typeset_count(sites: list[Path]) -> list[int]:
    """For each built site, the number of typeset formulas on the candy-bar forward page in
    headless Chromium (only file: requests allowed; every arithmatex element must be typeset)."""
    from playwright.sync_api import sync_playwright

    counts = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"],
                                    headless=True)
        for site in sites:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page.goto((site / "examples" / SMALL / "forward" / "index.html").as_uri())
            page.wait_for_function("[...document.querySelectorAll('.arithmatex')]"
                                   ".every(el => el.querySelector('.katex'))", timeout=30_000)
            assert page.locator(".katex-error").count() == 0, site
            counts.append(page.locator(".katex").count())
            page.close()
        browser.close()
    return counts


@pytest.mark.parametrize(("options", "needs"), [
    ("", "generic: true"),
    (":\n      generic: true\n      block_syntax: [begin]", "dollar in block_syntax"),
])
def test_math_that_would_stay_raw_fails_in_one_line(tmp_path: Path, options: str, needs: str) -> None:
    site = foreign_site(tmp_path, extra=f"markdown_extensions:\n  - pymdownx.arithmatex{options}\n")
    done = mkdocs("build", "--strict", cwd=site)
    assert done.returncode != 0
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR")]
    assert len(errors) == 1 and f"pymdownx.arithmatex needs {needs} (" in errors[0], done.stderr


def test_a_user_page_in_the_generated_folder_stops_the_build(tmp_path: Path) -> None:
    site = foreign_site(tmp_path, "mkdocs")
    mine = site / "docs" / "examples" / "my-notes.md"
    mine.parent.mkdir()
    mine.write_text("# My notes\n")
    done = mkdocs("build", "--strict", cwd=site)
    assert done.returncode != 0
    assert re.search(r"ERROR +- +handcalc: docs/examples/my-notes\.md is inside docs/examples/, the", done.stderr)
    assert "Traceback" not in done.stderr
    assert mine.read_text() == "# My notes\n"
    assert not (site / "site" / "examples").exists()


def test_init_makes_a_site_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "course"
    done = subprocess.run([str(BIN / "handcalc"), "init", str(target)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((target / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "handcalc" in config["plugins"]
    assert sorted(p.name for p in (target / "examples").iterdir()) == sorted(
        p.name for p in resources.EXAMPLES.glob("*.yaml"))
    (target / "docs" / "index.md").write_text("# mine\n")
    again = subprocess.run([str(BIN / "handcalc"), "init", str(target)], capture_output=True, text=True)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr
    assert (target / "docs" / "index.md").read_text() == "# mine\n"


def test_worksheet_html_outside_the_checkout(tmp_path: Path) -> None:
    done = subprocess.run([str(BIN / "handcalc"), "worksheet", str(resources.EXAMPLES / f"{SMALL}.yaml"),
                           "--format", "html", "-o", "out"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "PDF" not in done.stdout + done.stderr
    assert (tmp_path / "out" / "katex" / "katex.min.js").is_file()


# ---------------------------------------------------------------------------
# the Python API


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def test_the_python_page_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    blocks = python_blocks(ROOT / "docs" / "python.md")
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), namespace)  # noqa: S102 - our own documentation


def test_public_names() -> None:
    assert set(handcalc.__all__) <= set(dir(handcalc))
    for name in handcalc.__all__:
        assert getattr(handcalc, name) is not None


def test_floats_from_yaml_are_read_from_their_text() -> None:
    text = (resources.EXAMPLES / "golf.yaml").read_text(encoding="utf-8")
    assert spec.parse(yaml.safe_load(text)) == spec.load(resources.EXAMPLES / "golf.yaml")
    assert handcalc.load(yaml.safe_load(text)) == handcalc.load(text)
    with pytest.raises(handcalc.SpecError, match="finite"):
        spec.number(float("nan"), "x")


def test_bad_requests_name_the_argument() -> None:
    with pytest.raises(handcalc.SpecError, match="^rounding: "):
        handcalc.run(resources.EXAMPLES / f"{SMALL}.yaml", rounding="roughly")
    with pytest.raises(handcalc.SpecError, match="^spec: expected a spec file's path"):
        handcalc.load("no such spec")
    with pytest.raises(handcalc.SpecError, match="^page: "):
        handcalc.run(resources.EXAMPLES / f"{SMALL}.yaml").page("nowhere")


def test_a_run_shows_its_step_not_a_dump() -> None:
    run = handcalc.Run(spec.load(resources.EXAMPLES / "moons.yaml"), example_trace("moons"))
    assert repr(run).startswith("<handcalc run ")
    assert "Trace(" not in repr(run) and len(repr(run)) < 200
    shown = run._repr_markdown_()
    assert "???" not in shown and "<details>" in shown
    for title in ("# Forward pass", "# Loss", "# Backward pass", "# Update"):
        assert title in shown
    assert "$$" in shown
    training = run.page("training")
    assert 'class="hc-diagram hc-chart"' in training.markdown and "<svg" in training.markdown  # inlined chart
    assert "<svg" in training._repr_markdown_()


# ---------------------------------------------------------------------------
# the wheel, outside the repository


def build_dists(out: Path) -> tuple[Path, Path]:
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("handcalc-*.whl")), next(out.glob("handcalc-*.tar.gz"))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_wheel_works_outside_the_repository(tmp_path: Path) -> None:
    wheel, sdist = build_dists(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    for needed in ("handcalc/assets/katex/katex.min.js", "handcalc/assets/katex-init.js",
                   "handcalc/examples/golf.yaml", "handcalc/templates/forward.md"):
        assert needed in names, needed
    with tarfile.open(sdist) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    for needed in ("LICENSE", "tests/reference.py", "tests/conftest.py", "tests/sitebuild.py", "mkdocs.yml",
                   "docs/index.md", "examples/golf.yaml", "handcalc/examples/golf.yaml",
                   "handcalc/assets/katex/SHA256SUMS"):
        assert needed in members, needed
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path / "sdist", filter="data")
    unpacked = next((tmp_path / "sdist").iterdir())
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_spec_errors.py",
                            "tests/test_golden.py"], capture_output=True, text=True, cwd=unpacked, timeout=300)
    assert tests.returncode == 0, tests.stdout[-3000:]  # the sdist's own tests run from the sdist

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    install = subprocess.run([str(py), "-m", "pip", "install", "-q", f"{wheel}[site,pdf]"], capture_output=True,
                             text=True, cwd=tmp_path, env=env, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args: str, cwd: Path = work) -> subprocess.CompletedProcess:
        return subprocess.run([str(env_dir / "bin" / args[0]), *args[1:]], capture_output=True, text=True,
                              cwd=cwd, env=env, timeout=300)

    assert run("python", "-c", "import handcalc, sys; sys.exit(handcalc.__file__.startswith(sys.argv[1]))",
               str(ROOT)).returncode == 0  # the installed copy, not the checkout
    assert run("handcalc", "init", "course").returncode == 0
    course = work / "course"
    for spec_file in course.glob("examples/*.yaml"):  # keep the build quick: two examples
        if spec_file.stem not in (SMALL, "seven-layer"):
            spec_file.unlink()
    built = run("mkdocs", "build", "--strict", cwd=course)
    assert built.returncode == 0, built.stderr
    rtd = foreign_site(work / "rtd")
    built_rtd = run("mkdocs", "build", "--strict", cwd=rtd)
    assert built_rtd.returncode == 0, built_rtd.stderr

    assert min(typeset_count([course / "site", rtd / "site"])) > 5

    # worksheet PDFs with nothing but the environment's own programs on PATH (no browser)
    pdfs = subprocess.run([str(env_dir / "bin" / "handcalc"), "worksheet", f"course/examples/{SMALL}.yaml",
                           "-o", "pdfs"], capture_output=True, text=True, cwd=work,
                          env={**env, "PATH": str(env_dir / "bin")}, timeout=300)
    assert pdfs.returncode == 0, pdfs.stderr
    for name in (f"{SMALL}-worksheet.pdf", f"{SMALL}-key.pdf"):
        assert (work / "pdfs" / name).read_bytes().startswith(b"%PDF"), name


def test_sitegen_refuses_assets_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "docs" / "assets" / "handcalc").mkdir(parents=True)
    (tmp_path / "docs" / "assets" / "handcalc" / "mine.css").write_text("")
    with pytest.raises(ValueError, match="did not write"):
        sitegen.write([], tmp_path / "docs", "examples", assets=True)
