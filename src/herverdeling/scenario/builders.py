"""Build the bundled round scenarios (nl-2025, nl-2026) from the public facts in the repository's data/.

Reproducible and seeded: `python -m herverdeling.scenario.builders --data data --round 2025
--out scenarios/nl-2025` (or `--round 2026`) writes the same files every time (data/README.md
says where each source file comes from). What is not public is an explicit, labelled
assumption in scenario.yaml, with the rule that produced it.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import Field

from herverdeling.apportion import largest_remainder
from herverdeling.errors import ScenarioError
from herverdeling.resources import bundled_dir
from herverdeling.scenario.facts import FACTS_FILE, Fact, RoundFacts, read_round_facts
from herverdeling.scenario.io import MUNICIPALITIES_FILE, write_scenario
from herverdeling.scenario.model import (
    CATEGORIES,
    Assumption,
    Category,
    Extension,
    Frozen,
    Municipality,
    Norms,
    Point,
    Province,
    Round,
    Scenario,
    Tasks,
    UitruilInputs,
)
from herverdeling.settings import load_norms

SEED = 2025
PLUSPROVINCIES = ("GR", "FR", "DR", "FL", "LI")
RESTOPGAVE_PROVINCES = ("ZH", "NH", "GE", "OV", "UT")  # besides NB, whose restopgave is a fact
NB_RESTOPGAVE_MUNICIPALITIES = 17
# Uitruil layer (assumption A-uitruil): where offers and requests are drawn, and task densities.
UITRUIL_PROVINCES = ("NB", "ZH", "NH", "GE", "OV", "UT")
STATUSHOUDERS_PER_1000 = 2
OEKRAINERS_PER_1000 = 5
# Seeded location sizes for own plans (within the norms; see assumption A-own-plans).
LOCATION_SIZES: dict[Category, tuple[int, int, int]] = {
    "regulier": (50, 400, 10),  # lowest, highest, step
    "amv": (16, 48, 4),
}


@dataclass
class _ProvinceBuild:
    province: Province
    members: list[dict]
    plan: dict[Category, int] = field(default_factory=dict)
    restopgave: dict[Category, int] = field(default_factory=dict)
    surplus: dict[Category, int] = field(default_factory=dict)


def _split_by_amv_share(total: int, province: Province) -> dict[Category, int]:
    amv = largest_remainder(total, {"amv": province.opgave.amv,
                                    "regulier": province.opgave.regulier})
    return {"regulier": amv["regulier"], "amv": amv["amv"]}


A_INDICATIVE = Assumption(
    id="A-indicative", kind="assumption",
    statement="Indicative task per municipality = provincial opgave x its share of the "
              "province's population, largest-remainder rounding; AMV likewise from the "
              "province's AMV figure (the official key also uses the CBS SES-WOA score, "
              "which is not in the data here).",
    source="DOMAIN.md (indicative distribution); data/gemeenten-2024.csv population",
)
A_MAY_HOST = Assumption(
    id="A-may-host", kind="assumption",
    statement="Every municipality may host a merged location unless a scenario says otherwise.",
    source="issue 2, assumption e",
)
F_MUNICIPALITIES = Assumption(
    id="F-municipalities", kind="fact",
    statement="The 342 municipalities of 1 Jan 2024 with CBS code, province, population "
              "(2025) and a representative point (WGS84).",
    source="data/gemeenten-2024.csv (CBS boundary set 2024; GeoNames points)",
)


def _apply_indicative(builds: dict[str, _ProvinceBuild],
                      known: Mapping[str, Tasks] | None = None) -> None:
    """Each member's indicative task per category: the opgave by population share (A-indicative);
    a `known` (published) indicative task is kept and the rest of the opgave shared by population."""
    known = known or {}
    for b in builds.values():
        for c in CATEGORIES:
            fixed = {m["cbs_code"]: known[m["cbs_code"]].get(c) for m in b.members
                     if m["cbs_code"] in known}
            share = largest_remainder(b.province.opgave.get(c) - sum(fixed.values()),
                                      {m["cbs_code"]: int(m["population"]) for m in b.members
                                       if m["cbs_code"] not in fixed})
            for m in b.members:
                m[f"indicative_{c}"] = fixed.get(m["cbs_code"], share.get(m["cbs_code"], 0))


def _azc_assumptions(known: list[dict], use: str = "own-plan") -> list[Assumption]:
    return [Assumption(
        id=f"F-azc-{loc['code']}-{loc['plaats'].replace(' ', '-')}", kind="fact",
        statement=f"Regular azc in {loc['gemeente']} ({loc['plaats']}), {loc['capaciteit']} "
                  f"places as of {loc['peildatum']}; used as a known {use} location.",
        source=loc["bron"],
    ) for loc in known]


def _municipalities(builds: dict[str, _ProvinceBuild]) -> list[Municipality]:
    """The Municipality models of the built rows, by CBS code (verdeelbesluit = own plan + rest)."""
    out = []
    for code in sorted(builds):
        for m in builds[code].members:
            out.append(Municipality(
                cbs_code=m["cbs_code"], name=m["name"], province=code,
                population=int(m["population"]),
                point=Point(lat=float(m["lat"]), lon=float(m["lon"])),
                indicative=Tasks.of({c: m[f"indicative_{c}"] for c in CATEGORIES}),
                own_plan=Tasks.of({c: m[f"own_plan_{c}"] for c in CATEGORIES}),
                restopgave=Tasks.of({c: m[f"restopgave_{c}"] for c in CATEGORIES}),
                extra=Tasks.of({c: m[f"extra_{c}"] for c in CATEGORIES}),
                verdeelbesluit=Tasks.of({c: m[f"own_plan_{c}"] + m[f"restopgave_{c}"]
                                         for c in CATEGORIES}),
            ))
    out.sort(key=lambda m: m.cbs_code)
    return out


class PinnedTask(Frozen):
    """A municipality's published verdeelbesluit (and, where given, its indicative task)."""

    cbs_code: str
    verdeelbesluit: Tasks
    indicative: Tasks | None = None
    fact: Fact


_NUMBER = r"(\d[\d,]*)"


def _places(text: str) -> int:
    return int(text.replace(",", ""))


def pinned_tasks(facts: RoundFacts) -> dict[str, PinnedTask]:
    """The municipal verdeelbesluiten of rounds-facts.csv: "N regulier + M AMV", or a regular
    figure "plus AMV M"; "(indicative K)" after either figure gives the indicative task."""
    out = {}
    for f in facts.of_scope("municipality"):
        both = re.search(_NUMBER + r" regulier \+ " + _NUMBER + " AMV", f.statement)
        amv = re.search(r"plus AMV " + _NUMBER + r"(?: \(indicative " + _NUMBER + r"\))?",
                        f.statement)
        if both:
            vb = Tasks(regulier=_places(both.group(1)), amv=_places(both.group(2)))
            if vb.total != f.figure:
                raise ScenarioError(f"{vb.regulier} regulier + {vb.amv} AMV is not the figure "
                                    f"{f.figure}", file=FACTS_FILE, row=f.row, field="statement")
            indicative = None
        elif amv and f.figure is not None:
            vb = Tasks(regulier=f.figure, amv=_places(amv.group(1)))
            reg_ind = re.search(f"{f.figure:,}" + r" places \(indicative " + _NUMBER + r"\)",
                                f.statement)
            indicative = (Tasks(regulier=_places(reg_ind.group(1)), amv=_places(amv.group(2)))
                          if reg_ind and amv.group(2) else None)
        else:
            raise ScenarioError("expected 'N regulier + M AMV' or 'N places ... plus AMV M' in the "
                                "statement", file=FACTS_FILE, row=f.row, field="statement")
        out[f.code] = PinnedTask(cbs_code=f.code, verdeelbesluit=vb, indicative=indicative, fact=f)
    return out


def build_nl_2025(data_dir: Path, seed: int = SEED, norms: Norms | None = None) -> Scenario:
    """The 2025 round as of 15 Jan 2025, after the verdeelbesluiten of 20 Dec 2024.

    Sharpened by the 2025 rows of data/rounds-facts.csv: the national restopgave and its method
    (in proportion to the indicative distribution), the published verdeelbesluiten of
    's-Gravenhage and Utrecht, and the netting within provinces.
    """
    facts = read_round_facts(data_dir, "2025")
    pins = pinned_tasks(facts)
    method = [f for f in facts.of_scope("method") if f.figure is not None]
    if len(method) != 1:
        raise ScenarioError(f"expected one 2025 method row with the restopgave figure, found "
                            f"{len(method)}", file=FACTS_FILE, field="figure")
    national_restopgave = method[0].figure
    assert national_restopgave is not None
    norms = norms or load_norms("coa-2024")
    prov_df = pd.read_csv(data_dir / "provincies-2024.csv", dtype=str, keep_default_na=False)
    gem_df = pd.read_csv(data_dir / "gemeenten-2024.csv", dtype=str, keep_default_na=False)
    azc_df = pd.read_csv(data_dir / "azc-locaties-partial.csv", dtype=str,
                         keep_default_na=False)
    rng = random.Random(seed)
    assumptions: list[Assumption] = []

    provinces: list[Province] = []
    by_name: dict[str, str] = {}
    for r in prov_df.to_dict("records"):
        total, amv = int(r["opgave_total"]), int(r["opgave_amv"])
        provinces.append(Province(
            code=r["code"], name=r["name"], opgave=Tasks(regulier=total - amv, amv=amv),
            amv_is_estimate=r["amv_is_estimate"] == "true",
            plan_reported=int(r["plan_reported_2024"]) if r["plan_reported_2024"] else None,
            source=r["source"],
        ))
        by_name[r["name"]] = r["code"]
        assumptions.append(Assumption(
            id=f"F-opgave-{r['code']}", kind="fact",
            statement=f"{r['name']}: provinciale opvangopgave {total} (AMV {amv}"
                      f"{', estimated at the national share' if r['amv_is_estimate'] == 'true' else ''})"
                      + (f"; plan reported 2024: {r['plan_reported_2024']}"
                         if r["plan_reported_2024"] else ""),
            source=r["source"],
        ))
    prov_by_code = {p.code: p for p in provinces}
    builds = {p.code: _ProvinceBuild(p, []) for p in provinces}
    known_rest = {r["code"]: int(r["restopgave"]) for r in prov_df.to_dict("records")
                  if r["restopgave"]}
    for r in sorted(gem_df.to_dict("records"), key=lambda r: r["cbs_code"]):
        builds[by_name[r["province"]]].members.append(r)

    # a. indicative task: opgave x population share, largest remainder, per category; a
    # published indicative task (Utrecht) is taken as it is and the rest shared by population.
    _apply_indicative(builds, {k: v.indicative for k, v in pins.items() if v.indicative})
    assumptions.append(A_INDICATIVE)

    # b. plusprovincies: verdeelbesluit total = reported plan.
    for code in PLUSPROVINCIES:
        p = prov_by_code[code]
        assert p.plan_reported is not None
        surplus = p.plan_reported - p.opgave.total
        builds[code].surplus = _split_by_amv_share(surplus, p)
    assumptions.append(Assumption(
        id="A-plusprovincies", kind="assumption",
        statement="Plusprovincies Groningen, Friesland, Drenthe, Flevoland and Limburg have a "
                  "verdeelbesluit total equal to their reported plan (4,525 / 4,305 / 4,182 / "
                  "3,580 / 5,916); the surplus is split over regulier and AMV at the province's "
                  "AMV share (largest remainder). Each municipality's extra places (its share of "
                  "the surplus) = the surplus apportioned (largest remainder) over the "
                  "municipalities in proportion to how far their own plan exceeds their "
                  "indicative task.",
        source="data/provincies-2024.csv plan_reported (ANP, provincial reports 2024); "
               "rule: this builder",
    ))

    # c. restopgave 6,000: Noord-Brabant 1,003 (fact), 4,997 over five provinces by shortfall.
    nb = prov_by_code["NB"]
    nb_rest = known_rest["NB"]
    builds["NB"].restopgave = _split_by_amv_share(nb_rest, nb)
    shortfall = {}
    for code in RESTOPGAVE_PROVINCES:
        p = prov_by_code[code]
        if p.plan_reported is not None:
            shortfall[code] = p.opgave.total - p.plan_reported
    rate = sum(shortfall.values()) / sum(prov_by_code[c].opgave.total for c in shortfall)
    for code in RESTOPGAVE_PROVINCES:
        if code not in shortfall:
            shortfall[code] = round(prov_by_code[code].opgave.total * rate)
    rest = largest_remainder(national_restopgave - nb_rest, shortfall)
    for code in RESTOPGAVE_PROVINCES:
        builds[code].restopgave = _split_by_amv_share(rest[code], prov_by_code[code])
    assumptions.append(Assumption(
        id="F-restopgave-NB", kind="fact",
        statement="Noord-Brabant's restopgave is 1,003 places over 17 municipalities.",
        source=prov_by_code["NB"].source,
    ))
    assumptions.append(Assumption(
        id="A-restopgave", kind="assumption",
        statement=f"National restopgave {national_restopgave:,} (fact, data/{FACTS_FILE} row "
                  f"{method[0].row}). Besides Noord-Brabant's 1,003 "
                  "the other 4,997 are apportioned over Zuid-Holland, Noord-Holland, Gelderland, "
                  "Overijssel and Utrecht in proportion to their reported shortfall (opgave minus "
                  "plan: " + ", ".join(f"{c} {shortfall[c]}" for c in RESTOPGAVE_PROVINCES)
                  + f"; Utrecht has no reported plan and is taken at the average shortfall rate "
                  f"of the other four, {rate:.4f}), giving "
                  + ", ".join(f"{c} {rest[c]}" for c in RESTOPGAVE_PROVINCES)
                  + ". Each province's restopgave is split over regulier and AMV at its AMV "
                  "share, and lands on the eligible municipalities, those whose own plan falls "
                  "short of their indicative task (in Noord-Brabant the 17 with the largest "
                  "shortfall; a published verdeelbesluit takes none), in proportion to their "
                  "indicative task (largest remainder), as the minister did in 2025.",
        source=f"DOMAIN.md public figures; data/provincies-2024.csv; data/{FACTS_FILE} row "
               f"{method[0].row} (method, Stibbe); rule: this builder",
    ))
    assumptions.append(Assumption(
        id="A-balanced", kind="assumption",
        statement="Every other province (Zeeland) closed its distribution: verdeelbesluit "
                  "total = opgave, per category.",
        source="DOMAIN.md; Zeeland counted as doing more than asked (rd.nl), amount not found",
    ))
    assumptions.append(A_MAY_HOST)

    # f. own plans: whole locations in a subset of municipalities.
    known = _known_azcs(azc_df, builds, by_name)
    assumptions.extend(_azc_assumptions(known))
    for code in sorted(builds):
        b = builds[code]
        for c in CATEGORIES:
            plan = b.province.opgave.get(c) + b.surplus.get(c, 0) - b.restopgave.get(c, 0)
            b.plan[c] = plan
            seeded = [loc for loc in known if loc["code"] == code] if c == "regulier" else []
            fixed = {m["cbs_code"]: pins[m["cbs_code"]].verdeelbesluit.get(c) for m in b.members
                     if m["cbs_code"] in pins}
            _place_locations(b, c, plan, seeded, rng, fixed=fixed, by_gap=c == "regulier")
    for pin in pins.values():
        assumptions.append(Assumption(
            id=f"F-verdeelbesluit-{pin.cbs_code}", kind="fact",
            statement=f"{pin.fact.statement} Taken as its verdeelbesluit task: "
                      f"{pin.verdeelbesluit.regulier} regulier + {pin.verdeelbesluit.amv} AMV"
                      + (f", indicative {pin.indicative.regulier} + {pin.indicative.amv}"
                         if pin.indicative else "") + ".",
            source=f"{pin.fact.source}; data/{FACTS_FILE} row {pin.fact.row}",
        ))
    assumptions.append(Assumption(
        id="A-verdeelbesluit-published", kind="assumption",
        statement="A published verdeelbesluit (" + ", ".join(sorted(pins)) + ") is the "
                  "municipality's own plan, with no restopgave part (whether the minister added "
                  "part of it is not known); its places count towards the province's plan total "
                  "and it takes no seeded or known location besides.",
        source=f"data/{FACTS_FILE}; rule: this builder",
    ))
    assumptions.append(Assumption(
        id="A-own-plans", kind="assumption", seed=seed,
        statement="Own plans (places a municipality brought in at the PRT) are whole locations in "
                  "a subset of municipalities, the rest zero. Per province and category the plan "
                  "total is opgave + surplus - restopgave. Regular plans first take the known "
                  "regular azc's of azc-locaties-partial.csv (capacity capped at what is left), "
                  "then seeded locations: sizes drawn uniformly from "
                  f"{LOCATION_SIZES['regulier'][0]}-{LOCATION_SIZES['regulier'][1]} (regulier, "
                  f"step {LOCATION_SIZES['regulier'][2]}) and {LOCATION_SIZES['amv'][0]}-"
                  f"{LOCATION_SIZES['amv'][1]} (AMV, step {LOCATION_SIZES['amv'][2]}). A regular "
                  "location is placed in a municipality drawn with probability proportional to "
                  "how far its own plan still falls short of its indicative task (while any does; "
                  "then in proportion to population), an AMV location in proportion to "
                  "population (gap-weighting AMV too made the deal model's AMV fairness level "
                  "unprovable within its 60 s deterministic limit, measured); a last remainder "
                  "below the minimum size is added to the previous location. Verdeelbesluit task "
                  "= own plan + restopgave part.",
        source=f"issue 2, assumption f; Python random.Random({seed})",
    ))

    # restopgave per municipality, in proportion to shortfall; extra per municipality.
    for code in sorted(builds):
        b = builds[code]
        for c in CATEGORIES:
            for m in b.members:
                m.setdefault(f"restopgave_{c}", 0)
                m.setdefault(f"extra_{c}", 0)
        if sum(b.restopgave.values()):
            _place_restopgave(b, limit=NB_RESTOPGAVE_MUNICIPALITIES if code == "NB" else None,
                              exclude=frozenset(pins))
        if sum(b.surplus.values()):
            for c in CATEGORIES:
                over = {m["cbs_code"]: max(0, m[f"own_plan_{c}"] - m[f"indicative_{c}"])
                        for m in b.members}
                share = largest_remainder(b.surplus[c], over)
                for m in b.members:
                    m[f"extra_{c}"] = share[m["cbs_code"]]

    municipalities = _municipalities(builds)
    lowered = sum(1 for m in municipalities if m.verdeelbesluit.total < m.indicative.total)
    netting = [f for f in facts.of_scope("method") if "netting" in f.statement]
    assumptions.append(Assumption(
        id="A-netting", kind="assumption",
        statement="Netting within provinces: per province and category the verdeelbesluit tasks "
                  "add up to the plan total, so a municipality whose whole locations take it past "
                  "its indicative task lowers the others'; the minister lowered the task of about "
                  "half of all municipalities this way (fact). Here "
                  f"{lowered} of {len(municipalities)} municipalities have a verdeelbesluit "
                  "below their indicative task.",
        source="; ".join(f"data/{FACTS_FILE} row {f.row} ({f.source})" for f in netting)
               + "; rule: this builder (A-own-plans)",
    ))
    assumptions.extend(
        Assumption(id=f"F-2025-row-{f.row}", kind="fact",
                   statement=f"{f.statement} ({f.scope}; published {f.published})",
                   source=f"{f.source}; data/{FACTS_FILE} row {f.row}")
        for f in facts.facts if f.scope != "municipality")
    assumptions.append(F_MUNICIPALITIES)
    municipalities, layer = _uitruil_layer(municipalities, seed)
    assumptions.extend(layer)
    scenario = Scenario(
        name="nl-2025",
        title="Nederland, ronde 2025 (verdeelbesluiten 20 december 2024)",
        description="The 2025 round after the verdeelbesluiten of 20 Dec 2024, replayed as of "
                    "15 Jan 2025. Public facts where they exist; every other figure is a "
                    "labelled, seeded assumption (see assumptions).",
        municipal_register="cbs-2024",  # codes and points are checked against CBS 2024 at load
        round=Round(
            name="2025", verdeelbesluit_date=date(2024, 12, 20),
            notification_deadline=date(2025, 6, 1), amendment_deadline=date(2025, 7, 1),
            as_of=date(2025, 1, 15),
        ),
        norms=norms,
        assumptions=(
            Assumption(
                id="F-round-2025", kind="fact",
                statement="Verdeelbesluiten 20 Dec 2024; new uitruil and samenvoeg agreements "
                          "known to the ministry by 1 June 2025 go into the single amendment "
                          "before 1 July 2025. Replayed as of 15 Jan 2025 (assumption).",
                source="data/sources/informatiebericht-uitruil-samenvoegen.txt, section 1",
            ),
            *assumptions,
        ),
        provinces=tuple(provinces),
        municipalities=tuple(municipalities),
    )
    scenario.check_consistency()
    return scenario


def _known_azcs(azc_df: pd.DataFrame, builds: dict[str, _ProvinceBuild],
                by_name: dict[str, str]) -> list[dict]:
    gm_province = {m["name"]: code for code, b in builds.items() for m in b.members}
    out = []
    for r in azc_df.to_dict("records"):
        if not r["type"].lower().startswith("regulier azc") or not r["capaciteit"]:
            continue
        if r["gemeente"] not in gm_province:
            continue
        out.append({**r, "code": gm_province[r["gemeente"]]})
    return out


def _place_locations(b: _ProvinceBuild, c: Category, plan: int, known: list[dict],
                     rng: random.Random, column: str = "own_plan",
                     fixed: Mapping[str, int] | None = None, by_gap: bool = False) -> None:
    """Whole locations summing to `plan`, known ones first, into each member's `{column}_{c}`.

    A `fixed` member has exactly its figure (a published task): it counts towards `plan` and takes
    no location besides. A seeded location goes to a member drawn in proportion to its population,
    or (`by_gap`) to its remaining gap to its indicative task while any member has one: the
    province fills its distribution towards the indicative numbers, and the members a whole
    location takes past theirs lower the others' (netting).
    """
    fixed = fixed or {}
    members = {m["cbs_code"]: m for m in b.members}
    by_name = {m["name"]: m["cbs_code"] for m in b.members}
    key = f"{column}_{c}"
    for m in b.members:
        m[key] = fixed.get(m["cbs_code"], 0)
    left = plan - sum(fixed.values())
    if left < 0:
        raise ScenarioError(f"{b.province.name}: published {c} tasks ({sum(fixed.values())}) exceed "
                            f"the province's plan total {plan}", file=FACTS_FILE, field="figure")
    last: str | None = None
    for loc in known:
        if left <= 0:
            break
        code = by_name[loc["gemeente"]]
        if code in fixed:
            continue
        size = min(int(loc["capaciteit"]), left)
        members[code][key] += size
        left -= size
        last = code
    lo, hi, step = LOCATION_SIZES[c]
    codes = sorted(k for k in members if k not in fixed)
    weights = [int(members[k]["population"]) for k in codes]
    while left > 0:
        if left < lo and last is not None:
            members[last][key] += left
            break
        size = min(left, rng.randrange(lo, hi + 1, step))
        gaps = [max(0, members[k][f"indicative_{c}"] - members[k][key]) for k in codes]
        draw = gaps if by_gap and sum(gaps) > 0 else weights
        last = rng.choices(codes, weights=draw, k=1)[0]
        members[last][key] += size
        left -= size


def _place_restopgave(b: _ProvinceBuild, limit: int | None,
                      exclude: frozenset[str] = frozenset()) -> None:
    """The province's restopgave over its eligible municipalities (own plan below the indicative
    task, not `exclude`d), in proportion to their indicative task (the 2025 method, a fact)."""
    short = {
        m["cbs_code"]: {c: max(0, m[f"indicative_{c}"] - m[f"own_plan_{c}"]) for c in CATEGORIES}
        for m in b.members if m["cbs_code"] not in exclude
    }
    eligible = sorted(short, key=lambda k: (-sum(short[k].values()), k))
    eligible = [k for k in eligible if sum(short[k].values()) > 0]
    if limit is not None:
        eligible = eligible[:limit]
    members = {m["cbs_code"]: m for m in b.members}
    for c in CATEGORIES:
        weights = {k: members[k][f"indicative_{c}"] for k in eligible if short[k][c] > 0}
        if sum(weights.values()) == 0:
            weights = {k: members[k][f"indicative_{c}"] for k in eligible}
        share = largest_remainder(b.restopgave[c], weights)
        for k, v in share.items():
            members[k][f"restopgave_{c}"] = v


def _uitruil_layer(municipalities: list[Municipality],
                   seed: int) -> tuple[list[Municipality], list[Assumption]]:
    """Seeded offers and requests for uitruil (issue 7): an assumption layer, no existing column moves.

    Its own random stream, so the rest of the scenario is the same with or without it.
    """
    rng = random.Random(f"uitruil-{seed}")
    inputs: dict[str, dict] = {
        m.cbs_code: {
            "statushouders_task": round(m.population * STATUSHOUDERS_PER_1000 / 1000),
            "ukraine_reception": round(m.population * OEKRAINERS_PER_1000 / 1000),
        }
        for m in municipalities
    }
    for province in UITRUIL_PROVINCES:
        members = sorted((m for m in municipalities if m.province == province),
                         key=lambda m: m.cbs_code)
        by_plan = sorted(members, key=lambda m: (-m.own_plan.regulier, m.cbs_code))
        for m in by_plan[:2]:
            share = rng.randrange(10, 26) / 100
            inputs[m.cbs_code]["offer"] = Tasks(regulier=max(50, int(round(m.own_plan.regulier * share, -1))))
        amv = sorted(members, key=lambda m: (-m.own_plan.amv, m.cbs_code))[0]
        offer = inputs[amv.cbs_code].get("offer", Tasks())
        inputs[amv.cbs_code]["offer"] = offer.replace("amv", rng.randrange(16, 33, 4))
        # requesters: municipalities with an own regular task and no restopgave part, so that a
        # surplus swap (which relieves restopgave parts first) does not pre-empt their request
        pool = [m for m in members if m.verdeelbesluit.regulier > 0 and m.restopgave.total == 0
                and m.cbs_code not in {o.cbs_code for o in by_plan[:2]} and m.cbs_code != amv.cbs_code]
        for m in rng.sample(pool, min(4, len(pool))):
            kind = rng.choices(["statushouders", "oekrainers", "none"], weights=[6, 3, 1])[0]
            cap = None if kind == "none" else inputs[m.cbs_code][
                "statushouders_task" if kind == "statushouders" else "ukraine_reception"]
            request = {c: m.verdeelbesluit.get(c) for c in CATEGORIES}
            if rng.random() < 0.5:
                request["amv"] = 0
            if cap is not None:
                request = {c: min(v, cap) for c, v in request.items()}
            inputs[m.cbs_code]["request"] = Tasks.of(request)
            inputs[m.cbs_code]["offers_in_return"] = kind
    out = [m.model_copy(update={"uitruil": UitruilInputs(**inputs[m.cbs_code])})
           for m in municipalities]
    statement = (
        "Uitruil inputs (not public; a seeded illustration). Every municipality's statushouders "
        f"task = {STATUSHOUDERS_PER_1000} per 1,000 inhabitants and its Ukrainian reception = "
        f"{OEKRAINERS_PER_1000} per 1,000 (rounded; order of magnitude only, not the real "
        "taakstelling). In " + ", ".join(UITRUIL_PROVINCES) + " the two municipalities with the "
        "largest regular own plan offer 10-25 % of it extra (drawn, rounded to 10, at least 50), "
        "and the one with the largest AMV own plan offers 16-32 AMV places; up to four "
        "municipalities with a regular task and no restopgave part (drawn) ask to hand over their "
        "regular task (and, half of them, their AMV task), offering in return statushouders, "
        "oekrainers or nothing (weights 6:3:1); a request is capped at the requester's own task "
        "of the kind it offers, as taking over more than that is not plausible."
    )
    return out, [Assumption(
        id="A-uitruil", kind="assumption", seed=seed, statement=statement,
        source=f"issue 7, point 2; Python random.Random('uitruil-{seed}'); the public 1:1 example "
               "(Amsterdam offered 1,200 asylum places against 1,200 statushouders housed "
               "elsewhere in Noord-Holland) for the kind of deal",
    )]


# ---- the 2026 round ------------------------------------------------------------------------------
SEED_2026 = 2026
AVAILABLE_COLUMNS = tuple(f"available_{c}" for c in CATEGORIES)


class BuiltScenario(Frozen):
    """A built scenario and the values of its extension columns (per table, per column, by row)."""

    scenario: Scenario
    columns: dict[str, dict[str, tuple[int, ...]]] = Field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        return write_scenario(self.scenario, folder, force=True, columns=self.columns)


def build_nl_2026(data_dir: Path, seed: int = SEED_2026, norms: Norms | None = None) -> BuiltScenario:
    """The second round as of 1 Dec 2026: the raming of 27 Feb 2026 and the provinces' distributions.

    Every figure of data/rounds-facts.csv for 2026 lands exactly: the national total, the places
    available and still to realise, and what four provinces still have to realise (Groningen and
    Flevoland none, being above target). The rest is labelled: see the assumptions it writes.
    """
    norms = norms or load_norms("coa-2024")
    facts = read_round_facts(data_dir, "2026")
    total = _figure(facts.national("total"))
    available_total = _figure(facts.national("available"))
    to_realise_total = _figure(facts.national("to_realise"))
    prov_df = pd.read_csv(data_dir / "provincies-2024.csv", dtype=str, keep_default_na=False)
    gem_df = pd.read_csv(data_dir / "gemeenten-2024.csv", dtype=str, keep_default_na=False)
    azc_df = pd.read_csv(data_dir / "azc-locaties-partial.csv", dtype=str, keep_default_na=False)
    rng = random.Random(seed)
    rows = prov_df.to_dict("records")
    codes = [r["code"] for r in rows]

    # a. provincial opgave: the 2025 shares (population and welfare key, a fact) scaled to 88,000.
    opgave = largest_remainder(total, {r["code"]: int(r["opgave_total"]) for r in rows})
    provinces: list[Province] = []
    for r in rows:
        split = largest_remainder(opgave[r["code"]], {"amv": int(r["opgave_amv"]),
                                                      "regulier": int(r["opgave_total"])
                                                      - int(r["opgave_amv"])})
        provinces.append(Province(
            code=r["code"], name=r["name"],
            opgave=Tasks(regulier=split["regulier"], amv=split["amv"]), amv_is_estimate=True,
            source=f"opgave 2026: assumption A-opgave-2026 ({r['opgave_total']} of 96,000 in 2025 "
                   f"scaled to {total:,}); 2025: {r['source']}",
        ))
    prov_by_code = {p.code: p for p in provinces}

    # b. still to realise per province: the stated ones, the rest by opgave over the others.
    stated = facts.still_to_realise()
    for code, fact in stated.items():
        if code not in prov_by_code:
            raise ScenarioError(f"unknown province {code!r}", file=FACTS_FILE, row=fact.row,
                                field="code")
    others = [c for c in codes if c not in stated]
    left = to_realise_total - sum(_figure(f) for f in stated.values())
    if left < 0:
        raise ScenarioError(f"the provinces' places still to realise add up to more than the "
                            f"national {to_realise_total:,}", file=FACTS_FILE, field="figure")
    to_realise = {**{c: _figure(f) for c, f in stated.items()},
                  **largest_remainder(left, {c: opgave[c] for c in others})}
    above = sorted(c for c in stated if to_realise[c] == 0)
    available: dict[str, int] = {}
    for r in rows:
        code = r["code"]
        if to_realise[code] > opgave[code]:
            raise ScenarioError(f"{r['name']} still has to realise {to_realise[code]}, more than "
                                f"its assumed opgave {opgave[code]}", file=FACTS_FILE,
                                field="figure")
        if code in above:
            if not r["plan_reported_2024"] or int(r["plan_reported_2024"]) <= opgave[code]:
                raise ScenarioError(f"{r['name']} is above target, but its 2024 plan is not above "
                                    f"its assumed opgave {opgave[code]}",
                                    file="provincies-2024.csv", field="plan_reported_2024")
            available[code] = int(r["plan_reported_2024"])
        else:
            available[code] = opgave[code] - to_realise[code]
    counted = sum(min(available[c], opgave[c]) for c in codes)
    if counted != available_total:
        raise ScenarioError(f"facts do not reconcile: {total:,} places minus {to_realise_total:,} "
                            f"still to realise leaves {counted:,} available, not "
                            f"{available_total:,}", file=FACTS_FILE, field="figure")

    builds = {p.code: _ProvinceBuild(p, []) for p in provinces}
    by_name = {r["name"]: r["code"] for r in rows}
    for g in sorted(gem_df.to_dict("records"), key=lambda g: g["cbs_code"]):
        builds[by_name[g["province"]]].members.append(g)
    _apply_indicative(builds)

    # c. available places: whole locations, the known regular azc's first (seeded).
    known = _known_azcs(azc_df, builds, by_name)
    for code in sorted(builds):
        b = builds[code]
        p = b.province
        if code in above:
            b.surplus = _split_by_amv_share(available[code] - p.opgave.total, p)
            per_cat = {c: p.opgave.get(c) + b.surplus[c] for c in CATEGORIES}
        else:
            short = _split_by_amv_share(to_realise[code], p)
            per_cat = {c: p.opgave.get(c) - short[c] for c in CATEGORIES}
        for c in CATEGORIES:
            seeded = [loc for loc in known if loc["code"] == code] if c == "regulier" else []
            _place_locations(b, c, per_cat[c], seeded, rng, column="available")

    # d. the provinces' distributions: available places plus a share of what is still to realise.
    for code in sorted(builds):
        b = builds[code]
        for c in CATEGORIES:
            gap = {m["cbs_code"]: max(0, m[f"indicative_{c}"] - m[f"available_{c}"])
                   for m in b.members}
            over = {m["cbs_code"]: max(0, m[f"available_{c}"] - m[f"indicative_{c}"])
                    for m in b.members}
            still = b.province.opgave.get(c) - sum(m[f"available_{c}"] for m in b.members)
            to_do = largest_remainder(max(0, still), gap)
            extra = largest_remainder(b.surplus.get(c, 0), over)
            for m in b.members:
                m[f"own_plan_{c}"] = m[f"available_{c}"] + to_do[m["cbs_code"]]
                m[f"restopgave_{c}"] = 0
                m[f"extra_{c}"] = extra[m["cbs_code"]]

    municipalities, layer = _uitruil_layer(_municipalities(builds), seed)
    avail_by_code = {m["cbs_code"]: m for b in builds.values() for m in b.members}
    columns = {MUNICIPALITIES_FILE: {
        f"available_{c}": tuple(avail_by_code[m.cbs_code][f"available_{c}"] for m in municipalities)
        for c in CATEGORIES}}
    assumptions = _assumptions_2026(facts, provinces, to_realise, available, above, others,
                                    known, seed)
    scenario = Scenario(
        name="nl-2026",
        title="Nederland, ronde 2026 (raming 88.000 plaatsen, stand 1 december 2026)",
        description="The second round (raming of 27 Feb 2026, 88,000 places) as of 1 Dec 2026, when "
                    "the provinces have distributed their opgave and the minister's decisions are "
                    "still to come. Public facts where they exist (data/rounds-facts.csv); every "
                    "other figure is a labelled, seeded assumption (see assumptions).",
        municipal_register="cbs-2024",
        extensions=(Extension(file=MUNICIPALITIES_FILE, columns=AVAILABLE_COLUMNS),),
        round=Round(
            name="2026", verdeelbesluit_date=date(2026, 12, 1),
            notification_deadline=date(2027, 6, 1), amendment_deadline=date(2027, 7, 1),
            as_of=date(2026, 12, 1),
        ),
        norms=norms,
        assumptions=(*assumptions, *layer),
        provinces=tuple(provinces),
        municipalities=tuple(municipalities),
    )
    scenario.check_consistency()
    return BuiltScenario(scenario=scenario, columns=columns)


def _figure(fact: Fact) -> int:
    if fact.figure is None:
        raise ScenarioError("expected a figure", file=FACTS_FILE, row=fact.row, field="figure")
    return fact.figure


def _assumptions_2026(facts: RoundFacts, provinces: list[Province], to_realise: dict[str, int],
                      available: dict[str, int], above: list[str], others: list[str],
                      known: list[dict], seed: int) -> list[Assumption]:
    """The facts of the round (each row of rounds-facts.csv for 2026) and the rules of this builder."""
    out = [Assumption(id=f"F-2026-row-{f.row}", kind="fact",
                      statement=f"{f.statement} ({f.scope} {f.code}"
                                + (f": {f.figure:,} {f.unit}" if f.figure is not None else "")
                                + f"; published {f.published})",
                      source=f"{f.source}; data/{FACTS_FILE} row {f.row}")
           for f in facts.facts]
    names = {p.code: p.name for p in provinces}
    dates = facts.of_scope("dates")
    out.append(Assumption(
        id="A-round-2026", kind="assumption",
        statement="Round dates. The provinces' distributions are due by early December 2026 and "
                  "the minister decides at the end of 2026 (fact above); the scenario is taken as "
                  "of 1 Dec 2026, and as the model judges proposals on or after the date of the "
                  "task they amend, the provinces' distributions of 1 Dec 2026 stand in for the "
                  "verdeelbesluiten (verdeelbesluit_date 2026-12-01). The notification deadline "
                  "(1 Jun 2027) and the amendment deadline (1 Jul 2027) are taken by analogy with "
                  "the 2025 round (verdeelbesluiten 20 Dec 2024, notification 1 Jun 2025, "
                  "amendment before 1 Jul 2025): the same dates one round, i.e. two calendar "
                  "years, later, which matches realisation 'by mid-2027'.",
        source="data/sources/informatiebericht-uitruil-samenvoegen.txt, section 1 (the 2025 "
               f"dates); data/{FACTS_FILE} rows "
               + ", ".join(str(f.row) for f in dates) + "; rule: this builder",
    ))
    out.append(Assumption(
        id="A-opgave-2026", kind="assumption",
        statement="The 2026 provincial opgave per province is not public here. Each province gets "
                  "its 2025 share of the national total (the same key, population and welfare, "
                  "data/provincies-2024.csv) applied to 88,000, largest remainder: "
                  + ", ".join(f"{p.code} {p.opgave.total}" for p in provinces)
                  + "; its AMV part at its 2025 AMV share (largest remainder; hence every AMV "
                  "figure is an estimate). Noord-Brabant's 'ruim dertienduizend' (Omroep Brabant) "
                  f"is consistent with {next(p.opgave.total for p in provinces if p.code == 'NB'):,}.",
        source=f"data/provincies-2024.csv; data/{FACTS_FILE}; rule: this builder",
    ))
    out.append(Assumption(
        id="A-to-realise-2026", kind="assumption",
        statement="Places still to realise per province: as stated for "
                  + ", ".join(f"{names[c]} {to_realise[c]:,}" for c in sorted(to_realise)
                              if c not in others)
                  + f"; the remaining {sum(to_realise[c] for c in others):,} of the national "
                  "38,000 are apportioned over the other provinces ("
                  + ", ".join(others) + ") in proportion to their opgave, giving "
                  + ", ".join(f"{c} {to_realise[c]}" for c in others)
                  + ". Places available = opgave - still to realise; they add up to the national "
                  "50,000 counted against the opgave.",
        source=f"data/{FACTS_FILE}; rule: this builder",
    ))
    out.append(Assumption(
        id="A-above-target-2026", kind="assumption",
        statement=" and ".join(names[c] for c in above) + " are above target: their available "
                  "places are taken as the plans they reported in 2024 ("
                  + ", ".join(f"{c} {available[c]:,}" for c in above) + "), of which the opgave "
                  "counts towards the national 50,000 and the rest is a surplus. By analogy with "
                  "2025 their distribution fixes all available places (task = available), the "
                  "surplus split over regulier and AMV at the province's AMV share and apportioned "
                  "over the municipalities in proportion to how far their available places exceed "
                  "their indicative task (their extra places).",
        source=f"data/provincies-2024.csv plan_reported_2024; data/{FACTS_FILE}; 2025 method "
               "(extra places fixed as obligations, NRC analysis); rule: this builder",
    ))
    out.append(A_INDICATIVE)
    out.extend(_azc_assumptions(known, use="available-places"))
    out.append(Assumption(
        id="A-available-2026", kind="assumption", seed=seed,
        statement="Available (durable) places per municipality are not public here. They are the "
                  "extension columns available_regulier and available_amv of municipalities.csv "
                  "(the scenario model has no such field; the tool reads the columns and ignores "
                  "them). Per province and category the total is opgave - still to realise (split "
                  "at the AMV share), or opgave + surplus above target; they are whole locations: "
                  "first the known regular azc's of azc-locaties-partial.csv, then seeded "
                  "locations of "
                  f"{LOCATION_SIZES['regulier'][0]}-{LOCATION_SIZES['regulier'][1]} (regulier, step "
                  f"{LOCATION_SIZES['regulier'][2]}) and {LOCATION_SIZES['amv'][0]}-"
                  f"{LOCATION_SIZES['amv'][1]} (AMV, step {LOCATION_SIZES['amv'][2]}) in "
                  "municipalities drawn in proportion to population, as own plans in nl-2025.",
        source=f"issue 17, point 1; Python random.Random({seed})",
    ))
    out.append(Assumption(
        id="A-distribution-2026", kind="assumption",
        statement="The provinces' distributions as of 1 Dec 2026 (own_plan = verdeelbesluit "
                  "here): every municipality keeps its available places as its task, and each "
                  "province's places still to realise go, per category, to the municipalities "
                  "whose available places fall short of their indicative task, in proportion to "
                  "that shortfall (largest remainder); so a municipality above its indicative "
                  "task lowers the others' (netting within the province, as in the 2025 "
                  "verdeelbesluiten). Still to realise per municipality = verdeelbesluit - "
                  "available. No restopgave: the minister's decisions are not known as of 1 Dec "
                  "2026, and each province is taken to distribute its whole opgave; a surplus "
                  "swap therefore has no restopgave part to relieve.",
        source=f"data/{FACTS_FILE} (2025 method rows); rule: this builder",
    ))
    out.append(A_MAY_HOST)
    out.append(F_MUNICIPALITIES)
    return out


ROUNDS = ("2025", "2026")


def build_round(round_name: str, data_dir: Path, seed: int | None = None) -> BuiltScenario:
    """The bundled scenario of one round (`nl-<round>`), with its seed unless one is given."""
    if round_name == "2025":
        return BuiltScenario(scenario=build_nl_2025(data_dir, seed=SEED if seed is None else seed))
    if round_name == "2026":
        return build_nl_2026(data_dir, seed=SEED_2026 if seed is None else seed)
    raise ScenarioError(f"unknown round {round_name!r} (known: {', '.join(ROUNDS)})",
                        field="round")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=bundled_dir("data"),
                        help="folder with the public facts (default: the repository's data/)")
    parser.add_argument("--round", choices=ROUNDS, default="2025",
                        help="which round's scenario to build (default 2025)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: scenarios/nl-<round>)")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"seed (default: {SEED} for 2025, {SEED_2026} for 2026)")
    args = parser.parse_args()
    out = args.out or Path(f"scenarios/nl-{args.round}")
    built = build_round(args.round, args.data, seed=args.seed)
    built.write(out)
    print(f"wrote {out} ({len(built.scenario.municipalities)} municipalities)")


if __name__ == "__main__":
    main()
