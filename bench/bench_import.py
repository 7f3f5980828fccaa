"""Import benchmark: the UN General Debate corpus through the one write path.

Usage: .venv/bin/python bench/bench_import.py [--limit N] [--repeat R] [--no-index]
Reports statements/s and MB/s end to end (validate, store, history, index), the split
between validation+store and indexing, store and index size on disk, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from archive import Archive
from archive.corpus import read_ungdc


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_once(records: list[dict], with_index: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        archive = Archive(folder / "data")
        index = None
        if with_index:
            from search import SearchIndex

            index = SearchIndex(folder / "data" / "index", archive, follow=False)
        start = time.perf_counter()
        archive.save(records, agent="bench")
        stored = time.perf_counter()
        if index is not None:
            index.catch_up()
        done = time.perf_counter()
        archive.close()
        return {
            "total_s": done - start, "store_s": stored - start, "index_s": done - stored,
            "store_mb": folder_size(folder / "data" / "store") / 1e6,
            "index_mb": folder_size(folder / "data" / "index") / 1e6 if with_index else 0.0,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="records (default: all 6,522)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-index", action="store_true")
    args = parser.parse_args()
    records = list(read_ungdc(limit=args.limit))
    megabytes = sum(len(json.dumps(r).encode()) for r in records) / 1e6
    runs = [run_once(records, not args.no_index) for _ in range(args.repeat)]

    def row(name: str, values: list[float], fmt: str = "{:.1f}") -> str:
        return (f"| {name} | {fmt.format(min(values))} | {fmt.format(statistics.median(values))}"
                f" | {fmt.format(max(values))} |")

    print(f"{len(records)} statements, {megabytes:.1f} MB of JSON, {args.repeat} runs\n")
    print("| figure | min | median | max |\n|---|---|---|---|")
    print(row("import end to end, statements/s", [len(records) / r["total_s"] for r in runs]))
    print(row("import end to end, MB/s", [megabytes / r["total_s"] for r in runs], "{:.2f}"))
    print(row("validate + store, s", [r["store_s"] for r in runs]))
    print(row("index catch-up, s", [r["index_s"] for r in runs]))
    print(row("store size, MB", [r["store_mb"] for r in runs]))
    print(row("index size, MB", [r["index_mb"] for r in runs]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
