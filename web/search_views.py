"""The search page, its JSON twin and its CSV and citation downloads.

``/search`` (HTML), ``/api/search`` (the contract JSON from :func:`search.api.search_json`),
``/search.csv`` and ``/search.ris``, ``.bib`` and ``.csl`` (every result's citation, from
:mod:`web.citations`) answer the same query-string arguments; facet links add or remove
one parameter and keep the rest, so every search is a URL that can be shared.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from markupsafe import Markup, escape

from archive import BadInput
from search.api import PARAMETERS, search_json
from search.schema import FACETS
from search.searching import MAX_PAGE_SIZE
from web import citations
from web.conneg import CITATION_FORMATS
from web.i18n import N_, explicit_language, language_name, term
from web.services import get_index, get_reads
from web.spreadsheet import safe_cell

bp = Blueprint("search_views", __name__)

#: Facet titles and sort names, translated where they are shown (web/i18n.py).
FACET_NAMES = {"issuer": N_("Issuer"), "type": N_("Type"), "treaty": N_("Treaty"),
               "event": N_("Event"), "topic": N_("Topic"), "language": N_("Language"),
               "year": N_("Year")}
SORT_NAMES = {"relevance": N_("Relevance"), "-date": N_("Newest first"),
              "date": N_("Oldest first")}
FACET_SHOWN = 8
CSV_MAX_PAGES = 100
CSV_COLUMNS = ("id", "uri", "title", "issuer", "date", "date_display", "type", "language",
               "treaties", "topics", "events")
#: Lists in one CSV cell are joined as the archive's own CSV import reads them.
CSV_LIST_SEPARATOR = "|"
_MARK = re.compile(r"</?mark>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")

Args = dict[str, list[str]]


def query_args() -> Args:
    """The request's known search parameters (lists, empty values dropped)."""
    args = request.args.to_dict(flat=False)
    return {k: [v for v in values if v.strip()] for k, values in args.items()
            if k in PARAMETERS and any(v.strip() for v in values)}


@lru_cache(maxsize=8192)
def _pair(name: str, value: str) -> str:
    """One ``name=value`` of a query string, encoded as ``urlencode`` does (facet values
    recur on every page, so each is encoded once)."""
    return f"{quote_plus(name)}={quote_plus(value)}"


def link(args: Args, **changes: list[str] | None) -> str:
    """The search URL for ``args`` with some parameters replaced (None: removed).

    Built by hand from the page's path (looked up once per request): a page has a link
    per facet value, and ``url_for`` and ``urlencode`` for each were most of its time.
    """
    merged = {**args, **changes}
    query = "&".join([_pair(k, v) for k, values in merged.items() if values for v in values])
    path = g.get("search_path")
    if path is None:
        path = g.search_path = url_for("search_views.page")
    return f"{path}?{query}" if query else path


def toggle(args: Args, name: str, value: str) -> str:
    """Add ``value`` to facet ``name``, or remove it if present; back to page 1."""
    current = args.get(name, [])
    values = [v for v in current if v != value] if value in current else [*current, value]
    return link(args, **{name: values or None, "page": None})


def toggler(args: Args, name: str) -> Callable[[str], str]:
    """:func:`toggle` for many values of one facet: when the facet has no value chosen yet,
    every link is the same prefix plus ``name=value`` (what ``toggle`` would build)."""
    if args.get(name):
        return lambda value: toggle(args, name, value)
    rest = link(args, page=None)
    prefix = rest + ("&" if "?" in rest else "?")
    return lambda value: prefix + _pair(name, value)


def safe_snippet(snippet: str) -> Markup:
    """The search package's snippet as HTML, only if all it holds is escaped text and <mark>.

    Anything else (a stray tag, an unescaped ``&``) means the snippet was not made the way
    :mod:`search.snippets` promises, so it is shown as plain text instead.
    """
    rest = _MARK.sub("", snippet)
    opens, closes = snippet.count("<mark>"), snippet.count("</mark>")
    if "<" in rest or ">" in rest or opens != closes or \
            rest.count("&") != len(_ENTITY.findall(rest)):
        return escape(_MARK.sub("", snippet))
    return Markup(snippet)


def sort_names() -> dict[str, str]:
    return {key: term(name) for key, name in SORT_NAMES.items()}


def facet_view(args: Args, name: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """One facet's entries with labels, counts and add/remove links; chosen ones first."""
    chosen = args.get(name, [])
    if name == "year":
        values = sorted(values, key=lambda v: v["value"], reverse=True)
    href = toggler(args, name)
    entries = [{"value": v["value"], "label": display_value(name, v["value"]),
                "count": v["count"], "chosen": v["value"] in chosen,
                "href": href(v["value"])} for v in values]
    entries.sort(key=lambda e: not e["chosen"])
    shown = max(FACET_SHOWN, sum(e["chosen"] for e in entries))
    return {"name": name, "title": term(FACET_NAMES[name]), "shown": entries[:shown],
            "more": entries[shown:], "chosen": bool(chosen)}


def display_value(name: str, value: str) -> str:
    if name == "language":
        return language_name(value)
    return value


def active_filters(args: Args) -> list[dict[str, str]]:
    """Every chosen facet value and date bound, each with a link that removes it."""
    active = [{"name": term(FACET_NAMES[name]), "label": display_value(name, value),
               "href": toggle(args, name, value)}
              for name in FACETS for value in args.get(name, [])]
    for name, title in (("from", N_("From")), ("to", N_("To"))):
        if args.get(name):
            active.append({"name": term(title), "label": args[name][-1],
                           "href": link(args, **{name: None, "page": None})})
    return active


def pagination(args: Args, page: int, pages: int) -> list[dict[str, Any]]:
    """Page links around the current one, with gaps marked by ``None`` hrefs."""
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"label": "…", "href": None, "current": False})
        items.append({"label": str(number), "current": number == page,
                      "href": link(args, page=[str(number)] if number > 1 else None)})
        previous = number
    return items


@bp.get("/search")
def page() -> tuple[str, int] | str:
    args = query_args()
    # The interface language the reader chose names the query's language too (its
    # statements come first), unless the address names one; the links keep the address's.
    chosen = explicit_language()
    asked = args if args.get("lang") or chosen is None else {**args, "lang": [chosen]}
    try:
        data = search_json(get_index(), asked)
    except BadInput as error:
        return render_template("search.html", args=args, data=None, problems=error.problems,
                               sorts=sort_names()), 400
    past_last = data["page"] > data["pages"] and data["total"] > 0
    page_html = render_template(
        "search.html", args=args, data=data, problems=[], sorts=sort_names(),
        results=[{**hit, "snippet_html": safe_snippet(hit["snippet"])}
                 for hit in data["results"]],
        facets=[facet_view(args, name, data["facets"].get(name, [])) for name in FACETS
                if data["facets"].get(name)],
        active=active_filters(args), pages=pagination(args, data["page"], data["pages"]),
        previous=link(args, page=[str(data["page"] - 1)]) if data["page"] > 1 else None,
        next=link(args, page=[str(data["page"] + 1)]) if data["page"] < data["pages"] else None,
        suggestion=link(args, q=[data["suggestion"]], page=None) if data["suggestion"] else None,
        downloads={"csv": url_for("search_views.download_csv", **args),
                   "json": url_for("search_views.api", **args),
                   **{fmt: url_for("search_views.download_citations", fmt=fmt, **args)
                      for fmt in CITATION_FORMATS}},
        feed=url_for("search_feed.feed", **{k: v for k, v in args.items() if k != "page"}),
        past_last=link(args, page=[str(data["pages"])] if data["pages"] > 1 else None)
        if past_last else None)
    # A page past the last one is not a page of these results (a link to it is stale).
    return (page_html, 404) if past_last else page_html


@bp.get("/api/search")
def api() -> Response:
    """The contract JSON (bad parameters: 422 with every problem, from the app's handler)."""
    response = jsonify(search_json(get_index(), request.args.to_dict(flat=False)))
    response.headers["Link"] = f'<{url_for("search_views.page", **query_args())}>; ' \
                               'rel="alternate"; type="text/html"'
    return response


def all_hits(args: Args) -> Iterable[dict[str, Any]]:
    """Every result of a search, page by page (at most ``CSV_MAX_PAGES`` full pages)."""
    args = {**args, "page_size": [str(MAX_PAGE_SIZE)]}
    for number in range(1, CSV_MAX_PAGES + 1):
        data = search_json(get_index(), {**args, "page": [str(number)]})
        yield from data["results"]
        if number >= data["pages"]:
            break


@bp.get("/search.csv")
def download_csv() -> Response:
    """The results of a search as CSV: one row per statement with its type, language,
    treaties, topics and events (lists joined with ``|``)."""
    args = {k: v for k, v in query_args().items() if k not in ("page", "page_size")}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for hit in all_hits(args):
        writer.writerow([_cell(hit.get(column, "")) for column in CSV_COLUMNS])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="search-results.csv"'
    return response


@bp.get("/search.<any(csl, ris, bib):fmt>")
def download_citations(fmt: str) -> Response:
    """The results of a search as citations (CSL-JSON, RIS or BibTeX; see web/citations.py)."""
    args = {k: v for k, v in query_args().items() if k not in ("page", "page_size")}
    items = citations.hit_citations(get_reads(), all_hits(args))
    response = Response(citations.WRITERS[fmt](items),
                        content_type=f"{CITATION_FORMATS[fmt]}; charset=utf-8")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="search-results.{citations.EXTENSIONS[fmt]}"'
    return response


def _cell(value: Any) -> str:
    """A CSV cell: a list joined with ``|``, never a spreadsheet formula."""
    if isinstance(value, list):
        value = CSV_LIST_SEPARATOR.join(str(v) for v in value)
    return safe_cell(value)
