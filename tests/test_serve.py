"""``mkdocs serve`` of a copy of the site: editing a weight in ``candy-bar.yaml`` updates the
page on reload, nothing is written into ``docs_dir`` (no rebuild loop); editing one of
``golf.yaml`` (float64 updates after its exact steps) updates its pages, then its training
page in a second build; a broken spec shows its error on the page and in the log without
stopping the server.

The new number is the engine's, run on the edited spec and written by ``display.show``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sitebuild import BIN, ROOT

from handcalc.core import engine
from handcalc.core import spec as spec_mod
from handcalc.core.display import show

pytestmark = pytest.mark.slow

START_S = 180  # first build of the copy (one example) on a busy 2-core machine
REBUILD_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


class Server:
    """``mkdocs serve`` of a project folder on a free port, its log in a file."""

    def __init__(self, project: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}/"
        self.log_path = project / "serve.log"
        self._log = self.log_path.open("w")
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        self.proc = subprocess.Popen([str(BIN / "mkdocs"), "serve", "-a", self.url[7:-1]],
                                     cwd=project, stdout=self._log, stderr=subprocess.STDOUT, env=env)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def get(self, path: str) -> str | None:
        """The page at ``path`` with character references read (``&#45;`` → ``-``), None if none."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return html.unescape(r.read().decode("utf-8"))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def wait_for(self, path: str, ok: Callable[[str], bool], timeout: float) -> str:
        """The page at ``path`` once ``ok`` holds for it (polling, as a reader reloading)."""
        end = time.monotonic() + timeout
        page = None
        while time.monotonic() < end:
            assert self.proc.poll() is None, f"mkdocs serve stopped:\n{self.log()}"
            page = self.get(path)
            if page is not None and ok(page):
                return page
            time.sleep(0.5)
        raise AssertionError(f"{path} never became as expected in {timeout} s; log:\n{self.log()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The site's mkdocs.yml and docs/ with an examples folder holding only candy-bar.yaml."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("examples", "handcalc"))
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "candy-bar.yaml", tmp_path / "examples")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)  # no `watch:` entry: the plugin watches examples/ itself
    return tmp_path


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    s = Server(project)
    yield s
    s.stop()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                out.append(int(stat.parent.name))
        except OSError:
            continue
    return out


def first_z(path: Path) -> str:
    """z^{[1]}_1 of the first step, as the pages write it."""
    spec = spec_mod.load(path)
    return show(engine.run(spec).steps[0].forward[0].z[0][0].value, spec.display.decimals).text


def numbers(page: str) -> set[str]:
    return set(re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])", page))


def edit_weight(path: Path, change: Callable[[float], float]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["layers"][0]["weights"][0][0] = change(data["layers"][0]["weights"][0][0])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def final_w(path: Path) -> str:
    """The first final weight of a training run, as the training page writes it."""
    spec = spec_mod.load(path)
    return show(engine.run(spec).final[0].W[0][0], spec.display.decimals).text


def test_editing_a_weight_updates_the_page(project: Path) -> None:
    shutil.copy(ROOT / "examples" / "candy-bar-mse.yaml", project / "examples")  # a second example, not edited
    long = project / "examples" / "golf.yaml"  # a third, with float64 updates after its exact steps
    shutil.copy(ROOT / "examples" / "golf.yaml", long)
    server = Server(project)
    try:
        spec_file = project / "examples" / "candy-bar.yaml"
        before = first_z(spec_file)
        forward = "examples/candy-bar/forward/"
        page = server.wait_for(forward, lambda p: "Forward pass" in p, START_S)
        assert before in numbers(page)
        # the examples folder is watched through file events (noticed at once), not by MkDocs'
        # half-second polling; the rebuild below shows that the events reach the server
        watching = re.search(r"Watching paths for changes: (.*)", server.log())
        assert watching and "'docs'" in watching[1] and "examples" not in watching[1], server.log()
        docs_before = snapshot(project / "docs")
        other = server.get("examples/candy-bar-mse/forward/")

        edit_weight(spec_file, lambda w: w + 5)
        after = first_z(spec_file)
        assert after != before and after not in numbers(page)
        server.wait_for(forward, lambda p: after in numbers(p), REBUILD_S)

        # the rebuild settles: no more builds follow by themselves, nothing was written into docs/
        builds = server.log().count("Building documentation")
        time.sleep(8)
        assert server.log().count("Building documentation") == builds, server.log()
        assert snapshot(project / "docs") == docs_before
        assert "Traceback" not in server.log()

        # the rebuild ran only the edited spec and converted only its pages: the other example's
        # pages and the list of examples came from the cache, unchanged
        rebuilt = server.log().split("Building documentation")[-1]
        counts = re.findall(r"from the cache: (\d+) of 3 examples, (\d+) of (\d+) pages", rebuilt)
        assert counts and counts[-1][0] == "2", server.log()
        reused, total = int(counts[-1][1]), int(counts[-1][2])  # total: the index and each example's pages
        assert reused == (total - 1) // 3 * 2 + 1, server.log()  # the other examples' pages and the index
        livereload = re.compile(r"reload\(\d+, \d+\)")  # the server's script, counting builds
        assert livereload.sub("", server.get("examples/candy-bar-mse/forward/") or "") == livereload.sub("", other)
        assert (project / ".cache" / "handcalc" / "html").is_dir()  # beside mkdocs.yml, outside docs/

        # a spec with float64 updates: its pages come first (its training and check pages say the
        # updates are running), then a second build, by itself, brings the final weights
        builds = server.log().count("Building documentation")
        w_before = final_w(long)
        edit_weight(long, lambda w: w + 5)
        z_after, w_after = first_z(long), final_w(long)
        assert w_after != w_before
        server.wait_for("examples/golf/forward/", lambda p: z_after in numbers(p), REBUILD_S)
        training = server.wait_for("examples/golf/training/", lambda p: w_after in numbers(p), REBUILD_S)
        assert "reloads by itself" not in training and "7992 more in float64" in training
        time.sleep(8)
        assert server.log().count("Building documentation") == builds + 2, server.log()
        check = server.get("examples/golf/check/") or ""
        assert "reloads by itself" not in check and "All " in check
        assert "Traceback" not in server.log()

        # the worker processes end with the server, even when it is stopped by SIGTERM
        workers = children(server.proc.pid)
        assert workers, "the plugin's worker processes"
        server.stop()
        end = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < end:
            time.sleep(0.2)
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "workers left behind"
    finally:
        server.stop()


def test_a_broken_spec_shows_its_error_and_the_server_stays_up(project: Path, server: Server) -> None:
    spec_file = project / "examples" / "candy-bar.yaml"
    good = spec_file.read_text(encoding="utf-8")
    forward = "examples/candy-bar/forward/"
    server.wait_for(forward, lambda p: "Forward pass" in p, START_S)
    numbers_before = first_z(spec_file)

    data = yaml.safe_load(good)
    data["layers"][0]["weights"] = [[2, 2, 9], [1, 3]]
    spec_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    field = re.compile(r"candy-bar\.yaml: layers\[0\]\.weights")
    page = server.wait_for(forward, lambda p: "This spec has an error" in p, REBUILD_S)
    assert field.search(page), "the page names the file and the field"
    assert numbers_before in numbers(page)  # the last version that worked stays readable
    assert re.search(r"INFO +-  handcalc: examples/candy-bar\.yaml: layers\[0\]\.weights: ", server.log())
    assert "Traceback" not in server.log()
    assert field.search(server.get("examples/") or "")  # the list of examples says so too

    # a number that once took minutes to read, and a second spec giving the same pages: both
    # are errors on the page (and in the log) within a rebuild, and the server keeps answering
    spec_file.write_text(good.replace("learning_rate: 0.01", "learning_rate: 1.0e-999999999"), encoding="utf-8")
    server.wait_for(forward, lambda p: "learning_rate: number too small" in p, REBUILD_S)
    twin = project / "examples" / "Candy_Bar.yml"
    twin.write_text(good, encoding="utf-8")
    server.wait_for("examples/candy-bar/", lambda p: "gives the same page folder" in p, REBUILD_S)
    twin.unlink()
    assert "Traceback" not in server.log()

    spec_file.write_text(good, encoding="utf-8")
    page = server.wait_for(forward, lambda p: "This spec has an error" not in p, REBUILD_S)
    assert numbers_before in numbers(page)


def test_a_spec_broken_from_the_start_gets_an_error_page(project: Path) -> None:
    spec_file = project / "examples" / "candy-bar.yaml"
    good = spec_file.read_text(encoding="utf-8")
    spec_file.write_text(good.replace("loss: difference", "loss: nonsense"), encoding="utf-8")
    server = Server(project)
    try:
        page = server.wait_for("examples/candy-bar/", lambda p: "This spec has an error" in p, START_S)
        assert re.search(r"candy-bar\.yaml: loss", page)
        spec_file.write_text(good, encoding="utf-8")
        server.wait_for("examples/candy-bar/forward/", lambda p: "Forward pass" in p, REBUILD_S)
    finally:
        server.stop()
