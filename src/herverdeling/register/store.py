"""The register's storage: one append-only events table, through SQLAlchemy Core.

By default an SQLite file beside the scenario (`<scenario folder>/register.sqlite`); any SQLAlchemy
URL works too (`postgresql+psycopg://...`), with the same code. The current state of an agreement
is never stored: it is folded from its events (`model.derive`), so nothing is ever overwritten.

Two writers at once: each step is written as event number n+1 of its agreement, and
(scenario, hash, agreement, n) is unique. A writer that lost the race gets the unique violation,
reads the events again and judges its step against the new state, so no change is lost and no
race creates a skip. Triggers refuse UPDATE and DELETE on the table, in both databases.
Reading never creates a file or a table: a register that does not exist yet reads as empty.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from herverdeling.errors import RegisterError
from herverdeling.proposals import RegisterEntry, RegisterState, RegisterStep
from herverdeling.register.model import Agreement, RegisterEvent, derive, validate_step

REGISTER_FILE = "register.sqlite"
ENV_URL = "HERVERDELING_REGISTER"  # a URL that replaces the default file for every command
RETRIES = 20

metadata = MetaData()
events_table = Table(
    "register_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario", String(200), nullable=False),
    Column("scenario_hash", String(64), nullable=False),
    Column("agreement_id", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("step_date", Date, nullable=False),
    Column("agreement_date", Date, nullable=False),
    Column("amendment", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("who", Text),
    Column("comment", Text),
    UniqueConstraint("scenario", "scenario_hash", "agreement_id", "seq", name="uq_register_step"),
)

_APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS register_events_no_{op.lower()} BEFORE {op} ON register_events "
        "BEGIN SELECT RAISE(ABORT, 'register_events is append-only'); END"
        for op in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION register_events_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'register_events is append-only'; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER register_events_append_only BEFORE UPDATE OR DELETE ON "
        "register_events FOR EACH ROW EXECUTE FUNCTION register_events_append_only()",
    ],
}


def default_url(scenario_folder: Path) -> str:
    """The register beside the scenario, unless the environment names another."""
    import os

    return os.environ.get(ENV_URL) or f"sqlite:///{(scenario_folder / REGISTER_FILE).resolve()}"


def register_url(scenario_folder: Path, url: str | None = None, *, must_exist: bool = False) -> str | None:
    """The register a command uses: the URL given, else the environment's, else the file beside
    the scenario; with `must_exist` (check, propose) None when that file is not there yet."""
    import os

    if url:
        return url
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    path = (scenario_folder / REGISTER_FILE).resolve()
    return None if must_exist and not path.is_file() else f"sqlite:///{path}"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise RegisterError(f"register: ongeldige database-URL {url!r}: {exc}") from None


def _sqlite_path(url: str) -> Path | None:
    u = _parse(url)
    return Path(u.database) if u.get_backend_name() == "sqlite" and u.database else None


def _engine(url: str, *, write: bool) -> Engine:
    u = _parse(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(u, pool_pre_ping=True)
    path = _sqlite_path(url)
    if path is not None and not write:  # read only: never creates the file, never writes to it
        u = make_url(f"sqlite:///file:{path}?mode=ro&uri=true")
    engine = create_engine(u, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" below starts the transaction

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE: the writer takes the write lock before it reads, so two writers queue
        # (busy timeout) instead of both reading step n and one failing to upgrade its lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def _errors(url: str) -> Iterator[None]:
    try:
        yield
    except RegisterError:
        raise
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise RegisterError(f"register {make_url(url).render_as_string(hide_password=True)}: "
                            f"database niet bruikbaar: {reason}") from None


def _event(row: Any) -> RegisterEvent:
    # SQLite keeps the UTC time without its zone; PostgreSQL answers in the session's zone
    recorded = (row.recorded_at.astimezone(UTC) if row.recorded_at.tzinfo
                else row.recorded_at.replace(tzinfo=UTC))
    return RegisterEvent(scenario=row.scenario, scenario_hash=row.scenario_hash,
                         agreement_id=row.agreement_id, seq=row.seq, kind=row.kind, state=row.state,
                         step_date=row.step_date, agreement_date=row.agreement_date,
                         amendment=row.amendment, recorded_at=recorded, who=row.who,
                         comment=row.comment)


class Register:
    """One register database; `read_*` never write, `record` appends one checked event."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _exists(self) -> bool:
        path = _sqlite_path(self.url)
        return path is None or path.is_file()

    def create(self) -> None:
        """The table and its append-only triggers, if missing; only a write calls this.

        Two writers creating a new register at once: the loser's CREATE fails, and the table the
        winner made is used.
        """
        path = _sqlite_path(self.url)
        if path is not None and not path.parent.is_dir():
            raise RegisterError(f"register: map {path.parent} bestaat niet")
        engine = _engine(self.url, write=True)
        with _errors(self.url):
            try:
                if inspect(engine).has_table("register_events"):
                    return
                try:
                    with engine.begin() as conn:
                        metadata.create_all(conn)
                        for stmt in _APPEND_ONLY.get(engine.dialect.name, []):
                            conn.exec_driver_sql(stmt)
                except (IntegrityError, OperationalError, ProgrammingError):
                    if not inspect(engine).has_table("register_events"):
                        raise
            finally:
                engine.dispose()

    def events(self, scenario: str | None = None, scenario_hash: str | None = None,
               agreement_id: str | None = None) -> tuple[RegisterEvent, ...]:
        """Every event (of a scenario, hash, agreement), in the order recorded."""
        if not self._exists():
            return ()
        engine = _engine(self.url, write=False)
        with _errors(self.url):
            try:
                if not inspect(engine).has_table("register_events"):
                    return ()
                q = select(events_table).order_by(events_table.c.agreement_id, events_table.c.seq)
                for col, value in (("scenario", scenario), ("scenario_hash", scenario_hash),
                                   ("agreement_id", agreement_id)):
                    if value is not None:
                        q = q.where(events_table.c[col] == value)
                with engine.connect() as conn:
                    return tuple(_event(r) for r in conn.execute(q))
            finally:
                engine.dispose()

    def snapshot(self, scenario: str, scenario_hash: str) -> RegisterState:
        """The current state of every agreement of one scenario version: what the checker reads."""
        by_id: dict[str, list[RegisterEvent]] = {}
        for e in self.events(scenario, scenario_hash):
            by_id.setdefault(e.agreement_id, []).append(e)
        return RegisterState(scenario=scenario, scenario_hash=scenario_hash,
                             entries=tuple(derive(i, evs) for i, evs in sorted(by_id.items())))

    def record(self, scenario: str, scenario_hash: str, agreement: Agreement, step: RegisterStep,
               on: date, *, amendment: str | None = None, who: str | None = None,
               comment: str | None = None, today: date | None = None) -> RegisterEntry:
        """Append one step after checking it against the agreement's current state; the new state.

        A race with another writer is retried: the step is judged again against what won.
        """
        self.create()
        engine = _engine(self.url, write=True)
        t = events_table.c
        try:
            for attempt in range(RETRIES):
                with _errors(self.url):
                    try:
                        with engine.begin() as conn:
                            rows = conn.execute(
                                select(events_table).where(
                                    t.scenario == scenario, t.scenario_hash == scenario_hash,
                                    t.agreement_id == agreement.id).order_by(t.seq)).all()
                            past = [_event(r) for r in rows]
                            current = derive(agreement.id, past)
                            validate_step(agreement, current, step, on, amendment=amendment,
                                          today=today)
                            conn.execute(events_table.insert().values(
                                scenario=scenario, scenario_hash=scenario_hash,
                                agreement_id=agreement.id, seq=len(past) + 1, kind=agreement.kind,
                                state=step, step_date=on, agreement_date=agreement.drafted_on,
                                amendment=amendment.strip() if amendment else None,
                                recorded_at=datetime.now(UTC), who=who or None,
                                comment=comment or None))
                        return derive(agreement.id, [*past, RegisterEvent(
                            scenario=scenario, scenario_hash=scenario_hash,
                            agreement_id=agreement.id, seq=len(past) + 1, kind=agreement.kind,
                            state=step, step_date=on, agreement_date=agreement.drafted_on,
                            amendment=amendment, recorded_at=datetime.now(UTC))])
                    except (IntegrityError, OperationalError) as exc:
                        # lost the race for step n+1 (or SQLite was busy past its timeout)
                        if isinstance(exc, OperationalError) and "locked" not in str(exc):
                            raise
                        time.sleep(0.01 * (attempt + 1))
            raise RegisterError(f"register: afspraak {agreement.id} niet vastgelegd: na {RETRIES} "
                                "pogingen nog steeds gelijktijdig gewijzigd door een ander")
        finally:
            engine.dispose()
