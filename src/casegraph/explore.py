"""The neighbourhood of a drug, target, mechanism, disease or case: what it links to, with counts and sources.

Sections come from SPARQL (``src/casegraph/sparql/explore-*.rq``) and are grouped so that a reader never
takes a report's hypothesis for a fact of the reference data: **structural facts** (targets, modes of
action, approvals, mechanisms), **case facts** (cases, treatments, outcomes, score changes at time points,
adverse events) and **claims** (each with its direction, evidence level, condition, source and quote).
``depth`` widens the view to the network (:mod:`casegraph.network`) within that many hops, for the text
tree and for the graph formats (DOT, GraphML, Cytoscape JSON).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from casegraph import resources
from casegraph.backend import GraphStore
from casegraph.errors import UsageError
from casegraph.terms import Entity, describe, resolve_term

if TYPE_CHECKING:
    import networkx as nx

_QUERY_FOR_KIND = {
    "drug": "explore-drug.rq",
    "drug class": "explore-drug.rq",
    "target": "explore-target.rq",
    "mechanism": "explore-mechanism.rq",
    "disease": "explore-disease.rq",
    "phenotype": "explore-disease.rq",
    "case": "explore-case.rq",
}

#: Section -> group; a section not listed is structural.  Claims never share a group with facts.
GROUPS = ("structural facts", "case facts", "claims")
_CASE_SECTIONS = {"report", "cases", "conditions", "findings", "treatments", "drugs given", "outcomes", "scores",
                  "score changes", "adverse events"}
_CLAIM_SECTIONS = {"claims", "mechanisms named in claims", "diseases named in claims"}
FORMATS = ("text", "json", "dot", "graphml", "cytoscape")


def group_of(section: str) -> str:
    if section in _CLAIM_SECTIONS:
        return "claims"
    return "case facts" if section in _CASE_SECTIONS else "structural facts"


@dataclass(frozen=True)
class Link:
    """One neighbour: the entity, its label, what relates it (detail), the documents stating it and, where
    the data have it, the verbatim statement."""

    iri: str
    label: str
    detail: str
    sources: tuple[str, ...]
    quote: str = ""


@dataclass
class Neighbourhood:
    """An entity and its neighbours grouped in sections ("targets", "cases", "claims", ...).

    ``network`` is the part of the network within ``depth`` hops (``None`` if it was not asked for).
    """

    entity: Entity
    sections: dict[str, list[Link]] = field(default_factory=dict)
    depth: int = 1
    network: Any = None
    #: the cases' measurements over time, one series per case and scale (see :func:`score_series`)
    scores: list[dict[str, Any]] = field(default_factory=list)

    def count(self, section: str) -> int:
        """Distinct neighbours of a section (an entity listed twice with two details counts once)."""
        return len({(link.iri, link.label) for link in self.sections.get(section, [])})

    def labels(self, section: str) -> set[str]:
        return {link.label for link in self.sections.get(section, [])}

    def grouped(self) -> dict[str, list[str]]:
        """Group -> its sections, in :data:`GROUPS` order, empty groups left out."""
        groups: dict[str, list[str]] = {}
        for name in GROUPS:
            members = sorted(s for s in self.sections if group_of(s) == name)
            if members:
                groups[name] = members
        return groups

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "entity": asdict(self.entity),
            "depth": self.depth,
            "sections": {
                name: {"group": group_of(name), "count": self.count(name), "items": [asdict(link) for link in links]}
                for name, links in self.sections.items()
            },
            "scores": self.scores,
        }
        if self.network is not None:
            # an edge's "source" is its end node; the documents stating it are its "documents"
            data["network"] = {
                "nodes": [{"id": n, **d, "kind": d.get("type", "entity")} for n, d in self.network.nodes(data=True)],
                "edges": [{**{("documents" if k == "source" else k): v for k, v in d.items()}, "source": s, "target": o}
                          for s, o, d in self.network.edges(data=True)],
            }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        lines = [f"{self.entity.label} ({self.entity.kind}) <{self.entity.iri}>"]
        blocks: list[tuple[str, list[str]]] = []
        for group, names in self.grouped().items():
            body: list[str] = []
            for i, name in enumerate(names):
                last = i == len(names) - 1
                body.append(f"{'└──' if last else '├──'} {name} ({self.count(name)})")
                links = self.sections[name]
                for j, link in enumerate(links):
                    branch = "    " if last else "│   "
                    tip = "└──" if j == len(links) - 1 else "├──"
                    detail = f" — {link.detail}" if link.detail else ""
                    source = f"  [source: {'; '.join(link.sources)}]" if link.sources else ""
                    body.append(f"{branch}{tip} {link.label}{detail}{source}")
                    if link.quote:
                        more = "    " if j == len(links) - 1 else "│   "
                        body.append(f"{branch}{more}    “{link.quote}”")
            title = {"structural facts": "structural facts (reference data)",
                     "case facts": "case facts (what the reports record)",
                     "claims": "claims (what the reports assert, with evidence level)"}[group]
            blocks.append((title, body))
        if self.network is not None and self.depth > 1:
            blocks.append((f"network within {self.depth} hops ({self.network.number_of_nodes() - 1} entities, "
                           f"{self.network.number_of_edges()} links)", _tree(self.network, self.entity.iri, self.depth)))
        if not blocks:
            lines.append("└── no links recorded")
        for i, (title, body) in enumerate(blocks):
            last = i == len(blocks) - 1
            lines.append(f"{'└──' if last else '├──'} {title}")
            lines += [("    " if last else "│   ") + line for line in body]
        return "\n".join(lines)


def _tree(graph: nx.MultiDiGraph, centre: str, depth: int) -> list[str]:
    """A breadth-first tree of the network around ``centre``: each entity once, under the entity that first
    reaches it, with the relations linking them (→ from parent to child, ← from child to parent)."""
    seen = {centre}
    lines: list[str] = []

    def relations(a: str, b: str) -> str:
        out = sorted(f"→ {d['relation']}" + (f" ({d['evidence']})" if d["kind"] == "claim" else "")
                     for d in graph.get_edge_data(a, b, default={}).values())
        out += sorted(f"← {d['relation']}" + (f" ({d['evidence']})" if d["kind"] == "claim" else "")
                      for d in graph.get_edge_data(b, a, default={}).values())
        return "; ".join(dict.fromkeys(out))

    def walk(node: str, level: int, prefix: str) -> None:
        if level > depth:
            return
        children = sorted({n for n in (*graph.successors(node), *graph.predecessors(node)) if n not in seen},
                          key=lambda n: (graph.nodes[n]["type"], graph.nodes[n]["label"].lower()))
        seen.update(children)
        for i, child in enumerate(children):
            last = i == len(children) - 1
            data = graph.nodes[child]
            lines.append(f"{prefix}{'└──' if last else '├──'} {data['label']} ({data['type']}) "
                         f"[{relations(node, child)}]")
            walk(child, level + 1, prefix + ("    " if last else "│   "))

    walk(centre, 1, "")
    return lines


def explore(store: GraphStore, term: str, depth: int = 1, *, with_network: bool = False) -> Neighbourhood:
    """Resolve ``term`` (label, synonym, CURIE or IRI) and collect its neighbourhood.

    ``depth`` > 1 (or ``with_network``) also attaches the network within ``depth`` hops.
    """
    if depth < 1:
        raise UsageError("--depth must be at least 1")
    iri = resolve_term(store, term)
    entity = describe(store, iri)
    query_name = _QUERY_FOR_KIND.get(entity.kind, "explore-disease.rq")
    result = Neighbourhood(entity=entity, depth=depth)
    for row in store.select(resources.internal_query(query_name), term=ox.NamedNode(iri)):
        section = row["section"].value
        sources = tuple(sorted(s for s in row["source"].value.split("; ") if s)) if "source" in row else ()
        link = Link(
            iri=row["item"].value,
            label=row["itemLabel"].value,
            detail=row["detail"].value if "detail" in row else "",
            sources=sources,
            quote=row["quote"].value if "quote" in row else "",
        )
        result.sections.setdefault(section, []).append(link)
    for links in result.sections.values():  # the query's ORDER BY, with the IRI to break ties, in code-point order
        links.sort(key=lambda link: (link.label, link.detail, link.iri))
    result.scores = score_series(store, iri)
    changes = _score_changes(result.scores)
    if changes:
        result.sections["score changes"] = changes

    from casegraph.network import neighbourhood, network_of

    # the claims need no case edges, which are most of a big graph: read them only for a wider network
    graph = network_of(store, cases=depth > 1 or with_network)
    _describe_claims(result, graph)
    if depth > 1 or with_network:
        result.network = neighbourhood(graph, iri, depth)
    return result


def _describe_claims(result: Neighbourhood, graph: nx.MultiDiGraph) -> None:
    """Rewrite the claims section as statements (subject direction object [in condition]) with their
    evidence level and quote; for a case, the claims about it."""
    from casegraph.paths import claim_index, statement

    claims = claim_index(graph)
    members = [link.iri for link in result.sections.get("claims", [])]
    if result.entity.kind == "case":
        members = [c for c, entry in claims.items() if result.entity.iri in entry["cases"]]
    if not members:
        return
    sources = {link.iri: link.sources for link in result.sections.get("claims", [])}
    links = []
    for claim in dict.fromkeys(members):
        entry = claims.get(claim)
        if entry is None:
            continue
        text = statement(entry, condition=True)
        source = sources.get(claim) or tuple(sorted(s for s in entry["source"].split("; ") if s))
        links.append((-entry["rank"], entry["label"], Link(
            claim, entry["label"], f"{entry['evidence']}: {text}", source, entry["quote"])))
    result.sections["claims"] = [link for *_key, link in sorted(links, key=lambda x: (x[0], x[1]))]


def score_series(store: GraphStore, iri: str) -> list[dict[str, Any]]:
    """The measurements of the cases ``iri`` leads to (the case itself, or the cases treated with a drug),
    one series per case and scale, in time order (``order``: at presentation first, then days from the
    anchor, then unknown offsets): what the web page draws as outcomes over time. ``text`` is the value as
    recorded, ``value`` the number."""
    series: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in store.select(resources.internal_query("explore-scores.rq"), term=ox.NamedNode(iri)):
        key = (row["case"].value, row["caseLabel"].value, row["scale"].value)
        text = row["value"].value
        try:
            value: float | str = float(text)
        except ValueError:
            value = text
        series.setdefault(key, []).append({
            "value": value, "text": text, "when": row["when"].value if "when" in row else "",
            "order": float(row["key"].value), "source": row["source"].value if "source" in row else ""})
    return [{"case": case, "caseLabel": label, "scale": scale,
             "points": sorted(points, key=lambda p: (p["order"], p["text"], p["when"], p["source"]))}
            for (case, label, scale), points in sorted(series.items(), key=lambda kv: (kv[0][1], kv[0][2]))]


def _score_changes(series: list[dict[str, Any]]) -> list[Link]:
    """Per case and scale with two values or more: every value in time order, ``62 (at presentation) → 1.8
    (1 month after starting dupilumab)``."""
    links = []
    for one in series:
        points = one["points"]
        if len(points) < 2:
            continue
        steps = " → ".join(f"{p['text']} ({p['when']})" if p["when"] else p["text"] for p in points)
        sources = tuple(dict.fromkeys(p["source"] for p in points if p["source"]))
        links.append(Link(one["case"], f"{one['caseLabel']}: {one['scale']}", steps, sources))
    return links
