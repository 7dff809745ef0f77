"""A catalogue of mutations: each turns a valid proposal set into an invalid one, caught by its rule.

Hypothesis draws valid sets (tests/strategies.py); all pass without an error. Each mutation is then
applied and the checker must report its expected rule id as an error on the mutated proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings

from herverdeling.checker import check
from herverdeling.proposals import Merger, Party, ProcessState, ProposalSet, SurplusSwap, Uitruil
from herverdeling.scenario.model import Scenario
from tests.strategies import base_case, valid_cases

Result = tuple[ProposalSet, str] | None


def _replace(ps: ProposalSet, old, new) -> ProposalSet:
    return ps.model_copy(update={"proposals": tuple(new if p is old else p for p in ps.proposals)})


def _with_transfer(p, i: int, **update):
    transfers = list(p.transfers)
    transfers[i] = transfers[i].model_copy(update=update)
    return p.model_copy(update={"transfers": tuple(transfers)})


def _first(ps: ProposalSet, kind: type, pred: Callable = lambda p: True):
    return next((p for p in ps.proposals if isinstance(p, kind) and p.transfers and pred(p)), None)


# ---- the mutations -----------------------------------------------------------------------------
def surplus_exceeded_by_one(s: Scenario, ps: ProposalSet) -> Result:
    swap = _first(ps, SurplusSwap)
    if swap is None:
        return None
    t = swap.transfers[0]
    promised = sum(x.places for p in ps.of_kind("surplus_swap") if p.source_province == swap.source_province
                   for x in p.transfers if x.category == t.category)
    surplus = s.surplus(swap.source_province).get(t.category)
    return _replace(ps, swap, _with_transfer(swap, 0, places=t.places + surplus - promised + 1)), swap.id


def relief_beyond_cap(s: Scenario, ps: ProposalSet) -> Result:
    swap = _first(ps, SurplusSwap)
    if swap is None:
        return None
    t = swap.transfers[0]
    relieved = sum(x.places for p in ps.of_kind("surplus_swap") for x in p.transfers
                   if (x.from_code, x.category) == (t.from_code, t.category))
    cap = s.relief_cap(s.municipality(t.from_code), t.category)
    return _replace(ps, swap, _with_transfer(swap, 0, places=t.places + cap - relieved + 1)), swap.id


def merger_across_border(s: Scenario, ps: ProposalSet) -> Result:
    merger = _first(ps, Merger)
    if merger is None:
        return None
    outsider = next(m.cbs_code for m in s.municipalities if m.province != merger.province)
    old = merger.transfers[0].from_code
    parties = tuple(p.model_copy(update={"code": outsider}) if p.code == old else p for p in merger.parties)
    new = _with_transfer(merger, 0, from_code=outsider).model_copy(update={"parties": parties})
    return _replace(ps, merger, new), merger.id


def regular_place_turned_amv(s: Scenario, ps: ProposalSet) -> Result:
    merger = _first(ps, Merger, lambda p: p.category == "regulier")
    if merger is None:
        return None
    return _replace(ps, merger, _with_transfer(merger, 0, category="amv")), merger.id


def unknown_cbs_code(s: Scenario, ps: ProposalSet) -> Result:
    u = _first(ps, Uitruil)
    if u is None:
        return None
    return _replace(ps, u, _with_transfer(u, 0, to_code="GM9999")), u.id


def negative_number(s: Scenario, ps: ProposalSet) -> Result:
    u = _first(ps, Uitruil)
    if u is None:
        return None
    return _replace(ps, u, _with_transfer(u, 0, places=-u.transfers[0].places)), u.id


def fractional_number(s: Scenario, ps: ProposalSet) -> Result:
    swap = _first(ps, SurplusSwap)
    if swap is None:
        return None
    return _replace(ps, swap, _with_transfer(swap, 0, places=swap.transfers[0].places - 0.5)), swap.id


def same_place_handed_over_twice(s: Scenario, ps: ProposalSet) -> Result:
    """Members merge their whole remaining task, so a copy of the merger hands the same places again."""
    merger = _first(ps, Merger)
    if merger is None:
        return None
    copy = merger.model_copy(update={"id": f"{merger.id}-bis"})
    return ps.model_copy(update={"proposals": (*ps.proposals, copy)}), copy.id


def notification_after_deadline(s: Scenario, ps: ProposalSet) -> Result:
    u = _first(ps, Uitruil)
    if u is None:
        return None
    r = s.round
    late = ProcessState(status="signed", signed_on=r.verdeelbesluit_date + timedelta(days=1),
                        prt_informed_on=r.verdeelbesluit_date + timedelta(days=1),
                        ministry_informed_on=r.notification_deadline + timedelta(days=1))
    return _replace(ps, u, u.model_copy(update={"process": late})), u.id


def ministry_as_party(s: Scenario, ps: ProposalSet) -> Result:
    swap = _first(ps, SurplusSwap)
    if swap is None:
        return None
    ministry = Party(kind="ministerie", code="AenM", name="Ministerie van Asiel en Migratie")
    return _replace(ps, swap, swap.model_copy(update={"parties": (*swap.parties, ministry)})), swap.id


def relieved_missing_from_agreement(s: Scenario, ps: ProposalSet) -> Result:
    swap = _first(ps, SurplusSwap)
    if swap is None:
        return None
    gone = swap.transfers[0].from_code
    parties = tuple(p for p in swap.parties if p.code != gone)
    return _replace(ps, swap, swap.model_copy(update={"parties": parties})), swap.id


def hands_over_more_than_task(s: Scenario, ps: ProposalSet) -> Result:
    u = _first(ps, Uitruil)
    if u is None:
        return None
    t = u.transfers[0]
    task = s.municipality(t.from_code).verdeelbesluit.get(t.category)
    return _replace(ps, u, _with_transfer(u, 0, places=task + 1)), u.id


@dataclass(frozen=True)
class Mutation:
    name: str
    rule_id: str
    apply: Callable[[Scenario, ProposalSet], Result]


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("surplus exceeded by 1 place", "P2", surplus_exceeded_by_one),
    Mutation("relief beyond the cap", "P11", relief_beyond_cap),
    Mutation("a merger across a provincial border", "S1", merger_across_border),
    Mutation("a regular place turned into an AMV place", "G4", regular_place_turned_amv),
    Mutation("an unknown CBS code", "G2", unknown_cbs_code),
    Mutation("a negative number", "G1", negative_number),
    Mutation("a fractional number", "G1", fractional_number),
    Mutation("the same place handed over twice", "G3", same_place_handed_over_twice),
    Mutation("a notification after the deadline", "U4", notification_after_deadline),
    Mutation("the ministry listed as a party", "P4", ministry_as_party),
    Mutation("a relieved municipality missing from the agreement", "P5", relieved_missing_from_agreement),
    Mutation("a municipality that hands over more than its task", "G3", hands_over_more_than_task),
)
IDS = [m.name for m in MUTATIONS]


def assert_caught(s: Scenario, ps: ProposalSet, mutation: Mutation) -> None:
    result = mutation.apply(s, ps)
    assert result is not None
    mutated, pid = result
    report = check(mutated, s)
    assert mutation.rule_id in report.rule_ids(pid, severity="error"), (
        f"{mutation.name}: expected {mutation.rule_id}, got {sorted(report.rule_ids(pid))}")
    assert not report.passed(pid)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=IDS)
def test_mutation_caught_on_the_base_case(mutation):
    s, ps = base_case()
    assert not check(ps, s).has_errors
    assert_caught(s, ps, mutation)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_cases())
def test_generated_valid_sets_pass(case):
    s, ps = case
    report = check(ps, s)
    assert not report.has_errors, [(f.proposal_id, f.rule_id, f.message_en) for f in report.errors]
    assert report.passed_ids() == tuple(p.id for p in ps.proposals)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=IDS)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=valid_cases())
def test_mutation_caught_on_generated_sets(mutation, case):
    s, ps = case
    assume(mutation.apply(s, ps) is not None)
    assert_caught(s, ps, mutation)
