"""The what-if: hand-computed cases, the exact method against a brute-force enumeration of every
combination of outcomes (exact fractions), and the simulation within its stated error of exact."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest

from herverdeling.monitor import load_monitor_settings, what_if
from herverdeling.monitor.core import Line
from herverdeling.monitor.settings import MonitorSettings
from herverdeling.monitor.whatif import parties_of, what_if_lines
from tests.strategies import base_case


def settings(outcomes: list[tuple[float, float]], **whatif: object) -> MonitorSettings:
    base = load_monitor_settings()
    wi = base.whatif.model_copy(update={
        "distributions": {"default": tuple(base.whatif.distributions["default"][0].model_copy(
            update={"fraction": f, "probability": p}) for f, p in outcomes)}, **whatif})
    return base.model_copy(update={"whatif": wi})


def line(pid: str, kind: str, realiser: str, origin: str, places: int) -> Line:
    return Line(proposal_id=pid, kind=kind, realiser=realiser, origin=origin, category="regulier",
                places=places)


PROV = defaultdict(lambda: "AA", {"GM0002": "BB", "GM0020": "BB"})


def test_one_party_by_hand():
    w = what_if_lines([line("U-1", "uitruil", "GM0001", "GM0010", 10)], PROV, {},
                      settings([(1.0, 0.5), (0.5, 0.5)]))
    assert w.method == "exact"
    assert (w.unrealised.mean, w.unrealised.p90) == (2.5, 5)
    assert w.agreements[0].at_risk.probability == pytest.approx(0.5)
    clauses = {v.variant: v for v in w.variants}
    assert clauses["clausules"].back_to_origin.mean == 0  # uitruil: stays with the realiser (U6)
    assert clauses["vervallen_naar_rato"].back_to_origin.mean == 2.5
    assert clauses["vervallen_naar_rato"].municipalities[0].back_on_hook.probability == pytest.approx(0.5)


def test_two_parties_by_hand():
    """A (uitruil, 10 places) and B (swap, 4 places), each 100 % (0.7), 75 % (0.2) or 0 % (0.1).

    A leaves 0, 10 - 7 = 3 or 10 unrealised; B 0, 4 - 3 = 1 or 4. Mean 0.2*3 + 0.1*10 + 0.2*1 +
    0.1*4 = 2.2. The sum's cdf: 0 .49, 1 .63, 3 .77, 4 .88, 7 .90: P90 = 7 (a tie at exactly 0.9).
    Under the default clauses only B's places go back (the relief lapses): mean 0.6, P90 1."""
    lines = [line("U-1", "uitruil", "GM0001", "GM0010", 10), line("P-1", "surplus_swap", "GM0002",
                                                                  "GM0020", 4)]
    w = what_if_lines(lines, PROV, {}, settings([(1.0, 0.7), (0.75, 0.2), (0.0, 0.1)]))
    assert w.unrealised.mean == pytest.approx(2.2)
    assert w.unrealised.p90 == 7
    v = {x.variant: x for x in w.variants}["clausules"]
    assert v.back_to_origin.mean == pytest.approx(0.6)
    assert v.back_to_origin.p90 == 1
    assert v.stays_with_realiser.mean == pytest.approx(1.6)
    assert v.stays_with_realiser.p90 == 3
    assert [(m.cbs_code, round(m.back_on_hook.probability, 9)) for m in v.municipalities] == [
        ("GM0020", 0.3)]
    prov = {p.province: p.unrealised for p in w.provinces}
    assert (prov["AA"].mean, prov["BB"].mean) == (pytest.approx(1.6), pytest.approx(0.6))


# ---- brute force -------------------------------------------------------------------------------
def brute_force(lines: list[Line], st: MonitorSettings) -> dict[str, object]:
    """Enumerate every combination of the parties' outcomes with exact fractions."""
    parties = parties_of(lines, st.whatif)
    dist: dict[str, dict[int, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    event: dict[str, Fraction] = defaultdict(Fraction)
    mean: dict[str, Fraction] = defaultdict(Fraction)
    for combo in itertools.product(*[range(len(p.outcomes)) for p in parties]):
        prob = Fraction(1)
        got: list[tuple[Line, int]] = []
        for p, k in zip(parties, combo, strict=True):
            pr, us = p.outcomes[k]
            prob *= Fraction(str(pr))
            got += list(zip(p.lines, us, strict=True))
        dist["all"][sum(u for _, u in got)] += prob
        for prov in {PROV[ln.realiser] for ln in lines}:
            dist[f"prov:{prov}"][sum(u for ln, u in got if PROV[ln.realiser] == prov)] += prob
        for vname, var in st.variants.items():
            back = sum(u for ln, u in got if var.effect[ln.kind] == "lapse")
            dist[f"back:{vname}"][back] += prob
            dist[f"stays:{vname}"][sum(u for _, u in got) - back] += prob
            for o in {ln.origin for ln in lines}:
                n = sum(u for ln, u in got if ln.origin == o and var.effect[ln.kind] == "lapse")
                event[f"hook:{vname}:{o}"] += prob if n else 0
                mean[f"hook:{vname}:{o}"] += prob * n
        for a in {ln.proposal_id for ln in lines}:
            n = sum(u for ln, u in got if ln.proposal_id == a)
            event[f"agr:{a}"] += prob if n else 0
            mean[f"agr:{a}"] += prob * n
    out: dict[str, object] = {}
    for key, d in dist.items():
        cum, p90 = Fraction(0), None
        for x in sorted(d):
            cum += d[x]
            if p90 is None and cum >= Fraction(9, 10):
                p90 = x
        out[key] = (float(sum(x * p for x, p in d.items())), p90)
    out.update({k: float(v) for k, v in event.items()})
    out.update({f"mean:{k}": float(v) for k, v in mean.items()})
    return out


def random_lines(seed: int) -> list[Line]:
    rnd = random.Random(seed)
    kinds = ["surplus_swap", "merger", "uitruil"]
    out = []
    for i in range(rnd.randint(2, 5)):
        realiser = rnd.choice(["GM0001", "GM0002", "GM0003"])
        for j in range(rnd.randint(1, 3)):
            out.append(line(f"A-{i}", rnd.choice(kinds) if j == 0 else out[-1].kind, realiser,
                            rnd.choice(["GM0010", "GM0011", "GM0020"]), rnd.randint(1, 40)))
    return out


DIST = [(1.0, 0.6), (0.75, 0.2), (0.4, 0.15), (0.0, 0.05)]


@pytest.mark.parametrize("seed", range(8))
def test_exact_equals_brute_force(seed):
    lines = random_lines(seed)
    st = settings(DIST)
    w = what_if_lines(lines, PROV, {}, st)
    bf = brute_force(lines, st)
    assert w.method == "exact"
    assert (w.unrealised.mean, w.unrealised.p90) == (pytest.approx(bf["all"][0]), bf["all"][1])
    for p in w.provinces:
        assert (p.unrealised.mean, p.unrealised.p90) == (pytest.approx(bf[f"prov:{p.province}"][0]),
                                                         bf[f"prov:{p.province}"][1])
    for v in w.variants:
        for key, est in ((f"back:{v.variant}", v.back_to_origin),
                         (f"stays:{v.variant}", v.stays_with_realiser)):
            assert (est.mean, est.p90) == (pytest.approx(bf[key][0], abs=1e-9), bf[key][1])
        for m in v.municipalities:
            key = f"hook:{v.variant}:{m.cbs_code}"
            assert m.back_on_hook.probability == pytest.approx(bf[key], abs=1e-12)
            assert m.expected_places == pytest.approx(bf[f"mean:{key}"], abs=1e-9)
        assert v.expected_municipalities_back == pytest.approx(sum(
            bf[f"hook:{v.variant}:{m.cbs_code}"] for m in v.municipalities), abs=1e-9)
    for a in w.agreements:
        assert a.at_risk.probability == pytest.approx(bf[f"agr:{a.proposal_id}"], abs=1e-12)
        assert a.expected_unrealised == pytest.approx(bf[f"mean:agr:{a.proposal_id}"], abs=1e-9)


@pytest.mark.parametrize("seed", [0, 3])
def test_simulation_is_within_its_stated_error_of_exact(seed):
    lines = random_lines(seed)
    st = settings(DIST, draws=20000)
    exact = what_if_lines(lines, PROV, {}, st)
    sim = what_if_lines(lines, PROV, {}, st, method="simulation")
    assert (sim.method, sim.draws, sim.seed) == ("simulation", 20000, st.whatif.seed)
    pairs = [(exact.unrealised, sim.unrealised)]
    pairs += [(e.unrealised, s.unrealised) for e, s in zip(exact.provinces, sim.provinces, strict=True)]
    for e, s in zip(exact.variants, sim.variants, strict=True):
        pairs += [(e.back_to_origin, s.back_to_origin), (e.stays_with_realiser, s.stays_with_realiser)]
    for e, s in pairs:
        assert s.mean_se is not None
        assert s.p90_low is not None
        assert s.p90_high is not None
        assert abs(s.mean - e.mean) <= 3 * s.mean_se + 1e-12
        assert s.p90_low <= e.p90 <= s.p90_high
    for e, s in zip(exact.agreements, sim.agreements, strict=True):
        assert s.at_risk.se is not None
        assert abs(s.at_risk.probability - e.at_risk.probability) <= 3 * s.at_risk.se + 1e-3


def test_too_much_work_falls_back_to_simulation_and_says_so():
    lines = random_lines(1)
    w = what_if_lines(lines, PROV, {}, settings(DIST, exact_max_work=0))
    assert w.method == "simulation"
    assert w.work > 0
    assert w.exact_max_work == 0


def test_base_case_is_deterministic_and_exact():
    s, ps = base_case()
    st = load_monitor_settings()
    a, b = what_if(s, ps, st), what_if(s, ps, st)
    assert a.model_dump_json() == b.model_dump_json()
    assert a.method == "exact"
    assert a.parties == 4
    assert a.agreement_places == 15 + 10 + 12 + 20
    sa, sb = what_if(s, ps, st, method="simulation"), what_if(s, ps, st, method="simulation")
    assert sa.model_dump_json() == sb.model_dump_json()  # seeded


def test_no_agreements_nothing_at_risk():
    w = what_if_lines([], PROV, {}, load_monitor_settings())
    assert (w.method, w.parties, w.unrealised.mean, w.unrealised.p90) == ("exact", 0, 0.0, 0)
    assert w.agreements == ()
    assert all(v.municipalities == () for v in w.variants)


@pytest.mark.parametrize(("outcomes", "fragment"), [
    ([(1.0, 0.5), (0.5, 0.4)], "add up to 0.9, not 1"),
    ([(1.0, 0.5), (1.0, 0.5)], "listed twice"),
])
def test_a_bad_distribution_is_refused(tmp_path, outcomes, fragment):
    from herverdeling.errors import SettingsError
    from herverdeling.monitor.settings import load_monitor_settings as load

    text = (Path(__file__).parents[2] / "models" / "monitor" / "default.yaml").read_text("utf-8")
    start = text.index("    default:\n") + len("    default:\n")
    end = text.index("sources:")
    rows = "".join(f"      - {{fraction: {f}, probability: {p}}}\n" for f, p in outcomes)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text[:start] + rows + text[end:], encoding="utf-8")
    with pytest.raises(SettingsError, match=fragment):
        load(str(bad))
