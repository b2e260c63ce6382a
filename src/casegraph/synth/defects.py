"""Deliberate defects for ``--invalid-rate``: mistakes a submitter makes that the SHACL shapes catch.

Each defect changes a written document in one place and says which violation validation must then report:
the shape (as the validate API names it, ``issue.shape``), the field (the property, ``issue.field``; none
for a constraint that is not about one property) and where it is in the document (``issue.location``, the
submitter's key path). A defect returns ``None`` when it does not fit the case (no score to push out of
range, no synonym to misuse), and another one is drawn.

Every defect here passes the JSON Schema of case documents (the schema's own refusals are input errors,
not SHACL violations), so what rejects the document is the shapes. Two kinds of mistake the issue names
cannot be written in these formats and are not offered: asserting a class the reasoner infers (a case
document or phenopacket has no field for an rdf:type) and a value of the wrong datatype (the JSON Schema
refuses it before the shapes run, and a whole number written as 34.0 is read as the integer 34).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casegraph.errors import InputError
from casegraph.namespaces import CG
from casegraph.synth.generate import Case
from casegraph.synth.reference import Vocabulary

CGS = "https://w3id.org/casegraph/shapes#"
#: What a case document accepts as a reference term (the schema's pattern).
_TERM = re.compile(r"^[A-Za-z][A-Za-z0-9_.:/-]*$")


@dataclass(frozen=True)
class Expected:
    """A violation validation must report."""

    shape: str
    field: str | None
    location: str


@dataclass(frozen=True)
class Defect:
    kind: str
    description: str
    expected: tuple[Expected, ...]


Apply = Callable[[dict[str, Any], Case, random.Random, Vocabulary], tuple[str, list[Expected]] | None]


def _index(doc: dict[str, Any], key: str, ident: str) -> int:
    return next(i for i, item in enumerate(doc[key]) if item.get("id") == ident)


def _unknown_synonyms(vocab: Vocabulary, name: str) -> list[str]:
    """Synonyms of a term a case document could write (the schema's pattern) that name no reference term."""
    known = {n for names in vocab.terms.values() for n in names}
    return [s for s in vocab.synonyms.get(name, ()) if _TERM.match(s) and s not in known]


# --- case documents (JSON and YAML) --------------------------------------------------------------------
def _score_out_of_range(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                        ) -> tuple[str, list[Expected]] | None:
    items = [i for i, m in enumerate(doc.get("measurements", [])) if vocab.scales[m["scale"]].maximum is not None]
    if not items:
        return None
    i = rng.choice(items)
    m = doc["measurements"][i]
    scale = vocab.scales[m["scale"]]
    assert scale.maximum is not None
    span = scale.maximum - scale.minimum
    if rng.random() < 0.7:
        value = round(scale.maximum + rng.uniform(0.05, 0.5) * span, 1)
    else:
        value = round(scale.minimum - rng.uniform(0.05, 0.3) * span, 1)
    m["value"] = int(value) if value.is_integer() else value
    return (f"{scale.label} {m['value']} is outside the scale's range {scale.minimum:g} to {scale.maximum:g}",
            [Expected(CGS + "MeasurementShape", None, f"measurements[{i}]")])


def _unknown_scale(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                   ) -> tuple[str, list[Expected]] | None:
    items = [(i, s) for i, m in enumerate(doc.get("measurements", [])) for s in _unknown_synonyms(vocab, m["scale"])]
    if not items:
        return None
    i, synonym = rng.choice(items)
    old = doc["measurements"][i]["scale"]
    doc["measurements"][i]["scale"] = synonym
    return (f"scale written as its abbreviation {synonym!r} instead of the casegraph name {old!r}",
            [Expected(CGS + "MeasurementShape", CG + "scale", f"measurements[{i}].scale")])


def _drug_synonym(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                  ) -> tuple[str, list[Expected]] | None:
    synonyms = _unknown_synonyms(vocab, case.main.agent)
    if not synonyms:
        return None
    i = _index(doc, "treatments", case.main.key)
    synonym = rng.choice(synonyms)
    doc["treatments"][i]["drug"] = synonym
    return (f"drug written as its synonym {synonym!r} instead of the casegraph name {case.main.agent!r}",
            [Expected(CGS + "DrugTreatmentShape", CG + "agent", f"treatments[{i}].drug")])


def _unknown_drug_identifier(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                             ) -> tuple[str, list[Expected]] | None:
    if not vocab.close_only:
        return None
    identifier = rng.choice(sorted(vocab.close_only))
    drug = vocab.close_only[identifier]
    same = [t for t in case.treatments if t.agent == drug]
    i = _index(doc, "treatments", (same[0] if same else case.main).key)
    doc["treatments"][i]["drug"] = identifier
    return (f"drug named by {identifier}, an identifier the reference data gives only as a close match of {drug!r} "
            "(a salt or ester), which the graph does not know as a drug",
            [Expected(CGS + "DrugTreatmentShape", CG + "agent", f"treatments[{i}].drug")])


def _unknown_disease(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                     ) -> tuple[str, list[Expected]] | None:
    synonyms = _unknown_synonyms(vocab, case.primary.disease)
    if not synonyms:
        return None
    synonym = rng.choice(synonyms)
    doc["conditions"][0]["disease"] = synonym
    return (f"disease written as its synonym {synonym!r} instead of the casegraph name {case.primary.disease!r}",
            [Expected(CGS + "ConditionShape", CG + "disease", "conditions[0].disease")])


def _indication_not_a_condition(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                                ) -> tuple[str, list[Expected]] | None:
    i = _index(doc, "treatments", case.main.key)
    doc["treatments"][i]["indication"] = case.primary.disease
    return (f"indication names the disease {case.primary.disease!r} instead of the id of the patient's condition "
            f"({case.primary.key!r})",
            [Expected(CGS + "InterventionShape", CG + "indication", f"treatments[{i}].indication")])


def _end_before_start(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                      ) -> tuple[str, list[Expected]] | None:
    i = _index(doc, "treatments", case.main.key)
    weeks = rng.randint(1, 12)
    doc["treatments"][i]["end"] = {"relativeTo": case.main.key, "direction": "before", "offset": weeks,
                                   "offsetUnit": "week"}
    doc["treatments"][i]["status"] = "discontinued"
    return (f"the main treatment ends {weeks} week(s) before its own start",
            [Expected(CGS + "EndAfterStartShape", None, f"treatments[{i}]")])


def _missing_offset_unit(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                         ) -> tuple[str, list[Expected]] | None:
    places = [(key, i, "at") for key in ("measurements", "outcomes") for i, item in enumerate(doc.get(key, []))
              if isinstance(item.get("at"), dict) and "offsetUnit" in item["at"]]
    if not places:
        return None
    key, i, field = rng.choice(places)
    del doc[key][i][field]["offsetUnit"]
    return (f"a time point gives its offset ({doc[key][i][field]['offset']}) without a unit",
            [Expected(CGS + "TimePointShape", None, f"{key}[{i}].{field}")])


def _response_before_treatment(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                               ) -> tuple[str, list[Expected]] | None:
    weeks = rng.randint(1, 8)
    doc["outcomes"][0]["at"] = {"relativeTo": case.main.key, "direction": "before", "offset": weeks,
                                "offsetUnit": "week"}
    return (f"the response to the main treatment is dated {weeks} week(s) before it started",
            [Expected(CGS + "OutcomeAfterTreatmentShape", None, "outcomes[0]")])


def _age_over_89(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                 ) -> tuple[str, list[Expected]] | None:
    age = rng.randint(90, 104)
    doc["patient"]["age"] = age
    return (f"exact age {age}, over 89 (identifies a patient under HIPAA Safe Harbor)",
            [Expected(CGS + "PatientShape", CG + "ageAtPresentation", "patient.age")])


def _onset_before_birth(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                        ) -> tuple[str, list[Expected]] | None:
    years = case.age + rng.randint(2, 15)
    doc["conditions"][0]["onsetAt"] = {"relativeTo": "presentation", "direction": "before", "offset": years,
                                       "offsetUnit": "year"}
    return (f"the primary condition began {years} years before the presentation of a {case.age}-year-old",
            [Expected(CGS + "AgeBeforePresentationShape", None, "conditions[0].onsetAt")])


# --- phenopackets --------------------------------------------------------------------------------------
def _missing_sex(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                 ) -> tuple[str, list[Expected]] | None:
    del doc["subject"]["sex"]
    return ("the subject's sex is missing", [Expected(CGS + "PatientShape", CG + "sex", "subject.sex")])


def _missing_age(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                 ) -> tuple[str, list[Expected]] | None:
    del doc["subject"]["timeAtLastEncounter"]
    return ("the subject's age (timeAtLastEncounter) is missing",
            [Expected(CGS + "PatientShape", CG + "ageAtPresentation", "subject.timeAtLastEncounter")])


def _pp_age_over_89(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                    ) -> tuple[str, list[Expected]] | None:
    age = rng.randint(90, 104)
    doc["subject"]["timeAtLastEncounter"] = {"age": {"iso8601duration": f"P{age}Y"}}
    return (f"exact age {age}, over 89 (identifies a patient under HIPAA Safe Harbor)",
            [Expected(CGS + "PatientShape", CG + "ageAtPresentation", "subject.timeAtLastEncounter")])


def _agent_not_a_drug(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                      ) -> tuple[str, list[Expected]] | None:
    targets = [t for t in vocab.targets.get(case.main.agent, ()) if vocab.notation(t, "HGNC")]
    if not targets:
        return None
    target = rng.choice(targets)
    i = len(doc["medicalActions"]) - 1
    doc["medicalActions"][i]["treatment"]["agent"] = {"id": vocab.notation(target, "HGNC"), "label": vocab.label(target)}
    return (f"the agent is the drug's target {target} ({vocab.notation(target, 'HGNC')}), not the drug {case.main.agent}",
            [Expected(CGS + "DrugTreatmentShape", CG + "agent", f"medicalActions[{i}].treatment.agent")])


def _disease_not_a_disease(doc: dict[str, Any], case: Case, rng: random.Random, vocab: Vocabulary
                           ) -> tuple[str, list[Expected]] | None:
    phenotypes = sorted({f.phenotype for f in case.findings if vocab.notation(f.phenotype, "HP")}) or \
        sorted(p for p in vocab.terms["phenotype"] if vocab.notation(p, "HP"))
    phenotype = rng.choice(phenotypes)
    doc["diseases"][0]["term"] = {"id": vocab.notation(phenotype, "HP"), "label": vocab.label(phenotype)}
    return (f"the primary disease is given as the phenotype {phenotype} ({vocab.notation(phenotype, 'HP')})",
            [Expected(CGS + "ConditionShape", CG + "disease", "diseases[0].term")])


#: family -> kind -> how it is applied. The profile chooses among them and weighs them.
DEFECTS: dict[str, dict[str, Apply]] = {
    "case-document": {
        "score-out-of-range": _score_out_of_range,
        "unknown-scale": _unknown_scale,
        "drug-synonym": _drug_synonym,
        "unknown-drug-identifier": _unknown_drug_identifier,
        "unknown-disease": _unknown_disease,
        "indication-not-a-condition": _indication_not_a_condition,
        "end-before-start": _end_before_start,
        "missing-offset-unit": _missing_offset_unit,
        "response-before-treatment": _response_before_treatment,
        "age-over-89": _age_over_89,
        "onset-before-birth": _onset_before_birth,
    },
    "phenopacket": {
        "missing-sex": _missing_sex,
        "missing-age": _missing_age,
        "age-over-89": _pp_age_over_89,
        "agent-not-a-drug": _agent_not_a_drug,
        "disease-not-a-disease": _disease_not_a_disease,
    },
}


def break_document(family: str, weights: dict[str, float], doc: dict[str, Any], case: Case, rng: random.Random,
                   vocab: Vocabulary) -> Defect:
    """Introduce one defect (drawn by weight among those that fit the case) into ``doc``, in place."""
    kinds = {k: w for k, w in weights.items() if w > 0}
    while kinds:
        names = sorted(kinds)
        kind = rng.choices(names, weights=[kinds[n] for n in names])[0]
        done = DEFECTS[family][kind](doc, case, rng, vocab)
        if done is not None:
            return Defect(kind, done[0], tuple(done[1]))
        del kinds[kind]
    raise InputError(f"the synthesis profile offers no {family} defect that fits case {case.id}; "
                     f"give some weight to more kinds under defects.{family}")
