"""The explorer's glossary: short Dutch definitions of the terms the page uses (models/glossary/).

Every term on the page links to its entry, so a civil servant never has to guess what
"restopgave" or "plaats-km" means here.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.settings import load_model, settings_file


class Term(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    term: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Glossary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    terms: tuple[Term, ...]


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    return load_model(settings_file("glossary", "nl"), Glossary)
