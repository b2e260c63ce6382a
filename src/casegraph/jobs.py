"""The work behind each web request, as plain functions of a store: run by the query workers on a
read-only snapshot (embedded store) or by a thread against a SPARQL server (``serve --endpoint``).

Each job returns a :class:`Reply` (status, media type, body bytes, headers), which pickles cheaply across
the worker's pipe. Errors a user can fix become 4xx replies with the message casegraph gives on the
command line; nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from casegraph import protocol
from casegraph.backend import GraphStore
from casegraph.errors import CasegraphError, InputError, StoreError, UsageError

#: Content types a case document may be posted with, and the file suffix that makes casegraph read it so.
UPLOAD_SUFFIXES = {
    "application/json": ".json", "application/ld+json": ".jsonld", "text/turtle": ".ttl",
    "application/x-turtle": ".ttl", "application/n-triples": ".nt", "application/rdf+xml": ".rdf",
    "application/yaml": ".yaml", "application/x-yaml": ".yaml", "text/yaml": ".yaml", "text/x-yaml": ".yaml",
}


@dataclass
class Reply:
    """What a job answers: an HTTP status, a media type, the body and extra headers."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, "application/json", json.dumps(data, ensure_ascii=False).encode(), headers or {})


def error_reply(status: int, message: str) -> Reply:
    return json_reply({"error": message}, status)


def run(store: GraphStore, job: str, kwargs: Mapping[str, Any]) -> Reply:
    """Run the job named ``job``; a user's mistake becomes a 400, an unreachable server a 502."""
    try:
        return JOBS[job](store, **kwargs)
    except (UsageError, InputError) as exc:
        return error_reply(400, str(exc))
    except StoreError as exc:
        return error_reply(502, str(exc))
    except CasegraphError as exc:
        return error_reply(400, str(exc))


def ping(store: GraphStore) -> Reply:
    """Open the snapshot and warm the term index, so that the first real request does not pay for it."""
    from casegraph.terms import search

    search(store, "a", 1)
    return json_reply({"status": "ok"})


# -- SPARQL ------------------------------------------------------------------------------------------
def sparql(store: GraphStore, text: str, accept: str | None = None, fmt: str | None = None, cap: int = 10_000,
           default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()) -> Reply:
    """An ad-hoc SPARQL query, its answer cut at ``cap`` rows (or triples) and said to be cut."""
    from casegraph.store import Store

    start = time.perf_counter()
    try:
        if isinstance(store, Store):
            answer = store.query_dataset(text, default_graphs=default_graphs, named_graphs=named_graphs)
        elif default_graphs or named_graphs:
            raise UsageError("default-graph-uri and named-graph-uri are not supported when serving a SPARQL server")
        else:
            answer = store.query(text)
    except SyntaxError as exc:
        from casegraph.queries import syntax_message

        return error_reply(400, f"SPARQL {syntax_message(exc)}")
    except ValueError as exc:  # pyoxigraph: a dataset it cannot use
        return error_reply(400, f"SPARQL query cannot run: {exc}")
    headers = {"X-Casegraph-Result-Limit": str(cap)}
    if isinstance(answer, ox.QueryBoolean):
        media = protocol.negotiate(accept, "ask", fmt)
        result_fmt = protocol.RESULT_TYPES[media]
        return Reply(200, protocol.RESULT_MEDIA[result_fmt], protocol.write_boolean(bool(answer), result_fmt),
                     _timed(headers, start))
    if hasattr(answer, "variables"):
        media = protocol.negotiate(accept, "select", fmt)
        result_fmt = protocol.RESULT_TYPES[media]
        names, rows, cut = _capped(answer, cap)
        if cut:
            headers["X-Casegraph-Truncated"] = "true"
        body = protocol.write_solutions(names, rows, result_fmt, cap if cut else None)
        return Reply(200, protocol.RESULT_MEDIA[result_fmt], body, _timed(headers, start))
    media = protocol.negotiate(accept, "graph", fmt)
    triples = list(itertools.islice(answer, cap + 1))
    if len(triples) > cap:
        headers["X-Casegraph-Truncated"] = "true"
    body = protocol.write_graph(triples[:cap], media)
    return Reply(200, media if media != "text/plain" else "application/n-triples", body, _timed(headers, start))


def _capped(answer: Any, cap: int) -> tuple[list[str], list[list[Any]], bool]:
    """A SELECT's variables and at most ``cap`` rows (terms, ``None`` where unbound), and whether more came.
    One row past the cap is read to know it, never the rest."""
    names = [v.value for v in answer.variables]
    rows = [[solution[n] for n in names] for solution in itertools.islice(answer, cap + 1)]
    return names, rows[:cap], len(rows) > cap


def _timed(headers: dict[str, str], start: float) -> dict[str, str]:
    headers["Server-Timing"] = f"query;dur={(time.perf_counter() - start) * 1000:.1f}"
    return headers


# -- stored queries ------------------------------------------------------------------------------------
def stored(store: GraphStore, name: str, params: Mapping[str, str], fmt: str = "json", cap: int = 10_000) -> Reply:
    """A stored query with ``name=value`` parameters, as the REST API's JSON (or CSV)."""
    from casegraph.queries import bind_parameters, find_query, syntax_message

    query = find_query(name)
    bindings = bind_parameters(store, query, params)
    start = time.perf_counter()
    try:
        answer = store.query(query.text, bindings)
    except SyntaxError as exc:
        raise InputError(f"{query.path}: SPARQL {syntax_message(exc)}") from None
    if isinstance(answer, ox.QueryBoolean):
        return json_reply({"query": name, "boolean": bool(answer)})
    names, rows, cut = _capped(answer, cap)
    elapsed = (time.perf_counter() - start) * 1000
    headers = {"X-Casegraph-Result-Limit": str(cap), "Server-Timing": f"query;dur={elapsed:.1f}"}
    if cut:
        headers["X-Casegraph-Truncated"] = "true"
    if fmt == "csv":
        return Reply(200, "text/csv; charset=utf-8", protocol.write_solutions(names, rows, "csv"), headers)
    return json_reply({
        "query": name, "variables": names,
        "rows": [{n: protocol.json_term(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows],
        "truncated": cut, "limit": cap, "elapsed_ms": round(elapsed, 1),
    }, headers=headers)


# -- terms and neighbourhoods ----------------------------------------------------------------------------
def search(store: GraphStore, q: str, limit: int = 20) -> Reply:
    """Entities whose names contain ``q``, for the search box."""
    from casegraph.terms import search as find

    return json_reply([{"iri": e.iri, "label": e.label, "kind": e.kind} for e in find(store, q, limit)])


def explore(store: GraphStore, term: str, depth: int = 1, limit: int = 200) -> Reply:
    """A neighbourhood (see :func:`casegraph.explore.explore`) with its cases' scores over time; each
    section and the score series cut at ``limit`` items (a drug given in thousands of cases would otherwise
    send megabytes no page can show), the full count kept and ``shown`` saying how many came."""
    from casegraph.explore import explore as neighbourhood

    if depth not in (1, 2, 3):
        raise UsageError("depth must be 1, 2 or 3")
    found = neighbourhood(store, term, depth)
    data = json.loads(found.to_json())
    for section in data["sections"].values():
        section["total"] = len(section["items"])
        section["items"] = section["items"][:limit]
        section["shown"] = len(section["items"])
    data["scoresTotal"] = len(data["scores"])
    data["scores"] = data["scores"][:limit]
    return json_reply(data)


# -- validation ------------------------------------------------------------------------------------------
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def upload_name(content_type: str | None, filename: str | None) -> str:
    """The file name a posted document is read under: the client's (made safe) or one whose suffix matches
    the content type, so that casegraph picks the same reader as for a file on disk."""
    if filename:
        name = _SAFE_NAME.sub("_", Path(filename).name).lstrip(".")
        if name:
            return name
    media = (content_type or "").split(";")[0].strip().lower()
    return "submitted" + UPLOAD_SUFFIXES.get(media, ".json")


def _with_document(body: bytes, name: str, action: Callable[[Path], Reply]) -> Reply:
    """Run ``action`` on the posted document written to a private folder; messages name the document,
    not the folder."""
    with tempfile.TemporaryDirectory(prefix="casegraph-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(body)
        try:
            reply = action(path)
        except CasegraphError as exc:
            raise type(exc)(str(exc).replace(folder + "/", "")) from None
        reply.body = reply.body.replace((folder + "/").encode(), b"")
        return reply


def validate(store: GraphStore, body: bytes, name: str, accept: str | None = None) -> Reply:
    """Validate a posted case document against the shapes and the graph: the report as JSON, or as a
    standard SHACL report in Turtle when asked for."""
    from casegraph.validate import validate_files

    def check(path: Path) -> Reply:
        report = validate_files([path], store=store)
        wants = protocol.parse_accept(accept)
        if wants and wants[0].media_type in ("text/turtle", "application/x-turtle"):
            return Reply(200, "text/turtle; charset=utf-8", report.to_turtle().encode())
        return Reply(200, "application/json", report.to_json().encode())

    return _with_document(body, name, check)


def submit(store: GraphStore, body: bytes, name: str) -> Reply:
    """The atomic intake of one posted document: 201 when it entered the graph, 200 if it was already
    there, 422 with the report when it does not conform, 400 when it cannot be read."""
    from casegraph.intake import submit as intake

    def take(path: Path) -> Reply:
        summary = intake(store, [path])
        outcome = summary.outcomes[0]
        status = {"accepted": 201, "duplicate": 200, "rejected": 422}.get(outcome.status, 400)
        return Reply(status, "application/json", summary.to_json().encode())

    return _with_document(body, name, take)


def update(store: GraphStore, text: str) -> Reply:
    """A SPARQL 1.1 Update from a token holder, in one transaction."""
    from casegraph.queries import syntax_message

    try:
        store.update(text)
    except SyntaxError as exc:
        return error_reply(400, f"SPARQL Update {syntax_message(exc)}")
    return Reply(204, "text/plain", b"")


#: Jobs by name, as the server asks for them.
JOBS: dict[str, Callable[..., Reply]] = {
    "ping": ping, "sparql": sparql, "stored": stored, "search": search, "explore": explore, "validate": validate,
    "update": update, "submit": submit,
}
