"""The project's SHACL shapes compiled to SPARQL and run by pyoxigraph.

pyshacl walks every focus node and constraint in Python, which costs a third of a second for one typical
case and would make a batch of a thousand cases take minutes. The shapes casegraph ships use a small part
of SHACL Core (simple predicate paths, counts, datatypes, classes, value lists, patterns, ranges, node
kinds and ``sh:or`` of those) plus SHACL-SPARQL constraints, so each constraint becomes one SPARQL query
that finds every focus node violating it at once, in Rust. The compiler refuses a shape that uses anything
else (:class:`UnsupportedShape`), so a new construct in the shapes cannot be silently skipped; the tests
compare this engine's results with pyshacl's on the seed cases and on every deliberately broken copy.

Data layout of a check: the ontology and reference data (the *background*) in the default graph, the
triples under validation in :data:`FOCUS_GRAPH` (their subjects are the focus nodes), and nodes of the
graph they refer to in :data:`CONTEXT_GRAPH`. Queries see the union of the three. Before the checks run,
the classes of every focus node and of every node a focus node points to (``rdf:type`` values and their
superclasses, as SHACL's class targets and ``sh:class`` read them) are written once to :data:`TYPES_GRAPH`
(the focus nodes' also to :data:`TARGETS_GRAPH`), so a target or a class test is an index lookup instead of
a subclass walk repeated for every constraint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

FOCUS_GRAPH = ox.NamedNode("urn:casegraph:validation:focus")
CONTEXT_GRAPH = ox.NamedNode("urn:casegraph:validation:context")
TYPES_GRAPH = ox.NamedNode("urn:casegraph:validation:types")
TARGETS_GRAPH = ox.NamedNode("urn:casegraph:validation:targets")
_UNION: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph(), FOCUS_GRAPH, CONTEXT_GRAPH]

_PREFIXES = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in ("decimal", "integer", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
              "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
              "unsignedShort", "unsignedByte")
}
#: Parameters of a property shape that are not constraints.
_NON_CONSTRAINTS = {SH.path, SH.message, SH.severity, SH.name, SH.description, RDF.type, SH.order, SH.group}
_SUPPORTED = {SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH["in"], SH.pattern, SH.flags, SH.nodeKind,
              SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH["or"]}
_NODE_SHAPE_KEYS = {RDF.type, SH.targetClass, SH.targetSubjectsOf, SH.property, SH.sparql, SH.declare,
                    SH.message, SH.severity, SH.name, SH.description, rdflib.RDFS.comment, rdflib.RDFS.label}


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature this compiler does not translate."""


@dataclass(frozen=True)
class Check:
    """One constraint as a SPARQL query whose solutions are its violations."""

    query: str
    shape: rdflib.term.Node
    component: rdflib.URIRef
    severity: rdflib.URIRef
    message: str
    path: rdflib.URIRef | None


@dataclass(frozen=True)
class Result:
    """One validation result (a ``sh:ValidationResult``)."""

    focus: ox.NamedNode | ox.BlankNode
    path: ox.NamedNode | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    severity: rdflib.URIRef
    message: str
    shape: rdflib.term.Node
    component: rdflib.URIRef


def _term(node: rdflib.term.Node) -> str:
    """An rdflib term written as SPARQL (N-Triples syntax is valid SPARQL)."""
    if isinstance(node, rdflib.URIRef):
        return str(ox.NamedNode(str(node)))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return str(ox.Literal(str(node), language=node.language))
        if node.datatype:
            return str(ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype))))
        return str(ox.Literal(str(node)))
    raise UnsupportedShape(f"a blank node {node} cannot be a constraint parameter")


def _string(value: str) -> str:
    return str(ox.Literal(value))


def _message(shapes: rdflib.Graph, node: rdflib.term.Node, default: str) -> str:
    messages = list(shapes.objects(node, SH.message))
    english = [m for m in messages if getattr(m, "language", None) in (None, "en")]
    return str((english or messages)[0]) if messages else default


def _severity(shapes: rdflib.Graph, node: rdflib.term.Node, default: rdflib.URIRef) -> rdflib.URIRef:
    value = shapes.value(node, SH.severity)
    return value if isinstance(value, rdflib.URIRef) else default


def _target(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str | None:
    """A group pattern binding ``?this`` to the shape's focus nodes among the triples under validation."""
    branches = [f"{{ GRAPH {TARGETS_GRAPH} {{ ?this rdf:type {_term(c)} }} }}"
                for c in sorted(shapes.objects(shape, SH.targetClass), key=str)]
    branches += [f"{{ ?this {_term(p)} ?_any FILTER EXISTS {{ GRAPH {FOCUS_GRAPH} {{ ?this ?_fp ?_fo }} }} }}"
                 for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str)]
    if not branches:
        return None
    return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(branches)} }} }}"


def _value_test(shapes: rdflib.Graph, node: rdflib.term.Node, var: str = "?value") -> list[tuple[rdflib.URIRef, str]]:
    """(component, SPARQL expression true when the value conforms) for each value constraint of ``node``."""
    tests: list[tuple[rdflib.URIRef, str]] = []
    for cls in shapes.objects(node, SH["class"]):
        tests.append((SH.ClassConstraintComponent,
                      f"EXISTS {{ GRAPH {TYPES_GRAPH} {{ {var} rdf:type {_term(cls)} }} }}"))
    for dt in shapes.objects(node, SH.datatype):
        check = f"(isLiteral({var}) && DATATYPE({var}) = {_term(dt)})"
        if str(dt) in _NUMERIC:
            check = f"({check} && isNumeric({var}))"
        tests.append((SH.DatatypeConstraintComponent, check))
    for kind in shapes.objects(node, SH.nodeKind):
        kinds: dict[rdflib.term.Node, str] = {
            SH.IRI: f"isIRI({var})", SH.BlankNode: f"isBlank({var})", SH.Literal: f"isLiteral({var})",
            SH.BlankNodeOrIRI: f"(isIRI({var}) || isBlank({var}))",
            SH.BlankNodeOrLiteral: f"(isBlank({var}) || isLiteral({var}))",
            SH.IRIOrLiteral: f"(isIRI({var}) || isLiteral({var}))",
        }
        tests.append((SH.NodeKindConstraintComponent, kinds[kind]))
    for pattern in shapes.objects(node, SH.pattern):
        flags = shapes.value(node, SH.flags)
        args = f"{_string(str(pattern))}" + (f", {_string(str(flags))}" if flags is not None else "")
        tests.append((SH.PatternConstraintComponent, f"(!isBlank({var}) && REGEX(STR({var}), {args}))"))
    for lst in shapes.objects(node, SH["in"]):
        members = [f"sameTerm({var}, {_term(m)})" for m in Collection(shapes, lst)]
        tests.append((SH.InConstraintComponent, f"({' || '.join(members) or 'false'})"))
    for key, op, comp in ((SH.minInclusive, ">=", SH.MinInclusiveConstraintComponent),
                          (SH.maxInclusive, "<=", SH.MaxInclusiveConstraintComponent),
                          (SH.minExclusive, ">", SH.MinExclusiveConstraintComponent),
                          (SH.maxExclusive, "<", SH.MaxExclusiveConstraintComponent)):
        for bound in shapes.objects(node, key):
            tests.append((comp, f"COALESCE({var} {op} {_term(bound)}, false)"))
    for lst in shapes.objects(node, SH["or"]):
        branches = []
        for member in Collection(shapes, lst):
            unsupported = set(shapes.predicates(member)) - _SUPPORTED - _NON_CONSTRAINTS
            if unsupported or (member, SH["or"], None) in shapes:
                raise UnsupportedShape(f"sh:or member uses {sorted(map(str, unsupported))} (not compiled)")
            parts = [expr for _c, expr in _value_test(shapes, member, var)]
            branches.append("(" + " && ".join(parts or ["true"]) + ")")
        tests.append((SH.OrConstraintComponent, "(" + " || ".join(branches) + ")"))
    return tests


def _property_checks(shapes: rdflib.Graph, node_shape: rdflib.term.Node, prop: rdflib.term.Node,
                     target: str) -> Iterator[Check]:
    path = shapes.value(prop, SH.path)
    if not isinstance(path, rdflib.URIRef):
        raise UnsupportedShape(f"property shape {prop} of {node_shape}: only a single predicate path is compiled")
    unsupported = set(shapes.predicates(prop)) - _SUPPORTED - _NON_CONSTRAINTS
    if unsupported:
        raise UnsupportedShape(f"property shape {prop} of {node_shape} uses {sorted(map(str, unsupported))}")
    p = _term(path)
    severity = _severity(shapes, prop, _severity(shapes, node_shape, SH.Violation))
    message = _message(shapes, prop, f"The value of {path} does not conform to {node_shape}.")

    def check(query: str, component: rdflib.URIRef) -> Check:
        return Check(_PREFIXES + query, node_shape, component, severity, message, path)

    for n in shapes.objects(prop, SH.minCount):
        if int(str(n)) > 0:
            yield check(
                f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?_v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {int(str(n))})", SH.MinCountConstraintComponent)
    for n in shapes.objects(prop, SH.maxCount):
        yield check(
            f"SELECT ?this WHERE {{ {target} ?this {p} ?_v }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {int(str(n))})", SH.MaxCountConstraintComponent)
    for component, expr in _value_test(shapes, prop):
        yield check(f"SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {p} ?value FILTER (!({expr})) }}",
                    component)


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_UNSUPPORTED_VARS = re.compile(r"\$(PATH|shapesGraph|currentShape)\b")


def _sparql_checks(shapes: rdflib.Graph, node_shape: rdflib.term.Node, target: str) -> Iterator[Check]:
    for constraint in shapes.objects(node_shape, SH.sparql):
        select = shapes.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape(f"{node_shape}: a SPARQL constraint without sh:select")
        text = str(select)
        if _UNSUPPORTED_VARS.search(text):
            raise UnsupportedShape(f"{node_shape}: $PATH, $shapesGraph and $currentShape are not supported")
        where = _WHERE.search(text)
        if where is None:
            raise UnsupportedShape(f"{node_shape}: cannot find the WHERE clause of a SPARQL constraint")
        # The target goes first in the WHERE group, so $this is bound wherever the constraint uses it (the
        # pre-binding SHACL-SPARQL asks for), also inside FILTER NOT EXISTS.
        body = text[:where.end()] + f" {target} " + text[where.end():]
        prefixes = "".join(
            f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
            for holder in shapes.objects(constraint, SH.prefixes)
            for decl in shapes.objects(holder, SH.declare)
        )
        yield Check(
            _PREFIXES + prefixes + body, node_shape, SH.SPARQLConstraintComponent,
            _severity(shapes, constraint, _severity(shapes, node_shape, SH.Violation)),
            _message(shapes, constraint, _message(shapes, node_shape, f"Violates {node_shape}.")), None)


def compile_shapes(shapes: rdflib.Graph) -> tuple[Check, ...]:
    """Every constraint of every targeted node shape in ``shapes``, as a SPARQL check."""
    checks: list[Check] = []
    node_shapes = set(shapes.subjects(SH.targetClass, None)) | set(shapes.subjects(SH.targetSubjectsOf, None))
    for node_shape in sorted(node_shapes, key=str):
        unsupported = set(shapes.predicates(node_shape)) - _NODE_SHAPE_KEYS
        if unsupported:
            raise UnsupportedShape(f"node shape {node_shape} uses {sorted(map(str, unsupported))}")
        target = _target(shapes, node_shape)
        assert target is not None
        for prop in shapes.objects(node_shape, SH.property):
            checks.extend(_property_checks(shapes, node_shape, prop, target))
        checks.extend(_sparql_checks(shapes, node_shape, target))
    untargeted = {s for s in shapes.subjects(RDF.type, SH.NodeShape)} - node_shapes
    if untargeted:
        raise UnsupportedShape(f"node shapes without a target are not compiled: {sorted(map(str, untargeted))}")
    return tuple(checks)


_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _lexical(term: object) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return term.value
    return ""


def run(checks: Iterable[Check], store: ox.Store) -> list[Result]:
    """Run ``checks`` on a store laid out as the module docstring says; results in a stable order."""
    seen: set[tuple[object, ...]] = set()
    results: list[Result] = []
    for check in checks:
        solutions = store.query(check.query, default_graph=_UNION)
        assert isinstance(solutions, ox.QuerySolutions)
        for solution in solutions:
            focus = solution["this"]
            if not isinstance(focus, (ox.NamedNode, ox.BlankNode)):
                continue
            value = _get(solution, "value")
            path_term = _get(solution, "path")
            path = path_term if isinstance(path_term, ox.NamedNode) else (
                ox.NamedNode(str(check.path)) if check.path is not None else None)
            if value is None and check.component == SH.SPARQLConstraintComponent:
                value = focus  # SHACL-SPARQL: without ?value, a node shape's result value is $this
            message = _fill(check.message, solution)
            key = (focus, path, value, check.shape, check.component, message)
            if key in seen:
                continue
            seen.add(key)
            results.append(Result(focus, path, value, check.severity, message, check.shape,  # type: ignore[arg-type]
                                  check.component))
    return results


def _fill(template: str, solution: ox.QuerySolution) -> str:
    """A message with ``{?var}`` replaced by the solution's values."""
    return _TEMPLATE.sub(lambda m: _lexical(_get(solution, m.group(1))), template)


def _get(solution: ox.QuerySolution, name: str) -> object:
    try:
        return solution[name]
    except (KeyError, IndexError):
        return None


def report_graph(results: Iterable[Result]) -> rdflib.Graph:
    """The results as a standard ``sh:ValidationReport``."""
    graph = rdflib.Graph()
    graph.bind("sh", SH)
    report = rdflib.BNode()
    results = list(results)
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, rdflib.Literal(not any(r.severity == SH.Violation for r in results))))
    for r in results:
        node = rdflib.BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, to_rdflib(r.focus)))
        if r.path is not None:
            graph.add((node, SH.resultPath, to_rdflib(r.path)))
        if r.value is not None:
            graph.add((node, SH.value, to_rdflib(r.value)))
        graph.add((node, SH.resultSeverity, r.severity))
        graph.add((node, SH.resultMessage, rdflib.Literal(r.message)))
        graph.add((node, SH.sourceShape, r.shape))
        graph.add((node, SH.sourceConstraintComponent, r.component))
    return graph


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def default_graph_quads(triples: Iterable[ox.Triple]) -> tuple[ox.Quad, ...]:
    """Triples as quads of the default graph (build the background once and reuse it)."""
    return tuple(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)


def check_store(background: Iterable[ox.Quad], focus: Iterable[ox.Triple],
                context: Iterable[ox.Triple] = ()) -> ox.Store:
    """A fresh in-memory store laid out for :func:`run`."""
    store = ox.Store()
    store.extend(background)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, FOCUS_GRAPH) for t in focus)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, CONTEXT_GRAPH) for t in context)
    solutions = store.query(_TYPES_QUERY, default_graph=_UNION)
    assert isinstance(solutions, ox.QuerySolutions)
    quads = []
    for node, cls, focus in solutions:
        quads.append(ox.Quad(node, _RDF_TYPE, cls, TYPES_GRAPH))
        if focus is not None:
            quads.append(ox.Quad(node, _RDF_TYPE, cls, TARGETS_GRAPH))
    store.extend(quads)
    return store


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: Each focus node, and each node a focus node points to, with every class it is an instance of (SHACL's
#: ``rdf:type/rdfs:subClassOf*``): what class targets and ``sh:class`` ask about.
_TYPES_QUERY = (_PREFIXES + "SELECT DISTINCT ?node ?class ?focus WHERE { "
                "{ SELECT DISTINCT ?node ?focus WHERE { "
                f"{{ GRAPH {FOCUS_GRAPH} {{ ?node ?_p ?_o }} BIND (true AS ?focus) }} UNION "
                f"{{ {{ SELECT DISTINCT ?this WHERE {{ GRAPH {FOCUS_GRAPH} {{ ?this ?_p ?_o }} }} }} "
                "?this ?_q ?node FILTER (!isLiteral(?node)) } } } "
                "?node rdf:type ?_type . ?_type rdfs:subClassOf* ?class }")
