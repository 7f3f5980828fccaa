"""The home page: search box, collection figures, newest statements."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.app import get_archive, get_index

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    archive = get_archive()
    results = get_index().search("", {}, sort="-date", page=1, page_size=10)
    return render_template("home.html", results=results, last_sequence=archive.last_sequence())
