"""Case documents can say what the curated seed cases say.

The two shipped examples re-express two seed cases (data/cases/*.ttl) as JSON and YAML case documents. Per
class and per property, what an example produces must match its seed, apart from the differences listed
here with their reasons. Every field added for that (claims, recommendations, clinical events, cited works,
the presentation's time point, doses on a regimen change, fields with several values, ...) is also read from
a small document of its own, and a schema error in it names the key path.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from casegraph.cli import main
from casegraph.errors import InputError
from casegraph.readers import read_submission
from casegraph.validate import validate_submissions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
SEEDS = ROOT / "data" / "cases"
BASE_DOC = Path(__file__).parent / "data" / "omalizumab-ad.case.json"

CG = "https://w3id.org/casegraph/ontology#"
CGR = "https://w3id.org/casegraph/reference/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
CASE_BASE = "https://w3id.org/casegraph/case/"

PAIRS = {
    "omalizumab-triggered-ad": EXAMPLES / "omalizumab-triggered-ad.case.json",
    "dupilumab-dermatomyositis": EXAMPLES / "dupilumab-dermatomyositis.case.yaml",
}

#: Where an example legitimately differs from its seed: (kind, IRI) -> (document minus seed, reason).
#: Time points are not in these counts: a document writes a time point inline, once for every use (an
#: ``at``, ``start``, ``validAt`` ...), where a seed shares one node among several uses; they are compared
#: as the set of distinct time points instead (test_example_time_points_match_the_seed). The uses themselves
#: (cg:atTime, cg:startTime, cg:validAt ...) are counted here.
KNOWN_DIFFERENCES: dict[str, dict[tuple[str, str], tuple[int, str]]] = {
    "omalizumab-triggered-ad": {
        ("property", CG + "inCase"): (
            -1, "the seed also links its case to itself (:case1 cg:inCase :case1); the other seeds do not, and a "
                "document's case is the case, not a fact in it"),
    },
    "dupilumab-dermatomyositis": {},
}
#: Curator wording, not facts: compared by count only.
WORDING = {RDFS_LABEL, CG + "curatorNote"}


# --- helpers -------------------------------------------------------------------------------------------
def _seed(stem: str) -> list[ox.Triple]:
    return list(ox.parse(path=str(SEEDS / f"{stem}.ttl"), format=ox.RdfFormat.TURTLE))


def _time_points(triples: Iterable[ox.Triple]) -> set[ox.NamedNode | ox.BlankNode]:
    return {t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object.value == CG + "TimePoint"}


def _counts(triples: list[ox.Triple]) -> Counter[tuple[str, str]]:
    """How often each class is instantiated and each property used, time-point nodes aside."""
    skip = _time_points(triples)
    out: Counter[tuple[str, str]] = Counter()
    for t in triples:
        if t.subject in skip:
            continue
        out["property", t.predicate.value] += 1
        if t.predicate.value == RDF_TYPE:
            out["class", t.object.value] += 1
    return out


def _values(triples: list[ox.Triple], base: str) -> Counter[tuple[str, object]]:
    """(property, value) of every statement, with the case's own nodes made alike and numbers compared as numbers."""
    skip = _time_points(triples)
    out: Counter[tuple[str, object]] = Counter()
    for t in triples:
        if t.subject in skip or t.predicate.value in WORDING:
            continue
        value: object
        if isinstance(t.object, ox.Literal):
            numeric = t.object.datatype.value in (XSD + "integer", XSD + "decimal", XSD + "double")
            value = float(t.object.value) if numeric else t.object.value
        else:
            value = "<node of the case>" if t.object.value.startswith(base) else t.object.value
        out[t.predicate.value, value] += 1
    return out


def _time_point_set(triples: list[ox.Triple]) -> set[tuple[object, ...]]:
    """The distinct time points: what they count from (its class and drug), anchor, direction and offset."""
    props: dict[Any, dict[str, list[Any]]] = {}
    for t in triples:
        props.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def one(node: dict[str, list[Any]], name: str) -> str | None:
        values = node.get(CG + name)
        return values[0].value if values else None

    out = set()
    for tp in _time_points(triples):
        node = props[tp]
        anchor = props.get(node[CG + "relativeTo"][0], {})
        what = (frozenset(o.value for o in anchor.get(RDF_TYPE, [])), one(anchor, "agent"))
        offset = one(node, "offsetValue")
        out.add((what, one(node, "anchorPoint"), one(node, "direction"), float(offset) if offset else None,
                 one(node, "offsetUnit"), one(node, "offsetComparator")))
    return out


def _table(a: Counter[Any], b: Counter[Any]) -> str:
    return "\n".join(f"  {k}: document {a[k]}, seed {b[k]}" for k in sorted(set(a) | set(b), key=str) if a[k] != b[k])


# --- the examples say what the seeds say ---------------------------------------------------------------
@pytest.mark.parametrize("stem", sorted(PAIRS))
def test_example_counts_match_the_seed(stem: str) -> None:
    document, seed = _counts(read_submission(PAIRS[stem]).triples), _counts(_seed(stem))
    known = KNOWN_DIFFERENCES[stem]
    for key, (delta, _reason) in known.items():
        assert document[key] - seed[key] == delta, (key, document[key], seed[key])
        document[key] -= delta
    assert document == seed, f"{stem}: counts differ (document vs seed):\n{_table(document, seed)}"
    assert seed["class", CG + "MechanisticClaim"] > 10 and seed["class", CG + "CitedWork"] >= 4


@pytest.mark.parametrize("stem", sorted(PAIRS))
def test_example_values_match_the_seed(stem: str) -> None:
    """Not only as many statements: the same reference terms, numbers and quotes (labels and notes aside)."""
    sub = read_submission(PAIRS[stem])
    document, seed = _values(sub.triples, sub.base), _values(_seed(stem), f"{CASE_BASE}{stem}/")
    for (kind, iri), (delta, _reason) in KNOWN_DIFFERENCES[stem].items():
        if kind == "property":
            document[iri, "<node of the case>"] -= delta
    assert +document == +seed, f"{stem}: values differ (document vs seed):\n{_table(document, seed)}"


@pytest.mark.parametrize("stem", sorted(PAIRS))
def test_example_time_points_match_the_seed(stem: str) -> None:
    document, seed = _time_point_set(read_submission(PAIRS[stem]).triples), _time_point_set(_seed(stem))
    assert document == seed, f"only in the document: {document - seed}; only in the seed: {seed - document}"


@pytest.mark.parametrize("stem", sorted(PAIRS))
def test_example_references_resolve(stem: str) -> None:
    """Every id a document refers to names an object of that document (a typo would leave a dangling IRI)."""
    sub = read_submission(PAIRS[stem])
    subjects = {t.subject.value for t in sub.triples}
    dangling = {t.object.value[len(sub.base):] for t in sub.triples
                if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(sub.base)
                and t.object.value not in subjects}
    assert dangling == set()


# --- each new field, read from a small document -------------------------------------------------------
def _base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BASE_DOC.read_text(encoding="utf-8"))
    return data


def _read(tmp_path: Path, data: dict[str, Any]) -> tuple[set[tuple[str, str, str]], str, Any]:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sub = read_submission(path)
    b = sub.base
    triples = {(t.subject.value.replace(b, ""), t.predicate.value.replace(CG, "cg:"),
                t.object.value.replace(b, "").replace(CGR, "cgr:").replace(CG, "cg:")) for t in sub.triples}
    return triples, b, sub


def _objects(triples: set[tuple[str, str, str]], subject: str, predicate: str) -> set[str]:
    return {o for s, p, o in triples if s == subject and p == predicate}


def test_presentation_time_point(tmp_path: Path) -> None:
    data = _base()
    data["presentation"]["at"] = {"relativeTo": "omalizumab", "anchor": "start", "direction": "after",
                                  "note": "interval not stated"}
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "presentation", "cg:atTime") == {"#/presentation/at"}
    assert _objects(t, "#/presentation/at", "cg:relativeTo") == {"omalizumab"}
    assert _objects(t, "#/presentation/at", "cg:direction") == {"cg:After"}
    assert _objects(t, "#/presentation/at", "cg:curatorNote") == {"interval not stated"}
    assert _objects(t, "#/presentation/at", "cg:inCase") == {"case"}
    assert sub.node_paths[sub.base + "#/presentation/at"] == "presentation.at"
    data["presentation"]["at"] = "presentation"  # the presentation as its own anchor (as a seed does)
    t, _, _ = _read(tmp_path, data)
    assert _objects(t, "#/presentation/at", "cg:relativeTo") == {"presentation"}
    assert _objects(t, "#/presentation/at", "cg:direction") == {"cg:AtAnchor"}


def test_time_points_count_from_the_start_unless_told(tmp_path: Path) -> None:
    data = _base()
    data["outcomes"][0]["at"] = "presentation"
    data["treatments"][0]["end"] = {"relativeTo": "omalizumab", "anchor": "end", "direction": "at"}
    t, _, _ = _read(tmp_path, data)
    assert _objects(t, "#/outcomes/0/at", "cg:anchorPoint") == {"cg:StartOfAnchor"}
    assert _objects(t, "#/treatments/0/end", "cg:anchorPoint") == {"cg:EndOfAnchor"}


def test_case_quote_and_source_statements(tmp_path: Path) -> None:
    data = _base()
    data["quote"] = "A 16-year-old adolescent boy presented"
    data["source"] |= {"conflictOfInterest": "The authors report no conflict of interest.", "funding": "Funding: None",
                       "note": "no journal printed"}
    t, _, _ = _read(tmp_path, data)
    assert _objects(t, "case", "cg:sourceText") == {"A 16-year-old adolescent boy presented"}
    assert _objects(t, "case", "cg:statedIn") == {"#/source"}
    assert _objects(t, "#/source", "cg:conflictOfInterestText") == {"The authors report no conflict of interest."}
    assert _objects(t, "#/source", "cg:fundingText") == {"Funding: None"}
    assert _objects(t, "#/source", "cg:curatorNote") == {"no journal printed"}


def test_cited_works(tmp_path: Path) -> None:
    data = _base()
    data["source"]["references"] = [
        {"id": "ref1", "number": 1, "authors": "Nygaard U, Vestergaard C, Deleuran M", "title": "Emerging options",
         "journal": "Dermatology", "year": 2017, "month": 5, "volume": "233", "issue": "4", "pages": "344-357",
         "doi": "10.1000/x1", "note": "as printed"}]
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "#/source", "cg:cites") == {"ref1"}
    assert _objects(t, "ref1", RDF_TYPE) == {"cg:CitedWork"}
    assert _objects(t, "ref1", "cg:referenceNumber") == {"1"}
    assert _objects(t, "ref1", "cg:journalTitle") == {"Dermatology"}
    assert _objects(t, "ref1", "cg:publicationMonth") == {"5"}
    assert _objects(t, "ref1", "cg:doi") == {"10.1000/x1"}
    assert _objects(t, "ref1", "https://schema.org/issueNumber") == {"4"}
    assert not _objects(t, "ref1", "cg:inCase") and not _objects(t, "ref1", "cg:statedIn")  # a work, not a fact
    assert sub.node_paths[sub.base + "ref1"] == "source.references[0]"


def test_clinical_events(tmp_path: Path) -> None:
    data = _base()
    data["events"] = [
        {"id": "hosp", "label": "hospitalizations", "quote": "multiple hospitalizations"},
        {"id": "flare", "kind": "flare", "quote": "the AD consistently recurred"},
        {"kind": "follow-up-visit", "quote": "At two-week follow-up",
         "at": {"relativeTo": "dupilumab", "direction": "after", "offset": 2, "offsetUnit": "week"}},
    ]
    data["findings"] = [{"phenotype": "dry-skin", "quote": "xerosis",
                         "at": {"relativeTo": "flare", "direction": "at"}}]
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "hosp", RDF_TYPE) == {"cg:ClinicalEvent"}
    assert _objects(t, "flare", RDF_TYPE) == {"cg:Flare"}
    assert _objects(t, "#/events/2", RDF_TYPE) == {"cg:FollowUpVisit"}
    assert _objects(t, "#/events/2/at", "cg:offsetValue") == {"2"}
    assert _objects(t, "#/findings/0/at", "cg:relativeTo") == {"flare"}
    for event in ("hosp", "flare", "#/events/2"):
        assert _objects(t, event, "cg:inCase") == {"case"} and _objects(t, event, "cg:statedIn") == {"#/source"}
    assert not any(p == "kind" or p.endswith("#kind") for _, p, _ in t)
    assert sub.node_paths[sub.base + "#/events/2"] == "events[2]"
    assert validate_submissions([sub]).conforms


def test_claims(tmp_path: Path) -> None:
    data = _base()
    data["source"]["references"] = [{"id": "ref2", "number": 2}, {"id": "ref3", "number": 3}]
    data["claims"] = [
        {"id": "c1", "label": "omalizumab improves AD", "claimSubject": "omalizumab", "claimDirection": "improves",
         "claimObject": "atopic-dermatitis", "inCondition": "atopic-dermatitis", "evidenceLevel": "systematic-review",
         "supportedBy": ["ref2", "ref3"], "studySize": 174, "responderPercent": 74.1, "pValue": 0.01,
         "outcomeMeasure": "scorad", "population": "174 patients", "quote": "A case series and review of 174 patients",
         "note": "citation mark missing"},
        {"id": "c2", "aboutCase": True, "claimSubject": ["IL4", "IL13"], "claimDirection": "drives",
         "claimObject": ["type-2-inflammation", "MONDO:0004980"], "bodySites": ["skin"], "evidenceLevel": "hypothesis",
         "leadsTo": "c1", "contradicts": ["c1"], "analogousTo": "c1", "comparedWith": ["omalizumab", "prednisone"],
         "quote": ["IL-4 and IL-13, key drivers", "Th2 mediated inflammation"]},
        {"claimSubject": "dupilumab", "claimDirection": "safety-not-established", "claimObject": "atopic-disease",
         "evidenceLevel": "hypothesis", "aboutCase": False, "quote": "not entirely known"},
    ]
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "c1", RDF_TYPE) == {"cg:MechanisticClaim"}
    assert _objects(t, "c1", "cg:claimSubject") == {"cgr:omalizumab"}
    assert _objects(t, "c1", "cg:claimDirection") == {"cg:Improves"}
    assert _objects(t, "c1", "cg:claimObject") == {"cgr:atopic-dermatitis"}
    assert _objects(t, "c1", "cg:inCondition") == {"cgr:atopic-dermatitis"}
    assert _objects(t, "c1", "cg:evidenceLevel") == {"cg:SystematicReview"}
    assert _objects(t, "c1", "cg:supportedBy") == {"ref2", "ref3"}
    assert _objects(t, "c1", "cg:studySize") == {"174"}
    assert {float(v) for v in _objects(t, "c1", "cg:responderPercent")} == {74.1}
    assert {float(v) for v in _objects(t, "c1", "cg:pValue")} == {0.01}
    assert _objects(t, "c1", "cg:outcomeMeasure") == {"cgr:scorad"}
    assert _objects(t, "c1", "cg:populationText") == {"174 patients"}
    assert _objects(t, "c1", "cg:statedIn") == {"#/source"}
    assert not _objects(t, "c1", "cg:inCase") and not _objects(t, "c1", "cg:aboutCase")  # about the literature
    assert _objects(t, "c2", "cg:aboutCase") == {"case"}
    assert _objects(t, "c2", "cg:claimSubject") == {"cgr:IL4", "cgr:IL13"}
    assert _objects(t, "c2", "cg:claimObject") == {"cgr:type-2-inflammation", "cgr:atopic-dermatitis"}  # MONDO aligned
    assert _objects(t, "c2", "cg:bodySite") == {"cgr:site-skin"}
    assert _objects(t, "c2", "cg:leadsTo") == _objects(t, "c2", "cg:contradicts") == _objects(t, "c2", "cg:analogousTo") == {"c1"}
    assert _objects(t, "c2", "cg:comparedWith") == {"cgr:omalizumab", "cgr:prednisone"}
    assert _objects(t, "c2", "cg:sourceText") == {"IL-4 and IL-13, key drivers", "Th2 mediated inflammation"}
    assert _objects(t, "#/claims/2", "cg:claimDirection") == {"cg:SafetyNotEstablished"}
    assert not _objects(t, "#/claims/2", "cg:aboutCase")
    assert sub.node_paths[sub.base + "c2"] == "claims[1]"
    report = validate_submissions([sub])
    assert report.conforms, report.to_text()


def test_a_claim_violation_names_the_key_path(tmp_path: Path) -> None:
    data = _base()
    data["claims"] = [{"claimSubject": "dupilumab", "claimDirection": "improves", "claimObject": "pruritus",
                       "inCondition": "pruritus", "evidenceLevel": "hypothesis", "quote": "x"}]
    report = validate_submissions([_read(tmp_path, data)[2]])
    assert any(i.location == "claims[0].inCondition" and "disease" in i.message for i in report.violations), report.to_text()


def test_recommendations(tmp_path: Path) -> None:
    data = _base()
    data["recommendations"] = [
        {"id": "rec1", "recommendationKind": "research-need", "about": ["dupilumab", "dermatomyositis"],
         "quote": "Additional studies are needed", "label": "more studies", "note": "names no drug"},
        {"recommendationKind": "practice-advice", "about": "omalizumab", "quote": "it is important to recognize"},
    ]
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "rec1", RDF_TYPE) == {"cg:Recommendation"}
    assert _objects(t, "rec1", "cg:recommendationKind") == {"cg:ResearchNeed"}
    assert _objects(t, "rec1", "cg:concerns") == {"cgr:dupilumab", "cgr:dermatomyositis"}
    assert _objects(t, "rec1", "cg:statedIn") == {"#/source"} and not _objects(t, "rec1", "cg:inCase")
    assert _objects(t, "#/recommendations/1", "cg:recommendationKind") == {"cg:PracticeAdvice"}
    assert _objects(t, "#/recommendations/1", "cg:concerns") == {"cgr:omalizumab"}
    assert sub.field_names[CG + "concerns"] == "about"
    assert validate_submissions([sub]).conforms


def test_doses_on_a_regimen_change(tmp_path: Path) -> None:
    data = _base()
    data["treatments"][1]["doses"][1] |= {"id": "maint", "validAt": {"relativeTo": "dupilumab", "direction": "after"},
                                          "duration": "for several months", "quote": "300 mg", "note": "n"}
    data["treatments"][1]["doses"][0]["id"] = "load"
    data["outcomes"][0]["id"] = "better"
    data["changes"] = [{"changeOf": "dupilumab", "changeKind": "dose-decrease", "fromDose": "load", "toDose": "maint",
                        "hadEffect": "better", "quote": "decreased"},
                       {"changeOf": "dupilumab", "changeKind": "interval-extension", "hadEffect": ["better"]}]
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "#/changes/0", "cg:fromRegimen") == {"load"}
    assert _objects(t, "#/changes/0", "cg:toRegimen") == {"maint"}
    assert _objects(t, "#/changes/0", "cg:hadEffect") == _objects(t, "#/changes/1", "cg:hadEffect") == {"better"}
    assert _objects(t, "maint", "cg:validAt") == {"#/treatments/1/doses/1/validAt"}
    assert _objects(t, "#/treatments/1/doses/1/validAt", RDF_TYPE) == {"cg:TimePoint"}
    assert _objects(t, "maint", "cg:durationText") == {"for several months"}
    assert _objects(t, "maint", "cg:sourceText") == {"300 mg"}
    assert _objects(t, "maint", "cg:curatorNote") == {"n"}
    assert sub.node_paths[sub.base + "maint"] == "treatments[1].doses[1]"
    assert validate_submissions([sub]).conforms


def test_fields_with_several_values(tmp_path: Path) -> None:
    data = _base()
    data["findings"] = [
        {"id": "f1", "phenotype": "pruritus", "quote": "pruritus", "at": "presentation", "duration": "over a year",
         "bodySites": ["neck", "trunk"], "bodySiteText": "right and left forearm"},
        {"id": "f2", "phenotype": "dry-skin", "quote": "xerosis", "at": "presentation"}]
    omalizumab, dupilumab = data["treatments"]
    omalizumab |= {"indication": ["asthma", "ad"], "targetsFinding": ["f1", "f2"], "bodySites": ["leg"],
                   "bodySiteText": "AD on the body", "coordinatedWith": ["dermatologist", "pulmonologist"],
                   "stopReason": [{"id": "r-flares", "reasonKind": "adverse-event", "concerns": ["ad", "f1"],
                                   "note": "read from the title"},
                                  {"reasonKind": "switch", "concerns": "dupilumab"}]}
    dupilumab |= {"targetsFinding": "f2"}  # one value is still one value
    data["outcomes"][0] |= {"outcomeOf": ["ad", "f1"], "bodySites": ["antecubital-fossa", "forearm"]}
    data["conditions"][1]["onsetAt"] = {"relativeTo": "omalizumab", "direction": "after"}
    data["investigations"] = [{"investigationType": "skin-biopsy", "bodySites": ["skin", "leg"], "bodySiteText": "left leg",
                               "impededBy": "ad", "quote": "biopsy"}]
    data["decisions"] = [{"decisionKind": "switch", "decisionAbout": ["omalizumab", "dupilumab"],
                          "coordinatedWith": ["patient", "pulmonologist"], "reasons": ["r-flares", {"reasonKind": "switch"}],
                          "quote": "decided"}]
    data["adverseEvents"][0] |= {"id": "ae", "proposedMechanism": ["c1"], "analogousTo": "c1"}
    data["claims"] = [{"id": "c1", "claimSubject": "omalizumab", "claimDirection": "increases", "claimObject": "IL33",
                       "evidenceLevel": "hypothesis", "quote": "may have resulted in"}]
    t, _, sub = _read(tmp_path, data)
    assert _objects(t, "omalizumab", "cg:indication") == {"asthma", "ad"}
    assert _objects(t, "omalizumab", "cg:targetsFinding") == {"f1", "f2"}
    assert _objects(t, "dupilumab", "cg:targetsFinding") == {"f2"}
    assert _objects(t, "omalizumab", "cg:bodySite") == {"cgr:site-leg"}
    assert _objects(t, "omalizumab", "cg:bodySiteText") == {"AD on the body"}
    assert _objects(t, "omalizumab", "cg:coordinatedWith") == {"cgr:participant-dermatologist", "cgr:participant-pulmonologist"}
    assert _objects(t, "omalizumab", "cg:stopReason") == {"r-flares", "#/treatments/0/stopReason/1"}
    assert _objects(t, "r-flares", "cg:reasonConcerns") == {"ad", "f1"}
    assert _objects(t, "r-flares", "cg:curatorNote") == {"read from the title"}
    assert _objects(t, "#/treatments/0/stopReason/1", "cg:reasonConcerns") == {"dupilumab"}
    assert _objects(t, "#/outcomes/0", "cg:outcomeOf") == {"ad", "f1"}
    assert _objects(t, "asthma", "cg:onset") == {"#/conditions/1/onsetAt"}
    assert _objects(t, "#/conditions/1/onsetAt", "cg:relativeTo") == {"omalizumab"}
    assert _objects(t, "#/outcomes/0", "cg:bodySite") == {"cgr:site-antecubital-fossa", "cgr:site-forearm"}
    assert _objects(t, "f1", "cg:bodySite") == {"cgr:site-neck", "cgr:site-trunk"}
    assert _objects(t, "f1", "cg:bodySiteText") == {"right and left forearm"}
    assert _objects(t, "f1", "cg:durationText") == {"over a year"}
    assert _objects(t, "#/investigations/0", "cg:bodySite") == {"cgr:site-skin", "cgr:site-leg"}
    assert _objects(t, "#/investigations/0", "cg:bodySiteText") == {"left leg"}
    assert _objects(t, "#/investigations/0", "cg:impededBy") == {"ad"}
    assert _objects(t, "#/decisions/0", "cg:decisionAbout") == {"omalizumab", "dupilumab"}
    assert _objects(t, "#/decisions/0", "cg:coordinatedWith") == {"cgr:participant-patient", "cgr:participant-pulmonologist"}
    # a reason given once and named again by its id is one node
    assert _objects(t, "#/decisions/0", "cg:hasReason") == {"r-flares", "#/decisions/0/reasons/1"}
    assert sum(1 for s, p, o in t if p == RDF_TYPE and o == "cg:Reason") == 3
    assert sub.node_paths[sub.base + "r-flares"] == "treatments[0].stopReason[0]"
    assert _objects(t, "ae", "cg:proposedMechanism") == _objects(t, "ae", "cg:analogousTo") == {"c1"}
    report = validate_submissions([sub])
    assert report.conforms, report.to_text()


# --- schema errors on the new fields name the key path --------------------------------------------------
def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = data
        for part in parents:
            node = node[part]
        node[last] = value
    return change


_CLAIM = {"claimSubject": "dupilumab", "claimDirection": "improves", "claimObject": "pruritus",
          "evidenceLevel": "hypothesis", "quote": "x"}
SCHEMA_ERRORS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "presentation-at": (_set("presentation.at", "last year"), "presentation.at: 'last year' is not a time point"),
    "indication-item": (_set("treatments.0.indication", ["asthma", 5]), "treatments[0].indication[1]: 5 is not of type"),
    "indication-empty": (_set("treatments.0.indication", []), "treatments[0].indication: [] should be non-empty"),
    "outcome-of": (_set("outcomes.0.outcomeOf", ["ad", "not an id"]), "outcomes[0].outcomeOf[1]: 'not an id' does not match"),
    "stop-reason": (_set("treatments.0.stopReason", [{"reasonKind": "boredom"}]),
                    "treatments[0].stopReason[0].reasonKind: 'boredom' is not allowed"),
    "reason-ref": (_set("treatments.0.stopReason", "no such id!"), "treatments[0].stopReason: 'no such id!' does not match"),
    "concerns": (_set("treatments.0.stopReason", {"reasonKind": "switch", "concerns": [1]}),
                 "treatments[0].stopReason.concerns[0]: 1 is not of type"),
    "coordinated-with": (_set("treatments.0.coordinatedWith", "dermatologist"),
                         "treatments[0].coordinatedWith: 'dermatologist' is not of type array"),
    "dose-valid-at": (_set("treatments.1.doses.0.validAt", {"direction": "at"}), "treatments[1].doses[0].validAt: "),
    "change-from-dose": (_set("changes", [{"changeOf": "dupilumab", "changeKind": "dose-decrease", "fromDose": 3}]),
                         "changes[0].fromDose: 3 is not of type"),
    "event-kind": (_set("events", [{"kind": "visit", "quote": "x"}]), "events[0].kind: 'visit' is not allowed"),
    "event-field": (_set("events", [{"quote": "x", "severity": "mild"}]), "events[0]: unknown field(s) 'severity'"),
    "claim-direction": (_set("claims", [_CLAIM | {"claimDirection": "boosts"}]),
                        "claims[0].claimDirection: 'boosts' is not allowed"),
    "claim-evidence": (_set("claims", [_CLAIM | {"evidenceLevel": "anecdote"}]),
                       "claims[0].evidenceLevel: 'anecdote' is not allowed"),
    "claim-object": (_set("claims", [_CLAIM | {"claimObject": ["IL4", "IL 13"]}]),
                     "claims[0].claimObject[1]: 'IL 13' does not match"),
    "claim-quote": (_set("claims", [{k: v for k, v in _CLAIM.items() if k != "quote"}]),
                    "claims[0]: 'quote' is a required property"),
    "claim-p-value": (_set("claims", [_CLAIM | {"pValue": 5}]), "claims[0].pValue: 5 is greater than the maximum of 1"),
    "claim-about-case": (_set("claims", [_CLAIM | {"aboutCase": "yes"}]), "claims[0].aboutCase: 'yes' is not of type boolean"),
    "claim-supported-by": (_set("claims", [_CLAIM | {"supportedBy": [""]}]), "claims[0].supportedBy[0]: '' does not match"),
    "recommendation-kind": (_set("recommendations", [{"recommendationKind": "advice", "quote": "x"}]),
                            "recommendations[0].recommendationKind: 'advice' is not allowed"),
    "recommendation-about": (_set("recommendations", [{"recommendationKind": "research-need", "quote": "x", "concerns": "ad"}]),
                             "recommendations[0]: unknown field(s) 'concerns'"),
    "reference-number": (_set("source.references", [{"id": "ref1", "number": "1"}]),
                         "source.references[0].number: '1' is not of type integer (write numbers without quotes)"),
    "reference-id": (_set("source.references", [{"number": 1}]), "source.references[0]: 'id' is a required property"),
    "source-funding": (_set("source.funding", ""), "source.funding: '' should be non-empty"),
}


@pytest.mark.parametrize("name", sorted(SCHEMA_ERRORS))
def test_schema_error_on_a_new_field_names_the_key_path(tmp_path: Path, name: str) -> None:
    change, expected = SCHEMA_ERRORS[name]
    data = copy.deepcopy(_base())
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_submission(path)
    assert expected in str(caught.value), str(caught.value)


def test_schema_error_from_the_command_line(tmp_path: Path) -> None:
    data = _base()
    data["claims"] = [_CLAIM | {"claimDirection": "boosts"}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--store", str(tmp_path / "store")], catch_exceptions=False)
    assert result.exit_code == 2
    assert "claims[0].claimDirection: 'boosts' is not allowed; use one of increases" in result.output
    assert "Traceback" not in result.output
