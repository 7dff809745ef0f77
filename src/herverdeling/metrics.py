"""Quality of a proposal set: how much it relieves, how fairly, with how many and how long agreements.

One entry point, `measure(scenario, proposals, report=None, timings=())`, reads any result (a
pipeline run, a hand-written proposals file) and returns a frozen `QualityMetrics`; `measure_run`
does the same for a `RunResult` and runs the checker itself. Nothing here calls a solver: the
figures are recomputed from the scenario and the proposals, so they can judge any solver.

Definitions (per category unless stated):
- relief possible = min(surplus of all plusprovincies (P1), sum of the relief caps (P11) of the
  municipalities of the restopgave provinces (P3)); relief achieved = places in all SurplusSwap
  transfers (the surplus stage's and the mergers' cross-border absorptions); surplus used is the
  same number against the surplus, since every relieved place is backed by one surplus place (P2).
- before / after: a municipality's task is its verdeelbesluit before, its IBT task (IBT ledger:
  amended task minus relief) after. A location is a (municipality, category) with a positive task;
  a task is small (non-viable) when 0 < task < the category's min_size (the scenario's norms).
- place-km = sum over transfers of places x km (the transfer's own distance, else great-circle).
- parties per agreement = the parties an agreement names (provinces and municipalities); where it
  names none, the distinct municipalities in its transfers.
- fairness of relief against restopgave: the fair share of a municipality is R x cap / C (R relief
  achieved, cap its relief cap, C the sum of caps; the same per province). We report the largest
  absolute deviation from the fair share, in places, per municipality and per province, and the Gini
  coefficient of the relieved fraction relief/cap, weighted by cap (0: everyone relieved the same
  fraction of their restopgave; towards 1: a few relieved fully, the rest not at all).
- shares (relief / possible, surplus used / surplus) are None where the denominator is 0.
- checker pass rate = proposals without an error finding / all proposals (1.0 for an empty set).
  It must be 100 %; a lower figure is reported with the failing rule ids, never hidden.
- per solver model (SolveInfo.model): number of solves, worst status, largest gap, total seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from herverdeling.commitments import commitments_of
from herverdeling.cpsat import worst_status
from herverdeling.deal_rules import DealRules, MinRelief
from herverdeling.proposals import ProposalSet, SolveInfo, SolveStatus, SurplusSwap
from herverdeling.scenario.model import CATEGORIES, Category, Scenario

if TYPE_CHECKING:
    from herverdeling.checker import CheckReport
    from herverdeling.run import RunResult

Number = int | float
RowValue = str | int | float | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryMetrics(_Frozen):
    """Relief, small tasks, locations and fairness of one category."""

    category: Category
    surplus_total: int = Field(ge=0)
    relief_capacity: int = Field(ge=0)
    relief_possible: int = Field(ge=0)
    relief_achieved: Number
    surplus_used: Number
    small_tasks_before: int = Field(ge=0)
    small_tasks_after: int = Field(ge=0)
    nonviable_places_before: Number
    nonviable_places_after: Number
    locations_before: int = Field(ge=0)
    locations_after: int = Field(ge=0)
    mean_size_before: float
    mean_size_after: float
    fair_max_dev_municipality: float = Field(ge=0)
    fair_max_dev_province: float = Field(ge=0)
    gini_municipality: float = Field(ge=0, le=1)
    gini_province: float = Field(ge=0, le=1)

    @property
    def relief_share(self) -> float | None:
        """Relief achieved / possible (None when nothing was possible)."""
        return _ratio(self.relief_achieved, self.relief_possible)

    @property
    def surplus_used_share(self) -> float | None:
        """Surplus used / surplus (None when there is no surplus)."""
        return _ratio(self.surplus_used, self.surplus_total)


class AgreementMetrics(_Frozen):
    """How many agreements, how many parties each, and how far places travel."""

    agreements: int = Field(ge=0)
    surplus_swaps: int = Field(ge=0)
    mergers: int = Field(ge=0)
    uitruil: int = Field(ge=0)
    parties_mean: float = Field(ge=0)
    parties_max: int = Field(ge=0)
    place_km: float = Field(ge=0)
    place_km_surplus: float = Field(ge=0)
    place_km_mergers: float = Field(ge=0)
    place_km_uitruil: float = Field(ge=0)


class DealMetrics(_Frozen):
    """Would a commissaris sign it (issue 14): size of the swap agreements and D1-D3 counts.

    - swap parties: the parties each surplus-swap agreement names (max and median);
    - tiny reliefs: a (municipality, category) relieved by fewer than min_relief places without
      its task being cleared (D2); residues: relief leaves 0 < task < the norm's minimum (D2);
    - split reliefs: relieved by more than one plusprovincie (D1); role conflicts: relieved and, in
      the same category, a merger host or an uitruil realiser (D3);
    - municipalities involved: party to at least one agreement of any kind.
    """

    swap_agreements: int = Field(ge=0)
    swap_parties_max: int = Field(ge=0)
    swap_parties_median: float = Field(ge=0)
    tiny_reliefs: int = Field(ge=0)
    residues: int = Field(ge=0)
    split_reliefs: int = Field(ge=0)
    role_conflicts: int = Field(ge=0)
    municipalities_involved: int = Field(ge=0)


class CheckMetrics(_Frozen):
    """The checker's verdict; `checked` is False when no report was given (pass rate unknown)."""

    checked: bool
    proposals: int = Field(ge=0)
    passed: int = Field(ge=0)
    failed_ids: tuple[str, ...] = ()
    error_rules: tuple[str, ...] = ()

    @property
    def pass_rate(self) -> float | None:
        """Passed / proposals; 1.0 for an empty set (nothing failed), None when not checked."""
        if not self.checked:
            return None
        return 1.0 if self.proposals == 0 else self.passed / self.proposals


class SolverMetrics(_Frozen):
    """All solves of one model (e.g. `mergers/place_km` over every province and category)."""

    model: str
    solves: int = Field(ge=1)
    status: SolveStatus
    max_gap: float | None = None
    seconds: float = Field(ge=0)


class QualityMetrics(_Frozen):
    scenario: str
    municipalities: int = Field(ge=0)
    categories: tuple[CategoryMetrics, ...]
    agreements: AgreementMetrics
    deals: DealMetrics
    check: CheckMetrics
    solvers: tuple[SolverMetrics, ...] = ()
    stage_seconds: tuple[tuple[str, float], ...] = ()

    def category(self, category: Category) -> CategoryMetrics:
        return next(c for c in self.categories if c.category == category)

    def total(self, field: str) -> Number:
        """A category field summed over the categories (e.g. `relief_achieved`)."""
        return sum(getattr(c, field) for c in self.categories)

    @property
    def solver_status(self) -> SolveStatus:
        return worst_status(s.status for s in self.solvers) if self.solvers else "OPTIMAL"

    def row(self) -> dict[str, RowValue]:
        """One flat row for results.csv and sweeps: totals, then per-category fairness."""
        a, ch = self.agreements, self.check
        out: dict[str, RowValue] = {"municipalities": self.municipalities}
        for f in ("surplus_total", "relief_possible", "relief_achieved", "surplus_used"):
            out[f] = self.total(f)
        out["relief_share"] = _round(_ratio(self.total("relief_achieved"), self.total("relief_possible")))
        out["surplus_used_share"] = _round(_ratio(self.total("surplus_used"), self.total("surplus_total")))
        for f in ("small_tasks", "nonviable_places", "locations"):
            out[f"{f}_before"] = self.total(f"{f}_before")
            out[f"{f}_after"] = self.total(f"{f}_after")
        for c in self.categories:
            out[f"mean_size_before_{c.category}"] = round(c.mean_size_before, 3)
            out[f"mean_size_after_{c.category}"] = round(c.mean_size_after, 3)
        out |= {"agreements": a.agreements, "surplus_swaps": a.surplus_swaps, "mergers": a.mergers,
                "uitruil": a.uitruil, "parties_mean": round(a.parties_mean, 3), "parties_max": a.parties_max,
                "place_km": round(a.place_km, 1)}
        out |= self.deals.model_dump()
        for c in self.categories:
            out[f"fair_max_dev_{c.category}"] = round(c.fair_max_dev_municipality, 3)
            out[f"fair_max_dev_province_{c.category}"] = round(c.fair_max_dev_province, 3)
            out[f"gini_{c.category}"] = round(c.gini_municipality, 6)
        out["check_pass_rate"] = _round(ch.pass_rate)
        out["check_failed"] = len(ch.failed_ids)
        out["check_error_rules"] = " ".join(ch.error_rules)
        out["solver_status"] = self.solver_status
        gaps = [s.max_gap for s in self.solvers if s.max_gap is not None]
        out["solver_max_gap"] = max(gaps) if gaps else None
        out["solver_seconds"] = round(sum(s.seconds for s in self.solvers), 4)
        for stage, secs in self.stage_seconds:
            out[f"seconds_{stage}"] = round(secs, 4)
        return out


# ---- helpers -------------------------------------------------------------------------------------
def _ratio(a: Number, b: Number) -> float | None:
    """a / b; None when b is 0 (a share of nothing is undefined, not 0 % or 100 %)."""
    return None if b == 0 else float(a) / float(b)


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 6)


def weighted_gini(values: Iterable[float], weights: Iterable[float]) -> float:
    """Gini of `values` where value i counts `weights[i]` times; 0 when all are equal or all zero.

    G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mean), mean = sum w x / W; computed in
    O(n log n) on the sorted values (sum over i of w_i (x_i W_<i - S_<i), twice).
    """
    x = np.asarray(list(values), dtype=float)
    w = np.asarray(list(weights), dtype=float)
    keep = w > 0
    x, w = x[keep], w[keep]
    total = w.sum()
    if total == 0:
        return 0.0
    mean = float((w * x).sum() / total)
    if mean <= 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    w_before = np.cumsum(w) - w
    wx_before = np.cumsum(w * x) - w * x
    pair_sum = 2.0 * float((w * (x * w_before - wx_before)).sum())
    return min(1.0, max(0.0, pair_sum / (2.0 * total * total * mean)))


def _task_after(scenario: Scenario, proposals: ProposalSet) -> dict[tuple[str, Category], Number]:
    """The IBT task per (municipality, category) after all proposals, from the checker's ledger."""
    from herverdeling.checker import build_ledger

    return {(r.cbs_code, r.category): r.ibt_task for r in build_ledger(scenario, proposals).rows}


def _fairness(scenario: Scenario, category: Category, relief: dict[str, Number],
              caps: dict[str, int]) -> tuple[float, float, float, float]:
    """(max deviation per municipality, per province, Gini per municipality, per province)."""
    units = sorted(set(caps) | set(relief))
    achieved = float(sum(relief.values()))
    cap_total = float(sum(caps.values()))
    share = achieved / cap_total if cap_total else 0.0

    def dev(got: dict[str, float], cap: dict[str, float]) -> float:
        return max((abs(got.get(u, 0.0) - share * cap.get(u, 0.0)) for u in set(got) | set(cap)),
                   default=0.0)

    m_got = {u: float(relief.get(u, 0)) for u in units}
    m_cap = {u: float(caps.get(u, 0)) for u in units}
    p_got: dict[str, float] = {}
    p_cap: dict[str, float] = {}
    for u in units:
        p = scenario.municipality(u).province
        p_got[p] = p_got.get(p, 0.0) + m_got[u]
        p_cap[p] = p_cap.get(p, 0.0) + m_cap[u]

    def gini(got: dict[str, float], cap: dict[str, float]) -> float:
        keys = [k for k in sorted(cap) if cap[k] > 0]
        return weighted_gini([got[k] / cap[k] for k in keys], [cap[k] for k in keys])

    return dev(m_got, m_cap), dev(p_got, p_cap), gini(m_got, m_cap), gini(p_got, p_cap)


def _category(scenario: Scenario, proposals: ProposalSet, category: Category,
              after: dict[tuple[str, Category], Number], restopgave_provinces: set[str]) -> CategoryMetrics:
    surplus_total = sum(scenario.surplus(p.code).get(category) for p in scenario.provinces)
    caps = {m.cbs_code: scenario.relief_cap(m, category) for m in scenario.municipalities
            if m.province in restopgave_provinces and scenario.relief_cap(m, category) > 0}
    capacity = sum(caps.values())
    relief: dict[str, Number] = {}
    for p in proposals.proposals:
        if isinstance(p, SurplusSwap):
            for t in p.transfers:
                if t.category == category:
                    relief[t.from_code] = relief.get(t.from_code, 0) + t.places
    achieved = sum(relief.values())
    min_size = scenario.norms.get(category).min_size
    before_tasks: list[Number] = [m.verdeelbesluit.get(category) for m in scenario.municipalities]
    after_tasks = [after.get((m.cbs_code, category), m.verdeelbesluit.get(category))
                   for m in scenario.municipalities]

    def small(tasks: list[Number]) -> list[Number]:
        return [t for t in tasks if 0 < t < min_size]

    def mean(tasks: list[Number]) -> float:
        pos = [t for t in tasks if t > 0]
        return float(sum(pos)) / len(pos) if pos else 0.0

    dev_m, dev_p, gini_m, gini_p = _fairness(scenario, category, relief, caps)
    return CategoryMetrics(
        category=category, surplus_total=surplus_total, relief_capacity=capacity,
        relief_possible=min(surplus_total, capacity), relief_achieved=achieved, surplus_used=achieved,
        small_tasks_before=len(small(before_tasks)), small_tasks_after=len(small(after_tasks)),
        nonviable_places_before=sum(small(before_tasks)), nonviable_places_after=sum(small(after_tasks)),
        locations_before=sum(1 for t in before_tasks if t > 0),
        locations_after=sum(1 for t in after_tasks if t > 0),
        mean_size_before=mean(before_tasks), mean_size_after=mean(after_tasks),
        fair_max_dev_municipality=dev_m, fair_max_dev_province=dev_p,
        gini_municipality=gini_m, gini_province=gini_p,
    )


def _parties(p: object) -> int:
    parties = getattr(p, "parties", ())
    if parties:
        return len({(x.kind, x.code) for x in parties})
    return len({c for t in p.transfers for c in (t.from_code, t.to_code)})  # type: ignore[attr-defined]


def _agreements(scenario: Scenario, proposals: ProposalSet) -> AgreementMetrics:
    km: dict[str, float] = {"surplus_swap": 0.0, "merger": 0.0, "uitruil": 0.0}
    for p in proposals.proposals:
        for t in p.transfers:
            d = t.distance_km if t.distance_km is not None else scenario.distance_km(t.from_code, t.to_code)
            km[p.kind] += float(t.places) * float(d)
    counts = [_parties(p) for p in proposals.proposals]
    return AgreementMetrics(
        agreements=len(proposals.proposals),
        surplus_swaps=len(proposals.of_kind("surplus_swap")), mergers=len(proposals.of_kind("merger")),
        uitruil=len(proposals.of_kind("uitruil")),
        parties_mean=sum(counts) / len(counts) if counts else 0.0, parties_max=max(counts, default=0),
        place_km=sum(km.values()), place_km_surplus=km["surplus_swap"], place_km_mergers=km["merger"],
        place_km_uitruil=km["uitruil"],
    )


def _deals(scenario: Scenario, proposals: ProposalSet, min_relief: MinRelief) -> DealMetrics:
    done = commitments_of(proposals.proposals)
    sources: dict[tuple[str, Category], set[str]] = {}
    for p in proposals.proposals:
        if isinstance(p, SurplusSwap):
            for t in p.transfers:
                sources.setdefault((t.from_code, t.category), set()).add(p.source_province)
    tiny = residues = conflicts = 0
    for e in done.entries:
        if e.relieved == 0 or not scenario.has_municipality(e.code):
            continue
        task = scenario.municipality(e.code).verdeelbesluit.get(e.category)
        tiny += e.relieved != task and e.relieved < min_relief.get(e.category)
        residues += 0 < task - e.relieved < scenario.norms.get(e.category).min_size
        conflicts += e.takes_on
    swaps = [_parties(p) for p in proposals.proposals if isinstance(p, SurplusSwap)]
    involved = {x.code for p in proposals.proposals for x in p.parties if x.kind == "gemeente"}
    involved |= {c for p in proposals.proposals for t in p.transfers for c in (t.from_code, t.to_code)}
    return DealMetrics(
        swap_agreements=len(swaps), swap_parties_max=max(swaps, default=0),
        swap_parties_median=float(np.median(swaps)) if swaps else 0.0,
        tiny_reliefs=tiny, residues=residues,
        split_reliefs=sum(1 for v in sources.values() if len(v) > 1),
        role_conflicts=conflicts, municipalities_involved=len(involved),
    )


def _check(proposals: ProposalSet, report: CheckReport | None) -> CheckMetrics:
    if report is None:
        return CheckMetrics(checked=False, proposals=len(proposals.proposals), passed=0)
    failed = report.failed_ids()
    return CheckMetrics(checked=True, proposals=len(report.proposal_ids), passed=len(report.passed_ids()),
                        failed_ids=failed, error_rules=tuple(sorted({f.rule_id for f in report.errors})))


def solver_metrics(infos: Iterable[SolveInfo]) -> tuple[SolverMetrics, ...]:
    """Per model name, in order of first appearance: solves, worst status, largest gap, seconds."""
    by: dict[str, list[SolveInfo]] = {}
    for i in infos:
        by.setdefault(i.model, []).append(i)
    out = []
    for model, items in by.items():
        gaps = [i.gap for i in items if i.gap is not None]
        out.append(SolverMetrics(model=model, solves=len(items), status=worst_status(i.status for i in items),
                                 max_gap=max(gaps) if gaps else None,
                                 seconds=sum(i.seconds for i in items)))
    return tuple(out)


# ---- entry points --------------------------------------------------------------------------------
def measure(
    scenario: Scenario,
    proposals: ProposalSet,
    report: CheckReport | None = None,
    timings: Iterable[tuple[str, float]] = (),
    deal_rules: DealRules | None = None,
) -> QualityMetrics:
    """All quality figures of one proposal set on its scenario (see the module docstring)."""
    from herverdeling.checker import ensure_matches

    ensure_matches(proposals, scenario)
    after = _task_after(scenario, proposals)
    rest_provinces = {p.code for p in scenario.provinces if scenario.restopgave(p.code).total > 0}
    return QualityMetrics(
        scenario=scenario.name, municipalities=len(scenario.municipalities),
        categories=tuple(_category(scenario, proposals, c, after, rest_provinces) for c in CATEGORIES),
        agreements=_agreements(scenario, proposals),
        deals=_deals(scenario, proposals, (deal_rules or DealRules()).min_relief),
        check=_check(proposals, report),
        solvers=solver_metrics(proposals.solve_info), stage_seconds=tuple(timings),
    )


def measure_run(scenario: Scenario, result: RunResult, *, run_checker: bool = True) -> QualityMetrics:
    """Metrics of a pipeline run; runs the checker (timed as stage `checker`) unless told not to."""
    import time

    from herverdeling.checker import check

    timings = [(t.stage, t.seconds) for t in result.timings]
    report = result.report
    if run_checker and report is None:
        start = time.perf_counter()
        report = check(result.proposals, scenario)
        timings.append(("checker", time.perf_counter() - start))
    return measure(scenario, result.proposals, report, timings)
