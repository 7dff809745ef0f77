"""Read-only views of a scenario for people: the per-province overview of `show`."""

from __future__ import annotations

from herverdeling.scenario.model import CATEGORIES, Scenario


def province_overview(scenario: Scenario) -> list[dict[str, int | str]]:
    """One row per province, per category: opgave, verdeelbesluit, surplus, restopgave, small."""
    rows: list[dict[str, int | str]] = []
    for p in scenario.provinces:
        row: dict[str, int | str] = {"province": p.code, "name": p.name}
        vb = scenario.verdeelbesluit_total(p.code)
        surplus = scenario.surplus(p.code)
        rest = scenario.restopgave(p.code)
        for c in CATEGORIES:
            row[f"opgave_{c}"] = p.opgave.get(c)
            row[f"verdeelbesluit_{c}"] = vb.get(c)
            row[f"surplus_{c}"] = surplus.get(c)
            row[f"restopgave_{c}"] = rest.get(c)
            row[f"small_{c}"] = len(scenario.small_tasks(c, p.code))
        rows.append(row)
    return rows


def render_overview(scenario: Scenario, rows: list[dict[str, int | str]]) -> str:
    cols = ["opgave", "verdeelbesluit", "surplus", "restopgave", "small"]
    header = ["province"] + [f"{c}_{cat[:3]}" for c in cols for cat in CATEGORIES]
    body = [[str(r["province"])] + [str(r[f"{c}_{cat}"]) for c in cols for cat in CATEGORIES]
            for r in rows]
    totals = ["total"] + [
        str(sum(int(r[f"{c}_{cat}"]) for r in rows)) for c in cols for cat in CATEGORIES
    ]
    table = [header, *body, totals]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        f"Scenario {scenario.name}: {scenario.title}",
        f"Norms {scenario.norms.id}: small = below "
        + ", ".join(f"{scenario.norms.get(c).min_size} {c}" for c in CATEGORIES)
        + f"; as of {scenario.round.as_of}, notification deadline "
        f"{scenario.round.notification_deadline}",
        "",
    ]
    for i, line in enumerate(table):
        lines.append("  ".join(v.rjust(w) if j else v.ljust(w)
                               for j, (v, w) in enumerate(zip(line, widths, strict=True))))
        if i == 0 or i == len(table) - 2:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("reg = regulier, amv = alleenstaande minderjarige vreemdelingen; small = tasks "
                 "above 0 and below the minimum viable size.")
    lines += wish_lines(scenario)
    return "\n".join(lines)


def wish_lines(scenario: Scenario) -> list[str]:
    """The users' wishes (preferences.csv, partners.csv), one line each, if any."""
    prefs = scenario.preferences
    if not (prefs.municipalities or prefs.partners):
        return []
    yn = {True: "ja", False: "nee", None: "-"}
    out = ["", "Wensen (preferences.csv, partners.csv):"]
    for p in prefs.municipalities:
        name = scenario.municipality(p.cbs_code).name
        out.append(f"  {name} ({p.cbs_code}): ontlasting {p.relief}, surplus inzetten "
                   f"{yn[p.back_surplus]}, gastgemeente {yn[p.host]}")
    for q in prefs.partners:
        out.append(f"  {q.sink} door {q.source}: {q.partner}")
    return out
