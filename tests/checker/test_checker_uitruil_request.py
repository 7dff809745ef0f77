"""Issue 18, point 10: `check` catches an uitruil transfer raised by hand above its request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.checker import check
from herverdeling.cli import app
from herverdeling.proposals import ProposalSet
from herverdeling.uitruil import propose_uitruil


@pytest.fixture(scope="module")
def gelderland(nl2025) -> ProposalSet:
    result = propose_uitruil(nl2025, province="GE")
    return ProposalSet(scenario=nl2025.name, scenario_hash=nl2025.content_hash(),
                       as_of=nl2025.round.as_of, proposals=result.proposals)


def _raised(ps: ProposalSet, pid: str) -> ProposalSet:
    """The hostile edit of issue 18: one transfer 26 -> 27, the counter-performance still 26."""
    proposals = []
    for p in ps.proposals:
        if p.id == pid:
            t = p.transfers[0]
            p = p.model_copy(update={"transfers": (t.model_copy(update={"places": t.places + 1}),
                                                   *p.transfers[1:])})
        proposals.append(p)
    return ps.model_copy(update={"proposals": tuple(proposals)})


def test_the_solver_output_stays_within_the_requests(nl2025, gelderland):
    report = check(gelderland, nl2025)
    assert not [f for f in report.findings if f.rule_id == "U8"]


def test_a_transfer_raised_above_its_request_is_an_error(nl2025, gelderland, tmp_path: Path):
    target = next(p for p in gelderland.proposals
                  if p.transfers[0].places == nl2025.municipality(p.transfers[0].from_code)
                  .uitruil.request.get(p.transfers[0].category))  # the whole request, e.g. 26
    t = target.transfers[0]
    assert target.counter_performance[0].amount == t.places
    bad = _raised(gelderland, target.id)
    report = check(bad, nl2025)
    hits = [f for f in report.findings if f.rule_id == "U8" and f.proposal_id == target.id]
    assert len(hits) == 1, report.findings
    assert hits[0].severity == "error"
    assert f"hands over {int(t.places) + 1} {t.category} places" in hits[0].message_en
    assert f"more than the {int(t.places)} it asked" in hits[0].message_en
    assert target.id in report.failed_ids()
    # and on the command line: exit 1
    path = tmp_path / "proposals.json"
    path.write_text(bad.model_dump_json(indent=2), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 1, result.output
    assert any(f["rule_id"] == "U8" for f in json.loads(result.output)["findings"])
