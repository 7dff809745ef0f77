"""The clause file (models/clauses/): party roles, counter-performance texts and failure clauses.

Every text carries its citation, and its {placeholders} are checked on load, so a broken file is
refused with the file and the field before any proposal is drafted.
"""

from __future__ import annotations

import string
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.settings import load_model, settings_file


class Clause(BaseModel):
    """One legal text and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    citation: str = Field(min_length=1)

    def placeholders(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}

    def fill(self, **values: object) -> str:
        return self.text.format(**values)


# Which placeholders each text may use: the drafting functions pass exactly these.
PLACEHOLDERS: dict[str, dict[str, set[str]]] = {
    "roles": {},
    "counter_performance": {"to_agree": set(), "statushouders": {"by", "amount", "to"},
                            "oekrainers": {"by", "amount", "to"}},
    "failure": {"surplus_swap": {"source", "sink"}, "merger": set(),
                "uitruil": {"realiser", "requester", "places"},
                "uitruil_cycle": {"realiser", "requester", "third"}},
}
ROLES = ("swap_source_province", "swap_sink_province", "swap_source_municipality",
         "swap_relieved_municipality", "swap_coordinator", "merger_host", "merger_member",
         "uitruil_requester", "uitruil_realiser", "uitruil_third")


class Clauses(BaseModel):
    """All texts of one clause file (models/clauses/<id>.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int = 1
    roles: dict[str, Clause]
    counter_performance: dict[str, Clause]
    failure: dict[str, Clause]

    @model_validator(mode="after")
    def _complete(self) -> Clauses:
        missing = [f"roles.{r}" for r in ROLES if r not in self.roles]
        for group in ("counter_performance", "failure"):
            texts: dict[str, Clause] = getattr(self, group)
            for key, allowed in PLACEHOLDERS[group].items():
                if key not in texts:
                    missing.append(f"{group}.{key}")
                    continue
                unknown = texts[key].placeholders() - allowed
                if unknown:
                    names = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
                    raise ValueError(f"{group}.{key}: unknown placeholder(s) "
                                     f"{', '.join(sorted(unknown))}; allowed: {names}")
        if missing:
            raise ValueError(f"missing text(s): {', '.join(missing)}")
        for key, clause in self.roles.items():
            if clause.placeholders():
                raise ValueError(f"roles.{key}: a role takes no placeholders")
        return self

    def role(self, key: str) -> str:
        return self.roles[key].text


@cache
def load_clauses(name_or_path: str = "default") -> Clauses:
    """The bundled clause file by name, or a YAML file; cached (the texts do not change in a run)."""
    return load_model(settings_file("clauses", name_or_path), Clauses)
