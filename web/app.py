"""The Flask application factory: defaults, then the environment, then test overrides.

The process settings (archive/settings.py) and the web app's (web/settings.py: its limits
and names, each a Flask config key and ``RIGHTS_ARCHIVE_<KEY>``) are read once here.

The app opens the archive (the store) and the search index once; the index follows the
store's change log, catching up at start and after every write.
"""

from __future__ import annotations

import atexit
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from archive import Archive, ArchiveError, BadInput
from archive.settings import base_uri, settings
from search import SearchIndex
from web import (
    api,
    browse,
    date_filters,
    dumps,
    edit,
    feeds,
    followers,
    health,
    home,
    i18n,
    memento,
    oai,
    oai_log,
    oai_records,
    page_cache,
    reconcile,
    resourcesync,
    search_feed,
    search_views,
    security,
    services,
    signin,
    sparql,
    things,
    uploads,
    void,
)
from web.request_body import Request
from web.settings import WebSettings


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app over the archive in ``DATA_DIR`` (default: $RIGHTS_ARCHIVE_DATA or ./data)."""
    current = settings()  # the process's environment, read once here
    app = Flask(__name__)
    app.request_class = Request  # a chunked body past MAX_CONTENT_LENGTH is 413, not cut short
    app.config.update(WebSettings.from_environ().config())
    app.config["MAX_DECOMPRESSED"] = current.max_decompressed  # bytes a .gz upload may unpack to
    app.config.update(overrides or {})
    app.json.sort_keys = False  # keep the contract's key order: total, results, facets …
    folder = Path(app.config.get("DATA_DIR") or current.data)
    app.config["DATA_DIR"] = folder
    explicit_base = base_uri(current.base_uri) if current.base_uri else None
    archive = app.config.get("ARCHIVE") or Archive(folder, app.config.get("BASE_URI") or
                                                   explicit_base)
    # Not made up here when far behind (a rebuild after a schema change, a new host on a
    # shared engine): the server would answer nothing for minutes.
    index = app.config.get("INDEX") or SearchIndex(folder / "index", archive,
                                                   catch_up_at_start=False)
    index.time_budget = float(app.config["SEARCH_TIME_BUDGET"]) or None
    index.keep_up()
    services.install(app, archive, index)
    if not app.config.get("ARCHIVE"):
        atexit.register(archive.close)
    _register_blueprints(app)
    followers.register(app, FOLLOWERS)
    _register_errors(app)
    return app


#: What the app is made of, in order: each module's ``init_app(app)`` runs (its request
#: hooks, its followers) and its blueprint ``bp`` is registered. The page cache comes first
#: (a page served from memory skips the other hooks), then the interface language (its
#: catalogues; ``Vary`` and the cookie), the security headers and CSRF check before any
#: view, the followers before the views that read what they keep up. A new route: a module
#: with a ``bp``, added here.
PARTS: tuple[ModuleType, ...] = (
    page_cache, date_filters, i18n, home, security, signin, api, followers,
    things, memento, oai, void, dumps, feeds, resourcesync, health, sparql,
    search_views, search_feed, browse, edit, uploads, reconcile,
)


#: The app's followers of the change log, in the order they run after the search index
#: (each module's ``follower(app)``): the harvest log before the sitemap that reads it,
#: the page cache last, since a cached page may show what any of the others keep.
FOLLOWERS: tuple[ModuleType, ...] = (oai_log, oai_records, void, feeds, reconcile, dumps,
                                     page_cache)


def _register_blueprints(app: Flask) -> None:
    for part in PARTS:
        if hasattr(part, "init_app"):
            part.init_app(app)
        if hasattr(part, "bp"):
            app.register_blueprint(part.bp)


def wants_json() -> bool:
    """Whether the client asked for JSON rather than a page (API paths always get JSON)."""
    if request.path.startswith("/api/"):
        return True
    if request.path.startswith("/reconcile") and not request.path.startswith("/reconcile/preview"):
        return True  # the reconciliation service speaks JSON, errors too
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ArchiveError)
    def archive_error(error: ArchiveError) -> Any:
        status = getattr(error, "status", 500)
        body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
        if isinstance(error, BadInput):
            body["message"] = str(error).split("\n", 1)[0]
            body["problems"] = [p.as_dict() for p in error.problems]
        if wants_json():
            return jsonify(body), status
        g.error = body
        return render_template("error.html", status=status, error=body), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        body = {"error": error.name, "message": error.description}
        if wants_json():
            response = jsonify(body)
        else:
            response = app.make_response(
                render_template("error.html", status=error.code, error=body))
        response.status_code = error.code or 500
        for key, value in (error.get_headers() or []):
            if key.lower() not in ("content-type", "content-length"):
                response.headers[key] = value
        return response
