"""GA4GH Phenopacket v2 (JSON) mapped onto the casegraph model.

What is mapped (phenopacket field -> casegraph):

- ``metaData.externalReferences`` (``PMID:``/``DOI:``) -> the case's source report (``cg:pmid``/``cg:doi``,
  the reference's description as its title); without one the submission has no source and is rejected.
- ``subject`` -> the patient: ``sex`` (FEMALE/MALE), ``timeAtLastEncounter.age`` -> age in whole years
  (the only age a phenopacket gives; a curator note says so). ``dateOfBirth`` and any timestamp are direct
  identifiers and make the submission fail de-identification.
- ``diseases`` -> conditions (``term`` -> ``cg:disease``; ``excluded`` diseases are left out; ``onset`` and
  ``diseaseStage`` kept as text).
- ``phenotypicFeatures`` -> findings (``type``, ``excluded`` -> absent, ``severity``).
- ``measurements`` -> a measurement when the assay is a scale the reference data knows (by label or
  identifier), otherwise an investigation with the assay and value as its result text.
- ``medicalActions`` -> interventions: ``treatment`` (agent, route, dose intervals with quantity and
  schedule, drug type as text), ``therapeuticRegimen`` (regimen and status), ``procedure`` and
  ``radiationTherapy`` (non-drug treatments); ``treatmentTarget`` -> indication, ``treatmentIntent`` -> intent
  text, ``responseToTreatment`` -> an outcome credited to the action, ``adverseEvents`` -> adverse events
  with the action as suspected cause (and a finding of the phenotype), ``treatmentTerminationReason`` -> the
  stop reason (and the status discontinued).

Terms are matched to the reference data by identifier (``skos:exactMatch``/``skos:notation``) or label;
an unmatched term keeps its own IRI, and the shapes then say that the graph does not know it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from casegraph.errors import InputError
from casegraph.namespaces import CG, CGR, CURIE_IRIS
from casegraph.readers import Mapped

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD = "http://www.w3.org/2001/XMLSchema#"

#: casegraph predicate -> the phenopacket field it comes from (for reports in the submitter's words).
FIELD_NAMES: dict[str, str] = {CG + k: v for k, v in {
    "pmid": "externalReferences", "doi": "externalReferences", "ageAtPresentation": "timeAtLastEncounter",
    "sex": "sex", "disease": "term", "onsetText": "onset", "stage": "diseaseStage", "phenotype": "type",
    "presence": "excluded", "severity": "severity", "scale": "assay", "value": "value", "resultText": "value",
    "agent": "agent", "route": "routeOfAdministration", "doseValue": "quantity.value", "doseUnit": "quantity.unit",
    "frequency": "scheduleFrequency", "indication": "treatmentTarget", "intentText": "treatmentIntent",
    "stopReason": "treatmentTerminationReason", "status": "regimenStatus", "outcomeType": "responseToTreatment",
    "suspectedCause": "adverseEvents", "interventionType": "code", "reportedIn": "metaData",
    "hasCondition": "diseases", "statedIn": "metaData", "inCase": "id",
}.items()}

_SEX = {"FEMALE": "Female", "MALE": "Male"}
_SEVERITY = {"HP:0012825": "Mild", "HP:0012826": "Moderate", "HP:0012828": "Severe", "HP:0012829": "Severe"}
_REGIMEN_STATUS = {"STARTED": "Ongoing", "COMPLETED": "Completed", "DISCONTINUED_ADVERSE_EVENT": "Discontinued",
                   "DISCONTINUED_LACK_OF_EFFICACY": "Discontinued", "DISCONTINUED_PHYSICIAN_DECISION": "Discontinued",
                   "DISCONTINUED_PATIENT_DECISION": "Discontinued"}
_STATUS_REASON = {"DISCONTINUED_ADVERSE_EVENT": "AdverseEventReason", "DISCONTINUED_LACK_OF_EFFICACY": "LackOfEfficacy",
                  "DISCONTINUED_PATIENT_DECISION": "PatientPreference"}
#: Words in a label -> reference term (routes, units, frequencies, reasons, responses).
_ROUTES = [("oral", "route-oral"), ("subcutaneous", "route-injection"), ("intramuscular", "route-injection"),
           ("injection", "route-injection"), ("intravenous", "route-infusion"), ("infusion", "route-infusion"),
           ("topical", "route-topical"), ("cutaneous", "route-topical")]
_UNITS = {"UCUM:mg": "unit-mg", "UCUM:mg.kg-1": "unit-mg-per-kg", "UCUM:mg/kg": "unit-mg-per-kg", "UCUM:%": "unit-percent",
          "UCUM:mm": "unit-mm"}
_REASONS = [("adverse", "AdverseEventReason"), ("toxicity", "AdverseEventReason"), ("lack of efficacy", "LackOfEfficacy"),
            ("treatment failure", "LackOfEfficacy"), ("progress", "LackOfEfficacy"), ("patient", "PatientPreference"),
            ("switch", "Switch")]
#: First match wins, so the negations come before the words they contain ("no improvement", "unfavorable").
_RESPONSES = [("no improv", "outcome-no-improvement"), ("not improv", "outcome-no-improvement"),
              ("without improv", "outcome-no-improvement"), ("unimprov", "outcome-no-improvement"),
              ("failed to improv", "outcome-no-improvement"), ("no response", "outcome-no-improvement"),
              ("non-respon", "outcome-no-improvement"), ("non respon", "outcome-no-improvement"),
              ("nonrespon", "outcome-no-improvement"), ("unfavo", "outcome-no-improvement"),
              ("no worse", "outcome-persistent"), ("not worse", "outcome-persistent"),
              ("incomplete", "outcome-partial-improvement"), ("complete", "outcome-complete-resolution"),
              ("partial", "outcome-partial-improvement"), ("progress", "outcome-worsening"),
              ("worse", "outcome-worsening"), ("stable", "outcome-persistent"), ("improv", "outcome-improvement"),
              ("favorable", "outcome-improvement"), ("favourable", "outcome-improvement")]


def _curie_iri(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    known = {k.upper(): v for k, v in CURIE_IRIS.items()}
    if prefix.upper() in known:
        return known[prefix.upper()] + local
    if prefix.upper() == "DOI":
        return "https://doi.org/" + local
    return f"http://purl.obolibrary.org/obo/{prefix}_{local}" if prefix.isalpha() else curie


@cache
def _reference_index() -> tuple[dict[str, str], dict[str, str]]:
    """(external IRI or CURIE -> reference IRI, lower-case label -> reference IRI) from the reference data."""
    from casegraph.rdfio import reference_triples

    by_id: dict[str, str] = {}
    by_label: dict[str, str] = {}
    for t in reference_triples():
        if not isinstance(t.subject, ox.NamedNode):
            continue
        p = t.predicate.value
        if p.endswith(("exactMatch", "#notation")):
            key = t.object.value if isinstance(t.object, (ox.NamedNode, ox.Literal)) else ""
            by_id.setdefault(key.upper() if not key.startswith("http") else key, t.subject.value)
        elif p.endswith(("#label", "#altLabel")) and isinstance(t.object, ox.Literal):
            by_label.setdefault(t.object.value.lower(), t.subject.value)
    return by_id, by_label


def _term(oc: dict[str, Any] | None) -> ox.NamedNode | None:
    """A phenopacket OntologyClass -> the reference term it stands for, else its own IRI."""
    if not oc or not oc.get("id"):
        return None
    by_id, by_label = _reference_index()
    curie = str(oc["id"])
    iri = _curie_iri(curie)
    hit = by_id.get(curie.upper()) or by_id.get(iri) or by_label.get(str(oc.get("label", "")).lower())
    return ox.NamedNode(hit or iri)


def _years(iso: str) -> int | None:
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", iso or "")
    if not match:
        return None
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    return int(years + months / 12 + weeks / 52.1775 + days / 365.25)


def _words(label: str, table: list[tuple[str, str]]) -> str | None:
    low = label.lower()
    return next((term for word, term in table if word in low), None)


class _Mapper:
    def __init__(self, base: str) -> None:
        self.base = base
        self.triples: list[ox.Triple] = []
        self.paths: dict[str, str] = {}
        self.case = ox.NamedNode(base + "case")
        self.source = ox.NamedNode(base + "source")
        self.patient = ox.NamedNode(base + "patient")
        self.conditions: dict[str, ox.NamedNode] = {}

    def node(self, path: str, rdf_type: str, fact: bool = True) -> ox.NamedNode:
        iri = ox.NamedNode(self.base + "#/" + path.replace(".", "/").replace("[", "/").replace("]", ""))
        self.paths[iri.value] = path
        self.add(iri, RDF_TYPE, ox.NamedNode(CG + rdf_type))
        if fact:
            self.add(iri, CG + "inCase", self.case)
            self.add(iri, CG + "statedIn", self.source)
        return iri

    def add(self, s: ox.NamedNode, p: ox.NamedNode | str, o: ox.NamedNode | ox.Literal | str | int | float | bool | None,
            ) -> None:
        if o is None:
            return
        pred = p if isinstance(p, ox.NamedNode) else ox.NamedNode(p)
        if isinstance(o, bool):
            obj: ox.NamedNode | ox.Literal = ox.Literal(str(o).lower(), datatype=ox.NamedNode(XSD + "boolean"))
        elif isinstance(o, int):
            obj = ox.Literal(str(o), datatype=ox.NamedNode(XSD + "integer"))
        elif isinstance(o, float):
            obj = ox.Literal(repr(o), datatype=ox.NamedNode(XSD + "decimal"))
        elif isinstance(o, str):
            obj = ox.Literal(o)
        else:
            obj = o
        self.triples.append(ox.Triple(s, pred, obj))

    def condition_for(self, oc: dict[str, Any], path: str) -> ox.NamedNode:
        term = _term(oc)
        key = term.value if term else str(oc)
        if key not in self.conditions:
            node = self.node(path, "Condition")
            self.add(node, CG + "disease", term)
            self.add(node, RDFS_LABEL, str(oc.get("label") or oc.get("id")))
            self.add(self.patient, CG + "hasCondition", node)
            self.conditions[key] = node
        return self.conditions[key]


def read_phenopacket(path: Path, text: str, base: str) -> Mapped:
    """Map a Phenopacket v2 JSON document onto the model."""
    from casegraph.casedoc import load_json
    from casegraph.deid import scan_document

    data = load_json(path, text)
    if not isinstance(data, dict) or not isinstance(data.get("metaData"), dict):
        raise InputError(f"{path}: not a GA4GH Phenopacket v2 (a JSON object with 'metaData')")
    problems = scan_document(data, date_values=True)  # phenopacket timestamps are exact dates of care
    if problems:
        return Mapped(triples=[], node_paths={}, field_names=FIELD_NAMES, deid=problems)
    m = _Mapper(base)
    _source(m, data)
    _subject(m, data)
    for i, disease in enumerate(_list(path, data, "diseases")):
        if disease.get("excluded"):
            continue
        node = m.condition_for(disease.get("term") or {}, f"diseases[{i}]")
        m.paths[node.value] = f"diseases[{i}]"
        onset = disease.get("onset") or {}
        onset_text = (onset.get("age") or {}).get("iso8601duration") or (onset.get("ontologyClass") or {}).get("label")
        m.add(node, CG + "onsetText", str(onset_text) if onset_text else None)
        for stage in disease.get("diseaseStage") or []:
            m.add(node, CG + "stage", str(stage.get("label") or stage.get("id")))
    for i, feature in enumerate(_list(path, data, "phenotypicFeatures")):
        node = m.node(f"phenotypicFeatures[{i}]", "Finding")
        m.add(node, CG + "phenotype", _term(feature.get("type")))
        m.add(node, RDFS_LABEL, str((feature.get("type") or {}).get("label") or "phenotypic feature"))
        m.add(node, CG + "presence", ox.NamedNode(CG + ("Absent" if feature.get("excluded") else "Present")))
        severity = _SEVERITY.get(str((feature.get("severity") or {}).get("id")))
        m.add(node, CG + "severity", ox.NamedNode(CG + severity) if severity else None)
        m.add(m.patient, CG + "hasFinding", node)
    for i, measurement in enumerate(_list(path, data, "measurements")):
        _measurement(m, measurement, f"measurements[{i}]")
    for i, action in enumerate(_list(path, data, "medicalActions")):
        _action(m, action, f"medicalActions[{i}]")
    return Mapped(triples=m.triples, node_paths=m.paths, field_names=FIELD_NAMES, deid=[])


def _list(path: Path, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{path}: '{key}' must be a list of objects (GA4GH Phenopacket v2)")
    return value


def _source(m: _Mapper, data: dict[str, Any]) -> None:
    meta = data["metaData"]
    m.paths[m.source.value] = "metaData.externalReferences"
    m.paths[m.case.value] = "id"
    m.add(m.source, RDF_TYPE, ox.NamedNode(CG + "CaseReport"))
    m.add(m.source, CG + "hasCase", m.case)
    for ref in meta.get("externalReferences") or []:
        ident = str(ref.get("id", ""))
        prefix, _, local = ident.partition(":")
        if prefix.upper() == "PMID":
            m.add(m.source, CG + "pmid", local.strip())
        elif prefix.upper() == "DOI":
            m.add(m.source, CG + "doi", local.strip())
        if ref.get("description"):
            m.add(m.source, ox.NamedNode("http://purl.org/dc/terms/title"), str(ref["description"]))
    m.add(m.case, RDF_TYPE, ox.NamedNode(CG + "Case"))
    m.add(m.case, CG + "reportedIn", m.source)
    m.add(m.case, CG + "hasPatient", m.patient)
    if data.get("id"):
        # the label too: the stored queries and the explorer name a case by its rdfs:label
        m.add(m.case, CG + "caseLabel", str(data["id"]))
        m.add(m.case, RDFS_LABEL, str(data["id"]))


def _subject(m: _Mapper, data: dict[str, Any]) -> None:
    subject = data.get("subject") or {}
    m.paths[m.patient.value] = "subject"
    m.add(m.patient, RDF_TYPE, ox.NamedNode(CG + "Patient"))
    m.add(m.patient, CG + "inCase", m.case)
    m.add(m.patient, CG + "statedIn", m.source)
    sex = _SEX.get(str(subject.get("sex", "")))
    m.add(m.patient, CG + "sex", ox.NamedNode(CG + sex) if sex else None)
    age = ((subject.get("timeAtLastEncounter") or {}).get("age") or {}).get("iso8601duration")
    years = _years(str(age)) if age else None
    m.add(m.patient, CG + "ageAtPresentation", years)
    if years is not None:
        m.add(m.patient, CG + "curatorNote", f"Age from the phenopacket's timeAtLastEncounter ({age}).")


def _measurement(m: _Mapper, measurement: dict[str, Any], path: str) -> None:
    assay = measurement.get("assay") or {}
    term = _term(assay)
    quantity = (measurement.get("value") or {}).get("quantity") or {}
    value = quantity.get("value")
    is_scale = term is not None and term.value.startswith(CGR) and isinstance(value, (int, float))
    node = m.node(path, "Measurement" if is_scale else "Investigation")
    m.add(node, RDFS_LABEL, str(assay.get("label") or assay.get("id") or "measurement"))
    if is_scale:
        m.add(node, CG + "scale", term)
        m.add(node, CG + "value", float(value or 0))
        m.add(m.patient, CG + "hasMeasurement", node)
    else:
        unit = (quantity.get("unit") or {}).get("label") or ""
        shown = value if value is not None else ((measurement.get("value") or {}).get("ontologyClass") or {}).get("label")
        m.add(node, CG + "resultText", f"{assay.get('label') or assay.get('id')}: {shown} {unit}".strip())


def _action(m: _Mapper, action: dict[str, Any], path: str) -> None:
    if "treatment" in action:
        sub, kind = action["treatment"], "DrugTreatment"
    elif "therapeuticRegimen" in action:
        sub, kind = action["therapeuticRegimen"], "TreatmentRegimen"
    elif "procedure" in action:
        sub, kind = action["procedure"], "NonDrugTreatment"
    elif "radiationTherapy" in action:
        sub, kind = action["radiationTherapy"], "NonDrugTreatment"
    else:
        return
    key = next(k for k in ("treatment", "therapeuticRegimen", "procedure", "radiationTherapy") if k in action)
    node = m.node(f"{path}.{key}", kind)
    m.add(node, CG + "receivedBy", m.patient)
    if kind == "DrugTreatment":
        m.add(node, CG + "agent", _term(sub.get("agent")))
        m.add(node, RDFS_LABEL, str((sub.get("agent") or {}).get("label") or "treatment"))
        route = _words(str((sub.get("routeOfAdministration") or {}).get("label", "")), _ROUTES)
        m.add(node, CG + "route", ox.NamedNode(CGR + route) if route else None)
        for j, interval in enumerate(sub.get("doseIntervals") or []):
            dose = m.node(f"{path}.treatment.doseIntervals[{j}]", "DoseRegimen", fact=False)
            m.add(node, CG + "hasDoseRegimen", dose)
            quantity = interval.get("quantity") or {}
            if isinstance(quantity.get("value"), (int, float)):
                m.add(dose, CG + "doseValue", float(quantity["value"]))
            unit = _UNITS.get(str((quantity.get("unit") or {}).get("id")))
            m.add(dose, CG + "doseUnit", ox.NamedNode(CGR + unit) if unit else None)
            frequency = (interval.get("scheduleFrequency") or {}).get("label")
            if frequency:
                freq = _term(interval["scheduleFrequency"])
                m.add(dose, CG + "frequency", freq if freq and freq.value.startswith(CGR) else None)
                m.add(dose, CG + "doseText", f"{quantity.get('value', '')} {(quantity.get('unit') or {}).get('label', '')} "
                                             f"{frequency}".strip())
            m.add(dose, RDFS_LABEL, f"dose interval {j + 1}")
        if sub.get("drugType"):
            m.add(node, CG + "curatorNote", f"Phenopacket drugType: {sub['drugType']}.")
    else:
        code = sub.get("ontologyClass") or sub.get("code") or sub.get("modality") or {}
        m.add(node, RDFS_LABEL, str(code.get("label") or code.get("id") or key))
        if kind == "NonDrugTreatment":
            m.add(node, CG + "interventionType", _term(code))
        status = _REGIMEN_STATUS.get(str(sub.get("regimenStatus", "")))
        m.add(node, CG + "status", ox.NamedNode(CG + status) if status else None)
        reason = _STATUS_REASON.get(str(sub.get("regimenStatus", "")))
        if reason:
            r = m.node(f"{path}.{key}.regimenStatus", "Reason", fact=False)
            m.add(r, CG + "reasonKind", ox.NamedNode(CG + reason))
            m.add(node, CG + "stopReason", r)
    target = action.get("treatmentTarget")
    condition = m.condition_for(target, f"{path}.treatmentTarget") if target else None
    m.add(node, CG + "indication", condition)
    intent = (action.get("treatmentIntent") or {}).get("label")
    m.add(node, CG + "intentText", str(intent) if intent else None)
    response = action.get("responseToTreatment")
    if response:
        outcome = m.node(f"{path}.responseToTreatment", "Outcome")
        kind_term = _words(str(response.get("label", "")), _RESPONSES)
        m.add(outcome, CG + "outcomeType", ox.NamedNode(CGR + kind_term) if kind_term else _term(response))
        m.add(outcome, CG + "responseTo", node)
        m.add(outcome, CG + "outcomeOf", condition)
        m.add(outcome, RDFS_LABEL, str(response.get("label") or response.get("id")))
        m.add(m.patient, CG + "hasOutcome", outcome)
    for j, event in enumerate(action.get("adverseEvents") or []):
        ae = m.node(f"{path}.adverseEvents[{j}]", "AdverseEvent")
        m.add(ae, CG + "suspectedCause", node)
        m.add(ae, RDFS_LABEL, f"adverse event: {event.get('label') or event.get('id')}")
        finding = m.node(f"{path}.adverseEvents[{j}].finding", "Finding")
        m.add(finding, CG + "phenotype", _term(event))
        m.add(finding, CG + "presence", ox.NamedNode(CG + "Present"))
        m.add(finding, RDFS_LABEL, str(event.get("label") or event.get("id")))
        m.add(m.patient, CG + "hasFinding", finding)
    termination = action.get("treatmentTerminationReason")
    if termination:
        r = m.node(f"{path}.treatmentTerminationReason", "Reason", fact=False)
        kind_term = _words(str(termination.get("label", "")), _REASONS)
        m.add(r, CG + "reasonKind", ox.NamedNode(CG + kind_term) if kind_term else _term(termination))
        m.add(r, RDFS_LABEL, str(termination.get("label") or termination.get("id")))
        m.add(node, CG + "stopReason", r)
        m.add(node, CG + "status", ox.NamedNode(CG + "Discontinued"))
