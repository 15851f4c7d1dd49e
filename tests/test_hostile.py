"""Every case of ``tests/hostile_cases.py``, run in-process (click's ``CliRunner``; the
``serve`` cases call the MkDocs plugin as ``mkdocs serve`` does).

For each case: the exit status; the message holding the expected piece (the field, for a
refusal) on one line starting with ``handcalc:``; no traceback; no raw control or format
character in the output; the time bound (an alarm stops a case that hangs); and for a
failing case, the case's folder exactly as before (nothing written, changed, lost or left
behind), for a successful one the files it must write and no staging folder left over.
"""

from __future__ import annotations

import errno
import hashlib
import html
import logging
import os
import pathlib
import signal
import time
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hostile_cases import CASES, Case

from handcalc.cli import main
from handcalc.site.plugin import HandcalcPlugin

ROOT = Path(__file__).resolve().parent.parent
MISSING = "missing-target"  # where a dangling link points: must never come to exist


class TookTooLong(BaseException):
    """Raised by the alarm; a BaseException so that no handler of handcalc's catches it."""


def _prepare(case: Case, tmp: Path) -> None:
    if case.spec is not None:
        (tmp / "spec.yaml").write_text(case.spec, encoding="utf-8")
    for rel, value in case.files.items():
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if value == "<folder>":
            p.mkdir(exist_ok=True)
        elif value == "<fifo>":
            os.mkfifo(p)
        elif value == "<dangling>":
            p.symlink_to(tmp / MISSING)
        elif value == "<link to /dev/zero>":
            p.symlink_to("/dev/zero")
        elif isinstance(value, bytes):
            p.write_bytes(value)
        else:
            p.write_text(value, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every path under ``folder``: its kind and contents (links not followed)."""
    out: dict[str, tuple] = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("folder",)
            elif p.is_file():
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
            else:
                out[rel] = ("other",)
    return out


def _fault(monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    if case.fault is None:
        return
    f = case.fault
    calls = {"n": 0}
    real = {"write_text": pathlib.Path.write_text, "replace": os.replace}[f.target]

    def broken(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == f.nth:
            if f.error == "interrupt":
                raise KeyboardInterrupt
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[0]))
        return real(*args, **kwargs)

    if f.target == "write_text":
        monkeypatch.setattr(pathlib.Path, "write_text", broken)
    else:
        monkeypatch.setattr(os, "replace", broken)


def _cli(case: Case, tmp: Path) -> tuple[int, str, str]:
    fill = {"spec": str(tmp / "spec.yaml"), "tmp": str(tmp),
            "examples": str(tmp / "examples"), "docs": str(tmp / "docs")}
    args = [a.format(**fill) for a in case.args]
    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the test fails with it
    return result.exit_code, result.stdout, result.stderr


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _serve(case: Case, tmp: Path) -> tuple[int, str, str]:
    """The plugin as ``mkdocs serve`` runs it: on_config must return; gives (0, the text of
    every page, the log)."""
    plugin = HandcalcPlugin()
    errors, _ = plugin.load_config({"examples": str(tmp / "examples"), "workers": 1, "cache": False})
    assert not errors, errors
    plugin.on_startup(command="serve", dirty=False)
    handler = _Log()
    logger = logging.getLogger("mkdocs.plugins")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        config = SimpleNamespace(nav=None, markdown_extensions=[], mdx_configs={}, extra_css=[], extra_javascript=[],
                                 theme=None)
        for event in HandcalcPlugin.on_config.methods:  # (as MkDocs runs a combined event, by priority)
            event(plugin, config)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    pages = "\n".join(html.unescape(p.markdown) for c in plugin._collected for p in c.rendered.pages)
    assert all(c.rendered.pages for c in plugin._collected)
    return 0, pages, "\n".join(handler.lines)


def _alarm(signum, frame):
    raise TookTooLong


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.cls}: {c.id}") for c in CASES])
def test_hostile(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = tmp_path / "case"
    tmp.mkdir()
    _prepare(case, tmp)
    before = snapshot(tmp)
    _fault(monkeypatch, case)
    monkeypatch.chdir(tmp)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, case.seconds)
    start = time.monotonic()
    try:
        status, out, err = (_serve if case.cls == "serve" else _cli)(case, tmp)
    except TookTooLong:
        pytest.fail(f"took longer than {case.seconds} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    elapsed = time.monotonic() - start
    assert elapsed <= case.seconds
    assert status == case.status, (out, err)
    assert "Traceback" not in out + err
    raw = [c for c in out + err if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t"]
    assert not raw, f"raw control characters {raw[:5]} in the output"
    for bad in case.not_in_output:
        assert bad not in out + err
    if case.cls != "serve" and status != 0:
        lines = err.strip().splitlines()
        usage = lines and lines[0].startswith("Usage:")
        assert usage or (1 <= len(lines) <= 2 and lines[0].startswith("handcalc: ")), err
        assert case.says in err, err
        assert snapshot(tmp) == before, "a failing command changed its folder"
    else:
        assert case.says in (out + err if case.cls == "serve" else out), out
        for pattern in case.writes:
            assert list(tmp.glob(pattern)), f"{pattern} was not written"
        assert not list(tmp.rglob(".handcalc-tmp-*")), "a staging folder was left behind"
    assert not (tmp / MISSING).exists(), "a dangling link was followed"
