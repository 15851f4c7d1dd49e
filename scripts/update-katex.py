#!/usr/bin/env python3
"""Refresh the KaTeX copy shipped in the package (handcalc/assets/katex/) from the npm registry.

    python scripts/update-katex.py            # the version named in handcalc/assets/katex/VERSION
    python scripts/update-katex.py 0.19.2     # another version

Downloads the package's tarball from registry.npmjs.org (no npm needed), checks it against
the registry's sha512 integrity, keeps only what the pages load (katex.min.js,
katex.min.css, contrib/auto-render.min.js, fonts/) and the licence, and writes
VERSION and SHA256SUMS (checked by tests/test_packaging.py).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org/katex"
DEST = Path(__file__).resolve().parent.parent / "handcalc" / "assets" / "katex"
KEEP = ("dist/katex.min.js", "dist/katex.min.css", "dist/contrib/auto-render.min.js", "dist/fonts/", "LICENSE")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def target(name: str) -> str | None:
    """Where a tarball member goes in DEST (None: not kept)."""
    rel = name.removeprefix("package/")
    if not any(rel == k or (k.endswith("/") and rel.startswith(k)) for k in KEEP):
        return None
    return rel.removeprefix("dist/")


def sums(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    return "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}\n"
                   for p in files)


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else (DEST / "VERSION").read_text().strip()
    meta = json.loads(fetch(f"{REGISTRY}/{version}"))
    data = fetch(meta["dist"]["tarball"])
    algo, want = meta["dist"]["integrity"].split("-", 1)
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != want:
        sys.exit(f"update-katex: the tarball of katex {version} does not match the registry's integrity")
    if DEST.exists():
        shutil.rmtree(DEST)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            rel = target(member.name)
            if rel is None or not member.isfile():
                continue
            out = DEST / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())
    (DEST / "VERSION").write_text(version + "\n")
    (DEST / "SHA256SUMS").write_text(sums(DEST))
    print(f"update-katex: katex {version} in {DEST}")


if __name__ == "__main__":
    main()
