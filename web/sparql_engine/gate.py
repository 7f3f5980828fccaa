"""One client, one query at a time: so that two slow queries cannot hold every worker.

A request waits a short while for its client's earlier query to finish, then is refused
(503 with Retry-After). A client is its bearer token or signed-in account when it has
one, else its address. The count is kept per server process, as the worker pool is.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class ClientBusy(Exception):
    """The client's earlier queries were still running after the wait."""


class ClientGate:
    """Queries in flight per client, at most ``per_client`` each."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running: Counter[str] = Counter()

    @contextmanager
    def admit(self, client: str, per_client: int, wait: float) -> Iterator[None]:
        """Hold one of the client's places while the block runs; wait for one at most
        ``wait`` seconds, else raise :class:`ClientBusy`."""
        deadline = time.monotonic() + wait
        with self._changed:
            while self._running[client] >= per_client:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ClientBusy
                self._changed.wait(left)
            self._running[client] += 1
        try:
            yield
        finally:
            with self._changed:
                self._running[client] -= 1
                if self._running[client] <= 0:
                    del self._running[client]
                self._changed.notify_all()

    def running(self, client: str) -> int:
        with self._changed:
            return self._running[client]
