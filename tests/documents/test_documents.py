"""Papers: every agreement names every party and number, .docx and .md agree, errors get no
agreement, a golden small run, and safe output (no overwrite, no half-written folder)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.checker import build_ledger, check
from herverdeling.cli import app
from herverdeling.documents import writers
from herverdeling.documents.context import slug
from herverdeling.documents.docx import docx_text
from herverdeling.documents.writers import file_stem
from herverdeling.pipeline import propose
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.io import load_scenario, write_scenario
from herverdeling.scenario.model import Tasks, UitruilInputs
from tests import factories as f

GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()


def small_country() -> list:
    return [
        # plusprovincie AA: 100 regular and 10 AMV places above its opgave
        f.municipality(1, "AA", vb=(300, 30), extra=(60, 6), lat=52.50, lon=6.00, name="Aadorp"),
        f.municipality(2, "AA", vb=(200, 20), extra=(40, 4), lat=52.55, lon=6.10, name="Abbega"),
        # BB had a restopgave of 140 regular and 21 AMV places
        f.municipality(3, "BB", vb=(30, 5), rest=(30, 5), lat=51.50, lon=5.00, name="Baarle"),
        f.municipality(4, "BB", vb=(40, 6), rest=(40, 6), lat=51.55, lon=5.05, name="Bergen"),
        f.municipality(5, "BB", vb=(400, 40), rest=(50, 7), lat=51.52, lon=5.10, name="Boxmeer"),
        f.municipality(6, "BB", vb=(20, 3), rest=(20, 3), lat=51.58, lon=5.02, name="Budel"),
        # an uitruil: Bladel asks to hand over 20 regular places against statushouders; Breda offers
        f.municipality(7, "BB", vb=(120, 10), lat=51.40, lon=5.20, name="Bladel").model_copy(
            update={"uitruil": UitruilInputs(request=Tasks(regulier=20), statushouders_task=40,
                                             offers_in_return="statushouders")}),
        f.municipality(8, "BB", vb=(200, 20), lat=51.45, lon=5.25, name="Breda").model_copy(
            update={"uitruil": UitruilInputs(offer=Tasks(regulier=30), statushouders_task=100)}),
    ]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("run")
    scen = write_scenario(f.scenario(small_country(), name="klein"), root / "scenario")
    # the min-cost flow: one swap across both categories, as the goldens were written; the deal
    # model's papers come from the same drafting module (tests/cli/test_make_run.py runs them)
    return propose(scen, root / "out", surplus_model="flow")


def numbers(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w.])\d+(?![\w.])", text))


def test_output_folder_has_everything(small_run: Path):
    for name in ("proposals.json", "findings.json", "ledger.csv", "summary.md", "overzicht.xlsx",
                 "kaart.html", "kaart.png", "manifest.json"):
        assert (small_run / name).is_file(), name
    html = (small_run / "kaart.html").read_text(encoding="utf-8")
    assert "<script" in html
    assert "cdn.plot.ly" not in html.split("<body>")[0]
    assert "![Kaart" in (small_run / "summary.md").read_text(encoding="utf-8")
    manifest = json.loads((small_run / "manifest.json").read_text(encoding="utf-8"))
    scenario = load_scenario(small_run.parent / "scenario")
    assert manifest["scenario"]["content_hash"] == scenario.content_hash()
    assert manifest["solvers"]
    assert all("parameters" in s for s in manifest["solvers"])
    assert set(manifest["timings_s"]) >= {"surplus", "mergers", "uitruil", "checker"}


def test_every_agreement_names_parties_and_numbers(small_run: Path):
    proposals = ProposalSet.model_validate_json((small_run / "proposals.json").read_text())
    scenario = load_scenario(small_run.parent / "scenario")
    report = check(proposals, scenario)
    ledger = build_ledger(scenario, [p for p in proposals.proposals if report.passed(p.id)])
    passed = [p for p in proposals.proposals if report.passed(p.id)]
    assert passed, "the small run should produce agreements"
    mds = sorted((small_run / "agreements").glob("*.md"))
    assert len(mds) == len(passed)
    assert len(list((small_run / "agreements").glob("*.docx"))) == len(passed)
    for p in passed:
        md = next(m for m in mds if m.stem == file_stem(p, scenario))
        md_text = md.read_text(encoding="utf-8")
        docx = docx_text(md.with_suffix(".docx"))
        for party in p.parties:
            assert party.name in md_text
            assert party.name in docx
        for t in p.transfers:
            n = str(int(t.places))
            assert n in numbers(md_text)
            assert n in numbers(docx)
            # surplus swaps change only the relieved municipality's task (P8, P9)
            changed = (t.from_code,) if p.kind == "surplus_swap" else (t.from_code, t.to_code)
            for code in changed:
                row = ledger.row(code, t.category)
                assert str(row.verdeelbesluit) in numbers(docx)
                assert str(int(row.ibt_task)) in numbers(docx)
        # the twin says the same: the same numbers and the same headings
        assert numbers(md_text) == numbers(docx)
        headings = [line.lstrip("# ") for line in md_text.splitlines() if line.startswith("#")]
        assert all(h in docx for h in headings)


def test_every_paper_states_the_required_parts(small_run: Path):
    """Parties, places, counter-performance, failure clause, IBT/SPUK, deadlines, signatures."""
    proposals = ProposalSet.model_validate_json((small_run / "proposals.json").read_text())
    scenario = load_scenario(small_run.parent / "scenario")
    assert {p.kind for p in proposals.proposals} == {"surplus_swap", "merger", "uitruil"}
    assert not (small_run / "addenda").exists()  # replaced by one wijzigingsoverzicht per province
    for p in proposals.proposals:
        stem = file_stem(p, scenario)
        for folder in ["agreements", "kennisgevingen"]:
            md = small_run / folder / f"{stem}.md"
            text = md.read_text(encoding="utf-8")
            for party in p.parties:
                assert party.name in text, (md.name, party.name)
            for part in ("Tegenprestatie", "niet (tijdig)", "IBT", "SPUK", "Ondertekening"):
                assert part.lower() in text.lower(), (md.name, part)
            assert ("uiterlijk 1 juni 2025" in text) or ("per ommegaande" in text), md.name
            if p.kind == "uitruil":
                cp = p.counter_performance[0]
                assert str(int(cp.amount)) in numbers(text)
                assert "statushouders" in text


def test_proposal_with_error_gets_no_agreement(small_run: Path, tmp_path: Path):
    proposals = ProposalSet.model_validate_json((small_run / "proposals.json").read_text())
    scenario = load_scenario(small_run.parent / "scenario")
    bad = proposals.proposals[0]
    broken = bad.model_copy(update={"transfers": (
        bad.transfers[0].model_copy(update={"places": -4}), *bad.transfers[1:])})
    mutated = proposals.model_copy(update={"proposals": (broken, *proposals.proposals[1:])})
    report = check(mutated, scenario)
    assert not report.passed(bad.id)
    ledger = build_ledger(scenario, [p for p in mutated.proposals if report.passed(p.id)])
    written = writers.write_documents(tmp_path, mutated, scenario, ledger, report, "test")
    assert written
    assert not any(p.stem == file_stem(bad, scenario) for p in written)
    others = [p for p in mutated.proposals[1:] if report.passed(p.id)]
    assert len([p for p in written if p.parent.name == "agreements"]) == 2 * len(others)


def test_golden_small_run(small_run: Path):
    """The Dutch text of the small run, compared with the committed files (regenerate with
    HERVERDELING_REGOLD=1 after a deliberate change of a template)."""
    files = [*sorted(p for p in (small_run / "agreements").glob("*.md")), small_run / "summary.md",
             *sorted((small_run / "wijzigingsoverzichten").glob("*.md")),
             *sorted((small_run / "kennisgevingen").glob("*.md"))]
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"herverdeling \d+\.\d+\.\d+\S*", "herverdeling X", text)
        text = re.sub(r"inhoud-hash [0-9a-f]+", "inhoud-hash X", text)
        prefix = "kennisgeving-" if path.parent.name == "kennisgevingen" else ""
        golden = GOLDEN / f"{prefix}{path.name}"
        if os.environ.get("HERVERDELING_REGOLD"):
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file(), f"no golden file for {path.name}"
        assert text == golden.read_text(encoding="utf-8"), path.name


def test_existing_folder_needs_force(tmp_path: Path):
    scen = write_scenario(f.scenario(small_country(), name="klein"), tmp_path / "scenario")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    result = runner.invoke(app, ["propose", "--scenario", str(scen), "--out", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert (out / "mine.txt").exists()
    # issue 18: --force replaces only an earlier output (its manifest.json) or an empty folder
    result = runner.invoke(app, ["propose", "--scenario", str(scen), "--out", str(out), "--force"])
    assert result.exit_code == 2, result.output
    assert "no earlier output" in result.output
    assert (out / "mine.txt").read_text() == "keep"
    (out / "mine.txt").unlink()
    result = runner.invoke(app, ["propose", "--scenario", str(scen), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert (out / "summary.md").exists()
    (out / "mine.txt").write_text("part of the earlier output")
    result = runner.invoke(app, ["propose", "--scenario", str(scen), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert not (out / "mine.txt").exists()
    assert (out / "summary.md").exists()


def test_interrupted_run_leaves_no_folder(tmp_path: Path, monkeypatch):
    scen = write_scenario(f.scenario(small_country(), name="klein"), tmp_path / "scenario")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, "write_excel", boom)
    with pytest.raises(KeyboardInterrupt):
        propose(scen, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["scenario"]  # no temporary folder left


@pytest.mark.parametrize("name", ["../../etc/passwd", "Súdwest-Fryslân", "a/b\\c:d*e?f", "", "..."])
def test_file_names_are_safe(name: str):
    s = slug(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s)


def test_summary_names_the_parties_and_every_deal_level():
    """summary.md of a deal-model run: the parties of the surplus swaps added up (as the checker
    counts them) and one row per deal-model level with its Dutch name and outcome (a new-user
    check found neither)."""
    from herverdeling.documents.writers import summary_markdown
    from herverdeling.dutch import LEVEL_NL, STATUS_NL, getal
    from herverdeling.pipeline import RunSettings, run_chain
    from tests.surplus.test_deals import tiny

    s = tiny()
    run = run_chain(s, RunSettings(scenario=s.name))
    assert run.report is not None
    text = summary_markdown(s, run, run.report, "X")
    swaps = [p for p in run.proposals.proposals if p.kind == "surplus_swap"]
    assert swaps
    total = sum(len(p.parties) for p in swaps)
    assert f"samen {getal(total)} partijen, hoogstens {max(len(p.parties) for p in swaps)}" in text
    levels = [i for i in run.proposals.solve_info if i.model.startswith("deals/")]
    assert levels
    rows = [line for line in text.splitlines() if line.startswith(("| regulier |", "| amv |"))]
    assert len(rows) == len(levels)
    for row, info in zip(rows, levels, strict=True):
        assert f"| {LEVEL_NL[info.model.split('/')[1]]} |" in row
        assert row.split("|")[4].strip().startswith(STATUS_NL[info.status])


def test_summary_says_what_became_of_each_wish(tmp_path):
    """A preferred partner is a soft wish: summary.md says whether a swap uses it; a refused
    relief is held (D4) and reported as honoured."""
    from herverdeling.documents.writers import summary_markdown
    from herverdeling.pipeline import RunSettings, run_chain
    from herverdeling.scenario.io import load_scenario, write_scenario
    from tests.scenario.test_wishes import country

    folder = write_scenario(country(), tmp_path / "s")
    (folder / "preferences.csv").write_text("cbs_code,relief\nGM0004,refused\n")
    (folder / "partners.csv").write_text("sink,source,partner\nBB,AA,preferred\n")
    s = load_scenario(folder)
    run = run_chain(s, RunSettings(scenario=s.name))
    assert run.report is not None
    text = summary_markdown(s, run, run.report, "X")
    used = any(p.kind == "surplus_swap" and (p.sink_province, p.source_province) == ("BB", "AA")
               for p in run.proposals.proposals)
    line = next(x for x in text.splitlines() if "bij voorkeur ontlast" in x)
    assert ("niet gehonoreerd" not in line) == used
    relieved = {t.from_code for p in run.proposals.proposals if p.kind == "surplus_swap" for t in p.transfers}
    assert "GM0004" not in relieved
    assert any("(GM0004) wil niet ontlast worden: gehonoreerd." in x for x in text.splitlines())
