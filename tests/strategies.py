"""Hypothesis strategies: tiny scenarios and proposal sets built to respect every rule.

`valid_cases()` draws a (Scenario, ProposalSet) pair: a plusprovincie PA (municipalities with extra
places), a restopgave province RB and an ordinary province NC, and at least one surplus swap, one
merger and one uitruil (when `min_each=1`), with budgets tracked so that nothing is handed over,
relieved or promised twice. Process states are drafts or signed agreements dated between the
verdeelbesluit and the as-of date. Other engineers may reuse these for their own properties.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from herverdeling.deal_rules import NOTE_ONLY
from herverdeling.proposals import (
    CounterPerformance,
    Merger,
    Party,
    ProcessState,
    ProposalSet,
    SurplusSwap,
    Transfer,
    Uitruil,
)
from herverdeling.scenario.model import CATEGORIES, Category, Scenario
from tests.factories import municipality, scenario

VB_DATE = date(2024, 12, 20)
DEADLINE = date(2025, 6, 1)
SIGNAL_DAYS = 7  # mirrors models/process/default.yaml, ministry_signal_days

small = st.integers(min_value=0, max_value=40)


@st.composite
def tiny_scenarios(draw: st.DrawFn) -> Scenario:
    """PA (plusprovincie), RB (restopgave), NC (neither); small whole tasks; codes GM0101..."""
    munis = []
    code = 101
    for prov, n_min, n_max in (("PA", 2, 3), ("RB", 3, 5), ("NC", 2, 3)):
        for i in range(draw(st.integers(n_min, n_max))):
            vb = (draw(st.integers(1 if i == 0 else 0, 80)), draw(st.integers(0, 12)))
            extra = rest = (0, 0)
            if prov == "PA":
                extra = (draw(st.integers(1 if i == 0 else 0, vb[0])), draw(st.integers(0, vb[1])))
            if prov == "RB":
                rest = (draw(st.integers(1 if i == 0 else 0, vb[0])), draw(st.integers(0, vb[1])))
            munis.append(municipality(code, prov, vb=vb, extra=extra, rest=rest,
                                      lat=52.0 + 0.01 * code, lon=5.0))
            code += 1
    as_of = draw(st.dates(min_value=date(2025, 1, 2), max_value=date(2025, 5, 31)))
    cap = draw(st.sampled_from(["restopgave", "task"]))
    return scenario(munis, name="tiny", as_of=as_of, relief_cap=cap)


def _gemeenten(s: Scenario, codes: list[str], roles: dict[str, str]) -> tuple[Party, ...]:
    return tuple(Party(kind="gemeente", code=c, name=s.municipality(c).name, role=roles.get(c, ""))
                 for c in dict.fromkeys(codes))


@st.composite
def _process(draw: st.DrawFn, s: Scenario, *, swap: bool) -> ProcessState:
    as_of = s.round.as_of
    if draw(st.booleans()):
        return ProcessState(status="draft")
    signed = draw(st.dates(min_value=VB_DATE, max_value=as_of))
    prt = draw(st.none() | st.dates(min_value=signed, max_value=as_of))
    if swap:  # P7: immediately after signing; always recorded when the week has passed
        latest = min(as_of, signed + timedelta(days=SIGNAL_DAYS))
        ministry = draw(st.dates(min_value=signed, max_value=latest))
    else:
        ministry = draw(st.none() | st.dates(min_value=signed, max_value=as_of))
    return ProcessState(status="signed", signed_on=signed, prt_informed_on=prt,
                        ministry_informed_on=ministry)


@st.composite
def _counter(draw: st.DrawFn, giver: str, realiser: str, *, kind: str,
             process: ProcessState) -> tuple[CounterPerformance, ...]:
    options = ["none", "other"]
    if kind == "uitruil":
        options += ["statushouders", "oekrainers"]
    if kind == "merger":
        options.append("spuk")
    if process.status == "draft":
        options.append("to_agree")
    choice = draw(st.sampled_from(options))
    if choice in ("statushouders", "oekrainers"):
        return (CounterPerformance(kind=choice, by_code=giver, to_code=realiser,
                                   amount=draw(st.integers(0, 20)), description="neemt over"),)
    if choice == "spuk":  # the host passes part of its SPUK on (S3: it may spend it freely)
        return (CounterPerformance(kind="spuk", by_code=realiser, to_code=giver,
                                   description="deel van de SPUK"),)
    return (CounterPerformance(kind=choice, description="" if choice != "other" else "afspraak"),)


@st.composite
def valid_cases(draw: st.DrawFn, min_each: int = 1) -> tuple[Scenario, ProposalSet]:
    s = draw(tiny_scenarios())
    budget: dict[tuple[str, Category], int] = {
        (m.cbs_code, c): m.verdeelbesluit.get(c) for m in s.municipalities for c in CATEGORIES}
    relief_left = {(m.cbs_code, c): s.relief_cap(m, c) for m in s.municipalities for c in CATEGORIES}
    extra_left = {(m.cbs_code, c): m.extra.get(c) for m in s.municipalities for c in CATEGORIES}
    clause = st.none() | st.just("Lukt het niet tijdig, dan overleggen partijen binnen een maand.")
    proposals: list = []

    # surplus swaps PA -> RB
    for n in range(draw(st.integers(min_each, 2))):
        pairs = [(r.cbs_code, src.cbs_code, c) for c in CATEGORIES
                 for r in s.municipalities_in("RB") for src in s.municipalities_in("PA")
                 if min(budget[(r.cbs_code, c)], relief_left[(r.cbs_code, c)]) > 0
                 and extra_left[(src.cbs_code, c)] > 0]
        if not pairs:
            break
        chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=2, unique=True))
        transfers = []
        for r, src, c in chosen:
            room = min(budget[(r, c)], relief_left[(r, c)], extra_left[(src, c)])
            if room <= 0:
                continue
            k = draw(st.integers(1, room))
            budget[(r, c)] -= k
            relief_left[(r, c)] -= k
            extra_left[(src, c)] -= k
            transfers.append(Transfer(from_code=r, to_code=src, category=c, places=k))
        proc = draw(_process(s, swap=True))
        codes = [t.from_code for t in transfers] + [t.to_code for t in transfers]
        provinces = tuple(Party(kind="provincie", code=pc, name=f"Provincie {pc}", role=role)
                          for pc, role in (("PA", "bron"), ("RB", "ontvanger")))
        proposals.append(SurplusSwap(
            id=f"P-{n + 1}", transfers=tuple(transfers), source_province="PA", sink_province="RB",
            parties=_gemeenten(s, codes, {t.from_code: "ontlast" for t in transfers}) + provinces,
            coordinators=tuple(Party(kind="provincie", code=pc, name=f"CdK {pc}",
                                     role="commissaris van de Koning") for pc in ("PA", "RB")),
            counter_performance=draw(_counter(transfers[0].from_code, transfers[0].to_code,
                                              kind="surplus_swap", process=proc)),
            failure_clause=draw(clause), process=proc,
        ))

    # mergers: members merge their whole remaining task at a host of the same province
    for n in range(draw(st.integers(min_each, 2))):
        options = []
        for prov in ("RB", "NC", "PA"):
            for c in CATEGORIES:
                ms = s.municipalities_in(prov)
                for host in ms:
                    members = [m.cbs_code for m in ms if m.cbs_code != host.cbs_code
                               and budget[(m.cbs_code, c)] > 0]
                    if members:
                        options.append((prov, c, host.cbs_code, members))
        if not options:
            break
        prov, c, host, members = draw(st.sampled_from(options))
        chosen = draw(st.lists(st.sampled_from(members), min_size=1, max_size=2, unique=True))
        transfers = []
        for m in chosen:
            transfers.append(Transfer(from_code=m, to_code=host, category=c, places=budget[(m, c)],
                                      distance_km=round(s.distance_km(m, host), 3)))
            budget[(m, c)] = 0
        own = s.municipality(host).verdeelbesluit.get(c)
        proc = draw(_process(s, swap=False))
        proposals.append(Merger(
            id=f"M-{n + 1}", transfers=tuple(transfers), province=prov, category=c, host_code=host,
            host_own_places=own, location_size=own + sum(t.places for t in transfers),
            parties=_gemeenten(s, [host, *chosen], {host: "gastgemeente"}),
            counter_performance=draw(_counter(chosen[0], host, kind="merger", process=proc)),
            failure_clause=draw(clause), process=proc,
        ))

    # uitruil within one province
    for n in range(draw(st.integers(min_each, 2))):
        options = [(m.province, m.cbs_code, o.cbs_code, c) for m in s.municipalities for c in CATEGORIES
                   if budget[(m.cbs_code, c)] > 0
                   for o in s.municipalities_in(m.province) if o.cbs_code != m.cbs_code]
        if not options:
            break
        prov, giver, realiser, c = draw(st.sampled_from(options))
        k = draw(st.integers(1, budget[(giver, c)]))
        budget[(giver, c)] -= k
        proc = draw(_process(s, swap=False))
        proposals.append(Uitruil(
            id=f"U-{n + 1}", province=prov,
            transfers=(Transfer(from_code=giver, to_code=realiser, category=c, places=k),),
            parties=_gemeenten(s, [giver, realiser], {giver: "draagt over", realiser: "realiseert"}),
            counter_performance=draw(_counter(giver, realiser, kind="uitruil", process=proc)),
            failure_clause=draw(clause), process=proc,
        ))

    # S4: a host's own places are what is left of its task after everything it hands over or is
    # relieved of (the budget), known only once all proposals are drawn.
    for i, p in enumerate(proposals):
        if isinstance(p, Merger):
            own = budget[(p.host_code, p.category)]
            proposals[i] = p.model_copy(update={
                "host_own_places": own, "location_size": own + sum(t.places for t in p.transfers)})
    # random sets meet the note's rules (G, U, S, P); the deal-quality rules D1-D4 have their own tests
    ps = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                     deal_rules=NOTE_ONLY,
                     proposals=tuple(proposals))
    return s, ps


def base_case(as_of: date = date(2025, 1, 15),
              relief_cap: str = "restopgave") -> tuple[Scenario, ProposalSet]:
    """A hand-made valid set with one of each kind and no finding at all (every step done).

    PA: GM0101 vb 100/10 extra 30/4, GM0102 vb 60/5 extra 10/0 (surplus 40 regulier, 4 amv).
    RB: GM0201 vb 80/6 rest 20/3, GM0202 vb 60/2 rest 10/0, GM0203 vb 12/1, GM0204 vb 80/8 rest 5/0.
    NC: GM0301 vb 70/7, GM0302 vb 20/2, GM0303 vb 5/1 (may not host).
    """
    s = scenario([
        municipality(101, "PA", vb=(100, 10), extra=(30, 4)),
        municipality(102, "PA", vb=(60, 5), extra=(10, 0)),
        municipality(201, "RB", vb=(80, 6), rest=(20, 3)),
        municipality(202, "RB", vb=(60, 2), rest=(10, 0)),
        municipality(203, "RB", vb=(12, 1)),
        municipality(204, "RB", vb=(80, 8), rest=(5, 0)),
        municipality(301, "NC", vb=(70, 7)),
        municipality(302, "NC", vb=(20, 2)),
        municipality(303, "NC", vb=(5, 1), may_host=False),
    ], name="base", as_of=as_of, relief_cap=relief_cap)
    done = ProcessState(status="signed", signed_on=date(2025, 1, 10), prt_informed_on=date(2025, 1, 11),
                        ministry_informed_on=date(2025, 1, 12))
    clause = "Lukt het niet tijdig, dan overleggen partijen binnen een maand."
    swap = SurplusSwap(
        id="P-1", source_province="PA", sink_province="RB",
        transfers=(Transfer(from_code="GM0201", to_code="GM0101", category="regulier", places=15),
                   Transfer(from_code="GM0202", to_code="GM0102", category="regulier", places=10)),
        parties=(*_gemeenten(s, ["GM0201", "GM0202", "GM0101", "GM0102"], {}),
                 Party(kind="provincie", code="PA", name="Provincie PA"),
                 Party(kind="provincie", code="RB", name="Provincie RB")),
        coordinators=(Party(kind="provincie", code="PA", name="CdK PA"),
                      Party(kind="provincie", code="RB", name="CdK RB")),
        counter_performance=(CounterPerformance(kind="none"),), failure_clause=clause, process=done,
    )
    merger = Merger(
        id="M-1", province="RB", category="regulier", host_code="GM0204", host_own_places=80,
        location_size=92,
        transfers=(Transfer(from_code="GM0203", to_code="GM0204", category="regulier", places=12),),
        parties=_gemeenten(s, ["GM0204", "GM0203"], {}),
        counter_performance=(CounterPerformance(kind="spuk", by_code="GM0204", to_code="GM0203"),),
        failure_clause=clause, process=done,
    )
    uitruil = Uitruil(
        id="U-1", province="NC",
        transfers=(Transfer(from_code="GM0302", to_code="GM0301", category="regulier", places=20),),
        parties=_gemeenten(s, ["GM0302", "GM0301"], {}),
        counter_performance=(CounterPerformance(kind="statushouders", by_code="GM0302", to_code="GM0301",
                                                amount=5),),
        failure_clause=clause, process=done,
    )
    ps = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=as_of,
                     proposals=(swap, merger, uitruil))
    return s, ps
