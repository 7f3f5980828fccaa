"""Content negotiation: the media-type tables and the one helper that renders a thing.

A view computes a :class:`Page` once; :func:`respond` renders it as HTML, JSON, any RDF
serialization or a text format the page carries finished (a statement's citations), with
``Vary: Accept``, a ``Link rel="alternate"`` per format, validators from the change log and
conditional GET (RFC 9110 §13). ``?format=`` beats ``Accept``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, abort, make_response, render_template, request, url_for
from rdflib import Graph
from werkzeug.datastructures import MIMEAccept

from vocab import VOCAB_DIR, bind_prefixes

#: Format key → (media type, rdflib serializer) for graph results.
GRAPH_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}
#: Format key → media type for the human and JSON twins of a page.
PAGE_FORMATS: dict[str, str] = {"html": "text/html", "json": "application/json"}
#: Every format a thing page offers, HTML first (the default for */*).
FORMATS: dict[str, str] = {"html": PAGE_FORMATS["html"],
                           **{key: mime for key, (mime, _) in GRAPH_FORMATS.items()},
                           "json": PAGE_FORMATS["json"]}
#: Format key → media type of the citation formats a statement page also offers, each
#: rendered by :mod:`web.citations` into :attr:`Page.texts`.
CITATION_FORMATS: dict[str, str] = {
    "csl": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems",
    "bib": "application/x-bibtex",
}
#: Every format a statement page offers.
STATEMENT_FORMATS: dict[str, str] = {**FORMATS, **CITATION_FORMATS}
#: Other names accepted in ``?format=``.
FORMAT_ALIASES: dict[str, str] = {
    "turtle": "ttl", "json-ld": "jsonld", "xml": "rdf", "rdfxml": "rdf", "n-triples": "nt",
    "ntriples": "nt", "htm": "html", "csl-json": "csl", "csljson": "csl", "bibtex": "bib",
}
#: Media types also understood in ``Accept`` (older or generic names).
MIME_ALIASES: dict[str, str] = {
    "application/x-turtle": "ttl", "application/xml": "rdf", "text/xml": "rdf",
    "text/plain": "nt", "application/xhtml+xml": "html", "text/x-bibtex": "bib",
    "application/citeproc+json": "csl",
}
CONTEXT_PATH = VOCAB_DIR / "context.jsonld"


@dataclass
class Page:
    """What a view computed for one thing: its graph, its JSON twin and the template data."""

    graph: Graph
    json: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    #: Format key → the finished body of a text format the page offers besides its graph
    #: (a statement's citations), served with the media type of the offered table.
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Validators:
    """The change-log position a representation depends on (for ETag and Last-Modified)."""

    key: str
    last_modified: datetime | None

    def etag(self, fmt: str) -> str:
        return hashlib.sha256(f"{self.key}|{fmt}".encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def jsonld_context() -> dict[str, Any]:
    """Our JSON-LD context (the object inside ``@context``), read once from vocab/."""
    return json.loads(Path(CONTEXT_PATH).read_text(encoding="utf-8"))["@context"]


def negotiate(offered: dict[str, str] = FORMATS) -> str:
    """The format key to answer with: ``?format=`` first, then the ``Accept`` header.

    Raises 406 listing what is offered when nothing acceptable is.
    """
    wanted = request.args.get("format")
    if wanted:
        key = FORMAT_ALIASES.get(wanted.lower(), wanted.lower())
        if key not in offered:
            _not_acceptable(offered, f"format '{wanted}' is not offered")
        return key
    if not request.accept_mimetypes:
        return next(iter(offered))
    mimes = list(offered.values()) + [m for m, k in MIME_ALIASES.items() if k in offered]
    best = media_ranges().best_match(mimes)
    if best is None:
        _not_acceptable(offered, "none of the media types in Accept is offered")
    by_mime = {mime: key for key, mime in offered.items()}
    return by_mime.get(best) or MIME_ALIASES[best]


def media_ranges() -> MIMEAccept:
    """The request's ``Accept`` with the media-type parameters other than ``q`` left out.

    RFC 9110 §12.5.1: such parameters (``charset=utf-8``, a JSON-LD ``profile``,
    ``level=1``) refine a range; we offer each type in one form only (UTF-8, compacted
    JSON-LD), so they must not prevent the match (werkzeug's ``best_match`` would).
    """
    return MIMEAccept([(value.split(";", 1)[0].strip(), quality)
                       for value, quality in request.accept_mimetypes])


def _not_acceptable(offered: dict[str, str], reason: str) -> None:
    lines = [f"{mime} (?format={key})" for key, mime in offered.items()]
    response = Response(f"406 Not Acceptable: {reason}. This resource is offered as:\n"
                        + "\n".join(lines) + "\n", 406, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    _add_links(response, offered)
    abort(response)


#: Names of the formats for people.
FORMAT_NAMES: dict[str, str] = {"html": "Web page", "ttl": "Turtle", "jsonld": "JSON-LD",
                                "rdf": "RDF/XML", "nt": "N-Triples", "json": "JSON",
                                "csl": "CSL-JSON", "ris": "RIS", "bib": "BibTeX"}


def alternates(offered: dict[str, str]) -> list[dict[str, str]]:
    """Each offered format with its name, media type and link (``?format=`` for non-HTML)."""
    args = {k: v for k, v in request.args.items() if k != "format"}
    return [{"key": key, "mime": mime, "name": FORMAT_NAMES.get(key, key),
             "href": url_for(request.endpoint or "", **(request.view_args or {}), **args,
                             **({} if key == "html" else {"format": key}))}
            for key, mime in offered.items()]


def _add_links(response: Response, offered: dict[str, str]) -> None:
    response.headers["Link"] = ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["mime"]}"'
                                         for a in alternates(offered))


def not_modified(validators: Validators, fmt: str) -> Response | None:
    """A 304 response when the client's copy is current (checked before computing data)."""
    response = Response(status=200)
    _set_validators(response, validators, fmt)
    response.make_conditional(request)
    if response.status_code != 304:
        return None
    response.headers["Vary"] = "Accept"
    return response


def _set_validators(response: Response, validators: Validators, fmt: str) -> None:
    response.set_etag(validators.etag(fmt), weak=True)
    if validators.last_modified is not None:
        response.last_modified = validators.last_modified


def serialize(graph: Graph, fmt: str) -> str:
    """The graph in an RDF format; JSON-LD is compacted with our context, inlined."""
    graph = bind_prefixes(graph)
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    return graph.serialize(format=GRAPH_FORMATS[fmt][1])


def _html(page: Page, fmt: str, template: str, offered: dict[str, str]) -> Response:
    return make_response(render_template(template, page=page, formats=alternates(offered),
                                         **page.context), page.status)


def _json(page: Page, fmt: str, template: str, offered: dict[str, str]) -> Response:
    response = make_response(json.dumps(page.json, ensure_ascii=False, indent=2), page.status)
    response.mimetype = "application/json"
    return response


def _text(page: Page, fmt: str, template: str, offered: dict[str, str]) -> Response:
    response = make_response(page.texts[fmt], page.status)
    response.content_type = f"{offered[fmt]}; charset=utf-8"
    return response


def _graph(page: Page, fmt: str, template: str, offered: dict[str, str]) -> Response:
    response = make_response(serialize(page.graph, fmt), page.status)
    response.mimetype = GRAPH_FORMATS[fmt][0]
    return response


Renderer = Callable[[Page, str, str, dict[str, str]], Response]
#: Format key → what renders a page in it (Datasette's output renderers): the template
#: for HTML, the JSON twin, each RDF serialization of the graph, the finished text formats.
RENDERERS: dict[str, Renderer] = {
    "html": _html, "json": _json, **dict.fromkeys(GRAPH_FORMATS, _graph),
    **dict.fromkeys(CITATION_FORMATS, _text),
}


def respond(page: Page, fmt: str, template: str, validators: Validators | None = None,
            offered: dict[str, str] = FORMATS) -> Response:
    """Render ``page`` in ``fmt`` with the negotiation headers (and 304 when unchanged)."""
    response = RENDERERS[fmt](page, fmt, template, offered)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    _add_links(response, offered)
    if validators is not None and page.status == 200:
        _set_validators(response, validators, fmt)
        response.make_conditional(request)
    return response
