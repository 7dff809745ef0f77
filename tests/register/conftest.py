"""The register suite runs on SQLite (a file) and on PostgreSQL (a real server), never skipped.

PostgreSQL: the server `.ci/run` started (HERVERDELING_TEST_PG_URL), else one started here from
Debian's binaries; if neither can be had, the PostgreSQL variant fails and says why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.register.pg import ENV, ThrowAwayPostgres


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A URL of a PostgreSQL server's maintenance database, to create test databases on."""
    given = os.environ.get(ENV)
    if given:
        yield given
        return
    try:
        server = ThrowAwayPostgres()
    except (RuntimeError, OSError, KeyError) as exc:
        pytest.fail(f"the PostgreSQL variant of the register suite needs a server: {exc}")
    try:
        yield server.url()
    finally:
        server.stop()


def _fresh_pg_database(server_url: str) -> tuple[str, str]:
    name = f"register_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(server_url: str, name: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty register database: an SQLite file, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.sqlite'}"
        return
    server_url = request.getfixturevalue("pg_server_url")
    name, url = _fresh_pg_database(server_url)
    try:
        yield url
    finally:
        _drop_pg_database(server_url, name)
