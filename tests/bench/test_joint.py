"""The joint deal+merger model (issue 14 point 2) against the staged chain and a brute force.

The brute force enumerates every set of relieved municipalities that some relief amounts realise
under the hard rules (D2 amounts, one source's extra places, the party cap, relief >= the staged
floor), and for each set every merger assignment of the small tasks left (home, a may-host small
task, or an unrelieved host within the distance; D3), and takes the fewest non-viable places.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from herverdeling.bench.joint import JointSettings, solve_joint, staged_deals
from herverdeling.commitments import commitments_of
from herverdeling.deal_rules import MinRelief
from herverdeling.mergers import load_merger_settings, propose_mergers
from herverdeling.scenario.model import Scenario
from herverdeling.surplus.deals.model import build_instance
from herverdeling.surplus.deals.proposals import deal_swaps
from herverdeling.surplus.deals.settings import DealPins, DealSettings, Level, Objective
from tests.factories import municipality, norms, scenario

LEVELS: tuple[Level, ...] = ("relief", "agreements", "parties", "fairness", "place_km")
MIN_SIZE = 5


def settings() -> DealSettings:
    return DealSettings(min_relief=MinRelief(regulier=3, amv=3), max_parties=6, max_partners=1,
                        relief_share=0.8,
                        objectives=tuple(Objective(level=lv, reason="test") for lv in LEVELS))


def hand_made() -> Scenario:
    """Sink CC: a large task (20) that could host two small ones (2 and 2, min 5); 10 extra places
    in a far plusprovincie. Fewest parties relieves the large task alone, which then may not host
    (D3): 4 non-viable places. Relieving the two small tasks whole and the large one partly gives
    the same relief and none."""
    ms = [municipality(1, "AA", vb=(30, 0), extra=(10, 0), lat=53.4, lon=6.8),
          municipality(2, "CC", vb=(20, 0), rest=(20, 0), lat=52.0, lon=5.0),
          municipality(3, "CC", vb=(2, 0), rest=(2, 0), lat=52.05, lon=5.05),
          municipality(4, "CC", vb=(2, 0), rest=(2, 0), lat=51.95, lon=4.95)]
    return scenario(ms, norms_=norms(reg_min=MIN_SIZE, amv_min=3))


def seeded(seed: int) -> Scenario:
    """One far source, a sink with 1-2 large and 2-4 small tasks (some may not host) close together."""
    rng = np.random.default_rng(seed)
    ms = [municipality(1, "AA", vb=(40, 0), extra=(int(rng.integers(4, 16)), 0), lat=53.4, lon=6.8)]
    code = 2
    for _ in range(int(rng.integers(0, 3))):
        task = int(rng.integers(6, 20))
        ms.append(municipality(code, "CC", vb=(task, 0), rest=(int(rng.integers(1, task + 1)), 0),
                               lat=52 + float(rng.uniform(-0.2, 0.2)), lon=5 + float(rng.uniform(-0.3, 0.3)),
                               may_host=bool(rng.random() < 0.8)))
        code += 1
    for _ in range(int(rng.integers(2, 6))):
        task = int(rng.integers(1, MIN_SIZE))
        ms.append(municipality(code, "CC", vb=(task, 0), rest=(task if rng.random() < 0.7 else 0, 0),
                               lat=52 + float(rng.uniform(-0.2, 0.2)), lon=5 + float(rng.uniform(-0.3, 0.3)),
                               may_host=bool(rng.random() < 0.5)))
        code += 1
    return scenario(ms, norms_=norms(reg_min=MIN_SIZE, amv_min=3), name=f"joint-{seed}")


def brute_nonviable(s: Scenario, st: DealSettings, floor: int) -> int:
    """Fewest non-viable regulier places over every allowed relief set and merger assignment."""
    inst = build_instance(s, "regulier", st, DealPins())
    assert len(inst.sources) == 1
    assert len(inst.plus) == 1
    extra = inst.sources[0].extra
    cands = {c.code: c for c in inst.candidates}
    norm = s.norms.get("regulier")
    best: int | None = None
    for k in range(len(cands) + 1):
        for chosen in itertools.combinations(sorted(cands), k):
            if chosen and 2 + len(chosen) + 1 > st.max_parties:
                continue
            sums = {0}  # every total relief some amounts of the chosen set realise
            for code in chosen:
                cd = cands[code]
                amounts = (([cd.task] if cd.whole else [])
                           + (list(range(cd.lo, cd.hi + 1)) if cd.has_range else []))
                sums = {a + b for a in sums for b in amounts}
            if not any(floor <= v <= extra for v in sums):
                continue
            left = {m.cbs_code: m.verdeelbesluit.regulier for m in s.municipalities}
            for code in chosen:  # only the set matters to the mergers: a relief clears or leaves >= min
                if cands[code].small:
                    left[code] = 0
            small = [m for m in s.municipalities if 0 < left[m.cbs_code] < norm.min_size]
            hosts = [m for m in s.municipalities if m.cbs_code not in chosen and m.may_host
                     and not 0 < left[m.cbs_code] < norm.min_size]
            options = []
            for c in small:
                opts = [c.cbs_code]
                opts += [o.cbs_code for o in small if o is not c and o.may_host and o.province == c.province
                         and s.distance_km(c.cbs_code, o.cbs_code) <= norm.max_distance_km]
                opts += [h.cbs_code for h in hosts if h.province == c.province
                         and s.distance_km(c.cbs_code, h.cbs_code) <= norm.max_distance_km]
                options.append(opts)
            for choice in itertools.product(*options):
                site_of = {c.cbs_code: j for c, j in zip(small, choice, strict=True)}
                if any(site_of.get(j, j) != j for j in choice):  # a home site keeps its own task
                    continue
                load: dict[str, int] = {}
                for c, j in zip(small, choice, strict=True):
                    load[j] = load.get(j, 0) + left[c.cbs_code]
                nonviable = sum(v for j, v in load.items()
                                if (0 if j in site_of else left[j]) + v < norm.min_size)
                best = nonviable if best is None else min(best, nonviable)
    assert best is not None
    return best


def run_both(s: Scenario) -> tuple[int, int, int, list[str]]:
    """(staged non-viable, joint non-viable, staged floor, joint's D2/D3 breaches)."""
    st = settings()
    staged, models = staged_deals(s, st, DealPins())
    msets = load_merger_settings(cross_border=True)
    swaps = deal_swaps(s, staged)
    mr = propose_mergers(s, msets, commitments=commitments_of(swaps, exclusive_roles=True))
    staged_nv = sum(round(sc.objectives.get("nonviable_places", 0)) for sc in mr.scopes)
    floor = staged.category("regulier").relief_floor
    joint, cats = solve_joint(s, st, msets, DealPins(), {"regulier": floor},
                              JointSettings(max_deterministic_time=10), models,
                              (*swaps, *mr.mergers, *mr.surplus_swaps))
    reg = next(c for c in cats if c.category == "regulier")
    assert joint.category("regulier").relief >= floor
    return staged_nv, reg.figures["nonviable"], floor, reg.conflicts


def test_joint_beats_staged_on_the_hand_made_scenario():
    s = hand_made()
    staged_nv, joint_nv, floor, conflicts = run_both(s)
    assert staged_nv == 4  # the large task relieved alone may not host the two small ones (D3)
    assert joint_nv == 0 == brute_nonviable(s, settings(), floor)
    assert conflicts == []


@pytest.mark.parametrize("seed", range(16))
def test_joint_is_the_brute_force_optimum_and_never_worse_than_staged(seed):
    s = seeded(seed)
    staged_nv, joint_nv, floor, conflicts = run_both(s)
    assert joint_nv == brute_nonviable(s, settings(), floor)
    assert joint_nv <= staged_nv
    assert conflicts == []
