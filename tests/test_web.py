"""The web explorer in a real browser (Playwright driving Debian's Chromium) against a real ``casegraph serve``.

What a curator does on the page, checked on what the seed case reports say (``../shared/seeds``): run a stored
query, sort and download it, explore dupilumab and its target, open a case and its outcome chart, check a
broken submission.  Every test also fails on a console error (a CSP violation is one), on an uncaught page error
and on any request that leaves the server's origin, and leaves a full-page screenshot in
``build/test-artifacts/`` for a person to look at.

The browser is the system's Chromium (``apt-get install chromium``; or ``$CASEGRAPH_CHROMIUM``), never one
downloaded by ``playwright install``.  The tests fail rather than skip without it: CI installs it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route, expect, sync_playwright

from support.live_server import LiveServer, live_server

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "build" / "test-artifacts"
TOKEN = "web-test-token"
#: Small enough that a stored query (mechanistic-claims, 50 rows) and an ad-hoc one are cut; cases-by-drug is not.
MAX_ROWS = 30
#: A label that is markup: it must show as these characters, never run.
PROBE_LABEL = "Probe patient <script>alert(1)</script> <img src=x onerror=alert(2)>"

R000 = "https://w3id.org/casegraph/case/dupilumab-advanced-cancer/"
#: Report 000 (seeds/000_…): "Case 1. A 22-year-old woman"; report 002: "A 16-year-old adolescent boy";
#: report 004: "A 54-year-old woman"; report 000: "Case 2. A 43-year-old man".  All four were given dupilumab.
SEED_CASES = ("22-year-old woman", "43-year-old man", "16-year-old boy", "54-year-old woman")
CASE1_SOURCE = "Case report: dupilumab in two patients with advanced cancer"

CGR = "https://w3id.org/casegraph/reference/"
IL31, PRURITUS, IL31_ITCH_AXIS = CGR + "IL31", CGR + "pruritus", CGR + "il31-itch-axis"
#: data/cases/dupilumab-dermatomyositis.ttl, :c-il31-drives-pruritus: cgr:IL31 cg:Drives cgr:pruritus, a hypothesis
#: "statedIn :report", whose label is DM_REPORT, with the report's words DM_QUOTE.
DM_REPORT = "Dupilumab for recalcitrant cutaneous dermatomyositis (SKIN 2021)"
DM_QUOTE = "IL-31, a proposed driver of pruritus in DM"

expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server on a store of this module's own (the server takes the store's lock), holding one submitted case
    whose label is markup, sent through ``POST /api/submissions`` as a submitter would."""
    from casegraph import build

    path = tmp_path_factory.mktemp("web-store") / "casegraph"
    build(path)
    with live_server(path, args=["--max-rows", str(MAX_ROWS)], env={"CASEGRAPH_UPDATE_TOKEN": TOKEN}) as srv:
        doc = json.loads((ROOT / "tests" / "data" / "scored.case.json").read_text(encoding="utf-8"))
        doc["caseLabel"] = doc["label"] = PROBE_LABEL
        reply = srv.post("/api/submissions?filename=probe.case.json", content=json.dumps(doc),
                         headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        assert reply.is_success and reply.json()["summary"]["accepted"] == 1, reply.text
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    exe = os.environ.get("CASEGRAPH_CHROMIUM") or shutil.which("chromium")
    if not exe:
        pytest.fail("No Chromium for the browser tests: install it with `apt-get install chromium` "
                    "(or set CASEGRAPH_CHROMIUM to a Chromium executable). Do not use `playwright install`.")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=exe, headless=True)  # Playwright adds --no-sandbox itself
        print(f"\nChromium {chromium.version} ({exe})")
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What went wrong in the page: console errors (CSP violations included), page errors, foreign requests."""

    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching ``pattern``: Chromium logs every 4xx answer, even one a test provokes."""
        self.allowed.append(re.compile(pattern))

    def console_error(self, text: str) -> None:
        if not any(p.search(text) for p in self.allowed):
            self.problems.append(f"console error: {text}")


#: Report CSP violations with their details through the console (Chromium logs them too, more tersely).
_CSP_REPORTER = """document.addEventListener("securitypolicyviolation",
  (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));"""


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, server: LiveServer, watch: Watch, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.add_init_script(_CSP_REPORTER)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.console_error(message.text)

    def on_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    def guard(route: Route) -> None:
        url = route.request.url
        if url == server.url or url.startswith(server.url + "/"):
            route.continue_()
        else:
            watch.problems.append(f"request to another origin: {url}")
            route.abort()

    pg.on("console", on_console)
    pg.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
    pg.on("dialog", on_dialog)
    pg.route("**/*", guard)
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{request.node.name}.png"
    pg.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    context.close()
    assert not watch.dialogs, f"dialogs opened: {watch.dialogs}"
    assert not watch.problems, "\n".join(watch.problems)


def snapshot(page: Page, request: pytest.FixtureRequest, label: str) -> None:
    """A full-page screenshot of an intermediate state, beside the one every test leaves at its end."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{request.node.name}-{label}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


def open_app(page: Page, server: LiveServer, route: str) -> None:
    page.goto(f"{server.url}/#/{route}")
    expect(page.locator("#main")).to_be_visible()


def table(page: Page) -> tuple[list[str], list[dict[str, str]]]:
    """The results table as shown: column names and rows of cell texts, in display order."""
    columns = page.locator("#results-table thead th button").evaluate_all("bs => bs.map(b => b.dataset.var)")
    cells = page.locator("#results-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    return columns, [dict(zip(columns, row, strict=True)) for row in cells]


def run_stored(page: Page, server: LiveServer, name: str, **params: str) -> None:
    open_app(page, server, "query")
    page.get_by_test_id(f"query-item-{name}").click()
    expect(page.get_by_test_id("query-title")).to_have_text(name)
    for param, value in params.items():
        page.locator(f"#param-{param}").fill(value)
    page.get_by_test_id("run-query").click()
    expect(page.get_by_test_id("result-meta")).to_contain_text("rows")


def node_point(page: Page, iri: str, kind: str) -> tuple[float, float]:
    """Where a graph node is on the page, once the graph answers the pointer there (its hover line names the node).

    Cytoscape caches where its canvas sits and refreshes that on the next scroll event, so a click sent straight
    after scrolling can land on the old coordinates; hovering until the node reacts removes the race.
    """
    graph = page.get_by_test_id("graph")
    graph.evaluate("(el) => el.scrollIntoView({ block: 'center' })")
    hover = page.locator("#graph-hover")
    for _ in range(20):
        node = page.evaluate("""([iri, kind]) => {
            const n = window.casegraphExplorer.graph().nodes().filter((n) => n.data("iri") === iri && n.data("kind") === kind)[0];
            return { ...n.renderedPosition(), label: n.data("full") };
          }""", [iri, kind])
        box = graph.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 4, box["y"] + 4)
        page.mouse.move(box["x"] + node["x"], box["y"] + node["y"])
        if node["label"] in (hover.text_content() or ""):
            return box["x"] + node["x"], box["y"] + node["y"]
        page.wait_for_timeout(250)
    raise AssertionError(f"the graph node of {iri} does not respond to the pointer")


def edge_point(page: Page, source: str, target: str, relation: str) -> tuple[float, float]:
    """Where on the page a network link can be clicked: a point on its line that the graph answers (its hover line
    names the link; another link or a node may lie over the midpoint)."""
    graph = page.get_by_test_id("graph")
    graph.evaluate("(el) => el.scrollIntoView({ block: 'center' })")
    hover = page.locator("#graph-hover")
    for attempt in range(20):
        ends = page.evaluate("""([source, target, relation]) => {
            const e = window.casegraphExplorer.graph().edges().filter((e) =>
              e.source().id() === source && e.target().id() === target && e.data("relation") === relation)[0];
            return { from: e.renderedSourceEndpoint(), to: e.renderedTargetEndpoint(),
                     names: [e.source().data("full"), e.target().data("full")] };
          }""", [source, target, relation])
        box = graph.bounding_box()
        assert box is not None
        t = (0.5, 0.4, 0.6, 0.3, 0.7)[attempt % 5]
        x = box["x"] + ends["from"]["x"] + t * (ends["to"]["x"] - ends["from"]["x"])
        y = box["y"] + ends["from"]["y"] + t * (ends["to"]["y"] - ends["from"]["y"])
        page.mouse.move(box["x"] + 4, box["y"] + 4)
        page.mouse.move(x, y)
        if f"{ends['names'][0]} — {relation} → {ends['names'][1]}" in (hover.text_content() or ""):
            return x, y
        page.wait_for_timeout(250)
    raise AssertionError(f"the link {source} {relation} {target} does not respond to the pointer")


def test_stored_query_lists_the_seed_cases(page: Page, server: LiveServer) -> None:
    run_stored(page, server, "cases-by-drug", drug="dupilumab")
    expect(page.get_by_test_id("query-text")).to_have_value(re.compile(r"SELECT \?case \?caseLabel"))
    columns, rows = table(page)
    assert columns[:4] == ["case", "caseLabel", "indication", "scale"]
    labels = {row["caseLabel"] for row in rows}
    for patient in SEED_CASES:  # the four patients of the three reports all received dupilumab
        assert any(patient in label for label in labels), (patient, labels)
    indications = {row["indication"] for row in rows if "54-year-old woman" in row["caseLabel"]}
    assert indications == {"dermatomyositis"}
    # Report 000, case 1: EASI 62 at presentation, 1.8 after a month of dupilumab; NRS 10/10 then 3/10.
    case1 = [row for row in rows if "22-year-old woman" in row["caseLabel"]]
    assert {(r["scale"], r["value"]) for r in case1} >= {("Eczema Area and Severity Index", "62"),
                                                         ("Eczema Area and Severity Index", "1.8"),
                                                         ("pruritus numerical rating scale", "10"),
                                                         ("pruritus numerical rating scale", "3")}
    expect(page.get_by_test_id("result-meta")).to_contain_text(f"{len(rows)} rows")
    expect(page.get_by_test_id("result-meta")).to_contain_text("ms")
    expect(page.get_by_test_id("truncated-banner")).to_be_hidden()
    # an IRI cell leads to the explorer
    link = page.locator("#results-table tbody td.iri a").first
    assert (link.get_attribute("href") or "").startswith("#/explore/https%3A%2F%2Fw3id.org%2Fcasegraph%2F")


def test_sort_numerically_and_download_csv(page: Page, server: LiveServer, tmp_path: Path) -> None:
    run_stored(page, server, "cases-by-drug")
    header = page.locator('#results-table th button[data-var="value"]')
    header.click()
    expect(page.locator('#results-table th:has(button[data-var="value"])')).to_have_attribute("aria-sort", "ascending")
    _, rows = table(page)
    values = [row["value"] for row in rows if row["value"]]
    assert values == sorted(values, key=float) and "1.8" in values and "62" in values
    assert values != sorted(values), "string order would equal numeric order here; the check would prove nothing"
    assert all(row["value"] for row in rows[: len(values)]), "unbound values sort last"
    header.click()
    expect(page.locator('#results-table th:has(button[data-var="value"])')).to_have_attribute("aria-sort", "descending")
    _, rows = table(page)
    assert rows[0]["value"] == "62"  # EASI 62 at presentation (report 000, case 1) is the largest score

    with page.expect_download() as info:
        page.get_by_test_id("download-csv").click()
    download = info.value
    assert download.suggested_filename == "cases-by-drug.csv"
    target = tmp_path / "results.csv"
    download.save_as(target)
    parsed = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert parsed[0] == ["case", "caseLabel", "indication", "scale", "value", "comparator", "phase", "offsetDays", "timePoint"]
    assert len(parsed) == len(rows) + 1
    first = dict(zip(parsed[0], parsed[1], strict=True))
    assert (first["value"], first["scale"], first["phase"]) == ("62", "Eczema Area and Severity Index", "before")
    assert first["case"] == R000 + "case1"  # full IRIs in the file, as SPARQL CSV results have them
    assert any(row[1] == PROBE_LABEL for row in parsed[1:]), "the label travels as plain text"

    with page.expect_download() as info:
        page.get_by_test_id("download-json").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data["head"]["vars"] == parsed[0]
    assert data["results"]["bindings"][0]["value"]["value"] == "62"


def test_truncation_is_announced(page: Page, server: LiveServer) -> None:
    run_stored(page, server, "mechanistic-claims")  # 50 rows in the seed graph, more than the server's cap
    expect(page.get_by_test_id("truncated-banner")).to_be_visible()
    expect(page.get_by_test_id("truncated-banner")).to_contain_text(str(MAX_ROWS))
    assert len(table(page)[1]) == MAX_ROWS
    # edited text goes through POST /sparql, which reports the cap in a header and in head.link
    page.get_by_test_id("query-text").fill("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    expect(page.locator("#query-edited")).to_be_visible()
    page.get_by_test_id("run-query").click()
    expect(page.locator('#results-table th button[data-var="s"]')).to_be_visible()
    expect(page.get_by_test_id("result-meta")).to_contain_text(f"{MAX_ROWS} rows")
    expect(page.get_by_test_id("truncated-banner")).to_be_visible()
    assert table(page)[0] == ["s", "p", "o"]


def test_bad_sparql_shows_the_servers_message(page: Page, server: LiveServer, watch: Watch) -> None:
    watch.allow(r"status of 400 \(Bad Request\)")
    open_app(page, server, "query/drug-targets-mechanisms")
    page.get_by_test_id("query-text").fill("SELECT ?x WHERE { ?x ?y }")
    page.get_by_test_id("run-query").click()
    expect(page.get_by_test_id("message")).to_be_visible()
    expect(page.get_by_test_id("message")).to_contain_text(re.compile("line 1", re.I))


def test_explore_target_then_drug_then_case(page: Page, server: LiveServer, request: pytest.FixtureRequest) -> None:
    open_app(page, server, "explore")
    search = page.get_by_test_id("search-input")
    # data/reference/targets-mechanisms.ttl: cgr:IL4R is labelled "interleukin-4 receptor subunit alpha",
    # with the synonym IL-4Rα; report 000: "Dupilumab targets the alpha subunit of interleukin-4 (IL-4) receptor".
    search.fill("IL-4Rα")
    suggestion = page.get_by_test_id("suggestion").filter(has_text="interleukin-4 receptor subunit alpha")
    expect(suggestion).to_be_visible()
    position = page.get_by_test_id("suggestion").all_text_contents().index(suggestion.text_content() or "")
    for _ in range(position + 1):
        search.press("ArrowDown")
    search.press("Enter")  # picked with the keyboard
    expect(page.get_by_test_id("entity-title")).to_contain_text("interleukin-4 receptor subunit alpha")
    page.get_by_test_id("sections").get_by_role("link", name="dupilumab", exact=True).first.click()

    expect(page.get_by_test_id("entity-title")).to_contain_text("dupilumab")
    sections = page.get_by_test_id("sections")
    targets = sections.get_by_test_id("section-targets")
    expect(targets).to_contain_text("interleukin-4 receptor subunit alpha")
    expect(targets).to_contain_text("antagonist")
    cases = sections.get_by_test_id("section-cases")
    for patient in SEED_CASES:
        expect(cases).to_contain_text(patient)
    expect(cases.get_by_test_id("sources").first).to_be_visible()
    graph = page.get_by_test_id("graph")
    expect(graph.locator("canvas").first).to_be_attached()
    expect(graph).to_have_attribute("aria-label", re.compile(r"Network of dupilumab: \d+ entities"))
    # the outcome charts of the cases treated with dupilumab
    expect(page.get_by_test_id("score-chart").first).to_be_visible()

    snapshot(page, request, "dupilumab")

    # a click on a case's node in the graph opens its case page
    x, y = node_point(page, R000 + "case1", "case")
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"#/case/https%3A%2F%2Fw3id\.org%2Fcasegraph%2Fcase%2Fdupilumab-advanced-cancer%2Fcase1$"))
    expect(page.get_by_test_id("case-title")).to_contain_text("22-year-old woman")


def test_explore_network_at_depth_two(page: Page, server: LiveServer, request: pytest.FixtureRequest) -> None:
    """IL-31 two hops out: the network the server sent, drawn with its claims dashed, each link's report on a click."""
    # what IL-31 is linked to directly (the depth-1 view): its claims and its mechanism
    near = server.get("/api/explore", params={"term": "IL-31", "depth": "1"}).json()
    depth1 = {item["iri"] for section in near["sections"].values() for item in section["items"]} | {IL31}
    open_app(page, server, "explore/IL-31")
    expect(page.get_by_test_id("entity-title")).to_contain_text("interleukin-31")  # targets-mechanisms.ttl: IL-31 is its synonym
    graph = page.get_by_test_id("graph")
    expect(graph).to_have_attribute("aria-label", re.compile(r"Network of interleukin-31: \d+ entities in \d+ sections"))
    expect(page.get_by_test_id("graph-details")).to_be_hidden()  # depth 1 keeps its section picture
    shown1 = int(graph.get_attribute("data-nodes") or 0)

    page.get_by_test_id("depth").select_option("2")
    expect(page).to_have_url(re.compile(r"#/explore/IL-31\?depth=2$"))
    expect(graph).to_have_attribute("aria-label", re.compile(r"Network of interleukin-31: \d+ entities within 2 hops"))
    net = page.evaluate("""() => { const cy = window.casegraphExplorer.graph();
        return { nodes: cy.nodes().map((n) => ({ id: n.id(), kind: n.data("kind"), label: n.data("full") })),
                 edges: cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id(),
                                                 relation: e.data("relation"), kind: e.data("kind"),
                                                 line: e.style("line-style"), label: e.style("label") })) }; }""")
    nodes = {n["id"]: n for n in net["nodes"]}
    assert len(nodes) > max(len(depth1), shown1), (len(nodes), len(depth1), shown1)
    # diseases.ttl: cgr:pruritus a cg:Phenotype, "pruritus"; two hops out, report 000's case 1 "has finding" pruritus
    assert (nodes[PRURITUS]["kind"], nodes[PRURITUS]["label"]) == ("phenotype", "pruritus")
    assert nodes[R000 + "case1"]["kind"] == "case"
    drives = [e for e in net["edges"] if (e["source"], e["target"], e["relation"]) == (IL31, PRURITUS, "drives")]
    assert len(drives) == 1, drives
    assert (drives[0]["kind"], drives[0]["line"], drives[0]["label"]) == ("claim", "dashed", "drives")
    # targets-mechanisms.ttl: cgr:IL31 cg:participatesIn cgr:il31-itch-axis, a structural fact drawn solid
    axis = [e for e in net["edges"] if (e["source"], e["target"]) == (IL31, IL31_ITCH_AXIS)]
    assert [(e["relation"], e["kind"], e["line"]) for e in axis] == [("participates in", "structural", "solid")]
    assert all(e["source"] in nodes and e["target"] in nodes for e in net["edges"])

    details = page.get_by_test_id("graph-details")
    expect(details).to_be_visible()
    # a click on pruritus lists its links; the one from IL-31 names the report that says so, in its words
    x, y = node_point(page, PRURITUS, "phenotype")
    page.mouse.click(x, y)
    expect(details.get_by_test_id("detail-title")).to_have_text("pruritus")
    link = details.get_by_test_id("detail-link").filter(has_text="drives").filter(has_text="interleukin-31")
    expect(link).to_have_count(1)
    expect(link).to_contain_text(DM_REPORT)
    expect(link).to_contain_text(DM_QUOTE)
    expect(link).to_contain_text("hypothesis")
    snapshot(page, request, "pruritus")

    # a click on the link itself: the claim, its evidence level, the report and its words
    x, y = edge_point(page, IL31, PRURITUS, "drives")
    page.mouse.click(x, y)
    expect(details.get_by_test_id("detail-title")).to_have_text(re.compile(r"interleukin-31\s*drives\s*pruritus"))
    expect(details).to_contain_text(DM_QUOTE)
    expect(details).to_contain_text("hypothesis")
    expect(details).to_contain_text("dermatomyositis")  # cg:inCondition cgr:dermatomyositis
    expect(details.get_by_test_id("detail-documents")).to_have_text(f"Source: {DM_REPORT}")
    assert page.evaluate("() => window.casegraphExplorer.graph().edges(':selected').map((e) => e.data('relation'))") == ["drives"]


def test_case_page_shows_patient_outcomes_chart_and_sources(page: Page, server: LiveServer) -> None:
    open_app(page, server, "explore/dupilumab")
    page.get_by_test_id("sections").get_by_test_id("section-cases").get_by_role("link", name=re.compile("^Case 1: 22")).click()
    expect(page.get_by_test_id("case-title")).to_contain_text("Case 1: 22-year-old woman")
    patient = page.get_by_test_id("case-patient")
    expect(patient).to_contain_text("22 years")  # "Case 1. A 22-year-old woman"
    expect(patient).to_contain_text("female")
    expect(patient).to_contain_text(CASE1_SOURCE)
    charts = page.get_by_test_id("case-charts").get_by_test_id("score-chart")
    expect(charts.filter(has_text="Eczema Area and Severity Index")).to_have_count(1)
    canvas = charts.filter(has_text="Eczema Area and Severity Index").locator("canvas")
    expect(canvas).to_be_visible()
    painted = canvas.evaluate("""(c) => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                                          let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }""")
    assert painted > 500, "the chart canvas is blank"
    sections = page.get_by_test_id("case-sections")
    outcomes = sections.get_by_test_id("section-outcomes")
    expect(outcomes).to_contain_text("EASI decreased from 62 to 1.8")  # "her EASI score decreased to 1.8"
    expect(outcomes.get_by_test_id("sources").first).to_contain_text(CASE1_SOURCE)
    conditions = sections.get_by_test_id("section-conditions")
    expect(conditions).to_contain_text("cutaneous melanoma")
    expect(conditions).to_contain_text("a new diagnosis of melanoma")  # the report's own words
    expect(sections.get_by_test_id("section-claims")).to_contain_text("case observation")


def _scored_case(**changes: Any) -> str:
    doc = json.loads((ROOT / "tests" / "data" / "scored.case.json").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target: Any = doc
        for step in path:
            target = target[int(step)] if step.isdigit() else target[step]
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(doc, indent=2)


def test_submission_form_names_the_broken_field(page: Page, server: LiveServer, watch: Watch, tmp_path: Path,
                                               request: pytest.FixtureRequest) -> None:
    watch.allow(r"status of 400 \(Bad Request\)")  # the unreadable document
    open_app(page, server, "validate")
    text = page.get_by_test_id("validate-text")
    # a score written as a word: the document is unreadable (400), and the message names the field
    text.fill(_scored_case(measurements__1__value="twelve"))
    page.get_by_test_id("validate-run").click()
    expect(page.get_by_test_id("message")).to_contain_text("measurements[1].value")
    expect(page.get_by_test_id("message")).to_contain_text("not of type number")
    expect(page.get_by_test_id("validate-verdict")).to_contain_text("could not be read")

    # readable but wrong: EASI runs from 0 to 72
    text.fill(_scored_case(measurements__1__value=99))
    page.get_by_test_id("validate-run").click()
    expect(page.get_by_test_id("validate-verdict")).to_contain_text("Does not conform")
    issue = page.get_by_test_id("validate-issue").first
    expect(issue).to_contain_text("measurements[1]")
    expect(issue).to_contain_text("99")
    expect(issue).to_contain_text("outside the range of Eczema Area and Severity Index")
    expect(page.get_by_test_id("message")).to_be_hidden()
    snapshot(page, request, "violation")

    # an uploaded file (read in the page, sent with its name): an exact age over 89 identifies a patient
    upload = tmp_path / "old-patient.case.json"
    upload.write_text(_scored_case(patient__age=95), encoding="utf-8")
    page.get_by_test_id("validate-file").set_input_files(str(upload))
    expect(text).to_have_value(re.compile('"age": 95'))
    page.get_by_test_id("validate-run").click()
    expect(page.get_by_test_id("validate-issue").first).to_contain_text("patient.age")
    expect(page.get_by_test_id("validate-issue").first).to_contain_text("age at presentation")
    expect(page.get_by_test_id("validate-issue").first).to_contain_text("old-patient.case.json")

    text.fill(_scored_case())
    page.get_by_test_id("validate-run").click()
    expect(page.get_by_test_id("validate-verdict")).to_contain_text("Conforms")


def test_markup_in_a_label_is_shown_as_text(page: Page, server: LiveServer, watch: Watch) -> None:
    run_stored(page, server, "cases-by-drug")
    expect(page.get_by_test_id("results-table").get_by_text(PROBE_LABEL, exact=True).first).to_be_visible()
    assert page.locator("#main script, #main img").count() == 0

    open_app(page, server, "explore/dupilumab")
    cases = page.get_by_test_id("sections").get_by_test_id("section-cases")
    expect(cases.get_by_text(PROBE_LABEL, exact=True)).to_be_visible()
    expect(page.get_by_test_id("charts").get_by_text(PROBE_LABEL, exact=True)).to_be_visible()
    assert page.locator("#main script, #main img").count() == 0
    cases.get_by_role("link", name=PROBE_LABEL).click()
    expect(page.get_by_test_id("case-title")).to_have_text(PROBE_LABEL)
    assert PROBE_LABEL in page.title()
    expect(page.get_by_test_id("case-charts").get_by_test_id("score-chart")).to_have_count(1)  # EASI 30 → 12 → 3
    assert page.locator("#main script, #main img").count() == 0
    page.wait_for_timeout(300)  # give a payload that did run time to open its dialog
    assert watch.dialogs == []
