"""Reasoning (``casegraph reason``): the defined classes are filled as the seed reports say, the shipped data
are consistent, an inconsistent fact is named in words and exits 1, the SPARQL fast path infers what HermiT
infers, and inferred graphs are replaced rather than added to.

Expected memberships come from the source documents (the seed texts in ../shared/seeds, or for a drug's
mode of action the source the reference data quote); each is cited beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from casegraph import build, inference, resources
from casegraph.commands.reason import reason as reason_command
from casegraph.namespaces import CASE, CG, CGR, INFERRED_GRAPH, ONTOLOGY_GRAPH, REFERENCE_GRAPH
from casegraph.rdfio import parse_file
from casegraph.reasoner import run_hermit
from casegraph.reasoning import InconsistentGraph, reason, reason_or_raise
from casegraph.store import Store, case_graph_iri, rule_files

CASE_DOC = Path(__file__).parent / "data" / "omalizumab-ad.case.json"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
R000 = CASE + "dupilumab-advanced-cancer/"
R002 = CASE + "omalizumab-triggered-ad/"
R004 = CASE + "dupilumab-dermatomyositis/"

#: What the seed reports say, class by class.
EXPECTED: dict[str, set[str]] = {
    # 000: "Dupilumab targets the alpha subunit of interleukin-4 (IL-4) receptor, thereby interfering with
    # IL-4 and IL-13 signaling"; 004: "an Interleukin (IL)-4-receptor monoclonal antibody inhibiting
    # signaling of IL-4 and IL-13, key drivers of type 2-driven inflammation (Th2)".
    "Type2CytokineSignallingBlocker": {CGR + "dupilumab"},
    # 002: "Omalizumab is a recombinant DNA-derived humanized monoclonal antibody that binds both circulating
    # and membrane-bound IgE."
    "IgEDirectedTherapy": {CGR + "omalizumab"},
    # The seeds do not say how rituximab acts; the reference data quote NCI Thesaurus C1702: "A recombinant
    # chimeric murine/human antibody directed against the CD20 antigen ... rituximab triggers a host
    # cytotoxic immune response against CD20-positive cells."
    "BCellDepletingTherapy": {CGR + "rituximab"},
    # 000: "Current non-specific systemic immunosuppressive therapies for atopic dermatitis raise safety
    # concerns when used in patients with advanced cancer" (mycophenolate mofetil is one of the
    # non-specific systemic immunosuppressants in the reference data) and "Previous immunosuppressant
    # treatments for atopic dermatitis, such as azathioprine and cyclosporine, have posed safety concerns
    # for cancer patients".
    "BroadImmunosuppressantWithMalignancyCaution": {CGR + "azathioprine", CGR + "ciclosporin",
                                                    CGR + "mycophenolate-mofetil"},
    # 002: "Omalizumab may cause a paradoxical exacerbation of AD in select patients" - about this patient,
    # whose AD "had become severe over the last year after omalizumab was initiated"; omalizumab is "a
    # recombinant DNA-derived humanized monoclonal antibody".
    "ParadoxicalReactionToBiologic": {R002 + "pr-omalizumab-ad"},
    # 000: "Here, we present two patients with advanced cancer receiving dupilumab" (case 1: "a new diagnosis
    # of melanoma"; case 2: "anal squamous cell carcinoma"). 002 and 004 name no malignancy.
    "PatientWithMalignancyOnBiologic": {R000 + "patient1", R000 + "patient2"},
    # 004, all for dermatomyositis (and prednisone and mycophenolate also for ILD: "Given her concurrent ILD
    # she was started on mycophenolate mofetil ... as well as prednisone 1 mg/kg"), none of which the
    # recorded approvals cover except prednisone for dermatomyositis: "She was transiently on
    # hydroxychloroquine", "she was started on rituximab", "she was started on dupilumab" ("This case
    # highlights the use of dupilumab as a novel therapy in the treatment of cutaneous manifestations of
    # DM"). Not off-label: dupilumab for atopic dermatitis (000: "Dupilumab is the first monoclonal antibody
    # approved for treatment of atopic dermatitis"), omalizumab "initiated for severe asthma" (002).
    "OffLabelUse": {R004 + "case1-dupilumab", R004 + "case1-rituximab", R004 + "case1-hydroxychloroquine",
                    R004 + "case1-mycophenolate", R004 + "case1-prednisone"},
}


def memory_store() -> Store:
    """The shipped ontology, reference data and seed cases in an in-memory store, laid out as a build does
    (without validating or reasoning, so each test can change it before it reasons)."""
    store = Store()
    store._load_graph(ONTOLOGY_GRAPH, parse_file(resources.ontology_file()).triples)
    store._load_graph(REFERENCE_GRAPH, [t for p in resources.reference_files() for t in parse_file(p).triples])
    for path in resources.case_files():
        store._load_graph(case_graph_iri(path), parse_file(path).triples)
    for rule in rule_files():
        store._update(rule.read_text(encoding="utf-8"))
    return store


def members(store: Store, graph: str | None = None) -> dict[str, set[str]]:
    """Inferred memberships in the ontology's defined classes, by local name."""
    found: dict[str, set[str]] = {}
    for t in store.triples(graph):
        if t.predicate == RDF_TYPE and t.object.value.removeprefix(CG) in EXPECTED:  # type: ignore[union-attr]
            found.setdefault(t.object.value.removeprefix(CG), set()).add(t.subject.value)  # type: ignore[union-attr]
    return found


@pytest.fixture(scope="module")
def reasoned() -> Store:
    store = memory_store()
    report = reason(store)
    assert report.consistent, report.to_text()
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reason") / "store"
    build(path)
    return path


# --- the defined classes are filled as the reports say -------------------------------------------------------
@pytest.mark.parametrize("cls", sorted(EXPECTED))
def test_defined_class_is_filled_as_the_seeds_say(cls: str, reasoned: Store) -> None:
    assert members(reasoned, INFERRED_GRAPH).get(cls, set()) == EXPECTED[cls]


def test_every_defined_class_is_expected_here(reasoned: Store) -> None:
    """A class added to the ontology gets its expectation from the sources too."""
    marked = {s.value.removeprefix(CG) for s in (t.subject for t in reasoned.triples(ONTOLOGY_GRAPH)
                                                  if t.predicate.value == CG + "inferredOnly")}
    assert marked == set(EXPECTED)


def test_hermit_infers_relations_into_the_inferred_graph(reasoned: Store) -> None:
    # 000: "Dupilumab targets the alpha subunit of interleukin-4 (IL-4) receptor, thereby interfering with IL-4
    # and IL-13 signaling": cg:actsOnMechanism follows from the chain hasTarget o participatesIn.
    triple = ox.Triple(ox.NamedNode(CGR + "dupilumab"), ox.NamedNode(CG + "actsOnMechanism"),
                       ox.NamedNode(CGR + "il4-il13-signalling"))
    assert triple in set(reasoned.triples(INFERRED_GRAPH))
    assert triple not in set(reasoned.triples(REFERENCE_GRAPH))


def test_the_build_reasons(built: Path) -> None:
    with Store(built) as store:
        assert members(store, INFERRED_GRAPH) == EXPECTED
        assert INFERRED_GRAPH in store.graphs()


# --- consistency -----------------------------------------------------------------------------------------------
def test_the_shipped_data_are_consistent(reasoned: Store) -> None:
    report = reason(reasoned)
    assert report.consistent and report.problems == [] and report.written
    assert report.exit_code == 0


def test_a_fact_in_two_disjoint_classes_is_named_and_exits_1() -> None:
    """HermiT's tier: dupilumab (a cg:MonoclonalAntibody, hence a cg:Drug) also typed cg:DrugClass."""
    store = memory_store()
    store._store.add(ox.Quad(ox.NamedNode(CGR + "dupilumab"), RDF_TYPE, ox.NamedNode(CG + "DrugClass"),
                             ox.NamedNode(REFERENCE_GRAPH)))
    report = reason(store)
    assert not report.consistent and report.exit_code == 1 and not report.written
    text = report.to_text()
    assert "cgr:dupilumab" in text and '"drug class"' in text and "disjoint" in text, text
    assert INFERRED_GRAPH not in store.graphs()  # nothing written
    with pytest.raises(InconsistentGraph) as caught:
        reason_or_raise(store)
    assert caught.value.exit_code == 1


def test_a_clash_in_a_case_graph_is_named() -> None:
    """The fast path's tier: a seed treatment typed both a drug and a non-drug treatment."""
    store = memory_store()
    graph = case_graph_iri(resources.case_files()[0])
    store._store.add(ox.Quad(ox.NamedNode(R000 + "case1-dupilumab"), RDF_TYPE, ox.NamedNode(CG + "NonDrugTreatment"),
                             ox.NamedNode(graph)))
    report = reason(store)
    assert not report.consistent and report.exit_code == 1
    assert any("case1-dupilumab" in p and "cg:NonDrugTreatment" in p and "disjoint" in p for p in report.problems)


# --- the fast path equals HermiT -------------------------------------------------------------------------------
def test_fast_path_equals_hermit_on_the_seeds(reasoned: Store) -> None:
    """HermiT over ontology + reference + seed cases classifies exactly what production infers: HermiT over
    ontology + reference, plus the SPARQL rules over the case graphs. cg:OffLabelUse is closed-world (no OWL
    definition), so HermiT must find no member and the rules the ones the report implies (above)."""
    triples = [t for g in (ONTOLOGY_GRAPH, REFERENCE_GRAPH) for t in reasoned.triples(g)]
    triples += [t for p in resources.case_files() for t in parse_file(p).triples]
    hermit = run_hermit(triples)
    assert hermit.consistent and hermit.unsatisfiable == []
    ours = members(reasoned, INFERRED_GRAPH)
    for iri, individuals in hermit.members.items():
        cls = iri.removeprefix(CG)
        if cls == "OffLabelUse":
            assert individuals == set()
        else:
            assert ours.get(cls, set()) == individuals, cls
    assert {iri.removeprefix(CG) for iri in hermit.members} == set(EXPECTED)


def test_fast_path_equals_hermit_on_a_submission() -> None:
    """The same on a submitted case document (its own graph and <graph>/inferred)."""
    from casegraph.intake import submit

    store = memory_store()
    summary = submit(store, [CASE_DOC])
    (outcome,) = summary.outcomes
    assert outcome.status == "accepted" and outcome.id
    graph = inference.SUBMISSIONS_GRAPH_PREFIX + outcome.id
    inference.infer_for_submissions(store, [graph])
    ours = members(store, graph + "/inferred")
    hermit = run_hermit([t for g in (ONTOLOGY_GRAPH, REFERENCE_GRAPH, graph) for t in store.triples(g)])
    theirs = {iri.removeprefix(CG): {i for i in v if i.startswith("https://w3id.org/casegraph/submission/")}
              for iri, v in hermit.members.items()}
    assert {k: v for k, v in theirs.items() if v} == ours
    # The document says: "paradoxical": true, suspectedCause omalizumab (a monoclonal antibody).
    assert list(ours) == ["ParadoxicalReactionToBiologic"]


# --- incremental, replaced not duplicated, withdrawn with the submission ---------------------------------------
def test_second_run_replaces_the_inferred_graph(reasoned: Store) -> None:
    before = sorted(map(str, reasoned.triples(INFERRED_GRAPH)))
    report = reason(reasoned)
    assert sorted(map(str, reasoned.triples(INFERRED_GRAPH))) == before
    assert report.triples == len(before)


def test_incremental_inferences_are_replaced_and_dropped() -> None:
    from casegraph.intake import submit

    store = memory_store()
    (outcome,) = submit(store, [CASE_DOC]).outcomes
    assert outcome.id
    graph = inference.SUBMISSIONS_GRAPH_PREFIX + outcome.id
    first = inference.infer_for_submissions(store, [graph])
    again = inference.infer_for_submissions(store, [graph, graph])
    assert first.triples == again.triples == len(list(store.triples(graph + "/inferred"))) == 1
    assert again.clashes == []
    reason(store)  # the full run rewrites the submission's graph, not a second copy elsewhere
    assert len(list(store.triples(graph + "/inferred"))) == 1
    assert not members(store, INFERRED_GRAPH).get("ParadoxicalReactionToBiologic", set()) - EXPECTED[
        "ParadoxicalReactionToBiologic"]
    inference.drop_inferences(store, [graph])
    assert list(store.triples(graph + "/inferred")) == []


def test_the_incremental_path_reports_a_clash() -> None:
    store = memory_store()
    graph = inference.SUBMISSIONS_GRAPH_PREFIX + "0123456789abcdef"
    node = ox.NamedNode("https://w3id.org/casegraph/submission/0123456789abcdef/t")
    store._store.extend([ox.Quad(node, RDF_TYPE, ox.NamedNode(CG + c), ox.NamedNode(graph))
                         for c in ("DrugTreatment", "NonDrugTreatment")])
    result = inference.infer_for_submissions(store, [graph], check_consistency=True)
    assert [(c.node, c.class1, c.class2) for c in result.clashes] == [
        (node.value, CG + "DrugTreatment", CG + "NonDrugTreatment")]


def test_a_submission_may_not_assert_an_inferred_class(tmp_path: Path) -> None:
    from casegraph.validate import validate_files

    seed = resources.case_files()[0]
    copy = tmp_path / seed.name
    copy.write_text(seed.read_text(encoding="utf-8") + "\n:case1-dupilumab a cg:OffLabelUse .\n", encoding="utf-8")
    for engine in ("sparql", "pyshacl"):
        report = validate_files([copy], profile="seed", engine=engine)
        assert not report.conforms
        assert "the reasoner infers" in report.to_text(), (engine, report.to_text())


# --- the command -----------------------------------------------------------------------------------------------
def test_command_reports_consistency_as_json(built: Path) -> None:
    result = CliRunner().invoke(reason_command, ["--store", str(built), "--format", "json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["consistent"] is True and report["written"] is True
    assert report["classMemberships"]["cg:OffLabelUse"] == len(EXPECTED["OffLabelUse"])


def test_command_exits_1_and_names_the_clash(tmp_path: Path) -> None:
    path = tmp_path / "store"
    build(path)
    with Store(path) as store:
        store._store.add(ox.Quad(ox.NamedNode(CGR + "dupilumab"), RDF_TYPE, ox.NamedNode(CG + "DrugClass"),
                                 ox.NamedNode(REFERENCE_GRAPH)))
    result = CliRunner().invoke(reason_command, ["--store", str(path)])
    assert result.exit_code == 1, result.output
    assert "INCONSISTENT" in result.stdout and "cgr:dupilumab" in result.stdout and "disjoint" in result.stdout


def test_command_store_error_exits_3(tmp_path: Path) -> None:
    not_a_store = tmp_path / "file.txt"
    not_a_store.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(reason_command, ["--store", str(not_a_store), "-q"])
    assert result.exit_code == 3, result.output
    assert "error:" in result.stderr


def test_command_usage_error_exits_2() -> None:
    result = CliRunner().invoke(reason_command, ["--format", "yaml"])
    assert result.exit_code == 2


# --- graphs already current under this build are skipped -----------------------------------------------------
def _marks(store: Store) -> dict[str, str]:
    return inference.current_graphs(store)


def test_intake_marks_a_submission_current_and_reason_skips_it(tmp_path: Path) -> None:
    from casegraph.intake import submit, withdraw

    path = tmp_path / "store"
    build(path)
    with Store(path) as store:
        (outcome,) = submit(store, [CASE_DOC]).outcomes
        assert outcome.id
        graph = inference.SUBMISSIONS_GRAPH_PREFIX + outcome.id
        assert _marks(store) == {graph: store.fingerprint()}
        inferred = sorted(map(str, store.triples(graph + "/inferred")))
        assert len(inferred) == 1  # the document's paradoxical reaction to omalizumab (a monoclonal antibody)

        quick = reason(store)
        assert quick.consistent and quick.current_graphs == 1 and quick.data_graphs == 4
        assert "1 of them already classified and checked under this build: skipped" in quick.to_text()
        assert sorted(map(str, store.triples(graph + "/inferred"))) == inferred

        # an inferred graph lost behind the marks' back is not restored by the quick run, by --full it is
        store.update(f"DROP GRAPH <{graph}/inferred>")
        assert reason(store).current_graphs == 1 and list(store.triples(graph + "/inferred")) == []
        whole = reason(store, full=True)
        assert whole.current_graphs == 0 and sorted(map(str, store.triples(graph + "/inferred"))) == inferred
        assert _marks(store) == {graph: store.fingerprint()}

        withdraw(store, outcome.id)
        assert _marks(store) == {}


def test_a_mark_from_another_build_is_redone(tmp_path: Path) -> None:
    """A submission classified under other ontology, shapes, reference data or rules is classified again."""
    from casegraph.intake import submit

    path = tmp_path / "store"
    build(path)
    with Store(path) as store:
        (outcome,) = submit(store, [CASE_DOC]).outcomes
        graph = inference.SUBMISSIONS_GRAPH_PREFIX + f"{outcome.id}"
        inference.mark_current(store, [graph], "an older build")
        store.update(f"DROP GRAPH <{graph}/inferred>")
        report = reason(store)
        assert report.current_graphs == 0
        assert len(list(store.triples(graph + "/inferred"))) == 1
        assert _marks(store) == {graph: store.fingerprint()}


def test_a_rebuild_keeps_submissions_current(tmp_path: Path) -> None:
    from casegraph.intake import submit

    path = tmp_path / "store"
    build(path)
    with Store(path) as store:
        (outcome,) = submit(store, [CASE_DOC]).outcomes
    build(path)  # same inputs: the kept submission is classified under the same fingerprint
    with Store(path) as store:
        graph = inference.SUBMISSIONS_GRAPH_PREFIX + f"{outcome.id}"
        assert _marks(store) == {graph: store.fingerprint()}
        assert len(list(store.triples(graph + "/inferred"))) == 1


def test_the_graph_by_graph_check_sees_a_type_stated_elsewhere() -> None:
    """A submission typing a reference drug as a treatment clashes with the reference data's own type."""
    store = memory_store()
    graph = inference.SUBMISSIONS_GRAPH_PREFIX + "0123456789abcdef"
    store._store.add(ox.Quad(ox.NamedNode(CGR + "dupilumab"), RDF_TYPE, ox.NamedNode(CG + "DrugTreatment"),
                             ox.NamedNode(graph)))
    found = {(c.graph, c.node) for c in inference.clashes(store, [graph])}
    assert found == {(graph, CGR + "dupilumab")}
    assert {(c.graph, c.node) for c in inference.clashes_everywhere(store, graph.__eq__)} == found


def test_withdrawing_a_submission_reclassifies_those_that_used_its_facts(tmp_path: Path) -> None:
    """S2 states a paradoxical reaction to S1's omalizumab treatment; withdrawing S1 takes the inference."""
    from casegraph.intake import submit, withdraw
    from casegraph.readers import read_submission

    build(tmp_path / "store")
    with Store(tmp_path / "store") as store:
        (first,) = submit(store, [CASE_DOC]).outcomes
        assert first.id
        theirs = ox.NamedNode(read_submission(CASE_DOC).base + "omalizumab")
        copy = tmp_path / "second.case.json"
        copy.write_text(CASE_DOC.read_text(encoding="utf-8").replace("(test document)", "(second document)"),
                        encoding="utf-8")
        second = read_submission(copy)
        mine = ox.NamedNode(second.base + "omalizumab")
        swapped = [ox.Triple(t.subject, t.predicate, theirs if t.object == mine else t.object)
                   for t in second.triples if t.subject != mine]
        turtle = tmp_path / "second.ttl"
        turtle.write_bytes(ox.serialize(swapped, format=ox.RdfFormat.TURTLE) or b"")
        (outcome,) = submit(store, [turtle]).outcomes
        assert outcome.status == "accepted" and outcome.id, outcome.message
        graph = inference.SUBMISSIONS_GRAPH_PREFIX + outcome.id
        assert members(store, graph + "/inferred") == {"ParadoxicalReactionToBiologic": {
            second.base + "#/adverseEvents/0"}}
        withdraw(store, first.id)
        assert members(store, graph + "/inferred") == {}
        assert set(_marks(store)) == {graph}  # still current: classified again without the withdrawn facts


def test_marks_are_not_trusted_when_the_installed_inputs_differ(tmp_path: Path) -> None:
    """A store built from other ontology, shapes, reference data or rules (an upgrade without a rebuild):
    nothing is skipped and nothing is marked, and the report says to rebuild."""
    from casegraph.intake import submit
    from casegraph.store import FINGERPRINT, STORE_NODE

    build(tmp_path / "store")
    with Store(tmp_path / "store") as store:
        assert [o.status for o in submit(store, [CASE_DOC]).outcomes] == ["accepted"]
        assert _marks(store)
        meta = STORE_NODE  # the meta graph's IRI names both the graph and the store in it
        stamp = store.fingerprint()
        store._store.remove(ox.Quad(STORE_NODE, FINGERPRINT, ox.Literal(stamp or ""), meta))
        store._store.add(ox.Quad(STORE_NODE, FINGERPRINT, ox.Literal("0" * 64), meta))
        report = reason(store)
        assert report.outdated_build and report.current_graphs == 0 and _marks(store) == {}
        assert "casegraph build" in report.to_text()
        copy = tmp_path / "another.case.json"
        copy.write_text(CASE_DOC.read_text(encoding="utf-8").replace("(test document)", "(another)"),
                        encoding="utf-8")
        assert [o.status for o in submit(store, [copy]).outcomes] == ["accepted"]
        assert _marks(store) == {}
