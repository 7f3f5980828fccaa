"""A full OAI-PMH harvest against a real ``rights-archive serve``: time, server CPU, RSS.

Starts the production server on a free loopback port over DIR (which it opens for writing:
pass a copy, never a shared archive), harvests every record with ``bench/run.py``'s
``harvest()`` (ListRecords, following each resumptionToken), then reports the wall time,
the CPU time the server spent (less noisy than wall time on a busy machine), the time of
a first request that builds the harvest log (reported apart; ``total_s`` is both, which is
what ``bench/run.py`` times), and the server's peak RSS.

    .venv/bin/python bench/oai_harvest.py /tmp/oai10k --prefix oai_dc

To measure other code (e.g. the previous commit unpacked with ``git archive``), set
PYTHONPATH to its folder: the server is started with this environment.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import free_port
from run import harvest, peak_rss_mb, server_pids, start_server, stop_server


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server process and its children (the worker)."""
    ticks = 0
    for each in server_pids(pid):
        stat = Path(f"/proc/{each}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(folder: Path, prefix: str, max_pages: int) -> dict[str, float]:
    port = free_port()
    process, cold = start_server(folder, port)
    base = f"http://127.0.0.1:{port}"
    try:
        cpu = server_cpu_s(process.pid)
        started = time.perf_counter()
        requests.get(f"{base}/oai?verb=ListIdentifiers&metadataPrefix={prefix}&set=none",
                     timeout=600)  # builds the harvest log
        first = time.perf_counter() - started
        seconds, records = harvest_prefix(base, prefix, max_pages)
        return {"records": records, "log_build_s": first, "harvest_s": seconds,
                "total_s": first + seconds,
                "server_cpu_s": server_cpu_s(process.pid) - cpu, "cold_start_s": cold,
                "peak_rss_mb": peak_rss_mb(process.pid)}
    finally:
        stop_server(process)


def harvest_prefix(base: str, prefix: str, max_pages: int) -> tuple[float, int]:
    """``run.harvest`` for oai_dc; the same loop for another metadata format."""
    if prefix == "oai_dc":
        return harvest(base, 3600, max_pages)
    session = requests.Session()
    started, count = time.perf_counter(), 0
    url = f"{base}/oai?verb=ListRecords&metadataPrefix={prefix}"
    for _ in range(max_pages):
        body = session.get(url, timeout=120).text
        count += body.count("<record>") + body.count("<record ")
        marker = body.find("<resumptionToken")
        token = body[body.find(">", marker) + 1:body.find("</resumptionToken>")] \
            if marker >= 0 else ""
        if not token:
            break
        url = f"{base}/oai?verb=ListRecords&resumptionToken={requests.utils.quote(token)}"
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--prefix", default="oai_dc", choices=["oai_dc", "rdf"])
    parser.add_argument("--max-pages", type=int, default=5000)
    args = parser.parse_args()
    for key, value in measure(args.folder, args.prefix, args.max_pages).items():
        print(f"{key:14} {value:,.2f}" if isinstance(value, float) else f"{key:14} {value:,}")


if __name__ == "__main__":
    main()
