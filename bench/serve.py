"""Serve and build benchmark (issue 12): how long after a weight of ``golf.yaml`` is saved
``mkdocs serve`` serves the golf forward page with the new number, and how long a cold and
a warm ``mkdocs build --strict`` of the whole site take, for an earlier commit and for this
working tree, in one run.

Run from the repository root::

    .venv/bin/python bench/serve.py                       # before = 1589b1b (no site cache), after = this tree
    .venv/bin/python bench/serve.py --before HEAD~3 --edits 7

The earlier commit is exported with ``git archive`` and imported in place of this tree's
package (ahead of this environment's editable install); both run in this virtual environment, on a copy of the site (its
``mkdocs.yml``, ``docs/`` and every spec of ``examples/``) with a cache folder of its own.

* **cold build**: no cache folder; **warm build**: the same build again, nothing changed.
* **serve reload**: ``mkdocs serve`` of the copy; each edit adds 0.1 to the first weight of
  golf's first layer and saves the file, and the clock runs from the save until the page
  ``examples/golf/forward/`` holds the new z₁ of the worked step (computed with the engine,
  written by ``display.show``) as a browser sees it: the page's live-reload script asks the
  server (``/livereload/<epoch>/<id>``, answered when a build has finished) and then reloads
  the page.  So the figure includes MkDocs noticing the save and waiting for more changes.
  The clock goes on until ``examples/golf/training/`` holds the new first final weight (under
  ``mkdocs serve`` the float64 updates run in a worker and a second build brings that page).

Each figure is also given as CPU time (user + system), which a busy machine inflates far less
than wall time: on a shared machine the CPU time is the better guide to what a quiet one shows.
Nothing asserts on a time: the targets (reload < 1 s, warm build < 3 s) are printed as PASS
or MISS beside the figures.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from handcalc.core import engine  # noqa: E402
from handcalc.core import spec as spec_mod  # noqa: E402
from handcalc.core.display import show  # noqa: E402

BEFORE = "1589b1b"  # main before issue 12: every build and rebuild redoes everything
RELOAD_TARGET_S = 1.0
WARM_TARGET_S = 3.0
PAGE = "examples/golf/forward/"
TRAINING = "examples/golf/training/"
LIVERELOAD = re.compile(r"livereload\((\d+), (\d+)\)")  # the script MkDocs puts in every page it serves
NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])")


def project(tmp: Path) -> Path:
    """A copy of the site to build and serve: mkdocs.yml, docs/ and the specs."""
    shutil.copytree(ROOT / "docs", tmp / "docs", ignore=shutil.ignore_patterns("examples", "handcalc"))
    shutil.copytree(ROOT / "examples", tmp / "examples")
    shutil.copy(ROOT / "mkdocs.yml", tmp)
    return tmp


# ``mkdocs`` with the handcalc package of another folder: this environment's editable install
# would otherwise be found first, whatever PYTHONPATH says
RUNNER = """import sys
code = sys.argv.pop(1)
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
sys.path.insert(0, code)
sys.argv[0] = "mkdocs"
from mkdocs.__main__ import cli
cli()
"""


def mkdocs(code: Path | None) -> list[str]:
    return [str(BIN / "mkdocs")] if code is None else [sys.executable, "-c", RUNNER, str(code)]


ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def family(pid: int) -> dict[int, float]:
    """Process ``pid`` and its child processes (the plugin's workers), each with the CPU seconds
    (user + system) it has used so far (Linux ``/proc``)."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # (a process that ended meanwhile)
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            out[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_of(pid: int) -> float:
    return sum(family(pid).values())


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build_time(site: Path, code: Path | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the build and its worker processes)."""
    c0 = children_cpu()
    t0 = time.perf_counter()
    done = subprocess.run([*mkdocs(code), "build", "--strict", "-q", "-d", "built"], cwd=site, env=ENV,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"mkdocs build failed:\n{done.stderr}")
    return elapsed, children_cpu() - c0


def worked_z(data: dict) -> tuple[str, str]:
    """z₁ of the first layer in the worked step, as the forward page writes it, and the first final
    weight, as the training page writes it."""
    spec = spec_mod.parse(data)
    trace = engine.run(spec)
    value = trace.steps[spec.training.worked_step - 1].forward[0].z[0][0].value
    return show(value, spec.display.decimals).text, show(trace.final[0].W[0][0], spec.display.decimals).text


def get(url: str, timeout: float = 10) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return html.unescape(r.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reloads(site: Path, code: Path | None, edits: int) -> dict[str, list[float]]:
    """For each edit: seconds from save to the new number served on the forward page, and to the
    new final weights on the training page; CPU seconds the server and its workers used until
    then; and the seconds MkDocs logged for each rebuild."""
    url = f"http://127.0.0.1:{free_port()}/"
    log_path = site / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([*mkdocs(code), "serve", "-a", url[7:-1]], cwd=site, env=ENV,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 600
        while (page := get(url + PAGE)) is None or "Forward pass" not in page:
            if proc.poll() is not None or time.monotonic() > end:
                raise SystemExit(f"mkdocs serve did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        time.sleep(1.0)  # let the first build settle
        spec_file = site / "examples" / "golf.yaml"
        times, whole, cpu = [], [], []
        for _ in range(edits):
            data = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
            old = NUMBER.findall(get(url + PAGE) or "")
            while True:  # a new number that the page does not already show
                data["layers"][0]["weights"][0][0] = round(data["layers"][0]["weights"][0][0] + 0.1, 10)
                want, final = worked_z(data)
                if want not in old:
                    break
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
            page = get(url + PAGE) or ""
            epoch, request = LIVERELOAD.search(page).groups()  # the page's script, as a browser runs it
            c0 = cpu_of(proc.pid)
            t0 = time.perf_counter()
            spec_file.write_text(text, encoding="utf-8")
            while True:  # the browser's long poll answers once a build is done; then it reloads the page
                answer = get(f"{url}livereload/{epoch}/{request}", timeout=120)
                if answer is None or time.perf_counter() - t0 > 300 or proc.poll() is not None:
                    raise SystemExit(f"the new number never appeared:\n{log_path.read_text()}")
                if answer.strip().isdigit() and int(answer) > int(epoch):
                    epoch = answer.strip()
                    if want in NUMBER.findall(get(url + PAGE) or ""):
                        break
            times.append(time.perf_counter() - t0)
            while final not in NUMBER.findall(get(url + TRAINING) or ""):  # (a second build brings it)
                answer = get(f"{url}livereload/{epoch}/{request}", timeout=120)
                if answer is None or time.perf_counter() - t0 > 300 or proc.poll() is not None:
                    raise SystemExit(f"the new final weights never appeared:\n{log_path.read_text()}")
                epoch = answer.strip() if answer.strip().isdigit() else epoch
            whole.append(time.perf_counter() - t0)
            cpu.append(cpu_of(proc.pid) - c0)
            time.sleep(1.0)  # the browser would reload once more; let the server go quiet
    finally:
        workers = set(family(proc.pid)) - {proc.pid}
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in workers:  # (before fec0bd7 a terminated server's workers stayed behind)
            try:
                os.kill(pid, 15)
            except OSError:
                pass
    # (MkDocs' log filter drops a message it printed before: a build time already seen is missing)
    logged = [float(s) for s in re.findall(r"Documentation built in ([\d.]+) seconds", log_path.read_text())][1:]
    builds = log_path.read_text().count("Building documentation") - 1
    return {"reload": times, "whole": whole, "reload cpu": cpu, "logged": logged, "builds": [float(builds)]}


def measure(code: Path | None, edits: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="handcalc-bench-serve-") as tmp:
        site = project(Path(tmp))
        cold, cold_cpu = build_time(site, code)
        warm, warm_cpu = build_time(site, code)
        served = reloads(site, code, edits)
    return {"cold": cold, "cold cpu": cold_cpu, "warm": warm, "warm cpu": warm_cpu, **served}


def export(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def seconds(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help=f"the earlier commit (default {BEFORE})")
    parser.add_argument("--edits", type=int, default=5, help="weight edits timed under mkdocs serve")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="handcalc-bench-before-") as old:
        before = measure(export(args.before, Path(old)), args.edits)
    after = measure(None, args.edits)
    rows = [
        ("serve: save → the browser shows the new number (median, min–max)", seconds(before["reload"]),
         seconds(after["reload"]), f"< {RELOAD_TARGET_S:g} s", statistics.median(after["reload"]) < RELOAD_TARGET_S),
        ("serve: save → the training page shows the new final weights", seconds(before["whole"]),
         seconds(after["whole"]), "", None),
        ("serve: CPU time of the server and its workers until then", seconds(before["reload cpu"]),
         seconds(after["reload cpu"]), "", None),
        ("serve: each build as MkDocs logs it (times not logged before)", seconds(before["logged"]),
         seconds(after["logged"]), "", None),
        ("serve: builds per edit", f"{before['builds'][0] / args.edits:g}", f"{after['builds'][0] / args.edits:g}",
         "", None),
        ("cold mkdocs build --strict", f"{before['cold']:.2f} s", f"{after['cold']:.2f} s", "", None),
        ("cold build, CPU time (all processes)", f"{before['cold cpu']:.2f} s", f"{after['cold cpu']:.2f} s", "",
         None),
        ("warm mkdocs build --strict (nothing changed)", f"{before['warm']:.2f} s", f"{after['warm']:.2f} s",
         f"< {WARM_TARGET_S:g} s", after["warm"] < WARM_TARGET_S),
        ("warm build, CPU time", f"{before['warm cpu']:.2f} s", f"{after['warm cpu']:.2f} s", "", None),
    ]
    headers = ("figure", f"before ({args.before})", "after (this tree)", "target", "")
    cells = [headers] + [(a, b, c, d, "" if ok is None else ("PASS" if ok else "MISS")) for a, b, c, d, ok in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(headers))]
    print(f"\nServe and build (issue 12), {args.edits} edits; load average before the run "
          f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    for i, r in enumerate(cells):
        print("  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
