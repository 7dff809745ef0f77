"""What changes between two settings: the metrics, which mergers, which reliefs.

Mergers are matched by host and category (the host is what a meeting talks about); a merger with
the same host but other members is "changed".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from herverdeling.app.explore import Metrics, ProposalRow, View

METRIC_LABELS: dict[str, str] = {
    "small_tasks": "kleine taken (na ontlasting)",
    "small_places": "plekken in kleine taken",
    "nonviable_places": "niet-levensvatbare plekken over",
    "locations": "locaties",
    "place_km": "plek-km (samenvoegingen)",
    "mergers": "samenvoegingen",
    "merged_places": "samengevoegde plekken",
    "relief": "ontlasting (surplus-uitruil)",
    "realised_for_others": "gerealiseerd voor andere provincies",
    "errors": "toetsfouten",
    "warnings": "waarschuwingen",
    "open_steps": "open stappen",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricChange(_Frozen):
    name: str
    label: str
    a: float
    b: float

    @property
    def delta(self) -> float:
        return round(self.b - self.a, 1)


class MergerChange(_Frozen):
    change: Literal["only_a", "only_b", "changed"]
    host_code: str
    host_name: str
    members_a: tuple[str, ...] = ()
    members_b: tuple[str, ...] = ()
    places_a: int = 0
    places_b: int = 0


class ReliefChange(_Frozen):
    code: str
    name: str
    a: int
    b: int


class Comparison(_Frozen):
    metrics: tuple[MetricChange, ...]
    mergers: tuple[MergerChange, ...]
    reliefs: tuple[ReliefChange, ...]
    same_settings: bool

    @property
    def changed_metrics(self) -> tuple[MetricChange, ...]:
        return tuple(m for m in self.metrics if m.a != m.b)

    @property
    def identical(self) -> bool:
        return not (self.changed_metrics or self.mergers or self.reliefs)


def _mergers(view: View) -> dict[str, ProposalRow]:
    return {r.realiser_code: r for r in view.rows if r.kind == "merger"}


def compare(a: View, b: View, names: dict[str, str]) -> Comparison:
    """`names`: CBS code -> municipality name (for the rows that only one side has)."""
    metrics = tuple(MetricChange(name=k, label=METRIC_LABELS[k], a=getattr(a.metrics, k),
                                 b=getattr(b.metrics, k)) for k in Metrics.model_fields)
    ma, mb = _mergers(a), _mergers(b)
    changes = []
    for host in sorted(set(ma) | set(mb), key=lambda c: names.get(c, c)):
        ra, rb = ma.get(host), mb.get(host)
        members_a = tuple(m.name for m in ra.members) if ra else ()
        members_b = tuple(m.name for m in rb.members) if rb else ()
        kind: Literal["only_a", "only_b", "changed"] = (
            "only_b" if ra is None else "only_a" if rb is None else "changed")
        if ra is not None and rb is not None and ({(m.code, m.places) for m in ra.members}
                                  == {(m.code, m.places) for m in rb.members}):
            continue
        changes.append(MergerChange(change=kind, host_code=host, host_name=names.get(host, host),
                                    members_a=members_a, members_b=members_b,
                                    places_a=ra.places if ra else 0, places_b=rb.places if rb else 0))
    reliefs = tuple(
        ReliefChange(code=c, name=names.get(c, c), a=a.relief_by_municipality.get(c, 0),
                     b=b.relief_by_municipality.get(c, 0))
        for c in sorted(set(a.relief_by_municipality) | set(b.relief_by_municipality),
                        key=lambda c: names.get(c, c))
        if a.relief_by_municipality.get(c, 0) != b.relief_by_municipality.get(c, 0))
    return Comparison(metrics=metrics, mergers=tuple(changes), reliefs=reliefs,
                      same_settings=a.settings.key() == b.settings.key())
