"""Writes on a remote engine (Virtuoso) are all or nothing, wherever the connection fails.

A write larger than one request (250 quads on Virtuoso) is staged outside the archive and
applied by one update operation. A real HTTP proxy between the archive and a real Virtuoso
refuses the n-th update request of a write, for every n in turn: each refused write leaves
the archive's graphs exactly as they were, with nothing left staged; the write that gets
through stores everything and its change-log entries.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from archive import Archive, ArchiveError
from archive.remote_store import RemoteStore
from archive.settings import DEFAULT_BASE
from tests.support import emptied

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
              "content-encoding", "host"}


class FaultProxy:
    """Forwards every request to the engine, but answers 500 to the ``fail_at``-th
    authenticated update request (counted from the proxy's start)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.updates = 0
        self.fail_at: int | None = None
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if "update" in parse_qs(body.decode()) and "Authorization" in self.headers:
                    with proxy._lock:
                        proxy.updates += 1
                        refuse = proxy.updates == proxy.fail_at
                    if refuse:
                        self._answer(500, {"Content-Type": "text/plain"}, b"injected fault")
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                answer = requests.post(proxy.target, data=body, headers=headers, timeout=120)
                self._answer(answer.status_code, {k: v for k, v in answer.headers.items()
                                                  if k.lower() not in HOP_BY_HOP},
                             answer.content)

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{urlsplit(target).path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxied(virtuoso_server: Any, remote_store_url: Any, tmp_path: Path
            ) -> Iterator[tuple[Archive, FaultProxy]]:
    proxy = FaultProxy(remote_store_url(DEFAULT_BASE))
    archive = Archive(tmp_path / "data", store=proxy.url)
    yield archive, proxy
    archive.close()
    proxy.close()


def staged_lines(server: Any) -> int:
    """Lines in the staging graph, asked of the engine directly (the archive never sees it)."""
    answer = requests.post(server.url, data={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH "
                                             "<urn:x-rights-archive:staging> { ?s ?p ?o } }"},
                           headers={"Accept": "application/sparql-results+json"},
                           auth=requests.auth.HTTPDigestAuth(server.user, server.password),
                           timeout=60)
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def contents(archive: Archive) -> set[tuple[str, str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
            for q in archive.store.quads()}


def cut_at_every_request(archive: Archive, proxy: FaultProxy, server: Any, write: Any) -> int:
    """Run ``write`` with its 1st, 2nd, … update refused until one gets through; the
    number of refused attempts. Each refusal must leave the archive as it was."""
    before, sequence = contents(archive), archive.last_sequence()
    for refused in itertools.count():
        proxy.fail_at = proxy.updates + refused + 1
        try:
            write()
        except ArchiveError:
            assert contents(archive) == before, f"update {refused + 1} cut off: store changed"
            assert archive.last_sequence() == sequence
            assert staged_lines(server) == 0
            continue
        proxy.fail_at = None
        return refused
    raise AssertionError("unreachable")


def test_a_large_write_cut_off_anywhere_stores_nothing(proxied, virtuoso_server,
                                                       sample_statements) -> None:
    archive, proxy = proxied
    records = sample_statements
    assert archive.store.chunk == 250
    refused = cut_at_every_request(archive, proxy, virtuoso_server,
                                   lambda: archive.save(records, agent="test"))
    assert refused >= 3  # the claim, two or more staged requests, the operation that applies
    assert sorted(archive.record_ids()) == sorted(r["id"] for r in records)
    assert [c.record_id for c in archive.changes()] == [r["id"] for r in records]
    assert staged_lines(virtuoso_server) == 0
    stored = contents(archive)

    edited = [{**r, "title": r["title"] + " (corrected)"} for r in records]
    refused = cut_at_every_request(archive, proxy, virtuoso_server,
                                   lambda: archive.save(edited, agent="test", replace=True))
    assert refused >= 3
    assert contents(archive) != stored
    for record in edited:
        assert archive.record(record["id"]).title_text() == record["title"]
        assert archive.state(record["id"]) == (2, "update")
    assert len(archive.changes()) == 2 * len(records)
    assert staged_lines(virtuoso_server) == 0


def test_an_emptied_store_keeps_no_claim_a_cut_off_write_left(virtuoso_server, remote_store_url,
                                                             tmp_path: Path) -> None:
    """A write cut off before it withdrew its claim leaves the claim until it lapses; an
    archive made on the store after ``clear`` (tests, a failed migration) must not inherit
    it, or its first write is refused as another process's."""
    url = remote_store_url(DEFAULT_BASE)
    store = RemoteStore(url, prefix=DEFAULT_BASE)
    store.update(f"INSERT DATA {{ GRAPH <urn:x-rights-archive:claims> {{ <{DEFAULT_BASE}changes/1> "
                 "<urn:x-rights-archive:claimedBy> \"left-behind\" ; "
                 "<urn:x-rights-archive:claimedAt> "
                 "\"2999-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> } }")
    assert store.writing()
    store.clear()
    assert not store.writing()
    store.close()
    archive = Archive(tmp_path / "data", store=emptied(virtuoso_server, DEFAULT_BASE))
    record = {"id": "claims-cleared", "title": "Statement after a cleared store",
              "issuer": "Water Network", "date": "2024-03-22", "type": "press statement"}
    assert [s.id for s in archive.save([record], agent="test")] == ["claims-cleared"]
    archive.close()
