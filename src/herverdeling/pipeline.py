"""The end-to-end run: scenario -> proposals -> findings -> documents, in that order only.

Each stage is called through its one public entry point; the checker gets the proposals without
knowing which solver made them. `propose` writes everything into a temporary folder that is moved
into place only when complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from herverdeling import __version__
from herverdeling.proposals import ProposalSet, SolveInfo, SurplusSwap, Transfer
from herverdeling.run import Progress, RunResult, RunSettings, StageTiming
from herverdeling.run import quiet as _quiet
from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import CATEGORIES, Category, Scenario


def _places_by(swaps: tuple[SurplusSwap, ...],
               key: Callable[[SurplusSwap, Transfer], str]) -> dict[tuple[str, Category], int]:
    out: dict[tuple[str, Category], int] = {}
    for s in swaps:
        for t in s.transfers:
            k = (key(s, t), t.category)
            out[k] = out.get(k, 0) + int(t.places)
    return out


def relief_of(swaps: tuple[SurplusSwap, ...]) -> dict[tuple[str, Category], int]:
    """Per (relieved municipality, category): places relieved by the surplus swaps."""
    return _places_by(swaps, lambda _, t: t.from_code)


def extra_used(swaps: tuple[SurplusSwap, ...]) -> dict[tuple[str, Category], int]:
    """Per (plusprovincie municipality, category): extra places the swaps already rely on."""
    return _places_by(swaps, lambda _, t: t.to_code)


def surplus_left(scenario: Scenario, swaps: tuple[SurplusSwap, ...]) -> dict[tuple[str, Category], int]:
    """Per (plusprovincie, category): its surplus minus what the swaps already promised (P2)."""
    used = _places_by(swaps, lambda s, _: s.source_province)
    return {
        (p, c): scenario.surplus(p).get(c) - used.get((p, c), 0)
        for p in scenario.plusprovincies()
        for c in CATEGORIES
    }


def run_solvers(scenario: Scenario, settings: RunSettings, progress: Progress = _quiet) -> RunResult:
    """Surplus swaps, then mergers on what is left, then uitruil; one ProposalSet."""
    from herverdeling.mergers import load_merger_settings, propose_mergers
    from herverdeling.surplus import propose_surplus_swaps
    from herverdeling.uitruil import load_uitruil_settings, propose_uitruil

    timings: list[StageTiming] = []
    infos: list[SolveInfo] = []
    notes: list[str] = []

    start = time.perf_counter()
    progress(f"[1/3] surplus swaps ({settings.policy}) ...")
    swaps = propose_surplus_swaps(scenario, settings.policy)
    infos += swaps.solve_info
    timings.append(StageTiming(stage="surplus", seconds=time.perf_counter() - start))
    relieved = sum(int(t.places) for s in swaps.proposals for t in s.transfers)
    progress(f"      {len(swaps.proposals)} surplus swaps, {relieved} places relieved "
             f"({timings[-1].seconds:.1f} s)")

    start = time.perf_counter()
    progress("[2/3] mergers of small tasks ...")
    msettings = load_merger_settings(settings.merger_objective, settings.solver,
                                     cross_border=settings.cross_border)
    mergers = propose_mergers(scenario, msettings, relief=relief_of(swaps.proposals),
                              surplus_left=surplus_left(scenario, swaps.proposals),
                              extra_used=extra_used(swaps.proposals))
    infos += mergers.solve_info()
    timings.append(StageTiming(stage="mergers", seconds=time.perf_counter() - start))
    progress(f"      {len(mergers.mergers)} mergers, {len(mergers.surplus_swaps)} cross-border "
             f"absorptions, status {mergers.status} ({timings[-1].seconds:.1f} s)")

    start = time.perf_counter()
    progress("[3/3] uitruil within provinces ...")
    committed = relief_of(swaps.proposals)
    for m in mergers.mergers:
        # members' places are merged away; the host's own places are part of the new location
        for key, places in [((t.from_code, t.category), int(t.places)) for t in m.transfers] + [
                ((m.host_code, m.category), int(m.host_own_places))]:
            committed[key] = committed.get(key, 0) + places
    uitruil = propose_uitruil(scenario, load_uitruil_settings(settings.uitruil_settings),
                              committed=committed)
    infos += uitruil.solve_info
    timings.append(StageTiming(stage="uitruil", seconds=time.perf_counter() - start))
    progress(f"      {len(uitruil.proposals)} uitruil proposals, {len(uitruil.unmatched)} requests "
             f"unmatched ({timings[-1].seconds:.1f} s)")
    notes += [f"uitruil: {u.name} ({u.cbs_code}) {u.places} {u.category} unmatched: {u.reason}"
              for u in uitruil.unmatched]

    proposals = ProposalSet(
        scenario=scenario.name,
        scenario_hash=scenario.content_hash(),
        as_of=scenario.round.as_of,
        proposals=(*swaps.proposals, *mergers.surplus_swaps, *mergers.mergers,
                   *uitruil.proposals),
        solve_info=tuple(infos),
        notes=tuple(notes),
    )
    return RunResult(settings=settings, proposals=proposals, timings=tuple(timings),
                     notes=tuple(notes))


def propose(
    scenario_name: str | Path | Scenario,
    out: Path,
    *,
    policy: str = "proportional",
    force: bool = False,
    progress: Progress = _quiet,
) -> Path:
    """The whole job: solve, check, write. Returns the output folder.

    `scenario_name` is a bundled name, a folder, or a Scenario already in memory (e.g. one with
    changed norms or hosts from the explorer app).
    """
    from herverdeling.checker import check
    from herverdeling.documents.writers import write_run
    from herverdeling.scenario.io import atomic_folder

    started = time.perf_counter()
    scenario = (scenario_name if isinstance(scenario_name, Scenario)
                else load_scenario(scenario_name))
    progress(f"scenario {scenario.name}: {len(scenario.municipalities)} municipalities, "
             f"as of {scenario.round.as_of}")
    settings = RunSettings(scenario=scenario.name, policy=policy)
    with atomic_folder(out, force=force) as tmp:
        result = run_solvers(scenario, settings, progress)
        start = time.perf_counter()
        progress("checking every proposal, rule by rule ...")
        report = check(result.proposals, scenario)
        check_time = StageTiming(stage="checker", seconds=time.perf_counter() - start)
        progress(f"      {len(report.passed_ids())} passed, {len(report.failed_ids())} with errors, "
                 f"{len(report.warnings)} warnings, {len(report.open_steps)} open steps")
        progress("writing documents ...")
        write_run(tmp, scenario, result, report, extra_timings=(check_time,),
                  version=__version__, started=started, progress=progress)
    progress(f"done in {time.perf_counter() - started:.1f} s: {out}")
    return out
