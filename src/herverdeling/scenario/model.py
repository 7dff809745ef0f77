"""The scenario: provinces, municipalities and their tasks per category, the round, norms, assumptions.

Every figure the tool prints traces back to a field here or to a labelled assumption. Models are
frozen so that a solver cannot change the data it was given.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import date
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from herverdeling.errors import ScenarioError
from herverdeling.scenario.preferences import Preferences
from herverdeling.scenario.text import LongText, Name

Category = Literal["regulier", "amv"]
CATEGORIES: tuple[Category, ...] = ("regulier", "amv")
CBS_PATTERN = r"^GM\d{4}$"


class Frozen(BaseModel):
    """Base of all data models: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Tasks(Frozen):
    """Whole places per category (G1): regular and AMV are separate tasks (G4)."""

    regulier: int = Field(0, ge=0)
    amv: int = Field(0, ge=0)

    def get(self, category: Category) -> int:
        return self.regulier if category == "regulier" else self.amv

    @property
    def total(self) -> int:
        return self.regulier + self.amv

    def __add__(self, other: Tasks) -> Tasks:
        return Tasks(regulier=self.regulier + other.regulier, amv=self.amv + other.amv)

    def replace(self, category: Category, value: int) -> Tasks:
        return self.model_copy(update={category: value})

    @classmethod
    def of(cls, values: Mapping[Category, int]) -> Tasks:
        return cls(**{c: int(values.get(c, 0)) for c in CATEGORIES})


class Point(Frozen):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


def great_circle_km(a: Point, b: Point) -> float:
    """Haversine distance on a sphere of 6,371 km: good to a fraction of a percent at NL scale."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


class Province(Frozen):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: Name = Field(min_length=1)
    opgave: Tasks
    amv_is_estimate: bool = False
    plan_reported: int | None = Field(default=None, ge=0)
    source: LongText = ""


CounterKind = Literal["statushouders", "oekrainers"]
OffersInReturn = Literal["none", "statushouders", "oekrainers"]
OFFERS_IN_RETURN: tuple[OffersInReturn, ...] = ("none", "statushouders", "oekrainers")


class UitruilInputs(Frozen):
    """Optional uitruil inputs (section 1, U8): all zero / "none" when a scenario has none.

    `offer`: places it offers to realise on top of its task; `request`: places it asks to hand
    over; `statushouders_task` and `ukraine_reception`: its own tasks, which bound how much of them
    others may take over as counter-performance; `offers_in_return`: what it gives for places it
    hands over (taking over part of the realiser's statushouders task or Ukrainian reception).
    """

    offer: Tasks = Tasks()
    request: Tasks = Tasks()
    statushouders_task: int = Field(0, ge=0)
    ukraine_reception: int = Field(0, ge=0)
    offers_in_return: OffersInReturn = "none"

    def counter_capacity(self, kind: CounterKind) -> int:
        """How much of this municipality's own task of `kind` others may take over."""
        return self.statushouders_task if kind == "statushouders" else self.ukraine_reception


class Municipality(Frozen):
    """One gemeente with its tasks per category.

    `verdeelbesluit` is the legal task. In a province with a restopgave it is `own_plan` plus the
    `restopgave` part the minister added. In a plusprovincie, `extra` is this municipality's share
    of the province's surplus (the places that may back a surplus swap, P1/P2).
    """

    cbs_code: str = Field(pattern=CBS_PATTERN)
    name: Name = Field(min_length=1)
    province: str = Field(pattern=r"^[A-Z]{2}$")
    population: int = Field(ge=0)
    point: Point
    indicative: Tasks = Tasks()
    own_plan: Tasks = Tasks()
    restopgave: Tasks = Tasks()
    extra: Tasks = Tasks()
    verdeelbesluit: Tasks
    may_host: bool = True
    uitruil: UitruilInputs = UitruilInputs()


class CategoryNorm(Frozen):
    """Viability norms for one category; every value carries its source."""

    min_size: int = Field(ge=1)
    max_size: int = Field(ge=1)
    max_distance_km: float = Field(gt=0, allow_inf_nan=False)  # an infinite distance is no norm
    sources: dict[str, str]

    @model_validator(mode="after")
    def _check(self) -> CategoryNorm:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is above max_size {self.max_size}")
        missing = {"min_size", "max_size", "max_distance_km"} - set(self.sources)
        if missing:
            raise ValueError(f"no source given for {', '.join(sorted(missing))}")
        return self


class Norms(Frozen):
    id: str
    version: int = 1
    regulier: CategoryNorm
    amv: CategoryNorm

    def get(self, category: Category) -> CategoryNorm:
        return self.regulier if category == "regulier" else self.amv


class Round(Frozen):
    """One round of amendments; deadlines are data, judged against `as_of` (U4)."""

    name: Name
    verdeelbesluit_date: date
    notification_deadline: date
    amendment_deadline: date
    as_of: date

    @model_validator(mode="after")
    def _order(self) -> Round:
        if not self.verdeelbesluit_date < self.notification_deadline < self.amendment_deadline:
            raise ValueError(
                "dates out of order: need verdeelbesluit_date < notification_deadline < "
                f"amendment_deadline, got {self.verdeelbesluit_date}, "
                f"{self.notification_deadline}, {self.amendment_deadline}"
            )
        if self.as_of < self.verdeelbesluit_date:
            raise ValueError(
                f"as_of {self.as_of} is before the verdeelbesluit date {self.verdeelbesluit_date}: "
                "proposals amend the verdeelbesluiten, so they are judged on or after that date"
            )
        return self


class Assumption(Frozen):
    """A labelled input: a public fact or a modelling assumption, always with its source."""

    id: Name
    kind: Literal["fact", "assumption"]
    statement: LongText
    source: LongText = Field(min_length=1)
    seed: int | None = None


class ScenarioOptions(Frozen):
    # P11: a municipality is relieved at most its restopgave part, or (option) its whole task.
    relief_cap: Literal["restopgave", "task"] = "restopgave"


class Extension(Frozen):
    """Columns a scenario declares in one of its tables beyond the known ones (read, then ignored)."""

    file: str
    columns: tuple[Name, ...]


class Scenario(Frozen):
    name: Name
    title: Name = ""
    description: LongText = ""
    # `register:` in scenario.yaml: a municipal register (models/registers/<id>.yaml) whose codes
    # the municipalities must have and whose box their points must lie in. (Not named `register`:
    # that is a method of every pydantic model's metaclass.)
    municipal_register: str | None = None
    extensions: tuple[Extension, ...] = ()
    round: Round
    norms: Norms
    options: ScenarioOptions = ScenarioOptions()
    assumptions: tuple[Assumption, ...] = ()
    provinces: tuple[Province, ...]
    municipalities: tuple[Municipality, ...]
    preferences: Preferences = Preferences()  # D4: preferences.csv and partners.csv, if any

    @field_validator("provinces")
    @classmethod
    def _unique_provinces(cls, v: tuple[Province, ...]) -> tuple[Province, ...]:
        seen: set[str] = set()
        for i, p in enumerate(v):
            if p.code in seen:
                raise ScenarioError(
                    f"duplicate province code {p.code}", file="provinces.csv", row=i + 2,
                    field="code",
                )
            seen.add(p.code)
        return v

    # ---- lookups -------------------------------------------------------------------------
    @cached_property
    def _province_index(self) -> dict[str, Province]:
        return {p.code: p for p in self.provinces}

    @cached_property
    def _municipality_index(self) -> dict[str, Municipality]:
        return {m.cbs_code: m for m in self.municipalities}

    @cached_property
    def _by_province(self) -> dict[str, tuple[Municipality, ...]]:
        out: dict[str, list[Municipality]] = {p.code: [] for p in self.provinces}
        for m in self.municipalities:
            out.setdefault(m.province, []).append(m)
        return {k: tuple(v) for k, v in out.items()}

    def province(self, code: str) -> Province:
        try:
            return self._province_index[code]
        except KeyError:
            raise ScenarioError(f"unknown province {code!r}") from None

    def resolve_province(self, text: str) -> str:
        """A province code from what a user typed: code or name, any case, Frisian name too."""
        key = text.strip().casefold()
        aliases = {"fryslân": "friesland", "fryslan": "friesland"}
        key = aliases.get(key, key)
        for p in self.provinces:
            if key in (p.code.casefold(), p.name.casefold()):
                return p.code
        known = ", ".join(f"{p.code} ({p.name})" for p in self.provinces)
        raise ScenarioError(f"unknown province {text!r}; known: {known}", field="province")

    def municipality(self, cbs_code: str) -> Municipality:
        try:
            return self._municipality_index[cbs_code]
        except KeyError:
            raise ScenarioError(f"unknown municipality {cbs_code!r}") from None

    def has_municipality(self, cbs_code: str) -> bool:
        return cbs_code in self._municipality_index

    def has_province(self, code: str) -> bool:
        return code in self._province_index

    def municipalities_in(self, province: str) -> tuple[Municipality, ...]:
        return self._by_province.get(province, ())

    # ---- derived views, per category -----------------------------------------------------
    def _sum(self, province: str, attr: str) -> Tasks:
        total = Tasks()
        for m in self.municipalities_in(province):
            total = total + getattr(m, attr)
        return total

    def verdeelbesluit_total(self, province: str) -> Tasks:
        return self._sum(province, "verdeelbesluit")

    def indicative_total(self, province: str) -> Tasks:
        return self._sum(province, "indicative")

    def surplus(self, province: str) -> Tasks:
        """P1: verdeelbesluit above the provincial opgave, per category (0 where not above)."""
        vb = self.verdeelbesluit_total(province)
        op = self.province(province).opgave
        return Tasks.of({c: max(0, vb.get(c) - op.get(c)) for c in CATEGORIES})

    def restopgave(self, province: str) -> Tasks:
        return self._sum(province, "restopgave")

    def plusprovincies(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.provinces if self.surplus(p.code).total > 0)

    def restopgave_provinces(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.provinces if self.restopgave(p.code).total > 0)

    def is_small(self, places: int, category: Category) -> bool:
        """A task is small when it is positive but below the category's minimum viable size."""
        return 0 < places < self.norms.get(category).min_size

    def small_tasks(self, category: Category, province: str | None = None) -> tuple[Municipality, ...]:
        pool = self.municipalities if province is None else self.municipalities_in(province)
        return tuple(m for m in pool if self.is_small(m.verdeelbesluit.get(category), category))

    def relief_cap(self, m: Municipality, category: Category) -> int:
        """P11: how much a surplus swap may relieve this municipality; nothing if it refuses
        relief in preferences.csv (D4), so the min-cost flow respects the wish as the deal model does."""
        if self.preferences.relief(m.cbs_code) == "refused":
            return 0
        if self.options.relief_cap == "task":
            return m.verdeelbesluit.get(category)
        return m.restopgave.get(category)

    @property
    def human_name(self) -> str:
        """The name people read: a what-if of the explorer is "nl-2025, eigen instellingen", not
        its machine id "nl-2025+whatif-<hash>" (that stays in the manifest and proposals.json)."""
        base, _, rest = self.name.partition("+")
        return f"{base}, eigen instellingen" if rest.startswith("whatif") else self.name

    def may_take_on(self, m: Municipality) -> bool:
        """May it realise places for others (merger host, uitruil realiser)? Its `may_host`, unless
        preferences.csv says otherwise for it (D4)."""
        return self.preferences.may_host(m.cbs_code, m.may_host)

    def distance_km(self, a: str, b: str) -> float:
        return great_circle_km(self.municipality(a).point, self.municipality(b).point)

    def content_hash(self) -> str:
        """sha256 of the canonical JSON: a run's manifest names exactly the data it used."""
        # the register and the extensions say how the tables were checked, not what they hold:
        # left out, so declaring them does not change the hash of the same data
        payload = self.model_dump_json(exclude_none=False,
                                       exclude={"municipal_register", "extensions"}).encode()
        return hashlib.sha256(payload).hexdigest()

    # ---- consistency ---------------------------------------------------------------------
    def check_consistency(self) -> None:
        """Raise ScenarioError at the first row that breaks an invariant (file, row, field)."""
        seen: set[str] = set()
        for i, m in enumerate(self.municipalities):
            row = i + 2
            if m.cbs_code in seen:
                raise ScenarioError(
                    f"duplicate CBS code {m.cbs_code}", file="municipalities.csv", row=row,
                    field="cbs_code",
                )
            seen.add(m.cbs_code)
            if not self.has_province(m.province):
                raise ScenarioError(
                    f"{m.name} ({m.cbs_code}) is in unknown province {m.province!r}",
                    file="municipalities.csv", row=row, field="province",
                )
            for c in CATEGORIES:
                if m.extra.get(c) > m.verdeelbesluit.get(c):
                    raise ScenarioError(
                        f"{m.name} ({m.cbs_code}): extra {c} places {m.extra.get(c)} exceed its "
                        f"verdeelbesluit task {m.verdeelbesluit.get(c)}",
                        file="municipalities.csv", row=row, field=f"extra_{c}",
                    )
                if m.restopgave.get(c) > m.verdeelbesluit.get(c):
                    raise ScenarioError(
                        f"{m.name} ({m.cbs_code}): restopgave {c} {m.restopgave.get(c)} exceeds "
                        f"its verdeelbesluit task {m.verdeelbesluit.get(c)}",
                        file="municipalities.csv", row=row, field=f"restopgave_{c}",
                    )
        for i, p in enumerate(self.provinces):
            row = i + 2
            vb = self.verdeelbesluit_total(p.code)
            extra = self._sum(p.code, "extra")
            rest = self.restopgave(p.code)
            for c in CATEGORIES:
                diff = vb.get(c) - p.opgave.get(c)
                if diff < 0:
                    raise ScenarioError(
                        f"totals do not reconcile: {p.name} verdeelbesluit {c} adds up to "
                        f"{vb.get(c)}, below its opgave {p.opgave.get(c)}",
                        file="provinces.csv", row=row, field=f"opgave_{c}",
                    )
                if extra.get(c) != diff:
                    raise ScenarioError(
                        f"totals do not reconcile: {p.name} surplus {c} is {diff} (verdeelbesluit "
                        f"{vb.get(c)} - opgave {p.opgave.get(c)}) but its municipalities' "
                        f"extra_{c} adds up to {extra.get(c)}",
                        file="provinces.csv", row=row, field=f"opgave_{c}",
                    )
                if diff > 0 and rest.get(c) > 0:
                    raise ScenarioError(
                        f"totals do not reconcile: {p.name} has both a surplus {c} ({diff}) and a "
                        f"restopgave {c} ({rest.get(c)})",
                        file="provinces.csv", row=row, field=f"opgave_{c}",
                    )
