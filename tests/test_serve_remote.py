"""``casegraph serve --endpoint``: the same web API in front of a real Virtuoso, giving the same answers as
in front of the embedded store."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import virtuoso
from support.live_server import LiveServer, live_server

TOKEN = "remote-token-91d0"
CG = "https://w3id.org/casegraph/ontology#"
SEED_CASES = {
    "https://w3id.org/casegraph/case/dupilumab-advanced-cancer/case1",
    "https://w3id.org/casegraph/case/dupilumab-advanced-cancer/case2",
    "https://w3id.org/casegraph/case/omalizumab-triggered-ad/case1",
    "https://w3id.org/casegraph/case/dupilumab-dermatomyositis/case1",
}
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    running = virtuoso.start(tmp_path_factory.mktemp("virtuoso-serve"))
    env = {"CASEGRAPH_ENDPOINT_USER": running.user, "CASEGRAPH_ENDPOINT_PASSWORD": running.password,
           "CASEGRAPH_UPDATE_TOKEN": TOKEN}
    try:
        with live_server(endpoint=running.endpoint, args=["--update-endpoint", running.update_endpoint], env=env,
                         startup=300) as srv:
            yield srv
    finally:
        running.stop()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from casegraph import build

    path = tmp_path_factory.mktemp("serve-embedded") / "store"
    build(path)
    with live_server(path) as srv:
        yield srv


def _rows(body: dict[str, Any], separators: list[str]) -> list[tuple[tuple[str, str], ...]]:
    """Rows as sorted tuples of (variable, value), numbers normalised (servers spell decimals differently)
    and GROUP_CONCAT lists sorted (SPARQL leaves their order to the server)."""
    out = []
    for row in body["rows"]:
        cells = []
        for name, term in row.items():
            value = term["value"]
            if value == "" and term["type"] == "literal":
                continue  # an aggregate over nothing: "" on Virtuoso, unbound on pyoxigraph (as in test_conformance)
            if term.get("datatype", "").rsplit("#", 1)[-1] in ("integer", "decimal", "double", "float"):
                value = repr(float(value))
            for sep in separators:
                if sep and sep in value:
                    value = sep.join(sorted(value.split(sep)))
            cells.append((name, value))
        out.append(tuple(sorted(cells)))
    return sorted(out)


def test_every_stored_query_answers_the_same(remote: LiveServer, embedded: LiveServer) -> None:
    catalogue = embedded.get("/api/queries").json()
    assert catalogue == remote.get("/api/queries").json()
    for query in catalogue:
        name, separators = query["name"], re.findall(r'separator\s*=\s*"([^"]*)"', query["text"])
        ours, theirs = embedded.get(f"/api/queries/{name}"), remote.get(f"/api/queries/{name}")
        assert ours.status_code == theirs.status_code == 200, (name, theirs.text)
        assert _rows(ours.json(), separators) == _rows(theirs.json(), separators), name


def test_sparql_and_explore_through_the_server(remote: LiveServer) -> None:
    query = f"SELECT DISTINCT ?case WHERE {{ ?case a <{CG}Case> }}"
    r = remote.get("/sparql", params={"query": query})
    assert {b["case"]["value"] for b in r.json()["results"]["bindings"]} == SEED_CASES
    assert remote.get("/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}).status_code == 403
    data = remote.get("/api/explore", params={"term": "dupilumab"}).json()
    assert {i["iri"] for i in data["sections"]["cases"]["items"]} == SEED_CASES
    assert "https://w3id.org/casegraph/reference/IL4R" in {i["iri"] for i in data["sections"]["targets"]["items"]}


def test_validate_and_submit_on_the_server(remote: LiveServer) -> None:
    body = (DATA / "scored.case.json").read_bytes()
    headers = {"Content-Type": "application/json"}
    bad = body.replace(b'"value": 30', b'"value": 300', 1)
    report = remote.post("/api/validate", content=bad, headers=headers).json()
    assert report["conforms"] is False and report["issues"][0]["location"] == "measurements[0]"
    assert remote.post("/api/submissions", content=body, headers=headers).status_code == 403
    r = remote.post("/api/submissions", content=body, headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    ask = f'ASK {{ ?c a <{CG}Case> ; <http://www.w3.org/2000/01/rdf-schema#label> "Scored patient (test document)" }}'
    assert remote.get("/sparql", params={"query": ask}).json()["boolean"] is True
    assert json.loads(remote.get("/healthz").text)["generation"] == 1
