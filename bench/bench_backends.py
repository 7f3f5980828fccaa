"""Store backends side by side: embedded Oxigraph and Virtuoso (Debian) in the same run.

Usage: .venv/bin/python bench/bench_backends.py [--records N] [--queries Q] [--json]
Starts a private Virtuoso (tests/virtuoso.py), then for each backend: import of N sample
records in batches of 25 (records/s), single-record writes (writes/s), record reads
(reads/s) and SPARQL SELECTs of three kinds (queries/s, median latency).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import Archive  # noqa: E402
from tests.virtuoso import Virtuoso  # noqa: E402

QUERIES = {
    "count statements": "SELECT (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a "
                        "<https://w3id.org/rights-archive/vocab#Statement> } }",
    "titles by year": "SELECT ?s ?title ?issued WHERE { GRAPH ?g { ?s "
                      "<http://purl.org/dc/terms/title> ?title ; "
                      "<http://purl.org/dc/terms/issued> ?issued } } ORDER BY DESC(?issued) "
                      "LIMIT 20",
    "issuers with counts": "SELECT ?issuer (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s "
                           "<https://w3id.org/rights-archive/vocab#issuer> ?issuer } } "
                           "GROUP BY ?issuer ORDER BY DESC(?n) LIMIT 10",
}


def sample(count: int) -> list[dict]:
    lines = []
    for name in ("statements.jsonl", "ungdc-selection.jsonl"):
        text = (ROOT / "archive" / "sample" / name).read_text(encoding="utf-8")
        lines += [json.loads(line) for line in text.splitlines() if line.strip()]
    records = []
    for record in lines[:count]:
        record = copy.deepcopy(record)
        record.pop("see_also", None)
        records.append(record)
    return records


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def measure(archive: Archive, records: list[dict], queries: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    start = time.perf_counter()
    for first in range(0, len(records), 25):
        archive.save(records[first:first + 25], agent="bench")
    figures["import records/s"] = len(records) / (time.perf_counter() - start)
    ids = list(archive.record_ids())
    edits = []
    for number, record_id in enumerate(ids[:10]):
        record = archive.record(record_id).to_json()
        record["title"] = f"Edited title {number}"
        edits.append(record)
    writes = timed(lambda: archive.save([edits.pop()], agent="bench", replace=True), 10)
    figures["single writes/s"] = 1 / statistics.median(writes)
    reads = timed(lambda: [archive.record(i) for i in ids[:20]], 3)
    figures["record reads/s"] = 20 / statistics.median(reads)
    for name, sparql in QUERIES.items():
        latency = statistics.median(timed(lambda q=sparql: archive.store.select(q), queries))
        figures[f"SPARQL {name} (ms)"] = latency * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    records = sample(options.records)
    folder = Path(tempfile.mkdtemp(prefix="bench-backends-"))
    results = {}
    embedded = Archive(folder / "embedded", store=folder / "embedded" / "store")
    results["oxigraph (embedded)"] = measure(embedded, records, options.queries)
    embedded.close()
    with Virtuoso(folder / "virtuoso") as server:
        os.environ.update({k: v for k, v in server.environment.items()
                           if k != "RIGHTS_ARCHIVE_STORE"})
        remote = Archive(folder / "remote", store=server.url)
        results["virtuoso (SPARQL over HTTP)"] = measure(remote, records, options.queries)
        remote.close()
    if options.json:
        print(json.dumps(results, indent=2))
        return
    names = list(next(iter(results.values())))
    print(f"{len(records)} records, {options.queries} runs per query (median)")
    print(f"{'':32}" + "".join(f"{backend:>30}" for backend in results))
    for name in names:
        print(f"{name:32}" + "".join(f"{results[b][name]:>30.1f}" for b in results))


if __name__ == "__main__":
    main()
