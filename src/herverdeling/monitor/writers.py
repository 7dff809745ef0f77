"""The monitor's and the what-if's papers: a Dutch table, monitor.xlsx, the map by shortfall, and
wat-als.{json,csv,md}. Everything is written into a folder the caller made (the CLI writes into a
temporary folder that is moved into place only when complete); the same input gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from herverdeling.checker.ledger import _table
from herverdeling.documents.kaart import classes_figure, write_classes_html, write_classes_png
from herverdeling.documents.reproducible import fix_office_file
from herverdeling.dutch import getal
from herverdeling.maps import SHORTFALL_CLASSES, nl, shortfall_class
from herverdeling.monitor.core import Monitor, MonitorRow
from herverdeling.monitor.whatif import Estimate, Probability, WhatIf
from herverdeling.scenario.model import Scenario
from herverdeling.scenario.realisation import REALISATION_FILE, Realisation, realisation_frame

_KIND_NL = {"surplus_swap": "surplus-uitruil", "merger": "samenvoeging", "uitruil": "uitruil"}
_EFFECT_NL = {"lapse": "vervalt: terug naar de oorspronkelijke gemeente",
              "stays": "blijft bij de realiserende partij"}

MONITOR_COLUMNS = [
    "CBS-code", "gemeente", "provincie", "categorie", "IBT-taak na afspraken", "gerealiseerd",
    "peildatum", "bron", "tekort", "aanspreekbaar (IBT-ledger)", "tekort op eigen taak",
    "terug naar deze gemeente", "vervalt van deze taak", "taak na faalclausule",
    "tekort na faalclausule", "gevolg faalclausule", "voorlopig (vóór de peildatum)",
]
_WIDTHS = [11, 24, 16, 10, 12, 12, 11, 28, 9, 60, 12, 12, 12, 12, 12, 70, 14]


def _cell(value: int | None) -> str:
    return "geen melding" if value is None else str(value)


def monitor_records(m: Monitor, scenario: Scenario) -> list[list[Any]]:
    """The monitor's rows in MONITOR_COLUMNS order (None where no figure was reported)."""
    return [[r.cbs_code, r.name, scenario.province(r.province).name, r.category, r.ibt_task,
             r.realised, None if r.realised_on is None else r.realised_on.isoformat(), r.source,
             r.shortfall, r.accountable, r.own_unrealised, r.returned_in, r.released,
             r.task_after_clause, r.shortfall_after_clause, r.clause_effect,
             "ja" if r.provisional else "nee"] for r in m.rows]


def _shown(r: MonitorRow, all_rows: bool) -> bool:
    return all_rows or r.involved or bool(r.shortfall)


def render_monitor(m: Monitor, *, all_rows: bool = False) -> str:
    """The monitor as a Dutch table: rows with an agreement or a shortfall (or all), then totals."""
    lines = [f"IBT-monitor, scenario {m.scenario}",
             f"realisatie: {m.realisation_file or 'geen realisatiecijfers (alle tekorten onbekend)'}",
             f"faalclausules: {m.variant} ({m.variant_label})",
             f"peildatum van de faalclausules: {m.reference_date.isoformat()}; een cijfer van eerder "
             "is voorlopig (*)", ""]
    head = ["gemeente", "prov", "cat", "IBT-taak", "gerealiseerd", "tekort", "na clausule",
            "aanspreekbaar", "gevolg faalclausule"]
    body = [[f"{r.name} ({r.cbs_code})", r.province, r.category, str(r.ibt_task),
             _cell(r.realised) + (" *" if r.provisional else ""), _cell(r.shortfall),
             _cell(r.shortfall_after_clause), r.accountable_summary, r.effect_summary]
            for r in m.rows if _shown(r, all_rows)]
    lines += _table(head, body) if body else ["(geen gemeente met een afspraak of een tekort)"]
    lines += ["", "Afspraken:"]
    lines += _table(["afspraak", "soort", "plaatsen", "niet gerealiseerd", "gevolg"],
                    [[a.proposal_id, _KIND_NL[a.kind], str(a.places), _cell(a.unrealised), a.effect]
                     for a in m.agreements]) if m.agreements else ["(geen afspraken geboekt)"]
    lines += ["", "Per provincie (tekort: van de gemeenten met een melding):"]
    lines += _table(["prov", "cat", "IBT-taak", "gerealiseerd", "tekort", "zonder melding",
                     "terug na clausule"],
                    [[p.province, p.category, str(p.ibt_task), str(p.realised), str(p.shortfall),
                      str(p.unreported), str(p.returned)] for p in m.provinces])
    return "\n".join(lines)


def write_monitor_xlsx(path: Path, m: Monitor, scenario: Scenario) -> Path:
    """monitor.xlsx: Dutch columns, a frozen header, an autofilter and set widths on every sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets: list[tuple[str, list[str], list[list[Any]], list[int]]] = [
        ("monitor", MONITOR_COLUMNS, monitor_records(m, scenario), _WIDTHS),
        ("afspraken", ["afspraak", "soort", "plaatsen", "niet gerealiseerd",
                       "terug naar oorspronkelijke gemeente", "gevolg", "faalclausule in de afspraak"],
         [[a.proposal_id, _KIND_NL[a.kind], a.places, a.unrealised, a.returned, a.effect,
           a.clause_text] for a in m.agreements], [18, 16, 10, 16, 18, 60, 100]),
        ("regels", ["afspraak", "soort", "realiseert (CBS)", "realiseert", "voor (CBS)", "voor",
                    "categorie", "plaatsen", "niet gerealiseerd", "faalclausule", "terug"],
         [[s.line.proposal_id, _KIND_NL[s.line.kind], s.line.realiser,
           scenario.municipality(s.line.realiser).name, s.line.origin,
           scenario.municipality(s.line.origin).name, s.line.category, s.line.places,
           s.unrealised, _EFFECT_NL[s.effect], s.returned] for s in m.lines],
         [18, 16, 14, 24, 12, 24, 10, 10, 16, 44, 8]),
        ("provincies", ["provincie", "categorie", "IBT-taak", "gerealiseerd", "tekort",
                        "gemeenten zonder melding", "terug na faalclausule"],
         [[scenario.province(p.province).name, p.category, p.ibt_task, p.realised, p.shortfall,
           p.unreported, p.returned] for p in m.provinces], [18, 10, 10, 12, 10, 14, 14]),
    ]
    first = True
    for title, columns, rows, widths in sheets:
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = title
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for i, width in enumerate(widths):
            ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = width
    note = book.create_sheet("toelichting")
    for line in (["scenario", m.scenario], ["inhoudshash", m.scenario_hash],
                 ["realisatie", m.realisation_file or "geen realisatiecijfers"],
                 ["faalclausules", f"{m.variant}: {m.variant_label}"],
                 ["peildatum", f"{m.reference_date.isoformat()} (models/clauses/default.yaml, "
                               "reference_date): een cijfer van eerder is voorlopig"],
                 ["tekort", "IBT-taak min gerealiseerd, ten minste 0; verdeeld over de eigen taak en "
                            "de afspraken naar rato (models/monitor/default.yaml, allocation)"]):
        note.append(line)
    note.column_dimensions["A"].width = 16
    note.column_dimensions["B"].width = 100
    book.save(path)
    return fix_office_file(path, scenario.round.as_of)


def _hover(scenario: Scenario, m: Monitor, code: str) -> str:
    mun = scenario.municipality(code)
    parts = [f"<b>{mun.name}</b> ({code}, {mun.province})"]
    for cat in ("regulier", "amv"):
        r = m.row(code, cat)
        if r.ibt_task or r.realised is not None:
            parts.append(f"{cat}: IBT-taak {nl(r.ibt_task)}, gerealiseerd "
                         f"{'geen melding' if r.realised is None else nl(r.realised)}, tekort "
                         f"{'onbekend' if r.shortfall is None else nl(r.shortfall)}")
    return "<br>".join(parts)


def shortfall_classes(m: Monitor) -> dict[str, str]:
    return {code: shortfall_class(v) for code, v in m.shortfall_by_code().items()}


def monitor_figure(m: Monitor, scenario: Scenario) -> Any:
    """The map coloured by shortfall as a plotly figure (for kaart-tekort.html and the explorer)."""
    texts = {c: _hover(scenario, m, c) for c in (x.cbs_code for x in scenario.municipalities)}
    return classes_figure(scenario, shortfall_classes(m), SHORTFALL_CLASSES, texts,
                          f"IBT-monitor {scenario.name}: tekort per gemeente (regulier + AMV)")


def _csv(rows: list[list[Any]], header: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(["" if v is None else v for v in row] for row in rows)
    return buf.getvalue()


def write_monitor(folder: Path, m: Monitor, scenario: Scenario, realisation: Realisation) -> list[Path]:
    """monitor.xlsx, monitor.csv, monitor.json, monitor.txt, kaart-tekort.html/.png, realisation.csv."""
    folder = Path(folder)
    out = [write_monitor_xlsx(folder / "monitor.xlsx", m, scenario)]
    (folder / "monitor.csv").write_text(_csv(monitor_records(m, scenario), MONITOR_COLUMNS),
                                        encoding="utf-8")
    (folder / "monitor.json").write_text(m.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (folder / "monitor.txt").write_text(render_monitor(m, all_rows=True) + "\n", encoding="utf-8")
    out += [folder / "monitor.csv", folder / "monitor.json", folder / "monitor.txt"]
    out.append(write_classes_html(monitor_figure(m, scenario), folder / "kaart-tekort.html"))
    out.append(write_classes_png(scenario, shortfall_classes(m), SHORTFALL_CLASSES,
                                 f"IBT-monitor {scenario.name}: tekort per gemeente", folder /
                                 "kaart-tekort.png"))
    if realisation.rows:
        realisation_frame(realisation).to_csv(folder / REALISATION_FILE, index=False,
                                              lineterminator="\n")
        out.append(folder / REALISATION_FILE)
    return out


# ---- what-if -----------------------------------------------------------------------------------
def _est(e: Estimate) -> str:
    if e.mean_se is None:
        return f"verwacht {getal(e.mean, 1)}, P90 {nl(e.p90)} (exact)"
    return (f"verwacht {getal(e.mean, 1)} ± {getal(Z * e.mean_se, 1)}, P90 {nl(e.p90)} "
            f"(95 %-interval {nl(e.p90_low or 0)}-{nl(e.p90_high or 0)})")


Z = 1.96  # the 95 % intervals the text states


def _prob(p: Probability) -> str:
    text = f"{getal(100 * p.probability, 1)} %"
    return text if p.se is None else f"{text} ± {getal(100 * Z * p.se, 1)}"


def render_whatif(w: WhatIf, scenario: Scenario, *, top: int = 15) -> str:
    """The what-if as Dutch Markdown: method and error, totals, provinces, variants, agreements."""
    method = ("exact (convolutie van de verdelingen per partij)" if w.method == "exact" else
              f"simulatie met {w.draws} trekkingen, seed {w.seed}; ± is een 95 %-interval")
    dist = "; ".join(f"{role}: " + ", ".join(f"{100 * f:g} % gerealiseerd met kans "
                                             f"{str(p).replace('.', ',')}"
                                             for f, p in outcomes)
                     for role, outcomes in w.distributions.items())
    lines = [f"# Wat als een realiserende partij tekortschiet: {w.scenario}", "",
             f"- Methode: {method} (rekenwerk {nl(w.work)} van ten hoogste {nl(w.exact_max_work)} "
             "voor exact)",
             f"- Seed: {w.seed}; {w.parties} realiserende partijen, {nl(w.agreement_places)} plaatsen in "
             "afspraken",
             f"- Verdeling (models/monitor/): {dist}",
             "- Een partij realiseert naar beneden afgerond dat deel van haar afspraakplaatsen; haar "
             "eigen taak valt buiten deze berekening.", "",
             "## Niet gerealiseerde plaatsen", "", f"Totaal: {_est(w.unrealised)}", ""]
    lines += ["| provincie | niet gerealiseerd |", "|---|---|"]
    lines += [f"| {scenario.province(p.province).name} | {_est(p.unrealised)} |" for p in w.provinces]
    lines += ["", "## Faalclausules vergeleken", "",
              "| variant | terug naar de oorspronkelijke gemeente | blijft bij de realiserende partij "
              "| verwacht aantal gemeenten weer aanspreekbaar |", "|---|---|---|---|"]
    for v in w.variants:
        lines.append(f"| {v.variant}: {v.label} | {_est(v.back_to_origin)} | "
                     f"{_est(v.stays_with_realiser)} | {v.expected_municipalities_back:.1f} |")
    for v in w.variants:
        munis = sorted(v.municipalities, key=lambda x: (-x.back_on_hook.probability, x.cbs_code))
        if not munis:
            continue
        lines += ["", f"### Gemeenten weer aanspreekbaar ({v.variant}), hoogste kans eerst", "",
                  "| gemeente | provincie | kans | verwacht plaatsen |", "|---|---|---|---|"]
        lines += [f"| {x.name} ({x.cbs_code}) | {x.province} | {_prob(x.back_on_hook)} | "
                  f"{getal(x.expected_places, 1)} |" for x in munis[:top]]
        if len(munis) > top:
            lines.append(f"| ... en {len(munis) - top} andere (wat-als-gemeenten.csv) | | | |")
    risky = sorted(w.agreements, key=lambda a: (-a.at_risk.probability, a.proposal_id))
    lines += ["", "## Afspraken in gevaar, hoogste kans eerst", "",
              "| afspraak | soort | plaatsen | kans op een tekort | verwacht niet gerealiseerd |",
              "|---|---|---|---|---|"]
    lines += [f"| {a.proposal_id} | {_KIND_NL[a.kind]} | {a.places} | {_prob(a.at_risk)} | "
              f"{getal(a.expected_unrealised, 1)} |" for a in risky[:top]]
    if len(risky) > top:
        lines.append(f"| ... en {len(risky) - top} andere (wat-als-afspraken.csv) | | | | |")
    return "\n".join(lines) + "\n"


def write_whatif(folder: Path, w: WhatIf, scenario: Scenario) -> list[Path]:
    """wat-als.json (everything), wat-als.md, wat-als-afspraken.csv, wat-als-gemeenten.csv."""
    folder = Path(folder)
    (folder / "wat-als.json").write_text(w.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (folder / "wat-als.md").write_text(render_whatif(w, scenario), encoding="utf-8")
    (folder / "wat-als-afspraken.csv").write_text(_csv(
        [[a.proposal_id, _KIND_NL[a.kind], a.places, round(a.at_risk.probability, 6),
          None if a.at_risk.se is None else round(a.at_risk.se, 6), round(a.expected_unrealised, 4)]
         for a in w.agreements],
        ["afspraak", "soort", "plaatsen", "kans op een tekort", "standaardfout",
         "verwacht niet gerealiseerd"]), encoding="utf-8")
    (folder / "wat-als-gemeenten.csv").write_text(_csv(
        [[v.variant, x.cbs_code, x.name, x.province, round(x.back_on_hook.probability, 6),
          None if x.back_on_hook.se is None else round(x.back_on_hook.se, 6),
          round(x.expected_places, 4)] for v in w.variants for x in v.municipalities],
        ["variant", "CBS-code", "gemeente", "provincie", "kans weer aanspreekbaar",
         "standaardfout", "verwacht plaatsen terug"]), encoding="utf-8")
    return [folder / n for n in ("wat-als.json", "wat-als.md", "wat-als-afspraken.csv",
                                 "wat-als-gemeenten.csv")]


def manifest_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
