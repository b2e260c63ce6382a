"""The drug–target–mechanism–disease–case network, as a networkx graph built from the RDF graph.

The RDF graph is the record; this network is a view of it made for walking and drawing: one node per drug,
drug class, target, cell type, mechanism, disease, phenotype and case, and one edge per fact linking two of
them.  Two kinds of edges are kept apart on every edge (``kind``) so that a path or a picture never passes a
report's hypothesis off as a fact of the reference data:

* ``structural``: what the reference data and the case records state (dupilumab has target IL-4Rα as an
  antagonist, IL-4 participates in IL-4/IL-13 signalling, case 1 was treated with dupilumab);
* ``claim``: a :class:`cg:MechanisticClaim`, one edge per subject and object, with its direction
  (``relation``), evidence level, conditions, stating report, cited works and verbatim statement.

The facts come from SPARQL queries in ``src/casegraph/sparql/network-*.rq``; this module only assembles
them.  networkx is imported inside the functions so that importing casegraph stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from casegraph import resources
from casegraph.backend import GraphStore
from casegraph.namespaces import curie

if TYPE_CHECKING:
    import networkx as nx

#: Node types, in the order legends and exports list them.
NODE_TYPES = ("drug", "drug class", "target", "cell type", "mechanism", "disease", "phenotype", "case", "entity")

#: Edge attributes every edge carries (empty string when the data have nothing), so GraphML has one schema.
EDGE_ATTRIBUTES = (
    "relation", "kind", "detail", "evidence", "evidence_rank", "condition", "source", "cited", "quote",
    "claim", "claim_label", "cases", "leads_to", "outcomes",
)


def _value(row: dict[str, Any], name: str) -> str:
    return str(row[name].value) if name in row else ""


def _local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


#: The columns the network queries join from several values (GROUP_CONCAT), with their separators.
_JOINED = {"detail": "; ", "condition": "; ", "source": "; ", "cited": "; ", "quote": " | ", "cases": " ",
           "leadsTo": " "}


def _rows(store: GraphStore, name: str, **bindings: ox.Literal) -> list[dict[str, Any]]:
    """A network query's rows in one fixed order, each joined value's parts sorted and empty parts dropped
    (a joined value with no parts left is absent): SPARQL leaves both the row order and GROUP_CONCAT's order
    open, the queries join "" for a missing part, and the first label seen, the edge order and so the paths
    chosen between equals must not depend on the store answering."""
    rows = []
    for row in store.select(resources.internal_query(name), **bindings):
        fixed: dict[str, Any] = {}
        for key, term in row.items():
            if key in _JOINED and isinstance(term, ox.Literal):
                sep = _JOINED[key]
                value = sep.join(sorted(part for part in term.value.split(sep) if part))
                if not value:
                    continue
                term = ox.Literal(value, language=term.language) if term.language \
                    else ox.Literal(value, datatype=term.datatype)
            fixed[key] = term
        rows.append(fixed)
    return sorted(rows, key=lambda r: sorted((k, v.value if isinstance(v, ox.Literal) else str(v)) for k, v in r.items()))


def network_of(store: GraphStore, *, cases: bool = True) -> nx.MultiDiGraph:
    """:func:`build_network`, kept on a read-only store: a snapshot never changes, and the web server's
    workers explore the same snapshot many times (the case edges of 10,000 cases take seconds to read)."""
    if not getattr(store, "read_only", False):
        return build_network(store, cases=cases)
    kept: dict[bool, nx.MultiDiGraph] = store.__dict__.setdefault("_networks", {})
    if cases not in kept:
        kept[cases] = build_network(store, cases=cases)
    return kept[cases]


def build_network(store: GraphStore, *, cases: bool = True) -> nx.MultiDiGraph:
    """The whole network of ``store``; ``cases=False`` leaves case nodes (and their edges) out.

    Node ids are IRIs; node attributes ``label``, ``type``, ``short`` (a short display label), ``curie``.
    Edge attributes: :data:`EDGE_ATTRIBUTES`.
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    kinds: dict[str, tuple[int, str]] = {}
    labels: dict[str, str] = {}
    shorts: dict[str, str] = {}
    for row in _rows(store, "network-nodes.rq", withCases=ox.Literal(cases)):
        iri, kind, rank = row["node"].value, row["kind"].value, int(row["rank"].value)
        if iri not in kinds or rank < kinds[iri][0]:
            kinds[iri] = (rank, kind)
        if "label" in row:
            labels.setdefault(iri, row["label"].value)
        if "short" in row:
            shorts.setdefault(iri, row["short"].value)

    def add_node(iri: str) -> bool:
        kind = kinds.get(iri, (99, "entity"))[1]
        if kind == "case" and not cases:
            return False
        if iri not in graph:
            label = labels.get(iri, _local_name(iri))
            graph.add_node(iri, label=label, type=kind, short=shorts.get(iri, label), curie=curie(iri) or "")
        return True

    for iri, (_rank, kind) in sorted(kinds.items()):
        if kind != "case" or cases:
            add_node(iri)

    outcomes: dict[tuple[str, str], list[str]] = {}
    if cases:
        for row in _rows(store, "network-outcomes.rq"):
            outcomes.setdefault((row["case"].value, row["drug"].value), []).append(row["text"].value)

    edges = _rows(store, "network-structural.rq") + (_rows(store, "network-case-edges.rq") if cases else [])
    for row in edges:
        s, o = row["s"].value, row["o"].value
        if not (add_node(s) and add_node(o)):
            continue
        relation = row["relation"].value
        graph.add_edge(s, o, **_edge(
            relation=relation, kind="structural", detail=_value(row, "detail"), source=_value(row, "source"),
            quote=_value(row, "quote"), outcomes=" | ".join(outcomes.get((s, o), [])) if relation == "treated with" else "",
        ))

    for row in _rows(store, "network-claims.rq"):
        s, o = row["s"].value, row["o"].value
        if not (add_node(s) and add_node(o)):
            continue
        direction = row["direction"].value
        comparator = _value(row, "role") == "comparator"
        graph.add_edge(s, o, key=f"{row['claim'].value}|{o}|{_value(row, 'role')}", **_edge(
            relation=f"{direction} (comparator)" if comparator else direction, kind="claim",
            evidence=_value(row, "evidence"), evidence_rank=int(_value(row, "rank") or 0),
            condition=_value(row, "condition"), source=_value(row, "source"), cited=_value(row, "cited"),
            quote=_value(row, "quote"), claim=row["claim"].value, claim_label=_value(row, "claimLabel"),
            cases=_value(row, "cases"), leads_to=_value(row, "leadsTo"),
        ))
    # Reference entities nothing links to (approved-indication diseases of other drugs are linked; unused
    # scales or body sites are not nodes at all) are noise in a picture: drop isolated nodes.
    graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    return graph


def _edge(**values: Any) -> dict[str, Any]:
    """An edge attribute dict with every attribute of :data:`EDGE_ATTRIBUTES` present."""
    edge: dict[str, Any] = {name: "" for name in EDGE_ATTRIBUTES}
    edge["evidence_rank"] = 0
    edge.update(values)
    return edge


def neighbourhood(graph: nx.MultiDiGraph, centre: str, depth: int = 1) -> nx.MultiDiGraph:
    """The subgraph of nodes within ``depth`` hops of ``centre``, edges followed in either direction."""
    import networkx as nx

    if centre not in graph:
        return graph.subgraph([]).copy()
    return nx.ego_graph(graph, centre, radius=depth, undirected=True).copy()


# -- export ------------------------------------------------------------------------------------------------
EXPORT_FORMATS = ("graphml", "cytoscape", "dot")


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML text (Cytoscape, Gephi, yEd): ``label`` and ``type`` are node attributes, every edge carries
    :data:`EDGE_ATTRIBUTES`."""
    import networkx as nx

    return "\n".join(nx.generate_graphml(graph, named_key_ids=True)) + "\n"


def to_cytoscape(graph: nx.MultiDiGraph) -> str:
    """Cytoscape JSON (``.cyjs``, as Cytoscape and Cytoscape.js import it): node ``name`` is the label."""
    import networkx as nx

    data = nx.cytoscape_data(graph, name="label")
    data["data"] = {"name": "casegraph", **dict(graph.graph)}
    for i, element in enumerate(data["elements"]["edges"]):
        element["data"]["id"] = f"e{i}"
        element["data"]["interaction"] = element["data"]["relation"]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


#: Fill colours by node type, shared by DOT and the drawings (colour-blind-safe Okabe–Ito palette).
TYPE_COLOURS = {
    "drug": "#E69F00", "drug class": "#F0E442", "target": "#56B4E9", "cell type": "#009E73",
    "mechanism": "#0072B2", "disease": "#D55E00", "phenotype": "#CC79A7", "case": "#999999",
    "entity": "#FFFFFF",
}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: nx.MultiDiGraph, name: str = "casegraph") -> str:
    """Graphviz DOT text: nodes coloured by type, structural edges solid, claims dashed with their
    evidence level in the label.  Written directly (no Graphviz needed to produce it)."""
    lines = [f"digraph {_dot_string(name)} {{", "  graph [rankdir=LR, overlap=false];",
             '  node [style=filled, fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=8];']
    for node, data in graph.nodes(data=True):
        colour = TYPE_COLOURS.get(data.get("type", "entity"), "#FFFFFF")
        shape = "box" if data.get("type") == "case" else "ellipse"
        lines.append(f"  {_dot_string(node)} [label={_dot_string(data.get('short') or data.get('label', node))}, "
                     f"type={_dot_string(data.get('type', 'entity'))}, shape={shape}, fillcolor={_dot_string(colour)}];")
    for s, o, data in graph.edges(data=True):
        label = data["relation"] + (f" ({data['evidence']})" if data["kind"] == "claim" else "")
        style = "dashed" if data["kind"] == "claim" else "solid"
        lines.append(f"  {_dot_string(s)} -> {_dot_string(o)} [label={_dot_string(label)}, "
                     f"kind={_dot_string(data['kind'])}, style={style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def export(graph: nx.MultiDiGraph, fmt: str) -> str:
    """The network as text in ``fmt`` (one of :data:`EXPORT_FORMATS`)."""
    if fmt == "graphml":
        return to_graphml(graph)
    if fmt == "cytoscape":
        return to_cytoscape(graph)
    if fmt == "dot":
        return to_dot(graph)
    from casegraph.errors import UsageError

    raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def write_export(graph: nx.MultiDiGraph, fmt: str, path: Path) -> None:
    path.write_text(export(graph, fmt), encoding="utf-8")
