"""Typst documents → PDF files with the ``typst`` package.

:func:`pdf` compiles one document in this process.  :func:`write` compiles many, side by side
in worker processes (one per CPU core): each is this module run as a program
(``python -m handcalc.worksheets.compiler``), handed its documents as JSON on standard input,
so a worker loads nothing but the compiler — and nothing of the caller's program, which a
forked or spawned ``multiprocessing`` worker would (forking a process whose Typst threads
have run is not safe either).  A document takes Typst about 0.1–0.2 s of one core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path


class PdfError(Exception):
    """A PDF cannot be made: Typst is not installed, or a document did not typeset."""


def missing() -> list[str]:
    """What must be installed before PDFs can be made (empty: nothing)."""
    try:
        import typst  # noqa: F401
    except ImportError:
        return ["the Typst compiler is not installed: run `pip install 'handcalc[pdf]'` "
                "(or `bash scripts/setup.sh` in a checkout)"]
    return []


def pdf(src: str) -> bytes:
    """The PDF of a Typst document (the fonts the compiler embeds only: the same file on any machine)."""
    problems = missing()
    if problems:
        raise PdfError("; ".join(problems))
    import typst

    try:
        return typst.compile(src.encode("utf-8"), format="pdf", ignore_system_fonts=True)
    except typst.TypstError as exc:  # a bug of ours, not of the spec: say where
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PdfError(f"Typst could not typeset the document: {first}") from None


def write(jobs: Sequence[tuple[Path, str]], progress: Callable[[int], None] | None = None,
          workers: int | None = None) -> None:
    """Compile each ``(path, Typst source)`` into ``path``; ``workers`` processes (default: one per
    CPU core) when there are several documents; ``progress(1)`` after each."""
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        for path, src in jobs:
            path.write_bytes(pdf(src))
            if progress:
                progress(1)
        return
    problems = missing()
    if problems:
        raise PdfError("; ".join(problems))
    largest_first = sorted(jobs, key=lambda job: len(job[1]), reverse=True)  # the combined key is the longest
    package_root = str(Path(__file__).resolve().parents[2])  # the handcalc this process runs
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    procs = [subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
             for _ in range(workers)]
    errors: list[str] = []

    def feed(proc: subprocess.Popen, batch: list[tuple[Path, str]]) -> None:
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps([[str(p), s] for p, s in batch]))
        proc.stdin.close()
        for line in proc.stdout:
            if line.startswith("error "):
                errors.append(line[6:].strip())
            elif progress:
                progress(1)

    threads = [threading.Thread(target=feed, args=(proc, largest_first[k::workers]), daemon=True)
               for k, proc in enumerate(procs)]
    for t in threads:
        t.start()
    for t, proc in zip(threads, procs):
        t.join()
        stderr = (proc.stderr.read() if proc.stderr else "").strip()
        if proc.wait() != 0 and not errors:
            errors.append(stderr.splitlines()[-1] if stderr else f"a worker exited with status {proc.returncode}")
    if errors:
        raise PdfError(errors[0])


def _worker() -> None:
    """Read ``[[path, source], …]`` from standard input; write each PDF; a line per document."""
    for path, src in json.load(sys.stdin):
        try:
            Path(path).write_bytes(pdf(src))
        except PdfError as exc:
            print(f"error {exc}", flush=True)
            sys.exit(1)
        print("done", flush=True)


if __name__ == "__main__":
    _worker()
