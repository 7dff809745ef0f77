"""The end-to-end run: scenario -> proposals -> findings -> documents, in that order only.

Each stage is called through its one public entry point; the checker gets the proposals without
knowing which solver made them. `propose` writes everything into a temporary folder that is moved
into place only when complete.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from herverdeling import __version__
from herverdeling.commitments import commitments_of
from herverdeling.deal_rules import NOTE_ONLY, DealRules
from herverdeling.defaults import DEFAULT_FRONTIER, DEFAULT_POLICY, DEFAULT_SURPLUS_MODEL
from herverdeling.dutch import STATUS_NL, getal
from herverdeling.proposals import AnyProposal, ProposalSet, RegisterState, SolveInfo, SurplusSwap
from herverdeling.run import Progress, RunResult, RunSettings, StageTiming
from herverdeling.run import quiet as _quiet
from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import Scenario

if TYPE_CHECKING:
    from herverdeling.surplus.deals.frontier import Frontier
    from herverdeling.surplus.deals.result import DealResult
    from herverdeling.surplus.deals.settings import DealPins

_DEALS: OrderedDict[str, DealResult] = OrderedDict()
_DEALS_LOCK = threading.Lock()


def _deal_stage(scenario: Scenario, preset: str,
                progress: Progress = _quiet) -> tuple[tuple[SurplusSwap, ...], tuple[SolveInfo, ...],
                                                      DealRules]:
    """The deal model's swaps, solve info and D rules.

    It is deterministic and takes tens of seconds on nl-2025, so one solve per (what the deal model
    sees of the scenario, preset, pins: `deal_key`) serves the explorer's provinces, repeated views
    and what-ifs that change only the hosts: 8 kept in the process, and every one in the user's
    cache folder (`deals.cache`) for the next run; the swaps are drafted for this scenario each time.
    """
    from herverdeling.surplus.deals import cache as deal_cache
    from herverdeling.surplus.deals import load_deal_settings, solve_deals
    from herverdeling.surplus.deals.proposals import deal_swaps, pins_of, rules_of
    from herverdeling.surplus.deals.solve import build_instances, deal_key

    st = load_deal_settings(preset)
    pins = pins_of(scenario)
    instances = build_instances(scenario, st, pins)  # built once: for the key and for the solve
    key = deal_key(instances, st, pins)
    with _DEALS_LOCK:
        result = _DEALS.get(key)
    if result is None:
        result = deal_cache.load(key)
        if result is None:
            result = solve_deals(scenario, st, pins, instances=instances, progress=progress)
            deal_cache.save(key, result)
        with _DEALS_LOCK:
            _DEALS[key] = result
            while len(_DEALS) > 8:
                _DEALS.popitem(last=False)
    return deal_swaps(scenario, result), result.solve_info, rules_of(st)


_FRONTIERS: OrderedDict[str, Frontier] = OrderedDict()


def _frontier_key(scenario: Scenario, name: str, pins: DealPins) -> str:
    """What a deal frontier depends on: the scenario's content, the frontier settings and the
    deal preset they name (their contents, not their names: an edited YAML solves again), the pins."""
    from herverdeling.surplus.deals import load_deal_settings
    from herverdeling.surplus.deals.frontier import load_frontier_settings

    fs = load_frontier_settings(name)
    return "|".join(("frontier", scenario.content_hash(), fs.model_dump_json(),
                     load_deal_settings(fs.deals).model_dump_json(), pins.model_dump_json()))


def _deal_frontier(scenario: Scenario, name: str, progress: Progress) -> Frontier:
    """The deal frontier (not yet through the chain), one solve per (scenario content, settings) in
    a process (4 kept) and on disk (deals.cache): `frontier` and `propose --frontier-point` number
    the same points, and the second does not solve them again."""
    from herverdeling.surplus.deals import cache as deal_cache
    from herverdeling.surplus.deals.frontier import Frontier, deal_frontier
    from herverdeling.surplus.deals.proposals import pins_of

    pins = pins_of(scenario)
    key = _frontier_key(scenario, name, pins)
    with _DEALS_LOCK:
        if key in _FRONTIERS:
            return _FRONTIERS[key]
    value = deal_cache.load(key, Frontier)
    if value is None:
        value = deal_frontier(scenario, name, pins, progress=progress)
        deal_cache.save(key, value)
    with _DEALS_LOCK:
        _FRONTIERS[key] = value
        while len(_FRONTIERS) > 4:
            _FRONTIERS.popitem(last=False)
    return value


def _point_stage(scenario: Scenario, settings: RunSettings, result: DealResult | None,
                 progress: Progress) -> tuple[tuple[SurplusSwap, ...], tuple[SolveInfo, ...], DealRules]:
    """The swaps of a given deal result, or of the settings' frontier point, judged by the D rules
    of the deal preset the frontier was made with."""
    from herverdeling.errors import FrontierPointError
    from herverdeling.surplus.deals import load_deal_settings
    from herverdeling.surplus.deals.frontier import load_frontier_settings
    from herverdeling.surplus.deals.proposals import deal_swaps, rules_of

    if result is None:
        k = settings.frontier_point
        assert k is not None
        if k < 1:
            raise FrontierPointError(f"frontier point {k} does not exist: points are numbered from 1")
        if load_frontier_settings(settings.frontier).deals != settings.deals:
            raise FrontierPointError(f"frontier {settings.frontier!r} is made with deal preset "
                                     f"{load_frontier_settings(settings.frontier).deals!r}, not "
                                     f"{settings.deals!r}")
        result = _deal_frontier(scenario, settings.frontier, progress).point(k).deals
    return deal_swaps(scenario, result), result.solve_info, rules_of(load_deal_settings(settings.deals))


def run_chain(scenario: Scenario, settings: RunSettings, *, province: str | None = None,
              progress: Progress = _quiet, register: RegisterState | None = None,
              deal_result: DealResult | None = None) -> RunResult:
    """The one chain: surplus swaps, mergers, uitruil, then the checker, for given settings.

    Every front end calls this (propose, the explorer, sweeps, the bench suite). `province`
    limits the mergers to the scopes that contain it and the uitruil to it; the surplus swaps are
    national (P2 caps are shared by all provinces) and so is the check of set-level rules, so the
    proposals and findings that touch the province are exactly those of a national run.
    `register`: the agreement register's snapshot; the proposals carry its states and dates, and
    the process rules judge them (without it every agreement is a concept).
    `deal_result`: the deal model's result to draft the surplus swaps from (a frontier point),
    instead of solving the settings' preset or frontier point.
    """
    from herverdeling.checker import check
    from herverdeling.checker.check import with_register
    from herverdeling.mergers import load_merger_settings, propose_mergers
    from herverdeling.surplus import propose_surplus_swaps
    from herverdeling.uitruil import load_uitruil_settings, propose_uitruil

    if province is not None:
        province = scenario.province(province).code
    timings: list[StageTiming] = []
    infos: list[SolveInfo] = []
    notes: list[str] = []
    where = f" ({province})" if province else ""

    start = time.perf_counter()
    if settings.surplus_model == "deals" and (deal_result is not None or settings.frontier_point is not None):
        what = "gegeven" if deal_result is not None else f"afweging {settings.frontier_point}"
        progress(f"[1/4] surplus-uitruil berekenen, dealmodel ({settings.deals}, {what}) …")
        swap_proposals, swap_infos, deal_rules = _point_stage(scenario, settings, deal_result, progress)
    elif settings.surplus_model == "deals":
        progress(f"[1/4] surplus-uitruil berekenen, dealmodel ({settings.deals}) …")
        swap_proposals, swap_infos, deal_rules = _deal_stage(scenario, settings.deals, progress)
    else:
        progress(f"[1/4] surplus-uitruil berekenen (verdeelbeleid {settings.policy}) …")
        flow = propose_surplus_swaps(scenario, settings.policy)
        swap_proposals, swap_infos, deal_rules = flow.proposals, flow.solve_info, NOTE_ONLY
    infos += swap_infos
    exclusive = deal_rules.enforce  # D3 holds by construction where the checker enforces it
    timings.append(StageTiming(stage="surplus", seconds=time.perf_counter() - start))
    relieved = sum(int(t.places) for s in swap_proposals for t in s.transfers)
    sizes = [len(s.parties) for s in swap_proposals]
    progress(f"      {len(swap_proposals)} surplus-uitruilen, {getal(relieved)} plekken ontlast, "
             f"{getal(sum(sizes))} partijen (hoogstens {max(sizes, default=0)} per overeenkomst) "
             f"({getal(timings[-1].seconds, 1)} s)")

    start = time.perf_counter()
    progress(f"[2/4] samenvoegingen van kleine taken berekenen{where} …")
    msettings = load_merger_settings(settings.merger_objective, settings.solver,
                                     cross_border=settings.cross_border)
    mergers = propose_mergers(scenario, msettings, province=province,
                              commitments=commitments_of(swap_proposals, exclusive_roles=exclusive))
    infos += mergers.solve_info()
    timings.append(StageTiming(stage="mergers", seconds=time.perf_counter() - start))
    progress(f"      {len(mergers.mergers)} samenvoegingen, {len(mergers.surplus_swaps)} over de "
             f"provinciegrens, {STATUS_NL.get(mergers.status, mergers.status)} "
             f"({getal(timings[-1].seconds, 1)} s)")

    start = time.perf_counter()
    progress(f"[3/4] uitruil binnen provincies berekenen{where} …")
    earlier: tuple[AnyProposal, ...] = (*swap_proposals, *mergers.surplus_swaps, *mergers.mergers)
    uitruil = propose_uitruil(scenario, load_uitruil_settings(settings.uitruil_settings),
                              province=province,
                              commitments=commitments_of(earlier, exclusive_roles=exclusive))
    infos += uitruil.solve_info
    timings.append(StageTiming(stage="uitruil", seconds=time.perf_counter() - start))
    progress(f"      {len(uitruil.proposals)} uitruilvoorstellen, {len(uitruil.unmatched)} verzoeken "
             f"niet gekoppeld ({getal(timings[-1].seconds, 1)} s)")
    notes += [f"uitruil: {u.name} ({u.cbs_code}) {u.places} {u.category} unmatched: {u.reason}"
              for u in uitruil.unmatched]

    proposals = ProposalSet(
        scenario=scenario.name,
        scenario_hash=scenario.content_hash(),
        as_of=scenario.round.as_of,
        proposals=(*earlier, *uitruil.proposals),
        solve_info=tuple(infos),
        notes=tuple(notes),
        deal_rules=deal_rules,
    )
    start = time.perf_counter()
    progress("[4/4] elk voorstel toetsen, regel voor regel …")
    if register is not None:
        proposals = with_register(proposals, register)
    report = check(proposals, scenario, register=register)
    timings.append(StageTiming(stage="checker", seconds=time.perf_counter() - start))
    progress(f"      {len(report.passed_ids())} zonder fout, {len(report.failed_ids())} met fouten, "
             f"{len(report.warnings)} waarschuwingen, {len(report.open_steps)} open stappen")
    return RunResult(settings=settings, proposals=proposals, report=report, province=province,
                     timings=tuple(timings), notes=tuple(notes))


def frontier(scenario: Scenario, name: str = DEFAULT_FRONTIER, *,
             progress: Progress = _quiet) -> Frontier:
    """The deal frontier with every point through the whole chain (mergers, uitruil, checker):
    each point is a complete proposal set, and says how many of its proposals passed."""
    from herverdeling.surplus.deals.frontier import load_frontier_settings

    fs = load_frontier_settings(name)
    progress(f"afwegingen ({fs.id}) voor {scenario.name}: {len(fs.candidates())} berekeningen bij "
             f"{len(fs.shares)} ondergrenzen van ontlasting …")
    deal = _deal_frontier(scenario, name, progress)
    points = []
    for p in deal.points:
        progress(f"afweging {p.point} van {len(deal.points)}: ontlasting {p.relief}, {p.agreements} "
                 f"overeenkomsten, {p.parties} partijen; de rest van de keten …")
        settings = RunSettings(scenario=scenario.name, surplus_model="deals", deals=deal.deals,
                               frontier=name, frontier_point=p.point)
        run = run_chain(scenario, settings, deal_result=p.deals)
        assert run.report is not None  # run_chain always checks
        points.append(p.model_copy(update={
            "proposals": len(run.report.proposal_ids), "passed": len(run.report.passed_ids()),
            "failed": len(run.report.failed_ids())}))
    return deal.model_copy(update={"points": tuple(points)})


def propose(
    scenario_name: str | Path | Scenario,
    out: Path,
    *,
    policy: str = DEFAULT_POLICY,
    deals: str | None = None,
    surplus_model: Literal["flow", "deals"] = DEFAULT_SURPLUS_MODEL,
    frontier_point: int | None = None,
    frontier_settings: str = DEFAULT_FRONTIER,
    force: bool = False,
    progress: Progress = _quiet,
    register: RegisterState | None = None,
) -> Path:
    """The whole job: solve, check, write. Returns the output folder.

    `scenario_name` is a bundled name, a folder, or a Scenario already in memory (e.g. one with
    changed norms or hosts from the explorer app). `surplus_model`: "deals" (the default; preset
    `deals` of models/deals/, default DEFAULT_DEALS) or "flow" (the min-cost flow of `policy`); a
    `deals` preset given makes it "deals". `frontier_point`:
    point K of the deal frontier (`frontier_settings`, numbered as `frontier` numbers them).
    `register`: the agreement register's snapshot the process rules judge (see `run_chain`).
    """
    from herverdeling.documents.writers import write_run
    from herverdeling.scenario.io import atomic_folder

    started = time.perf_counter()
    scenario = (scenario_name if isinstance(scenario_name, Scenario)
                else load_scenario(scenario_name))
    progress(f"scenario {scenario.name}: {len(scenario.municipalities)} gemeenten, "
             f"peildatum {scenario.round.as_of}")
    settings = RunSettings(scenario=scenario.name, policy=policy, surplus_model=surplus_model)
    if frontier_point is not None:
        from herverdeling.surplus.deals.frontier import load_frontier_settings

        base = load_frontier_settings(frontier_settings).deals
        settings = settings.model_copy(update={"surplus_model": "deals", "deals": deals or base,
                                               "frontier": frontier_settings,
                                               "frontier_point": frontier_point})
        if frontier_point < 1:  # before any solve: the numbering starts at 1
            from herverdeling.errors import FrontierPointError

            raise FrontierPointError(f"frontier point {frontier_point} does not exist: points are "
                                     "numbered from 1")
    elif deals is not None:
        settings = settings.model_copy(update={"surplus_model": "deals", "deals": deals})
    with atomic_folder(out, force=force) as tmp:
        result = run_chain(scenario, settings, progress=progress, register=register)
        assert result.report is not None  # run_chain always checks
        progress("documenten schrijven …")
        write_run(tmp, scenario, result, result.report, version=__version__, started=started,
                  progress=progress)
    progress(f"klaar in {getal(time.perf_counter() - started, 1)} s: {out}")
    return out
