"""The SPARQL 1.1 Protocol's small parts: content negotiation, telling queries from updates, refusing
SERVICE, and writing (possibly capped) answers in the standard result and graph formats.

Kept apart from the web server so that the query workers, which never import Starlette, can use it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

#: Result formats for SELECT and ASK, by media type.
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: Graph formats for CONSTRUCT and DESCRIBE, by media type.
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/x-json+ld": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: What each result format is sent as.
RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
#: ``format=`` / ``output=`` values some clients send instead of an Accept header.
FORMAT_ALIASES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
                  "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
                  "jsonld": "application/ld+json", "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml"}
#: The IRI in ``head.link`` (JSON) or ``<link>`` (XML) that says an answer was cut at the cap.
TRUNCATED_LINK = "urn:casegraph:truncated?limit={limit}"

# Tokens inside which a keyword is not a keyword: strings, IRIs, comments, variables, prefixed names.
_SKIP = re.compile(r'''
    "{3}(?:[^"\\]|\\.|"(?!""))*"{3} | '{3}(?:[^'\\]|\\.|'(?!''))*'{3}
  | "(?:[^"\\\n\r]|\\.)*" | '(?:[^'\\\n\r]|\\.)*'
  | <[^<>"{}|^`\\\x00-\x20]*>
  | \#[^\n\r]*
  | [?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+
  | [\w.\-\u00b7]*:[\w.\-:%\\]*
''', re.X | re.U)
_QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}
_UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def keywords(sparql: str) -> list[str]:
    """The bare words of a SPARQL text, upper-cased, skipping strings, IRIs, comments, variables and
    prefixed names, the way a SPARQL lexer reads it (so ``?service`` or ``"SERVICE"`` do not count)."""
    return [w.upper() for w in re.findall(r"[A-Za-z]+", _SKIP.sub(" ", sparql))]


def uses_service(sparql: str) -> bool:
    """True if the text has a SERVICE clause anywhere. pyoxigraph would call the remote endpoint over
    HTTP, which a public server must not do on a stranger's behalf."""
    return "SERVICE" in keywords(sparql)


def operation_kind(sparql: str) -> str:
    """``query``, ``update`` or ``unknown``: the first keyword after BASE/PREFIX tells."""
    for word in keywords(sparql):
        if word in ("BASE", "PREFIX"):
            continue
        if word in _QUERY_FORMS:
            return "query"
        if word in _UPDATE_FORMS:
            return "update"
        return "unknown"
    return "unknown"


@dataclass(frozen=True)
class Offer:
    media_type: str
    q: float
    order: int


def parse_accept(header: str | None) -> list[Offer]:
    """An Accept header's media ranges, best first (q-value, then the client's order)."""
    offers: list[Offer] = []
    for i, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            offers.append(Offer(fields[0].lower(), q, i))
    return sorted(offers, key=lambda o: (-o.q, o.order))


def negotiate(accept: str | None, form: str, fmt: str | None = None) -> str:
    """The media type to answer with for a query of ``form`` (``select``, ``ask`` or ``graph``).

    ``fmt`` is a ``format=``/``output=`` parameter, used only when the Accept header says nothing useful
    (SPARQLWrapper sends both). An Accept that fits nothing falls back to the default (SPARQL JSON results,
    Turtle graphs) rather than 406: rdflib asks for RDF/XML results for every query form.
    """
    table: dict[str, Any] = GRAPH_TYPES if form == "graph" else RESULT_TYPES
    default = "text/turtle" if form == "graph" else "application/sparql-results+json"
    for offer in parse_accept(accept):
        if offer.media_type in table:
            return offer.media_type
        if offer.media_type in ("*/*", "application/*", "text/*"):
            break
    if fmt and FORMAT_ALIASES.get(fmt.lower()) in table:
        return FORMAT_ALIASES[fmt.lower()]
    return default


# -- writing answers -----------------------------------------------------------------------------------
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def json_term(term: Term) -> dict[str, Any]:
    """A term in SPARQL 1.1 JSON results."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": json_term(term.subject), "predicate": json_term(term.predicate),
                                            "object": json_term(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term) if isinstance(term, ox.Triple) else term.value


def write_solutions(variables: Sequence[str], rows: Iterable[Sequence[Term | None]], fmt: str,
                    limit: int | None = None) -> bytes:
    """SELECT rows in ``fmt`` (json, xml, csv, tsv). ``limit`` set means the rows were cut at that cap,
    and JSON and XML say so in their ``link``; CSV and TSV have no place for it (the headers do)."""
    link = TRUNCATED_LINK.format(limit=limit) if limit is not None else None
    if fmt == "json":
        head: dict[str, Any] = {"vars": list(variables)}
        if link:
            head["link"] = [link]
        bindings = [{v: json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": head, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables)]
        if link:
            out.append(f"<link href={quoteattr(link)}/>")
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    buf = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([_csv_value(t) for t in row])
        return buf.getvalue().encode()
    if fmt == "tsv":
        buf.write("\t".join(f"?{v}" for v in variables) + "\n")
        for row in rows:
            buf.write("\t".join("" if t is None else str(t) for t in row) + "\n")
        return buf.getvalue().encode()
    raise ValueError(f"unknown result format {fmt!r}")


def write_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer in ``fmt``."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    return (("true" if value else "false") + "\n").encode()


def write_graph(triples: Iterable[ox.Triple], media_type: str) -> bytes:
    """CONSTRUCT/DESCRIBE triples in the graph format of ``media_type``, with the project's prefixes."""
    from casegraph.namespaces import PREFIXES

    fmt = GRAPH_TYPES[media_type]
    if fmt == ox.RdfFormat.TURTLE:
        return ox.serialize(triples, format=fmt, prefixes=PREFIXES) or b""
    return ox.serialize(triples, format=fmt) or b""
