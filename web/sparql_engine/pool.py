"""A small pool of long-lived query workers, each killed and replaced when it overruns.

pyoxigraph has no timeout or cancel, and sorts and aggregates finish before the first
row, so the only limit that truly stops the work is ending the process doing it. The
parent thread waits on the worker's pipe (``select``, GIL released); on the deadline it
sends SIGKILL, spawns a replacement and answers at once. A new worker's start-up (until
its first message) is not counted against the query's time.
"""

from __future__ import annotations

import io
import queue
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from archive import Archive
from web.sparql_engine.worker import READY, read_message, write_message

STARTUP = 60.0  # seconds a new worker may take to import what it needs


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


class WorkersBusy(Exception):
    """Every worker stayed busy for the whole time limit."""


class WorkerCrashed(Exception):
    """The worker process died while answering."""


class Worker:
    """One child process evaluating queries (see :mod:`web.sparql_engine.worker`)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "web.sparql_engine.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.version: object = None
        self.ready = False

    def wait_ready(self, timeout: float = STARTUP) -> float:
        """Wait for the worker's first message (its imports done); the seconds waited."""
        if self.ready:
            return 0.0
        started = time.monotonic()
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready or read_message(_Exact(stdout)) != READY:
            raise WorkerCrashed("the query worker did not start")
        self.ready = True
        return time.monotonic() - started

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            write_message(stdin, request)
        except (BrokenPipeError, OSError):
            raise WorkerCrashed("the query worker had stopped") from None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            raise QueryTimeout
        reply = read_message(_Exact(stdout))
        if reply is None:
            raise WorkerCrashed("the query worker stopped while answering")
        self.version = request["version"]
        return reply

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class _Exact:
    """Reads exactly the bytes asked for from the unbuffered pipe (short only at EOF)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def read(self, size: int) -> bytes:
        chunks, wanted = [], size
        while wanted:
            chunk = self.stream.read(wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)


class Source:
    """Where workers find the archive's data, at the archive's current sequence."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._snapshot: tuple[int, bytes] | None = None
        self._lock = threading.Lock()

    def version(self) -> int:
        if self.archive.store.shared:
            return 0  # a SPARQL engine answers at its present: nothing to reopen
        return self.archive.last_sequence()

    def foreign_graphs(self) -> list[str]:
        """For an archive on Virtuoso, the graphs its queries must exclude: listed here
        once for every worker (and before a query's time starts), else []."""
        store: Any = self.archive.store
        if not store.shared:
            return []
        store.engine()
        return store.foreign_graphs() if store.scope.virtuoso else []

    def describe(self, version: int, worker_version: object) -> dict[str, Any]:
        """The ``source`` of a request: the SPARQL engine, the store folder, or an N-Quads
        snapshot."""
        store: Any = self.archive.store
        if store.shared:
            return {"remote": {"url": store.url, "prefix": self.archive.base,
                               "foreign": self.foreign_graphs()}}
        if self.archive.data_dir is not None:
            return {"path": str(self.archive.data_dir / "store")}
        if worker_version == version:
            return {}
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != version:
                buffer = io.BytesIO()
                self.archive.store.dump(buffer, ox.RdfFormat.N_QUADS)
                self._snapshot = (version, buffer.getvalue())
            return {"nquads": self._snapshot[1]}


class WorkerPool:
    """``size`` workers started on first use; :meth:`run` answers one request."""

    def __init__(self, source: Source, size: int = 2,
                 spawn: Callable[[], Worker] = Worker) -> None:
        self.source, self.size, self._spawn = source, size, spawn
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._started = False

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self.size):
                    self._add()
                self._started = True

    def _add(self) -> None:
        worker = self._spawn()
        self._all.add(worker)
        self._idle.put(worker)

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Evaluate ``request`` in a free worker within ``timeout`` seconds."""
        self._start()
        self.source.foreign_graphs()  # an engine's own graphs, asked before the clock starts
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise WorkersBusy from None
        try:  # a new worker's start-up is not the query's time
            deadline += worker.wait_ready()
        except WorkerCrashed:
            self._replace(worker)
            raise
        version = self.source.version()
        request = {**request, "version": version,
                   "source": self.source.describe(version, worker.version),
                   "time_left": max(0.0, deadline - time.monotonic())}
        try:
            reply = worker.call(request, max(0.0, deadline - time.monotonic()))
        except (QueryTimeout, WorkerCrashed):
            self._replace(worker)
            raise
        self._idle.put(worker)
        return reply

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self._add()

    def close(self) -> None:
        """Stop every worker (at app shutdown and in tests)."""
        with self._lock:
            for worker in list(self._all):
                worker.kill()
            self._all.clear()
            self._started = False
            self._idle = queue.Queue()
