"""Benchmark: one submission's validation latency against small and large graphs, batch intake throughput,
and the naive baseline (pyshacl over the whole graph), all in one process. Prints a table.

usage: python benchmarks/validation.py [--sizes 100,1000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from casegraph import build
from casegraph.intake import submit
from casegraph.readers import read_submission
from casegraph.store import open_store
from casegraph.validate import validate_submission

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "omalizumab-triggered-ad.case.json"


def variants(folder: Path, n: int, start: int = 0) -> list[Path]:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    out = []
    for i in range(start, start + n):
        data["caseLabel"] = f"benchmark case {i}"
        path = folder / f"case{i:06}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        out.append(path)
    return out


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store_dir = root / "store"
        build(store_dir)
        probe = read_submission(variants(root, 1, start=10**6)[0])
        have = 0
        with open_store(store_dir, build_if_missing=False) as store:
            for size in sizes:
                files = variants(root, size - have, start=have)
                t = time.perf_counter()
                summary = submit(store, files)
                elapsed = time.perf_counter() - t
                assert summary.count("accepted") == len(files), summary.to_text()
                have = size
                ours = median_ms(lambda: validate_submission(probe, store), args.repeat)
                naive = median_ms(lambda: naive_validate(store, probe), max(3, args.repeat // 5))
                rows.append((size, ours, naive, len(files) / elapsed))
    base = rows[0][1]
    print(f"{'cases':>7} | {'validate one (ms, median)':>26} | {'ratio to smallest':>17} | "
          f"{'naive: pyshacl whole graph (ms)':>31} | {'naive / ours':>12} | {'batch intake (cases/s)':>22}")
    for size, ours, naive, rate in rows:
        print(f"{size:>7} | {ours:>26.1f} | {ours / base:>17.2f} | {naive:>31.1f} | {naive / ours:>12.1f} | {rate:>22.1f}")


def naive_validate(store, sub) -> None:  # type: ignore[no-untyped-def]
    """The naive way: the whole graph plus the submission, every node validated."""
    import pyshacl
    import rdflib

    from casegraph.rdfio import to_ntriples
    from casegraph.validate import _shapes

    graph = rdflib.Graph()
    graph.parse(data=to_ntriples(list(store.triples())) + to_ntriples(sub.triples), format="nt")
    pyshacl.validate(graph, shacl_graph=_shapes(True), inference="none", advanced=True, allow_warnings=True)


if __name__ == "__main__":
    main()
