# A time point stated to be at its anchor (the day an intervention started, the presentation) is 0 days away.
PREFIX cg: <https://w3id.org/casegraph/ontology#>
INSERT { GRAPH <https://w3id.org/casegraph/graph/derived> { ?t cg:offsetDays 0.0 } }
WHERE {
  GRAPH ?g { ?t a cg:TimePoint ; cg:direction cg:AtAnchor . FILTER NOT EXISTS { ?t cg:offsetValue ?v } }
}
