"""A small pool of long-lived query workers, each killed and replaced when it overruns.

pyoxigraph has no timeout or cancel, and sorts and aggregates finish before the first
row, so the only limit that truly stops the work is ending the process doing it. The
parent thread waits on the worker's pipe (``select``, GIL released); on the deadline it
sends SIGKILL, spawns a replacement and answers at once. A new worker's start-up (until
its first message) is not counted against the query's time. A worker that dies (its memory
limit reached: Oxigraph aborts on a failed allocation) or runs out of memory is replaced
too. A request waits at most ``wait`` seconds for a free worker, and takes the one freed
last: one client's queries in turn reach the same worker, whose parses and caches are warm.
"""

from __future__ import annotations

import io
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from archive import Archive
from web.sparql_engine.channel import READY, read_message, write_message

STARTUP = 60.0  # seconds a new worker may take to import what it needs


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


class WorkersBusy(Exception):
    """Every worker stayed busy for as long as a request may wait."""


class WorkerCrashed(Exception):
    """The worker process died while answering (``memory``: it ran out of memory)."""

    def __init__(self, message: str, *, memory: bool = False) -> None:
        super().__init__(message)
        self.memory = memory


Lookup = Callable[[list[str]], list[list[str]]]  # ra:matches texts → statement URIs each


class Worker:
    """One child process evaluating queries (see :mod:`web.sparql_engine.worker`), its
    address space limited to ``memory`` MB (0: unlimited), reaching the network at
    ``engine_port`` only, or (None) not at all."""

    def __init__(self, memory: int = 0, engine_port: int | None = None) -> None:
        command = [sys.executable, "-m", "web.sparql_engine.worker", "--memory", str(memory)]
        if engine_port is not None:
            command += ["--engine-port", str(engine_port)]
        # One malloc arena per thread reserves 64 MB of address space each: keep few, so the
        # address-space limit measures what a query really uses.
        environment = {**os.environ, "MALLOC_ARENA_MAX": "2", "RUST_BACKTRACE": "0"}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0, env=environment)
        self.version: object = None
        self.ready = False
        self.guard = "unknown"  # how the worker keeps off the network (its first message)
        self.answered = 0  # requests it has answered

    def wait_ready(self, timeout: float = STARTUP) -> float:
        """Wait for the worker's first message (its imports done); the seconds waited."""
        if self.ready:
            return 0.0
        started = time.monotonic()
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        first = read_message(_Exact(stdout)) if ready else None
        if not isinstance(first, tuple) or first[0] != READY:
            raise WorkerCrashed("the query worker did not start")
        self.ready, self.guard = True, first[1]
        return time.monotonic() - started

    def call(self, request: dict[str, Any], timeout: float,
             lookup: Lookup | None = None) -> dict[str, Any]:
        """The worker's reply to ``request``, its ``ra:matches`` questions answered by
        ``lookup`` on the way, all within ``timeout`` seconds."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        deadline = time.monotonic() + timeout
        message: dict[str, Any] = request
        while True:
            try:
                write_message(stdin, message)
            except (BrokenPipeError, OSError):
                raise self._died("the query worker had stopped") from None
            ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise QueryTimeout
            reply = read_message(_Exact(stdout))
            if reply is None:
                raise self._died("the query worker stopped while answering")
            if "lookup" not in reply:
                break
            message = {"found": (lookup or _nothing)(reply["lookup"])}
        self.version = request["version"]
        return reply

    def _died(self, message: str) -> WorkerCrashed:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        # Rust aborts (SIGABRT) when an allocation fails under the address-space limit.
        return WorkerCrashed(message, memory=code == -signal.SIGABRT)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def _nothing(texts: list[str]) -> list[list[str]]:
    return [[] for _ in texts]


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
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()  # the warmest first
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

    def run(self, request: dict[str, Any], timeout: float, wait: float | None = None,
            lookup: Lookup | None = None) -> dict[str, Any]:
        """Evaluate ``request`` in a worker free within ``wait`` seconds (default: the
        time limit), within ``timeout`` seconds; ``lookup`` answers ra:matches."""
        self._start()
        self.source.foreign_graphs()  # an engine's own graphs, asked before the clock starts
        try:
            worker = self._idle.get(timeout=timeout if wait is None else wait)
        except queue.Empty:
            raise WorkersBusy from None
        deadline = time.monotonic() + timeout
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
            reply = worker.call(request, max(0.0, deadline - time.monotonic()), lookup)
        except (QueryTimeout, WorkerCrashed):
            self._replace(worker)
            raise
        if reply.get("error") == "memory":  # a MemoryError in Python: start afresh
            self._replace(worker)
            raise WorkerCrashed("the query worker ran out of memory", memory=True)
        worker.answered += 1
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
