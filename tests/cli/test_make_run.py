"""Issue 14, point 8: what `make run` drafts on nl-2025 with the defaults, counted from its
proposals.json and findings.json independently of the solver and of the metrics module."""

from __future__ import annotations

import json
import math
import re
import shlex
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.scenario.model import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]


def make_run_args(out: Path) -> list[str]:
    """The arguments of the Makefile's `run` recipe, with its defaults filled in."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n\t(.+)$", text, flags=re.M)
    assert recipe, "no run recipe in the Makefile"
    values = dict(re.findall(r"^(\w+) \?= (\S+)$", text, flags=re.M))
    line = re.sub(r"\$\((\w+)\)", lambda m: values.get(m.group(1), m.group(0)), recipe.group(1))
    args = shlex.split(line)
    assert args[0].endswith("herverdeling"), line
    assert args[1] == "propose", line
    args = args[2:]
    args[args.index("--out") + 1] = str(out)
    return ["propose", *args]


@pytest.mark.slow
def test_make_run_drafts_signable_deals(nl2025, tmp_path):
    out = tmp_path / "out"
    args = make_run_args(out)
    assert "--surplus-model" not in args
    assert "--deals" not in args
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "proposals.json").read_text(encoding="utf-8"))
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    s = nl2025
    swaps = [p for p in doc["proposals"] if p["kind"] == "surplus_swap"]
    assert swaps
    assert doc["deal_rules"]["enforce"]

    # relief: at least 97 % of all the surplus that can flow (no partner refusals in nl-2025)
    surplus = sum(min(sum(s.surplus(p).get(c) for p in s.plusprovincies()),
                      sum(max(0, s.relief_cap(m, c)) for q in s.restopgave_provinces()
                          for m in s.municipalities_in(q))) for c in CATEGORIES)
    relief = sum(t["places"] for p in swaps for t in p["transfers"])
    assert relief >= math.ceil(0.97 * surplus) >= 5440

    relieved: dict[tuple[str, str], int] = defaultdict(int)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in swaps:
        names = {t["from_code"] for t in p["transfers"]} | {t["to_code"] for t in p["transfers"]}
        assert 2 + len(names) <= 25, p["id"]  # two provinces and every municipality named
        for t in p["transfers"]:
            key = (t["from_code"], t["category"])
            relieved[key] += t["places"]
            sources[key].add(s.municipality(t["to_code"]).province)
    assert all(len(v) == 1 for v in sources.values())  # no split relief
    for (code, c), places in relieved.items():
        task = s.municipality(code).verdeelbesluit.get(c)
        assert places >= 10 or places == task, (code, c, places)  # no tiny relief
        assert not 0 < task - places < s.norms.get(c).min_size, (code, c)  # no residue
    takes_on = {(t["to_code"], t["category"]) for p in doc["proposals"] if p["kind"] != "surplus_swap"
                for t in p["transfers"]}
    assert not takes_on & set(relieved)  # no role conflict: relieved and host / realiser
    merged = {(t["from_code"], t["category"]) for p in doc["proposals"] if p["kind"] == "merger"
              for t in p["transfers"]}
    assert not merged & set(relieved)  # a relieved task is never merged away afterwards either
    assert not [f for f in findings["findings"] if f["severity"] == "error"]  # every proposal passes
