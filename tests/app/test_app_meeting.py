"""The explorer for a meeting without a browser (issue 16, points 2-5): errors first, open steps
grouped, the municipality table and its Excel file, pinned relief wishes, Dutch texts, no ids."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from herverdeling.app import Explorer, defaults, parse_whatif, whatif_scenario
from herverdeling.app.explore import ErrorItem, note_nl
from herverdeling.app.server import environment
from herverdeling.app.table import COLUMNS, municipality_xlsx
from herverdeling.app.whatif import CATEGORY_NL, RELIEF_NL, WhatIfError
from herverdeling.checker import build_ledger
from herverdeling.commitments import commitments_of
from herverdeling.pipeline import run_chain
from herverdeling.run import RunSettings
from tests.app.test_app_whatif import small_world


@pytest.fixture(scope="module")
def world():
    return small_world()


@pytest.fixture(scope="module")
def explorer(world):
    return Explorer(world)


def render(view, name: str) -> str:
    from herverdeling.app.explore import KIND_NL

    return environment().get_template(name).render(v=view, kind_nl=KIND_NL, cat_nl=CATEGORY_NL,
                                                   relief_nl=RELIEF_NL)


def test_a_refused_relief_pin_removes_that_relief(world, explorer):
    settings = defaults(world, "AA")
    before = explorer.view(settings)
    code = max(before.relief_by_municipality, key=lambda c: before.relief_by_municipality[c])
    assert before.relief_by_municipality[code] > 0  # the world is built so that BB relieves AA
    after = explorer.view(settings.model_copy(update={"relief": {code: "refused"}}))
    assert after.relief_by_municipality[code] == 0
    assert next(r for r in after.municipalities if r.code == code).relief_wish == "refused"
    # the same chain on the what-if scenario, outside the explorer, agrees
    s = whatif_scenario(world, settings.model_copy(update={"relief": {code: "refused"}}))
    assert s.preferences.relief(code) == "refused"
    result = run_chain(s, RunSettings(scenario=s.name), province="AA")
    assert commitments_of(result.proposals.proposals).relieved(code, "regulier") == 0
    # a pin equal to the scenario's wish changes nothing (no new scenario, no new hash)
    assert whatif_scenario(world, settings.model_copy(update={"relief": {code: "any"}})) is world
    with pytest.raises(WhatIfError, match="niet in provincie"):
        whatif_scenario(world, settings.model_copy(update={"relief": {"GM0006": "refused"}}))


def test_the_municipality_table_adds_up_to_the_ledger(world, explorer):
    view = explorer.view(defaults(world, "AA"))
    assert [r.code for r in view.municipalities] == sorted(
        (m.cbs_code for m in world.municipalities_in("AA")),
        key=lambda c: world.municipality(c).name)
    s, result = explorer.chain(defaults(world, "AA"))
    assert result.report is not None
    ledger = build_ledger(s, [p for p in result.proposals.proposals if result.report.passed(p.id)])
    for r in view.municipalities:
        row = next(x for x in ledger.rows if x.cbs_code == r.code and x.category == "regulier")
        assert r.task == world.municipality(r.code).verdeelbesluit.regulier
        # independent of the ledger's own arithmetic: task - relief + merged + uitruil
        assert r.task - r.relief + r.merged + r.uitruil == pytest.approx(row.ibt_task)
        assert r.ibt_task == pytest.approx(row.ibt_task)
    assert sum(r.relief for r in view.municipalities) == view.metrics.relief


def test_the_table_as_excel(world, explorer):
    view = explorer.view(defaults(world, "AA"))
    wanted = [view.municipalities[2].code, view.municipalities[0].code]
    book = load_workbook(io.BytesIO(municipality_xlsx(view, "Aaland", wanted)))
    sheet = book["gemeenten"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [name for name, _ in COLUMNS]
    assert [r[1] for r in rows[1:]] == wanted  # the page's filter and order
    assert {r[0] for r in rows[1:]} == {"Aaland"}
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:K{len(wanted) + 1}"
    assert sheet.column_dimensions["C"].width == dict(COLUMNS)["gemeente"]
    every = load_workbook(io.BytesIO(municipality_xlsx(view, "Aaland")))["gemeenten"]
    assert every.max_row == len(view.municipalities) + 1
    assert municipality_xlsx(view, "Aaland") == municipality_xlsx(view, "Aaland")  # deterministic


def test_errors_stand_first_and_open_steps_are_grouped(world, explorer):
    view = explorer.view(defaults(world, "AA"))
    assert view.steps
    assert sum(len(g.proposals) for g in view.steps) == view.metrics.open_steps
    detail = render(view, "detail.html.j2")
    assert '<details class="steps">' in detail  # collapsed
    assert detail.count("<li data-rule=") == len(view.steps) < view.metrics.open_steps
    row = view.rows[0]
    bad = view.model_copy(update={"errors": (ErrorItem(
        rule_id="S1", message="De gastgemeente ligt te ver weg.", proposal_id=row.id,
        proposal=f"samenvoeging {row.realiser_name}"),)})
    panel = render(bad, "panel.html.j2")
    assert 'class="check-errors"' in panel
    assert panel.index("check-errors") < panel.index('class="metrics"')
    assert f"samenvoeging {row.realiser_name}" in panel
    assert "te ver weg" in panel
    assert 'class="check-errors"' not in render(view, "panel.html.j2")


@pytest.mark.parametrize(("value", "words"), [
    (None, "vul een heel getal in"), (12.5, "geen decimalen"), ("veel", "vul een heel getal in"),
])
def test_validation_messages_are_dutch(value, words):
    with pytest.raises(WhatIfError) as info:
        parse_whatif({"province": "AA", "category": "regulier", "norms": {
            "regulier": {"min_size": value, "max_size": 60, "max_distance_km": 5}}})
    text = str(info.value)
    assert words in text
    assert "regulier minimum" in text
    assert "Input should" not in text
    assert "valid" not in text


def test_no_internal_id_in_texts_for_people(world):
    s = whatif_scenario(world, defaults(world, "AA").model_copy(update={"not_hosting": ("GM0001",)}))
    assert s.name.startswith("world+whatif-")  # the id, for machine files
    assert s.human_name == "world, eigen instellingen"
    assert world.human_name == "world"
    statement = next(a.statement for a in s.assumptions if a.id == "A-whatif")
    assert statement.startswith("Eigen instellingen voor")
    assert "geen gastgemeente: Host-N" in statement


def test_uitruil_notes_are_dutch():
    note = ("uitruil: Epe (GM0232) 12 regulier unmatched: willing partners' offers, counter-"
            "performance room or the limits (max 3 partners, min 5 places a pair) are used up by "
            "the best matching")
    assert note_nl(note) == (
        "uitruil: Epe (GM0232): 12 plekken regulier niet gekoppeld: het aanbod van bereidwillige "
        "partners, de ruimte voor een tegenprestatie of de grenzen (hoogstens 3 partners, minstens "
        "5 plekken per paar) zijn door de beste koppeling opgebruikt")
    assert "geen tegenprestatie" in note_nl(
        "uitruil: X (GM0001) 3 amv unmatched: offers no counter-performance (offers_in_return is "
        "'none'); an uitruil needs statushouders or oekrainers")


def test_every_progress_line_of_propose_reaches_the_page_in_dutch(world, tmp_path):
    from herverdeling.app.downloads import progress_nl
    from herverdeling.pipeline import propose

    lines: list[str] = []
    propose(world, tmp_path / "run", progress=lines.append)
    assert len(lines) >= 8
    english = ("surplus swaps", "mergers", "municipalities", "writing", "documents", "passed",
               "checking", "done in", "unmatched", "proposals", " as of", "places")
    for line in lines:  # Dutch at the source: the command line prints the same (issue 16, point 4)
        assert not [w for w in english if w in line], line
        assert progress_nl(line) == line.strip()
