"""A query worker: a child process that evaluates one SPARQL query at a time.

Run as ``python -m web.sparql_engine.worker [--memory MB] [--engine-port PORT]``; it reads
length-prefixed pickled requests on stdin and writes replies on stdout. Before its first
query it limits its own address space to ``--memory`` MB (an allocation past it fails, and
the parent replaces the worker) and shuts itself off the network (:mod:`netguard`: no
sockets at all, or TCP to the archive's SPARQL engine only).

Each query is read here, not in the web process (:mod:`web.sparql_engine.parsed`): refused
(update, SERVICE, unknown functions), or run. Its ``ra:matches`` patterns are sent back to
the parent, which answers them from the /search index, and the query is rewritten and read
again. It opens the archive store read-only (reopened when the change log moved), loads an
N-Quads snapshot for in-memory archives, or sends the query to the archive's SPARQL
engine. The parent kills it when a query overruns its time limit: pyoxigraph has no cancel
call (and a remote engine may not honour one).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from web.sparql_engine import lexer, netguard
from web.sparql_engine.answers import check_syntax, evaluate
from web.sparql_engine.channel import READY, read_message, write_message
from web.sparql_engine.parsed import Parsed, Refused, decode_escapes, parse

MATCHES_MISPLACED = ('ra:matches must be written as its own triple pattern, a variable and '
                     'a string: ?statement ra:matches "withdrawal AND council" .')
Ask = Callable[[dict[str, Any]], Any]  # a question to the parent, and its answer


class StoreUnavailable(Exception):
    """The store's files could not be opened, even after waiting a moment."""


class View:
    """The store as this worker sees it, at one change-log sequence number; or, for an
    archive on a SPARQL engine, the engine itself (it always answers at its present)."""

    def __init__(self, guard: str = "none") -> None:
        self.guard = guard  # how this process is kept off the network (netguard)
        self.store: ox.Store | None = None
        self.version: object = None
        self.remote: Any = None

    def at(self, request: dict[str, Any]) -> Any:
        """The pyoxigraph store to query, or the archive's engine (a RemoteStore)."""
        source = request["source"]
        if "remote" in source:
            if self.remote is None:
                self.remote = remote().engine(source["remote"])
            remote().follow(self.remote, source["remote"])
            return self.remote
        if self.store is None or request["version"] != self.version:
            self.store = None
            self.store = self._open(source)
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
            except OSError as error:  # RocksDB may list a file the writer just compacted away
                if attempt == 9:
                    raise StoreUnavailable(f"the store could not be opened ({error}); "
                                           "try again") from error
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


def answer(view: View, request: dict[str, Any], ask: Ask | None = None) -> dict[str, Any]:
    """The reply to one request; ``ask`` puts a question to the parent (ra:matches)."""
    try:
        try:
            request = prepare(request, ask or _no_parent)
        except NotAcceptable as refusal:
            return {"ok": False, "error": "not_acceptable", "kind": refusal.kind}
        try:
            store = view.at(request)
        except StoreUnavailable:
            check_syntax(request)  # the query's own mistake is named whatever the store's state
            raise
        started = time.perf_counter()
        if isinstance(store, ox.Store):
            reply = evaluate(store, request)
        else:
            reply = remote().evaluate_remote(store, request)
        reply["seconds"] = time.perf_counter() - started
        return {"ok": True, **reply}
    except Refused as refusal:
        return {"ok": False, "error": "refused", "status": refusal.status,
                "message": str(refusal)}
    except SyntaxError as error:
        return {"ok": False, "error": "syntax", "message": syntax_message(view, request, error)}
    except StoreUnavailable as error:
        return {"ok": False, "error": "unavailable", "message": str(error)}
    except MemoryError:
        return {"ok": False, "error": "memory"}
    except Exception as error:
        failure = remote().failure(error) if view.remote is not None else None
        if failure is not None:
            return failure
        if isinstance(error, OSError | ValueError | TypeError | RuntimeError):
            return {"ok": False, "error": "evaluation", "message": str(error)}
        raise


class NotAcceptable(Exception):
    """No format was negotiated for the query's kind of result (``kind``)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def prepare(request: dict[str, Any], ask: Ask) -> dict[str, Any]:
    """The request with its query read (see the module) and made ready to run: text
    decoded and ``ra:matches`` answered, dataset decided, formats for the page chosen."""
    parsed = parse(request["query"], request["prefixes"], request.get("base_iri") or "")
    needed = "graph" if parsed.form in ("construct", "describe") else "solutions"
    formats = request["formats"]
    if formats.get(needed) is None:
        raise NotAcceptable(needed)
    text = with_matches(parsed, request, ask) if parsed.matches else parsed.text
    dataset = request.get("dataset") or ({} if parsed.has_dataset else {"union": True})
    pages = {"solutions": "json", "graph": "nt"}  # an HTML page's data
    return {**request, "query": text, "dataset": dataset, "parsed": parsed,
            "formats": {kind: pages[kind] if formats.get(kind) in (None, "html")
                        else formats[kind] for kind in pages}}


def with_matches(parsed: Parsed, request: dict[str, Any], ask: Ask) -> str:
    """The query with each ``?s ra:matches "text" .`` replaced by the statements the
    parent's /search index finds; the result is read again (and must hold none)."""
    try:
        texts = lexer.rewrite_matches(parsed.text, lambda _: [])[1]
    except lexer.MatchesMisplaced:
        raise Refused(400, MATCHES_MISPLACED) from None
    if len(texts) != parsed.matches:
        raise Refused(400, MATCHES_MISPLACED)
    found = iter(ask({"lookup": texts}))
    rewritten = lexer.rewrite_matches(parsed.text, lambda _: next(found))[0]
    if parse(rewritten, request["prefixes"], request.get("base_iri") or "").matches:
        raise Refused(400, MATCHES_MISPLACED)
    return rewritten


def _no_parent(question: dict[str, Any]) -> Any:
    return [[] for _ in question.get("lookup", [])]


def syntax_message(view: View, request: dict[str, Any], error: SyntaxError) -> str:
    """The engine's own message (with its position) where this worker is sealed off the
    network, so that letting Oxigraph read the text is harmless; else the grammar's."""
    if view.guard == "seccomp":
        try:
            check_syntax({**request, "query": decode_escapes(request["query"]),
                          "formats": {"solutions": "json", "graph": "nt"}})
        except SyntaxError as engine_error:
            return str(engine_error)
        except Exception:  # it parsed: the grammar's message stands
            pass
    return str(error)


def remote() -> Any:
    """:mod:`web.sparql_engine.remote`, imported when first needed (it is not light)."""
    from web.sparql_engine import remote as module

    return module


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: an allocation past it fails (MemoryError in
    Python; Oxigraph's Rust code aborts the process), and the parent replaces the worker."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not dump a core
    if megabytes > 0:
        size = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))


def main() -> None:
    options = argparse.ArgumentParser()
    options.add_argument("--memory", type=int, default=0, help="address space limit, MB")
    options.add_argument("--engine-port", type=int, default=None,
                         help="the SPARQL engine's TCP port (else: no network at all)")
    arguments = options.parse_args()
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the reply channel
    limit_memory(arguments.memory)
    parse("ASK {}", {}, "")  # the grammar's first use costs ~60 ms: not a query's time
    view = View(netguard.guard(arguments.engine_port))
    write_message(channel_out, (READY, view.guard))

    def ask(question: dict[str, Any]) -> Any:
        write_message(channel_out, question)
        return (read_message(channel_in) or {}).get("found", [])

    while (request := read_message(channel_in)) is not None:
        write_message(channel_out, answer(view, request, ask))
    os._exit(0)


if __name__ == "__main__":
    main()
