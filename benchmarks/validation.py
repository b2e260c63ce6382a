"""Benchmark: one submission's validation latency as the graph grows, batch intake throughput, and the naive
baseline (pyshacl over the whole graph), all in one process. Prints a table.

Two probes: a *typical* one-patient case document (tests/data/omalizumab-ad.case.json, ~85 triples) and a
*full report* (data/examples/omalizumab-triggered-ad.case.json, ~680 triples, every fact quoted). The graph
is grown with copies of the typical case, each in a submission graph of its own, loaded with pyoxigraph's
bulk loader (the benchmark measures validation against a big graph, not how the graph got big).

usage: python benchmarks/validation.py [--sizes 100,1000,10000,100000] [--repeat 21] [--batch 1000]
       [--naive-max 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from casegraph import build
from casegraph.intake import submit
from casegraph.namespaces import SUBMISSIONS_GRAPH_PREFIX
from casegraph.readers import Submission, read_submission
from casegraph.store import Store, open_store
from casegraph.validate import validate_submission

ROOT = Path(__file__).resolve().parents[1]
TYPICAL = ROOT / "tests" / "data" / "omalizumab-ad.case.json"
FULL = ROOT / "data" / "examples" / "omalizumab-triggered-ad.case.json"


def variants(folder: Path, n: int, start: int = 0, template: Path = TYPICAL) -> list[Path]:
    """``n`` distinct case documents (different labels, so different content and IRIs)."""
    data = json.loads(template.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        data["caseLabel"] = f"benchmark case {i}"
        path = folder / f"case{i:06}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        out.append(path)
    return out


def grow(store: Store, template: Submission, start: int, stop: int) -> None:
    """Copies ``start``..``stop`` of the template case, IRIs renamed, each in its own submission graph."""
    def rename(term: ox.NamedNode | ox.BlankNode | ox.Literal, copy: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, ox.NamedNode) and term.value.startswith(template.base):
            return ox.NamedNode(copy + term.value[len(template.base):])
        return term

    def quads() -> ox.Quad:  # type: ignore[misc]
        for i in range(start, stop):
            copy = template.base.rstrip("/") + f"-copy{i}/"
            graph = ox.NamedNode(f"{SUBMISSIONS_GRAPH_PREFIX}benchmark{i:07}")
            for t in template.triples:
                yield ox.Quad(rename(t.subject, copy), t.predicate, rename(t.object, copy), graph)  # type: ignore[arg-type]

    store._store.bulk_extend(quads())
    # The bulk loader leaves its files uncompacted, and RocksDB then stalls transactional writes until it
    # has compacted them (64 ms instead of 2.4 ms per submission measured here): compact now, untimed, as
    # pyoxigraph advises after a bulk load, so that intake is measured against a settled store.
    store._store.optimize()


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def naive_ms(store: Store, sub: Submission) -> float:
    """The naive way: pyshacl over the whole graph plus the submission, every node validated."""
    import pyshacl
    import rdflib

    from casegraph.rdfio import to_ntriples
    from casegraph.validate import _shapes

    t = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(data=to_ntriples(list(store.triples())) + to_ntriples(sub.triples), format="nt")
    pyshacl.validate(graph, shacl_graph=_shapes(True), inference="none", advanced=True, allow_warnings=True)
    return (time.perf_counter() - t) * 1000


def intake_rate(store: Store, folder: Path, n: int, template: Path) -> tuple[float, float]:
    """Cases per second, and the CPU time (all threads, RocksDB's included) per case in ms."""
    files = variants(folder, n, start=10**7, template=template)
    t, cpu = time.perf_counter(), time.process_time()
    summary = submit(store, files)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert summary.count("accepted") == n, summary.to_text()
    return n / elapsed, cpu * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000,100000", help="graph sizes in cases")
    parser.add_argument("--repeat", type=int, default=21, help="timed runs per median")
    parser.add_argument("--batch", type=int, default=1000, help="cases in each batch-intake run")
    parser.add_argument("--naive-max", type=int, default=1000, help="largest graph the naive baseline is run on")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    typical, full = read_submission(TYPICAL), read_submission(FULL)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root / "fresh")
        with open_store(root / "fresh", build_if_missing=False) as fresh:  # intake into the seed graph
            fresh_typical = intake_rate(fresh, root / "fresh-typical", args.batch, TYPICAL)
            fresh_full = intake_rate(fresh, root / "fresh-full", args.batch, FULL)
        build(root / "store")
        with open_store(root / "store", build_if_missing=False) as store:
            assert validate_submission(typical, store).conforms and validate_submission(full, store).conforms
            have = 0
            for size in sizes:
                grow(store, typical, have, size)
                have = size
                small = median_ms(lambda: validate_submission(typical, store), args.repeat)
                big = median_ms(lambda: validate_submission(full, store), args.repeat)
                pyshacl_engine = median_ms(lambda: validate_submission(typical, store, engine="pyshacl"), 5)
                naive = naive_ms(store, typical) if size <= args.naive_max else None
                rows.append((size, len(store), small, big, pyshacl_engine, naive))
                print(f"... {size} cases measured", flush=True)
            rate_typical = intake_rate(store, root / "batch-typical", args.batch, TYPICAL)
            rate_full = intake_rate(store, root / "batch-full", args.batch, FULL)
    base_small, base_big = rows[0][2], rows[0][3]
    print()
    print(f"{'cases':>7} | {'quads':>10} | {'typical (ms)':>12} | {'ratio':>5} | {'full report (ms)':>16} | {'ratio':>5} | "
          f"{'pyshacl engine (ms)':>19} | {'naive: pyshacl whole graph (ms)':>31} | {'naive / ours':>12}")
    for size, quads, small, big, engine_ms, naive in rows:
        naive_text = f"{naive:>31.0f}" if naive is not None else f"{'not run (> --naive-max)':>31}"
        factor = f"{naive / small:>12.0f}" if naive is not None else f"{'-':>12}"
        print(f"{size:>7} | {quads:>10} | {small:>12.1f} | {small / base_small:>5.2f} | {big:>16.1f} | "
              f"{big / base_big:>5.2f} | {engine_ms:>19.0f} | {naive_text} | {factor}")
    print()
    cores = os.cpu_count() or 1
    print(f"batch intake of {args.batch} cases (read, validate, write) | typical: cases/s | CPU ms/case | "
          f"ceiling on {cores} cores (cases/s) | full report: cases/s | CPU ms/case")
    for name, (rate, cpu), (full_rate, full_cpu) in (
            ("into the seed graph", fresh_typical, fresh_full),
            (f"into the {sizes[-1]}-case graph", rate_typical, rate_full)):
        print(f"{name:>40} | {rate:>17.0f} | {cpu:>11.2f} | {cores * 1000 / cpu:>26.0f} | {full_rate:>19.0f} | "
              f"{full_cpu:>11.2f}")
    print("(ceiling: the rate if every core were busy all the time, from the CPU time the run used)")
    print(f"(typical case: {len(typical.triples)} triples; full report: {len(full.triples)} triples; "
          f"medians of {args.repeat} runs; pyshacl engine: median of 5)")


if __name__ == "__main__":
    main()
