"""The ``handcalc`` command line.  Every command has ``--help``.

A bad spec or request prints one line naming the field and exits with status 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from . import check as check_mod
from . import engine, export
from . import spec as spec_mod
from .errors import SpecError
from .trace import Trace
from .numbers import to_decimal_string


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except SpecError as exc:
        click.echo(f"handcalc: {exc}", err=True)
        sys.exit(2)


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


def display_options(f):
    f = click.option("--decimals", type=click.IntRange(0, spec_mod.LIMITS["decimals"]), default=None,
                     help="Override display.decimals.")(f)
    return click.option("--rounding", type=click.Choice(["exact", "hand"]), default=None,
                        help="Override display.rounding (hand: round every result before reuse).")(f)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the whole trace as one JSON object.")
@display_options
def run(spec: str, as_json: bool, rounding: str | None, decimals: int | None) -> None:
    """Run SPEC: train (or only run forward) and print a summary or the trace."""
    with _user_errors():
        s, trace = _run(spec, rounding, decimals)
    if as_json:
        click.echo(json.dumps(export.to_dict(trace), indent=1, ensure_ascii=False))
        return
    d = s.display.decimals
    click.echo(f"{s.title}: {'-'.join(map(str, s.sizes))} network, {s.display.rounding} numbers")
    if trace.steps:
        click.echo(f"updates: {len(trace.steps)} exact + {trace.float_steps} float64 "
                   f"({s.training.epochs} epochs, batch {s.training.batch_size})")
        click.echo(f"loss before the first update: {to_decimal_string(trace.steps[0].loss.value, d + 4)}")
    if trace.epoch_loss:
        click.echo(f"mean loss of the last epoch: {to_decimal_string(trace.epoch_loss[-1], d + 4)}")
    if trace.inference:
        for i, a in enumerate(trace.inference[-1].a):
            click.echo(f"sample {i + 1}: ŷ = [{', '.join(to_decimal_string(r.value, d + 4) for r in a)}]")
    if trace.accuracy is not None:
        click.echo(f"test accuracy: {float(trace.accuracy):.2%} ({len(trace.predictions)} samples)")


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--fd-steps", type=click.IntRange(min=0), default=None,
              help="Compare gradients with finite differences on only the first N steps (default: all).")
@display_options
def check(spec: str, fd_steps: int | None, rounding: str | None, decimals: int | None) -> None:
    """Re-check every displayed equation of SPEC and compare gradients with finite differences.

    Exits 0 when everything agrees, 1 when something does not, 2 for a bad spec."""
    with _user_errors():
        _, trace = _run(spec, rounding, decimals)
        report = check_mod.check(trace, fd_steps)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("base", type=click.Path(dir_okay=False))
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
    from .variants import write_new

    with _user_errors():
        s = spec_mod.load(base)
        bounds = {k: spec_mod.number(v, f"--{k}") for k, v in (("low", low), ("high", high)) if v is not None}
        write_new(s, seed, output, force, integers=integers or None, decimals=decimals, **bounds)
    click.echo(f"wrote {output}")


@main.command()
@click.option("--examples", "examples_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("examples"),
              show_default=True, help="Folder of specs (*.yaml).")
@click.option("--docs", "docs_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("docs"),
              show_default=True, help="The site's docs folder.")
@click.option("--folder", default="examples", show_default=True,
              help="Folder inside DOCS that handcalc owns and replaces (the generated pages).")
@click.option("--katex", "katex_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("node_modules/katex/dist"), show_default=True,
              help="KaTeX from npm, copied to DOCS/assets/katex.")
@click.option("--no-katex", is_flag=True, help="Do not copy KaTeX.")
def build(examples_dir: Path, docs_dir: Path, folder: str, katex_dir: Path, no_katex: bool) -> None:
    """Write the worked-example pages of every spec in EXAMPLES into DOCS/FOLDER.

    For site builders that do not run the handcalc MkDocs plugin (Zensical, say);
    `mkdocs serve` and `mkdocs build` regenerate the pages themselves."""
    from . import sitegen

    with _user_errors():
        collected = sitegen.collect(examples_dir)
        try:
            written = sitegen.write(sitegen.site_files(collected, folder), docs_dir, folder,
                                    None if no_katex else katex_dir)
        except ValueError as exc:
            raise SpecError("--folder", str(exc)) from None
    n = len(collected)
    click.echo(f"wrote {len(written)} files ({n} example{'' if n == 1 else 's'}) into {docs_dir / folder}")


if __name__ == "__main__":  # pragma: no cover
    main()
