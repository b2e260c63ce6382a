"""What every command shares: the ``--store`` option, error handling with the documented exit codes, and
progress lines. Kept apart from :mod:`casegraph.cli` so command modules can use it without an import cycle.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from casegraph.errors import CasegraphError, ValidationFailed

if TYPE_CHECKING:
    from casegraph.backend import GraphStore

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = "Store folder (default: $CASEGRAPH_STORE or the user data directory)."
ENDPOINT_HELP = ("Work on a SPARQL 1.1 server instead of the embedded store: its query endpoint (also "
                 "$CASEGRAPH_ENDPOINT). Credentials come from $CASEGRAPH_ENDPOINT_USER and "
                 "$CASEGRAPH_ENDPOINT_PASSWORD, never from the command line.")
UPDATE_HELP = "The server's SPARQL Update endpoint, when it is not the query endpoint (also $CASEGRAPH_UPDATE_ENDPOINT)."


def handle_errors(func: F) -> F:
    """Turn casegraph errors into a message on stderr and the documented exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except CasegraphError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as exc:
            if exc.filename is None:  # not about a file the user named: treated as unexpected below
                _internal(exc)
            # an output file that cannot be written (missing folder, no permission): an input error
            click.echo(f"error: {exc.filename}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # last resort: a message, not a traceback
            _internal(exc)

    return wrapper  # type: ignore[return-value]


def _internal(exc: BaseException) -> None:
    click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
    click.echo("please report this with the command you ran", err=True)
    sys.exit(4)


@dataclass(frozen=True)
class StoreSpec:
    """Which graph a command works on: the embedded store's folder, or a SPARQL server."""

    path: Path | None = None
    endpoint: str | None = None
    update_endpoint: str | None = None


def store_option(func: F) -> F:
    """``--store PATH`` or ``--endpoint URL`` [``--update-endpoint URL``], handed to the command as one
    :class:`StoreSpec` in its ``store_path`` argument; :func:`open_graph` opens it."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        endpoint, update = kwargs.pop("endpoint", None), kwargs.pop("update_endpoint", None)
        if update and not endpoint:
            raise click.UsageError("--update-endpoint needs --endpoint")
        if endpoint and kwargs.get("store_path") is not None and not _from_env("CASEGRAPH_STORE"):
            raise click.UsageError("give either --store or --endpoint, not both")
        kwargs["store_path"] = StoreSpec(None if endpoint else kwargs.get("store_path"), endpoint, update)
        return func(*args, **kwargs)

    wrapper = click.option("--store", "store_path", type=click.Path(path_type=Path), envvar="CASEGRAPH_STORE",
                           help=STORE_HELP)(wrapper)
    wrapper = click.option("--endpoint", envvar="CASEGRAPH_ENDPOINT", metavar="URL", help=ENDPOINT_HELP)(wrapper)
    wrapper = click.option("--update-endpoint", envvar="CASEGRAPH_UPDATE_ENDPOINT", metavar="URL",
                           help=UPDATE_HELP)(wrapper)
    return wrapper  # type: ignore[return-value]


def _from_env(name: str) -> bool:
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("store_path") if ctx else None
    return source is click.core.ParameterSource.ENVIRONMENT and bool(os.environ.get(name))


def open_graph(spec: StoreSpec | Path | None, *, build_if_missing: bool = True,
               progress: Callable[[str], None] | None = None, require_built: bool = True) -> GraphStore:
    """Open what ``--store``/``--endpoint`` named (building the seed graph on first use)."""
    from casegraph.backend import open_backend

    if not isinstance(spec, StoreSpec):
        spec = StoreSpec(spec)
    graph = open_backend(spec.path, spec.endpoint, spec.update_endpoint, build_if_missing=build_if_missing,
                         progress=progress, require_built=require_built)
    if require_built:
        warn_if_stale(graph, spec)
    return graph


def warn_if_stale(graph: GraphStore, spec: StoreSpec) -> None:
    """Say so when the store was built by another casegraph: answers would miss what newer rules derive."""
    from casegraph.store import default_store_path, is_stale

    if not is_stale(graph):
        return
    where = spec.endpoint or str(spec.path or default_store_path())
    option = f" --endpoint {spec.endpoint}" if spec.endpoint else (f" --store {spec.path}" if spec.path else "")
    click.echo(f"warning: {where} was built from another version of casegraph's ontology, data or rules; "
               f"answers that rest on derived facts may be incomplete. Run 'casegraph build{option}' to "
               "rebuild it (accepted submissions are kept).", err=True)


def progress() -> Callable[[str], None]:
    from rich.console import Console

    console = Console(stderr=True)
    return lambda msg: console.print(f"[dim]· {msg}[/dim]")
