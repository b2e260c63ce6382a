"""Benchmark: casegraph at 1k, 10k and 100k cases on the embedded store, an rdflib in-memory graph (the naive
baseline) and Virtuoso, in one command. Prints tables of figures and ratios from this one run.

**The cohort.** ``casegraph synth`` writes the cases and ``casegraph submit`` takes them into an embedded store
(validated, derived triples, registry, reports: exactly what intake stores), up to ``--real`` cases. A bigger
size is made of renamed copies of those submissions (new submission ids, graphs, node IRIs and blank nodes), so
that 100k cases cost one real 10k intake. The graph is then dumped as N-Quads once per size.

**Per backend and size,** in a child process of its own (so that its peak memory is its own):

- *load*: the dump into an empty store by the backend's own bulk path: pyoxigraph's bulk loader for the
  embedded store, ``Dataset.parse`` for rdflib, Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run``) for
  Virtuoso; store size on disk afterwards (Virtuoso after a checkpoint);
- *queries*: every stored query with its default parameters, through casegraph's API (``run_query``), median
  of ``--repeat`` runs; on the embedded store also the same SPARQL run directly on pyoxigraph (the overhead
  ratio) and ``casegraph query NAME`` as a whole process (median of 3);
- *validation*: one typical submission validated against the graph (median);
- *bulk submit*: ``--bulk`` new synthetic cases submitted (validated and stored, each whole), in cases/s;
- *peak memory*: the child's peak resident memory (and, for Virtuoso, the server's).

rdflib is run up to ``--rdflib-max`` cases: at 100k cases the graph is ~33 M quads, which the rdflib memory
store holds at about 1 KB per quad, more than this machine has; the table says so instead of a figure.

A query slower than 2 s is not warmed up, and its repeats stop once ``--query-cap`` seconds are spent (at 100k
cases a row-per-case query would otherwise take many minutes); rdflib queries are stopped at ``--rdflib-cap``.

usage: python benchmarks/scale.py [--sizes 1000,10000,100000] [--backends embedded,rdflib,virtuoso]
       [--repeat 11] [--bulk 1000] [--real 10000] [--rdflib-max 10000] [--rdflib-cap 120] [--query-cap 30]
       [--work DIR] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.virtuoso: the same private server the tests start
TYPICAL = ROOT / "tests" / "data" / "omalizumab-ad.case.json"
SEED, BULK_SEED = 7, 8
QUERY_CAP = 120.0  # seconds: an rdflib query still running after this is stopped and shown as "> cap"
LOAD_CHUNK = 250_000  # quads per bulk_load call
SLOW = 2.0  # seconds: a query this slow is not warmed up, and its repeats stop once --query-cap s are spent


# -- the cohort ------------------------------------------------------------------------------------------

def synth(folder: Path, n: int, seed: int) -> list[Path]:
    from casegraph.synth import synthesize

    if not (folder / "manifest.jsonl").exists():
        synthesize(n, seed, folder)
    return sorted(p for p in folder.iterdir() if p.name != "manifest.jsonl")


def prepare(work: Path, sizes: list[int], real: int, say: Callable[[str], None]) -> dict[int, dict[str, Any]]:
    """One N-Quads dump per size (see the module docstring), and the facts about each."""
    import pyoxigraph as ox

    from casegraph.intake import submit
    from casegraph.store import open_store

    real = min(real, max(sizes))
    base = work / f"real-{real}.nq"
    if not base.exists():
        files = synth(work / f"synth-{real}", real, SEED)
        say(f"submitting {real:,} synthetic cases into an embedded store (the real intake)")
        store = open_store(work / f"real-{real}", progress=lambda *_: None)
        start = time.perf_counter()
        summary = submit(store, files)
        took = time.perf_counter() - start
        if summary.count("accepted") != real:
            raise SystemExit(f"intake accepted {summary.count('accepted')} of {real} synthetic cases")
        (work / f"real-{real}.json").write_text(json.dumps({"seconds": took}))
        store._store.dump(output=str(base) + ".part", format=ox.RdfFormat.N_QUADS)
        store.close()
        os.replace(str(base) + ".part", base)
    facts = {}
    for n in sizes:
        dump = work / f"cohort-{n}.nq"
        if not dump.exists():
            say(f"writing the {n:,}-case dump")
            write_cohort(base, real, n, dump)
        facts[n] = {"dump": str(dump), "quads": sum(1 for _ in dump.open("rb")), "resolver": str(work / f"real-{real}")}
    return facts


_SUBMISSION = re.compile(r"(/submissions?/)([0-9a-f]{16})")
_HEXLITERAL = re.compile(r'"([0-9a-f]{16})([0-9a-f]{48})?"')
_BLANK = re.compile(r"_:([0-9A-Za-z]+)")
_FILE = re.compile(r'(#fileName> ")([^"]*)(")')
_GRAPH = " <https://w3id.org/casegraph/graph/submissions"


def write_cohort(base: Path, real: int, n: int, out: Path) -> None:
    """The first ``n`` cases: the real submissions in order, then renamed copies of them."""
    lines = base.read_text(encoding="utf-8").splitlines(keepends=True)
    ids = sorted({m.group(2) for line in lines if _GRAPH in line for m in _SUBMISSION.finditer(line)})
    if len(ids) != real:
        raise SystemExit(f"{base}: {len(ids)} submissions, expected {real}")
    with out.open("w", encoding="utf-8") as f:
        keep = set(ids[:n])
        for line in lines:
            ids_here = [m.group(2) for m in _SUBMISSION.finditer(line)]
            if not ids_here or ids_here[0] in keep:
                f.write(line)
        copy = 0
        while (copy + 1) * real < n:
            copy += 1
            take = set(ids[:min(real, n - copy * real)])
            rename = _renamer({i: hashlib.sha256(f"{i}/{copy}".encode()).hexdigest()[:16] for i in take}, copy)
            for line in lines:
                found = _SUBMISSION.search(line)
                if found is not None and found.group(2) in take:
                    f.write(rename(line))


def _renamer(new: dict[str, str], copy: int) -> Callable[[str], str]:
    """Rewrites one N-Quads line of a submission into its copy: ids, graphs, IRIs, blank nodes, file name."""
    def rename(line: str) -> str:
        line = _SUBMISSION.sub(lambda m: m.group(1) + new.get(m.group(2), m.group(2)), line)
        line = _HEXLITERAL.sub(lambda m: f'"{new.get(m.group(1), m.group(1))}{m.group(2) or ""}"', line)
        line = _BLANK.sub(lambda m: f"_:{m.group(1)}c{copy}", line)
        return _FILE.sub(lambda m: f"{m.group(1)}copy{copy}-{m.group(2)}{m.group(3)}", line)
    return rename


# -- measuring -------------------------------------------------------------------------------------------

def median_ms(run: Callable[[], object], repeat: int, cap: float = float("inf")) -> float:
    """Median wall time of ``repeat`` runs after one warm-up, in ms, stopping early once ``cap`` s are spent.

    A first run slower than :data:`SLOW` s is counted rather than discarded as a warm-up: at that length
    warming up no longer matters, and at 100k cases it saves minutes per query.
    """
    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    times: list[float] = [first] if first > SLOW else []
    spent = first
    while len(times) < repeat and (spent <= cap or not times):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return statistics.median(times) * 1000


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: on Linux that keeps the
    parent's resident size from before exec, so every worker would report the coordinator's peak."""
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    if found:
        return int(found.group(1)) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def stored_queries() -> list[Any]:
    from casegraph.queries import list_queries

    return list_queries()


def casegraph_cli(*args: str) -> float:
    """Median seconds of ``casegraph ARGS`` as a whole process (3 runs, 1 when slower than :data:`SLOW`)."""
    times: list[float] = []
    while len(times) < 3 and not (times and times[0] > SLOW):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "casegraph", *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"casegraph {' '.join(args)} failed: {done.stderr[-500:]}")
    return statistics.median(times)


def intake_and_validation(store: Any, bulk_files: list[Path], repeat: int) -> dict[str, float]:
    from casegraph.intake import submit
    from casegraph.readers import read_submission
    from casegraph.validate import validate_submission

    typical = read_submission(TYPICAL)
    validation = median_ms(lambda: validate_submission(typical, store), repeat)
    start = time.perf_counter()
    summary = submit(store, bulk_files)
    took = time.perf_counter() - start
    if summary.count("accepted") != len(bulk_files):
        raise SystemExit(f"bulk submit accepted {summary.count('accepted')} of {len(bulk_files)}")
    return {"validation_ms": validation, "bulk_cases_per_s": len(bulk_files) / took}


def expected_submissions(store: Any, n: int) -> None:
    """The loaded graph must hold the cohort: ``n`` submissions, each with a case."""
    count = store.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a cg:Submission }")[0]["n"]
    if int(count.value) != n:
        raise SystemExit(f"the loaded graph has {count.value} submissions, expected {n}")


def worker_embedded(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import pyoxigraph as ox

    from casegraph.namespaces import PREFIXES
    from casegraph.queries import bind_parameters, run_query
    from casegraph.store import Store, substitute

    path = folder / "store"
    start = time.perf_counter()
    raw = ox.Store(str(path))
    # in chunks: one bulk_load of the whole dump peaked at 1.7 GB for 10k cases; 250k-quad chunks at 0.37 GB,
    # at the same speed (the loader's memory follows the chunk, not the store); chunks end at graph ends
    for chunk in _chunks(Path(args.dump), LOAD_CHUNK):
        raw.bulk_load(chunk, format=ox.RdfFormat.N_QUADS)
    raw.optimize()
    load = time.perf_counter() - start
    del raw
    result: dict[str, Any] = {"load_s": load, "size_mb": folder_mb(path), "queries": {}}
    with Store(path) as store:
        expected_submissions(store, args.size)
        for q in stored_queries():
            rows = len(run_query(store, q).terms)

            def raw_run(q: Any = q) -> list[tuple[Any, ...]]:
                text = substitute(q.text, bind_parameters(store, q, {}))
                return [tuple(s) for s in store._store.query(text, prefixes=PREFIXES,
                                                            use_default_graph_as_union=True)]

            ours = median_ms(lambda q=q: run_query(store, q), args.repeat, args.query_cap)
            direct = median_ms(raw_run, args.repeat, args.query_cap)
            result["queries"][q.name] = {"ms": ours, "raw_ms": direct, "rows": rows}
        result.update(intake_and_validation(store, [Path(p) for p in args.bulk_files], args.repeat))
    for q in stored_queries():
        result["queries"][q.name]["cli_s"] = casegraph_cli("query", q.name, "--store", str(path))
    result["peak_mb"] = peak_mb()
    return result


def _chunks(dump: Path, lines: int) -> Any:
    """The N-Quads dump about ``lines`` lines at a time, as bytes, each chunk ending where a named graph
    does: every bulk_load gives the blank nodes it reads new names, so a blank node must not straddle two
    chunks, and casegraph's blank nodes never leave their graph (the dump lists each graph's quads together)."""
    block: list[bytes] = []
    graph = b""
    with dump.open("rb") as f:
        for line in f:
            here = line.rstrip()[:-1].rstrip().rsplit(b" ", 1)[-1]
            if len(block) >= lines and here != graph:
                yield b"".join(block)
                block = []
            block.append(line)
            graph = here
    if block:
        yield b"".join(block)


class _Timeout(Exception):
    pass


def worker_rdflib(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import rdflib

    from casegraph.namespaces import PREFIXES
    from casegraph.queries import bind_parameters
    from casegraph.store import Store, substitute

    start = time.perf_counter()
    graph = rdflib.Dataset(default_union=True)
    graph.parse(args.dump, format="nquads")
    load = time.perf_counter() - start
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    result: dict[str, Any] = {"load_s": load, "queries": {}}

    def alarm(*_: object) -> None:
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    with Store(Path(args.embedded)) as store:  # only to resolve the parameters to IRIs, as casegraph does
        texts = {q.name: substitute(q.text, bind_parameters(store, q, {})) for q in stored_queries()}
    for name, text in texts.items():
        def run(text: str = text) -> int:
            signal.alarm(int(args.rdflib_cap))
            try:
                return len(list(graph.query(prologue + text)))
            finally:
                signal.alarm(0)
        try:
            rows = run()
            ms = median_ms(run, args.repeat, cap=args.rdflib_cap)
            result["queries"][name] = {"ms": ms, "rows": rows}
        except _Timeout:
            result["queries"][name] = {"ms": None, "rows": None}
        except Exception as exc:  # rdflib's SPARQL engine fails on some valid queries: a figure of its own
            result["queries"][name] = {"ms": None, "rows": None, "error": f"{type(exc).__name__}: {exc}"}
    result["peak_mb"] = peak_mb()
    return result


def worker_virtuoso(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from tests.support import virtuoso

    from casegraph.queries import run_query
    from casegraph.remote import RemoteStore

    dump = Path(args.dump)
    server = virtuoso.start(folder / "db", buffers=args.virtuoso_buffers, dirs_allowed=(dump.parent,))
    try:
        start = time.perf_counter()
        isql = shutil.which("isql-vt") or shutil.which("isql") or "isql-vt"
        script = (f"ld_dir('{dump.parent}', '{dump.name}', 'urn:casegraph:unused'); rdf_loader_run(); "
                  "checkpoint;")
        done = subprocess.run([isql, f"127.0.0.1:{server.sql_port}", server.user, server.password,
                               f"exec={script}"], capture_output=True, text=True)
        load = time.perf_counter() - start
        errors = subprocess.run([isql, f"127.0.0.1:{server.sql_port}", server.user, server.password,
                                 "exec=SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;"],
                                capture_output=True, text=True).stdout
        if done.returncode != 0 or "0 Rows" not in errors:
            raise SystemExit(f"Virtuoso's bulk loader failed: {done.stdout[-800:]} {done.stderr[-800:]} {errors}")
        result: dict[str, Any] = {"load_s": load, "size_mb": folder_mb(folder / "db"), "queries": {}}
        store = RemoteStore(server.endpoint, server.update_endpoint, user=server.user, password=server.password)
        expected_submissions(store, args.size)
        for q in stored_queries():
            rows = len(run_query(store, q).terms)
            result["queries"][q.name] = {"ms": median_ms(lambda q=q: run_query(store, q), args.repeat,
                                                         args.query_cap), "rows": rows}
        result.update(intake_and_validation(store, [Path(p) for p in args.bulk_files], args.repeat))
        os.environ.update(CASEGRAPH_ENDPOINT_USER=server.user, CASEGRAPH_ENDPOINT_PASSWORD=server.password)
        for q in stored_queries():
            result["queries"][q.name]["cli_s"] = casegraph_cli("query", q.name, "--endpoint", server.endpoint)
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
        result["server_peak_mb"] = int(hwm.group(1)) / 1024 if hwm else None
        result["peak_mb"] = peak_mb()
        return result
    finally:
        server.stop()


WORKERS = {"embedded": worker_embedded, "rdflib": worker_rdflib, "virtuoso": worker_virtuoso}


def run_worker(backend: str, size: int, facts: dict[str, Any], work: Path, args: argparse.Namespace,
               bulk: list[Path]) -> dict[str, Any]:
    folder = work / f"{backend}-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = folder / "result.json"
    command = [sys.executable, __file__, "--worker", backend, "--size", str(size), "--dump", facts["dump"],
               "--repeat", str(args.repeat), "--query-cap", str(args.query_cap), "--rdflib-cap", str(args.rdflib_cap),
               "--out", str(out), "--embedded", str(facts["resolver"]),
               "--virtuoso-buffers", str(args.virtuoso_buffers), "--bulk-files", *map(str, bulk)]
    done = subprocess.run(command)
    if done.returncode != 0:
        raise SystemExit(f"the {backend} run at {size:,} cases failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(out.read_text())
    if not args.keep and backend != "embedded":
        shutil.rmtree(folder, ignore_errors=True)
    return result


# -- the tables ------------------------------------------------------------------------------------------

def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.1f}×"


def print_tables(sizes: list[int], facts: dict[int, dict[str, Any]], results: dict[tuple[str, int], Any],
                 backends: list[str], args: argparse.Namespace) -> None:
    print(f"\nMachine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"Cohort: casegraph synth --seed {SEED}, the first {min(args.real, max(sizes)):,} cases submitted for real,"
          " bigger sizes made of renamed copies; bulk submit: "
          f"{args.bulk:,} further cases (--seed {BULK_SEED}).\n")
    print("| cases | quads | backend | load (s) | quads/s | size on disk (MB) | peak memory (MB) | "
          "validation of one case (ms) | bulk submit (cases/s) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for b in backends:
            r = results.get((b, n))
            if r is None:
                why = "not run: > machine memory" if b == "rdflib" and n > args.rdflib_max else "failed (see above)"
                print(f"| {n:,} | {facts[n]['quads']:,} | {b} | {why} | | | | | |")
                continue
            peak = fmt(r["peak_mb"], 0)
            if r.get("server_peak_mb"):
                peak = f"{fmt(r['peak_mb'], 0)} + server {fmt(r['server_peak_mb'], 0)}"
            print(f"| {n:,} | {facts[n]['quads']:,} | {b} | {fmt(r['load_s'])} | {fmt(facts[n]['quads'] / r['load_s'], 0)}"
                  f" | {fmt(r.get('size_mb'), 0)} | {peak} | {fmt(r.get('validation_ms'))} | "
                  f"{fmt(r.get('bulk_cases_per_s'), 0)} |")
    names = [q.name for q in stored_queries()]
    for n in sizes:
        emb, rdf, vir = (results.get((b, n)) for b in ("embedded", "rdflib", "virtuoso"))
        print(f"\n**{n:,} cases**: median latency of each stored query (ms), default parameters\n")
        print("| query | rows | embedded | raw pyoxigraph | overhead | rdflib | rdflib / embedded | Virtuoso | "
              "`casegraph query` process, embedded (s) | …, Virtuoso (s) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name in names:
            e = emb["queries"][name] if emb else {}
            r = rdf["queries"][name] if rdf else {}
            v = vir["queries"][name] if vir else {}
            rms = r.get("ms") if rdf else None
            rtext = fmt(rms) if rdf and rms is not None else (f"> {args.rdflib_cap:.0f} s" if rdf else "–")
            if r.get("error"):
                rtext = f"fails ({r['error'].split(':')[0]})"
            print(f"| {name} | {e.get('rows', '–')} | {fmt(e.get('ms'))} | {fmt(e.get('raw_ms'))} | "
                  f"{ratio(e.get('ms'), e.get('raw_ms')).replace('×', '')} | {rtext} | {ratio(rms, e.get('ms'))} | "
                  f"{fmt(v.get('ms'))} | {fmt(e.get('cli_s'), 2)} | {fmt(v.get('cli_s'), 2)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default="embedded,rdflib,virtuoso")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--bulk", type=int, default=1000, help="cases in the bulk submit")
    parser.add_argument("--real", type=int, default=10000, help="cases submitted for real; more are copies")
    parser.add_argument("--rdflib-max", type=int, default=10000)
    parser.add_argument("--rdflib-cap", type=float, default=QUERY_CAP,
                        help="seconds before an rdflib query is stopped (shown as '> cap')")
    parser.add_argument("--query-cap", type=float, default=30.0,
                        help="seconds of repeats per query on the embedded store and Virtuoso")
    parser.add_argument("--virtuoso-buffers", type=int, default=170000, help="8 KiB pages (1.3 GiB)")
    parser.add_argument("--work", type=Path, help="work folder (kept; default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the stores")
    # a child process's part
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--embedded", help=argparse.SUPPRESS)
    parser.add_argument("--bulk-files", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        out = Path(args.out)
        out.write_text(json.dumps(WORKERS[args.worker](args, out.parent)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    work = args.work or Path(tempfile.mkdtemp(prefix="casegraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    def say(text: str) -> None:
        print(f"... {text}", file=sys.stderr, flush=True)

    try:
        facts = prepare(work, sizes, args.real, say)
        results: dict[tuple[str, int], Any] = {}
        for n in sizes:
            for b in backends:
                if b == "rdflib" and n > args.rdflib_max:
                    continue
                bulk_dir = work / f"bulk-{b}-{n}"
                shutil.rmtree(bulk_dir, ignore_errors=True)
                bulk = synth(bulk_dir, args.bulk, BULK_SEED) if b != "rdflib" else []
                say(f"{b} at {n:,} cases")
                try:
                    results[(b, n)] = run_worker(b, n, facts[n], work, args, bulk)
                except SystemExit as failed:  # the other backends and sizes are still worth measuring
                    say(f"{failed}; going on")
            # the tables so far after each size: a long run stopped later still leaves its figures
            done = sizes[:sizes.index(n) + 1]
            print_tables(done, facts, results, backends, args)
            sys.stdout.flush()
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
