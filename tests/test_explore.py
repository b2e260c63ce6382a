"""Exploring the network: explore, path, export, map, checked against the seed case reports.

Expectations are written from the seed texts in /work/shared/seeds (quoted in comments): 000_* dupilumab in
two patients with advanced cancer, 002_* atopic dermatitis triggered by omalizumab and treated with
dupilumab, 004_* dupilumab for dermatomyositis after rituximab.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from casegraph import Store, build, explore, open_store
from casegraph.commands.explore import explore as explore_cmd
from casegraph.commands.explore import export as export_cmd
from casegraph.commands.explore import map_cmd
from casegraph.commands.explore import path as path_cmd
from casegraph.errors import UsageError
from casegraph.namespaces import CGR
from casegraph.network import build_network
from casegraph.paths import Path as FoundPath
from casegraph.paths import find_paths


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of this module's own: the CLI opens it while no Python handle holds its lock."""
    path = tmp_path_factory.mktemp("explore-store") / "casegraph"
    build(path)
    return path


@pytest.fixture()
def store(store_path: Path) -> Iterator[Store]:
    """Opened per test and closed after it, so that the CLI commands can open the same store."""
    with open_store(store_path, build_if_missing=False) as s:
        yield s


def run(command: object, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args), catch_exceptions=False)  # type: ignore[arg-type]
    return result.exit_code, result.output


def through(paths: list[FoundPath], label: str) -> FoundPath:
    """The first path whose middle entities include ``label``."""
    for p in paths:
        if label in [e.label for e in p.entities[1:-1]]:
            return p
    raise AssertionError(f"no path through {label}: {[p.summary() for p in paths]}")


# --- path -------------------------------------------------------------------------------------------------
def test_path_omalizumab_to_dupilumab_follows_the_second_report(store: Store) -> None:
    result = find_paths(store, "omalizumab", "dupilumab")
    assert 1 <= len(result.paths) <= 5
    # "Omalizumab is a recombinant DNA-derived humanized monoclonal antibody that binds both circulating and
    # membrane-bound IgE." -> a structural fact (mode of action), never a claim
    ige = through(result.paths, "immunoglobulin E")
    first = ige.hops[0]
    assert first.start.label == "omalizumab" and first.arrow == "→"
    assert any(f.kind == "structural" and f.relation == "has target" and f.forward for f in first.facts)
    # "...which may have resulted in a paradoxical increase in basophil sensitivity to other cytokines such
    # as IL-33 and led to an increase in IL-4/IL-13 production within the skin. In our patient, this increase
    # was successfully blocked by dupilumab."
    il4 = through(result.paths, "interleukin-4")
    assert il4.summary() == "omalizumab → interleukin-4 ← dupilumab"
    up, blocked = il4.hops
    assert any(f.relation == "increases" and f.kind == "claim" and f.evidence == "hypothesis" and f.forward
               and f.condition == "atopic dermatitis" for f in up.facts)
    assert any(f.relation == "blocks" and f.kind == "claim" and f.evidence == "hypothesis" and not f.forward
               and "successfully blocked by dupilumab" in f.quote for f in blocked.facts)
    # the report's own chain, in its order: IL-33/basophils -> IL-4/IL-13 <- dupilumab
    chain = il4.chains[0]
    assert [link.statement for link in chain] == [
        "omalizumab increases basophil, IL-33 signalling and basophils, interleukin-33",
        "omalizumab increases interleukin-13, interleukin-4",
        "dupilumab blocks IL-4/IL-13 signalling, interleukin-13, interleukin-4",
    ]
    assert all(link.evidence == "hypothesis" for link in chain)


def test_path_dupilumab_to_dermatomyositis_through_il31(store: Store) -> None:
    result = find_paths(store, "dupilumab", "dermatomyositis")
    il31 = through(result.paths, "interleukin-31")
    to_il31, from_dm = il31.hops
    # "a possible mechanism of action of dupilimab through ... an indirect effect on the expression of IL-31"
    assert any(f.relation == "decreases" and f.evidence == "hypothesis" and f.condition == "dermatomyositis"
               for f in to_il31.facts)
    # "demonstrating increase gene expression of IL-31 and IL-31RA in lesional skin" (ref. 4, Kim et al.)
    assert any(f.relation == "increases" and not f.forward and "doi:10.1111/bjd.16498" in f.cited
               for f in from_dm.facts)
    # "... IL-31, a proposed driver of pruritus in DM": the chain the report draws goes on to pruritus
    assert any(chain[-1].statement == "interleukin-31 drives pruritus" for chain in il31.chains)


def test_path_dupilumab_il31_pruritus(store: Store) -> None:
    best = find_paths(store, "dupilumab", "pruritus").paths[0]
    assert best.summary() == "dupilumab → interleukin-31 → pruritus"
    drives = best.hops[1].facts
    assert [(f.relation, f.evidence, f.condition) for f in drives] == [("drives", "hypothesis", "dermatomyositis")]


def test_path_scopes_and_exit_codes(store_path: Path) -> None:
    # rituximab and dupilumab were given to the same patient ("her most recent rituximab infusion was two
    # months prior to first dose of dupilumab") but the report links no mechanism of one to the other
    code, out = run(path_cmd, "rituximab", "dupilumab", "--store", str(store_path))
    assert code == 1 and "no path between rituximab and dupilumab" in out
    code, out = run(path_cmd, "rituximab", "dupilumab", "--scope", "all", "--store", str(store_path),
                    "--format", "json")
    assert code == 0
    paths = json.loads(out)["paths"]
    assert any("54-year-old woman" in p["summary"] for p in paths)
    code, out = run(path_cmd, "omalizumab", "dupilumab", "--max", "2", "--store", str(store_path))
    assert code == 0 and out.count("\npath ") == 2 and "—[" in out and "source: " in out


# --- explore ----------------------------------------------------------------------------------------------
def test_explore_separates_facts_and_claims(store: Store) -> None:
    hood = explore(store, "dupilumab")
    text = hood.to_text()
    structural = text.index("structural facts")
    claims = text.index("claims (what the reports assert")
    # "Dupilumab is an Interleukin (IL)-4-receptor monoclonal antibody": the target is a structural fact...
    assert structural < text.index("interleukin-4 receptor subunit alpha — antagonist") < claims
    # ...the second report's hypothesis is a claim, with its level and quote
    assert claims < text.index("hypothesis: dupilumab blocks IL-4/IL-13 signalling")
    assert claims < text.index("“In our patient, this increase was successfully blocked by dupilumab.”")
    assert {"structural facts", "case facts", "claims"} == set(hood.grouped())


def test_explore_case_shows_score_changes(store: Store) -> None:
    # 000: "EASI 62 ... pruritus NRS 10/10" at presentation; "her EASI score decreased to 1.8" and "the
    # severity of pruritus significantly lessened (NRS 3/10)" after one month of dupilumab
    hood = explore(store, "Case 1")
    changes = {link.label: link.detail for link in hood.sections["score changes"]}
    easi = changes["Case 1: Eczema Area and Severity Index"]
    assert easi.startswith("62 (") and " → 1.8 (" in easi and "1 month" in easi
    assert changes["Case 1: pruritus numerical rating scale"].startswith("10 (")
    assert "dupilumab" in hood.labels("treatments")


def test_explore_case_command(store_path: Path) -> None:
    code, out = run(explore_cmd, "Case 1", "--store", str(store_path))
    assert code == 0 and "score changes" in out and "claims (what the reports assert" in out


def test_explore_depth_and_graph_formats(store_path: Path, tmp_path: Path) -> None:
    code, out = run(explore_cmd, "IL-31", "--depth", "2", "--store", str(store_path))
    assert code == 0 and "network within 2 hops" in out and "pruritus (phenotype) [→ drives (hypothesis)]" in out
    code, out = run(explore_cmd, "IL-31", "--format", "json", "--store", str(store_path))
    data = json.loads(out)
    assert data["sections"]["claims"]["group"] == "claims"
    assert {e["relation"] for e in data["network"]["edges"]} >= {"drives", "decreases", "participates in"}
    nodes = {n["id"] for n in data["network"]["nodes"]}
    assert all(e["source"] in nodes and e["target"] in nodes for e in data["network"]["edges"])  # ends are nodes
    target = tmp_path / "il31.graphml"
    code, _ = run(explore_cmd, "IL-31", "--format", "graphml", "-o", str(target), "--store", str(store_path))
    graph = nx.read_graphml(target)
    assert graph.nodes[CGR + "IL31"]["type"] == "target" and CGR + "pruritus" in graph
    code, out = run(explore_cmd, "IL-31", "--format", "dot", "--store", str(store_path))
    assert out.startswith('digraph "casegraph" {') and out.rstrip().endswith("}")


@pytest.mark.parametrize("command", [explore_cmd, map_cmd])
def test_unknown_and_ambiguous_terms_exit_2(command: object, store_path: Path, tmp_path: Path) -> None:
    extra = ["-o", str(tmp_path / "m.svg")] if command is map_cmd else []
    code, out = run(command, "omalizumb", *extra, "--store", str(store_path))
    assert code == 2 and "Nearest matches: omalizumab (drug)" in out and "Traceback" not in out
    # "eczema" names both atopic dermatitis and eczematous lesions in the reference data
    code, out = run(command, "eczema", *extra, "--store", str(store_path))
    assert code == 2 and "ambiguous" in out and "atopic dermatitis" in out and "Traceback" not in out


def test_path_unknown_term_exit_2(store_path: Path) -> None:
    code, out = run(path_cmd, "dupilumab", "dermatomyositiss", "--store", str(store_path))
    assert code == 2 and "dermatomyositis" in out


def test_path_same_entity_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError, match="same entity"):
        find_paths(store, "dupilumab", "Dupixent")


# --- export -----------------------------------------------------------------------------------------------
def test_export_graphml_reads_back(store_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "net.graphml"
    code, out = run(export_cmd, "--format", "graphml", "-o", str(target), "--store", str(store_path))
    assert code == 0 and "nodes" in out
    graph = nx.read_graphml(target)
    assert graph.is_directed() and graph.is_multigraph()
    node = graph.nodes[CGR + "dupilumab"]
    assert (node["label"], node["type"]) == ("dupilumab", "drug")
    assert graph.nodes[CGR + "IL4R"]["type"] == "target"
    assert graph.nodes[CGR + "il33-basophil-axis"]["type"] == "mechanism"
    assert graph.nodes[CGR + "basophil"]["type"] == "cell type"
    assert sum(1 for _n, d in graph.nodes(data=True) if d["type"] == "case") == 4  # the four seed patients
    edges = [d for _s, _o, d in graph.edges(CGR + "dupilumab", data=True)]
    assert any(d["relation"] == "has target" and d["kind"] == "structural" and d["detail"] == "antagonist"
               for d in graph.get_edge_data(CGR + "dupilumab", CGR + "IL4R").values())
    claims = graph.get_edge_data(CGR + "omalizumab", CGR + "IL33").values()
    assert [(d["relation"], d["kind"], d["evidence"]) for d in claims] == [("increases", "claim", "hypothesis")]
    assert all(d["kind"] in ("structural", "claim") for d in edges)
    # 004: "...she was started on dupilumab" for DM; the case -> drug edge carries the outcomes
    case = next(n for n, d in graph.nodes(data=True) if d["type"] == "case" and "dermatomyositis" in d["label"])
    treated = graph.get_edge_data(case, CGR + "dupilumab")
    assert any("complete resolution of pruritus at two weeks" in d["outcomes"] for d in treated.values())


def test_export_cytoscape_and_dot(store_path: Path, tmp_path: Path) -> None:
    with open_store(store_path, build_if_missing=False) as store:
        network, no_cases = build_network(store), build_network(store, cases=False)
    cyjs = tmp_path / "net.cyjs"
    code, _ = run(export_cmd, "--format", "cytoscape", "-o", str(cyjs), "--store", str(store_path))
    data = json.loads(cyjs.read_text(encoding="utf-8"))
    assert code == 0 and data["directed"] is True
    nodes = {n["data"]["id"]: n["data"] for n in data["elements"]["nodes"]}
    assert nodes[CGR + "dupilumab"]["name"] == "dupilumab" and nodes[CGR + "dupilumab"]["type"] == "drug"
    assert len(data["elements"]["edges"]) == network.number_of_edges()
    edge = data["elements"]["edges"][0]["data"]
    assert {"id", "source", "target", "relation", "kind", "interaction"} <= set(edge)
    dot = tmp_path / "net.dot"
    code, _ = run(export_cmd, "--format", "dot", "-o", str(dot), "--no-cases", "--store", str(store_path))
    text = dot.read_text(encoding="utf-8")
    assert text.startswith("digraph") and text.count("{") == text.count("}")
    assert f'"{CGR}dupilumab" [label="dupilumab", type="drug"' in text
    assert "type=\"case\"" not in text
    assert text.count(" -> ") == no_cases.number_of_edges()


# --- map --------------------------------------------------------------------------------------------------
def test_map_svg_and_png(store_path: Path, tmp_path: Path) -> None:
    svg = tmp_path / "dupilumab.svg"
    code, out = run(map_cmd, "dupilumab", "-o", str(svg), "--store", str(store_path))
    assert code == 0
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert "dupilumab" in svg.read_text(encoding="utf-8")
    png = tmp_path / "il4-il13.png"
    code, out = run(map_cmd, "IL-4/IL-13 signalling", "-o", str(png), "--depth", "1", "--store", str(store_path))
    assert code == 0
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
    code, out = run(map_cmd, "dupilumab", "-o", str(tmp_path / "map.pdf"), "--store", str(store_path))
    assert code == 2 and ".svg or .png" in out and not (tmp_path / "map.pdf").exists()
