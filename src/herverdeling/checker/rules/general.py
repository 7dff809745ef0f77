"""G1-G6: rules every proposal must meet, whatever its kind."""

from __future__ import annotations

from collections.abc import Iterator

from herverdeling.checker.rules.base import (
    SEC_1,
    SEC_3,
    SEC_K,
    SEC_VB,
    AnyProposal,
    Context,
    Hit,
    Muni,
    Prov,
    is_whole,
    proposal_ids,
    rule,
    total,
)
from herverdeling.proposals import Merger, SurplusSwap, Uitruil


@rule(
    "G1", section=SEC_VB,
    title_nl="Plaatsen zijn hele getallen >= 0", title_en="Places are whole numbers >= 0",
    messages={
        "transfer": ("Overdracht {n} ({from_code} -> {to_code}, {category}): {places} plaatsen is geen "
                     "heel getal >= 0.",
                     "Transfer {n} ({from_code} -> {to_code}, {category}): {places} places is not a "
                     "whole number >= 0."),
        "counter": ("Tegenprestatie {n} ({kind}): aantal {amount} is geen heel getal >= 0.",
                    "Counter-performance {n} ({kind}): amount {amount} is not a whole number >= 0."),
        "host_own": ("Eigen opgave van gastgemeente {host}: {places} is geen heel getal >= 0.",
                     "Own task of host {host}: {places} is not a whole number >= 0."),
        "location_size": ("Omvang van de locatie bij {host}: {places} is geen heel getal >= 0.",
                          "Location size at {host}: {places} is not a whole number >= 0."),
    },
)
def g1_whole_places(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    for n, t in enumerate(p.transfers, 1):
        if not is_whole(t.places):
            yield Hit("transfer", {"n": n, "from_code": Muni(t.from_code), "to_code": Muni(t.to_code),
                                   "category": t.category, "places": t.places},
                      (t.from_code, t.to_code))
    for n, cp in enumerate(p.counter_performance, 1):
        if cp.amount is not None and not is_whole(cp.amount):
            yield Hit("counter", {"n": n, "kind": cp.kind, "amount": cp.amount})
    if isinstance(p, Merger):
        if not is_whole(p.host_own_places):
            yield Hit("host_own", {"host": Muni(p.host_code), "places": p.host_own_places},
                      (p.host_code,))
        if not is_whole(p.location_size):
            yield Hit("location_size", {"host": Muni(p.host_code), "places": p.location_size},
                      (p.host_code,))


@rule(
    "G2", section=f"{SEC_1}; {SEC_3}",
    title_nl="Gemeenten en provincies bestaan en liggen in de genoemde provincie",
    title_en="Municipalities and provinces exist and lie in the province named",
    messages={
        "unknown_municipality": ("Onbekende gemeente {code} ({where}): geen CBS-code in scenario {scenario}.",
                                 "Unknown municipality {code} ({where}): not a CBS code in scenario "
                                 "{scenario}."),
        "unknown_province": ("Onbekende provincie {code} ({where}) in scenario {scenario}.",
                             "Unknown province {code} ({where}) in scenario {scenario}."),
        "wrong_province": ("{code} ligt in {actual}, niet in {stated} zoals het voorstel zegt ({where}).",
                           "{code} lies in {actual}, not in {stated} as the proposal says ({where})."),
        "unknown_code": ("Tegenprestatie noemt {code}: geen gemeente of provincie in scenario {scenario}.",
                         "Counter-performance names {code}: no municipality or province in scenario "
                         "{scenario}."),
    },
)
def g2_codes_exist(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    s = ctx.scenario
    expected: dict[str, tuple[str, str]] = {}  # code -> (stated province, where)
    for t in p.transfers:
        if isinstance(p, SurplusSwap):
            expected.setdefault(t.from_code, (p.sink_province, "relieved"))
            expected.setdefault(t.to_code, (p.source_province, "source"))
        else:
            assert isinstance(p, Merger | Uitruil)
            expected.setdefault(t.from_code, (p.province, "hands over"))
            expected.setdefault(t.to_code, (p.province, "realises"))
    if isinstance(p, Merger):
        expected.setdefault(p.host_code, (p.province, "host"))
    stated = [p.source_province, p.sink_province] if isinstance(p, SurplusSwap) else [p.province]
    for code in dict.fromkeys(stated):
        if not s.has_province(code):
            yield Hit("unknown_province", {"code": code, "where": "proposal", "scenario": s.name},
                      provinces=(code,))
    for code, (prov, where) in expected.items():
        m = ctx.muni(code)
        if m is None:
            yield Hit("unknown_municipality", {"code": code, "where": where, "scenario": s.name}, (code,))
        elif s.has_province(prov) and m.province != prov:
            yield Hit("wrong_province", {"code": Muni(code), "actual": Prov(m.province),
                                         "stated": Prov(prov), "where": where},
                      (code,), (m.province, prov))
    for party in (*p.parties, *getattr(p, "coordinators", ())):
        if party.kind == "gemeente" and ctx.muni(party.code) is None:
            yield Hit("unknown_municipality", {"code": party.code, "where": "party",
                                               "scenario": s.name}, (party.code,))
        if party.kind == "provincie" and not s.has_province(party.code):
            yield Hit("unknown_province", {"code": party.code, "where": "party", "scenario": s.name},
                      provinces=(party.code,))
    for cp in p.counter_performance:
        for cp_code in (cp.by_code, cp.to_code):
            if cp_code and cp_code != "AenM" and ctx.muni(cp_code) is None and not s.has_province(cp_code):
                yield Hit("unknown_code", {"code": cp_code, "scenario": s.name})


@rule(
    "G3", section=f"{SEC_1}; {SEC_3}",
    title_nl="Niets dubbel geteld", title_en="Nothing counted twice",
    messages={
        "handed_over": ("{code} draagt in alle voorstellen samen {total} {category} plaatsen over "
                        "({proposals}), meer dan zijn taak van {task} in het verdeelbesluit.",
                        "{code} hands over {total} {category} places across all proposals "
                        "({proposals}), more than its verdeelbesluit task of {task}."),
        "backed": ("{code} belooft over alle surplusruilen samen {total} {category} plaatsen "
                   "({proposals}), meer dan zijn {extra} extra plaatsen.",
                   "{code} promises {total} {category} places across all surplus swaps ({proposals}), "
                   "more than its {extra} extra places."),
    },
)
def g3_not_counted_twice(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    for code, cat in dict.fromkeys((t.from_code, t.category) for t in p.transfers):
        m = ctx.muni(code)
        contributions = ctx.handed_over[(code, cat)]
        if m is not None and total(contributions) > m.verdeelbesluit.get(cat):
            yield Hit("handed_over", {"code": Muni(code), "category": cat,
                                      "total": total(contributions), "task": m.verdeelbesluit.get(cat),
                                      "proposals": proposal_ids(contributions)}, (code,))
    if isinstance(p, SurplusSwap):
        for code, cat in dict.fromkeys((t.to_code, t.category) for t in p.transfers):
            m = ctx.muni(code)
            contributions = ctx.backed[(code, cat)]
            if m is not None and total(contributions) > m.extra.get(cat):
                yield Hit("backed", {"code": Muni(code), "category": cat,
                                     "total": total(contributions), "extra": m.extra.get(cat),
                                     "proposals": proposal_ids(contributions)}, (code,))


@rule(
    "G4", section=SEC_VB,
    title_nl="Categorieën blijven gescheiden", title_en="Categories are conserved",
    messages={
        "merger_category": ("Samenvoeging in categorie {merger_category}, maar {code} brengt {places} "
                            "{category} plaatsen in.",
                            "Merger in category {merger_category}, but {code} brings in {places} "
                            "{category} places."),
        "no_task": ("{code} draagt {places} {category} plaatsen over maar heeft geen {category} taak: "
                    "plaatsen van de andere categorie zouden meetellen.",
                    "{code} hands over {places} {category} places but has no {category} task: places "
                    "of the other category would count instead."),
        "no_extra": ("{code} dekt {places} {category} plaatsen maar heeft geen extra {category} "
                     "plaatsen: plaatsen van de andere categorie zouden meetellen.",
                     "{code} backs {places} {category} places but has no extra {category} places: "
                     "places of the other category would count instead."),
    },
)
def g4_categories_conserved(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    for t in p.transfers:
        if isinstance(p, Merger) and t.category != p.category:
            yield Hit("merger_category", {"merger_category": p.category, "code": Muni(t.from_code),
                                          "places": t.places, "category": t.category}, (t.from_code,))
        src = ctx.muni(t.from_code)
        if src is not None and t.places and src.verdeelbesluit.get(t.category) == 0:
            yield Hit("no_task", {"code": Muni(t.from_code), "places": t.places,
                                  "category": t.category}, (t.from_code,))
        dst = ctx.muni(t.to_code)
        if isinstance(p, SurplusSwap) and dst is not None and t.places and dst.extra.get(t.category) == 0:
            yield Hit("no_extra", {"code": Muni(t.to_code), "places": t.places,
                                   "category": t.category}, (t.to_code,))


@rule(
    "G5", section=SEC_K,
    title_nl="Partijen, aantallen en tegenprestatie benoemd",
    title_en="Parties, numbers and counter-performance named",
    messages={
        "no_places": ("Het voorstel noemt geen plaatsen.", "The proposal names no places."),
        "missing_party": ("{code} ({role}) staat niet als partij in de overeenkomst.",
                          "{code} ({role}) is not named as a party to the agreement."),
        "no_counter": ("Geen tegenprestatie vastgelegd: noem wat er tegenover staat, of 'geen'.",
                       "No counter-performance recorded: state what stands against it, or 'none'."),
        "counter_open": ("Nog te doen vóór ondertekening: de tegenprestatie afspreken.",
                         "Still to do before signing: agree the counter-performance."),
        "counter_open_signed": ("Ondertekend terwijl de tegenprestatie nog af te spreken is.",
                                "Signed while the counter-performance is still to be agreed."),
        "counter_party": ("Tegenprestatie noemt {code}, dat geen partij is bij de overeenkomst.",
                          "Counter-performance names {code}, which is not a party to the agreement."),
    },
)
def g5_named(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    if not p.transfers:
        yield Hit("no_places")
    named = {party.code for party in p.parties if party.kind == "gemeente"}
    roles = {"surplus_swap": ("relieved", "source"), "merger": ("member", "host"),
             "uitruil": ("hands over", "realises")}[p.kind]
    seen: set[str] = set()
    for t in p.transfers:
        for code, role in ((t.from_code, roles[0]), (t.to_code, roles[1])):
            if code not in named and code not in seen:
                seen.add(code)
                yield Hit("missing_party", {"code": Muni(code), "role": role}, (code,))
    if isinstance(p, Merger) and p.host_code not in named and p.host_code not in seen:
        yield Hit("missing_party", {"code": Muni(p.host_code), "role": "host"}, (p.host_code,))
    if not p.counter_performance:
        yield Hit("no_counter")
    if any(cp.kind == "to_agree" for cp in p.counter_performance):
        yield (Hit("counter_open_signed") if p.process.status == "signed"
               else Hit("counter_open", severity="open"))
    all_parties = {party.code for party in p.parties}
    for cp in p.counter_performance:
        for code in dict.fromkeys(c for c in (cp.by_code, cp.to_code) if c):
            if code not in all_parties:
                yield Hit("counter_party", {"code": Muni(code) if ctx.muni(code) else code})


@rule(
    "G6", severity="warning", section=SEC_1,
    title_nl="Gevolgen van niet (tijdig) realiseren geregeld",
    title_en="What happens if the realiser fails is agreed",
    messages={
        "default": ("Raadzaam: leg vast wat de gevolgen zijn als {realisers} de plaatsen niet (tijdig) "
                    "realiseert.",
                    "Advisable: agree what happens if {realisers} fails to realise the places (in "
                    "time)."),
    },
)
def g6_failure_clause(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    if p.failure_clause is None or not p.failure_clause.strip():
        realisers: list[str] = list(dict.fromkeys(Muni(t.to_code) for t in p.transfers)) or ["-"]
        yield Hit("default", {"realisers": realisers}, tuple(realisers))

