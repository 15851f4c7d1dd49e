"""Writing output so that a failure (full disk, Ctrl-C, a bad spec found late) loses nothing.

Everything is first written into a hidden staging folder beside its destination and only
moved into place once complete, with :func:`os.replace` (atomic within one file system):

* :func:`write_file` — one file (``handcalc new``); a symbolic link at the destination is
  replaced itself, never followed;
* :func:`staged` — a staging folder next to ``near`` for a set of files, removed on exit
  whatever happened (``handcalc worksheet``, ``handcalc build``);
* :func:`swap_folder` — a staged folder put in the place of a whole folder (the old one is
  kept until the new one is in place);
* :func:`move_into` — staged files moved into an existing folder one by one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import SpecError

PREFIX = ".handcalc-tmp-"


def nearest_folder(path: Path) -> Path:
    """``path`` itself if it is a folder, else its closest ancestor that is one."""
    p = path.absolute()
    while not p.is_dir():
        p = p.parent
    return p


@contextmanager
def staged(near: Path) -> Iterator[Path]:
    """A fresh, empty staging folder in ``near`` (or its closest existing ancestor); removed
    afterwards.  A folder nothing can be written into is a :class:`SpecError` naming ``near``."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=PREFIX, dir=nearest_folder(near)))
    except OSError as exc:
        raise SpecError(str(near), f"cannot be written ({exc.strerror or exc.__class__.__name__})") from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_file(path: Path, data: str | bytes) -> None:
    """Write ``path`` completely, then move it into place (never a half-written file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=PREFIX, dir=path.absolute().parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def swap_folder(new: Path, target: Path) -> None:
    """Put the complete folder ``new`` where ``target`` is (or is not yet); the old
    ``target`` is moved aside first and deleted only once ``new`` is in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists() or target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=PREFIX, dir=target.parent)) / "old"
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)


def move_into(staging: Path, folder: Path) -> list[Path]:
    """Move every file of ``staging`` to the same place under ``folder`` (created if needed)."""
    moved = []
    for src in sorted(p for p in staging.rglob("*") if p.is_file()):
        dest = folder / src.relative_to(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
        moved.append(dest)
    return moved
