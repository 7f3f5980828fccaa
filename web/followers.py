"""The web app's followers of the change log: registered in one order, kept up per request.

After the search index (which follows the archive from the moment it opens), the app adds
the followers its parts keep, in the order :data:`web.app.FOLLOWERS` names them: the
OAI-PMH harvest log, the resource descriptions OAI-PMH pages reuse, the VoID description,
the sitemap, the dumps and, last, the page cache (every cached page may read what the
others keep). Each module gives ``follower(app)``; views fetch it with
``web.services.get_follower(name)``.

On a shared remote store another web process may have written: before each request every
follower behind the change log catches up (one small SPARQL query when nothing changed;
with the embedded store one comparison of two numbers per follower), so a search here finds
a write made there as soon as it is answered. A long lag (another host's import) is made
up by the index in the background instead (:meth:`search.SearchIndex.keep_up`).

The same step heals a follower that failed: a write stays stored and answered when, say,
the index could not apply it (a full disk, a folder made unwritable); the next request
after ``FOLLOWER_RETRY_SECONDS`` makes it up from the log (:mod:`archive.followers`). A
failure here is logged, never the request's: the request is answered from what the
followers hold, and /health reports the index's lag.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from types import ModuleType

from flask import Flask, current_app, request

from archive.followers import Follower


class _Retry:
    """When the change log's end may next be read, after the store did not answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.not_before = 0.0


def init_app(app: Flask) -> None:
    """Keep the followers up before each request (and after one of them failed)."""
    app.extensions["archive"].followers.retry_seconds = float(
        app.config["FOLLOWER_RETRY_SECONDS"])
    app.extensions["followers.retry"] = _Retry()
    app.extensions.setdefault("followers", {})
    app.before_request(_keep_up)


def register(app: Flask, parts: Iterable[ModuleType]) -> list[Follower]:
    """Add each part's ``follower(app)`` to the archive's followers, in this order."""
    added = []
    for part in parts:
        follower: Follower | None = part.follower(app)
        if follower is not None:
            app.extensions["archive"].followers.add(follower)
            app.extensions["followers"][follower.name] = follower
            added.append(follower)
    return added


def _keep_up() -> None:
    if request.endpoint in ("static", "health.health"):  # /health keeps up on its own
        return
    retry: _Retry = current_app.extensions["followers.retry"]
    if time.monotonic() < retry.not_before:
        return
    archive = current_app.extensions["archive"]
    try:
        sequence = archive.last_sequence()
    except Exception:  # the store: this request is answered as things stand
        seconds = float(current_app.config["FOLLOWER_RETRY_SECONDS"])
        with retry.lock:
            retry.not_before = time.monotonic() + seconds
        current_app.logger.exception("the change log's end could not be read; the followers "
                                     "try again on a request after %s s", seconds)
        return
    archive.followers.keep_up(sequence)
