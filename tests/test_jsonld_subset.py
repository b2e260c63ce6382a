"""The direct reading of case documents gives exactly what pyoxigraph's JSON-LD parser gives."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from casegraph import jsonld_subset
from casegraph.casedoc import context, document_triples, load_json, load_yaml, processed_context, to_jsonld

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/casegraph/submission/0123456789abcdef/"
DOCUMENTS = sorted([*(ROOT / "data" / "examples").glob("*.case.*"), *(ROOT / "tests" / "data").glob("*.case.*")])


def _parser(graph: list[Any], base: str = BASE) -> set[ox.Triple]:
    document = {"@context": [context(), {"@base": base}], "@graph": graph}
    quads = ox.parse(json.dumps(document).encode(), format=ox.RdfFormat.JSON_LD, base_iri=base)
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


def _fast(graph: list[Any], base: str = BASE) -> list[ox.Triple]:
    return jsonld_subset.triples(graph, processed_context(), base)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_shipped_document_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = load_yaml(path, text) if path.suffix in (".yaml", ".yml") else load_json(path, text)
    document, _ = to_jsonld(data, BASE)
    fast = _fast(document["@graph"])
    assert len(fast) == len(set(fast)) > 50
    assert set(fast) == _parser(document["@graph"])


def test_values_of_every_kind_read_the_same() -> None:
    graph = [
        {"id": "case", "type": "Case", "label": "a \"quoted\" label\nwith a new line", "caseLabel": "ü ß 中"},
        {"id": "#/patient", "type": ["Patient"], "age": 16, "sex": "male", "newlyDiagnosed": True,
         "conditions": [{"id": "#/conditions/0", "type": "Condition", "disease": "MONDO:0004980",
                         "role": "primary", "status": "in-remission", "bodySites": ["face", "neck"]},
                        {"id": "c2", "type": "Condition", "disease": "http://example.org/some-disease",
                         "complicationOf": "#/conditions/0"}],
         "measurements": [{"id": "m1", "type": "Measurement", "value": 12.5},
                          {"id": "m2", "type": "Measurement", "value": 0.1},
                          {"id": "m3", "type": "Measurement", "value": 3.0},
                          {"id": "m4", "type": "Measurement", "value": -250},
                          {"id": "m5", "type": "Measurement", "value": 1e22}],
         "treatments": [{"id": "t1", "type": "DrugTreatment", "drug": "dupilumab", "route": "subcutaneous"}],
         "unknownKey": "dropped", "note": None},
        {"id": "source", "type": "CaseReport", "year": 2021, "month": "3", "doi": "10.1000/x"},
        {"id": "#/drugs/0", "type": "Drug", "drug": "Case", "targets": ["il4ra", "HGNC:6015"]},
    ]
    fast = _fast(graph)
    assert set(fast) == _parser(graph)
    values = {t.object.value for t in fast if isinstance(t.object, ox.Literal)}
    assert {"1.25E1", "1.0E-1", "3", "-250", "1.0E22", "true", "16"} <= values


def test_shortest_double_form_matches_the_parser() -> None:
    rng = random.Random(7)
    values = [0.1, 12.5, -0.25, 1e-7, 2.5e-5, 99.95, 1.7976931348623157e308, 5e-324]
    values += [rng.uniform(-1000, 1000) for _ in range(500)]
    values += [rng.random() * 10 ** rng.randint(-30, 30) for _ in range(500)]
    values += [float(rng.randint(1, 10**9)) * 10 ** rng.randint(0, 25) for _ in range(200)]
    for value in values:
        graph = [{"id": "m", "value": value}]
        assert _fast(graph) == list(_parser(graph)), value


def test_relative_references_resolve_against_the_base() -> None:
    graph = [{"id": "t0.1", "inCase": "case", "statedIn": "#/source", "hasCase": "a-b_c~d#/x/0"}]
    assert set(_fast(graph)) == _parser(graph)


@pytest.mark.parametrize("graph", [
    [{"type": "Case", "label": "a blank node"}],
    [{"id": "x", "patient": {"type": "Patient", "age": 3}}],
    [{"id": "x", "label": {"@value": "v", "@language": "en"}}],
    [{"id": "x", "@reverse": {"cg:inCase": {"id": "y"}}}],
    [{"id": "x", "treatments": ["not a node"]}],
    [{"id": "_:b0", "label": "a blank node id"}],
    [{"id": "type", "label": "an id that is a keyword alias"}],
    [{"id": "n", "inCase": "id"}],
    [{"id": "n", "disease": "id"}],
    [{"id": "n", "value": 10**20}],
    [{"id": "a b", "label": "not an IRI"}],
    [{"id": "n", "caseLabel": "\ud800"}],
    [{"id": "?", "label": "an empty query"}],
    [{"id": "a//b", "label": "an empty segment"}],
    [{"id": "../up", "label": "a dot segment"}],
    [{"id": "1:x", "label": "a colon without a scheme"}],
    [{"id": "a", "@id": "b", "label": "two ids"}],
], ids=["no-id", "nested-blank", "value-object", "reverse-keyword", "reverse-string", "blank-id", "alias-id",
        "alias-ref", "alias-vocab", "big-int", "space", "surrogate", "empty-query", "empty-segment", "dot-segment",
        "colon", "two-ids"])
def test_beyond_the_subset_falls_back_to_the_parser(graph: list[Any]) -> None:
    with pytest.raises(jsonld_subset.Unsupported):
        _fast(graph)
    document = {"@context": [context(), {"@base": BASE}], "@graph": graph}
    try:
        expected = _parser(graph)
    except SyntaxError:
        return  # not even JSON-LD: the fallback reports it
    assert _shape(document_triples(Path("x.json"), document, BASE)) == _shape(expected)


def _shape(triples: Any) -> list[str]:
    """Triples with blank node labels hidden (two parses label them differently)."""
    def show(term: Any) -> str:
        return "_:b" if isinstance(term, ox.BlankNode) else str(term)
    return sorted(f"{show(t.subject)} {t.predicate} {show(t.object)}" for t in triples)
