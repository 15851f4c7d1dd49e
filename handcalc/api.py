"""The Python API (re-exported by :mod:`handcalc`): load a spec, run it, show its pages.

    >>> import handcalc
    >>> run = handcalc.run("examples/candy-bar.yaml")
    >>> run.page("forward")       # in Jupyter: the forward pass, typeset

* :func:`load` — a :class:`~handcalc.core.spec.Spec` from a file path, YAML text or a dict
  (numbers exactly as written; a float is read as the decimal text Python prints for it).
* :func:`run` — a :class:`Run`: the spec, its trace (every recorded equation) and, on
  demand, the re-check report and the worked-example pages.
* :class:`Run` and :class:`NotebookPage` display themselves in Jupyter (``_repr_markdown_``):
  the run shows its training step (forward pass, loss, backward pass, update), a page shows
  itself.  The site's folds become ``<details>`` elements; the math is the site's LaTeX.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .core import check as check_mod
from .core import engine
from .core import spec as spec_mod
from .core.check import Report
from .core.errors import SpecError
from .core.spec import Spec
from .core.trace import Trace
from .pages import Rendered

STEP_PAGES = ("forward", "loss", "backward", "update")  # what a run shows of itself


def load(source: Spec | Mapping[str, Any] | str | Path) -> Spec:
    """A checked spec from a file path, YAML text (any string holding a line break) or a dict
    such as ``yaml.safe_load`` returns.  Raises :class:`~handcalc.core.errors.SpecError`."""
    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        return spec_mod.parse(dict(source))
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and (source.endswith((".yaml", ".yml")) or Path(source).is_file())):
        return spec_mod.load(source)
    if isinstance(source, str):
        data = spec_mod.read_yaml(source)
        if isinstance(data, Mapping):
            return spec_mod.parse(data)
    raise SpecError("spec", f"expected a spec file's path, YAML text or a dict, got {source!r:.60}")


def run(source: Spec | Mapping[str, Any] | str | Path, *, rounding: str | None = None,
        decimals: int | None = None) -> Run:
    """Load ``source`` (see :func:`load`), run it and return the :class:`Run`.
    ``rounding`` (``"exact"`` or ``"hand"``) and ``decimals`` override the spec's ``display``."""
    if rounding is not None:
        spec_mod.choice(rounding, "rounding", ["exact", "hand"])
    if decimals is not None:
        spec_mod.integer(decimals, "decimals", 0, spec_mod.LIMITS["decimals"])
    spec = load(source).with_display(rounding=rounding, decimals=decimals)
    return Run(spec, engine.run(spec))


@dataclass(frozen=True)
class NotebookPage:
    """One page of a worked example: ``markdown`` is the site's text (MkDocs Markdown with
    pymdown-extensions); in Jupyter the page shows itself."""

    name: str  # "index", "forward", "loss", "backward", "update", "training", "check", "worksheet", "answers"
    title: str
    markdown: str
    images: Mapping[str, bytes]  # the example's images, by file name ("network.svg")

    def __repr__(self) -> str:
        return f"<handcalc page {self.name!r}: {self.title}>"

    def _repr_markdown_(self) -> str:
        return notebook_markdown(self.markdown, self.images)


@dataclass(frozen=True)
class Run:
    """A spec and its trace.  ``run.pages`` are the worked-example pages, ``run.report`` the re-check."""

    spec: Spec
    trace: Trace

    @cached_property
    def report(self) -> Report:
        """Every displayed equation re-checked and the gradients compared with finite differences."""
        return check_mod.check(self.trace)

    @cached_property
    def rendered(self) -> Rendered:
        from .escape import slug
        from .site.sitegen import PRODUCERS, Example, merge

        example = Example(Path(self.spec.title), slug(self.spec.title, "example"), self.trace, self.report)
        return merge(example.slug, [make(example) for make in PRODUCERS])

    @property
    def pages(self) -> tuple[NotebookPage, ...]:
        """The site's pages of this example, overview first."""
        images = {a.path: a.data for a in self.rendered.assets}
        return tuple(NotebookPage(p.path.removesuffix(".md"), p.title, p.markdown, images)
                     for p in self.rendered.pages)

    def page(self, name: str) -> NotebookPage:
        """One page by name: ``index`` (overview), ``forward``, ``loss``, ``backward``, ``update``,
        ``training``, ``check``, ``worksheet`` or ``answers``."""
        pages = {p.name: p for p in self.pages}
        if name not in pages:
            raise SpecError("page", f"expected one of {', '.join(pages)}, got {name!r}")
        return pages[name]

    def __repr__(self) -> str:
        shape = "-".join(map(str, self.spec.sizes))
        what = (f"{len(self.trace.steps)} exact step{'s' if len(self.trace.steps) != 1 else ''}"
                + (f" + {self.trace.float_steps} float64" if self.trace.float_steps else "")
                if self.trace.steps else "forward pass only")
        return f"<handcalc run {self.spec.title!r}: {shape} network, {what}>"

    def _repr_markdown_(self) -> str:
        shown = [p for p in self.pages if p.name in STEP_PAGES] or [self.page("forward")]
        return "\n\n---\n\n".join(p._repr_markdown_() for p in shown)


# ---------------------------------------------------------------------------
# MkDocs Markdown → notebook Markdown

_BLOCK = re.compile(r'^(\?\?\?\+?|!!!) *([\w-]+)(?: +"(.*)")? *$')
_ATTRS = re.compile(r"\s*\{:?\s*[.#][^}]*\}\s*$")


def notebook_markdown(markdown: str, images: Mapping[str, bytes] | None = None) -> str:
    """The site's Markdown as Jupyter shows it: folds (``???``) become ``<details>``, notes
    (``!!!``) block quotes, attribute lists and ``markdown`` attributes go, and images of the
    example are inlined as data URLs.  Math (``$…$``, ``$$`` blocks) stays as it is."""
    lines = markdown.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _BLOCK.match(line)
        if not m:
            line = re.sub(r"(<\w+[^>]*?) markdown(=\"1\")?>", r"\1>", line)
            out.append(_ATTRS.sub("", line) if line.startswith("#") else line)
            i += 1
            continue
        body = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
            body.append(lines[i][4:])
            i += 1
        inner = notebook_markdown("\n".join(body).strip("\n"), images)
        title = m.group(3) or m.group(2).capitalize()
        if m.group(1).startswith("???"):
            opened = " open" if m.group(1).endswith("+") else ""
            out += [f"<details{opened}><summary>{title}</summary>", "", inner, "", "</details>", ""]
        else:
            out += [f"> **{title}**", ">"] + [f"> {ln}".rstrip() for ln in inner.split("\n")] + [""]
    text = "\n".join(out)
    for name, data in (images or {}).items():
        if name.endswith(".svg"):
            url = "data:image/svg+xml;base64," + base64.b64encode(data).decode()
            text = text.replace(f"]({name})", f"]({url})")
    return text
