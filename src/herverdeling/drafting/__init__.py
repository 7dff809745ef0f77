"""Drafting: turn what the solvers decided into Proposals, with parties, roles and clauses.

The one place where proposals are built. The stages decide numbers (who relieves whom, who hosts,
who realises); this module adds what makes it an agreement: the id, the parties and their roles,
the counter-performance and the failure clause, all texts from models/clauses/ (`load_clauses`).
It imports no solver, so the texts the checker and the writers see are exactly these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from herverdeling.drafting.clauses import Clause, Clauses, load_clauses
from herverdeling.dutch import datum, one_line
from herverdeling.proposals import (
    CounterPerformance,
    Merger,
    Party,
    ProcessState,
    SurplusSwap,
    Transfer,
    Uitruil,
)
from herverdeling.scenario.model import Scenario

__all__ = ["Clause", "Clauses", "CounterKind", "gemeente", "load_clauses", "merger", "provincie",
           "reference_date", "surplus_swap", "uitruil_cycle", "uitruil_pair"]

CounterKind = Literal["statushouders", "oekrainers"]


def _gemeente(s: Scenario, code: str, role: str, c: Clauses) -> Party:
    name = one_line(s.municipality(code).name)
    return Party(kind="gemeente", code=code, name=name, role=role,
                 represented_by=c.parties["representative_gemeente"].fill(name=name))


def _provincie(code: str, name: str, role: str, c: Clauses) -> Party:
    name = one_line(name)
    return Party(kind="provincie", code=code, name=name, role=role,
                 represented_by=c.parties["representative_provincie"].fill(name=name))


def gemeente(s: Scenario, code: str) -> str:
    """'de gemeente Groningen': running text always says which, as Groningen and Utrecht are both."""
    return f"de gemeente {one_line(s.municipality(code).name)}"


def provincie(s: Scenario, code: str) -> str:
    """'de provincie Groningen' (see `gemeente`)."""
    return f"de provincie {one_line(s.province(code).name)}"


def reference_date(c: Clauses) -> str:
    """The labelled reference date for realisation, in Dutch."""
    return datum(c.settings.reference_date.value)  # type: ignore[arg-type]


def surplus_swap(s: Scenario, source: str, sink: str, transfers: Sequence[Transfer], *, id: str,
                 clauses: Clauses | None = None) -> SurplusSwap:
    """A surplus swap (section 3): `transfers` run from relieved (sink) to source municipalities."""
    c = clauses or load_clauses()
    pp, qq = s.province(source), s.province(sink)
    sources = sorted({t.to_code for t in transfers})
    relieved = sorted({t.from_code for t in transfers})
    parties = (
        _provincie(pp.code, pp.name, c.role("swap_source_province"), c),
        _provincie(qq.code, qq.name, c.role("swap_sink_province"), c),
        *(_gemeente(s, code, c.role("swap_source_municipality"), c) for code in sources),
        *(_gemeente(s, code, c.role("swap_relieved_municipality"), c) for code in relieved),
    )
    # the CdK's second role, as rijksorgaan (P6), apart from representing Gedeputeerde Staten
    coordinators = tuple(
        Party(kind="provincie", code=x.code, name=c.parties["coordinator"].fill(name=one_line(x.name)),
              role=c.role("swap_coordinator")) for x in (pp, qq))
    return SurplusSwap(
        id=id, transfers=tuple(transfers), parties=parties,
        counter_performance=(CounterPerformance(kind="to_agree",
                                                description=c.counter_performance["to_agree"].text),),
        failure_clause=c.failure["surplus_swap"].fill(source=provincie(s, pp.code),
                                                      sink=provincie(s, qq.code),
                                                      reference_date=reference_date(c)),
        process=ProcessState(), source_province=pp.code, sink_province=qq.code,
        coordinators=coordinators,
    )


def merger(s: Scenario, *, province: str, host_code: str, host_own_places: int,
           transfers: Sequence[Transfer], clauses: Clauses | None = None) -> Merger:
    """A merger (section 2): the members' small tasks of one category go to the host (S4)."""
    c = clauses or load_clauses()
    category = transfers[0].category
    return Merger(
        id=f"merger-{province}-{category}-{host_code}", province=province, category=category,
        host_code=host_code, host_own_places=host_own_places,
        location_size=host_own_places + sum(int(t.places) for t in transfers),
        transfers=tuple(transfers),
        parties=(_gemeente(s, host_code, c.role("merger_host"), c),
                 *(_gemeente(s, t.from_code, c.role("merger_member"), c) for t in transfers)),
        counter_performance=(CounterPerformance(kind="to_agree"),),
        failure_clause=c.failure["merger"].fill(),
    )


def _counter(c: Clauses, kind: CounterKind, by: str, to: str, amount: int, names: dict[str, str],
             ) -> CounterPerformance:
    text = c.counter_performance[kind].fill(by=names[by], amount=amount, to=names[to],
                                            period=c.settings.statushouders_period.value)
    text = text[:1].upper() + text[1:]
    return CounterPerformance(kind=kind, description=text, by_code=by, to_code=to, amount=amount)


def uitruil_pair(s: Scenario, *, id: str, province: str, requester: str, realiser: str,
                 transfers: Iterable[Transfer], kind: CounterKind, amount: int,
                 clauses: Clauses | None = None) -> Uitruil:
    """An uitruil of two municipalities (section 1): places against a counter-performance (U8)."""
    c = clauses or load_clauses()
    transfers = tuple(transfers)
    names = {code: gemeente(s, code) for code in (requester, realiser)}
    places = sum(int(t.places) for t in transfers)
    return Uitruil(
        id=id, province=province, transfers=transfers,
        parties=(_gemeente(s, requester, c.role("uitruil_requester"), c),
                 _gemeente(s, realiser, c.role("uitruil_realiser"), c)),
        counter_performance=(_counter(c, kind, requester, realiser, amount, names),),
        failure_clause=c.failure["uitruil"].fill(realiser=names[realiser], requester=names[requester],
                                                 places=places, reference_date=reference_date(c)),
        process=ProcessState(),
    )


def uitruil_cycle(s: Scenario, *, id: str, province: str, requester: str, realiser: str, third: str,
                  transfers: Iterable[Transfer], kinds: tuple[CounterKind, CounterKind],
                  amounts: tuple[int, int], clauses: Clauses | None = None) -> Uitruil:
    """A three-municipality cycle (kringruil): requester -> third -> realiser counter-performances."""
    c = clauses or load_clauses()
    transfers = tuple(transfers)
    names = {code: gemeente(s, code) for code in (requester, realiser, third)}
    places = sum(int(t.places) for t in transfers)
    clause = c.failure["uitruil"].fill(realiser=names[realiser], requester=names[requester],
                                       places=places, reference_date=reference_date(c))
    cycle = c.failure["uitruil_cycle"].fill(realiser=names[realiser], requester=names[requester],
                                            third=names[third])
    return Uitruil(
        id=id, province=province, transfers=transfers,
        parties=(_gemeente(s, requester, c.role("uitruil_requester"), c),
                 _gemeente(s, realiser, c.role("uitruil_realiser"), c),
                 _gemeente(s, third, c.role("uitruil_third"), c)),
        counter_performance=(_counter(c, kinds[0], requester, third, amounts[0], names),
                             _counter(c, kinds[1], third, realiser, amounts[1], names)),
        failure_clause=f"{clause}\n\n{cycle}",
        process=ProcessState(),
    )
