"""Atomic intake of case submissions: validated against the shapes and the graph, then in whole or not at all.

Each accepted submission lives in named graphs of its own: ``…/graph/submissions/<id>`` (the case),
``…/derived`` (what the build rules derive from it) and ``…/report`` (its SHACL validation report), and is
recorded with its provenance (file name, format, content hash, time, counts) in the registry graph. All of
it is written by one pyoxigraph transaction, so a process killed at any moment leaves either the whole
submission or nothing; withdrawing removes all of it in one transaction too. The id is the start of the
content's SHA-256, so the same content submitted twice is recognised and not stored again.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from casegraph.backend import GraphStore
from casegraph.errors import CasegraphError, StoreError, UsageError
from casegraph.inference import infer_for_submissions, inferred_graph_for, is_data_graph
from casegraph.namespaces import (
    CG,
    DERIVED_GRAPH,
    DERIVED_SUFFIX,
    ONTOLOGY_GRAPH,
    REGISTRY_GRAPH,
    SUBMISSIONS_GRAPH_PREFIX,
)
from casegraph.readers import Submission, read_submission
from casegraph.store import rule_files
from casegraph.validate import (
    ValidationReport,
    check_submissions,
    independent,
    self_contained,
    validate_submission,
)

#: Extensions picked up when a folder is submitted.
SUBMISSION_EXTENSIONS = (".ttl", ".nt", ".rdf", ".owl", ".xml", ".jsonld", ".json", ".yaml", ".yml")

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PROV = "http://www.w3.org/ns/prov#"
_SH = "http://www.w3.org/ns/shacl#"
_CASE = ox.NamedNode(CG + "Case")
_FIELDS = {
    "id": CG + "submissionId", "file": CG + "fileName", "format": CG + "submissionFormat",
    "sha256": CG + "contentSha256", "submitted": _PROV + "generatedAtTime", "triples": CG + "tripleCount",
    "warnings": CG + "warningCount", "cases": CG + "caseCount",
}


@dataclass(frozen=True)
class SubmissionRecord:
    """A submission in the store."""

    id: str
    file: str
    format: str
    sha256: str
    submitted: str
    triples: int
    warnings: int
    cases: int

    @property
    def graph(self) -> str:
        return SUBMISSIONS_GRAPH_PREFIX + self.id


@dataclass
class Outcome:
    """What happened to one file."""

    file: str
    status: str  # accepted | duplicate | rejected | unreadable
    id: str | None = None
    message: str = ""
    report: ValidationReport | None = None


@dataclass
class IntakeSummary:
    """The result of a submit run."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return all(o.status in ("accepted", "duplicate") for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all accepted (or already there), 1 some rejected by validation, 2 some unreadable."""
        if any(o.status == "unreadable" for o in self.outcomes):
            return 2
        return 0 if self.ok else 1

    def to_text(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("accepted", "duplicate", "rejected", "unreadable") if self.count(s)]
        return "submissions: " + (", ".join(parts) if parts else "nothing to do")

    def rejects_report(self) -> str:
        """Every rejected or unreadable file with the reasons, for a curator to work through."""
        lines: list[str] = []
        for o in self.outcomes:
            if o.status == "rejected" and o.report is not None:
                lines.append(o.report.to_text())
            elif o.status == "unreadable":
                lines.append(f"{o.file}\n  UNREADABLE: {o.message}")
        return "\n\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({
            "summary": {s: self.count(s) for s in ("accepted", "duplicate", "rejected", "unreadable")},
            "files": [{"file": o.file, "status": o.status, "id": o.id, "message": o.message,
                       "issues": [asdict(i) for i in o.report.issues] if o.report else []} for o in self.outcomes],
        }, indent=2, ensure_ascii=False)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the submission files inside named folders (recursively, sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUBMISSION_EXTENSIONS
                              and not p.name.startswith(".")))
        else:
            out.append(path)
    return out


#: Files read, validated and written together; a SIGKILL loses at most the batch being written.
BATCH_SIZE = 250
#: Accepted submissions written between two flushes of the embedded store (see :meth:`Store.flush`).
FLUSH_EVERY = 500
#: Submissions per write transaction: RocksDB takes ~20k quads per transaction about twice as fast as 200k.
WRITE_CHUNK = 25


def submit(store: GraphStore, paths: Iterable[Path], *, fmt: str | None = None,
           progress: Callable[[Outcome], None] | None = None, batch_size: int = BATCH_SIZE) -> IntakeSummary:
    """Validate each file and store the conforming ones, each whole.

    A bad file never stops the run: it is recorded as rejected (violations) or unreadable (input errors).
    Files are taken in batches: the submissions of a batch that do not touch one another's nodes are
    validated in one run and written a few dozen per transaction (each in its own graphs, so each is still
    whole); the others are validated and written one at a time, in order, so a file may refer to nodes of a
    file submitted before it. Every outcome is the one the file would get if it were submitted alone, in
    order. Writing happens in a background thread while the next batch is read and validated; a batch that
    needs anything from the graph waits until everything before it is written.
    """
    summary = IntakeSummary()
    batch: list[Path] = []
    lock = threading.Lock()

    def report(outcomes: list[Outcome]) -> None:  # from this thread, and from the writer once a write landed
        if progress is not None:
            with lock:
                for outcome in outcomes:
                    progress(outcome)

    writer = _Writer(store, report)

    def flush() -> None:
        summary.outcomes.extend(_submit_batch(store, batch, fmt, writer))
        batch.clear()

    try:
        for path in paths:
            batch.append(path)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    finally:
        writer.close()
    return summary


def submit_file(store: GraphStore, path: Path, *, fmt: str | None = None) -> Outcome:
    """Submit one file (see :func:`submit`)."""
    writer = _Writer(store, lambda outcomes: None)
    try:
        return _submit_batch(store, [path], fmt, writer)[0]
    finally:
        writer.close()


class _Writer:
    """Writes accepted submissions in order, in a background thread, one transaction per chunk.

    RocksDB spends most of a write outside the GIL, so the next batch is read and validated meanwhile.
    A submission is reported (``report``) only once its transaction has committed, so what a run says
    was accepted is in the store even if the run is killed right after. ``queued`` holds the ids handed
    over in this run, so a repeat is recognised before its first copy has landed; ``foreign`` says that
    something handed over since the last :meth:`drain` describes nodes outside its own namespace (which
    any submission may then be redefining). A failed write stops all later writes and is raised in the
    submitting thread; so is an error of the report callback.
    """

    def __init__(self, store: GraphStore, report: Callable[[list[Outcome]], None]) -> None:
        self.store = store
        self.report = report
        self.queued: set[str] = set()
        self.foreign = False
        self._failed = False
        self._error: BaseException | None = None
        self._write_error = False
        self._written = 0
        self._queue: queue.Queue[_Chunk | None] = queue.Queue(maxsize=16)
        self._thread = threading.Thread(target=self._run, name="casegraph-writer", daemon=True)
        self._thread.start()

    def put(self, accepted: list[tuple[Submission, ValidationReport]], outcomes: list[Outcome]) -> None:
        self._raise()
        self.queued.update(sub.id for sub, _ in accepted)
        self.foreign = self.foreign or any(not iri.startswith(sub.base) for sub, _ in accepted
                                           for iri in sub.subjects())
        self._queue.put((accepted, outcomes))

    def drain(self) -> None:
        """Wait until everything handed over is in the store."""
        self._queue.join()
        self.foreign = False
        self._raise()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._raise()

    def _raise(self) -> None:
        error, self._error = self._error, None
        if error is None:
            return
        if self._write_error:
            raise StoreError(f"writing submissions failed: {error}") from error
        raise error

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._failed:
                    continue
                try:
                    _write(self.store, item[0])
                    self._written += len(item[0])
                    if self._written >= FLUSH_EVERY:  # keep memory flat over a long intake
                        self._written = 0
                        self.store.flush()
                    # the classes the reasoner fills (off-label use, ...) for these cases; a run killed
                    # between the two leaves the submission whole, and `casegraph reason` fills the rest
                    infer_for_submissions(self.store, [sub.graph for sub, _ in item[0]])
                except BaseException as exc:  # handed to the submitting thread; nothing more is written
                    self._failed, self._write_error, self._error = True, True, exc
                    continue
                self.report(item[1])
            except BaseException as exc:  # the report callback: the data is in, the caller hears of it
                self._failed, self._error = True, exc
            finally:
                self._queue.task_done()


_Chunk = tuple[list[tuple["Submission", ValidationReport]], list["Outcome"]]


def _submit_batch(store: GraphStore, paths: list[Path], fmt: str | None, writer: _Writer) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(paths)
    subs: dict[int, Submission] = {}
    for i, path in enumerate(paths):
        try:
            sub = read_submission(path, fmt)
        except CasegraphError as exc:
            outcomes[i] = Outcome(str(path), "unreadable", message=str(exc))
            continue
        subs[i] = sub  # a repeat shares every node with its first copy, so both are taken one at a time
    order = sorted(subs)
    if writer.foreign or not all(self_contained(subs[i]) for i in order):
        writer.drain()  # it needs the graph as it is after everything before it
    together, alone = independent([subs[i] for i in order])
    group = []
    for k in together:
        i = order[k]
        if subs[i].id in writer.queued:
            writer.drain()  # its first copy is on its way into the store
        existing = get(store, subs[i].id)
        if existing is not None:
            outcomes[i] = _duplicate(subs[i], existing)
        else:
            group.append(i)
    reports = check_submissions([subs[i] for i in group], store)
    accepted: list[tuple[Submission, ValidationReport]] = []
    accepted_outcomes: list[Outcome] = []
    for i, report in zip(group, reports, strict=True):
        outcome = outcomes[i] = _outcome(subs[i], report)
        if report.conforms:
            accepted.append((subs[i], report))
            accepted_outcomes.append(outcome)
    for start in range(0, len(accepted), WRITE_CHUNK):
        end = start + WRITE_CHUNK
        writer.put(accepted[start:end], accepted_outcomes[start:end])
    for k in alone:  # in file order, each seeing the ones written before it
        i = order[k]
        writer.drain()
        existing = get(store, subs[i].id)
        if existing is not None:
            outcomes[i] = _duplicate(subs[i], existing)
            continue
        report = validate_submission(subs[i], store)
        outcome = outcomes[i] = _outcome(subs[i], report)
        if report.conforms:
            writer.put([(subs[i], report)], [outcome])
    done = [o for o in outcomes if o is not None]
    writer.report([o for o in done if o.status != "accepted"])  # the accepted ones once written
    return done


def _duplicate(sub: Submission, existing: SubmissionRecord) -> Outcome:
    return Outcome(str(sub.path), "duplicate", sub.id, f"same content as submission {sub.id} ({existing.file})")


def _outcome(sub: Submission, report: ValidationReport) -> Outcome:
    if not report.conforms:
        return Outcome(str(sub.path), "rejected", sub.id, f"{len(report.violations)} violation(s)", report)
    return Outcome(str(sub.path), "accepted", sub.id, f"{len(sub.triples)} triples", report)


#: The ontology's predicates the build rules read (the subclass closure and the days in a time unit).
RULE_INPUTS = frozenset({"http://www.w3.org/2000/01/rdf-schema#subClassOf", CG + "daysPerUnit"})


@cache
def _ontology_quads() -> tuple[ox.Quad, ...]:
    """The part of the ontology the build rules read, in the ontology graph.

    The whole ontology is 17 times bigger, and copying it into the scratch store of every write
    transaction cost more than deriving the triples.
    """
    from casegraph.rdfio import ontology_triples

    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    return tuple(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples()
                 if t.predicate.value in RULE_INPUTS)


@cache
def _rules() -> tuple[str, ...]:
    return tuple(rule.read_text(encoding="utf-8") for rule in rule_files())


def _derived(subs: list[Submission]) -> dict[str, list[ox.Triple]]:
    """What the build rules derive from each submission (type closure, offsets in days), by submission id.

    The rules run once for all of them; a derived triple belongs to the submission whose node it is about.
    """
    by_graph = _derive({sub.graph: sub.triples for sub in subs},
                       {iri: sub.graph for sub in subs for iri in sub.subjects()})
    return {sub.id: by_graph[sub.graph] for sub in subs}


def derive_graphs(graphs: dict[str, list[ox.Triple]]) -> dict[str, list[ox.Triple]]:
    """What the build rules derive from each submission graph (its data as triples), by graph IRI.

    A rebuild uses it for the submissions it keeps, so that their ``/derived`` graphs follow the rules
    installed now and nothing about them lands in the seed graph's derived graph.
    """
    owner = {t.subject.value: graph for graph, triples in graphs.items() for t in triples
             if isinstance(t.subject, ox.NamedNode)}
    return _derive(graphs, owner)


def _derive(graphs: dict[str, list[ox.Triple]], owner: dict[str, str]) -> dict[str, list[ox.Triple]]:
    """Run the build rules over ``graphs`` in a scratch store; each derived triple goes to the graph that
    ``owner`` names for its subject."""
    scratch = ox.Store()
    scratch.extend(_ontology_quads())
    for graph, triples in graphs.items():
        own = ox.NamedNode(graph)
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object, own) for t in triples)
    for rule in _rules():
        scratch.update(rule)
    derived: dict[str, list[ox.Triple]] = {graph: [] for graph in graphs}
    for q in scratch.quads_for_pattern(None, None, None, ox.NamedNode(DERIVED_GRAPH)):
        belongs = owner.get(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
        if belongs is not None:
            derived[belongs].append(ox.Triple(q.subject, q.predicate, q.object))
    return derived


def _write(store: GraphStore, accepted: list[tuple[Submission, ValidationReport]]) -> None:
    """One transaction: for each submission its data, derived triples, report and registry entry."""
    if not accepted:
        return
    derived_of = _derived([sub for sub, _ in accepted])
    submitted = ox.Literal(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                           datatype=ox.NamedNode(_XSD + "dateTime"))
    registry = ox.NamedNode(REGISTRY_GRAPH)
    quads: list[ox.Quad] = []
    for sub, report in accepted:
        graph = ox.NamedNode(sub.graph)
        derived = ox.NamedNode(sub.graph + DERIVED_SUFFIX)
        report_graph = ox.NamedNode(sub.graph + "/report")
        quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in sub.triples]
        quads += [ox.Quad(t.subject, t.predicate, t.object, derived) for t in derived_of[sub.id]]
        if report.issues:
            report_nt = report.graph().serialize(format="nt")
            quads += [ox.Quad(q.subject, q.predicate, q.object, report_graph)
                      for q in ox.parse(report_nt.encode(), format=ox.RdfFormat.N_TRIPLES)]
        else:  # conforming without warnings: sh:conforms true, written directly (no rdflib round trip)
            node = ox.BlankNode()
            quads.append(ox.Quad(node, _RDF_TYPE, ox.NamedNode(_SH + "ValidationReport"), report_graph))
            quads.append(ox.Quad(node, ox.NamedNode(_SH + "conforms"),
                                 ox.Literal("true", datatype=ox.NamedNode(_XSD + "boolean")), report_graph))
        cases = sum(1 for t in sub.triples if t.predicate == _RDF_TYPE and t.object == _CASE)
        record = {
            "id": sub.id, "file": sub.path.name, "format": sub.format, "sha256": sub.sha256,
            "triples": len(sub.triples), "warnings": len(report.issues), "cases": cases,
        }
        quads.append(ox.Quad(graph, _RDF_TYPE, ox.NamedNode(CG + "Submission"), registry))
        quads.append(ox.Quad(graph, _RDF_TYPE, ox.NamedNode(_PROV + "Entity"), registry))
        quads.append(ox.Quad(graph, ox.NamedNode(_FIELDS["submitted"]), submitted, registry))
        for key, value in record.items():
            quads.append(ox.Quad(graph, ox.NamedNode(_FIELDS[key]), _literal(key, value), registry))
        quads.append(ox.Quad(graph, ox.NamedNode(CG + "validationReport"), report_graph, registry))
    # One transaction: all or nothing. A committed transaction is in RocksDB's write-ahead log, so a
    # killed process keeps every submission it reported; the store is flushed once, when it is closed.
    # (Flushing after every transaction made RocksDB compact continually: 1.4-2.3 s of background CPU
    # per 1,000 submissions, more than the writes themselves.)
    store.add(quads)


def _literal(key: str, value: object) -> ox.Literal:
    if key == "submitted":
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "dateTime"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))
    return ox.Literal(str(value))


def _record(values: dict[str, str]) -> SubmissionRecord:
    return SubmissionRecord(
        id=values.get("id", ""), file=values.get("file", ""), format=values.get("format", ""),
        sha256=values.get("sha256", ""), submitted=values.get("submitted", ""), triples=int(values.get("triples", 0)),
        warnings=int(values.get("warnings", 0)), cases=int(values.get("cases", 0)))


def _registry_values(store: GraphStore, subject: ox.NamedNode | None) -> dict[str, dict[str, str]]:
    """Registry entries (of one submission graph, or all) as field -> value, by submission graph."""
    reverse = {iri: key for key, iri in _FIELDS.items()}
    by_graph: dict[str, dict[str, str]] = {}
    for quad in store.quads(subject, None, None, REGISTRY_GRAPH):
        key = reverse.get(quad.predicate.value)
        if key is not None and isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
            by_graph.setdefault(quad.subject.value, {})[key] = quad.object.value
    return by_graph


def list_submissions(store: GraphStore) -> list[SubmissionRecord]:
    """Every submission in the store, oldest first."""
    records = [_record(v) for v in _registry_values(store, None).values()]
    return sorted(records, key=lambda r: (r.submitted, r.id))


def get(store: GraphStore, submission_id: str) -> SubmissionRecord | None:
    """The submission with exactly this id, reading only its own registry entry."""
    values = _registry_values(store, ox.NamedNode(SUBMISSIONS_GRAPH_PREFIX + submission_id))
    return _record(next(iter(values.values()))) if values else None


def find(store: GraphStore, prefix: str) -> SubmissionRecord:
    """The submission whose id starts with ``prefix`` (unique), else a usage error listing the candidates."""
    records = list_submissions(store)
    matches = [r for r in records if r.id.startswith(prefix)] if prefix else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(r.id for r in records[:10]) or "none"
        raise UsageError(f"no submission {prefix!r}; submissions in this store: {known}")
    raise UsageError(f"{prefix!r} is ambiguous: {', '.join(r.id for r in matches[:10])}")


def withdraw(store: GraphStore, submission_id: str) -> SubmissionRecord:
    """Remove one submission whole (data, derived triples, report, registry entry) in one transaction."""
    record = find(store, submission_id)
    graph = record.graph
    dependents = _dependents(store, graph)
    store.update(
        f"DROP SILENT GRAPH <{graph}> ; DROP SILENT GRAPH <{graph}/derived> ; DROP SILENT GRAPH <{graph}/report> ; "
        f"DROP SILENT GRAPH <{inferred_graph_for(graph)}> ; "
        f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> ?p ?o }} }}"
    )
    if dependents:  # what they inferred from the withdrawn facts goes with them
        infer_for_submissions(store, dependents)
    return record


def _dependents(store: GraphStore, graph: str) -> list[str]:
    """The other submission graphs that point to a node this one describes (their inferences may use it)."""
    subjects = sorted({q.subject.value for q in store.quads(graph=graph) if isinstance(q.subject, ox.NamedNode)})
    if not subjects:
        return []
    found: set[str] = set()
    for start in range(0, len(subjects), 500):
        values = " ".join(f"<{s}>" for s in subjects[start:start + 500])
        for row in store.select(f"SELECT DISTINCT ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?x ?p ?s }} }}"):
            other = row["g"].value
            if other != graph and other.startswith(SUBMISSIONS_GRAPH_PREFIX) and is_data_graph(other):
                found.add(other)
    return sorted(found)


def submission_quads(store: GraphStore) -> Iterator[ox.Quad]:
    """Every quad that belongs to a submission (its graphs and its registry entry), for a rebuild to keep."""
    for graph in store.named_graphs():
        if graph.startswith(SUBMISSIONS_GRAPH_PREFIX) or graph == REGISTRY_GRAPH:
            yield from store.quads(graph=graph)
