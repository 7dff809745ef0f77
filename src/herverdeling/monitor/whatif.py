"""What if a realiser fails (issue 17, point 4): seeded and deterministic.

Each realising party (a merger host, an uitruil realiser or a plusprovincie municipality backing a
swap, in one category) realises a fraction of the places it took on under agreements, drawn
independently from a discrete distribution (models/monitor/: `whatif.distributions`):
realised = floor(fraction x places); the rest is unrealised and split over its agreements in
proportion to their places (largest remainder), as the monitor splits a real shortfall.

Every figure is a sum of independent parties' contributions or a probability that none of the
parties contributes, so it is computed exactly: sums by convolution of the parties' distributions,
"at least one place unrealised" by the product of the parties' chances of none. The work of the
convolutions is (support of the running sum) x (outcomes of a party), added over parties and
figures; when it exceeds `exact_max_work` (or on request) the same figures are simulated with
`draws` seeded draws, and each carries its standard error (means, probabilities) or a 95 %
order-statistic interval (P90).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from herverdeling.apportion import largest_remainder
from herverdeling.checker.ledger import build_ledger
from herverdeling.monitor.core import Line, agreement_lines
from herverdeling.monitor.settings import KINDS, ClauseVariant, MonitorSettings, WhatIfSettings
from herverdeling.proposals import AnyProposal, ProposalKind, ProposalSet
from herverdeling.scenario.model import Category, Scenario

Method = Literal["exact", "simulation"]
Q = 0.9  # the percentile the issue asks for
Z95 = 1.959963984540054


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Estimate(_Frozen):
    """The expectation and the 90th percentile of a number of places.

    Exact: `mean_se` and the interval are None. Simulated: `mean_se` is the standard error of
    the mean, [p90_low, p90_high] a 95 % interval for the P90 (order statistics)."""

    mean: float
    p90: int
    mean_se: float | None = None
    p90_low: int | None = None
    p90_high: int | None = None


class Probability(_Frozen):
    probability: float
    se: float | None = None  # simulated: its standard error


class AgreementRisk(_Frozen):
    proposal_id: str
    kind: ProposalKind
    places: int
    at_risk: Probability  # some of its places unrealised
    expected_unrealised: float


class MunicipalityRisk(_Frozen):
    cbs_code: str
    name: str
    province: str
    back_on_hook: Probability  # some places come back to it under the variant
    expected_places: float


class VariantOutcome(_Frozen):
    variant: str
    label: str
    effect: dict[ProposalKind, str]
    back_to_origin: Estimate  # unrealised places that go back to the municipality they came from
    stays_with_realiser: Estimate  # unrealised places the realising party still owes
    expected_municipalities_back: float
    municipalities: tuple[MunicipalityRisk, ...]


class ProvinceEstimate(_Frozen):
    province: str
    unrealised: Estimate


class WhatIf(_Frozen):
    scenario: str
    scenario_hash: str
    method: Method
    seed: int
    draws: int | None  # simulation only
    work: int  # the exact computation's work, as counted against the threshold
    exact_max_work: int
    parties: int
    agreement_places: int
    distributions: dict[str, list[tuple[float, float]]]
    unrealised: Estimate
    provinces: tuple[ProvinceEstimate, ...]
    agreements: tuple[AgreementRisk, ...]
    variants: tuple[VariantOutcome, ...]


# ---- the parties and their outcomes ------------------------------------------------------------
class Realiser(_Frozen):
    """One realising party: a municipality in one category and one role, and its lines."""

    realiser: str
    category: Category
    kind: ProposalKind
    lines: tuple[Line, ...]
    # per outcome: its probability and the unrealised places of each line
    outcomes: tuple[tuple[float, tuple[int, ...]], ...]


def parties_of(lines: Iterable[Line], settings: WhatIfSettings) -> tuple[Realiser, ...]:
    groups: dict[tuple[str, Category, ProposalKind], list[Line]] = defaultdict(list)
    for ln in lines:
        if ln.places > 0:
            groups[(ln.realiser, ln.category, ln.kind)].append(ln)
    out = []
    for (code, cat, kind), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                          KINDS.index(kv[0][2]))):
        total = sum(ln.places for ln in group)
        outcomes = []
        for o in settings.distribution(group[0].role):
            f = o.exact_fraction
            unrealised = total - (f.numerator * total) // f.denominator
            share = largest_remainder(unrealised, dict(enumerate(ln.places for ln in group)))
            outcomes.append((o.probability, tuple(share[i] for i in range(len(group)))))
        out.append(Realiser(realiser=code, category=cat, kind=kind, lines=tuple(group),
                         outcomes=tuple(outcomes)))
    return tuple(out)


# A figure is a function of one party's outcome: its contribution, per party and outcome.
Contribution = list[list[int]]  # [party][outcome] -> places


def _contributions(parties: tuple[Realiser, ...], select: Callable[[Line], bool]) -> Contribution:
    """Per party and outcome, the unrealised places of the lines `select(line)` keeps."""
    return [[sum(u for ln, u in zip(p.lines, us, strict=True) if select(ln)) for _, us in p.outcomes]
            for p in parties]


# ---- exact -------------------------------------------------------------------------------------
def _pmf(parties: tuple[Realiser, ...], contrib: Contribution) -> np.ndarray:
    """The distribution of the sum of independent contributions, by convolution."""
    pmf = np.array([1.0])
    for p, values in zip(parties, contrib, strict=True):
        if not any(values):
            continue
        new = np.zeros(len(pmf) + max(values))
        for (prob, _), v in zip(p.outcomes, values, strict=True):
            new[v:v + len(pmf)] += prob * pmf
        pmf = new
    return pmf


def _work(parties: tuple[Realiser, ...], contrib: Contribution) -> int:
    size, work = 1, 0
    for p, values in zip(parties, contrib, strict=True):
        if any(values):
            work += size * len(p.outcomes)
            size += max(values)
    return work


def _exact_estimate(pmf: np.ndarray) -> Estimate:
    support = np.arange(len(pmf))
    cdf = np.cumsum(pmf)
    p90 = int(np.searchsorted(cdf, Q - 1e-12))
    return Estimate(mean=float(support @ pmf), p90=p90)


def _none_probability(parties: tuple[Realiser, ...], contrib: Contribution) -> float:
    """P(no party contributes a place)."""
    prob = 1.0
    for p, values in zip(parties, contrib, strict=True):
        prob *= sum(pr for (pr, _), v in zip(p.outcomes, values, strict=True) if v == 0)
    return prob


def _expected(parties: tuple[Realiser, ...], contrib: Contribution) -> float:
    return sum(pr * v for p, values in zip(parties, contrib, strict=True)
               for (pr, _), v in zip(p.outcomes, values, strict=True))


# ---- simulation --------------------------------------------------------------------------------
class _Draws:
    """Seeded draws of every party's outcome: one row per party, `draws` columns."""

    def __init__(self, parties: tuple[Realiser, ...], draws: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.n = draws
        self.index = [rng.choice(len(p.outcomes), size=draws, p=_normalised(p)) for p in parties]

    def totals(self, contrib: Contribution) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.int64)
        for idx, values in zip(self.index, contrib, strict=True):
            if any(values):
                out += np.asarray(values, dtype=np.int64)[idx]
        return out

    def estimate(self, contrib: Contribution) -> Estimate:
        x = np.sort(self.totals(contrib))
        n = self.n
        half = Z95 * math.sqrt(n * Q * (1 - Q))
        lo = max(1, math.floor(n * Q - half))
        hi = min(n, math.ceil(n * Q + half))
        return Estimate(mean=float(x.mean()), mean_se=float(x.std(ddof=1) / math.sqrt(n)),
                        p90=int(np.quantile(x, Q, method="inverted_cdf")),
                        p90_low=int(x[lo - 1]), p90_high=int(x[hi - 1]))

    def probability(self, contrib: Contribution) -> Probability:
        p = float((self.totals(contrib) > 0).mean())
        return Probability(probability=p, se=math.sqrt(p * (1 - p) / self.n))

    def expected(self, contrib: Contribution) -> float:
        return float(self.totals(contrib).mean())


def _normalised(p: Realiser) -> np.ndarray:
    probs = np.array([pr for pr, _ in p.outcomes], dtype=float)
    return probs / probs.sum()


# ---- the figures -------------------------------------------------------------------------------
def what_if_lines(lines: Iterable[Line], province_of: Mapping[str, str], names: Mapping[str, str],
                  settings: MonitorSettings, *, method: Method | None = None,
                  scenario: str = "", scenario_hash: str = "") -> WhatIf:
    """The what-if over agreement lines (from the ledger, or made by hand in tests)."""
    st = settings.whatif
    parties = parties_of(lines, st)
    provinces = sorted({province_of[p.realiser] for p in parties})
    agreements = sorted({ln.proposal_id for p in parties for ln in p.lines})
    origins = sorted({ln.origin for p in parties for ln in p.lines})

    def keep(test: Callable[[Line], bool]) -> Contribution:
        return _contributions(parties, test)

    figures: dict[str, Contribution] = {"all": keep(lambda ln: True)}
    for prov in provinces:
        figures[f"prov:{prov}"] = keep(_where(lambda ln, v=prov: province_of[ln.realiser] == v))
    for vname, var in settings.variants.items():
        figures[f"back:{vname}"] = keep(_where(lambda ln, v=var: _lapses(v, ln)))
        figures[f"stays:{vname}"] = keep(_where(lambda ln, v=var: not _lapses(v, ln)))
    events: dict[str, Contribution] = {
        f"agr:{a}": keep(_where(lambda ln, v=a: ln.proposal_id == v)) for a in agreements}
    for vname, var in settings.variants.items():
        for o in origins:
            events[f"hook:{vname}:{o}"] = keep(
                _where(lambda ln, v=var, code=o: ln.origin == code and _lapses(v, ln)))
    work = sum(_work(parties, c) for c in figures.values())
    chosen: Method = method or ("exact" if work <= st.exact_max_work else "simulation")
    est: dict[str, Estimate] = {}
    prob: dict[str, Probability] = {}
    mean: dict[str, float] = {}
    if chosen == "exact":
        for key, c in figures.items():
            est[key] = _exact_estimate(_pmf(parties, c))
        for key, c in events.items():
            prob[key] = Probability(probability=1.0 - _none_probability(parties, c))
            mean[key] = _expected(parties, c)
    else:
        draws = _Draws(parties, st.draws, st.seed)
        for key, c in figures.items():
            est[key] = draws.estimate(c)
        for key, c in events.items():
            prob[key] = draws.probability(c)
            mean[key] = draws.expected(c)
    by_agreement: dict[str, list[Line]] = defaultdict(list)
    for p in parties:
        for ln in p.lines:
            by_agreement[ln.proposal_id].append(ln)
    variants = []
    for vname, var in settings.variants.items():
        munis = [MunicipalityRisk(cbs_code=o, name=names.get(o, o), province=province_of[o],
                                  back_on_hook=prob[f"hook:{vname}:{o}"],
                                  expected_places=mean[f"hook:{vname}:{o}"])
                 for o in origins if any(_lapses(var, ln) for p in parties for ln in p.lines
                                         if ln.origin == o)]
        variants.append(VariantOutcome(
            variant=vname, label=var.label, effect=dict(var.effect),
            back_to_origin=est[f"back:{vname}"], stays_with_realiser=est[f"stays:{vname}"],
            expected_municipalities_back=sum(m.back_on_hook.probability for m in munis),
            municipalities=tuple(munis)))
    return WhatIf(
        scenario=scenario, scenario_hash=scenario_hash, method=chosen, seed=st.seed,
        draws=st.draws if chosen == "simulation" else None, work=work,
        exact_max_work=st.exact_max_work, parties=len(parties),
        agreement_places=sum(ln.places for p in parties for ln in p.lines),
        distributions={role: [(o.fraction, o.probability) for o in outcomes]
                       for role, outcomes in st.distributions.items()},
        unrealised=est["all"],
        provinces=tuple(ProvinceEstimate(province=p, unrealised=est[f"prov:{p}"]) for p in provinces),
        agreements=tuple(AgreementRisk(proposal_id=a, kind=by_agreement[a][0].kind,
                                       places=sum(ln.places for ln in by_agreement[a]),
                                       at_risk=prob[f"agr:{a}"],
                                       expected_unrealised=mean[f"agr:{a}"]) for a in agreements),
        variants=tuple(variants),
    )


def _where(test: Callable[..., bool]) -> Callable[[Line], bool]:
    """A line filter (a lambda whose defaults bind the loop's value)."""
    return test


def _lapses(variant: ClauseVariant, ln: Line) -> bool:
    return variant.effect[ln.kind] == "lapse"


def what_if(scenario: Scenario, proposals: ProposalSet | Iterable[AnyProposal],
            settings: MonitorSettings, *, method: Method | None = None) -> WhatIf:
    """The what-if of a scenario's agreements (pass only those the checker passed)."""
    lines = agreement_lines(build_ledger(scenario, proposals))
    return what_if_lines(lines, {m.cbs_code: m.province for m in scenario.municipalities},
                         {m.cbs_code: m.name for m in scenario.municipalities}, settings,
                         method=method, scenario=scenario.name,
                         scenario_hash=scenario.content_hash())
