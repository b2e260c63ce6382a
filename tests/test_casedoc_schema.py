"""The fast schema check (jsonschema-rs) and the explaining one (jsonschema) give the same verdict."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from casegraph.casedoc import _fast_validator, load_json, load_yaml, schema

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([*(ROOT / "data" / "examples").glob("*.case.*"), *(ROOT / "tests" / "data").glob("*.case.*")])
#: Values put in place of each field: wrong types, empty containers, numbers as strings, odd text.
REPLACEMENTS: list[Any] = ["x", "12", 1, -1, 2.5, True, None, [], {}, [{}], "", "10.1/x", "2021-01-01"]


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return load_yaml(path, text) if path.suffix in (".yaml", ".yml") else load_json(path, text)


def _places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _places(value, (*path, i))


def _mutants(doc: Any, rng: random.Random, limit: int) -> Iterator[Any]:
    places = list(_places(doc))
    for place in rng.sample(places, min(limit, len(places))):
        parent = doc
        for step in place[:-1]:
            parent = parent[step]
        for replacement in rng.sample(REPLACEMENTS, 4):
            mutant = copy.deepcopy(doc)
            target = mutant
            for step in place[:-1]:
                target = target[step]
            target[place[-1]] = copy.deepcopy(replacement)
            yield mutant
        mutant = copy.deepcopy(doc)
        target = mutant
        for step in place[:-1]:
            target = target[step]
        del target[place[-1]]
        yield mutant
        if isinstance(parent, dict):
            mutant = copy.deepcopy(doc)
            target = mutant
            for step in place[:-1]:
                target = target[step]
            target["unexpectedField"] = 1
            yield mutant


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_both_validators_agree_on_mutated_documents(path: Path) -> None:
    reference = jsonschema.Draft202012Validator(schema())
    fast = _fast_validator()
    doc = _load(path)
    assert fast.is_valid(doc) and reference.is_valid(doc)
    verdicts = {True: 0, False: 0}
    for mutant in _mutants(doc, random.Random(path.name), limit=120):
        expected = reference.is_valid(mutant)
        assert fast.is_valid(mutant) == expected, json.dumps(mutant)[:2000]
        verdicts[expected] += 1
    assert verdicts[True] > 10 and verdicts[False] > 100  # the mutations exercise both verdicts
