"""``/search.atom``: any search as an Atom feed (RFC 4287), paged as RFC 5005 §3 describes.

The feed takes every ``/search`` parameter (words, facets, dates, sort, page, page_size) and
answers the same results as the search page, newest statement first unless a ``sort`` is
given. Each page links to the first, last, previous and next pages; entries are written
by :mod:`web.feeds`, which reads each statement as the recent-changes feed does.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, url_for

from search.api import search_json
from web.feeds import add, add_entries, feed_root, last_change, xml_response
from web.oai import harvest_log
from web.search_views import Args, query_args
from web.services import get_archive, get_index

bp = Blueprint("search_feed", __name__)

ATOM = "application/atom+xml"
DEFAULT_SORT = "-date"


def feed_id(base: str, args: Args) -> str:
    """The feed's stable id: the archive's base, the path and the query without its page."""
    pairs = sorted((k, v) for k, values in args.items() if k != "page" for v in values)
    return f"{base}search.atom" + (f"?{urlencode(pairs)}" if pairs else "")


@bp.get("/search.atom")
def feed() -> Response:
    """One page of a search's results as Atom (bad parameters: 422 from the app's handler)."""
    args = query_args()
    wanted = {**args, "sort": args.get("sort") or [DEFAULT_SORT]}
    data = search_json(get_index(), wanted)
    archive, log = get_archive(), harvest_log()
    paged = {k: v for k, v in wanted.items() if k != "page"}
    query = " ".join(args.get("q", []))

    def page_link(number: int) -> str:
        return url_for("search_feed.feed", **paged, **({"page": number} if number > 1 else {}),
                       _external=True)

    root = feed_root(feed_id(archive.base, wanted),
                     f"search for “{query}”" if query else "search", last_change(log),
                     page_link(data["page"]),
                     url_for("search_views.page", **args, _external=True))
    pages, number = max(data["pages"], 1), data["page"]
    add(root, "link", rel="first", href=page_link(1), type=ATOM)
    add(root, "link", rel="last", href=page_link(pages), type=ATOM)
    if number > 1:
        add(root, "link", rel="previous", href=page_link(min(number - 1, pages)), type=ATOM)
    if number < pages:
        add(root, "link", rel="next", href=page_link(number + 1), type=ATOM)
    add_entries(root, archive, log, [hit["id"] for hit in data["results"]])
    return xml_response(root, ATOM)
