# Derive cg:seriesEnd from each patient's first to last value on a scale (first and last by cg:timeOrder, the
# key of rules/30-time-order.ru), when the two differ in time. The stored query score-change reads these
# links instead of grouping every measurement of every patient on each run (9 s at 10,000 cases, growing
# with them); a patient's series lies within one case graph, so intake derives it with the case.
PREFIX cg: <https://w3id.org/casegraph/ontology#>
INSERT { GRAPH <https://w3id.org/casegraph/graph/derived> { ?first cg:seriesEnd ?last } }
WHERE {
  {
    SELECT ?patient ?scale (MIN(?k) AS ?kFirst) (MAX(?k) AS ?kLast) WHERE {
      GRAPH ?g { ?patient cg:hasMeasurement ?m . ?m cg:scale ?scale ; cg:value ?v ; cg:atTime ?t }
      GRAPH ?d { ?t cg:timeOrder ?k }
    }
    GROUP BY ?patient ?scale
  }
  FILTER (?kFirst < ?kLast)
  GRAPH ?g1 { ?patient cg:hasMeasurement ?first . ?first cg:scale ?scale ; cg:atTime ?t1 }
  GRAPH ?d1 { ?t1 cg:timeOrder ?k1 }
  FILTER (?k1 = ?kFirst)
  GRAPH ?g2 { ?patient cg:hasMeasurement ?last . ?last cg:scale ?scale ; cg:atTime ?t2 }
  GRAPH ?d2 { ?t2 cg:timeOrder ?k2 }
  FILTER (?k2 = ?kLast)
}
