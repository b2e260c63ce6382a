"""The subset of JSON-LD 1.1 that case documents use, turned into triples without a JSON-LD processor.

A case document *is* JSON-LD through the shipped context, and pyoxigraph's JSON-LD parser is the
reference reading of it. Parsing costs about a millisecond a document, most of it spent processing the
same 150-term context again, which is half of what batch intake may spend on a whole case. So the context
is processed once, here, and the (enriched) document is walked directly. Only what the context uses is
implemented: term definitions with ``@id`` or ``@reverse``, type coercion to ``@id``, ``@vocab`` or a
datatype, property-scoped contexts with terms or ``@vocab``, CURIEs through prefix terms, ``@base``, and
node objects that all have an ``@id``. Anything else raises :class:`Unsupported` and the caller falls back
to the JSON-LD parser, so the fast path can be incomplete but never different: the tests compare both on
every document they have.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = ox.NamedNode(XSD + "integer")
_DOUBLE = ox.NamedNode(XSD + "double")
_BOOLEAN = ox.NamedNode(XSD + "boolean")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
#: A plain name (no dot segment, slash or scheme), a fragment, or a name with a fragment.
_SIMPLE = re.compile(r"^(?:[A-Za-z0-9_-][A-Za-z0-9_.~-]*)?(?:#[A-Za-z0-9_~./-]*)?$")
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")
_TERM_KEYS = {"@id", "@reverse", "@type", "@context", "@prefix"}


class Unsupported(Exception):
    """The document uses JSON-LD beyond this subset; read it with a full JSON-LD processor instead."""


@dataclass(frozen=True)
class Term:
    """A processed term definition."""

    iri: str
    reverse: bool = False
    #: ``@id``, ``@vocab``, a datatype IRI, or None (no coercion).
    coerce: str | None = None
    #: The raw property-scoped context, if any.
    scoped: dict[str, Any] | None = None


@dataclass
class Context:
    """An active context: terms, the prefixes usable in CURIEs, ``@vocab`` and keyword aliases."""

    terms: dict[str, Term] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    vocab: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    _scoped: dict[str, Context] = field(default_factory=dict)

    def scoped(self, name: str) -> Context:
        """The context in effect for the values of term ``name`` (its scoped context, cached)."""
        term = self.terms[name]
        if term.scoped is None:
            return self
        if name not in self._scoped:
            self._scoped[name] = process(term.scoped, parent=self)
        return self._scoped[name]


def process(raw: dict[str, Any], parent: Context | None = None) -> Context:
    """Process a local context (a JSON object) on top of ``parent``."""
    ctx = Context(terms=dict(parent.terms) if parent else {}, prefixes=dict(parent.prefixes) if parent else {},
                  vocab=parent.vocab if parent else None, aliases=dict(parent.aliases) if parent else {})
    pending: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "@version":
            continue
        if key == "@vocab":
            if not isinstance(value, str):
                raise Unsupported("@vocab that is not a string")
            ctx.vocab = _expand_raw(value, ctx, raw)
        elif key.startswith("@"):
            raise Unsupported(f"context keyword {key}")
        elif isinstance(value, str) and value.startswith("@"):
            if value not in ("@id", "@type"):
                raise Unsupported(f"alias of {value}")
            ctx.aliases[key] = value
            ctx.terms.pop(key, None)
        else:
            pending[key] = value
    for key, value in pending.items():
        ctx.aliases.pop(key, None)
        if isinstance(value, str):
            iri = _expand_raw(value, ctx, raw)
            ctx.terms[key] = Term(iri)
            if ":" not in key and iri.endswith(_GEN_DELIMS):
                ctx.prefixes[key] = iri
            else:
                ctx.prefixes.pop(key, None)
        elif isinstance(value, dict):
            if set(value) - _TERM_KEYS or ("@id" in value) == ("@reverse" in value):
                raise Unsupported(f"term definition of {key!r}")
            reverse = "@reverse" in value
            iri = _expand_raw(value["@reverse" if reverse else "@id"], ctx, raw)
            coerce = value.get("@type")
            if coerce is not None and coerce not in ("@id", "@vocab"):
                coerce = _expand_raw(coerce, ctx, raw)
            scoped = value.get("@context")
            if scoped is not None and not isinstance(scoped, dict):
                raise Unsupported(f"scoped context of {key!r}")
            ctx.terms[key] = Term(iri, reverse, coerce, scoped)
            if value.get("@prefix") is True:
                ctx.prefixes[key] = iri
            else:
                ctx.prefixes.pop(key, None)
        else:
            raise Unsupported(f"term definition of {key!r}")
    return ctx


def _expand_raw(value: str, ctx: Context, raw: dict[str, Any]) -> str:
    """Expand an IRI inside a context: terms and prefixes may be defined anywhere in the same context."""
    if not isinstance(value, str):
        raise Unsupported("IRI mapping that is not a string")
    if value.startswith("@"):
        raise Unsupported(f"keyword {value} in a term definition")
    prefix, sep, suffix = value.partition(":")
    if sep and not suffix.startswith("//"):
        defined = raw.get(prefix)
        if isinstance(defined, str) and not defined.startswith("@"):
            return _expand_raw(defined, ctx, raw) + suffix
        if isinstance(defined, dict) and isinstance(defined.get("@id"), str):
            return _expand_raw(defined["@id"], ctx, raw) + suffix
        if prefix in ctx.prefixes:
            return ctx.prefixes[prefix] + suffix
    if _SCHEME.match(value):
        return value
    if value in raw:
        return _expand_raw(raw[value] if isinstance(raw[value], str) else raw[value]["@id"], ctx, raw)
    if value in ctx.terms:
        return ctx.terms[value].iri
    if ctx.vocab is not None:
        return ctx.vocab + value
    raise Unsupported(f"cannot expand {value!r} in a context")


def expand_iri(value: str, ctx: Context, base: str, *, vocab: bool) -> str:
    """JSON-LD IRI expansion (document-relative) for the subset."""
    if value.startswith("@") or value.startswith("_:") or value in ctx.aliases:
        raise Unsupported(f"keyword, keyword alias or blank node identifier {value!r}")
    if vocab and value in ctx.terms:
        return ctx.terms[value].iri
    prefix, sep, suffix = value.partition(":")
    if sep:
        if not suffix.startswith("//") and prefix in ctx.prefixes:
            return ctx.prefixes[prefix] + suffix
        if _SCHEME.match(value):
            return value
        if not vocab or ctx.vocab is None:
            raise Unsupported(f"{value!r} is neither a CURIE nor an absolute IRI")
    if vocab and ctx.vocab is not None:
        return ctx.vocab + value
    return resolve(base, value)


def resolve(base: str, reference: str) -> str:
    """RFC 3986 resolution of the two relative forms case documents use: a fragment (``#/patient``) and a
    plain name (``case``). Other forms (dot segments, empty queries, ``//``) are left to the parser, whose
    IRI resolution is the reference."""
    if reference and "#" not in base and "?" not in base and base.endswith("/") and _SIMPLE.match(reference):
        return base + reference
    raise Unsupported(f"relative reference {reference!r}")


def double(value: float) -> str:
    """The canonical xsd:double form JSON-LD gives a number with a fraction: ``1.25E1`` (shortest digits)."""
    if math.isnan(value) or math.isinf(value):
        raise Unsupported("NaN or infinity")
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{exponent + len(text) - 1}"


def triples(nodes: list[Any], ctx: Context, base: str) -> list[ox.Triple]:
    """The triples of a list of top-level node objects (the value of ``@graph``), in document order."""
    out: dict[ox.Triple, None] = {}
    try:
        for node in nodes:
            if not isinstance(node, dict):
                raise Unsupported("a top-level item that is not a node object")
            _node(node, ctx, base, out)
    except ValueError as exc:  # an IRI or a string pyoxigraph refuses: the parser says what is wrong
        raise Unsupported(str(exc)) from None
    return list(out)


def _node(node: dict[str, Any], ctx: Context, base: str, out: dict[ox.Triple, None]) -> ox.NamedNode:
    subject: ox.NamedNode | None = None
    for key, value in node.items():
        if ctx.aliases.get(key, key) == "@id":
            if not isinstance(value, str) or subject is not None:
                raise Unsupported("@id that is not a string, or given twice")
            subject = ox.NamedNode(expand_iri(value, ctx, base, vocab=False))
    if subject is None:
        raise Unsupported("a node object without an @id (a blank node)")
    for key, value in node.items():
        keyword = ctx.aliases.get(key, key)
        if keyword == "@id":
            continue
        if keyword == "@type":
            for v in value if isinstance(value, list) else [value]:
                if not isinstance(v, str):
                    raise Unsupported("@type that is not a string")
                out[ox.Triple(subject, RDF_TYPE, ox.NamedNode(expand_iri(v, ctx, base, vocab=True)))] = None
            continue
        if key.startswith("@"):
            raise Unsupported(f"keyword {key} in a node object")
        term = ctx.terms.get(key)
        if term is None:
            if ":" in key or ctx.vocab is not None:
                raise Unsupported(f"property {key!r} that is not a term")
            continue  # JSON-LD drops keys that expand to nothing
        predicate = ox.NamedNode(term.iri)
        for v in value if isinstance(value, list) else [value]:
            if v is None:
                continue
            if isinstance(v, dict):
                if term.scoped is not None:
                    raise Unsupported(f"node object under the scoped term {key!r}")
                obj: ox.NamedNode | ox.Literal = _node(v, ctx, base, out)
            elif term.reverse:
                raise Unsupported(f"reverse property {key!r} with a value that is not a node object")
            else:
                obj = _value(v, term, ctx.scoped(key), base)
            if term.reverse:
                assert isinstance(obj, ox.NamedNode)
                out[ox.Triple(obj, predicate, subject)] = None
            else:
                out[ox.Triple(subject, predicate, obj)] = None
    return subject


def _value(v: Any, term: Term, ctx: Context, base: str) -> ox.NamedNode | ox.Literal:
    if isinstance(v, list):
        raise Unsupported("nested list")
    if isinstance(v, str):
        if term.coerce == "@id":
            return ox.NamedNode(expand_iri(v, ctx, base, vocab=False))
        if term.coerce == "@vocab":
            return ox.NamedNode(expand_iri(v, ctx, base, vocab=True))
        if term.coerce is not None:
            return ox.Literal(v, datatype=ox.NamedNode(term.coerce))
        return ox.Literal(v)
    if term.coerce is not None and term.coerce not in ("@id", "@vocab", _INTEGER.value):
        raise Unsupported(f"a number or boolean coerced to {term.coerce}")
    if isinstance(v, bool):
        if term.coerce is not None:
            raise Unsupported("a coerced boolean")
        return ox.Literal("true" if v else "false", datatype=_BOOLEAN)
    if isinstance(v, int):
        if abs(v) >= 10**20:  # pyoxigraph reads these as doubles
            raise Unsupported("an integer of 1e20 or more")
        return ox.Literal(str(v), datatype=_INTEGER)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e20:  # pyoxigraph's bound (the spec says 1e21); tests hold us to it
            return ox.Literal(str(int(Decimal(repr(v)))), datatype=_INTEGER)  # the digits JSON has
        if term.coerce is not None:
            raise Unsupported("a coerced number with a fraction")
        return ox.Literal(double(v), datatype=_DOUBLE)
    raise Unsupported(f"a value of type {type(v).__name__}")
