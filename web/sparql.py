"""The /sparql endpoint: the SPARQL 1.1 Protocol over the archive, read-only and time-limited.

Reads a protocol request (§2.1: GET, POST form, POST application/sparql-query), refuses
updates and SERVICE, rewrites ``ra:matches`` through the /search index, negotiates a
format per result kind and runs the query in a killable worker (web.sparql_engine.pool),
which evaluates it in the embedded store or sends it to the archive's SPARQL engine.
Without a query, browsers get the query page and RDF clients the Service Description.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from web.app import get_archive, get_index
from web.sparql_engine import lexer
from web.sparql_engine.description import service_description
from web.sparql_engine.examples import EXAMPLES
from web.sparql_engine.formats import ALIASES, GRAPH_TYPES, SOLUTION_TYPES, media_types
from web.sparql_engine.pool import QueryTimeout, Source, WorkerCrashed, WorkerPool, WorkersBusy
from web.sparql_engine.results import table_of

bp = Blueprint("sparql", __name__)

#: ``format=`` names per result kind (SPARQLWrapper sends its own names: turtle, json-ld…).
SOLUTION_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "html": "html"}
GRAPH_NAMES = {"ttl": "ttl", "turtle": "ttl", "n3": "ttl", "jsonld": "jsonld",
               "json-ld": "jsonld", "json": "jsonld", "rdf": "rdf", "rdf+xml": "rdf",
               "xml": "rdf", "nt": "nt", "ntriples": "nt", "n-triples": "nt", "html": "html"}


class Refusal(Exception):
    """A request the endpoint will not run, with its HTTP status and a plain message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ProtocolRequest:
    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)


@bp.record_once
def _open_pool(state: Any) -> None:
    app = state.app
    pool = WorkerPool(Source(app.extensions["archive"]),
                      size=int(app.config.get("SPARQL_WORKERS", 2)))
    app.extensions["sparql_pool"] = pool
    atexit.register(pool.close)


@bp.after_request
def _cors(response: Response) -> Response:
    # SPARQL endpoints are queried from other sites' pages: allow any origin (read-only).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "X-SPARQL-MaxRows"
    response.vary.add("Accept")
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str | tuple[str, int]:
    protocol = ProtocolRequest()
    try:
        protocol = read_request()
        if protocol.update is not None:
            raise Refusal(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if protocol.query is None:
            return no_query(protocol)
        return answer(protocol)
    except Refusal as refusal:
        return refuse(refusal, protocol.query)


def read_request() -> ProtocolRequest:
    """The query, update and dataset of a request (SPARQL 1.1 Protocol §2.1)."""
    params: MultiDict[str, str] = MultiDict(request.args)
    body_query = body_update = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == "application/sparql-query":
            body_query = request.get_data(as_text=True)
        elif mimetype == "application/sparql-update":
            body_update = request.get_data(as_text=True)
        elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
            params.update(request.form)
        else:
            raise Refusal(415, f"cannot read a {mimetype} body: send the query as "
                          "application/sparql-query or a form field 'query'")
    queries = params.getlist("query")
    if len(queries) > 1 or (queries and body_query is not None):
        raise Refusal(400, "send exactly one query")
    updates = params.getlist("update")
    return ProtocolRequest(
        query=body_query if body_query is not None else (queries[0] if queries else None),
        update=body_update if body_update is not None else (updates[0] if updates else None),
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
        formats=[f.strip() for f in params.getlist("format") if f.strip()])


def negotiate(kind: str, formats: list[str]) -> str | None:
    """The format for a result kind: ``format=`` first, then Accept; None when none fits."""
    table, names = media_types(kind), GRAPH_NAMES if kind == "graph" else SOLUTION_NAMES
    by_type = {media: name for name, media in table.items()}
    for wanted in formats:
        wanted = wanted.lower()
        found = names.get(wanted) or by_type.get(wanted) or (
            ALIASES[wanted] if ALIASES.get(wanted) in table else None)
        if found:
            return found
    if formats:
        return None
    accept = request.accept_mimetypes
    if not accept:
        return next(iter(table))
    offered = [*table.values(), "text/html", *(m for m, n in ALIASES.items() if n in table)]
    best = accept.best_match(offered)
    if best is None:
        return None
    return "html" if best == "text/html" else by_type.get(best) or ALIASES[best]


def answer(protocol: ProtocolRequest) -> Response | str | tuple[str, int]:
    query = protocol.query or ""
    if not query.strip():
        raise Refusal(400, "the query is empty")
    form = lexer.form(query)
    if form == "update":
        raise Refusal(403, "this endpoint is read-only: updates (INSERT, DELETE, LOAD, "
                      "CLEAR, DROP, CREATE, ADD, MOVE, COPY) are refused and nothing changed")
    if lexer.keyword_used(query, "service"):
        raise Refusal(403, "federated queries (SERVICE) are not allowed on this endpoint")
    formats = {"solutions": negotiate("solutions", protocol.formats),
               "graph": negotiate("graph", protocol.formats)}
    needed = "graph" if form in ("construct", "describe") else "solutions"
    if form is not None and formats[needed] is None:
        raise not_acceptable(needed)
    rewritten = rewrite(query)
    reply = run(rewritten, protocol, formats)
    chosen = formats["graph" if reply["kind"] == "graph" else "solutions"]
    if chosen is None:
        raise not_acceptable(reply["kind"])
    if chosen == "html":
        return render_page(query, reply)
    return result_response(reply, chosen)


def rewrite(query: str) -> str:
    """The query with each ``?s ra:matches "text"`` answered by the /search index."""
    cap = int(current_app.config["SPARQL_MAX_ROWS"])

    def lookup(text: str) -> list[str]:
        hits = get_index().search(text, {}, "relevance", 1, cap).results
        return [hit.uri for hit in hits if lexer.safe_iri(hit.uri)]

    try:
        return lexer.rewrite_matches(query, lookup)[0]
    except lexer.MatchesMisplaced as error:
        raise Refusal(400, str(error)) from None


def run(query: str, protocol: ProtocolRequest, formats: dict[str, str | None]) -> dict[str, Any]:
    """Evaluate in a worker; the worker formats ``html`` pages' data as JSON / N-Triples."""
    config = current_app.config
    timeout = float(config["SPARQL_TIMEOUT"])
    worker_formats = {"solutions": _worker_format(formats["solutions"], "json"),
                      "graph": _worker_format(formats["graph"], "nt")}
    request_data = {"query": query, "prefixes": lexer.PREFIXES, "base_iri": get_archive().base,
                    "dataset": dataset(protocol, query), "formats": worker_formats,
                    "max_rows": int(config["SPARQL_MAX_ROWS"])}
    pool: WorkerPool = current_app.extensions["sparql_pool"]
    try:
        reply = pool.run(request_data, timeout)
    except QueryTimeout:
        raise Refusal(503, f"the query ran longer than the {timeout:g} s limit and was "
                      "stopped; narrow its patterns or add LIMIT") from None
    except WorkersBusy:
        raise Refusal(503, f"every query worker stayed busy for {timeout:g} s; try again "
                      "shortly") from None
    except WorkerCrashed as error:
        raise Refusal(500, f"{error}; it was replaced, try again") from None
    if not reply["ok"]:
        raise refusal_of(reply, timeout)
    return reply


def refusal_of(reply: dict[str, Any], timeout: float) -> Refusal:
    """The refusal for a worker's failed reply (a remote engine's among them)."""
    if reply["error"] == "timeout":  # the engine stopped it, or would not start it
        if reply.get("estimated"):
            return Refusal(503, f"the query would run longer than the {timeout:g} s limit "
                           "(the SPARQL engine estimated its cost) and was not run; narrow "
                           "its patterns or add LIMIT")
        return Refusal(503, f"the query ran longer than the {timeout:g} s limit and was "
                       "stopped; narrow its patterns or add LIMIT")
    if reply["error"] == "unavailable":
        return Refusal(503, reply["message"])
    prefix = "syntax error" if reply["error"] == "syntax" else "cannot evaluate the query"
    return Refusal(400, f"{prefix}: {reply['message']}")


def _worker_format(chosen: str | None, page_format: str) -> str:
    return page_format if chosen in (None, "html") else chosen


def dataset(protocol: ProtocolRequest, query: str) -> dict[str, Any]:
    """The RDF dataset (Protocol §2.1.4): the request's graphs, the query's FROM, or the union."""
    if protocol.default_graphs or protocol.named_graphs:
        return {"default": protocol.default_graphs,
                "named": protocol.named_graphs or None}
    if lexer.keyword_used(query, "from"):
        return {}
    return {"union": True}


def result_response(reply: dict[str, Any], chosen: str) -> Response:
    media = media_types(reply["kind"])[chosen]
    response = Response(reply["body"], content_type=f"{media}; charset=utf-8")
    if reply["truncated"]:
        # Virtuoso's convention: the rows were cut at this cap.
        response.headers["X-SPARQL-MaxRows"] = str(current_app.config["SPARQL_MAX_ROWS"])
    if request.values.get("download"):
        extension = {"json": "srj", "xml": "srx"}.get(chosen, chosen)
        response.headers["Content-Disposition"] = f"attachment; filename=results.{extension}"
    return response


def not_acceptable(kind: str) -> Refusal:
    table = media_types(kind)
    offered = ", ".join(f"{media} (format={name})" for name, media in table.items())
    what = "CONSTRUCT/DESCRIBE results" if kind == "graph" else "SELECT/ASK results"
    return Refusal(406, f"cannot serve {what} in the requested format; offered: {offered}")


def no_query(protocol: ProtocolRequest) -> Response | str:
    """The Service Description for RDF clients, else the query page."""
    chosen = negotiate("graph", protocol.formats)
    if chosen in (None, "html") or (not protocol.formats and not request.accept_mimetypes):
        return render_template("sparql.html", **page_context(EXAMPLES[0][1]))
    archive = get_archive()
    description = service_description(archive.base + "sparql",
                                      [str(g) for g in archive.vocabulary_graphs()])
    rdflib_format = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}[chosen]
    return Response(description.serialize(format=rdflib_format),
                    content_type=f"{GRAPH_TYPES[chosen]}; charset=utf-8")


def refuse(refusal: Refusal, query: str | None) -> tuple[str, int] | Response:
    if negotiate("solutions", []) == "html" and request.method in ("GET", "POST"):
        page = render_template("sparql.html", **page_context(query or "", error=str(refusal)))
        return page, refusal.status
    return Response(f"{refusal}\n", status=refusal.status, content_type="text/plain; charset=utf-8")


def render_page(query: str, reply: dict[str, Any]) -> str:
    table = table_of(reply, get_archive().uris)
    return render_template("sparql.html", **page_context(query, table=table, reply=reply))


def page_context(query: str, **extra: Any) -> dict[str, Any]:
    config = current_app.config
    return {"query": query, "examples": EXAMPLES, "timeout": config["SPARQL_TIMEOUT"],
            "max_rows": config["SPARQL_MAX_ROWS"], "prefixes": lexer.PREFIXES,
            "solution_types": SOLUTION_TYPES, "graph_types": GRAPH_TYPES,
            **extra}
