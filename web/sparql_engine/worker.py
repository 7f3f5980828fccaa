"""A query worker: a child process that evaluates one SPARQL query at a time.

Run as ``python -m web.sparql_engine.worker``; it reads length-prefixed pickled requests
on stdin and writes replies on stdout. It opens the archive store read-only (reopened
when the change log moved) or loads an N-Quads snapshot for in-memory archives. The
parent kills it when a query overruns its time limit: pyoxigraph has no cancel call.
"""

from __future__ import annotations

import itertools
import os
import pickle
import struct
import sys
import time
from typing import Any, BinaryIO

import pyoxigraph as ox

from web.sparql_engine.formats import Term, serialize_boolean, serialize_solutions

_HEADER = struct.Struct("!Q")
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
                 "rdf": ox.RdfFormat.RDF_XML, "nt": ox.RdfFormat.N_TRIPLES}


def write_message(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_message(stream: Any) -> Any:
    """The next message, or None at end of stream (the parent went away)."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # only ever from the parent process


class View:
    """The store as this worker sees it, at one change-log sequence number."""

    def __init__(self) -> None:
        self.store: ox.Store | None = None
        self.version: object = None

    def at(self, request: dict[str, Any]) -> ox.Store:
        if self.store is None or request["version"] != self.version:
            self.store = None
            self.store = self._open(request["source"])
            self.version = request["version"]
        return self.store

    @staticmethod
    def _open(source: dict[str, Any]) -> ox.Store:
        if "nquads" in source:
            store = ox.Store()
            store.bulk_load(source["nquads"], format=ox.RdfFormat.N_QUADS)
            return store
        for attempt in range(10):
            try:
                return ox.Store.read_only(source["path"])
            except OSError:  # RocksDB may list a file the writer just compacted away
                if attempt == 9:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


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
    cap, formats = request["max_rows"], request["formats"]
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "boolean", "format": formats["solutions"], "rows": 1,
                "truncated": False, "body": serialize_boolean(formats["solutions"], bool(result))}
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [[None if s[i] is None else term(s[i]) for i in range(len(names))]
                for s in itertools.islice(result, cap + 1)]
        truncated = len(rows) > cap
        body = serialize_solutions(formats["solutions"], names, rows[:cap])
        return {"kind": "solutions", "format": formats["solutions"], "rows": min(len(rows), cap),
                "truncated": truncated, "body": body}
    triples = list(itertools.islice(result, cap + 1))
    body = ox.serialize(triples[:cap], format=GRAPH_FORMATS[formats["graph"]],
                        prefixes=request["prefixes"])
    return {"kind": "graph", "format": formats["graph"], "rows": min(len(triples), cap),
            "truncated": len(triples) > cap, "body": body}


def answer(view: View, request: dict[str, Any]) -> dict[str, Any]:
    try:
        store = view.at(request)
        started = time.perf_counter()
        reply = evaluate(store, request)
        reply["seconds"] = time.perf_counter() - started
        return {"ok": True, **reply}
    except SyntaxError as error:
        return {"ok": False, "error": "syntax", "message": str(error)}
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        return {"ok": False, "error": "evaluation", "message": str(error)}


def main() -> None:
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the reply channel
    view = View()
    while (request := read_message(channel_in)) is not None:
        write_message(channel_out, answer(view, request))
    os._exit(0)


if __name__ == "__main__":
    main()
