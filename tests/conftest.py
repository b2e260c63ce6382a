"""Shared fixtures: one store built from the shipped ontology and data, in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casegraph import Store, build, open_store

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "casegraph"
    build(path)
    return path


@pytest.fixture(scope="session")
def store(store_path: Path) -> Iterator[Store]:
    with open_store(store_path, build_if_missing=False) as s:
        yield s
