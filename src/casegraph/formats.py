"""Writing query results as a table, SPARQL 1.1 JSON, CSV or TSV results."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyoxigraph as ox

from casegraph.namespaces import curie
from casegraph.queries import QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json")


def shorten(iri: str) -> str:
    return curie(iri, skip=("rdf", "xsd", "owl")) or iri


def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def to_sparql_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean}, indent=2)
    body = {
        "head": {"vars": result.variables},
        "results": {"bindings": [{k: _json_term(v) for k, v in row.items()} for row in result.terms]},
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def to_delimited(result: QueryResult, delimiter: str) -> str:
    """SPARQL 1.1 CSV (plain values) or TSV (RDF term syntax) results."""
    buf = io.StringIO()
    if delimiter == ",":
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.terms:
            writer.writerow([row[v].value if v in row else "" for v in result.variables])
        return buf.getvalue()
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.terms:
        lines.append("\t".join(str(row[v]) if v in row else "" for v in result.variables))
    return "\n".join(lines) + "\n"


def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    return str(term.value)


def render(result: QueryResult, fmt: str) -> str:
    """Text of the result in ``fmt`` (one of :data:`RESULT_FORMATS`); ``table`` is for people."""
    if fmt == "json":
        return to_sparql_json(result)
    if fmt == "csv":
        return to_delimited(result, ",")
    if fmt == "tsv":
        return to_delimited(result, "\t")
    if result.boolean is not None:
        return "yes" if result.boolean else "no"
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for v in result.variables:
        table.add_column(v, overflow="fold")
    for row in result.terms:
        table.add_row(*(cell(row.get(v)) for v in result.variables))
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(table)
    console.print(f"{len(result.terms)} row(s)")
    return console.export_text()
