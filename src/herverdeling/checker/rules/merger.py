"""S1-S4: merging small tasks at a host in the same province (informatiebericht, section 2)."""

from __future__ import annotations

from collections.abc import Iterator

from herverdeling.checker.rules import process
from herverdeling.checker.rules.base import (
    SEC_2,
    AnyProposal,
    Context,
    Hit,
    Muni,
    Prov,
    involved_codes,
    is_whole,
    rule,
    total,
)
from herverdeling.checker.rules.uitruil import (
    HOST_MESSAGES,
    SPUK_MESSAGES,
    realiser_may_host,
    spuk_by_non_realiser,
)
from herverdeling.proposals import Merger, ProposalKind

S: tuple[ProposalKind, ...] = ("merger",)


@rule(
    "S1", kinds=S, section=SEC_2,
    title_nl="Gastgemeente en deelnemers liggen in één provincie",
    title_en="Host and members are in one province",
    messages={
        "several_provinces": ("Gastgemeente {host} en deelnemers liggen in meer dan één provincie "
                              "({provinces}): samenvoegen kan niet over de provinciegrens.",
                              "Host {host} and members lie in more than one province ({provinces}): "
                              "a merger cannot cross a provincial border."),
    },
)
def s1_one_province(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, Merger)
    codes = involved_codes(p)
    provinces = list(dict.fromkeys(pr for c in codes if (pr := ctx.province_of(c))))
    if len(provinces) > 1:
        outside = [c for c in codes if ctx.province_of(c) not in (None, ctx.province_of(p.host_code))]
        yield Hit("several_provinces", {"host": Muni(p.host_code), "provinces": [Prov(x) for x in provinces]},
                  (p.host_code, *outside), tuple(provinces))


@rule(
    "S2", kinds=S, section=SEC_2,
    title_nl="Samenvoegen binnen de categorie, bij de gastgemeente",
    title_en="Merged within its category, at the host",
    messages={
        "category": ("{code} brengt {places} {category} plaatsen in een {merger_category} samenvoeging "
                     "in: samenvoegen gebeurt per categorie.",
                     "{code} brings {places} {category} places into a {merger_category} merger: tasks "
                     "are merged within their category."),
        "not_to_host": ("{code} draagt plaatsen over aan {to}, niet aan gastgemeente {host}.",
                        "{code} hands places to {to}, not to the host {host}."),
    },
)
def s2_within_category(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, Merger)
    for t in p.transfers:
        if t.category != p.category:
            yield Hit("category", {"code": Muni(t.from_code), "places": t.places, "category": t.category,
                                   "merger_category": p.category}, (t.from_code,))
        if t.to_code != p.host_code:
            yield Hit("not_to_host", {"code": Muni(t.from_code), "to": Muni(t.to_code),
                                      "host": Muni(p.host_code)}, (t.from_code, t.to_code))


@rule(
    "S3", kinds=S, section=SEC_2,
    title_nl="Zelfde gevolgen als uitruil: schriftelijk, gemeld, tijdig; alleen de gastgemeente "
             "aanspreekbaar",
    title_en="Same consequences as uitruil: written, informed, on time; only the host accountable",
    messages={**process.WRITTEN_MESSAGES, **process.INFORMED_MESSAGES, **process.DEADLINE_MESSAGES,
              **HOST_MESSAGES, **SPUK_MESSAGES},
)
def s3_as_uitruil(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    yield from process.written(ctx, p)
    yield from process.informed(ctx, p)
    yield from process.notified_by_deadline(ctx, p)
    yield from realiser_may_host(ctx, p)
    yield from spuk_by_non_realiser(ctx, p)


@rule(
    "S4", kinds=S, section=SEC_2,
    title_nl="Nieuwe taak gastgemeente = eigen taak + ingebrachte plaatsen",
    title_en="Host's new task = its own + the members' places",
    messages={
        "host_own": ("Eigen opgave van {host} staat op {stated}, maar na alle afspraken houdt {host} "
                     "{own} eigen {category} plaatsen (verdeelbesluit {task} - overgedragen of ontlast "
                     "{out}).",
                     "{host}'s own task is given as {stated}, but after all agreements {host} keeps {own} "
                     "own {category} places (verdeelbesluit {task} - handed over or relieved {out})."),
        "location_size": ("Locatie bij {host} telt {stated} plaatsen; eigen {own} + ingebracht {intake} "
                          "= {expected}.",
                          "Location at {host} counts {stated} places; own {own} + merged {intake} = "
                          "{expected}."),
        "host_member": ("Gastgemeente {host} staat ook als deelnemer genoemd.",
                        "Host {host} is also listed as a member."),
    },
)
def s4_host_task(ctx: Context, p: AnyProposal) -> Iterator[Hit]:
    assert isinstance(p, Merger)
    host = ctx.muni(p.host_code)
    if host is not None and is_whole(p.host_own_places):
        # The host's own places are what the ledger keeps for it: its verdeelbesluit task minus all it
        # hands over or is relieved of across the set (a surplus swap may have relieved it first).
        task = host.verdeelbesluit.get(p.category)
        out = total(ctx.handed_over[(p.host_code, p.category)])
        if p.host_own_places != task - out:
            yield Hit("host_own", {"host": Muni(p.host_code), "stated": p.host_own_places, "own": task - out,
                                   "task": task, "out": out, "category": p.category}, (p.host_code,))
    intake = sum(t.places for t in p.transfers if t.to_code == p.host_code)
    if p.location_size != p.host_own_places + intake:
        yield Hit("location_size", {"host": Muni(p.host_code), "stated": p.location_size,
                                    "own": p.host_own_places, "intake": intake,
                                    "expected": p.host_own_places + intake}, (p.host_code,))
    if p.host_code in p.member_codes:
        yield Hit("host_member", {"host": Muni(p.host_code)}, (p.host_code,))
