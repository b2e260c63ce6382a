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

import rdflib
from rdflib.namespace import RDF, RDFS, SH

from casegraph import resources
from casegraph.errors import ValidationFailed
from casegraph.namespaces import CG, curie
from casegraph.rdfio import RdfDocument, parse_file, to_ntriples

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
                for i in sorted(issues, key=lambda x: (x.severity != "violation", x.focus, x.field or "")):
                    what = i.focus_label or _short(i.focus)
                    fld = f" field '{i.field_label or _short(i.field)}'" if i.field else ""
                    val = f" value {i.value!r}" if i.value is not None else ""
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
        graph = self.report_graph if self.report_graph is not None else rdflib.Graph()
        return graph.serialize(format="turtle")


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    return curie(iri) or f"<{iri}>"


@cache
def _shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.shapes_file(), format="turtle")


@cache
def _background_ntriples() -> bytes:
    """Ontology + reference vocabulary, parsed once per process."""
    docs = [parse_file(resources.ontology_file())] + [parse_file(p) for p in resources.reference_files()]
    return b"".join(to_ntriples(d.triples) for d in docs)


def validate_files(paths: Sequence[Path], fmt: str | None = None) -> ValidationReport:
    """Validate case files against the shapes (raises :class:`InputError` for unreadable files)."""
    return validate_documents([parse_file(p, fmt) for p in paths])


def validate_documents(docs: Iterable[RdfDocument]) -> ValidationReport:
    """Validate files already parsed (the build reuses the documents it loads)."""
    import pyshacl  # late import: it pulls in a lot

    docs = list(docs)
    data = rdflib.Graph()
    data.parse(data=_background_ntriples(), format="nt")
    owner: dict[rdflib.term.Node, str] = {}
    for doc in docs:
        part = rdflib.Graph().parse(data=to_ntriples(doc.triples), format="nt")
        for s in part.subjects():
            owner.setdefault(s, str(doc.path))
        data += part
    _conforms, results_graph, _text = pyshacl.validate(
        data, shacl_graph=_shapes(), inference="none", advanced=True, allow_warnings=True
    )
    issues = [_issue(results_graph, r, data, owner) for r in results_graph.subjects(SH.resultSeverity, None)]
    issues.sort(key=lambda i: (i.file or "", i.case or "", i.focus, i.field or ""))
    return ValidationReport(files=[str(d.path) for d in docs], issues=issues, report_graph=results_graph)


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
