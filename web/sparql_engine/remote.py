"""Answering a query on the archive's SPARQL engine (imported by the workers of a remote
archive only: it brings the archive package along).

The query was read by the worker (:mod:`web.sparql_engine.parsed`: no SERVICE, no
engine-specific functions such as Virtuoso's ``bif:``), and is parsed by Oxigraph too, so a
syntax error reads as on the embedded store and nothing but SPARQL 1.1 reaches the engine;
its FROM clauses travel as the dataset they name (restricted to the archive's graphs by
:mod:`archive.remote_query`), taken out of the text and checked against the parse; the
engine is asked to stop just before the parent's deadline.
"""

from __future__ import annotations

import sys
from typing import Any

import pyoxigraph as ox

from archive.remote_store import EngineRefusal, QueryTimedOut, RemoteStore, RemoteStoreError
from web.sparql_engine import lexer
from web.sparql_engine.answers import check_syntax, dataset, serialize
from web.sparql_engine.parsed import Refused, parse

MARGIN = 0.3  # seconds the engine is asked to stop before the parent's deadline
UNAVAILABLE = ("the archive's SPARQL engine could not answer just now (it may be "
               "restarting); try again shortly")


def engine(source: dict[str, Any]) -> RemoteStore:
    """The archive's engine, read-only, credentials from the environment."""
    return RemoteStore(source["url"], prefix=source["prefix"], read_only=True)


def follow(store: RemoteStore, source: dict[str, Any]) -> None:
    """Take the parent's list of the engine's graphs that are not the archive's."""
    if source.get("foreign"):
        store.assume_foreign(source["foreign"])


def evaluate_remote(store: RemoteStore, request: dict[str, Any]) -> dict[str, Any]:
    """Parse, then run on the engine and serialize its answer (see the module)."""
    check_syntax(request)  # raises SyntaxError as the embedded store would
    query, options = request["query"], dataset(request["dataset"])
    if not request["dataset"]:  # the query's own FROM / FROM NAMED clauses
        query, default, named = without_dataset(request)
        options = {"default_graph": [ox.NamedNode(iri) for iri in default],
                   "named_graphs": [ox.NamedNode(iri) for iri in named]}
    time_left = request.get("time_left")
    seconds = max(0.1, float(time_left) - MARGIN) if time_left else None
    with store.answer(query, timeout=seconds, prefixes=request["prefixes"],
                      base_iri=request.get("base_iri"), **options) as reply:
        return serialize(reply.result, request, capped=reply.capped)


def without_dataset(request: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """The query without its FROM / FROM NAMED clauses, and their graphs: cut from the
    text, then checked on the parse (the graphs the grammar read, none left after)."""
    base, prefixes = request.get("base_iri") or "", request["prefixes"]
    query, default, named = lexer.dataset_clauses(request["query"], base)
    read = request.get("parsed") or parse(request["query"], prefixes, base)
    if (default, named) != (read.default_graphs, read.named_graphs) or parse(
            query, prefixes, base).has_dataset:
        raise Refused(400, "the query's FROM / FROM NAMED clauses could not be taken "
                      "apart; send the graphs as default-graph-uri / named-graph-uri")
    return query, default, named


def failure(error: Exception) -> dict[str, Any] | None:
    """The worker's reply for an engine's refusal (None: not one of the engine's)."""
    if isinstance(error, QueryTimedOut):
        return {"ok": False, "error": "timeout", "estimated": error.estimated,
                "message": str(error)}
    if isinstance(error, EngineRefusal):
        return {"ok": False, "error": "evaluation", "message": str(error)}
    if isinstance(error, RemoteStoreError):
        # The engine's address and whatever it answered stay in the server's log.
        print(f"sparql worker: {error}", file=sys.stderr, flush=True)
        return {"ok": False, "error": "unavailable", "message": UNAVAILABLE}
    return None
