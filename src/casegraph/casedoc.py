"""Plain JSON or YAML case documents: checked against the shipped JSON Schema, then read as JSON-LD.

A curator writes ``{"patient": {"age": 16, "sex": "male"}, "treatments": [...]}``. The document is JSON-LD
through the context casegraph ships (``ontology/case-document.context.jsonld``); before it is parsed, the
reader adds what the nesting already says and JSON-LD cannot: each object's type from the list it sits in,
an IRI for objects without an ``id`` (the JSON Pointer of the object), and the links every fact needs
(``inCase``, ``statedIn``). The IRI of every object is remembered with its key path, so a validation report
can name ``treatments[0].drug`` instead of an IRI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import pyoxigraph as ox
import yaml

from casegraph import resources
from casegraph.errors import InputError
from casegraph.readers import Mapped

if TYPE_CHECKING:
    from casegraph import jsonld_subset

#: The IRI a document may name as its ``@context``; it is never fetched, the shipped file is used.
CONTEXT_IRI = "https://w3id.org/casegraph/context/case-document.jsonld"
#: Deeper documents are refused before anything else is done with them.
MAX_DEPTH = 32

#: Top-level lists: the class of their items and the patient property that links them (None: no link).
_LISTS: dict[str, tuple[str | None, bool]] = {
    "conditions": ("Condition", True),
    "findings": ("Finding", True),
    "measurements": ("Measurement", True),
    "outcomes": ("Outcome", True),
    "treatments": (None, True),
    "investigations": ("Investigation", False),
    "changes": ("RegimenChange", False),
    "adverseEvents": (None, False),
    "decisions": ("ClinicalDecision", False),
    "events": (None, False),
}
#: Top-level lists of what the source states beyond the case's facts: linked to the source, not to the case.
_STATEMENTS = {"claims": "MechanisticClaim", "recommendations": "Recommendation"}
_TIME_KEYS = ("at", "start", "end", "validFrom", "validAt", "onsetAt")
_KIND_TYPES = {"monoclonal-antibody": "MonoclonalAntibody", "small-molecule": "SmallMoleculeDrug", "drug": "Drug"}
_EVENT_TYPES = {"event": "ClinicalEvent", "flare": "Flare", "follow-up-visit": "FollowUpVisit"}


@cache
def context() -> dict[str, Any]:
    """The shipped JSON-LD context (the value of its ``@context`` key)."""
    data: dict[str, Any] = json.loads(resources.case_context_file().read_text(encoding="utf-8"))
    return dict(data["@context"])


@cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.case_schema_file().read_text(encoding="utf-8"))
    return data


@cache
def field_names() -> dict[str, str]:
    """Predicate IRI -> the document key that writes it (for reports in the curator's own words)."""
    prefixes = {k: v for k, v in context().items() if isinstance(v, str) and v.endswith(("#", "/"))}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else curie

    names: dict[str, str] = {}
    for key, value in context().items():
        if isinstance(value, dict):
            iri = value.get("@id") or value.get("@reverse")
            if isinstance(iri, str) and not iri.startswith("@"):
                names.setdefault(expand(iri), key)
    return names


# --- loading ------------------------------------------------------------------------------------------
class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases (no entity-expansion bombs) and without implicit dates (text stays text)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not allowed")
        return super().compose_node(parent, index)


_NoAliasLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def load_json(path: Path, text: str) -> Any:
    """Parse JSON text; errors name the file, line and column."""
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: JSON syntax error: {exc.msg}") from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON is nested too deeply (limit {MAX_DEPTH} levels)") from None
    check_depth(path, data)
    return data


def load_yaml(path: Path, text: str) -> Any:
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}:" if mark is not None else ""
        raise InputError(f"{path}:{where} YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: YAML is nested too deeply (limit {MAX_DEPTH} levels)") from None
    check_depth(path, data)
    return data


def check_depth(path: Path, data: Any) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"{path}: document is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def key_path(parts: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """``["treatments", 0, "drug"]`` -> ``treatments[0].drug``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def check_schema(path: Path, data: Any) -> None:
    """Every schema error, each with its key path; raise :class:`InputError` if there is any.

    jsonschema-rs answers "valid?" in microseconds, a hundred times faster than jsonschema, which is
    what batch intake needs; the python jsonschema validator then explains the documents it rejects
    (its errors carry what the messages need). tests/test_casedoc_schema.py holds the two to the same verdict.
    """
    if _fast_validator().is_valid(data):
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    lines = [f"{path}: not a valid casegraph case document ({len(errors)} problem(s)):"]
    for err in errors[:50]:
        lines.append(f"  {key_path(err.absolute_path)}: {_schema_message(err)}")
    if len(errors) > 50:
        lines.append(f"  ... and {len(errors) - 50} more")
    lines.append(f"  (schema: {resources.case_schema_file().name})")
    raise InputError("\n".join(lines))


@cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema())


def _schema_message(err: Any) -> str:
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        return f"unknown field(s) {', '.join(map(repr, extra))}; allowed here: {', '.join(allowed)}"
    if err.validator == "type":
        hint = " (write numbers without quotes)" if isinstance(err.instance, str) and err.validator_value in (
            "number", "integer") else ""
        return f"{err.instance!r} is not of type {err.validator_value}{hint}"
    if err.validator == "enum":
        return f"{err.instance!r} is not allowed; use one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "oneOf" and err.validator_value and "presentation" in json.dumps(err.validator_value):
        return f"{err.instance!r} is not a time point: write 'presentation' or {{relativeTo, direction, offset, offsetUnit}}"
    return str(err.message)


# --- enrichment ---------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, base: str) -> None:
        self.base = base
        self.paths: dict[str, str] = {}
        self.nodes: list[dict[str, Any]] = []
        self.case_id = "case"
        self.source_id = "source"

    def iri(self, ident: str) -> str:
        return urljoin(self.base, ident)

    def node(self, obj: dict[str, Any], path: list[Any], rdf_type: str | None, fact: bool = True) -> dict[str, Any]:
        out = dict(obj)
        if "id" not in out:
            out["id"] = "#/" + "/".join(str(p) for p in path)
        self.paths[self.iri(out["id"])] = key_path(path)
        if rdf_type:
            out["type"] = rdf_type
        if fact:
            out["inCase"] = self.case_id
            out["statedIn"] = self.source_id
        for key in _TIME_KEYS:
            if key in out:
                out[key] = self.time_point(out[key], [*path, key])
        return out

    def time_point(self, value: Any, path: list[Any]) -> dict[str, Any]:
        if value == "presentation":
            value = {"relativeTo": "presentation", "direction": "at"}
        return self.node({"anchor": "start", **value}, path, "TimePoint")  # an offset counts from the start by default

    def reasons(self, value: Any, path: list[Any]) -> Any:
        """A reason object, the id of a reason given elsewhere in the document, or a list of either."""
        if isinstance(value, list):
            return [self.reasons(r, [*path, i]) for i, r in enumerate(value)]
        return self.node(value, path, "Reason") if isinstance(value, dict) else value


def to_jsonld(data: dict[str, Any], base: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON-LD document a case document stands for, and each object's IRI with its key path."""
    b = _Builder(base)
    if "id" in data:
        b.case_id = data["id"]
    source = b.node(data["source"], ["source"], "CaseReport", fact=False)
    b.source_id = source["id"]
    source["hasCase"] = b.case_id
    if "references" in source:
        source["references"] = [b.node(r, ["source", "references", i], "CitedWork", fact=False)
                                for i, r in enumerate(source["references"])]
    case: dict[str, Any] = {"id": b.case_id, "type": "Case", "source": {"id": source["id"]}, "statedIn": b.source_id}
    b.paths[b.iri(b.case_id)] = "(document)"
    for key in ("caseLabel", "label", "note", "quote"):
        if key in data:
            case[key] = data[key]
    # the stored queries and the explorer name a case by its rdfs:label: without one it would be in the graph
    # and in none of their answers
    if "label" not in case and "caseLabel" in case:
        case["label"] = case["caseLabel"]
    patient = b.node(data["patient"], ["patient"], "Patient")
    case["patient"] = {"id": patient["id"]}
    presentation: dict[str, Any] = {"label": "presentation", **data.get("presentation", {}),
                                    "id": "presentation", "type": "Presentation", "inCase": b.case_id,
                                    "statedIn": b.source_id}
    b.paths[b.iri("presentation")] = "presentation"
    if "at" in presentation:
        presentation["at"] = b.time_point(presentation["at"], ["presentation", "at"])
    graph = [source, case, patient, presentation]
    for key, (rdf_type, on_patient) in _LISTS.items():
        items = []
        for i, item in enumerate(data.get(key, [])):
            path = [key, i]
            node = b.node(item, path, rdf_type or _item_type(key, item))
            node.pop("paradoxical", None)
            node.pop("kind", None)
            if "doses" in node:
                node["doses"] = [b.node(d, [*path, "doses", j], "DoseRegimen") for j, d in enumerate(node["doses"])]
            if "severities" in node:
                node["severities"] = [b.node(s, [*path, "severities", j], "SeverityAssessment")
                                      for j, s in enumerate(node["severities"])]
            for reason_key in ("stopReason", "reasons"):
                if reason_key in node:
                    node[reason_key] = b.reasons(node[reason_key], [*path, reason_key])
            items.append(node)
        if on_patient and items:
            patient[key] = items
        else:
            graph.extend(items)
    for key, rdf_type in _STATEMENTS.items():
        for i, item in enumerate(data.get(key, [])):
            node = b.node(item, [key, i], rdf_type, fact=False) | {"statedIn": b.source_id}
            if node.pop("aboutCase", False):
                node["aboutCase"] = b.case_id
            graph.append(node)
    for i, drug in enumerate(data.get("drugs", [])):
        path = ["drugs", i]
        node = dict(drug)
        node["id"] = "cgr:" + drug["id"]
        b.paths[context()["cgr"] + drug["id"]] = key_path(path)
        node["type"] = _KIND_TYPES[node.pop("kind", "drug")]
        node["mechanismsOfAction"] = [b.node(m, [*path, "mechanismsOfAction", j], "MechanismOfAction", fact=False)
                                      | {"statedIn": b.source_id} for j, m in enumerate(drug["mechanismsOfAction"])]
        graph.append(node)
    document = {"@context": [context(), {"@base": base}], "@graph": graph}
    return document, b.paths


def _item_type(key: str, item: dict[str, Any]) -> str:
    if key == "adverseEvents":
        return "ParadoxicalReaction" if item.get("paradoxical") else "AdverseEvent"
    if key == "events":
        return _EVENT_TYPES[item.get("kind", "event")]
    if "drug" in item:
        return "DrugTreatment"
    if "components" in item:
        return "TreatmentRegimen"
    return "NonDrugTreatment"


def read_case_document(path: Path, text: str, base: str, *, yaml_syntax: bool) -> Mapped:
    """Read a JSON/YAML case document into triples; de-identification problems come back as issues."""
    from casegraph.deid import scan_document

    data = load_yaml(path, text) if yaml_syntax else load_json(path, text)
    if not isinstance(data, dict):
        raise InputError(f"{path}: a case document is a JSON/YAML object (mapping), not {type(data).__name__}")
    ctx = data.get("@context")
    if ctx is not None and ctx != CONTEXT_IRI:
        raise InputError(f"{path}: @context must be {CONTEXT_IRI!r} (it is never fetched) or left out; got {ctx!r}")
    problems = scan_document(data)
    if problems:
        return Mapped(triples=[], node_paths={}, field_names=field_names(), deid=problems)
    check_schema(path, data)
    document, paths = to_jsonld(data, base)
    return Mapped(triples=document_triples(path, document, base), node_paths=paths, field_names=field_names(),
                  deid=[])


def document_triples(path: Path, document: dict[str, Any], base: str, *, fast: bool = True) -> list[ox.Triple]:
    """The triples of an enriched document: read directly through the processed context (see
    :mod:`casegraph.jsonld_subset`), or by the JSON-LD parser when ``fast`` is off or the document uses
    JSON-LD beyond that subset."""
    from casegraph import jsonld_subset

    if fast:
        try:
            return jsonld_subset.triples(document["@graph"], processed_context(), base)
        except jsonld_subset.Unsupported:
            pass
    try:
        quads = ox.parse(json.dumps(document).encode(), format=ox.RdfFormat.JSON_LD, base_iri=base)
        return list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    except SyntaxError as exc:  # the schema should make this impossible; say so if it happens
        raise InputError(f"{path}: the document could not be read as JSON-LD: {exc}") from None


@cache
def processed_context() -> jsonld_subset.Context:
    """The shipped context, processed once per process."""
    from casegraph import jsonld_subset

    return jsonld_subset.process(context())
