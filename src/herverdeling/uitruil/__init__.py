"""Stage: uitruil within a province (informatiebericht section 1, rules U1-U8).

One public entry point, `propose_uitruil(scenario) -> UitruilResult`: per province it matches the
places municipalities ask to hand over with the places others offer to realise, against a
counter-performance (statushouders or Ukrainian reception taken over), and reports every request
that finds no willing partner with the reason. With `max_cycle_length: 3` it also proposes
three-municipality cycles that chain counter-performances of different kinds (semantics in
`herverdeling.uitruil.model`); each cycle is one Uitruil proposal with three parties.
"""

from __future__ import annotations

from herverdeling import drafting
from herverdeling.commitments import Commitments
from herverdeling.proposals import Transfer, Uitruil
from herverdeling.scenario.model import CATEGORIES, Category, Municipality, Scenario
from herverdeling.uitruil.model import Cycle, Instance, Solution, build_instance, solve
from herverdeling.uitruil.result import UitruilResult, Unmatched, UnmatchedReason
from herverdeling.uitruil.settings import UitruilSettings, load_uitruil_settings

__all__ = [
    "UitruilResult",
    "UitruilSettings",
    "Unmatched",
    "load_uitruil_settings",
    "propose_uitruil",
]

def propose_uitruil(
    scenario: Scenario,
    settings: UitruilSettings | None = None,
    *,
    province: str | None = None,
    commitments: Commitments | None = None,
) -> UitruilResult:
    """Uitruil proposals for every province (or one), with solve info and unmatched requests.

    `commitments`: what earlier stages already relieve, merge or host; requests are capped at
    what is left of the task (G3) and the rest is reported.
    """
    commitments = commitments or Commitments()
    settings = settings or load_uitruil_settings()
    codes = [scenario.province(province).code] if province else [p.code for p in scenario.provinces]
    proposals: list[Uitruil] = []
    infos = []
    unmatched: list[Unmatched] = []
    for code in codes:
        instance = build_instance(scenario, code, settings, commitments)
        solution = solve(instance, settings) if instance.pairs or instance.cycles else Solution()
        if solution.info is not None:
            infos.append(solution.info)
        proposals.extend(_proposals(scenario, instance, solution))
        unmatched.extend(_unmatched(scenario, code, instance, solution, settings, commitments))
    return UitruilResult(scenario=scenario.name, settings_id=settings.id, provinces=tuple(codes),
                         proposals=tuple(proposals), solve_info=tuple(infos),
                         unmatched=tuple(unmatched))


def _proposals(scenario: Scenario, instance: Instance, solution: Solution) -> list[Uitruil]:
    out = []
    used = sorted({(i, j) for i, j, _ in solution.places})
    pairs = {(p.requester, p.realiser): p for p in instance.pairs}
    for n, (i, j) in enumerate(used, start=1):
        pair = pairs[(i, j)]
        transfers = tuple(
            Transfer(from_code=i, to_code=j, category=c, places=solution.places[(i, j, c)],
                     distance_km=pair.distance_km)
            for c in CATEGORIES if solution.places.get((i, j, c), 0) > 0
        )
        out.append(drafting.uitruil_pair(
            scenario, id=f"uitruil-{instance.province}-{n:03d}", province=instance.province,
            requester=i, realiser=j, transfers=transfers, kind=pair.kind,
            amount=solution.counter.get((i, j), 0)))
    cycles = {t.key: t for t in instance.cycles}
    for n, key in enumerate(sorted(solution.cycle_counter), start=len(out) + 1):
        out.append(_cycle_proposal(scenario, instance.province, n, cycles[key], solution))
    return out


def _cycle_proposal(scenario: Scenario, province: str, n: int, t: Cycle,
                    solution: Solution) -> Uitruil:
    """One three-cycle as one agreement: the places B -> A, and the two counter-performances."""
    transfers = tuple(
        Transfer(from_code=t.requester, to_code=t.realiser, category=c,
                 places=solution.cycle_places[(*t.key, c)], distance_km=t.distance_km)
        for c in CATEGORIES if solution.cycle_places.get((*t.key, c), 0) > 0
    )
    return drafting.uitruil_cycle(scenario, id=f"uitruil-{province}-{n:03d}", province=province,
                                  requester=t.requester, realiser=t.realiser, third=t.third,
                                  transfers=transfers, kinds=(t.kind, t.third_kind),
                                  amounts=solution.cycle_counter[t.key])


def _unmatched(scenario: Scenario, province: str, instance: Instance, solution: Solution,
               settings: UitruilSettings,
               commitments: Commitments) -> list[Unmatched]:
    out = []
    status = solution.info.status if solution.info is not None else "OPTIMAL"
    cyclable: set[tuple[str, Category]] | None = None  # (requester, category) some cycle could serve
    for m in sorted(scenario.municipalities_in(province), key=lambda m: m.cbs_code):
        for c in CATEGORIES:
            asked = m.uitruil.request.get(c)
            if asked == 0:
                continue
            task = m.verdeelbesluit.get(c)
            if asked > task:
                out.append(_entry(m, c, asked - task, "above_task",
                                  f"asks to hand over {asked} {c} places but its verdeelbesluit "
                                  f"task is {task}"))
            done = commitments.of(m.cbs_code, c).committed
            free = max(0, task - done)
            if done and min(asked, task) > free:
                out.append(_entry(m, c, min(asked, task) - free, "committed_elsewhere",
                                  f"{done} of its {task} {c} places are already relieved by a "
                                  "surplus swap or merged; only the rest can be handed over"))
            left = min(asked, free) - solution.handed_over(m.cbs_code, c)
            if left > 0:
                if cyclable is None:
                    cyclable = _cyclable(scenario, province, instance, settings, commitments)
                code, text = _reason(scenario, settings, m, c, status, (m.cbs_code, c) in cyclable)
                out.append(_entry(m, c, left, code, text))
    return out


def _cyclable(scenario: Scenario, province: str, instance: Instance, settings: UitruilSettings,
              commitments: Commitments) -> set[tuple[str, Category]]:
    """Requests a three-cycle could serve: the model's cycles, or (pairs only) those it would have."""
    cycles = instance.cycles
    if settings.max_cycle_length < 3:
        wider = settings.model_copy(update={"max_cycle_length": 3})
        cycles = build_instance(scenario, province, wider, commitments).cycles
    return {(t.requester, c) for t in cycles for c in t.categories}


def _entry(m: Municipality, c: Category, places: int, code: UnmatchedReason, text: str) -> Unmatched:
    return Unmatched(cbs_code=m.cbs_code, name=m.name, province=m.province, category=c,
                     places=places, reason_code=code, reason=text)


def _reason(scenario: Scenario, settings: UitruilSettings, m: Municipality, c: Category, status: str,
            cyclable: bool) -> tuple[UnmatchedReason, str]:
    """Why (the rest of) a request found no partner, most basic cause first."""
    kind = m.uitruil.offers_in_return
    if kind == "none":
        return "no_counter_performance", ("offers no counter-performance (offers_in_return is "
                                          "'none'); an uitruil needs statushouders or oekrainers")
    offering = [o for o in scenario.municipalities_in(m.province)
                if o.cbs_code != m.cbs_code and o.uitruil.offer.get(c) > 0 and o.may_host]
    if not offering:
        return "no_offer", (f"no other municipality in {m.province} that may host a location offers "
                            f"{c} places")
    limit = settings.max_distance_km
    near = [o for o in offering
            if limit is None or round(scenario.distance_km(m.cbs_code, o.cbs_code), 1) <= limit]
    if not near:
        return "beyond_distance", (f"every municipality offering {c} places in {m.province} is "
                                   f"more than {limit:g} km away")
    pair_possible = any(o.uitruil.counter_capacity(kind) > 0 for o in near)
    if not pair_possible and not (cyclable and settings.max_cycle_length >= 3):
        text = (f"no municipality offering {c} places within reach has a {kind} task that could be "
                "taken over in return")
        if settings.max_cycle_length >= 3:
            text += ", and no third municipality within reach closes a three-cycle"
        elif cyclable:
            text += ("; a three-municipality cycle (kringruil) could match it: set "
                     "max_cycle_length: 3 in the uitruil settings")
        return "counter_performance_not_wanted", text
    if status != "OPTIMAL":
        return "not_proven", (f"the solver stopped ({status}) before proving that no more could be "
                              "matched")
    return "capacity", ("willing partners' offers, counter-performance room or the limits "
                        f"(max {settings.max_partners} partners, min {settings.min_transfer_places} "
                        "places a pair) are used up by the best matching")
