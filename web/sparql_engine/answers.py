"""A query's answer in the requested format, cut at the row cap.

Used by the query workers: pyoxigraph's results from the embedded store, or a remote
engine's streamed ones (:mod:`web.sparql_engine.remote`), become the body of a reply.
"""

from __future__ import annotations

import itertools
from typing import Any

import pyoxigraph as ox

from web.sparql_engine.formats import Term, serialize_boolean, serialize_solutions

_EMPTY = ox.Store()  # where a query is only parsed (an empty store answers at once)

GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
                 "rdf": ox.RdfFormat.RDF_XML, "nt": ox.RdfFormat.N_TRIPLES}


def term(value: Any) -> Term:
    """A pyoxigraph term as a plain tuple (see :mod:`web.sparql_engine.formats`)."""
    if isinstance(value, ox.NamedNode):
        return ("uri", value.value)
    if isinstance(value, ox.BlankNode):
        return ("bnode", value.value)
    if isinstance(value, ox.Literal):
        return ("literal", value.value, value.language or "", value.datatype.value)
    return ("literal", str(value), "", "")


def dataset(spec: dict[str, Any]) -> dict[str, Any]:
    """pyoxigraph dataset options from the plain request (SPARQL 1.1 Protocol §2.1.4)."""
    if spec.get("union"):
        return {"use_default_graph_as_union": True}
    options: dict[str, Any] = {}
    if spec.get("default") is not None:
        options["default_graph"] = [ox.NamedNode(u) for u in spec["default"]] or ox.DefaultGraph()
    if spec.get("named") is not None:
        options["named_graphs"] = [ox.NamedNode(u) for u in spec["named"]]
    return options


def evaluate(store: ox.Store, request: dict[str, Any]) -> dict[str, Any]:
    """Run the query and serialize its answer, at most ``max_rows`` rows or triples."""
    result = store.query(request["query"], prefixes=request["prefixes"],
                         base_iri=request.get("base_iri"), **dataset(request["dataset"]))
    return serialize(result, request, capped=False)


def check_syntax(request: dict[str, Any]) -> None:
    """Raise the SyntaxError the store would, without the store (about 0.1 ms)."""
    evaluate(_EMPTY, request)


def serialize(result: Any, request: dict[str, Any], *, capped: bool) -> dict[str, Any]:
    """A boolean, solutions (anything with ``variables``) or triples in the requested
    format, cut at ``max_rows``; ``capped``: the source already cut it at its own limit."""
    cap, formats = request["max_rows"], request["formats"]
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "boolean", "format": formats["solutions"], "rows": 1,
                "truncated": False, "body": serialize_boolean(formats["solutions"], bool(result))}
    if hasattr(result, "variables"):
        names = [v.value for v in result.variables]
        rows = [[None if s[i] is None else term(s[i]) for i in range(len(names))]
                for s in itertools.islice(result, cap + 1)]
        body = serialize_solutions(formats["solutions"], names, rows[:cap])
        return {"kind": "solutions", "format": formats["solutions"], "rows": min(len(rows), cap),
                "truncated": len(rows) > cap or capped, "body": body}
    triples = list(itertools.islice(result, cap + 1))
    body = ox.serialize(triples[:cap], format=GRAPH_FORMATS[formats["graph"]],
                        prefixes=request["prefixes"])
    return {"kind": "graph", "format": formats["graph"], "rows": min(len(triples), cap),
            "truncated": len(triples) > cap or capped, "body": body}
