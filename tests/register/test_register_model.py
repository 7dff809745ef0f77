"""The register's step rules, without a database: which step may follow which, and on what date."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from herverdeling.errors import RegisterError
from herverdeling.proposals import RegisterEntry
from herverdeling.register import STEPS, Agreement, RegisterEvent, derive, parse_step, validate_step

DRAFTED = date(2025, 1, 15)
TODAY = date(2025, 12, 1)
UITRUIL = Agreement(id="U-1", kind="uitruil", drafted_on=DRAFTED)
SWAP = Agreement(id="P-1", kind="surplus_swap", drafted_on=DRAFTED)
ALL = ("concept", "signed", "prt_informed", "ministry_informed", "processed", "withdrawn")


def _event(seq: int, state: str, on: date, agreement: Agreement = UITRUIL, amendment=None) -> RegisterEvent:
    return RegisterEvent(scenario="s", scenario_hash="h", agreement_id=agreement.id, seq=seq,
                         kind=agreement.kind, state=state, step_date=on, agreement_date=DRAFTED,
                         amendment=amendment, recorded_at=datetime(2025, 1, 1, tzinfo=UTC))


def _legal(kind: str, current: str, step: str) -> bool:
    """The rule stated independently: the next step of the kind's list, or withdrawn unless final."""
    steps = STEPS[kind]
    if current in ("processed", "withdrawn") or step == "concept":
        return False
    if step == "withdrawn":
        return True
    return current in steps and step in steps and steps.index(step) == steps.index(current) + 1


@pytest.mark.parametrize(("agreement", "current", "step"), [
    (a, c, s) for a in (UITRUIL, SWAP) for c, s in itertools.product(ALL, ALL)
    if c in STEPS[a.kind] or c == "withdrawn"])
def test_every_transition_is_allowed_exactly_when_it_is_the_next_step(agreement, current, step):
    entry = RegisterEntry(agreement_id=agreement.id, state=current)
    kwargs = {"amendment": "Wijziging 2025-1"} if step == "processed" else {}
    if _legal(agreement.kind, current, step):
        validate_step(agreement, entry, step, date(2025, 2, 1), today=TODAY, **kwargs)
    else:
        with pytest.raises(RegisterError) as exc:
            validate_step(agreement, entry, step, date(2025, 2, 1), today=TODAY, **kwargs)
        assert "\n" not in str(exc.value)
        assert agreement.id in str(exc.value)


def test_a_skip_is_refused_with_a_dutch_message_naming_both_steps():
    with pytest.raises(RegisterError, match=r"van 'concept' kan alleen naar 'ondertekend'.*niet naar "
                                            r"'ministerie geïnformeerd' \(geen stap overslaan\)"):
        validate_step(UITRUIL, RegisterEntry(agreement_id="U-1"), "ministry_informed",
                      date(2025, 2, 1), today=TODAY)


def test_a_date_before_the_agreement_itself_or_the_previous_step_or_in_the_future_is_refused():
    fresh = RegisterEntry(agreement_id="U-1")
    with pytest.raises(RegisterError, match="vóór de datum van de afspraak zelf \\(15 januari 2025\\)"):
        validate_step(UITRUIL, fresh, "signed", date(2025, 1, 14), today=TODAY)
    validate_step(UITRUIL, fresh, "signed", DRAFTED, today=TODAY)  # the same day is fine
    signed = derive("U-1", [_event(1, "signed", date(2025, 3, 1))])
    with pytest.raises(RegisterError, match="vóór de vorige stap"):
        validate_step(UITRUIL, signed, "prt_informed", date(2025, 2, 28), today=TODAY)
    with pytest.raises(RegisterError, match="in de toekomst"):
        validate_step(UITRUIL, signed, "prt_informed", date(2025, 12, 2), today=TODAY)


def test_processed_needs_an_amendment_and_only_processed_takes_one():
    informed = RegisterEntry(agreement_id="U-1", state="ministry_informed")
    with pytest.raises(RegisterError, match="--wijziging"):
        validate_step(UITRUIL, informed, "processed", date(2025, 2, 1), today=TODAY)
    with pytest.raises(RegisterError, match="hoort alleen bij 'verwerkt'"):
        validate_step(UITRUIL, RegisterEntry(agreement_id="U-1"), "signed", date(2025, 2, 1),
                      amendment="W1", today=TODAY)


def test_the_state_and_dates_fold_from_the_events_in_order():
    events = [_event(3, "ministry_informed", date(2025, 2, 5)), _event(1, "signed", date(2025, 2, 1)),
              _event(2, "prt_informed", date(2025, 2, 3)),
              _event(4, "processed", date(2025, 6, 20), amendment="W-2025")]
    entry = derive("U-1", events)
    assert (entry.state, entry.signed_on, entry.prt_informed_on, entry.ministry_informed_on,
            entry.processed_on, entry.amendment) == ("processed", date(2025, 2, 1), date(2025, 2, 3),
                                                     date(2025, 2, 5), date(2025, 6, 20), "W-2025")
    assert entry.latest() == date(2025, 6, 20)
    process = entry.process()
    assert process.status == "signed"
    assert process.ministry_informed_on == date(2025, 2, 5)
    assert derive("U-1", []).process().status == "draft"


def test_states_are_typed_in_dutch_or_as_ids():
    assert parse_step("Ondertekend") == "signed"
    assert parse_step("ministerie-geinformeerd") == "ministry_informed"
    with pytest.raises(RegisterError, match="onbekende status 'getekend'"):
        parse_step("getekend")
