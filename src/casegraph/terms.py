"""Looking up entities by label, synonym, CURIE or IRI, with nearest matches when nothing fits."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pyoxigraph as ox

from casegraph import resources
from casegraph.backend import GraphStore
from casegraph.errors import UsageError
from casegraph.namespaces import CG, CURIE_IRIS, ONTOLOGY_GRAPH, PREFIXES, REFERENCE_GRAPH

_KIND_NAMES = {
    "Drug": "drug", "MonoclonalAntibody": "drug", "SmallMoleculeDrug": "drug", "DrugClass": "drug class",
    "Target": "target", "Pathway": "mechanism", "BiologicalProcess": "mechanism",
    "DiseaseMechanism": "mechanism", "Disease": "disease", "Malignancy": "disease",
    "InfectiousDisease": "disease", "Phenotype": "phenotype", "Scale": "scale", "CellType": "cell type",
    "Case": "case", "CaseReport": "report", "InterventionType": "treatment",
}


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    kind: str


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", " ", text.strip().lower())


def _index(store: GraphStore) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, Entity]]:
    """Names -> entities (labels and notations first, then all names), and entity descriptions."""
    cached = getattr(store, "_term_index", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    preferred: dict[str, set[str]] = {}
    every: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for row in store.select(_fill_graphs(resources.internal_query("labels.rq"))):
        iri, name, how = row["entity"].value, row["name"].value, row["how"].value
        kind = _KIND_NAMES.get(row["kind"].value.removeprefix(CG), "entity")
        if kinds.get(iri, "entity") == "entity":
            kinds[iri] = kind
        every.setdefault(_norm(name), set()).add(iri)
        if how != "synonym":
            preferred.setdefault(_norm(name), set()).add(iri)
        if how == "label":
            labels.setdefault(iri, name)
    entities = {
        iri: Entity(iri, labels.get(iri, iri.rsplit("/", 1)[-1]), kind) for iri, kind in kinds.items()
    }
    result = (preferred, every, entities)
    store._term_index = result  # type: ignore[attr-defined]
    return result


def _fill_graphs(query: str) -> str:
    """The name index reads the ontology, the reference data and the seed cases, whatever else the store holds."""
    from casegraph.store import case_graph_iri  # late import: the store module is not needed to name terms

    return resources.fill_values(query, "g", [ONTOLOGY_GRAPH, REFERENCE_GRAPH,
                                              *(case_graph_iri(p) for p in resources.case_files())])


def describe(store: GraphStore, iri: str) -> Entity:
    """Label and kind of an entity: from the name index, else (a submitted case's node) one lookup, kept."""
    _, _, entities = _index(store)
    if iri in entities:
        return entities[iri]
    seen: dict[str, Entity] = store.__dict__.setdefault("_described", {})
    if iri not in seen:
        label, kind = None, "entity"
        for row in store.select(resources.internal_query("describe-entity.rq"), entity=ox.NamedNode(iri)):
            if "label" in row and label is None:
                label = row["label"].value
            if "kind" in row and kind == "entity":
                kind = _KIND_NAMES.get(row["kind"].value.removeprefix(CG), "entity")
        seen[iri] = Entity(iri, label or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1], kind)
    return seen[iri]


def search(store: GraphStore, text: str, limit: int = 20) -> list[Entity]:
    """Entities one of whose names (label, synonym, notation) contains ``text``, for a search box: names
    that start with it first, then shorter names, then alphabetically; each entity once."""
    key = _norm(text)
    if not key:
        return []
    _, every, _entities = _index(store)
    ranked = sorted((not name.startswith(key), len(name), name) for name in every if key in name)
    found: dict[str, Entity] = {}
    for _prefix, _length, name in ranked:
        for iri in sorted(every[name]):
            if iri not in found:
                found[iri] = describe(store, iri)
        if len(found) >= limit:
            break
    if len(found) < limit:  # submitted cases are not in the name index
        for row in store.select(resources.internal_query("search-cases.rq"), text=ox.Literal(text.strip().lower())):
            iri = row["entity"].value
            if iri not in found:
                found[iri] = Entity(iri, row["label"].value, row["kind"].value)
    return list(found.values())[:limit]


def _expand_curie(text: str) -> str | None:
    if ":" not in text or text.startswith(("http://", "https://", "urn:")):
        return None
    prefix, local = text.split(":", 1)
    if prefix in PREFIXES:
        return PREFIXES[prefix] + local
    base = CURIE_IRIS.get(prefix.upper())
    return base + local if base else None


def resolve_term(store: GraphStore, text: str) -> str:
    """The IRI of the one entity ``text`` names; :class:`UsageError` lists candidates otherwise."""
    text = text.strip()
    if not text:
        raise UsageError("empty term: give a label, synonym, CURIE or IRI")
    preferred, every, _entities = _index(store)
    iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    candidates: set[str] = set()
    expanded = iri if iri.startswith(("http://", "https://")) else _expand_curie(iri)
    if expanded:
        for row in store.select(resources.internal_query("match-iri.rq"), iri=ox.NamedNode(expanded)):
            candidates.add(row["entity"].value)
    if not candidates:
        key = _norm(text)
        candidates = preferred.get(key) or every.get(key) or set()
    if not candidates:  # a submitted case or case report, by its exact name
        for exact in (ox.Literal(text), ox.Literal(text, language="en")):
            candidates |= {row["entity"].value
                           for row in store.select(resources.internal_query("named-case.rq"), name=exact)}
    if len(candidates) == 1:
        return next(iter(candidates))
    if len(candidates) > 1:
        described = sorted(f"{describe(store, c).label} ({describe(store, c).kind}, {c})" for c in candidates)
        raise UsageError(f"{text!r} is ambiguous; it names: " + "; ".join(described))
    names = list(every)
    close = difflib.get_close_matches(_norm(text), names, n=6, cutoff=0.5)
    close += [n for n in names if _norm(text) in n and n not in close][: 6 - len(close)]
    hint = ""
    if close:
        shown = []
        for name in close:
            for c in sorted(every[name]):
                ent = describe(store, c)
                same = _norm(ent.label) == name
                shown.append(f"{name} ({ent.kind})" if same else f"{name} (= {ent.label}, {ent.kind})")
        hint = " Nearest matches: " + ", ".join(dict.fromkeys(shown)) + "."
    raise UsageError(f"no entity named {text!r}.{hint}")
