"""The bundled nl-2026 scenario: every 2026 figure of data/rounds-facts.csv lands, and it is
reproducible byte for byte.

The expected figures are read from the facts file here (with the csv module, not the builder's
reader), so a changed fact changes the expectation, never a number written twice.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from herverdeling.errors import OutputError, ScenarioError
from herverdeling.scenario.builders import BuiltScenario, build_nl_2026, build_round
from herverdeling.scenario.io import load_scenario, write_scenario
from herverdeling.scenario.model import CATEGORIES, Scenario, Tasks
from tests.paths import ROOT

BUNDLED = ROOT / "scenarios" / "nl-2026"
SOURCES = ("rounds-facts.csv", "provincies-2024.csv", "gemeenten-2024.csv",
           "azc-locaties-partial.csv")


def available_by_municipality(folder: Path) -> dict[str, Tasks]:
    """The extension columns available_regulier / available_amv, read straight from the CSV."""
    frame = pd.read_csv(folder / "municipalities.csv", dtype=str, keep_default_na=False)
    return {r["cbs_code"]: Tasks(regulier=int(r["available_regulier"]),
                                 amv=int(r["available_amv"])) for r in frame.to_dict("records")}


def _facts(data: Path, round_name: str = "2026") -> list[dict[str, str]]:
    with (data / "rounds-facts.csv").open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["round"] == round_name]


@pytest.fixture(scope="module")
def nl2026() -> Scenario:
    return load_scenario("nl-2026")


@pytest.fixture(scope="module")
def available(nl2026: Scenario) -> dict[str, dict[str, int]]:
    """Per province and category: the available places of the extension columns, summed."""
    per_m = available_by_municipality(BUNDLED)
    out: dict[str, dict[str, int]] = {p.code: dict.fromkeys(CATEGORIES, 0) for p in nl2026.provinces}
    for m in nl2026.municipalities:
        for c in CATEGORIES:
            out[m.province][c] += per_m[m.cbs_code].get(c)
    return out


def _total(d: dict[str, int]) -> int:
    return sum(d.values())


def test_every_2026_figure_of_the_facts_file_lands(nl2026, available, public_data):
    opgave = {p.code: p.opgave.total for p in nl2026.provinces}
    avail = {code: _total(a) for code, a in available.items()}
    per_m = available_by_municipality(BUNDLED)
    still_m = {p.code: sum(m.verdeelbesluit.total - per_m[m.cbs_code].total
                           for m in nl2026.municipalities_in(p.code)) for p in nl2026.provinces}
    rows = [r for r in _facts(public_data) if r["figure"]]
    assert len(rows) >= 9
    for r in rows:
        figure, statement = int(r["figure"]), r["statement"].lower()
        if r["scope"] == "national" and "total reception capacity" in statement:
            assert sum(opgave.values()) == figure
        elif r["scope"] == "national" and "available" in statement:
            assert sum(min(avail[c], opgave[c]) for c in opgave) == figure
        elif r["scope"] == "national" and "realised" in statement:
            assert sum(max(0, opgave[c] - avail[c]) for c in opgave) == figure
            # and the municipalities' tasks minus their available places add up to it
            assert sum(still_m[c] for c in opgave if avail[c] <= opgave[c]) == figure
        elif r["scope"] == "province" and r["unit"] == "places still to realise":
            code = r["code"]
            assert max(0, opgave[code] - avail[code]) == figure, code
            if figure == 0:  # "already above what the minister asks": strictly above, a surplus
                assert avail[code] > opgave[code]
                assert nl2026.surplus(code).total == avail[code] - opgave[code]
                assert still_m[code] == 0
            else:
                assert still_m[code] == figure
                assert nl2026.surplus(code).total == 0
        else:
            pytest.fail(f"rounds-facts.csv: a 2026 figure this test does not check: {r}")


def test_every_2026_row_is_a_labelled_fact(nl2026, public_data):
    facts = [a for a in nl2026.assumptions if a.kind == "fact"]
    for r in _facts(public_data):
        assert any(r["statement"] in a.statement and r["source"] in a.source for a in facts), r
    ids = [a.id for a in nl2026.assumptions]
    assert len(ids) == len(set(ids))
    for needed in ("A-round-2026", "A-opgave-2026", "A-to-realise-2026", "A-available-2026",
                   "A-distribution-2026", "A-above-target-2026"):
        assert needed in ids


def test_noord_brabant_matches_its_own_statement(nl2026, available, public_data):
    """NB's row also says 'ruim dertienduizend' opgave and 'about 6,300 available now'."""
    row = next(r for r in _facts(public_data) if r["code"] == "NB")
    stated = int(re.search(r"about ([\d,]+) available", row["statement"]).group(1).replace(",", ""))
    assert "dertienduizend" in row["statement"]
    assert 13_000 <= nl2026.province("NB").opgave.total < 14_000
    assert abs(_total(available["NB"]) - stated) <= 0.02 * stated


def test_round_as_of_1_december_2026(nl2026):
    r = nl2026.round
    assert r.as_of == date(2026, 12, 1)
    # deadlines by analogy with 2025 (same calendar dates, two years on): labelled in A-round-2026
    nl2025 = load_scenario("nl-2025").round
    assert r.notification_deadline == nl2025.notification_deadline.replace(year=2027)
    assert r.amendment_deadline == nl2025.amendment_deadline.replace(year=2027)


def test_distribution_invariants(nl2026):
    per_m = available_by_municipality(BUNDLED)
    for p in nl2026.provinces:
        members = nl2026.municipalities_in(p.code)
        for c in CATEGORIES:
            assert sum(m.indicative.get(c) for m in members) == p.opgave.get(c)
            for m in members:
                a, vb = per_m[m.cbs_code].get(c), m.verdeelbesluit.get(c)
                assert m.restopgave.get(c) == 0
                assert vb == m.own_plan.get(c)
                assert vb >= a  # a municipality keeps its available places as its task
                # netting: places still to realise only where available falls short of indicative
                if a >= m.indicative.get(c) and nl2026.surplus(p.code).get(c) == 0:
                    assert vb == a
                assert vb <= max(a, m.indicative.get(c))
    assert set(nl2026.plusprovincies()) == {"GR", "FL"}
    assert sum(len(nl2026.small_tasks(c)) for c in CATEGORIES) > 50  # mergers have work


def test_build_is_byte_identical_and_matches_the_committed_folder(public_data, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build_nl_2026(public_data).write(a)
    build_round("2026", public_data).write(b)
    files = sorted(p.name for p in BUNDLED.iterdir())
    assert files == ["municipalities.csv", "provinces.csv", "scenario.yaml"]
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes() == (BUNDLED / name).read_bytes()
    assert build_nl_2026(public_data, seed=7).scenario != load_scenario(BUNDLED)


def _copy_sources(public_data: Path, to: Path) -> Path:
    to.mkdir()
    for name in SOURCES:
        shutil.copy(public_data / name, to / name)
    return to


def test_facts_that_do_not_reconcile_are_refused(public_data, tmp_path):
    data = _copy_sources(public_data, tmp_path / "data")
    path = data / "rounds-facts.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[(frame["round"] == "2026") & (frame["figure"] == "50000"), "figure"] = "49000"
    frame.to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=r"rounds-facts\.csv.*do not reconcile"):
        build_nl_2026(data)
    frame.loc[(frame["round"] == "2026") & (frame["code"] == "ZH"), "figure"] = "about 11k"
    frame.to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=r"rounds-facts\.csv, row 6, field 'figure'"):
        build_nl_2026(data)


def test_extension_columns_must_be_declared_and_complete(nl2026, tmp_path):
    built = build_nl_2026(ROOT / "data")
    bad = BuiltScenario(scenario=built.scenario,
                        columns={"municipalities.csv": {"notes": (0,) * 342}})
    with pytest.raises(OutputError, match="not declared"):
        bad.write(tmp_path / "x")
    with pytest.raises(OutputError, match="341 values for 342 rows"):
        write_scenario(built.scenario, tmp_path / "y",
                       columns={"municipalities.csv": {"available_amv": (0,) * 341}})
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "y").exists()


def test_the_chain_runs_on_nl2026_and_every_proposal_passes(nl2026):
    """One province (Zeeland, small) through the one chain: mergers and uitruil, checked clean.

    No restopgave in nl-2026 (A-distribution-2026), so no surplus swap may relieve anyone (P11).
    """
    from herverdeling.checker import check
    from herverdeling.pipeline import RunSettings, run_chain

    result = run_chain(nl2026, RunSettings(scenario=nl2026.name), province="ZE")
    kinds = {p.kind for p in result.proposals.proposals}
    assert "merger" in kinds
    assert "surplus_swap" not in kinds
    assert check(result.proposals, nl2026).errors == ()
