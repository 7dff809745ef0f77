"""Write a run's papers: proposals, findings, ledger, agreements (.docx + .md), kennisgevingen,
toetredingsverklaringen, one wijzigingsoverzicht per province, summary, Excel, map and manifest.
Only proposals without a checker error get an agreement (issue 5, point 3). File names and
references in the papers are Dutch (`ruil-overschot-gr-zh.md`); proposal ids stay as they are.
"""

from __future__ import annotations

import io
import json
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from herverdeling.checker.findings import CheckReport
from herverdeling.checker.io import proposals_json
from herverdeling.checker.ledger import Ledger, build_ledger
from herverdeling.documents.context import (
    TEMPLATES,
    accession_docs,
    build_doc,
    reference,
    slug,
)
from herverdeling.documents.docx import markdown_to_docx
from herverdeling.documents.overview import build_overviews
from herverdeling.documents.reproducible import fix_office_file
from herverdeling.drafting.clauses import Clauses, load_clauses
from herverdeling.dutch import LEVEL_NL, STATUS_NL, datum, decimaal, getal, plaatsen
from herverdeling.proposals import AnyProposal, Merger, ProposalSet, SolveInfo, SurplusSwap, Uitruil
from herverdeling.scenario.model import CATEGORIES, Scenario

if TYPE_CHECKING:
    from herverdeling.run import RunResult, RunSettings, StageTiming

__all__ = ["datum", "environment", "file_stem", "render_agreement", "write_documents", "write_run"]



def surplus_model_nl(settings: RunSettings) -> str:
    """How the surplus swaps were made, as the summary names it: the deal model's preset (or
    frontier point), or the min-cost flow's policy."""
    if settings.surplus_model == "deals":
        point = (f", afweging {settings.frontier_point} ({settings.frontier})"
                 if settings.frontier_point is not None else "")
        return f"dealmodel {settings.deals}{point}"
    return f"netwerkmodel (min-cost flow), verdeelbeleid {settings.policy}"

def environment() -> Environment:
    env = Environment(loader=PackageLoader("herverdeling.documents", "templates"),
                      undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters["datum"] = datum
    env.filters["plaatsen"] = plaatsen
    env.filters["decimaal"] = decimaal
    return env


def render_agreement(proposal: AnyProposal, scenario: Scenario, ledger: Ledger,
                     report: CheckReport, version: str, env: Environment | None = None,
                     clauses: Clauses | None = None) -> dict[str, str]:
    """Markdown of the agreement, its kennisgeving and, for a framework swap, one
    toetredingsverklaring per municipality (keys `toetreding:<code>`)."""
    env = env or environment()
    c = clauses or load_clauses()
    doc = build_doc(proposal, scenario, ledger, report, version, c)
    out = {
        "agreement": env.get_template(TEMPLATES["agreement"]).render(doc=doc),
        "kennisgeving": env.get_template(TEMPLATES["kennisgeving"]).render(doc=doc),
    }
    if isinstance(proposal, SurplusSwap) and doc.framework:
        for code, context in accession_docs(proposal, doc, scenario, c):
            out[f"toetreding:{code}"] = env.get_template(TEMPLATES["toetreding"]).render(**context)
    return out


def file_stem(proposal: AnyProposal, scenario: Scenario) -> str:
    """Dutch file name: ruil-overschot-gr-zh, samenvoeging-nb-regulier-gm0772-eindhoven, uitruil-ge-001."""
    ref = reference(proposal.id)
    if isinstance(proposal, Merger):
        return f"{ref}-{slug(scenario.municipality(proposal.host_code).name, 40)}"
    return ref


def _write(folder: Path, sub: str, stem: str, text: str, when: date | None = None) -> list[Path]:
    md = folder / sub / f"{stem}.md"
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(text, encoding="utf-8")
    title = text.splitlines()[0].lstrip("# ").strip()
    return [md, markdown_to_docx(text, md.with_suffix(".docx"), title=title, when=when)]


def write_documents(folder: Path, proposals: ProposalSet, scenario: Scenario, ledger: Ledger,
                    report: CheckReport, version: str,
                    progress: Callable[[str], None] | None = None,
                    clauses: Clauses | None = None) -> list[Path]:
    """agreements/, kennisgevingen/, toetredingsverklaringen/ (passed proposals only) and one
    wijzigingsoverzicht per province with amendments; each as .md and .docx."""
    env = environment()
    c = clauses or load_clauses()
    when = scenario.round.as_of
    written: list[Path] = []
    passed = [p for p in proposals.proposals if report.passed(p.id)]
    for n, proposal in enumerate(passed, 1):
        texts = render_agreement(proposal, scenario, ledger, report, version, env, c)
        stem = file_stem(proposal, scenario)
        written += _write(folder, "agreements", stem, texts["agreement"], when)
        written += _write(folder, "kennisgevingen", stem, texts["kennisgeving"], when)
        for key, text in texts.items():
            if key.startswith("toetreding:"):
                code = key.split(":", 1)[1]
                muni = slug(scenario.municipality(code).name, 40)
                written += _write(folder, "toetredingsverklaringen",
                                  f"{stem}-{code.lower()}-{muni}", text, when)
        if progress and (n % 25 == 0 or n == len(passed)):
            progress(f"      documenten {n} van {len(passed)}")
    template = env.get_template(TEMPLATES["wijzigingsoverzicht"])
    for overview in build_overviews(proposals, scenario, ledger, report, version, c):
        name = slug(scenario.province(overview.province_code).name, 40)
        written += _write(folder, "wijzigingsoverzichten", f"wijzigingsoverzicht-{name}",
                          template.render(o=overview), when)
    return written


def _per_province(scenario: Scenario, proposals: ProposalSet) -> list[dict[str, Any]]:
    rows = []
    for p in scenario.provinces:
        vb, sur, rest = (scenario.verdeelbesluit_total(p.code), scenario.surplus(p.code),
                         scenario.restopgave(p.code))
        rel: Counter[str] = Counter()
        mer: Counter[str] = Counter()
        uit: Counter[str] = Counter()
        n = 0
        for q in proposals.proposals:
            touches = False
            for t in q.transfers:
                frm = scenario.municipality(t.from_code)
                if isinstance(q, SurplusSwap) and frm.province == p.code:
                    rel[t.category] += int(t.places)
                    touches = True
                elif isinstance(q, Merger) and q.province == p.code:
                    mer[t.category] += int(t.places)
                    touches = True
                elif isinstance(q, Uitruil) and q.province == p.code:
                    uit[t.category] += int(t.places)
                    touches = True
            if isinstance(q, SurplusSwap) and q.source_province == p.code:
                touches = True
            n += touches
        rows.append({
            "name": p.name, "vb_r": vb.regulier, "vb_a": vb.amv, "sur_r": sur.regulier,
            "sur_a": sur.amv, "rest_r": rest.regulier, "rest_a": rest.amv,
            "rel_r": rel["regulier"], "rel_a": rel["amv"], "mer_r": mer["regulier"],
            "mer_a": mer["amv"], "uit_r": uit["regulier"], "uit_a": uit["amv"], "n": n,
        })
    return rows


def summary_markdown(scenario: Scenario, result: RunResult, report: CheckReport, version: str,
                     env: Environment | None = None) -> str:
    env = env or environment()
    proposals = result.proposals
    provinces = _per_province(scenario, proposals)
    total = {k: sum(r[k] for r in provinces) for k in provinces[0] if k != "name"}
    total["n"] = len(proposals.proposals)

    def places(kind: str) -> dict[str, int]:
        return {c: sum(int(t.places) for q in proposals.proposals if q.kind == kind
                       for t in q.transfers if t.category == c) for c in CATEGORIES}

    sizes = sorted(len(q.parties) for q in proposals.proposals if isinstance(q, SurplusSwap))
    context = {
        "parties": {"total": sum(sizes), "max": max(sizes, default=0),
                    "median": getal(float(statistics.median(sizes))) if sizes else "0"},
        "deal_levels": [_deal_level(i) for i in proposals.solve_info if i.model.startswith("deals/")],
        "wishes": _wishes(scenario, proposals),
        "scenario": scenario.human_name, "scenario_title": scenario.title,
        "scenario_hash": scenario.content_hash(), "as_of": scenario.round.as_of,
        "version": version, "policy": surplus_model_nl(result.settings), "round": scenario.round,
        "counts": Counter(q.kind for q in proposals.proposals),
        "relief": places("surplus_swap"), "merged": places("merger"), "swapped": places("uitruil"),
        "surplus": {c: sum(scenario.surplus(p).get(c) for p in scenario.plusprovincies())
                    for c in CATEGORIES},
        "passed": len(report.passed_ids()), "failed": len(report.failed_ids()),
        "warnings": len(report.warnings),
        "provinces": provinces, "total": total,
        "open_steps": _group_steps(report),
        "failed_list": [{"id": pid, "rules": ", ".join(sorted(report.rule_ids(pid, severity="error")))}
                        for pid in report.failed_ids()],
        "assumption_count": len(scenario.assumptions),
    }
    return env.get_template("summary.md.j2").render(s=context)


def _wishes(scenario: Scenario, proposals: ProposalSet) -> list[str]:
    """Each stated wish and what the proposals did with it, so a user sees that a preferred
    partner was or was not used (a soft wish: fewest agreements come first); the hard ones
    (refused, wanted, no backing, no hosting) the checker holds (D4)."""
    swaps = [q for q in proposals.proposals if isinstance(q, SurplusSwap)]
    pairs = {(q.sink_province, q.source_province) for q in swaps}
    relieved = {t.from_code for q in swaps for t in q.transfers}
    name = {p.code: p.name for p in scenario.provinces}
    out = []
    for pp in scenario.preferences.partners:
        used = (pp.sink, pp.source) in pairs
        if pp.partner == "preferred":
            out.append(f"{name[pp.sink]} wil bij voorkeur ontlast worden door {name[pp.source]}: "
                       + ("gehonoreerd, er is een surplus-uitruil." if used else
                          "niet gehonoreerd; het dealmodel zet de minste overeenkomsten vóór "
                          "voorkeurspartners."))
        elif pp.partner == "refused":
            out.append(f"{name[pp.sink]} wil niet ontlast worden door {name[pp.source]}: "
                       + ("niet gehonoreerd (zie de toetsing, regel D4)." if used else "gehonoreerd."))
    for mp in scenario.preferences.municipalities:
        m = scenario.municipality(mp.cbs_code)
        if mp.relief == "wanted":
            out.append(f"{m.name} ({m.cbs_code}) wil ontlast worden: "
                       + ("gehonoreerd." if m.cbs_code in relieved else "niet gehonoreerd."))
        elif mp.relief == "refused":
            out.append(f"{m.name} ({m.cbs_code}) wil niet ontlast worden: "
                       + ("niet gehonoreerd (zie de toetsing, regel D4)." if m.cbs_code in relieved
                          else "gehonoreerd."))
    return out


def _deal_level(info: SolveInfo) -> dict[str, str]:
    """One level of the deal model as the summary lists it: what, its value, proven or its gap."""
    level = info.model.split("/", 1)[1]
    how = STATUS_NL.get(info.status, info.status)
    if info.status != "OPTIMAL" and info.gap is not None:
        how += f", gat {getal(100 * info.gap, 2)} %"
    value = "-" if info.objective is None else getal(round(info.objective, 1))
    return {"scope": info.scope, "level": LEVEL_NL.get(level, level), "value": value, "how": how}


def _group_steps(report: CheckReport) -> list[dict[str, Any]]:
    """Each distinct open step once, with the number of proposals it concerns."""
    by_text: dict[str, set[str]] = {}
    for f in report.open_steps:
        by_text.setdefault(f"{f.rule_id}: {f.message_nl}", set()).add(f.proposal_id)
    return [{"text": text, "count": len(ids)} for text, ids in sorted(by_text.items())]


# the IBT ledger's CSV columns (machine names, kept in ibt-ledger.csv) as the Excel sheet shows them
LEDGER_COLUMNS_NL = {
    "cbs_code": "cbs-code", "name": "gemeente", "province": "provincie", "category": "categorie",
    "verdeelbesluit": "verdeelbesluit", "amended_in": "erbij (gewijzigd)",
    "amended_out": "eraf (gewijzigd)", "amended": "gewijzigde taak", "relief": "ontlast",
    "ibt_task": "taak in IBT", "backs_relief": "draagt ontlasting", "accountable_for": "aanspreekbaar voor",
    "proposals": "voorstellen",
}


KIND_NL = {"surplus_swap": "surplus-uitruil", "merger": "samenvoeging", "uitruil": "uitruil"}
SEVERITY_NL = {"error": "fout", "warning": "waarschuwing", "open": "open stap"}


def _accountable_nl(text: str) -> str:
    """The ledger's "own 12; merger-.. from GM0001 3" as the Excel sheet says it."""
    parts = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        if part.startswith("own "):
            parts.append("eigen " + part[4:])
        else:
            parts.append(part.replace(" from ", " van ", 1))
    return "; ".join(parts)


def write_excel(path: Path, proposals: ProposalSet, report: CheckReport, ledger: Ledger,
                scenario: Scenario) -> Path:
    names = {m.cbs_code: m.name for m in scenario.municipalities}
    transfer_rows = []
    for q in proposals.proposals:
        for t in q.transfers:
            transfer_rows.append({
                "voorstel": q.id, "soort": KIND_NL.get(q.kind, q.kind), "van (cbs)": t.from_code,
                "van": names.get(t.from_code, ""), "naar (cbs)": t.to_code,
                "naar": names.get(t.to_code, ""), "categorie": t.category, "plekken": t.places,
                "afstand (km)": None if t.distance_km is None else round(t.distance_km, 1),
                "getoetst": "geen fout" if report.passed(q.id) else "fout",
            })
    findings = [{"voorstel": f.proposal_id, "regel": f.rule_id,
                 "ernst": SEVERITY_NL.get(f.severity, f.severity),
                 "melding": f.message_nl, "melding (Engels)": f.message_en, "informatiebericht": f.section}
                for f in report.findings]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(transfer_rows).to_excel(xl, sheet_name="voorstellen", index=False)
        pd.DataFrame(findings, columns=["voorstel", "regel", "ernst", "melding", "melding (Engels)",
                                        "informatiebericht"]).to_excel(xl, sheet_name="toetsing",
                                                                       index=False)
        book = pd.read_csv(io.StringIO(ledger.to_csv()), dtype={"cbs_code": str})
        book["accountable_for"] = book["accountable_for"].fillna("").map(_accountable_nl)
        book.rename(columns=LEDGER_COLUMNS_NL).to_excel(
            xl, sheet_name="ibt-ledger", index=False)
    return fix_office_file(path, scenario.round.as_of)


def manifest(scenario: Scenario, result: RunResult, report: CheckReport, version: str,
             timings: Iterable[StageTiming], files: list[str], started: float) -> dict[str, Any]:
    return {
        "tool": "herverdeling",
        "version": version,
        "python": platform.python_version(),
        "created_for_as_of": scenario.round.as_of.isoformat(),
        "scenario": {"name": scenario.name, "content_hash": scenario.content_hash(),
                     "norms": scenario.norms.id, "options": scenario.options.model_dump()},
        "settings": result.settings.model_dump(),
        "solvers": [info.model_dump() for info in result.proposals.solve_info],
        "timings_s": {t.stage: round(t.seconds, 3) for t in timings},
        "total_s": round(time.perf_counter() - started, 3),
        "proposals": len(result.proposals.proposals),
        "passed": list(report.passed_ids()),
        "failed": list(report.failed_ids()),
        "files": sorted(files),
    }


def write_run(folder: Path, scenario: Scenario, result: RunResult, report: CheckReport, *,
              extra_timings: tuple[StageTiming, ...] = (), version: str, started: float,
              progress: Callable[[str], None] | None = None) -> Path:
    from herverdeling.documents.kaart import write_html, write_png

    # the ledger books only what may be signed: proposals without a checker error
    ledger = build_ledger(scenario, [p for p in result.proposals.proposals if report.passed(p.id)])
    (folder / "proposals.json").write_text(proposals_json(result.proposals), encoding="utf-8")
    (folder / "findings.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (folder / "ledger.csv").write_text(ledger.to_csv(), encoding="utf-8")
    write_documents(folder, result.proposals, scenario, ledger, report, version, progress)
    env = environment()
    ibt = {m.cbs_code: (int(ledger.row(m.cbs_code, "regulier").ibt_task),
                        int(ledger.row(m.cbs_code, "amv").ibt_task)) for m in scenario.municipalities}
    write_html(scenario, result.proposals, ibt, folder / "kaart.html")
    write_png(scenario, result.proposals, folder / "kaart.png")
    (folder / "summary.md").write_text(summary_markdown(scenario, result, report, version, env),
                                       encoding="utf-8")
    write_excel(folder / "overzicht.xlsx", result.proposals, report, ledger, scenario)
    files = [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()]
    files.append("manifest.json")
    data = manifest(scenario, result, report, version, (*result.timings, *extra_timings), files,
                    started)
    (folder / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return folder
