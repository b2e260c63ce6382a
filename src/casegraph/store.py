"""The embedded store: pyoxigraph on disk, with one named graph per source.

Layout (see :mod:`casegraph.namespaces`): the ontology, the reference vocabulary, one graph per case file,
a graph of derived triples and a meta graph holding the fingerprint of the inputs it was built from.
A build writes a complete new store beside the old one and swaps it in, so a failed or killed build never
leaves a half-written store.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from platformdirs import user_data_path

from casegraph import resources
from casegraph.errors import StoreError
from casegraph.namespaces import (
    CASES_GRAPH_PREFIX,
    CG,
    DERIVED_SUFFIX,
    INFERRED_SUFFIX,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    REFERENCE_GRAPH,
    REGISTRY_GRAPH,
    SUBMISSIONS_GRAPH_PREFIX,
)
from casegraph.rdfio import RdfDocument, parse_file

if TYPE_CHECKING:
    from casegraph.backend import GraphStore
    from casegraph.remote import RemoteStore

Progress = Callable[[str], None]
Term = ox.NamedNode | ox.BlankNode | ox.Literal

FINGERPRINT = ox.NamedNode(CG + "buildFingerprint")
STORE_NODE = ox.NamedNode(META_GRAPH)


def substitute(sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Replace ``?name``/``$name`` by the N-Triples form of its term (outside ``#`` comments)."""
    if not bindings:
        return sparql
    pattern = re.compile(r"[?$](" + "|".join(re.escape(k) for k in bindings) + r")(?![A-Za-z0-9_])")
    out = []
    for line in sparql.splitlines(keepends=True):
        code, hash_, comment = line.partition("#") if line.lstrip().startswith("#") else (line, "", "")
        out.append(pattern.sub(lambda m: str(bindings[m.group(1)]), code) + hash_ + comment)
    return "".join(out)


def default_store_path() -> Path:
    """``$CASEGRAPH_STORE`` if set, else ``<user data dir>/casegraph/store``."""
    env = os.environ.get("CASEGRAPH_STORE")
    if env:
        return Path(env).expanduser()
    return user_data_path("casegraph", appauthor=False) / "store"


def input_files() -> list[Path]:
    """Every file a build reads, in load order."""
    return [
        resources.ontology_file(),
        resources.shapes_file(),
        *resources.reference_files(),
        *resources.case_files(),
        *rule_files(),
        *inference_rule_files(),
    ]


def rule_files() -> list[Path]:
    return sorted((Path(__file__).parent / "rules").glob("*.ru"))


def inference_rule_files() -> list[Path]:
    """The reasoning rules (:mod:`casegraph.inference`): a changed rule changes what a build infers."""
    return sorted((Path(__file__).parent / "inference_rules").rglob("*.rq"))  # the checks/ queries too


def fingerprint(files: list[Path] | None = None) -> str:
    """SHA-256 over the names and bytes of the build inputs: equal inputs, equal store."""
    digest = hashlib.sha256()
    root = resources.resource_root()
    for path in files if files is not None else input_files():
        name = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def installed_fingerprint() -> str:
    """The fingerprint of the installed build inputs, computed once per process (they ship with the
    package): intake asks for it with every batch it classifies, and every command when it opens a store."""
    return fingerprint(input_files())


def is_stale(store: GraphStore) -> bool:
    """Whether ``store`` was built from other inputs than the installed ones (its build fingerprint differs).

    A store built by an older casegraph lacks what newer rules derive and the stored queries now read (for
    example ``cg:startedBeforeStartOf``): its answers are silently incomplete until it is built again, which
    keeps the accepted submissions. A store never built is not stale, only empty.
    """
    stamp = store.fingerprint()
    return stamp is not None and stamp != installed_fingerprint()


def case_graph_iri(path: Path) -> str:
    return CASES_GRAPH_PREFIX + path.stem


@dataclass
class BuildSummary:
    """What a build did."""

    path: Path | None
    fingerprint: str
    triples: int
    graphs: dict[str, int] = field(default_factory=dict)
    rebuilt: bool = True
    #: Where the graph was built: the folder, or the server's endpoint URL.
    location: str = ""

    def __post_init__(self) -> None:
        if not self.location:
            self.location = str(self.path) if self.path is not None else "memory"


class Store:
    """A casegraph store; ``path=None`` keeps it in memory (tests, one-off scripts)."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        try:
            if read_only and path is not None:
                self._store = ox.Store.read_only(str(path))
            else:
                self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as exc:
            hint = " (is 'casegraph serve' or another casegraph command using it?)" if "lock" in str(exc).lower() else ""
            raise StoreError(f"cannot open store at {path}: {exc}{hint}") from None

    @classmethod
    def open_read_only(cls, path: Path) -> Store:
        """A read-only view of a store folder nobody writes to (a :meth:`backup`): the web server's query
        workers read such snapshots, since reading a folder another process writes is undefined in RocksDB."""
        return cls(path, read_only=True)

    def backup(self, target: Path) -> None:
        """A consistent copy of the store in ``target`` (a RocksDB checkpoint: hard links, milliseconds)."""
        if self.path is None:
            raise StoreError("an in-memory store has no backup")
        self._store.backup(str(target))

    # -- reading ---------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """The store's folder (or ``memory``), for messages."""
        return str(self.path) if self.path is not None else "memory"

    def query(
        self,
        sparql: str,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> Any:
        """Run a SPARQL query over the union of all graphs (raises ``SyntaxError`` on bad SPARQL).

        ``substitutions`` bind variables to terms the way grlc does: each ``?name`` is replaced by the
        term's SPARQL syntax (escaped by pyoxigraph), so parameters work inside aggregates and subqueries.
        """
        return self._store.query(
            substitute(sparql, substitutions or {}), prefixes=PREFIXES, use_default_graph_as_union=True
        )

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, Any]]:
        """Rows of a SELECT as dicts of pyoxigraph terms (unbound variables absent)."""
        from casegraph.backend import rows

        return rows(self.query(sparql, bindings))

    def query_dataset(self, sparql: str, *, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()) -> Any:
        """A query with the SPARQL Protocol's dataset (``default-graph-uri``, ``named-graph-uri``); with
        neither, the default graph is the union of all graphs, as in :meth:`query`."""
        if not default_graphs and not named_graphs:
            return self.query(sparql)
        dataset: dict[str, Any] = {}
        if default_graphs:
            dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self._store.query(sparql, prefixes=PREFIXES, **dataset)

    def quads(self, subject: ox.NamedNode | ox.BlankNode | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: str | None = None) -> Iterator[ox.Quad]:
        """The quads matching a pattern, from the store's indexes (no SPARQL)."""
        g = ox.NamedNode(graph) if graph is not None else None
        return iter(self._store.quads_for_pattern(subject, predicate, object, g))

    def quads_about(self, subjects: Iterable[str]) -> Iterator[ox.Quad]:
        """Every quad whose subject is one of the IRIs ``subjects``."""
        for iri in subjects:
            yield from self._store.quads_for_pattern(ox.NamedNode(iri), None, None, None)

    def named_graphs(self) -> list[str]:
        return [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]

    def graphs(self) -> dict[str, int]:
        """Named graphs and their triple counts (a graph emptied by a withdrawal is left out, as a SPARQL
        server, which has no empty graphs, would)."""
        counts: dict[str, int] = {}
        for graph in self._store.named_graphs():
            if isinstance(graph, ox.NamedNode):
                n = sum(1 for _ in self._store.quads_for_pattern(None, None, None, graph))
                if n:
                    counts[graph.value] = n
        return counts

    def __len__(self) -> int:
        return len(self._store)

    def fingerprint(self) -> str | None:
        for quad in self._store.quads_for_pattern(STORE_NODE, FINGERPRINT, None, ox.NamedNode(META_GRAPH)):
            return str(quad.object.value) if isinstance(quad.object, ox.Literal) else None
        return None

    def is_built(self) -> bool:
        return self.fingerprint() is not None

    def triples(self, graph: str | None = None) -> Iterator[ox.Triple]:
        g = ox.NamedNode(graph) if graph else None
        for q in self._store.quads_for_pattern(None, None, None, g):
            yield ox.Triple(q.subject, q.predicate, q.object)

    def close(self) -> None:
        """Flush and release the store (pyoxigraph releases its lock when the object is dropped)."""
        with suppress(OSError):
            self.flush()
        del self._store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------
    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction. A committed transaction is in RocksDB's write-ahead log, so a
        killed process keeps it; it stays in memory until :meth:`flush` (flushing after every transaction
        made RocksDB compact continually, costing more CPU than the writes themselves)."""
        self._store.extend(quads)

    def flush(self) -> None:
        """Write what is held in memory to disk. Intake calls it every few hundred cases: without it,
        everything written since the store was opened stayed in memory (1.3 GB after 4,000 cases, and
        growing; 0.47 GB and flat with it, at the same speed)."""
        if not self.read_only:
            self._store.flush()

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            self._store.remove(quad)

    def update(self, sparql: str) -> None:
        """A SPARQL 1.1 Update, in one transaction."""
        self._store.update(sparql, prefixes=PREFIXES)

    def _load_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        g = ox.NamedNode(graph)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def _update(self, sparql: str) -> None:
        self._store.update(sparql)


def build(
    path: Path | None = None,
    *,
    progress: Progress | None = None,
    validate: bool = True,
    force: bool = True,
) -> BuildSummary:
    """(Re)create the store from ``ontology/`` and ``data/``; idempotent.

    The cases are validated against the shapes first: a build with violations writes nothing and
    raises :class:`~casegraph.errors.ValidationFailed`. With ``force=False`` an up-to-date store is
    left as it is.
    """
    say = progress or (lambda _msg: None)
    target = path if path is not None else default_store_path()
    stamp = installed_fingerprint()
    if not force and target.exists():
        with Store(target) as existing:
            if existing.fingerprint() == stamp:
                return BuildSummary(target, stamp, len(existing), existing.graphs(), rebuilt=False)

    inputs = _read_inputs(say, validate)
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = Store(staging)
        _fill(store, inputs, _kept_submissions(target), stamp, say)
        summary = BuildSummary(target, stamp, len(store), store.graphs())
        store.close()
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"built {summary.triples:,} triples in {len(summary.graphs)} graphs at {target}")
    return summary


def build_on_server(remote: RemoteStore, *, progress: Progress | None = None, validate: bool = True,
                    force: bool = True) -> BuildSummary:
    """(Re)create the seed graph on a SPARQL server, keeping its submissions; idempotent.

    The build runs in memory exactly as an embedded build does (validation, derivation, reasoning over the
    submissions too), then its graphs are staged on the server and moved into place by one update request,
    so the server never holds half a build.
    """
    from casegraph.intake import submission_quads

    say = progress or (lambda _msg: None)
    stamp = installed_fingerprint()
    if not force and remote.fingerprint() == stamp:
        return BuildSummary(None, stamp, len(remote), remote.graphs(), rebuilt=False, location=remote.location)
    inputs = _read_inputs(say, validate)
    say(f"reading the submissions on {remote.location}")
    memory = Store(None)
    _fill(memory, inputs, list(submission_quads(remote)), stamp, say)

    def ours(graph: str) -> bool:
        """What a build writes: everything but the submissions' own data and reports (their derived
        triples and inferences included)."""
        if graph.startswith(SUBMISSIONS_GRAPH_PREFIX):
            return graph.endswith((INFERRED_SUFFIX, DERIVED_SUFFIX))
        return graph != REGISTRY_GRAPH

    graphs = {g: list(memory.triples(g)) for g in memory.named_graphs() if ours(g)}
    stale = [g for g in remote.named_graphs() if ours(g) and g not in graphs]
    say(f"writing {sum(len(t) for t in graphs.values()):,} triples in {len(graphs)} graphs to {remote.location}")
    remote.replace(graphs, drop=stale)
    # the submissions' inferences were just rewritten: their marks (in the registry, which a build does not
    # replace) say so, or a later `reason` would trust marks from an earlier build
    from casegraph import inference

    marked = [g for g, f in inference.current_graphs(memory).items() if f == stamp]
    inference.mark_current(remote, marked, stamp, inference.current_graphs(remote))
    summary = BuildSummary(None, stamp, len(memory), memory.graphs(), location=remote.location)
    memory.close()
    say(f"built {summary.triples:,} triples in {len(summary.graphs)} graphs on {remote.location}")
    return summary


def ensure_built(store: GraphStore, *, build_if_missing: bool = True, progress: Progress | None = None) -> None:
    """Build a server's seed graph on first use, as :func:`open_store` does for a missing folder."""
    from casegraph.remote import RemoteStore

    if store.is_built():
        return
    if not build_if_missing or not isinstance(store, RemoteStore):
        raise StoreError(f"{store.location} holds no casegraph graph; run 'casegraph build' against it first")
    build_on_server(store, progress=progress)


@dataclass
class _Inputs:
    ontology: RdfDocument
    reference: list[RdfDocument]
    cases: list[RdfDocument]


def _read_inputs(say: Progress, validate: bool) -> _Inputs:
    """Read the ontology, reference data and seed cases; validate the cases (violations: nothing written)."""
    from casegraph.validate import validate_documents  # late import: pyshacl is slow to import

    say("reading ontology and reference data")
    ontology = parse_file(resources.ontology_file())
    reference = [parse_file(p) for p in resources.reference_files()]
    cases = []
    for case_path in resources.case_files():
        say(f"reading {case_path.name}")
        cases.append(parse_file(case_path))
    if validate:
        say("validating cases against the shapes")
        report = validate_documents(cases)
        report.raise_for_violations()
    return _Inputs(ontology, reference, cases)


def _fill(store: Store, inputs: _Inputs, kept: list[ox.Quad], stamp: str, say: Progress) -> None:
    """Load, derive and reason into an empty store, then stamp it with the inputs' fingerprint."""
    say("loading graphs")
    store._load_graph(ONTOLOGY_GRAPH, inputs.ontology.triples)
    store._load_graph(REFERENCE_GRAPH, [t for doc in inputs.reference for t in doc.triples])
    for doc in inputs.cases:
        store._load_graph(case_graph_iri(doc.path), doc.triples)
    say("deriving time offsets")
    for rule in rule_files():
        store._update(rule.read_text(encoding="utf-8"))
    if kept:
        say(f"keeping {len(kept):,} quads of accepted submissions")
        _keep(store, kept)
    # Reasoning last, over everything loaded and derived: an inconsistent graph fails the build
    # (InconsistentGraph, exit 1) and, like a validation failure, leaves the old store in place.
    from casegraph.reasoning import reason_or_raise  # late import: it imports this module

    # stamped first, so that reasoning marks the submissions it classifies as current for this build; every
    # graph is classified again (full): a build is what repairs a store, whatever its marks say
    store._store.add(ox.Quad(STORE_NODE, FINGERPRINT, ox.Literal(stamp), ox.NamedNode(META_GRAPH)))
    reason_or_raise(store, say, full=True)


def _keep(store: Store, kept: list[ox.Quad]) -> None:
    """Add the kept submissions, their ``/derived`` graphs derived again by the rules installed now (after
    the seed graph's derivation, so that none of theirs lands in the shared derived graph twice)."""
    from casegraph.inference import is_data_graph
    from casegraph.intake import derive_graphs

    data: dict[str, list[ox.Triple]] = {}
    for quad in kept:
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        if is_data_graph(graph):
            data.setdefault(graph, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    store._store.extend(q for q in kept if not (isinstance(q.graph_name, ox.NamedNode)
                                                and q.graph_name.value.endswith(DERIVED_SUFFIX)))
    for graph, triples in derive_graphs(data).items():
        derived = ox.NamedNode(graph + DERIVED_SUFFIX)
        store._store.extend(ox.Quad(t.subject, t.predicate, t.object, derived) for t in triples)


def _kept_submissions(target: Path) -> list[ox.Quad]:
    """Submissions in the store being rebuilt: a rebuild replaces the seed data, never the curators' work."""
    if not (target / "CURRENT").exists():
        return []
    from casegraph.intake import submission_quads

    with Store(target) as old:
        return list(submission_quads(old))


def _check_replaceable(target: Path) -> None:
    """Refuse to overwrite a folder that is not a casegraph store (a mistyped ``--store``)."""
    if not target.exists():
        return
    if target.is_file():
        raise StoreError(f"{target} is a file, not a store folder")
    if not any(target.iterdir()):
        return
    if not (target / "CURRENT").exists():
        raise StoreError(f"{target} is a non-empty folder that is not a casegraph store; refusing to replace it")


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames; a crash in between is repaired on open."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and old.exists():
        os.replace(old, target)


def open_store(path: Path | None = None, *, build_if_missing: bool = True,
               progress: Progress | None = None) -> Store:
    """Open the store at ``path`` (default: :func:`default_store_path`), building it on first use."""
    target = path if path is not None else default_store_path()
    _recover(target)
    if not target.exists():
        if not build_if_missing:
            raise StoreError(f"no store at {target}; run 'casegraph build' first")
        build(target, progress=progress)
    _check_replaceable(target)
    store = Store(target)
    if not store.is_built():
        store.close()
        if not build_if_missing:
            raise StoreError(f"{target} is not a casegraph store; run 'casegraph build --store {target}'")
        build(target, progress=progress)
        store = Store(target)
    return store
