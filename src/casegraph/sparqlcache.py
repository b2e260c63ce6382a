"""Parse each SHACL-SPARQL query once per process instead of once per focus node.

pyshacl hands rdflib the text of a SPARQL constraint for every focus node it checks, and rdflib parses it
again each time (about 0.1 s with pyparsing) - far more than evaluating it. Translated queries do not
depend on the bindings, so the translation is cached by query text, base and prefixes; evaluation is
unchanged. This is rdflib's own ``prepareQuery`` route, taken automatically.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

_installed = False


@lru_cache(maxsize=512)
def _translated(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces))


def install() -> None:
    """Make rdflib's SPARQL processor reuse translated queries (idempotent)."""
    global _installed
    if _installed:
        return
    original = processor.SPARQLProcessor.query

    def query(self: processor.SPARQLProcessor, strOrQuery: str | Query,
              initBindings: Mapping[str, Any] | None = None, initNs: Mapping[str, Any] | None = None,
              base: str | None = None, DEBUG: bool = False) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    _installed = True
