"""Benchmark: reasoning time as the graph grows, against naive HermiT over everything, in one process.

The graph is grown with copies of a typical one-patient case document (tests/data/omalizumab-ad.case.json:
one paradoxical reaction to omalizumab, so every copy yields one inferred membership), each in a submission
graph of its own, loaded with pyoxigraph's bulk loader and compacted (as benchmarks/validation.py does).

Measured at each size: ``reason --full`` (HermiT over the ontology + reference data, the SPARQL fast path
over every case graph, rewriting every inferred graph), ``reason`` once every case is current (what a user
runs after intake: HermiT, the seed cases and only the graphs not yet classified under this build), and the
incremental step intake runs after a batch (``infer_for_submissions`` over the last 1,000 submissions). The
baseline, measured in the same run, is naive HermiT over the ontology, the reference data and every case, in a
child process stopped at a cap.

usage: python benchmarks/reasoning.py [--sizes 1000,10000,100000] [--batch 1000] [--naive-cap 600]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from casegraph import build, inference
from casegraph.namespaces import ONTOLOGY_GRAPH, REFERENCE_GRAPH, SUBMISSIONS_GRAPH_PREFIX
from casegraph.readers import Submission, read_submission
from casegraph.reasoning import reason
from casegraph.store import Store

ROOT = Path(__file__).resolve().parents[1]
TYPICAL = ROOT / "tests" / "data" / "omalizumab-ad.case.json"


def graph_of(i: int) -> str:
    return f"{SUBMISSIONS_GRAPH_PREFIX}benchmark{i:07}"


def grow(store: Store, template: Submission, start: int, stop: int) -> None:
    """Copies ``start``..``stop`` of the template case, IRIs renamed, each in its own submission graph."""
    def rename(term: ox.NamedNode | ox.BlankNode | ox.Literal, copy: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, ox.NamedNode) and term.value.startswith(template.base):
            return ox.NamedNode(copy + term.value[len(template.base):])
        return term

    def quads():  # type: ignore[no-untyped-def]
        for i in range(start, stop):
            copy = template.base.rstrip("/") + f"-copy{i}/"
            graph = ox.NamedNode(graph_of(i))
            for t in template.triples:
                yield ox.Quad(rename(t.subject, copy), t.predicate, rename(t.object, copy), graph)  # type: ignore[arg-type]

    store._store.bulk_extend(quads())
    store._store.optimize()


def naive_hermit(store: Store, graphs: list[str], folder: Path, cap: float) -> float | None:
    """Seconds HermiT takes over ontology + reference + all ``graphs`` (None past ``cap`` seconds)."""
    path = folder / "naive.nt"
    triples = (t for g in (ONTOLOGY_GRAPH, REFERENCE_GRAPH, *graphs) for t in store.triples(g))
    ox.serialize(triples, output=str(path), format=ox.RdfFormat.N_TRIPLES)
    code = ("import sys, time, pyoxigraph as ox\nfrom casegraph.reasoner import run_hermit\n"
            "triples = [q.triple for q in ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)]\n"
            "t = time.perf_counter(); r = run_hermit(triples); assert r.consistent\n"
            "print(time.perf_counter() - t)\n")
    # a session of its own, so that a stop at the cap also ends HermiT's Java process (a child of the child),
    # which would otherwise go on using a core through the rest of the benchmark
    child = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        out, _ = child.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return None
    if child.returncode:
        raise RuntimeError(f"naive HermiT failed with exit code {child.returncode}")
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--naive-cap", type=float, default=600.0, help="seconds before naive HermiT is stopped")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "store"
        build(path)
        template = read_submission(TYPICAL)
        rows = []
        naive_stopped = False
        with Store(path) as store:
            grown = 0
            for size in sizes:
                grow(store, template, grown, size)
                grown = size
                quads = len(store)
                start = time.perf_counter()
                report = reason(store, full=True)
                full = time.perf_counter() - start
                assert report.consistent and report.classes.get("cg:ParadoxicalReactionToBiologic", 0) >= size
                start = time.perf_counter()
                again = reason(store)
                current = time.perf_counter() - start
                assert again.consistent and again.current_graphs == size
                batch = [graph_of(i) for i in range(size - args.batch, size)]
                start = time.perf_counter()
                result = inference.infer_for_submissions(store, batch)
                incremental = time.perf_counter() - start
                assert result.triples == len(batch)
                naive = None
                if not naive_stopped:
                    naive = naive_hermit(store, [graph_of(i) for i in range(size)], folder, args.naive_cap)
                    naive_stopped = naive is None
                rows.append((size, quads, full, report.hermit_seconds, report.fast_path_seconds, current,
                             incremental * 1000 / len(batch), naive))
                print(f"... {size:,} cases done", file=sys.stderr, flush=True)

    base = rows[0][2]
    print(f"| cases | quads | `reason --full` (s) | of which HermiT (s) | case graphs + write (s) | ratio to "
          f"{sizes[0]:,} | `reason`, every case current (s) | incremental, batch of {args.batch:,} (ms/case) | "
          "naive HermiT over everything (s) | naive / full |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, quads, full, hermit, fast, current, per_case, naive in rows:
        naive_text = f"{naive:.1f}" if naive is not None else f"> {args.naive_cap:.0f} (stopped)"
        ratio = f"{naive / full:.1f}×" if naive is not None else "–"
        print(f"| {size:,} | {quads:,} | {full:.1f} | {hermit:.1f} | {fast:.1f} | {full / base:.2f} | "
              f"{current:.1f} | {per_case:.3f} | {naive_text} | {ratio} |")


if __name__ == "__main__":
    main()
