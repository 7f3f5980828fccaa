"""Import benchmark: statements through the one write path, beside a plain Whoosh writer.

    .venv/bin/python bench/bench_import.py [--limit N] [--repeat R] [--no-index]
    .venv/bin/python bench/bench_import.py --generated 2000 [--seed 1] [--procs 2]

Imports the UN General Debate corpus (or ``--generated N`` statements of
bench/generate.py) into an empty archive on disk with ``Archive.save`` in batches of
1,000, the search index following each batch (validate, resolve, SHACL, one store
transaction with history and change log, then the index catch-up), as bench/run.py does.
Each run is a fresh process, so runs do not warm each other. Reports statements/s and
MB/s (wall), CPU seconds (this process and its sub-processes), the split between
validation+store and indexing, store and index size, peak RSS, and the throughput of a
plain single-process Whoosh writer (id + text, default analyzer) on the same texts in the
same run: the ratio of the two is the figure issue 8 sets a target for.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BATCH = 1000


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cpu_seconds() -> float:
    """CPU time of this process and of its finished sub-processes."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def import_run(records: list[dict[str, Any]], with_index: bool, procs: int) -> dict[str, float]:
    """One import into a fresh archive: seconds (wall and CPU), the part spent indexing."""
    from archive import Archive
    from archive.followers import Callback

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        archive = Archive(folder / "data")
        index = None
        if with_index:
            from search import SearchIndex

            index = SearchIndex(folder / "data" / "index", archive, follow=False, procs=procs,
                                multisegment=procs > 1)
        indexing = [0.0, 0.0]
        if index is not None:
            def timed_catch_up() -> None:
                wall, cpu = time.perf_counter(), cpu_seconds()
                index.catch_up()
                indexing[0] += time.perf_counter() - wall
                indexing[1] += cpu_seconds() - cpu
            archive.followers.add(Callback("index", timed_catch_up))
        wall, cpu = time.perf_counter(), cpu_seconds()
        for start in range(0, len(records), BATCH):
            archive.save(records[start:start + BATCH], agent="bench")
        total, total_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        if index is not None:
            index.close()
        archive.close()
        return {
            "total_s": total, "cpu_s": total_cpu, "index_s": indexing[0],
            "index_cpu_s": indexing[1], "store_s": total - indexing[0],
            "store_mb": folder_size(folder / "data" / "store") / 1e6,
            "index_mb": folder_size(folder / "data" / "index") / 1e6 if with_index else 0.0,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def whoosh_run(records: list[dict[str, Any]]) -> dict[str, float]:
    """A plain single-process Whoosh writer over the same texts (as bench/run.py's)."""
    from whoosh import fields, index

    folder = Path(tempfile.mkdtemp(prefix="bench-whoosh-"))
    try:
        ix = index.create_in(str(folder), fields.Schema(
            id=fields.ID(stored=True, unique=True), text=fields.TEXT()))
        wall, cpu = time.perf_counter(), cpu_seconds()
        writer = ix.writer()
        for n, record in enumerate(records):
            writer.add_document(id=record.get("id") or str(n), text=record.get("text", ""))
        writer.commit()
        return {"total_s": time.perf_counter() - wall, "cpu_s": cpu_seconds() - cpu}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_records(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.generated:
        from generate import generate

        return list(generate(args.generated, args.seed))
    from archive.corpus import read_ungdc

    return list(read_ungdc(limit=args.limit))


def one_run(args: argparse.Namespace, what: str) -> dict[str, float]:
    """A measurement in a fresh interpreter (``--run what``), read back as JSON."""
    command = [sys.executable, __file__, "--run", what, "--seed", str(args.seed),
               "--procs", str(args.procs)]
    if args.generated:
        command += ["--generated", str(args.generated)]
    if args.limit:
        command += ["--limit", str(args.limit)]
    if args.no_index:
        command.append("--no-index")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def row(name: str, values: list[float], fmt: str = "{:.1f}") -> str:
    return (f"| {name} | {fmt.format(min(values))} | {fmt.format(statistics.median(values))}"
            f" | {fmt.format(max(values))} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="corpus records (default: all)")
    parser.add_argument("--generated", type=int, default=None,
                        help="import N statements of bench/generate.py instead of the corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--procs", type=int, default=1,
                        help="index catch-ups of 500 records or more in N processes")
    parser.add_argument("--no-index", action="store_true")
    parser.add_argument("--run", choices=["import", "whoosh"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    records = load_records(args)
    if args.run == "import":
        print(json.dumps(import_run(records, not args.no_index, args.procs)))
        return
    if args.run == "whoosh":
        print(json.dumps(whoosh_run(records)))
        return

    megabytes = sum(len(json.dumps(r).encode()) for r in records) / 1e6
    runs, baseline = [], []
    for _ in range(args.repeat):  # alternate, so that both see the same machine
        runs.append(one_run(args, "import"))
        baseline.append(one_run(args, "whoosh"))
    source = (f"{len(records)} generated statements (seed {args.seed})" if args.generated
              else f"{len(records)} UN General Debate statements")
    print(f"{source}, {megabytes:.1f} MB of JSON, batches of {BATCH}, procs={args.procs}, "
          f"{args.repeat} runs\n")
    print("| figure | min | median | max |\n|---|---|---|---|")
    print(row("import end to end, statements/s", [len(records) / r["total_s"] for r in runs]))
    print(row("import end to end, MB/s", [megabytes / r["total_s"] for r in runs], "{:.2f}"))
    print(row("import CPU seconds (with sub-processes)", [r["cpu_s"] for r in runs], "{:.2f}"))
    print(row("  of which index catch-up, CPU s", [r["index_cpu_s"] for r in runs], "{:.2f}"))
    print(row("validate + store, s", [r["store_s"] for r in runs]))
    print(row("index catch-up, s", [r["index_s"] for r in runs]))
    print(row("plain Whoosh writer, statements/s", [len(records) / b["total_s"]
                                                     for b in baseline]))
    print(row("plain Whoosh writer, CPU seconds", [b["cpu_s"] for b in baseline], "{:.2f}"))
    print(row("ratio to the plain writer, wall (target ≥ 1.5)",
              [b["total_s"] / r["total_s"] for r, b in zip(runs, baseline, strict=True)],
              "{:.2f}"))
    print(row("ratio to the plain writer, CPU",
              [b["cpu_s"] / r["cpu_s"] for r, b in zip(runs, baseline, strict=True)],
              "{:.2f}"))
    print(row("store size, MB", [r["store_mb"] for r in runs]))
    print(row("index size, MB", [r["index_mb"] for r in runs]))
    print(f"\npeak RSS of an import {max(r['rss_mb'] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
