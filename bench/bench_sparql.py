"""Benchmark of /sparql: p50/p95 of typical queries through the endpoint (HTTP, worker
process, serialization) beside bare pyoxigraph on the same store and queries, same run.

    python bench/bench_sparql.py --records 2000 [--repeat 30] [--data DIR]

Records are UN General Debate speeches from the bundled corpus, cloned with new ids past
the corpus size. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from archive.corpus import read_ungdc
from web.app import create_app
from web.sparql_engine import lexer
from web.sparql_engine.examples import EXAMPLES

QUERIES: dict[str, str] = {
    "treaty by year": EXAMPLES[0][1],
    "responses to an event": EXAMPLES[1][1],
    "issuer counts": EXAMPLES[2][1],
    "without a treaty": EXAMPLES[3][1],
    "full text + treaty": EXAMPLES[4][1],
    "one statement (CONSTRUCT)": EXAMPLES[5][1],
    "count statements": "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ra:Statement }",
}


def records(n: int) -> Iterator[dict[str, Any]]:
    """``n`` records: the corpus, then clones of it with fresh ids."""
    corpus = list(read_ungdc(limit=n))
    for i, record in zip(range(n), itertools.cycle(corpus), strict=False):
        lap = i // len(corpus)
        yield record if lap == 0 else {**record, "id": f"{record['id']}-copy{lap}",
                                       "title": f"{record['title']} (copy {lap})"}


def build(folder: Path, n: int) -> None:
    app = create_app({"DATA_DIR": folder})
    archive = app.extensions["archive"]
    if sum(1 for _ in archive.record_ids()) < n:
        batch: list[dict[str, Any]] = []
        for record in records(n):
            batch.append(record)
            if len(batch) == 500:
                archive.save(batch, agent="bench")
                batch = []
        if batch:
            archive.save(batch, agent="bench")
    archive.close()


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    call()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def run(folder: Path, repeat: int) -> list[tuple[str, float, float, float, float]]:
    app = create_app({"DATA_DIR": folder, "RATELIMIT_SPARQL": "1000000 per minute",
                      "SPARQL_TIMEOUT": 120, "SPARQL_MAX_ROWS": 100_000})
    archive, index = app.extensions["archive"], app.extensions["index"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/sparql"
    rows = []
    for name, query in QUERIES.items():
        graph = query.lstrip().startswith("CONSTRUCT")
        fmt = "ttl" if graph else "json"

        def endpoint(query: str = query, fmt: str = fmt) -> bytes:
            target = url + "?" + urllib.parse.urlencode({"query": query, "format": fmt})
            with urllib.request.urlopen(target) as response:
                return response.read()

        def bare(query: str = query) -> int:
            text = lexer.rewrite_matches(query, lambda q: [
                h.uri for h in index.search(q, {}, "relevance", 1, 100_000).results])[0]
            result = archive.store.query(text, prefixes=lexer.PREFIXES, base_iri=archive.base,
                                         use_default_graph_as_union=True)
            return sum(1 for _ in result)  # type: ignore[attr-defined]

        rows.append((name, *timed(endpoint, repeat), *timed(bare, repeat)))
    server.shutdown()
    app.extensions["sparql_pool"].close()
    archive.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--data", type=Path, help="data folder to build in (kept)")
    options = parser.parse_args()
    folder = options.data or Path(tempfile.mkdtemp(prefix="bench-sparql-"))
    started = time.perf_counter()
    build(folder, options.records)
    print(f"{options.records} records in {folder} (built in "
          f"{time.perf_counter() - started:.0f} s); {options.repeat} runs per query\n")
    print("| query | endpoint p50 ms | endpoint p95 ms | bare pyoxigraph p50 ms "
          "| bare p95 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, p50, p95, bare50, bare95 in run(folder, options.repeat):
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {bare50:.1f} | {bare95:.1f} |")


if __name__ == "__main__":
    main()
