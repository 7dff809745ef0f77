"""The maps: one shape per municipality from the CBS / PDOK boundaries, offline, no cloud buttons."""

from __future__ import annotations

import re
from pathlib import Path

from herverdeling.app.explore import Explorer
from herverdeling.app.whatif import defaults
from herverdeling.boundaries import CREDIT, municipal_features, province_features
from herverdeling.documents.kaart import national_figure, write_html, write_png
from herverdeling.maps import PLOTLY_CONFIG
from herverdeling.scenario.io import load_scenario


def _shapes(figure: dict) -> list[str]:
    return [c for t in figure["data"] if t["type"] == "choropleth" for c in t["locations"]]


def test_boundary_codes_are_the_scenarios_codes():
    s = load_scenario("nl-2025")
    assert set(municipal_features()) == {m.cbs_code for m in s.municipalities}
    assert {p.name.lower() for p in s.provinces} == set(province_features())


def test_the_province_map_has_one_shape_per_municipality_with_its_code():
    s = load_scenario("nl-2025")
    ex = Explorer(s)
    for prov in ("NB", "GR"):
        fig = ex.view(defaults(s, prov)).figure
        shapes = _shapes(fig)
        assert sorted(shapes) == sorted(m.cbs_code for m in s.municipalities_in(prov))
        sent = [f["id"] for t in fig["data"] if t["type"] == "choropleth"
                for f in t["geojson"]["features"]]
        assert sorted(sent) == sorted(shapes)  # only the province's municipalities are sent
        assert fig["data"][0]["type"] == "scattergeo"
        assert not fig["data"][0].get("locations")
        assert any(a["text"] == CREDIT for a in fig["layout"]["annotations"])


def test_the_config_removes_every_cloud_button():
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert PLOTLY_CONFIG["showSendToCloud"] is False
    assert {"sendDataToCloud", "editInChartStudio"} <= set(PLOTLY_CONFIG["modeBarButtonsToRemove"])


def test_kaart_html_is_offline_and_has_no_cloud_button(tmp_path: Path):
    s = load_scenario("nl-2025")
    sc, result = Explorer(s).chain(defaults(s, "GR"))
    ibt = {m.cbs_code: (m.verdeelbesluit.regulier, m.verdeelbesluit.amv) for m in sc.municipalities}
    html = write_html(sc, result.proposals, ibt, tmp_path / "kaart.html").read_text("utf-8")
    png = write_png(sc, result.proposals, tmp_path / "kaart.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert html.count('"type":"choropleth"') >= 1
    fig = national_figure(sc, result.proposals, ibt).to_plotly_json()
    assert sorted(_shapes(fig)) == sorted(m.cbs_code for m in sc.municipalities)
    sources = re.findall(r"<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*[\"']([^\"']*)", html)
    assert not [u for u in sources if "://" in u or u.startswith("//")], sources
    assert '"showSendToCloud": false' in html
    assert '"displaylogo": false' in html
    assert CREDIT.replace("/", "\\u002f") in html  # plotly writes "/" as \u002f in its JSON
