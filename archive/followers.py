"""Followers of the change log: everything kept in step with the store, run in one order.

A follower (the search index, the OAI-PMH harvest log, the caches of derived pages) has a
``name``, the ``sequence`` of the last change it has followed, and a ``follow(sequence)``
step that brings it up to that change, reading the log from where it stands. The
archive's registry (:class:`Followers`, ``Archive.followers``) runs them in the order
they were added: after every write made in this process (:meth:`Followers.notify`), and
before requests (:meth:`Followers.keep_up`, from the web app), so a write another process
made on a shared store reaches them too.

Each follower is isolated. A write is committed before any follower hears of it, so a
follower that raises is logged and skipped (the others still run, and the write stays
stored and answered); its ``sequence`` stays at the last change it followed, so it makes
the rest up from the log at the next write, or on a request once ``retry_seconds`` have
passed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

_log = logging.getLogger(__name__)
#: Seconds before a follower that failed is tried again on a request (a write always tries).
RETRY_SECONDS = 5.0
T = TypeVar("T")


class Follower:
    """One follower of the change log; subclasses give :meth:`follow`."""

    #: How the follower is named in the log, in ``Followers.names()`` and the docs.
    name = "follower"
    #: The last change this follower has followed (0: none yet).
    sequence = 0

    def follow(self, sequence: int) -> None:
        """Take in every change up to ``sequence`` (raise if that failed)."""
        raise NotImplementedError

    def keep_up(self, sequence: int) -> None:
        """:meth:`follow` on a request rather than after a write here (the index makes up
        a long lag in the background instead)."""
        self.follow(sequence)


class Callback(Follower):
    """A function called after each change, for scripts and measurements."""

    def __init__(self, name: str, function: Callable[[], object]) -> None:
        self.name = name
        self.function = function

    def follow(self, sequence: int) -> None:
        self.function()
        self.sequence = sequence


class Derived(Follower, Generic[T]):
    """Values computed from the archive (per key), dropped when the log moves and computed
    again at their next read.

    A value computed while a change arrived is not kept: it may predate the change.
    """

    def __init__(self, name: str, compute: Callable[..., T]) -> None:
        self.name = name
        self.compute = compute
        self._values: dict[Hashable, T] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._computing = threading.Lock()

    def follow(self, sequence: int) -> None:
        with self._lock:
            self._values.clear()
            self._generation += 1
            self.sequence = sequence

    def get(self, *key: Hashable) -> T:
        """The value for ``key`` (the arguments ``compute`` is called with)."""
        with self._lock:
            if key in self._values:
                return self._values[key]
        with self._computing:  # one reader computes it; the others wait and share it
            with self._lock:
                if key in self._values:
                    return self._values[key]
                generation = self._generation
            value = self.compute(*key)
            with self._lock:
                if generation == self._generation:
                    self._values[key] = value
        return value


class Followers:
    """The followers of one archive's change log, run in the order they were added."""

    def __init__(self, retry_seconds: float = RETRY_SECONDS) -> None:
        self.retry_seconds = retry_seconds
        self._followers: list[Follower] = []
        self._not_before: dict[int, float] = {}  # id(follower) → when it may retry
        self._lock = threading.Lock()

    def add(self, follower: Follower) -> Follower:
        """Run ``follower`` after those added before it; it is returned."""
        with self._lock:
            self._followers.append(follower)
        return follower

    def remove(self, follower: Follower) -> None:
        with self._lock:
            self._followers.remove(follower)
            self._not_before.pop(id(follower), None)

    def __iter__(self) -> Iterator[Follower]:
        with self._lock:
            return iter(list(self._followers))

    def names(self) -> list[str]:
        """The followers' names in the order they run."""
        return [follower.name for follower in self]

    def notify(self, sequence: int) -> None:
        """A write here was stored as far as change ``sequence``: every follower takes it in."""
        for follower in self:
            self._run(follower, follower.follow, sequence)

    def keep_up(self, sequence: int) -> None:
        """Before a request: each follower behind change ``sequence`` (another process
        wrote, or it failed earlier and its retry time has come) catches up."""
        now = time.monotonic()
        for follower in self:
            if follower.sequence != sequence and now >= self._not_before.get(id(follower), 0):
                self._run(follower, follower.keep_up, sequence)

    def _run(self, follower: Follower, step: Callable[[int], None], sequence: int) -> None:
        try:
            step(sequence)
        except Exception:  # the write is committed: a follower's trouble is its own
            self._not_before[id(follower)] = time.monotonic() + self.retry_seconds
            _log.exception("a follower of the change log (%s) failed after change %s; the "
                           "write is stored, and the follower makes it up from the log "
                           "(from change %s)", follower.name, sequence, follower.sequence)
        else:
            self._not_before.pop(id(follower), None)
