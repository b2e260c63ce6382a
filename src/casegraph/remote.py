"""The graph on a SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, ...), behind the same interface as the
embedded store (:class:`casegraph.backend.GraphStore`).

Queries go through SPARQLWrapper; their answers are parsed by pyoxigraph, so callers get the same term
objects from either store. Servers cut corners silently, and this module undoes each one:

* **Capped answers.** Virtuoso returns at most ``ResultSetMaxRows`` rows (10,000 by default) and says so only
  in the ``X-SPARQL-MaxRows`` response header. A capped answer is fetched again in pages (the query wrapped in
  an ordered subquery, ``OFFSET``/``LIMIT`` outside it), so no truncated answer is ever returned as complete;
  when paging cannot give a faithful answer, :class:`TruncatedAnswer` is raised instead.
* **Large writes.** Virtuoso rejects ``INSERT DATA`` requests much over a thousand triples. Writes go in
  chunks into staging graphs, then one update request moves them into place, so a graph appears whole or not
  at all. Blank nodes that must stay one node are kept in one chunk.
* **Result formats.** SELECT and ASK ask for SPARQL JSON, CONSTRUCT and DESCRIBE for N-Triples, whatever the
  server would default to.
* **Prefixes.** casegraph's prefixes are declared in front of every request, as the embedded store
  predeclares them; a query that declares a prefix itself keeps its own.

Syntax is checked locally first (by pyoxigraph, over an empty store), so a syntax error names the line and
column of the user's text on either backend, and nothing malformed reaches the server.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import BASIC, DIGEST, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from casegraph.errors import StoreError
from casegraph.namespaces import GRAPH, META_GRAPH, PREFIXES
from casegraph.store import FINGERPRINT, STORE_NODE, substitute

Term = ox.NamedNode | ox.BlankNode | ox.Literal

#: Triples per ``INSERT DATA`` / ``DELETE DATA`` request: under Virtuoso's limit with room to spare.
WRITE_CHUNK = 1000
#: Subjects per lookup in :meth:`RemoteStore.quads_about`.
LOOKUP_CHUNK = 200
#: Where staged writes wait until one request moves them into place.
STAGING = "urn:casegraph:staging:"
_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE | re.MULTILINE)
_PROLOGUE = re.compile(r"\A(?:\s+|#[^\n]*\n|(?:PREFIX\s+[\w.-]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>))*", re.IGNORECASE)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_EMPTY = ox.Store()
#: Virtuoso names blank nodes ``nodeID://b10000`` in SPARQL JSON, which is not a valid blank node label.
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
#: Virtuoso stores booleans as numbers and answers ``"1"^^xsd:boolean``: the same value, not the canonical form.
_VIRTUOSO_BOOLEAN = re.compile(rb'("datatype"\s*:\s*"http://www.w3.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*")([01])"')


class TruncatedAnswer(StoreError):
    """The server capped an answer and it could not be fetched whole (exit code 3)."""


class Solutions:
    """SELECT results from a server: iterable rows (``ox.QuerySolution``) and their ``variables``."""

    def __init__(self, variables: Sequence[ox.Variable], rows: list[ox.QuerySolution]) -> None:
        self.variables = list(variables)
        self.rows = rows

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class RemoteStore:
    """A casegraph graph on a SPARQL 1.1 server.

    ``endpoint`` answers queries; ``update_endpoint`` (default: the same URL) takes SPARQL 1.1 Update.
    ``user`` and ``password`` (HTTP digest, else basic authentication) come from the environment at the
    command line (:mod:`casegraph.backend`), never from its arguments.
    """

    def __init__(self, endpoint: str, update_endpoint: str | None = None, *, user: str | None = None,
                 password: str | None = None, timeout: float = 300.0, auth: str = "digest") -> None:
        if not re.match(r"https?://", endpoint):
            raise StoreError(f"--endpoint must be an http(s) URL; got {endpoint!r}")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self._user, self._password = user, password
        self._timeout = timeout
        self._auth = DIGEST if auth == "digest" else BASIC
        #: Rows per request, learnt from the server's cap header the first time an answer is capped.
        self.page_size: int | None = None

    # -- plumbing ----------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.endpoint

    def _wrapper(self, url: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(url)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)  # the Accept header alone: Virtuoso answers 406 to some format parameters
        wrapper.setTimeout(int(self._timeout))
        if self._user is not None:
            wrapper.setHTTPAuth(self._auth)
            wrapper.setCredentials(self._user, self._password or "")
        return wrapper

    def _send(self, text: str, accept: str) -> tuple[bytes, dict[str, str]]:
        wrapper = self._wrapper(self.endpoint)
        wrapper.setQuery(text)
        wrapper.addCustomHttpHeader("Accept", accept)
        try:
            result = wrapper.query()
            body = _canonical(result.response.read())
            headers = {k.lower(): v for k, v in result.info().items()}
        except SPARQLWrapperException as exc:
            raise StoreError(f"{self.endpoint} refused the query: {_first_line(exc)}") from None
        except OSError as exc:  # connection refused, timeout, DNS
            raise StoreError(f"cannot reach the SPARQL endpoint {self.endpoint}: {exc}") from None
        return body, headers

    def _prepare(self, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None) -> tuple[str, Any]:
        """The request text (prefixes declared, parameters bound) and the query's form, from a local parse."""
        text = substitute(sparql, substitutions or {})
        form = _EMPTY.query(text, prefixes=PREFIXES)  # raises SyntaxError with the user's line and column
        return _with_prefixes(text), form

    # -- reading ----------------------------------------------------------------------------------
    def query(self, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None) -> Any:
        """See :meth:`casegraph.backend.GraphStore.query`; SELECT answers capped by the server are paged."""
        text, form = self._prepare(sparql, substitutions)
        if isinstance(form, ox.QueryBoolean):
            body, _ = self._send(text, "application/sparql-results+json")
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(form, ox.QuerySolutions):
            body, _ = self._send(text, "application/n-triples")
            return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        return self._select(text)

    def _select(self, text: str) -> Solutions:
        body, headers = self._send(text, "application/sparql-results+json")
        answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(answer, ox.QuerySolutions)
        variables = list(answer.variables)
        rows = list(answer)
        cap = _cap(headers)
        if cap is None or len(rows) < cap:
            return Solutions(variables, rows)
        self.page_size = cap
        return Solutions(variables, self._paged(text, variables, cap))

    def _paged(self, text: str, variables: Sequence[ox.Variable], cap: int) -> list[ox.QuerySolution]:
        """All rows of a capped SELECT, a page of ``cap`` rows at a time.

        The query becomes a subquery, ordered by every variable it projects (so pages neither overlap nor
        skip) unless it has an ORDER BY of its own, and the paging happens outside it - Virtuoso refuses
        ``ORDER BY`` with a large ``OFFSET`` at the top level, but not around a subquery.
        """
        prologue = _PROLOGUE.match(text)
        head, body = (text[:prologue.end()], text[prologue.end():]) if prologue else ("", text)
        if not variables:
            raise TruncatedAnswer(f"{self.endpoint} capped the answer at {cap:,} rows and it has no variables "
                                  "to page by; raise the server's row limit (Virtuoso: ResultSetMaxRows)")
        names = " ".join(str(v) for v in variables)
        inner = body if _ORDER_BY.search(body) else f"SELECT {names} WHERE {{ {{ {body} }} }} ORDER BY {names}"
        rows: list[ox.QuerySolution] = []
        while True:
            page = f"{head}SELECT {names} WHERE {{ {{ {inner} }} }} OFFSET {len(rows)} LIMIT {cap}"
            answer_body, _ = self._send(page, "application/sparql-results+json")
            answer = ox.parse_query_results(answer_body, format=ox.QueryResultsFormat.JSON)
            assert isinstance(answer, ox.QuerySolutions)
            batch = list(answer)
            rows += batch
            if len(batch) < cap:
                return rows

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, Any]]:
        """Rows of a SELECT as dicts of pyoxigraph terms (unbound variables absent)."""
        from casegraph.backend import rows

        return rows(self.query(sparql, bindings))

    def quads(self, subject: ox.NamedNode | ox.BlankNode | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: str | None = None) -> Iterator[ox.Quad]:
        s, p, o = (_term(t) if t is not None else v for t, v in ((subject, "?s"), (predicate, "?p"), (object, "?o")))
        g = f"<{graph}>" if graph is not None else "?g"
        rows = self._select(_with_prefixes(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}"))
        for row in rows:
            yield ox.Quad(subject or row["s"], predicate or row["p"], object or row["o"],
                          ox.NamedNode(graph) if graph is not None else row["g"])

    def quads_about(self, subjects: Iterable[str]) -> Iterator[ox.Quad]:
        iris = list(subjects)
        for start in range(0, len(iris), LOOKUP_CHUNK):
            values = " ".join(f"<{i}>" for i in iris[start:start + LOOKUP_CHUNK])
            text = f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            for row in self._select(_with_prefixes(text)):
                yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    def named_graphs(self) -> list[str]:
        text = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{GRAPH}")) }}'
        return [row["g"].value for row in self._select(_with_prefixes(text))]

    def graphs(self) -> dict[str, int]:
        text = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f'FILTER (STRSTARTS(STR(?g), "{GRAPH}")) }} GROUP BY ?g')
        return {row["g"].value: int(row["n"].value) for row in self._select(_with_prefixes(text))}

    def __len__(self) -> int:
        text = f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{GRAPH}")) }}'
        rows = list(self._select(_with_prefixes(text)))
        return int(rows[0]["n"].value) if rows else 0

    def fingerprint(self) -> str | None:
        for quad in self.quads(STORE_NODE, FINGERPRINT, None, META_GRAPH):
            return str(quad.object.value) if isinstance(quad.object, ox.Literal) else None
        return None

    def is_built(self) -> bool:
        return self.fingerprint() is not None

    def triples(self, graph: str | None = None) -> Iterator[ox.Triple]:
        for q in self.quads(graph=graph):
            yield ox.Triple(q.subject, q.predicate, q.object)

    def flush(self) -> None:
        """Nothing to do: the server persists its own writes."""

    def close(self) -> None:
        """Nothing to release: every request is its own connection."""

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        """One SPARQL 1.1 Update request (the server runs it as one transaction)."""
        wrapper = self._wrapper(self.update_endpoint)
        wrapper.setQuery(_with_prefixes(sparql))  # an update form (INSERT, DROP, ADD...): sent as 'update='
        if not wrapper.isSparqlUpdateRequest():
            raise StoreError(f"not a SPARQL update: {sparql[:80]!r}")
        try:
            wrapper.query().response.read()
        except SPARQLWrapperException as exc:
            raise StoreError(f"{self.update_endpoint} refused the update: {_first_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"cannot reach the SPARQL update endpoint {self.update_endpoint}: {exc}") from None

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads all or none: one ``INSERT DATA`` when small, else staged chunks moved in one request."""
        by_graph = _by_graph(quads)
        total = sum(len(v) for v in by_graph.values())
        if total == 0:
            return
        if total <= WRITE_CHUNK:
            self.update(_insert(" ".join(_graph_block(g, ts) for g, ts in by_graph.items())))
            return
        staged = self._stage(by_graph)
        self._commit(" ; ".join(f"ADD SILENT <{s}> TO <{g}> ; DROP SILENT GRAPH <{s}>" for g, s in staged.items()),
                     staged)

    def replace(self, graphs: Mapping[str, Sequence[ox.Triple]], drop: Iterable[str] = ()) -> None:
        """Make each graph of ``graphs`` hold exactly its triples and drop the graphs ``drop``, in one
        request once the new contents are staged (what a build of the seed graph does)."""
        staged = self._stage({g: list(ts) for g, ts in graphs.items() if ts})
        ops = [f"MOVE SILENT <{s}> TO <{g}>" for g, s in staged.items()]
        ops += [f"DROP SILENT GRAPH <{g}>" for g in {*drop, *(g for g, ts in graphs.items() if not ts)}]
        if ops:
            self._commit(" ; ".join(ops), staged)

    def _stage(self, by_graph: Mapping[str, Sequence[ox.Triple]]) -> dict[str, str]:
        """Write each graph's triples into a staging graph of its own, chunk by chunk; graph -> staging IRI."""
        run = uuid.uuid4().hex
        staged: dict[str, str] = {}
        try:
            for n, (graph, triples) in enumerate(by_graph.items()):
                staging = f"{STAGING}{run}:{n}"
                staged[graph] = staging
                for chunk in _chunks(triples, WRITE_CHUNK):
                    self.update(_insert(_graph_block(staging, chunk)))
        except BaseException:
            self._drop_staging(staged.values())
            raise
        return staged

    def _commit(self, operations: str, staged: Mapping[str, str]) -> None:
        try:
            self.update(operations)
        except BaseException:
            self._drop_staging(staged.values())
            raise

    def _drop_staging(self, graphs: Iterable[str]) -> None:
        ops = " ; ".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
        if ops:
            with suppress(StoreError):  # the original failure is the one to report
                self.update(ops)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for graph, triples in _by_graph(quads).items():
            for chunk in _chunks(triples, WRITE_CHUNK):
                self.update("DELETE DATA { " + _graph_block(graph, chunk) + " }")


def _canonical(body: bytes) -> bytes:
    """SPARQL JSON from Virtuoso made parseable and canonical: blank node labels pyoxigraph accepts (the
    same label for the same node in every answer) and booleans as ``true``/``false``."""
    body = _VIRTUOSO_BNODE.sub(rb"\1", body)
    return _VIRTUOSO_BOOLEAN.sub(lambda m: m.group(1) + (b'true"' if m.group(2) == b"1" else b'false"'), body)


def _cap(headers: Mapping[str, str]) -> int | None:
    """The row cap a server says it applied (Virtuoso: ``X-SPARQL-MaxRows``), if any."""
    value = headers.get("x-sparql-maxrows")
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _term(term: Term) -> str:
    """A term in SPARQL syntax; a blank node read from the server is named as the server names it
    (Virtuoso: ``<nodeID://b10000>``), so a node seen in one answer can be looked up in the next."""
    if isinstance(term, ox.BlankNode):
        return f"<nodeID://{term.value}>"
    return str(term)


def _with_prefixes(text: str) -> str:
    """``text`` with casegraph's prefixes declared in front, except those it declares itself."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(text)}
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared) + text


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Triple]]:
    out: dict[str, list[ox.Triple]] = {}
    for q in quads:
        if not isinstance(q.graph_name, ox.NamedNode):
            raise StoreError("a SPARQL server store takes quads in named graphs only")
        out.setdefault(q.graph_name.value, []).append(q.triple)
    return out


def _chunks(triples: Sequence[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Chunks of about ``size`` triples; triples linked through a blank node stay in one chunk (blank node
    labels are scoped to one request, so splitting them would make two nodes of one)."""
    plain: list[ox.Triple] = []
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    linked: list[tuple[ox.Triple, list[str]]] = []
    for t in triples:
        blanks = [term.value for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)]
        if not blanks:
            plain.append(t)
            continue
        linked.append((t, blanks))
        for b in blanks[1:]:
            parent[find(b)] = find(blanks[0])
    groups: dict[str, list[ox.Triple]] = {}
    for t, blanks in linked:
        groups.setdefault(find(blanks[0]), []).append(t)
    chunk: list[ox.Triple] = []
    for group in [*groups.values(), *([t] for t in plain)]:
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk += group
    if chunk:
        yield chunk


def _insert(blocks: str) -> str:
    """``INSERT DATA``, or where blank nodes occur ``INSERT {...} WHERE {}`` (same effect: one solution, so
    each label is one new node), since Virtuoso refuses blank nodes in ``INSERT DATA``."""
    return f"INSERT {{ {blocks} }} WHERE {{}}" if "_:" in blocks else f"INSERT DATA {{ {blocks} }}"


def _graph_block(graph: str, triples: Iterable[ox.Triple]) -> str:
    return f"GRAPH <{graph}> {{ " + " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples) + " }"


def _first_line(exc: BaseException) -> str:
    """The server's own message when SPARQLWrapper quotes it (``Response: b'Virtuoso 37000 Error ...'``)."""
    text = str(exc).strip()
    if "Response:" in text:
        body = text.split("Response:", 1)[1].strip()
        if body.startswith(("b'", 'b"')):
            body = body[2:-1].encode().decode("unicode_escape", errors="replace")
        lines = [ln for ln in body.splitlines() if ln.strip()]
        if lines:
            return lines[0][:500]
    return text.splitlines()[0][:500] if text else type(exc).__name__
