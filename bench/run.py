"""The whole benchmark at one size, with its baselines in the same run, into docs/benchmarks.md.

    .venv/bin/python bench/run.py --size 10000 [--repeat 3] [--import-runs 1]

Generates ``--size`` statements (bench/generate.py), imports them end to end through the
one write path (validation, store, history, index) beside a plain single-process Whoosh
writer, reindexes, runs the query kinds beside SQLite FTS5 and the typical SPARQL queries
beside bare pyoxigraph (bench/bench_sparql.py), then starts a real ``rights-archive serve``
on loopback for cold start, requests/s with 16 clients, a full OAI-PMH harvest and peak
RSS. Writes (replaces) the section for this size in docs/benchmarks.md. Every loop is
bounded in count and time; traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import drop_caches, folder_size, pct
from generate import generate
from load import COMMAND, free_port

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BATCH = 1000
CLIENTS = 16
Figures = dict[str, list[float]]


# The machine ------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in (
        "Whoosh-Reloaded", "pyoxigraph", "rdflib", "pyshacl", "Flask", "gunicorn"))
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores, {ram:.0f} GiB RAM, load average "
            f"{os.getloadavg()[0]:.1f} at start; Python {platform.python_version()}, "
            f"{versions}, SQLite {sqlite3.sqlite_version}")


# Import -----------------------------------------------------------------------------------

def open_app(folder: Path) -> Any:
    from web.app import create_app

    return create_app({"DATA_DIR": folder})


def import_once(records: list[dict[str, Any]], folder: Path) -> dict[str, float]:
    """Every record through Archive.save in batches; the index follows each batch."""
    shutil.rmtree(folder, ignore_errors=True)
    app = open_app(folder)
    archive, index = app.extensions["archive"], app.extensions["index"]
    started = time.perf_counter()
    for start in range(0, len(records), BATCH):
        archive.save(records[start:start + BATCH], agent="bench")
    index.catch_up()
    total = time.perf_counter() - started
    index.close()
    archive.close()
    return {"seconds": total}


def whoosh_baseline(records: list[dict[str, Any]], folder: Path) -> float:
    """A plain single-process Whoosh writer (id + text, default analyzer): seconds."""
    from whoosh import fields, index

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), fields.Schema(id=fields.ID(stored=True, unique=True),
                                                    text=fields.TEXT()))
    started = time.perf_counter()
    writer = ix.writer()
    for record in records:
        writer.add_document(id=record["id"], text=record.get("text", ""))
    writer.commit()
    return time.perf_counter() - started


# Search -----------------------------------------------------------------------------------

def issuer_names(record: dict[str, Any]) -> list[str]:
    issuers = record["issuer"] if isinstance(record["issuer"], list) else [record["issuer"]]
    return [i["name"] if isinstance(i, dict) else i for i in issuers]


def build_fts(records: list[dict[str, Any]], iso: Callable[[str], str], path: Path
              ) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute("CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id, issuer, year, date, type, "
               "language)")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, issuer, text, "
               "tokenize='porter unicode61 remove_diacritics 2')")
    with db:
        for n, r in enumerate(records):
            date = iso(r["date"])
            db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)", (
                n, r["id"], issuer_names(r)[0], date[:4], date, r.get("type"),
                r.get("language", "en")))
            db.execute("INSERT INTO fts(rowid, title, issuer, text) VALUES (?, ?, ?, ?)",
                       (n, r["title"], "; ".join(issuer_names(r)), r.get("text", "")))
    for column in ("year", "date", "type", "language", "issuer"):
        db.execute(f"CREATE INDEX docs_{column} ON docs({column})")
    return db


def fts_query(db: sqlite3.Connection, match: str, where: str = "", args: tuple = (),
              order: str = "rank") -> int:
    """Top 20 with snippets, the total, and issuer/year/type counts: like one search page."""
    hits = (f"SELECT docs.id, snippet(fts, 2, '<mark>', '</mark>', '…', 30) FROM fts JOIN docs "
            f"ON docs.rowid = fts.rowid WHERE fts MATCH ? {where} ORDER BY {order} LIMIT 20")
    db.execute(hits.replace("ORDER BY rank", "ORDER BY fts.rank"), (match, *args)).fetchall()
    for column in ("issuer", "year", "type"):
        db.execute(f"SELECT {column}, COUNT(*) FROM docs WHERE rowid IN (SELECT rowid FROM fts "
                   f"WHERE fts MATCH ?) {where} GROUP BY {column}", (match, *args)).fetchall()
    return db.execute(f"SELECT COUNT(*) FROM docs WHERE rowid IN (SELECT rowid FROM fts WHERE "
                      f"fts MATCH ?) {where}", (match, *args)).fetchone()[0]


def query_cases(records: list[dict[str, Any]], per_kind: int, rng: random.Random
                ) -> dict[str, list[tuple[dict[str, Any], tuple]]]:
    """(SearchIndex.search kwargs, fts_query args) per query kind, drawn from the texts."""
    english = [r for r in records if r.get("language") == "en"]
    texts = [r["text"].lower() for r in rng.sample(english, min(len(english), 200))]
    words = [w for t in texts for w in re.findall(r"[a-z]{5,}", t)[:300]]
    kinds: dict[str, list[tuple[dict[str, Any], tuple]]] = {k: [] for k in (
        "term", "AND", "phrase", "facets", "date range", "sorted by date")}
    for _ in range(per_kind):
        a, b = rng.sample(words, 2)
        pair = " ".join(rng.choice(re.findall(r"[a-z]{4,} [a-z]{4,}", rng.choice(texts))
                                   ).split())
        kind = rng.choice(["statement", "press statement", "report", "speech"])
        year = rng.randint(1990, 2019)
        kinds["term"].append(({"q": a}, (a,)))
        kinds["AND"].append(({"q": f"{a} {b}"}, (f"{a} {b}",)))
        kinds["phrase"].append(({"q": f'"{pair}"'}, (f'"{pair}"',)))
        kinds["facets"].append(({"q": a, "filters": {"type": [kind], "language": ["en"]}},
                                (a, "AND type = ? AND language = ?", (kind, "en"))))
        kinds["date range"].append(({"q": a, "date_from": str(year),
                                     "date_to": str(year + 4)},
                                    (a, "AND year BETWEEN ? AND ?", (str(year),
                                                                     str(year + 4)))))
        kinds["sorted by date"].append(({"q": a, "sort": "-date"},
                                        (a, "", (), "docs.date DESC")))
    return kinds


def time_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def cold_search_ms(index: Any, args: dict[str, Any]) -> float:
    """One search with the index view's caches emptied first (as every round-1 search)."""
    drop_caches(index)
    return time_ms(lambda: index.search(**args))


def search_figures(index: Any, db: sqlite3.Connection, cases: dict[str, list], rounds: int
                   ) -> dict[str, dict[str, Figures]]:
    """Per kind: Whoosh and FTS5 p50/p95, one value per round."""
    index.search("warm up")
    out: dict[str, dict[str, Figures]] = {}
    for kind, pairs in cases.items():
        row: dict[str, Figures] = {"w50": [], "w95": [], "f50": [], "f95": []}
        for _ in range(rounds):
            ours = [cold_search_ms(index, args) for args, _ in pairs]
            theirs = [time_ms(lambda f=f: fts_query(db, *f)) for _, f in pairs]
            row["w50"].append(pct(ours, .5))
            row["w95"].append(pct(ours, .95))
            row["f50"].append(pct(theirs, .5))
            row["f95"].append(pct(theirs, .95))
        out[kind] = row
    return out


# The server -------------------------------------------------------------------------------

def start_server(folder: Path, port: int, limit: float = 120) -> tuple[subprocess.Popen, float]:
    """``rights-archive serve`` on loopback; (process, seconds until it first answered)."""
    env = {**os.environ, "RIGHTS_ARCHIVE_RATELIMIT_API": "100000000 per minute",
           "RIGHTS_ARCHIVE_RATELIMIT_SPARQL": "100000000 per minute"}
    started = time.perf_counter()
    process = subprocess.Popen([*COMMAND, "--data", str(folder), "serve", "--host",
                                "127.0.0.1", "--port", str(port), "--threads", "16"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                               start_new_session=True)
    while time.perf_counter() - started < limit:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/statements/none", timeout=5)
            return process, time.perf_counter() - started
        except requests.ConnectionError:
            time.sleep(0.02)
    stop_server(process)
    raise SystemExit("the server did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


def server_pids(pid: int) -> list[int]:
    """The server process and its children (the worker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(p) for p in children.read_text().split())] if children.exists() \
        else [pid]


def peak_rss_mb(pid: int) -> float:
    """The largest VmHWM among the server process and its children (the worker)."""
    peak = 0
    for each in server_pids(pid):
        status = Path(f"/proc/{each}/status")
        if status.exists():
            found = re.search(r"VmHWM:\s+(\d+)", status.read_text())
            peak = max(peak, int(found.group(1)) if found else 0)
    return peak / 1024


def hammer(base: str, paths: list[tuple[str, dict[str, str]]], seconds: float,
           max_requests: int) -> dict[str, float]:
    """16 clients cycling over ``paths`` until the time or the count runs out."""
    lock, latencies, errors = threading.Lock(), [], [0]
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        for n in range(max_requests):
            with lock:
                if time.monotonic() >= deadline or len(latencies) >= max_requests:
                    return
            path, headers = paths[(offset + n * CLIENTS) % len(paths)]
            started = time.perf_counter()
            try:
                ok = session.get(base + path, headers=headers, timeout=30).status_code < 400
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    return {"rps": len(latencies) / elapsed, "errors": errors[0],
            "p95": pct(latencies, .95) * 1000 if latencies else 0.0}


def harvest(base: str, limit_s: float, max_pages: int) -> tuple[float, int]:
    """A full OAI-PMH ListRecords harvest (oai_dc): (seconds, records)."""
    session = requests.Session()
    started = time.perf_counter()
    url = f"{base}/oai?verb=ListRecords&metadataPrefix=oai_dc"
    count = 0
    for _ in range(max_pages):
        body = session.get(url, timeout=120).text
        count += body.count("<record>") + body.count("<record ")
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        if not token or time.perf_counter() - started > limit_s:
            break
        url = f"{base}/oai?verb=ListRecords&resumptionToken={requests.utils.quote(token[1])}"
    return time.perf_counter() - started, count


def serve_figures(folder: Path, ids: list[str], words: list[str], rounds: int,
                  seconds: float, size: int) -> dict[str, Any]:
    figures: Figures = {"cold": [], "record": [], "search": [], "api": []}
    extra: dict[str, Any] = {"errors": 0}
    record_paths = [(f"/statements/{i}", {"Accept": "text/html"}) for i in ids]
    search_paths = [(f"/search?q={w}", {"Accept": "text/html"}) for w in words]
    api_paths = [(f"/api/search?q={w}", {}) for w in words]
    for n in range(rounds):
        port = free_port()
        process, cold = start_server(folder, port)
        figures["cold"].append(cold)
        base = f"http://127.0.0.1:{port}"
        try:
            for name, paths in (("record", record_paths), ("search", search_paths),
                                ("api", api_paths)):
                result = hammer(base, paths, seconds, max_requests=int(seconds * 2000))
                figures[name].append(result["rps"])
                extra["errors"] += result["errors"]
            if n == rounds - 1:
                extra["harvest"] = harvest(base, 1800, size // 10 + 100)
                extra["rss_mb"] = peak_rss_mb(process.pid)
        finally:
            stop_server(process)
    extra["figures"] = figures
    return extra


# The table --------------------------------------------------------------------------------

def spread(values: list[float], fmt: str = "{:,.1f}") -> str:
    return " | ".join(fmt.format(v) for v in (min(values), statistics.median(values),
                                                max(values)))


def verdict(ratio: float, limit: float, higher_is_better: bool = False) -> str:
    met = ratio >= limit if higher_is_better else ratio <= limit
    return "met" if met else f"**missed** ({ratio:.2f} vs {limit:g})"


def table(size: int, args: argparse.Namespace, r: dict[str, Any]) -> str:
    megabytes, runs = r["megabytes"], r["import"]
    title = f"## {size:,} statements" + (", served from an archive imported earlier"
                                         if args.existing else "")
    lines = [title, "", f"Command: `{r['command']}`  ",
             f"Machine: {r['machine']}  ",
             f"Data: {size:,} generated statements (seed {args.seed}), {megabytes:,.1f} MB of "
             f"JSON; whole run {r['elapsed'] / 60:.0f} min.", "",
             "| figure | min | median | max | baseline (median) | ratio | target |",
             "|---|---:|---:|---:|---:|---:|---|"]
    if runs:
        lines += import_rows(size, megabytes, runs, r["baseline"])
    else:
        lines.append("| import end to end | not run (--existing) | | | | | |")
    reindex = spread(r["reindex"]) if r["reindex"] else "not run (--no-reindex) | |"
    lines.append(f"| reindex, s | {reindex} | | | |")
    for kind, row in r["search"].items():
        ratio = statistics.median(row["w95"]) / statistics.median(row["f95"])
        target = f"≤ 2×: {verdict(ratio, 2)}" if kind == "facets" else ""
        lines.append(f"| search {kind}, p50 ms | {spread(row['w50'])} | FTS5 "
                     f"{statistics.median(row['f50']):,.1f} | "
                     f"{statistics.median(row['w50']) / statistics.median(row['f50']):.2f} | |")
        lines.append(f"| search {kind}, p95 ms | {spread(row['w95'])} | FTS5 "
                     f"{statistics.median(row['f95']):,.1f} | {ratio:.2f} | {target} |")
    for name, p50, p95, bare50, bare95 in r["sparql"]:
        ratio = p95 / bare95 if bare95 else float("inf")
        lines.append(f"| SPARQL {name}, p50 / p95 ms | {p50:,.1f} / {p95:,.1f} | | | "
                     f"pyoxigraph {bare50:,.1f} / {bare95:,.1f} | {ratio:.2f} | ≤ 1.5×: "
                     f"{verdict(ratio, 1.5)} |")
    serve = r["serve"]
    figures = serve["figures"]
    for name, label, limit in (("record", "record page", 300), ("search", "search page", 100),
                               ("api", "API /api/search", None)):
        goal = f"≥ {limit}: {verdict(statistics.median(figures[name]), limit, True)}" \
            if limit else ""
        lines.append(f"| {label}, requests/s ({CLIENTS} clients) | {spread(figures[name])} "
                     f"| | | {goal} |")
    seconds, count = serve["harvest"]
    lines.append(f"| full OAI-PMH harvest ({count:,} records), s | {seconds:,.1f} | | | | | "
                 f"≤ 60: {verdict(seconds, 60)} |")
    lines.append(f"| dump (N-Quads + Turtle, gzip), s | {spread(r['dump'])} | | | |")
    cold = statistics.median(figures["cold"])
    lines.append(f"| server cold start, s | {spread(figures['cold'], '{:.2f}')} | | | "
                 f"≤ 2: {verdict(cold, 2)} |")
    lines.append(f"| peak RSS while serving, MB | {serve['rss_mb']:,.0f} | | | | | ≤ 1024: "
                 f"{verdict(serve['rss_mb'], 1024)} |")
    lines.append(f"| store on disk, MB | {r['store_mb']:,.1f} | | | | | |")
    writer = f"Whoosh writer {r['baseline_mb']:,.1f}, " if r["baseline"] else ""
    lines.append(f"| index on disk, MB | {r['index_mb']:,.1f} | | | {writer}FTS5 "
                 f"{r['fts_mb']:,.1f} | | |")
    lines.append(f"| HTTP errors during the load | {serve['errors']} | | | | | |")
    return "\n".join(lines) + "\n"


def import_rows(size: int, megabytes: float, runs: list[float], baseline: list[float]
                ) -> list[str]:
    rate = [size / s for s in runs]
    base = statistics.median([size / s for s in baseline])
    ratio = statistics.median(rate) / base
    mbs = spread([megabytes / s for s in runs], "{:,.2f}")
    return [f"| import end to end, statements/s | {spread(rate)} | Whoosh writer {base:,.1f} | "
            f"{ratio:.2f} | ≥ 1.5×: {verdict(ratio, 1.5, True)} |",
            f"| import end to end, MB/s | {mbs} | "
            f"{megabytes / statistics.median(baseline):,.2f} | | |"]


def write_section(key: str, text: str) -> None:
    """Replace (or append) the section ``key`` (e.g. "size 10000") of docs/benchmarks.md."""
    begin, end = f"<!-- {key} -->", f"<!-- /{key} -->"
    current = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{begin}\n{text}{end}"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(current)


# The run ----------------------------------------------------------------------------------

def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from archive.dates import parse_date

    r: dict[str, Any] = {"machine": machine(), "command": "python bench/run.py " +
                         " ".join(sys.argv[1:])}
    started = time.perf_counter()
    records = list(generate(args.size, args.seed))
    r["megabytes"] = sum(len(json.dumps(x, ensure_ascii=False).encode()) for x in records) / 1e6
    say(f"generated {len(records):,} statements, {r['megabytes']:.1f} MB")
    data = work / "data"
    r["import"], r["baseline"] = [], []
    if args.existing:
        say(f"copying {args.existing}")
        shutil.copytree(args.existing, data)
    for n in range(0 if args.existing else args.import_runs):
        r["baseline"].append(whoosh_baseline(records, work / "whoosh"))
        r["import"].append(import_once(records, data)["seconds"])
        say(f"import run {n + 1}: {r['import'][-1]:.0f} s, Whoosh writer "
            f"{r['baseline'][-1]:.0f} s")
    r["baseline_mb"] = folder_size(work / "whoosh") / 1e6 if r["baseline"] else 0.0
    app = open_app(data)
    archive, index = app.extensions["archive"], app.extensions["index"]
    r["reindex"] = [] if args.no_reindex else \
        [time_ms(index.reindex) / 1000 for _ in range(args.import_runs)]
    say(f"reindex {r['reindex']}")
    r["store_mb"] = folder_size(data / "store") / 1e6
    r["index_mb"] = folder_size(data / "index") / 1e6
    db = build_fts(records, lambda d: parse_date(d).iso, work / "fts.db")
    r["fts_mb"] = (work / "fts.db").stat().st_size / 1e6
    rng = random.Random(args.seed)
    cases = query_cases(records, args.queries, rng)
    r["search"] = search_figures(index, db, cases, args.repeat)
    say("search done")
    from web.dumps import write_dumps

    r["dump"] = [time_ms(lambda: write_dumps(archive, work / "dumps")) / 1000
                 for _ in range(args.repeat)]
    index.close()
    archive.close()
    r["sparql"] = sparql_rows(data, args.sparql_repeat)
    say("sparql done")
    ids = [x["id"] for x in rng.sample(records, min(2000, len(records)))]
    words = [args_["q"] for args_, _ in cases["term"]]
    r["serve"] = serve_figures(data, ids, words, args.repeat, args.seconds, args.size)
    r["elapsed"] = time.perf_counter() - started
    return r


def sparql_rows(data: Path, repeat: int) -> list[tuple[str, float, float, float, float]]:
    import logging

    import bench_sparql

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request

    return bench_sparql.run(data, repeat)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of queries and load")
    parser.add_argument("--import-runs", type=int, default=1)
    parser.add_argument("--queries", type=int, default=30, help="queries per kind")
    parser.add_argument("--sparql-repeat", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10, help="per load test (max 120)")
    parser.add_argument("--no-write", action="store_true", help="print, leave the doc alone")
    parser.add_argument("--existing", type=Path, metavar="DATA_DIR",
                        help="measure a copy of an archive already imported from the same "
                             "--size and --seed instead of importing (no import figures)")
    parser.add_argument("--no-reindex", action="store_true",
                        help="skip timing a full reindex (the longest step at 100k)")
    args = parser.parse_args()
    if not 0 < args.seconds <= 120 or not 1 <= args.repeat <= 20:
        raise SystemExit("--seconds must be in (0, 120] and --repeat in [1, 20]")
    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        text = table(args.size, args, run(args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    if not args.no_write:
        write_section(f"size {args.size}" + (" existing" if args.existing else ""), text)


if __name__ == "__main__":
    main()
