"""Shortest mechanistic paths between two entities of the network, each hop with its facts and sources.

The search is undirected (a path from omalizumab to dupilumab meets dupilumab on an edge that starts at
dupilumab), but every hop is reported with the real direction of each fact on it (→ along the path, ← against
it).  A hop between two nodes carries all the facts linking them, structural ones first, then claims from the
strongest evidence level down.  Paths are ranked by number of hops; among paths of equal length, those whose
hops rest on stronger evidence come first (a structural fact counts as strongest).

By default (``scope="mechanistic"``) a path may only use mechanistic facts: drug–target and drug–mechanism
(mode of action), target–mechanism, mechanism–mechanism, disease–mechanism, and every claim.  Regulatory
approvals, drug-class membership and case records (treated with, has condition, has finding) are left out,
so that omalizumab and dupilumab are not linked merely because both are approved for asthma or were given to
the same patient; ``scope="all"`` lets paths use them too.

Where the claims on a path are links of a chain the report itself draws (``cg:leadsTo``: "which may have
resulted in ... and led to ..."), the whole chain is shown with the path, in the report's order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import TYPE_CHECKING, Any

from casegraph.backend import GraphStore
from casegraph.errors import UsageError
from casegraph.network import build_network
from casegraph.terms import Entity, describe, resolve_term

if TYPE_CHECKING:
    import networkx as nx

_MAX_RANK = 6  # cg:Established; structural facts rank above every claim

#: Structural relations a mechanistic path may not use (see the module docstring).
NON_MECHANISTIC = frozenset({"approved for", "member of class", "has condition", "has finding", "treated with"})
SCOPES = ("mechanistic", "all")


@dataclass(frozen=True)
class Fact:
    """One edge of a hop: ``forward`` is True when it points the way the path goes."""

    subject: str
    object: str
    forward: bool
    relation: str
    kind: str
    detail: str = ""
    evidence: str = ""
    condition: str = ""
    source: str = ""
    cited: str = ""
    quote: str = ""
    claim: str = ""
    claim_label: str = ""
    leads_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hop:
    start: Entity
    end: Entity
    facts: tuple[Fact, ...]

    @property
    def arrow(self) -> str:
        """→ if every fact points along the path, ← if every fact points back, ↔ if both."""
        ways = {f.forward for f in self.facts}
        return "↔" if len(ways) == 2 else ("→" if True in ways else "←")


@dataclass(frozen=True)
class ChainLink:
    """One claim of a chain the report draws, in words: subjects, direction, objects, level, condition."""

    claim: str
    label: str
    statement: str
    evidence: str
    condition: str


@dataclass(frozen=True)
class Path:
    hops: tuple[Hop, ...]
    #: chains of claims the report draws (cg:leadsTo) that pass through a claim on this path
    chains: tuple[tuple[ChainLink, ...], ...] = ()

    @property
    def entities(self) -> list[Entity]:
        return [self.hops[0].start, *(h.end for h in self.hops)] if self.hops else []

    def summary(self) -> str:
        """``omalizumab → interleukin-4 ← dupilumab``."""
        if not self.hops:
            return ""
        parts = [self.hops[0].start.label]
        for hop in self.hops:
            parts += [hop.arrow, hop.end.label]
        return " ".join(parts)


@dataclass
class PathResult:
    start: Entity
    end: Entity
    scope: str
    paths: list[Path] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> str:
        def entity(e: Entity) -> dict[str, str]:
            return {"iri": e.iri, "label": e.label, "kind": e.kind}

        return json.dumps({
            "from": entity(self.start), "to": entity(self.end), "scope": self.scope, "note": self.note,
            "paths": [{
                "summary": p.summary(),
                "hops": [{
                    "from": entity(h.start), "to": entity(h.end), "arrow": h.arrow,
                    "facts": [{**{k: v for k, v in f.__dict__.items() if k != "leads_to"},
                               "direction": "→" if f.forward else "←", "leadsTo": list(f.leads_to)}
                              for f in h.facts],
                } for h in p.hops],
                "chains": [[link.__dict__ for link in chain] for chain in p.chains],
            } for p in self.paths],
        }, indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        scope = ("every relation" if self.scope == "all" else
                 "mechanistic facts and claims only; approvals, drug classes and cases (other than an end) "
                 "left out; --scope all uses them")
        if not self.paths:
            note = f"; {self.note}" if self.note else ""
            return f"no path between {self.start.label} and {self.end.label} ({scope}){note}"
        lines = [f"{len(self.paths)} shortest path(s) between {self.start.label} ({self.start.kind}) "
                 f"and {self.end.label} ({self.end.kind}); {scope}"]
        for i, path in enumerate(self.paths, 1):
            lines += ["", f"path {i} ({len(path.hops)} hop{'s' if len(path.hops) > 1 else ''}): {path.summary()}"]
            for hop in path.hops:
                lines.append(f"  {hop.start.label} {hop.arrow} {hop.end.label}")
                for fact in hop.facts:
                    lines += ["    " + line for line in _fact_lines(fact, hop)]
            for chain in path.chains:
                lines.append("  the report chains these claims (cg:leadsTo):")
                for j, link in enumerate(chain):
                    lead = "    " if j == 0 else "    → "
                    where = f", in {link.condition}" if link.condition else ""
                    lines.append(f"{lead}{link.statement} ({link.evidence}{where}): “{link.label}”")
        return "\n".join(lines)


def _fact_lines(fact: Fact, hop: Hop) -> list[str]:
    relation = fact.relation + (f": {fact.detail}" if fact.detail else "")
    if fact.forward:
        head = f"{hop.start.label} —[{relation}]→ {hop.end.label}"
    else:
        head = f"{hop.start.label} ←[{relation}]— {hop.end.label}"
    tags = [fact.kind]
    if fact.evidence:
        tags.append(f"evidence: {fact.evidence}")
    if fact.condition:
        tags.append(f"in {fact.condition}")
    lines = [f"{head}  ({'; '.join(tags)})"]
    if fact.quote:
        lines.append(f"  “{fact.quote}”")
    if fact.source:
        lines.append(f"  source: {fact.source}" + (f"; cited: {fact.cited}" if fact.cited else ""))
    return lines


def _fact(data: dict[str, Any], subject: str, obj: str, forward: bool) -> Fact:
    return Fact(
        subject=subject, object=obj, forward=forward, relation=data["relation"], kind=data["kind"],
        detail=data["detail"], evidence=data["evidence"], condition=data["condition"], source=data["source"],
        cited=data["cited"], quote=data["quote"], claim=data["claim"], claim_label=data["claim_label"],
        leads_to=tuple(data["leads_to"].split()),
    )


def _strength(data: dict[str, Any]) -> int:
    return _MAX_RANK + 1 if data["kind"] == "structural" else int(data["evidence_rank"])


def _undirected(graph: nx.MultiDiGraph) -> nx.Graph:
    """One edge per linked pair, weighted 1 + a penalty under 0.1 that grows as the best evidence weakens:
    hop count decides first, evidence breaks ties."""
    import networkx as nx

    simple = nx.Graph()
    simple.add_nodes_from(graph)
    for s, o, data in graph.edges(data=True):
        penalty = (_MAX_RANK + 1 - _strength(data)) / 100
        weight = 1 + penalty
        if not simple.has_edge(s, o) or simple[s][o]["weight"] > weight:
            simple.add_edge(s, o, weight=weight)
    return simple


def find_paths(store: GraphStore, a: str, b: str, *, max_paths: int = 5, scope: str = "mechanistic") -> PathResult:
    """Up to ``max_paths`` shortest paths between terms ``a`` and ``b`` (labels, synonyms, CURIEs, IRIs).

    Raises :class:`UsageError` for an unknown or ambiguous term, the same entity twice, a bad ``max_paths``
    or ``scope``; an empty :attr:`PathResult.paths` means there is no path.
    """
    import networkx as nx

    if max_paths < 1:
        raise UsageError("--max must be at least 1")
    if scope not in SCOPES:
        raise UsageError(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
    start_iri, end_iri = resolve_term(store, a), resolve_term(store, b)
    start, end = describe(store, start_iri), describe(store, end_iri)
    if start_iri == end_iri:
        raise UsageError(f"{a!r} and {b!r} name the same entity ({start.label})")
    graph = build_network(store, cases=scope == "all" or "case" in (start.kind, end.kind))
    result = PathResult(start, end, scope)
    usable = graph if scope == "all" else mechanistic(graph, keep=(start_iri, end_iri))
    missing = [e for e in (start, end) if e.iri not in usable]
    if missing:
        result.note = "; ".join(f"{e.label} ({e.kind}) has no {'' if scope == 'all' else 'mechanistic '}links"
                                for e in missing)
        return result
    simple = _undirected(usable)
    try:
        found = list(islice(nx.shortest_simple_paths(simple, start_iri, end_iri, weight="weight"), max_paths))
    except nx.NetworkXNoPath:
        return result
    claims = claim_index(graph)
    for nodes in found:
        hops = tuple(_hop(usable, u, v) for u, v in pairwise(nodes))
        result.paths.append(Path(hops, _chains(hops, claims)))
    return result


def mechanistic(graph: nx.MultiDiGraph, keep: tuple[str, ...]) -> nx.MultiDiGraph:
    """``graph`` without the edges of :data:`NON_MECHANISTIC` relations; the nodes of ``keep`` stay, and a
    case among them keeps its own edges (a path from a case must leave it through its treatments)."""
    cases = {n for n in keep if n in graph and graph.nodes[n]["type"] == "case"}
    sub = graph.copy()
    sub.remove_edges_from([(s, o, k) for s, o, k, d in graph.edges(keys=True, data=True)
                           if d["kind"] == "structural" and d["relation"] in NON_MECHANISTIC
                           and s not in cases and o not in cases])
    sub.remove_nodes_from([n for n in list(sub) if sub.degree(n) == 0 and n not in keep])
    return sub


def claim_index(graph: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """Claim IRI -> its label, subjects, direction, objects, evidence, condition and the claims it leads to."""
    index: dict[str, dict[str, Any]] = {}
    for s, o, d in graph.edges(data=True):
        if d["kind"] != "claim":
            continue
        comparator = d["relation"].endswith(" (comparator)")
        entry = index.setdefault(d["claim"], {
            "label": d["claim_label"], "subjects": [], "objects": [], "comparators": [],
            "direction": d["relation"].removesuffix(" (comparator)"),
            "evidence": d["evidence"], "rank": int(d["evidence_rank"]), "condition": d["condition"],
            "leads_to": d["leads_to"].split(), "source": d["source"], "quote": d["quote"], "cases": d["cases"].split(),
        })
        for key, node in (("subjects", s), ("comparators" if comparator else "objects", o)):
            label = graph.nodes[node]["label"]
            if label not in entry[key]:
                entry[key].append(label)
    return index


def _chains(hops: tuple[Hop, ...], claims: dict[str, dict[str, Any]]) -> tuple[tuple[ChainLink, ...], ...]:
    """The maximal cg:leadsTo chains (two claims or more) through any claim on the path, in the report's order."""
    on_path = {f.claim for h in hops for f in h.facts if f.claim}
    before: dict[str, list[str]] = {}
    for iri, entry in claims.items():
        for nxt in entry["leads_to"]:
            before.setdefault(nxt, []).append(iri)
    chains: list[tuple[ChainLink, ...]] = []
    seen: set[tuple[str, ...]] = set()
    for claim in sorted(on_path):
        for chain in _walk_back(claim, before, claims):
            key = tuple(chain)
            if len(chain) > 1 and key not in seen:
                seen.add(key)
                chains.append(tuple(_link(c, claims[c]) for c in chain))
    return tuple(chains)


def _walk_back(claim: str, before: dict[str, list[str]], claims: dict[str, dict[str, Any]]) -> list[list[str]]:
    """Every chain through ``claim``: its predecessors back to a first claim, then successors to a last one."""
    def back(c: str, seen: frozenset[str]) -> list[list[str]]:
        prev = [p for p in before.get(c, []) if p not in seen]
        return [[c]] if not prev else [[*chain, c] for p in sorted(prev) for chain in back(p, seen | {p})]

    def forward(c: str, seen: frozenset[str]) -> list[list[str]]:
        nxt = [n for n in claims.get(c, {}).get("leads_to", []) if n in claims and n not in seen]
        return [[c]] if not nxt else [[c, *chain] for n in sorted(nxt) for chain in forward(n, seen | {n})]

    return [b[:-1] + f for b in back(claim, frozenset({claim})) for f in forward(claim, frozenset({claim}))]


def statement(entry: dict[str, Any], *, condition: bool = False) -> str:
    """A claim in words: ``dupilumab may be more suitable than azathioprine, ciclosporin for cancer``;
    with ``condition``, `` in <condition>`` unless the condition is already an object."""
    # in alphabetical order, not the order the store happened to answer in
    subjects = ", ".join(sorted(entry["subjects"], key=str.casefold))
    objects = ", ".join(sorted(entry["objects"], key=str.casefold))
    if entry["comparators"]:
        text = f"{subjects} {entry['direction']} {', '.join(entry['comparators'])} for {objects}"
    else:
        text = f"{subjects} {entry['direction']} {objects}"
    if condition and entry["condition"] and entry["condition"] not in entry["objects"]:
        text += f" in {entry['condition']}"
    return text


def _link(iri: str, entry: dict[str, Any]) -> ChainLink:
    return ChainLink(iri, entry["label"], statement(entry), entry["evidence"], entry["condition"])


def _entity(graph: nx.MultiDiGraph, iri: str) -> Entity:
    data = graph.nodes[iri]
    return Entity(iri, data["label"], data["type"])


def _hop(graph: nx.MultiDiGraph, u: str, v: str) -> Hop:
    facts = [(data, True) for data in graph.get_edge_data(u, v, default={}).values()]
    facts += [(data, False) for data in graph.get_edge_data(v, u, default={}).values()]
    facts.sort(key=lambda item: (-_strength(item[0]), item[0]["relation"], item[0]["claim_label"]))
    start, end = _entity(graph, u), _entity(graph, v)
    return Hop(start, end, tuple(
        _fact(d, start.label, end.label, True) if fwd else _fact(d, end.label, start.label, False) for d, fwd in facts
    ))
