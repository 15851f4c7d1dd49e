"""A cache of the site's work, keyed by content and kept between builds (``.cache/handcalc/``).

The work worth keeping: an example's pages (running, re-checking and rendering a spec;
:class:`ExampleMemo`), a page's HTML (MkDocs converting its Markdown; the plugin's
``on_page_markdown``/``on_page_content``), its search entries, and the finished page (the
theme's template rendered around it; the plugin's ``on_env``).  Each entry is found by a key that is the SHA-256
of everything its output depends on (see :func:`code_state` and the plugin), so a changed
input gives a new key and the old entry is simply never asked for again; after a successful
build the entries that build did not use are deleted (:meth:`Store.prune`).

Entries are JSON, one file each, written whole through :mod:`handcalc.core.atomic`.  A file
holds its kind, its key and the SHA-256 of its payload; one whose format, kind, key or
checksum does not match, or whose payload does not have the expected shape, is ignored
(logged) and rebuilt, never used.  Nothing is unpickled or evaluated: the worst a foreign
file can do is be ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
from collections.abc import Callable, Iterator, MutableMapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import resources
from ..core import atomic

log = logging.getLogger("mkdocs.plugins.handcalc")
FORMAT = "handcalc-cache-1"
KINDS = ("example", "html", "search", "page")
ENTRY = re.compile(r"[0-9a-f]{64}\.json")
MAX_ENTRY_BYTES = 64_000_000  # a larger file in the cache is not ours: ignored unread
DEPENDENCIES = ("PyYAML", "mpmath", "sympy", "numpy", "Jinja2")  # what the pages' text may depend on


def digest(*parts: Any) -> str:
    """SHA-256 of ``parts`` written as JSON (sorted keys; anything JSON cannot hold by :func:`describe`)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=describe, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_texts: dict[int, tuple[str, str]] = {}  # id → (the text, its SHA-256): a page's text is keyed more than once


def text_digest(text: str) -> str:
    """SHA-256 of ``text`` (UTF-8), for a key: a page's Markdown and HTML (up to a few hundred kB
    each) are hashed once per build, not written out as JSON into every key that holds them."""
    known = _texts.get(id(text))
    if known is not None and known[0] is text:
        return known[1]
    if len(_texts) >= 4096:
        _texts.clear()
    h = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    _texts[id(text)] = (text, h)
    return h


def describe(value: Any) -> str:
    """A value JSON cannot hold, as text that names it: a function by its qualified name, anything
    else by its type and ``repr`` (a ``repr`` holding an address differs in every process: no hit,
    never a wrong one)."""
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


@cache
def code_state(package: Path | None = None) -> str:
    """What every example's pages depend on besides its spec: handcalc's version and every file of
    the package (code, templates, assets; an edited template gives a new state), Python's version
    and the versions of the libraries that compute or write the numbers."""
    package = package or resources.PACKAGE
    h = hashlib.sha256()
    # (handcalc's version is in the package's __init__.py, hashed below with every other file)
    for part in (FORMAT, version("handcalc"), platform.python_version(),
                 *(f"{d}={version(d)}" for d in DEPENDENCIES)):
        h.update(part.encode() + b"\0")
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class Store:
    """The entries of one build: in memory (kept across the rebuilds of ``mkdocs serve``) and, with a
    ``folder``, on disk.  Counts what it found, made and refused (:attr:`counts`)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[tuple[str, str], Any] = {}
        self._used: set[tuple[str, str]] = set()
        self.counts: dict[str, int] = {}
        self._writable = True

    def start(self) -> None:
        """A new build begins: nothing used yet, counts at zero."""
        self._used.clear()
        _texts.clear()
        self.counts = {f"{kind} {what}": 0 for kind in KINDS for what in ("hit", "miss", "refused")}

    def _count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[f"{kind} {what}"] = self.counts.get(f"{kind} {what}", 0) + n

    def path(self, kind: str, key: str) -> Path | None:
        return None if self.folder is None else self.folder / kind / f"{key}.json"

    def get(self, kind: str, key: str, check: Callable[[Any], bool]) -> Any | None:
        """The payload of entry ``key``, or None when there is none or it fails any test
        (``check`` tests the payload's shape)."""
        if (kind, key) not in self._memory:
            payload = self._read(kind, key, check)
            if payload is None:
                self._count(kind, "miss")
                return None
            self._memory[kind, key] = payload
        self.touch(kind, key)
        return self._memory[kind, key]

    def touch(self, kind: str, key: str) -> None:
        """Entry ``key`` is used by this build (counted once as a hit)."""
        if (kind, key) not in self._used:
            self._used.add((kind, key))
            self._count(kind, "hit")

    def _read(self, kind: str, key: str, check: Callable[[Any], bool]) -> Any | None:
        path = self.path(kind, key)
        if path is None:
            return None
        try:
            if path.stat().st_size > MAX_ENTRY_BYTES:
                raise ValueError("too large")
            entry = json.loads(path.read_bytes().decode("utf-8"))
            if not (isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("kind") == kind
                    and entry.get("key") == key and isinstance(entry.get("payload"), str)):
                raise ValueError("not an entry of this kind and key")
            text = entry["payload"]
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != entry.get("sha256"):
                raise ValueError("checksum does not match")
            payload = json.loads(text)
            if not check(payload):
                raise ValueError("unexpected content")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, UnicodeError, RecursionError) as exc:
            self._count(kind, "refused")
            log.info(f"handcalc: ignored the cache entry {path} ({exc.__class__.__name__}: {exc}); rebuilding it")
            return None
        return payload

    def refuse(self, kind: str, key: str, why: str) -> None:
        """Entry ``key``, just got, does not fit after all (``why``): not counted as a hit, rebuilt."""
        if (kind, key) in self._used:
            self._used.discard((kind, key))
            self._count(kind, "hit", -1)
        self._memory.pop((kind, key), None)
        self._count(kind, "refused")
        log.info(f"handcalc: ignored the cache entry {self.path(kind, key) or key} ({why}); rebuilding it")

    def put(self, kind: str, key: str, payload: Any) -> None:
        """Keep ``payload`` under ``key`` (in memory, and on disk when there is a folder)."""
        self._memory[kind, key] = payload
        self._used.add((kind, key))
        path = self.path(kind, key)
        if path is None or not self._writable:
            return
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        entry = {"format": FORMAT, "kind": kind, "key": key,
                 "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "payload": text}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_file(path, json.dumps(entry, ensure_ascii=False))
        except OSError as exc:  # a cache that cannot be written only makes builds slower
            self._writable = False
            log.info(f"handcalc: the cache folder {self.folder} cannot be written ({exc.strerror or exc}); "
                     "building without keeping the results")

    def prune(self) -> None:
        """Forget the entries this build did not use, in memory and on disk (files of our own
        naming only, inside the kinds' folders)."""
        for k in set(self._memory) - self._used:
            del self._memory[k]
        if self.folder is None or not self._writable:
            return
        for kind in KINDS:
            try:
                names = os.listdir(self.folder / kind)
            except OSError:
                continue
            for name in names:
                if ENTRY.fullmatch(name) and (kind, name[:-5]) not in self._used:
                    try:
                        (self.folder / kind / name).unlink()
                    except OSError:
                        pass


class ExampleMemo(MutableMapping):
    """The memo :func:`handcalc.site.sitegen.collect` takes, backed by a :class:`Store`: a spec
    whose text, file and handcalc's :func:`code_state` match an entry is not run again.
    ``dump``/``load`` turn a collected example into JSON and back (``load`` returns None
    when the entry no longer fits, which counts as a miss)."""

    def __init__(self, store: Store, dump: Callable[[Any], Any], load: Callable[[Any, Any], Any],
                 check: Callable[[Any], bool], salt: str) -> None:
        self.store, self._dump, self._load, self._check, self.salt = store, dump, load, check, salt
        self._items: dict[str, Any] = {}  # by full key (:meth:`_key`)
        self._keys: dict[str, Any] = {}  # full key → the key collect gave

    def _key(self, key: Any) -> str:
        return digest("example", code_state(), self.salt, key)

    def __getitem__(self, key: Any) -> Any:
        full = self._key(key)
        if full in self._items:
            self.store.touch("example", full)
            return self._items[full]
        payload = self.store.get("example", full, self._check)
        item = None if payload is None else self._load(key, payload)
        if item is None:
            if payload is not None:
                self.store.refuse("example", full, "it does not fit the spec file now")
            raise KeyError(key)
        self._items[full] = item
        self._keys[full] = key
        return item

    def __contains__(self, key: object) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __setitem__(self, key: Any, item: Any) -> None:
        full = self._key(key)
        if self._items.get(full) is item:
            return
        self._items[full], self._keys[full] = item, key
        self.store.put("example", full, self._dump(item))

    def __delitem__(self, key: Any) -> None:
        fulls = [full for full, k in self._keys.items() if k == key]
        if not fulls:
            raise KeyError(key)
        for full in fulls:
            del self._items[full], self._keys[full]

    def __iter__(self) -> Iterator[Any]:
        return iter([self._keys[k] for k in self._items])

    def __len__(self) -> int:
        return len(self._items)
