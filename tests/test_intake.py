"""Submissions: every accepted format, reports in the submitter's words, de-identification, refusal of
anything that reaches outside the file, bad input, and atomic intake (including a SIGKILL mid-batch)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from casegraph import build
from casegraph.errors import InputError
from casegraph.intake import list_submissions, submit, withdraw
from casegraph.namespaces import REGISTRY_GRAPH
from casegraph.readers import read_submission
from casegraph.store import Store, open_store
from casegraph.validate import validate_submissions
from support.cli import run, run_stdout

DATA = Path(__file__).parent / "data"
CASE_DOC = DATA / "omalizumab-ad.case.json"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PHENOPACKET = DATA / "omalizumab-ad.phenopacket.json"
SHARED = Path(__file__).resolve().parents[2] / "shared"
CG = "https://w3id.org/casegraph/ontology#"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "store"
    build(path)
    return path


@pytest.fixture
def store_dir(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(template, target)
    return target


@pytest.fixture
def store(store_dir: Path) -> Iterator[Store]:
    with open_store(store_dir, build_if_missing=False) as s:
        yield s


def doc(**changes: object) -> dict[str, object]:
    data: dict[str, object] = json.loads(CASE_DOC.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path



def quad_count(store_dir: Path) -> int:
    with Store(store_dir) as s:
        return len(s)


# --- formats ---------------------------------------------------------------------------------------
def test_case_document_json_is_rdf_through_the_shipped_context() -> None:
    sub = read_submission(CASE_DOC)
    assert sub.format == "case-json"
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in sub.triples}
    patient = sub.base + "#/patient"
    assert (patient, CG + "ageAtPresentation", "16") in triples
    assert (patient, CG + "sex", CG + "Male") in triples
    # "MONDO:0004979" is the reference term for asthma; "ad" resolves to the condition of that id
    assert (sub.base + "asthma", CG + "disease", "https://w3id.org/casegraph/reference/asthma") in triples
    assert (sub.base + "dupilumab", CG + "indication", sub.base + "ad") in triples
    assert sub.node_paths[sub.base + "#/treatments/1/doses/0"] == "treatments[1].doses[0]"
    assert validate_submissions([sub]).conforms


def test_yaml_document_gives_the_same_triples(tmp_path: Path) -> None:
    import yaml

    yaml_file = tmp_path / "case.yaml"
    yaml_file.write_text(yaml.safe_dump(json.loads(CASE_DOC.read_text(encoding="utf-8"))), encoding="utf-8")
    a, b = read_submission(CASE_DOC), read_submission(yaml_file)
    assert b.format == "case-yaml"

    def norm(sub: object) -> set[tuple[str, str, str]]:
        base = sub.base  # type: ignore[attr-defined]
        return {(t.subject.value.replace(base, ""), t.predicate.value, t.object.value.replace(base, ""))
                for t in sub.triples}  # type: ignore[attr-defined]

    assert norm(a) == norm(b)


@pytest.mark.parametrize("fmt,suffix", [(ox.RdfFormat.TURTLE, ".ttl"), (ox.RdfFormat.N_TRIPLES, ".nt"),
                                        (ox.RdfFormat.RDF_XML, ".rdf"), (ox.RdfFormat.JSON_LD, ".jsonld")])
def test_rdf_syntaxes_read_to_the_same_graph(tmp_path: Path, fmt: ox.RdfFormat, suffix: str) -> None:
    source = read_submission(CASE_DOC)
    path = tmp_path / f"case{suffix}"
    path.write_bytes(ox.serialize(source.triples, format=fmt) or b"")
    sub = read_submission(path)
    assert len(sub.triples) == len(source.triples)
    assert validate_submissions([sub]).conforms


def test_format_from_content_when_the_extension_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "case.txt"
    path.write_text(CASE_DOC.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_submission(path).format == "case-json"
    ttl = tmp_path / "case.data"
    ttl.write_text("@prefix cg: <https://w3id.org/casegraph/ontology#> .\n<http://x/a> cg:caseLabel \"x\" .\n")
    assert read_submission(ttl).format == "turtle"
    assert read_submission(path, fmt="case-json").format == "case-json"


def test_phenopacket_is_mapped_onto_the_model() -> None:
    sub = read_submission(PHENOPACKET)
    assert sub.format == "phenopacket"
    t = {(x.subject.value, x.predicate.value, x.object.value) for x in sub.triples}
    b = sub.base
    ref = "https://w3id.org/casegraph/reference/"
    assert (b + "patient", CG + "ageAtPresentation", "16") in t
    assert (b + "patient", CG + "sex", CG + "Male") in t
    assert (b + "source", CG + "doi", "10.12788/cutis.0878") in t
    omalizumab = b + "#/medicalActions/0/treatment"
    dupilumab = b + "#/medicalActions/1/treatment"
    assert (omalizumab, CG + "agent", ref + "omalizumab") in t  # DrugBank:DB00043 -> the reference term
    assert (omalizumab, CG + "route", ref + "route-injection") in t
    assert (dupilumab, CG + "agent", ref + "dupilumab") in t
    assert (omalizumab, CG + "status", CG + "Discontinued") in t
    reason = b + "#/medicalActions/0/treatmentTerminationReason"
    assert (reason, CG + "reasonKind", CG + "AdverseEventReason") in t
    outcome = b + "#/medicalActions/1/responseToTreatment"
    assert (outcome, CG + "responseTo", dupilumab) in t
    assert (outcome, CG + "outcomeType", ref + "outcome-improvement") in t
    indication = next(o for s, p, o in t if s == dupilumab and p == CG + "indication")
    assert (indication, CG + "disease", ref + "atopic-dermatitis") in t
    event = b + "#/medicalActions/0/adverseEvents/0"
    assert (event, CG + "suspectedCause", omalizumab) in t
    report = validate_submissions([sub])
    assert report.conforms, report.to_text()
    assert any(i.location == "medicalActions[0].treatment.cg:sourceText" for i in report.issues)


@pytest.mark.parametrize(("label", "kind"), [
    ("Favorable response", "outcome-improvement"), ("Improved", "outcome-improvement"),
    ("No improvement", "outcome-no-improvement"), ("Not improved", "outcome-no-improvement"),
    ("Unfavorable response", "outcome-no-improvement"), ("Non-responder", "outcome-no-improvement"),
    ("Partial response", "outcome-partial-improvement"), ("Complete response", "outcome-complete-resolution"),
    ("Progressive disease", "outcome-worsening"), ("Stable disease", "outcome-persistent"),
    ("Non response", "outcome-no-improvement"), ("Failed to improve", "outcome-no-improvement"),
    ("Unimproved", "outcome-no-improvement"), ("Incomplete response", "outcome-partial-improvement"),
    ("No worsening", "outcome-persistent"),
])
def test_a_phenopacket_response_keeps_its_sense(tmp_path: Path, label: str, kind: str) -> None:
    """The response label decides the outcome type; a negated one is never read as an improvement."""
    doc = json.loads(PHENOPACKET.read_text(encoding="utf-8"))
    doc["medicalActions"][1]["responseToTreatment"]["label"] = label
    path = tmp_path / "response.phenopacket.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    sub = read_submission(path)
    outcome = ox.NamedNode(sub.base + "#/medicalActions/1/responseToTreatment")
    kinds = {t.object.value for t in sub.triples if t.subject == outcome and t.predicate.value == CG + "outcomeType"}
    assert kinds == {"https://w3id.org/casegraph/reference/" + kind}


@pytest.mark.skipif(not (SHARED / "phenopackets").is_dir(), reason="../shared is not beside this checkout")
def test_real_phenopackets_are_read() -> None:
    files = sorted((SHARED / "phenopackets" / "store-sample").glob("*.json"))
    assert files
    for path in files:
        sub = read_submission(path)
        assert sub.format == "phenopacket"
        preds = {t.predicate.value for t in sub.triples}
        assert CG + "pmid" in preds, path


# --- reports in the submitter's words ----------------------------------------------------------------
def test_report_names_the_json_key_path_value_and_what_is_allowed(tmp_path: Path) -> None:
    data = doc()
    data["treatments"][1]["drug"] = "dupilumb"  # type: ignore[index]
    report = validate_submissions([read_submission(write(tmp_path / "c.json", data))])
    issue = next(i for i in report.violations if i.location == "treatments[1].drug")
    assert issue.value and issue.value.endswith("dupilumb")
    text = report.to_text()
    assert "treatments[1].drug" in text and "VIOLATION" in text


def test_value_outside_the_scale_range_is_a_violation(tmp_path: Path) -> None:
    data = doc(measurements=[{"scale": "easi", "value": 80, "at": "presentation", "measurementOf": "ad", "quote": "EASI"}])
    report = validate_submissions([read_submission(write(tmp_path / "c.json", data))])
    # EASI runs from 0 to 72 (the scale's range in the reference data).
    assert any(i.location and i.location.startswith("measurements[0]")
               and re.search(r"\b0(\.0)? to 72(\.0)?\b", i.message) for i in report.violations)


def test_source_without_identifier_is_rejected(tmp_path: Path) -> None:
    report = validate_submissions([read_submission(write(tmp_path / "c.json", doc(source={"title": "A case"})))])
    assert any(i.location == "source" and "DOI" in i.message for i in report.violations)
    ok = doc(source={"unpublished": True, "submitter": "a dermatology department"})
    assert validate_submissions([read_submission(write(tmp_path / "u.json", ok))]).conforms


def test_json_report_and_turtle_report(tmp_path: Path) -> None:
    data = doc()
    data["patient"] = {"age": 16, "sex": "male", "quote": "x", "name": "John"}
    path = write(tmp_path / "c.json", data)
    code, out = run_stdout("validate", str(path), "--format", "json", "--store", str(tmp_path / "s"))
    assert code == 1
    issues = json.loads(out)["issues"]
    assert issues[0]["location"] == "patient.name" and "Safe Harbor" in issues[0]["message"]
    code, out = run("validate", str(CASE_DOC), "--format", "turtle", "--store", str(tmp_path / "s"))
    assert code == 0 and "sh:ValidationReport" in out


# --- de-identification ---------------------------------------------------------------------------------
@pytest.mark.parametrize("key,value", [("name", "John Smith"), ("dateOfBirth", "2008-01-01"), ("mrn", "12345678"),
                                       ("phone", "555 123 4567"), ("email", "x@example.org"), ("address", "1 Main St")])
def test_identifier_keys_are_rejected_with_the_field(tmp_path: Path, key: str, value: str) -> None:
    data = doc()
    data["patient"] = {"age": 16, "sex": "male", key: value}
    report = validate_submissions([read_submission(write(tmp_path / "c.json", data))])
    assert not report.conforms
    assert report.violations[0].location == f"patient.{key}"
    assert value not in report.to_text()  # the identifier is not echoed back


def test_turtle_report_of_a_rejected_and_a_clean_submission_is_one_standard_report(tmp_path: Path) -> None:
    import rdflib
    from rdflib.namespace import RDF, SH

    data = doc()
    data["patient"] = {"age": 16, "sex": "male", "email": "x@example.org"}
    bad = read_submission(write(tmp_path / "bad.json", data))
    good = read_submission(write(tmp_path / "good.json", doc(caseLabel="another boy")))
    for subs, conforms, results in (([good], True, 0), ([bad, good], False, 1)):
        graph = rdflib.Graph().parse(data=validate_submissions(subs).to_turtle(), format="turtle")
        reports = list(graph.subjects(RDF.type, SH.ValidationReport))
        assert len(reports) == 1
        assert graph.value(reports[0], SH.conforms).toPython() is conforms
        found = list(graph.objects(reports[0], SH.result))
        assert len(found) == results
        if found:
            assert graph.value(found[0], SH.resultSeverity) == SH.Violation
            assert "x@example.org" not in graph.serialize(format="nt")


@pytest.mark.parametrize("text,what", [("seen on 2019-03-04", "an exact date"), ("write to mum@example.org", "an e-mail address"),
                                       ("call (555) 123-4567", "a phone number"), ("born March 3, 2008", "an exact date"),
                                       ("MRN 00123456", "a medical record number")])
def test_identifiers_inside_text_are_rejected(tmp_path: Path, text: str, what: str) -> None:
    data = doc()
    data["conditions"][0]["quote"] = text  # type: ignore[index]
    report = validate_submissions([read_submission(write(tmp_path / "c.json", data))])
    issue = next(i for i in report.violations if i.location == "conditions[0].quote")
    assert what in issue.message


def test_exact_age_over_89_is_rejected(tmp_path: Path) -> None:
    data = doc(patient={"age": 93, "sex": "male", "quote": "a man"})
    report = validate_submissions([read_submission(write(tmp_path / "c.json", data))])
    assert any(i.location == "patient.age" and "89" in i.message for i in report.violations)


def test_rdf_identifier_predicates_are_rejected(tmp_path: Path) -> None:
    sub = read_submission(CASE_DOC)
    path = tmp_path / "c.ttl"
    path.write_bytes(ox.serialize(sub.triples, format=ox.RdfFormat.TURTLE) or b"")
    with path.open("a", encoding="utf-8") as f:
        f.write(f'\n<{sub.base}#/patient> <https://schema.org/birthDate> "2008-01-01" .\n')
    report = validate_submissions([read_submission(path)])
    assert any(i.field == "https://schema.org/birthDate" and "date of birth" in i.message for i in report.violations)


def test_phenopacket_date_of_birth_and_timestamps_are_rejected(tmp_path: Path) -> None:
    data = json.loads(PHENOPACKET.read_text(encoding="utf-8"))
    data["subject"]["dateOfBirth"] = "2008-01-01T00:00:00Z"
    data["medicalActions"][1]["treatment"]["doseIntervals"] = [{"interval": {"start": "2020-09-02T00:00:00Z"}}]
    report = validate_submissions([read_submission(write(tmp_path / "p.json", data))])
    where = {i.location for i in report.violations}
    assert "subject.dateOfBirth" in where
    assert "medicalActions[1].treatment.doseIntervals[0].interval.start" in where


# --- nothing is fetched ---------------------------------------------------------------------------------
def test_remote_jsonld_context_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonld"
    path.write_text(json.dumps({"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://x/a", "name": "b"}))
    with pytest.raises(InputError, match="remote JSON-LD context"):
        read_submission(path)


def test_xml_dtd_and_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.rdf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "hello">]>\n<rdf:RDF xmlns:rdf='
                    '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    with pytest.raises(InputError, match=r"c\.rdf:2: XML DTDs"):
        read_submission(path)


def test_owl_imports_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.ttl"
    path.write_text("<http://x/o> <http://www.w3.org/2002/07/owl#imports> <http://127.0.0.1:9/o.ttl> .\n")
    with pytest.raises(InputError, match="owl:imports"):
        read_submission(path)


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a: &x [1, 2]\nb: [*x, *x]\npatient: {age: 1}\n")
    with pytest.raises(InputError, match="aliases"):
        read_submission(path)


# --- bad input: a clear message, exit 2, nothing written, no traceback ------------------------------------
BAD_INPUTS: dict[str, tuple[str, bytes, str]] = {
    "empty": (".ttl", b"", "empty"),
    "whitespace": (".json", b"   \n\t \n", "empty"),
    "binary": (".ttl", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    "not-utf8": (".ttl", "<http://x/a> <http://x/b> \"caf\xe9\" .".encode("latin-1"), "UTF-8"),
    "truncated-json": (".json", b'{"patient": {"age": 16, "sex": "ma', "2:1: JSON syntax error"[:0] + "JSON syntax error"),
    "turtle-syntax": (".ttl", b"@prefix cg: <https://w3id.org/casegraph/ontology#> .\n\n<http://x/a> cg:b cg:c cg:d .\n",
                      ":3:"),
    "unknown-prefix": (".ttl", b"<http://x/a> foo:bar <http://x/c> .\n", "foo"),
    "deeply-nested": (".json", ("[" * 5000 + "]" * 5000).encode(), "nested"),
    "numbers-as-strings": (".json", json.dumps(doc(patient={"age": "16", "sex": "male"})).encode(),
                           "patient.age: '16' is not of type integer (write numbers without quotes)"),
    "unknown-field": (".json", json.dumps(doc(patients=[])).encode(), "unknown field(s) 'patients'"),
    "neither": (".json", b'{"foo": 1}', "neither a casegraph case document"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input(tmp_path: Path, store_dir: Path, name: str) -> None:
    suffix, content, expected = BAD_INPUTS[name]
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    before = quad_count(store_dir)
    for command in ("validate", "submit"):
        code, out = run(command, str(path), "--store", str(store_dir))
        assert code == 2, (command, out)
        assert str(path) in out and expected in out, (command, out)
        assert "Traceback" not in out
    assert quad_count(store_dir) == before


def test_unknown_format_size_limit_directory_and_missing_path(tmp_path: Path, store_dir: Path) -> None:
    code, out = run("validate", str(CASE_DOC), "--input-format", "docx", "--store", str(store_dir))
    assert code == 2 and "unknown format 'docx'" in out and "phenopacket" in out
    code, out = run("validate", str(CASE_DOC), "--max-bytes", "100", "--store", str(store_dir))
    assert code == 2 and "over the limit of 100 bytes" in out
    code, out = run("validate", str(tmp_path), "--store", str(store_dir))
    assert code == 2 and "is a directory" in out
    code, out = run("validate", str(tmp_path / "nope.json"), "--store", str(store_dir))
    assert code == 2 and "no such file" in out
    code, out = run("submit", str(tmp_path / "nope.json"), "--store", str(store_dir))
    assert code == 2 and "no such file" in out


# --- intake ---------------------------------------------------------------------------------------------
def test_submit_stores_whole_with_provenance_and_recognises_duplicates(store: Store) -> None:
    before = len(store)
    summary = submit(store, [CASE_DOC])
    assert [o.status for o in summary.outcomes] == ["accepted"]
    records = list_submissions(store)
    assert len(records) == 1
    record = records[0]
    assert record.file == CASE_DOC.name and record.format == "case-json" and record.cases == 1
    assert record.sha256 and record.submitted.endswith("Z")
    sub = read_submission(CASE_DOC)
    assert store.graphs()[record.graph] == len(sub.triples) == record.triples
    assert f"{record.graph}/report" in store.graphs()
    # queries see the submission: the stored query for dupilumab cases now lists it
    rows = store.select("SELECT ?case WHERE { ?case a cg:Case ; cg:caseLabel '16-year-old boy (test document)' }")
    assert len(rows) == 1
    again = submit(store, [CASE_DOC])
    assert [o.status for o in again.outcomes] == ["duplicate"]
    assert len(list_submissions(store)) == 1
    withdraw(store, record.id[:6])
    assert list_submissions(store) == []
    assert not any(g.startswith(record.graph) for g in store.graphs())
    assert len(store) == before


def test_derived_triples_are_what_the_build_rules_derive_with_the_whole_ontology(store: Store) -> None:
    """Intake copies only the ontology triples the rules read; the rules over the whole ontology agree."""
    from casegraph.namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH
    from casegraph.rdfio import ontology_triples
    from casegraph.store import rule_files

    paths = [*EXAMPLES, CASE_DOC]
    summary = submit(store, paths)
    assert summary.count("accepted") == len(paths)
    for record in list_submissions(store):
        scratch = ox.Store()
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(ONTOLOGY_GRAPH))
                       for t in ontology_triples())
        scratch.extend(ox.Quad(q.subject, q.predicate, q.object, q.graph_name)
                       for q in store._store.quads_for_pattern(None, None, None, ox.NamedNode(record.graph)))
        for rule in rule_files():
            scratch.update(rule.read_text(encoding="utf-8"))
        own = {q.subject for q in scratch.quads_for_pattern(None, None, None, ox.NamedNode(record.graph))}
        expected = {(q.subject, q.predicate, q.object)
                    for q in scratch.quads_for_pattern(None, None, None, ox.NamedNode(DERIVED_GRAPH))
                    if q.subject in own}
        stored = {(q.subject, q.predicate, q.object)
                  for q in store._store.quads_for_pattern(None, None, None, ox.NamedNode(record.graph + "/derived"))}
        assert expected and stored == expected, record.file


def test_rejected_submission_leaves_the_store_untouched(tmp_path: Path, store: Store) -> None:
    before = sorted(str(q) for q in store._store)
    bad = write(tmp_path / "bad.json", doc(patient={"age": 95, "sex": "male"}))
    summary = submit(store, [bad])
    assert summary.outcomes[0].status == "rejected" and summary.exit_code == 1
    assert sorted(str(q) for q in store._store) == before


def test_submission_may_not_redefine_graph_nodes(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "steal.ttl"
    path.write_text('<https://w3id.org/casegraph/reference/dupilumab> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n')
    report = validate_submissions([read_submission(path)], store)
    assert any("already defined in the graph" in i.message for i in report.violations)


def test_folder_submit_keeps_going_and_reports_rejects(tmp_path: Path, store_dir: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i in range(3):
        write(folder / f"good{i}.json", doc(caseLabel=f"test case {i}"))
    write(folder / "sub" / "bad.json", doc(patient={"age": 95, "sex": "male"}))
    (folder / "broken.json").write_text("{", encoding="utf-8")
    rejects = tmp_path / "rejects.txt"
    code, out = run("submit", str(folder), "--store", str(store_dir), "--rejects", str(rejects))
    assert code == 2  # one unreadable file
    assert "3 accepted, 1 rejected, 1 unreadable" in out
    text = rejects.read_text(encoding="utf-8")
    assert "bad.json" in text and "patient.age" in text and "broken.json" in text
    code, out = run_stdout("submissions", "--store", str(store_dir), "--format", "json")
    assert sorted(r["file"] for r in json.loads(out)) == ["good0.json", "good1.json", "good2.json"]


def test_rebuild_keeps_submissions(store_dir: Path) -> None:
    with open_store(store_dir, build_if_missing=False) as s:
        submit(s, [CASE_DOC])
        ids = [r.id for r in list_submissions(s)]
    build(store_dir)
    with open_store(store_dir, build_if_missing=False) as s:
        assert [r.id for r in list_submissions(s)] == ids


def _turtle(path: Path, triples: list[ox.Triple]) -> Path:
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b"")
    return path


def _dependent_file(path: Path, triples: list[ox.Triple]) -> tuple[ox.NamedNode, Path]:
    """A file holding a copy (new IRI) of the first condition in ``triples``, still pointing to its case,
    report and patient there; returns the original condition and the file."""
    condition = next(t.subject for t in triples
                     if t.predicate.value == RDF_TYPE and t.object.value == CG + "Condition")
    assert isinstance(condition, ox.NamedNode)
    copy = ox.NamedNode(condition.value + "-again")
    return condition, _turtle(path, [ox.Triple(copy, t.predicate, t.object) for t in triples if t.subject == condition])


@pytest.mark.parametrize("batch_size", [250, 2, 1])
def test_a_batch_gives_each_file_the_outcome_it_would_get_alone(tmp_path: Path, store: Store,
                                                                batch_size: int) -> None:
    # a.ttl is a whole case with IRIs of its own; b.ttl adds a condition that points to a.ttl's case,
    # report and patient (so it needs a.ttl in the graph first); c.ttl redefines a node of a.ttl; d.json
    # is another case and e.json an exact copy of it. With small batches, each file is read and validated
    # while the one before may still be being written.
    a_triples = read_submission(CASE_DOC).triples
    a = _turtle(tmp_path / "a.ttl", a_triples)
    finding, b = _dependent_file(tmp_path / "b.ttl", a_triples)
    c = _turtle(tmp_path / "c.ttl", [t for t in a_triples if t.subject == finding])
    d = write(tmp_path / "d.json", doc(caseLabel="another boy"))
    e = write(tmp_path / "e.json", doc(caseLabel="another boy"))
    summary = submit(store, [a, b, c, d, e], batch_size=batch_size)
    status = {Path(o.file).name: o.status for o in summary.outcomes}
    assert status == {"a.ttl": "accepted", "b.ttl": "accepted", "c.ttl": "rejected", "d.json": "accepted",
                      "e.json": "duplicate"}
    c_report = next(o.report for o in summary.outcomes if o.file.endswith("c.ttl"))
    assert c_report is not None and any("already defined in the graph" in i.message for i in c_report.violations)
    assert len(list_submissions(store)) == 3


@pytest.mark.parametrize("batch_size", [250, 1])
def test_a_file_whose_nodes_an_earlier_file_took_is_rejected(tmp_path: Path, store: Store, batch_size: int) -> None:
    # a.ttl states the case document's own triples (so its nodes are in the document's namespace); the
    # document itself comes next and must find them taken, even while a.ttl is still being written.
    a = _turtle(tmp_path / "a.ttl", read_submission(CASE_DOC).triples)
    summary = submit(store, [a, CASE_DOC], batch_size=batch_size)
    assert [o.status for o in summary.outcomes] == ["accepted", "rejected"]


@pytest.mark.parametrize("batch_size", [250, 1])
def test_a_repeat_gets_the_outcome_of_its_own_position(tmp_path: Path, store: Store, batch_size: int) -> None:
    # b.ttl needs a.ttl in the graph, so it is rejected before a.ttl and accepted after it; b2.ttl is b.ttl
    a_triples = read_submission(CASE_DOC).triples
    a = _turtle(tmp_path / "a.ttl", a_triples)
    _condition, b = _dependent_file(tmp_path / "b.ttl", a_triples)
    b2 = tmp_path / "b2.ttl"
    shutil.copy(b, b2)
    b3 = tmp_path / "b3.ttl"
    shutil.copy(b, b3)
    summary = submit(store, [b, a, b2, b3], batch_size=batch_size)
    assert [o.status for o in summary.outcomes] == ["rejected", "accepted", "accepted", "duplicate"]


def test_a_file_referring_to_a_rejected_file_of_its_batch_is_rejected(tmp_path: Path, store: Store) -> None:
    a_triples = [t for t in read_submission(CASE_DOC).triples if t.predicate.value != CG + "doi"]  # no source id
    a = _turtle(tmp_path / "a.ttl", a_triples)
    _finding, b = _dependent_file(tmp_path / "b.ttl", a_triples)
    summary = submit(store, [a, b])
    assert [o.status for o in summary.outcomes] == ["rejected", "rejected"]
    assert list_submissions(store) == []


def test_sigkill_mid_batch_leaves_only_whole_submissions(tmp_path: Path, store_dir: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(60):
        write(folder / f"case{i:03}.json", doc(caseLabel=f"batch case {i}"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "casegraph", "submit", str(folder), "--store", str(store_dir), "-q",
                             "--batch-size", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    accepted = 0
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # kill once a few submissions have landed, in the middle of the batch
        accepted += "accepted" in line
        if accepted >= 5 or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert accepted >= 5
    with open_store(store_dir, build_if_missing=False) as s:
        records = list_submissions(s)
        graphs = s.graphs()
        assert 5 <= len(records) < 60
        for record in records:  # every registered submission is whole
            assert graphs.get(record.graph) == record.triples
            assert f"{record.graph}/report" in graphs
        registered = {r.graph for r in records}
        for graph in graphs:  # and no data without a registry entry
            if graph.startswith(REGISTRY_GRAPH + "/"):
                assert re.sub("/(derived|report|inferred)$", "", graph) in registered


EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "data" / "examples").glob("*.case.*"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_shipped_examples_conform_and_follow_the_schema(path: Path) -> None:
    sub = read_submission(path)
    assert sub.format in ("case-json", "case-yaml")
    report = validate_submissions([sub])
    assert report.conforms, report.to_text()
    assert not report.issues, report.to_text()  # complete examples: not even a warning


def test_participant_patient_is_a_role_not_the_patient_link() -> None:
    sub = read_submission(next(p for p in EXAMPLES if p.suffix == ".json"))
    deciders = {t.object.value for t in sub.triples if t.predicate.value == CG + "decidedBy"}
    assert "https://w3id.org/casegraph/reference/participant-patient" in deciders
