"""Reading a submission in any of the formats casegraph accepts, safely.

Formats: Turtle, N-Triples, RDF/XML, JSON-LD, a JSON or YAML case document (JSON-LD through the shipped
context) and a GA4GH Phenopacket v2 (JSON). The format comes from the content and the extension, and
``--format`` overrides both. Nothing is ever fetched: remote JSON-LD contexts, XML DTDs and entities and
``owl:imports`` are refused with a message, never followed.

Every submission is given IRIs of its own: blank nodes become IRIs under the submission's namespace (so a
submission can be withdrawn whole and two submissions never share a node), and references to external
identifiers the reference data already knows (``MONDO:0004980``) are replaced by the reference term.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from casegraph.errors import InputError
from casegraph.namespaces import SUBMISSIONS_GRAPH_PREFIX
from casegraph.rdfio import DEFAULT_MAX_BYTES, error_position, error_reason, read_bytes, reference_triples

if TYPE_CHECKING:
    from casegraph.deid import IdentifierProblem

#: Namespace of submitted data; each submission lives under ``<SUBMISSION><id>/``.
SUBMISSION = "https://w3id.org/casegraph/submission/"
OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"
SKOS_EXACT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")

#: Format names users type, and what they stand for.
FORMAT_NAMES: dict[str, str] = {
    "turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples",
    "rdfxml": "rdfxml", "rdf": "rdfxml", "xml": "rdfxml", "owl": "rdfxml", "rdf/xml": "rdfxml",
    "jsonld": "jsonld", "json-ld": "jsonld", "case-json": "case-json", "case-yaml": "case-yaml",
    "yaml": "case-yaml", "yml": "case-yaml", "phenopacket": "phenopacket", "json": "json",
}
_EXTENSIONS: dict[str, str] = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "ntriples", ".rdf": "rdfxml", ".owl": "rdfxml",
    ".xml": "rdfxml", ".jsonld": "jsonld", ".json": "json", ".yaml": "case-yaml", ".yml": "case-yaml",
}
_RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}
ALLOWED = "turtle, ntriples, rdfxml, jsonld, case-json, case-yaml, phenopacket"


@dataclass
class Mapped:
    """What a non-RDF reader produced: triples and where each node came from in the submitter's document."""

    triples: list[ox.Triple]
    node_paths: dict[str, str]
    field_names: dict[str, str]
    deid: list[IdentifierProblem] = field(default_factory=list)


@dataclass
class Submission:
    """One file read for intake: its triples (with IRIs of its own) and how to name its fields."""

    path: Path
    format: str
    sha256: str
    triples: list[ox.Triple]
    #: IRI of a node -> where it is in the submitter's document (a JSON key path); empty for RDF.
    node_paths: dict[str, str] = field(default_factory=dict)
    #: predicate IRI -> the field name the submitter wrote (JSON key); empty for RDF.
    field_names: dict[str, str] = field(default_factory=dict)
    #: direct identifiers found while reading (the submission is rejected if there is any).
    deid: list[IdentifierProblem] = field(default_factory=list)

    @property
    def id(self) -> str:
        """Short, stable identifier: the first 16 hex digits of the content's SHA-256."""
        return self.sha256[:16]

    @property
    def base(self) -> str:
        return f"{SUBMISSION}{self.id}/"

    @property
    def graph(self) -> str:
        return SUBMISSIONS_GRAPH_PREFIX + self.id

    def subjects(self) -> frozenset[str]:
        """IRIs this submission describes (its focus nodes)."""
        return self._subjects

    def references(self) -> frozenset[str]:
        """IRIs this submission points to (objects of its triples, classes included)."""
        return self._references

    # Intake asks for both many times per submission (batching, context, redefinitions, derived triples);
    # the triples do not change once read, so each set is computed once.
    @cached_property
    def _subjects(self) -> frozenset[str]:
        return frozenset(t.subject.value for t in self.triples if isinstance(t.subject, ox.NamedNode))

    @cached_property
    def _references(self) -> frozenset[str]:
        return frozenset(t.object.value for t in self.triples if isinstance(t.object, ox.NamedNode))


def detect_format(path: Path, text: str, override: str | None = None) -> str:
    """The format of a file: ``override`` if given, else from the extension, then the content."""
    if override:
        name = FORMAT_NAMES.get(override.lower().lstrip("."))
        if name is None:
            raise InputError(f"unknown format {override!r}; allowed: {ALLOWED}")
        fmt = name
    else:
        fmt = _EXTENSIONS.get(path.suffix.lower()) or _sniff(path, text)
    if fmt == "json":
        fmt = _sniff_json(path, text)
    return fmt


def _sniff(path: Path, text: str) -> str:
    head = text.lstrip()[:2000]
    if head.startswith(("<?xml", "<rdf:RDF", "<!DOCTYPE")):
        return "rdfxml"
    if head.startswith(("{", "[")):
        return "json"
    if re.match(r"(@prefix|@base|PREFIX|BASE)\b", head, re.IGNORECASE) or re.match(r"<[^>\s]+>\s", head):
        return "turtle"
    if re.match(r"^[A-Za-z@][\w@]*\s*:", head):
        return "case-yaml"
    raise InputError(f"{path}: cannot tell the format from the extension {path.suffix!r} or the content; "
                     f"use --format ({ALLOWED})")


def _sniff_json(path: Path, text: str) -> str:
    from casegraph.casedoc import CONTEXT_IRI, load_json

    data = load_json(path, text)
    if isinstance(data, dict):
        if "metaData" in data and ("phenopacketSchemaVersion" in json.dumps(data.get("metaData"))
                                   or "subject" in data):
            return "phenopacket"
        ctx = data.get("@context")
        if ctx == CONTEXT_IRI or ("@context" not in data and ("patient" in data or "source" in data)):
            return "case-json"
    if isinstance(data, (dict, list)) and ("@context" in text or "@id" in text or "@graph" in text):
        return "jsonld"
    raise InputError(f"{path}: JSON that is neither a casegraph case document (with 'patient' and 'source'), "
                     "a GA4GH Phenopacket (with 'metaData') nor JSON-LD (with '@context'); use --format to say which")


def read_submission(path: Path, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Submission:
    """Read one submission file; unreadable input raises :class:`InputError` naming the file and what is wrong."""
    data = read_bytes(path, max_bytes)
    text = data.decode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    kind = detect_format(path, text, fmt)
    base = f"{SUBMISSION}{sha[:16]}/"
    if kind in ("case-json", "case-yaml"):
        from casegraph.casedoc import read_case_document

        mapped = read_case_document(path, text, base, yaml_syntax=kind == "case-yaml")
        triples, paths, names, deid = mapped.triples, mapped.node_paths, mapped.field_names, mapped.deid
    elif kind == "phenopacket":
        from casegraph.phenopacket import read_phenopacket

        mapped = read_phenopacket(path, text, base)
        triples, paths, names, deid = mapped.triples, mapped.node_paths, mapped.field_names, mapped.deid
    else:
        triples = parse_rdf(path, data, kind, base)
        paths, names, deid = {}, {}, []
    triples = align_to_reference(skolemize(triples, base))
    return Submission(path=path, format=kind, sha256=sha, triples=triples, node_paths=paths,
                      field_names=names, deid=deid)


def parse_rdf(path: Path, data: bytes, kind: str, base: str) -> list[ox.Triple]:
    """Parse RDF after refusing what would reach outside the file (DTDs, remote contexts, imports)."""
    text = data.decode("utf-8")
    if kind == "rdfxml" and re.search(r"<!(DOCTYPE|ENTITY)", text):
        line = text[: re.search(r"<!(DOCTYPE|ENTITY)", text).start()].count("\n") + 1  # type: ignore[union-attr]
        raise InputError(f"{path}:{line}: XML DTDs and entity declarations are not allowed in a submission "
                         "(they can expand without limit or read other files); remove the <!DOCTYPE ...> block")
    if kind == "jsonld":
        remote = _remote_contexts(text)
        if remote:
            raise InputError(f"{path}: remote JSON-LD context {remote[0]!r} refused: casegraph never fetches "
                             "anything while reading a submission; put the context inline")
    try:
        quads = list(ox.parse(data, format=_RDF_FORMATS[kind], base_iri=base))
    except SyntaxError as exc:
        raise InputError(f"{path}:{error_position(exc)} {kind} syntax error: {error_reason(exc)}") from None
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    imports = [t for t in triples if t.predicate.value == OWL_IMPORTS]
    if imports:
        raise InputError(f"{path}: owl:imports {imports[0].object} refused: a submission must be self-contained "
                         "(casegraph never fetches imports); remove the owl:imports statement")
    if not triples:
        raise InputError(f"{path}: no RDF statements in the file")
    return triples


def _remote_contexts(text: str) -> list[str]:
    """Every ``@context`` value that is (or lists) an IRI: JSON-LD processors would fetch it."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []  # the parser reports the syntax error with its position
    found: list[str] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    values = value if isinstance(value, list) else [value]
                    found.extend(v for v in values if isinstance(v, str))
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def skolemize(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    """Blank nodes -> IRIs under the submission's namespace (``.well-known/genid/``, RDF 1.1 §3.5)."""
    mapping: dict[str, ox.NamedNode] = {}

    def fix(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.Literal:
        if isinstance(term, ox.BlankNode):
            if term.value not in mapping:
                mapping[term.value] = ox.NamedNode(f"{base}.well-known/genid/{len(mapping) + 1}")
            return mapping[term.value]
        if isinstance(term, ox.Triple):
            raise InputError("RDF-star quoted triples are not supported in submissions")
        return term

    if not any(isinstance(t.subject, (ox.BlankNode, ox.Triple)) or isinstance(t.object, (ox.BlankNode, ox.Triple))
               for t in triples):
        return triples  # case documents and phenopackets name every node
    return [ox.Triple(fix(t.subject), t.predicate, fix(t.object)) for t in triples]  # type: ignore[arg-type]


@cache
def _exact_matches() -> dict[str, ox.NamedNode]:
    """External IRI -> reference term, from ``skos:exactMatch`` in the reference data."""
    out: dict[str, ox.NamedNode] = {}
    for t in reference_triples():
        if t.predicate == SKOS_EXACT and isinstance(t.object, ox.NamedNode) and isinstance(t.subject, ox.NamedNode):
            out.setdefault(t.object.value, t.subject)
    return out


def align_to_reference(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Objects named by an external identifier the reference data maps exactly are replaced by the term."""
    table = _exact_matches()
    out = []
    for t in triples:
        obj = t.object
        if isinstance(obj, ox.NamedNode) and obj.value in table and t.predicate != SKOS_EXACT:
            t = ox.Triple(t.subject, t.predicate, table[obj.value])
        out.append(t)
    return out
