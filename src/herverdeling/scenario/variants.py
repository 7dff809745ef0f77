"""The scenario suite: seeded, documented variants of nl-2025 for comparing policies and settings.

Each variant changes one thing and records it as a labelled assumption (id `A-variant-...`, with its
seed where it draws at random) in its scenario.yaml; every variant passes
Scenario.check_consistency. The suite (`VARIANTS`) is kept small on purpose:

- unwilling-10 / unwilling-40: 10 % / 40 % of municipalities, drawn uniformly at random with the
  seed, may not host a merged location (`may_host` false); their tasks are unchanged.
- strict-norms / loose-norms: higher / lower minimum viable sizes and shorter / longer merger
  distances (values and rationale in `STRICT_NORMS` / `LOOSE_NORMS`).
- larger-restopgave: in restopgave provinces every restopgave part grows by half (capped at the
  municipality's task); the verdeelbesluit is unchanged, so the own plan shrinks by as much.
- no-surplus: every plusprovincie's extra places are gone (verdeelbesluit = opgave), so no surplus
  is left for swaps.

Regenerate the committed folders with
`.venv/bin/python -m herverdeling.scenario.variants --out scenarios` (same files every time).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.scenario.model import (
    CATEGORIES,
    Assumption,
    CategoryNorm,
    Municipality,
    Norms,
    Scenario,
    Tasks,
)

BASE = DEFAULT_SCENARIO
SOURCE = "herverdeling.scenario.variants (scenario suite, issue 8)"
SEED = 20250115
# Each variant's assumption ends with the base scenario's content hash (first 16 hex digits), so a
# committed variant that predates a change of nl-2025 can be recognised and regenerated.
BUILT_FROM = "Built from"

STRICT_NORMS: dict[str, dict[str, object]] = {
    "regulier": {"min_size": 100, "max_distance_km": 15.0,
                 "why": "assumption: only COA add-on sites of 100-250 places count as viable (DOMAIN.md, "
                        "Operational norms), merged within 15 km"},
    "amv": {"min_size": 20, "max_distance_km": 10.0,
            "why": "assumption: a full small-scale AMV unit of 20 (upper end of COA's 16-20), merged within "
                   "10 km"},
}
LOOSE_NORMS: dict[str, dict[str, object]] = {
    "regulier": {"min_size": 30, "max_distance_km": 40.0,
                 "why": "assumption: regular locations from 30 places are run (below COA's preferred 50), "
                        "merged within 40 km"},
    "amv": {"min_size": 12, "max_distance_km": 25.0,
            "why": "assumption: AMV units from 12 young people (below COA's 16), merged within 25 km"},
}


def _rebuild(base: Scenario, suffix: str, title: str, assumption: Assumption, **changes: object) -> Scenario:
    """A new Scenario (fresh caches) named `<base>-<suffix>`, with the assumption appended; validated."""
    assumption = assumption.model_copy(update={
        "statement": f"{assumption.statement} {BUILT_FROM} {base.name} {base.content_hash()[:16]}."})
    fields = {k: getattr(base, k) for k in Scenario.model_fields}
    fields |= {
        "name": f"{base.name}-{suffix}",
        "title": f"{base.title} - variant: {title}",
        "description": f"Variant of {base.name} ({assumption.id}): {assumption.statement}",
        "assumptions": (*base.assumptions, assumption),
    }
    fields |= changes
    s = Scenario(**fields)
    s.check_consistency()
    return s


def _with(m: Municipality, **changes: object) -> Municipality:
    return Municipality.model_validate(m.model_dump() | {
        k: v.model_dump() if isinstance(v, Tasks) else v for k, v in changes.items()})


def unwilling(base: Scenario, share: float, seed: int = SEED) -> Scenario:
    """`share` of the municipalities (rounded), drawn uniformly with `seed`, may not host."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must lie in [0, 1], got {share}")
    n = len(base.municipalities)
    k = round(share * n)
    codes = sorted(m.cbs_code for m in base.municipalities)
    picked = set(np.random.default_rng(seed).choice(codes, size=k, replace=False).tolist())
    munis = tuple(_with(m, may_host=False) if m.cbs_code in picked else m for m in base.municipalities)
    pct = round(100 * share)
    return _rebuild(base, f"unwilling-{pct}", f"{pct} % unwilling to host", Assumption(
        id=f"A-variant-unwilling-{pct}", kind="assumption", seed=seed, source=SOURCE,
        statement=(f"{k} of {n} municipalities ({pct} %), drawn uniformly at random (numpy default_rng, "
                   f"seed {seed}, from the CBS codes in sorted order), are unwilling to host a merged "
                   "location (may_host false); all tasks are unchanged."),
    ), municipalities=munis)


def with_norms(base: Scenario, label: str, spec: dict[str, dict[str, object]]) -> Scenario:
    """Other minimum sizes and merger distances; each changed value cites the variant's rationale."""
    def norm(category: str) -> CategoryNorm:
        old = base.norms.get(category)  # type: ignore[arg-type]
        new = spec[category]
        why = f"{new['why']} (variant {label}; {old.min_size} / {old.max_distance_km} km in {base.norms.id})"
        return CategoryNorm(min_size=int(new["min_size"]), max_size=old.max_size,  # type: ignore[call-overload]
                            max_distance_km=float(new["max_distance_km"]),  # type: ignore[arg-type]
                            sources=dict(old.sources) | {"min_size": why, "max_distance_km": why})

    norms = Norms(id=f"{base.norms.id}-{label}", version=base.norms.version, regulier=norm("regulier"),
                  amv=norm("amv"))
    parts = "; ".join(f"{c}: min_size {spec[c]['min_size']}, max_distance_km {spec[c]['max_distance_km']}"
                      for c in CATEGORIES)
    return _rebuild(base, f"{label}-norms", f"{label} norms", Assumption(
        id=f"A-variant-{label}-norms", kind="assumption", source=SOURCE,
        statement=f"Norms {norms.id} instead of {base.norms.id}: {parts}.",
    ), norms=norms)


def larger_restopgave(base: Scenario, factor: float = 1.5) -> Scenario:
    """Every restopgave part x factor (rounded up, capped at the task); the verdeelbesluit is unchanged."""
    if factor < 1:
        raise ValueError(f"factor must be >= 1, got {factor}")
    munis = []
    for m in base.municipalities:
        if m.restopgave.total == 0:
            munis.append(m)
            continue
        rest = Tasks.of({c: min(m.verdeelbesluit.get(c), math.ceil(m.restopgave.get(c) * factor))
                         for c in CATEGORIES})
        own = Tasks.of({c: m.verdeelbesluit.get(c) - rest.get(c) for c in CATEGORIES})
        munis.append(_with(m, restopgave=rest, own_plan=own))
    before = sum(m.restopgave.total for m in base.municipalities)
    after = sum(m.restopgave.total for m in munis)
    return _rebuild(base, "larger-restopgave", f"restopgave x{factor}", Assumption(
        id="A-variant-larger-restopgave", kind="assumption", source=SOURCE,
        statement=(f"Every municipality's restopgave part is multiplied by {factor} (rounded up, capped at "
                   f"its verdeelbesluit task): total restopgave {before} -> {after}. The verdeelbesluit is "
                   "unchanged; own_plan shrinks by as much (they planned less themselves)."),
    ), municipalities=tuple(munis))


def no_surplus(base: Scenario) -> Scenario:
    """Plusprovincies without extra places: verdeelbesluit = opgave, so nothing is left to swap."""
    munis = []
    for m in base.municipalities:
        if m.extra.total == 0:
            munis.append(m)
            continue
        vb = Tasks.of({c: m.verdeelbesluit.get(c) - m.extra.get(c) for c in CATEGORIES})
        own = Tasks.of({c: max(0, m.own_plan.get(c) - m.extra.get(c)) for c in CATEGORIES})
        munis.append(_with(m, verdeelbesluit=vb, own_plan=own, extra=Tasks()))
    gone = sum(m.extra.total for m in base.municipalities)
    return _rebuild(base, "no-surplus", "no surplus left", Assumption(
        id="A-variant-no-surplus", kind="assumption", source=SOURCE,
        statement=(f"The plusprovincies' {gone} extra places are gone (already promised elsewhere, or never "
                   "planned): each municipality's verdeelbesluit and own plan drop by its extra places, so "
                   "every province's verdeelbesluit equals its opgave and no surplus swap is possible."),
    ), municipalities=tuple(munis))


VARIANTS: dict[str, Callable[[Scenario], Scenario]] = {
    "unwilling-10": lambda s: unwilling(s, 0.10),
    "unwilling-40": lambda s: unwilling(s, 0.40),
    "strict-norms": lambda s: with_norms(s, "strict", STRICT_NORMS),
    "loose-norms": lambda s: with_norms(s, "loose", LOOSE_NORMS),
    "larger-restopgave": larger_restopgave,
    "no-surplus": no_surplus,
}


def built_from(variant: Scenario) -> str | None:
    """The base content hash (16 hex digits) recorded in the variant's assumption, if any."""
    for a in variant.assumptions:
        if a.id.startswith("A-variant-") and BUILT_FROM in a.statement:
            return a.statement.rsplit(" ", 1)[-1].rstrip(".")
    return None


def variant_names(base: str = BASE) -> list[str]:
    return [f"{base}-{k}" for k in VARIANTS]


def build_variant(key: str, base: Scenario | None = None) -> Scenario:
    """One variant by key (`unwilling-10`, ...) or full name (`nl-2025-unwilling-10`)."""
    from herverdeling.scenario.io import load_scenario

    base = base or load_scenario(BASE)
    short = key.removeprefix(f"{base.name}-")
    if short not in VARIANTS:
        raise KeyError(f"unknown variant {key!r} (known: {', '.join(VARIANTS)})")
    return VARIANTS[short](base)


def build_all(base: Scenario | None = None) -> list[Scenario]:
    return [build_variant(k, base) for k in VARIANTS]


def main(argv: list[str] | None = None) -> None:
    from herverdeling.scenario.io import write_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("scenarios"))
    parser.add_argument("--base", default=BASE, help="base scenario: a bundled name or a folder")
    args = parser.parse_args(argv)
    from herverdeling.scenario.io import load_scenario

    for s in build_all(load_scenario(args.base)):
        write_scenario(s, args.out / s.name, force=True)
        print(f"wrote {args.out / s.name}")


if __name__ == "__main__":
    main()
