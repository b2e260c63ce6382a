"""Load benchmark: many concurrent clients against ``casegraph serve``, on the seed graph and on a graph of
synthetic cases. Prints a table of figures and ratios from this one run.

For each graph a real ``casegraph serve`` process is started on 127.0.0.1 (``--workers`` query workers,
the default 30 s time limit). Then:

- *first answers*: one client sends each request of the mix once, in turn: the answers are computed (stored
  queries, explore and search are then kept by the server until a write);
- *baseline*: the same again (the one-client latency of a warm server);
- *load*: ``--clients`` clients (default 50) send the mix round and round for ``--seconds`` (default 60),
  each waiting for its answer before sending the next request.

The mix is what the web page and API clients do: every stored query through the REST API with its default
parameters, explore and search, the page itself, and ad-hoc SPARQL through ``/sparql``. Stored-query answers are
cached by the server until the next write, so the table shows how many answers came from that cache. Latency
is measured by the client (on the same 2 cores as the server: the figures include that contention). An error
is any answer other than 200, or no answer within 120 s.

usage: python benchmarks/load.py [--sizes seed,10000] [--clients 50] [--seconds 60] [--workers 2]
       [--work DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # support.live_server: the same launcher the tests use
sys.path.insert(0, str(ROOT / "benchmarks"))
SEED = 7
CG = "https://w3id.org/casegraph/ontology#"
ADHOC = [
    f"SELECT (COUNT(DISTINCT ?case) AS ?cases) WHERE {{ ?case a <{CG}Case> }}",
    f"SELECT ?case ?label WHERE {{ ?t <{CG}agent> <https://w3id.org/casegraph/reference/dupilumab> ; "
    f"<{CG}inCase> ?case . ?case <http://www.w3.org/2000/01/rdf-schema#label> ?label }} LIMIT 100",
    f"ASK {{ <https://w3id.org/casegraph/reference/dupilumab> <{CG}hasTarget> ?t }}",
]


def mix() -> list[tuple[str, str, dict[str, str]]]:
    """(kind, path, params) of every request in one round."""
    from casegraph.queries import list_queries

    requests: list[tuple[str, str, dict[str, str]]] = [("rest", f"/api/queries/{q.name}", {}) for q in list_queries()]
    requests += [("explore", "/api/explore", {"term": "dupilumab"}), ("explore", "/api/explore", {"term": "IL-4Rα"}),
                 ("search", "/api/search", {"q": "dupi"}), ("page", "/", {})]
    requests += [("sparql", "/sparql", {"query": q}) for q in ADHOC]
    return requests


def make_store(work: Path, size: str) -> Path:
    """The seed graph, or the seed graph plus ``size`` synthetic cases taken in by the real intake."""
    from casegraph.store import build, open_store

    path = work / f"store-{size}"
    if path.exists():
        return path
    if size == "seed":
        build(path)
        return path
    from scale import synth

    from casegraph.intake import submit

    files = synth(work / f"synth-{size}", int(size), SEED)
    print(f"submitting {len(files):,} synthetic cases (the real intake) ...", flush=True)
    store = open_store(path, progress=lambda *_: None)
    try:
        summary = submit(store, files)
    finally:
        store.close()
    if summary.count("accepted") != len(files):
        raise SystemExit(f"intake accepted {summary.count('accepted')} of {len(files)} synthetic cases")
    return path


async def drive(base: str, requests: list[tuple[str, str, dict[str, str]]], clients: int,
                seconds: float | None) -> dict[str, Any]:
    """``clients`` clients cycling through ``requests`` for ``seconds`` (``None``: one pass, one client)."""
    import httpx

    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    cached = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    stop = time.perf_counter() + (seconds or 0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(120.0)) as client:
        async def one(i: int) -> None:
            nonlocal cached
            k = i
            while True:
                if seconds is None and k - i >= len(requests):
                    return
                if seconds is not None and time.perf_counter() >= stop:
                    return
                kind, path, params = requests[k % len(requests)]
                k += 1
                start = time.perf_counter()
                try:
                    r = await client.get(path, params=params, headers={"Accept": "application/json"})
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {path} {r.text[:120]}")
                    cached += r.headers.get("x-casegraph-cache") == "hit"
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__} {path}")
                samples[kind].append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(clients)))
        took = time.perf_counter() - began
    every = [s for values in samples.values() for s in values]
    return {"requests": len(every), "errors": len(errors), "first_errors": errors[:5], "seconds": took,
            "rps": len(every) / took, "cached": cached, "all": _quantiles(every),
            "by_kind": {k: _quantiles(v) for k, v in sorted(samples.items())}}


def _quantiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        one = values[0] * 1000 if values else 0.0
        return {"p50": one, "p95": one, "p99": one, "max": one, "n": len(values)}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "max": max(values) * 1000, "n": len(values)}


def run_size(work: Path, size: str, args: argparse.Namespace) -> dict[str, Any]:
    from support.live_server import live_server

    path = make_store(work, size)
    requests = mix()
    with live_server(path, args=["--workers", str(args.workers)], startup=600) as server:
        cold = asyncio.run(drive(server.url, requests, 1, None))  # first answers: computed, then kept until a write
        baseline = asyncio.run(drive(server.url, requests, 1, None))
        print(f"[{size}] {args.clients} clients for {args.seconds:g} s ...", flush=True)
        load = asyncio.run(drive(server.url, requests, args.clients, args.seconds))
    return {"size": size, "cold": cold, "baseline": baseline, "load": load}


def print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    from prettytable import PrettyTable

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.clients} clients x {args.seconds:g} s, {args.workers} query workers")
    table = PrettyTable(["graph", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                         "cache hits", "1-client p50 ms", "p50 ratio"])
    for r in results:
        load, base = r["load"], r["baseline"]
        table.add_row([r["size"], load["requests"], load["errors"], f"{load['rps']:.1f}", f"{load['all']['p50']:.1f}",
                       f"{load['all']['p95']:.1f}", f"{load['all']['p99']:.1f}", f"{load['all']['max']:.0f}",
                       load["cached"], f"{base['all']['p50']:.1f}", f"{load['all']['p50'] / base['all']['p50']:.1f}x"])
    print(table)
    kinds = PrettyTable(["graph", "request kind", "n", "p50 ms", "p95 ms", "p99 ms", "1-client p50 ms",
                         "first answer: p50 ms", "max ms"])
    for r in results:
        for kind, q in r["load"]["by_kind"].items():
            base = r["baseline"]["by_kind"].get(kind, {}).get("p50", 0.0)
            cold = r["cold"]["by_kind"].get(kind, {})
            kinds.add_row([r["size"], kind, q["n"], f"{q['p50']:.1f}", f"{q['p95']:.1f}", f"{q['p99']:.1f}", f"{base:.1f}",
                           f"{cold.get('p50', 0.0):.1f}", f"{cold.get('max', 0.0):.0f}"])
    print(kinds)
    for r in results:
        if r["load"]["errors"]:
            print(f"[{r['size']}] first errors: {r['load']['first_errors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="seed,10000", help="'seed' and/or numbers of synthetic cases")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, help="work folder (kept; default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casegraph-load-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        for size in args.sizes.split(","):
            results.append(run_size(work, size.strip(), args))
            print_table(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
