"""``casegraph serve``: a SPARQL 1.1 Protocol endpoint, the stored queries as a REST API, validation and
submission over HTTP, and the web explorer, from one process.

The event loop only routes, negotiates and checks; every query runs in a killable worker process (see
:mod:`casegraph.workers`) on a snapshot of the store, so a slow query never blocks the others and the time
limit really stops it. Writes (token-protected SPARQL Update and submissions) go one at a time through the
server's own read-write handle, and each one that lands makes a fresh snapshot for the readers.

Safe by default: bound to 127.0.0.1, read-only unless started with an update token, SERVICE refused (it
would make the server call any URL a client names), a time limit and a result cap on every query, the cap
always reported.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casegraph import jobs, protocol
from casegraph.jobs import Reply
from casegraph.queries import query_catalogue
from casegraph.workers import Busy, WorkerPool

WEB = Path(__file__).parent / "web"
#: Every response forbids scripts, styles and connections from anywhere but this server.
CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'")
EXPOSED = ["X-Casegraph-Truncated", "X-Casegraph-Result-Limit", "X-Casegraph-Cache", "Server-Timing"]
MAX_QUERY_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@dataclass
class Settings:
    """What ``casegraph serve`` was started with."""

    store: Path | None = None
    endpoint: str | None = None
    update_endpoint: str | None = None
    workers: int = 2
    timeout: float = 30.0
    max_rows: int = 10_000
    token: str | None = None


class TooLarge(Exception):
    pass


# -- backends: where jobs run --------------------------------------------------------------------------
class EmbeddedBackend:
    """Jobs in worker processes on snapshots of an embedded store; writes through one read-write handle."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.generation = 0
        self._lock = asyncio.Lock()
        self._snapshots: Path | None = None
        self.pool: WorkerPool | None = None
        self.store: Any = None

    def open(self) -> None:
        """Open (or build) the store before serving, so that a store error is a message, not a failed start."""
        from casegraph.store import open_store

        self.store = open_store(self.settings.store)

    async def start(self) -> None:
        if self.store is None:
            await asyncio.to_thread(self.open)
        assert self.store.path is not None
        folder = self.store.path.parent
        self._snapshots = Path(tempfile.mkdtemp(prefix=f".{self.store.path.name}.serve-", dir=folder))
        first = await asyncio.to_thread(self._snapshot)
        self.pool = WorkerPool(first, self.settings.workers, self.settings.timeout)
        await self.pool.start()

    def _snapshot(self) -> Path:
        assert self._snapshots is not None
        target = self._snapshots / f"gen-{self.generation}"
        self.store.backup(target)
        return target

    async def run(self, job: str, kwargs: Mapping[str, Any], *, adhoc: bool = False) -> Reply:
        assert self.pool is not None
        return await self.pool.run(job, kwargs, adhoc=adhoc)

    async def write(self, job: str, kwargs: Mapping[str, Any]) -> Reply:
        async with self._lock:
            reply = await asyncio.to_thread(jobs.run, self.store, job, kwargs)
            if reply.status in (201, 204):  # something was written
                self.generation += 1
                fresh = await asyncio.to_thread(self._snapshot)
                assert self.pool is not None
                self.pool.advance(fresh)
            return reply

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        if self.store is not None:
            self.store.close()
        if self._snapshots is not None:
            shutil.rmtree(self._snapshots, ignore_errors=True)


class RemoteBackend:
    """Jobs in threads against a SPARQL server (its own time limit enforced by the HTTP timeout)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.generation = 0
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(max(2, settings.workers * 2))
        self.store: Any = None

    def open(self) -> None:
        """Connect (building the seed graph on an empty server) before serving."""
        import os

        from casegraph.backend import PASSWORD_ENV, USER_ENV
        from casegraph.remote import RemoteStore
        from casegraph.store import ensure_built

        remote = RemoteStore(self.settings.endpoint or "", self.settings.update_endpoint,
                             user=os.environ.get(USER_ENV), password=os.environ.get(PASSWORD_ENV),
                             timeout=self.settings.timeout)
        ensure_built(remote)
        self.store = remote

    async def start(self) -> None:
        if self.store is None:
            await asyncio.to_thread(self.open)

    async def run(self, job: str, kwargs: Mapping[str, Any], *, adhoc: bool = False) -> Reply:
        async with self._slots:
            try:
                return await asyncio.wait_for(asyncio.to_thread(jobs.run, self.store, job, kwargs),
                                              self.settings.timeout + 5)
            except TimeoutError:
                return jobs.error_reply(503, f"the query ran past the {self.settings.timeout:g} s time limit")

    async def write(self, job: str, kwargs: Mapping[str, Any]) -> Reply:
        async with self._lock:
            reply = await asyncio.to_thread(jobs.run, self.store, job, kwargs)
            if reply.status in (201, 204):
                self.generation += 1
            return reply

    async def close(self) -> None:
        if self.store is not None:
            self.store.close()


Backend = EmbeddedBackend | RemoteBackend


# -- helpers ---------------------------------------------------------------------------------------------
def _response(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=reply.headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes without reading all of it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body is {int(declared):,} bytes; at most {limit:,} are accepted")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the request body is over {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _authorised(request: Request, token: str | None) -> bool:
    """Bearer <token>, or HTTP Basic with the token as the password (what SPARQL clients send)."""
    if not token:
        return False
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            given = base64.b64decode(value.strip()).decode().partition(":")[2]
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _run(request: Request, job: str, kwargs: Mapping[str, Any], *, adhoc: bool = False) -> Response:
    try:
        return _response(await _backend(request).run(job, kwargs, adhoc=adhoc))
    except Busy as exc:
        return _busy(exc)


def _busy(exc: Exception) -> Response:
    return _error(503, f"the server is busy: {exc}", {"Retry-After": "5"})


# -- the SPARQL endpoint -----------------------------------------------------------------------------------
async def sparql(request: Request) -> Response:
    """SPARQL 1.1 Protocol: query by GET, POST form or POST direct; update by POST only, with the token."""
    params = {k: v for k, v in parse_qs(request.url.query, keep_blank_values=True).items()}
    query_text: str | None = None
    update_text: str | None = None
    try:
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await _body(request, MAX_QUERY_BYTES)
            if kind == "application/x-www-form-urlencoded":
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
            elif kind == "application/sparql-query":
                query_text = body.decode("utf-8")
            elif kind == "application/sparql-update":
                update_text = body.decode("utf-8")
            else:
                return _error(415, f"unsupported content type {kind or '(none)'!r}: send application/sparql-query, "
                                   "application/sparql-update or application/x-www-form-urlencoded")
    except TooLarge as exc:
        return _error(413, str(exc))
    except UnicodeDecodeError:
        return _error(400, "the request body is not UTF-8 text")
    if query_text is None and "query" in params:
        query_text = params["query"][0]
    if update_text is None and "update" in params:
        if request.method != "POST":
            return _error(400, "a SPARQL Update must be sent with POST")
        update_text = params["update"][0]
    if update_text is not None:
        return await _update(request, update_text)
    if query_text is None:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/#/query", status_code=303)
        return _error(400, "give the SPARQL query in the 'query' parameter (GET or POST form) or as an "
                           "application/sparql-query body")
    if protocol.uses_service(query_text):
        return _error(403, "SERVICE (federated query) is refused: this server does not call other endpoints")
    if protocol.operation_kind(query_text) == "update":
        return _error(403, "SPARQL Update is refused here: send it as 'update' (POST) with the server's update token")
    settings = _settings(request)
    fmt = next(iter(params.get("format", []) or params.get("output", [])), None)
    return await _run(request, "sparql", {
        "text": query_text, "accept": request.headers.get("accept"), "fmt": fmt, "cap": settings.max_rows,
        "default_graphs": params.get("default-graph-uri", []), "named_graphs": params.get("named-graph-uri", []),
    }, adhoc=True)


async def _update(request: Request, text: str) -> Response:
    settings = _settings(request)
    if not _authorised(request, settings.token):
        why = ("this server is read-only (start it with $CASEGRAPH_UPDATE_TOKEN set to accept updates)"
               if not settings.token else "the request does not carry the server's update token")
        return _error(403, f"SPARQL Update is refused: {why}")
    words = protocol.keywords(text)
    if "SERVICE" in words or "LOAD" in words:
        return _error(403, "SERVICE and LOAD are refused: this server does not fetch other URLs")
    return _response(await _backend(request).write("update", {"text": text}))


# -- REST --------------------------------------------------------------------------------------------------
async def list_stored(request: Request) -> Response:
    return JSONResponse(request.app.state.catalogue)


async def run_stored(request: Request) -> Response:
    name = request.path_params["name"]
    names = [q["name"] for q in request.app.state.catalogue]
    if name not in names:
        return _error(404, f"no stored query {name!r}; the queries are: {', '.join(names)}")
    params = dict(request.query_params)
    fmt = params.pop("format", None) or ("csv" if "text/csv" in request.headers.get("accept", "") else "json")
    if fmt not in ("json", "csv"):
        return _error(400, f"format must be json or csv; got {fmt!r}")
    return await _cached(request, ("stored", name, tuple(sorted(params.items())), fmt), "stored",
                         {"name": name, "params": params, "fmt": fmt, "cap": _settings(request).max_rows})


async def _cached(request: Request, what: tuple[Any, ...], job: str, kwargs: Mapping[str, Any]) -> Response:
    """A read-only job's answer, kept until the next write (answers change only when one lands). Requests
    for an answer being computed wait for it rather than compute it again: fifty clients opening the same
    page cost one query."""
    backend = _backend(request)
    key = (backend.generation, *what)
    cache: OrderedDict[Any, Reply] = request.app.state.cache
    pending: dict[Any, asyncio.Future[Reply]] = request.app.state.pending
    if key in cache:
        cache.move_to_end(key)
        hit = _response(cache[key])
        hit.headers["X-Casegraph-Cache"] = "hit"
        return hit
    if key in pending:
        try:
            shared = _response(await asyncio.shield(pending[key]))
        except Exception as exc:  # the request computing it failed; say so rather than pile on
            return _busy(exc)
        shared.headers["X-Casegraph-Cache"] = "hit"
        return shared
    future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
    pending[key] = future
    try:
        reply = await backend.run(job, kwargs)
    except Busy as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: waiters, if any, get it too
        return _busy(exc)
    except BaseException:
        future.cancel()
        raise
    finally:
        pending.pop(key, None)
    future.set_result(reply)
    if reply.status == 200 and key[0] == backend.generation:
        cache[key] = reply
        while len(cache) > 512:
            cache.popitem(last=False)
    return _response(reply)


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "")
    limit = request.query_params.get("limit", "20")
    if not limit.isdigit() or not 1 <= int(limit) <= 200:
        return _error(400, "limit must be a whole number from 1 to 200")
    return await _cached(request, ("search", q, int(limit)), "search", {"q": q, "limit": int(limit)})


async def explore(request: Request) -> Response:
    term = request.query_params.get("term", "")
    depth = request.query_params.get("depth", "1")
    if not term.strip():
        return _error(400, "give a term: a drug, target, mechanism, disease or case (label, CURIE or IRI)")
    if depth not in ("1", "2", "3"):
        return _error(400, "depth must be 1, 2 or 3")
    return await _cached(request, ("explore", term, int(depth)), "explore", {"term": term, "depth": int(depth)})


async def _document(request: Request) -> tuple[bytes, str] | Response:
    try:
        body = await _body(request, MAX_DOCUMENT_BYTES)
    except TooLarge as exc:
        return _error(413, str(exc))
    if not body.strip():
        return _error(400, "the request body is empty: send the case document (JSON, YAML, Turtle, JSON-LD, "
                           "N-Triples, RDF/XML or a GA4GH Phenopacket)")
    return body, jobs.upload_name(request.headers.get("content-type"), request.query_params.get("filename"))


async def validate(request: Request) -> Response:
    got = await _document(request)
    if isinstance(got, Response):
        return got
    body, name = got
    return await _run(request, "validate", {"body": body, "name": name, "accept": request.headers.get("accept")})


async def submit(request: Request) -> Response:
    settings = _settings(request)
    if not _authorised(request, settings.token):
        why = ("this server is read-only (start it with $CASEGRAPH_UPDATE_TOKEN set to accept submissions)"
               if not settings.token else "send the server's token as 'Authorization: Bearer <token>'")
        return _error(403, f"submission refused: {why}")
    got = await _document(request)
    if isinstance(got, Response):
        return got
    body, name = got
    return _response(await _backend(request).write("submit", {"body": body, "name": name}))


async def openapi(request: Request) -> Response:
    from casegraph.openapi import document

    return JSONResponse(document(str(request.base_url).rstrip("/")))


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "generation": _backend(request).generation})


async def index(request: Request) -> Response:
    return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8")


# -- the application ---------------------------------------------------------------------------------------
class SecurityHeaders:
    """CSP and friends on every response: the page may load nothing from elsewhere, nor be framed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def make_backend(settings: Settings) -> Backend:
    """The backend ``settings`` name, not yet open."""
    return RemoteBackend(settings) if settings.endpoint else EmbeddedBackend(settings)


def create_app(settings: Settings, backend: Backend | None = None) -> Starlette:
    """The ASGI application for ``settings``; the backend (opened here if it is not yet) starts its workers
    with the application's lifespan and stops them with it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal backend
        backend = backend or make_backend(settings)
        app.state.backend = backend
        try:
            await backend.start()
            if app.state.on_ready is not None:
                app.state.on_ready()
            yield
        finally:
            await backend.close()

    routes = [
        Route("/", index),
        Route("/healthz", health),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/api/queries", list_stored),
        Route("/api/queries/{name}", run_stored),
        Route("/api/search", search),
        Route("/api/explore", explore),
        Route("/api/validate", validate, methods=["POST"]),
        Route("/api/submissions", submit, methods=["POST"]),
        Route("/api/openapi.json", openapi),
        Mount("/static", StaticFiles(directory=WEB / "static", check_dir=False), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                   allow_headers=["Content-Type", "Authorization", "Accept"], expose_headers=EXPOSED),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.catalogue = query_catalogue()  # the .rq files ship with the package: read once, not per request
    app.state.cache = OrderedDict()
    app.state.pending = {}
    app.state.on_ready = None
    return app
