"""casegraph: a clinical knowledge graph of drug case reports.

The Python API mirrors the command line: :func:`build`, :func:`list_queries`, :func:`run_query`,
:func:`validate_files`, :func:`read_submission`, :func:`submit`, :func:`withdraw`, :func:`explore`, all working on
an embedded :class:`Store`.
"""

from casegraph.errors import CasegraphError, InputError, UsageError, ValidationFailed
from casegraph.explore import Neighbourhood, explore
from casegraph.intake import IntakeSummary, SubmissionRecord, list_submissions, submit, withdraw
from casegraph.queries import QueryResult, StoredQuery, list_queries, load_query, run_query
from casegraph.readers import Submission, read_submission
from casegraph.store import Store, build, default_store_path, open_store
from casegraph.terms import resolve_term
from casegraph.validate import ValidationReport, validate_files, validate_submissions

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
