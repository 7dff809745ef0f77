"""The clause file (models/clauses/): every legal text of the drafts, each with its citation.

Roles, party formulas, counter-performance texts, failure clauses, the articles, the process steps,
the kennisgevingen, the wijzigingsoverzicht and the framework agreement. Every text carries its
citation and its {placeholders} are checked on load, so a broken file is refused with the file and
the field before any proposal is drafted. The few numbers the drafts need where the note gives none
(the framework threshold, the reference date, the statushouders period) are labelled settings here.
"""

from __future__ import annotations

import string
from datetime import date
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.settings import load_model, settings_file


class Clause(BaseModel):
    """One legal text and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    title: str = ""  # an article's heading; empty for a further paragraph of the article before

    def placeholders(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}

    def fill(self, **values: object) -> str:
        return self.text.format(**values)

    def paragraphs(self, **values: object) -> list[str]:
        """The filled text split into its paragraphs (leden): a blank line separates them."""
        return [p.strip() for p in self.fill(**values).split("\n") if p.strip()]


class Labelled(BaseModel):
    """A value the note does not give: a model choice with what it means and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: int | date | str
    label: str = Field(min_length=1)
    source: str = Field(min_length=1)


class DraftingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    framework_min_municipalities: Labelled
    reference_date: Labelled
    statushouders_period: Labelled

    @model_validator(mode="after")
    def _types(self) -> DraftingSettings:
        if not isinstance(self.framework_min_municipalities.value, int):
            raise ValueError("framework_min_municipalities.value: a whole number")
        if not isinstance(self.reference_date.value, date):
            raise ValueError("reference_date.value: a date (YYYY-MM-DD)")
        return self

    @property
    def framework_threshold(self) -> int:
        return int(self.framework_min_municipalities.value)  # type: ignore[arg-type]


# Which placeholders each text may use: drafting and documents pass exactly these.
_NAME = {"name"}
_SWAP = {"source", "sink"}
PLACEHOLDERS: dict[str, dict[str, set[str]]] = {
    "roles": {},
    "parties": {"provincie": {"name", "code"}, "gemeente": {"name", "code"},
                "representative_provincie": _NAME,
                "representative_gemeente": _NAME, "coordinator": _NAME,
                "coordination": {"provinces"}, "ministry_not_party": set(), "together": set(),
                "signing": set(), "signature_provincie": _NAME, "signature_gemeente": _NAME},
    "counter_performance": {"to_agree": set(), "statushouders": {"by", "amount", "to", "period"},
                            "oekrainers": {"by", "amount", "to"},
                            "statushouders_supervision": {"province"}, "outflow_note": set()},
    "failure": {"surplus_swap": {"source", "sink", "reference_date"}, "merger": set(),
                "uitruil": {"realiser", "requester", "places", "reference_date"},
                "uitruil_cycle": {"realiser", "requester", "third"}},
    "definitions": {"wet": set(), "informatiebericht": {"vb_date"},
                    "verdeelbesluit": {"vb_date", "scope", "round"}, "taak": set(),
                    "plaatsen": set(), "ibt": set(), "spuk": set(), "prt": set(), "coa": set(),
                    "minister": set(), "koppeltabel": _SWAP},
    "considerations": {"uitruil": {"vb_date", "province"},
                       "merger": {"vb_date", "province", "category"}, "surplus_swap": _SWAP},
    "articles": {"definitions": set(), "link_table": set(), "swap_table_note": set(), "cycle": {"count"},
                 "merger_basis": {"host", "vb_task", "size", "own", "merged"},
                 "merger_basis_relieved": {"references"},
                 "object_uitruil": {"realiser", "requester", "province"},
                 "object_merger": {"host", "size"}, "object_swap": _SWAP,
                 "obligations_realiser": {"realiser"}, "obligations_requester": {"requester"},
                 "obligations_host": {"host", "size"}, "obligations_member": {"host"},
                 "obligations_swap_source_province": {"source"},
                 "obligations_swap_source_municipalities": {"source"},
                 "obligations_swap_sink_province": {"sink"},
                 "obligations_swap_relieved": {"sink"}, "counter_performance": set(),
                 "failure": set(),
                 "processing": {"amendment", "province", "realiser", "released", "deadline"},
                 "processing_late": {"deadline"}, "swap_ibt": _SWAP,
                 "condition": {"references", "details"}, "notification": {"province", "deadline"},
                 "notification_swap": _SWAP, "duration": {"vb_date", "round"}, "amendment": set(),
                 "nadere_afspraken": set(), "nadere_afspraken_swap": set(),
                 "disputes": {"mediator"}},
    "process": {"college_decision": _NAME, "wensen_bedenkingen_raad": _NAME,
                "wensen_bedenkingen_staten": _NAME, "gs_decision": _NAME, "intro": set()},
    "notice": {"sender_swap": {"provinces"}, "sender_parties": {"names"},
               "enclosure": {"reference"}, "request_swap": set(),
               "request_amendment": {"amendment", "deadline"}},
    "overview": {"intro": {"province", "amendment"}, "addressee": set(), "sender": {"province"},
                 "reason_merger": {"category", "host"}, "reason_uitruil": {"realiser", "requester"},
                 "totals": {"province"}, "notification_status": {"deadline"}},
    "framework": {"signing": set(), "considerations": {"count", "source", "sink"}, "accession": set(),
                  "declaration": {"party", "reference", "source", "sink", "role"}},
}
GROUPS = tuple(PLACEHOLDERS)
ROLES = ("swap_source_province", "swap_sink_province", "swap_source_municipality",
         "swap_relieved_municipality", "swap_coordinator", "merger_host", "merger_member",
         "uitruil_requester", "uitruil_realiser", "uitruil_third")


class Clauses(BaseModel):
    """All texts of one clause file (models/clauses/<id>.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int = 1
    settings: DraftingSettings
    roles: dict[str, Clause]
    parties: dict[str, Clause]
    counter_performance: dict[str, Clause]
    failure: dict[str, Clause]
    definitions: dict[str, Clause]
    considerations: dict[str, Clause]
    articles: dict[str, Clause]
    process: dict[str, Clause]
    notice: dict[str, Clause]
    overview: dict[str, Clause]
    framework: dict[str, Clause]

    @model_validator(mode="after")
    def _complete(self) -> Clauses:
        missing = [f"roles.{r}" for r in ROLES if r not in self.roles]
        for group in GROUPS[1:]:
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

    def all_texts(self) -> dict[str, Clause]:
        """Every text by 'group.key' (for the citation test and for readers of the file)."""
        return {f"{g}.{k}": c for g in GROUPS for k, c in getattr(self, g).items()}


@cache
def load_clauses(name_or_path: str = "default") -> Clauses:
    """The bundled clause file by name, or a YAML file; cached (the texts do not change in a run)."""
    return load_model(settings_file("clauses", name_or_path), Clauses)
