"""Every stored query, run on the seed graph, against rows written by hand from the three seed reports.

Each expectation cites what the report says; none was copied from the code's output.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from casegraph import Store, list_queries, run_query
from casegraph.queries import QueryResult

R000 = "https://w3id.org/casegraph/case/dupilumab-advanced-cancer/"
R002 = "https://w3id.org/casegraph/case/omalizumab-triggered-ad/"
R004 = "https://w3id.org/casegraph/case/dupilumab-dermatomyositis/"


def rows(store: Store, name: str, **params: str) -> list[dict[str, object]]:
    result: QueryResult = run_query(store, name, params)
    return result.rows


def test_all_twelve_queries_exist_with_headers() -> None:
    names = {q.name for q in list_queries()}
    assert {
        "drug-targets-mechanisms", "cases-by-drug", "mechanism-to-outcomes", "paradoxical-reactions",
        "malignancy-immunomodulation", "prior-treatments", "score-change", "time-to-improvement",
        "mechanistic-claims", "off-label-uses", "shared-mechanism-diseases", "concomitant-medications",
    } <= names
    for q in list_queries():
        assert q.summary, f"{q.name} has no '#+ summary:'"
        assert q.description, f"{q.name} has no '#+ description:'"
        assert q.tags, f"{q.name} has no '#+ tags:'"


def test_drug_targets_mechanisms(store: Store) -> None:
    found = {(r["drugLabel"], r["targetLabel"], r["action"], r.get("mechanismLabel")) for r in rows(
        store, "drug-targets-mechanisms")}
    # Report 000: dupilumab targets the alpha subunit of the IL-4 receptor, interfering with IL-4/IL-13 signalling.
    assert ("dupilumab", "interleukin-4 receptor subunit alpha", "antagonist", "IL-4/IL-13 signalling") in found
    # Report 002: omalizumab binds circulating and membrane-bound IgE.
    assert any(d == "omalizumab" and t == "immunoglobulin E" for d, t, _a, _m in found)
    # Rituximab's target is CD20, a depleting antibody.
    assert ("rituximab", "B-lymphocyte antigen CD20", "depleting (cytolytic) antibody", "B-cell depletion") in found
    only = rows(store, "drug-targets-mechanisms", drug="Dupixent")
    assert {r["drugLabel"] for r in only} == {"dupilumab"}


def test_cases_treated_with_dupilumab(store: Store) -> None:
    result = rows(store, "cases-by-drug", drug="dupilumab")
    cases = {r["case"] for r in result}
    # Four patients in three reports all received dupilumab.
    assert cases == {R000 + "case1", R000 + "case2", R002 + "case1", R004 + "case1"}
    indications = {r["case"]: r["indication"] for r in result}
    assert indications[R004 + "case1"] == "dermatomyositis"
    assert {indications[R000 + "case1"], indications[R000 + "case2"], indications[R002 + "case1"]} == {
        "atopic dermatitis"}
    scores = {(r["case"], r["scale"], r["value"], r["phase"]) for r in result if "scale" in r}
    # Case 1: EASI 62 and NRS 10/10 at presentation; EASI 1.8 and NRS 3/10 after one month of dupilumab.
    assert (R000 + "case1", "Eczema Area and Severity Index", Decimal(62), "before") in scores
    assert (R000 + "case1", "Eczema Area and Severity Index", Decimal("1.8"), "after") in scores
    assert (R000 + "case1", "pruritus numerical rating scale", Decimal(10), "before") in scores
    assert (R000 + "case1", "pruritus numerical rating scale", Decimal(3), "after") in scores
    # Case 2: NRS 10/10 at presentation, 4/10 two weeks after the first injection.
    assert (R000 + "case2", "pruritus numerical rating scale", Decimal(4), "after") in scores
    bsa = [r for r in result if r.get("scale") == "body surface area involved"]
    assert [(r["value"], r["comparator"]) for r in bsa] == [(Decimal(40), ">")]  # "over 40%"
    nrs_2w = [r for r in result if r["case"] == R000 + "case2" and r.get("value") == Decimal(4)]
    assert nrs_2w[0]["offsetDays"] == Decimal(14)


def test_mechanism_to_drugs_cases_outcomes(store: Store) -> None:
    result = rows(store, "mechanism-to-outcomes", mechanism="IL-4/IL-13 signalling")
    assert {r["drugLabel"] for r in result} == {"dupilumab"}
    assert len({r["caseLabel"] for r in result}) == 4
    outcomes = {(r["outcomeType"], r.get("about")) for r in result if "outcomeType" in r}
    assert ("total clearance", "atopic dermatitis") in outcomes  # report 000, Fig. 3, case 2 at 9 months
    assert ("complete resolution", "pruritus") in outcomes  # report 004: complete resolution at 2 weeks
    assert ("well controlled", "asthma") in outcomes  # report 002: asthma remained well controlled
    by_target = rows(store, "mechanism-to-outcomes", mechanism="IgE/FcεRI signalling")
    assert {r["drugLabel"] for r in by_target} == {"omalizumab"}


def test_paradoxical_reactions(store: Store) -> None:
    result = rows(store, "paradoxical-reactions")
    assert {r["drugLabel"] for r in result} == {"omalizumab"}
    assert {r["conditionLabel"] for r in result} == {"atopic dermatitis"}
    mechanisms = " ".join(str(r.get("mechanism", "")) for r in result).lower()
    assert "il-33" in mechanisms and "basophil" in mechanisms
    assert "hypothesis" in {r.get("evidence") for r in result}
    assert all("Omalizumab" in str(r["source"]) for r in result)


def test_malignancy_patients_on_immunomodulators(store: Store) -> None:
    result = rows(store, "malignancy-immunomodulation")
    got = {(r["malignancy"], r["drugLabel"], r.get("recurrence")) for r in result}
    # Case 1: melanoma, surveillance negative to date; case 2: stage IIIb anal SCC, remission documented.
    assert ("cutaneous melanoma", "dupilumab", "no evidence of recurrence") in got
    assert ("anal squamous cell carcinoma", "dupilumab", "remission documented") in got
    assert {r.get("stage") for r in result if r["malignancy"] == "anal squamous cell carcinoma"} == {"IIIb"}
    assert not any(r.get("recurrence") == "recurrence" for r in result)


def test_prior_treatments_and_stop_reasons(store: Store) -> None:
    result = rows(store, "prior-treatments", biologic="dupilumab")
    by_case: dict[str, list[dict[str, object]]] = {}
    for r in result:
        by_case.setdefault(str(r["treatment"]).rsplit("/", 2)[-2], []).append(r)
    labels_000 = " | ".join(str(r["treatmentLabel"]).lower() for r in by_case["dupilumab-advanced-cancer"])
    for word in ("wet wraps", "mometasone", "crisaborole", "mirtazapine", "clobetasol", "triamcinolone",
                 "pimecrolimus", "uvb"):
        assert word in labels_000
    # Report 002: omalizumab was stopped for the paradoxical flares and switched to dupilumab.
    oma = [r for r in by_case["omalizumab-triggered-ad"] if "omalizumab" in str(r["treatmentLabel"])]
    assert oma and {"adverse event", "switch to another treatment"} <= set(str(oma[0]["stopReasons"]).split("; "))
    # Report 004: hydroxychloroquine discontinued for lack of efficacy; rituximab given before dupilumab.
    dm = by_case["dupilumab-dermatomyositis"]
    hcq = [r for r in dm if "hydroxychloroquine" in str(r["treatmentLabel"])]
    assert hcq and hcq[0]["stopReasons"] == "lack of efficacy"
    assert any("rituximab" in str(r["treatmentLabel"]) for r in dm)
    # Chemoradiation treated the cancer, not the eczema: it is not a prior treatment of the biologic's condition.
    assert "chemotherapy" not in labels_000


def test_score_change(store: Store) -> None:
    result = rows(store, "score-change")
    got = {(r["caseLabel"].split(":")[0], r["scale"], r["baseline"], r["latest"], r["change"]) for r in result}
    assert got == {
        ("Case 1", "Eczema Area and Severity Index", Decimal(62), Decimal("1.8"), Decimal("-60.2")),
        ("Case 1", "pruritus numerical rating scale", Decimal(10), Decimal(3), Decimal(-7)),
        ("Case 2", "pruritus numerical rating scale", Decimal(10), Decimal(4), Decimal(-6)),
    }


def test_time_to_first_improvement(store: Store) -> None:
    result = rows(store, "time-to-improvement", drug="dupilumab")
    first = {r["caseLabel"]: (r["offsetValue"], r["offsetUnit"]) for r in result}
    by_prefix = {k.split(" with ")[0].split(":")[0]: v for k, v in first.items()}
    assert by_prefix["Case 1"] == (Decimal(1), "month")  # "After one month of treatment"
    assert by_prefix["Case 2"] == (Decimal(2), "week")  # "Two weeks after his first injection"
    assert by_prefix["16-year-old boy"] == (Decimal(1), "month")  # "1 month after initiation"
    assert by_prefix["54-year-old woman"] == (Decimal(2), "week")  # "At two-week follow-up"


def test_mechanistic_claims(store: Store) -> None:
    result = rows(store, "mechanistic-claims")
    text = {str(r["statement"]): r for r in result}
    series = [r for s, r in text.items() if "174 patients" in s]
    assert series and series[0]["evidence"] != "hypothesis"
    adapt = [r for s, r in text.items() if "P=.01" in s]
    assert adapt and adapt[0]["evidence"] == "clinical trial"
    il4_muscle = [r for s, r in text.items() if "muscle" in s.lower() and "il-4" in s.lower()]
    assert il4_muscle and il4_muscle[0]["condition"] == "dermatomyositis"
    basophil = [r for s, r in text.items() if "basophil" in s.lower()]
    assert basophil and {r["evidence"] for r in basophil} == {"hypothesis"}
    # ranked: strongest evidence first
    ranks = [r["evidence"] for r in result]
    assert ranks.index("established") < ranks.index("hypothesis")
    hyp = rows(store, "mechanistic-claims", evidence="hypothesis")
    assert hyp and {r["evidence"] for r in hyp} == {"hypothesis"}
    il31 = rows(store, "mechanistic-claims", entity="IL-31")
    assert il31 and all("interleukin-31" in f"{r['subject']} {r['object']}" for r in il31)
    # "Dupilumab, as a targeted treatment, may be more suitable for these cases" (than azathioprine and
    # cyclosporine, the sentence before); "Long-term safety data for dupilumab is still lacking".
    suitable = [r for s, r in text.items() if "more suitable" in s]
    assert len(suitable) == 1 and suitable[0]["subject"] == "dupilumab"
    assert set(str(suitable[0]["comparedWith"]).split(" + ")) == {"azathioprine", "ciclosporin"}
    gap = [r for s, r in text.items() if "safety data for dupilumab is still lacking" in s]
    assert gap and gap[0]["object"] == "cancer"
    # "Monoclonal antibodies are promising therapies for atopic conditions, although its efficacy for
    # atopic dermatitis (AD) is debated and the side-effect profile is not entirely known."
    mab = {r["direction"]: r["object"] for s, r in text.items() if r["subject"] == "monoclonal antibodies"}
    assert mab.get("is a promising therapy for") == "atopic disease"
    assert mab.get("has debated or unproven efficacy for") == "atopic dermatitis"
    assert mab.get("has no established safety for") == "atopic disease"
    by_comparator = rows(store, "mechanistic-claims", entity="azathioprine")
    assert any("more suitable" in str(r["statement"]) for r in by_comparator)


def test_recommendations(store: Store) -> None:
    result = rows(store, "recommendations")
    kinds = {str(r["statement"]): r["kind"] for r in result}
    # Report 000: "it is always important to evaluate each patient individually ..." and "Larger studies
    # with long-term follow-up are warranted."; report 002: "additional work to clarify the pathogenesis
    # of AD is needed"; report 004: "Additional studies are needed to better assess efficacy and safety".
    assert len(result) == 4
    advice = [s for s, k in kinds.items() if k == "practice advice"]
    assert len(advice) == 1 and "climb the full therapeutic ladder" in advice[0]
    research = rows(store, "recommendations", kind="call for research")
    assert len(research) == 3
    dupi = rows(store, "recommendations", entity="dupilumab")
    assert {str(r["source"]) for r in dupi} and all("dupilumab" in str(r["concerns"]) for r in dupi)
    assert not any("pathogenesis of AD" in str(r["statement"]) for r in dupi)


def test_off_label_uses(store: Store) -> None:
    result = rows(store, "off-label-uses")
    got = {(r["drugLabel"], r["usedFor"]) for r in result}
    # Dupilumab, rituximab, mycophenolate and hydroxychloroquine are not approved for dermatomyositis.
    assert {("dupilumab", "dermatomyositis"), ("rituximab", "dermatomyositis"),
            ("hydroxychloroquine", "dermatomyositis"), ("mycophenolate mofetil", "dermatomyositis")} <= got
    # Dupilumab for atopic dermatitis and omalizumab for asthma are approved uses; prednisone lists dermatomyositis.
    assert ("dupilumab", "atopic dermatitis") not in got
    assert ("omalizumab", "asthma") not in got
    assert ("prednisone", "dermatomyositis") not in got
    # Report 004: "Given her concurrent ILD she was started on mycophenolate mofetil ... as well as prednisone
    # 1 mg/kg" - interstitial lung disease is not among prednisone's recorded approvals.
    assert ("prednisone", "interstitial lung disease") in got


def test_diseases_sharing_a_mechanism(store: Store) -> None:
    result = rows(store, "shared-mechanism-diseases")
    pairs = {(r["disease1"], r["disease2"], r["via"]) for r in result}
    assert ("atopic dermatitis", "dermatomyositis", "interleukin-4") in pairs
    assert ("atopic dermatitis", "dermatomyositis", "interleukin-31") in pairs


def test_concomitant_medications(store: Store) -> None:
    result = rows(store, "concomitant-medications", drug="dupilumab")
    got = {(r["agentLabel"], str(r["relation"]).split(":")[0]) for r in result}
    # Report 004: stable mycophenolate 1500 mg BID and prednisone 10 mg at dupilumab start; last rituximab
    # infusion two months before the first dupilumab dose.
    assert ("mycophenolate mofetil", "ongoing at start") in got
    assert ("prednisone", "ongoing at start") in got
    assert ("rituximab", "ended before start") in got
    doses = {r["agentLabel"]: r.get("dose") for r in result}
    assert "1500" in str(doses["mycophenolate mofetil"]) and "10 mg" in str(doses["prednisone"])


@pytest.mark.parametrize("query", [q.name for q in list_queries()])
def test_every_query_returns_rows(store: Store, query: str) -> None:
    assert run_query(store, query).rows, f"{query} returned no rows on the seed graph"


@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built store with tests/data/scored.case.json submitted (time points without labels, as intake
    writes them): EASI 30 at the start of dupilumab, 12 four weeks after, 3 sixteen weeks after; ciclosporin
    stopped two months before dupilumab; clobetasol ongoing when dupilumab was started; improved four weeks
    after starting dupilumab."""
    from casegraph import build
    from casegraph.intake import submit

    path = tmp_path_factory.mktemp("submitted") / "store"
    build(path)
    with Store(path) as store:
        (outcome,) = submit(store, [Path(__file__).parent / "data" / "scored.case.json"]).outcomes
        assert outcome.status == "accepted", outcome
    return path


def test_score_change_of_a_submitted_case(submitted: Path) -> None:
    with Store(submitted) as store:
        mine = [r for r in rows(store, "score-change") if r["caseLabel"] == "Scored patient (test document)"]
    assert [(r["scale"], r["baseline"], r["latest"], r["change"], r["daysBetween"]) for r in mine] == [
        ("Eczema Area and Severity Index", Decimal(30), Decimal(3), Decimal(-27), Decimal(112))]
    assert mine[0].get("baselineTime") is None and mine[0].get("latestTime") is None


def test_time_to_improvement_of_a_submitted_case(submitted: Path) -> None:
    """The document: improved four weeks after starting dupilumab (its time points carry no label)."""
    with Store(submitted) as store:
        mine = [r for r in rows(store, "time-to-improvement", drug="dupilumab")
                if r["caseLabel"] == "Scored patient (test document)"]
    assert [(r["offsetValue"], r["offsetUnit"], r["firstImprovementDays"]) for r in mine] == [
        (Decimal(4), "week", Decimal(28))]


def test_concomitant_medications_of_a_submitted_case(submitted: Path) -> None:
    with Store(submitted) as store:
        mine = {(r["otherLabel"], r["relation"]) for r in rows(store, "concomitant-medications", drug="dupilumab")
                if r["caseLabel"] == "Scored patient (test document)"}
    assert mine == {("ciclosporin for AD", "ended before start: 2 months before"),
                    ("clobetasol for AD", "ongoing at start")}


def test_prior_treatments_of_a_submitted_case(submitted: Path) -> None:
    """The document: ciclosporin stopped two months before dupilumab (only its end is placed, not its start)
    and clobetasol ongoing when dupilumab was started, both for atopic dermatitis: both came before it."""
    with Store(submitted) as store:
        mine = {r["treatmentLabel"] for r in rows(store, "prior-treatments", biologic="dupilumab")
                if r["caseLabel"] == "Scored patient (test document)"}
    assert mine == {"ciclosporin for AD", "clobetasol for AD"}


def test_cases_named_only_by_case_label_or_phenopacket_id_are_in_the_answers(submitted: Path, tmp_path: Path) -> None:
    """A case document with a caseLabel and no label, and a GA4GH Phenopacket (its id is all it has for a
    name), both given dupilumab: each case is listed by cases-by-drug under that name."""
    import json
    import shutil

    from casegraph.intake import submit

    data = Path(__file__).parent / "data"
    doc = json.loads((data / "scored.case.json").read_text())
    doc.pop("label", None)
    doc["caseLabel"] = "Case named by caseLabel only (test document)"
    case = tmp_path / "case-label-only.case.json"
    case.write_text(json.dumps(doc))
    copy = tmp_path / "store"
    shutil.copytree(submitted, copy)
    with Store(copy) as store:
        outcomes = submit(store, [case, data / "omalizumab-ad.phenopacket.json"]).outcomes
        assert [o.status for o in outcomes] == ["accepted", "accepted"], outcomes
        names = {r["caseLabel"] for r in rows(store, "cases-by-drug", drug="dupilumab")}
    assert {"Case named by caseLabel only (test document)", "omalizumab-triggered-ad-case"} <= names


def test_off_label_use_of_a_submitted_case(submitted: Path, tmp_path: Path) -> None:
    """A submitted case given omalizumab for atopic dermatitis: data/reference/indications.ttl records
    omalizumab's approvals (asthma, nasal polyps, urticaria, food allergy), not atopic dermatitis, so intake
    classifies the use as off-label and the query lists it; dupilumab's use for atopic dermatitis is approved."""
    import json
    import shutil

    from casegraph.intake import submit

    doc = json.loads((Path(__file__).parent / "data" / "scored.case.json").read_text())
    doc["caseLabel"] = doc["label"] = "Off-label patient (test document)"
    doc["treatments"][1]["drug"] = "omalizumab"
    doc["treatments"][1]["label"] = "omalizumab for AD"
    case = tmp_path / "off-label.case.json"
    case.write_text(json.dumps(doc))
    copy = tmp_path / "store"
    shutil.copytree(submitted, copy)
    with Store(copy) as store:
        (outcome,) = submit(store, [case]).outcomes
        assert outcome.status == "accepted", outcome
        mine = {(r["drugLabel"], r["usedFor"]) for r in rows(store, "off-label-uses")
                if r["caseLabel"] == "Off-label patient (test document)"}
    assert mine == {("omalizumab", "atopic dermatitis")}


def test_a_rebuild_keeps_a_submission_derived_once(submitted: Path, tmp_path: Path) -> None:
    """A rebuild derives the kept submission's offsets and time order into its own graph again, not also
    into the seed graph's: its score change is still one row."""
    import shutil

    from casegraph import build

    copy = tmp_path / "store"
    shutil.copytree(submitted, copy)
    build(copy)
    with Store(copy) as store:
        mine = [r for r in rows(store, "score-change") if r["caseLabel"] == "Scored patient (test document)"]
        assert len(mine) == 1 and mine[0]["daysBetween"] == Decimal(112)
        shared = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/casegraph/graph/derived> "
                              "{ ?s ?p ?o FILTER (STRSTARTS(STR(?s), 'https://w3id.org/casegraph/submission/')) } }")
        assert int(shared[0]["n"].value) == 0


def test_a_submitted_case_is_found_by_its_name_without_indexing_every_case(submitted: Path) -> None:
    from casegraph import explore, resolve_term
    from casegraph.terms import _index, describe

    with Store(submitted) as store:
        iri = resolve_term(store, "Scored patient (test document)")
        assert iri.startswith("https://w3id.org/casegraph/submission/") and iri.endswith("/case")
        assert describe(store, iri).kind == "case"
        assert describe(store, iri).label == "Scored patient (test document)"
        _preferred, _every, entities = _index(store)
        assert not any(e.startswith("https://w3id.org/casegraph/submission/") for e in entities)
        assert "Scored patient (test document)" in explore(store, "Scored patient (test document)").to_text()
