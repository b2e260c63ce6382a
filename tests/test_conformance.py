"""One conformance suite, two stores: the embedded pyoxigraph store and a real Virtuoso 7 server.

Every stored query, validation, submission and withdrawal, exploration, path and reasoning run is done on
both, and the answers must be the same. What the two may legitimately differ in is normalised, and only
that: Virtuoso stores numbers as values (``"62"^^xsd:decimal`` comes back as ``62`` typed integer), joins
GROUP_CONCAT parts in its own order, gives ``""`` where an aggregate of nothing is unbound in pyoxigraph,
and drops the language tag of a concatenation. Row order is compared only where the query has an ORDER BY
on plain values. The server is started by the session, on 127.0.0.1 and free ports, and never skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from casegraph import Store, build, open_store, resources
from casegraph.backend import GraphStore
from casegraph.errors import StoreError
from casegraph.explore import explore
from casegraph.intake import list_submissions, submit, withdraw
from casegraph.namespaces import CASE, GRAPH
from casegraph.paths import find_paths
from casegraph.queries import find_query, list_queries, run_query
from casegraph.readers import read_submission
from casegraph.reasoning import reason
from casegraph.remote import STAGING, RemoteStore
from casegraph.store import build_on_server
from casegraph.validate import validate_submissions
from support import virtuoso

DATA = Path(__file__).parent / "data"
TYPICAL = DATA / "omalizumab-ad.case.json"
#: A small cap, so that ordinary reads (a whole graph, the ontology) already meet it and are paged.
MAX_ROWS = 1500

#: Parameters that make each stored query answer something, taken from the seed reports.
PARAMS: dict[str, list[dict[str, str]]] = {
    "cases-by-drug": [{"drug": "dupilumab"}, {"drug": "omalizumab"}],
    "concomitant-medications": [{"drug": "dupilumab"}],
    "drug-targets-mechanisms": [{}, {"drug": "dupilumab"}],
    "mechanism-to-outcomes": [{"mechanism": "IL-4/IL-13 signalling"}, {"mechanism": "IgE/FcεRI signalling"}],
    "mechanistic-claims": [{}, {"evidence": "hypothesis"}, {"entity": "omalizumab"}],
    "off-label-uses": [{}],
    "prior-treatments": [{"biologic": "dupilumab"}],
    "recommendations": [{}],
    "time-to-improvement": [{"drug": "dupilumab"}],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso.Virtuoso]:
    running = virtuoso.start(tmp_path_factory.mktemp("virtuoso"), max_rows=MAX_ROWS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def remote(server: virtuoso.Virtuoso) -> RemoteStore:
    store = RemoteStore(server.endpoint, server.update_endpoint, user=server.user, password=server.password)
    build_on_server(store)
    return store


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("conformance") / "store"
    build(path)
    with open_store(path, build_if_missing=False) as store:
        yield store


def _separators(text: str) -> list[str]:
    return re.findall(r'separator\s*=\s*"([^"]*)"', text)


def _cell(term: Any, separators: list[str]) -> tuple[str, str] | None:
    if isinstance(term, ox.Literal):
        if term.datatype.value.rsplit("#", 1)[-1] in ("integer", "decimal", "double", "float", "int", "long"):
            return ("number", str(Decimal(term.value).normalize()))
        value = term.value
        if value == "":
            return None  # an aggregate over nothing: "" on Virtuoso, unbound on pyoxigraph
        for sep in separators:
            if sep and sep in value:
                value = sep.join(sorted(value.split(sep)))
        return ("literal", value)
    return ("node", str(term))


def answer(store: GraphStore, name: str, params: dict[str, str]) -> list[str]:
    """The rows of a stored query, each cell normalised as the module docstring says, sorted."""
    query = find_query(name)
    result = run_query(store, query, params)
    seps = _separators(query.text)
    rows = []
    for row in result.terms:
        cells = {k: _cell(v, seps) for k, v in row.items()}
        rows.append(json.dumps({k: v for k, v in cells.items() if v is not None}, sort_keys=True))
    return sorted(rows)


CASES = [(q.name, p) for q in list_queries() for p in PARAMS.get(q.name, [{}])]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_every_stored_query_answers_the_same(embedded: Store, remote: RemoteStore, name: str,
                                             params: dict[str, str]) -> None:
    expected = answer(embedded, name, params)
    assert answer(remote, name, params) == expected


def test_the_stored_queries_are_not_trivially_equal(embedded: Store) -> None:
    """Most answers have rows, so equal answers mean something (the seeds' own facts)."""
    empty = [f"{n} {p}" for n, p in CASES if not answer(embedded, n, p)]
    assert len(empty) <= 2, empty


def test_the_server_holds_the_same_graphs(embedded: Store, remote: RemoteStore) -> None:
    assert remote.graphs() == embedded.graphs()
    assert remote.fingerprint() == embedded.fingerprint()


def test_a_capped_answer_is_fetched_whole(embedded: Store, remote: RemoteStore) -> None:
    """Virtuoso cuts answers at ResultSetMaxRows and says so only in a header: the pages add up."""
    text = f'SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{GRAPH}")) }}'
    rows = list(remote.query(text))
    assert len(rows) > MAX_ROWS
    assert len(rows) == len(embedded)
    assert remote.page_size == MAX_ROWS
    ontology = sorted(str(t) for t in remote.triples(f"{GRAPH}ontology") if not isinstance(t.subject, ox.BlankNode)
                      and not isinstance(t.object, ox.BlankNode))
    assert ontology == sorted(str(t) for t in embedded.triples(f"{GRAPH}ontology")
                              if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode))


def test_a_large_write_goes_in_whole_through_staging(remote: RemoteStore) -> None:
    graph = f"{GRAPH}test-large-write"
    quads = [ox.Quad(ox.NamedNode(f"urn:casegraph:test:{i}"), ox.NamedNode("urn:casegraph:test:p"),
                     ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                     ox.NamedNode(graph)) for i in range(4000)]
    blank = ox.BlankNode()
    quads += [ox.Quad(ox.NamedNode("urn:casegraph:test:0"), ox.NamedNode("urn:casegraph:test:q"), blank,
                      ox.NamedNode(graph)),
              ox.Quad(blank, ox.NamedNode("urn:casegraph:test:r"), ox.Literal("one node"), ox.NamedNode(graph))]
    try:
        remote.add(quads)
        assert remote.graphs()[graph] == len(quads)
        linked = remote.select("SELECT ?v WHERE { <urn:casegraph:test:0> <urn:casegraph:test:q>/<urn:casegraph:test:r> ?v }")
        assert [r["v"].value for r in linked] == ["one node"]
        staging = remote.select(
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{STAGING}")) }}')
        assert staging == []
    finally:
        remote.update(f"DROP SILENT GRAPH <{graph}>")
    assert graph not in remote.graphs()


def _validation(store: GraphStore, path: Path) -> list[tuple[str, str, str]]:
    report = validate_submissions([read_submission(path)], store)
    return sorted((i.severity, i.location or i.field or "", i.message) for i in report.issues)


def test_validation_gives_the_same_report(embedded: Store, remote: RemoteStore, tmp_path: Path) -> None:
    doc = json.loads(TYPICAL.read_text())
    assert _validation(remote, TYPICAL) == _validation(embedded, TYPICAL)
    # EASI runs from 0 to 72 in the reference data
    doc["measurements"] = [{"scale": "easi", "value": 80, "at": "presentation", "measurementOf": "ad", "quote": "EASI"}]
    bad = tmp_path / "bad.case.json"
    bad.write_text(json.dumps(doc))
    issues = _validation(embedded, bad)
    assert any(severity == "violation" for severity, _, _ in issues)
    assert _validation(remote, bad) == issues


def _state(store: GraphStore) -> dict[str, Any]:
    return {"graphs": {g: n for g, n in store.graphs().items()},
            "paradoxical": answer(store, "paradoxical-reactions", {}),
            "cases": answer(store, "cases-by-drug", {"drug": "omalizumab"})}


def test_submit_and_withdraw_do_the_same_on_both(embedded: Store, remote: RemoteStore) -> None:
    before = _state(embedded)
    assert _state(remote) == before
    outcomes: dict[str, str] = {}
    for store in (embedded, remote):
        summary = submit(store, [TYPICAL])
        assert [o.status for o in summary.outcomes] == ["accepted"]
        accepted = summary.outcomes[0].id
        assert accepted is not None
        outcomes[type(store).__name__] = accepted
    assert outcomes["Store"] == outcomes["RemoteStore"]
    after = _state(embedded)
    assert after != before  # the submission added a graph and a paradoxical reaction
    assert _state(remote) == after
    assert [r.id for r in list_submissions(remote)] == [r.id for r in list_submissions(embedded)]
    again = submit(remote, [TYPICAL])  # the same content twice is stored once
    assert [o.status for o in again.outcomes] == ["duplicate"]
    for store in (embedded, remote):
        withdraw(store, outcomes["Store"])
    assert _state(embedded) == before
    assert _state(remote) == before


#: Terms explored on both stores, with sections each must show so that equal answers compare something: a drug
#: whose cases have outcomes and scores, a mechanism, a disease, a target, and a case (by IRI) whose report has a
#: DOI but no PMID, the document Virtuoso 7 gave an empty ", PMID:" for.
EXPLORED = {
    "dupilumab": {"targets", "outcomes", "scores", "score changes", "claims"},
    "IL-4/IL-13 signalling": {"drugs", "outcomes", "claims"},
    "dermatomyositis": {"drugs given", "outcomes", "claims"},
    "IL-31": {"mechanisms", "claims"},
    f"{CASE}omalizumab-triggered-ad/case1": {"report", "findings", "treatments", "outcomes", "claims"},
}


@pytest.mark.parametrize("term", EXPLORED)
def test_explore_reads_the_same(embedded: Store, remote: RemoteStore, term: str) -> None:
    ours, theirs = explore(embedded, term, depth=2), explore(remote, term, depth=2)
    assert EXPLORED[term] <= {name for name, links in ours.sections.items() if links}, sorted(ours.sections)
    assert theirs.to_text() == ours.to_text()
    # the JSON adds the network within two hops: every edge with its detail, sources, cited works and quote
    assert theirs.to_json() == ours.to_json()


def test_explored_case_shows_its_report_and_sources_whole(embedded: Store, remote: RemoteStore) -> None:
    """The report's DOI and the claims' stating document, word for word, with nothing for the missing PMID."""
    report = "Atopic Dermatitis Triggered by Omalizumab and Treated With Dupilumab (case report)"
    for store in (embedded, remote):
        hood = explore(store, f"{CASE}omalizumab-triggered-ad/case1")
        assert [(link.label, link.detail) for link in hood.sections["report"]] == [(report, "doi:10.12788/cutis.0878")]
        assert {link.sources for link in hood.sections["claims"]} == {(f"{report}, doi:10.12788/cutis.0878",)}


#: Pairs whose paths are compared whole on both stores (scope): claims stated in reports with and without a
#: DOI and supported by cited works, the report's own cg:leadsTo chains (one starts at dupilumab's claim on
#: IL-4Rα, the one Virtuoso 7 once lost), and, with every relation, a case with its treatments and outcomes.
PATHS = [("omalizumab", "dupilumab", "mechanistic"), ("dupilumab", "dermatomyositis", "mechanistic"),
         ("dupilumab", "IL-4/IL-13 signalling", "mechanistic"), ("rituximab", "dupilumab", "all")]


@pytest.mark.parametrize(("a", "b", "scope"), PATHS, ids=[f"{a}-{b}-{scope}" for a, b, scope in PATHS])
def test_path_reads_the_same(embedded: Store, remote: RemoteStore, a: str, b: str, scope: str) -> None:
    """Every path whole: hops, facts with their direction, detail, evidence, condition, source, cited works,
    quote and chains."""
    ours, theirs = find_paths(embedded, a, b, scope=scope), find_paths(remote, a, b, scope=scope)
    assert ours.paths, (a, b)
    assert theirs.to_text() == ours.to_text()
    assert theirs.to_json() == ours.to_json()


def test_compared_paths_carry_sources_cited_works_and_chains(embedded: Store) -> None:
    """What the path comparisons above rest on is there: a source with a DOI, one without, cited works and the
    chain from dupilumab's claim on IL-4Rα."""
    facts = [f for a, b, scope in PATHS for p in find_paths(embedded, a, b, scope=scope).paths for h in p.hops
             for f in h.facts]
    sources = {f.source for f in facts}
    assert "Atopic Dermatitis Triggered by Omalizumab and Treated With Dupilumab (case report), doi:10.12788/cutis.0878" \
        in sources
    assert "Case report: dupilumab in two patients with advanced cancer" in sources
    assert any("doi:10.1111/bjd.16498" in f.cited for f in facts)
    assert any(f.claim.endswith("/claim-dupilumab-blocks-il4r")
               and f.leads_to == (f"{CASE}dupilumab-advanced-cancer/claim-dupilumab-blocks-il4-il13",) for f in facts)


def test_internal_queries_never_test_bound() -> None:
    """Virtuoso 7 can take BOUND() of an unmatched OPTIONAL as true: the package's own queries test a part with
    COALESCE(STR(?x), "") != "" instead (comments aside)."""
    texts = {q.name: "\n".join(line for line in q.read_text(encoding="utf-8").splitlines()
                               if not line.lstrip().startswith("#"))
             for q in sorted(Path(resources.__file__).with_name("sparql").glob("*.rq"))}
    assert len(texts) >= 10
    assert [name for name, text in texts.items() if re.search(r"\bBOUND\s*\(", text, re.IGNORECASE)] == []


def test_reasoning_infers_the_same(embedded: Store, remote: RemoteStore) -> None:
    theirs, ours = reason(remote), reason(embedded)
    assert theirs.consistent and ours.consistent
    assert theirs.classes == ours.classes and theirs.relations == ours.relations
    assert theirs.classes.get("cg:ParadoxicalReactionToBiologic", 0) >= 1
    assert remote.graphs() == embedded.graphs()


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("casegraph") or sys.executable
    cmd = [exe, *args] if exe.endswith("casegraph") else [exe, "-m", "casegraph", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def test_the_command_line_works_the_same_against_the_server(embedded: Store, remote: RemoteStore,
                                                             server: virtuoso.Virtuoso) -> None:
    from casegraph.formats import render

    local_csv = render(run_query(embedded, "cases-by-drug", {"drug": "dupilumab"}), "csv")  # the store is open here
    creds = {"CASEGRAPH_ENDPOINT_USER": server.user, "CASEGRAPH_ENDPOINT_PASSWORD": server.password}
    far = _cli("query", "cases-by-drug", "-p", "drug=dupilumab", "--format", "csv", "--endpoint", server.endpoint,
               "--update-endpoint", server.update_endpoint, env=creds)
    assert far.returncode == 0, far.stderr

    def numbers(csv: str) -> list[str]:  # 62 and 62.0: the same value, as the module docstring says
        return sorted(re.sub(r"\b(\d+)\.0\b", r"\1", line) for line in csv.splitlines())

    assert numbers(far.stdout) == numbers(local_csv)
    assert len(far.stdout.splitlines()) == 10  # a header and the nine measurements of dupilumab's cases


def test_server_errors_are_clear_and_exit_3(server: virtuoso.Virtuoso, tmp_path: Path) -> None:
    unreachable = _cli("query", "score-change", "--endpoint", f"http://127.0.0.1:{virtuoso.free_port()}/sparql")
    assert unreachable.returncode == 3
    assert "cannot reach the SPARQL endpoint" in unreachable.stderr and "Traceback" not in unreachable.stderr
    wrong = _cli("submit", str(TYPICAL), "--endpoint", server.endpoint, "--update-endpoint", server.update_endpoint,
                 env={"CASEGRAPH_ENDPOINT_USER": "dba", "CASEGRAPH_ENDPOINT_PASSWORD": "not-the-password"})
    assert wrong.returncode == 3, wrong.stdout + wrong.stderr
    assert "credentials" in wrong.stderr or "Unauthorized" in wrong.stderr
    not_url = _cli("query", "score-change", "--endpoint", "127.0.0.1:8890/sparql")
    assert not_url.returncode == 3 and "http(s) URL" in not_url.stderr
    with pytest.raises(StoreError):
        RemoteStore("ftp://example.org/sparql")


def test_bulk_import_of_thousands_of_files_on_the_server(tmp_path: Path) -> None:
    """Bulk import into Virtuoso, on a server of its own (the shared one must keep the seed graph only):
    2,000 synthetic files, a share of them broken; the broken ones (as the generator's manifest records them)
    are rejected, every other one is on the server, whole, and the summary says so."""
    from casegraph.synth import load_manifest, synthesize

    folder = tmp_path / "cases"
    summary = synthesize(2000, 21, folder, invalid_rate=0.02, fmt="mixed")
    records = load_manifest(folder)[1:]
    broken = {r["file"] for r in records if not r["valid"]}
    assert len(records) == 2000 and len(broken) == len(summary.invalid) == 40
    running = virtuoso.start(tmp_path / "virtuoso", max_rows=MAX_ROWS)
    try:
        server = RemoteStore(running.endpoint, running.update_endpoint, user=running.user, password=running.password)
        build_on_server(server)
        creds = {"CASEGRAPH_ENDPOINT_USER": running.user, "CASEGRAPH_ENDPOINT_PASSWORD": running.password}
        done = _cli("submit", str(folder), "--endpoint", running.endpoint, "--update-endpoint",
                    running.update_endpoint, "--format", "json", env=creds)
        assert done.returncode == 1, done.stderr[-2000:]  # some rejected, none unreadable
        result = json.loads(done.stdout)
        assert result["summary"] == {"accepted": 1960, "duplicate": 0, "rejected": 40, "unreadable": 0}
        assert {Path(f["file"]).name for f in result["files"] if f["status"] == "rejected"} == broken
        assert "Traceback" not in done.stderr
        on_server = list_submissions(server)
        assert sorted(r.file for r in on_server) == sorted(r["file"] for r in records if r["valid"])
        # each whole: its triples as the registry records them, its derived graph and its report
        graphs = server.graphs()
        for record in on_server[:: 97]:
            assert graphs[record.graph] == record.triples
            assert record.graph + "/derived" in graphs and record.graph + "/report" in graphs
    finally:
        running.stop()
