"""Every quoted source statement in the case files appears in its seed report.

The seed texts live in ../shared/seeds (a developer checkout); a user's fresh clone has no such folder and
the test skips. Provenance is also checked without the seeds: every fact has cg:statedIn (test_store).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib

from casegraph import resources

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_OF = {
    "dupilumab-advanced-cancer": "000_85ed89e50a621903.txt",
    "omalizumab-triggered-ad": "002_de37faa9cd53a8d4.txt",
    "dupilumab-dermatomyositis": "004_b859b41daa67dce2.txt",
}
SOURCE_TEXT = rdflib.URIRef("https://w3id.org/casegraph/ontology#sourceText")
# Other properties that hold the report's own words.
VERBATIM = [SOURCE_TEXT] + [rdflib.URIRef(f"https://w3id.org/casegraph/ontology#{name}")
                            for name in ("conflictOfInterestText", "fundingText")]


def normalise(text: str) -> str:
    """Join words split at line ends, fold whitespace and quote marks, lower-case."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.mark.parametrize("case_file", resources.case_files(), ids=lambda p: p.stem)
def test_quotes_are_verbatim(case_file: Path) -> None:
    seed = SEEDS / SEED_OF[case_file.stem]
    if not seed.exists():
        pytest.skip("seed texts not available (../shared/seeds)")
    text = normalise(seed.read_text(encoding="utf-8"))
    graph = rdflib.Graph().parse(case_file)
    quotes = [(s, o) for p in VERBATIM for s, o in graph.subject_objects(p)]
    assert len(list(graph.subject_objects(SOURCE_TEXT))) > 50
    missing = [
        (str(s), piece)
        for s, quote in quotes
        for piece in re.split(r"\s*(?:\.\.\.|…)\s*", str(quote))
        if piece and normalise(piece) not in text
    ]
    assert missing == []


def test_normalise_can_fail() -> None:
    assert normalise("intermit-\ntent  asthma") == "intermittent asthma"
    assert normalise("an invented sentence") not in normalise("A 22-year-old woman with a history")


EXAMPLES = sorted((resources.resource_root() / "data" / "examples").glob("*.case.*"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_quotes_are_verbatim(example: Path) -> None:
    """The shipped case-document examples re-express seed cases: their quotes must be the reports' words."""
    from casegraph.readers import read_submission

    seed = SEEDS / SEED_OF[example.name.split(".")[0]]
    if not seed.exists():
        pytest.skip("seed texts not available (../shared/seeds)")
    text = normalise(seed.read_text(encoding="utf-8"))
    quotes = [t.object.value for t in read_submission(example).triples if t.predicate.value == str(SOURCE_TEXT)]
    assert len(quotes) > 30
    missing = [piece for quote in quotes for piece in re.split(r"\s*(?:\.\.\.|…)\s*", quote)
               if piece and normalise(piece) not in text]
    assert missing == []
