"""``casegraph explore | path | export | map``: walking and drawing the drug–target–mechanism–disease–case network.

Exit codes: 0 success; 1 ``path`` found no path; 2 unknown or ambiguous term (the nearest matches are
listed), bad option or output suffix; 3 store error; 4 internal error.  networkx and matplotlib are imported
inside the commands so that ``casegraph --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casegraph.commands.common import StoreSpec, open_graph
from casegraph.commands.common import handle_errors as _handle_errors
from casegraph.commands.common import progress as _progress
from casegraph.commands.common import store_option as _store_option

TERM_HELP = ("TERM is a label, synonym, CURIE or IRI: dupilumab, Dupixent, IL-31, CD20, DrugBank:DB12159, "
             "MONDO:0016367, 'Case 1'. An unknown or ambiguous term lists the nearest matches (exit 2).")


def _emit(text: str, output: Path | None) -> None:
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@click.command()
@click.argument("term")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Radius of the neighbourhood in the network (hops); above 1 the text adds a tree of the network.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "dot", "graphml", "cytoscape"]), default="text",
              show_default=True, help="text: a readable tree; json: sections (and the network); dot/graphml/"
              "cytoscape: the neighbourhood as a graph for Graphviz, Gephi or Cytoscape.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@_store_option
@_handle_errors
def explore(term: str, depth: int, fmt: str, output: Path | None, store_path: StoreSpec) -> None:
    """Show the neighbourhood of a drug, target, mechanism, disease or case.

    Structural facts (targets, modes of action, approvals), case facts (cases, outcomes, score changes at
    time points) and claims (direction, evidence level, source, quote) are listed in separate sections.

    """
    from casegraph.explore import explore as do_explore
    from casegraph.network import export

    graph_format = fmt in ("dot", "graphml", "cytoscape")
    with open_graph(store_path, progress=_progress()) as store:
        hood = do_explore(store, term, depth, with_network=graph_format or fmt == "json")
    if graph_format:
        _emit(export(hood.network, fmt), output)
    else:
        _emit(hood.to_json() if fmt == "json" else hood.to_text(), output)


explore.help = (explore.help or "") + TERM_HELP


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--max", "max_paths", type=click.IntRange(min=1), default=5, show_default=True,
              help="Number of shortest paths to show.")
@click.option("--scope", type=click.Choice(["mechanistic", "all"]), default="mechanistic", show_default=True,
              help="mechanistic: targets, modes of action, mechanisms and claims only; all: also approvals, "
              "drug classes and cases.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
@_handle_errors
def path(a: str, b: str, max_paths: int, scope: str, fmt: str, store_path: StoreSpec) -> None:
    """The shortest mechanistic paths between entities A and B.

    The search ignores edge direction, but each hop prints every fact on it with its real direction
    (→ along the path, ← against it), relation, kind (structural or claim), evidence level, condition,
    source and quote; chains of claims the report draws (leads to) are shown whole. Among paths of equal
    length, those resting on stronger evidence come first.

    Exit 0 paths found, 1 no path, 2 unknown or ambiguous term.
    """
    from casegraph.paths import find_paths

    with open_graph(store_path, progress=_progress()) as store:
        result = find_paths(store, a, b, max_paths=max_paths, scope=scope)
    click.echo(result.to_json() if fmt == "json" else result.to_text())
    if not result.paths:
        sys.exit(1)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "cytoscape", "dot"]), required=True,
              help="graphml (Gephi, Cytoscape, yEd), cytoscape (Cytoscape JSON, .cyjs) or dot (Graphviz).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File to write.")
@click.option("--no-cases", is_flag=True, help="Leave case nodes out (only drugs, targets, mechanisms, diseases...).")
@_store_option
@_handle_errors
def export(fmt: str, output: Path, no_cases: bool, store_path: StoreSpec) -> None:
    """Export the drug–target–mechanism–disease–case network.

    Nodes carry the attributes label, type (drug, drug class, target, cell type, mechanism, disease,
    phenotype, case), short and curie; edges carry relation, kind (structural or claim), evidence,
    condition, source, cited, quote, claim and, for treatments, outcomes.
    """
    from casegraph.network import build_network, write_export

    with open_graph(store_path, progress=_progress()) as store:
        graph = build_network(store, cases=not no_cases)
    write_export(graph, fmt, output)
    click.echo(f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges to {output}")


@click.command("map")
@click.argument("term")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Picture to write: FILE.svg or FILE.png (the suffix chooses).")
@click.option("--depth", type=click.IntRange(min=1), default=2, show_default=True, help="Hops from TERM to draw.")
@click.option("--scope", type=click.Choice(["mechanistic", "all"]), default="mechanistic", show_default=True,
              help="mechanistic: targets, modes of action, mechanisms and claims; all: also approvals, classes, cases.")
@_store_option
@_handle_errors
def map_cmd(term: str, output: Path, depth: int, scope: str, store_path: StoreSpec) -> None:
    """Draw the map of a drug, mechanism (or any entity) as an SVG or PNG picture.

    The entity stands on the left, the others in columns by distance; nodes coloured by type, facts
    solid, claims dashed with their evidence level, and a legend. Drawn with matplotlib (no Graphviz).
    """
    from casegraph.drawing import draw_map, picture_format
    from casegraph.network import build_network, neighbourhood
    from casegraph.paths import mechanistic
    from casegraph.terms import describe, resolve_term

    picture_format(output)  # refuse a bad suffix before any work
    with open_graph(store_path, progress=_progress()) as store:
        iri = resolve_term(store, term)
        entity = describe(store, iri)
        graph = build_network(store, cases=scope == "all" or entity.kind == "case")
    if scope == "mechanistic":
        graph = mechanistic(graph, keep=(iri,))
    if iri not in graph:
        graph.add_node(iri, label=entity.label, type=entity.kind, short=entity.label, curie="")
    local = neighbourhood(graph, iri, depth)
    draw_map(local, iri, output, title=f"{entity.label} ({entity.kind}): {depth}-hop {scope} map")
    click.echo(f"wrote {output} ({local.number_of_nodes()} nodes, {local.number_of_edges()} edges)")
