"""The home and about pages, and the layout helpers every page's base template uses.

Home: search box, collection figures, a timeline of statements per year, newest
statements, and entry points by treaty, issuer, event and topic with their counts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext
from werkzeug.routing import BuildError

from archive.errors import ArchiveError
from web import charts
from web.browse import entry_points
from web.services import get_archive, get_index
from web.signin import current_agent

bp = Blueprint("home", __name__)
ENTRY_POINTS = 6
HOME_TIMELINE_WIDTH = 400  # the side column is about that wide: drawn near its own size


@bp.app_context_processor
def layout_helpers() -> dict[str, Any]:
    return {"path_link": path_link, "signed_in_agent": signed_in_agent}


def path_link(path: str) -> str | None:
    """The URL of the view registered at ``path`` (None while no blueprint serves it)."""
    endpoints = current_app.extensions.get("home.endpoints")
    if endpoints is None:  # the URL map is complete once the app serves requests
        endpoints = {rule.rule: rule.endpoint for rule in current_app.url_map.iter_rules()
                     if not rule.arguments}
        current_app.extensions["home.endpoints"] = endpoints
    if path not in endpoints:
        return None
    try:
        return url_for(endpoints[path])
    except BuildError:
        return None


def signed_in_agent() -> Any:
    """The signed-in principal for the header (None when anonymous or credentials are bad)."""
    try:
        return current_agent()
    except ArchiveError:
        return None


@bp.get("/")
def index() -> str:
    archive = get_archive()
    index = get_index()
    everything = index.search("", {}, sort="-date", page=1, page_size=8)
    facets = index.facet_counts()  # every value: a search's facets list the top 100 only
    years = {int(f["value"]): f["count"] for f in facets.get("year", [])
             if f["value"].isdigit()}
    figures = {name: len(facets.get(name, []))
               for name in ("issuer", "treaty", "event", "topic", "language")}
    return render_template(
        "home.html", newest=everything.results, total=everything.total, figures=figures,
        years=years, first_year=min(years, default=None), last_year=max(years, default=None),
        timeline=charts.timeline(years, gettext("Statements per year"),
                                 width=HOME_TIMELINE_WIDTH),
        entries=entry_points(archive, facets, ENTRY_POINTS))


@bp.get("/about")
def about() -> str:
    return render_template("about.html")
