"""The wijzigingsoverzicht: one draft per province of every amendment of its verdeelbesluit.

The note describes one amendment per round, with the reason in an addendum (section 1; U5). This
overview prepares it: per amendment the agreement's reference and its reason, the tasks before
and after, and the province's totals per category. It carries no contract terms, no signature of
the minister and no claim that a deadline was met; agreements known after the deadline are listed
apart, as waiting for a later amendment.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel, ConfigDict

from herverdeling.checker.findings import CheckReport
from herverdeling.checker.ledger import Ledger
from herverdeling.documents.context import CATEGORY_LABEL, changes_for, is_late, reference
from herverdeling.drafting.clauses import Clauses, load_clauses
from herverdeling.dutch import datum, md
from herverdeling.proposals import Merger, ProposalSet, Uitruil
from herverdeling.scenario.model import CATEGORIES, Scenario

KIND_LABEL = {"merger": "samenvoeging", "uitruil": "uitruil"}


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Amendment(_View):
    reference: str
    kind: str
    reason: str


class TaskRow(_View):
    nr: int
    name: str
    code: str
    category: str
    verdeelbesluit: int
    change: str
    after: int


class Total(_View):
    category: str
    before: int
    after: int


class Overview(_View):
    province_code: str
    province: str
    as_of: date
    version: str
    scenario: str
    vb_date: str
    round: str
    addressee: str
    sender: str
    intro: str
    amendments: tuple[Amendment, ...]
    rows: tuple[TaskRow, ...]
    totals: tuple[Total, ...]
    totals_text: str
    waiting: tuple[Amendment, ...] = ()
    notification_status: str


def _reason(p: Merger | Uitruil, scenario: Scenario, c: Clauses) -> str:
    def gm(code: str) -> str:
        return f"de gemeente {md(scenario.municipality(code).name)}"

    if isinstance(p, Merger):
        return c.overview["reason_merger"].fill(category=CATEGORY_LABEL[p.category],
                                                host=gm(p.host_code))
    realisers = list(dict.fromkeys(gm(t.to_code) for t in p.transfers))
    givers = list(dict.fromkeys(gm(t.from_code) for t in p.transfers))
    return c.overview["reason_uitruil"].fill(realiser=" en ".join(realisers),
                                             requester=" en ".join(givers))


def build_overviews(proposals: ProposalSet, scenario: Scenario, ledger: Ledger,
                    report: CheckReport, version: str, clauses: Clauses | None = None,
                    ) -> list[Overview]:
    """One overview per province with at least one amendment (passed mergers and uitruil)."""
    c = clauses or load_clauses()
    rnd = scenario.round
    by_province: dict[str, list[Merger | Uitruil]] = defaultdict(list)
    for p in proposals.proposals:
        if isinstance(p, Merger | Uitruil) and report.passed(p.id):
            by_province[p.province].append(p)
    out = []
    for code in sorted(by_province):
        province = f"de provincie {md(scenario.province(code).name)}"
        items = by_province[code]
        processed = [p for p in items if not is_late(report, p.id)]
        waiting = [p for p in items if is_late(report, p.id)]
        rows: list[TaskRow] = []
        net: dict[str, int] = defaultdict(int)
        for nr, p in enumerate(processed, 1):
            codes = list(dict.fromkeys(x for t in p.transfers for x in (t.from_code, t.to_code)))
            cats = [k for k in CATEGORIES if any(t.category == k for t in p.transfers)]
            for (muni, k), change in changes_for(ledger, p.id, codes, cats).items():
                if change == 0:
                    continue
                net[k] += change
                e = ledger.row(muni, k)
                rows.append(TaskRow(nr=nr, name=md(e.name), code=muni, category=CATEGORY_LABEL[k],
                                    verdeelbesluit=e.verdeelbesluit,
                                    change=f"+{change}" if change > 0 else str(change),
                                    after=int(e.amended)))
        totals = []
        for k in CATEGORIES:
            before = sum(m.verdeelbesluit.get(k) for m in scenario.municipalities
                         if m.province == code)
            totals.append(Total(category=CATEGORY_LABEL[k], before=before, after=before + net[k]))
        values = {"province": province, "amendment": datum(rnd.amendment_deadline),
                  "deadline": datum(rnd.notification_deadline)}
        out.append(Overview(
            province_code=code, province=province, as_of=rnd.as_of, version=version,
            scenario=md(scenario.human_name), vb_date=datum(rnd.verdeelbesluit_date), round=md(rnd.name),
            addressee=c.overview["addressee"].text, sender=c.overview["sender"].fill(**values),
            intro=c.overview["intro"].fill(**values),
            amendments=tuple(Amendment(reference=reference(p.id), kind=KIND_LABEL[p.kind],
                                       reason=_reason(p, scenario, c)) for p in processed),
            rows=tuple(rows), totals=tuple(totals), totals_text=c.overview["totals"].fill(**values),
            waiting=tuple(Amendment(reference=reference(p.id), kind=KIND_LABEL[p.kind],
                                    reason=_reason(p, scenario, c)) for p in waiting),
            notification_status=c.overview["notification_status"].fill(**values),
        ))
    return out


__all__ = ["Overview", "build_overviews"]
