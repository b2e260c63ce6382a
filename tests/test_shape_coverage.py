"""The shapes cover the whole ontology, agree with it, and the shipped data conform to them in both engines.

Coverage is computed from the files, never from a list kept here: every ``cg:`` class of the ontology is
the target of a shape (a few subclasses that add nothing of their own are covered by their superclass's
shape, listed in ``INHERITED`` with the reason), and every ``cg:`` property is constrained by a property
shape (``sh:path``) that says what its values are (datatype, class, node kind or value list), in
ontology/shapes.ttl, intake-shapes.ttl or registry-shapes.ttl. Then the shapes are checked against the
ontology (functional properties have ``sh:maxCount 1``; datatypes, classes and closed value lists match the
declared ranges), and the reference and seed data must conform with the SPARQL engine and with pyshacl. The
registry entry that intake writes for a submission is validated too.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SH, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from casegraph import resources, shaclsparql
from casegraph.inference import RULES_DIR
from casegraph.namespaces import REGISTRY_GRAPH
from casegraph.rdfio import ontology_triples, to_ntriples
from casegraph.store import Store
from casegraph.validate import _pyshacl, validate_files
from test_engines import normalised

CG = Namespace("https://w3id.org/casegraph/ontology#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain namespace: pytest probes module attributes
CASE_DOC = Path(__file__).parent / "data" / "omalizumab-ad.case.json"
#: Shapes of the registry graph intake writes (cg:Submission), kept out of submission validation.
REGISTRY_SHAPES = resources.resource_root() / "ontology" / "registry-shapes.ttl"

#: Subclasses covered by the shape of their superclass: SHACL class targets include the instances of
#: subclasses, and these classes add no property (no ``rdfs:domain``) and no rule of their own.
INHERITED: dict[URIRef, tuple[URIRef, str]] = {
    CG.Pathway: (CG.Mechanism, "a kind of mechanism; checked as a mechanism and a reference term"),
    CG.BiologicalProcess: (CG.Mechanism, "a kind of mechanism; checked as a mechanism and a reference term"),
    CG.DiseaseMechanism: (CG.Mechanism, "a kind of mechanism; checked as a mechanism and a reference term"),
    CG.Malignancy: (CG.Disease, "a kind of disease; checked as a disease and a reference term"),
    CG.InfectiousDisease: (CG.Disease, "a kind of disease; checked as a disease and a reference term"),
    CG.MonoclonalAntibody: (CG.Drug, "a kind of drug (cgs:DrugShape); its disjointness from small molecules "
                                     "is checked by cgs:DisjointClassesShape"),
    CG.SmallMoleculeDrug: (CG.Drug, "a kind of drug (cgs:DrugShape); its disjointness from antibodies is "
                                    "checked by cgs:DisjointClassesShape"),
    CG.CharacteristicScale: (CG.Scale, "a kind of scale (cgs:ScaleShape); what it changes - a measurement on "
                                       "it may go without a time point - is a rule of cgs:MeasurementShape"),
    CG.DrugClass: (CG.TherapeuticAgent, "a therapeutic agent named by class ('topical corticosteroids'); checked "
                                        "as a reference term, and kept apart from drugs by cgs:DisjointClassesShape"),
    CG.Flare: (CG.ClinicalEvent, "a kind of clinical event, with no property of its own; checked as a fact "
                                 "(provenance, case, time point)"),
}

#: Value constraints: a property shape with one of these says what the values are.
VALUE_KEYS = (SH.datatype, SH["class"], SH.nodeKind, SH["in"])
NUMBERS = {XSD.decimal, XSD.integer, XSD.double}


def _graph(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return _graph(resources.ontology_file())


@pytest.fixture(scope="module")
def vocabulary(onto: rdflib.Graph) -> rdflib.Graph:
    """The ontology and the reference data (where the instances of the controlled lists are)."""
    graph = rdflib.Graph()
    graph += onto
    for path in resources.reference_files():
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return _graph(resources.shapes_file(), resources.intake_shapes_file(), REGISTRY_SHAPES)


def _ours(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(CG))


def ontology_classes(onto: rdflib.Graph) -> set[URIRef]:
    return {c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and _ours(c)}


def ontology_properties(onto: rdflib.Graph) -> set[URIRef]:
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {p for kind in kinds for p in onto.subjects(RDF.type, kind) if isinstance(p, URIRef) and _ours(p)}


def property_shapes(shapes: rdflib.Graph, path: Node) -> list[Node]:
    return list(shapes.subjects(SH.path, path))


def _says_what_values_are(shapes: rdflib.Graph, prop: Node) -> bool:
    if any((prop, key, None) in shapes for key in VALUE_KEYS):
        return True
    return any(all(any((m, key, None) in shapes for key in VALUE_KEYS) for m in Collection(shapes, lst))
               for lst in shapes.objects(prop, SH["or"]))


def _forbidden(shapes: rdflib.Graph, prop: Node) -> bool:
    """``sh:maxCount 0``: the property may not be written at all (cg:offsetDays is derived at build time)."""
    return any(int(str(n)) == 0 for n in shapes.objects(prop, SH.maxCount))


def _short(node: Node | None) -> str:
    return str(node).replace(str(CG), "cg:")


# --- coverage ----------------------------------------------------------------------------------------------
def test_the_ontology_is_what_this_test_counts(onto: rdflib.Graph) -> None:
    """Guard against counting nothing (a moved file, a changed namespace)."""
    assert len(ontology_classes(onto)) >= 79
    assert len(ontology_properties(onto)) >= 176


def test_every_class_is_the_target_of_a_shape(onto: rdflib.Graph, shapes: rdflib.Graph) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = sorted(_short(c) for c in ontology_classes(onto) - targeted - set(INHERITED))
    assert not missing, f"{len(missing)} class(es) of the ontology no shape targets: {', '.join(missing)}"


@pytest.mark.parametrize("cls", sorted(INHERITED), ids=_short)
def test_an_inherited_class_really_inherits(cls: URIRef, onto: rdflib.Graph, shapes: rdflib.Graph) -> None:
    superclass, reason = INHERITED[cls]
    assert reason
    assert (cls, RDFS.subClassOf, superclass) in onto, f"{_short(cls)} is not a subclass of {_short(superclass)}"
    assert (None, SH.targetClass, superclass) in shapes, f"no shape targets {_short(superclass)}"
    own = sorted(_short(p) for p in onto.subjects(RDFS.domain, cls))
    assert not own, f"{_short(cls)} has properties of its own ({', '.join(own)}): give it a shape"
    assert (None, SH.targetClass, cls) not in shapes, f"{_short(cls)} has a shape now: remove it from INHERITED"


#: Where the closed-world defined classes (cg:inferredOnly, no owl:equivalentClass) get their members.
INFERENCE_RULES = RULES_DIR
CGS = Namespace("https://w3id.org/casegraph/shapes#")


def inferred_only(onto: rdflib.Graph) -> set[URIRef]:
    return {c for c in ontology_classes(onto) if (c, CG.inferredOnly, rdflib.Literal(True)) in onto}


def test_inferred_only_classes_are_the_targets_of_the_shape_that_refuses_them(onto: rdflib.Graph,
                                                                               shapes: rdflib.Graph) -> None:
    """Classes the reasoner fills are covered by cgs:InferredOnlyClassShape, which refuses data asserting
    them, and by nothing else: it targets exactly the classes marked cg:inferredOnly."""
    marked = inferred_only(onto)
    assert len(marked) >= 7
    assert set(shapes.objects(CGS.InferredOnlyClassShape, SH.targetClass)) == marked
    others = {c for s, c in shapes.subject_objects(SH.targetClass) if s != CGS.InferredOnlyClassShape}
    assert not marked & others, f"a shape other than cgs:InferredOnlyClassShape targets {marked & others}"


@pytest.mark.parametrize("cls", sorted(inferred_only(_graph(resources.ontology_file()))), ids=_short)
def test_an_inferred_only_class_is_really_defined(cls: URIRef, onto: rdflib.Graph) -> None:
    """Either an OWL definition HermiT can fill (owl:equivalentClass) or, for a closed-world notion OWL's
    open world cannot decide, a note saying so and the rule that fills it."""
    if (cls, OWL.equivalentClass, None) in onto:
        return
    notes = " ".join(str(n) for n in onto.objects(cls, rdflib.SKOS.note))
    assert "closed-world" in notes, f"{_short(cls)} has no owl:equivalentClass and no note saying why"
    rules = [p for p in INFERENCE_RULES.glob("*.rq") if f"cg:{cls.removeprefix(str(CG))} " in p.read_text()]
    assert rules, f"no rule in {INFERENCE_RULES} fills {_short(cls)}"


def test_every_property_is_constrained_by_a_shape(onto: rdflib.Graph, shapes: rdflib.Graph) -> None:
    missing = []
    for prop in sorted(ontology_properties(onto)):
        found = property_shapes(shapes, prop)
        if not any(_says_what_values_are(shapes, ps) or _forbidden(shapes, ps) for ps in found):
            missing.append(_short(prop) + ("" if found else " (no sh:path at all)"))
    assert not missing, (f"{len(missing)} property(ies) of the ontology no shape constrains with a datatype, "
                         f"class, node kind or value list: {', '.join(missing)}")


# --- the shapes agree with the ontology ---------------------------------------------------------------------
def test_functional_properties_have_at_most_one_value(onto: rdflib.Graph, shapes: rdflib.Graph) -> None:
    missing = []
    for prop in sorted((p for p in onto.subjects(RDF.type, OWL.FunctionalProperty) if _ours(p)), key=str):
        counts = [int(str(n)) for ps in property_shapes(shapes, prop) for n in shapes.objects(ps, SH.maxCount)]
        if not any(n <= 1 for n in counts):
            missing.append(_short(prop))
    assert not missing, f"functional properties without sh:maxCount 1: {', '.join(missing)}"


def _datatypes(shapes: rdflib.Graph, prop: Node) -> set[Node | None]:
    """The datatypes a property shape accepts (its sh:datatype, or those of an sh:or of datatypes)."""
    found: set[Node | None] = set(shapes.objects(prop, SH.datatype))
    for lst in shapes.objects(prop, SH["or"]):
        members = list(Collection(shapes, lst))
        if all((m, SH.datatype, None) in shapes for m in members):
            found |= {shapes.value(m, SH.datatype) for m in members}
    return found


def test_datatypes_match_the_declared_ranges(onto: rdflib.Graph, shapes: rdflib.Graph) -> None:
    wrong = []
    for prop in sorted((p for p in onto.subjects(RDF.type, OWL.DatatypeProperty) if _ours(p)), key=str):
        declared = onto.value(prop, RDFS.range)
        if declared is None:
            continue
        allowed: set[Node | None] = set(NUMBERS) if declared == XSD.decimal else {declared}
        for ps in property_shapes(shapes, prop):
            accepted = _datatypes(shapes, ps)
            if accepted and not accepted <= allowed:
                wrong.append(f"{_short(prop)}: range {declared}, shape accepts {sorted(map(str, accepted))}")
            if declared == XSD.decimal and accepted and XSD.decimal not in accepted:
                wrong.append(f"{_short(prop)}: range xsd:decimal, shape refuses xsd:decimal")
    assert not wrong, "\n".join(wrong)


def _instances(vocabulary: rdflib.Graph, cls: Node) -> set[Node]:
    subclasses = set(vocabulary.transitive_subjects(RDFS.subClassOf, cls))
    return {x for c in subclasses for x in vocabulary.subjects(RDF.type, c)}


def test_classes_and_value_lists_match_the_declared_ranges(onto: rdflib.Graph, vocabulary: rdflib.Graph,
                                                           shapes: rdflib.Graph) -> None:
    """sh:class names the range or a subclass of it; an sh:in list of IRIs holds instances of the range."""
    wrong = []
    for prop in sorted((p for p in onto.subjects(RDF.type, OWL.ObjectProperty) if _ours(p)), key=str):
        declared = onto.value(prop, RDFS.range)
        if declared is None or not _ours(declared):
            continue
        below = set(onto.transitive_subjects(RDFS.subClassOf, declared))
        for ps in property_shapes(shapes, prop):
            for cls in shapes.objects(ps, SH["class"]):
                if cls not in below:
                    wrong.append(f"{_short(prop)}: range {_short(declared)}, shape asks for {_short(cls)}")
            for lst in shapes.objects(ps, SH["in"]):
                outside = [m for m in Collection(shapes, lst) if m not in _instances(vocabulary, declared)]
                if outside:
                    wrong.append(f"{_short(prop)}: sh:in holds {', '.join(map(_short, outside))}, "
                                 f"not instances of {_short(declared)}")
    assert not wrong, "\n".join(wrong)


def test_value_lists_are_in_step_with_the_ontology(vocabulary: rdflib.Graph, shapes: rdflib.Graph) -> None:
    """A closed list of IRIs (sh:in) names every instance of the class its members belong to, so a value
    added to the ontology or the reference data is not refused by a stale list."""
    stale = []
    for ps, lst in shapes.subject_objects(SH["in"]):
        members = list(Collection(shapes, lst))
        if not members or not all(isinstance(m, URIRef) for m in members):
            continue
        kinds = set.intersection(*({c for c in vocabulary.objects(m, RDF.type) if _ours(c)} for m in members))
        assert kinds, f"the members of the sh:in list on {shapes.value(ps, SH.path)} share no cg: class"
        for cls in kinds:
            absent = _instances(vocabulary, cls) - set(members)
            if absent:
                stale.append(f"sh:in on {_short(shapes.value(ps, SH.path))} lacks {', '.join(sorted(map(_short, absent)))} "
                             f"({_short(cls)})")
    assert not stale, "\n".join(stale)


# --- the shipped data conform ---------------------------------------------------------------------------------
def test_reference_and_seed_data_conform_with_both_engines() -> None:
    """All of data/reference and data/cases, validated together (a build), in both engines."""
    files = resources.case_files()
    ours = validate_files(files, profile="seed")
    theirs = validate_files(files, profile="seed", engine="pyshacl")
    assert ours.conforms, ours.to_text()
    assert theirs.conforms, theirs.to_text()
    assert normalised(ours) == normalised(theirs)


@pytest.mark.parametrize("name", [p.name for p in resources.case_files()])
def test_each_seed_file_conforms_on_its_own(name: str) -> None:
    """As ``casegraph validate --profile seed FILE`` checks one file: with the reference data, without the
    other case files (so no shape may need another case file to resolve a reference)."""
    report = validate_files([resources.resource_root() / "data" / "cases" / name], profile="seed")
    assert report.conforms, report.to_text()


def _registry_results(registry: list[ox.Triple]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(focus, path) of each violation of the registry triples, by the SPARQL engine and by pyshacl."""
    registry_shapes = _graph(REGISTRY_SHAPES)
    check = shaclsparql.check_store(shaclsparql.default_graph_quads(ontology_triples()), registry)
    ours = {(r.focus.value, r.path.value if r.path is not None else "")
            for r in shaclsparql.run(shaclsparql.compile_shapes(registry_shapes), check)}
    data = rdflib.Graph()
    data.parse(data=to_ntriples(list(ontology_triples())) + to_ntriples(registry), format="nt")
    report = _pyshacl(data, registry_shapes)
    theirs = {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath) or ""))
              for r in report.subjects(RDF.type, SH.ValidationResult)}
    return ours, theirs


def test_the_registry_entry_of_a_submission_conforms() -> None:
    """cg:Submission and its provenance properties are written by intake into the registry graph, never
    submitted (so ontology/registry-shapes.ttl is not part of submission validation); the entry intake
    writes conforms to cgs:SubmissionShape in both engines, and each property of a damaged entry is found
    by both."""
    from casegraph.intake import submit

    store = Store()
    summary = submit(store, [CASE_DOC])
    assert [o.status for o in summary.outcomes] == ["accepted"]
    registry = [ox.Triple(q.subject, q.predicate, q.object)
                for q in store._store.quads_for_pattern(None, None, None, ox.NamedNode(REGISTRY_GRAPH))]
    entry = next(t.subject for t in registry if t.object == ox.NamedNode(CG + "Submission"))
    assert isinstance(entry, ox.NamedNode)
    assert _registry_results(registry) == (set(), set())

    damage = {  # one wrong value per property of the entry
        CG.submissionId: ox.Literal("not-hex"), CG.fileName: ox.Literal("1", datatype=ox.NamedNode(XSD.integer)),
        CG.submissionFormat: ox.Literal("docx"), CG.contentSha256: ox.Literal("abc"),
        CG.tripleCount: ox.Literal("many"), CG.warningCount: ox.Literal("-1", datatype=ox.NamedNode(XSD.integer)),
        CG.caseCount: ox.Literal("1.5", datatype=ox.NamedNode(XSD.decimal)),
        CG.validationReport: ox.Literal("report"),
    }
    damaged = [t if URIRef(t.predicate.value) not in damage else ox.Triple(t.subject, t.predicate,
                                                                          damage[URIRef(t.predicate.value)])
               for t in registry]
    assert {URIRef(t.predicate.value) for t in registry} >= set(damage)
    ours, theirs = _registry_results(damaged)
    assert ours == theirs == {(entry.value, str(p)) for p in damage}


def test_the_mark_of_a_classified_submission_conforms(tmp_path: Path) -> None:
    """In a built store intake also marks the entry with the build it was classified under (cg:inferredUnder)."""
    from casegraph import build
    from casegraph.intake import submit

    build(tmp_path / "store")
    with Store(tmp_path / "store") as store:
        assert [o.status for o in submit(store, [CASE_DOC]).outcomes] == ["accepted"]
        registry = [ox.Triple(q.subject, q.predicate, q.object)
                    for q in store._store.quads_for_pattern(None, None, None, ox.NamedNode(REGISTRY_GRAPH))]
    marks = [t for t in registry if t.predicate == ox.NamedNode(CG + "inferredUnder")]
    assert len(marks) == 1
    assert _registry_results(registry) == (set(), set())
    damaged = [t if t not in marks else ox.Triple(t.subject, t.predicate, ox.Literal("build 7")) for t in registry]
    ours, theirs = _registry_results(damaged)
    assert ours == theirs == {(marks[0].subject.value, CG + "inferredUnder")}
