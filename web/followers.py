"""Keeping this process's search index in step with the store's change log.

The index follows each write made in this process (:meth:`archive.Archive.follow`). On a
shared remote store, another web process may have written: before each request the
index makes up whatever the change log gained since (one small SPARQL query when nothing
did), so a search here finds a write made there as soon as it is answered. A long lag
(another host's import) is made up in the background instead, while requests are
answered from the index as it stands (:meth:`search.SearchIndex.keep_up`).

The same check heals a follower that failed: a write stays stored and answered when the
index could not apply it (a full disk, a folder made unwritable); the next request after
:data:`RETRY_SECONDS` applies it from the log (with the embedded store the check is one
comparison of two numbers). A failure here is logged, never the request's: the request
is answered from the index as it stands, and /health reports the lag.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app, request

#: Seconds between attempts after the index failed to catch up (config FOLLOWER_RETRY_SECONDS).
RETRY_SECONDS = 5.0


class _Retry:
    """When the index may next try to catch up, after a failure."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.not_before = 0.0


def init_app(app: Flask) -> None:
    """Keep the index up before each request (and after a follower failed)."""
    app.config.setdefault("FOLLOWER_RETRY_SECONDS", RETRY_SECONDS)
    app.extensions["followers.retry"] = _Retry()
    app.before_request(_keep_up)


def _keep_up() -> None:
    if request.endpoint in ("static", "health.health"):  # /health keeps up on its own
        return
    retry: _Retry = current_app.extensions["followers.retry"]
    if time.monotonic() < retry.not_before:
        return
    try:
        current_app.extensions["index"].keep_up()
    except Exception:  # the store or the index: this request is answered as things stand
        with retry.lock:
            retry.not_before = time.monotonic() + float(
                current_app.config["FOLLOWER_RETRY_SECONDS"])
        current_app.logger.exception("the search index could not catch up with the change "
                                     "log; it tries again on a request after %s s",
                                     current_app.config["FOLLOWER_RETRY_SECONDS"])
