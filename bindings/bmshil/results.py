"""The suite and scenario files from Python: results as objects."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Union


PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class Finding:
    """One judged expectation: what it verifies, what was configured and measured."""

    check: str
    kind: str
    passed: bool
    parameter: int
    switch_number: int
    configured: Optional[float]
    measured: Optional[float]
    tolerance: Optional[float]
    unit: str
    message: str


@dataclass(frozen=True)
class ItemResult:
    """One item of a run: a generated check or a scenario."""

    name: str
    group: str
    source: str
    status: str  # passed, failed, error, timeout
    simulated_s: Optional[float]
    findings: List[Finding]
    safety: List[dict]
    error: str
    vcd_file: str

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failed_findings(self) -> List[Finding]:
        return [f for f in self.findings if not f.passed]


@dataclass(frozen=True)
class SuiteResult:
    """A run's items, with the raw JSON result (reports/json_report.h) it came from."""

    items: List[ItemResult]
    raw: dict = field(repr=False)

    @property
    def passed(self) -> bool:
        return bool(self.items) and all(i.passed for i in self.items)

    def __getitem__(self, name: str) -> ItemResult:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"no item {name!r} in this run; it has {', '.join(i.name for i in self.items)}")


def _number(v) -> Optional[float]:
    return None if v is None else float(v)


def parse_result(text: str) -> SuiteResult:
    """A SuiteResult from the JSON the suite writes."""
    raw = json.loads(text)
    items = []
    for s in raw["scenarios"]:
        findings = [
            Finding(check=f["check"], kind=f["kind"], passed=f["passed"], parameter=f["parameter"],
                    switch_number=f["switch_number"], configured=_number(f["configured"]),
                    measured=_number(f["measured"]), tolerance=_number(f["tolerance"]), unit=f["unit"],
                    message=f["message"])
            for f in s["findings"]
        ]
        items.append(ItemResult(name=s["name"], group=s["group"], source=s["source"], status=s["status"],
                                simulated_s=_number(s["simulated_s"]), findings=findings, safety=list(s["safety"]),
                                error=s["error"], vcd_file=s["vcd_file"]))
    return SuiteResult(items=items, raw=raw)


def run_suite(
    firmware: Optional[PathLike] = None,
    *,
    board: Optional[str] = None,
    register_map: Optional[PathLike] = None,
    cells: Optional[PathLike] = None,
    spec: Optional[PathLike] = None,
    seed: int = 1,
    jobs: int = 2,
    filter: str = "",
    generated: bool = True,
    scenarios: Sequence[PathLike] = (),
    parameters: Optional[Mapping[int, float]] = None,
    switches: Optional[Mapping[int, bool]] = None,
    results_dir: Optional[PathLike] = None,
    vcd_dir: Optional[PathLike] = None,
    timeout_s: float = 300.0,
) -> SuiteResult:
    """Runs the suite as ``bmshil suite`` does: the checks generated from the
    manual (unless generated=False) and the given scenario files, each item
    in a forked child, `jobs` at a time, under the parameters given. Bad input
    (a scenario that does not parse, a broken parameter rule) is ValueError
    before anything runs. Ctrl-C stops it with KeyboardInterrupt."""
    from .rig import _file, _numbered, _where, _Worker  # one worker process, as a rig

    if jobs < 1:
        raise ValueError(f"jobs = {jobs!r} is not a whole number >= 1")
    for s in scenarios:
        _file("scenario", s, Path(s))
    kept = results_dir is not None
    results = Path(results_dir) if kept else Path(tempfile.mkdtemp(prefix="bmshil-results-"))
    worker = _Worker(timeout_s=None)
    try:
        text = worker.call(
            "run_suite",
            **_where(firmware, board, register_map, cells, spec),
            seed=seed,
            jobs=jobs,
            filter=filter,
            generated=generated,
            scenario_files=[str(s) for s in scenarios],
            parameters=_numbered("parameters", parameters, float),
            switches=_numbered("switches", switches, bool),
            results_dir=str(results),
            vcd_dir=str(vcd_dir or ""),
            timeout_s=float(timeout_s),
        )
    finally:
        worker.close()
        if not kept:
            for f in results.iterdir():
                f.unlink()
            results.rmdir()
    return parse_result(text)


def run_scenario(path: PathLike, **options) -> ItemResult:
    """Runs one scenario file (options as run_suite's) and returns its result."""
    result = run_suite(generated=False, scenarios=[path], **options)
    if len(result.items) != 1:
        raise RuntimeError(f"{path}: expected one result, got {len(result.items)}")
    return result.items[0]
