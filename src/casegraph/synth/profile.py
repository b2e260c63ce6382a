"""The synthesis profile (``profiles.yaml``): distributions and templates, checked against the reference data.

Every term the profile names must exist in the reference vocabulary with the kind its place asks for (a
drug where a drug is expected, a unit where a unit is); an off-label candidate must not be approved for
its disease and an on-label one must be. A profile that fails any check is refused with every problem
listed, so a typo never becomes a synthetic case the shapes then reject.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from casegraph.errors import InputError
from casegraph.synth.reference import Vocabulary, vocabulary

DEFAULT_PROFILE = Path(__file__).resolve().parent / "profiles.yaml"
FORMATS = ("case-json", "case-yaml", "phenopacket")
FAMILIES = {"case-json": "case-document", "case-yaml": "case-document", "phenopacket": "phenopacket"}
RESPONSE_CLASSES = ("complete", "marked", "partial", "minimal", "none", "worse")


@dataclass(frozen=True)
class FindingSpec:
    phenotype: str
    p: float
    sites: bool


@dataclass(frozen=True)
class AgeBand:
    weight: float
    low: int
    high: int


@dataclass(frozen=True)
class DiseaseProfile:
    disease: str
    weight: float
    female: float
    ages: tuple[AgeBand, ...]
    onset_years: tuple[int, int]
    on_label: dict[str, float]
    off_label: dict[str, float]
    prior: dict[str, float]
    comorbidities: dict[str, float]
    findings: tuple[FindingSpec, ...]
    body_sites: tuple[str, ...]
    extra_scales: tuple[str, ...]
    severity: dict[str, float]


@dataclass(frozen=True)
class DrugProfile:
    route: str | None
    formulation: str | None
    strength: float | None
    strength_unit: str | None
    regimens: tuple[tuple[dict[str, Any], ...], ...]


@dataclass(frozen=True)
class ScaleProfile:
    p: float
    baseline: tuple[float, float]
    decimals: int


@dataclass(frozen=True)
class OutcomeBand:
    lower: float
    outcome: str
    phenopacket: str


@dataclass(frozen=True)
class FollowUp:
    offset: float
    unit: str

    @property
    def weeks(self) -> float:
        return self.offset * {"day": 1 / 7, "week": 1.0, "month": 30.4375 / 7, "year": 365.25 / 7}[self.unit]


@dataclass(frozen=True)
class Reaction:
    drug: str
    condition: str
    kind: str
    p: float
    weeks_after: tuple[int, int]


@dataclass
class Profile:
    path: Path
    sha256: str
    formats: dict[str, float]
    submitter: str
    statement: str
    doi_prefix: str
    off_label_share: float
    response_classes: dict[str, tuple[float, float]]
    response: dict[str, dict[str, float]]
    outcome_bands: tuple[OutcomeBand, ...]
    follow_ups: tuple[FollowUp, ...]
    follow_up_count: dict[int, float]
    half_change_weeks: tuple[float, float]
    noise: float
    presentation_weeks_before: tuple[int, int]
    prior_months_before: tuple[int, int]
    scales: dict[str, ScaleProfile]
    drugs: dict[str, DrugProfile]
    reactions: tuple[Reaction, ...]
    severity: dict[str, float]
    comorbidity_status: dict[str, float]
    malignancy_status: dict[str, float]
    prior_stop_reasons: dict[str, float]
    defects: dict[str, dict[str, float]]
    diseases: tuple[DiseaseProfile, ...]
    vocab: Vocabulary = field(repr=False, default_factory=vocabulary)


#: How a problem names each kind of reference term.
_NOUNS = {"disease": "diseases", "phenotype": "phenotypes", "agent": "drugs and drug classes", "scale": "scales",
          "target": "targets", "route": "routes", "formulation": "formulations", "frequency": "frequencies",
          "unit": "units", "site": "body sites", "outcome": "outcome types"}


class _Checker:
    """Collects every problem of a profile, so that one run names them all."""

    def __init__(self, path: Path, vocab: Vocabulary) -> None:
        self.path = path
        self.vocab = vocab
        self.problems: list[str] = []

    def term(self, kind: str, name: Any, where: str) -> str:
        if not isinstance(name, str) or not self.vocab.has(kind, name):
            self.problems.append(f"{where}: {name!r} is not among the {_NOUNS[kind]} the reference data knows")
        return str(name)

    def number(self, value: Any, where: str, low: float | None = None, high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problems.append(f"{where}: {value!r} is not a number")
            return 0.0
        if (low is not None and value < low) or (high is not None and value > high):
            self.problems.append(f"{where}: {value} is outside {low}..{high}")
        return float(value)

    def pair(self, value: Any, where: str, low: float | None = None) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            self.problems.append(f"{where}: expected [low, high], got {value!r}")
            return (0.0, 0.0)
        a, b = (self.number(v, where, low) for v in value)
        if a > b:
            self.problems.append(f"{where}: low {a} is above high {b}")
        return (a, b)

    def weights(self, value: Any, where: str, kind: str | None = None, probabilities: bool = False) -> dict[str, float]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append(f"{where}: expected a mapping of name -> weight, got {value!r}")
            return {}
        out: dict[str, float] = {}
        for key, weight in value.items():
            name = self.term(kind, key, f"{where}.{key}") if kind else str(key)
            out[name] = self.number(weight, f"{where}.{key}", 0, 1 if probabilities else None)
        return out

    def mapping(self, data: Any, key: str, where: str = "") -> dict[str, Any]:
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict):
            self.problems.append(f"{where}{key}: missing or not a mapping")
            return {}
        return value


def load_profile(path: Path | None = None) -> Profile:
    """Read and check a profile (the shipped one by default); raise :class:`InputError` listing its problems."""
    path = path or DEFAULT_PROFILE
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the synthesis profile: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: the synthesis profile is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a synthesis profile is a YAML mapping")
    vocab = vocabulary()
    c = _Checker(path, vocab)

    formats = c.weights(c.mapping(data, "formats"), "formats")
    for name in formats:
        if name not in FORMATS:
            c.problems.append(f"formats.{name}: unknown format; use {', '.join(FORMATS)}")
    source = c.mapping(data, "source")
    classes = {k: c.pair(v, f"response_classes.{k}", -1.0) for k, v in c.mapping(data, "response_classes").items()}
    response = {k: c.weights(v, f"response.{k}") for k, v in c.mapping(data, "response").items()}
    for status in ("on-label", "off-label"):
        if status not in response:
            c.problems.append(f"response.{status}: missing")
    for name in classes:
        if name not in RESPONSE_CLASSES:
            c.problems.append(f"response_classes.{name}: unknown response class; use {', '.join(RESPONSE_CLASSES)}")
    for status, shares in response.items():
        for name in shares:
            if name not in classes:
                c.problems.append(f"response.{status}.{name}: not a class of response_classes")

    bands = []
    for i, band in enumerate(data.get("outcome_bands") or []):
        where = f"outcome_bands[{i}]"
        outcome = c.term("outcome", band.get("outcome"), f"{where}.outcome")
        bands.append(OutcomeBand(c.number(band.get("from"), f"{where}.from"), outcome, str(band.get("phenopacket", ""))))
        _check_phenopacket_response(c, where, outcome, str(band.get("phenopacket", "")))
        kind = vocab.outcomes.get(outcome)
        if kind is not None and kind.improvement != (bands[-1].lower > 0):
            c.problems.append(f"{where}: {outcome!r} {'is' if kind.improvement else 'is not'} an improvement in the "
                              f"reference data, but the band starts at {bands[-1].lower}")
    if not bands or bands[-1].lower > -1:
        c.problems.append("outcome_bands: the last band must start at -1 (any change)")

    course = c.mapping(data, "time_course")
    follow_ups = []
    for i, item in enumerate(course.get("follow_ups") or []):
        unit = item.get("unit")
        if unit not in ("day", "week", "month", "year"):
            c.problems.append(f"time_course.follow_ups[{i}].unit: {unit!r} is not day, week, month or year")
            unit = "week"
        follow_ups.append(FollowUp(c.number(item.get("offset"), f"time_course.follow_ups[{i}].offset", 0), unit))
    follow_up_count = {int(k): c.number(v, f"time_course.follow_up_count.{k}", 0)
                       for k, v in (course.get("follow_up_count") or {}).items()}
    if not follow_ups or not follow_up_count or max(follow_up_count) > len(follow_ups) or min(follow_up_count) < 1:
        c.problems.append("time_course: follow_ups and follow_up_count (1 .. number of follow-ups) are required")

    scales = {}
    for name, spec in c.mapping(data, "scales").items():
        where = f"scales.{name}"
        scale = vocab.scales.get(c.term("scale", name, where))
        low, high = c.pair(spec.get("baseline"), f"{where}.baseline")
        if scale is not None and (low < scale.minimum or (scale.maximum is not None and high > scale.maximum)):
            c.problems.append(f"{where}.baseline: {low}..{high} leaves the scale's range "
                              f"{scale.minimum}..{scale.maximum} (reference data)")
        if scale is not None and (scale.maximum is None or scale.characteristic):
            c.problems.append(f"{where}: the reference data gives this scale no maximum or makes it a characteristic "
                              "of a diagnosis; it cannot carry a course over time")
        decimals = spec.get("decimals", 1)
        if not isinstance(decimals, int) or decimals < 0:
            c.problems.append(f"{where}.decimals: a whole number of at least 0")
            decimals = 1
        scales[name] = ScaleProfile(c.number(spec.get("p"), f"{where}.p", 0, 1), (low, high), decimals)

    drugs = {}
    for name, spec in c.mapping(data, "drugs").items():
        where = f"drugs.{name}"
        c.term("agent", name, where)
        spec = spec or {}
        route = c.term("route", spec["route"], f"{where}.route") if "route" in spec else None
        formulation = c.term("formulation", spec["formulation"], f"{where}.formulation") if "formulation" in spec else None
        strength_unit = c.term("unit", spec["strengthUnit"], f"{where}.strengthUnit") if "strengthUnit" in spec else None
        strength = c.number(spec["strength"], f"{where}.strength", 0) if "strength" in spec else None
        regimens = []
        for i, regimen in enumerate(spec.get("regimens") or []):
            for j, dose in enumerate(regimen):
                at = f"{where}.regimens[{i}][{j}]"
                if "doseUnit" in dose:
                    c.term("unit", dose["doseUnit"], f"{at}.doseUnit")
                if "frequency" in dose:
                    c.term("frequency", dose["frequency"], f"{at}.frequency")
                if "dose" in dose:
                    c.number(dose["dose"], f"{at}.dose", 0)
                unknown = set(dose) - {"doseRole", "dose", "doseUnit", "frequency", "numberOfDoses"}
                if unknown:
                    c.problems.append(f"{at}: unknown field(s) {', '.join(sorted(unknown))}")
            regimens.append(tuple(dict(d) for d in regimen))
        drugs[name] = DrugProfile(route, formulation, strength, strength_unit, tuple(regimens))

    reactions = []
    for i, item in enumerate(data.get("paradoxical_reactions") or []):
        where = f"paradoxical_reactions[{i}]"
        kind = item.get("kind")
        if kind not in ("new-onset", "exacerbation"):
            c.problems.append(f"{where}.kind: {kind!r} is not new-onset or exacerbation")
        low, high = c.pair(item.get("weeks_after"), f"{where}.weeks_after", 0)
        reactions.append(Reaction(c.term("agent", item.get("drug"), f"{where}.drug"),
                                  c.term("disease", item.get("condition"), f"{where}.condition"), str(kind),
                                  c.number(item.get("p"), f"{where}.p", 0, 1), (int(low), int(high))))

    severity = c.weights(data.get("severity"), "severity")
    comorbidity_status = c.weights(data.get("comorbidity_status"), "comorbidity_status")
    malignancy_status = c.weights(data.get("malignancy_status"), "malignancy_status")
    for where, names, allowed in [("severity", severity, ("mild", "moderate", "severe")),
                                  ("comorbidity_status", comorbidity_status, ("active", "controlled", "in-remission",
                                                                              "resolved", "treated")),
                                  ("malignancy_status", malignancy_status, ("active", "controlled", "in-remission",
                                                                            "resolved", "treated"))]:
        for name in names:
            if name not in allowed:
                c.problems.append(f"{where}.{name}: use one of {', '.join(allowed)}")

    prior_stop_reasons = c.weights(data.get("prior_stop_reasons"), "prior_stop_reasons")
    _check_reasons(c, prior_stop_reasons)

    from casegraph.synth.defects import DEFECTS

    defects = {}
    for family, kinds in c.mapping(data, "defects").items():
        defects[family] = c.weights(kinds, f"defects.{family}")
        for defect in defects[family]:
            if defect not in DEFECTS.get(family, {}):
                c.problems.append(f"defects.{family}.{defect}: no such defect; known: "
                                  f"{', '.join(DEFECTS.get(family, {}))}")

    diseases = [_disease(c, i, item, scales) for i, item in enumerate(data.get("diseases") or [])]
    if not diseases:
        c.problems.append("diseases: at least one primary disease is needed")

    if c.problems:
        raise InputError(f"{path}: the synthesis profile has {len(c.problems)} problem(s):\n  " + "\n  ".join(c.problems))
    return Profile(
        path=path, sha256=hashlib.sha256(raw).hexdigest(), formats=formats,
        submitter=str(source.get("submitter", "casegraph synth")), statement=str(source.get("statement", "")).strip(),
        doi_prefix=str(source.get("phenopacket_doi_prefix", "10.5555")),
        off_label_share=c.number(data.get("off_label_share"), "off_label_share", 0, 1),
        response_classes=classes, response=response, outcome_bands=tuple(bands), follow_ups=tuple(follow_ups),
        follow_up_count=follow_up_count, half_change_weeks=c.pair(course.get("half_change_weeks"), "half_change_weeks", 0),
        noise=c.number(course.get("noise"), "time_course.noise", 0, 1),
        presentation_weeks_before=_ints(c.pair(course.get("presentation_weeks_before"), "presentation_weeks_before", 0)),
        prior_months_before=_ints(c.pair(course.get("prior_months_before"), "prior_months_before", 1)),
        scales=scales, drugs=drugs, reactions=tuple(reactions), severity=severity,
        comorbidity_status=comorbidity_status, malignancy_status=malignancy_status,
        prior_stop_reasons=prior_stop_reasons, defects=defects,
        diseases=tuple(diseases), vocab=vocab)


def _ints(pair: tuple[float, float]) -> tuple[int, int]:
    return int(pair[0]), int(pair[1])


def _check_reasons(c: _Checker, reasons: dict[str, float]) -> None:
    """Reason kinds a case document accepts, which the phenopacket reader maps back to the same kind."""
    from casegraph.casedoc import context
    from casegraph.phenopacket import _REASONS, _words

    kinds = context()["reasonKind"]["@context"]
    if not reasons:
        c.problems.append("prior_stop_reasons: at least one reason kind is needed")
    for kind in reasons:
        if kind not in kinds:
            c.problems.append(f"prior_stop_reasons.{kind}: not a reason kind; use one of {', '.join(kinds)}")
        elif "cg:" + str(_words(kind.replace("-", " "), _REASONS)) != kinds[kind]:
            c.problems.append(f"prior_stop_reasons.{kind}: the phenopacket reader does not map "
                              f"{kind.replace('-', ' ')!r} back to {kinds[kind]}")


def _check_phenopacket_response(c: _Checker, where: str, outcome: str, label: str) -> None:
    """The phenopacket label must map to an outcome type of the same kind (improvement or not)."""
    from casegraph.phenopacket import _RESPONSES, _words

    mapped = _words(label, _RESPONSES)
    wanted = c.vocab.outcomes.get(outcome)
    got = c.vocab.outcomes.get((mapped or "").removeprefix("outcome-"))
    if got is None:
        c.problems.append(f"{where}.phenopacket: the phenopacket reader maps {label!r} to no outcome type")
    elif wanted is not None and got.improvement != wanted.improvement:
        c.problems.append(f"{where}.phenopacket: the phenopacket reader maps {label!r} to {got.name!r}, which does not "
                          f"agree with {outcome!r} on being an improvement")


def _disease(c: _Checker, i: int, item: dict[str, Any], scales: dict[str, ScaleProfile]) -> DiseaseProfile:
    where = f"diseases[{i}]"
    disease = c.term("disease", item.get("disease"), f"{where}.disease")
    where = f"diseases[{i}] ({disease})"
    on_label = c.weights(item.get("on_label"), f"{where}.on_label", "agent")
    off_label = c.weights(item.get("off_label"), f"{where}.off_label", "agent")
    for drug in on_label:
        if not c.vocab.approved(drug, disease):
            c.problems.append(f"{where}.on_label.{drug}: the reference data records no approval of it for {disease}")
    for drug in off_label:
        if c.vocab.approved(drug, disease):
            c.problems.append(f"{where}.off_label.{drug}: the reference data records an approval of it for {disease}")
        elif drug not in c.vocab.approvals:
            c.problems.append(f"{where}.off_label.{drug}: the reference data records no approval of it at all, so its "
                              "use is not judged on- or off-label")
    for drug in c.vocab.approvals:  # every approved drug is an on-label candidate, weight 1 unless given
        if c.vocab.approved(drug, disease) and drug not in on_label:
            on_label[drug] = 1.0
    if not on_label and not off_label:
        c.problems.append(f"{where}: no approved drug in the reference data and no off_label candidate")
    prior = c.weights(item.get("prior"), f"{where}.prior", "agent", probabilities=True)
    findings = []
    for j, spec in enumerate(item.get("findings") or []):
        findings.append(FindingSpec(c.term("phenotype", spec.get("phenotype"), f"{where}.findings[{j}].phenotype"),
                                    c.number(spec.get("p"), f"{where}.findings[{j}].p", 0, 1), bool(spec.get("sites"))))
    sites = tuple(c.term("site", s, f"{where}.body_sites") for s in item.get("body_sites") or [])
    if any(f.sites for f in findings) and not sites:
        c.problems.append(f"{where}: findings with sites need body_sites")
    extra = tuple(c.term("scale", s, f"{where}.extra_scales") for s in item.get("extra_scales") or [])
    for name in extra:
        if name not in scales:
            c.problems.append(f"{where}.extra_scales: {name!r} has no entry under 'scales'")
    ages = []
    for j, band in enumerate(item.get("age") or []):
        low, high = c.pair(band.get("range"), f"{where}.age[{j}].range", 0)
        if high > 89:
            c.problems.append(f"{where}.age[{j}].range: ages over 89 identify a patient (HIPAA Safe Harbor)")
        ages.append(AgeBand(c.number(band.get("weight"), f"{where}.age[{j}].weight", 0), int(low), int(high)))
    if not ages:
        c.problems.append(f"{where}.age: at least one age band is needed")
    return DiseaseProfile(
        disease=disease, weight=c.number(item.get("weight"), f"{where}.weight", 0),
        female=c.number(item.get("female"), f"{where}.female", 0, 1), ages=tuple(ages),
        onset_years=_ints(c.pair(item.get("onset_years_before"), f"{where}.onset_years_before", 0)),
        on_label=on_label, off_label=off_label, prior=prior,
        comorbidities=c.weights(item.get("comorbidities"), f"{where}.comorbidities", "disease", probabilities=True),
        findings=tuple(findings), body_sites=sites, extra_scales=extra,
        severity=c.weights(item["severity"], f"{where}.severity") if "severity" in item else {})
