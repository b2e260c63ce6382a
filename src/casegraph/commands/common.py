"""What every command shares: the ``--store`` option, error handling with the documented exit codes, and
progress lines. Kept apart from :mod:`casegraph.cli` so command modules can use it without an import cycle.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from casegraph.errors import CasegraphError, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = "Store folder (default: $CASEGRAPH_STORE or the user data directory)."


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


def store_option(func: F) -> F:
    return click.option(
        "--store", "store_path", type=click.Path(path_type=Path), envvar="CASEGRAPH_STORE", help=STORE_HELP
    )(func)


def progress() -> Callable[[str], None]:
    from rich.console import Console

    console = Console(stderr=True)
    return lambda msg: console.print(f"[dim]· {msg}[/dim]")
