"""A second host following a first one's import, on a private Virtuoso.

Usage: .venv/bin/python bench/bench_follow.py [--records N]
Host A is a data folder on the engine; host B is ``rights-archive serve`` on another
folder. A imports N generated statements (``bench/generate.py``) with the command; then B
is asked a search at once (how long a request waits while B is behind) and again until
its index holds all N (how long B takes to follow).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402
from load import free_port  # noqa: E402

from tests.virtuoso import Virtuoso  # noqa: E402

COMMAND = str(Path(sys.executable).with_name("rights-archive"))


def total(root: str) -> int:
    return requests.get(root + "api/search", params={"q": ""}, timeout=600).json()["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    count = parser.parse_args().records
    folder = Path(tempfile.mkdtemp(prefix="bench-follow-"))
    with Virtuoso(folder / "virtuoso") as engine:
        env = {**os.environ, **engine.environment}
        subprocess.run([COMMAND, "--data", str(folder / "a"), "create"], env=env, check=True,
                       capture_output=True)
        port = free_port()
        host_b = subprocess.Popen(
            [COMMAND, "--data", str(folder / "b"), "serve", "--host", "127.0.0.1", "--port",
             str(port)], env=env, stdout=subprocess.DEVNULL,
            stderr=(folder / "b.log").open("wb"))
        root = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(300):
                try:
                    total(root)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            batch = folder / "batch.jsonl"
            batch.write_text("\n".join(json.dumps(r) for r in generate(count, seed=7)))
            started = time.monotonic()
            subprocess.run([COMMAND, "--data", str(folder / "a"), "import", str(batch)],
                           env=env, check=True, capture_output=True)
            imported = time.monotonic() - started
            started = time.monotonic()
            seen = total(root)
            first = time.monotonic() - started
            while seen < count:
                time.sleep(0.2)
                seen = total(root)
            followed = time.monotonic() - started
        finally:
            host_b.terminate()
            host_b.wait(30)
    print(f"import of {count} on host A: {imported:.1f} s ({count / imported:.0f}/s)")
    print(f"host B's first search after it: {first * 1000:.0f} ms")
    print(f"all {count} found through host B {followed:.1f} s after the import ended "
          f"({count / followed:.0f} records/s)")


if __name__ == "__main__":
    main()
