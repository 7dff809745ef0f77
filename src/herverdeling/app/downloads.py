"""Downloads: the files `pipeline.propose` writes for the page's settings, made in the background.

A whole run writes every agreement of the country (.docx is the slow part), so it runs on one
worker thread while the page stays responsive; the page polls the job. Finished runs are kept
per (what-if scenario hash, policy) so the same settings are never run twice; the oldest runs
are removed when more than `keep` are on disk.
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import threading
import zipfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from herverdeling.errors import HerverdelingError
from herverdeling.scenario.model import Scenario

log = logging.getLogger(__name__)

FILES = ("overzicht.xlsx", "manifest.json")


class JobStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    state: Literal["queued", "running", "done", "error"]
    progress: tuple[str, ...] = ()
    error: str | None = None


class _Job:
    def __init__(self, key: str, folder: Path, scenario: Scenario) -> None:
        self.key = key
        self.folder = folder
        self.scenario = scenario
        self.state: Literal["queued", "running", "done", "error"] = "queued"
        self.lines: list[str] = []
        self.error: str | None = None

    def status(self) -> JobStatus:
        return JobStatus(key=self.key, state=self.state, progress=tuple(self.lines[-6:]),
                         error=self.error)


def job_key(scenario: Scenario, policy: str) -> str:
    return hashlib.sha256(f"{scenario.content_hash()}|{policy}".encode()).hexdigest()[:16]


class Downloads:
    def __init__(self, root: Path, keep: int = 4) -> None:
        self.root = root
        self.keep = keep
        self.jobs: OrderedDict[str, _Job] = OrderedDict()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="propose")

    def start(self, scenario: Scenario, policy: str) -> JobStatus:
        key = job_key(scenario, policy)
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and job.state != "error":
                self.jobs.move_to_end(key)
                return job.status()
            job = _Job(key, self.root / key, scenario)
            self.jobs[key] = job
            self._evict()
        self.pool.submit(self._run, job, scenario, policy)
        return job.status()

    def _evict(self) -> None:
        done = [k for k, j in self.jobs.items() if j.state in ("done", "error")]
        while len(self.jobs) > self.keep and done:
            old = self.jobs.pop(done.pop(0))
            shutil.rmtree(old.folder, ignore_errors=True)

    def _run(self, job: _Job, scenario: Scenario, policy: str) -> None:
        from herverdeling.pipeline import propose

        job.state = "running"
        try:
            propose(scenario, job.folder, policy=policy, force=True, progress=job.lines.append)
            job.state = "done"
        except HerverdelingError as exc:
            job.error, job.state = str(exc), "error"
        except Exception as exc:  # the page gets a line; the log gets the trace
            log.exception("propose failed for %s", job.key)
            job.error, job.state = f"interne fout bij het maken van de bestanden ({type(exc).__name__})", \
                "error"

    def status(self, key: str) -> JobStatus | None:
        job = self.jobs.get(key)
        return None if job is None else job.status()

    def finished(self, key: str) -> tuple[Path, Scenario] | None:
        """The run's folder and its scenario, once the run is done."""
        job = self.jobs.get(key)
        return (job.folder, job.scenario) if job is not None and job.state == "done" else None

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def agreements_zip(folder: Path, scenario: Scenario, province: str | None) -> bytes:
    """The agreements (.docx) of the run, only those touching `province` when it is given."""
    from herverdeling.checker import read_proposals
    from herverdeling.documents.writers import file_stem

    proposals = read_proposals(folder / "proposals.json").proposals
    wanted = []
    for p in proposals:
        codes = [c for t in p.transfers for c in (t.from_code, t.to_code)]
        if province is None or any(scenario.has_municipality(c)
                                   and scenario.municipality(c).province == province for c in codes):
            wanted.append(folder / "agreements" / f"{file_stem(p, scenario)}.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(wanted):
            if path.is_file():  # a proposal with a checker error has no agreement (issue 5)
                zf.write(path, f"agreements/{path.name}")
    return buf.getvalue()
