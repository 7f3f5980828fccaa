"""A time budget for one search, so that no query holds the index for long.

Searches take turns on the index (one at a time per process), so one costly query makes
every other search wait. :func:`run_search <search.searching.run_search>` opens a budget
(``SearchIndex.time_budget`` seconds, from ``SEARCH_TIME_BUDGET``); the parser's pattern
expansions, the evaluation loops of :mod:`search.engine.matches` and
:mod:`search.engine.scoring` and the snippets call :func:`check`, which raises
:class:`SearchTooLong` once it is spent. A budget is per thread; without one,
:func:`check` does nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from archive.errors import ArchiveError

#: Seconds a search may take before it is stopped (``SEARCH_TIME_BUDGET``).
DEFAULT_SECONDS = 5.0

_local = threading.local()


class SearchTooLong(ArchiveError):
    """The search ran out of its time budget (HTTP 503, like a SPARQL timeout)."""

    status = 503


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Let the searching done inside take at most ``seconds`` (None: no limit)."""
    previous = getattr(_local, "deadline", None), getattr(_local, "seconds", None)
    _local.deadline = None if seconds is None else time.monotonic() + seconds
    _local.seconds = seconds
    try:
        yield
    finally:
        _local.deadline, _local.seconds = previous


def check() -> None:
    """Raise :class:`SearchTooLong` if this thread's budget is spent."""
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise SearchTooLong(f"the search took longer than its {_local.seconds:g} s budget and "
                            "was stopped; use fewer wildcards and more specific words")
