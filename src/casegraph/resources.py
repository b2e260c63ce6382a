"""Where the ontology, reference data, cases and stored queries live.

A wheel ships them inside the package (``casegraph/_resources``); a source checkout or editable install
reads them from the repository root, so that editing ``data/`` is seen without reinstalling.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resource_root() -> Path:
    """The folder that holds ``ontology/``, ``data/`` and ``queries/``."""
    bundled = _PACKAGE_DIR / "_resources"
    if (bundled / "ontology").is_dir():
        return bundled
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError(
        f"casegraph resources not found in {bundled} or {checkout}; reinstall the package"
    )


def ontology_file() -> Path:
    return resource_root() / "ontology" / "casegraph.ttl"


def shapes_file() -> Path:
    return resource_root() / "ontology" / "shapes.ttl"


def intake_shapes_file() -> Path:
    """Shapes that apply to submissions only (source identifiers, de-identification, new drugs)."""
    return resource_root() / "ontology" / "intake-shapes.ttl"


def case_context_file() -> Path:
    """The JSON-LD context that makes a plain JSON/YAML case document RDF."""
    return resource_root() / "ontology" / "case-document.context.jsonld"


def case_schema_file() -> Path:
    """The JSON Schema of a case document."""
    return resource_root() / "ontology" / "case-document.schema.json"


def reference_files() -> list[Path]:
    return sorted((resource_root() / "data" / "reference").glob("*.ttl"))


def case_files() -> list[Path]:
    return sorted((resource_root() / "data" / "cases").glob("*.ttl"))


def queries_dir() -> Path:
    return resource_root() / "queries"


def internal_query(name: str) -> str:
    """Text of a query the package itself runs (``src/casegraph/sparql/NAME``)."""
    return (_PACKAGE_DIR / "sparql" / name).read_text(encoding="utf-8")


def fill_values(text: str, variable: str, iris: Iterable[str]) -> str:
    """Put ``iris`` into the query's empty ``VALUES ?variable {}`` line."""
    values = " ".join(f"<{i}>" for i in iris)
    return text.replace(f"VALUES ?{variable} {{}}", f"VALUES ?{variable} {{ {values} }}", 1)
