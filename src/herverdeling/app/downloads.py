"""Downloads: the files `pipeline.propose` writes for the page's settings, made in the background.

A whole run writes every agreement of the country (.docx is the slow part), so it runs on one
worker thread while the page stays responsive; the page polls the job. Finished runs are kept
per (what-if scenario hash, policy) so the same settings are never run twice; the oldest runs
are removed when more than `keep` are on disk, but never one that is being served (issue 18,
point 3: a fifth run used to delete the folder under a zip being built). At most `queue_max` runs
wait or run at once; beyond that the page hears "te druk, probeer het zo opnieuw".

The runs live in a folder of ours (`herverdeling-app-*` in the system temp folder, with a marker
holding our process id): removed when the app stops, and a stale one of a dead app at the next start.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from herverdeling.errors import FrontierPointError, HerverdelingError
from herverdeling.scenario.model import Scenario

log = logging.getLogger(__name__)

FILES = ("overzicht.xlsx", "manifest.json")
PREFIX = "herverdeling-app-"
MARKER = ".herverdeling-app"  # holds the pid of the app that made the folder



def progress_nl(line: str) -> str:
    """One progress line as the page shows it: `propose` writes its progress in Dutch (issue 16,
    point 4), so the line only loses its indentation."""
    return line.strip()


class DownloadError(HerverdelingError):
    """A download that cannot be served whole (the page shows the message)."""


class BusyError(DownloadError):
    """Too many runs waiting: the page is asked to try again."""


class StoppingError(Exception):
    """Raised in a worker when the app stops, so a run ends at its next progress line (downloads
    and frontiers alike)."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(tmp: Path | None = None) -> list[Path]:
    """Remove the download folders of explorers that are no longer running (ours by the marker)."""
    removed = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid = int((folder / MARKER).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue  # not ours, or not readable: left alone
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def make_work_dir() -> Path:
    """A fresh folder of ours in the system temp folder, after removing stale ones."""
    remove_stale()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / MARKER).write_text(str(os.getpid()), encoding="ascii")
    return folder


class JobStatus(BaseModel):
    """A background job as the page polls it (a download run; the frontier adds its points)."""

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
        self.users = 0  # requests serving its files right now: never deleted while > 0

    def status(self) -> JobStatus:
        return JobStatus(key=self.key, state=self.state, progress=tuple(self.lines[-6:]),
                         error=self.error)


def job_key(scenario: Scenario, policy: str, frontier_point: int | None = None) -> str:
    return hashlib.sha256(f"{scenario.content_hash()}|{policy}|{frontier_point}".encode()
                          ).hexdigest()[:16]


class Downloads:
    """The runs on disk and the one worker that makes them."""

    def __init__(self, root: Path, keep: int = 4, queue_max: int | None = None,
                 remove_root: bool = False) -> None:
        from herverdeling.limits import limits

        self.root = root
        self.keep = keep
        self.queue_max = queue_max or limits().download_queue_max
        self.remove_root = remove_root
        self.stopping = False
        self.jobs: OrderedDict[str, _Job] = OrderedDict()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="propose")

    def start(self, scenario: Scenario, policy: str, frontier_point: int | None = None) -> JobStatus:
        """Queue a run (or return the one for the same settings); `BusyError` when the queue is full.
        `frontier_point`: the surplus swaps of that point of the deal frontier (as propose)."""
        key = job_key(scenario, policy, frontier_point)
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and job.state != "error":
                self.jobs.move_to_end(key)
                return job.status()
            waiting = sum(j.state in ("queued", "running") for j in self.jobs.values())
            if waiting >= self.queue_max:
                raise BusyError(f"te druk, probeer het zo opnieuw ({waiting} downloads worden al "
                           "gemaakt)")
            job = _Job(key, self.root / key, scenario)
            self.jobs[key] = job
            self._evict()
        self.pool.submit(self._run, job, scenario, policy, frontier_point)
        return job.status()

    def _evict(self) -> None:
        """Drop the oldest finished runs above `keep`; a run being served is kept (call locked)."""
        done = [k for k, j in self.jobs.items() if j.state in ("done", "error") and j.users == 0]
        while len(self.jobs) > self.keep and done:
            old = self.jobs.pop(done.pop(0))
            shutil.rmtree(old.folder, ignore_errors=True)

    @contextmanager
    def serving(self, key: str) -> Iterator[tuple[Path, Scenario] | None]:
        """The finished run's folder and scenario, kept on disk until the block ends (else None)."""
        with self.lock:
            job = self.jobs.get(key)
            if job is None or job.state != "done":
                job = None
            else:
                job.users += 1
        try:
            yield None if job is None else (job.folder, job.scenario)
        finally:
            if job is not None:
                with self.lock:
                    job.users -= 1
                    self._evict()

    def _run(self, job: _Job, scenario: Scenario, policy: str,
             frontier_point: int | None = None) -> None:
        from herverdeling.app.whatif import resolve_choice
        from herverdeling.pipeline import propose

        def progress(line: str) -> None:
            if self.stopping:
                raise StoppingError
            job.lines.append(progress_nl(line))

        if self.stopping:
            return
        job.state = "running"
        try:
            model, preset = resolve_choice(policy)  # the page's choice (whatif.surplus_choices)
            if frontier_point is not None:  # the frontier's own preset, as Explorer.settings does
                propose(scenario, job.folder, frontier_point=frontier_point, force=True,
                        progress=progress)
            elif model == "deals":
                propose(scenario, job.folder, deals=preset, force=True, progress=progress)
            else:
                propose(scenario, job.folder, surplus_model=model, policy=preset, force=True,
                        progress=progress)
            job.state = "done"
        except StoppingError:
            job.error, job.state = "de verkenner is gestopt", "error"
        except FrontierPointError as exc:
            from herverdeling.app.frontier import frontier_point_nl

            job.error, job.state = frontier_point_nl(exc), "error"
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
        """Stop the worker (a run in progress ends at its next progress line), then remove the
        runs; the folder itself too when it is ours (issue 18, point 11)."""
        self.stopping = True
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.remove_root:
            shutil.rmtree(self.root, ignore_errors=True)


def agreements_zip(folder: Path, scenario: Scenario, province: str | None) -> bytes:
    """The agreements (.docx) of the run, only those touching `province` when it is given.

    Whole or not at all: every proposal that passed the checker (manifest.json) has its agreement
    in the zip, or `DownloadError` says the files are incomplete.
    """
    from herverdeling.checker import read_proposals
    from herverdeling.documents.writers import file_stem

    try:
        proposals = read_proposals(folder / "proposals.json").proposals
        passed = set(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["passed"])
    except (HerverdelingError, OSError, ValueError, KeyError):
        raise DownloadError("de bestanden van deze download zijn er niet meer of onvolledig; "
                            "maak de bestanden opnieuw") from None
    wanted = []
    for p in proposals:
        if p.id not in passed:  # a proposal with a checker error has no agreement (issue 5)
            continue
        codes = [c for t in p.transfers for c in (t.from_code, t.to_code)]
        if province is None or any(scenario.has_municipality(c)
                                   and scenario.municipality(c).province == province for c in codes):
            wanted.append(folder / "agreements" / f"{file_stem(p, scenario)}.docx")
    buf = io.BytesIO()
    try:
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(wanted):
                zf.write(path, f"agreements/{path.name}")
    except OSError:
        raise DownloadError("de zip kon niet volledig worden gemaakt (een overeenkomst ontbreekt); "
                            "maak de bestanden opnieuw") from None
    return buf.getvalue()
