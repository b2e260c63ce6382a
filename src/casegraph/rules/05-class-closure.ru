# Materialise the subclass closure of every typed node (a cg:DrugTreatment is also a cg:Intervention and
# a cg:CaseEntity), so that queries need not walk rdfs:subClassOf themselves.  RDFS-level only: OWL
# reasoning with HermiT is a separate, explicit step.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { GRAPH <https://w3id.org/casegraph/graph/derived> { ?x a ?super } }
WHERE {
  GRAPH ?g { ?x a ?class }
  GRAPH <https://w3id.org/casegraph/graph/ontology> { ?class rdfs:subClassOf+ ?super FILTER isIRI(?super) }
  FILTER NOT EXISTS { GRAPH ?g2 { ?x a ?super } }
}
