# Derive cg:offsetDays (signed, in days) for every time point whose offset the report states.
# A month counts 30.4375 days and a year 365.25 (cg:daysPerUnit in the ontology); the stated value and unit
# stay untouched, so the derived figure is never mistaken for a reported one.
PREFIX cg: <https://w3id.org/casegraph/ontology#>
INSERT { GRAPH <https://w3id.org/casegraph/graph/derived> { ?t cg:offsetDays ?days } }
WHERE {
  GRAPH ?g { ?t a cg:TimePoint ; cg:offsetValue ?value ; cg:offsetUnit ?unit . OPTIONAL { ?t cg:direction ?dir } }
  GRAPH ?o { ?unit cg:daysPerUnit ?perUnit }
  BIND (IF(BOUND(?dir) && ?dir = cg:Before, -1, 1) * ?value * ?perUnit AS ?days)
}
