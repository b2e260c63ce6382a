# Derive cg:timeOrder, the key that orders a patient's time points: the presentation first, then the time
# points without a stated offset, then by offset in days (cg:offsetDays, derived by the two rules before).
# Stored queries that pick a patient's first and last value (score-change) take the minimum and maximum of
# this key in one grouped pass, instead of computing it inside the grouping (which Virtuoso 7 cannot compile)
# or comparing every pair of measurements (quadratic per patient).
# Always an xsd:decimal (an offset stated as a JSON fraction is an xsd:double): queries join on the minimum
# and maximum key as terms, and 7.0 and 7.0E0 are one value but two terms.
PREFIX cg: <https://w3id.org/casegraph/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT { GRAPH <https://w3id.org/casegraph/graph/derived> { ?t cg:timeOrder ?key } }
WHERE {
  GRAPH ?g { ?t a cg:TimePoint ; cg:relativeTo ?anchor }
  OPTIONAL { GRAPH ?d { ?t cg:offsetDays ?days } }
  BIND (xsd:decimal(IF(EXISTS { GRAPH ?p { ?anchor a cg:Presentation } }, -1000000000.0,
                       COALESCE(?days, -100000000.0))) AS ?key)
}
