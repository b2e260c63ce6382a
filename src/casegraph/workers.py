"""A pool of query worker processes that can be killed, for the web server.

pyoxigraph cannot cancel a query, and an aggregate runs to its end inside one call, so a time limit that
holds must be able to kill the process running it. Each worker is a spawned process holding a read-only
view of a store *snapshot* (a RocksDB checkpoint nobody writes to); the server makes a new snapshot after
each write and the workers move to it with their next task. A worker killed at its time limit is replaced
at once; the other workers never notice.

Ad-hoc SPARQL may occupy all workers but one, so that one slow stranger's query cannot hold up the stored
queries and the web page (the ``adhoc`` lane).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import shutil
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from casegraph.jobs import Reply, error_reply


class Busy(Exception):
    """Every worker is taken and the waiting line is full, or the wait was too long."""


@dataclass(frozen=True)
class Task:
    job: str
    kwargs: Mapping[str, Any]
    snapshot: str


def worker_main(conn: Connection) -> None:
    """A worker's loop: open the task's snapshot (kept open while it stays current), run the job, answer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    from casegraph import jobs
    from casegraph.store import Store

    store: Store | None = None
    current = ""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            if task.snapshot != current:
                fresh = Store.open_read_only(Path(task.snapshot))
                if store is not None:
                    store.close()
                store, current = fresh, task.snapshot
            assert store is not None
            reply = jobs.run(store, task.job, task.kwargs)
        except Exception as exc:  # a bug, not the user's input: say so rather than die silently
            reply = error_reply(500, f"internal error in the query worker: {type(exc).__name__}: {exc}")
        conn.send(reply)


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child,), daemon=True, name="casegraph-query")
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """``size`` workers reading ``snapshot`` (see :meth:`advance`); :meth:`run` is a job with a time limit."""

    def __init__(self, snapshot: Path, size: int = 2, timeout: float = 30.0, queue_limit: int = 256,
                 queue_timeout: float = 120.0) -> None:
        self.size = max(1, size)
        self.timeout = timeout
        self.queue_limit = queue_limit
        self.queue_timeout = queue_timeout
        self.snapshot = str(snapshot)
        self.killed = 0
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._adhoc = asyncio.Semaphore(max(1, self.size - 1))
        self._busy: dict[_Worker, str] = {}
        self._waiting = 0
        self._retired: list[str] = []

    async def start(self) -> None:
        """Start the workers and have each open the snapshot once, before the first request."""
        workers = [_Worker(self._context) for _ in range(self.size)]
        for w in workers:
            self._idle.put_nowait(w)
        await asyncio.gather(*(self.run("ping", {}) for _ in workers))

    async def close(self) -> None:
        while not self._idle.empty():
            w = self._idle.get_nowait()
            with contextlib.suppress(Exception):
                w.conn.send(None)
            w.process.join(2)
            w.kill()
        for w in list(self._busy):
            w.kill()

    def advance(self, snapshot: Path) -> None:
        """Point new tasks at a fresher snapshot; the old one is removed once no running task reads it."""
        self._retired.append(self.snapshot)
        self.snapshot = str(snapshot)
        self._collect()

    def _collect(self) -> None:
        in_use = set(self._busy.values()) | {self.snapshot}
        for old in list(self._retired):
            if old not in in_use:
                shutil.rmtree(old, ignore_errors=True)
                self._retired.remove(old)

    async def run(self, job: str, kwargs: Mapping[str, Any], *, adhoc: bool = False,
                  timeout: float | None = None) -> Reply:
        """Run ``job`` in a free worker; past the time limit the worker is killed and replaced (503)."""
        if self._waiting >= self.queue_limit:
            raise Busy(f"{self._waiting} requests are waiting; try again shortly")
        self._waiting += 1
        waiting = True
        lane = self._adhoc if adhoc else contextlib.nullcontext()
        started = time.monotonic()
        try:
            async with lane:
                try:
                    worker = await asyncio.wait_for(self._idle.get(), self.queue_timeout)
                except TimeoutError:
                    raise Busy(f"no query worker was free for {self.queue_timeout:.0f} s") from None
                self._waiting -= 1
                waiting = False
                waited = time.monotonic() - started
                try:
                    reply = await self._on(worker, job, kwargs, timeout or self.timeout)
                finally:
                    self._collect()
                reply.headers["Server-Timing"] = (f"wait;dur={waited * 1000:.1f}, "
                                                  + reply.headers.get("Server-Timing", "")).rstrip(", ")
                return reply
        finally:
            if waiting:
                self._waiting -= 1

    async def _on(self, worker: _Worker, job: str, kwargs: Mapping[str, Any], limit: float) -> Reply:
        self._busy[worker] = self.snapshot
        replace = False
        try:
            worker.conn.send(Task(job, kwargs, self.snapshot))
            return await asyncio.wait_for(self._receive(worker), limit)
        except TimeoutError:
            replace = True
            self.killed += 1
            return error_reply(503, f"the query ran past the {limit:g} s time limit and was stopped; "
                                    "narrow it (a LIMIT, a more selective pattern) or ask for a stored query")
        except (EOFError, OSError, BrokenPipeError):
            replace = True
            return error_reply(500, "the query worker stopped unexpectedly (out of memory?); it was restarted")
        except asyncio.CancelledError:  # the client went away: stop its work too
            replace = True
            raise
        finally:
            del self._busy[worker]
            if replace:
                worker.kill()
                worker = _Worker(self._context)
            self._idle.put_nowait(worker)

    @staticmethod
    async def _receive(worker: _Worker) -> Reply:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        reply: Reply = await asyncio.to_thread(worker.conn.recv)
        return reply

