"""casegraph: a clinical knowledge graph of drug case reports.

The Python API mirrors the command line: :func:`build`, :func:`list_queries`, :func:`run_query`,
:func:`validate_files`, :func:`explore`, all working on an embedded :class:`Store`.
"""

from casegraph.errors import CasegraphError, InputError, UsageError, ValidationFailed
from casegraph.explore import Neighbourhood, explore
from casegraph.queries import QueryResult, StoredQuery, list_queries, load_query, run_query
from casegraph.store import Store, build, default_store_path, open_store
from casegraph.terms import resolve_term
from casegraph.validate import ValidationReport, validate_files

__version__ = "0.1.0"

__all__ = [
    "CasegraphError",
    "InputError",
    "Neighbourhood",
    "QueryResult",
    "Store",
    "StoredQuery",
    "UsageError",
    "ValidationFailed",
    "ValidationReport",
    "__version__",
    "build",
    "default_store_path",
    "explore",
    "list_queries",
    "load_query",
    "open_store",
    "resolve_term",
    "run_query",
    "validate_files",
]
