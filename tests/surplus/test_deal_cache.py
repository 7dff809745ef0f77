"""The deal results' disk cache: a second run takes the solved result from disk, gives the same
proposals, and a bad or missing cache only costs a solve."""

from __future__ import annotations

import pytest

from herverdeling import pipeline
from herverdeling.pipeline import RunSettings, run_chain
from herverdeling.surplus.deals import cache, solve_deals
from tests.surplus.test_deals import tiny, tiny_settings


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    monkeypatch.setattr(pipeline, "_DEALS", type(pipeline._DEALS)())  # an empty process cache
    return tmp_path


def test_round_trip_and_bad_files(cache_dir):
    result = solve_deals(tiny(), tiny_settings())
    assert cache.load("k") is None
    cache.save("k", result)
    assert cache.load("k") == result
    (only,) = (cache_dir / "deals").glob("*.json")
    only.write_text("{not json", encoding="utf-8")
    assert cache.load("k") is None  # ignored, solved again
    assert not list((cache_dir / "deals").glob("*.tmp"))


def test_off_when_empty(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV, "")
    assert cache.folder() is None
    cache.save("k", solve_deals(tiny(), tiny_settings()))
    assert cache.load("k") is None


def test_second_run_takes_it_from_disk(cache_dir, monkeypatch):
    s = tiny()
    first = run_chain(s, RunSettings(scenario=s.name))
    assert list((cache_dir / "deals").glob("*.json"))
    monkeypatch.setattr(pipeline, "_DEALS", type(pipeline._DEALS)())

    def no_solve(*_a: object, **_k: object) -> None:
        raise AssertionError("solved again")

    monkeypatch.setattr("herverdeling.surplus.deals.solve_deals", no_solve)
    second = run_chain(s, RunSettings(scenario=s.name))
    assert second.proposals.proposals == first.proposals.proposals  # wall-clock seconds aside
    assert [i.model_copy(update={"seconds": 0}) for i in second.proposals.solve_info if "deals" in i.model] \
        == [i.model_copy(update={"seconds": 0}) for i in first.proposals.solve_info if "deals" in i.model]
