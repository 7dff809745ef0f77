"""The deal model's result as the chain needs it: SurplusSwap proposals, pins, and the D rules.

One agreement of the deal model is one SurplusSwap, drafted by the one drafting module; the
users' wishes come from the scenario (preferences.csv, partners.csv); the D1-D4 settings the
checker judges by are the deal settings' own numbers.
"""

from __future__ import annotations

from herverdeling import drafting
from herverdeling.deal_rules import DealRules
from herverdeling.proposals import SurplusSwap, Transfer
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.surplus.deals.result import DealResult
from herverdeling.surplus.deals.settings import DealPins, DealSettings, MunicipalityPin, PartnerPin


def pins_of(scenario: Scenario) -> DealPins:
    """The scenario's preferences as the deal model's pins (D4)."""
    prefs = scenario.preferences
    return DealPins(
        municipalities=tuple(MunicipalityPin(cbs_code=p.cbs_code, relief=p.relief,
                                             back_surplus=p.back_surplus, host=p.host)
                             for p in prefs.municipalities),
        partners=tuple(PartnerPin(sink=p.sink, source=p.source, partner=p.partner)
                       for p in prefs.partners),
    )


def rules_of(settings: DealSettings) -> DealRules:
    """The D1-D4 settings the checker uses for proposals of this deal model."""
    return DealRules(min_relief=settings.min_relief, max_parties=settings.max_parties,
                     max_partners=settings.max_partners)


def deal_swaps(scenario: Scenario, result: DealResult) -> tuple[SurplusSwap, ...]:
    """One SurplusSwap per agreement (source, sink, category), transfers in CBS-code order."""
    out = []
    for a in sorted(result.agreements, key=lambda a: (a.source_province, a.sink_province,
                                                      CATEGORIES.index(a.category))):
        transfers = sorted(
            (Transfer(from_code=r.code, to_code=src, category=r.category, places=n,
                      distance_km=round(scenario.distance_km(src, r.code), 1))
             for r in a.reliefs for src, n in r.backing if n > 0),
            key=lambda t: (t.from_code, t.to_code))
        out.append(drafting.surplus_swap(
            scenario, a.source_province, a.sink_province, transfers,
            id=f"swap-{a.source_province}-{a.sink_province}-{a.category}"))
    return tuple(out)
