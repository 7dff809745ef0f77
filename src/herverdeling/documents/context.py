"""What a template sees: a typed view of one proposal as numbered articles, parties and tables.

Every number of places comes from the IBT ledger (verdeelbesluit task, this proposal's change,
the task after all agreements), so an agreement can never disagree with the ledger. Every legal
text comes from the clause file (models/clauses/), filled here; every name and free text is
escaped for Markdown on the way in (`herverdeling.dutch.md`), so nothing in a name changes the
structure of a paper. Running text always says "de provincie X" or "de gemeente X": Groningen and
Utrecht are both.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict

from herverdeling.checker.findings import CheckReport
from herverdeling.checker.ledger import Ledger
from herverdeling.drafting.clauses import Clause, Clauses, load_clauses
from herverdeling.dutch import datum, decimaal, md, plaatsen
from herverdeling.proposals import AnyProposal, Merger, Party, SurplusSwap, Uitruil
from herverdeling.scenario.model import CATEGORIES, Category, Round, Scenario

CATEGORY_LABEL: dict[str, str] = {"regulier": "regulier", "amv": "AMV"}
STATUS_LABEL = {"draft": "Concept", "signed": "Ondertekend"}
TEMPLATES = {"agreement": "overeenkomst.md.j2", "kennisgeving": "kennisgeving.md.j2",
             "toetreding": "toetredingsverklaring.md.j2",
             "wijzigingsoverzicht": "wijzigingsoverzicht.md.j2"}
PLACEHOLDER = ("[IN TE VULLEN DOOR PARTIJEN: wat staat er tegenover deze plaatsen, door wie, voor "
               "wie en hoeveel; of 'geen']")
# Dutch references: proposal ids stay stable in proposals.json, papers and file names are Dutch.
_REFERENCE_PREFIX = (("swap-", "ruil-overschot-"), ("surplus-", "ruil-overschot-"),
                     ("merger-", "samenvoeging-"))
# Process rules whose warning means: known to the ministry after the round's deadline (U4, U5).
LATE_RULES = frozenset({"U2", "U3", "U4", "S3"})
DEFINITIONS = {
    "uitruil": ("wet", "informatiebericht", "verdeelbesluit", "taak", "plaatsen", "ibt", "spuk",
                "prt", "minister"),
    "merger": ("wet", "informatiebericht", "verdeelbesluit", "taak", "plaatsen", "ibt", "spuk",
               "prt", "coa", "minister"),
    "surplus_swap": ("wet", "informatiebericht", "verdeelbesluit", "taak", "plaatsen", "ibt",
                     "spuk", "prt", "minister", "koppeltabel"),
}


def reference(proposal_id: str) -> str:
    """The Dutch kenmerk of a proposal: swap-GR-ZH -> ruil-overschot-gr-zh."""
    ref = proposal_id
    for old, new in _REFERENCE_PREFIX:
        if ref.startswith(old):
            ref = new + ref[len(old):]
            break
    return slug(ref, 80)


def plekken(n: int, category: str) -> str:
    """Kept for callers of the old name: documents say 'plaatsen' (one word for places)."""
    return plaatsen(n, category)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PartyView(_View):
    kind: str
    code: str
    name: str  # escaped
    label: str  # the party formula: body and representative
    role: str = ""
    signature: str = ""


class Article(_View):
    number: int
    title: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    table: str = ""  # which table the template shows under the article text
    after: tuple[str, ...] = ()  # paragraphs after the items or the table


class AmendRow(_View):
    name: str
    code: str
    category_label: str
    verdeelbesluit: int
    change_label: str
    amended: int
    relief: int
    ibt_task: int


class SwapRow(_View):
    name: str
    code: str
    category_label: str
    verdeelbesluit: int
    this: int
    other: int
    ibt_task: int


class LinkRow(_View):
    relieved: str
    relieved_code: str
    source: str
    source_code: str
    category_label: str
    places: int
    key: str
    distance_km: str


class Counted(_View):
    name: str
    code: str
    places: int
    category: Category


class AgreementDoc(_View):
    id: str
    reference: str
    kind: str
    framework: bool = False
    title: str
    status: str
    status_label: str
    scenario: str
    version: str
    as_of: date
    round: Round
    parties: tuple[PartyView, ...]
    together: str
    coordination: tuple[str, ...] = ()
    considerations: tuple[str, ...] = ()
    articles: tuple[Article, ...] = ()
    amend_rows: tuple[AmendRow, ...] = ()
    swap_rows: tuple[SwapRow, ...] = ()
    link_rows: tuple[LinkRow, ...] = ()
    totals_label: str
    counter_performance: tuple[str, ...]
    failure: tuple[str, ...]
    open_steps_intro: str
    open_steps: tuple[str, ...]
    signing: str
    signatories: tuple[PartyView, ...]
    party_names: str
    province_name: str = ""
    source_name: str = ""
    sink_name: str = ""
    depends_on: tuple[str, ...] = ()
    late: bool = False
    notice_from: str = ""
    notice_to: str = ""
    notice_request: str = ""
    enclosure: str = ""
    relieved: tuple[Counted, ...] = ()
    sources: tuple[Counted, ...] = ()


def slug(text: str, limit: int = 80) -> str:
    """A safe file name part: ASCII letters, digits and dashes only (no path tricks)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-").lower()
    return (cleaned or "document")[:limit].rstrip("-")


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _places_label(totals: Mapping[Category, int]) -> str:
    parts = [plaatsen(totals[c], c) for c in CATEGORIES if totals.get(c)]
    return " en ".join(parts) if parts else "0 plaatsen"


def _join(names: list[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _paragraphs(text: str) -> tuple[str, ...]:
    """Free text of a proposal (its failure clause): escaped, one paragraph per blank-line block."""
    return tuple(md(p.strip()) for p in re.split(r"\n\s*\n", text) if p.strip())


def _capital(text: str) -> str:
    """A paragraph starts with a capital: 'De gemeente Eindhoven ...'."""
    return text[:1].upper() + text[1:]


def gemeente_md(scenario: Scenario, code: str) -> str:
    return f"de gemeente {md(scenario.municipality(code).name)}"


def provincie_md(scenario: Scenario, code: str) -> str:
    return f"de provincie {md(scenario.province(code).name)}"


def party_view(p: Party, c: Clauses) -> PartyView:
    name = md(p.name)
    if p.kind in {"gemeente", "provincie"}:
        label = c.parties[p.kind].fill(name=name, code=p.code)
        signature = c.parties[f"signature_{p.kind}"].fill(name=name)
    else:
        label, signature = f"{name} ({p.code})", name
    return PartyView(kind=p.kind, code=p.code, name=name, label=label,
                     role=md(p.role), signature=signature)


def process_steps(parties: tuple[PartyView, ...], c: Clauses) -> list[str]:
    """Open steps before signing: each body decides; raad or Staten may give wensen en bedenkingen."""
    steps = []
    for p in parties:
        if p.kind == "gemeente":
            steps += [c.process["college_decision"].fill(name=p.name),
                      c.process["wensen_bedenkingen_raad"].fill(name=p.name)]
        elif p.kind == "provincie":
            steps += [c.process["gs_decision"].fill(name=p.name),
                      c.process["wensen_bedenkingen_staten"].fill(name=p.name)]
    return [s[0].upper() + s[1:] + "." for s in steps]


def dependencies(proposal: AnyProposal, ledger: Ledger, scenario: Scenario,
                 ) -> tuple[tuple[str, ...], list[str]]:
    """The surplus swaps a merger or uitruil relies on: relief booked on a row it changes.

    A host or realiser whose own task is the IBT task after a swap (Eindhoven: 1,044 in the
    verdeelbesluit, 993 after relief) builds on that swap; if the swap falls away, so does the basis.
    """
    if isinstance(proposal, SurplusSwap):
        return (), []
    ids: list[str] = []
    details: list[str] = []
    seen: set[tuple[str, str]] = set()
    for t in proposal.transfers:
        for code in (t.from_code, t.to_code):
            if (code, t.category) in seen:
                continue
            seen.add((code, t.category))
            relief: dict[str, int] = defaultdict(int)
            for e in ledger.row(code, t.category).entries:
                if e.effect == "relief":
                    relief[e.proposal_id] += int(e.places)
            for pid, n in relief.items():
                ids.append(pid)
                details.append(f"{gemeente_md(scenario, code)} is daardoor ontlast van "
                               f"{plaatsen(n, t.category)}" + "\0" + reference(pid))
    unique = tuple(dict.fromkeys(ids))
    if len(unique) == 1:  # one swap: its reference is named once, before the details
        return unique, [d.split("\0")[0] for d in details]
    return unique, [d.replace("\0", " (") + ")" for d in details]


def is_late(report: CheckReport, proposal_id: str) -> bool:
    """Known to the ministry (or signed) after the round's deadline: warned, not processed (U5)."""
    return any(f.rule_id in LATE_RULES and f.severity == "warning"
               for f in report.findings_for(proposal_id))


class _Articles:
    """Numbers the articles as they are added; texts and titles from the clause file."""

    def __init__(self, c: Clauses, values: dict[str, str]) -> None:
        self.c, self.values = c, values
        self.items: list[Article] = []

    def text(self, key: str) -> tuple[str, ...]:
        clause: Clause = self.c.articles[key]
        return tuple(_capital(p) for p in clause.paragraphs(**self.values))

    def add(self, key: str, *more: str, paragraphs: tuple[str, ...] = (), items: tuple[str, ...] = (),
            table: str = "", after: tuple[str, ...] = (), title: str = "",
            own_text: bool = True) -> None:
        text = ((self.text(key) if own_text else ()) + tuple(p for k in more for p in self.text(k))
                + tuple(_capital(p) for p in paragraphs))
        self.items.append(Article(number=len(self.items) + 1,
                                  title=title or self.c.articles[key].title, paragraphs=text,
                                  items=items, table=table, after=after))


def build_doc(
    proposal: AnyProposal,
    scenario: Scenario,
    ledger: Ledger,
    report: CheckReport,
    version: str,
    clauses: Clauses | None = None,
) -> AgreementDoc:
    """The view of one agreement: parties, numbered articles, tables from the ledger, signatures."""
    c = clauses or load_clauses()
    rnd = scenario.round
    name = {m.cbs_code: md(m.name) for m in scenario.municipalities}
    codes: list[str] = []
    for t in proposal.transfers:
        for code in (t.from_code, t.to_code):
            if code not in codes:
                codes.append(code)
    categories = [k for k in CATEGORIES if any(t.category == k for t in proposal.transfers)]
    changes = changes_for(ledger, proposal.id, codes, categories)
    totals = {k: sum(int(t.places) for t in proposal.transfers if t.category == k)
              for k in categories}
    parties = tuple(party_view(p, c) for p in proposal.parties)
    counter = tuple(
        PLACEHOLDER if cp.kind == "to_agree" else
        ("Geen tegenprestatie." if cp.kind == "none" else md(cp.description))
        for cp in proposal.counter_performance
    ) or (PLACEHOLDER,)
    failure = _paragraphs(proposal.failure_clause or "[IN TE VULLEN: gevolgen als de realiserende "
                          "partij niet (tijdig) realiseert]")
    checker_steps = [md(f.message_nl) for f in report.findings_for(proposal.id)
                     if f.severity in {"open", "warning"}]
    depends_on, dep_details = dependencies(proposal, ledger, scenario)
    late = is_late(report, proposal.id)
    values: dict[str, str] = {
        "vb_date": datum(rnd.verdeelbesluit_date), "deadline": datum(rnd.notification_deadline),
        "amendment": datum(rnd.amendment_deadline), "round": md(rnd.name),
        "references": _join([reference(d) for d in depends_on]) if depends_on else "",
        "details": "; ".join(dep_details),
    }
    common = {
        "id": proposal.id, "reference": reference(proposal.id), "kind": proposal.kind,
        "status": proposal.process.status, "status_label": STATUS_LABEL[proposal.process.status],
        "scenario": md(scenario.human_name), "version": version, "as_of": rnd.as_of, "round": rnd,
        "parties": parties, "together": c.parties["together"].text,
        "totals_label": _places_label(totals), "counter_performance": counter, "failure": failure,
        "open_steps_intro": c.process["intro"].text,
        "signing": c.parties["signing"].text, "signatories": parties,
        "party_names": ", ".join(p.label for p in parties), "depends_on": depends_on, "late": late,
        "enclosure": c.notice["enclosure"].fill(reference=reference(proposal.id)),
    }
    if isinstance(proposal, SurplusSwap):
        return _swap_doc(proposal, scenario, ledger, c, values, common, name, changes,
                         checker_steps)
    return _amend_doc(proposal, scenario, ledger, c, values, common, name, changes, categories,
                      codes, checker_steps, dep_details)


def _amend_doc(proposal: Merger | Uitruil, scenario: Scenario, ledger: Ledger, c: Clauses,
               values: dict[str, str], common: dict[str, object], name: dict[str, str],
               changes: dict[tuple[str, Category], int], categories: list[Category],
               codes: list[str], checker_steps: list[str], dep_details: list[str]) -> AgreementDoc:
    """Uitruil and merger: amend the verdeelbesluit (sections 1 and 2)."""
    rows = []
    for code in codes:
        for k in categories:
            change = changes.get((code, k), 0)
            if change == 0:
                continue
            e = ledger.row(code, k)
            rows.append(AmendRow(name=name[code], code=code, category_label=CATEGORY_LABEL[k],
                                 verdeelbesluit=e.verdeelbesluit, change_label=_signed(int(change)),
                                 amended=int(e.amended), relief=int(e.relief),
                                 ibt_task=int(e.ibt_task)))
    province = provincie_md(scenario, proposal.province)
    realisers = list(dict.fromkeys(t.to_code for t in proposal.transfers))
    givers = list(dict.fromkeys(t.from_code for t in proposal.transfers))
    values.update(province=province, scope=province,
                  mediator=f"de voorzitter van de provinciale regietafel van {province}")
    transfers = tuple(
        f"{gemeente_md(scenario, t.to_code)} ({t.to_code}) "
        + ("neemt " if isinstance(proposal, Merger) else "realiseert ")
        + f"{plaatsen(int(t.places), t.category)} "
        + ("samengevoegd over van " if isinstance(proposal, Merger) else "van de taak van ")
        + f"{gemeente_md(scenario, t.from_code)} ({t.from_code})"
        + (f"; afstand {decimaal(t.distance_km)} km" if t.distance_km is not None else "") + "."
        for t in proposal.transfers)
    arts = _Articles(c, values)
    definitions = tuple(c.definitions[k].fill(**values) for k in DEFINITIONS[proposal.kind])
    arts.add("definitions", items=definitions)
    has_statushouders = any(cp.kind == "statushouders" for cp in proposal.counter_performance)
    supervision = (c.counter_performance["statushouders_supervision"].fill(province=province),) \
        if has_statushouders else ()
    if isinstance(proposal, Merger):
        host = gemeente_md(scenario, proposal.host_code)
        size = plaatsen(int(proposal.location_size), proposal.category)
        values.update(host=host, size=size, realiser=host, released="elke deelnemende gemeente")
        host_row = ledger.row(proposal.host_code, proposal.category)
        own = int(proposal.host_own_places)
        merged = int(proposal.location_size) - own
        values.update(vb_task=plaatsen(host_row.verdeelbesluit, proposal.category),
                      own=plaatsen(own, proposal.category),
                      merged=plaatsen(merged, proposal.category))
        basis = arts.text("merger_basis") + (arts.text("merger_basis_relieved") if dep_details
                                             else ())
        arts.add("object_merger", paragraphs=(" ".join(basis),), items=transfers, table="amend")
        arts.add("obligations_host", "obligations_member")
        title = (f"Samenvoegingsovereenkomst {CATEGORY_LABEL[proposal.category]} in {province}: "
                 f"locatie in {host}")
    else:
        realiser = _join([gemeente_md(scenario, x) for x in realisers])
        requester = _join([gemeente_md(scenario, x) for x in givers])
        values.update(realiser=realiser, requester=requester, released=requester)
        third = [p for p in proposal.parties if p.kind == "gemeente"
                 and p.code not in realisers and p.code not in givers]
        cycle = (c.articles["cycle"].fill(count=len(proposal.parties)),) if third else ()
        arts.add("object_uitruil", paragraphs=cycle, items=transfers, table="amend")
        extra = tuple(c.articles["obligations_requester"].fill(
            requester=gemeente_md(scenario, p.code)) for p in third)
        arts.add("obligations_realiser", "obligations_requester", paragraphs=extra)
        title = f"Uitruilovereenkomst binnen {province}"
    arts.add("counter_performance", items=tuple(common["counter_performance"]),  # type: ignore[arg-type]
             after=(*supervision, c.counter_performance["outflow_note"].text))
    arts.add("failure", paragraphs=tuple(common["failure"]), own_text=False)  # type: ignore[arg-type]
    arts.add("processing", *(("processing_late",) if common["late"] else ()))
    if common["depends_on"]:
        arts.add("condition")
    for key in ("notification", "duration", "amendment", "nadere_afspraken", "disputes"):
        arts.add(key)
    parties: tuple[PartyView, ...] = common["parties"]  # type: ignore[assignment]
    considerations = _considerations_amend(proposal, c, values)
    return AgreementDoc(
        **common,  # type: ignore[arg-type]
        title=title, considerations=considerations, articles=tuple(arts.items),
        amend_rows=tuple(rows), province_name=province,
        open_steps=(*process_steps(parties, c), *checker_steps),
        notice_from=c.notice["sender_parties"].fill(names=_join([p.label for p in parties])),
        notice_to=f"de minister van Asiel en Migratie en de provinciale regietafel van {province}",
        notice_request=c.notice["request_amendment"].fill(**values),
    )


def _considerations_amend(proposal: Merger | Uitruil, c: Clauses,
                          values: dict[str, str]) -> tuple[str, ...]:
    if isinstance(proposal, Merger):
        return tuple(c.considerations["merger"].paragraphs(
            **values, category=CATEGORY_LABEL[proposal.category]))
    return tuple(c.considerations["uitruil"].paragraphs(**values))


def _swap_doc(proposal: SurplusSwap, scenario: Scenario, ledger: Ledger, c: Clauses,
              values: dict[str, str], common: dict[str, object], name: dict[str, str],
              changes: dict[tuple[str, Category], int], checker_steps: list[str]) -> AgreementDoc:
    """Surplus swap (section 3): no amendment; relief at IBT; a framework above the threshold."""
    source = provincie_md(scenario, proposal.source_province)
    sink = provincie_md(scenario, proposal.sink_province)
    both = f"{source} en {sink}"
    values.update(source=source, sink=sink, scope=both, provinces=both,
                  mediator=f"de commissarissen van de Koning in {both}")
    relieved_keys = sorted(proposal.relieved())
    rows = []
    for code, k in relieved_keys:
        e = ledger.row(code, k)
        this = -changes.get((code, k), 0)
        rows.append(SwapRow(name=name[code], code=code, category_label=CATEGORY_LABEL[k],
                            verdeelbesluit=e.verdeelbesluit, this=this,
                            other=int(e.verdeelbesluit - this - e.ibt_task), ibt_task=int(e.ibt_task)))
    backing: dict[tuple[str, Category], int] = defaultdict(int)
    for t in proposal.transfers:
        backing[(t.to_code, t.category)] += int(t.places)
    links = tuple(
        LinkRow(relieved=name[t.from_code], relieved_code=t.from_code, source=name[t.to_code],
                source_code=t.to_code, category_label=CATEGORY_LABEL[t.category],
                places=int(t.places), key=f"{int(t.places)}/{backing[(t.to_code, t.category)]}",
                distance_km="" if t.distance_km is None else decimaal(t.distance_km))
        for t in proposal.transfers)
    sources = tuple(Counted(name=name[code], code=code, places=n, category=k)
                    for (code, k), n in sorted(backing.items()))
    relieved = tuple(Counted(name=name[code], code=code, places=-changes.get((code, k), 0),
                             category=k) for code, k in relieved_keys)
    municipalities = [p for p in proposal.parties if p.kind == "gemeente"]
    framework = len(municipalities) >= c.settings.framework_threshold
    parties: tuple[PartyView, ...] = common["parties"]  # type: ignore[assignment]
    if framework:
        parties = tuple(p for p in parties if p.kind == "provincie")
    arts = _Articles(c, values)
    definitions = tuple(c.definitions[k].fill(**values) for k in DEFINITIONS["surplus_swap"])
    arts.add("definitions", items=definitions)
    note = arts.text("swap_table_note") if any(r.other for r in rows) else ()
    arts.add("object_swap", table="swap", after=(*note, *arts.text("link_table")))
    arts.add("obligations_swap_source_province", "obligations_swap_source_municipalities",
             "obligations_swap_sink_province", "obligations_swap_relieved")
    arts.add("counter_performance", items=tuple(common["counter_performance"]))  # type: ignore[arg-type]
    arts.add("failure", paragraphs=tuple(common["failure"]), own_text=False)  # type: ignore[arg-type]
    if framework:
        acc = c.framework["accession"]
        arts.items.append(Article(number=len(arts.items) + 1, title=acc.title,
                                  paragraphs=tuple(acc.paragraphs())))
    for key in ("swap_ibt", "notification_swap", "duration", "amendment", "nadere_afspraken_swap",
                "disputes"):
        arts.add(key)
    considerations = list(c.considerations["surplus_swap"].paragraphs(**values))
    if framework:
        considerations.append(c.framework["considerations"].fill(
            count=len(municipalities), source=source, sink=sink))
    kind = "Raamovereenkomst" if framework else "Uitruilovereenkomst"
    return AgreementDoc(
        **{**common, "parties": parties, "signatories": parties,  # type: ignore[arg-type]
           "party_names": ", ".join(p.label for p in parties)},
        title=f"{kind} overschot tussen {source} en {sink}", framework=framework,
        coordination=(c.parties["coordination"].fill(provinces=both),
                      c.parties["ministry_not_party"].text),
        considerations=tuple(considerations), articles=tuple(arts.items),
        swap_rows=tuple(rows), link_rows=links, source_name=source, sink_name=sink,
        relieved=relieved, sources=sources,
        open_steps=(*process_steps(parties, c), *checker_steps),
        notice_from=c.notice["sender_swap"].fill(provinces=both),
        notice_to=(f"de minister van Asiel en Migratie, en ter informatie de provinciale "
                   f"regietafels van {both}"),
        notice_request=c.notice["request_swap"].text,
    )


def accession_docs(proposal: SurplusSwap, doc: AgreementDoc, scenario: Scenario,
                   clauses: Clauses | None = None) -> list[tuple[str, dict[str, object]]]:
    """One toetredingsverklaring per municipality of a framework swap: (code, template context)."""
    c = clauses or load_clauses()
    out = []
    for p in proposal.parties:
        if p.kind != "gemeente":
            continue
        view = party_view(p, c)
        mine = [r for r in doc.link_rows if p.code in (r.relieved_code, r.source_code)]
        out.append((p.code, {
            "doc": doc, "party": view,
            "declaration": c.framework["declaration"].fill(
                party=view.label[0].upper() + view.label[1:], reference=doc.reference,
                source=doc.source_name, sink=doc.sink_name, role=view.role),
            "links": mine, "steps": process_steps((view,), c),
            "signing": c.framework["signing"].text,
        }))
    return out


def changes_for(ledger: Ledger, proposal_id: str, codes: list[str],
                categories: list[Category]) -> dict[tuple[str, Category], int]:
    """This proposal's signed effect per (municipality, category), read from the ledger's entries.

    Taken over (+), handed over (-) and relieved (-) count; backing a surplus swap changes no task.
    """
    sign = {"in": 1, "out": -1, "relief": -1, "backs": 0}
    out: dict[tuple[str, Category], int] = {}
    for code in codes:
        for k in categories:
            total = sum(sign[e.effect] * e.places for e in ledger.row(code, k).entries
                        if e.proposal_id == proposal_id)
            out[(code, k)] = int(total)
    return out


__all__ = ["AgreementDoc", "Article", "Category", "accession_docs", "build_doc", "dependencies",
           "is_late", "reference", "slug"]
