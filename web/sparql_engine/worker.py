"""A query worker: a child process that evaluates one SPARQL query at a time.

Run as ``python -m web.sparql_engine.worker``; it reads length-prefixed pickled requests
on stdin and writes replies on stdout. It opens the archive store read-only (reopened
when the change log moved), loads an N-Quads snapshot for in-memory archives, or sends
the query to the archive's SPARQL engine. The parent kills it when a query overruns its
time limit: pyoxigraph has no cancel call (and a remote engine may not honour one).
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import time
from typing import Any, BinaryIO

import pyoxigraph as ox

from web.sparql_engine.answers import check_syntax, evaluate

_HEADER = struct.Struct("!Q")
READY = "ready"  # the first message of a worker: imports done, requests welcome


class StoreUnavailable(Exception):
    """The store's files could not be opened, even after waiting a moment."""


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
    """The store as this worker sees it, at one change-log sequence number; or, for an
    archive on a SPARQL engine, the engine itself (it always answers at its present)."""

    def __init__(self) -> None:
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


def answer(view: View, request: dict[str, Any]) -> dict[str, Any]:
    try:
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
    except SyntaxError as error:
        return {"ok": False, "error": "syntax", "message": str(error)}
    except StoreUnavailable as error:
        return {"ok": False, "error": "unavailable", "message": str(error)}
    except Exception as error:
        failure = remote().failure(error) if view.remote is not None else None
        if failure is not None:
            return failure
        if isinstance(error, OSError | ValueError | TypeError | RuntimeError):
            return {"ok": False, "error": "evaluation", "message": str(error)}
        raise


def remote() -> Any:
    """:mod:`web.sparql_engine.remote`, imported when first needed (it is not light)."""
    from web.sparql_engine import remote as module

    return module


def main() -> None:
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the reply channel
    view = View()
    write_message(channel_out, READY)
    while (request := read_message(channel_in)) is not None:
        write_message(channel_out, answer(view, request))
    os._exit(0)


if __name__ == "__main__":
    main()
