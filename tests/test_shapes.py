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
