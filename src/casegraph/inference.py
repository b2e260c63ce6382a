"""The fast path of reasoning: case-level class memberships filled by SPARQL, graph by graph.

HermiT over 100,000 cases' individuals would take far longer than a minute, and intake must stay fast. The
case-level defined classes of the ontology (a paradoxical reaction to a biologic, a patient with a malignancy
on a biologic, an off-label use, a broad immunosuppressant a claim cautions against) depend only on the facts
of one case graph plus the fixed ontology and reference data, so each is written as one SPARQL query
(``inference_rules/*.rq``, derived from its OWL definition) and run over just the graphs that changed.
``tests/test_reason.py`` checks that on the seeds these queries infer exactly what HermiT infers.

Where inferences go: a seed case graph's into :data:`~casegraph.namespaces.INFERRED_GRAPH`, a submission's
into ``<submission>/inferred`` (see :func:`inferred_graph_for`), so that withdrawing a submission (dropping its
graphs) takes its inferences with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from casegraph.backend import GraphStore
from casegraph.namespaces import (
    CASES_GRAPH_PREFIX,
    CG,
    INFERRED_GRAPH,
    INFERRED_SUFFIX,
    ONTOLOGY_GRAPH,
    PREFIXES,
    REGISTRY_GRAPH,
    SUBMISSIONS_GRAPH_PREFIX,
)
from casegraph.resources import fill_values

RULES_DIR = Path(__file__).parent / "inference_rules"
TYPED_NODES = RULES_DIR / "checks" / "typed-nodes.rq"
DISJOINT_PAIR = RULES_DIR / "checks" / "disjoint-pair.rq"
COUNT_INSTANCES = RULES_DIR / "checks" / "count-instances.rq"
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_SUBCLASS = ox.NamedNode(PREFIXES["rdfs"] + "subClassOf")
_DISJOINT = ox.NamedNode(PREFIXES["owl"] + "disjointWith")
#: The placeholder line each rule file has where the graphs to process go.
_VALUES = re.compile(r"^(\s*)VALUES \?g \{\}\s*$", re.MULTILINE)
#: In the registry graph, ``<submission graph> cg:inferredUnder "<build fingerprint>"``: the graph's inferences
#: (and its consistency) are current for the store built with that fingerprint, so ``casegraph reason`` skips it.
INFERRED_UNDER = ox.NamedNode(CG + "inferredUnder")
#: Graph IRIs per query: large enough to amortise parsing and planning, small enough to keep the query short.
CHUNK = 2000


@dataclass(frozen=True)
class Clash:
    """A node typed in two classes the ontology declares disjoint: what HermiT calls an inconsistency."""

    graph: str
    node: str
    type1: str
    type2: str
    class1: str
    class2: str

    def to_text(self) -> str:
        return (f"{_short(self.node)} (in {_short(self.graph)}) is typed {_short(self.type1)} and "
                f"{_short(self.type2)}, but {_short(self.class1)} and {_short(self.class2)} are disjoint")


@dataclass
class InferenceResult:
    """What one fast-path run found: memberships per class and per output graph, and clashes."""

    memberships: dict[str, int] = field(default_factory=dict)
    graphs: int = 0
    triples: int = 0
    clashes: list[Clash] = field(default_factory=list)


def rule_files() -> list[Path]:
    """The membership rules, one per defined class filled here."""
    return sorted(RULES_DIR.glob("*.rq"))


@cache
def _text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if len(_VALUES.findall(text)) != 1:
        raise ValueError(f"{path} needs exactly one line 'VALUES ?g {{}}' where the graphs to process go")
    return text


def is_data_graph(iri: str) -> bool:
    """A seed case graph or a submission graph (not its ``/derived``, ``/report`` or ``/inferred``)."""
    if iri.startswith(CASES_GRAPH_PREFIX):
        return True
    return iri.startswith(SUBMISSIONS_GRAPH_PREFIX) and "/" not in iri[len(SUBMISSIONS_GRAPH_PREFIX):]


def inferred_graph_for(graph: str) -> str:
    """Where the inferences from data graph ``graph`` go: a submission's own graph, else the shared one."""
    if graph.startswith(SUBMISSIONS_GRAPH_PREFIX):
        return graph + INFERRED_SUFFIX
    return INFERRED_GRAPH


def _chunks(graphs: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(graphs), size):
        yield graphs[start:start + size]


def _run(store: GraphStore, path: Path, graphs: Sequence[str] | None) -> Iterator[ox.QuerySolution]:
    """Run a rule over ``graphs``, or over every graph (``None``: the placeholder line is dropped)."""
    values = "" if graphs is None else "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " }"
    yield from store.query(_VALUES.sub(lambda m: m.group(1) + values, _text(path), count=1))


def memberships(store: GraphStore, graphs: Sequence[str] | None) -> Iterator[ox.Quad]:
    """Every inferred membership the rules find in ``graphs`` (``None``: in every data graph of the store),
    as a quad in the graph it belongs in.

    Over the whole store each rule runs once, from its anchor pattern's index over all graphs, which is far
    cheaper than listing 100,000 graphs; the rows of graphs that are not data graphs are dropped.
    """
    for chunk in ([None] if graphs is None else _chunks(graphs)):
        for path in rule_files():
            for row in _run(store, path, chunk):
                source, node, cls = row["g"], row["s"], row["class"]
                if chunk is None and not (isinstance(source, ox.NamedNode) and is_data_graph(source.value)):
                    continue
                assert isinstance(source, ox.NamedNode) and isinstance(cls, ox.NamedNode)
                assert isinstance(node, ox.NamedNode | ox.BlankNode)
                yield ox.Quad(node, _RDF_TYPE, cls, ox.NamedNode(inferred_graph_for(source.value)))


def clashes(store: GraphStore, graphs: Sequence[str]) -> list[Clash]:
    """Nodes of ``graphs`` typed in two disjoint classes (the consistency HermiT would check), sorted.

    The disjointness axioms and the subclass hierarchy are read from the ontology graph once per call; one
    query per chunk of graphs lists their typed nodes with all their types (from any graph: a case may type
    a reference entity), and those are tested here - about twenty times faster than the whole test as one
    SPARQL query.
    """
    ancestors, disjoint = _hierarchy(store)
    found: list[Clash] = []
    candidates: dict[tuple[str, str], set[str]] = {}
    for chunk in _chunks(graphs):
        for row in _run(store, TYPED_NODES, chunk):
            candidates.setdefault((_value(row["g"]), _value(row["s"])), set()).add(_value(row["type"]))
    for (graph, node), kinds in candidates.items():
        seen: set[frozenset[str]] = set()
        for type1 in sorted(kinds):
            for class1 in sorted(ancestors.get(type1, {type1})):
                for class2 in sorted(disjoint.get(class1, ())):
                    for type2 in sorted(kinds):
                        pair = frozenset((class1, class2))
                        if class2 in ancestors.get(type2, {type2}) and pair not in seen:
                            seen.add(pair)
                            found.append(Clash(graph, node, type1, type2, class1, class2))
    return sorted(found, key=lambda c: (c.graph, c.node, c.class1, c.class2))


def clashes_everywhere(store: GraphStore, keep: Callable[[str], bool]) -> list[Clash]:
    """Every node typed in two disjoint classes, reported in a graph ``keep`` accepts where one of the two
    types is stated (the first such).

    Per disjoint pair one query, driven by the side with fewer instances (all reference entities against
    all case entities starts from the few hundred reference ones): over 100,000 cases a few seconds where
    testing graph by graph takes half a minute.
    """
    ancestors, disjoint = _hierarchy(store)
    below: dict[str, set[str]] = {}
    for cls, up in ancestors.items():
        for a in up:
            below.setdefault(a, set()).add(cls)
    found = []
    seen: set[tuple[str, str, str, str]] = set()  # one clash per graph, node and disjoint pair, like clashes()
    pairs = {tuple(sorted((a, b))) for a, bs in disjoint.items() for b in bs}
    for a, b in sorted(pairs):
        side_a, side_b = sorted(below.get(a, {a})), sorted(below.get(b, {b}))
        if _instances(store, side_b) < _instances(store, side_a):
            (a, side_a), (b, side_b) = (b, side_b), (a, side_a)
        text = fill_values(fill_values(DISJOINT_PAIR.read_text(encoding="utf-8"), "type1", side_a), "type2", side_b)
        for row in store.query(text):
            graph = next((g for g in (_value(row["g"]), _value(row["g2"])) if keep(g)), None)
            node = _value(row["s"])
            if graph is not None and (graph, node, a, b) not in seen:
                seen.add((graph, node, a, b))
                found.append(Clash(graph, node, _value(row["type1"]), _value(row["type2"]), a, b))
    return sorted(found, key=lambda c: (c.graph, c.node, c.class1, c.class2))


def _instances(store: GraphStore, classes: Sequence[str]) -> int:
    for row in store.query(fill_values(COUNT_INSTANCES.read_text(encoding="utf-8"), "type", classes)):
        return int(_value(row["n"]))
    return 0


def _hierarchy(store: GraphStore) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Each class's ancestors (itself included) and the classes declared disjoint with each class."""
    parents: dict[str, set[str]] = {}
    for q in store.quads(None, _SUBCLASS, None, ONTOLOGY_GRAPH):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            parents.setdefault(q.subject.value, set()).add(q.object.value)
    disjoint: dict[str, set[str]] = {}
    for q in store.quads(None, _DISJOINT, None, ONTOLOGY_GRAPH):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            disjoint.setdefault(q.subject.value, set()).add(q.object.value)
            disjoint.setdefault(q.object.value, set()).add(q.subject.value)
    ancestors: dict[str, set[str]] = {}
    for cls in parents:
        up, todo = {cls}, [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in up:
                    up.add(parent)
                    todo.append(parent)
        ancestors[cls] = up
    return ancestors, disjoint


def update_graphs(store: GraphStore, graphs: Iterable[str], quads: Sequence[ox.Quad]) -> int:
    """Make ``graphs`` hold exactly ``quads`` by writing only the difference; returns the quads changed.

    A full run over 100,000 submissions mostly finds what the last run (or intake) wrote: dropping and
    rewriting every graph would cost far more than reading them and comparing.
    """
    wanted = set(quads)
    stale = []
    for graph in dict.fromkeys(graphs):  # each graph once: a quad kept on the first pass is not stale on a second
        for quad in store.quads(graph=graph):
            if quad in wanted:
                wanted.discard(quad)
            else:
                stale.append(quad)
    store.remove(stale)
    store.add(wanted)
    return len(stale) + len(wanted)


def replace_graphs(store: GraphStore, graphs: Iterable[str], quads: Sequence[ox.Quad]) -> None:
    """Empty ``graphs`` and write ``quads`` in one transaction: a second run replaces, never duplicates."""
    drops = " ; ".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
    if drops:
        store.update(drops)
    store.add(quads)


def infer_for_submissions(store: GraphStore, graph_iris: Sequence[str], *,
                          check_consistency: bool = False) -> InferenceResult:
    """Recompute the inferences of the given submission graphs into their ``<graph>/inferred`` graphs.

    Cheap by design (it runs after every intake batch): a handful of indexed SPARQL queries over just these
    graphs, against the ontology, the reference data and what HermiT inferred from them; nothing else is
    re-read. Calling it twice leaves the same triples (each ``/inferred`` graph is replaced). Each graph is
    then marked current (:data:`INFERRED_UNDER` the store's build fingerprint), so that ``casegraph reason``
    need not redo it until the ontology, the shapes, the reference data or the rules change.

    The disjointness check (``check_consistency=True``: clashes reported, not refused) is off by default:
    intake's shapes (cgs:DisjointClassesShape) refuse such submissions before this runs, and the check would
    cost a quarter of the time; ``casegraph reason`` runs it on every graph not yet marked current.
    """
    graphs = [g for g in dict.fromkeys(graph_iris) if is_data_graph(g)]
    result = InferenceResult()
    if not graphs:
        return result
    quads = list(memberships(store, graphs))
    submissions = [g for g in graphs if g.startswith(SUBMISSIONS_GRAPH_PREFIX)]
    replace_graphs(store, (inferred_graph_for(g) for g in submissions), quads)
    mark_current(store, submissions, marking_fingerprint(store))
    if check_consistency:
        result.clashes = clashes(store, graphs)
    _count(result, quads)
    return result


def current_graphs(store: GraphStore) -> dict[str, str]:
    """Every marked submission graph and the build fingerprint it is marked with."""
    return {q.subject.value: q.object.value for q in store.quads(None, INFERRED_UNDER, None, REGISTRY_GRAPH)
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)}


def marking_fingerprint(store: GraphStore) -> str | None:
    """The fingerprint a graph classified now is current for: the store's build fingerprint, provided the
    ontology, shapes, reference data and rules installed now are the ones it was built from. ``None`` (nothing
    can be marked, nothing is current) for a store never built or built from other inputs: the rules that
    run now are not the ones its marks vouch for."""
    from casegraph.store import installed_fingerprint  # late import: casegraph.store imports this module's users

    stamp = store.fingerprint()
    return stamp if stamp is not None and stamp == installed_fingerprint() else None


def mark_current(store: GraphStore, graphs: Sequence[str], fingerprint: str | None,
                 old: dict[str, str] | None = None) -> None:
    """Mark submission ``graphs`` as classified and checked under ``fingerprint`` (a store never built: no mark).

    ``old`` (from :func:`current_graphs`) saves a lookup per graph when the caller already read every mark.
    """
    submissions = [g for g in graphs if g.startswith(SUBMISSIONS_GRAPH_PREFIX)]
    if old is not None:
        store.remove([ox.Quad(ox.NamedNode(g), INFERRED_UNDER, ox.Literal(old[g]), ox.NamedNode(REGISTRY_GRAPH))
                      for g in submissions if g in old])
    else:
        stale = " ; ".join(f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{g}> <{INFERRED_UNDER.value}> ?f }} }}"
                           for g in submissions)
        if stale:
            store.update(stale)
    if fingerprint is not None:
        store.add([ox.Quad(ox.NamedNode(g), INFERRED_UNDER, ox.Literal(fingerprint), ox.NamedNode(REGISTRY_GRAPH))
                   for g in submissions])


def drop_inferences(store: GraphStore, graph_iris: Iterable[str]) -> None:
    """Remove the inferences of submission graphs and their marks (what withdrawing them must also remove)."""
    graphs = [g for g in graph_iris if g.startswith(SUBMISSIONS_GRAPH_PREFIX)]
    replace_graphs(store, (inferred_graph_for(g) for g in graphs), [])
    mark_current(store, graphs, None)


def _count(result: InferenceResult, quads: Sequence[ox.Quad]) -> None:
    result.triples = len(quads)
    result.graphs = len({q.graph_name for q in quads})
    for q in quads:
        key = str(q.object.value) if isinstance(q.object, ox.NamedNode) else str(q.object)
        result.memberships[key] = result.memberships.get(key, 0) + 1


def _value(term: object) -> str:
    return str(term.value) if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else str(term)


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"
