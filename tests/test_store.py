"""The embedded store: idempotent builds, atomic replacement, term lookup, derived offsets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from casegraph import Store, build, explore, resolve_term
from casegraph.errors import UsageError
from casegraph.namespaces import CASES_GRAPH_PREFIX, ONTOLOGY_GRAPH, REFERENCE_GRAPH
from casegraph.store import fingerprint


def test_build_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "s"
    first = build(path)
    second = build(path)
    assert first.fingerprint == second.fingerprint == fingerprint()
    assert first.graphs == second.graphs
    unchanged = build(path, force=False)
    assert unchanged.rebuilt is False and unchanged.triples == first.triples


def test_one_named_graph_per_report(store: Store) -> None:
    graphs = store.graphs()
    assert ONTOLOGY_GRAPH in graphs and REFERENCE_GRAPH in graphs
    cases = sorted(g for g in graphs if g.startswith(CASES_GRAPH_PREFIX))
    assert [g.removeprefix(CASES_GRAPH_PREFIX) for g in cases] == [
        "dupilumab-advanced-cancer", "dupilumab-dermatomyositis", "omalizumab-triggered-ad"]


def test_every_case_fact_has_a_source(store: Store) -> None:
    missing = store.select("""
        SELECT ?x WHERE { ?x a cg:CaseEntity . FILTER NOT EXISTS { ?x a cg:TimePoint }
          FILTER NOT EXISTS { ?x a cg:DoseRegimen } FILTER NOT EXISTS { ?x a cg:Reason }
          FILTER NOT EXISTS { ?x a cg:Case } FILTER NOT EXISTS { ?x cg:statedIn ?r } }""")
    assert missing == []


def test_offsets_are_derived_in_days(store: Store) -> None:
    rows = store.select("""
        SELECT ?d WHERE { <https://w3id.org/casegraph/case/dupilumab-advanced-cancer/t1-dupi-18m> cg:offsetDays ?d }""")
    assert Decimal(rows[0]["d"].value) == Decimal("18") * Decimal("30.4375")


def test_failed_build_leaves_the_old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s"
    build(path)
    import casegraph.store as store_module

    def broken(self: Store, sparql: str) -> None:
        raise RuntimeError("simulated crash while deriving")

    monkeypatch.setattr(store_module.Store, "_update", broken)
    with pytest.raises(RuntimeError):
        build(path)
    monkeypatch.undo()
    with Store(path) as reopened:
        assert reopened.is_built()
    assert not list(tmp_path.glob(".s.building-*"))


@pytest.mark.parametrize(("text", "iri_end"), [
    ("dupilumab", "reference/dupilumab"),
    ("Dupixent", "reference/dupilumab"),
    ("anti-IL-4Rα", "reference/dupilumab"),
    ("DrugBank:DB12159", "reference/dupilumab"),
    ("https://go.drugbank.com/drugs/DB12159", "reference/dupilumab"),
    ("CD20", "reference/MS4A1"),
    ("HGNC:6015", "reference/IL4R"),
    ("MONDO:0016367", "reference/dermatomyositis"),
    ("cgr:il31-itch-axis", "reference/il31-itch-axis"),
    ("<https://w3id.org/casegraph/reference/asthma>", "reference/asthma"),
])
def test_terms_resolve(store: Store, text: str, iri_end: str) -> None:
    assert resolve_term(store, text).endswith(iri_end)


def test_unknown_term_suggests(store: Store) -> None:
    with pytest.raises(UsageError, match="omalizumab"):
        resolve_term(store, "omalizumb")


def test_explore_mechanism_reaches_cases(store: Store) -> None:
    hood = explore(store, "IL-4/IL-13 signalling")
    assert "dupilumab" in hood.labels("drugs")
    assert hood.count("cases") == 4
    disease = explore(store, "dermatomyositis")
    assert {"dupilumab", "rituximab", "prednisone"} <= disease.labels("drugs given")
    assert "prednisone" in disease.labels("approved drugs")
