"""What-if settings of the explorer and the scenario they make.

A PRT meeting changes norms, the allocation policy and who may host; `whatif_scenario` turns
those settings into an ordinary (validated) Scenario, so every stage, the checker and `propose`
run on it unchanged. Bad settings raise `WhatIfError` with a message the page shows as is.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from herverdeling.defaults import DEFAULT_POLICY
from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import CATEGORIES, Assumption, Category, CategoryNorm, Scenario
from herverdeling.surplus.policies import available_policies

CATEGORY_NL = {"regulier": "regulier", "amv": "AMV"}


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
    policy: str = DEFAULT_POLICY
    norms: dict[Category, NormInput] = Field(default_factory=dict)
    not_hosting: tuple[str, ...] = ()

    def key(self) -> str:
        """A stable text key (JSON with sorted host codes) for caches."""
        return self.model_copy(update={"not_hosting": tuple(sorted(set(self.not_hosting)))}
                               ).model_dump_json()


def parse_whatif(data: Any) -> WhatIf:
    """Validate what the page sent; a type error becomes one readable line, not a trace."""
    try:
        return WhatIf.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]) or "invoer"
            parts.append(f"{where}: {err['msg']}")
        raise WhatIfError("ongeldige invoer (invalid input): " + "; ".join(parts)) from None


def defaults(scenario: Scenario, province: str | None = None, category: Category = "regulier") -> WhatIf:
    """The settings that reproduce the scenario as it is."""
    province = province or scenario.provinces[0].code
    return WhatIf(
        province=province, category=category,
        norms={c: NormInput(min_size=scenario.norms.get(c).min_size,
                            max_size=scenario.norms.get(c).max_size,
                            max_distance_km=scenario.norms.get(c).max_distance_km)
               for c in CATEGORIES},
        not_hosting=tuple(m.cbs_code for m in scenario.municipalities_in(province) if not m.may_host),
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
            "kies een minimum dat niet boven het maximum ligt (minimum above maximum)",
            field=f"norms.{category}.min_size")
    if not given.max_distance_km > 0:
        raise WhatIfError(f"{label}: de maximale afstand moet groter dan 0 km zijn "
                          f"(nu {given.max_distance_km:g})", field=f"norms.{category}.max_distance_km")
    old = scenario.norms.get(category)
    sources = dict(old.sources)
    for name in ("min_size", "max_size", "max_distance_km"):
        if getattr(given, name) != getattr(old, name):
            sources[name] = f"what-if in the explorer (scenario value {getattr(old, name)!r})"
    return CategoryNorm.model_validate({**given.model_dump(), "sources": sources})


def check_province(scenario: Scenario, settings: WhatIf) -> None:
    if not scenario.has_province(settings.province):
        known = ", ".join(p.code for p in scenario.provinces)
        raise WhatIfError(f"onbekende provincie {settings.province!r} (bekend: {known})",
                          field="province")


def check_policy(settings: WhatIf) -> None:
    """Policies are chosen by id from the bundled list only: never a path to some file."""
    if settings.policy not in available_policies():
        raise WhatIfError(f"onbekend verdeelbeleid {settings.policy!r} (bekend: "
                          f"{', '.join(available_policies())})", field="policy")


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
                          "die gastgemeente mag zijn (no host left)", field="not_hosting")
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
    no_host = set(settings.not_hosting)
    flips = [m for m in members.values() if m.may_host == (m.cbs_code in no_host)]
    if not changed_norms and not flips:
        return scenario
    municipalities = tuple(
        m.model_copy(update={"may_host": m.cbs_code not in no_host}) if m.cbs_code in members else m
        for m in scenario.municipalities)
    statement = _describe(scenario, settings, changed_norms, flips)
    digest = hashlib.sha256(statement.encode()).hexdigest()[:8]
    if changed_norms:
        norms = norms.model_copy(update={"id": f"{scenario.norms.id}+whatif"})
    draft = scenario.model_copy(update={
        "name": f"{scenario.name}+whatif-{digest}",
        "norms": norms,
        "municipalities": municipalities,
        "assumptions": (*scenario.assumptions, Assumption(
            id="A-whatif", kind="assumption", statement=statement,
            source="herverdeling app (explorer), settings chosen at the provinciale regietafel")),
    })
    return Scenario.model_validate(draft.model_dump())


def _describe(scenario: Scenario, settings: WhatIf, changed_norms: bool, flips: list) -> str:
    parts = []
    if changed_norms:
        for c in CATEGORIES:
            n = settings.norms.get(c)
            if n is not None:
                parts.append(f"{c}: min {n.min_size}, max {n.max_size}, max {n.max_distance_km:g} km")
    off = sorted(m.name for m in flips if m.may_host)
    on = sorted(m.name for m in flips if not m.may_host)
    if off:
        parts.append("may not host: " + ", ".join(off))
    if on:
        parts.append("may host: " + ", ".join(on))
    return f"What-if for {scenario.province(settings.province).name}: " + "; ".join(parts)
