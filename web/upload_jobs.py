"""The upload jobs of one app: admitted within each archivist's limits, worked on by a few
threads, forgotten by one sweeper.

An archivist may have at most ``UPLOAD_PENDING_MAX`` uploads pending (being checked,
checked and waiting to be stored, or being stored) holding at most ``UPLOAD_PENDING_BYTES``
together, and start at most ``RATELIMIT_UPLOAD`` uploads (``"10 per minute"``); past a
limit the upload is refused (429, or 413 for the bytes) before its file is written. The
checks and saves run on ``UPLOAD_WORKERS`` threads shared by every upload, in turn; one
sweeper thread deletes what is older than :data:`KEEP_SECONDS` (looking every
``UPLOAD_SWEEP_SECONDS``). A finished upload keeps no file (a checked one keeps it until it
is stored or discarded) and at most :data:`PREVIEW_ROWS` summary rows; each archivist's
:data:`KEEP_FINISHED` latest are remembered.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limits import parse as parse_limit

from web.auth import Principal

KEEP_SECONDS = 24 * 3600  # an upload (and a checked upload's file) is kept this long
KEEP_FINISHED = 20  # finished uploads remembered per archivist (the oldest go first)
PREVIEW_ROWS = 200
PENDING = ("checking", "checked", "storing")
RUNNING = ("checking", "storing")
log = logging.getLogger(__name__)


@dataclass
class UploadJob:
    """One uploaded file and where its check or save stands."""

    token: str
    name: str
    path: Path
    agent: Principal
    remote: str | None
    size: int = 0
    max_decompressed: int | None = None
    state: str = "checking"  # checking → checked | refused → storing → stored | failed
    stage: str = "waiting for its turn"
    done: int = 0
    total: int = 0
    count: int = 0  # statements the file adds (``records`` keeps the first PREVIEW_ROWS)
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    created: float = field(default_factory=time.time)
    dayfirst: bool | None = None  # how numeric dates such as 03/04/2018 are read
    new: dict[str, list[str]] = field(default_factory=dict)  # kind → names the file creates
    idle: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int, stage: str) -> None:
        self.done, self.total, self.stage = done, total, stage

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, "stage": self.stage, "done": self.done,
                "total": self.total, "records": self.count,
                "problems": len(self.problems), "message": self.message,
                "running": self.state in RUNNING}


class UploadRefused(Exception):
    """An upload past one of the archivist's limits: ``status`` 429 or 413."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class _Window:
    """A moving-window count per archivist: at most ``amount`` events in ``seconds``."""

    def __init__(self, spec: str) -> None:
        item = parse_limit(spec)
        self.amount, self.seconds = item.amount, item.get_expiry()
        self.spec = spec
        self.events: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float) -> int | None:
        """Count an event; None when within the limit, else the seconds until one frees."""
        events = self.events.setdefault(key, deque())
        while events and events[0] <= now - self.seconds:
            events.popleft()
        if len(events) >= self.amount:
            return max(1, int(events[0] + self.seconds - now + 0.999))
        events.append(now)
        return None

    def forget_idle(self, now: float) -> None:
        for key, events in list(self.events.items()):
            if not events or events[-1] <= now - self.seconds:
                del self.events[key]


class UploadJobs:
    """The upload jobs of one app (kept in ``app.extensions``, not in module state): in
    memory, so the files an earlier process left are removed when this one starts."""

    def __init__(self, folder: Path, config: dict[str, Any]) -> None:
        self.folder = folder
        self.jobs: dict[str, UploadJob] = {}
        self.lock = threading.Lock()
        self.pending_max = int(config["UPLOAD_PENDING_MAX"])
        self.pending_bytes = int(config["UPLOAD_PENDING_BYTES"])
        self.workers = max(1, int(config["UPLOAD_WORKERS"]))
        self.sweep_seconds = float(config["UPLOAD_SWEEP_SECONDS"])
        self.rate = _Window(str(config["RATELIMIT_UPLOAD"]))
        self.rate_enabled = bool(config["RATELIMIT_ENABLED"])
        self._queue: queue.Queue[tuple[UploadJob, Callable[..., None], tuple[Any, ...]]] = \
            queue.Queue()
        self._threads: list[threading.Thread] = []
        for left in folder.glob("*") if folder.is_dir() else ():
            with contextlib.suppress(OSError):  # a read-only data folder keeps them
                left.unlink(missing_ok=True)

    # Admission --------------------------------------------------------------------------

    def add(self, name: str, data: bytes, agent: Principal, remote: str | None,
            max_decompressed: int | None = None, now: float | None = None) -> UploadJob:
        """Keep an uploaded file as a new job, or UploadRefused past the archivist's limits."""
        now = time.time() if now is None else now
        with self.lock:
            self._admit(agent.name, len(data), now)
            self.folder.mkdir(parents=True, exist_ok=True)
            token = secrets.token_urlsafe(18)
            path = self.folder / f"{token}{''.join(Path(name).suffixes[-2:]).lower()}"
            path.write_bytes(data)
            job = UploadJob(token, name, path, agent, remote, size=len(data),
                            max_decompressed=max_decompressed, created=now)
            self.jobs[token] = job
            self._forget_finished(agent.name)
        self._start_threads()
        return job

    def _admit(self, who: str, size: int, now: float) -> None:
        if self.rate_enabled and (wait := self.rate.hit(who, now)) is not None:
            raise UploadRefused(429, f"too many uploads: at most {self.rate.spec} for each "
                                     f"archivist; wait {wait} s and upload again", wait)
        pending = self.pending_of(who)
        if len(pending) >= self.pending_max:
            raise UploadRefused(429, f"you have {len(pending)} uploads pending (being checked, "
                                     "waiting for you to store them, or being stored), the "
                                     f"most an archivist may have ({self.pending_max}); store "
                                     "or discard one of them first")
        held = sum(job.size for job in pending)
        if held + size > self.pending_bytes:
            raise UploadRefused(413, f"this file ({size:,} bytes) and your pending uploads "
                                     f"({held:,} bytes) come to more than an archivist may "
                                     f"have pending ({self.pending_bytes:,} bytes); store or "
                                     "discard a pending upload first")

    def pending_of(self, who: str) -> list[UploadJob]:
        """The archivist's uploads that hold a file: being checked, checked, being stored."""
        return sorted((job for job in self.jobs.values()
                       if job.agent.name == who and job.state in PENDING),
                      key=lambda job: job.created)

    def _forget_finished(self, who: str) -> None:
        finished = sorted((job for job in self.jobs.values()
                           if job.agent.name == who and job.state not in PENDING),
                          key=lambda job: job.created)
        for job in finished[:max(0, len(finished) - KEEP_FINISHED)]:
            del self.jobs[job.token]

    def get(self, token: str) -> UploadJob | None:
        return self.jobs.get(token)

    def discard(self, job: UploadJob) -> bool:
        """Forget a job that is not running, with its file; False when it is running."""
        with self.lock:
            if job.state in RUNNING:
                return False
            job.path.unlink(missing_ok=True)
            self.jobs.pop(job.token, None)
            return True

    # Work -------------------------------------------------------------------------------

    def run(self, job: UploadJob, work: Callable[..., None], *args: Any) -> None:
        """Queue ``work(job, *args)`` for the upload threads (``job.idle`` is set when done)."""
        job.idle.clear()
        self._queue.put((job, work, args))

    def _start_threads(self) -> None:
        with self.lock:
            if self._threads:
                return
            self._threads = [threading.Thread(target=self._work, daemon=True,
                                              name=f"upload-worker-{n}")
                             for n in range(self.workers)]
            self._threads.append(threading.Thread(target=self._sweep, daemon=True,
                                                  name="upload-sweeper"))
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while True:
            job, work, args = self._queue.get()
            try:
                work(job, *args)
            except Exception:  # the job must end, or it would count as pending for a day
                log.exception("upload %s (%s) failed", job.token[:6], job.name)
                job.message = ("the server failed while working on this file (the server "
                               "log has the details)")
                job.state = "failed"
            finally:
                if job.state not in PENDING:
                    job.path.unlink(missing_ok=True)  # a finished upload needs no file
                del job.records[PREVIEW_ROWS:]
                job.idle.set()

    def _sweep(self) -> None:
        while True:
            time.sleep(self.sweep_seconds)
            try:
                self.drop_expired()
            except Exception:  # the sweeper must live on
                log.exception("sweeping expired uploads failed")

    def drop_expired(self, now: float | None = None) -> None:
        """Forget uploads older than :data:`KEEP_SECONDS` that are not running, with their
        files, and the rate-limit counts of archivists who have not uploaded lately."""
        now = time.time() if now is None else now
        with self.lock:
            for token, job in list(self.jobs.items()):
                if job.created < now - KEEP_SECONDS and job.state not in RUNNING:
                    job.path.unlink(missing_ok=True)
                    del self.jobs[token]
            self.rate.forget_idle(now)
