"""Mutation testing of the core modules with mutmut: how many planted bugs the fast tests notice.

    .venv/bin/pip install -e '.[mutation]'          # once: mutmut
    .venv/bin/python bench/mutation.py              # every core module (long: see bench/README.md)
    .venv/bin/python bench/mutation.py functions display --minutes 20
    .venv/bin/python bench/mutation.py handcalc/core/spec.py   # any other module, by path

For each module it copies the repository into a scratch folder, tells mutmut (in that
copy's pyproject.toml) to mutate only that module and to judge each mutant with the fast
tests below, runs ``mutmut run``, and prints a line per module: mutants killed, survived,
timed out, with no covering test, and the score (killed + timed out) / checked.  Survivors
are listed by name; ``--show`` prints their diffs too.  A module that runs past
``--minutes`` is stopped and reported with the mutants checked so far (marked partial).

The repository itself is never touched.  Not part of ``.ci/run``: a full run takes hours on
a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the core modules, by the short name the command line takes, and their files
CORE = {"numbers": "handcalc/core/numbers.py", "functions": "handcalc/core/functions.py",
        "display": "handcalc/core/display.py", "engine": "handcalc/core/engine.py",
        "latex": "handcalc/equations/latex.py", "typst": "handcalc/equations/typst.py"}
#: the tests that judge a mutant: the fast in-process files (no site build, browser or CLI subprocess),
#: without moons' cases (each takes half a minute on a busy 2-core machine and runs for every survivor);
#: not test_worksheet.py (16 s; tests/test_latex_printer.py checks the symbols it would)
FAST_TESTS = ["tests/test_registry.py", "tests/test_numbers.py", "tests/test_display.py", "tests/test_engine_limits.py",
              "tests/test_golden.py", "tests/test_conventions.py",
              "tests/test_properties.py", "tests/test_check.py", "tests/test_render.py",
              "tests/test_page_recheck.py", "tests/test_latex_printer.py", "tests/test_typst.py"]
#: files left out of a module's run (by file): the Typst compiles hold up every mutant of the LaTeX printer
SKIP_TESTS = {"handcalc/equations/latex.py": ["tests/test_typst.py"]}
PYTEST_ARGS = ["-x", "-q", "-m", "not slow and not browser", "-k",
               "not built_site and not moons and not big_batch and not big_layer",  # the last two render moons
               "-p", "no:cacheprovider", "--hypothesis-seed=0", "-W", "ignore"]


def copy_repository(dest: Path) -> None:
    """The repository's files (tracked and new, not ignored; symbolic links as links) into ``dest``."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                                capture_output=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        shutil.copytree(ROOT, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".venv", "node_modules", "mutants", "site", ".git"))
        return
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_symlink():  # examples/ → handcalc/examples: kept a link (the copy's own package files)
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / name)
        elif src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def module_path(module: str) -> str:
    """The file of ``module``: a short name of ``CORE`` (``numbers``), a dotted name
    (``handcalc.core.spec``, ``core.spec``) or a path (``handcalc/core/spec.py``)."""
    if module in CORE:
        return CORE[module]
    name = module.removesuffix(".py").replace(".", "/").replace("\\", "/")
    if not name.startswith("handcalc/"):
        name = "handcalc/" + name
    return name + ".py"


def configure(work: Path, path: str) -> None:
    tests = [t for t in FAST_TESTS if (work / t).exists() and t not in SKIP_TESTS.get(path, ())]
    lines = ["", "[tool.mutmut]", 'source_paths = ["handcalc"]', f'only_mutate = ["{path}"]',
             f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
             f"pytest_add_cli_args = {json.dumps(PYTEST_ARGS)}",
             'also_copy = ["examples/", "docs/", "mkdocs.yml"]', ""]
    with open(work / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write("\n".join(lines))


def results(work: Path, path: str) -> dict[str, int | None]:
    """Exit code per mutant name, from mutmut's record (``None``: not checked yet)."""
    meta = work / "mutants" / f"{path}.meta"
    if not meta.exists():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def run_module(module: str, minutes: float, jobs: int) -> tuple[dict[str, int | None], bool, Path, Path]:
    path = module_path(module)
    work = Path(tempfile.mkdtemp(prefix=f"handcalc-mutmut-{Path(path).stem}-"))
    log = work.with_suffix(".log")
    copy_repository(work)
    configure(work, path)
    mutmut = Path(sys.executable).parent / "mutmut"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([str(mutmut), "run", "--max-children", str(jobs)], cwd=work, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "PYTHONHASHSEED": "0", "NO_MKDOCS_2_WARNING": "1"})
        try:
            proc.wait(timeout=minutes * 60)
            complete = True
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            complete = False
    return results(work, path), complete, work, log


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="*", default=list(CORE),
                    help=f"modules: {', '.join(CORE)} or a path such as handcalc/core/spec.py (default: all five)")
    ap.add_argument("--minutes", type=float, default=90, help="stop one module's run after this long")
    ap.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    ap.add_argument("--show", action="store_true", help="print each survivor's diff")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folders (for `mutmut browse`)")
    args = ap.parse_args(argv)
    try:
        from mutmut.stats import status_by_exit_code
    except ImportError:
        print("mutation: mutmut is not installed; run: .venv/bin/pip install -e '.[mutation]'", file=sys.stderr)
        return 2

    rows = []
    for module in args.modules:
        if not (ROOT / module_path(module)).exists():
            print(f"mutation: {module_path(module)} does not exist", file=sys.stderr)
            return 2
        start = time.monotonic()
        codes, complete, work, log = run_module(module, args.minutes, args.jobs)
        status = Counter(status_by_exit_code[c] for c in codes.values())
        killed = status["killed"] + status["timeout"] + status["caught by type check"]
        checked = killed + status["survived"] + status["no tests"] + status["suspicious"] + status["segfault"]
        score = 100 * killed / checked if checked else 0.0
        survivors = sorted(k for k, c in codes.items() if status_by_exit_code[c] in ("survived", "no tests"))
        rows.append((module, len(codes), checked, killed, status["survived"], status["no tests"], score, complete))
        print(f"{module:10} {killed:5} killed {status['survived']:4} survived {status['no tests']:4} untested "
              f"{status['timeout']:4} timeout  {score:5.1f} %  ({checked} of {len(codes)} mutants checked"
              f"{'' if complete else ', partial'}, {time.monotonic() - start:.0f} s; log {log})", flush=True)
        for name in survivors:
            print(f"    survived: {name}")
            if args.show:
                shown = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "show", name], cwd=work,
                                       capture_output=True, text=True)
                print("\n".join("      " + ln for ln in shown.stdout.splitlines()))
        if args.keep:
            print(f"    scratch folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print("\nmodule       mutants  checked  killed  survived  untested  score")
    for module, total, checked, killed, survived, untested, score, complete in rows:
        print(f"{module:12} {total:7} {checked:8} {killed:7} {survived:9} {untested:9}  {score:5.1f} %"
              f"{'' if complete else '  (partial)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
