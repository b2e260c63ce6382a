"""The SPARQL-compiled shapes give the same results as pyshacl, the reference SHACL implementation.

Run on the seed files, on every deliberately broken copy of tests/test_shapes.py and on broken
submissions, so a shape the compiler translates wrongly (or a SHACL feature it ignores) shows up here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from casegraph import resources
from casegraph.readers import read_submission
from casegraph.shaclsparql import UnsupportedShape, compile_shapes
from casegraph.validate import ValidationReport, _shapes, validate_files, validate_submissions
from test_shapes import BREAKS, CASES, broken_copy

EXAMPLES = resources.resource_root() / "data" / "examples"


def normalised(report: ValidationReport) -> set[tuple[str | None, ...]]:
    """Issues as comparable tuples; decimals written '5.0' by one engine and '5' by the other agree."""
    def num(text: str | None) -> str | None:
        return re.sub(r"(\d)\.0\b", r"\1", text) if text is not None else None
    return {(i.severity, i.focus, i.field, num(i.value), num(i.message), i.location) for i in report.issues}


def test_seed_files_agree() -> None:
    files = sorted(CASES.glob("*.ttl"))
    ours = validate_files(files, profile="seed")
    theirs = validate_files(files, profile="seed", engine="pyshacl")
    assert normalised(ours) == normalised(theirs)


@pytest.mark.parametrize("name", list(BREAKS))
def test_broken_copies_agree(name: str, tmp_path: Path) -> None:
    brk = BREAKS[name]
    path = broken_copy(tmp_path, brk.source, brk.edit)
    ours = validate_files([path], profile="seed")
    theirs = validate_files([path], profile="seed", engine="pyshacl")
    assert ours.violations, f"{name}: no violation found"
    assert normalised(ours) == normalised(theirs)


def _broken_submissions(tmp_path: Path) -> list[Path]:
    example = json.loads((EXAMPLES / "omalizumab-triggered-ad.case.json").read_text(encoding="utf-8"))
    edits = {
        "unknown-drug": lambda d: d["treatments"][1].update(drug="dupilumb"),
        "no-source-id": lambda d: d["source"].pop("doi"),
        "age-over-89": lambda d: d["patient"].update(age=95),
        "unknown-outcome-type": lambda d: d["outcomes"][0].update(outcomeType="splendid"),
        "e-mail-in-text": lambda d: d["treatments"][0].update(quote="write to jane.doe@example.org"),
    }
    paths = []
    for name, edit in edits.items():
        data = json.loads(json.dumps(example))
        try:
            edit(data)
        except (KeyError, IndexError) as exc:  # the example changed shape: fail loudly, never skip
            raise AssertionError(f"edit {name} no longer applies to the example: {exc}") from exc
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        paths.append(path)
    return paths


def test_submissions_agree(tmp_path: Path) -> None:
    broken = _broken_submissions(tmp_path)
    paths = [*sorted(EXAMPLES.glob("*.case.*")), *broken]
    subs = [read_submission(p) for p in paths]
    for sub in subs:
        ours = validate_submissions([sub])
        theirs = validate_submissions([sub], engine="pyshacl")
        assert normalised(ours) == normalised(theirs), sub.path.name
    batch = validate_submissions(subs)
    assert {i.file for i in batch.violations} == {str(p) for p in broken}  # each broken copy, nothing else
    assert normalised(batch) == set().union(*(normalised(validate_submissions([s])) for s in subs))


def test_the_compiler_refuses_what_it_does_not_translate() -> None:
    import rdflib

    shapes = rdflib.Graph()
    shapes += _shapes(True)
    shapes.parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:minLength 3 ] .""", format="turtle")
    with pytest.raises(UnsupportedShape, match="minLength"):
        compile_shapes(shapes)
