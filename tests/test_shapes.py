"""SHACL shapes: the seed cases conform, and each constraint fires on a copy of a seed case broken on purpose.

Every break edits one (rarely two) triples of a node that exists in a real seed file, writes the copy to a
temporary folder and validates it on its own; the test then looks for the violation that names the broken
constraint (message fragment, field, focus node), the right case and the temporary file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner, Result
from rdflib import RDF, RDFS, SH, Literal, Namespace, URIRef
from rdflib.term import Node

from casegraph import resources
from casegraph.cli import main
from casegraph.validate import ValidationIssue, ValidationReport, validate_files

CG = Namespace("https://w3id.org/casegraph/ontology#")
CGR = Namespace("https://w3id.org/casegraph/reference/")
CGS = Namespace("https://w3id.org/casegraph/shapes#")
CASES = resources.resource_root() / "data" / "cases"

CANCER = "dupilumab-advanced-cancer.ttl"
DM = "dupilumab-dermatomyositis.ttl"
OMA = "omalizumab-triggered-ad.ttl"
A = Namespace("https://w3id.org/casegraph/case/dupilumab-advanced-cancer/")
D = Namespace("https://w3id.org/casegraph/case/dupilumab-dermatomyositis/")
O = Namespace("https://w3id.org/casegraph/case/omalizumab-triggered-ad/")  # noqa: E741

Edit = Callable[[rdflib.Graph], None]


# ---------------------------------------------------------------------------------------------------------
# Editing helpers: each asserts that what it changes is really there, so a break can never be a no-op.
# ---------------------------------------------------------------------------------------------------------
def drop(s: URIRef, p: URIRef) -> Edit:
    """Remove every value of ``p`` on ``s``."""

    def edit(g: rdflib.Graph) -> None:
        assert (s, p, None) in g, f"seed has no {p} on {s}"
        g.remove((s, p, None))

    return edit


def put(s: URIRef, p: URIRef, value: Node) -> Edit:
    """Replace the values of ``p`` on ``s`` by ``value``."""

    def edit(g: rdflib.Graph) -> None:
        assert (s, p, None) in g, f"seed has no {p} on {s}"
        assert (s, p, value) not in g, f"seed already has {s} {p} {value}"
        g.remove((s, p, None))
        g.add((s, p, value))

    return edit


def add(s: URIRef, p: URIRef, value: Node) -> Edit:
    def edit(g: rdflib.Graph) -> None:
        assert (s, p, value) not in g, f"seed already has {s} {p} {value}"
        g.add((s, p, value))

    return edit


def chain(*edits: Edit) -> Edit:
    def edit(g: rdflib.Graph) -> None:
        for e in edits:
            e(g)

    return edit


def seed_graph(name: str) -> rdflib.Graph:
    path = CASES / name
    return rdflib.Graph().parse(data=path.read_text(encoding="utf-8"), format="turtle")


def broken_copy(tmp_path: Path, name: str, edit: Edit) -> Path:
    graph = seed_graph(name)
    edit(graph)
    out = tmp_path / name
    graph.serialize(destination=out, format="turtle")
    return out


def find_violations(report: ValidationReport, message: str, focus: URIRef | None = None,
                    field: URIRef | None = None) -> list[ValidationIssue]:
    hits = [
        i for i in report.violations
        if message in i.message
        and (focus is None or i.focus == str(focus))
        and (field is None or i.field == str(field))
    ]
    assert hits, (
        f"no violation with message containing {message!r}, focus {focus}, field {field}; got:\n"
        f"{report.to_text()}"
    )
    return hits


# ---------------------------------------------------------------------------------------------------------
# The seed data conform
# ---------------------------------------------------------------------------------------------------------
def test_seed_cases_conform() -> None:
    files = resources.case_files()
    assert {p.name for p in files} >= {CANCER, DM, OMA}
    report = validate_files(files, profile="seed")
    assert report.violations == [], report.to_text()
    assert report.conforms


# ---------------------------------------------------------------------------------------------------------
# One deliberate break per constraint
# ---------------------------------------------------------------------------------------------------------
NO_CASE = "no case"  # the focus node belongs to no case (claims about the literature)


@dataclass(frozen=True)
class Break:
    source: str
    edit: Edit
    focus: URIRef
    message: str
    case: URIRef | str
    field: URIRef | None = None
    value: str | None = None
    shape: URIRef | None = None


ANY_URI = URIRef("http://www.w3.org/2001/XMLSchema#anyURI")
NEW_SITE = CGR["site-test-without-label"]  # a reference term a broken copy adds (not in data/reference)
NEW_ROLE = A["test-condition-role"]  # a value minted outside the ontology's closed list
NEW_TREATMENT = O["test-non-drug-treatment"]
NEW_SOURCE = O["test-regulatory-source"]
ONSET = O["test-t-ad-onset"]

# Breaks of the constraints added so that the shapes cover every class and property of the ontology, and of
# the temporal rules (circular anchors, age against offsets, follow-ups, one presentation, stated order).
NEW_BREAKS: dict[str, Break] = {
    # --- SourceDocumentShape / CaseReportShape / CitedWorkShape / RegulatorySourceShape ---
    "source-journal-title-number": Break(
        DM, put(D.report, CG.journalTitle, Literal(2017)), D.report, "journal title is one text", NO_CASE,
        CG.journalTitle, "2017"),
    "source-authors-twice": Break(
        OMA, add(O.ref1, CG.authorList, Literal("Nygaard U")), O.ref1, "authors are one text", NO_CASE,
        CG.authorList),
    "source-statement-language-tagged": Break(
        OMA, add(O.report, CG.sourceStatement, Literal("personal case series", lang="en")), O.report,
        "statement about an unpublished source is one text", NO_CASE, CG.sourceStatement, "personal case series"),
    "source-url-not-a-web-address": Break(
        OMA, add(O.ref1, CG.sourceUrl, Literal("see the reference list", datatype=ANY_URI)), O.ref1,
        "A source URL is a web address", NO_CASE, CG.sourceUrl, "see the reference list"),
    "source-conflict-of-interest-twice": Break(
        DM, add(D.report, CG.conflictOfInterestText, Literal("None")), D.report,
        "conflict of interest statement is one text", NO_CASE, CG.conflictOfInterestText),
    "source-funding-number": Break(
        DM, put(D.report, CG.fundingText, Literal(0)), D.report, "funding statement is one text", NO_CASE,
        CG.fundingText, "0"),
    "source-cites-a-claim": Break(
        OMA, add(O.report, CG.cites, O["claim-adapt-trial"]), O.report, "cg:cites must point to a cited work",
        NO_CASE, CG.cites, str(O["claim-adapt-trial"])),
    "source-pmid-with-prefix": Break(
        OMA, add(O.report, CG.pmid, Literal("PMID: unknown")), O.report, "A PubMed ID is digits only", NO_CASE,
        CG.pmid, "PMID: unknown"),
    "source-submitter-number": Break(
        OMA, add(O.report, CG.submitter, Literal(1)), O.report, "The submitter is one text", NO_CASE,
        CG.submitter, "1"),
    "report-unpublished-text": Break(
        OMA, add(O.report, CG.unpublished, Literal("no")), O.report, "'unpublished' is true or false", NO_CASE,
        CG.unpublished, "no"),
    "report-text-hash-malformed": Break(
        OMA, add(O.report, CG.textSha256, Literal("abc123")), O.report, "SHA-256 of the extracted text",
        NO_CASE, CG.textSha256, "abc123"),
    "cited-work-number-zero": Break(
        OMA, put(O.ref1, CG.referenceNumber, Literal(0)), O.ref1, "reference number is the one whole number",
        NO_CASE, CG.referenceNumber, "0"),
    "regulatory-source-without-url": Break(
        OMA, add(O.ref1, RDF.type, CG.RegulatorySource), O.ref1, "needs the address it was read at", NO_CASE,
        CG.sourceUrl),
    "regulatory-source-without-label": Break(
        OMA, chain(add(NEW_SOURCE, RDF.type, CG.RegulatorySource),
                   add(NEW_SOURCE, CG.sourceUrl, Literal("https://www.example.org/label", datatype=ANY_URI))),
        NEW_SOURCE, "needs a label saying which document it is", NO_CASE, RDFS.label),
    # --- CaseShape / PatientShape ---
    "case-label-twice": Break(
        CANCER, add(A.case1, CG.caseLabel, Literal("Patient 1")), A.case1, "case label is one text", A.case1,
        CG.caseLabel),
    "patient-age-group-twice": Break(
        CANCER, add(A.patient1, CG.ageGroup, Literal("adult")), A.patient1, "age group is one text", A.case1,
        CG.ageGroup),
    "patient-hasFinding-condition": Break(
        CANCER, add(A.patient1, CG.hasFinding, A["case1-ad"]), A.patient1, "cg:hasFinding must point to a finding",
        A.case1, CG.hasFinding, str(A["case1-ad"])),
    "patient-hasMeasurement-finding": Break(
        CANCER, add(A.patient1, CG.hasMeasurement, A["case1-eczema-presentation"]), A.patient1,
        "cg:hasMeasurement must point to a measurement", A.case1, CG.hasMeasurement,
        str(A["case1-eczema-presentation"])),
    "patient-hasOutcome-finding": Break(
        CANCER, add(A.patient1, CG.hasOutcome, A["case1-eczema-presentation"]), A.patient1,
        "cg:hasOutcome must point to an outcome", A.case1, CG.hasOutcome, str(A["case1-eczema-presentation"])),
    # --- CaseEntityShape (every fact node, time points and reasons included) / AnnotationShape ---
    "time-point-statedIn-not-a-document": Break(
        CANCER, put(A["t1-dupi-1m"], CG.statedIn, CGR.easi), A["t1-dupi-1m"], "point to the report that states it",
        A.case1, CG.statedIn, str(CGR.easi)),
    "time-point-inCase-not-a-case": Break(
        # the report's "case" is then the value given (cg:inCase is what names a fact's case)
        CANCER, put(A["t1-dupi-1m"], CG.inCase, A.report), A["t1-dupi-1m"], "belong to exactly one case",
        A.report, CG.inCase, str(A.report)),
    "quote-blank": Break(
        CANCER, put(A["case1-easi-1m"], CG.sourceText, Literal("  ")), A["case1-easi-1m"],
        "A quote (cg:sourceText) is the text of the source", A.case1, CG.sourceText),
    "curator-note-number": Break(
        CANCER, put(A.report, CG.curatorNote, Literal(1)), A.report, "A curator note is a text", NO_CASE,
        CG.curatorNote, "1"),
    "unverified-identifier-empty": Break(
        CANCER, add(A["case1-dupilumab"], CG.unverifiedIdentifier, Literal("")), A["case1-dupilumab"],
        "An unverified identifier is kept as a text", A.case1, CG.unverifiedIdentifier),
    # --- DisjointClassesShape ---
    "drug-treatment-also-non-drug": Break(
        CANCER, add(A["case1-dupilumab"], RDF.type, CG.NonDrugTreatment), A["case1-dupilumab"],
        "which the ontology declares disjoint", A.case1, None, str(A["case1-dupilumab"]), CGS.DisjointClassesShape),
    "claim-also-recommendation": Break(
        CANCER, add(A["claim-dupilumab-blocks-il4r"], RDF.type, CG.Recommendation), A["claim-dupilumab-blocks-il4r"],
        "which the ontology declares disjoint", NO_CASE, None, str(A["claim-dupilumab-blocks-il4r"]),
        CGS.DisjointClassesShape),
    "case-fact-also-reference-term": Break(  # cg:Disease is a reference entity (through a subclass chain)
        CANCER, add(A["case1-melanoma"], RDF.type, CG.Disease), A["case1-melanoma"],
        "which the ontology declares disjoint", A.case1, None, str(A["case1-melanoma"]), CGS.DisjointClassesShape),
    # --- ConditionShape ---
    "condition-onset-not-a-time-point": Break(
        CANCER, put(A["case2-mrsa-infection"], CG.onset, A["case2-presentation"]), A["case2-mrsa-infection"],
        "at most one onset", A.case2, CG.onset, str(A["case2-presentation"])),
    "condition-onset-text-twice": Break(
        CANCER, add(A["case1-ad"], CG.onsetText, Literal("childhood")), A["case1-ad"],
        "onset as printed is one text", A.case1, CG.onsetText),
    "condition-newly-diagnosed-text": Break(
        CANCER, put(A["case1-melanoma"], CG.newlyDiagnosed, Literal("yes")), A["case1-melanoma"],
        "'newly diagnosed' is true or false", A.case1, CG.newlyDiagnosed, "yes"),
    "condition-course-number": Break(
        CANCER, put(A["case1-asthma"], CG.courseText, Literal(3)), A["case1-asthma"], "course as printed is text",
        A.case1, CG.courseText, "3"),
    "condition-caused-by-reference-term": Break(
        OMA, put(O.folliculitis, CG.causedBy, CGR.scratching), O.folliculitis, "cg:causedBy must point to",
        O.case1, CG.causedBy, str(CGR.scratching)),
    "condition-role-minted": Break(
        # a value typed cg:ConditionRole but not one of the ontology's: the closed list refuses it
        CANCER, chain(add(NEW_ROLE, RDF.type, CG.ConditionRole), add(NEW_ROLE, RDFS.label, Literal("index")),
                      put(A["case1-ad"], CG.conditionRole, NEW_ROLE)),
        A["case1-ad"], "The condition's role must be", A.case1, CG.conditionRole, str(NEW_ROLE)),
    # --- FindingShape / InvestigationShape ---
    "finding-severity-not-a-severity": Break(
        CANCER, put(A["case1-eczema-presentation"], CG.severity, CG.Active), A["case1-eczema-presentation"],
        "A finding's severity must be", A.case1, CG.severity, str(CG.Active)),
    "finding-manifestation-of-reference-disease": Break(
        CANCER, put(A["case1-eczema-presentation"], CG.manifestationOf, CGR["atopic-dermatitis"]),
        A["case1-eczema-presentation"], "cg:manifestationOf must point to a condition", A.case1,
        CG.manifestationOf, str(CGR["atopic-dermatitis"])),
    "finding-morphology-language-tagged": Break(
        CANCER, put(A["case1-plaques-1m"], CG.morphologyText, Literal("minimal eczematous plaques", lang="en")),
        A["case1-plaques-1m"], "morphology as printed is text", A.case1, CG.morphologyText,
        "minimal eczematous plaques"),
    "finding-distribution-number": Break(
        CANCER, put(A["case1-lichenification-knees-1m"], CG.distributionText, Literal(2)),
        A["case1-lichenification-knees-1m"], "distribution as printed is text", A.case1, CG.distributionText, "2"),
    "investigation-interpretation-text": Break(
        CANCER, put(A["case1-slnb-result"], CG.interpretation, Literal("positive")), A["case1-slnb-result"],
        "interpretation must be one of", A.case1, CG.interpretation, "positive"),
    "investigation-analyte-a-condition": Break(
        DM, put(D["inv-myomarker-panel"], CG.analyte, D.dm), D["inv-myomarker-panel"],
        "The analyte must be a term", D.case1, CG.analyte, str(D.dm)),
    "investigation-impeded-by-reference-disease": Break(
        CANCER, put(A["case2-pet"], CG.impededBy, CGR["atopic-dermatitis"]), A["case2-pet"],
        "cg:impededBy must point to the condition", A.case2, CG.impededBy, str(CGR["atopic-dermatitis"])),
    # --- InterventionShape / DrugTreatmentShape ---
    "intervention-status-of-a-condition": Break(
        DM, put(D["case1-hydroxychloroquine"], CG.status, CG.Active), D["case1-hydroxychloroquine"],
        "An intervention's status must be one of", D.case1, CG.status, str(CG.Active)),
    "intervention-targets-reference-phenotype": Break(
        DM, put(D["case1-dupilumab"], CG.targetsFinding, CGR.pruritus), D["case1-dupilumab"],
        "cg:targetsFinding must point to a finding", D.case1, CG.targetsFinding, str(CGR.pruritus)),
    "intervention-intent-number": Break(
        CANCER, put(A["case1-adjuvant-immunotherapy"], CG.intentText, Literal(1)), A["case1-adjuvant-immunotherapy"],
        "intent as printed is text", A.case1, CG.intentText, "1"),
    "drug-strength-two-units": Break(
        CANCER, add(A["case2-clobetasol"], CG.strengthUnit, CGR["unit-mg"]), A["case2-clobetasol"],
        "The strength unit must be one unit", A.case2, CG.strengthUnit),
    "drug-vehicle-twice": Break(
        CANCER, add(A["case1-mometasone"], CG.vehicleText, Literal("cream")), A["case1-mometasone"],
        "vehicle as printed is one text", A.case1, CG.vehicleText),
    "drug-potency-twice": Break(
        OMA, add(O["case1-midpotency-tcs"], CG.potencyText, Literal("high")), O["case1-midpotency-tcs"],
        "potency as printed is one text", O.case1, CG.potencyText),
    # --- DoseRegimenShape / RegimenChangeShape / ReasonShape ---
    "dose-role-not-a-role": Break(
        DM, put(D["dose-dupilumab-loading"], CG.doseRole, CG.Mild), D["dose-dupilumab-loading"],
        "The dose role must be", D.case1, CG.doseRole, str(CG.Mild)),
    "dose-text-number": Break(
        CANCER, put(A["case1-mirtazapine-dose"], CG.doseText, Literal(15)), A["case1-mirtazapine-dose"],
        "dose as printed is text", A.case1, CG.doseText, "15"),
    "dose-valid-from-an-intervention": Break(
        DM, put(D["dose-rituximab"], CG.validFrom, D["case1-rituximab"]), D["dose-rituximab"],
        "applies from at most one time point", D.case1, CG.validFrom, str(D["case1-rituximab"])),
    "dose-valid-at-an-intervention": Break(
        OMA, put(O["dr-omalizumab-q2w"], CG.validAt, O["case1-omalizumab"]), O["dr-omalizumab-q2w"],
        "cg:validAt must point to a time point", O.case1, CG.validAt, str(O["case1-omalizumab"])),
    "regimen-change-kind-not-a-kind": Break(
        DM, put(D["rc-prednisone-taper"], CG.changeKind, CG.Switch), D["rc-prednisone-taper"],
        "A regimen change needs its kind", D.case1, CG.changeKind, str(CG.Switch)),
    "regimen-change-from-an-intervention": Break(
        OMA, put(O["rc-delay"], CG.fromRegimen, O["case1-omalizumab"]), O["rc-delay"],
        "cg:fromRegimen must point to", O.case1, CG.fromRegimen, str(O["case1-omalizumab"])),
    "regimen-change-to-two-regimens": Break(
        OMA, add(O["rc-monthly"], CG.toRegimen, O["dr-omalizumab-q2w"]), O["rc-monthly"],
        "cg:toRegimen must point to the one dose regimen", O.case1, CG.toRegimen),
    "regimen-change-effect-not-an-outcome": Break(
        OMA, put(O["rc-delay"], CG.hadEffect, O["case1-omalizumab"]), O["rc-delay"],
        "cg:hadEffect must point to an outcome", O.case1, CG.hadEffect, str(O["case1-omalizumab"])),
    "reason-kind-not-a-kind": Break(
        CANCER, put(A["case1-reason-recrudescence"], CG.reasonKind, CG.Active), A["case1-reason-recrudescence"],
        "A reason needs its kind", A.case1, CG.reasonKind, str(CG.Active)),
    "reason-concerns-reference-disease": Break(
        OMA, put(O["reason-asthma-benefit"], CG.reasonConcerns, CGR.asthma), O["reason-asthma-benefit"],
        "cg:reasonConcerns must point to", O.case1, CG.reasonConcerns, str(CGR.asthma)),
    # --- MeasurementShape / TimePointShape / OutcomeShape ---
    "measurement-of-reference-disease": Break(
        CANCER, put(A["case1-bsa-presentation"], CG.measurementOf, CGR["atopic-dermatitis"]),
        A["case1-bsa-presentation"], "cg:measurementOf must point to the condition or finding", A.case1,
        CG.measurementOf, str(CGR["atopic-dermatitis"])),
    "time-anchor-point-not-a-moment": Break(
        CANCER, put(A["t1-dupi-1m"], CG.anchorPoint, CG.Before), A["t1-dupi-1m"],
        "counts from one moment of its anchor", A.case1, CG.anchorPoint, str(CG.Before)),
    "outcome-of-reference-disease": Break(
        CANCER, put(A["case1-outcome-no-recurrence"], CG.outcomeOf, CGR["cutaneous-melanoma"]),
        A["case1-outcome-no-recurrence"], "cg:outcomeOf must point to", A.case1, CG.outcomeOf,
        str(CGR["cutaneous-melanoma"])),
    # --- AdverseEventShape / ParadoxicalReactionShape ---
    "adverse-event-two-kinds": Break(
        OMA, add(O["pr-omalizumab-ad"], CG.eventKind, CG.NewOnset), O["pr-omalizumab-ad"],
        "The event kind is one of", O.case1, CG.eventKind),
    "adverse-event-action-an-intervention": Break(
        OMA, put(O["pr-omalizumab-ad"], CG.actionTaken, O["case1-dupilumab"]), O["pr-omalizumab-ad"],
        "cg:actionTaken must point to", O.case1, CG.actionTaken, str(O["case1-dupilumab"])),
    "adverse-event-pattern-number": Break(
        OMA, put(O["pr-omalizumab-ad"], CG.temporalPatternText, Literal(3)), O["pr-omalizumab-ad"],
        "temporal pattern as printed is text", O.case1, CG.temporalPatternText, "3"),
    "adverse-event-dechallenge-boolean": Break(
        OMA, put(O["pr-omalizumab-ad"], CG.dechallengeText, Literal(True)), O["pr-omalizumab-ad"],
        "dechallenge as printed is text", O.case1, CG.dechallengeText, "true"),
    "paradoxical-reaction-without-condition": Break(
        OMA, drop(O["pr-omalizumab-ad"], CG.affectedCondition), O["pr-omalizumab-ad"],
        "must name the condition the drug triggered or worsened", O.case1, CG.affectedCondition),
    "paradoxical-reaction-caused-by-non-drug": Break(
        OMA, chain(add(NEW_TREATMENT, RDF.type, CG.NonDrugTreatment),
                   put(O["pr-omalizumab-ad"], CG.suspectedCause, NEW_TREATMENT)),
        O["pr-omalizumab-ad"], "its suspected cause must be a drug treatment", O.case1, CG.suspectedCause,
        str(NEW_TREATMENT)),
    # --- ClinicalDecisionShape ---
    "decision-alternative-a-condition": Break(
        OMA, put(O["dec-switch"], CG.alternativeChosen, O.ad), O["dec-switch"],
        "cg:alternativeChosen must point to", O.case1, CG.alternativeChosen, str(O.ad)),
    # --- MechanisticClaimShape / RecommendationShape ---
    "claim-subject-text": Break(
        CANCER, put(A["claim-dupilumab-blocks-il4r"], CG.claimSubject, Literal("dupilumab")),
        A["claim-dupilumab-blocks-il4r"], "A claim must name what acts", NO_CASE, CG.claimSubject, "dupilumab"),
    "claim-object-unknown-term": Break(
        CANCER, put(A["claim-dupilumab-blocks-il4r"], CG.claimObject, CGR["il4-receptor"]),
        A["claim-dupilumab-blocks-il4r"], "A claim must name what is acted on", NO_CASE, CG.claimObject,
        str(CGR["il4-receptor"])),
    "claim-direction-not-a-direction": Break(
        CANCER, put(A["claim-dupilumab-blocks-il4r"], CG.claimDirection, CG.Before),
        A["claim-dupilumab-blocks-il4r"], "needs one direction (cg:claimDirection)", NO_CASE, CG.claimDirection,
        str(CG.Before)),
    "claim-evidence-not-a-level": Break(
        CANCER, put(A["claim-dupilumab-blocks-il4r"], CG.evidenceLevel, CG.Severe),
        A["claim-dupilumab-blocks-il4r"], "needs one evidence level", NO_CASE, CG.evidenceLevel, str(CG.Severe)),
    "claim-study-size-zero": Break(
        OMA, put(O["claim-holm-case-series"], CG.studySize, Literal(0)), O["claim-holm-case-series"],
        "study size is one whole number", NO_CASE, CG.studySize, "0"),
    "claim-population-number": Break(
        OMA, put(O["claim-holm-case-series"], CG.populationText, Literal(174)), O["claim-holm-case-series"],
        "population as printed is text", NO_CASE, CG.populationText, "174"),
    "claim-outcome-measure-a-disease": Break(
        OMA, put(O["claim-adapt-trial"], CG.outcomeMeasure, CGR["atopic-dermatitis"]), O["claim-adapt-trial"],
        "outcome measure must be a scale", NO_CASE, CG.outcomeMeasure, str(CGR["atopic-dermatitis"])),
    "claim-about-a-patient": Break(
        OMA, put(O["claim-case-ige-independent"], CG.aboutCase, O.patient1), O["claim-case-ige-independent"],
        "cg:aboutCase must point to a case", O.case1, CG.aboutCase, str(O.patient1)),
    "claim-in-a-patient": Break(
        # the report's "case" is then the value given (cg:inCase is what names a fact's case)
        CANCER, put(A["claim-cases-dupilumab-controls-ad"], CG.inCase, A.patient1),
        A["claim-cases-dupilumab-controls-ad"], "cg:inCase must point to a case", A.patient1, CG.inCase,
        str(A.patient1)),
    "claim-leads-to-a-drug": Break(
        CANCER, put(A["claim-dupilumab-blocks-il4r"], CG.leadsTo, CGR.dupilumab), A["claim-dupilumab-blocks-il4r"],
        "cg:leadsTo must point to", NO_CASE, CG.leadsTo, str(CGR.dupilumab)),
    "claim-contradicts-a-report": Break(
        OMA, put(O["claim-heil-rct"], CG.contradicts, O.report), O["claim-heil-rct"],
        "cg:contradicts must point to another mechanistic claim", NO_CASE, CG.contradicts, str(O.report)),
    "claim-compared-with-text": Break(
        CANCER, put(A["claim-dupilumab-more-suitable"], CG.comparedWith, Literal("azathioprine")),
        A["claim-dupilumab-more-suitable"], "cg:comparedWith must point to", NO_CASE, CG.comparedWith,
        "azathioprine"),
    "recommendation-kind-not-a-kind": Break(
        CANCER, put(A["rec-larger-studies"], CG.recommendationKind, CG.Established), A["rec-larger-studies"],
        "needs one kind (cg:recommendationKind)", NO_CASE, CG.recommendationKind, str(CG.Established)),
    "recommendation-concerns-text": Break(
        DM, put(D["rec-further-studies"], CG.concerns, Literal("dupilumab")), D["rec-further-studies"],
        "cg:concerns must point to", NO_CASE, CG.concerns, "dupilumab"),
    # --- properties without a domain ---
    "investigation-at-an-intervention": Break(
        CANCER, put(A["case1-exam-18m"], CG.atTime, A["case1-dupilumab"]), A["case1-exam-18m"],
        "A fact has at most one time point", A.case1, CG.atTime, str(A["case1-dupilumab"])),
    "outcome-body-site-a-unit": Break(
        CANCER, put(A["case2-outcome-clearance-9m"], CG.bodySite, CGR["unit-mg"]), A["case2-outcome-clearance-9m"],
        "A body site must be one the reference data knows", A.case2, CG.bodySite, str(CGR["unit-mg"])),
    "body-site-text-number": Break(
        CANCER, put(A["case2-node-biopsy"], CG.bodySiteText, Literal(2)), A["case2-node-biopsy"],
        "body site as printed is text", A.case2, CG.bodySiteText, "2"),
    "duration-text-number": Break(
        DM, put(D["f-fatigue"], CG.durationText, Literal(6)), D["f-fatigue"], "duration as printed is text",
        D.case1, CG.durationText, "6"),
    "effect-text-number": Break(
        OMA, put(O["rc-delay"], CG.effectText, Literal(1)), O["rc-delay"], "effect as printed is text", O.case1,
        CG.effectText, "1"),
    "result-text-boolean": Break(
        CANCER, put(A["case1-slnb-result"], CG.resultText, Literal(True)), A["case1-slnb-result"],
        "result as printed is text", A.case1, CG.resultText, "true"),
    "coordinated-with-the-patient-node": Break(
        CANCER, put(A["case2-dupilumab"], CG.coordinatedWith, A.patient2), A["case2-dupilumab"],
        "Care is coordinated with roles", A.case2, CG.coordinatedWith, str(A.patient2)),
    "supports-diagnosis-of-reference-disease": Break(
        DM, put(D["inv-skin-biopsy"], CG.supportsDiagnosisOf, CGR.dermatomyositis), D["inv-skin-biopsy"],
        "cg:supportsDiagnosisOf must point", D.case1, CG.supportsDiagnosisOf, str(CGR.dermatomyositis)),
    "supported-by-a-claim": Break(
        OMA, put(O["claim-adapt-trial"], CG.supportedBy, O["claim-heil-rct"]), O["claim-adapt-trial"],
        "cg:supportedBy must point to a source document", NO_CASE, CG.supportedBy, str(O["claim-heil-rct"])),
    "analogous-to-a-condition": Break(
        OMA, put(O["pr-omalizumab-ad"], CG.analogousTo, O.ad), O["pr-omalizumab-ad"],
        "cg:analogousTo must point to", O.case1, CG.analogousTo, str(O.ad)),
    "has-response-a-condition": Break(
        OMA, add(O["case1-dupilumab"], CG.hasResponse, O.ad), O["case1-dupilumab"],
        "cg:hasResponse must point to an outcome", O.case1, CG.hasResponse, str(O.ad)),
    "precedes-a-condition": Break(
        DM, put(D["case1-hydroxychloroquine"], CG.precedes, D.dm), D["case1-hydroxychloroquine"],
        "cg:precedes orders interventions", D.case1, CG.precedes, str(D.dm)),
    # --- reference vocabulary (a broken copy may add terms or statements about them) ---
    "reference-term-without-label": Break(
        DM, chain(add(NEW_SITE, RDF.type, CG.BodySite), put(D["f-pruritus-presentation"], CG.bodySite, NEW_SITE)),
        NEW_SITE, "A reference term needs a label", D.case1, RDFS.label),
    "time-unit-two-lengths": Break(
        DM, add(CG.Week, CG.daysPerUnit, Literal(Decimal("7.5"))), CG.Week, "A time unit needs its length in days",
        D.case1, CG.daysPerUnit),
    "severity-rank-zero": Break(
        OMA, add(CG.Mild, CG.severityRank, Literal(0)), CG.Mild, "A severity needs one rank", O.case1,
        CG.severityRank, "0"),
    "evidence-rank-seven": Break(
        OMA, add(CG.Hypothesis, CG.evidenceRank, Literal(7)), CG.Hypothesis, "An evidence level needs one rank",
        NO_CASE, CG.evidenceRank, "7"),
    "outcome-type-improvement-text": Break(
        OMA, add(CGR["outcome-improvement"], CG.isImprovement, Literal("yes")), CGR["outcome-improvement"],
        "must say whether it documents an improvement", NO_CASE, CG.isImprovement, "yes"),
    "outcome-type-rank-five": Break(
        OMA, add(CGR["outcome-partial-improvement"], CG.responseRank, Literal(5)), CGR["outcome-partial-improvement"],
        "response rank is one whole number from 0", O.case1, CG.responseRank, "5"),
    "frequency-interval-zero": Break(
        OMA, add(CGR["freq-monthly"], CG.intervalDays, Literal(0)), CGR["freq-monthly"],
        "The interval of a frequency", O.case1, CG.intervalDays, "0"),
    "unit-two-symbols": Break(
        DM, add(CGR["unit-mg"], CG.unitSymbol, Literal("milligram")), CGR["unit-mg"], "A unit needs one symbol",
        D.case1, CG.unitSymbol),
    "target-gene-symbol-malformed": Break(
        DM, add(CGR.MDA5, CG.geneSymbol, Literal("MDA 5")), CGR.MDA5, "The gene symbol is one HGNC symbol",
        D.case1, CG.geneSymbol, "MDA 5"),
    "target-participates-in-a-target": Break(
        OMA, add(CGR.IL33, CG.participatesIn, CGR.IGHE), CGR.IL33, "participates in mechanisms", NO_CASE,
        CG.participatesIn, str(CGR.IGHE)),
    "mechanism-part-of-a-target": Break(
        OMA, add(CGR["tslp-signalling"], CG.partOfMechanism, CGR.TSLP), CGR["tslp-signalling"],
        "cg:partOfMechanism must point", NO_CASE, CG.partOfMechanism, str(CGR.TSLP)),
    "disease-broader-than-a-phenotype": Break(
        DM, add(CGR.dermatomyositis, CG.broaderDisease, CGR.pruritus), CGR.dermatomyositis,
        "cg:broaderDisease must point", D.case1, CG.broaderDisease, str(CGR.pruritus)),
    "disease-involves-a-target": Break(
        DM, add(CGR.dermatomyositis, CG.involvesMechanism, CGR.IL4), CGR.dermatomyositis,
        "cg:involvesMechanism must point", D.case1, CG.involvesMechanism, str(CGR.IL4)),
    "scale-two-minima": Break(
        CANCER, add(CGR["breslow-thickness"], CG.minValue, Literal(1)), CGR["breslow-thickness"],
        "A scale needs one minimum", A.case1, CG.minValue),
    "scale-maximum-text": Break(
        CANCER, add(CGR["breslow-thickness"], CG.maxValue, Literal("10")), CGR["breslow-thickness"],
        "A scale has at most one maximum", A.case1, CG.maxValue, "10"),
    "scale-unit-a-body-site": Break(
        CANCER, add(CGR["breslow-thickness"], CG.scaleUnit, CGR["site-back"]), CGR["breslow-thickness"],
        "A scale needs its unit", A.case1, CG.scaleUnit, str(CGR["site-back"])),
    "scale-higher-is-worse-text": Break(
        CANCER, add(CGR["breslow-thickness"], CG.higherIsWorse, Literal("yes")), CGR["breslow-thickness"],
        "'higher is worse' is true or false", A.case1, CG.higherIsWorse, "yes"),
    "scale-measures-a-unit": Break(
        CANCER, add(CGR["breslow-thickness"], CG.measures, CGR["unit-mm"]), CGR["breslow-thickness"],
        "A scale measures a disease or phenotype", A.case1, CG.measures, str(CGR["unit-mm"])),
    "scale-maximum-below-minimum": Break(
        CANCER, add(CGR["breslow-thickness"], CG.maxValue, Literal(-1)), CGR["breslow-thickness"],
        "The scale's maximum (-1) is below its minimum (0", A.case1, None, None, CGS.ScaleShape),
    "indication-for-a-target": Break(
        OMA, add(CGR["appr-omalizumab-asthma"], CG.approvedFor, CGR.IGHE), CGR["appr-omalizumab-asthma"],
        "names the one disease it approves", NO_CASE, CG.approvedFor, str(CGR.IGHE)),
    "indication-two-jurisdictions": Break(
        OMA, add(CGR["appr-omalizumab-asthma"], CG.jurisdiction, Literal("EU EMA")), CGR["appr-omalizumab-asthma"],
        "names its jurisdiction", NO_CASE, CG.jurisdiction),
    "indication-scope-twice": Break(
        OMA, add(CGR["appr-omalizumab-asthma"], CG.scopeText, Literal("adults")), CGR["appr-omalizumab-asthma"],
        "The scope as printed is one text", NO_CASE, CG.scopeText),
    "indication-stated-in-a-target": Break(
        OMA, add(CGR["appr-omalizumab-asthma"], CG.statedIn, CGR.IGHE), CGR["appr-omalizumab-asthma"],
        "the regulator's document that states it", NO_CASE, CG.statedIn, str(CGR.IGHE)),
    "drug-target-a-pathway": Break(
        OMA, add(CGR.omalizumab, CG.hasTarget, CGR["ige-fceri-signalling"]), CGR.omalizumab,
        "A drug's targets (cg:hasTarget) must be", O.case1, CG.hasTarget, str(CGR["ige-fceri-signalling"])),
    "drug-mode-of-action-a-target": Break(
        OMA, add(CGR.omalizumab, CG.hasMechanismOfAction, CGR.IGHE), CGR.omalizumab,
        "A drug's modes of action", O.case1, CG.hasMechanismOfAction, str(CGR.IGHE)),
    "drug-member-of-a-drug": Break(
        OMA, add(CGR.omalizumab, CG.memberOfClass, CGR.dupilumab), CGR.omalizumab,
        "cg:memberOfClass must point to a drug class", O.case1, CG.memberOfClass, str(CGR.dupilumab)),
    "drug-approved-indication-a-disease": Break(
        OMA, add(CGR.omalizumab, CG.hasApprovedIndication, CGR.asthma), CGR.omalizumab,
        "cg:hasApprovedIndication must point", O.case1, CG.hasApprovedIndication, str(CGR.asthma)),
    "drug-acts-on-a-target": Break(
        OMA, add(CGR.omalizumab, CG.actsOnMechanism, CGR.IGHE), CGR.omalizumab,
        "cg:actsOnMechanism (inferred) must point", O.case1, CG.actsOnMechanism, str(CGR.IGHE)),
    "drug-mode-of-action-target-not-asserted": Break(
        # omalizumab given dupilumab's mode of action, which acts on IL-4Ra, not one of omalizumab's targets
        OMA, add(CGR.omalizumab, CG.hasMechanismOfAction, CGR["moa-dupilumab-il4r"]), CGR.omalizumab,
        "which is not among the drug's targets", O.case1, None, str(CGR.IL4R), CGS.DrugShape),
    "mode-of-action-target-a-pathway": Break(
        OMA, add(CGR["moa-omalizumab-ige"], CG.moaTarget, CGR["ige-fceri-signalling"]), CGR["moa-omalizumab-ige"],
        "acts on targets (cg:moaTarget)", NO_CASE, CG.moaTarget, str(CGR["ige-fceri-signalling"])),
    "mode-of-action-two-action-types": Break(
        OMA, add(CGR["moa-omalizumab-ige"], CG.actionType, CG.Agonist), CGR["moa-omalizumab-ige"],
        "has one action type", NO_CASE, CG.actionType),
    "mode-of-action-stated-in-text": Break(
        OMA, add(CGR["moa-omalizumab-ige"], CG.statedIn, Literal("the label")), CGR["moa-omalizumab-ige"],
        "points to the documents that state it", NO_CASE, CG.statedIn, "the label"),
    "mode-of-action-affects-a-target": Break(
        OMA, add(CGR["moa-omalizumab-ige"], CG.affectsMechanism, CGR.IGHE), CGR["moa-omalizumab-ige"],
        "cg:affectsMechanism must point to a mechanism", NO_CASE, CG.affectsMechanism, str(CGR.IGHE)),
    # --- temporal consistency within a case ---
    "time-anchor-its-own-start-after-itself": Break(
        # dupilumab starts at t1-dupi-start, which would lie "after" the start of dupilumab
        CANCER, put(A["t1-dupi-start"], CG.direction, CG.After), A["t1-dupi-start"], "Circular time anchor",
        A.case1, None, str(A["case1-dupilumab"]), CGS.AnchorCycleShape),
    "time-anchors-two-starts-from-each-other": Break(
        # omalizumab's start counted from dupilumab's start and dupilumab's from omalizumab's
        OMA, chain(put(O["t-omalizumab-start"], CG.relativeTo, O["case1-dupilumab"]),
                   put(O["t-omalizumab-start"], CG.direction, CG.Before),
                   put(O["t-dupilumab-start"], CG.relativeTo, O["case1-omalizumab"]),
                   put(O["t-dupilumab-start"], CG.direction, CG.After)),
        O["t-dupilumab-start"], "Circular time anchor", O.case1, None, str(O["case1-omalizumab"]),
        CGS.AnchorCycleShape),
    "time-anchors-three-in-a-circle": Break(
        # presentation -> start of dupilumab -> end of chemoradiation -> presentation (an end anchor on the way)
        CANCER, chain(add(A["case2-presentation"], CG.atTime, A["t2-presentation"]),
                      put(A["t2-presentation"], CG.relativeTo, A["case2-dupilumab"]),
                      put(A["t2-presentation"], CG.direction, CG.After),
                      put(A["t2-dupi-start"], CG.relativeTo, A["case2-chemoradiation"]),
                      put(A["t2-dupi-start"], CG.anchorPoint, CG.EndOfAnchor),
                      put(A["t2-dupi-start"], CG.direction, CG.After),
                      put(A["t2-chemorad-end"], CG.relativeTo, A["case2-presentation"]),
                      put(A["t2-chemorad-end"], CG.anchorPoint, CG.StartOfAnchor),
                      put(A["t2-chemorad-end"], CG.direction, CG.Before)),
        A["t2-dupi-start"], "Circular time anchor", A.case2, None, str(A["case2-chemoradiation"]),
        CGS.AnchorCycleShape),
    "age-below-offset-before-presentation": Break(
        # the 16-year-old's atopic dermatitis given an onset 20 years before his presentation
        OMA, chain(add(O.ad, CG.onset, ONSET), add(ONSET, RDF.type, CG.TimePoint),
                   add(ONSET, CG.statedIn, O.report), add(ONSET, CG.inCase, O.case1),
                   add(ONSET, CG.relativeTo, O.presentation), add(ONSET, CG.direction, CG.Before),
                   add(ONSET, CG.offsetValue, Literal(20)), add(ONSET, CG.offsetUnit, CG.Year)),
        ONSET, "at least 20 years before the presentation, but the patient was 16 years old", O.case1,
        None, None, CGS.AgeBeforePresentationShape),
    "age-below-offset-before-an-anchor-dated-from-presentation": Break(
        # dupilumab started 10 years before the 22-year-old presented; a time point 15 years before that start
        CANCER, chain(put(A["t1-dupi-start"], CG.relativeTo, A["case1-presentation"]),
                      put(A["t1-dupi-start"], CG.direction, CG.Before),
                      add(A["t1-dupi-start"], CG.offsetValue, Literal(10)),
                      add(A["t1-dupi-start"], CG.offsetUnit, CG.Year),
                      put(A["t1-dupi-1m"], CG.direction, CG.Before),
                      put(A["t1-dupi-1m"], CG.offsetValue, Literal(15)),
                      put(A["t1-dupi-1m"], CG.offsetUnit, CG.Year)),
        A["t1-dupi-1m"], "at least 25 years before the presentation, but the patient was 22 years old", A.case1,
        None, None, CGS.AgeBeforePresentationShape),
    "age-below-offset-before-the-drug-presentation-follows": Break(
        # the 16-year-old presented after omalizumab was started; mild AD dated 20 years before that start
        OMA, chain(add(O["t-before-omalizumab"], CG.offsetValue, Literal(20)),
                   add(O["t-before-omalizumab"], CG.offsetUnit, CG.Year)),
        O["t-before-omalizumab"], "at least 20 years before the presentation, but the patient was 16 years old",
        O.case1, None, None, CGS.AgeBeforePresentationShape),
    "follow-up-before-the-start-it-follows": Break(
        DM, put(D["t-dupilumab-2w"], CG.direction, CG.Before), D["fu-2w"], "A follow-up visit comes after",
        D.case1, None, str(D["case1-dupilumab"]), CGS.FollowUpVisitShape),
    "two-presentations-in-a-case": Break(
        DM, add(D["fu-6w"], RDF.type, CG.Presentation), D.presentation, "A case has one presentation", D.case1,
        None, str(D["fu-6w"]), CGS.PresentationShape),
    "precedes-in-a-circle": Break(
        # hydroxychloroquine precedes rituximab precedes dupilumab, which would precede hydroxychloroquine
        DM, add(D["case1-dupilumab"], CG.precedes, D["case1-hydroxychloroquine"]), D["case1-dupilumab"],
        "The stated order is circular", D.case1, None, str(D["case1-hydroxychloroquine"]), CGS.PrecedesShape),
}


OTHER_REPORT = A["other-report"]

BREAKS: dict[str, Break] = {
    # --- CaseReportShape ---
    "report-doi-url": Break(
        OMA, put(O.report, CG.doi, Literal("https://doi.org/10.12788/cutis.0878")), O.report,
        "The DOI must look like", NO_CASE, CG.doi, "https://doi.org/10.12788/cutis.0878"),
    "report-year-text": Break(
        DM, put(D.report, CG.publicationYear, Literal("May 2021")), D.report,
        "publication year must be a whole number", NO_CASE, CG.publicationYear, "May 2021"),
    "report-year-out-of-range": Break(
        DM, put(D.report, CG.publicationYear, Literal(21)), D.report,
        "publication year must be a whole number", NO_CASE, CG.publicationYear, "21"),
    "report-month-13": Break(
        DM, put(D.report, CG.publicationMonth, Literal(13)), D.report,
        "publication month must be a number from 1 to 12", NO_CASE, CG.publicationMonth, "13"),
    "report-hasCase-missing": Break(
        OMA, drop(O.report, CG.hasCase), O.report, "A report must list the cases", NO_CASE, CG.hasCase),
    # --- CaseShape ---
    "case-reportedIn-missing": Break(
        OMA, drop(O.case1, CG.reportedIn), O.case1, "exactly one source report", O.case1, CG.reportedIn),
    "case-reportedIn-cited-work": Break(
        OMA, put(O.case1, CG.reportedIn, O.ref1), O.case1, "exactly one source report", O.case1,
        CG.reportedIn, str(O.ref1)),
    "case-hasPatient-missing": Break(
        OMA, drop(O.case1, CG.hasPatient), O.case1, "A case needs exactly one patient", O.case1,
        CG.hasPatient),
    # --- PatientShape ---
    "patient-age-missing": Break(
        CANCER, drop(A.patient1, CG.ageAtPresentation), A.patient1, "age at presentation is required",
        A.case1, CG.ageAtPresentation),
    "patient-age-text": Break(
        CANCER, put(A.patient1, CG.ageAtPresentation, Literal("22")), A.patient1,
        "age at presentation is required, as one whole number", A.case1, CG.ageAtPresentation, "22"),
    "patient-age-decimal": Break(
        CANCER, put(A.patient1, CG.ageAtPresentation, Literal(Decimal("22.5"))), A.patient1,
        "age at presentation is required, as one whole number", A.case1, CG.ageAtPresentation, "22.5"),
    "patient-age-over-89": Break(
        CANCER, put(A.patient2, CG.ageAtPresentation, Literal(90)), A.patient2,
        "must be between 0 and 89 years", A.case2, CG.ageAtPresentation, "90"),
    "patient-sex-missing": Break(
        CANCER, drop(A.patient1, CG.sex), A.patient1, "sex is required", A.case1, CG.sex),
    "patient-sex-text": Break(
        CANCER, put(A.patient1, CG.sex, Literal("female")), A.patient1, "sex is required", A.case1, CG.sex,
        "female"),
    "patient-hasCondition-missing": Break(
        CANCER, drop(A.patient1, CG.hasCondition), A.patient1, "at least one condition", A.case1,
        CG.hasCondition),
    # --- FactProvenanceShape ---
    "fact-statedIn-missing": Break(
        CANCER, drop(A["case1-easi-1m"], CG.statedIn), A["case1-easi-1m"],
        "point to the report that states it", A.case1, CG.statedIn),
    "fact-statedIn-not-a-document": Break(
        CANCER, put(A["case1-easi-1m"], CG.statedIn, CGR.easi), A["case1-easi-1m"],
        "point to the report that states it", A.case1, CG.statedIn, str(CGR.easi)),
    "fact-inCase-missing": Break(
        # the case is then found through the patient (cg:hasMeasurement)
        CANCER, drop(A["case2-nrs-2w"], CG.inCase), A["case2-nrs-2w"], "belong to exactly one case",
        A.case2, CG.inCase),
    # --- FactInOwnReportShape ---
    "fact-in-other-report": Break(
        CANCER,
        chain(add(OTHER_REPORT, RDF.type, CG.CaseReport), put(A["case1-easi-1m"], CG.statedIn, OTHER_REPORT)),
        # the query binds ?report, not ?value, so the report IRI is only in the message
        A["case1-easi-1m"], f"This fact cites a report ({OTHER_REPORT}) other than the one its case",
        A.case1, None, None, CGS.FactInOwnReportShape),
    # --- ConditionShape ---
    "condition-disease-missing": Break(
        CANCER, drop(A["case1-ad"], CG.disease), A["case1-ad"], "one disease: one the graph knows", A.case1,
        CG.disease),
    "condition-disease-unknown": Break(
        CANCER, put(A["case1-ad"], CG.disease, CGR["atopic-dermatitiss"]), A["case1-ad"],
        "one disease: one the graph knows", A.case1, CG.disease, str(CGR["atopic-dermatitiss"])),
    # --- SeverityAssessmentShape ---
    "severity-assessedCondition-missing": Break(
        CANCER, drop(A["case1-ad-severity-presentation"], CG.assessedCondition),
        A["case1-ad-severity-presentation"], "must name the condition it assesses", A.case1,
        CG.assessedCondition),
    "severity-not-a-severity": Break(
        CANCER, put(A["case1-ad-severity-presentation"], CG.severity, CG.Female),
        A["case1-ad-severity-presentation"], "needs one severity", A.case1, CG.severity, str(CG.Female)),
    # --- FindingShape / InvestigationShape ---
    "finding-phenotype-missing": Break(
        CANCER, drop(A["case1-pruritus-1m"], CG.phenotype), A["case1-pruritus-1m"],
        "one phenotype: one the graph knows", A.case1, CG.phenotype),
    "finding-presence-text": Break(
        CANCER, put(A["case1-pruritus-1m"], CG.presence, Literal("yes")), A["case1-pruritus-1m"],
        "presence is cg:Present or cg:Absent", A.case1, CG.presence, "yes"),
    "investigation-type-missing": Break(
        CANCER, drop(A["case1-exam-18m"], CG.investigationType), A["case1-exam-18m"],
        "must name its type (cg:investigationType)", A.case1, CG.investigationType),
    # --- InterventionShape ---
    "intervention-receivedBy-missing": Break(
        CANCER, drop(A["case1-crisaborole"], CG.receivedBy), A["case1-crisaborole"],
        "must name the patient who received", A.case1, CG.receivedBy),
    "intervention-indication-reference-disease": Break(
        CANCER, put(A["case1-crisaborole"], CG.indication, CGR["atopic-dermatitis"]), A["case1-crisaborole"],
        "not a reference disease", A.case1, CG.indication, str(CGR["atopic-dermatitis"])),
    # --- DrugTreatmentShape ---
    "drug-agent-missing": Break(
        CANCER, drop(A["case1-dupilumab"], CG.agent), A["case1-dupilumab"],
        "one drug or drug class the graph knows", A.case1, CG.agent),
    "drug-agent-unknown": Break(
        CANCER, put(A["case1-dupilumab"], CG.agent, CGR.dupilumabb), A["case1-dupilumab"],
        "one drug or drug class the graph knows", A.case1, CG.agent, str(CGR.dupilumabb)),
    "drug-route-not-a-route": Break(
        CANCER, put(A["case2-dupilumab"], CG.route, CGR["site-back"]), A["case2-dupilumab"],
        "route must be one the reference data knows", A.case2, CG.route, str(CGR["site-back"])),
    "drug-strength-negative": Break(
        CANCER, put(A["case2-clobetasol"], CG.strengthValue, Literal(Decimal("-0.05"))), A["case2-clobetasol"],
        "strength must be one positive decimal", A.case2, CG.strengthValue, "-0.05"),
    "drug-strength-text": Break(
        CANCER, put(A["case2-clobetasol"], CG.strengthValue, Literal("0.05%")), A["case2-clobetasol"],
        "strength must be one positive decimal", A.case2, CG.strengthValue, "0.05%"),
    "drug-strength-without-unit": Break(
        CANCER, drop(A["case2-clobetasol"], CG.strengthUnit), A["case2-clobetasol"],
        "A strength value needs its unit", A.case2, CG.strengthUnit),
    # --- NonDrugTreatmentShape / TreatmentRegimenShape ---
    "nondrug-type-missing": Break(
        CANCER, drop(A["case1-wle"], CG.interventionType), A["case1-wle"],
        "non-drug treatment must name its type", A.case1, CG.interventionType),
    "nondrug-type-is-a-drug": Break(
        CANCER, put(A["case1-wle"], CG.interventionType, CGR.dupilumab), A["case1-wle"],
        "non-drug treatment must name its type", A.case1, CG.interventionType, str(CGR.dupilumab)),
    "regimen-components-missing": Break(
        CANCER, drop(A["case1-initial-regimen"], CG.hasComponent), A["case1-initial-regimen"],
        "must list its components", A.case1, CG.hasComponent),
    # --- DoseRegimenShape / DoseValueNeedsUnitShape ---
    "dose-value-text": Break(
        DM, put(D["dose-dupilumab-maintenance"], CG.doseValue, Literal("300 mg")), D["dose-dupilumab-maintenance"],
        "A dose is one positive decimal number", D.case1, CG.doseValue, "300 mg"),
    "dose-value-zero": Break(
        DM, put(D["dose-dupilumab-maintenance"], CG.doseValue, Literal(0)), D["dose-dupilumab-maintenance"],
        "A dose is one positive decimal number", D.case1, CG.doseValue, "0"),
    "dose-value-without-unit": Break(
        DM, drop(D["dose-dupilumab-maintenance"], CG.doseUnit), D["dose-dupilumab-maintenance"],
        "A dose value needs its unit", D.case1, CG.doseUnit),
    "dose-number-zero": Break(
        DM, put(D["dose-dupilumab-loading"], CG.numberOfDoses, Literal(0)), D["dose-dupilumab-loading"],
        "number of doses is a whole number of at least 1", D.case1, CG.numberOfDoses, "0"),
    # --- RegimenChangeShape / ReasonShape ---
    "regimen-change-changeOf-missing": Break(
        DM, drop(D["rc-prednisone-taper"], CG.changeOf), D["rc-prednisone-taper"],
        "must name the intervention it changes", D.case1, CG.changeOf),
    "reason-kind-missing": Break(
        CANCER, drop(A["case1-reason-recrudescence"], CG.reasonKind), A["case1-reason-recrudescence"],
        "A reason needs its kind (cg:reasonKind)", A.case1, CG.reasonKind),
    # --- MeasurementShape ---
    "measurement-scale-missing": Break(
        CANCER, drop(A["case1-easi-1m"], CG.scale), A["case1-easi-1m"], "one scale the graph knows", A.case1,
        CG.scale),
    "measurement-scale-unknown": Break(
        CANCER, put(A["case1-easi-1m"], CG.scale, CGR.easy), A["case1-easi-1m"], "one scale the graph knows",
        A.case1, CG.scale, str(CGR.easy)),
    "measurement-value-missing": Break(
        CANCER, drop(A["case1-easi-1m"], CG.value), A["case1-easi-1m"], "one numeric value", A.case1, CG.value),
    "measurement-value-text": Break(
        CANCER, put(A["case1-easi-1m"], CG.value, Literal("1.8")), A["case1-easi-1m"], "one numeric value",
        A.case1, CG.value, "1.8"),
    "measurement-atTime-missing": Break(
        CANCER, drop(A["case1-easi-1m"], CG.atTime), A["case1-easi-1m"], "needs one time point (cg:atTime)",
        A.case1, CG.atTime),
    "measurement-comparator-text": Break(
        CANCER, put(A["case1-bsa-presentation"], CG.valueComparator, Literal("more than")),
        A["case1-bsa-presentation"], "value comparator is one of", A.case1, CG.valueComparator, "more than"),
    # --- MeasurementShape: SPARQL range check against the scale's range in the reference data ---
    "range-easi-80": Break(
        CANCER, put(A["case1-easi-presentation"], CG.value, Literal(80)), A["case1-easi-presentation"],
        "Value 80 is outside the range of Eczema Area and Severity Index", A.case1, None, "80",
        CGS.MeasurementShape),
    "range-nrs-11": Break(
        CANCER, put(A["case1-nrs-1m"], CG.value, Literal(11)), A["case1-nrs-1m"],
        "Value 11 is outside the range of pruritus numerical rating scale", A.case1, None, "11",
        CGS.MeasurementShape),
    "range-bsa-negative": Break(
        CANCER, put(A["case1-bsa-presentation"], CG.value, Literal(-5)), A["case1-bsa-presentation"],
        "Value -5 is outside the range of body surface area involved", A.case1, None, "-5",
        CGS.MeasurementShape),
    # --- TimePointShape ---
    "time-relativeTo-missing": Break(
        CANCER, drop(A["t1-dupi-1m"], CG.relativeTo), A["t1-dupi-1m"],
        "relative to exactly one intervention or clinical event", A.case1, CG.relativeTo),
    "time-relativeTo-condition": Break(
        CANCER, put(A["t1-dupi-1m"], CG.relativeTo, A["case1-ad"]), A["t1-dupi-1m"],
        "relative to exactly one intervention or clinical event", A.case1, CG.relativeTo, str(A["case1-ad"])),
    "time-direction-missing": Break(
        CANCER, drop(A["t1-dupi-1m"], CG.direction), A["t1-dupi-1m"], "needs its direction", A.case1,
        CG.direction),
    "time-direction-text": Break(
        CANCER, put(A["t1-dupi-1m"], CG.direction, Literal("after")), A["t1-dupi-1m"], "needs its direction",
        A.case1, CG.direction, "after"),
    "time-offsetUnit-not-a-time-unit": Break(
        CANCER, put(A["t1-dupi-1m"], CG.offsetUnit, CGR["unit-mg"]), A["t1-dupi-1m"],
        "offset unit is cg:Day, cg:Week, cg:Month or cg:Year", A.case1, CG.offsetUnit, str(CGR["unit-mg"])),
    "time-offsetValue-negative": Break(
        CANCER, put(A["t1-dupi-1m"], CG.offsetValue, Literal(-1)), A["t1-dupi-1m"],
        "non-negative decimal number", A.case1, CG.offsetValue, "-1"),
    "time-offsetComparator-invalid": Break(
        # the omalizumab time points have no cg:inCase: the case is found through the outcome dated there
        OMA, put(O["t-dupilumab-1y"], CG.offsetComparator, Literal(">=")), O["t-dupilumab-1y"],
        "offset comparator is >, < or ~", O.case1, CG.offsetComparator, ">="),
    "time-offsetDays-written": Break(
        CANCER, add(A["t1-dupi-1m"], CG.offsetDays, Literal(30)), A["t1-dupi-1m"],
        # sh:maxCount results carry no sh:value (SHACL spec)
        "cg:offsetDays is computed when the graph is built", A.case1, CG.offsetDays),
    "time-offsetValue-without-unit": Break(
        CANCER, drop(A["t1-dupi-1m"], CG.offsetUnit), A["t1-dupi-1m"],
        "with an offset value needs its unit (cg:offsetUnit)", A.case1, None, None, CGS.TimePointShape),
    "time-offsetUnit-without-value": Break(
        CANCER, drop(A["t1-dupi-1m"], CG.offsetValue), A["t1-dupi-1m"],
        "with an offset value needs its unit (cg:offsetUnit)", A.case1, None, None, CGS.TimePointShape),
    "time-at-anchor-with-offset": Break(
        CANCER,
        chain(add(A["t1-dupi-start"], CG.offsetValue, Literal(2)), add(A["t1-dupi-start"], CG.offsetUnit, CG.Week)),
        A["t1-dupi-start"], "'at' its anchor cannot also have an offset", A.case1, None, None,
        CGS.TimePointShape),
    # --- OutcomeAfterTreatmentShape / EndAfterStartShape ---
    "outcome-dated-before-its-treatment": Break(
        DM, put(D["o-dupilumab-pruritus-2w"], CG.atTime, D["t-before-dupilumab"]), D["o-dupilumab-pruritus-2w"],
        "dated before that intervention started", D.case1, None, str(D["case1-dupilumab"]),
        CGS.OutcomeAfterTreatmentShape),
    "intervention-ends-before-it-starts": Break(
        # the last rituximab infusion made relative to rituximab itself ("2 months before" its own start)
        DM, put(D["t-rituximab-last-infusion"], CG.relativeTo, D["case1-rituximab"]), D["case1-rituximab"],
        "cannot end before it starts", D.case1, None, None, CGS.EndAfterStartShape),
    # --- OutcomeShape ---
    "outcome-type-missing": Break(
        CANCER, drop(A["case1-outcome-ad-1m"], CG.outcomeType), A["case1-outcome-ad-1m"],
        "one outcome type the graph knows", A.case1, CG.outcomeType),
    "outcome-responseTo-condition": Break(
        CANCER, put(A["case1-outcome-ad-1m"], CG.responseTo, A["case1-ad"]), A["case1-outcome-ad-1m"],
        "must point to the intervention credited", A.case1, CG.responseTo, str(A["case1-ad"])),
    # --- AdverseEventShape (a cg:ParadoxicalReaction is a cg:AdverseEvent) ---
    "adverse-event-cause-missing": Break(
        OMA, drop(O["pr-omalizumab-ad"], CG.suspectedCause), O["pr-omalizumab-ad"],
        "must name its suspected cause", O.case1, CG.suspectedCause),
    # --- ClinicalDecisionShape ---
    "decision-kind-missing": Break(
        CANCER, drop(A["case1-decision-dupilumab"], CG.decisionKind), A["case1-decision-dupilumab"],
        "needs its kind (cg:decisionKind)", A.case1, CG.decisionKind),
    "decision-kind-not-a-kind": Break(
        CANCER, put(A["case1-decision-dupilumab"], CG.decisionKind, CG.Female), A["case1-decision-dupilumab"],
        "needs its kind (cg:decisionKind)", A.case1, CG.decisionKind, str(CG.Female)),
    # --- MechanisticClaimShape (literature claims belong to no case) ---
    "claim-evidence-missing": Break(
        CANCER, drop(A["claim-dupilumab-blocks-il4r"], CG.evidenceLevel), A["claim-dupilumab-blocks-il4r"],
        "needs one evidence level", NO_CASE, CG.evidenceLevel),
    "claim-direction-missing": Break(
        CANCER, drop(A["claim-dupilumab-blocks-il4r"], CG.claimDirection), A["claim-dupilumab-blocks-il4r"],
        "needs one direction (cg:claimDirection)", NO_CASE, CG.claimDirection),
    "claim-sourceText-missing": Break(
        CANCER, drop(A["claim-dupilumab-blocks-il4r"], CG.sourceText), A["claim-dupilumab-blocks-il4r"],
        "must quote its source statement", NO_CASE, CG.sourceText),
    "claim-pValue-over-1": Break(
        OMA, put(O["claim-adapt-trial"], CG.pValue, Literal(Decimal("1.5"))), O["claim-adapt-trial"],
        "P value is a decimal between 0 and 1", NO_CASE, CG.pValue, "1.5"),
    "comparative-claim-without-comparator": Break(
        CANCER, drop(A["claim-dupilumab-more-suitable"], CG.comparedWith), A["claim-dupilumab-more-suitable"],
        "must name what its subject is compared with", NO_CASE, CG.comparedWith),
    # Breslow thickness may go without a time point only as a characteristic of the melanoma.
    "characteristic-measurement-of-nothing": Break(
        CANCER, drop(A["case1-breslow"], CG.measurementOf), A["case1-breslow"],
        "needs one time point (cg:atTime)", A.case1, CG.atTime),
    "recommendation-kind-missing": Break(
        CANCER, drop(A["rec-larger-studies"], CG.recommendationKind), A["rec-larger-studies"],
        "needs one kind (cg:recommendationKind)", NO_CASE, CG.recommendationKind),
    "recommendation-sourceText-missing": Break(
        DM, drop(D["rec-further-studies"], CG.sourceText), D["rec-further-studies"],
        "must quote its source statement", NO_CASE, CG.sourceText),
    **NEW_BREAKS,
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_broken_copy_violates_shape(name: str, tmp_path: Path) -> None:
    brk = BREAKS[name]
    path = broken_copy(tmp_path, brk.source, brk.edit)
    report = validate_files([path], profile="seed")
    assert not report.conforms, f"{name}: the broken copy conforms"
    hits = find_violations(report, brk.message, focus=brk.focus, field=brk.field)
    issue = hits[0]
    assert issue.severity == "violation"
    assert issue.file == str(path)
    expected_case = None if brk.case == NO_CASE else str(brk.case)
    assert issue.case == expected_case, f"{name}: case {issue.case!r}, expected {expected_case!r}"
    if brk.value is not None:
        assert brk.value in {i.value for i in hits}, f"{name}: values {[i.value for i in hits]}"
    if brk.shape is not None:
        assert issue.shape == str(brk.shape)
    assert report.files == [str(path)]


def test_an_upper_bound_offset_is_not_held_against_the_age(tmp_path: Path) -> None:
    """"Less than 20 years before" the presentation is no lower bound: the 16-year-old's case conforms."""
    edit = chain(BREAKS["age-below-offset-before-presentation"].edit, add(ONSET, CG.offsetComparator, Literal("<")))
    path = broken_copy(tmp_path, OMA, edit)
    report = validate_files([path], profile="seed")
    assert report.conforms, report.to_text()


def test_missing_source_text_is_only_a_warning(tmp_path: Path) -> None:
    """cg:sourceText on a fact is a warning: reported, but the file still conforms."""
    focus = A["case1-easi-1m"]
    path = broken_copy(tmp_path, CANCER, drop(focus, CG.sourceText))
    report = validate_files([path], profile="seed")
    warnings = [i for i in report.issues if i.severity == "warning" and i.focus == str(focus)]
    assert warnings, report.to_text()
    assert "Quote the words of the report" in warnings[0].message
    assert warnings[0].field == str(CG.sourceText)
    assert warnings[0].case == str(A.case1)
    assert report.violations == []
    assert report.conforms
    assert "WARNING" in report.to_text()


# ---------------------------------------------------------------------------------------------------------
# Report renderings
# ---------------------------------------------------------------------------------------------------------
def test_report_renderings(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, CANCER, put(A.patient2, CG.ageAtPresentation, Literal(97)))
    report = validate_files([path], profile="seed")
    assert not report.conforms

    seed = seed_graph(CANCER)
    case_label = str(seed.value(A.case2, RDFS.label))
    onto = rdflib.Graph().parse(resources.ontology_file(), format="turtle")
    field_label = str(onto.value(CG.ageAtPresentation, RDFS.label))
    assert case_label and field_label

    text = report.to_text()
    assert str(path) in text
    assert case_label in text
    assert field_label in text
    assert "'97'" in text
    assert "VIOLATION" in text
    assert "between 0 and 89" in text

    data = json.loads(report.to_json())
    assert data["conforms"] is False
    assert data["files"] == [str(path)]
    ages = [i for i in data["issues"] if i["field"] == str(CG.ageAtPresentation)]
    assert ages and ages[0]["value"] == "97" and ages[0]["case"] == str(A.case2)

    ttl = rdflib.Graph().parse(data=report.to_turtle(), format="turtle")
    reports = list(ttl.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert (reports[0], SH.conforms, Literal(False)) in ttl
    assert any(str(v) == "97" for v in ttl.objects(None, SH.value))


# ---------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------
def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["validate", "--profile", "seed", *args])


def _err(result: Result) -> str:
    """stderr where the click version keeps it apart, plus the combined output."""
    try:
        stderr = result.stderr
    except ValueError:  # click < 8.2 without mix_stderr=False
        stderr = ""
    return f"{stderr}\n{result.output}"


def test_cli_validate_good_file() -> None:
    result = _run(str(CASES / CANCER))
    assert result.exit_code == 0, _err(result)
    assert "OK" in result.output


def test_cli_validate_broken_copy(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, CANCER, drop(A.patient1, CG.sex))
    result = _run("--format", "json", str(path))
    assert result.exit_code == 1, _err(result)
    data = json.loads(result.stdout)
    assert data["conforms"] is False
    assert any(i["field"] == str(CG.sex) and i["focus"] == str(A.patient1) for i in data["issues"])


def _assert_input_error(result: Result, *fragments: str) -> None:
    out = _err(result)
    assert result.exit_code == 2, out
    assert "Traceback" not in out
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    for fragment in fragments:
        assert fragment in out, f"{fragment!r} not in {out!r}"


def test_cli_validate_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-case.ttl"
    _assert_input_error(_run(str(missing)), str(missing), "no such file")


def test_cli_validate_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("  \n", encoding="utf-8")
    _assert_input_error(_run(str(empty)), str(empty), "empty")


def test_cli_validate_binary_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.ttl"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    _assert_input_error(_run(str(binary)), str(binary), "binary")


def test_cli_validate_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "syntax-error.ttl"
    bad.write_text(
        "@prefix cg: <https://w3id.org/casegraph/ontology#> .\n"
        "<#case1> a cg:Case .\n"
        '<#patient1> cg:sex "unterminated ;\n',
        encoding="utf-8",
    )
    result = _run(str(bad))
    _assert_input_error(result, "syntax-error.ttl:3:", "syntax error")


def test_cli_validate_directory(tmp_path: Path) -> None:
    _assert_input_error(_run(str(tmp_path)), str(tmp_path), "directory")
