"""The neighbourhood of a drug, target, mechanism or disease: what it links to, with counts and sources."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from casegraph import resources
from casegraph.store import Store
from casegraph.terms import Entity, describe, resolve_term

_QUERY_FOR_KIND = {
    "drug": "explore-drug.rq",
    "drug class": "explore-drug.rq",
    "target": "explore-target.rq",
    "mechanism": "explore-mechanism.rq",
    "disease": "explore-disease.rq",
    "phenotype": "explore-disease.rq",
}


@dataclass(frozen=True)
class Link:
    """One neighbour: the entity, its label, what relates it (detail) and the documents stating it."""

    iri: str
    label: str
    detail: str
    sources: tuple[str, ...]


@dataclass
class Neighbourhood:
    """An entity and its neighbours grouped in sections ("targets", "cases", "claims", ...)."""

    entity: Entity
    sections: dict[str, list[Link]] = field(default_factory=dict)

    def count(self, section: str) -> int:
        return len({link.iri for link in self.sections.get(section, [])})

    def labels(self, section: str) -> set[str]:
        return {link.label for link in self.sections.get(section, [])}

    def to_json(self) -> str:
        return json.dumps(
            {
                "entity": asdict(self.entity),
                "sections": {
                    name: {"count": self.count(name), "items": [asdict(link) for link in links]}
                    for name, links in self.sections.items()
                },
            },
            indent=2,
            ensure_ascii=False,
        )

    def to_text(self) -> str:
        lines = [f"{self.entity.label} ({self.entity.kind}) <{self.entity.iri}>"]
        names = list(self.sections)
        if not names:
            lines.append("└── no links recorded")
        for i, name in enumerate(names):
            last = i == len(names) - 1
            lines.append(f"{'└──' if last else '├──'} {name} ({self.count(name)})")
            links = self.sections[name]
            for j, link in enumerate(links):
                branch = "    " if last else "│   "
                tip = "└──" if j == len(links) - 1 else "├──"
                detail = f" — {link.detail}" if link.detail else ""
                source = f"  [source: {'; '.join(link.sources)}]" if link.sources else ""
                lines.append(f"{branch}{tip} {link.label}{detail}{source}")
        return "\n".join(lines)


def explore(store: Store, term: str) -> Neighbourhood:
    """Resolve ``term`` (label, synonym, CURIE or IRI) and collect its neighbourhood."""
    iri = resolve_term(store, term)
    entity = describe(store, iri)
    query_name = _QUERY_FOR_KIND.get(entity.kind, "explore-disease.rq")
    result = Neighbourhood(entity=entity)
    for row in store.select(resources.internal_query(query_name), term=ox.NamedNode(iri)):
        section = row["section"].value
        sources = tuple(s for s in row["source"].value.split("; ") if s) if "source" in row else ()
        link = Link(
            iri=row["item"].value,
            label=row["itemLabel"].value,
            detail=row["detail"].value if "detail" in row else "",
            sources=sources,
        )
        result.sections.setdefault(section, []).append(link)
    return result
