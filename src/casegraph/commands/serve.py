"""``casegraph serve``: the SPARQL endpoint, REST API and web explorer (see :mod:`casegraph.server`).

Registered by :mod:`casegraph.cli`. Exit codes: 0 stopped cleanly (Ctrl-C), 2 usage error (bad port or
host), 3 store error (the store cannot be opened, for instance because another casegraph command holds it).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

import click

from casegraph.commands.common import StoreSpec, handle_errors, store_option, warn_if_stale

TOKEN_ENV = "CASEGRAPH_UPDATE_TOKEN"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address exposes the graph to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the URL is printed).")
@store_option
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Query worker processes (each holds a read-only view of the store).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Time limit of one query, in seconds; a query past it is stopped (503).")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Result cap of one query; a cut answer says so (header X-Casegraph-Truncated, JSON head.link).")
@click.option("--access-log", is_flag=True, help="Log every request.")
@handle_errors
def serve(host: str, port: int, store_path: StoreSpec, workers: int, timeout: float, max_rows: int,
          access_log: bool) -> None:
    """Serve the graph over HTTP: SPARQL endpoint, REST API and web explorer, until Ctrl-C.

    \b
    /            the web page: query editor, explorer, case pages, submission form
    /sparql      SPARQL 1.1 Protocol (GET/POST; JSON, XML, CSV, TSV, Turtle, N-Triples, JSON-LD, RDF/XML)
    /api/...     stored queries, search, explore, validate, submissions; /api/openapi.json describes them

    Read-only unless $CASEGRAPH_UPDATE_TOKEN is set: then SPARQL Update and POST /api/submissions are
    accepted from requests carrying 'Authorization: Bearer <token>' (or HTTP Basic with it as password).
    SERVICE clauses are always refused.

    Exit codes: 0 stopped, 2 usage error, 3 store error.
    """
    import uvicorn

    from casegraph.server import Settings, create_app, make_backend

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle's algorithm off only on sockets that say they are TCP, and
    # with it on every keep-alive answer waited 40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    settings = Settings(store=store_path.path, endpoint=store_path.endpoint, update_endpoint=store_path.update_endpoint,
                        workers=workers, timeout=timeout, max_rows=max_rows, token=os.environ.get(TOKEN_ENV) or None)
    backend = make_backend(settings)
    backend.open()  # a store that cannot be opened is an error message and exit 3, before anything listens
    warn_if_stale(backend.store, store_path)
    sock.listen(512)
    app = create_app(settings, backend)

    def ready() -> None:
        mode = "read-write with the update token" if settings.token else "read-only"
        click.echo(f"casegraph serving on http://{shown}:{bound} ({mode}; {workers} query worker(s), "
                   f"{timeout:g} s limit, {max_rows:,} rows cap). Ctrl-C stops.", err=True)
        if not loopback:
            click.echo(f"warning: listening on {host}: anyone who can reach this machine can query the graph",
                       err=True)
        sys.stderr.flush()

    app.state.on_ready = ready
    config = uvicorn.Config(app, log_level="warning", access_log=access_log, lifespan="on",
                            h11_max_incomplete_event_size=256 * 1024, timeout_graceful_shutdown=5,
                            # longer than clients keep idle connections (httpx: 5 s), so that the server never
                            # closes one just as a client sends on it (seen as a dropped request under load)
                            timeout_keep_alive=75)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(3)
