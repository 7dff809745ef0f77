"""Build the bundled nl-2025 scenario from the public facts in the repository's data/.

Reproducible and seeded: `python -m herverdeling.scenario.builders --data data
--out scenarios/nl-2025` writes the same files every time (data/README.md says where each source
file comes from). What is not public is an explicit, labelled assumption in scenario.yaml, with
the rule that produced it.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from herverdeling.apportion import largest_remainder
from herverdeling.resources import bundled_dir
from herverdeling.scenario.io import write_scenario
from herverdeling.scenario.model import (
    CATEGORIES,
    Assumption,
    Category,
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
NATIONAL_RESTOPGAVE = 6000
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


def build_nl_2025(data_dir: Path, seed: int = SEED, norms: Norms | None = None) -> Scenario:
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

    # a. indicative task: opgave x population share, largest remainder, per category.
    for b in builds.values():
        for c in CATEGORIES:
            share = largest_remainder(b.province.opgave.get(c),
                                      {m["cbs_code"]: int(m["population"]) for m in b.members})
            for m in b.members:
                m[f"indicative_{c}"] = share[m["cbs_code"]]
    assumptions.append(Assumption(
        id="A-indicative", kind="assumption",
        statement="Indicative task per municipality = provincial opgave x its share of the "
                  "province's population, largest-remainder rounding; AMV likewise from the "
                  "province's AMV figure (the official key also uses the CBS SES-WOA score, "
                  "which is not in the data here).",
        source="DOMAIN.md (indicative distribution); data/gemeenten-2024.csv population",
    ))

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
    rest = largest_remainder(NATIONAL_RESTOPGAVE - nb_rest, shortfall)
    for code in RESTOPGAVE_PROVINCES:
        builds[code].restopgave = _split_by_amv_share(rest[code], prov_by_code[code])
    assumptions.append(Assumption(
        id="F-restopgave-NB", kind="fact",
        statement="Noord-Brabant's restopgave is 1,003 places over 17 municipalities.",
        source=prov_by_code["NB"].source,
    ))
    assumptions.append(Assumption(
        id="A-restopgave", kind="assumption",
        statement="National restopgave 6,000 ('over 6,000', press). Besides Noord-Brabant's 1,003 "
                  "the other 4,997 are apportioned over Zuid-Holland, Noord-Holland, Gelderland, "
                  "Overijssel and Utrecht in proportion to their reported shortfall (opgave minus "
                  "plan: " + ", ".join(f"{c} {shortfall[c]}" for c in RESTOPGAVE_PROVINCES)
                  + f"; Utrecht has no reported plan and is taken at the average shortfall rate "
                  f"of the other four, {rate:.4f}), giving "
                  + ", ".join(f"{c} {rest[c]}" for c in RESTOPGAVE_PROVINCES)
                  + ". Each province's restopgave is split over regulier and AMV at its AMV "
                  "share, and lands on municipalities whose own plan falls short of their "
                  "indicative task, in proportion to that shortfall (largest remainder); in "
                  "Noord-Brabant on the 17 with the largest shortfall.",
        source="DOMAIN.md public figures; data/provincies-2024.csv; rule: this builder",
    ))
    assumptions.append(Assumption(
        id="A-balanced", kind="assumption",
        statement="Every other province (Zeeland) closed its distribution: verdeelbesluit "
                  "total = opgave, per category.",
        source="DOMAIN.md; Zeeland counted as doing more than asked (rd.nl), amount not found",
    ))
    assumptions.append(Assumption(
        id="A-may-host", kind="assumption",
        statement="Every municipality may host a merged location unless a scenario says otherwise.",
        source="issue 2, assumption e",
    ))

    # f. own plans: whole locations in a subset of municipalities.
    known = _known_azcs(azc_df, builds, by_name)
    for loc in known:
        assumptions.append(Assumption(
            id=f"F-azc-{loc['code']}-{loc['plaats'].replace(' ', '-')}", kind="fact",
            statement=f"Regular azc in {loc['gemeente']} ({loc['plaats']}), {loc['capaciteit']} "
                      f"places as of {loc['peildatum']}; used as a known own-plan location.",
            source=loc["bron"],
        ))
    for code in sorted(builds):
        b = builds[code]
        for c in CATEGORIES:
            plan = b.province.opgave.get(c) + b.surplus.get(c, 0) - b.restopgave.get(c, 0)
            b.plan[c] = plan
            seeded = [loc for loc in known if loc["code"] == code] if c == "regulier" else []
            _place_locations(b, c, plan, seeded, rng)
    assumptions.append(Assumption(
        id="A-own-plans", kind="assumption", seed=seed,
        statement="Own plans (places a municipality brought in at the PRT) are whole locations in "
                  "a subset of municipalities, the rest zero. Per province and category the plan "
                  "total is opgave + surplus - restopgave. Regular plans first take the known "
                  "regular azc's of azc-locaties-partial.csv (capacity capped at what is left), "
                  "then seeded locations: sizes drawn uniformly from "
                  f"{LOCATION_SIZES['regulier'][0]}-{LOCATION_SIZES['regulier'][1]} (regulier, "
                  f"step {LOCATION_SIZES['regulier'][2]}) and {LOCATION_SIZES['amv'][0]}-"
                  f"{LOCATION_SIZES['amv'][1]} (AMV, step {LOCATION_SIZES['amv'][2]}), each placed "
                  "in a municipality drawn with probability proportional to population; a last "
                  "remainder below the minimum size is added to the previous location. "
                  "Verdeelbesluit task = own plan + restopgave part.",
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
            _place_restopgave(b, limit=NB_RESTOPGAVE_MUNICIPALITIES if code == "NB" else None)
        if sum(b.surplus.values()):
            for c in CATEGORIES:
                over = {m["cbs_code"]: max(0, m[f"own_plan_{c}"] - m[f"indicative_{c}"])
                        for m in b.members}
                share = largest_remainder(b.surplus[c], over)
                for m in b.members:
                    m[f"extra_{c}"] = share[m["cbs_code"]]

    municipalities = []
    for code in sorted(builds):
        for m in builds[code].members:
            municipalities.append(Municipality(
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
    municipalities.sort(key=lambda m: m.cbs_code)
    assumptions.append(Assumption(
        id="F-municipalities", kind="fact",
        statement="The 342 municipalities of 1 Jan 2024 with CBS code, province, population "
                  "(2025) and a representative point (WGS84).",
        source="data/gemeenten-2024.csv (CBS boundary set 2024; GeoNames points)",
    ))
    municipalities, layer = _uitruil_layer(municipalities, seed)
    assumptions.extend(layer)
    scenario = Scenario(
        name="nl-2025",
        title="Nederland, ronde 2025 (verdeelbesluiten 20 december 2024)",
        description="The 2025 round after the verdeelbesluiten of 20 Dec 2024, replayed as of "
                    "15 Jan 2025. Public facts where they exist; every other figure is a "
                    "labelled, seeded assumption (see assumptions).",
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
                     rng: random.Random) -> None:
    members = {m["cbs_code"]: m for m in b.members}
    by_name = {m["name"]: m["cbs_code"] for m in b.members}
    for m in b.members:
        m[f"own_plan_{c}"] = 0
    left = plan
    last: str | None = None
    for loc in known:
        if left <= 0:
            break
        size = min(int(loc["capaciteit"]), left)
        code = by_name[loc["gemeente"]]
        members[code][f"own_plan_{c}"] += size
        left -= size
        last = code
    lo, hi, step = LOCATION_SIZES[c]
    codes = sorted(members)
    weights = [int(members[k]["population"]) for k in codes]
    while left > 0:
        if left < lo and last is not None:
            members[last][f"own_plan_{c}"] += left
            break
        size = min(left, rng.randrange(lo, hi + 1, step))
        last = rng.choices(codes, weights=weights, k=1)[0]
        members[last][f"own_plan_{c}"] += size
        left -= size


def _place_restopgave(b: _ProvinceBuild, limit: int | None) -> None:
    short = {
        m["cbs_code"]: {c: max(0, m[f"indicative_{c}"] - m[f"own_plan_{c}"]) for c in CATEGORIES}
        for m in b.members
    }
    eligible = sorted(short, key=lambda k: (-sum(short[k].values()), k))
    eligible = [k for k in eligible if sum(short[k].values()) > 0]
    if limit is not None:
        eligible = eligible[:limit]
    members = {m["cbs_code"]: m for m in b.members}
    for c in CATEGORIES:
        weights = {k: short[k][c] for k in eligible}
        if sum(weights.values()) == 0:
            weights = {k: sum(short[k].values()) for k in eligible}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=bundled_dir("data"),
                        help="folder with the public facts (default: the repository's data/)")
    parser.add_argument("--out", type=Path, default=Path("scenarios/nl-2025"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    scenario = build_nl_2025(args.data, seed=args.seed)
    write_scenario(scenario, args.out, force=True)
    print(f"wrote {args.out} ({len(scenario.municipalities)} municipalities)")


if __name__ == "__main__":
    main()
