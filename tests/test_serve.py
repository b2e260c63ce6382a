"""``casegraph serve`` as clients meet it: a real server process on 127.0.0.1, queried with SPARQLWrapper,
rdflib's SPARQLStore and plain HTTP. Expected answers come from the case reports: four patients in three
reports, every one of them given dupilumab; dupilumab targets IL-4Rα (HGNC:6015)."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TSV, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from casegraph import protocol
from support.live_server import LiveServer, live_server

TOKEN = "test-token-5f2c"
CG = "https://w3id.org/casegraph/ontology#"
CGR = "https://w3id.org/casegraph/reference/"
DUPILUMAB = CGR + "dupilumab"
IL4R = CGR + "IL4R"
SEED_CASES = {
    "https://w3id.org/casegraph/case/dupilumab-advanced-cancer/case1",
    "https://w3id.org/casegraph/case/dupilumab-advanced-cancer/case2",
    "https://w3id.org/casegraph/case/omalizumab-triggered-ad/case1",
    "https://w3id.org/casegraph/case/dupilumab-dermatomyositis/case1",
}
CASES_QUERY = f"SELECT DISTINCT ?case WHERE {{ ?case a <{CG}Case> }} ORDER BY ?case"
TIME_LIMIT = 3
CAP = 200
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from casegraph import build

    path = tmp_path_factory.mktemp("serve") / "store"
    build(path)
    with live_server(path, env={"CASEGRAPH_UPDATE_TOKEN": TOKEN},
                     args=["--timeout", str(TIME_LIMIT), "--max-rows", str(CAP)]) as srv:
        yield srv


def wrapper(server: LiveServer, query: str, fmt: str = JSON, method: str = "GET") -> SPARQLWrapper:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method == "POST":
        sw.setMethod(POST)
    elif method == "POSTDIRECTLY":
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    return sw


# -- SPARQL 1.1 Protocol with SPARQLWrapper -------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_select_json_by_every_method(server: LiveServer, method: str) -> None:
    result = wrapper(server, CASES_QUERY, JSON, method).queryAndConvert()
    assert {b["case"]["value"] for b in result["results"]["bindings"]} == SEED_CASES


def test_select_xml_csv_tsv(server: LiveServer) -> None:
    xml = wrapper(server, CASES_QUERY, XML).queryAndConvert()  # a minidom document
    assert {u.firstChild.data for u in xml.getElementsByTagName("uri")} == SEED_CASES
    text = wrapper(server, CASES_QUERY, CSV).queryAndConvert().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["case"] and {r[0] for r in rows[1:]} == SEED_CASES
    tsv = wrapper(server, CASES_QUERY, TSV).queryAndConvert().decode().splitlines()
    assert tsv[0] == "?case" and {line.strip("<>") for line in tsv[1:]} == SEED_CASES


def test_ask(server: LiveServer) -> None:
    ask = f"ASK {{ <{DUPILUMAB}> <{CG}hasTarget> <{IL4R}> }}"
    assert wrapper(server, ask, JSON).queryAndConvert()["boolean"] is True
    assert wrapper(server, ask.replace("IL4R", "IL13"), JSON).queryAndConvert()["boolean"] is False
    for accept, expected in (("application/sparql-results+xml", b"<boolean>true</boolean>"), ("text/csv", b"true")):
        r = server.get("/sparql", params={"query": ask}, headers={"Accept": accept})
        assert r.status_code == 200 and expected in r.content


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_in_every_graph_format(server: LiveServer, accept: str, rdflib_format: str) -> None:
    query = f"CONSTRUCT {{ <{DUPILUMAB}> <{CG}hasTarget> ?t }} WHERE {{ <{DUPILUMAB}> <{CG}hasTarget> ?t }}"
    r = server.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert (rdflib.URIRef(DUPILUMAB), rdflib.URIRef(CG + "hasTarget"), rdflib.URIRef(IL4R)) in graph


def test_describe(server: LiveServer) -> None:
    r = server.get("/sparql", params={"query": f"DESCRIBE <{IL4R}>"}, headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    assert "HGNC:6015" in {str(o) for o in graph.objects(rdflib.URIRef(IL4R), None)}


def test_rdflib_sparqlstore(server: LiveServer) -> None:
    """rdflib's SPARQLStore asks for XML results (and RDF/XML for graphs) by GET."""
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql"))
    assert {str(row[0]) for row in graph.query(CASES_QUERY)} == SEED_CASES
    built = graph.query(f"CONSTRUCT {{ ?d <{CG}hasTarget> ?t }} WHERE {{ ?d <{CG}hasTarget> ?t }}")
    assert (rdflib.URIRef(DUPILUMAB), rdflib.URIRef(CG + "hasTarget"), rdflib.URIRef(IL4R)) in built.graph


def test_syntax_error_is_400_with_position(server: LiveServer) -> None:
    with pytest.raises(QueryBadFormed):
        wrapper(server, "SELECT ?x WHERE { ?x ?y }", JSON).queryAndConvert()
    r = server.get("/sparql", params={"query": "SELECT ?x WHERE {\n ?x ?y }"})
    assert r.status_code == 400 and "line 2" in r.json()["error"]


def test_dataset_parameters(server: LiveServer) -> None:
    graph = "https://w3id.org/casegraph/graph/reference"
    r = server.get("/sparql", params={"query": CASES_QUERY, "default-graph-uri": graph})
    assert r.json()["results"]["bindings"] == []  # the reference data describe no case
    r = server.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                      "named-graph-uri": graph})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [graph]


def test_cors(server: LiveServer) -> None:
    r = httpx.options(server.url + "/sparql", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    r = server.get("/sparql", params={"query": CASES_QUERY}, headers={"Origin": "http://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-casegraph-truncated" in r.headers["access-control-expose-headers"].lower()


# -- safety -----------------------------------------------------------------------------------------------
def test_update_refused_without_token(server: LiveServer) -> None:
    update = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = server.post("/sparql", data={"update": update}, headers=headers)
        assert r.status_code == 403 and "refused" in r.json()["error"]
        r = server.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update", **headers})
        assert r.status_code == 403
    r = server.post("/sparql", data={"query": update})  # an update passed off as a query
    assert r.status_code == 403
    ask = server.get("/sparql", params={"query": "ASK { <urn:x:a> ?p ?o }"}).json()
    assert ask["boolean"] is False


def test_update_with_token(server: LiveServer) -> None:
    before = server.get("/healthz").json()["generation"]
    sw = SPARQLWrapper(server.url + "/sparql")  # HTTP Basic with the token as password, as SPARQL clients send
    sw.setCredentials("curator", TOKEN)
    sw.setMethod(POST)
    sw.setQuery('INSERT DATA { GRAPH <urn:x:g2> { <urn:x:s> <urn:x:p> "written" } }')
    sw.query()
    assert server.get("/healthz").json()["generation"] == before + 1
    r = server.get("/sparql", params={"query": "SELECT ?o WHERE { <urn:x:s> <urn:x:p> ?o }"})
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["written"]
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    r = server.post("/sparql", data={"update": "LOAD <http://127.0.0.1:1/x.ttl>"}, headers=bearer)
    assert r.status_code == 403 and "LOAD" in r.json()["error"]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o .SERVICE<http://127.0.0.1:9/>{ ?s ?p ?o } }",
])
def test_service_refused(server: LiveServer, query: str) -> None:
    r = server.get("/sparql", params={"query": query})
    assert r.status_code == 403 and "SERVICE" in r.json()["error"]


def test_service_as_a_word_is_not_refused(server: LiveServer) -> None:
    query = 'SELECT ?service WHERE { BIND("SERVICE" AS ?service) } # SERVICE in a comment'
    r = server.get("/sparql", params={"query": query})
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["service"]["value"] == "SERVICE"


def test_result_cap_is_reported(server: LiveServer) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    r = server.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    body = r.json()
    assert len(body["results"]["bindings"]) == CAP
    assert r.headers["x-casegraph-truncated"] == "true" and r.headers["x-casegraph-result-limit"] == str(CAP)
    assert body["head"]["link"] == [f"urn:casegraph:truncated?limit={CAP}"]
    r = server.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    assert f'<link href="urn:casegraph:truncated?limit={CAP}"/>' in r.text
    r = server.get("/sparql", params={"query": CASES_QUERY})
    assert "x-casegraph-truncated" not in r.headers and "link" not in r.json()["head"]
    r = server.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
    assert r.headers["x-casegraph-truncated"] == "true" and len(r.text.splitlines()) == CAP


def test_time_limit_stops_a_slow_query_and_others_go_on(server: LiveServer) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    answer: dict[str, object] = {}

    def run_slow() -> None:
        start = time.monotonic()
        answer["response"] = server.get("/sparql", params={"query": slow})
        answer["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    fast = []
    for _ in range(5):  # while the slow query holds a worker, stored queries still answer
        start = time.monotonic()
        r = server.get("/api/queries/drug-targets-mechanisms", params={"drug": "dupilumab"})
        fast.append((r.status_code, time.monotonic() - start))
    thread.join(60)
    slow_response = answer["response"]
    assert isinstance(slow_response, httpx.Response)
    assert slow_response.status_code == 503 and "time limit" in slow_response.json()["error"]
    assert TIME_LIMIT <= float(answer["seconds"]) < TIME_LIMIT + 10  # type: ignore[arg-type]
    assert all(status == 200 for status, _ in fast)
    assert max(seconds for _, seconds in fast) < TIME_LIMIT
    # the killed worker was replaced: the server still answers ad-hoc queries
    r = server.get("/sparql", params={"query": CASES_QUERY})
    assert r.status_code == 200


def test_a_served_store_is_not_opened_twice(server: LiveServer, tmp_path: Path) -> None:
    """While a server holds the store, another command on it fails cleanly (exit 3) and says why."""
    import subprocess
    import sys

    store = next(a for a in server.process.args[server.process.args.index("--store") + 1:])  # type: ignore[union-attr]
    done = subprocess.run([sys.executable, "-m", "casegraph", "serve", "--port", "0", "--store", store],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert "casegraph serve" in done.stderr and "Traceback" not in done.stderr


def test_body_too_large(server: LiveServer) -> None:
    r = server.post("/api/validate", content=b"{" + b" " * (11 * 1024 * 1024) + b"}",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_security_headers_on_pages(server: LiveServer) -> None:
    r = server.get("/api/queries")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


# -- REST ---------------------------------------------------------------------------------------------------
def test_stored_query_catalogue_matches_the_files(server: LiveServer) -> None:
    files = sorted(p.stem for p in (Path(__file__).parents[1] / "queries").glob("*.rq"))
    catalogue = server.get("/api/queries").json()
    assert sorted(q["name"] for q in catalogue) == files
    by_name = {q["name"]: q for q in catalogue}
    drug = next(p for p in by_name["cases-by-drug"]["parameters"] if p["name"] == "drug")
    assert drug["type"] == "iri" and drug["required"] is True
    assert "SELECT" in by_name["cases-by-drug"]["text"]


def test_stored_query_rows(server: LiveServer) -> None:
    r = server.get("/api/queries/cases-by-drug", params={"drug": "dupilumab"})
    body = r.json()
    assert r.status_code == 200 and body["truncated"] is False and body["limit"] == CAP
    assert {row["case"]["value"] for row in body["rows"]} == SEED_CASES
    r = server.get("/api/queries/drug-targets-mechanisms", params={"drug": "DrugBank:DB12159", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert IL4R in {row["target"] for row in rows}


def test_stored_query_errors(server: LiveServer) -> None:
    r = server.get("/api/queries/no-such-query")
    assert r.status_code == 404 and "cases-by-drug" in r.json()["error"]
    r = server.get("/api/queries/cases-by-drug", params={"drug": " "})
    assert r.status_code == 400 and "empty term" in r.json()["error"]
    r = server.get("/api/queries/cases-by-drug", params={"drug": "dupilumabb"})
    assert r.status_code == 400 and "dupilumab" in r.json()["error"]  # did you mean
    r = server.get("/api/queries/cases-by-drug", params={"drug": "dupilumab", "colour": "red"})
    assert r.status_code == 400 and "colour" in r.json()["error"]


def test_openapi_describes_every_stored_query(server: LiveServer) -> None:
    doc = server.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    names = [q["name"] for q in server.get("/api/queries").json()]
    for name in names:
        op = doc["paths"][f"/api/queries/{name}"]["get"]
        assert op["responses"]["200"]
    params = {p["name"]: p for p in doc["paths"]["/api/queries/cases-by-drug"]["get"]["parameters"]}
    assert params["drug"]["required"] is True
    for path in ("/sparql", "/api/validate", "/api/submissions", "/api/explore", "/api/search"):
        assert path in doc["paths"]


def test_search_and_explore(server: LiveServer) -> None:
    found = server.get("/api/search", params={"q": "dupil"}).json()
    assert found[0] == {"iri": DUPILUMAB, "label": "dupilumab", "kind": "drug"}
    data = server.get("/api/explore", params={"term": "dupilumab"}).json()
    assert data["entity"]["iri"] == DUPILUMAB
    assert IL4R in {item["iri"] for item in data["sections"]["targets"]["items"]}
    assert {item["iri"] for item in data["sections"]["cases"]["items"]} == SEED_CASES
    # Case 1 of the cancer report: EASI 62 at presentation, 1.8 one month after starting dupilumab
    series = [s for s in data["scores"] if s["case"].endswith("advanced-cancer/case1") and "Eczema" in s["scale"]]
    assert [p["value"] for p in series[0]["points"]] == [62.0, 1.8]
    r = server.get("/api/explore", params={"term": "no such thing"})
    assert r.status_code == 400


# -- validation and submission ----------------------------------------------------------------------------
def _scored(old: str = "", new: str = "") -> bytes:
    """The scored test case (EASI 30, 12, 3 on dupilumab), with one change."""
    text = (DATA / "scored.case.json").read_text()
    assert old in text
    return text.replace(old, new, 1).encode()


JSON_TYPE = {"Content-Type": "application/json"}


def test_validate_a_conforming_case(server: LiveServer) -> None:
    r = server.post("/api/validate", content=_scored(), headers=JSON_TYPE)
    assert r.status_code == 200 and r.json() == {"conforms": True, "files": ["submitted.json"], "issues": []}


def test_validate_reports_in_curator_words(server: LiveServer) -> None:
    r = server.post("/api/validate", content=_scored('"value": 30', '"value": 300'), headers=JSON_TYPE)
    report = r.json()
    assert r.status_code == 200 and report["conforms"] is False
    [issue] = report["issues"]
    assert issue["location"] == "measurements[0]" and issue["value"] == "300"
    assert "outside the range" in issue["message"] and "0 to 72" in issue["message"]


def test_validate_unreadable_input_names_the_place(server: LiveServer) -> None:
    r = server.post("/api/validate", content=_scored('"value": 30', '"value": "thirty"'), headers=JSON_TYPE)
    assert r.status_code == 400
    assert "measurements[0].value" in r.json()["error"] and "number" in r.json()["error"]
    r = server.post("/api/validate", content=b'{"caseLabel": ', headers=JSON_TYPE)
    assert r.status_code == 400 and r.json()["error"].startswith("submitted.json:1:")
    r = server.post("/api/validate", content=b'<x:a> <x:b> .', headers={"Content-Type": "text/turtle"})
    assert r.status_code == 400 and r.json()["error"].startswith("submitted.ttl")
    r = server.post("/api/validate", content=b"  ", headers=JSON_TYPE)
    assert r.status_code == 400 and "empty" in r.json()["error"]


def test_validate_turtle_report(server: LiveServer) -> None:
    body = _scored('"drug": "ciclosporin"', '"drug": "no-such-drug"')
    r = server.post("/api/validate", content=body, headers={**JSON_TYPE, "Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    report = rdflib.Graph().parse(data=r.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in report
    assert (None, sh.value, rdflib.URIRef(CGR + "no-such-drug")) in report


def test_submission_needs_the_token_and_lands_whole(server: LiveServer) -> None:
    body = _scored()
    headers = JSON_TYPE
    assert server.post("/api/submissions", content=body, headers=headers).status_code == 403
    before = server.get("/healthz").json()["generation"]
    auth = {**headers, "Authorization": f"Bearer {TOKEN}"}
    r = server.post("/api/submissions", content=body, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["summary"]["accepted"] == 1
    assert server.get("/healthz").json()["generation"] == before + 1
    ask = f'ASK {{ ?case a <{CG}Case> ; <http://www.w3.org/2000/01/rdf-schema#label> "Scored patient (test document)" }}'
    assert server.get("/sparql", params={"query": ask}).json()["boolean"] is True  # readers see the new snapshot
    found = server.get("/api/search", params={"q": "scored pat"}).json()
    assert [(e["label"], e["kind"]) for e in found] == [("Scored patient (test document)", "case")]
    r = server.post("/api/submissions", content=body, headers=auth)
    assert r.status_code == 200 and r.json()["summary"]["duplicate"] == 1
    # a non-conforming document is refused and leaves the graph as it was
    broken = _scored('"value": 12', '"value": 120')
    r = server.post("/api/submissions", content=broken, headers=auth)
    assert r.status_code == 422 and r.json()["summary"]["rejected"] == 1
    assert "0 to 72" in r.text
    assert server.get("/healthz").json()["generation"] == before + 1


# -- protocol helpers (no server) --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "service"), [
    ("SELECT * { SERVICE <x:y> { ?s ?p ?o } }", True),
    ("select * { Service <x:y> { ?s ?p ?o } }", True),
    ('SELECT ("SERVICE" AS ?x) {}', False),
    ("SELECT ?service { ?service ?p ?o }", False),
    ("PREFIX service: <x:> SELECT * { service:a ?p ?o }", False),
    ("SELECT * { <http://x/SERVICE> ?p ?o } # SERVICE", False),
    ("SELECT * { ?s ?p ?o .SERVICE<x:y>{ ?s ?p ?o } }", True),
    ('SELECT * { ?s ?p """a\nSERVICE""" }', False),
])
def test_service_scanner(text: str, service: bool) -> None:
    assert protocol.uses_service(text) is service


def test_negotiation() -> None:
    assert protocol.negotiate("application/sparql-results+xml", "select") == "application/sparql-results+xml"
    assert protocol.negotiate("text/csv;q=0.5, application/json", "select") == "application/json"
    assert protocol.negotiate("application/sparql-results+xml, application/rdf+xml", "graph") == "application/rdf+xml"
    assert protocol.negotiate("*/*", "graph") == "text/turtle"
    assert protocol.negotiate(None, "select", "csv") == "text/csv"
    assert protocol.negotiate("application/sparql-results+json", "graph") == "text/turtle"
    assert protocol.operation_kind("PREFIX x: <y:> INSERT DATA { x:a x:b x:c }") == "update"
    assert protocol.operation_kind("# comment\nBASE <x:> ASK {}") == "query"
