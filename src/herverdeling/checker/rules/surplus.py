"""P1-P11: a plusprovincie's surplus relieves municipalities in a restopgave province (section 3)."""

from __future__ import annotations

from collections.abc import Iterator

from herverdeling.checker.rules import process
from herverdeling.checker.rules.base import (
    SEC_3,
    AnyProposal,
    Context,
    Hit,
    Muni,
    Prov,
    party_codes,
    proposal_ids,
    rule,
    total,
)
from herverdeling.proposals import ProposalKind, SurplusSwap

P: tuple[ProposalKind, ...] = ("surplus_swap",)


def _is_ministry(kind: str, code: str | None) -> bool:
    return kind == "ministerie" or code == "AenM"


@rule(
    "P1", kinds=P, section=SEC_3,
    title_nl="De bron is een plusprovincie", title_en="The source is a plusprovincie",
    messages={
        "not_plus": ("{province} heeft geen {category} surplus (verdeelbesluit {vb}, provinciale opgave "
                     "{opgave}): het is voor deze categorie geen plusprovincie.",
                     "{province} has no {category} surplus (verdeelbesluit {vb}, provincial opgave "
                     "{opgave}): it is not a plusprovincie for this category."),
    },
)
def p1_plusprovincie(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    s = ctx.scenario
    if not s.has_province(p.source_province):
        return  # G2
    for cat in dict.fromkeys(t.category for t in p.transfers):
        if s.surplus(p.source_province).get(cat) <= 0:
            yield Hit("not_plus", {"province": Prov(p.source_province), "category": cat,
                                   "vb": s.verdeelbesluit_total(p.source_province).get(cat),
                                   "opgave": s.province(p.source_province).opgave.get(cat)},
                      provinces=(p.source_province,))


@rule(
    "P2", kinds=P, section=SEC_3,
    title_nl="Alleen het surplus kan worden uitgeruild", title_en="Only the surplus can be swapped",
    messages={
        "exceeded": ("Over alle overeenkomsten samen ({proposals}) ruilt {province} {total} {category} "
                     "plaatsen uit, meer dan zijn surplus van {surplus}.",
                     "Across all agreements ({proposals}) {province} swaps out {total} {category} "
                     "places, more than its surplus of {surplus}."),
    },
)
def p2_surplus_cap(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    if not ctx.scenario.has_province(p.source_province):
        return
    for cat in dict.fromkeys(t.category for t in p.transfers):
        contributions = ctx.swapped_out[(p.source_province, cat)]
        surplus = ctx.scenario.surplus(p.source_province).get(cat)
        if total(contributions) > surplus:
            yield Hit("exceeded", {"province": Prov(p.source_province), "category": cat,
                                   "total": total(contributions), "surplus": surplus,
                                   "proposals": proposal_ids(contributions)},
                      provinces=(p.source_province,))


@rule(
    "P3", kinds=P, section=SEC_3,
    title_nl="De ontvangende provincie had een restopgave",
    title_en="The sink province had a restopgave",
    messages={
        "no_restopgave": ("{province} had geen restopgave in zijn verdeelbesluit.",
                          "{province} had no restopgave in its verdeelbesluit."),
        "outside_sink": ("Ontlaste gemeente {code} ligt in {actual}, niet in {province}.",
                         "Relieved municipality {code} lies in {actual}, not in {province}."),
    },
)
def p3_sink_restopgave(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    s = ctx.scenario
    if not s.has_province(p.sink_province):
        return
    if s.restopgave(p.sink_province).total <= 0:
        yield Hit("no_restopgave", {"province": Prov(p.sink_province)}, provinces=(p.sink_province,))
    for code in dict.fromkeys(t.from_code for t in p.transfers):
        actual = ctx.province_of(code)
        if actual is not None and actual != p.sink_province:
            yield Hit("outside_sink", {"code": Muni(code), "actual": Prov(actual),
                                       "province": Prov(p.sink_province)}, (code,), (actual,))


@rule(
    "P4", kinds=P, section=SEC_3,
    title_nl="Schriftelijke uitruilovereenkomst tussen provincies en gemeenten; AenM geen partij",
    title_en="Written uitruilovereenkomst between provinces and municipalities; AenM is not a party",
    messages={
        **process.WRITTEN_MESSAGES,
        "ministry_party": ("{name} staat als partij genoemd: het ministerie (AenM) is geen partij bij "
                           "een uitruil van het surplus.",
                           "{name} is named as a party: the ministry (AenM) is not a party to a surplus "
                           "swap."),
        "province_missing": ("Provincie {province} staat niet als partij in de overeenkomst.",
                             "Province {province} is not named as a party to the agreement."),
    },
)
def p4_written_parties(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    yield from process.written(ctx, p, with_deadline=False)
    for party in p.parties:
        if _is_ministry(party.kind, party.code):
            yield Hit("ministry_party", {"name": party.name or party.code})
    named = party_codes(p, "provincie")
    for prov in dict.fromkeys((p.source_province, p.sink_province)):
        if prov not in named:
            yield Hit("province_missing", {"province": Prov(prov)}, provinces=(prov,))


@rule(
    "P5", kinds=P, section=SEC_3,
    title_nl="Elke ontlaste gemeente en het precieze aantal staan erin",
    title_en="Each relieved municipality and exactly how many places are named",
    messages={
        "not_named": ("{code} wordt met {places} {category} plaatsen ontlast maar staat niet als partij "
                      "in de overeenkomst.",
                      "{code} is relieved of {places} {category} places but is not named as a party to "
                      "the agreement."),
        "no_number": ("Voor {code} staat geen positief aantal ontlaste {category} plaatsen ({places}).",
                      "No positive number of relieved {category} places is given for {code} ({places})."),
    },
)
def p5_relieved_named(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    named = party_codes(p, "gemeente")
    for (code, cat), places in p.relieved().items():
        v = {"code": Muni(code), "category": cat, "places": places}
        if code not in named:
            yield Hit("not_named", v, (code,))
        if not places > 0:
            yield Hit("no_number", v, (code,))


@rule(
    "P6", kinds=P, section=SEC_3,
    title_nl="De commissarissen van de Koning coördineren", title_en="The commissarissen coordinate",
    messages={
        "missing": ("De commissaris van de Koning van {province} staat niet als coördinator genoemd.",
                    "The commissaris van de Koning of {province} is not named as coordinator."),
        "ministry": ("Het ministerie staat als coördinator genoemd; de commissarissen coördineren als "
                     "rijksorgaan.",
                     "The ministry is named as coordinator; the commissarissen coordinate as "
                     "rijksorgaan."),
    },
)
def p6_coordinators(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    named = {c.code for c in p.coordinators if c.kind == "provincie"}
    for prov in dict.fromkeys((p.source_province, p.sink_province)):
        if prov not in named:
            yield Hit("missing", {"province": Prov(prov)}, provinces=(prov,))
    if any(_is_ministry(c.kind, c.code) for c in p.coordinators):
        yield Hit("ministry")


@rule("P7", kinds=P, section=SEC_3, title_nl="Het ministerie wordt per ommegaande geïnformeerd",
      title_en="The ministry is informed immediately", messages=process.IMMEDIATE_MESSAGES)
def p7_immediately(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from process.informed_immediately(ctx, p)


@rule(
    "P8", kinds=P, section=SEC_3,
    title_nl="Geen wijziging van het verdeelbesluit: de uitruil gaat over de provinciegrens",
    title_en="No verdeelbesluit is amended: the swap crosses a provincial border",
    messages={
        "same_province": ("{from_code} en {to_code} liggen beide in {province}: binnen een provincie is "
                          "dit uitruil (wijziging van het verdeelbesluit), geen surplusruil.",
                          "{from_code} and {to_code} both lie in {province}: within one province this "
                          "is uitruil (an amendment), not a surplus swap."),
    },
)
def p8_crosses_border(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, SurplusSwap)
    for t in p.transfers:
        a, b = ctx.province_of(t.from_code), ctx.province_of(t.to_code)
        if a is not None and a == b:
            yield Hit("same_province", {"from_code": Muni(t.from_code), "to_code": Muni(t.to_code),
                                        "province": Prov(a)}, (t.from_code, t.to_code), (a,))


@rule(
    "P9", kinds=P, section=SEC_3,
    title_nl="SPUK ongewijzigd: ontlaste plaatsen leveren niets op",
    title_en="SPUK unchanged: relieved places earn nothing",
    messages={
        "relieved_spuk": ("Tegenprestatie in SPUK door ontlaste gemeente {code}: voor ontlaste plaatsen "
                          "ontvangt zij geen SPUK.",
                          "Counter-performance in SPUK by relieved municipality {code}: relieved places "
                          "earn it no SPUK."),
    },
)
def p9_spuk(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    relieved = {t.from_code for t in p.transfers}
    for cp in p.counter_performance:
        if cp.kind == "spuk" and cp.by_code in relieved:
            yield Hit("relieved_spuk", {"code": Muni(cp.by_code)}, (cp.by_code,))


@rule(
    "P10", kinds=P, section=SEC_3,
    title_nl="Tegenprestatie vrij af te spreken tussen provincies en gemeenten",
    title_en="Counter-performance is free to agree between provinces and municipalities",
    messages={
        "ministry": ("Tegenprestatie {kind} noemt het ministerie ({code}); de tegenprestatie is een zaak "
                     "van de betrokken provincies en gemeenten.",
                     "Counter-performance {kind} names the ministry ({code}); it is a matter for the "
                     "provinces and municipalities involved."),
    },
)
def p10_counter_free(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    ministry = {party.code for party in p.parties if party.kind == "ministerie"} | {"AenM"}
    for cp in p.counter_performance:
        for code in (cp.by_code, cp.to_code):
            if code in ministry:
                yield Hit("ministry", {"kind": cp.kind, "code": code})


@rule(
    "P11", kinds=P, section=SEC_3,
    title_nl="Ontlasting per gemeente ten hoogste het plafond van het scenario",
    title_en="Relief per municipality at most the scenario's cap",
    messages={
        "cap": ("{code} wordt over alle overeenkomsten samen ({proposals}) met {total} {category} "
                "plaatsen ontlast, meer dan het plafond van {cap} ({basis}).",
                "{code} is relieved of {total} {category} places across all agreements ({proposals}), "
                "more than the cap of {cap} ({basis})."),
    },
)
def p11_relief_cap(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    basis = ctx.scenario.options.relief_cap
    for code, cat in dict.fromkeys((t.from_code, t.category) for t in p.transfers):
        m = ctx.muni(code)
        contributions = ctx.relief[(code, cat)]
        if m is not None and total(contributions) > ctx.scenario.relief_cap(m, cat):
            yield Hit("cap", {"code": Muni(code), "category": cat, "total": total(contributions),
                              "cap": ctx.scenario.relief_cap(m, cat),
                              "basis": "restopgave" if basis == "restopgave" else "task",
                              "proposals": proposal_ids(contributions)}, (code,))
