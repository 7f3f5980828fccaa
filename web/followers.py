"""Keeping this process's search index in step with a store that other processes write.

With the embedded store only this process writes, and the index follows each write. On a
shared remote store, another web process may have written: before each request the
index makes up whatever the change log gained since (one small SPARQL query when nothing
did), so a search here finds a write made there as soon as it is answered. A long lag
(another host's import) is made up in the background instead, while requests are
answered from the index as it stands (:meth:`search.SearchIndex.keep_up`).
"""

from __future__ import annotations

from flask import Flask, current_app, request


def init_app(app: Flask) -> None:
    """Keep the index up before each request when the store is shared."""
    if getattr(app.extensions["archive"].store, "shared", False):
        app.before_request(_keep_up)


def _keep_up() -> None:
    if request.endpoint not in ("static", "health.health"):  # /health keeps up on its own
        current_app.extensions["index"].keep_up()
