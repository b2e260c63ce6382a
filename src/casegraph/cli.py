"""The ``casegraph`` command: a thin layer over the Python API.

Exit codes: 0 success; 1 validation violations; 2 usage or input error (unknown query or term, missing
parameter, unreadable file, SPARQL syntax error); 3 store error; 4 unexpected internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casegraph.commands.common import StoreSpec, open_graph
from casegraph.commands.common import handle_errors as _handle_errors
from casegraph.commands.common import progress as _progress
from casegraph.commands.common import store_option as _store_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="casegraph")
def main() -> None:
    """casegraph: a clinical knowledge graph of drug case reports.

    Build the graph, run stored SPARQL queries, validate case files and explore drug-mechanism links.
    Exit codes: 0 ok, 1 validation violations, 2 usage/input error, 3 store error, 4 internal error.
    """


@main.command()
@_store_option
@click.option("--quiet", "-q", is_flag=True, help="Do not report progress.")
@_handle_errors
def build(store_path: StoreSpec, quiet: bool) -> None:
    """(Re)create the store from the ontology, reference data and cases; idempotent.

    The cases are validated first; if any violates the shapes, nothing is written (exit 1).
    """
    say = None if quiet else _progress()
    if store_path.endpoint:
        from casegraph.remote import RemoteStore
        from casegraph.store import build_on_server

        with open_graph(store_path, require_built=False) as remote:
            assert isinstance(remote, RemoteStore)
            summary = build_on_server(remote, progress=say)
    else:
        from casegraph.store import build as do_build

        summary = do_build(store_path.path, progress=say)
    click.echo(f"store: {summary.location}")
    click.echo(f"triples: {summary.triples:,}")
    for graph, count in sorted(summary.graphs.items()):
        click.echo(f"  {count:>7,}  {graph}")


@main.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_handle_errors
def queries_cmd(fmt: str) -> None:
    """List the stored queries with their summary and parameters."""
    import json

    from casegraph.queries import list_queries, query_catalogue

    if fmt == "json":
        click.echo(json.dumps(query_catalogue(with_text=False), indent=2))
        return
    items = list_queries()
    for q in items:
        click.echo(f"{q.name}\n    {q.summary}")
        for p in q.parameters:
            req = "required" if p.required else "optional"
            default = f", default {p.default}" if p.default else ""
            doc = f": {p.description}" if p.description else ""
            click.echo(f"    -p {p.name}=<{p.type}>  ({req}{default}){doc}")


@main.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="Output format: a table for people, SPARQL JSON/CSV/TSV results for tools.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@_store_option
@_handle_errors
def query(name: str, params: tuple[str, ...], fmt: str, output: Path | None, store_path: StoreSpec) -> None:
    """Run a stored query NAME (see 'casegraph queries') or a SPARQL file FILE.rq."""
    from casegraph.errors import UsageError
    from casegraph.formats import render
    from casegraph.queries import find_query, run_query

    values: dict[str, str] = {}
    for item in params:
        if "=" not in item:
            raise UsageError(f"parameter {item!r} must be NAME=VALUE")
        key, value = item.split("=", 1)
        values[key.strip()] = value.strip()
    stored = find_query(name)
    with open_graph(store_path, progress=_progress()) as store:
        result = run_query(store, stored, values)
    text = render(result, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))


INPUT_FORMAT_HELP = ("Format of the input when extension and content do not tell: turtle, ntriples, rdfxml, jsonld, "
                     "case-json, case-yaml, phenopacket.")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True,
              help="Report format: text for curators, JSON or a SHACL sh:ValidationReport in Turtle for tools.")
@click.option("--input-format", help=INPUT_FORMAT_HELP)
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse files larger than this (default 50 MB).")
@click.option("--profile", type=click.Choice(["submission", "seed"]), default="submission", show_default=True,
              help="submission: shapes, intake shapes and the graph; seed: the curated data/cases files as a build checks them.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="sparql: the shapes compiled to SPARQL (fast); pyshacl: the reference SHACL engine (slow, same results).")
@_store_option
@_handle_errors
def validate(files: tuple[Path, ...], fmt: str, input_format: str | None, max_bytes: int | None, profile: str,
             engine: str, store_path: StoreSpec) -> None:
    """Validate case FILES (any accepted format) against the shapes and the graph, without storing them.

    Exit 0 all conform (warnings allowed), 1 violations, 2 unreadable input.
    """
    from casegraph.rdfio import DEFAULT_MAX_BYTES
    from casegraph.readers import read_submission
    from casegraph.validate import validate_submissions

    if profile == "seed":
        from casegraph.validate import validate_files

        report = validate_files(list(files), input_format, profile="seed", engine=engine)
    else:
        subs = [read_submission(p, input_format, max_bytes or DEFAULT_MAX_BYTES) for p in files]
        with open_graph(store_path, progress=_progress()) as store:
            report = validate_submissions(subs, store, engine=engine)
    if fmt == "json":
        click.echo(report.to_json())
    elif fmt == "turtle":
        click.echo(report.to_turtle())
    else:
        click.echo(report.to_text())
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--input-format", help=INPUT_FORMAT_HELP)
@click.option("--rejects", type=click.Path(path_type=Path), help="Write the report of rejected files here.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Summary format.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--batch-size", type=click.IntRange(min=1), default=250, show_default=True,
              help="Files validated and written together (each still whole); a killed run loses at most the batch in progress.")
@_store_option
@_handle_errors
def submit(paths: tuple[Path, ...], input_format: str | None, rejects: Path | None, fmt: str, quiet: bool,
           batch_size: int, store_path: StoreSpec) -> None:
    """Validate and store case submissions: FILES and/or folders (searched recursively).

    Each conforming file goes in whole, in a named graph of its own with its provenance; a file with
    violations leaves the store untouched; the same content twice is stored once. Bad files never stop
    the run. Exit 0 all accepted (or already present), 1 some rejected, 2 some unreadable.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from casegraph.errors import InputError
    from casegraph.intake import Outcome, expand_paths
    from casegraph.intake import submit as do_submit

    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
    files = expand_paths(paths)
    with open_graph(store_path, progress=None if quiet else _progress()) as store, Progress(
        TextColumn("submitting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"), disable=quiet or len(files) < 2, transient=True,
    ) as bar:
        task = bar.add_task("submit", total=len(files), last="")

        def done(o: Outcome) -> None:
            bar.update(task, advance=1, last=f"{o.status}: {Path(o.file).name}")
            if fmt == "text":  # as it happens, so that an interrupted run still says what landed
                line = f"{o.status:>10}  {o.id or '-':<16}  {o.file}  ({o.message.splitlines()[0] if o.message else ''})"
                if bar.live.is_started:
                    bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
                else:
                    click.echo(line)

        summary = do_submit(store, files, fmt=input_format, progress=done, batch_size=batch_size)
    if fmt == "json":
        click.echo(summary.to_json())
    else:
        report = summary.rejects_report()
        if report:
            click.echo(report, err=True)
        click.echo(summary.to_text())
    if rejects is not None:
        rejects.write_text(summary.rejects_report() + "\n", encoding="utf-8")
    sys.exit(summary.exit_code)


@main.command("submissions")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_store_option
@_handle_errors
def submissions_cmd(fmt: str, store_path: StoreSpec) -> None:
    """List the submissions in the store: id, file, format, time, counts."""
    import json
    from dataclasses import asdict

    from casegraph.intake import list_submissions

    with open_graph(store_path, progress=_progress()) as store:
        records = list_submissions(store)
    if fmt == "json":
        click.echo(json.dumps([asdict(r) for r in records], indent=2))
        return
    if not records:
        click.echo("no submissions")
        return
    click.echo(f"{'id':<16}  {'submitted':<25}  {'format':<11}  {'cases':>5}  {'triples':>7}  {'warn':>4}  file")
    for r in records:
        click.echo(f"{r.id:<16}  {r.submitted:<25}  {r.format:<11}  {r.cases:>5}  {r.triples:>7}  {r.warnings:>4}  {r.file}")


@main.command()
@click.argument("submission_id")
@_store_option
@_handle_errors
def withdraw(submission_id: str, store_path: StoreSpec) -> None:
    """Remove submission SUBMISSION_ID (or a unique prefix of it) whole from the store."""
    from casegraph.intake import withdraw as do_withdraw

    with open_graph(store_path, progress=_progress()) as store:
        record = do_withdraw(store, submission_id)
    click.echo(f"withdrawn {record.id} ({record.file}, {record.triples} triples)")


# Commands that live beside the modules they drive (imported after ``main`` exists; each imports its heavy
# dependencies only when it runs, so ``casegraph --help`` stays fast).
from casegraph.commands.explore import explore, export, map_cmd  # noqa: E402
from casegraph.commands.explore import path as path_cmd  # noqa: E402
from casegraph.commands.reason import reason  # noqa: E402
from casegraph.commands.serve import serve  # noqa: E402
from casegraph.commands.synth import synth as _synth  # noqa: E402

for _command in (explore, path_cmd, export, map_cmd, reason, serve, _synth):
    main.add_command(_command)


if __name__ == "__main__":
    main()
