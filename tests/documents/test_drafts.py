"""Drafts a provincial lawyer accepts (issue 15, points 1-8) and text carried literally (issue 18,
point 7): one test, at least, that could fail for each point."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from herverdeling.checker import build_ledger, check
from herverdeling.documents import writers
from herverdeling.documents.context import reference
from herverdeling.documents.docx import docx_text
from herverdeling.drafting import load_clauses
from herverdeling.pipeline import propose
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.io import load_scenario, write_scenario
from tests import factories as f
from tests.documents.test_documents import small_country

EVIL = "Evil\n# KOP **bold** <b>x</b> [link](x) a|b"


def _run(root: Path, municipalities: list, *, as_of: date = date(2025, 1, 15),
         provinces: dict[str, str] | None = None) -> Path:
    s = f.scenario(municipalities, name="klein", as_of=as_of)
    if provinces:
        s = s.model_copy(update={"provinces": tuple(
            p.model_copy(update={"name": provinces.get(p.code, p.name)}) for p in s.provinces)})
    scen = write_scenario(s, root / "scenario")
    return propose(scen, root / "out", surplus_model="flow")  # as test_documents.small_run


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("drafts"), small_country())


def _loaded(run: Path):
    proposals = ProposalSet.model_validate_json((run / "proposals.json").read_text())
    scenario = load_scenario(run.parent / "scenario")
    report = check(proposals, scenario)
    ledger = build_ledger(scenario, [p for p in proposals.proposals if report.passed(p.id)])
    return proposals, scenario, report, ledger


def _papers(run: Path) -> list[Path]:
    return sorted(p for p in run.rglob("*.md") if p.name != "summary.md")


def _table_rows(text: str, header_start: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


# ---- 1. one wijzigingsoverzicht per province ------------------------------------------------
def test_one_change_overview_per_province_replaces_the_addenda(run: Path):
    proposals, _scenario, report, ledger = _loaded(run)
    assert not (run / "addenda").exists()
    overviews = sorted((run / "wijzigingsoverzichten").glob("*.md"))
    amended = {p.province for p in proposals.proposals
               if p.kind in {"merger", "uitruil"} and report.passed(p.id)}
    assert len(overviews) == len(amended) == 1
    text = overviews[0].read_text(encoding="utf-8")
    assert "Aan: de minister van Asiel en Migratie" in text
    for p in proposals.proposals:
        if p.kind in {"merger", "uitruil"}:
            assert reference(p.id) in text  # the agreement's reference, with its reason
    amendments = _table_rows(text, "| Nr. | Kenmerk")
    assert all(row[3] for row in amendments)  # a reason per amendment
    for forbidden in ("Namens de minister", "Tegenprestatie", "Gemeld vóór", "Ondertekening",
                      "IN TE VULLEN", "tegenprestatie"):
        assert forbidden not in text
    totals = {row[0]: (int(row[1]), int(row[2])) for row in _table_rows(text, "| Categorie |")}
    for cat, label in (("regulier", "regulier"), ("amv", "AMV")):
        t = ledger.province_totals("BB", cat)
        assert totals[label] == (t["verdeelbesluit"], t["amended"])
        assert totals[label][0] == totals[label][1]


# ---- 2. tables that match the legal effect --------------------------------------------------
def test_swap_table_shows_unchanged_verdeelbesluit_and_relief_at_ibt(run: Path):
    proposals, scenario, _report, ledger = _loaded(run)
    swap = next(p for p in proposals.proposals if p.kind == "surplus_swap")
    text = (run / "agreements" / f"{writers.file_stem(swap, scenario)}.md").read_text("utf-8")
    assert "Gewijzigd verdeelbesluit" not in text
    header = ("| Gemeente | CBS-code | Categorie | Taak in het verdeelbesluit (ongewijzigd) | "
              "Ontlasting bij IBT door deze overeenkomst | Ontlasting door andere overeenkomsten | "
              "Taak bij IBT |")
    assert header in text
    rows = _table_rows(text, header)
    assert len(rows) == len(swap.relieved())
    label = {"regulier": "regulier", "AMV": "amv"}
    for _name, code, cat, vb, this, other, ibt in rows:
        entry = ledger.row(code, label[cat])
        assert int(vb) == entry.verdeelbesluit
        assert int(this) == swap.relieved()[(code, label[cat])]
        assert int(ibt) == entry.ibt_task
        assert int(vb) - int(this) - int(other) == int(ibt)


def test_merger_shows_amended_task_and_names_the_swap_it_depends_on(run: Path):
    """Boxmeer hosts after a swap relieved it: its own task is the IBT task, not the
    verdeelbesluit task (the Eindhoven case), and the swap is a condition."""
    proposals, scenario, _report, ledger = _loaded(run)
    merger = next(p for p in proposals.proposals if p.kind == "merger" and p.host_code == "GM0005")
    host = ledger.row("GM0005", merger.category)
    assert host.relief > 0
    assert merger.host_own_places == host.verdeelbesluit - host.relief
    text = (run / "agreements" / f"{writers.file_stem(merger, scenario)}.md").read_text("utf-8")
    swap = next(e.proposal_id for e in host.entries if e.effect == "relief")
    assert "## Artikel 7. Voorwaarde" in text
    voorwaarde = text.split("## Artikel 7. Voorwaarde")[1].split("## Artikel 8")[0]
    assert reference(swap) in voorwaarde
    assert "opschortende voorwaarde" in voorwaarde
    assert f"taak van {host.verdeelbesluit} " in text  # the verdeelbesluit task is stated
    assert f"eigen taak van {int(merger.host_own_places)} " in text
    assert "Taak na wijziging verdeelbesluit (alle overeenkomsten)" in text
    row = next(r for r in _table_rows(text, "| Gemeente | CBS-code") if r[1] == "GM0005")
    assert (int(row[5]), int(row[6]), int(row[7])) == (host.amended, host.relief, host.ibt_task)


# ---- 3. a swap failure clause that binds only the parties -----------------------------------
def test_swap_failure_clause_binds_only_the_parties(run: Path):
    proposals, scenario, _report, _ledger = _loaded(run)
    swap = next(p for p in proposals.proposals if p.kind == "surplus_swap")
    text = (run / "agreements" / f"{writers.file_stem(swap, scenario)}.md").read_text("utf-8")
    failure = text.split("Niet (tijdig) realiseren")[1].split("## Artikel")[0]
    assert "naar rato" not in failure
    assert "weer op hun taak" not in failure
    assert "worden aangesproken" not in failure
    assert "verzoeken de minister" in failure  # a request, not a decision for the minister
    assert "31 december 2026 (de peildatum)" in failure
    assert "vervangende extra plaatsen" in failure  # remedy on the source side
    assert "Gedeputeerde Staten van de provincie" in failure
    links = _table_rows(text, "| Ontlaste gemeente | Gedragen door")
    assert len(links) == len(swap.transfers)
    for row, t in zip(links, swap.transfers, strict=True):
        backed = sum(x.places for x in swap.transfers
                     if x.to_code == t.to_code and x.category == t.category)
        assert row[4] == f"{int(t.places)}/{int(backed)}"  # allocation key per row


def test_a_name_both_province_and_municipality_always_says_which(tmp_path: Path):
    munis = small_country()
    munis[0] = munis[0].model_copy(update={"name": "Groningen"})  # a municipality in AA
    out = _run(tmp_path, munis, provinces={"AA": "Groningen", "BB": "Utrecht"})
    bare = re.compile(r"(?<!provincie )(?<!gemeente )(?<![\w-])(Groningen|Utrecht)(?![\w-])")
    checked = 0
    for md in _papers(out):
        for line in md.read_text(encoding="utf-8").splitlines():
            if line.startswith("|"):
                continue  # a table's column says whether it lists gemeenten or provincies
            assert not bare.search(line), (md.name, line)
            checked += "Groningen" in line
    assert checked > 10


# ---- 4. parties and signatures --------------------------------------------------------------
def test_parties_representatives_coordinator_and_signatures(run: Path):
    proposals, scenario, _report, _ledger = _loaded(run)
    swap = next(p for p in proposals.proposals if p.kind == "surplus_swap")
    text = (run / "agreements" / f"{writers.file_stem(swap, scenario)}.md").read_text("utf-8")
    parties = text.split("## Partijen")[1].split("hierna gezamenlijk")[0]
    assert "Gedeputeerde Staten van de provincie Provincie AA (AA), ten deze vertegenwoordigd door " \
           "de commissaris van de Koning in de provincie Provincie AA" in parties
    assert "ten deze vertegenwoordigd door de burgemeester" in parties
    assert "rijksorgaan" not in parties  # the CdK's coordinating role is stated apart
    after = text.split("hierna gezamenlijk: partijen.")[1].split("## Overwegende")[0]
    assert "in hun rol als rijksorgaan" in after
    assert "geen partij" in after
    assert "Aldus overeengekomen en ondertekend te ______________ op ______________." in text
    assert "namens dezen de commissaris van de Koning" in text
    assert "namens dezen de burgemeester" in text
    assert text.count("Datum collegebesluit:") == sum(p.kind == "gemeente" for p in swap.parties)
    steps = text.split("## Nog te doen vóór ondertekening")[1]
    assert "wensen en bedenkingen ter kennis van het college" in steps  # art. 169(4) Gemeentewet
    assert "Provinciale Staten van de provincie" in steps  # art. 167(4) Provinciewet
    notice = (run / "kennisgevingen" / f"{writers.file_stem(swap, scenario)}.md").read_text("utf-8")
    assert "Van: de commissarissen van de Koning in de provincie" in notice
    assert f"Bijlage: de ondertekende overeenkomst met kenmerk {reference(swap.id)}." in notice
    uitruil = next(p for p in proposals.proposals if p.kind == "uitruil")
    notice = (run / "kennisgevingen" / f"{writers.file_stem(uitruil, scenario)}.md").read_text("utf-8")
    assert "Van: namens partijen, het college van burgemeester en wethouders" in notice
    assert "Bijlage: de ondertekende overeenkomst" in notice
    assert all(p.represented_by for p in swap.parties)


# ---- 5. numbered articles with obligations --------------------------------------------------
def test_numbered_articles_with_obligations(run: Path):
    proposals, scenario, _report, _ledger = _loaded(run)
    for p in proposals.proposals:
        text = (run / "agreements" / f"{writers.file_stem(p, scenario)}.md").read_text("utf-8")
        numbers = [int(n) for n in re.findall(r"^## Artikel (\d+)\.", text, re.MULTILINE)]
        assert numbers == list(range(1, len(numbers) + 1)), p.id
        assert len(numbers) >= 10, p.id
        titles = set(re.findall(r"^## Artikel \d+\. (.+)$", text, re.MULTILINE))
        assert {"Begripsbepalingen", "Verplichtingen van partijen", "Tegenprestatie", "Duur",
                "Wijziging en beëindiging", "Nadere afspraken", "Geschillen"} <= titles, p.id
        assert "verplicht zich" in text
        assert "verdeelbesluit van 20 december 2024 (ronde 2025)" in text  # duration tied to it
        if p.kind == "merger":
            assert "in overleg met het COA" in text
        if p.kind == "surplus_swap":
            assert "nadere afspraken aan met de voorzitters van de PRT's" in text
    uitruil = next(p for p in proposals.proposals if p.kind == "uitruil")
    text = (run / "agreements" / f"{writers.file_stem(uitruil, scenario)}.md").read_text("utf-8")
    assert "in de taakstellingsperioden van het tweede halfjaar 2025" in text
    assert "Gedeputeerde Staten van de provincie Provincie BB stellen de taakstelling" in text


def test_many_municipalities_make_a_framework_with_one_accession_each(run: Path, tmp_path: Path):
    proposals, scenario, report, ledger = _loaded(run)
    c = load_clauses()
    assert c.settings.framework_threshold == 10
    assert c.settings.framework_min_municipalities.source
    low = c.model_copy(update={"settings": c.settings.model_copy(update={
        "framework_min_municipalities": c.settings.framework_min_municipalities.model_copy(
            update={"value": 3})})})
    writers.write_documents(tmp_path, proposals, scenario, ledger, report, "test", clauses=low)
    swap = next(p for p in proposals.proposals if p.kind == "surplus_swap")
    text = (tmp_path / "agreements" / f"{writers.file_stem(swap, scenario)}.md").read_text("utf-8")
    assert text.startswith("# Raamovereenkomst")
    signing = text.split("## Ondertekening")[1]
    assert signing.count("Naam:") == 2  # the two provinces, not every municipality
    assert "Toetreding van gemeenten" in text
    municipalities = [p for p in swap.parties if p.kind == "gemeente"]
    accessions = sorted((tmp_path / "toetredingsverklaringen").glob("*.md"))
    assert len(accessions) == len(municipalities)
    for p, md in zip(sorted(municipalities, key=lambda x: x.code), accessions, strict=True):
        body = md.read_text(encoding="utf-8")
        assert f"gemeente {p.name} ({p.code})" in body
        assert "verklaart toe te treden" in body
        assert body.count("Naam:") == 1


# ---- 6. process rules that follow the note --------------------------------------------------
def test_after_the_deadline_drafts_are_made_with_the_not_processed_variant(tmp_path: Path):
    out = _run(tmp_path, small_country(), as_of=date(2025, 6, 10))
    proposals, scenario, report, _ledger = _loaded(out)
    amend = [p for p in proposals.proposals if p.kind in {"merger", "uitruil"}]
    assert amend
    assert all(report.passed(p.id) for p in amend)
    for p in amend:
        assert report.rule_ids(p.id, severity="warning") & {"U2", "U3", "U4", "S3"}
        text = (out / "agreements" / f"{writers.file_stem(p, scenario)}.md").read_text("utf-8")
        assert "na de meldtermijn van 1 juni 2025 tot stand gekomen of gemeld" in text
        assert "blijven dan bij de gemeente die de taak in het verdeelbesluit heeft" in text
    overview = next((out / "wijzigingsoverzichten").glob("*.md")).read_text(encoding="utf-8")
    assert "## Niet in deze wijziging" in overview


def test_no_paper_glosses_per_ommegaande_and_deadlines_read_uiterlijk(run: Path):
    texts = [p.read_text(encoding="utf-8") for p in [*_papers(run), run / "summary.md"]]
    joined = "\n".join(texts)
    assert "per ommegaande" in joined
    assert not re.search(r"per ommegaande \(binnen|binnen \d+ dagen", joined)
    assert "uiterlijk 1 juni 2025" in joined
    assert not re.search(r"vóór \*{0,2}1 juni", joined)


# ---- 7. Dutch form --------------------------------------------------------------------------
def test_dutch_dates_numbers_words_and_file_names(run: Path):
    for md in [*_papers(run), run / "summary.md"]:
        text = md.read_text(encoding="utf-8")
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), md.name
        assert not re.search(r"\d+\.\d+ km|\| \d+\.\d \|", text), md.name
        assert not re.search(r"\bplek(ken)?\b", text), md.name
    names = [p.name for p in run.rglob("*.md")]
    assert not [n for n in names if n.startswith(("swap-", "merger-"))]
    assert "ruil-overschot-aa-bb.md" in names
    assert any(re.fullmatch(r"samenvoeging-bb-(regulier|amv)-gm\d{4}-[a-z-]+\.md", n) for n in names)
    assert "uitruil-bb-001.md" in names
    merger_text = next((run / "agreements").glob("samenvoeging-*.md")).read_text(encoding="utf-8")
    assert re.search(r"afstand \d+,\d km", merger_text)
    proposals = ProposalSet.model_validate_json((run / "proposals.json").read_text())
    assert {p.id for p in proposals.proposals} >= {"swap-AA-BB", "uitruil-BB-001"}  # ids stable


def test_docx_is_a4_dutch_with_page_numbers_and_repeated_header_rows(run: Path):
    for path in [*sorted((run / "agreements").glob("*.docx"))[:2],
                 next((run / "wijzigingsoverzichten").glob("*.docx"))]:
        doc = Document(str(path))
        section = doc.sections[0]
        assert round(section.page_width.mm) == 210
        assert round(section.page_height.mm) == 297
        lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(
            qn("w:rPr")).find(qn("w:lang"))
        assert lang.get(qn("w:val")) == "nl-NL"
        assert doc.core_properties.language == "nl-NL"
        footer = section.footer.paragraphs[0]._p.xml
        assert "PAGE" in footer
        assert "NUMPAGES" in footer
        assert doc.tables
        for table in doc.tables:
            tr_pr = table.rows[0]._tr.trPr
            assert tr_pr is not None
            assert tr_pr.find(qn("w:tblHeader")) is not None


# ---- 8. every clause carries its citation ---------------------------------------------------
def test_every_clause_and_setting_carries_its_citation():
    c = load_clauses()
    texts = c.all_texts()
    assert len(texts) > 80
    for key, clause in texts.items():
        assert clause.citation.strip(), key
        assert clause.text.strip(), key
    for name in ("framework_min_municipalities", "reference_date", "statushouders_period"):
        setting = getattr(c.settings, name)
        assert setting.label.strip(), name
        assert setting.source.strip(), name


# ---- issue 18, point 7: names carried literally ---------------------------------------------
def test_markup_in_a_name_is_shown_literally_and_keeps_the_structure(run: Path, tmp_path: Path):
    proposals, scenario, report, ledger = _loaded(run)
    munis = tuple(m.model_copy(update={"name": EVIL}) if m.cbs_code == "GM0005" else m
                  for m in scenario.municipalities)
    evil_scenario = scenario.model_copy(update={"municipalities": munis})
    renamed = proposals.model_copy(update={"scenario_hash": evil_scenario.content_hash(),
                                           "proposals": tuple(
        p.model_copy(update={"parties": tuple(
            x.model_copy(update={"name": EVIL}) if x.code == "GM0005" else x for x in p.parties)})
        for p in proposals.proposals)})
    report = check(renamed, evil_scenario)
    ledger = build_ledger(evil_scenario, [p for p in renamed.proposals if report.passed(p.id)])
    written = writers.write_documents(tmp_path, renamed, evil_scenario, ledger, report, "test")
    touched = [p for p in written if p.suffix == ".md" and "Evil" in p.read_text(encoding="utf-8")]
    assert len(touched) >= 3
    for md in touched:
        text = md.read_text(encoding="utf-8")
        assert not re.search(r"^#+ KOP", text, re.MULTILINE), md.name
        assert "<b>" not in text.replace("\\<b\\>", "")
        # every table row has as many cells as its header
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("|---"):
                width = len(re.split(r"(?<!\\)\|", lines[i - 1])) - 2
                j = i + 1
                while j < len(lines) and lines[j].startswith("|"):
                    assert len(re.split(r"(?<!\\)\|", lines[j])) - 2 == width, (md.name, lines[j])
                    j += 1
                assert j == len(lines) or not lines[j].strip(), (md.name, lines[j])
        docx = md.with_suffix(".docx")
        body = docx_text(docx)
        assert "Evil # KOP **bold** <b>x</b> [link](x) a|b" in body, md.name
        doc = Document(str(docx))
        assert not [p for p in doc.paragraphs if p.style.name.startswith("Heading")
                    and "KOP" in p.text]
        assert len(doc.tables) == text.count("\n|---")
        for table in doc.tables:
            widths = {len(row.cells) for row in table.rows}
            assert len(widths) == 1
            assert not any(run.bold for row in table.rows[1:] for cell in row.cells
                           for para in cell.paragraphs for run in para.runs)
