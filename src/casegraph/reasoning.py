"""``casegraph reason``: check the graph's consistency and write what follows from it into inferred graphs.

Two tiers, so that a growing number of cases never makes reasoning the bottleneck:

1. HermiT (:func:`casegraph.reasoner.run_hermit`) over the ontology and the reference data - a fixed size,
   about five seconds whatever the number of cases. It checks consistency, finds unsatisfiable classes,
   classifies the reference individuals into the defined classes (a type-2 cytokine signalling blocker, an
   IgE-directed or B-cell depleting therapy) and infers relations (``cg:actsOnMechanism`` from its property
   chain, the closure of transitive properties).
2. The fast path (:mod:`casegraph.inference`) over the seed case graphs and every submission graph not
   already current: SPARQL derived from the case-level OWL definitions, plus a disjointness check in place of
   HermiT's consistency check. A submission is current when intake (or an earlier run) classified and checked
   it under the store's build fingerprint, which is also that of the installed ontology, shapes, reference
   data and rules (``cg:inferredUnder`` in the registry); ``full=True`` redoes every graph, as a build does.

HermiT's inferences and the seed cases' go to :data:`~casegraph.namespaces.INFERRED_GRAPH`, a submission's
to ``<submission>/inferred``. A run replaces what it recomputes, so running twice changes nothing. An
inconsistent graph is reported - the clashing facts or unsatisfiable classes named in words - and nothing is
written.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from casegraph import inference
from casegraph.backend import GraphStore
from casegraph.errors import CasegraphError
from casegraph.inference import Clash
from casegraph.namespaces import (
    INFERRED_GRAPH,
    INFERRED_SUFFIX,
    ONTOLOGY_GRAPH,
    PREFIXES,
    REFERENCE_GRAPH,
    SUBMISSIONS_GRAPH_PREFIX,
)
from casegraph.reasoner import run_hermit

Progress = Callable[[str], None]
_RDF_TYPE = PREFIXES["rdf"] + "type"
_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")


class InconsistentGraph(CasegraphError):
    """The ontology, the reference data or a case is logically inconsistent (exit code 1, like violations)."""

    exit_code = 1

    def __init__(self, message: str, report: ReasoningReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class ReasoningReport:
    """What a reasoning run found and wrote.

    ``classes`` counts inferred memberships per class, ``relations`` inferred values per property (both by
    CURIE). ``problems`` is empty when the graph is consistent; otherwise each entry is one sentence.
    """

    consistent: bool = True
    problems: list[str] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    classes: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    data_graphs: int = 0
    #: Submission graphs skipped: classified and checked under the current build already.
    current_graphs: int = 0
    #: The store's build fingerprint is not that of the installed inputs, so nothing was skipped or marked.
    outdated_build: bool = False
    inferred_graphs: int = 0
    triples: int = 0
    hermit_seconds: float = 0.0
    fast_path_seconds: float = 0.0
    written: bool = False

    @property
    def exit_code(self) -> int:
        """0 consistent, 1 inconsistent (the CLI's codes)."""
        return 0 if self.consistent else 1

    def to_text(self) -> str:
        lines = []
        if self.consistent:
            lines.append(f"consistent: the ontology, the reference data and {self.data_graphs:,} case graph(s)")
        else:
            lines.append("INCONSISTENT - nothing was written:")
            lines += [f"  - {p}" for p in self.problems]
            return "\n".join(lines)
        if self.outdated_build:
            lines.append("the store was built from other inputs than those installed: every graph was classified "
                         "again and none marked current; 'casegraph build' brings the store up to date")
        if self.current_graphs:
            lines.append(f"{self.current_graphs:,} of them already classified and checked under this build: skipped "
                         f"(--full redoes them)")
        lines.append(f"inferred {self.triples:,} triple(s) into {self.inferred_graphs:,} graph(s) "
                     f"(HermiT {self.hermit_seconds:.1f} s, case graphs {self.fast_path_seconds:.1f} s)")
        for title, counts in (("class memberships", self.classes), ("relations", self.relations)):
            if counts:
                lines.append(f"{title}:")
                lines += [f"  {n:>8,}  {name}" for name, n in sorted(counts.items())]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "consistent": self.consistent,
            "problems": self.problems,
            "unsatisfiableClasses": self.unsatisfiable,
            "clashes": [vars(c) for c in self.clashes],
            "classMemberships": dict(sorted(self.classes.items())),
            "relations": dict(sorted(self.relations.items())),
            "dataGraphs": self.data_graphs,
            "currentGraphsSkipped": self.current_graphs,
            "outdatedBuild": self.outdated_build,
            "inferredGraphs": self.inferred_graphs,
            "inferredTriples": self.triples,
            "hermitSeconds": round(self.hermit_seconds, 3),
            "fastPathSeconds": round(self.fast_path_seconds, 3),
            "written": self.written,
        }


def _graph_triples(store: GraphStore, *graphs: str) -> list[ox.Triple]:
    return [t for g in graphs for t in store.triples(g)]


def reason(store: GraphStore, progress: Progress | None = None, *, full: bool = False) -> ReasoningReport:
    """Check consistency and (re)write the inferred graphs of ``store``; see the module docstring.

    A submission graph already classified and checked under the store's current build fingerprint (by intake,
    or by an earlier run) is skipped unless ``full``: its inferences cannot have changed.

    Inconsistency is a result, not an exception (the report says what clashes and ``written`` stays
    False), so callers decide: the CLI exits 1, :func:`reason_or_raise` raises.
    """
    say = progress or (lambda _msg: None)
    report = ReasoningReport()

    say("HermiT: classifying the ontology and the reference data")
    start = time.perf_counter()
    hermit = run_hermit(_graph_triples(store, ONTOLOGY_GRAPH, REFERENCE_GRAPH))
    report.hermit_seconds = time.perf_counter() - start
    if not hermit.consistent:
        report.consistent = False
        report.clashes = inference.clashes_everywhere(store, lambda g: g in (ONTOLOGY_GRAPH, REFERENCE_GRAPH))
        report.problems = [describe(store, c) for c in report.clashes] or [
            "HermiT finds the ontology and the reference data inconsistent; no node is typed in two disjoint "
            "classes, so look for a value outside a closed list (owl:oneOf) or a functional property with two "
            "values declared different"]
        return report
    if hermit.unsatisfiable:
        report.consistent = False
        report.unsatisfiable = hermit.unsatisfiable
        report.problems = [f"class {_name(store, c)} is unsatisfiable: its definition contradicts the ontology, "
                           f"so nothing can be a member" for c in hermit.unsatisfiable]
        return report

    start = time.perf_counter()
    all_graphs = store.named_graphs()
    data = sorted(g for g in all_graphs if inference.is_data_graph(g))
    stamp = inference.marking_fingerprint(store)
    report.outdated_build = stamp is None and store.fingerprint() is not None
    if report.outdated_build:
        say("the store was built from other ontology, shapes, reference data or rules than those installed: "
            "every graph is classified again ('casegraph build' brings the store up to date)")
    marks = inference.current_graphs(store)
    stale = data if full or stamp is None else [g for g in data if marks.get(g) != stamp]
    report.data_graphs, report.current_graphs = len(data), len(data) - len(stale)
    everything = len(stale) == len(data)
    if report.current_graphs:
        say(f"{report.current_graphs:,} submission graph(s) already classified and checked under this build: "
            f"skipped (--full redoes them)")
    say(f"checking {len(stale):,} case graph(s) for disjointness clashes")
    # over (nearly) every graph one query per disjoint pair beats listing the graphs; over a few, the reverse
    if len(stale) * 4 > len(data):
        keep = set(stale)
        report.clashes = inference.clashes_everywhere(store, keep.__contains__)
    else:
        report.clashes = inference.clashes(store, stale)
    if report.clashes:
        report.consistent = False
        report.problems = [describe(store, c) for c in report.clashes]
        report.fast_path_seconds = time.perf_counter() - start
        return report
    say(f"inferring case-level memberships in {len(stale):,} graph(s)")
    quads = list(inference.memberships(store, None if everything else stale))
    quads += (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(INFERRED_GRAPH)) for t in hermit.inferred)
    say(f"writing {len(quads):,} inferred triples")
    if everything:  # every inferred graph there is, orphans of a removed submission graph too
        existing = [INFERRED_GRAPH, *(g for g in all_graphs if g.endswith(INFERRED_SUFFIX) and g != INFERRED_GRAPH)]
    else:
        existing = [INFERRED_GRAPH, *(inference.inferred_graph_for(g) for g in stale
                                      if g.startswith(SUBMISSIONS_GRAPH_PREFIX))]
    inference.update_graphs(store, existing, quads)
    inference.mark_current(store, stale, stamp, marks)
    report.fast_path_seconds = time.perf_counter() - start
    report.written = True
    _count(report, quads)
    return report


def reason_or_raise(store: GraphStore, progress: Progress | None = None, *, full: bool = False) -> ReasoningReport:
    """:func:`reason`, raising :class:`InconsistentGraph` (exit code 1) when the graph is inconsistent."""
    report = reason(store, progress, full=full)
    if not report.consistent:
        raise InconsistentGraph("the graph is inconsistent:\n" + "\n".join(f"  - {p}" for p in report.problems),
                                report)
    return report


def _count(report: ReasoningReport, quads: Sequence[ox.Quad]) -> None:
    classes: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    for q in quads:
        if q.predicate.value == _RDF_TYPE and isinstance(q.object, ox.NamedNode):
            classes[_curie(q.object.value)] += 1
        else:
            relations[_curie(q.predicate.value)] += 1
    report.classes, report.relations = dict(classes), dict(relations)
    report.triples = len(quads)
    report.inferred_graphs = len({q.graph_name for q in quads})


def describe(store: GraphStore, clash: Clash) -> str:
    """One sentence a curator can act on: which node, which two types, which disjointness, where."""
    node = _name(store, clash.node)
    where = _curie(clash.graph)
    types = f"{_name(store, clash.type1)} and {_name(store, clash.type2)}"
    if {clash.type1, clash.type2} == {clash.class1, clash.class2}:
        return f"{node} (in {where}) is typed both {types}, which the ontology declares disjoint"
    return (f"{node} (in {where}) is typed both {types}, so it would be a {_name(store, clash.class1)} and a "
            f"{_name(store, clash.class2)}, which the ontology declares disjoint")


def _name(store: GraphStore, iri: str) -> str:
    """``cg:Drug ("drug")``: the CURIE with the label, so both the curator and a query can find it."""
    for quad in store.quads(ox.NamedNode(iri), _LABEL, None, None):
        if isinstance(quad.object, ox.Literal):
            return f'{_curie(iri)} ("{quad.object.value}")'
    return _curie(iri)


def _curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"
