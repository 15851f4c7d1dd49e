"""``handcalc init DIR``: a new course site that ``mkdocs serve`` turns into worked examples at once.

It writes ``mkdocs.yml`` (Material theme, the ``handcalc`` plugin with its defaults),
``docs/index.md`` and the shipped example specs in ``examples/``.  It never overwrites a
file: if any of them exists, nothing is written and :class:`SpecError` names the first one.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from . import resources
from .core import spec
from .core.errors import SpecError

MKDOCS_YML = """\
# A course site with worked examples made by handcalc.
#   mkdocs serve           live preview on http://127.0.0.1:8000 (saving a spec rebuilds the pages)
#   mkdocs build --strict  the static site in site/
# The handcalc plugin runs every spec of examples/ and adds the pages under "Worked examples";
# it also adds KaTeX, its styles and the Markdown extensions the pages need, and keeps its results
# in .cache/handcalc/ so that a build with nothing changed is quick (safe to delete; not for git).
site_name: {title}
strict: true

theme:
  name: material
  font: false  # no Google Fonts: the site works without a network
  features:
    - navigation.sections
    - navigation.indexes

plugins:
  - search
  - handcalc  # options, with their defaults: examples: examples, folder: examples, nav_title: Worked examples

nav:
  - Home: index.md
  - Worked examples: examples/index.md
"""

INDEX_MD = """\
# {title}

Worked examples of multi-layer perceptrons, every number exact and every step written out.

- Each spec in `examples/` becomes one worked example: forward pass, loss, backward pass,
  weight update, a worksheet and its answer key.
- Edit a spec while `mkdocs serve` runs and its pages are rebuilt when you save it.
- `handcalc new examples/golf.yaml --seed 7 -o examples/golf-7.yaml` adds a copy with fresh weights.
- `handcalc check examples/golf.yaml` re-checks every equation of an example.

Write your own pages next to this one in `docs/`; the folder `docs/examples/` belongs to
handcalc (the build stops if you put a page there).
"""


def files(title: str = "Worked examples") -> dict[str, str]:
    """The new site's files, by path relative to its folder.  The title is checked like a spec's
    (one line, no control characters) and written as a quoted YAML string and, HTML escaped,
    as the home page's heading."""
    title = spec.text(title, "--title", line=True, blank=False)
    out = {"mkdocs.yml": MKDOCS_YML.format(title=json.dumps(title, ensure_ascii=False)),
           "docs/index.md": INDEX_MD.format(title=html.escape(title, quote=False))}
    for path in sorted(resources.EXAMPLES.glob("*.yaml")):
        out[f"examples/{path.name}"] = path.read_text(encoding="utf-8")
    return out


def write(directory: Path, title: str = "Worked examples") -> list[Path]:
    """Write the starter site into ``directory`` (created if needed); refuse if a file exists."""
    todo = {directory / rel: text for rel, text in files(title).items()}
    existing = [p for p in todo if p.exists() or p.is_symlink()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise SpecError(str(existing[0]), f"already exists{more}; handcalc init never overwrites a file")
    for path, text in todo.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(todo)
