"""IRIs the code refers to by name."""

from __future__ import annotations

CG = "https://w3id.org/casegraph/ontology#"
CGR = "https://w3id.org/casegraph/reference/"
CASE = "https://w3id.org/casegraph/case/"
GRAPH = "https://w3id.org/casegraph/graph/"

ONTOLOGY_GRAPH = GRAPH + "ontology"
REFERENCE_GRAPH = GRAPH + "reference"
DERIVED_GRAPH = GRAPH + "derived"
#: What ``casegraph reason`` infers from the ontology, the reference data and the seed cases; a submission's
#: own inferences go in ``<submission>/inferred`` so that withdrawing it takes them along.
INFERRED_GRAPH = GRAPH + "inferred"
INFERRED_SUFFIX = "/inferred"
#: What the build rules derive from a submission (type closure, offsets in days) goes in ``<submission>/derived``.
DERIVED_SUFFIX = "/derived"
META_GRAPH = GRAPH + "meta"
CASES_GRAPH_PREFIX = GRAPH + "cases/"
#: Accepted submissions: one graph each (plus ``/derived`` and ``/report``), listed in the registry graph.
SUBMISSIONS_GRAPH_PREFIX = GRAPH + "submissions/"
REGISTRY_GRAPH = GRAPH + "submissions"

#: Prefixes known to every query and every CURIE the user types.
PREFIXES: dict[str, str] = {
    "cg": CG,
    "cgr": CGR,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "obo": "http://purl.obolibrary.org/obo/",
}

#: External CURIE prefixes and the IRI forms the reference data uses for them.
CURIE_IRIS: dict[str, str] = {
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "GO": "http://purl.obolibrary.org/obo/GO_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "CHEMBL": "http://rdf.ebi.ac.uk/resource/chembl/molecule/",
    "HGNC": "http://identifiers.org/hgnc/",
    "UNIPROT": "http://purl.uniprot.org/uniprot/",
    "REACTOME": "https://reactome.org/content/detail/",
    "RXNORM": "http://purl.bioontology.org/ontology/RXNORM/",
}


def curie(iri: str, skip: tuple[str, ...] = ()) -> str | None:
    """``prefix:local`` for an IRI in one of :data:`PREFIXES` (except ``skip``), else ``None``."""
    for prefix, ns in PREFIXES.items():
        if prefix not in skip and iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None
