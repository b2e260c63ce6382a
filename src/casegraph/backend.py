"""One store interface, two implementations: the embedded pyoxigraph store and a SPARQL 1.1 server.

Every part of casegraph that reads or writes the graph (stored queries, validation, intake, withdrawal,
reasoning, exploration) is written against :class:`GraphStore`, so no command knows which one it has:

* :class:`casegraph.store.Store` - pyoxigraph on disk (the default), or in memory;
* :class:`casegraph.remote.RemoteStore` - any SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB) reached
  through SPARQLWrapper for queries and SPARQL 1.1 Update for writes.

:func:`open_backend` picks one from the command line's ``--store`` / ``--endpoint`` options.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Progress = Callable[[str], None]

#: Environment variables holding the server's credentials (never taken from the command line).
USER_ENV = "CASEGRAPH_ENDPOINT_USER"
PASSWORD_ENV = "CASEGRAPH_ENDPOINT_PASSWORD"


@runtime_checkable
class GraphStore(Protocol):
    """What casegraph needs from a quad store. Methods that write are atomic unless they say otherwise."""

    def query(self, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None) -> Any:
        """A SPARQL query over the union of all graphs, with the casegraph prefixes predeclared.

        Returns ``ox.QuerySolutions`` (SELECT), ``ox.QueryBoolean`` (ASK) or an iterable of ``ox.Triple``
        (CONSTRUCT, DESCRIBE); a syntax error raises ``SyntaxError`` naming line and column.
        """
        ...

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, Any]]:
        """Rows of a SELECT as dicts of pyoxigraph terms (unbound variables absent)."""
        ...

    def quads(self, subject: ox.NamedNode | ox.BlankNode | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: str | None = None) -> Iterator[ox.Quad]:
        """The quads matching a pattern (``None`` matches anything; ``graph`` is an IRI)."""
        ...

    def quads_about(self, subjects: Iterable[str]) -> Iterator[ox.Quad]:
        """Every quad, in any graph, whose subject is one of the IRIs ``subjects`` (one round trip per
        batch on a server, where a lookup per subject would cost a request each)."""
        ...

    def named_graphs(self) -> list[str]:
        """The IRIs of casegraph's named graphs (a server's own system graphs are left out)."""
        ...

    def graphs(self) -> dict[str, int]:
        """casegraph's named graphs and their triple counts."""
        ...

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads, all or none: a failed write leaves none of them visible in their graphs."""
        ...

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        """Remove quads (not necessarily atomic: used only to bring inferred graphs up to date)."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update request as one transaction."""
        ...

    def flush(self) -> None:
        """Write to disk what committed writes left in memory (a long intake calls it now and then)."""
        ...

    def fingerprint(self) -> str | None:
        """The build fingerprint recorded in the meta graph, or ``None`` when the store was never built."""
        ...

    def is_built(self) -> bool: ...

    def triples(self, graph: str | None = None) -> Iterator[ox.Triple]:
        """The triples of one graph (``None``: of every graph)."""
        ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> GraphStore: ...

    def __exit__(self, *exc: object) -> None: ...

    @property
    def location(self) -> str:
        """Where the graph lives, for messages: a folder or an endpoint URL."""
        ...


def rows(solutions: Any) -> list[dict[str, Any]]:
    """SELECT solutions (pyoxigraph's or a server's) as dicts of terms, unbound variables absent."""
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def open_backend(store_path: Path | None = None, endpoint: str | None = None, update_endpoint: str | None = None,
                 *, build_if_missing: bool = True, progress: Progress | None = None,
                 require_built: bool = True) -> GraphStore:
    """The store the options name: a SPARQL server when ``endpoint`` is given, else the embedded store.

    A server that holds no casegraph build yet is built first (like a missing embedded store), unless
    ``build_if_missing`` is false (``require_built=False``: a server is returned as it is, for ``build``).
    Credentials come from ``$CASEGRAPH_ENDPOINT_USER`` and
    ``$CASEGRAPH_ENDPOINT_PASSWORD``.
    """
    if endpoint:
        from casegraph.remote import RemoteStore
        from casegraph.store import ensure_built

        remote = RemoteStore(endpoint, update_endpoint, user=os.environ.get(USER_ENV),
                             password=os.environ.get(PASSWORD_ENV))
        if require_built:
            ensure_built(remote, build_if_missing=build_if_missing, progress=progress)
        return remote
    from casegraph.store import open_store

    return open_store(store_path, build_if_missing=build_if_missing, progress=progress)
