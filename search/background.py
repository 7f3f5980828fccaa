"""Making up a long lag of the search index in a background thread, a chunk per commit.

A server must not wait inside a request, nor at start-up, for thousands of changes (a
schema change rebuilding the index, another host's import): it would answer nothing until
done (a rebuild takes about a minute per 10,000 statements here, docs/benchmarks.md), and
every request would queue behind the index's lock. The thread applies :data:`CHUNK`
changes per commit until the index is in step, while searches use the index as it
stands. A write made here meanwhile is left to the thread
(:meth:`BackgroundCatchUp.absorb`), which goes round once more before it stops.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.indexer import SearchIndex

#: A lag of at most this many changes is made up at once (another host's edit, say).
INLINE = 50
#: Changes applied per commit by the background thread (each commit shows its work).
CHUNK = 500
log = logging.getLogger(__name__)


class BackgroundCatchUp:
    """One index's background catch-up: at most one thread at a time."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._running = False
        self._again = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Start the thread unless one runs (then it goes round once more)."""
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._run, daemon=True, name="index-catch-up").start()

    def absorb(self) -> bool:
        """If the thread runs, leave the newest changes to it (True); else False."""
        with self._lock:
            if self._running:
                self._again = True
            return self._running

    def _run(self) -> None:
        try:
            while True:
                applied = self.index.catch_up(limit=CHUNK)
                with self._lock:
                    if not applied and not self._again:
                        self._running = False
                        return
                    self._again = False
        except Exception:  # the next request or write starts another; the log says why
            log.exception("the search index could not catch up with the store")
            with self._lock:
                self._running = False
