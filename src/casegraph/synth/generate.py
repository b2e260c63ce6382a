"""One synthetic case: drawn from the profile and the reference vocabulary, then written as a case document
(JSON or YAML) or a GA4GH Phenopacket v2.

A case is a patient (age and sex from the disease's bands) with a primary condition, comorbidities,
findings, treatments tried before the main one, the main treatment (on- or off-label by the reference
data's approvals), scores on the scales that apply at its start and at follow-up visits, severities and an
outcome. Scores follow one course per case: an exponential approach to the case's final improvement, with
noise, within each scale's range and in its direction (higher is worse or better), from the reference data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from casegraph.casedoc import CONTEXT_IRI
from casegraph.synth.profile import DiseaseProfile, DrugProfile, FollowUp, Profile


@dataclass(frozen=True)
class When:
    """A time point: ``offset`` ``unit`` ``direction`` (before/after/at) the start (or end) of ``anchor``."""

    anchor: str
    direction: str
    offset: float | None = None
    unit: str | None = None
    point: str = "start"

    def doc(self) -> str | dict[str, Any]:
        if self.anchor == "presentation" and self.direction == "at":
            return "presentation"
        out: dict[str, Any] = {"relativeTo": self.anchor}
        if self.point != "start":
            out["anchor"] = self.point
        out["direction"] = self.direction
        if self.offset is not None:
            out["offset"] = _num(self.offset)
            out["offsetUnit"] = self.unit
        return out

    def words(self, names: dict[str, str]) -> str:
        what = names.get(self.anchor, self.anchor)
        if self.direction == "at":
            return "at presentation" if self.anchor == "presentation" else f"at the start of {what}"
        amount = f"{_num(self.offset or 0)} {self.unit}{'' if self.offset == 1 else 's'}"
        return f"{amount} {self.direction} {'the presentation' if self.anchor == 'presentation' else 'starting ' + what}"


@dataclass
class Condition:
    key: str
    disease: str
    role: str
    status: str | None = None
    onset: When | None = None
    severities: list[tuple[str, When]] = field(default_factory=list)


@dataclass
class Finding:
    key: str
    phenotype: str
    condition: str
    severity: str | None
    sites: list[str]


@dataclass
class Treatment:
    key: str
    agent: str
    condition: str
    given: DrugProfile
    doses: list[dict[str, Any]]
    start: When
    end: When | None = None
    status: str = "ongoing"
    stop_reason: str | None = None
    replaced_by: str | None = None


@dataclass
class Measurement:
    scale: str
    value: float
    of: str
    at: When


@dataclass
class Reaction:
    cause: str
    condition: str
    disease: str
    kind: str
    at: When


@dataclass
class Case:
    """Everything drawn for one case, before it is written in a format."""

    index: int
    id: str
    seed: int
    age: int
    sex: str
    profile: DiseaseProfile
    use: str  # on-label | off-label
    response: str
    improvement: float
    outcome: str
    phenopacket_response: str
    presentation: When
    last: When
    conditions: list[Condition] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)

    @property
    def main(self) -> Treatment:
        return self.treatments[-1]

    @property
    def primary(self) -> Condition:
        return self.conditions[0]


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def _person(age: int, sex: str) -> str:
    female = sex == "female"
    if age < 13:
        return "girl" if female else "boy"
    if age < 18:
        return "adolescent girl" if female else "adolescent boy"
    return "woman" if female else "man"


def _article(age: int) -> str:
    """'an' before an age read with a leading vowel sound (8, 11, 18, 80-89), else 'a'."""
    return "An" if str(age).startswith("8") or age in (11, 18) else "A"


def draw_case(profile: Profile, seed: int, index: int, case_id: str) -> Case:
    """Draw case ``index`` of seed ``seed``: the same arguments give the same case, whatever else is drawn."""
    rng = random.Random(f"casegraph-synth:{seed}:{index}")
    vocab = profile.vocab
    dp = profile.diseases[rng.choices(range(len(profile.diseases)), weights=[d.weight for d in profile.diseases])[0]]
    sex = "female" if rng.random() < dp.female else "male"
    band = rng.choices(dp.ages, weights=[b.weight for b in dp.ages])[0]
    age = rng.randint(band.low, band.high)

    # main treatment: on- or off-label, by the reference data's approvals
    if dp.on_label and dp.off_label:
        use = "off-label" if rng.random() < profile.off_label_share else "on-label"
    else:
        use = "on-label" if dp.on_label else "off-label"
    main_agent = _pick(rng, dp.on_label if use == "on-label" else dp.off_label)

    # course: the final improvement, follow-up visits, how fast the change comes
    response = _pick(rng, profile.response[use])
    low, high = profile.response_classes[response]
    target = rng.uniform(low, high)
    count = int(_pick(rng, {str(k): v for k, v in profile.follow_up_count.items()}))
    visits: list[FollowUp] = sorted(rng.sample(profile.follow_ups, count), key=lambda f: f.weeks)
    half = rng.uniform(*profile.half_change_weeks)
    last_weeks = visits[-1].weeks

    def course(weeks: float) -> float:
        return target * (1 - 2 ** (-weeks / half)) / (1 - 2 ** (-last_weeks / half))

    main_key = "t-" + main_agent
    gap = rng.randint(*profile.presentation_weeks_before)
    presentation = When(main_key, "before", gap, "week") if gap else When(main_key, "at")
    last = When(main_key, "after", visits[-1].offset, visits[-1].unit)

    # primary condition and its duration
    years = rng.randint(min(dp.onset_years[0], age), min(dp.onset_years[1], age))
    onset = When("presentation", "before", years, "year") if years else When(
        "presentation", "before", rng.randint(1, 11), "month")
    onset_months = years * 12 if years else int(onset.offset or 1)
    severity = _pick(rng, dp.severity or profile.severity)
    case = Case(index=index, id=case_id, seed=seed, age=age, sex=sex, profile=dp, use=use, response=response,
                improvement=target, outcome="", phenopacket_response="", presentation=presentation, last=last)
    primary = Condition("c-" + dp.disease, dp.disease, "primary", "active", onset, [(severity, When("presentation", "at"))])
    case.conditions.append(primary)
    for disease, p in dp.comorbidities.items():
        if disease != dp.disease and rng.random() < p:
            statuses = profile.malignancy_status if disease in vocab.malignancies else profile.comorbidity_status
            case.conditions.append(Condition("c-" + disease, disease, "comorbid", _pick(rng, statuses)))

    for spec in dp.findings:
        if rng.random() < spec.p:
            sites = sorted(rng.sample(dp.body_sites, rng.randint(1, min(3, len(dp.body_sites))))) if spec.sites else []
            case.findings.append(Finding("f-" + spec.phenotype, spec.phenotype, primary.key,
                                         severity if spec.phenotype == "pruritus" else None, sites))

    # treatments tried before the main one: each stopped when the main one started
    priors = []
    for agent, p in dp.prior.items():
        if agent != main_agent and rng.random() < p:
            months = rng.randint(profile.prior_months_before[0], max(profile.prior_months_before[0],
                                                                       min(profile.prior_months_before[1], onset_months)))
            priors.append((months, agent))
    for months, agent in sorted(priors, key=lambda m: -m[0]):
        given = profile.drugs.get(agent, DrugProfile(None, None, None, None, ()))
        case.treatments.append(Treatment(
            "t-" + agent, agent, primary.key, given, _doses(rng, given), When(main_key, "before", months, "month"),
            When(main_key, "at"), "discontinued", _pick(rng, profile.prior_stop_reasons), main_key))
    given = profile.drugs.get(main_agent, DrugProfile(None, None, None, None, ()))
    main = Treatment(main_key, main_agent, primary.key, given, _doses(rng, given), When(main_key, "at"))
    case.treatments.append(main)

    # scores: every scale that applies and the case reports, at the start and at each visit
    scale_of: list[tuple[str, str]] = []
    for name in profile.scales:
        scale = vocab.scales[name]
        if dp.disease in scale.measures or name in dp.extra_scales:
            scale_of.append((name, primary.key))
        else:
            finding = next((f for f in case.findings if f.phenotype in scale.measures), None)
            if finding is None:
                continue
            scale_of.append((name, finding.key))
    scale_of = [(n, of) for n, of in scale_of if rng.random() < profile.scales[n].p]
    measured: dict[str, tuple[float, float]] = {}
    for name, of in scale_of:
        spread, scale = profile.scales[name], vocab.scales[name]
        top = scale.maximum if scale.maximum is not None else spread.baseline[1]
        span = top - scale.minimum
        value0 = round(rng.uniform(*spread.baseline), spread.decimals)
        bad0 = (value0 - scale.minimum) / span if scale.higher_is_worse else (top - value0) / span
        case.measurements.append(Measurement(name, value0, of, When(main_key, "at")))
        value = value0
        for visit in visits:
            change = course(visit.weeks) + rng.gauss(0, profile.noise)
            bad = bad0 * (1 - change) if change >= 0 else bad0 + (-change) * (1 - bad0)
            bad = min(1.0, max(0.0, bad))
            value = round(scale.minimum + bad * span if scale.higher_is_worse else top - bad * span, spread.decimals)
            value = min(top, max(scale.minimum, value))
            case.measurements.append(Measurement(name, value, of, When(main_key, "after", visit.offset, visit.unit)))
        measured[name] = (bad0, (value - scale.minimum) / span if scale.higher_is_worse else (top - value) / span)

    # the outcome: from the scores the case reports (the primary condition's first), else the drawn course
    improvement = target
    reference = next((n for n, of in scale_of if of == primary.key), scale_of[0][0] if scale_of else None)
    if reference is not None:
        bad0, bad1 = measured[reference]
        if bad1 <= bad0:
            improvement = (bad0 - bad1) / bad0 if bad0 else 0.0
        else:
            improvement = -(bad1 - bad0) / (1 - bad0) if bad0 < 1 else 0.0
    case.improvement = round(improvement, 3)
    band_ = next(b for b in profile.outcome_bands if improvement >= b.lower)
    case.outcome, case.phenopacket_response = band_.outcome, band_.phenopacket
    primary.severities.append((_severity_after(severity, improvement), last))
    if improvement < 0.15:
        main.status, main.stop_reason, main.end = "discontinued", "lack-of-efficacy", last

    # paradoxical reactions to the main drug
    for reaction in profile.reactions:
        if reaction.drug != main_agent:
            continue
        present = next((c for c in case.conditions if c.disease == reaction.condition), None)
        fits = (present is not None and present.role == "comorbid") if reaction.kind == "exacerbation" else present is None
        if not fits or rng.random() >= reaction.p:
            continue
        when = When(main_key, "after", rng.randint(*reaction.weeks_after), "week")
        if present is None:
            present = Condition("c-" + reaction.condition, reaction.condition, "comorbid", "active", when)
            case.conditions.append(present)
        case.reactions.append(Reaction(main_key, present.key, present.disease, reaction.kind, when))
    return case


def _severity_after(severity: str, improvement: float) -> str:
    """The primary condition's severity at the last visit: mild after a marked improvement, one step milder
    after a partial one, severe when it worsened, else as it was."""
    if improvement >= 0.75:
        return "mild"
    if improvement >= 0.4:
        return {"severe": "moderate"}.get(severity, "mild")
    return "severe" if improvement < -0.1 else severity


def _doses(rng: random.Random, given: DrugProfile) -> list[dict[str, Any]]:
    if not given.regimens:
        return []
    return [dict(d) for d in rng.choice(given.regimens)]


# --- case documents ------------------------------------------------------------------------------------
def case_document(case: Case, profile: Profile) -> dict[str, Any]:
    """The case as a casegraph case document (the same for JSON and YAML)."""
    vocab = profile.vocab
    label = vocab.label
    names = {t.key: label(t.agent) for t in case.treatments} | {"presentation": "presentation"}
    person = _person(case.age, case.sex)
    primary, main = case.primary, case.main
    doc: dict[str, Any] = {
        "@context": CONTEXT_IRI,
        "caseLabel": f"Synthetic case {case.index + 1} (seed {case.seed})",
        "label": f"{case.age}-year-old {person} with {label(primary.disease)} treated with {label(main.agent)} "
                 f"({case.use}; synthetic)",
        "quote": f"{_article(case.age)} {case.age}-year-old {person} with {label(primary.disease)} was treated with "
                 f"{label(main.agent)}.",
        "note": f"Synthetic case {case.id}: casegraph synth, seed {case.seed}, case {case.index + 1}. "
                "It describes no real patient.",
        "source": {"unpublished": True, "submitter": profile.submitter, "title": f"Synthetic case {case.id}",
                   "statement": profile.statement},
        "patient": {"age": case.age, "sex": case.sex, "ageGroup": person, "label": f"{case.age}-year-old {person}",
                    "quote": f"{_article(case.age)} {case.age}-year-old {person}"},
        "presentation": {"label": "presentation", "quote": f"presented {case.presentation.words(names)}",
                         "at": case.presentation.doc()},
    }
    conditions = []
    for c in case.conditions:
        item: dict[str, Any] = {"id": c.key, "label": f"{label(c.disease)} ({c.role})", "disease": c.disease,
                                "role": c.role}
        if c.status:
            item["status"] = c.status
        item["quote"] = f"{label(c.disease)}" + (f" (onset {c.onset.words(names)})" if c.onset else "")
        if c.onset is not None:
            item["onsetAt"] = c.onset.doc()
        if c.severities:
            item["severities"] = [{"severity": s, "at": w.doc(), "quote": f"{s} {label(c.disease)} {w.words(names)}"}
                                  for s, w in c.severities]
        conditions.append(item)
    doc["conditions"] = conditions
    if case.findings:
        findings = []
        for f in case.findings:
            text = " ".join(x for x in (f.severity, label(f.phenotype)) if x)
            where = f" on the {', '.join(vocab.terms['site'][s] for s in f.sites)}" if f.sites else ""
            item = {"id": f.key, "label": text + where, "phenotype": f.phenotype, "presence": "present"}
            if f.severity:
                item["severity"] = f.severity
            if f.sites:
                item["bodySites"] = list(f.sites)
            item |= {"manifestationOf": f.condition, "at": "presentation", "quote": text + where}
            findings.append(item)
        doc["findings"] = findings
    treatments = []
    for t in case.treatments:
        item = {"id": t.key, "label": f"{label(t.agent)} for {label(primary.disease)}", "drug": t.agent,
                "indication": t.condition}
        given = t.given
        if given.route:
            item["route"] = given.route
        if given.formulation:
            item["formulation"] = given.formulation
        if given.strength is not None:
            item["strength"] = _num(given.strength)
            item["strengthUnit"] = given.strength_unit
        if t.doses:
            item["doses"] = [dict(d) for d in t.doses]
        item["start"] = t.start.doc()
        if t.end is not None:
            item["end"] = t.end.doc()
        item["status"] = t.status
        if t.stop_reason:
            item["stopReason"] = {"reasonKind": t.stop_reason, "concerns": t.condition,
                                  "quote": f"stopped for {t.stop_reason.replace('-', ' ')}"}
        if t.replaced_by:
            item["replacedBy"] = t.replaced_by
            item["precedes"] = [t.replaced_by]
        item["quote"] = f"{label(t.agent)}{_dose_words(t)}, started {t.start.words(names)}" if t is not main else \
            f"{label(t.agent)}{_dose_words(t)} was started"
        treatments.append(item)
    doc["treatments"] = treatments
    if case.measurements:
        doc["measurements"] = [
            {"label": f"{vocab.scales[m.scale].label} {_num(m.value)}, {m.at.words(names)}", "scale": m.scale,
             "value": _num(m.value), "measurementOf": m.of, "at": m.at.doc(),
             "quote": f"{vocab.scales[m.scale].label} of {_num(m.value)}, {m.at.words(names)}"}
            for m in case.measurements]
    outcome_label = vocab.outcomes[case.outcome].label
    doc["outcomes"] = [{"label": f"{outcome_label} on {label(main.agent)}", "outcomeType": case.outcome,
                        "outcomeOf": primary.key, "responseTo": main.key, "at": case.last.doc(),
                        "quote": f"{outcome_label} of the {label(primary.disease)} {case.last.words(names)}"}]
    if case.reactions:
        doc["adverseEvents"] = [
            {"label": f"{label(r.disease)} {'triggered' if r.kind == 'new-onset' else 'worsened'} by "
                      f"{label(main.agent)}",
             "paradoxical": True, "suspectedCause": r.cause, "affectedCondition": r.condition, "eventKind": r.kind,
             "at": r.at.doc(),
             "quote": f"{label(r.disease)} {'appeared' if r.kind == 'new-onset' else 'flared'} {r.at.words(names)}"}
            for r in case.reactions]
    return doc


def _dose_words(t: Treatment) -> str:
    parts = []
    for d in t.doses:
        bits = [str(_num(d["dose"])) if "dose" in d else "", d.get("doseUnit", "").replace("-per-", "/"),
                d.get("frequency", "").replace("-", " "), f"({d['doseRole']})" if "doseRole" in d else ""]
        parts.append(" ".join(b for b in bits if b))
    return (" " + ", then ".join(parts)) if parts else ""


# --- phenopackets --------------------------------------------------------------------------------------
def phenopacket(case: Case, profile: Profile) -> dict[str, Any]:
    """The case as a GA4GH Phenopacket v2, in what casegraph's phenopacket reader maps.

    Scores are left out: the reader maps a measurement without a time point, which the shapes reject for
    a scale that is not a characteristic of a diagnosis. The course is the main treatment's response.
    """
    from casegraph.phenopacket import _SEVERITY, _UNITS

    vocab = profile.vocab
    severity_ids = {v.lower(): k for k, v in reversed(list(_SEVERITY.items()))}
    unit_ids = {v.removeprefix("unit-"): k for k, v in reversed(list(_UNITS.items()))}

    def term(name: str, prefix: str) -> dict[str, str]:
        return {"id": vocab.notation(name, prefix) or f"cgr:{name}", "label": vocab.label(name)}

    features = []
    for f in case.findings:
        item: dict[str, Any] = {"type": term(f.phenotype, "HP")}
        if f.severity and f.severity in severity_ids:
            item["severity"] = {"id": severity_ids[f.severity], "label": f.severity.capitalize()}
        features.append(item)
    actions = []
    for t in case.treatments:
        treatment: dict[str, Any] = {"agent": term(t.agent, "DrugBank")}
        intervals = [{"quantity": {"unit": {"id": unit_ids[d["doseUnit"]], "label": vocab.terms["unit"][d["doseUnit"]]},
                                   "value": _num(d["dose"])}}
                     for d in t.doses if "dose" in d and d.get("doseUnit") in unit_ids]
        if intervals:
            treatment["doseIntervals"] = intervals
        action: dict[str, Any] = {"treatment": treatment, "treatmentTarget": term(case.primary.disease, "MONDO")}
        if t is case.main:
            action["responseToTreatment"] = {"id": f"cgr:outcome-{case.outcome}", "label": case.phenopacket_response}
        if t.stop_reason:
            action["treatmentTerminationReason"] = {"id": reason_term(t.stop_reason),
                                                    "label": t.stop_reason.replace("-", " ")}
        actions.append(action)
    return {
        "id": case.id,
        "subject": {"id": "patient", "sex": case.sex.upper(),
                    "timeAtLastEncounter": {"age": {"iso8601duration": f"P{case.age}Y"}}},
        "diseases": [{"term": term(c.disease, "MONDO")} for c in case.conditions],
        **({"phenotypicFeatures": features} if features else {}),
        "medicalActions": actions,
        "metaData": {
            "createdBy": profile.submitter,
            "phenopacketSchemaVersion": "2.0",
            "externalReferences": [{
                "id": f"DOI:{profile.doi_prefix}/casegraph-synth.{case.id}",
                "description": f"Synthetic case {case.id} (casegraph synth, seed {case.seed}, case {case.index + 1}); "
                               "not a publication"}],
        },
    }


def reason_term(kind: str) -> str:
    """The ontology term (``cg:LackOfEfficacy``) a case document's reason kind (``lack-of-efficacy``) stands
    for, from the shipped JSON-LD context."""
    from casegraph.casedoc import context

    return str(context()["reasonKind"]["@context"][kind])

