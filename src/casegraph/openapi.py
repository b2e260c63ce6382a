"""The web API's OpenAPI 3.1 description, built from the stored-query files (grlc-style): one path per
``.rq`` file, its parameters typed from the query's variable names, so the description never drifts from
the queries the server actually has."""

from __future__ import annotations

from typing import Any

from casegraph import __version__
from casegraph.queries import Parameter, StoredQuery, list_queries

_SCHEMA_TYPES = {"integer": {"type": "integer"}, "decimal": {"type": "number"}, "number": {"type": "number"},
                 "boolean": {"type": "boolean"}}
_ERROR = {"description": "The error, in words a user can act on",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_IRIS = {"type": "array", "items": {"type": "string", "format": "iri"}}
_DOCUMENT_TYPES = ("application/json", "application/ld+json", "application/yaml", "text/turtle",
                   "application/n-triples", "application/rdf+xml")


def _parameter(p: Parameter) -> dict[str, Any]:
    schema: dict[str, Any] = dict(_SCHEMA_TYPES.get(p.type, {"type": "string"}))
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.default is not None:
        schema["default"] = p.default
    description = p.description or ""
    if p.type == "iri":
        description += (" " if description else "") + "An IRI, CURIE, label or synonym (resolved against the graph)."
    return {"name": p.name, "in": "query", "required": p.required, "schema": schema, "description": description}


def _stored_path(q: StoredQuery) -> dict[str, Any]:
    return {"get": {
        "operationId": f"query_{q.name.replace('-', '_')}",
        "summary": q.summary or q.name,
        "description": q.description,
        "tags": ["stored queries", *q.tags],
        "parameters": [_parameter(p) for p in q.parameters] + [
            {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}}],
        "responses": {
            "200": {"description": "The rows (SPARQL JSON bindings), cut at the server's result cap and said to be",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rows"}},
                                "text/csv": {"schema": {"type": "string"}}}},
            "400": _ERROR, "503": _ERROR,
        },
    }}


def document(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI document."""
    body = {"required": True, "content": {t: {"schema": {"type": "string"}} for t in _DOCUMENT_TYPES}}
    paths: dict[str, Any] = {
        "/api/queries": {"get": {"operationId": "list_queries", "summary": "The stored queries and their parameters",
                                 "tags": ["stored queries"],
                                 "responses": {"200": {"description": "The catalogue", "content": {
                                     "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}}},
        **{f"/api/queries/{q.name}": _stored_path(q) for q in list_queries()},
        "/api/search": {"get": {"operationId": "search", "summary": "Entities whose names contain the text",
                                "tags": ["explore"], "parameters": [
                                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20}}],
                                "responses": {"200": {"description": "Matching entities (iri, label, kind)"}}}},
        "/api/explore": {"get": {"operationId": "explore", "summary": "An entity's neighbourhood, with its sources",
                                 "tags": ["explore"], "parameters": [
                                     {"name": "term", "in": "query", "required": True, "schema": {"type": "string"},
                                      "description": "A label, synonym, CURIE or IRI"},
                                     {"name": "depth", "in": "query", "schema": {"type": "integer", "default": 1,
                                                                                 "minimum": 1, "maximum": 3}}],
                                 "responses": {"200": {"description": "Sections of neighbours, network, scores"},
                                               "400": _ERROR}}},
        "/api/validate": {"post": {"operationId": "validate", "summary": "Validate a case document (no write)",
                                   "tags": ["submissions"], "requestBody": body, "parameters": [
                                       {"name": "filename", "in": "query", "schema": {"type": "string"},
                                        "description": "Read the document as a file of this name (its suffix picks the format)"}],
                                   "responses": {"200": {"description": "The validation report (JSON, or SHACL Turtle)"},
                                                 "400": _ERROR, "413": _ERROR}}},
        "/api/submissions": {"post": {"operationId": "submit", "summary": "Submit a case document: all of it or nothing",
                                      "tags": ["submissions"], "requestBody": body, "security": [{"token": []}],
                                      "responses": {"201": {"description": "Accepted"}, "200": {"description": "Already there"},
                                                    "422": {"description": "Rejected: the validation report"},
                                                    "400": _ERROR, "403": _ERROR}}},
        "/sparql": {"get": {"operationId": "sparql", "summary": "SPARQL 1.1 Protocol query endpoint (read-only)",
                            "tags": ["sparql"], "parameters": [
                                {"name": "query", "in": "query", "required": True, "schema": {"type": "string"}},
                                {"name": "default-graph-uri", "in": "query", "schema": _IRIS},
                                {"name": "named-graph-uri", "in": "query", "schema": _IRIS}],
                            "responses": {"200": {"description": "SPARQL results (JSON, XML, CSV, TSV) or RDF"},
                                          "400": _ERROR, "403": _ERROR, "503": _ERROR}}},
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "casegraph", "version": __version__,
                 "description": "Drug case reports as a knowledge graph: stored SPARQL queries, validation, exploration."},
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
                "Rows": {"type": "object", "properties": {
                    "query": {"type": "string"}, "variables": {"type": "array", "items": {"type": "string"}},
                    "rows": {"type": "array", "items": {"type": "object"}}, "truncated": {"type": "boolean"},
                    "limit": {"type": "integer"}, "elapsed_ms": {"type": "number"}}},
            },
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "The token the server was started with ($CASEGRAPH_UPDATE_TOKEN)"}},
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
