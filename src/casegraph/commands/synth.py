"""``casegraph synth``: synthetic, deterministic case submissions for tests, benchmarks and demonstrations.

A thin layer over :func:`casegraph.synth.synthesize`. Exit codes: 0 written; 2 bad option (a negative
number of cases, a rate outside 0..1, an output folder that cannot be written or holds other files, a
profile that names unknown terms); 4 internal error. The generator is imported when the command runs, so
that ``casegraph --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from casegraph.commands.common import handle_errors as _handle_errors

#: The values of --format (casegraph.synth.FORMAT_CHOICES; tests/test_synth.py keeps the two equal).
FORMATS = ("case-json", "case-yaml", "phenopacket", "mixed")


@click.command()
@click.option("--cases", "n", type=click.IntRange(min=0), required=True, metavar="N",
              help="Number of cases to write (one file each).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, metavar="S",
              help="Seed: the same N, seed and options give byte-identical files.")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), required=True, metavar="DIR",
              help="Folder to write into: new, empty, or holding an earlier synth run (whose files are replaced).")
@click.option("--invalid-rate", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True, metavar="R",
              help="Share of cases (0..1) given one defect the SHACL shapes catch; the manifest names it.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="case-json", show_default=True,
              help="case-json, case-yaml or phenopacket (GA4GH v2) for every case, or mixed (shares from the profile).")
@click.option("--profile", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Distributions and templates to use instead of the shipped profile (casegraph/synth/profiles.yaml).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@_handle_errors
def synth(n: int, seed: int, out_dir: Path, invalid_rate: float, fmt: str, profile: Path | None, quiet: bool) -> None:
    """Write N synthetic, realistic case submissions into DIR, and DIR/manifest.jsonl.

    Drugs, targets, diseases, phenotypes, scales (ranges and direction), approvals (on- or off-label) and
    identifiers come from the reference data; ages, sexes, comorbidities, treatments and the course of the
    scores over time from the profile's distributions. Every case conforms to the shapes, except the share
    --invalid-rate breaks on purpose.

    The manifest (JSON Lines, so that `casegraph submit DIR` skips it) lists every file with its id,
    format, disease, drug, use and outcome, and for a broken one the defect and the violation validation
    must report (shape, field and location, as `casegraph validate --format json` names them).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from casegraph.synth import synthesize

    with Progress(TextColumn("synthesizing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  disable=quiet or n < 100, transient=True) as bar:
        task = bar.add_task("synth", total=n)
        summary = synthesize(n, seed, out_dir, invalid_rate, fmt, profile=profile,
                             progress=lambda done: bar.update(task, completed=done))
    click.echo(summary.to_text())
