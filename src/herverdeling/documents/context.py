"""What a template sees: a typed view of one proposal, its parties and its numbers.

Every number of places comes from the IBT ledger (verdeelbesluit task, this proposal's change,
the task after all agreements), so an agreement can never disagree with the ledger.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from pydantic import BaseModel, ConfigDict

from herverdeling.checker.findings import CheckReport
from herverdeling.checker.ledger import Ledger
from herverdeling.proposals import Merger, SurplusSwap, Uitruil
from herverdeling.scenario.model import CATEGORIES, Category, Round, Scenario

CATEGORY_LABEL: dict[str, str] = {"regulier": "regulier", "amv": "AMV"}
STATUS_LABEL = {"draft": "Concept", "signed": "Ondertekend"}


def plekken(n: int, category: str) -> str:
    """'33 reguliere plekken', '1 AMV-plek': numbers in running Dutch text."""
    noun = "plek" if n == 1 else "plekken"
    return f"{n} reguliere {noun}" if category == "regulier" else f"{n} AMV-{noun}"
TITLES = {
    "uitruil": "Uitruilovereenkomst binnen de provincie {province}",
    "merger": "Samenvoegingsovereenkomst {category} {province}: locatie {host}",
    "surplus_swap": "Uitruilovereenkomst surplus {source} – {sink}",
}
TEMPLATES = {
    "uitruil": "uitruilovereenkomst.md.j2",
    "merger": "samenvoegingsovereenkomst.md.j2",
    "surplus_swap": "uitruilovereenkomst-surplus.md.j2",
}
PLACEHOLDER = ("[IN TE VULLEN DOOR PARTIJEN: wat staat er tegenover deze plekken, door wie, voor "
               "wie en hoeveel; of 'geen']")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PartyView(_View):
    label: str
    role: str = ""


class TransferView(_View):
    from_code: str
    from_name: str
    to_code: str
    to_name: str
    category: Category
    category_label: str
    places: int
    distance_km: str | None = None


class Row(_View):
    name: str
    code: str
    category_label: str
    verdeelbesluit: int
    change: int
    change_label: str
    amended: int
    ibt_task: int


class Counted(_View):
    name: str
    code: str
    places: int
    category: Category


class AgreementDoc(_View):
    id: str
    kind: str
    title: str
    status: str
    status_label: str
    scenario: str
    version: str
    as_of: date
    round: Round
    parties: tuple[PartyView, ...]
    signatories: tuple[PartyView, ...]
    coordinators: tuple[PartyView, ...] = ()
    transfers: tuple[TransferView, ...]
    rows: tuple[Row, ...]
    totals: dict[str, int]
    totals_label: str
    counter_performance: tuple[str, ...]
    failure_clause: str
    open_steps: tuple[str, ...]
    party_names: str
    province_name: str = ""
    category: str = ""
    category_label: str = ""
    host_name: str = ""
    host_own: int = 0
    location_size: int = 0
    source_name: str = ""
    sink_name: str = ""
    relieved: tuple[Counted, ...] = ()
    sources: tuple[Counted, ...] = ()


def slug(text: str, limit: int = 80) -> str:
    """A safe file name part: ASCII letters, digits and dashes only (no path tricks)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-").lower()
    return (cleaned or "document")[:limit].rstrip("-")


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _places_label(totals: dict[str, int]) -> str:
    parts = [plekken(totals[c], c) for c in CATEGORIES if totals.get(c)]
    return " en ".join(parts) if parts else "0 plekken"


def build_doc(
    proposal: SurplusSwap | Merger | Uitruil,
    scenario: Scenario,
    ledger: Ledger,
    report: CheckReport,
    version: str,
) -> AgreementDoc:
    name = {m.cbs_code: m.name for m in scenario.municipalities}
    pname = {p.code: p.name for p in scenario.provinces}
    codes: list[str] = []
    for t in proposal.transfers:
        for code in (t.from_code, t.to_code):
            if code not in codes:
                codes.append(code)
    categories = [c for c in CATEGORIES if any(t.category == c for t in proposal.transfers)]
    changes = changes_for(ledger, proposal.id, codes, categories)
    rows = []
    for code in codes:
        for c in categories:
            entry = ledger.row(code, c)
            change = changes.get((code, c), 0)
            if change == 0:  # rows this proposal changes; backing municipalities are listed apart
                continue
            rows.append(Row(name=name[code], code=code, category_label=CATEGORY_LABEL[c],
                            verdeelbesluit=entry.verdeelbesluit, change=int(change),
                            change_label=_signed(int(change)), amended=int(entry.amended),
                            ibt_task=int(entry.ibt_task)))
    totals = {c: sum(int(t.places) for t in proposal.transfers if t.category == c)
              for c in categories}
    transfers = tuple(
        TransferView(from_code=t.from_code, from_name=name[t.from_code], to_code=t.to_code,
                     to_name=name[t.to_code], category=t.category,
                     category_label=CATEGORY_LABEL[t.category],
                     places=int(t.places),
                     distance_km=None if t.distance_km is None else f"{t.distance_km:.1f}")
        for t in proposal.transfers
    )
    parties = tuple(PartyView(label=_party_label(p.kind, p.name, p.code), role=p.role)
                    for p in proposal.parties)
    counter = tuple(
        PLACEHOLDER if cp.kind == "to_agree" else
        ("Geen tegenprestatie." if cp.kind == "none" else cp.description)
        for cp in proposal.counter_performance
    ) or (PLACEHOLDER,)
    open_steps = tuple(f.message_nl for f in report.findings_for(proposal.id)
                       if f.severity in {"open", "warning"})
    common = {
        "id": proposal.id, "kind": proposal.kind, "status": proposal.process.status,
        "status_label": STATUS_LABEL[proposal.process.status],
        "scenario": scenario.name, "version": version, "as_of": scenario.round.as_of, "round": scenario.round,
        "parties": parties, "signatories": parties, "transfers": transfers, "rows": tuple(rows),
        "totals": totals, "totals_label": _places_label(totals), "counter_performance": counter,
        "failure_clause": proposal.failure_clause or "[IN TE VULLEN: gevolgen als de realiserende "
        "partij niet (tijdig) realiseert]",
        "open_steps": open_steps,
        "party_names": ", ".join(p.label for p in parties),
    }
    if isinstance(proposal, SurplusSwap):
        relieved = tuple(Counted(name=name[code], code=code, places=-changes.get((code, c), 0),
                                 category=c)
                         for (code, c) in sorted(proposal.relieved()))
        backing: dict[tuple[str, str], int] = {}
        for t in proposal.transfers:
            backing[(t.to_code, t.category)] = backing.get((t.to_code, t.category), 0) + int(t.places)
        sources = tuple(Counted(name=name[code], code=code, places=n, category=c)
                        for (code, c), n in sorted(backing.items()))
        return AgreementDoc(
            **common,
            title=TITLES["surplus_swap"].format(source=pname[proposal.source_province],
                                                sink=pname[proposal.sink_province]),
            coordinators=tuple(PartyView(label=f"{p.name} ({p.code})", role=p.role)
                               for p in proposal.coordinators),
            source_name=pname[proposal.source_province], sink_name=pname[proposal.sink_province],
            relieved=relieved, sources=sources,
        )
    if isinstance(proposal, Merger):
        return AgreementDoc(
            **common,
            title=TITLES["merger"].format(category=CATEGORY_LABEL[proposal.category],
                                          province=pname[proposal.province],
                                          host=name[proposal.host_code]),
            province_name=pname[proposal.province], category=proposal.category,
            category_label=CATEGORY_LABEL[proposal.category],
            host_name=name[proposal.host_code], host_own=int(proposal.host_own_places),
            location_size=int(proposal.location_size),
        )
    return AgreementDoc(
        **common,
        title=TITLES["uitruil"].format(province=pname[proposal.province]),
        province_name=pname[proposal.province],
    )


def changes_for(ledger: Ledger, proposal_id: str, codes: list[str],
                categories: list[Category]) -> dict[tuple[str, Category], int]:
    """This proposal's signed effect per (municipality, category), read from the ledger's entries.

    Taken over (+), handed over (-) and relieved (-) count; backing a surplus swap changes no task.
    """
    sign = {"in": 1, "out": -1, "relief": -1, "backs": 0}
    out: dict[tuple[str, Category], int] = {}
    for code in codes:
        for c in categories:
            total = sum(sign[e.effect] * e.places for e in ledger.row(code, c).entries
                        if e.proposal_id == proposal_id)
            out[(code, c)] = int(total)
    return out


def _party_label(kind: str, name: str, code: str) -> str:
    prefix = {"gemeente": "het college van burgemeester en wethouders van de gemeente",
              "provincie": "de provincie", "ministerie": "het ministerie", "prt": "de PRT"}[kind]
    return f"{prefix} {name} ({code})"


__all__ = ["AgreementDoc", "Category", "build_doc", "slug"]
