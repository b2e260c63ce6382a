"""The command line: help everywhere, exit codes, clear errors without tracebacks, output formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from casegraph.cli import main

COMMANDS = ["build", "queries", "query", "validate", "explore", "path", "export", "map", "submit", "submissions", "withdraw"]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of this module's own: the session's is held open by the ``store`` fixture once another module
    has used it, and a command cannot open a store that is open elsewhere."""
    from casegraph import build

    path = tmp_path_factory.mktemp("cli-store") / "casegraph"
    build(path)
    return path


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]])
def test_help_everywhere(command: list[str]) -> None:
    code, out = run(*command, "--help")
    assert code == 0 and "Usage:" in out


def test_queries_lists_summaries_and_parameters() -> None:
    code, out = run("queries")
    assert code == 0
    assert "cases-by-drug" in out and "-p drug=<iri>" in out and "default dupilumab" in out
    code, out = run("queries", "--format", "json")
    listed = {q["name"]: q for q in json.loads(out)}
    assert listed["time-to-improvement"]["parameters"][0]["name"] == "drug"


def test_query_formats(store_path: Path) -> None:
    code, out = run("query", "score-change", "--store", str(store_path), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert "baseline" in data["head"]["vars"] and len(data["results"]["bindings"]) == 3
    code, out = run("query", "score-change", "--store", str(store_path), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["change"] for r in table) == ["-6", "-60.2", "-7"]
    code, out = run("query", "score-change", "--store", str(store_path), "--format", "tsv")
    assert out.splitlines()[0].startswith("?caseLabel\t?scale")
    code, out = run("query", "cases-by-drug", "-p", "drug=Dupixent", "--store", str(store_path))
    assert code == 0 and "Eczema Area and Severity Index" in out and "row(s)" in out


def test_unknown_query_lists_closest_names(store_path: Path) -> None:
    code, out = run("query", "score-chnage", "--store", str(store_path))
    assert code == 2 and "score-change" in out and "Traceback" not in out


def test_sparql_syntax_error_gives_line_and_column(tmp_path: Path, store_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE {\n  ?x ?y \n}\n", encoding="utf-8")
    code, out = run("query", str(bad), "--store", str(store_path))
    assert code == 2 and "bad.rq" in out and "line 3" in out and "column" in out


def test_missing_and_unknown_parameters(tmp_path: Path, store_path: Path) -> None:
    q = tmp_path / "needs.rq"
    q.write_text("#+ summary: needs a drug\nSELECT ?t WHERE { ?_drug_iri <https://w3id.org/casegraph/ontology#hasTarget> ?t }\n")
    code, out = run("query", str(q), "--store", str(store_path))
    assert code == 2 and "needs parameter 'drug'" in out
    code, out = run("query", str(q), "-p", "drug=dupilumab", "--store", str(store_path))
    assert code == 0 and "IL4R" in out
    code, out = run("query", str(q), "-p", "colour=red", "--store", str(store_path))
    assert code == 2 and "no parameter 'colour'" in out
    code, out = run("query", str(q), "-p", "drug=no-such-drug", "--store", str(store_path))
    assert code == 2 and "no entity named 'no-such-drug'" in out
    code, out = run("query", "time-to-improvement", "-p", "drugdupilumab", "--store", str(store_path))
    assert code == 2 and "NAME=VALUE" in out


def test_explore_drug_and_unknown_term(store_path: Path) -> None:
    code, out = run("explore", "dupilumab", "--store", str(store_path))
    assert code == 0
    assert "interleukin-4 receptor subunit alpha — antagonist" in out
    assert "cases (4)" in out
    code, out = run("explore", "CD20", "--store", str(store_path), "--format", "json")
    hood = json.loads(out)
    assert hood["entity"]["label"] == "B-lymphocyte antigen CD20"
    assert [i["label"] for i in hood["sections"]["drugs"]["items"]] == ["rituximab"]
    code, out = run("explore", "dupilumb", "--store", str(store_path))
    assert code == 2 and "dupilumab" in out and "Traceback" not in out


def test_store_built_on_first_use(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh-store"
    code, out = run("query", "paradoxical-reactions", "--format", "csv", env={"CASEGRAPH_STORE": str(fresh)})
    assert code == 0 and "omalizumab" in out and fresh.exists()


def test_build_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    code, out = run("build", "--store", str(folder), "-q")
    assert code == 3 and "refusing" in out
    assert (folder / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("args", [["query", "cases-by-drug"], ["export", "--format", "graphml"]])
def test_output_file_that_cannot_be_written_is_an_input_error(tmp_path: Path, store_path: Path,
                                                                 args: list[str]) -> None:
    target = tmp_path / "no-such-folder" / "out.txt"
    result = CliRunner().invoke(main, [*args, "-o", str(target), "--store", str(store_path)])
    assert result.exit_code == 2, result.output
    assert str(target) in result.output and "Traceback" not in result.output
    assert not target.parent.exists()


def test_a_select_without_columns_prints_its_row_count(tmp_path: Path, store_path: Path) -> None:
    query = tmp_path / "nothing.rq"
    query.write_text("SELECT * WHERE { }\n", encoding="utf-8")
    code, out = run("query", str(query), "--store", str(store_path))
    assert code == 0 and out.strip() == "1 row(s)", out


def fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter, where nothing of casegraph is imported yet."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_a_query_imports_neither_the_validator_nor_rdflib() -> None:
    """`casegraph query` stays a short process: the package imports its parts when first used."""
    printed = fresh_python("import sys, casegraph, casegraph.cli\n"
                           "from casegraph import run_query, Store\n"
                           "print(sorted(m for m in ('rdflib', 'pyshacl', 'casegraph.validate', 'casegraph.intake') "
                           "if m in sys.modules))")
    assert printed == "[]", printed


def test_the_api_names_are_the_functions_whatever_was_imported_first() -> None:
    """casegraph.explore is also a submodule: importing it first must not hide the function."""
    printed = fresh_python("import casegraph.explore, casegraph.store, casegraph.intake\n"
                           "from casegraph import explore, build, submit, Store\n"
                           "print(all(callable(f) and not hasattr(f, '__path__') and type(f).__name__ != 'module' "
                           "for f in (explore, build, submit, Store)))")
    assert printed == "True", printed


def test_a_store_built_from_other_inputs_is_named_with_the_fix(store_path: Path, tmp_path: Path) -> None:
    """A store built by another casegraph (here: its recorded build fingerprint changed) lacks what the
    installed rules derive, so its answers may be incomplete: every command says so, and how to rebuild it;
    the store the installed casegraph built says nothing."""
    import shutil

    import pyoxigraph as ox

    from casegraph.namespaces import META_GRAPH
    from casegraph.store import FINGERPRINT, STORE_NODE, Store

    result = CliRunner().invoke(main, ["query", "recommendations", "--store", str(store_path)])
    assert result.exit_code == 0 and "warning" not in result.stderr
    old = tmp_path / "old"
    shutil.copytree(store_path, old)
    with Store(old) as store:
        store._store.remove(next(iter(store._store.quads_for_pattern(STORE_NODE, FINGERPRINT, None, None))))
        store._store.add(ox.Quad(STORE_NODE, FINGERPRINT, ox.Literal("0" * 64), ox.NamedNode(META_GRAPH)))
    result = CliRunner().invoke(main, ["query", "recommendations", "--store", str(old)])
    assert result.exit_code == 0 and result.stdout.strip()
    assert f"{old} was built from another version" in result.stderr
    assert f"casegraph build --store {old}" in result.stderr
