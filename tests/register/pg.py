"""A throw-away PostgreSQL server for the register tests, from Debian's postgresql binaries.

`.ci/run` starts one and exports HERVERDELING_TEST_PG_URL; when that is absent, the tests start
their own here (so `pytest tests/register` runs both databases locally too). The server listens
only on a unix socket in a fresh temporary folder; as root it runs as the `postgres` user, since
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

ENV = "HERVERDELING_TEST_PG_URL"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class ThrowAwayPostgres:
    """initdb into a temporary folder, start, hand out URLs; `stop` removes everything."""

    def __init__(self) -> None:
        bindir = _bin_dir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL binaries (initdb) found: install Debian's postgresql "
                               f"package or set {ENV} to a server's SQLAlchemy URL")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="herverdeling-pg-"))
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # postgres refuses root: the folder belongs to the postgres user
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-k {self.root} -c listen_addresses='' -c fsync=off -p 5432", "start")
        self.started = True

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bindir / tool), *args], capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}&port=5432"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
