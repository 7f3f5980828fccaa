"""The browse lists: every treaty, issuer, event and topic with its number of statements.

Counts come from the search index's facets over the whole collection (every value,
not the top 100 a search page lists); names and URIs from the
thesauri (treaties, topics) and the store's shared resources (issuers, events). The pages
of the things themselves belong to :mod:`web.things`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from archive import Archive
from web import urls
from web.i18n import N_, term
from web.services import get_archive, get_index

bp = Blueprint("browse", __name__)

#: URL kind → (search facet, heading, one item, what its count means)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "treaties": ("treaty", N_("Treaties and instruments"), "treaty", N_("statements citing it")),
    "issuers": ("issuer", N_("Issuers"), "issuer", N_("statements issued")),
    "events": ("event", N_("Events"), "event", N_("responses")),
    "topics": ("topic", N_("Topics"), "topic", N_("statements")),
}


def thing_href(archive: Archive, uri: Any) -> str | None:
    """The local page of a thing URI (None for a URI outside this archive)."""
    return urls.of(str(uri))


def items_of(archive: Archive, kind: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    """Every thing of ``kind``: label, notation, count, page link and search link."""
    facet = KINDS[kind][0]
    items = []
    if kind in ("treaties", "topics"):
        for concept in archive.thesauri[kind]:
            key = concept.notation if kind == "treaties" else concept.label()
            items.append({"label": concept.label(), "key": key,
                          "notation": concept.notation if kind == "treaties" else None,
                          "uri": concept.uri, "count": counts.get(key, 0)})
    else:
        for uri, name in archive.resources.names(kind):
            items.append({"label": name, "key": name, "notation": None, "uri": uri,
                          "count": counts.get(name, 0)})
    for item in items:
        item["href"] = thing_href(archive, item["uri"])
        item["search"] = url_for("search_views.page", **{facet: item["key"]})
    return items


def facet_counts(facets: dict[str, list[dict[str, Any]]], facet: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in facets.get(facet, [])}


def entry_points(archive: Archive, facets: dict[str, list[dict[str, Any]]], limit: int
                 ) -> dict[str, list[dict[str, Any]]]:
    """The ``limit`` most used things of each kind, for the home page."""
    entries = {}
    for kind, (facet, *_rest) in KINDS.items():
        items = items_of(archive, kind, facet_counts(facets, facet))
        used = sorted((i for i in items if i["count"]), key=lambda i: (-i["count"], i["label"]))
        entries[kind] = used[:limit]
    return entries


@bp.get("/<any(treaties, issuers, events, topics):kind>/")
def listing(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    archive = get_archive()
    facet, heading, singular, meaning = KINDS[kind]
    facets = get_index().facet_counts()
    items = items_of(archive, kind, facet_counts(facets, facet))
    order = "count" if request.args.get("sort") == "count" else "name"
    if order == "count":
        items.sort(key=lambda i: (-i["count"], i["label"].casefold()))
    else:
        items.sort(key=lambda i: i["label"].casefold())
    used = [i for i in items if i["count"]]
    unused = [i for i in items if not i["count"]]
    return render_template("browse.html", kind=kind, heading=term(heading), singular=singular,
                           meaning=term(meaning), used=used, unused=unused, order=order)
