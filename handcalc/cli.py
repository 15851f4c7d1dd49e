"""The ``handcalc`` command line.  Every command has ``--help``.

A bad spec or request prints one line naming the field and exits with status 2.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import NoReturn

import click

from .core import engine, export
from .core import spec as spec_mod
from .core.errors import SpecError
from .core.numbers import to_decimal_string
from .core.trace import Trace
from .escape import printable


def _fail(message: str, status: int = 2) -> NoReturn:
    """One line on stderr (control characters escaped) and the exit status."""
    click.echo(f"handcalc: {printable(message)}", err=True)
    sys.exit(status)


@contextmanager
def _user_errors() -> Iterator[None]:
    """A bad spec or request, an operating-system error (permission, missing or wrong kind
    of path, full disk) or Ctrl-C: one line on stderr, no traceback, exit status 2 (130)."""
    try:
        yield
    except SpecError as exc:
        _fail(str(exc))
    except OSError as exc:
        what = exc.strerror or exc.__class__.__name__
        _fail(f"{exc.filename}: {what}" if exc.filename else what)
    except KeyboardInterrupt:
        _fail("interrupted (files already in place were left as they were)", 130)


def _progress(total: int, label: str):
    """A progress bar on stderr for long runs (nothing for short ones)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="step", disable=total < 2000 or None, file=sys.stderr, leave=False)


def _run(path: str, rounding: str | None = None, decimals: int | None = None) -> tuple[spec_mod.Spec, Trace]:
    spec = spec_mod.load(path).with_display(rounding=rounding, decimals=decimals)
    with _progress(spec.total_updates, "training") as bar:
        trace = engine.run(spec, progress=bar.update)
    return spec, trace


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handcalc")
def main() -> None:
    """handcalc: exact, step-by-step worked examples of multi-layer perceptrons."""


def display_options(f, decimals_help: str = "Override display.decimals.",
                    rounding_help: str = "Override display.rounding (hand: round every result before reuse)."):
    f = click.option("--decimals", type=click.IntRange(0, spec_mod.LIMITS["decimals"]), default=None,
                     help=decimals_help)(f)
    return click.option("--rounding", type=click.Choice(["exact", "hand"]), default=None, help=rounding_help)(f)


@main.command()
@click.argument("spec", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the whole trace as one JSON object.")
@display_options
def run(spec: str, as_json: bool, rounding: str | None, decimals: int | None) -> None:
    """Run SPEC: train (or only run forward) and print a summary or the trace."""
    with _user_errors():
        s, trace = _run(spec, rounding, decimals)
    if as_json:
        click.echo(printable(json.dumps(export.to_dict(trace), indent=1, ensure_ascii=False), keep="\n"))  # valid JSON
        return
    d = s.display.decimals
    click.echo(f"{printable(s.title)}: {'-'.join(map(str, s.sizes))} network, {s.display.rounding} numbers")
    if trace.steps:
        click.echo(f"updates: {len(trace.steps)} exact + {trace.float_steps} float64 "
                   f"({s.training.epochs} epoch{'s' * (s.training.epochs != 1)}, batch {s.training.batch_size})")
        click.echo(f"loss before the first update: {to_decimal_string(trace.steps[0].loss.value, d + 4)}")
    if trace.epoch_loss:
        click.echo(f"mean loss of the last epoch: {to_decimal_string(trace.epoch_loss[-1], d + 4)}")
    if trace.inference:
        for i, a in enumerate(trace.inference[-1].a):
            click.echo(f"sample {i + 1}: ŷ = [{', '.join(to_decimal_string(r.value, d + 4) for r in a)}]")
    if trace.accuracy is not None:
        n = len(trace.predictions)
        click.echo(f"test accuracy: {float(trace.accuracy):.2%} ({n} sample{'s' * (n != 1)})")


@main.command()
@click.argument("spec", type=click.Path())
@click.option("--fd-steps", type=click.IntRange(min=0), default=None,
              help="Compare gradients with finite differences on only the first N steps (default: all).")
@display_options
def check(spec: str, fd_steps: int | None, rounding: str | None, decimals: int | None) -> None:
    """Re-check every printed line of SPEC's pages and every equation of its run, and compare
    gradients with finite differences.

    The pages are rendered and read back: each line of printed numbers joined by + − · and
    fractions is redone from the printed numbers.  Exits 0 when everything agrees, 1 when
    something does not, 2 for a bad spec."""
    from .site.render import render_example

    with _user_errors():
        _, trace = _run(spec, rounding, decimals)
        from .core import check as check_mod  # numpy: only this command needs it

        report = check_mod.check(trace, fd_steps)
        rendered = render_example(trace, report, "check")
    failed = len(rendered.line_failures)
    click.echo(f"{rendered.lines_checked} printed arithmetic lines redone from the pages, {failed} failed")
    for line in rendered.line_failures[:20]:
        click.echo(printable(str(line)))
    click.echo(report.summary())
    sys.exit(0 if report.ok and not failed else 1)


@main.command()
@click.argument("base", type=click.Path())
@click.option("--seed", type=click.IntRange(min=0), required=True, help="Seed for the new weights.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the new spec.")
@click.option("--integers", is_flag=True, help="Small whole-number weights (no calculator needed).")
@click.option("--low", type=str, default=None, help="Smallest weight (default: the base's init.low).")
@click.option("--high", type=str, default=None, help="Largest weight (default: the base's init.high).")
@click.option("--decimals", type=click.IntRange(0, 6), default=None, help="Decimals of each weight.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def new(base: str, seed: int, output: Path, integers: bool, low: str | None, high: str | None,
        decimals: int | None, force: bool) -> None:
    """Write a copy of BASE with fresh hand-friendly weights drawn from SEED."""
    from .core.variants import write_new

    with _user_errors():
        s = spec_mod.load(base)
        bounds = {k: spec_mod.number(v, f"--{k}") for k, v in (("low", low), ("high", high)) if v is not None}
        if bounds or decimals is not None:  # the bounds the variant will draw from must hold a number
            base = s.init
            spec_mod.check_init(spec_mod.Init(
                seed, bounds.get("low", base.low), bounds.get("high", base.high),
                base.decimals if decimals is None else decimals, integers or base.integers),
                "--low/--high" + ("" if integers else "/--decimals"), "--low", "--high")
        write_new(s, seed, output, force, integers=integers or None, decimals=decimals, **bounds)
    click.echo(f"wrote {printable(str(output))}")


@main.command()
@click.option("--examples", "examples_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("examples"),
              show_default=True, help="Folder of specs (*.yaml, *.yml).")
@click.option("--docs", "docs_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("docs"),
              show_default=True, help="The site's docs folder.")
@click.option("--folder", default="examples", show_default=True,
              help="Folder inside DOCS that handcalc owns and replaces (the generated pages).")
@click.option("--no-assets", "--no-katex", "no_assets", is_flag=True,
              help="Do not copy the pages' scripts, styles and KaTeX into DOCS/assets/handcalc.")
def build(examples_dir: Path, docs_dir: Path, folder: str, no_assets: bool) -> None:
    """Write the worked-example pages of every spec in EXAMPLES into DOCS/FOLDER.

    For site builders that do not run the handcalc MkDocs plugin (Zensical, say);
    `mkdocs serve` and `mkdocs build` regenerate the pages themselves.  The pages' scripts,
    styles and KaTeX go to DOCS/assets/handcalc (list them in the builder's configuration)."""
    from .site import sitegen

    with _user_errors():
        collected = sitegen.collect(examples_dir)
        if not collected:
            raise SpecError("--examples", f"{examples_dir} holds no *.yaml or *.yml specs; nothing was written "
                            f"(the pages in {docs_dir / folder} are left as they were)")
        try:
            written = sitegen.write(sitegen.site_files(collected, folder), docs_dir, folder,
                                    assets=not no_assets)
        except ValueError as exc:
            raise SpecError("--folder", str(exc)) from None
    n = len(collected)
    where = printable(str(docs_dir / folder))
    click.echo(f"wrote {len(written)} files ({n} example{'' if n == 1 else 's'}) into {where}")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Worked examples", show_default=True, help="The site's name.")
def init(directory: Path, title: str) -> None:
    """Start a course site in DIRECTORY: mkdocs.yml with the handcalc plugin, docs/index.md
    and the shipped example specs in examples/.

    Then `cd DIRECTORY && mkdocs serve` (needs `pip install 'handcalc[site]'`).
    Never overwrites a file: exits 2 if one exists."""
    from . import starter

    with _user_errors():
        written = starter.write(directory, title)
    where = printable(str(directory))
    site = importlib.util.find_spec("mkdocs") is not None
    click.echo(f"wrote {len(written)} files into {where}; next: cd {where} && mkdocs serve"
               + ("" if site else " (first: pip install 'handcalc[site]', for MkDocs and its theme)"))


@main.command()
@click.argument("spec", type=click.Path())
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the worksheets and keys (created if needed).")
@click.option("--scope", type=click.Choice(["forward", "loss", "step"]), default=None,
              help="forward pass | forward + loss | one full training step (default: the most the spec allows).")
@click.option("--variants", type=click.IntRange(1, 500), default=None,
              help="Make N variants with fresh weights, each with its own key, plus one combined key.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Base seed the variants' weights are drawn from (reproducible).")
@click.option("--integers", is_flag=True, help="Variants: small whole-number weights (no calculator needed).")
@click.option("--weight-decimals", type=click.IntRange(0, 6), default=None,
              help="Variants: decimals of each drawn weight (default: the spec's init.decimals).")
@click.option("--inputs", is_flag=True, help="Variants: draw the training inputs again too.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@partial(display_options, decimals_help="Decimals of every result (default 2; a worksheet does not use the spec's "
                                        "display.decimals).",
         rounding_help="hand (the default: every result rounded before it is used again, so a calculator gives "
                       "the key's numbers) or exact; a worksheet does not use the spec's display.rounding.")
def worksheet(spec: str, output: Path, scope: str | None, variants: int | None, seed: int, integers: bool,
              weight_decimals: int | None, inputs: bool, paper: str, fmt: str, force: bool, rounding: str | None,
              decimals: int | None) -> None:
    """Write a printable worksheet of SPEC (a blank box for every result) and its answer key.

    Results are rounded by hand to 2 decimals unless --rounding/--decimals say otherwise.
    PDFs are typeset by Typst (no browser needed); --format html writes HTML pages instead.
    Exits 2 for a bad request, 1 when PDFs cannot be made (nothing is written then)."""
    from tqdm import tqdm

    from .equations.latex import LATEX
    from .equations.typst import TYPST
    from .escape import slug
    from .worksheets import model as ws_mod
    from .worksheets import typeset
    from .worksheets.output import Clash, documents, write

    with _user_errors():
        if variants is None and (integers or inputs or weight_decimals is not None):
            raise SpecError("--integers/--inputs/--weight-decimals", "only apply with --variants N")
        s = spec_mod.load(spec)
        dialect = TYPST if fmt == "pdf" else LATEX
        bar = tqdm(total=variants or 1, desc="variants", unit="variant", disable=(variants or 0) < 3 or None,
                   file=sys.stderr, leave=False)
        with bar:
            if variants is None:
                sheets = [ws_mod.make(s, scope, rounding, decimals, where=spec, dialect=dialect)]
            else:
                sheets = ws_mod.make_variants(s, variants, seed, scope, integers=integers or None,
                                              weight_decimals=weight_decimals, inputs=inputs, rounding=rounding,
                                              decimals=decimals, where=spec, progress=bar.update, dialect=dialect)
        docs = documents(sheets, slug(Path(spec).stem, "worksheet"))
        try:
            with tqdm(total=len(docs), desc=fmt.upper(), unit="file", file=sys.stderr,
                      disable=(variants or 0) < 3 or None, leave=False) as bar:
                files = write(docs, output, fmt, paper, force, progress=bar.update)
        except Clash as exc:
            _fail(str(exc))
        except typeset.PdfError as exc:
            _fail(f"no PDF written: {exc}", 1)
    sheet = sheets[0]
    what = f"{len(sheets)} variants" if variants else "a worksheet"
    click.echo(f"{what} of '{printable(s.title)}' ({ws_mod.SCOPE_TITLES[sheet.scope]}, {len(sheet.lines)} results"
               f"{f', rounded to {sheet.decimals} decimals' if sheet.hand else ''}): "
               f"{sum(1 for f in files if f.suffix == '.' + fmt)} {fmt.upper()} files in {printable(str(output))}")


if __name__ == "__main__":  # pragma: no cover
    main()
