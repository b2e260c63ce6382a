"""Reading RDF files with errors a curator can act on (file, line, column, what is allowed).

Parsing is done by pyoxigraph, which never fetches anything from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from casegraph import resources
from casegraph.errors import InputError

#: File extensions and the RDF syntax each stands for.
FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}

#: Files larger than this are refused before parsing (bytes).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class RdfDocument:
    """A parsed file: its path, its triples (graph names dropped) and its syntax."""

    path: Path
    triples: list[ox.Triple]
    format: ox.RdfFormat


def _allowed() -> str:
    return ", ".join(sorted(FORMATS))


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file that must exist, be a regular file, be non-empty text within the size limit."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected an RDF file ({_allowed()})")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{path}: file is {size:,} bytes, over the limit of {max_bytes:,} bytes")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path}: file is empty")
    if b"\x00" in data:
        raise InputError(f"{path}: file is binary (contains NUL bytes), expected RDF text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 (byte offset {exc.start})") from None
    return data


def format_for(path: Path, override: str | None = None) -> ox.RdfFormat:
    """The syntax of a file from ``override`` (an extension or name like ``turtle``) or its extension."""
    if override:
        key = override.lower()
        key = key if key.startswith(".") else "." + {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt",
                                                       "rdfxml": "rdf", "rdf/xml": "rdf", "json-ld": "jsonld",
                                                       }.get(key, key)
        if key in FORMATS:
            return FORMATS[key]
        raise InputError(f"unknown format {override!r}; allowed: turtle, ntriples, rdfxml, jsonld, trig, nquads")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown file extension {path.suffix!r}; allowed: {_allowed()}")
    return fmt


def parse_file(path: Path, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> RdfDocument:
    """Parse one RDF file; syntax errors name the file, line and column."""
    data = read_bytes(path, max_bytes)
    rdf_format = format_for(path, fmt)
    try:
        quads = list(ox.parse(data, format=rdf_format, base_iri=path.resolve().as_uri()))
    except SyntaxError as exc:
        raise InputError(f"{path}:{error_position(exc)} syntax error: {error_reason(exc)}") from None
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return RdfDocument(path=path, triples=triples, format=rdf_format)


def error_position(exc: SyntaxError) -> str:
    """``line:column:`` of a pyoxigraph syntax error, or nothing when it has no position."""
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "offset", None)
    if line:
        return f"{line}:{col or 1}:"
    return ""


def error_reason(exc: SyntaxError) -> str:
    """The explanation of a pyoxigraph syntax error, without the position it repeats."""
    msg = str(exc.args[0]) if exc.args else str(exc)
    if ": " in msg and msg.lower().startswith("parser error"):
        msg = msg.split(": ", 1)[1]
    if "prefix" in msg.lower() and "not" in msg.lower():
        msg += " (declare it with @prefix, or use a full <IRI>)"
    return msg


@cache
def ontology_triples() -> tuple[ox.Triple, ...]:
    """The shipped ontology, parsed once per process (readers and validation share it)."""
    return tuple(parse_file(resources.ontology_file()).triples)


@cache
def reference_triples() -> tuple[ox.Triple, ...]:
    """The shipped reference vocabulary, parsed once per process."""
    return tuple(t for path in resources.reference_files() for t in parse_file(path).triples)


def to_ntriples(triples: list[ox.Triple]) -> bytes:
    """Serialise triples as N-Triples (the fastest route into rdflib for pyshacl)."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
