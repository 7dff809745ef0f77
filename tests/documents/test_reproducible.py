"""Reproducible bytes (issue 18, point 5): the same input and settings give the same files.

Two `propose` runs into two folders, two seconds apart (zip timestamps have a 2 s resolution), are
compared byte for byte. Only manifest.json may differ: it holds the wall-clock times.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from herverdeling.checker import read_proposals
from herverdeling.pipeline import propose
from tests import factories as f
from tests.documents.test_documents import small_country


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_runs_give_identical_bytes_except_the_manifest(tmp_path: Path, monkeypatch):
    from herverdeling import pipeline
    from herverdeling.surplus.deals import cache

    monkeypatch.setenv(cache.ENV, "")  # both runs solve the deal model: no cache between them
    scenario = f.scenario(small_country(), name="klein")
    monkeypatch.setattr(pipeline, "_DEALS", type(pipeline._DEALS)())
    a = _files(propose(scenario, tmp_path / "a"))
    time.sleep(2.1)
    monkeypatch.setattr(pipeline, "_DEALS", type(pipeline._DEALS)())
    b = _files(propose(scenario, tmp_path / "b"))
    assert a.keys() == b.keys()
    kinds = {Path(name).suffix for name in a}
    assert {".json", ".csv", ".md", ".docx", ".xlsx", ".html", ".png"} <= kinds
    differ = sorted(name for name in a if a[name] != b[name])
    assert differ == ["manifest.json"], differ
    # the wall clock lives in the manifest only; proposals.json reads back without it
    manifest = json.loads(a["manifest.json"])
    assert all("seconds" in s for s in manifest["solvers"])
    assert manifest["solvers"]
    assert b'"seconds"' not in a["proposals.json"]
    back = read_proposals(tmp_path / "a" / "proposals.json")
    assert back.solve_info
    assert all(s.seconds == 0 for s in back.solve_info)


def test_office_files_carry_the_rounds_date_not_the_clock(tmp_path: Path):
    import zipfile

    scenario = f.scenario(small_country(), name="klein")
    out = propose(scenario, tmp_path / "out")
    as_of = scenario.round.as_of.isoformat()
    for path in [out / "overzicht.xlsx", *sorted(out.glob("agreements/*.docx"))[:1]]:
        with zipfile.ZipFile(path) as zf:
            core = zf.read("docProps/core.xml").decode()
            assert core.count(f"{as_of}T00:00:00Z") == 2, (path, core)
            assert {i.date_time[:3] for i in zf.infolist()} == {tuple(scenario.round.as_of.timetuple()[:3])}
