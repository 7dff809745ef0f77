"""U1-U8: uitruil within one province (informatiebericht, section 1)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from herverdeling.checker.rules import process
from herverdeling.checker.rules.base import (
    SEC_1,
    SEC_K,
    AnyProposal,
    Context,
    Hit,
    Muni,
    Prov,
    involved_codes,
    rule,
)
from herverdeling.proposals import Merger, ProposalKind, Uitruil

U: tuple[ProposalKind, ...] = ("uitruil",)
# "plekken ten behoeve van de uitstroom van statushouders inbrengen" (note, "De verdeelbesluiten" 1)
OUTFLOW = re.compile(r"uitstroom", re.IGNORECASE)

SPUK_MESSAGES: dict[str, tuple[str, str]] = {
    "spuk_not_entitled": (
        "Tegenprestatie in SPUK door {code}, dat zijn plaatsen overdraagt: de SPUK volgt het gewijzigde "
        "verdeelbesluit en komt toe aan wie realiseert ({realisers}).",
        "Counter-performance in SPUK by {code}, which hands its places over: SPUK follows the amended "
        "verdeelbesluit and goes to the realiser ({realisers}).",
    ),
}
HOST_MESSAGES: dict[str, tuple[str, str]] = {
    "may_not_host": (
        "{code} realiseert {places} plaatsen, maar mag in dit scenario geen locatie huisvesten: na de "
        "wijziging is alleen {code} onder IBT aanspreekbaar.",
        "{code} realises {places} places but may not host a location in this scenario: after the "
        "amendment only {code} is accountable under IBT.",
    ),
}


def spuk_by_non_realiser(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U7 / S3: only the realiser (host) is entitled to SPUK, so only it can pass SPUK on."""
    givers = {t.from_code for t in p.transfers}
    realisers = list(dict.fromkeys(t.to_code for t in p.transfers))
    for cp in p.counter_performance:
        if cp.kind == "spuk" and cp.by_code in givers and cp.by_code not in realisers:
            yield Hit("spuk_not_entitled", {"code": Muni(cp.by_code),
                                            "realisers": [Muni(c) for c in realisers]}, (cp.by_code,))


def realiser_may_host(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U6 / S3 (model choice): IBT holds the realiser alone, so it must be able to host places."""
    intake: dict[str, float] = defaultdict(float)
    for t in p.transfers:
        intake[t.to_code] += t.places
    for code, places in intake.items():
        m = ctx.muni(code)
        if m is not None and not m.may_host and places > 0:
            yield Hit("may_not_host", {"code": Muni(code), "places": places}, (code,))


@rule(
    "U1", kinds=U, section=SEC_1,
    title_nl="Alle partijen zijn gemeenten van één provincie",
    title_en="All parties are municipalities of one province",
    messages={
        "several_provinces": ("De gemeenten liggen in meer dan één provincie ({provinces}): uitruil kan "
                              "alleen binnen de eigen provincie.",
                              "The municipalities lie in more than one province ({provinces}): uitruil "
                              "is only possible within one province."),
        "party_outside": ("Partij {code} ligt in {actual}, buiten {province}.",
                          "Party {code} lies in {actual}, outside {province}."),
        "ministry_party": ("Het ministerie staat als partij genoemd; het wordt geïnformeerd, het is geen "
                           "partij.",
                           "The ministry is named as a party; it is informed, it is not a party."),
        "self": ("{code} draagt plaatsen aan zichzelf over.", "{code} hands places over to itself."),
    },
)
def u1_one_province(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, Uitruil)
    provinces = list(dict.fromkeys(pr for c in involved_codes(p) if (pr := ctx.province_of(c))))
    if len(provinces) > 1:
        yield Hit("several_provinces", {"provinces": [Prov(x) for x in provinces]},
                  tuple(involved_codes(p)), tuple(provinces))
    for party in p.parties:
        if party.kind == "gemeente" and (m := ctx.muni(party.code)) and m.province != p.province:
            yield Hit("party_outside", {"code": Muni(party.code), "actual": Prov(m.province),
                                        "province": Prov(p.province)}, (party.code,))
        if party.kind == "ministerie" or party.code == "AenM":
            yield Hit("ministry_party")
    for t in p.transfers:
        if t.from_code == t.to_code:
            yield Hit("self", {"code": Muni(t.from_code)}, (t.from_code,))


@rule("U2", kinds=U, section=SEC_1, title_nl="Schriftelijke overeenkomst",
      title_en="A written agreement records it", messages=process.WRITTEN_MESSAGES)
def u2_written(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from process.written(ctx, p)


@rule("U3", kinds=U, section=SEC_1, title_nl="PRT en ministerie geïnformeerd",
      title_en="The PRT and the ministry are informed", messages=process.INFORMED_MESSAGES)
def u3_informed(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from process.informed(ctx, p)


@rule("U4", kinds=U, section=SEC_1, title_nl="Tijdig gemeld bij het ministerie",
      title_en="The ministry knows of it by the notification deadline", messages=process.DEADLINE_MESSAGES)
def u4_deadline(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from process.notified_by_deadline(ctx, p)


@rule(
    "U5", kinds=U, section=SEC_1,
    title_nl="Verwerkt als wijziging van het verdeelbesluit; provinciaal totaal ongewijzigd",
    title_en="Processed as an amendment; the province's total is unchanged",
    messages={
        "total_changes": ("De wijziging verandert het totaal {category} van {province} met {net}: het "
                          "verdeelbesluit telt dan niet meer op.",
                          "The amendment changes {province}'s {category} total by {net}: the "
                          "verdeelbesluit would no longer add up."),
    },
)
def u5_total_unchanged(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, Uitruil | Merger)
    net: dict[str, float] = defaultdict(float)
    for t in p.transfers:
        if ctx.province_of(t.from_code) == p.province:
            net[t.category] -= t.places
        if ctx.province_of(t.to_code) == p.province:
            net[t.category] += t.places
    for cat, change in net.items():
        if change != 0:
            yield Hit("total_changes", {"category": cat, "province": Prov(p.province), "net": change},
                      provinces=(p.province,))


@rule("U6", kinds=U, section=SEC_1, title_nl="Alleen de realiserende gemeente is aanspreekbaar (IBT)",
      title_en="Only the realiser is accountable under IBT", messages=HOST_MESSAGES)
def u6_realiser_accountable(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from realiser_may_host(ctx, p)


@rule("U7", kinds=U, section=f"{SEC_1}; {SEC_K}", title_nl="SPUK volgt het gewijzigde verdeelbesluit",
      title_en="SPUK follows the amended verdeelbesluit", messages=SPUK_MESSAGES)
def u7_spuk(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from spuk_by_non_realiser(ctx, p)


@rule(
    "U8", kinds=U, section=SEC_1,
    title_nl="Tegenprestatie: overname van (een deel van) de taak huisvesting statushouders of de "
             "opvang van Oekraïners, of anders afgesproken",
    title_en="Counter-performance: taking over (part of) the statushouders housing task or Ukrainian "
             "reception, or anything agreed",
    messages={
        "outflow": ("Tegenprestatie {kind} beschrijft het inbrengen van plaatsen voor de uitstroom van "
                    "statushouders. Dat is een manier om aan de eigen taak te voldoen (aan de PRT, "
                    "'net zoals eerder'), geen tegenprestatie.",
                    "Counter-performance {kind} describes bringing in places for the outflow of "
                    "statushouders. That is a way to meet one's own task (at the PRT, 'net zoals "
                    "eerder'), not a counter-performance."),
        "who": ("Tegenprestatie {kind}: noem welke gemeente van deze uitruil de taak overneemt en van "
                "wie (nu: {by} -> {to}).",
                "Counter-performance {kind}: name which municipality of this uitruil takes the task "
                "over, and from whom (now: {by} -> {to})."),
        "amount": ("Tegenprestatie {kind} door {by}: het aantal ontbreekt.",
                   "Counter-performance {kind} by {by}: the amount is missing."),
        "above_request": ("{code} draagt in uitruil {places} plaatsen {category} over ({proposals}), "
                          "meer dan de {request} waarom het verzocht: de tegenprestatie is "
                          "afgesproken tegen het verzoek.",
                          "{code} hands over {places} {category} places in uitruil ({proposals}), "
                          "more than the {request} it asked to hand over: the counter-performance "
                          "was agreed against the request."),
    },
)
def u8_counter_performance(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U8: what stands against the places. Taking over (part of) the other's statushouders task is
    a counter-performance; places for the outflow of statushouders are a way to meet the task."""
    # A municipality named as a party also belongs to the uitruil: the third municipality of a
    # three-cycle moves no places, it only gives and receives a counter-performance.
    codes = set(involved_codes(p)) | {x.code for x in p.parties if x.kind == "gemeente"}
    for cp in p.counter_performance:
        if OUTFLOW.search(cp.description):
            yield Hit("outflow", {"kind": cp.kind}, severity="warning")
        if cp.kind not in ("statushouders", "oekrainers"):
            continue  # 'none', 'spuk', 'other' and 'to_agree' are free (G5 handles 'to_agree')
        if cp.by_code not in codes or cp.to_code not in codes or cp.by_code == cp.to_code:
            yield Hit("who", {"kind": cp.kind, "by": cp.by_code or "-", "to": cp.to_code or "-"})
        elif cp.amount is None:
            yield Hit("amount", {"kind": cp.kind, "by": Muni(cp.by_code)}, (cp.by_code,))
    yield from above_request(ctx, p)


def above_request(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    """U8 (consistency): across all uitruil, a requester hands over at most what it asked.

    The counter-performance is agreed against the request (scenario input `request_*`), so a
    transfer raised by hand above it (26 -> 27 places while the counter-performance says 26)
    is an error. A municipality with no request recorded (all zero) is not judged here: the
    scenario then simply has no uitruil inputs.
    """
    for code, category in dict.fromkeys((t.from_code, t.category) for t in p.transfers):
        m = ctx.muni(code)
        if m is None or m.uitruil.request.total == 0:
            continue
        given = [(q.id, t.places) for q in ctx.proposals.of_kind("uitruil") for t in q.transfers
                 if t.from_code == code and t.category == category]
        places = sum(n for _, n in given)
        request = m.uitruil.request.get(category)
        if places > request:
            yield Hit("above_request", {"code": Muni(code), "places": places, "category": category,
                                        "request": request,
                                        "proposals": list(dict.fromkeys(i for i, _ in given))},
                      (code,))
