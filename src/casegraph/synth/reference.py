"""The reference vocabulary synthetic cases are drawn from, read from the shipped Turtle with SPARQL.

Nothing here lists a drug, disease or scale: the terms, their kinds, labels, synonyms, external identifiers,
approvals, scale ranges and directions all come from ``data/reference`` (and the ontology, for the class
hierarchy), so the generator follows the reference data as it grows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox

from casegraph.namespaces import CGR, CURIE_IRIS
from casegraph.rdfio import ontology_triples, reference_triples

_PREFIXES = """
PREFIX cg: <https://w3id.org/casegraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

#: The kinds of term a case document names, the ontology class of each and the prefix a case document leaves
#: out (``route: injection`` stands for ``cgr:route-injection``; see the shipped JSON-LD context).
KINDS: dict[str, tuple[str, str]] = {
    "disease": ("Disease", ""),
    "phenotype": ("Phenotype", ""),
    "agent": ("TherapeuticAgent", ""),
    "scale": ("Scale", ""),
    "target": ("Target", ""),
    "route": ("Route", "route-"),
    "formulation": ("Formulation", "formulation-"),
    "frequency": ("Frequency", "freq-"),
    "unit": ("Unit", "unit-"),
    "site": ("BodySite", "site-"),
    "outcome": ("OutcomeType", "outcome-"),
}


@dataclass(frozen=True)
class Scale:
    name: str
    label: str
    minimum: float
    maximum: float | None
    higher_is_worse: bool
    characteristic: bool
    measures: frozenset[str]
    unit: str | None


@dataclass(frozen=True)
class OutcomeType:
    name: str
    label: str
    improvement: bool
    rank: int | None


@dataclass
class Vocabulary:
    """Reference terms by kind, under the names a case document uses for them."""

    #: kind -> name (without the kind's prefix) -> label
    terms: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    #: name -> skos:notation values (CURIEs such as MONDO:0004980, DrugBank:DB12159, HGNC:6015)
    notations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: name -> synonyms (skos:altLabel)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: drug -> diseases the reference data records an approval for
    approvals: dict[str, frozenset[str]] = field(default_factory=dict)
    #: drug -> its targets
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: diseases typed cg:Malignancy
    malignancies: frozenset[str] = frozenset()
    #: drug -> the ontology class it is typed with (MonoclonalAntibody, SmallMoleculeDrug, DrugClass)
    agent_types: dict[str, str] = field(default_factory=dict)
    scales: dict[str, Scale] = field(default_factory=dict)
    outcomes: dict[str, OutcomeType] = field(default_factory=dict)
    #: CURIEs of external identifiers the reference data gives only as a drug's skos:closeMatch (neither an
    #: exactMatch nor a notation), with the drug: a near entity (a salt, an ester) a submission may mistake
    #: for the drug itself
    close_only: dict[str, str] = field(default_factory=dict)

    def has(self, kind: str, name: str) -> bool:
        return name in self.terms.get(kind, {})

    def label(self, name: str) -> str:
        for names in self.terms.values():
            if name in names:
                return names[name]
        return name

    def notation(self, name: str, prefix: str) -> str | None:
        """The term's CURIE with this prefix (``MONDO``, ``HP``, ``DrugBank``, ``HGNC``), if it has one."""
        return next((n for n in self.notations.get(name, ()) if n.split(":", 1)[0].upper() == prefix.upper()), None)

    def approved(self, drug: str, disease: str) -> bool:
        return disease in self.approvals.get(drug, frozenset())


def _local(iri: str, prefix: str = "") -> str | None:
    head = CGR + prefix
    return iri[len(head):] if iri.startswith(head) else None


def _values_by_term(store: ox.Store, predicate: str) -> dict[str, tuple[str, ...]]:
    """Every value of ``predicate`` (a prefixed name) per reference term, by the term's local name."""
    values: dict[str, list[str]] = defaultdict(list)
    for row in _query(store, f"SELECT ?term ?v WHERE {{ ?term {predicate} ?v }}"):
        name = _local(row["term"])
        if name is not None:
            values[name].append(row["v"])
    return {k: tuple(v) for k, v in values.items()}


def _query(store: ox.Store, text: str) -> list[dict[str, str]]:
    result = store.query(_PREFIXES + text)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term.value
        rows.append(row)
    return sorted(rows, key=lambda r: tuple(sorted(r.items())))


@cache
def vocabulary() -> Vocabulary:
    """The reference vocabulary, queried once per process from the ontology and ``data/reference``."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in (*ontology_triples(), *reference_triples()))
    vocab = Vocabulary()
    for kind, (cls, prefix) in KINDS.items():
        for row in _query(store, f"""
            SELECT ?term (SAMPLE(?l) AS ?label) WHERE {{
              ?term a/rdfs:subClassOf* cg:{cls} .
              OPTIONAL {{ ?term rdfs:label ?l }}
            }} GROUP BY ?term"""):
            name = _local(row["term"], prefix)
            if name is not None:
                vocab.terms[kind][name] = row.get("label", name)
    vocab.notations = _values_by_term(store, "skos:notation")
    vocab.synonyms = _values_by_term(store, "skos:altLabel")
    approvals: dict[str, set[str]] = defaultdict(set)
    for row in _query(store, "SELECT ?drug ?disease WHERE { ?drug cg:hasApprovedIndication/cg:approvedFor ?disease }"):
        drug, disease = _local(row["drug"]), _local(row["disease"])
        if drug and disease:
            approvals[drug].add(disease)
    vocab.approvals = {k: frozenset(v) for k, v in approvals.items()}
    targets: dict[str, list[str]] = defaultdict(list)
    for row in _query(store, "SELECT ?drug ?target WHERE { ?drug cg:hasTarget ?target }"):
        drug, target = _local(row["drug"]), _local(row["target"])
        if drug and target:
            targets[drug].append(target)
    vocab.targets = {k: tuple(v) for k, v in targets.items()}
    vocab.malignancies = frozenset(
        n for row in _query(store, "SELECT ?d WHERE { ?d a/rdfs:subClassOf* cg:Malignancy }")
        if (n := _local(row["d"])) is not None)
    for row in _query(store, """
            SELECT ?agent ?type WHERE {
              VALUES ?type { cg:MonoclonalAntibody cg:SmallMoleculeDrug cg:DrugClass }
              ?agent a ?type }"""):
        name = _local(row["agent"])
        if name is not None:
            vocab.agent_types[name] = row["type"].rsplit("#", 1)[1]
    measures: dict[str, set[str]] = defaultdict(set)
    for row in _query(store, "SELECT ?scale ?what WHERE { ?scale a cg:Scale ; cg:measures ?what }"):
        scale, what = _local(row["scale"]), _local(row["what"])
        if scale and what:
            measures[scale].add(what)
    for row in _query(store, """
            SELECT ?scale ?min ?max ?worse ?characteristic ?unit WHERE {
              ?scale a cg:Scale ; cg:minValue ?min .
              OPTIONAL { ?scale cg:maxValue ?max }
              OPTIONAL { ?scale cg:higherIsWorse ?worse }
              OPTIONAL { ?scale cg:scaleUnit ?unit }
              BIND (EXISTS { ?scale a cg:CharacteristicScale } AS ?characteristic)
            }"""):
        name = _local(row["scale"])
        if name is None:
            continue
        vocab.scales[name] = Scale(
            name=name, label=vocab.terms["scale"].get(name, name), minimum=float(row["min"]),
            maximum=float(row["max"]) if "max" in row else None, higher_is_worse=row.get("worse", "true") == "true",
            characteristic=row["characteristic"] == "true", measures=frozenset(measures.get(name, ())),
            unit=_local(row["unit"], "unit-") if "unit" in row else None)
    for row in _query(store, """
            SELECT ?type ?improvement ?rank WHERE {
              ?type a cg:OutcomeType ; cg:isImprovement ?improvement .
              OPTIONAL { ?type cg:responseRank ?rank }
            }"""):
        name = _local(row["type"], "outcome-")
        if name is not None:
            vocab.outcomes[name] = OutcomeType(name=name, label=vocab.terms["outcome"].get(name, name),
                                               improvement=row["improvement"] == "true",
                                               rank=int(row["rank"]) if "rank" in row else None)
    exact = {row["x"] for row in _query(store, "SELECT ?x WHERE { ?t skos:exactMatch ?x }")}
    for row in _query(store, "SELECT ?term ?x WHERE { ?term skos:closeMatch ?x FILTER isIRI(?x) }"):
        name = _local(row["term"])
        if name is None or row["x"] in exact or name not in vocab.terms["agent"]:
            continue
        written = curie(row["x"])
        if written is not None and written not in vocab.notations.get(name, ()):
            vocab.close_only.setdefault(written, name)
    return vocab


def curie(iri: str) -> str | None:
    """``DrugBank:DB14512`` for ``https://go.drugbank.com/drugs/DB14512``: the external prefixes casegraph knows,
    written the way the shipped JSON-LD context spells them."""
    from casegraph.casedoc import context

    spelled: dict[str, str] = {}
    for key, value in context().items():
        if (isinstance(value, dict) and value.get("@prefix") is True and isinstance(value.get("@id"), str)
                and (value["@id"] not in spelled or not key.isupper())):  # DrugBank rather than DRUGBANK
            spelled[value["@id"]] = key
    for ns in sorted(set(CURIE_IRIS.values()), key=len, reverse=True):
        if iri.startswith(ns) and ns in spelled:
            return f"{spelled[ns]}:{iri[len(ns):]}"
    return None
