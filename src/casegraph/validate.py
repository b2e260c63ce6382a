"""SHACL validation of case files, with reports grouped by case and worded for curators.

Case data are checked together with the ontology and the reference vocabulary, so the shapes can demand
that a drug, disease or scale be one the graph knows and that a value lie within its scale's range.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rdflib
from rdflib.namespace import RDF, RDFS, SH

from casegraph import resources
from casegraph.errors import ValidationFailed
from casegraph.namespaces import CG, curie
from casegraph.rdfio import RdfDocument, ontology_triples, parse_file, reference_triples, to_ntriples

if TYPE_CHECKING:
    from casegraph.backend import GraphStore
    from casegraph.readers import Submission

_CG = rdflib.Namespace(CG)
SEVERITY_NAMES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class ValidationIssue:
    """One SHACL result, in curator terms."""

    severity: str
    message: str
    focus: str
    focus_label: str | None
    field: str | None
    field_label: str | None
    value: str | None
    case: str | None
    case_label: str | None
    file: str | None
    shape: str | None
    #: Where the problem is in the submitter's own format (a JSON key path such as ``treatments[0].drug``).
    location: str | None = None


@dataclass
class ValidationReport:
    """Outcome of validating one or more files."""

    files: list[str]
    issues: list[ValidationIssue] = field(default_factory=list)
    report_graph: rdflib.Graph | None = None

    @property
    def violations(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def raise_for_violations(self) -> None:
        if not self.conforms:
            raise ValidationFailed(
                f"{len(self.violations)} violation(s) in {', '.join(self.files)}:\n{self.to_text()}", self
            )

    # -- renderings --------------------------------------------------------------------------------
    def to_text(self) -> str:
        if not self.issues:
            return f"OK: {len(self.files)} file(s) conform."
        lines: list[str] = []
        by_file: dict[str, dict[str, list[ValidationIssue]]] = defaultdict(lambda: defaultdict(list))
        for issue in self.issues:
            by_file[issue.file or "(unknown file)"][issue.case or ""].append(issue)
        for file_name, cases in by_file.items():
            lines.append(file_name)
            for case, issues in cases.items():
                head = issues[0].case_label or _short(case) if case else "(not attached to a case)"
                lines.append(f"  case: {head}")
                for i in sorted(issues, key=lambda x: (x.severity != "violation", x.location or x.focus, x.field or "")):
                    val = f" value {i.value!r}" if i.value is not None else ""
                    if i.location:
                        lines.append(f"    {i.severity.upper()}: {i.location}{val}: {i.message}")
                        continue
                    what = i.focus_label or _short(i.focus)
                    fld = f" field '{i.field_label or _short(i.field)}'" if i.field else ""
                    lines.append(f"    {i.severity.upper()}: {what}{fld}{val}: {i.message}")
        counts: dict[str, int] = defaultdict(int)
        for i in self.issues:
            counts[i.severity] += 1
        lines.append(", ".join(f"{n} {k}(s)" for k, n in sorted(counts.items())))
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "files": self.files, "issues": [asdict(i) for i in self.issues]},
            indent=2,
            ensure_ascii=False,
        )

    def to_turtle(self) -> str:
        return self.graph().serialize(format="turtle")

    def graph(self) -> rdflib.Graph:
        """The report as one standard ``sh:ValidationReport``.

        Built on demand: most submissions conform, and making an rdflib graph for each would cost more
        than validating it. Issues found outside the shapes (direct identifiers, redefined nodes) are
        results too, so ``sh:conforms`` always agrees with :attr:`conforms`.
        """
        out = rdflib.Graph()
        out.bind("sh", SH)
        report = rdflib.BNode()
        out.add((report, RDF.type, SH.ValidationReport))
        out.add((report, SH.conforms, rdflib.Literal(self.conforms)))
        shaped: set[tuple[str, str | None]] = set()
        if self.report_graph is not None:
            for result in self.report_graph.objects(None, SH.result):
                out.add((report, SH.result, result))
                for triple in self.report_graph.triples((result, None, None)):
                    out.add(triple)
                message = self.report_graph.value(result, SH.resultMessage)
                shaped.add((str(self.report_graph.value(result, SH.focusNode)),
                            str(message) if message is not None else "does not conform"))
        severities = {name: iri for iri, name in SEVERITY_NAMES.items()}
        for issue in self.issues:
            if (issue.focus, issue.message) in shaped:
                continue
            node = rdflib.BNode()
            out.add((report, SH.result, node))
            out.add((node, RDF.type, SH.ValidationResult))
            out.add((node, SH.focusNode, rdflib.URIRef(issue.focus)))
            out.add((node, SH.resultSeverity, severities[issue.severity]))
            out.add((node, SH.resultMessage, rdflib.Literal(issue.message)))
            if issue.field:
                out.add((node, SH.resultPath, rdflib.URIRef(issue.field)))
            if issue.value is not None:
                out.add((node, SH.value, rdflib.Literal(issue.value)))
        return out


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    return curie(iri) or f"<{iri}>"


@cache
def _shapes(intake: bool = False) -> rdflib.Graph:
    """The case shapes; with ``intake`` also the shapes for submissions (source, de-identification, new drugs)."""
    graph = rdflib.Graph().parse(resources.shapes_file(), format="turtle")
    if intake:
        graph.parse(resources.intake_shapes_file(), format="turtle")
    return graph


@cache
def _background_ntriples() -> bytes:
    """Ontology + reference vocabulary, parsed once per process."""
    return to_ntriples([*ontology_triples(), *reference_triples()])


ENGINES = ("sparql", "pyshacl")


def validate_files(paths: Sequence[Path], fmt: str | None = None, store: GraphStore | None = None,
                   profile: str = "submission", engine: str = "sparql") -> ValidationReport:
    """Validate files (raises :class:`InputError` for unreadable files).

    ``profile="submission"`` (default): any accepted format, the case shapes plus the intake shapes; with a
    ``store``, references resolve against the graph and a node the graph already holds may not be redefined.
    ``profile="seed"``: the curated RDF files of ``data/cases`` as a build checks them (case shapes only).
    ``engine``: ``"sparql"`` (the shapes compiled to SPARQL, see :mod:`casegraph.shaclsparql`) or
    ``"pyshacl"`` (the reference implementation; slower, same results).
    """
    from casegraph.readers import read_submission

    if profile == "seed":
        return validate_documents([parse_file(p, fmt) for p in paths], engine=engine)

    return validate_submissions([read_submission(p, fmt) for p in paths], store, engine=engine)


def validate_documents(docs: Iterable[RdfDocument], engine: str = "sparql") -> ValidationReport:
    """Validate files already parsed (the build reuses the documents it loads).

    Everything is checked: the case files and the reference data (whose terms the shapes also target).
    The rdflib copy of the data that reports need for labels is made only when there is something to report
    (or for pyshacl, which validates it).
    """
    docs = list(docs)
    triples = [t for doc in docs for t in doc.triples]

    def rdflib_data() -> rdflib.Graph:
        graph = rdflib.Graph()
        graph.parse(data=_background_ntriples() + to_ntriples(triples), format="nt")
        return graph

    data: rdflib.Graph | None = None
    if engine == "pyshacl":
        data = rdflib_data()
        results_graph = _pyshacl(data, _shapes(False))
    else:
        from casegraph import shaclsparql

        store = shaclsparql.check_store(shaclsparql.default_graph_quads(ontology_triples()),
                                        [*reference_triples(), *triples])
        results_graph = shaclsparql.report_graph(shaclsparql.run(_checks(False), store))
    issues: list[ValidationIssue] = []
    results = list(results_graph.subjects(SH.resultSeverity, None))
    if results:
        import pyoxigraph as ox

        from casegraph.shaclsparql import to_rdflib

        data = data if data is not None else rdflib_data()
        owner: dict[rdflib.term.Node, str] = {}
        for doc in docs:
            for t in doc.triples:
                if not isinstance(t.subject, ox.Triple):
                    owner.setdefault(to_rdflib(t.subject), str(doc.path))
        issues = [_issue(results_graph, r, data, owner) for r in results]
    issues.sort(key=lambda i: (i.file or "", i.case or "", i.focus, i.field or ""))
    return ValidationReport(files=[str(d.path) for d in docs], issues=issues, report_graph=results_graph)


def _pyshacl(data: rdflib.Graph, shapes: rdflib.Graph, focus: list[Any] | None = None) -> rdflib.Graph:
    import pyshacl  # late import: it pulls in a lot

    from casegraph import sparqlcache

    sparqlcache.install()
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, focus_nodes=focus)
    return results  # type: ignore[no-any-return]


@cache
def _checks(intake: bool) -> tuple[Any, ...]:
    from casegraph import shaclsparql

    return shaclsparql.compile_shapes(_shapes(intake))


def _label(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    value = graph.value(node, RDFS.label)
    return str(value) if value is not None else None


def _case_of(data: rdflib.Graph, node: rdflib.term.Node) -> rdflib.term.Node | None:
    """The case a focus node belongs to: itself, cg:inCase, or through one link to a fact that has one."""
    if (node, RDF.type, _CG.Case) in data:
        return node
    if (node, RDF.type, _CG.CaseReport) in data:
        return None  # a report may hold several cases: its problems belong to none of them
    direct = data.value(node, _CG.inCase)
    if direct is not None:
        return direct
    case = data.value(None, _CG.hasPatient, node)
    if case is not None:
        return case
    for other in list(data.subjects(None, node)) + list(data.objects(node, None)):
        found = data.value(other, _CG.inCase)
        if found is not None:
            return found
    return None


def _issue(results: rdflib.Graph, result: rdflib.term.Node, data: rdflib.Graph,
           owner: dict[rdflib.term.Node, str]) -> ValidationIssue:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    severity = results.value(result, SH.resultSeverity)
    message = results.value(result, SH.resultMessage)
    shape = results.value(result, SH.sourceShape)
    case = _case_of(data, focus) if focus is not None else None
    case_label = None
    if case is not None:
        case_label = _label(data, case) or str(data.value(case, _CG.caseLabel) or "") or None
    field_iri = str(path) if isinstance(path, rdflib.URIRef) else None
    return ValidationIssue(
        severity=SEVERITY_NAMES.get(severity, str(severity)),  # type: ignore[call-overload]
        message=str(message) if message is not None else "does not conform",
        focus=str(focus),
        focus_label=_label(data, focus),
        field=field_iri,
        field_label=_label(data, path) if field_iri else None,
        value=str(value) if value is not None else None,
        case=str(case) if case is not None else None,
        case_label=case_label,
        file=owner.get(focus) if focus is not None else None,
        shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
    )


# --- submissions ---------------------------------------------------------------------------------------
@cache
def _background_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=_background_ntriples(), format="nt")
    return graph


@cache
def _background_index() -> tuple[dict[rdflib.term.Node, tuple[tuple[Any, Any, Any], ...]], tuple[tuple[Any, Any, Any], ...]]:
    """(subject -> its triples, the class and property axioms) of the ontology and reference data."""
    by_subject: dict[rdflib.term.Node, list[tuple[Any, Any, Any]]] = defaultdict(list)
    axioms: list[tuple[Any, Any, Any]] = []
    for t in _background_graph():
        by_subject[t[0]].append(t)
        if t[1] in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.label) and isinstance(t[0], rdflib.URIRef):
            axioms.append(t)
    return {k: tuple(v) for k, v in by_subject.items()}, tuple(axioms)


@cache
def _background_subjects() -> frozenset[str]:
    return frozenset(str(s) for s in _background_index()[0] if isinstance(s, rdflib.URIRef))


def self_contained(sub: Submission) -> bool:
    """Whether validating ``sub`` needs nothing from the graph but the check that its nodes are new.

    True when every node it describes is under its own namespace and everything it refers to is its own or
    in the ontology and reference data. Batch intake may validate such a submission while earlier ones are
    still being written, unless one of those describes nodes outside its own namespace (it waits then).
    """
    own = sub.subjects()
    return all(iri.startswith(sub.base) for iri in own) and not (sub.references() - own - _background_subjects())


def _slim_background(own: rdflib.Graph) -> rdflib.Graph:
    """The part of the ontology and reference data a submission's shapes can see.

    Class and property axioms, and the description of every term the submission names (its types, labels,
    a scale's range, a target's mechanisms). Validating against this instead of all the reference data
    keeps one submission's validation time independent of how much the graph holds.
    """
    by_subject, axioms = _background_index()
    graph = rdflib.Graph()
    graph.addN((s, p, o, graph) for s, p, o in axioms)
    seen: set[rdflib.term.Node] = set()
    frontier = {o for o in own.objects() if isinstance(o, rdflib.URIRef)} | {
        s for s in own.subjects() if isinstance(s, rdflib.URIRef)}
    for node in frontier:
        if node in seen:
            continue
        seen.add(node)
        graph.addN((s, p, o, graph) for s, p, o in by_subject.get(node, ()))
    return graph


def _defined_elsewhere(store: GraphStore, sub: Submission) -> dict[str, str]:
    """Subjects of ``sub`` that the graph already defines, with the graph that holds them."""
    import pyoxigraph as ox

    found: dict[str, str] = {}
    for quad in store.quads_about(sorted(sub.subjects())):
        graph, subject = quad.graph_name, quad.subject
        if isinstance(graph, ox.NamedNode) and graph.value != sub.graph and isinstance(subject, ox.NamedNode):
            found.setdefault(subject.value, graph.value)
    return found


def validate_submissions(subs: Sequence[Submission], store: GraphStore | None = None,
                         engine: str = "sparql") -> ValidationReport:
    """Validate submissions against the shapes, the intake shapes and (with a store) the graph.

    Only the submissions' own nodes are focus nodes: the reference data and the graph are there for
    references to resolve, not to be validated again. Each submission is judged on its own, as if it were
    the only one (see :func:`check_submissions`).
    """
    report = ValidationReport(files=[str(s.path) for s in subs])
    for one in check_submissions(subs, store, engine=engine):
        report.issues.extend(one.issues)
        if one.report_graph is not None:
            if report.report_graph is None:
                report.report_graph = rdflib.Graph()
            report.report_graph += one.report_graph
    return report


def validate_submission(sub: Submission, store: GraphStore | None = None, engine: str = "sparql") -> ValidationReport:
    """Validate one submission; see :func:`validate_submissions`."""
    return check_submissions([sub], store, engine=engine)[0]


def independent(subs: Sequence[Submission]) -> tuple[list[int], list[int]]:
    """Split submissions into those that can be checked together and those that must be checked alone.

    Checking several submissions in one run gives each the result it would get alone only if none of them
    defines a node another one defines or refers to. Returns (indexes of those, indexes of the others).
    """
    owner: dict[str, int] = {}
    clash: set[int] = set()
    for i, sub in enumerate(subs):
        for iri in sub.subjects():
            if iri in owner:
                clash.update((owner[iri], i))
            else:
                owner[iri] = i
    for i, sub in enumerate(subs):
        for iri in sub.references():
            j = owner.get(iri)
            if j is not None and j != i:
                clash.update((i, j))
    together = [i for i in range(len(subs)) if i not in clash]
    return together, sorted(clash)


def check_submissions(subs: Sequence[Submission], store: GraphStore | None = None,
                      engine: str = "sparql") -> list[ValidationReport]:
    """One report per submission, in order; each as if that submission were validated alone.

    With the SPARQL engine, submissions that do not touch one another's nodes are checked in one run over
    the background, the graph nodes they refer to and all of them together, which is what makes batch
    intake fast; the others are checked one at a time.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    reports: list[ValidationReport | None] = [None] * len(subs)
    pending: list[int] = []
    for i, sub in enumerate(subs):
        if sub.deid:
            reports[i] = _deid_report(sub)
        else:
            pending.append(i)
    if engine == "pyshacl":
        for i in pending:
            reports[i] = _check_with_pyshacl(subs[i], store)
    else:
        together, alone = independent([subs[i] for i in pending])
        groups = [[pending[k] for k in together]] + [[pending[k]] for k in alone]
        for group in groups:
            if group:
                for i, report in zip(group, _check_group([subs[i] for i in group], store), strict=True):
                    reports[i] = report
    return [r for r in reports if r is not None]


def _deid_report(sub: Submission) -> ValidationReport:
    file = str(sub.path)
    issues = [
        ValidationIssue(severity="violation", message=p.message, focus=sub.base, focus_label=None, field=None,
                        field_label=None, value=p.value, case=None, case_label=None, file=file, shape=None,
                        location=p.location)
        for p in sub.deid
    ]
    return ValidationReport(files=[file], issues=issues)


def _redefinitions(sub: Submission, found: dict[str, str], own: rdflib.Graph) -> list[ValidationIssue]:
    """Violations for the nodes of ``sub`` the graph already defines (``found``: IRI -> graph holding it)."""
    issues = []
    for iri, graph in sorted(found.items()):
        issues.append(ValidationIssue(
            severity="violation", focus=iri, focus_label=_label(own, rdflib.URIRef(iri)), field=None,
            field_label=None, value=None, case=None, case_label=None, file=str(sub.path), shape=None,
            location=sub.node_paths.get(iri),
            message=f"<{iri}> is already defined in the graph ({graph}); refer to it instead of "
                    "redefining it, or give this node an IRI of its own."))
    return issues


def _context(store: GraphStore | None, subs: Sequence[Submission]) -> list[Any]:
    """Triples of the graph about the nodes the submissions refer to but neither define nor find in the
    reference data."""
    import pyoxigraph as ox

    if store is None:
        return []
    own: set[str] = set()
    wanted: set[str] = set()
    for sub in subs:
        own |= sub.subjects()
        wanted |= sub.references()
    triples: list[ox.Triple] = []
    for quad in store.quads_about(sorted(wanted - own - _background_subjects())):
        triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return triples


@cache
def _background_quads() -> tuple[Any, ...]:
    from casegraph import shaclsparql

    return shaclsparql.default_graph_quads([*ontology_triples(), *reference_triples()])


def _check_group(subs: Sequence[Submission], store: GraphStore | None) -> list[ValidationReport]:
    """Check submissions that do not touch one another's nodes in one SPARQL run."""
    from casegraph import shaclsparql

    triples = [t for sub in subs for t in sub.triples]
    context = _context(store, subs)
    check_store = shaclsparql.check_store(_background_quads(), triples, context)
    results = shaclsparql.run(_checks(True), check_store)
    owner: dict[str, int] = {}
    for i, sub in enumerate(subs):
        for iri in sub.subjects():
            owner[iri] = i
    by_sub: dict[int, list[Any]] = defaultdict(list)
    for r in results:
        by_sub[owner.get(r.focus.value, 0)].append(r)
    reports = []
    for i, sub in enumerate(subs):
        mine = by_sub.get(i, [])
        redefined = _defined_elsewhere(store, sub) if store is not None else {}
        graph = shaclsparql.report_graph(mine) if mine else None
        issues: list[ValidationIssue] = []
        if graph is not None or redefined:
            own = rdflib.Graph().parse(data=to_ntriples(sub.triples), format="nt")
            data = _slim_background(own)
            data += own
            if context:
                data.parse(data=to_ntriples(context), format="nt")
            owner_file = dict.fromkeys(own.subjects(), str(sub.path))
            issues = [_locate(_issue(graph, r, data, owner_file), sub)
                      for r in graph.subjects(SH.resultSeverity, None)] if graph is not None else []
            issues += _redefinitions(sub, redefined, own)
        issues.sort(key=lambda x: (x.case or "", x.location or x.focus, x.field or ""))
        reports.append(ValidationReport(files=[str(sub.path)], issues=issues, report_graph=graph))
    return reports


def _check_with_pyshacl(sub: Submission, store: GraphStore | None) -> ValidationReport:
    """The reference implementation: pyshacl over the submission, its slim background and graph context."""
    file = str(sub.path)
    own = rdflib.Graph().parse(data=to_ntriples(sub.triples), format="nt")
    data = _slim_background(own)
    data += own
    context = _context(store, [sub])
    if context:
        data.parse(data=to_ntriples(context), format="nt")
    focus: list[Any] = sorted(s for s in own.subjects() if isinstance(s, rdflib.URIRef))
    results = _pyshacl(data, _shapes(True), focus)
    owner = dict.fromkeys(own.subjects(), file)
    issues = [_locate(_issue(results, r, data, owner), sub) for r in results.subjects(SH.resultSeverity, None)]
    if store is not None:
        issues += _redefinitions(sub, _defined_elsewhere(store, sub), own)
    issues.sort(key=lambda i: (i.case or "", i.location or i.focus, i.field or ""))
    return ValidationReport(files=[file], issues=issues, report_graph=results)


def _locate(issue: ValidationIssue, sub: Submission) -> ValidationIssue:
    """Name the field the way the submitter wrote it (JSON key path), when the format has one."""
    from dataclasses import replace

    node = sub.node_paths.get(issue.focus)
    if node is None:
        return issue
    name = sub.field_names.get(issue.field or "")
    if name is None and issue.field:
        name = _short(issue.field)
    location = node if not name else (name if node == "(document)" else f"{node}.{name}")
    return replace(issue, location=location)
