"""The drafting module: one clause file, every text cited, placeholders checked, every stage uses it."""

from __future__ import annotations

import re

import pytest
import yaml

from herverdeling.drafting import load_clauses, reference_date
from herverdeling.drafting.clauses import Clauses
from herverdeling.errors import SettingsError
from herverdeling.mergers import load_merger_settings, propose_mergers
from herverdeling.resources import bundled_dir
from herverdeling.surplus import propose_surplus_swaps
from herverdeling.uitruil import propose_uitruil
from tests.paths import SRC


def test_every_text_has_a_citation():
    c = load_clauses()
    for group in (c.roles, c.counter_performance, c.failure):
        for key, clause in group.items():
            assert clause.citation.strip(), key
            assert clause.text.strip(), key


def _raw() -> dict:
    return yaml.safe_load((bundled_dir("models") / "clauses" / "default.yaml").read_text("utf-8"))


def test_unknown_placeholder_is_refused_naming_the_text(tmp_path):
    raw = _raw()
    raw["failure"]["merger"]["text"] = "De {gastgemeente} blijft aanspreekbaar."
    path = tmp_path / "clauses.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"failure\.merger: unknown placeholder"):
        load_clauses.__wrapped__(str(path))


def test_a_missing_text_or_citation_is_refused():
    raw = _raw()
    del raw["failure"]["uitruil_cycle"]
    with pytest.raises(ValueError, match=r"failure\.uitruil_cycle"):
        Clauses.model_validate(raw)
    raw = _raw()
    raw["roles"]["merger_host"]["citation"] = ""
    with pytest.raises(ValueError, match="citation"):
        Clauses.model_validate(raw)


def test_no_stage_spells_a_legal_text_itself():
    """Roles and clauses come from the clause file: no module but drafting builds a Party."""
    built_here = re.compile(r"(?<!class )\bParty\(|CounterPerformance\(kind=\"to_agree")
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if "drafting" not in p.parts and built_here.search(p.read_text("utf-8"))]
    assert offenders == []


def test_every_stage_uses_the_same_texts(nl2025):
    c = load_clauses()
    swaps = propose_surplus_swaps(nl2025)
    # without the swaps first, the plusprovincies' hosts absorb small tasks across the border
    mergers = propose_mergers(nl2025, load_merger_settings(cross_border=True))
    uitruil = propose_uitruil(nl2025)
    source_role = c.role("swap_source_province")
    absorptions = mergers.surplus_swaps
    assert absorptions, "nl-2025 has cross-border absorptions; the test needs one"
    for p in (*swaps.proposals, *absorptions):  # one builder for both kinds of surplus swap
        src = f"de provincie {nl2025.province(p.source_province).name}"
        snk = f"de provincie {nl2025.province(p.sink_province).name}"
        assert p.failure_clause == c.failure["surplus_swap"].fill(
            source=src, sink=snk, reference_date=reference_date(c))
        assert p.parties[0].role == source_role
    for m in mergers.mergers:
        assert m.failure_clause == c.failure["merger"].fill()
        assert m.parties[0].role == c.role("merger_host")
    assert uitruil.proposals
    for u in uitruil.proposals:
        assert u.parties[-1].role in {c.role("uitruil_realiser"), c.role("uitruil_third")}
        assert u.failure_clause.startswith(c.failure["uitruil"].text.split("{")[0])
