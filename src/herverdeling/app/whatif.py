"""What-if settings of the explorer and the scenario they make.

A PRT meeting changes norms, the allocation policy and who may host; `whatif_scenario` turns
those settings into an ordinary (validated) Scenario, so every stage, the checker and `propose`
run on it unchanged. Bad settings raise `WhatIfError` with a message the page shows as is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from herverdeling.defaults import DEFAULT_DEALS, DEFAULT_POLICY, DEFAULT_SURPLUS_MODEL
from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import CATEGORIES, Assumption, Category, CategoryNorm, Scenario
from herverdeling.scenario.preferences import (
    MunicipalityPreference,
    PartnerPreference,
    PartnerWish,
    Preferences,
    ReliefWish,
)
from herverdeling.surplus.deals.settings import available_deal_settings
from herverdeling.surplus.policies import available_policies

FLOW = "flow-"
"""The page's surplus-swap choices: a deal preset of models/deals/ by its id (the deal model, as
`propose --deals ID`), or `flow-` and a policy of models/policies/ (the min-cost flow, as `propose
--surplus-model flow --policy ID`)."""
DEFAULT_CHOICE = DEFAULT_DEALS if DEFAULT_SURPLUS_MODEL == "deals" else FLOW + DEFAULT_POLICY


def surplus_choices() -> list[str]:
    """Every choice the page offers: the deal presets first, then the min-cost flow's policies."""
    return [*available_deal_settings(), *(FLOW + p for p in available_policies())]


def resolve_choice(choice: str) -> tuple[Literal["flow", "deals"], str]:
    """(surplus model, deal preset or flow policy) of one of `surplus_choices`."""
    if choice.startswith(FLOW):
        return "flow", choice.removeprefix(FLOW)
    return "deals", choice

CATEGORY_NL = {"regulier": "regulier", "amv": "AMV"}
# the page's words for pydantic's error types (an empty or decimal field, a word for a number)
_ERROR_NL = {
    "int_type": "vul een heel getal in", "int_parsing": "vul een heel getal in",
    "int_from_float": "vul een heel getal in (geen decimalen)",
    "float_type": "vul een getal in", "float_parsing": "vul een getal in",
    "missing": "dit veld ontbreekt", "extra_forbidden": "onbekend veld",
    "literal_error": "geen toegestane waarde", "string_type": "vul tekst in",
    "dict_type": "ongeldige instellingen", "model_type": "ongeldige instellingen",
    "greater_than_equal": "kies een punt vanaf 1",
    "model_attributes_type": "ongeldige instellingen", "tuple_type": "ongeldige lijst",
}
_FIELD_NL = {"min_size": "minimum", "max_size": "maximum", "max_distance_km": "max. afstand (km)",
             "province": "provincie", "category": "categorie", "policy": "verdeelbeleid",
             "not_hosting": "gastgemeenten", "relief": "ontlasting", "norms": "normen",
             "frontier_point": "afweging", "partners": "partnerprovincies"}


class WhatIfError(ScenarioError):
    """Settings the explorer cannot run with (minimum above maximum, no host left, ...)."""


class NormInput(BaseModel):
    """The three norms of one category as the page sends them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_size: int
    max_size: int
    max_distance_km: float


class WhatIf(BaseModel):
    """One column of the page: province, category, policy, norms and who may not host.

    `not_hosting` lists the CBS codes in the province that may not host; every other
    municipality of the province may. Municipalities outside the province keep the scenario's
    value. `norms` overrides the scenario's norms per category (missing: unchanged).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    province: str
    category: Category
    # the surplus swaps (surplus_choices): a deal preset, or flow- and a min-cost-flow policy
    policy: str = DEFAULT_CHOICE
    norms: dict[Category, NormInput] = Field(default_factory=dict)
    not_hosting: tuple[str, ...] = ()
    # pinned relief wishes (preferences.csv's `relief`) per CBS code of the province; missing: the
    # scenario's own preference holds
    relief: dict[str, ReliefWish] = Field(default_factory=dict)
    # a point of the deal frontier (numbered as `herverdeling frontier` numbers them): the surplus
    # swaps are that point's, as `propose --frontier-point K`; None: the min-cost flow of `policy`
    frontier_point: int | None = Field(None, ge=1)
    # partner wishes (partners.csv's `partner`) per "SINK-SOURCE" pair (restopgave province,
    # plusprovincie); missing: the scenario's own wish holds
    partners: dict[str, PartnerWish] = Field(default_factory=dict)

    def key(self) -> str:
        """A stable text key (JSON with sorted host codes) for caches."""
        return self.model_copy(update={"not_hosting": tuple(sorted(set(self.not_hosting))),
                                       "relief": dict(sorted(self.relief.items())),
                                       "partners": dict(sorted(self.partners.items()))}
                               ).model_dump_json()


def parse_whatif(data: Any) -> WhatIf:
    """Validate what the page sent; a type error becomes one readable line, not a trace."""
    try:
        return WhatIf.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = [CATEGORY_NL.get(str(x), _FIELD_NL.get(str(x), str(x))) for x in err["loc"]]
            where = " ".join(x for x in loc if x != "normen") or "invoer"
            parts.append(f"{where}: {_ERROR_NL.get(err['type'], 'ongeldige waarde')}")
        raise WhatIfError("ongeldige invoer: " + "; ".join(parts)) from None


def defaults(scenario: Scenario, province: str | None = None, category: Category = "regulier") -> WhatIf:
    """The settings that reproduce the scenario as it is."""
    province = province or scenario.provinces[0].code
    return WhatIf(
        province=province, category=category,
        norms={c: NormInput(min_size=scenario.norms.get(c).min_size,
                            max_size=scenario.norms.get(c).max_size,
                            max_distance_km=scenario.norms.get(c).max_distance_km)
               for c in CATEGORIES},
        not_hosting=tuple(m.cbs_code for m in scenario.municipalities_in(province)
                          if not scenario.may_take_on(m)),
    )


def _norm(scenario: Scenario, category: Category, given: NormInput) -> CategoryNorm:
    from herverdeling.limits import limits

    label = CATEGORY_NL[category]
    top, far = limits().whatif_max_places, limits().whatif_max_distance_km
    for name, word in (("min_size", "minimum"), ("max_size", "maximum")):
        if getattr(given, name) > top:
            raise WhatIfError(f"{label}: het {word} mag hoogstens {top:,} plekken zijn (nu "
                              f"{getattr(given, name):.3g}; whatif_max_places in "
                              "models/limits/default.yaml)".replace(",", "."),
                              field=f"norms.{category}.{name}")
    if not given.max_distance_km <= far:  # also NaN and infinity
        raise WhatIfError(f"{label}: de maximale afstand mag hoogstens {far:g} km zijn (nu "
                          f"{given.max_distance_km:g}; whatif_max_distance_km in "
                          "models/limits/default.yaml)", field=f"norms.{category}.max_distance_km")
    if given.min_size < 1:
        raise WhatIfError(f"{label}: het minimum moet minstens 1 plek zijn (nu {given.min_size})",
                          field=f"norms.{category}.min_size")
    if given.max_size < 1:
        raise WhatIfError(f"{label}: het maximum moet minstens 1 plek zijn (nu {given.max_size})",
                          field=f"norms.{category}.max_size")
    if given.min_size > given.max_size:
        raise WhatIfError(
            f"{label}: het minimum ({given.min_size}) ligt boven het maximum ({given.max_size}); "
            "kies een minimum dat niet boven het maximum ligt",
            field=f"norms.{category}.min_size")
    if not given.max_distance_km > 0:
        raise WhatIfError(f"{label}: de maximale afstand moet groter dan 0 km zijn "
                          f"(nu {given.max_distance_km:g})", field=f"norms.{category}.max_distance_km")
    old = scenario.norms.get(category)
    sources = dict(old.sources)
    for name in ("min_size", "max_size", "max_distance_km"):
        if getattr(given, name) != getattr(old, name):
            sources[name] = f"eigen instelling in de verkenner (scenariowaarde {getattr(old, name)!r})"
    return CategoryNorm.model_validate({**given.model_dump(), "sources": sources})


def check_province(scenario: Scenario, settings: WhatIf) -> None:
    if not scenario.has_province(settings.province):
        known = ", ".join(p.code for p in scenario.provinces)
        raise WhatIfError(f"onbekende provincie {settings.province!r} (bekend: {known})",
                          field="province")


def check_policy(settings: WhatIf) -> None:
    """Policies are chosen by id from the bundled list only: never a path to some file."""
    if settings.policy not in surplus_choices():
        raise WhatIfError(f"onbekend verdeelbeleid {settings.policy!r} (bekend: "
                          f"{', '.join(surplus_choices())})", field="policy")


def whatif_scenario(scenario: Scenario, settings: WhatIf) -> Scenario:
    """The scenario with the what-if applied, re-validated (fresh lookups, new content hash).

    Unchanged settings give the scenario itself, so the page's numbers equal `propose` on it.
    """
    check_province(scenario, settings)
    check_policy(settings)
    members = {m.cbs_code: m for m in scenario.municipalities_in(settings.province)}
    strangers = sorted(set(settings.not_hosting) - set(members))
    if strangers:
        raise WhatIfError(f"{', '.join(strangers)} ligt niet in provincie {settings.province}",
                          field="not_hosting")
    name = scenario.province(settings.province).name
    if members and set(settings.not_hosting) >= set(members):
        raise WhatIfError(f"geen gastgemeente meer over in {name}: vink minstens één gemeente aan "
                          "die gastgemeente mag zijn", field="not_hosting")
    norms = scenario.norms
    changed_norms = False
    for c in CATEGORIES:
        given = settings.norms.get(c)
        if given is None:
            continue
        new = _norm(scenario, c, given)
        if new != norms.get(c):
            norms = norms.model_copy(update={c: new})
            changed_norms = True
    strangers = sorted(set(settings.relief) - set(members))
    if strangers:
        raise WhatIfError(f"{', '.join(strangers)} ligt niet in provincie {settings.province}",
                          field="relief")
    no_host = set(settings.not_hosting)
    flips = [m for m in members.values() if scenario.may_take_on(m) == (m.cbs_code in no_host)]
    pins = {c: w for c, w in settings.relief.items()
            if w != scenario.preferences.relief(c)}
    pairs = {k: w for k, w in _partner_pins(scenario, settings).items()
             if w != scenario.preferences.partner(*k)}
    if not changed_norms and not flips and not pins and not pairs:
        return scenario
    municipalities = tuple(
        m.model_copy(update={"may_host": m.cbs_code not in no_host}) if m.cbs_code in members else m
        for m in scenario.municipalities)
    preferences = _preferences(scenario, set(members), no_host, pins)
    if pairs:
        preferences = _with_partners(scenario, preferences, pairs)
    statement = _describe(scenario, settings, changed_norms, flips, pins, pairs)
    digest = hashlib.sha256(statement.encode()).hexdigest()[:8]
    if changed_norms:
        norms = norms.model_copy(update={"id": f"{scenario.norms.id}+whatif"})
    draft = scenario.model_copy(update={
        "name": f"{scenario.name}+whatif-{digest}",  # the id in machine files; people read
        "norms": norms,                               # Scenario.human_name
        "municipalities": municipalities,
        "preferences": preferences,
        "assumptions": (*scenario.assumptions, Assumption(
            id="A-whatif", kind="assumption", statement=statement,
            source="herverdeling app (verkenner), instellingen gekozen aan de provinciale regietafel")),
    })
    return Scenario.model_validate(draft.model_dump())


def _preferences(scenario: Scenario, members: set[str], no_host: set[str],
                 pins: Mapping[str, ReliefWish]) -> Preferences:
    """The scenario's preferences with the page's pins; the page's host ticks win over `host`."""
    rows = {p.cbs_code: p for p in scenario.preferences.municipalities}
    for code in members:
        old = rows.get(code)
        if old is None and code not in pins:
            continue
        update: dict[str, object] = {}
        if code in pins:
            update["relief"] = pins[code]
        if old is not None and old.host is not None:
            update["host"] = code not in no_host
        rows[code] = (old.model_copy(update=update) if old is not None else
                      MunicipalityPreference(cbs_code=code, relief=pins[code]))
    return scenario.preferences.model_copy(
        update={"municipalities": tuple(rows[c] for c in sorted(rows))})


def _partner_pins(scenario: Scenario, settings: WhatIf) -> dict[tuple[str, str], PartnerWish]:
    """The page's partner wishes as (sink, source) pairs, each a restopgave province and a
    plusprovincie (as partners.csv is checked)."""
    plus, sinks = set(scenario.plusprovincies()), set(scenario.restopgave_provinces())
    out: dict[tuple[str, str], PartnerWish] = {}
    for key, wish in settings.partners.items():
        sink, _, source = key.partition("-")
        if source not in plus:
            raise WhatIfError(f"partnerprovincies: {source or key!r} is geen plusprovincie (P1)",
                              field="partners")
        if sink not in sinks:
            raise WhatIfError(f"partnerprovincies: {sink!r} heeft geen restopgave (P3)",
                              field="partners")
        out[(sink, source)] = wish
    return out


def _with_partners(scenario: Scenario, prefs: Preferences,
                   pairs: Mapping[tuple[str, str], PartnerWish]) -> Preferences:
    """The preferences with the page's partner wishes; a sink with a municipality that wants
    relief keeps at least one partner (as partners.csv is checked, D4)."""
    rows = {(p.sink, p.source): p for p in prefs.partners}
    for (sink, source), wish in pairs.items():
        rows[(sink, source)] = PartnerPreference(sink=sink, source=source, partner=wish)
    out = prefs.model_copy(update={"partners": tuple(rows[k] for k in sorted(rows))})
    for sink in sorted({k[0] for k in pairs}):
        if all(out.partner(sink, src) == "refused" for src in scenario.plusprovincies()):
            wanting = sorted(scenario.municipality(m.cbs_code).name for m in out.municipalities
                             if m.relief == "wanted" and scenario.municipality(m.cbs_code).province == sink)
            if wanting:
                raise WhatIfError(f"{scenario.province(sink).name} weigert elke plusprovincie, maar "
                                  f"{', '.join(wanting)} wil ontlasting: sta minstens één partner toe",
                                  field="partners")
    return out


RELIEF_NL = {"wanted": "wil ontlasting", "refused": "wil geen ontlasting", "any": "geen voorkeur"}
PARTNER_NL = {"preferred": "voorkeur", "allowed": "toegestaan", "refused": "geweigerd"}


def _describe(scenario: Scenario, settings: WhatIf, changed_norms: bool, flips: list,
              pins: Mapping[str, ReliefWish],
              pairs: Mapping[tuple[str, str], PartnerWish] | None = None) -> str:
    """The what-if in Dutch, for the scenario's assumptions (and so for the documents)."""
    parts = []
    if changed_norms:
        for c in CATEGORIES:
            n = settings.norms.get(c)
            if n is not None:
                parts.append(f"{CATEGORY_NL[c]}: minimum {n.min_size}, maximum {n.max_size}, "
                             f"maximale afstand {n.max_distance_km:g} km")
    off = sorted(m.name for m in flips if scenario.may_take_on(m))
    on = sorted(m.name for m in flips if not scenario.may_take_on(m))
    if off:
        parts.append("geen gastgemeente: " + ", ".join(off))
    if on:
        parts.append("wel gastgemeente: " + ", ".join(on))
    for wish in ("wanted", "refused", "any"):
        names = sorted(scenario.municipality(c).name for c, w in pins.items() if w == wish)
        if names:
            parts.append(f"{RELIEF_NL[wish]}: " + ", ".join(names))
    for (sink, source), wish in sorted((pairs or {}).items()):
        parts.append(f"{scenario.province(source).name} als partner van "
                     f"{scenario.province(sink).name}: {PARTNER_NL[wish]}")
    return f"Eigen instellingen voor {scenario.province(settings.province).name}: " + "; ".join(parts)
