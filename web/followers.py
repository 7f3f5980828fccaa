"""Keeping this process's search index in step with a store that other processes write.

With the embedded store only this process writes, and the index follows each write. On a
shared remote store, another web process may have written: before each request the
index applies whatever the change log gained since (one small SPARQL query when nothing
did), so a search here finds a write made there as soon as it is answered.

A long lag (another host imported a batch) is not made up inside a request: that would
hold every request of this process for as long as the catch-up takes (about 27 ms per
record on Virtuoso). It runs in a background thread instead, committing every
:data:`CHUNK` changes, while requests are answered from the index as it stands.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, request

from search import SearchIndex

#: A request waits for a lag of at most this many changes (another host's edit, say).
INLINE = 50
#: The background catch-up commits (and shows its work) after this many changes.
CHUNK = 500


class Follower:
    """Brings one index up to date with a shared store, never stalling a request long."""

    def __init__(self, index: SearchIndex, logger: logging.Logger) -> None:
        self.index, self.logger = index, logger
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether a background catch-up is under way."""
        return self._thread is not None and self._thread.is_alive()

    def before_request(self) -> None:
        if request.endpoint in ("static", "health.health") or self.running:
            return  # a long catch-up is under way: answer from the index as it stands
        self.follow(self.index.archive.last_sequence() - self.index.sequence)

    def follow(self, behind: int) -> None:
        """Make up a lag of ``behind`` changes: now if it is short, else in the background
        (``/health`` calls this too, so a host its balancer stopped asking still catches
        up)."""
        if 0 < behind <= INLINE:
            self.index.catch_up()
        elif behind > INLINE:
            self._start()

    def _start(self) -> None:
        with self._starting:
            if not self.running:
                self._thread = threading.Thread(target=self._catch_up, daemon=True,
                                                name="index-catch-up")
                self._thread.start()

    def _catch_up(self) -> None:
        try:
            while self.index.catch_up(limit=CHUNK):
                pass
        except Exception:  # the next request starts another; the log says why
            self.logger.exception("the search index could not catch up with the store")


def init_app(app: Flask) -> None:
    """Catch the index up before each request when the store is shared."""
    if getattr(app.extensions["archive"].store, "shared", False):
        follower = Follower(app.extensions["index"], app.logger)
        app.extensions["follower"] = follower
        app.before_request(follower.before_request)
