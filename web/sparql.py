"""The /sparql endpoint: the SPARQL 1.1 Protocol over the archive, read-only and time-limited.

Reads a protocol request (§2.1: GET, POST form, POST application/sparql-query), refuses
one larger than ``SPARQL_MAX_QUERY_BYTES`` (413), negotiates a format per result kind, lets
each client run one query at a time (``SPARQL_CLIENT_QUERIES``, web.sparql_engine.gate)
and hands the text to a killable worker (web.sparql_engine.pool). The worker, kept off the
network and within ``SPARQL_WORKER_MEMORY``, parses the query once — refusing updates,
SERVICE and engine-specific functions on the parse — asks back for ``ra:matches`` (answered
here from the /search index), and evaluates it in the embedded store or sends it to the
archive's SPARQL engine. This process never tokenises the query.
Without a query, browsers get the query page and RDF clients the Service Description.
"""

from __future__ import annotations

import atexit
import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from web.services import get_archive, get_index
from web.signin import current_agent
from web.sparql_engine import lexer
from web.sparql_engine.description import service_description
from web.sparql_engine.examples import EXAMPLES
from web.sparql_engine.formats import (
    ALIASES,
    GRAPH_TYPES,
    SOLUTION_TYPES,
    bare,
    best_match,
    media_types,
)
from web.sparql_engine.gate import ClientBusy, ClientGate
from web.sparql_engine.pool import (
    QueryTimeout,
    Source,
    Worker,
    WorkerCrashed,
    WorkerPool,
    WorkersBusy,
)
from web.sparql_engine.results import table_of

bp = Blueprint("sparql", __name__)

#: ``format=`` names per result kind (SPARQLWrapper sends its own names: turtle, json-ld…).
SOLUTION_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "html": "html"}
GRAPH_NAMES = {"ttl": "ttl", "turtle": "ttl", "n3": "ttl", "jsonld": "jsonld",
               "json-ld": "jsonld", "json": "jsonld", "rdf": "rdf", "rdf+xml": "rdf",
               "xml": "rdf", "nt": "nt", "ntriples": "nt", "n-triples": "nt", "html": "html"}


class Refusal(Exception):
    """A request the endpoint will not run, with its HTTP status and a plain message;
    ``retry_after`` (seconds) for a refusal that a later try may not meet."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


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
    archive = app.extensions["archive"]  # limits: SPARQL_* in web/settings.py
    spawn = partial(Worker, memory=int(app.config["SPARQL_WORKER_MEMORY"]),
                    engine_port=engine_port(archive))
    pool = WorkerPool(Source(archive), size=int(app.config["SPARQL_WORKERS"]),
                      spawn=spawn)
    app.extensions["sparql_pool"] = pool
    app.extensions["sparql_gate"] = ClientGate()
    atexit.register(pool.close)


def engine_port(archive: Any) -> int | None:
    """The TCP port of the archive's SPARQL engine (the only one its workers may reach),
    or None for the embedded store (no network at all)."""
    store = archive.store
    if not store.shared:
        return None
    address = urlsplit(store.url)
    return address.port or (443 if address.scheme == "https" else 80)


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
    cap = int(current_app.config["SPARQL_MAX_QUERY_BYTES"])
    if request.method == "POST":
        mimetype = request.mimetype
        direct = mimetype in ("application/sparql-query", "application/sparql-update")
        # A form field is at most three times longer encoded (%XX), plus the other fields.
        if (request.content_length or 0) > (cap if direct else 3 * cap + 4096):
            raise too_large(cap)
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
    query = body_query if body_query is not None else (queries[0] if queries else None)
    if query is not None and len(query) > cap // 4 and len(query.encode("utf-8")) > cap:
        raise too_large(cap)
    return ProtocolRequest(
        query=query,
        update=body_update if body_update is not None else (updates[0] if updates else None),
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
        formats=[f.strip() for f in params.getlist("format") if f.strip()])


def too_large(cap: int) -> Refusal:
    return Refusal(413, f"the query is larger than this endpoint reads ({cap:,} bytes, "
                   "SPARQL_MAX_QUERY_BYTES); shorten it, e.g. move long VALUES lists into "
                   "several queries")


def negotiate(kind: str, formats: list[str]) -> str | None:
    """The format for a result kind: ``format=`` first, then Accept; None when none fits."""
    table, names = media_types(kind), GRAPH_NAMES if kind == "graph" else SOLUTION_NAMES
    by_type = {media: name for name, media in table.items()}
    for wanted in formats:
        wanted = bare(wanted)
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
    best = best_match(accept, offered)
    if best is None:
        return None
    return "html" if best == "text/html" else by_type.get(best) or ALIASES[best]


def answer(protocol: ProtocolRequest) -> Response | str | tuple[str, int]:
    query = protocol.query or ""
    if not query.strip():
        raise Refusal(400, "the query is empty")
    formats = {"solutions": negotiate("solutions", protocol.formats),
               "graph": negotiate("graph", protocol.formats)}
    reply = run(query, protocol, formats)
    chosen = formats["graph" if reply["kind"] == "graph" else "solutions"]
    if chosen is None:
        raise not_acceptable(reply["kind"])
    if chosen == "html":
        return render_page(query, reply)
    return result_response(reply, chosen)


def lookup(texts: list[str]) -> list[list[str]]:
    """The statements the /search index finds for each ``ra:matches`` text (at most
    SPARQL_MAX_ROWS, best first), as IRIs that can be written between angle brackets."""
    cap = int(current_app.config["SPARQL_MAX_ROWS"])
    found = []
    for text in texts:
        hits = get_index().search(text, {}, "relevance", 1, cap).results
        found.append([hit.uri for hit in hits if lexer.safe_iri(hit.uri)])
    return found


def client() -> str:
    """Who the per-client limit counts: the token or account, else the address."""
    try:
        principal = current_agent()
    except HTTPException:  # a wrong token: the address counts
        principal = None
    if principal is not None:
        return f"{principal.kind}:{principal.ref}"
    return f"address:{request.remote_addr}"


def run(query: str, protocol: ProtocolRequest, formats: dict[str, str | None]) -> dict[str, Any]:
    """Evaluate in a worker, one query per client at a time (see the module)."""
    config = current_app.config
    timeout, wait = float(config["SPARQL_TIMEOUT"]), float(config["SPARQL_QUEUE_WAIT"])
    request_data = {"query": query, "prefixes": lexer.PREFIXES, "base_iri": get_archive().base,
                    "dataset": dataset(protocol), "formats": formats,
                    "max_rows": int(config["SPARQL_MAX_ROWS"])}
    pool: WorkerPool = current_app.extensions["sparql_pool"]
    gate: ClientGate = current_app.extensions["sparql_gate"]
    retry = max(1, math.ceil(wait))
    try:
        with gate.admit(client(), int(config["SPARQL_CLIENT_QUERIES"]), wait):
            reply = pool.run(request_data, timeout, wait=wait, lookup=lookup)
    except ClientBusy:
        raise Refusal(503, "your previous query is still running: this endpoint runs "
                      f"{config['SPARQL_CLIENT_QUERIES']} query at a time per client; "
                      "wait for it, then retry", retry_after=retry) from None
    except QueryTimeout:
        raise Refusal(503, f"the query ran longer than the {timeout:g} s limit and was "
                      "stopped; narrow its patterns or add LIMIT") from None
    except WorkersBusy:
        raise Refusal(503, f"every query worker stayed busy for {wait:g} s; try again "
                      "shortly", retry_after=retry) from None
    except WorkerCrashed as error:
        if error.memory:
            raise Refusal(503, "the query needed more memory than a query may use "
                          f"({config['SPARQL_WORKER_MEMORY']} MB) and was stopped; narrow "
                          "its patterns, avoid sorting or joining everything, add LIMIT"
                          ) from None
        raise Refusal(503, f"{error}; it was replaced, try again", retry_after=1) from None
    if not reply["ok"]:
        raise refusal_of(reply, timeout)
    return reply


def refusal_of(reply: dict[str, Any], timeout: float) -> Refusal:
    """The refusal for a worker's failed reply (a remote engine's among them)."""
    if reply["error"] == "refused":
        return Refusal(reply["status"], reply["message"])
    if reply["error"] == "not_acceptable":
        return not_acceptable(reply["kind"])
    if reply["error"] == "timeout":  # the engine stopped it, or would not start it
        if reply.get("estimated"):
            return Refusal(503, f"the query would run longer than the {timeout:g} s limit "
                           "(the SPARQL engine estimated its cost) and was not run; narrow "
                           "its patterns or add LIMIT")
        return Refusal(503, f"the query ran longer than the {timeout:g} s limit and was "
                       "stopped; narrow its patterns or add LIMIT")
    if reply["error"] == "unavailable":
        return Refusal(503, reply["message"], retry_after=1)
    prefix = "syntax error" if reply["error"] == "syntax" else "cannot evaluate the query"
    return Refusal(400, f"{prefix}: {reply['message']}")


def dataset(protocol: ProtocolRequest) -> dict[str, Any]:
    """The RDF dataset the request names (Protocol §2.1.4); {}: the worker decides (the
    query's FROM clauses, else the union of the archive's graphs)."""
    if protocol.default_graphs or protocol.named_graphs:
        return {"default": protocol.default_graphs,
                "named": protocol.named_graphs or None}
    return {}


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


def refuse(refusal: Refusal, query: str | None) -> Response:
    headers = {} if refusal.retry_after is None else {"Retry-After": f"{refusal.retry_after:g}"}
    if refusal.status == 413:
        query = None  # a page need not echo the oversized text back
    if negotiate("solutions", []) == "html" and request.method in ("GET", "POST"):
        page = render_template("sparql.html", **page_context(query or "", error=str(refusal)))
        return Response(page, status=refusal.status, headers=headers)
    return Response(f"{refusal}\n", status=refusal.status, headers=headers,
                    content_type="text/plain; charset=utf-8")


def render_page(query: str, reply: dict[str, Any]) -> str:
    table = table_of(reply, get_archive().uris)
    return render_template("sparql.html", **page_context(query, table=table, reply=reply))


def page_context(query: str, **extra: Any) -> dict[str, Any]:
    config = current_app.config
    return {"query": query, "examples": EXAMPLES, "timeout": config["SPARQL_TIMEOUT"],
            "max_rows": config["SPARQL_MAX_ROWS"], "prefixes": lexer.PREFIXES,
            "solution_types": SOLUTION_TYPES, "graph_types": GRAPH_TYPES,
            **extra}
