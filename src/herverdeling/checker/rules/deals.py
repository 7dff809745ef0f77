"""D1-D4: deal-quality rules (this project's model choices, settings in models/deals/).

They judge the whole set: a relief split over two plusprovincies (D1), a relief that is tiny or
leaves a non-viable residue (D2), a relieved municipality that also hosts or realises in the same
category (D3), and a wish in preferences.csv or partners.csv that a proposal ignores (D4).
"""

from __future__ import annotations

from collections.abc import Iterator

from herverdeling.checker.rules.base import (
    ALL_KINDS,
    SEC_D,
    AnyProposal,
    Context,
    Hit,
    Muni,
    Prov,
    rule,
    total,
)
from herverdeling.proposals import Merger, ProposalKind, SurplusSwap, Uitruil
from herverdeling.scenario.model import Category

P: tuple[ProposalKind, ...] = ("surplus_swap",)


def _relieved(p: SurplusSwap) -> list[tuple[str, Category]]:
    return list(dict.fromkeys((t.from_code, t.category) for t in p.transfers))


@rule(
    "D1", kinds=P, section=SEC_D,
    title_nl="Eén plusprovincie per ontlasting", title_en="One plusprovincie per relief",
    messages={
        "split": ("{municipality} wordt voor {category} ontlast door meer dan één plusprovincie "
                  "({provinces}); één ontlasting hoort bij één bronprovincie.",
                  "{municipality} is relieved of {category} places by more than one plusprovincie "
                  "({provinces}); one relief belongs to one source province."),
    },
)
def d1_single_source(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    if not ctx.deal_rules.enforce:
        return
    for code, cat in _relieved(p):
        sources = ctx.relief_sources.get((code, cat), [])
        if len(sources) > 1:
            yield Hit("split", {"municipality": Muni(code), "category": cat,
                                "provinces": [Prov(x) for x in sources]}, (code,), tuple(sources))


@rule(
    "D2", kinds=P, section=SEC_D,
    title_nl="Ontlasting heel of van betekenis, zonder restant",
    title_en="Relief whole or substantial, with no residue",
    messages={
        "tiny": ("{municipality} wordt {relief} {category} plaatsen ontlast van een taak van {task}: "
                 "minder dan het minimum van {minimum} en de taak is niet weg.",
                 "{municipality} is relieved of {relief} {category} places of a task of {task}: fewer "
                 "than the minimum of {minimum}, and the task is not cleared."),
        "residue": ("Na ontlasting houdt {municipality} {left} {category} plaatsen over, minder dan de "
                    "norm van {norm}: een niet-levensvatbaar restant.",
                    "After relief {municipality} keeps {left} {category} places, below the norm of "
                    "{norm}: a non-viable residue."),
    },
)
def d2_whole_relief(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    if not ctx.deal_rules.enforce:
        return
    for code, cat in _relieved(p):
        m = ctx.muni(code)
        if m is None:
            continue  # G2
        relief = total(ctx.relief.get((code, cat), []))
        task = m.verdeelbesluit.get(cat)
        minimum = ctx.deal_rules.min_relief.get(cat)
        norm = ctx.scenario.norms.get(cat).min_size
        if relief != task and relief < minimum:
            yield Hit("tiny", {"municipality": Muni(code), "relief": relief, "category": cat,
                               "task": task, "minimum": minimum}, (code,))
        if 0 < task - relief < norm:
            yield Hit("residue", {"municipality": Muni(code), "left": task - relief, "category": cat,
                                  "norm": norm}, (code,))


@rule(
    "D3", kinds=ALL_KINDS, section=SEC_D,
    title_nl="Geen tegenstrijdige rollen", title_en="No conflicting roles",
    messages={
        "relieved_takes_on": ("{municipality} wordt voor {category} ontlast door een ruil van het "
                              "surplus ({swaps}) en neemt in dezelfde categorie plaatsen op zich als "
                              "{role}.",
                              "{municipality} is relieved of {category} places by a surplus swap "
                              "({swaps}) and takes on places in the same category as {role}."),
    },
)
def d3_coherent_roles(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    if not ctx.deal_rules.enforce:
        return
    if isinstance(p, SurplusSwap):
        pairs = [(code, cat, role) for code, cat in _relieved(p)
                 for role in ctx.takes_on.get((code, cat), [])]
    else:
        role = "gastgemeente" if isinstance(p, Merger) else "realiserende gemeente"
        pairs = [(t.to_code, t.category, role) for t in p.transfers]
    for code, cat, role in dict.fromkeys(pairs):
        swaps = sorted({c.proposal_id for c in ctx.relief.get((code, cat), [])} - {p.id})
        if isinstance(p, SurplusSwap):
            swaps = [p.id]
        if swaps and ctx.relief.get((code, cat)):
            yield Hit("relieved_takes_on", {"municipality": Muni(code), "category": cat,
                                            "swaps": swaps, "role": role}, (code,))


@rule(
    "D4", kinds=ALL_KINDS, section=SEC_D,
    title_nl="De wensen van gemeenten en provincies", title_en="The wishes of municipalities and provinces",
    messages={
        "relief_refused": ("{municipality} wil geen ontlasting (preferences.csv), maar wordt {category} "
                           "ontlast.",
                           "{municipality} refuses relief (preferences.csv) but is relieved of "
                           "{category} places."),
        "back_refused": ("{municipality} wil geen surplus inzetten (preferences.csv), maar draagt "
                         "{category} ontlasting.",
                         "{municipality} will not back surplus (preferences.csv) but backs {category} "
                         "relief."),
        "host_refused": ("{municipality} wil geen plaatsen voor anderen realiseren (preferences.csv), "
                         "maar neemt {category} plaatsen op zich.",
                         "{municipality} will not host (preferences.csv) but takes on {category} "
                         "places."),
        "partner_refused": ("{sink} wil niet door {source} ontlast worden (partners.csv).",
                            "{sink} refuses {source} as a partner (partners.csv)."),
    },
)
def d4_preferences(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    if not ctx.deal_rules.enforce:
        return
    prefs = ctx.scenario.preferences
    if isinstance(p, SurplusSwap):
        if prefs.partner(p.sink_province, p.source_province) == "refused":
            yield Hit("partner_refused", {"sink": Prov(p.sink_province), "source": Prov(p.source_province)},
                      provinces=(p.sink_province, p.source_province))
        for t in p.transfers:
            if prefs.relief(t.from_code) == "refused":
                yield Hit("relief_refused", {"municipality": Muni(t.from_code), "category": t.category},
                          (t.from_code,))
            if not prefs.may_back(t.to_code):
                yield Hit("back_refused", {"municipality": Muni(t.to_code), "category": t.category},
                          (t.to_code,))
    elif isinstance(p, Merger | Uitruil):
        for t in p.transfers:
            if not prefs.may_host(t.to_code, default=True):
                yield Hit("host_refused", {"municipality": Muni(t.to_code), "category": t.category},
                          (t.to_code,))
