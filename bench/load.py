"""Load test: many readers and one archivist against a real ``rights-archive serve``.

Bounded in time (``--seconds``) and in count (``--max-requests``), loopback only. It builds a
fresh data folder (the bundled sample), starts the production server on a free port, runs
``--clients`` reader threads mixing search, record pages, SPARQL and OAI-PMH while an
archivist thread posts batches of General Debate speeches through the write API, then checks
that every acknowledged write is there and prints errors and latency percentiles.

    .venv/bin/python bench/load.py --clients 50 --seconds 60
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

from archive.corpus import read_ungdc
from web.auth import AuthStore

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(Path(sys.executable).with_name("rights-archive"))]
WORDS = ["human rights", "withdrawal", "council", "women", "climate", "refugees", "peace",
         "development", "CEDAW", "torture", "children", "democracy"]
SPARQL = ("SELECT ?s ?title WHERE { GRAPH ?g { ?s <http://purl.org/dc/terms/title> ?title } } "
          "LIMIT 20")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Latencies and errors per kind of request, shared by every client thread."""

    def __init__(self, limit: int) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.count = 0
        self.limit = limit

    def take(self) -> bool:
        """Reserve one request under the count bound."""
        with self.lock:
            if self.count >= self.limit:
                return False
            self.count += 1
            return True

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def reader_requests(ids: list[str], uri_base: str) -> list[tuple[str, str, dict[str, str]]]:
    """One round of (kind, path, headers) for a reader."""
    record = random.choice(ids)
    identifier = requests.utils.quote(f"{uri_base}statements/{record}", safe="")
    word = random.choice(WORDS)
    return [
        ("search-api", f"/api/search?q={word}", {}),
        ("search-page", f"/search?q={word}&sort=-date", {"Accept": "text/html"}),
        ("record-page", f"/statements/{record}", {"Accept": "text/html"}),
        ("record-rdf", f"/statements/{record}", {"Accept": "text/turtle"}),
        ("sparql", f"/sparql?query={requests.utils.quote(SPARQL)}",
         {"Accept": "application/sparql-results+json"}),
        ("oai", "/oai?verb=ListRecords&metadataPrefix=oai_dc", {}),
        ("oai-record", f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}",
         {}),
    ]


def reader(base: str, ids: list[str], uri_base: str, recorder: Recorder, deadline: float
           ) -> None:
    session = requests.Session()
    while time.monotonic() < deadline:
        for kind, path, headers in random.sample(reader_requests(ids, uri_base), 7):
            if time.monotonic() >= deadline or not recorder.take():
                return
            started = time.perf_counter()
            error = None
            try:
                response = session.get(base + path, headers=headers, timeout=60)
                if response.status_code >= 400 or b"<error code=" in response.content:
                    error = f"{response.status_code} {path}"
            except requests.RequestException as failure:
                error = f"{type(failure).__name__} {path}"
            recorder.add(kind, time.perf_counter() - started, error)


class Archivist(threading.Thread):
    """Posts batches of speeches through the write API until the deadline."""

    def __init__(self, base: str, token: str, records: list[dict[str, Any]], batch: int,
                 recorder: Recorder, deadline: float) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.records, self.batch = base, token, records, batch
        self.recorder, self.deadline = recorder, deadline
        self.acknowledged: list[str] = []

    def run(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        for start in range(0, len(self.records), self.batch):
            if time.monotonic() >= self.deadline:
                return
            chunk = self.records[start:start + self.batch]
            started = time.perf_counter()
            error = None
            try:
                response = session.post(f"{self.base}/api/statements", json=chunk, timeout=120)
                if response.status_code == 201:
                    self.acknowledged += [r["id"] for r in chunk]
                else:
                    error = f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as failure:
                error = type(failure).__name__
            self.recorder.add("import-batch", time.perf_counter() - started, error)
            time.sleep(0.2)


def prepare(folder: Path) -> tuple[list[str], str]:
    """A data folder with the sample collection and an editor token."""
    subprocess.run([*COMMAND, "--data", str(folder), "create", "--sample"], check=True,
                   capture_output=True)
    ids = [json.loads(line)["id"] for name in ("statements.jsonl", "ungdc-selection.jsonl")
           for line in (ROOT / "archive" / "sample" / name).read_text().splitlines() if line]
    _, token = AuthStore(folder / "auth.sqlite3").create_token("load-archivist", "editor")
    return ids, token


def start_server(folder: Path, port: int, threads: int) -> subprocess.Popen[bytes]:
    log = (folder.parent / "server.log").open("wb")  # for the error message below
    env = {**os.environ, "RIGHTS_ARCHIVE_RATELIMIT_API": "1000000 per minute",
           "RIGHTS_ARCHIVE_RATELIMIT_SPARQL": "1000000 per minute"}
    process = subprocess.Popen([*COMMAND, "--data", str(folder), "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--threads", str(threads)],
                               stdout=subprocess.DEVNULL, stderr=log, env=env,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/statements/none", timeout=2)
            return process
        except requests.ConnectionError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the server did not start:\n" + (folder.parent / "server.log").read_text())


def verify(base: str, ids: list[str]) -> list[str]:
    """Acknowledged ids the server does not have (must be none)."""
    session = requests.Session()
    return [i for i in ids if session.get(f"{base}/api/statements/{i}", timeout=30)
            .status_code != 200]


def report(recorder: Recorder, elapsed: float, archivist: Archivist, lost: list[str],
           args: argparse.Namespace) -> dict[str, Any]:
    every = list(itertools.chain.from_iterable(
        v for k, v in recorder.latencies.items() if k != "import-batch"))
    kinds = {kind: {"requests": len(values), "errors": len(recorder.errors[kind]),
                    "p50_ms": round(percentile(values, 0.50) * 1000, 1),
                    "p95_ms": round(percentile(values, 0.95) * 1000, 1)}
             for kind, values in sorted(recorder.latencies.items())}
    return {"clients": args.clients, "threads": args.threads, "seconds": round(elapsed, 1),
            "requests": len(every), "requests_per_second": round(len(every) / elapsed, 1),
            "errors": sum(len(e) for e in recorder.errors.values()),
            "p50_ms": round(percentile(every, 0.50) * 1000, 1),
            "p95_ms": round(percentile(every, 0.95) * 1000, 1),
            "p99_ms": round(percentile(every, 0.99) * 1000, 1),
            "imported": len(archivist.acknowledged), "lost_writes": len(lost),
            "by_kind": kinds,
            "error_samples": [e for errors in recorder.errors.values() for e in errors[:3]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=500_000)
    parser.add_argument("--threads", type=int, default=8, help="server threads")
    parser.add_argument("--batch", type=int, default=10, help="records per import request")
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 0 < args.seconds <= 600:
        raise SystemExit("at most 500 clients and 600 seconds")
    with tempfile.TemporaryDirectory(prefix="rights-archive-load-") as temporary:
        folder = Path(temporary) / "data"
        ids, token = prepare(folder)
        known = set(ids)
        speeches = [r for r in read_ungdc(limit=3000) if r["id"] not in known]
        port = free_port()  # loopback only: the server binds 127.0.0.1
        server = start_server(folder, port, args.threads)
        base = f"http://127.0.0.1:{port}"
        recorder = Recorder(args.max_requests)
        try:
            started = time.monotonic()
            deadline = started + args.seconds
            archivist = Archivist(base, token, speeches, args.batch, recorder, deadline)
            archivist.start()
            uri_base = json.loads((folder / "archive.json").read_text())["base_uri"]
            clients = [threading.Thread(target=reader, daemon=True,
                                        args=(base, ids, uri_base, recorder, deadline))
                       for _ in range(args.clients)]
            for client in clients:
                client.start()
            for client in clients:
                client.join(args.seconds + 120)
            archivist.join(240)
            elapsed = time.monotonic() - started
            lost = verify(base, archivist.acknowledged)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(60)
    result = report(recorder, elapsed, archivist, lost, args)
    print(json.dumps(result, indent=2))
    if result["errors"] or lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
