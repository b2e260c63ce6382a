"""Synthetic, deterministic, realistic case submissions (``casegraph synth``).

:func:`synthesize` writes ``n`` cases drawn from the reference vocabulary (read from ``data/reference`` with
SPARQL) and the distributions of a profile (``profiles.yaml`` beside this module), one file per case, in the
submission formats casegraph reads (case JSON, case YAML, GA4GH Phenopacket v2), plus a manifest. The same
``n``, ``seed``, rate, format and profile give byte-identical files: each case is drawn from a random
generator seeded by the seed and the case's number alone, and nothing else (time, paths, hash order) goes in.

With ``invalid_rate`` a share of the cases (exactly ``round(rate * n)``) carries one defect the SHACL shapes
catch (see :mod:`casegraph.synth.defects`); the manifest names it and the violation validation must report.

The manifest, ``manifest.jsonl``, is JSON Lines so that ``casegraph submit DIR`` does not take it for a
submission: its first line describes the run, each further line one file.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from casegraph.errors import InputError, UsageError
from casegraph.synth.defects import Defect, Expected, break_document
from casegraph.synth.generate import case_document, draw_case, phenopacket
from casegraph.synth.profile import FAMILIES, FORMATS, Profile, load_profile

__all__ = ["FORMATS", "MANIFEST", "Expected", "SynthCase", "SynthSummary", "load_manifest", "synthesize"]

MANIFEST = "manifest.jsonl"
#: --format values: one format for every case, or a mix drawn by the profile's shares.
FORMAT_CHOICES = (*FORMATS, "mixed")
_SUFFIX = {"case-json": ".case.json", "case-yaml": ".case.yaml", "phenopacket": ".phenopacket.json"}
_GENERATOR = "casegraph synth"
_MANIFEST_VERSION = 1


@dataclass(frozen=True)
class SynthCase:
    """One file written: its case and, for a broken one, the defect and what validation must report."""

    index: int
    id: str
    file: str
    format: str
    disease: str
    drug: str
    use: str
    outcome: str
    defect: Defect | None = None

    @property
    def valid(self) -> bool:
        return self.defect is None

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "id": self.id, "index": self.index, "format": self.format,
                               "valid": self.valid, "disease": self.disease, "drug": self.drug, "use": self.use,
                               "outcome": self.outcome, "defect": None}
        if self.defect is not None:
            out["defect"] = {"kind": self.defect.kind, "description": self.defect.description,
                             "expected": [asdict(e) for e in self.defect.expected]}
        return out


@dataclass
class SynthSummary:
    """What :func:`synthesize` wrote."""

    out_dir: Path
    manifest: Path
    seed: int
    invalid_rate: float
    format: str
    cases: list[SynthCase] = field(default_factory=list)

    @property
    def invalid(self) -> list[SynthCase]:
        return [c for c in self.cases if not c.valid]

    def counts(self, attribute: str) -> dict[str, int]:
        """How many cases per value of ``attribute`` (``format``, ``disease``, ``drug``, ``use``, ``outcome``)."""
        return dict(sorted(Counter(str(getattr(c, attribute)) for c in self.cases).items()))

    def to_text(self) -> str:
        n = len(self.cases)
        lines = [f"wrote {n} case(s) to {self.out_dir} (seed {self.seed}), manifest {self.manifest.name}",
                 f"  invalid: {len(self.invalid)} ({len(self.invalid) / n:.1%})" if n else "  invalid: 0"]
        for attribute in ("format", "use", "disease"):
            counts = self.counts(attribute)
            if counts:
                lines.append(f"  {attribute}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        defects = Counter(c.defect.kind for c in self.invalid if c.defect is not None)
        if defects:
            lines.append("  defects: " + ", ".join(f"{k} {v}" for k, v in sorted(defects.items())))
        return "\n".join(lines)


def case_id(seed: int, index: int) -> str:
    """The id of case ``index`` (from 0) of seed ``seed``; also the stem of its file name."""
    return f"synth-s{seed}-{index + 1:06d}"


def synthesize(n: int, seed: int, out_dir: Path, invalid_rate: float = 0.0, fmt: str = "case-json", *,
               profile: Path | None = None, progress: Callable[[int], None] | None = None) -> SynthSummary:
    """Write ``n`` synthetic cases and ``manifest.jsonl`` into ``out_dir``; return what was written.

    ``fmt`` is ``case-json``, ``case-yaml``, ``phenopacket`` or ``mixed`` (each case's format drawn by the
    profile's shares). ``invalid_rate`` (0..1) is the share of cases given one defect the shapes catch.
    ``out_dir`` is created if needed; it must be empty or hold an earlier run of this command (whose files,
    as its manifest lists them, are replaced). ``progress`` is called with the number of cases written so far.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise UsageError(f"the number of cases must be a whole number of at least 0, not {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"the seed must be a whole number of at least 0, not {seed!r}")
    if not 0.0 <= invalid_rate <= 1.0:
        raise UsageError(f"the invalid rate must be between 0 and 1, not {invalid_rate!r}")
    if fmt not in FORMAT_CHOICES:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMAT_CHOICES)}")
    prof = load_profile(profile)
    _prepare(out_dir)

    broken = set(random.Random(f"casegraph-synth:{seed}:invalid").sample(range(n), int(invalid_rate * n + 0.5)))
    shares = list(prof.formats.values())
    summary = SynthSummary(out_dir=out_dir, manifest=out_dir / MANIFEST, seed=seed, invalid_rate=invalid_rate,
                           format=fmt)
    dumper = _yaml_dumper()
    for index in range(n):
        ident = case_id(seed, index)
        case = draw_case(prof, seed, index, ident)
        rng = random.Random(f"casegraph-synth:{seed}:{index}:format")
        kind = fmt if fmt != "mixed" else rng.choices(list(prof.formats), weights=shares)[0]
        doc = phenopacket(case, prof) if kind == "phenopacket" else case_document(case, prof)
        defect = None
        if index in broken:
            family = FAMILIES[kind]
            defect = break_document(family, prof.defects.get(family, {}), doc, case, rng, prof.vocab)
        name = ident + _SUFFIX[kind]
        (out_dir / name).write_text(_dump(doc, kind, dumper), encoding="utf-8")
        summary.cases.append(SynthCase(index, ident, name, kind, case.profile.disease, case.main.agent, case.use,
                                       case.outcome, defect))
        if progress is not None:
            progress(index + 1)
    _write_manifest(summary, prof, n)
    return summary


def _prepare(out_dir: Path) -> None:
    """Create ``out_dir``, or clear an earlier run of synth from it; refuse a folder with anything else."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise UsageError(f"{out_dir}: the output folder is not writable")
    present = {p.name for p in out_dir.iterdir()}
    if not present:
        return
    manifest = out_dir / MANIFEST
    listed: set[str] = set()
    if manifest.is_file():
        try:
            records = load_manifest(out_dir)
            listed = {str(r["file"]) for r in records[1:]}
        except (InputError, KeyError, TypeError):
            listed = set()
    others = present - listed - {MANIFEST}
    if not manifest.is_file() or others:
        shown = ", ".join(sorted(others or present)[:3])
        raise UsageError(f"{out_dir}: the output folder is not empty and is not an earlier casegraph synth run "
                         f"(found {shown}); use a new or empty folder")
    for name in sorted(listed & present):
        (out_dir / name).unlink()
    manifest.unlink()


def _write_manifest(summary: SynthSummary, prof: Profile, n: int) -> None:
    head = {"generator": _GENERATOR, "manifest_version": _MANIFEST_VERSION, "seed": summary.seed, "cases": n,
            "invalid_rate": summary.invalid_rate, "invalid": len(summary.invalid), "format": summary.format,
            "profile": prof.path.name, "profile_sha256": prof.sha256,
            "shapes_engine": "sparql", "expected_fields": "shape, field and location as casegraph.validate reports "
                                                          "them (ValidationIssue.shape, .field, .location)"}
    lines = [json.dumps(head, ensure_ascii=False)]
    lines.extend(json.dumps(c.record(), ensure_ascii=False) for c in summary.cases)
    summary.manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_manifest(path: Path) -> list[dict[str, Any]]:
    """The records of a manifest (``path``: the file or its folder): the run first, then one per file."""
    file = path / MANIFEST if path.is_dir() else path
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise InputError(f"{file}: not a readable casegraph synth manifest: {exc}") from None
    if not records or not isinstance(records[0], dict) or records[0].get("generator") != _GENERATOR:
        raise InputError(f"{file}: not a casegraph synth manifest")
    return records


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _yaml_dumper() -> type[yaml.SafeDumper]:
    """libyaml's emitter when it is there (fast), else PyYAML's; both without anchors or aliases, which the
    casegraph YAML reader refuses."""
    base = getattr(yaml, "CSafeDumper", None)
    if base is None:
        return _NoAliases

    class _CNoAliases(base):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return _CNoAliases


def _dump(doc: dict[str, Any], kind: str, dumper: type[yaml.SafeDumper]) -> str:
    if kind == "case-yaml":
        head = (f"# casegraph case document (synthetic; {_GENERATOR}). {doc.get('note', '')}\n")
        body: str = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096,
                              default_flow_style=False)
        return head + body
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
