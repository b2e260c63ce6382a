"""A real ``casegraph serve`` process for the tests: started on a free port of 127.0.0.1, stopped after."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

_READY = re.compile(r"casegraph serving on (http://\S+)")


@dataclass
class LiveServer:
    """A running server: its base URL (no trailing slash), its process and what it logged."""

    url: str
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(self.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]


@contextmanager
def live_server(store: Path | None = None, *, endpoint: str | None = None, args: Sequence[str] = (),
                env: dict[str, str] | None = None, startup: float = 120.0) -> Iterator[LiveServer]:
    """Run ``casegraph serve --port 0`` on ``store`` (or ``endpoint``) until the block ends."""
    cmd = [sys.executable, "-m", "casegraph", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    if store is not None:
        cmd += ["--store", str(store)]
    if endpoint is not None:
        cmd += ["--endpoint", endpoint]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    assert proc.stderr is not None
    log: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line.rstrip("\n"))
            match = _READY.search(line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + startup
    while not ready.wait(0.2):
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("casegraph serve did not start in time:\n" + "\n".join(log))
    if not found:
        proc.wait(10)
        raise RuntimeError(f"casegraph serve exited with {proc.returncode}:\n" + "\n".join(log))
    server = LiveServer(found[0].rstrip("/"), proc, log)
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
