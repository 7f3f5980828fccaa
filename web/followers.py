"""Keeping this process's search index in step with a store that other processes write.

With the embedded store only this process writes, and the index follows each write. On a
shared remote store, another web process may have written: before each request the
index applies whatever the change log gained since (one small SPARQL query when nothing
did), so a search here finds a write made there as soon as it is answered.
"""

from __future__ import annotations

from flask import Flask, current_app, request


def init_app(app: Flask) -> None:
    """Catch the index up before each request when the store is shared."""
    if getattr(app.extensions["archive"].store, "shared", False):
        app.before_request(_catch_up)


def _catch_up() -> None:
    if request.endpoint == "static":
        return
    current_app.extensions["index"].catch_up()
