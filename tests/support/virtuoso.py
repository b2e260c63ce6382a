"""Start and stop a private Virtuoso 7 (``virtuoso-t`` from Debian's ``virtuoso-opensource-7-bin``).

The server gets its own database folder and free ports on 127.0.0.1, never the stock service or its
password. SPARQL Update goes through ``/sparql-auth`` with HTTP digest authentication as ``dba`` (the
password of a database ``virtuoso-t`` creates itself), the way a real deployment would be reached.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CONFIG = Path(__file__).with_name("virtuoso.ini")
BINARY = "virtuoso-t"


@dataclass
class Virtuoso:
    process: subprocess.Popen[bytes]
    folder: Path
    http_port: int
    sql_port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    user = "dba"
    password = "dba"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path, *, max_rows: int = 10000, timeout: float = 180.0, buffers: int = 20000,
          dirs_allowed: tuple[Path, ...] = ()) -> Virtuoso:
    """A running server with an empty database in ``folder``; raises if it does not answer in time.

    ``buffers`` is the page cache in 8 KiB pages (the default, 160 MiB, suits the tests; a benchmark of
    millions of triples wants more); ``dirs_allowed`` are folders the server's bulk loader may read.
    """
    binary = shutil.which(BINARY)
    if binary is None:
        raise RuntimeError(f"{BINARY} not found: install Debian's virtuoso-opensource-7-bin (.ci/run does)")
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(CONFIG.read_text().format(db=folder, sql_port=sql_port, http_port=http_port,
                                             max_rows=max_rows, buffers=buffers,
                                             dirty=buffers * 3 // 4,
                                             dirs=", ".join([".", *map(str, dirs_allowed)])))
    log = (folder / "stdout.log").open("wb")
    process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=log,
                               stderr=subprocess.STDOUT)
    server = Virtuoso(process, folder, http_port, sql_port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}: "
                               f"{(folder / 'stdout.log').read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}?query=ASK%7B%7D", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"virtuoso-t did not answer on {server.endpoint} within {timeout:.0f} s")
