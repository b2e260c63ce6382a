"""``casegraph synth``: synthetic case submissions are deterministic, conform to the shapes (or break them
exactly as the manifest says), follow the reference data, and go through ``casegraph submit`` end to end."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from casegraph import build
from casegraph.commands.synth import FORMATS as CLI_FORMATS
from casegraph.errors import InputError, UsageError
from casegraph.intake import expand_paths
from casegraph.readers import read_submission
from casegraph.synth import FORMAT_CHOICES, MANIFEST, load_manifest, synthesize
from casegraph.synth.defects import DEFECTS
from casegraph.synth.generate import case_document, draw_case, phenopacket
from casegraph.synth.profile import DEFAULT_PROFILE, FAMILIES, load_profile
from casegraph.synth.reference import vocabulary
from casegraph.validate import ValidationReport, check_submissions
from support.cli import run, run_stdout


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def reports(folder: Path, records: list[dict[str, object]]) -> list[ValidationReport]:
    """One report per manifest record, through the real validation API (shapes + intake shapes)."""
    return check_submissions([read_submission(folder / str(r["file"])) for r in records])


def violations(report: ValidationReport) -> set[tuple[str | None, str | None, str | None]]:
    return {(i.shape, i.field, i.location) for i in report.violations}


def expected(record: dict[str, object]) -> set[tuple[str | None, str | None, str | None]]:
    defect = record["defect"]
    assert isinstance(defect, dict)
    return {(e["shape"], e["field"], e["location"]) for e in defect["expected"]}


# --- determinism ---------------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    a = synthesize(40, 11, tmp_path / "a", invalid_rate=0.25, fmt="mixed")
    b = synthesize(40, 11, tmp_path / "b", invalid_rate=0.25, fmt="mixed")
    c = synthesize(40, 12, tmp_path / "c", invalid_rate=0.25, fmt="mixed")
    first, second, other = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert len(first) == 41 and MANIFEST in first
    assert first == second
    assert [x.record() for x in a.cases] == [x.record() for x in b.cases]
    assert set(first) != set(other)  # the seed is part of every id and file name
    different = sum(x != y for x, y in zip(list(first.values())[:40], list(other.values())[:40], strict=True))
    assert different == 40
    assert [x.disease for x in a.cases] != [x.disease for x in c.cases]


def test_a_case_does_not_depend_on_how_many_are_drawn(tmp_path: Path) -> None:
    synthesize(5, 3, tmp_path / "five", fmt="case-json")
    synthesize(9, 3, tmp_path / "nine", fmt="case-json")
    five, nine = files(tmp_path / "five"), files(tmp_path / "nine")
    assert all(nine[name] == data for name, data in five.items() if name != MANIFEST)


# --- conformance ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["mixed", "case-yaml"])
def test_every_valid_case_conforms(tmp_path: Path, fmt: str) -> None:
    synthesize(30, 21, tmp_path, fmt=fmt)
    records = load_manifest(tmp_path)[1:]
    assert len(records) == 30 and all(r["valid"] for r in records)
    if fmt == "mixed":
        assert {r["format"] for r in records} == {"case-json", "case-yaml", "phenopacket"}
    for record, report in zip(records, reports(tmp_path, records), strict=True):
        assert report.conforms, report.to_text()
        if record["format"] != "phenopacket":  # a phenopacket cannot carry quotes or times: warnings only
            assert not report.issues, report.to_text()


def test_every_broken_case_fails_with_the_violation_the_manifest_names(tmp_path: Path) -> None:
    synthesize(30, 5, tmp_path, invalid_rate=0.5, fmt="mixed")
    records = load_manifest(tmp_path)[1:]
    broken = [r for r in records if not r["valid"]]
    assert len(broken) == 15
    for record, report in zip(records, reports(tmp_path, records), strict=True):
        if record["valid"]:
            assert report.conforms, report.to_text()
        else:
            assert not report.conforms, record
            assert violations(report) == expected(record), (record, report.to_text())


def test_every_defect_kind_is_caught_as_recorded(tmp_path: Path) -> None:
    """Each defect the generator offers, applied to a case it fits, is rejected by exactly the recorded violation."""
    profile = load_profile()
    records: list[dict[str, object]] = []
    for family, kinds in DEFECTS.items():
        fmt = "phenopacket" if family == "phenopacket" else "case-json"
        for kind, apply in kinds.items():
            for index in range(200):
                case = draw_case(profile, 99, index, f"defect-{kind}-{index}")
                doc = phenopacket(case, profile) if fmt == "phenopacket" else case_document(case, profile)
                done = apply(doc, case, random.Random(index), profile.vocab)
                if done is not None:
                    break
            else:
                pytest.fail(f"no case fits defect {family}/{kind}")
            name = f"{family}-{kind}.json"
            (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
            records.append({"file": name, "defect": {"kind": kind, "expected": [vars(e) for e in done[1]]}})
    assert len(records) == sum(len(k) for k in DEFECTS.values())
    for record, report in zip(records, reports(tmp_path, records), strict=True):
        assert violations(report) == expected(record), (record, report.to_text())


@pytest.mark.parametrize(("n", "rate", "broken"), [(200, 0.3, 60), (50, 0.0, 0), (7, 1.0, 7), (10, 0.25, 3)])
def test_the_invalid_share_is_as_requested(tmp_path: Path, n: int, rate: float, broken: int) -> None:
    summary = synthesize(n, 8, tmp_path, invalid_rate=rate, fmt="mixed")
    head, *records = load_manifest(tmp_path)
    assert len(summary.invalid) == broken == head["invalid"] == sum(not r["valid"] for r in records)
    assert all(r["defect"] is None for r in records if r["valid"])
    assert all(r["defect"]["kind"] and r["defect"]["expected"] for r in records if not r["valid"])


# --- realism: the reference data and the profile ----------------------------------------------------------
def test_cases_follow_the_reference_data_and_the_profile(tmp_path: Path) -> None:
    vocab = vocabulary()
    summary = synthesize(400, 4, tmp_path, fmt="case-json")
    off = 0
    for record in summary.cases:
        doc = json.loads((tmp_path / record.file).read_text(encoding="utf-8"))
        patient, main_treatment = doc["patient"], doc["treatments"][-1]
        assert 0 <= patient["age"] <= 89 and patient["sex"] in ("female", "male")
        disease = doc["conditions"][0]["disease"]
        assert disease == record.disease and main_treatment["drug"] == record.drug
        # on- or off-label exactly as the reference data's approvals say
        assert record.use == ("on-label" if vocab.approved(record.drug, disease) else "off-label")
        off += record.use == "off-label"
        for key in ("drug", "route"):
            for t in doc["treatments"]:
                if key in t:
                    assert vocab.has("agent" if key == "drug" else key, t[key])
        by_scale: dict[str, list[float]] = {}
        for m in doc.get("measurements", []):
            scale = vocab.scales[m["scale"]]
            assert scale.maximum is not None and scale.minimum <= m["value"] <= scale.maximum
            by_scale.setdefault(m["scale"], []).append(m["value"])
            assert m["at"]["relativeTo"] == main_treatment["id"]
        outcome = vocab.outcomes[doc["outcomes"][0]["outcomeType"]]
        primary_scales = [s for s in by_scale if disease in vocab.scales[s].measures]
        if primary_scales and len(by_scale[primary_scales[0]]) > 1:
            first, last = by_scale[primary_scales[0]][0], by_scale[primary_scales[0]][-1]
            better = last < first if vocab.scales[primary_scales[0]].higher_is_worse else last > first
            if outcome.improvement:
                assert better, (record.file, first, last, outcome)
            if outcome.name == "worsening":
                assert not better
    assert 0.1 < off / len(summary.cases) < 0.45
    diseases = summary.counts("disease")
    assert max(diseases, key=lambda d: diseases[d]) == "atopic-dermatitis"
    assert len(diseases) >= 10


def test_the_shipped_profile_names_only_reference_terms_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    load_profile()  # raises if any term is unknown
    bad = tmp_path / "profile.yaml"
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    bad.write_text(text.replace("off_label: {omalizumab: 3,", "off_label: {omalizumabb: 3,")
                   .replace("on_label: {dupilumab: 1}", "on_label: {rituximab: 1}", 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profile(bad)
    assert "'omalizumabb' is not among the drugs and drug classes the reference data knows" in str(err.value)
    assert "rituximab: the reference data records no approval of it for prurigo-nodularis" in str(err.value)
    code, out = run("synth", "--cases", "2", "-o", str(tmp_path / "out"), "--profile", str(bad))
    assert code == 2 and "omalizumabb" in out


# --- the command ---------------------------------------------------------------------------------------
def test_cli_options_match_the_api() -> None:
    assert tuple(CLI_FORMATS) == FORMAT_CHOICES
    assert set(FAMILIES) == set(FORMAT_CHOICES) - {"mixed"}
    code, out = run("synth", "--help")
    assert code == 0
    for option in ("--cases", "--seed", "--output", "--invalid-rate", "--format", "--profile", "manifest.jsonl"):
        assert option in out


def test_bad_options_exit_2_with_a_message(tmp_path: Path) -> None:
    code, out = run("synth", "--cases", "-1", "-o", str(tmp_path / "x"))
    assert code == 2 and "--cases" in out
    code, out = run("synth", "--cases", "3", "--invalid-rate", "1.5", "-o", str(tmp_path / "x"))
    assert code == 2 and "--invalid-rate" in out
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    code, out = run("synth", "--cases", "3", "-o", str(a_file))
    assert code == 2 and "not a folder" in out
    code, out = run("synth", "--cases", "3", "-o", str(a_file / "sub"))
    assert code == 2 and "cannot create the output folder" in out
    code, out = run("synth", "--cases", "3", "-o", str(tmp_path))  # holds file.txt: not a synth run
    assert code == 2 and "not empty" in out and a_file.read_text(encoding="utf-8") == "x"
    with pytest.raises(UsageError):
        synthesize(-1, 0, tmp_path / "y")
    with pytest.raises(UsageError):
        synthesize(1, 0, tmp_path / "y", invalid_rate=-0.1)
    with pytest.raises(UsageError):
        synthesize(1, 0, tmp_path / "y", fmt="turtle")


def test_rerun_replaces_an_earlier_run(tmp_path: Path) -> None:
    code, _ = run("synth", "--cases", "6", "--seed", "1", "-o", str(tmp_path), "-q")
    assert code == 0
    code, out = run("synth", "--cases", "3", "--seed", "2", "-o", str(tmp_path), "--format", "case-yaml")
    assert code == 0 and "wrote 3 case(s)" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, *(f"synth-s2-00000{i}.case.yaml" for i in (1, 2, 3))]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth-template") / "store"
    build(path)
    return path


def test_submit_of_a_synthetic_folder_end_to_end(tmp_path: Path, template: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(template, store)
    folder = tmp_path / "cases"
    code, out = run("synth", "--cases", "10", "--seed", "2", "--invalid-rate", "0.2", "--format", "mixed",
                    "-o", str(folder))
    assert code == 0, out
    records = load_manifest(folder)[1:]
    assert [p.name for p in expand_paths([folder])] == sorted(str(r["file"]) for r in records)  # not the manifest
    code, out = run_stdout("submit", str(folder), "--store", str(store), "--format", "json", "-q")
    assert code == 1, out  # the broken ones are rejected, nothing is unreadable
    result = json.loads(out)
    assert result["summary"] == {"accepted": 8, "duplicate": 0, "rejected": 2, "unreadable": 0}
    status = {Path(f["file"]).name: f["status"] for f in result["files"]}
    assert status == {r["file"]: "accepted" if r["valid"] else "rejected" for r in records}
    code, out = run_stdout("submissions", "--store", str(store), "--format", "json")
    assert code == 0
    assert sorted(Path(s["file"]).name for s in json.loads(out)) == sorted(str(r["file"]) for r in records if r["valid"])
