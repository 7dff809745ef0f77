"""The register on a real database, SQLite file and PostgreSQL server alike (`db_url`).

Two writers at once lose no change and create no skip; what is recorded is never overwritten;
reading creates nothing.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from herverdeling.errors import RegisterError
from herverdeling.register import Agreement, Register

DRAFTED = date(2025, 1, 15)
TODAY = date(2025, 12, 1)
SCEN, HASH = "nl-test", "a" * 64


def _agreement(i: int | str, kind: str = "uitruil") -> Agreement:
    return Agreement(id=f"U-{i}", kind=kind, drafted_on=DRAFTED)


def _run_together(*targets) -> list[BaseException]:
    """Start the targets at one barrier, wait for all; the exceptions that escaped them."""
    barrier = threading.Barrier(len(targets))
    escaped: list[BaseException] = []

    def wrap(f):
        def run():
            barrier.wait()
            try:
                f()
            except BaseException as exc:  # reported to the test, never swallowed
                escaped.append(exc)
        return run

    threads = [threading.Thread(target=wrap(f)) for f in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return escaped


def test_steps_are_kept_in_order_with_their_dates_and_read_back(db_url):
    reg = Register(db_url)
    a = _agreement(1)
    reg.record(SCEN, HASH, a, "signed", date(2025, 2, 1), who="griffie", today=TODAY)
    reg.record(SCEN, HASH, a, "prt_informed", date(2025, 2, 3), comment="per mail", today=TODAY)
    reg.record(SCEN, HASH, a, "ministry_informed", date(2025, 2, 5), today=TODAY)
    entry = reg.record(SCEN, HASH, a, "processed", date(2025, 6, 20), amendment="Wijziging 2025",
                       today=TODAY)
    assert entry.state == "processed"
    assert entry.amendment == "Wijziging 2025"
    events = Register(db_url).events(SCEN, HASH, "U-1")  # a second connection reads the same
    assert [(e.seq, e.state, e.step_date) for e in events] == [
        (1, "signed", date(2025, 2, 1)), (2, "prt_informed", date(2025, 2, 3)),
        (3, "ministry_informed", date(2025, 2, 5)), (4, "processed", date(2025, 6, 20))]
    assert events[0].who == "griffie"
    assert events[1].comment == "per mail"
    assert all(e.recorded_at.utcoffset() == timedelta(0) for e in events)  # UTC, whatever the server's
    assert all(abs(datetime.now(UTC) - e.recorded_at) < timedelta(minutes=5) for e in events)
    assert [e.recorded_at for e in events] == sorted(e.recorded_at for e in events)
    snap = reg.snapshot(SCEN, HASH)
    assert [e.agreement_id for e in snap.entries] == ["U-1"]
    assert snap.entries[0] == entry
    # another version of the scenario (other content hash) has its own register
    assert reg.snapshot(SCEN, "b" * 64).entries == ()


def test_a_refused_step_writes_nothing(db_url):
    reg = Register(db_url)
    with pytest.raises(RegisterError, match="geen stap overslaan"):
        reg.record(SCEN, HASH, _agreement(1), "ministry_informed", date(2025, 2, 1), today=TODAY)
    with pytest.raises(RegisterError, match="vóór de datum van de afspraak zelf"):
        reg.record(SCEN, HASH, _agreement(1), "signed", date(2025, 1, 1), today=TODAY)
    assert reg.events() == ()


def test_recorded_steps_cannot_be_overwritten_or_deleted_even_by_hand(db_url):
    reg = Register(db_url)
    reg.record(SCEN, HASH, _agreement(1), "signed", date(2025, 2, 1), today=TODAY)
    engine = create_engine(db_url)
    try:
        for stmt in ("UPDATE register_events SET step_date = '2025-03-01'",
                     "DELETE FROM register_events"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(stmt))
    finally:
        engine.dispose()
    assert [e.step_date for e in reg.events()] == [date(2025, 2, 1)]


def test_reading_an_empty_database_creates_no_table(db_url):
    reg = Register(db_url)
    assert reg.snapshot(SCEN, HASH).entries == ()
    assert reg.events() == ()
    engine = create_engine(db_url)
    try:
        assert not inspect(engine).has_table("register_events")
    finally:
        engine.dispose()


def test_reading_a_register_file_that_does_not_exist_creates_no_file(tmp_path: Path):
    path = tmp_path / "register.sqlite"
    assert Register(f"sqlite:///{path}").snapshot(SCEN, HASH).entries == ()
    assert not path.exists()
    with pytest.raises(RegisterError, match="bestaat niet"):
        Register(f"sqlite:///{tmp_path / 'nope' / 'r.sqlite'}").record(
            SCEN, HASH, _agreement(1), "signed", date(2025, 2, 1), today=TODAY)


def test_two_writers_at_once_lose_no_change(db_url):
    """Each writer records 12 agreements' signing, on a fresh register (both create it)."""
    reg_a, reg_b = Register(db_url), Register(db_url)
    n = 12

    def writer(reg, offset):
        def run():
            for i in range(n):
                reg.record(SCEN, HASH, _agreement(f"{offset}-{i}"), "signed", date(2025, 2, 1),
                           today=TODAY)
        return run

    assert _run_together(writer(reg_a, "a"), writer(reg_b, "b")) == []
    events = Register(db_url).events(SCEN, HASH)
    assert sorted(e.agreement_id for e in events) == sorted(
        [f"U-a-{i}" for i in range(n)] + [f"U-b-{i}" for i in range(n)])


def test_two_writers_racing_on_one_agreement_make_one_step_each_time_and_no_skip(db_url):
    """Both writers try to take every agreement one step further, again and again, at once.

    Whatever the interleaving, each agreement ends with exactly the kind's steps in order (no step
    twice, none skipped), and every step a writer was told it recorded is in the register.
    """
    agreements = [_agreement(i) for i in range(4)]
    order = ("signed", "prt_informed", "ministry_informed", "processed")
    told: dict[str, list[tuple[str, str]]] = {"a": [], "b": []}
    refused: list[str] = []

    def writer(name):
        reg = Register(db_url)

        def run():
            for a in agreements:
                for step in order:
                    try:
                        reg.record(SCEN, HASH, a, step, date(2025, 2, 1),
                                   amendment="W" if step == "processed" else None, today=TODAY)
                        told[name].append((a.id, step))
                    except RegisterError as exc:  # the other writer was first: told so, in Dutch
                        refused.append(str(exc))
        return run

    Register(db_url).create()
    assert _run_together(writer("a"), writer("b")) == []
    events = Register(db_url).events(SCEN, HASH)
    for a in agreements:
        mine = [e for e in events if e.agreement_id == a.id]
        assert [(e.seq, e.state) for e in mine] == list(enumerate(order, start=1))
    recorded = sorted((e.agreement_id, e.state) for e in events)
    assert sorted(told["a"] + told["b"]) == recorded  # each step told to exactly one writer
    assert len(refused) == 2 * len(agreements) * len(order) - len(recorded)
    assert all("is al" in m or "kan alleen naar" in m for m in refused), refused


def test_a_bad_url_is_one_line(tmp_path: Path):
    with pytest.raises(RegisterError, match="ongeldige database-URL"):
        Register("not a url").events()


def _sign_many(url: str, prefix: str, n: int) -> None:
    reg = Register(url)
    for i in range(n):
        reg.record(SCEN, HASH, _agreement(f"{prefix}-{i}"), "signed", date(2025, 2, 1), today=TODAY)


def _advance_contested(url: str, tries: int) -> None:
    """Try to take the contested agreement one step further, `tries` times; refusals are expected."""
    reg = Register(url)
    for _ in range(tries):
        for step in ("signed", "prt_informed", "ministry_informed"):
            with contextlib.suppress(RegisterError):
                reg.record(SCEN, HASH, _agreement("contested"), step, date(2025, 2, 1), today=TODAY)


def test_two_writer_processes_lose_no_change_and_make_no_skip(db_url):
    """As the threads above, with two operating-system processes (two `herverdeling` users)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    Register(db_url).create()
    procs = [ctx.Process(target=_sign_many, args=(db_url, name, 5)) for name in ("p", "q")]
    procs += [ctx.Process(target=_advance_contested, args=(db_url, 2)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    events = Register(db_url).events(SCEN, HASH)
    signed = sorted(e.agreement_id for e in events if e.agreement_id != "U-contested")
    assert signed == sorted([f"U-p-{i}" for i in range(5)] + [f"U-q-{i}" for i in range(5)])
    contested = [(e.seq, e.state) for e in events if e.agreement_id == "U-contested"]
    assert contested == [(1, "signed"), (2, "prt_informed"), (3, "ministry_informed")]


def test_recorded_times_read_back_in_utc_whatever_the_session_zone(db_url):
    from sqlalchemy.engine import make_url

    reg = Register(db_url)
    reg.record(SCEN, HASH, _agreement(1), "signed", date(2025, 2, 1), today=TODAY)
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql":  # a session in another zone answers in that zone
        url = url.update_query_dict({"options": "-c timezone=Pacific/Chatham"})
    (event,) = Register(url.render_as_string(hide_password=False)).events()
    assert event.recorded_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - event.recorded_at) < timedelta(minutes=5)
