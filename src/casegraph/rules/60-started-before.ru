# Derive cg:startedBeforeStartOf: a treatment the report places before the start of a drug treatment in the
# same case, in any of the five ways a report says so: a chain of cg:precedes / cg:replacedBy; a regimen in
# such a chain (for each of its components); cg:ongoingAtStartOf; a start time, or an end time, given as
# before it. The stored query prior-treatments looks these links up from the drug's own treatments: testing
# the ways on every pair of treatments in every case took 9 s at 10,000 cases for 3,700 rows, because
# pyoxigraph 0.5 plans a joined UNION, and the patterns inside an EXISTS, without their outer bindings.
# The treatments lie within one case graph, so intake derives the link with the case.
PREFIX cg: <https://w3id.org/casegraph/ontology#>
INSERT { GRAPH <https://w3id.org/casegraph/graph/derived> { ?earlier cg:startedBeforeStartOf ?started } }
WHERE {
  GRAPH ?g {
    ?started cg:agent ?agent .
    {
      ?earlier (cg:precedes|cg:replacedBy)+ ?started
    } UNION {
      ?regimen (cg:precedes|cg:replacedBy)+ ?started ; cg:hasComponent ?earlier
    } UNION {
      ?earlier cg:ongoingAtStartOf ?started
    } UNION {
      ?earlier cg:startTime ?t . ?t cg:relativeTo ?started ; cg:direction cg:Before
    } UNION {
      ?earlier cg:endTime ?t . ?t cg:relativeTo ?started ; cg:direction cg:Before
    }
  }
}
