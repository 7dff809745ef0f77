"""Small hand-made scenarios for tests: a few provinces and municipalities with given tasks."""

from __future__ import annotations

from datetime import date

from herverdeling.scenario.model import (
    CategoryNorm,
    Municipality,
    Norms,
    Point,
    Province,
    Round,
    Scenario,
    Tasks,
)

SOURCES = {"min_size": "test", "max_size": "test", "max_distance_km": "test"}


def norms(reg_min: int = 50, reg_max: int = 1500, reg_km: float = 25.0,
          amv_min: int = 16, amv_max: int = 100, amv_km: float = 15.0) -> Norms:
    return Norms(
        id="test",
        regulier=CategoryNorm(min_size=reg_min, max_size=reg_max, max_distance_km=reg_km,
                              sources=SOURCES),
        amv=CategoryNorm(min_size=amv_min, max_size=amv_max, max_distance_km=amv_km,
                         sources=SOURCES),
    )


def round_2025(as_of: date = date(2025, 1, 15)) -> Round:
    return Round(name="2025", verdeelbesluit_date=date(2024, 12, 20),
                 notification_deadline=date(2025, 6, 1), amendment_deadline=date(2025, 7, 1),
                 as_of=as_of)


def municipality(code: int, province: str, *, vb: tuple[int, int] = (0, 0),
                 rest: tuple[int, int] = (0, 0), extra: tuple[int, int] = (0, 0),
                 lat: float = 52.0, lon: float = 5.0, may_host: bool = True,
                 population: int = 10_000, name: str | None = None) -> Municipality:
    return Municipality(
        cbs_code=f"GM{code:04d}", name=name or f"Gemeente {code}", province=province,
        population=population, point=Point(lat=lat, lon=lon),
        indicative=Tasks(regulier=vb[0] - extra[0], amv=vb[1] - extra[1]),
        own_plan=Tasks(regulier=vb[0] - rest[0], amv=vb[1] - rest[1]),
        restopgave=Tasks(regulier=rest[0], amv=rest[1]),
        extra=Tasks(regulier=extra[0], amv=extra[1]),
        verdeelbesluit=Tasks(regulier=vb[0], amv=vb[1]), may_host=may_host,
    )


def scenario(municipalities: list[Municipality], *, name: str = "test",
             norms_: Norms | None = None, as_of: date = date(2025, 1, 15),
             relief_cap: str = "restopgave") -> Scenario:
    """Provinces are derived so that totals reconcile: opgave = verdeelbesluit - extra."""
    codes = sorted({m.province for m in municipalities})
    provinces = []
    for code in codes:
        members = [m for m in municipalities if m.province == code]
        provinces.append(Province(
            code=code, name=f"Provincie {code}",
            opgave=Tasks(
                regulier=sum(m.verdeelbesluit.regulier - m.extra.regulier for m in members),
                amv=sum(m.verdeelbesluit.amv - m.extra.amv for m in members),
            ),
        ))
    s = Scenario(name=name, round=round_2025(as_of), norms=norms_ or norms(),
                 options={"relief_cap": relief_cap}, provinces=tuple(provinces),
                 municipalities=tuple(municipalities))
    s.check_consistency()
    return s
