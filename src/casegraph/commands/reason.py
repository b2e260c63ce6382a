"""``casegraph reason``: HermiT over the ontology and reference data, the fast path over the cases.

Registered by :mod:`casegraph.cli` (``main.add_command(reason)``). Exit codes: 0 consistent, 1 inconsistent
(the clashing facts or unsatisfiable classes are named), 2 usage or input error, 3 store error.
"""

from __future__ import annotations

import json
import sys

import click

from casegraph.commands.common import StoreSpec, handle_errors, open_graph, store_option


@click.command("reason")
@store_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report as text, or as JSON for scripts.")
@click.option("--full", is_flag=True,
              help="Also redo the submission graphs already classified and checked under this build.")
@click.option("--quiet", "-q", is_flag=True, help="Do not report progress.")
@handle_errors
def reason(store_path: StoreSpec, fmt: str, full: bool, quiet: bool) -> None:
    """Check the graph's consistency and rewrite its inferred graphs.

    HermiT classifies the ontology and the reference data (consistency, unsatisfiable classes, defined
    classes such as type-2 cytokine signalling blockers, relations such as cg:actsOnMechanism); the case
    and submission graphs are then classified by SPARQL rules derived from the ontology's definitions
    (patients with a malignancy on a biologic, off-label uses, paradoxical reactions to a biologic, ...).
    Inferences go to the graph .../graph/inferred and, for a submission, to <submission>/inferred; a second
    run replaces what it recomputes. An inconsistent graph is reported in words and nothing is written.

    A submission graph intake (or an earlier run) already classified and checked under the store's current
    build - the same ontology, shapes, reference data and rules - is skipped; --full redoes every graph.

    Exit codes: 0 consistent, 1 inconsistent, 2 usage or input error, 3 store error.
    """
    from casegraph.errors import StoreError
    from casegraph.reasoning import reason as run_reason

    def say(message: str) -> None:
        if not quiet:
            click.echo(f"· {message}", err=True)

    try:
        with open_graph(store_path, progress=say) as store:
            report = run_reason(store, progress=say, full=full)
    except OSError as exc:  # the store folder vanished or became unreadable while reasoning
        raise StoreError(f"store: {exc}") from exc
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.to_text())
    sys.exit(report.exit_code)
