"""casegraph: a clinical knowledge graph of drug case reports.

The Python API mirrors the command line: :func:`build`, :func:`list_queries`, :func:`run_query`,
:func:`validate_files`, :func:`read_submission`, :func:`submit`, :func:`withdraw`, :func:`explore`, all working on
an embedded :class:`Store`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Eager: the submodule casegraph.explore has the function's name, and importing a submodule binds the
# package attribute to the module, which would hide the function from a lazy lookup (cheap: 40 ms).
from casegraph.explore import Neighbourhood, explore

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time each name is imported on first use
    from casegraph.errors import CasegraphError, InputError, UsageError, ValidationFailed
    from casegraph.intake import IntakeSummary, SubmissionRecord, list_submissions, submit, withdraw
    from casegraph.queries import QueryResult, StoredQuery, list_queries, load_query, run_query
    from casegraph.readers import Submission, read_submission
    from casegraph.store import Store, build, default_store_path, open_store
    from casegraph.terms import resolve_term
    from casegraph.validate import ValidationReport, validate_files, validate_submissions

#: Public name -> the module that defines it. Imported lazily (PEP 562): ``casegraph query`` needs neither
#: the validator nor rdflib, and importing them cost it a sixth of a second.
_HOMES = {
    **dict.fromkeys(("CasegraphError", "InputError", "UsageError", "ValidationFailed"), "errors"),
    **dict.fromkeys(("IntakeSummary", "SubmissionRecord", "list_submissions", "submit", "withdraw"), "intake"),
    **dict.fromkeys(("QueryResult", "StoredQuery", "list_queries", "load_query", "run_query"), "queries"),
    **dict.fromkeys(("Submission", "read_submission"), "readers"),
    **dict.fromkeys(("Store", "build", "default_store_path", "open_store"), "store"),
    "resolve_term": "terms",
    **dict.fromkeys(("ValidationReport", "validate_files", "validate_submissions"), "validate"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'casegraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"casegraph.{home}"), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "CasegraphError",
    "InputError",
    "IntakeSummary",
    "Neighbourhood",
    "QueryResult",
    "Store",
    "StoredQuery",
    "Submission",
    "SubmissionRecord",
    "UsageError",
    "ValidationFailed",
    "ValidationReport",
    "__version__",
    "build",
    "default_store_path",
    "explore",
    "list_queries",
    "list_submissions",
    "load_query",
    "open_store",
    "read_submission",
    "resolve_term",
    "run_query",
    "submit",
    "validate_files",
    "validate_submissions",
    "withdraw",
]
