"""Bytes and build time of the OAI-PMH harvest log over an archive (tracemalloc, CPU time).

Builds ``web.oai_log.HarvestLog`` over a copy of an archive (never the original: the store
is opened for writing), then lists every record once as a harvest would, and reports what
the log holds and what its first full list costs.

    .venv/bin/python bench/oai_log_memory.py /tmp/oai10k
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(folder: Path) -> dict[str, float]:
    from archive import Archive
    from web.oai_log import HarvestLog

    archive = Archive(folder)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        HarvestLog(archive).catch_up()  # untraced: its time, and warm caches for the count
        build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        cpu = time.process_time()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        log = HarvestLog(archive)
        log.catch_up()
        gc.collect()
        built = tracemalloc.take_snapshot()
        listed = log.matching(len(log.changes), None, None, None)
        gc.collect()
        after = tracemalloc.take_snapshot()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        size = sum(stat.size_diff for stat in built.compare_to(before, "filename"))
        listing = sum(stat.size_diff for stat in after.compare_to(built, "filename"))
        cpu = time.process_time()
        log.matching(len(log.changes) - 1, None, None, None)  # not cached: a fresh cutoff
        list_cpu = time.process_time() - cpu
        return {"changes": len(log.changes), "records": len(listed),
                "log_mb": size / 1e6, "list_mb": listing / 1e6, "peak_mb": peak / 1e6,
                "build_s": build_s, "build_cpu_s": build_cpu, "list_cpu_s": list_cpu}
    finally:
        archive.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    for key, value in measure(args.folder).items():
        print(f"{key:12} {value:,.3f}" if isinstance(value, float) else f"{key:12} {value:,}")


if __name__ == "__main__":
    main()
