"""Every rule of the catalogue: its metadata, and a hand-made case that makes it fire."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest

from herverdeling.checker import CATALOGUE, RULE_IDS, check, rules
from herverdeling.checker.rules.process import process_settings
from herverdeling.errors import ProposalInputError
from herverdeling.proposals import CounterPerformance, Party, ProcessState, ProposalSet, Transfer, Uitruil
from herverdeling.scenario.preferences import MunicipalityPreference, Preferences
from tests.paths import DATA
from tests.strategies import SIGNAL_DAYS as STRATEGY_DAYS
from tests.strategies import base_case

SOURCE = (DATA / "sources"
          / "informatiebericht-uitruil-samenvoegen.txt")
DOMAIN = DATA / "sources" / "DOMAIN.md"


# ---- helpers to edit one proposal of a set -------------------------------------------------------
def edit(ps: ProposalSet, pid: str, **update) -> ProposalSet:
    return ps.model_copy(update={"proposals": tuple(
        p.model_copy(update=update) if p.id == pid else p for p in ps.proposals)})


def edit_transfer(ps: ProposalSet, pid: str, i: int, **update) -> ProposalSet:
    p = next(p for p in ps.proposals if p.id == pid)
    transfers = list(p.transfers)
    transfers[i] = transfers[i].model_copy(update=update)
    return edit(ps, pid, transfers=tuple(transfers))


def edit_process(ps: ProposalSet, pid: str, **update) -> ProposalSet:
    p = next(p for p in ps.proposals if p.id == pid)
    return edit(ps, pid, process=p.process.model_copy(update=update))


def get(ps: ProposalSet, pid: str):
    return next(p for p in ps.proposals if p.id == pid)


def add(ps: ProposalSet, proposal) -> ProposalSet:
    return ps.model_copy(update={"proposals": (*ps.proposals, proposal)})


# ---- the catalogue -------------------------------------------------------------------------------
def test_catalogue_holds_exactly_the_domain_rules():
    assert set(CATALOGUE) == set(RULE_IDS)
    assert len(RULE_IDS) == 6 + 8 + 4 + 11 + 4
    assert [r.id for r in rules()] == list(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_metadata(rule_id):
    r = CATALOGUE[rule_id]
    assert r.severity == ("warning" if rule_id == "G6" else "error")
    assert r.title_nl
    assert r.title_en
    assert r.messages
    expected_kinds = {"G": {"surplus_swap", "merger", "uitruil"}, "U": {"uitruil"}, "S": {"merger"},
                      "P": {"surplus_swap"},
                      "D": {"surplus_swap"} if rule_id in ("D1", "D2") else
                      {"surplus_swap", "merger", "uitruil"}}[rule_id[0]]
    assert set(r.kinds) == expected_kinds
    for nl, en in r.messages.values():
        assert nl != en
        # Dutch and English templates take the same fields, so a message never misses a number.
        fields_nl = {f for _, f, _, _ in string.Formatter().parse(nl) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        assert fields_nl == fields_en


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_section_exists_in_the_informatiebericht(rule_id):
    if rule_id.startswith("D"):  # model choices: they cite their settings and the domain brief
        assert "models/deals" in CATALOGUE[rule_id].section
        assert f"- {rule_id} " in DOMAIN.read_text(encoding="utf-8")
        return
    text = " ".join(SOURCE.read_text(encoding="utf-8").split())
    for part in CATALOGUE[rule_id].section.split("; "):
        assert part in text, f"{rule_id} cites {part!r}, which the informatiebericht does not have"


def test_base_case_is_clean():
    s, ps = base_case()
    report = check(ps, s)
    assert report.findings == ()
    assert all(report.passed(p.id) for p in ps.proposals)


# ---- one trigger per rule --------------------------------------------------------------------------
def _second_uitruil(ps):
    u = get(ps, "U-1")
    return add(ps, u.model_copy(update={"id": "U-2"}))


MINISTRY = Party(kind="ministerie", code="AenM", name="Ministerie van Asiel en Migratie")

TRIGGERS = {
    "G1": ("U-1", lambda s, ps: edit_transfer(ps, "U-1", 0, places=2.5)),
    "G2": ("U-1", lambda s, ps: edit_transfer(ps, "U-1", 0, to_code="GM9999")),
    "G3": ("U-1", lambda s, ps: _second_uitruil(ps)),
    "G4": ("M-1", lambda s, ps: edit_transfer(ps, "M-1", 0, category="amv")),
    "G5": ("U-1", lambda s, ps: edit(ps, "U-1", parties=get(ps, "U-1").parties[:1])),
    "G6": ("U-1", lambda s, ps: edit(ps, "U-1", failure_clause="  ")),
    "U1": ("U-1", lambda s, ps: edit(ps, "U-1", parties=(*get(ps, "U-1").parties, MINISTRY))),
    "U2": ("U-1", lambda s, ps: edit_process(ps, "U-1", signed_on=None)),
    "U3": ("U-1", lambda s, ps: edit_process(ps, "U-1", prt_informed_on=date(2025, 2, 1))),
    # a date after the as-of date is an error; a late notification is only a warning (U5)
    "U4": ("U-1", lambda s, ps: edit_process(ps, "U-1", ministry_informed_on=date(2025, 3, 1))),
    "U5": ("U-1", lambda s, ps: edit_transfer(ps, "U-1", 0, to_code="GM0204")),
    "U6": ("U-1", lambda s, ps: edit_transfer(ps, "U-1", 0, to_code="GM0303")),
    "U7": ("U-1", lambda s, ps: edit(ps, "U-1", counter_performance=(
        CounterPerformance(kind="spuk", by_code="GM0302", to_code="GM0301"),))),
    "U8": ("U-1", lambda s, ps: edit(ps, "U-1", counter_performance=(
        CounterPerformance(kind="statushouders", by_code="GM0302", to_code="GM0301"),))),
    "S1": ("M-1", lambda s, ps: edit_transfer(ps, "M-1", 0, from_code="GM0302")),
    "S2": ("M-1", lambda s, ps: edit_transfer(ps, "M-1", 0, to_code="GM0201")),
    "S3": ("M-1", lambda s, ps: edit_process(ps, "M-1", ministry_informed_on=date(2025, 3, 1))),
    "S4": ("M-1", lambda s, ps: edit(ps, "M-1", location_size=91)),
    "P1": ("P-1", lambda s, ps: edit(ps, "P-1", source_province="NC")),
    "P2": ("P-1", lambda s, ps: edit_transfer(ps, "P-1", 0, places=31)),
    "P3": ("P-1", lambda s, ps: edit(ps, "P-1", sink_province="NC")),
    "P4": ("P-1", lambda s, ps: edit(ps, "P-1", parties=(*get(ps, "P-1").parties, MINISTRY))),
    "P5": ("P-1", lambda s, ps: edit(ps, "P-1", parties=get(ps, "P-1").parties[1:])),
    "P6": ("P-1", lambda s, ps: edit(ps, "P-1", coordinators=get(ps, "P-1").coordinators[:1])),
    "P7": ("P-1", lambda s, ps: edit_process(ps, "P-1", ministry_informed_on=date(2025, 3, 1))),
    "P8": ("P-1", lambda s, ps: edit_transfer(ps, "P-1", 0, to_code="GM0204")),
    "P9": ("P-1", lambda s, ps: edit(ps, "P-1", counter_performance=(
        CounterPerformance(kind="spuk", by_code="GM0201", to_code="GM0101"),))),
    "P10": ("P-1", lambda s, ps: edit(ps, "P-1", counter_performance=(
        CounterPerformance(kind="other", by_code="AenM", to_code="GM0101", description="geld"),))),
    "P11": ("P-1", lambda s, ps: edit_transfer(ps, "P-1", 0, places=21)),
    "D1": ("P-1", lambda s, ps: add(ps, get(ps, "P-1").model_copy(update={
        "id": "P-2", "source_province": "NC",
        "transfers": (Transfer(from_code="GM0201", to_code="GM0301", category="regulier", places=5),)}))),
    "D2": ("P-1", lambda s, ps: edit_transfer(ps, "P-1", 0, places=5)),
    "D3": ("M-1", lambda s, ps: edit(ps, "P-1", transfers=(*get(ps, "P-1").transfers, Transfer(
        from_code="GM0204", to_code="GM0101", category="regulier", places=5)))),
    # D4 needs a wish in the scenario: GM0202 refuses relief, and the base case relieves it
    "D4": ("P-1", lambda s, ps: (s.model_copy(update={"preferences": Preferences(municipalities=(
        MunicipalityPreference(cbs_code="GM0202", relief="refused"),))}), ps)),
}


def test_every_rule_has_a_trigger():
    assert set(TRIGGERS) == set(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fires(rule_id):
    s, ps = base_case()
    pid, mutate = TRIGGERS[rule_id]
    changed = mutate(s, ps)
    if isinstance(changed, tuple):  # the trigger changes the scenario (D4: a stated wish)
        s, changed = changed
        changed = changed.model_copy(update={"scenario_hash": s.content_hash()})
    report = check(changed, s)
    severity = CATALOGUE[rule_id].severity
    hits = [f for f in report.findings_for(pid) if f.rule_id == rule_id and f.severity == severity]
    assert hits, f"{rule_id} did not fire: {[(f.rule_id, f.severity) for f in report.findings]}"
    for f in hits:
        assert f.message_nl
        assert f.message_en
        assert "{" not in f.message_en + f.message_nl
        assert f.section == CATALOGUE[rule_id].section
    assert report.passed(pid) == (severity != "error")


def test_trigger_only_blocks_the_proposals_involved():
    s, ps = base_case()
    report = check(TRIGGERS["S4"][1](s, ps), s)
    assert not report.passed("M-1")
    assert report.passed("P-1")
    assert report.passed("U-1")
    assert report.failed_ids() == ("M-1",)


# ---- messages name municipalities and numbers --------------------------------------------------
def test_g3_message_names_municipality_numbers_and_both_proposals():
    s, ps = base_case()
    report = check(_second_uitruil(ps), s)
    f = next(f for f in report.errors_for("U-2") if f.rule_id == "G3")
    assert "Gemeente 302 (GM0302)" in f.message_en
    assert "Gemeente 302 (GM0302)" in f.message_nl
    assert "40" in f.message_en
    assert "20" in f.message_en
    assert "U-1, U-2" in f.message_en
    assert f.municipalities == ("GM0302",)
    assert f.numbers["total"] == 40
    assert f.numbers["task"] == 20
    assert "G3" in report.rule_ids("U-1", severity="error")  # both share the blame


def test_p2_counts_all_swaps_of_the_set():
    """Two swaps each within the surplus (40) but together above it (25 + 16): both are blocked."""
    s, ps = base_case(relief_cap="task")
    extra = get(ps, "P-1").model_copy(update={"id": "P-2", "transfers": (
        Transfer(from_code="GM0204", to_code="GM0101", category="regulier", places=16),)})
    report = check(add(ps, extra), s)
    assert "P2" in report.rule_ids("P-1", severity="error")
    assert "P2" in report.rule_ids("P-2", severity="error")
    assert "P11" not in report.rule_ids()
    f = next(f for f in report.errors_for("P-2") if f.rule_id == "P2")
    assert f.numbers["total"] == 41
    assert f.numbers["surplus"] == 40
    assert "41" in f.message_nl
    assert "40" in f.message_nl
    assert "P-1, P-2" in f.message_nl
    alone = ps.model_copy(update={"proposals": (extra,)})
    assert "P2" not in check(alone, s).rule_ids()  # 16 alone is within the surplus


def test_p11_relief_cap_follows_the_scenario_option():
    s, ps = base_case()
    bad = edit_transfer(ps, "P-1", 0, places=21)  # GM0201: restopgave 20, task 40
    assert "P11" in check(bad, s).rule_ids("P-1", severity="error")
    s_task, ps_task = base_case(relief_cap="task")
    bad_task = edit_transfer(ps_task, "P-1", 0, places=21)
    assert "P11" not in check(bad_task, s_task).rule_ids("P-1")


def test_g1_catches_every_number():
    s, ps = base_case()
    for mutated in (
        edit_transfer(ps, "U-1", 0, places=-3),
        edit(ps, "M-1", host_own_places=80.5, location_size=92.5),
        edit(ps, "U-1", counter_performance=(
            CounterPerformance(kind="statushouders", by_code="GM0302", to_code="GM0301", amount=-1),)),
        edit_transfer(ps, "U-1", 0, places=float("nan")),
    ):
        assert "G1" in check(mutated, s).rule_ids(severity="error")


def test_g5_counter_performance_to_agree_is_open_for_a_draft_and_an_error_when_signed():
    s, ps = base_case()
    to_agree = (CounterPerformance(kind="to_agree"),)
    draft = edit_process(edit(ps, "U-1", counter_performance=to_agree), "U-1", status="draft",
                         signed_on=None)
    report = check(draft, s)
    assert ("G5", "open") in {(f.rule_id, f.severity) for f in report.findings_for("U-1")}
    assert report.passed("U-1")
    signed = edit(ps, "U-1", counter_performance=to_agree)
    assert "G5" in check(signed, s).rule_ids("U-1", severity="error")
    assert "G5" in check(edit(ps, "U-1", counter_performance=()), s).rule_ids("U-1", severity="error")


# ---- process rules against the round's dates ---------------------------------------------------
def test_fresh_draft_before_the_deadline_is_open_not_an_error():
    s, ps = base_case()
    draft = ps
    for pid in ("U-1", "M-1", "P-1"):
        draft = edit(draft, pid, process=ProcessState())
    report = check(draft, s)
    assert not report.has_errors
    assert {"U2", "U3"} <= report.rule_ids("U-1", severity="open")
    assert "S3" in report.rule_ids("M-1", severity="open")
    assert {"P4", "P7"} <= report.rule_ids("P-1", severity="open")
    u2 = next(f for f in report.open_steps_for("U-1") if f.rule_id == "U2")
    assert "2025-06-01" in u2.message_en
    # Dutch messages write Dutch dates and say "uiterlijk" (issue 15, point 6)
    assert "uiterlijk 1 juni 2025" in u2.message_nl
    assert "2025-06-01" not in u2.message_nl


def test_deadline_passed_with_nothing_done_is_a_warning_not_an_error():
    """Processing into the verdeelbesluit is a choice (note, "Kortom"): a late agreement still
    binds the parties, so it is drafted, with IBT and SPUK staying where they are."""
    s, ps = base_case(as_of=date(2025, 6, 10))
    draft = edit(ps, "U-1", process=ProcessState())
    report = check(draft, s)
    assert {"U2", "U3", "U4"} <= report.rule_ids("U-1", severity="warning")
    assert not report.rule_ids("U-1", severity="error")
    assert report.passed("U-1")
    u4 = next(f for f in report.findings_for("U-1") if f.rule_id == "U4")
    assert "IBT en SPUK blijven bij de gemeente uit het verdeelbesluit" in u4.message_nl
    merger_draft = edit(ps, "M-1", process=ProcessState())
    merger_report = check(merger_draft, s)
    assert "S3" in merger_report.rule_ids("M-1", severity="warning")
    assert merger_report.passed("M-1")


def test_notification_on_the_deadline_is_in_time_and_a_day_later_is_a_warning():
    s, ps = base_case(as_of=date(2025, 6, 5))
    on_time = edit_process(ps, "U-1", ministry_informed_on=date(2025, 6, 1))
    assert "U4" not in check(on_time, s).rule_ids("U-1")
    late = edit_process(ps, "U-1", ministry_informed_on=date(2025, 6, 2))
    report = check(late, s)
    assert "U4" in report.rule_ids("U-1", severity="warning")
    assert report.passed("U-1")


def test_dates_after_as_of_or_before_the_verdeelbesluit_are_errors():
    s, ps = base_case()
    assert "U2" in check(edit_process(ps, "U-1", signed_on=date(2025, 3, 1)), s).rule_ids(
        "U-1", severity="error")
    assert "U2" in check(edit_process(ps, "U-1", signed_on=date(2024, 11, 1)), s).rule_ids(
        "U-1", severity="error")


def test_p7_per_ommegaande_is_a_labelled_signal_not_a_number_of_days_in_law():
    """The note names no number of days: a long wait is a warning that names the setting."""
    signal = process_settings().ministry_signal_days
    assert signal.value == STRATEGY_DAYS
    assert "geen wettelijke termijn" in signal.label
    s, ps = base_case(as_of=date(2025, 1, 15))
    signed = {"signed_on": date(2025, 1, 10), "ministry_informed_on": None}
    report = check(edit_process(ps, "P-1", **signed), s)
    assert "P7" in report.rule_ids("P-1", severity="open")
    assert report.passed("P-1")
    open_step = next(f for f in report.findings_for("P-1") if f.rule_id == "P7")
    assert "per ommegaande" in open_step.message_nl
    assert not re.search(r"\d+ dagen", open_step.message_nl)  # no gloss as a number of days
    s2, ps2 = base_case(as_of=date(2025, 1, 30))
    missing = check(edit_process(ps2, "P-1", **signed), s2)
    assert "P7" in missing.rule_ids("P-1", severity="warning")
    assert missing.passed("P-1")
    slow = edit_process(ps2, "P-1", signed_on=date(2025, 1, 10), ministry_informed_on=date(2025, 1, 18))
    late = next(f for f in check(slow, s2).findings_for("P-1") if f.rule_id == "P7")
    assert late.severity == "warning"
    assert "geen wettelijke termijn" in late.message_nl
    quick = edit_process(ps2, "P-1", signed_on=date(2025, 1, 10), ministry_informed_on=date(2025, 1, 17))
    assert "P7" not in check(quick, s2).rule_ids("P-1")


# ---- input the checker refuses -------------------------------------------------------------------
def test_duplicate_ids_and_wrong_scenario_are_refused():
    s, ps = base_case()
    with pytest.raises(ProposalInputError, match="more than once"):
        check(add(ps, get(ps, "U-1")), s)
    with pytest.raises(ProposalInputError, match="made for scenario"):
        check(ps.model_copy(update={"scenario": "other"}), s)
    with pytest.raises(ProposalInputError, match="other data"):
        check(ps.model_copy(update={"scenario_hash": "0" * 64}), s)


def test_passed_refuses_an_unknown_id():
    s, ps = base_case()
    with pytest.raises(KeyError):
        check(ps, s).passed("nope")


def test_nl2025_hand_made_swap_passes(nl2025):
    """A swap on the bundled scenario built from its own data: Groningen's extra relieves NB."""
    norm = nl2025.norms.regulier.min_size
    # D2: a relief of at least 10 that leaves no non-viable residue
    sink = next(m for m in nl2025.municipalities_in("NB") if m.restopgave.regulier >= 10
                and m.verdeelbesluit.regulier - m.restopgave.regulier >= norm)
    places = sink.restopgave.regulier
    src = next(m for m in nl2025.municipalities_in("GR") if m.extra.regulier >= places)
    from herverdeling.proposals import SurplusSwap

    swap = SurplusSwap(
        id="NL-1", source_province="GR", sink_province="NB",
        transfers=(Transfer(from_code=sink.cbs_code, to_code=src.cbs_code, category="regulier",
                            places=places),),
        parties=(Party(kind="gemeente", code=sink.cbs_code, name=sink.name),
                 Party(kind="gemeente", code=src.cbs_code, name=src.name),
                 Party(kind="provincie", code="GR", name="Groningen"),
                 Party(kind="provincie", code="NB", name="Noord-Brabant")),
        coordinators=(Party(kind="provincie", code="GR", name="CdK Groningen"),
                      Party(kind="provincie", code="NB", name="CdK Noord-Brabant")),
        counter_performance=(CounterPerformance(kind="none"),), failure_clause="Overleg.",
    )
    u = Uitruil(id="NL-2", province="NB", transfers=(), parties=())
    ps = ProposalSet(scenario=nl2025.name, scenario_hash=nl2025.content_hash(), as_of=date(2025, 1, 15),
                     proposals=(swap, u))
    report = check(ps, nl2025)
    assert report.passed("NL-1")
    assert {f.severity for f in report.findings_for("NL-1")} == {"open"}
    assert "G5" in report.rule_ids("NL-2", severity="error")  # no places, no counter-performance


def test_u8_outflow_places_are_a_way_to_meet_the_task_not_a_counter_performance():
    """Note, "De verdeelbesluiten" 1: places for the outflow of statushouders are brought in at the
    PRT to meet the task ("net zoals eerder"); taking over a statushouders task is a counter-
    performance (section 1)."""
    s, ps = base_case()
    outflow = edit(ps, "U-1", counter_performance=(CounterPerformance(
        kind="other", by_code="GM0302", to_code="GM0301",
        description="GM0302 brengt 20 plekken in voor de uitstroom van statushouders"),))
    report = check(outflow, s)
    u8 = [f for f in report.findings_for("U-1") if f.rule_id == "U8"]
    assert [f.severity for f in u8] == ["warning"]
    assert "manier om aan de eigen taak te voldoen" in u8[0].message_nl
    assert "U8" not in check(ps, s).rule_ids("U-1")  # the base case's takeover is fine
    assert "huisvesting statushouders" in CATALOGUE["U8"].title_nl
