"""Search benchmark: the Whoosh index beside SQLite FTS5 on the same speeches and queries.

    .venv/bin/python bench/bench_search.py --docs 2000 [--procs 2] [--queries 40]
    .venv/bin/python bench/bench_search.py --data COPY [--queries 20] [--rounds 3]

Prints a markdown table: indexing docs/s, index size, peak RSS, and query p50/p95 by
query kind (every Whoosh query also computes all facets and snippets; FTS5 computes
snippets and issuer/year counts).

``--data`` runs on an existing data folder instead (a *copy*: the index is opened for
reading, but Whoosh may still write a lock): the query kinds of ``bench/run.py`` drawn
from the indexed texts, each with cold caches (no facet counts or match sets kept
between queries), CPU and wall p50/p95 per kind, the facet data's build time and size
(tracemalloc) and the process's resident memory.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from archive import Archive
from archive.corpus import read_ungdc
from search import SearchIndex
from search.documents import decompress
from search.facets import FacetData

WORD = re.compile(r"[a-z]{5,}")


def load(count: int, corpus_size: int = 6500) -> list[dict]:
    """``count`` speeches spread over the corpus's years (every k-th line)."""
    return list(read_ungdc(limit=count, every=max(1, corpus_size // count)))


def queries(records: list[dict], per_kind: int, rng: random.Random) -> dict[str, list]:
    """(whoosh args, fts5 match) per query kind, drawn from the texts."""
    texts = [r["text"].lower() for r in rng.sample(records, min(len(records), per_kind * 4))]
    words = [w for t in texts for w in WORD.findall(t)[:400]]
    issuers = sorted({r["issuer"]["name"] for r in records})
    kinds: dict[str, list] = {k: [] for k in (
        "one word", "three words", "phrase", "prefix", "fuzzy", "OR", "NOT", "issuer:",
        "treaty synonym", "filters+dates", "empty q, newest")}
    for _ in range(per_kind):
        a, b, c = rng.sample(words, 3)
        text = rng.choice(texts)
        pair = " ".join(rng.choice([m for m in re.finditer(r"[a-z]{4,} [a-z]{4,}", text)])
                        .group().split())
        issuer = rng.choice(issuers)
        year = str(rng.randint(1990, 2024))
        kinds["one word"].append(({"q": a}, a))
        kinds["three words"].append(({"q": f"{a} {b} {c}"}, f"{a} {b} {c}"))
        kinds["phrase"].append(({"q": f'"{pair}"'}, f'"{pair}"'))
        kinds["prefix"].append(({"q": a[:4] + "*"}, a[:4] + "*"))
        kinds["fuzzy"].append(({"q": a[:-1] + "x~"}, a))
        kinds["OR"].append(({"q": f"{a} OR {b}"}, f"{a} OR {b}"))
        kinds["NOT"].append(({"q": f"{a} NOT {b}"}, f"{a} NOT {b}"))
        kinds["issuer:"].append(({"q": f'issuer:"{issuer}"'}, f'issuer:"{issuer}"'))
        kinds["treaty synonym"].append(({"q": "CEDAW"}, '"CEDAW" OR "Convention on the '
                                        'Elimination of All Forms of Discrimination against '
                                        'Women"'))
        kinds["filters+dates"].append(({"q": a, "date_from": year, "date_to": "2024",
                                        "filters": {"type": ["speech"]}}, a))
        kinds["empty q, newest"].append(({"q": "", "sort": "-date"}, None))
    return kinds


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build_fts(records: list[dict], path: Path) -> tuple[sqlite3.Connection, float]:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id, issuer, year)")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, issuer, text, "
               "tokenize='porter unicode61 remove_diacritics 2')")
    start = time.perf_counter()
    with db:
        for n, r in enumerate(records):
            db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (n, r["id"],
                       r["issuer"]["name"], r["date"]))
            db.execute("INSERT INTO fts(rowid, title, issuer, text) VALUES (?, ?, ?, ?)",
                       (n, r["title"], r["issuer"]["name"], r["text"]))
    return db, time.perf_counter() - start


def fts_search(db: sqlite3.Connection, match: str | None) -> int:
    if match is None:
        db.execute("SELECT id FROM docs ORDER BY year DESC LIMIT 20").fetchall()
        facets = "SELECT {0}, COUNT(*) FROM docs GROUP BY {0}"
        for column in ("issuer", "year"):
            db.execute(facets.format(column)).fetchall()
        return db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    db.execute("SELECT rowid, snippet(fts, 2, '<mark>', '</mark>', '…', 30) FROM fts "
               "WHERE fts MATCH ? ORDER BY rank LIMIT 20", (match,)).fetchall()
    for column in ("issuer", "year"):
        db.execute(f"SELECT {column}, COUNT(*) FROM docs WHERE rowid IN (SELECT rowid FROM "
                   f"fts WHERE fts MATCH ?) GROUP BY {column}", (match,)).fetchall()
    return db.execute("SELECT COUNT(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def archive_cases(index: SearchIndex, per_kind: int, rng: random.Random
                  ) -> dict[str, list[dict]]:
    """bench/run.py's query kinds (plus an empty query with a year), drawn from the
    English texts of the index itself."""
    searcher = index.view().searcher
    texts: list[str] = []
    for docnum in rng.sample(range(searcher.doc_count_all()), min(600, searcher.doc_count())):
        if searcher.reader().is_deleted(docnum):
            continue
        stored = searcher.stored_fields(docnum)
        if stored.get("display", {}).get("language", "en") == "en" and len(texts) < 200:
            texts.append(decompress(stored.get("body")).lower())
    words = [w for t in texts for w in WORD.findall(t)[:300]]
    kinds: dict[str, list[dict]] = {k: [] for k in (
        "term", "AND", "phrase", "facets", "date range", "sorted by date", "empty q, year")}
    for _ in range(per_kind):
        a, b = rng.sample(words, 2)
        pair = " ".join(rng.choice(re.findall(r"[a-z]{4,} [a-z]{4,}", rng.choice(texts)))
                        .split())
        kind = rng.choice(["statement", "press statement", "report", "speech"])
        year = rng.randint(1990, 2019)
        kinds["term"].append({"q": a})
        kinds["AND"].append({"q": f"{a} {b}"})
        kinds["phrase"].append({"q": f'"{pair}"'})
        kinds["facets"].append({"q": a, "filters": {"type": [kind], "language": ["en"]}})
        kinds["date range"].append({"q": a, "date_from": str(year), "date_to": str(year + 4)})
        kinds["sorted by date"].append({"q": a, "sort": "-date"})
        kinds["empty q, year"].append({"q": "", "filters": {"year": [str(year)]}})
    return kinds


def drop_caches(index: SearchIndex) -> None:
    """Forget the current view's results, facet counts and match sets (a cold search)."""
    view = index.view()
    for cache in (view.results, view.counts, view.matches):
        cache.clear()


def memory_mb() -> dict[str, float]:
    """Resident memory of this process from /proc (MB): now, anonymous, file, peak."""
    status = Path("/proc/self/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1)) / 1024
            for key in ("VmRSS", "RssAnon", "RssFile", "VmHWM")}


def bench_data(folder: Path, per_kind: int, rounds: int) -> None:
    """Query kinds on an existing data folder, cold caches; see the module docstring."""
    import tracemalloc

    archive = Archive(folder, read_only=True)
    index = SearchIndex(folder / "index", archive, follow=False)
    view = index.view()
    cpu, wall = time.process_time(), time.perf_counter()
    facets = view.facets
    build_cpu, build_wall = time.process_time() - cpu, time.perf_counter() - wall
    tracemalloc.start()
    again = FacetData(view.searcher)  # the same again, its memory traced
    facet_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del again
    kinds = archive_cases(index, per_kind, random.Random(7))
    print(f"\n## Search on {folder} ({view.searcher.doc_count():,} documents, "
          f"{len(view.searcher.reader().leaf_readers())} segments), {per_kind} queries per "
          f"kind, {rounds} rounds, cold caches\n")
    print(f"Facet data: built in {build_cpu:.2f} s CPU ({build_wall:.2f} s wall), "
          f"{facet_mb:,.1f} MB (tracemalloc); "
          f"{sum(len(v) for v in facets.values.values()):,} facet values.\n")
    print("| query kind (with facets) | CPU p50 ms | CPU p95 ms | wall p50 ms | wall p95 ms "
          "| hits (mean) |\n|---|---:|---:|---:|---:|---:|")
    for kind, cases in kinds.items():
        cpu_ms, wall_ms, hits = [], [], []
        for _ in range(rounds):
            for case in cases:
                drop_caches(index)
                cpu, wall = time.process_time(), time.perf_counter()
                hits.append(index.search(**case).total)
                cpu_ms.append((time.process_time() - cpu) * 1000)
                wall_ms.append((time.perf_counter() - wall) * 1000)
        print(f"| {kind} | {pct(cpu_ms, .5):.1f} | {pct(cpu_ms, .95):.1f} | "
              f"{pct(wall_ms, .5):.1f} | {pct(wall_ms, .95):.1f} | {statistics.mean(hits):,.0f} |")
    memory = memory_mb()
    print(f"\nMemory: resident {memory['VmRSS']:,.0f} MB (anonymous {memory['RssAnon']:,.0f}, "
          f"file-backed {memory['RssFile']:,.0f}), peak {memory['VmHWM']:,.0f} MB.")
    index.close()
    archive.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--data", type=Path, help="an existing data folder (a copy)")
    parser.add_argument("--rounds", type=int, default=1, help="with --data: repeats")
    args = parser.parse_args()
    if args.data:
        bench_data(args.data, args.queries, args.rounds)
        return
    rng = random.Random(7)
    records = load(args.docs)
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        archive = Archive(None)
        for start in range(0, len(records), 500):
            archive.save(records[start:start + 500], agent="bench")
        rows = []
        path = work / "index"
        ms, index = timed(lambda: SearchIndex(path, archive, follow=False, procs=args.procs,
                                              multisegment=args.procs > 1))
        rows.append(("Whoosh first catch-up (one writer, procs=1)", len(records) / ms * 1000,
                     folder_size(path)))
        ms, _ = timed(index.reindex)
        rows.append((f"Whoosh reindex (procs={args.procs}, multisegment={args.procs > 1})",
                     len(records) / ms * 1000, folder_size(path)))
        db, seconds = build_fts(records, work / "fts.db")
        rows.append(("SQLite FTS5", len(records) / seconds, (work / "fts.db").stat().st_size))
        kinds = queries(records, args.queries, rng)
        index.search("warm up")
        table = []
        for kind, cases in kinds.items():
            w_times, f_times, w_hits, f_hits = [], [], [], []
            for whoosh_args, match in cases:
                ms, result = timed(lambda a=whoosh_args: index.search(**a))
                w_times.append(ms)
                w_hits.append(result.total)
                ms, count = timed(lambda m=match: fts_search(db, m))
                f_times.append(ms)
                f_hits.append(count)
            table.append((kind, pct(w_times, .5), pct(w_times, .95), statistics.mean(w_hits),
                          pct(f_times, .5), pct(f_times, .95), statistics.mean(f_hits)))
        view = index.view()
        docnums = list(range(min(20, len(records))))
        stored_ms, _ = timed(lambda: [decompress(view.searcher.stored_fields(d).get("body"))
                                      for d in docnums])
        ids = [view.searcher.stored_fields(d)["id"] for d in docnums]
        store_ms, _ = timed(lambda: [archive.record(i).text for i in ids])
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n## Search benchmark: {len(records):,} speeches, {args.queries} queries "
              f"per kind, peak RSS {rss:,.0f} MB\n")
        print("| indexing | docs/s | index size |\n|---|---:|---:|")
        for name, rate, size in rows:
            print(f"| {name} | {rate:,.0f} | {size / 1e6:,.1f} MB |")
        print("\n| query kind (with facets) | Whoosh p50 ms | Whoosh p95 ms | Whoosh hits "
              "| FTS5 p50 ms | FTS5 p95 ms | FTS5 hits |\n|---|---:|---:|---:|---:|---:|---:|")
        for kind, wp50, wp95, wh, fp50, fp95, fh in table:
            print(f"| {kind} | {wp50:.1f} | {wp95:.1f} | {wh:,.0f} | {fp50:.1f} | {fp95:.1f} "
                  f"| {fh:,.0f} |")
        print(f"\nSnippet text for 20 hits: stored (zlib) {stored_ms:.1f} ms, re-read from the "
              f"store {store_ms:.1f} ms.")
        index.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
