"""The one rule catalogue: G1-G6, U1-U8, S1-S4, P1-P11, each a small function in its family's module.

Importing this package registers every rule in `CATALOGUE` (id -> Rule) in the order of DOMAIN.md.
"""

from __future__ import annotations

from herverdeling.checker.rules import general, merger, surplus, uitruil  # noqa: F401  (registers)
from herverdeling.checker.rules.base import CATALOGUE, Context, Hit, Rule

RULE_IDS: tuple[str, ...] = (
    *(f"G{i}" for i in range(1, 7)),
    *(f"U{i}" for i in range(1, 9)),
    *(f"S{i}" for i in range(1, 5)),
    *(f"P{i}" for i in range(1, 12)),
)


def rules() -> tuple[Rule, ...]:
    """Every rule, in catalogue order."""
    return tuple(CATALOGUE[i] for i in RULE_IDS)


__all__ = ["CATALOGUE", "RULE_IDS", "Context", "Hit", "Rule", "rules"]
