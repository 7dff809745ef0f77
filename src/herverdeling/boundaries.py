"""The municipal and provincial boundaries of 2024 (CBS via PDOK, `data/boundaries/`) as GeoJSON.

The TopoJSON files are decoded once per process by the `topojson` package (arcs, quantisation,
winding order); the maps take small FeatureCollections from here: only the municipalities they
draw, and the province outlines as lines. Municipal feature ids are the CBS codes (GM####).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from herverdeling.resources import bundled_dir

CREDIT = "Kaart: CBS / PDOK (gemeentegrenzen 2024)"
_ALIASES = {"fryslân": "friesland"}  # the boundary file says Fryslân, the scenarios Friesland


def _decode(name: str) -> list[dict[str, Any]]:
    from topojson.utils import serialize_as_geojson

    topo = json.loads((bundled_dir("data") / "boundaries" / f"{name}.topojson").read_text("utf-8"))
    # exterior rings clockwise: the orientation d3-geo (plotly's geo) reads as "inside"
    fc = serialize_as_geojson(topo, objectname=name, order="CW_CCW")
    return [{"type": "Feature", "id": f["properties"]["statcode"],
             "properties": {"statcode": f["properties"]["statcode"],
                            "statnaam": f["properties"]["statnaam"]},
             "geometry": f["geometry"]} for f in fc["features"]]


@lru_cache(maxsize=1)
def municipal_features() -> dict[str, dict[str, Any]]:
    """Every municipality's GeoJSON feature by CBS code (decoded once per process)."""
    return {f["id"]: f for f in _decode("gemeente_2024")}


@lru_cache(maxsize=1)
def province_features() -> dict[str, dict[str, Any]]:
    """Every province's GeoJSON feature by its (lower-case, scenario-spelled) name."""
    out = {}
    for f in _decode("provincie_2024"):
        name = f["properties"]["statnaam"].lower()
        out[_ALIASES.get(name, name)] = f
    return out


@lru_cache(maxsize=512)
def geometry(code: str) -> BaseGeometry | None:
    """The shapely geometry of a municipality (GM code) or None when the boundaries lack it."""
    f = municipal_features().get(code)
    return shape(f["geometry"]) if f else None


@lru_cache(maxsize=32)
def province_geometry(name: str) -> BaseGeometry | None:
    """The shapely geometry of a province by its name, or None when unknown."""
    f = province_features().get(name.lower())
    return shape(f["geometry"]) if f else None


def collection(codes: list[str]) -> dict[str, Any]:
    """A FeatureCollection of the given municipalities (those the boundaries have)."""
    feats = municipal_features()
    return {"type": "FeatureCollection", "features": [feats[c] for c in codes if c in feats]}


def outline(geom: BaseGeometry) -> tuple[list[float | None], list[float | None]]:
    """The rings of a (multi)polygon as lon and lat lists, rings separated by None."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xs, ys = ring.xy
            lons += [round(x, 4) for x in xs] + [None]
            lats += [round(y, 4) for y in ys] + [None]
    return lons, lats
