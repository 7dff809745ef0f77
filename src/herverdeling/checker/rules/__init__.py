"""The one rule catalogue: G1-G6, U1-U8, S1-S4, P1-P11, D1-D4, each a small function in its family's module.

Importing this package registers every rule in `CATALOGUE` (id -> Rule) in the order of DOMAIN.md.
All rules are errors except G6 (a warning); process rules report a step not yet due as `open`,
and a step missed after the round's notification deadline as a `warning` (processing into the
verdeelbesluit is a choice, U5: a late agreement still binds the parties).

What each rule can check on the typed proposal (choices made where the note leaves room):
- G1 every transfer, counter-performance amount, host_own_places and location_size is whole >= 0
  (bools, NaN and infinities are not places).
- G2 every code exists; each municipality lies in the province the proposal says (uitruil/merger:
  `province`; swap: relieved in `sink_province`, backing in `source_province`); party codes exist.
- G3 across the whole set, per municipality and category: all it hands over, merges away or is
  relieved of <= its verdeelbesluit task; per backing municipality: promised <= its extra places.
  (The per-province surplus cap is P2.) Every proposal that contributes is blocked.
- G4 a merger's transfers are in the merger's category; nobody hands over (or backs) a category in
  which it has no task (no extra places): the other category would silently stand in.
- G5 places named; every municipality moved between (and the host) is a gemeente party; a
  counter-performance is recorded ('none' counts; 'to_agree' is open in a draft, an error once
  signed); a counter-performance names only parties.
- U6/S3 (model choice) the realiser or host must be allowed to host (`may_host`), since IBT will
  hold it alone. U7/S3 only the realiser/host may pass SPUK on; P9 a relieved municipality cannot.
- U8 also: across all uitruil, a municipality that recorded a request hands over no more of a
  category than it asked (the counter-performance was agreed against the request).
- U5 the amendment leaves the province's total per category unchanged. The addendum's reason is
  written by the documents stage; the proposal carries no field for it.
- S4 host_own_places equals the host's own places in the ledger (verdeelbesluit task minus all it
  hands over or is relieved of across the set), location_size equals host_own_places plus the
  members' places, and the host is not its own member.
- P7 "per ommegaande": the note gives no number of days. The checker warns after a labelled
  setting (models/process/default.yaml, `ministry_signal_days`), never as an error.
- U8 a counter-performance may be taking over (part of) the statushouders task or Ukrainian
  reception of the other party, or anything agreed. Places for the outflow of statushouders that a
  municipality brings in at the PRT are a way to meet its own task, not a counter-performance:
  a counter-performance described that way is a warning.
- P8 a surplus swap crosses a provincial border; within one province it would be uitruil.
- P10 the ministry neither gives nor receives the counter-performance.
- P11 relief per municipality and category, across all swaps, <= Scenario.relief_cap().
- D1-D4 (model choices, settings `DealRules` from models/deals/): one source province per
  relieved (municipality, category); a relief clears the task or is >= min_relief and leaves no
  0 < task < norm residue; a relieved municipality neither hosts nor realises in that category;
  the scenario's preferences hold. `DealRules(enforce=False)` judges by the note's rules alone.
"""

from __future__ import annotations

from herverdeling.checker.rules import deals, general, merger, surplus, uitruil  # noqa: F401  (registers)
from herverdeling.checker.rules.base import CATALOGUE, Context, Hit, Rule

RULE_IDS: tuple[str, ...] = (
    *(f"G{i}" for i in range(1, 7)),
    *(f"U{i}" for i in range(1, 9)),
    *(f"S{i}" for i in range(1, 5)),
    *(f"P{i}" for i in range(1, 12)),
    *(f"D{i}" for i in range(1, 5)),
)


def rules() -> tuple[Rule, ...]:
    """Every rule, in catalogue order."""
    return tuple(CATALOGUE[i] for i in RULE_IDS)


__all__ = ["CATALOGUE", "RULE_IDS", "Context", "Hit", "Rule", "rules"]
