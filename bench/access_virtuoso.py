"""Layout (d) of bench/access_layouts.py on Virtuoso: the bench's SPARQL queries over the
union of the archive's graphs (today) beside one access graph as the default graph.

    python bench/access_virtuoso.py [--size 10000] [--repeat 10] [--work /tmp/access-layouts]

Uses the base archive access_layouts.py built for ``--size`` (run that first), starts a
private Virtuoso (tests/virtuoso.py: loopback only, its own folder), bulk-loads the
statement graphs plus their access-graph copies (the layout as it would be written), and
times each query through the SPARQL protocol, the ways taking turns. Today's union is
written as RemoteStore writes it: Virtuoso's own graphs (and here the access graphs)
excluded with ``input:default-graph-exclude``. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from access_layouts import QUERIES, level_quads, matches_lookup, plan, say
from bench_search import pct

from archive.remote_query import prologue
from tests.virtuoso import Virtuoso
from web.sparql_engine import lexer


def load(server: Virtuoso, store: ox.Store, p: Any, folder: Path) -> None:
    with (folder / "access.nq").open("wb") as out:
        ox.serialize(level_quads(store, p), out, ox.RdfFormat.N_QUADS)
    server._isql("ld_dir('.', 'access.nq', 'urn:x-unused'); rdf_loader_run(); checkpoint;")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/access-layouts"))
    args = parser.parse_args()
    base_dir = args.work / f"size-{args.size}" / "base"
    base = json.loads((base_dir / "archive.json").read_text())["base_uri"]
    store = ox.Store.read_only(str(base_dir / "store"))
    p = plan(store, base, args.share, args.seed)
    everyone, public = matches_lookup(store, p, False), matches_lookup(store, p, True)
    folder = Path(tempfile.mkdtemp(prefix="access-virtuoso-"))
    try:
        rows, ways = measure(folder, store, p, base, everyone, public, args.repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(args.size, len(p.hidden), rows, list(ways))


def measure(folder: Path, store: ox.Store, p: Any, base: str, everyone: list[str],
            public: list[str], repeat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per query and way: p50, p95 (ms) and the result count."""
    with Virtuoso(folder) as server:
        started = time.perf_counter()
        load(server, store, p, folder)
        say(f"loaded in {time.perf_counter() - started:.0f} s")
        auth = HTTPDigestAuth(server.user, server.password)
        foreign = [r["g"]["value"] for r in requests.post(server.url, auth=auth, data={
            "query": f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS("
                     f"STR(?g), \"{base}\")) }}"},
            headers={"Accept": "application/sparql-results+json"}, timeout=120
        ).json()["results"]["bindings"]]
        access = [f"{base}access/public", f"{base}access/internal"]
        ways = {
            "today (union, all records)": ([f"DEFINE input:default-graph-exclude <{g}>"
                                            for g in foreign + access], everyone),
            "(d) anonymous: access/public": ([f"DEFINE input:default-graph-uri <{access[0]}>"],
                                             public),
            "(d) editors: both access graphs": ([f"DEFINE input:default-graph-uri <{g}>"
                                                 for g in access], everyone),
        }
        rows = {}
        for name, query in QUERIES.items():
            if "GRAPH" in query:
                continue
            samples: dict[str, list[float]] = {way: [] for way in ways}
            counts: dict[str, int] = {}
            for round_ in range(repeat + 1):
                for way, (pragmas, found) in ways.items():
                    text = lexer.rewrite_matches(query, lambda _, f=found: f)[0]
                    text = "\n".join([*pragmas, prologue(text, base, lexer.PREFIXES)])
                    accept = "application/n-triples" if "CONSTRUCT" in query else \
                        "application/sparql-results+json"
                    started = time.perf_counter()
                    response = requests.post(server.url, auth=auth, data={"query": text},
                                             headers={"Accept": accept}, timeout=300)
                    elapsed = (time.perf_counter() - started) * 1000
                    response.raise_for_status()
                    counts[way] = (len(response.json()["results"]["bindings"])
                                   if "json" in accept else sum(
                                       1 for line in response.text.splitlines()
                                       if line.strip() and not line.startswith("#")))
                    if round_:
                        samples[way].append(elapsed)
            rows[name] = {way: (pct(s, .5), pct(s, .95), counts[way])
                          for way, s in samples.items()}
            say(f"  {name}: " + ", ".join(f"{w} {v[1]:.1f} ms" for w, v in rows[name].items()))
    return rows, ways


def print_table(size: int, hidden: int, rows: dict[str, Any], names: list[str]) -> None:
    print(f"### Virtuoso, {size:,} statements, {hidden:,} of them non-public\n")
    print("| query | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for query, row in rows.items():
        today = row[names[0]][1]
        cells = [f"{v[0]:,.1f} / {v[1]:,.1f} ({v[2]:,}"
                 + (f", ×{v[1] / today:.2f})" if way != names[0] and today else ")")
                 for way, v in row.items()]
        print(f"| {query} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
