"""Stored SPARQL queries: grlc-style ``.rq`` files with ``#+`` YAML headers, run with parameters.

Parameters follow grlc's naming: ``?_name`` is required, ``?__name`` optional; a suffix gives the type
(``?_drug_iri`` takes an IRI, ``?_n_integer`` an integer, no suffix a string). An ``_iri`` parameter also
accepts a label, synonym or CURIE (``dupilumab``, ``DrugBank:DB12159``), resolved against the graph.
Values are bound by substitution (SPARQL SEP-0007), never pasted into the query text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from casegraph import resources
from casegraph.backend import GraphStore
from casegraph.errors import InputError, UsageError

_PARAM = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
_TYPES = {
    "iri": None,
    "integer": "http://www.w3.org/2001/XMLSchema#integer",
    "decimal": "http://www.w3.org/2001/XMLSchema#decimal",
    "number": "http://www.w3.org/2001/XMLSchema#decimal",
    "boolean": "http://www.w3.org/2001/XMLSchema#boolean",
    "string": "http://www.w3.org/2001/XMLSchema#string",
}
XSD = "http://www.w3.org/2001/XMLSchema#"


class IRI(str):
    """An IRI in a result row (a ``str`` that knows it is not a literal)."""

    __slots__ = ()


@dataclass(frozen=True)
class Parameter:
    """A query parameter as grlc reads it from the variable name."""

    name: str
    variable: str
    type: str
    required: bool
    default: str | None = None
    description: str | None = None
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredQuery:
    """One ``.rq`` file: its text, grlc decorators and parameters."""

    name: str
    path: Path
    text: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    decorators: Mapping[str, Any] = field(default_factory=dict)


def _decorators(text: str, path: Path) -> dict[str, Any]:
    lines = [ln[3:] if ln.startswith("#+ ") else ln[2:] for ln in text.splitlines() if ln.startswith("#+")]
    if not lines:
        return {}
    try:
        data = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: the '#+' header is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the '#+' header must be 'key: value' lines")
    return data


def _parameters(text: str, decorators: Mapping[str, Any]) -> tuple[Parameter, ...]:
    defaults: dict[str, str] = {}
    for item in decorators.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update({str(k): str(v) for k, v in item.items()})
    enums: dict[str, tuple[str, ...]] = {}
    for item in decorators.get("enumerate") or []:
        if isinstance(item, dict):
            enums.update({str(k): tuple(str(x) for x in v) for k, v in item.items()})
    docs: dict[str, str] = {str(k): str(v) for k, v in (decorators.get("parameters") or {}).items()}
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    seen: dict[str, Parameter] = {}
    for underscores, raw in _PARAM.findall(body):
        parts = raw.split("_")
        ptype = "string"
        if len(parts) > 1 and parts[-1] in _TYPES:
            ptype = parts[-1]
            parts = parts[:-1]
        name = "_".join(parts)
        if name not in seen:
            seen[name] = Parameter(
                name=name,
                variable=underscores + raw,
                type=ptype,
                required=underscores == "_",
                default=defaults.get(name),
                description=docs.get(name),
                enum=enums.get(name, ()),
            )
    return tuple(seen.values())


def load_query(path: Path) -> StoredQuery:
    """Read a stored query file (raises :class:`InputError` if it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such query file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    deco = _decorators(text, path)
    tags = deco.get("tags") or []
    return StoredQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(deco.get("summary", "")).strip(),
        description=str(deco.get("description", "")).strip(),
        tags=tuple(str(t) for t in tags),
        parameters=_parameters(text, deco),
        decorators=deco,
    )


def list_queries(folder: Path | None = None) -> list[StoredQuery]:
    """All stored queries, by name."""
    folder = folder or resources.queries_dir()
    return [load_query(p) for p in sorted(folder.glob("*.rq"))]


def query_catalogue(*, with_text: bool = True) -> list[dict[str, Any]]:
    """The stored queries as plain data (name, summary, description, tags, parameters and, unless left out,
    the text): what ``casegraph queries --format json`` prints, the web API lists and the editor offers."""
    return [{
        "name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags),
        "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                        "description": p.description, "enum": list(p.enum)} for p in q.parameters],
        **({"text": q.text} if with_text else {}),
    } for q in list_queries()]


def find_query(name_or_path: str) -> StoredQuery:
    """A stored query by name, or a ``.rq`` file by path; unknown names list the closest ones."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".rq" and (candidate.exists() or "/" in name_or_path):
        return load_query(candidate)
    queries = {q.name: q for q in list_queries()}
    if name_or_path in queries:
        return queries[name_or_path]
    close = difflib.get_close_matches(name_or_path, list(queries), n=5, cutoff=0.3)
    close += [n for n in queries if name_or_path.lower() in n.lower() and n not in close]
    hint = f" Did you mean: {', '.join(close[:5])}?" if close else ""
    raise UsageError(f"unknown query {name_or_path!r}.{hint} Run 'casegraph queries' to list them.")


@dataclass
class QueryResult:
    """Rows of a SELECT (or ASK) with the original RDF terms kept for faithful serialisation."""

    variables: list[str]
    terms: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]
    boolean: bool | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Rows as Python values: IRIs as :class:`IRI`, numbers as int/Decimal/float, booleans as bool."""
        return [{k: to_python(v) for k, v in row.items()} for row in self.terms]

    def column(self, name: str) -> list[Any]:
        return [row.get(name) for row in self.rows]


def to_python(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Any:
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    dt = term.datatype.value
    try:
        if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(term.value)
        if dt == XSD + "decimal":
            return Decimal(term.value)
        if dt in (XSD + "double", XSD + "float"):
            return float(term.value)
        if dt == XSD + "boolean":
            return term.value in ("true", "1")
    except ValueError:
        return term.value
    return term.value


def bind_parameters(store: GraphStore, query: StoredQuery, values: Mapping[str, str]) -> dict[str, Any]:
    """Turn ``name=value`` strings into RDF terms for the query's parameter variables."""
    from casegraph.terms import resolve_term

    known = {p.name: p for p in query.parameters}
    unknown = [k for k in values if k not in known]
    if unknown:
        allowed = ", ".join(known) or "none"
        raise UsageError(f"query {query.name!r} has no parameter {unknown[0]!r}; its parameters: {allowed}")
    bound: dict[str, Any] = {}
    for param in query.parameters:
        raw = values.get(param.name, param.default)
        if raw is None:
            if param.required:
                raise UsageError(
                    f"query {query.name!r} needs parameter {param.name!r}"
                    f"{' (' + param.description + ')' if param.description else ''}: "
                    f"add -p {param.name}=VALUE"
                )
            continue
        if param.enum and raw not in param.enum:
            raise UsageError(f"parameter {param.name!r} must be one of {', '.join(param.enum)}; got {raw!r}")
        if param.type == "iri":
            bound[param.variable] = ox.NamedNode(resolve_term(store, raw))
        else:
            datatype = _TYPES[param.type]
            if param.type in ("integer", "decimal", "number"):
                try:
                    int(raw) if param.type == "integer" else Decimal(raw)
                except Exception:
                    raise UsageError(f"parameter {param.name!r} must be a {param.type}; got {raw!r}") from None
            bound[param.variable] = ox.Literal(raw, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(raw)
    return bound


def run_query(
    store: GraphStore,
    query: StoredQuery | str,
    params: Mapping[str, str] | None = None,
) -> QueryResult:
    """Run a stored query (by object or name) or a ``.rq`` path with ``name=value`` parameters."""
    stored = find_query(query) if isinstance(query, str) else query
    bindings = bind_parameters(store, stored, params or {})
    return execute(store, stored.text, bindings, source=str(stored.path))


def execute(store: GraphStore, sparql: str, bindings: Mapping[str, Any] | None = None,
            source: str = "query") -> QueryResult:
    """Run SPARQL text; a syntax error names the line and column."""
    try:
        solutions = store.query(sparql, bindings)
    except SyntaxError as exc:
        raise InputError(f"{source}: SPARQL {syntax_message(exc)}") from None
    if isinstance(solutions, ox.QueryBoolean):
        return QueryResult(variables=[], terms=[], boolean=bool(solutions))
    if not hasattr(solutions, "variables"):  # pyoxigraph's QuerySolutions or a server's Solutions
        raise UsageError(f"{source}: only SELECT and ASK queries give rows; use CONSTRUCT via the Python API")
    names = [v.value for v in solutions.variables]
    terms = [{n: s[n] for n in names if s[n] is not None} for s in solutions]
    return QueryResult(variables=names, terms=terms)


def syntax_message(exc: SyntaxError) -> str:
    """pyoxigraph's syntax error as 'syntax error at line L, column C: ...'."""
    msg = str(exc.args[0]) if exc.args else str(exc)
    match = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)
    if match:
        return f"syntax error at line {match.group(1)}, column {match.group(2)}: {match.group(3)}"
    return f"syntax error: {msg}"
