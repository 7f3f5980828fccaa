"""The app's services, fetched by the views: the archive, the search index, the accounts,
and the app's followers of the change log by name.

``create_app`` opens them once and ``install`` hangs them on the app; a view asks for them
with ``get_archive()``, ``get_index()`` or ``get_auth()`` (Flask's ``db.py`` pattern), so no
blueprint imports the app factory. A view reads records through ``get_reads()``, the
archive's read model for whoever asks: the one place a viewer is to be given.
"""

from __future__ import annotations

from flask import Flask, current_app

from archive import Archive
from archive.followers import Follower
from archive.reads import Reads
from search import SearchIndex
from web.auth import AuthStore


def install(app: Flask, archive: Archive, index: SearchIndex) -> None:
    """Hang the app's services on it (the accounts live beside the store in DATA_DIR)."""
    app.extensions["archive"] = archive
    app.extensions["index"] = index
    app.extensions.setdefault("auth", AuthStore(app.config["DATA_DIR"] / "auth.sqlite3"))


def get_archive() -> Archive:
    """The archive of the current app."""
    return current_app.extensions["archive"]


def get_reads() -> Reads:
    """What the current request may read of the archive (today: every record)."""
    return get_archive().read


def get_index() -> SearchIndex:
    """The search index of the current app."""
    return current_app.extensions["index"]


def get_auth() -> AuthStore:
    """The accounts, tokens and audit log of the current app."""
    return current_app.extensions["auth"]


def get_follower(name: str) -> Follower:
    """The current app's follower of the change log named ``name`` (see web/followers.py)."""
    return current_app.extensions["followers"][name]
