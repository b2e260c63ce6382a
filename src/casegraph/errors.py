"""Errors with the exit code the command line uses for them.

Exit codes: 0 success; 1 the input is readable but does not conform (validation violations);
2 usage or input error (unknown query or term, unreadable file, bad parameter, SPARQL syntax error);
3 the store could not be opened or written.
"""

from __future__ import annotations


class CasegraphError(Exception):
    """Base class: ``str(error)`` is a message meant for the user; ``exit_code`` for the CLI."""

    exit_code = 2


class UsageError(CasegraphError):
    """The request itself is wrong: unknown name, missing parameter, bad option value."""

    exit_code = 2


class InputError(CasegraphError):
    """A file or query text cannot be read or parsed."""

    exit_code = 2


class ValidationFailed(CasegraphError):
    """Data were read but violate the shapes; ``report`` holds the details."""

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class StoreError(CasegraphError):
    """The store cannot be opened, locked or written."""

    exit_code = 3
