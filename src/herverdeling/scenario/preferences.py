"""The users' own wishes (D4), as scenario data: preferences.csv and partners.csv.

`relief` wanted/refused/any and may-back-surplus and may-host per municipality; per pair of
provinces whether the plusprovincie `source` is a preferred, allowed or refused partner of the
restopgave province `sink`. Every stage and the checker read them from the Scenario.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ReliefWish = Literal["wanted", "refused", "any"]
PartnerWish = Literal["preferred", "allowed", "refused"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MunicipalityPreference(_Frozen):
    """One row of preferences.csv; None in back_surplus/host: the scenario's own value holds."""

    cbs_code: str = Field(pattern=r"^GM\d{4}$")
    relief: ReliefWish = "any"
    back_surplus: bool | None = None
    host: bool | None = None


class PartnerPreference(_Frozen):
    """One row of partners.csv: may plusprovincie `source` relieve province `sink`?"""

    sink: str = Field(min_length=1)
    source: str = Field(min_length=1)
    partner: PartnerWish = "allowed"


class Preferences(_Frozen):
    """All wishes of a scenario (empty: none stated, every default holds)."""

    municipalities: tuple[MunicipalityPreference, ...] = ()
    partners: tuple[PartnerPreference, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Preferences:
        codes = [p.cbs_code for p in self.municipalities]
        if len(set(codes)) != len(codes):
            raise ValueError("a municipality has two rows of preferences")
        pairs = [(p.sink, p.source) for p in self.partners]
        if len(set(pairs)) != len(pairs):
            raise ValueError("a (sink, source) pair has two rows of partner preferences")
        return self

    @cached_property
    def _muni(self) -> dict[str, MunicipalityPreference]:
        return {p.cbs_code: p for p in self.municipalities}

    @cached_property
    def _pair(self) -> dict[tuple[str, str], PartnerWish]:
        return {(p.sink, p.source): p.partner for p in self.partners}

    def of(self, code: str) -> MunicipalityPreference | None:
        return self._muni.get(code)

    def relief(self, code: str) -> ReliefWish:
        p = self._muni.get(code)
        return p.relief if p else "any"

    def may_back(self, code: str) -> bool:
        p = self._muni.get(code)
        return not (p and p.back_surplus is False)

    def may_host(self, code: str, default: bool) -> bool:
        p = self._muni.get(code)
        return default if p is None or p.host is None else p.host

    def partner(self, sink: str, source: str) -> PartnerWish:
        return self._pair.get((sink, source), "allowed")
