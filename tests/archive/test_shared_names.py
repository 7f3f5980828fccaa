"""Two server processes on one Virtuoso name the same new issuer: one issuer, not ``…-2``.

Each process caches the names of issuers, events and places. Both servers here have read
theirs (each has saved a record) before the first creates a new issuer; the second then
names the same new issuer, and must find the first's instead of minting another.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from rdflib import RDFS

from archive.remote_store import RemoteStore
from archive.settings import DEFAULT_BASE
from tests.archive.test_remote_store import COMMAND, ROOT, _serve
from vocab import RA

pytestmark = pytest.mark.slow


@pytest.fixture
def two_hosts(virtuoso_server: Any, remote_store_url: Any, tmp_path: Path
              ) -> Iterator[tuple[list[tuple[str, str]], str]]:
    """Two servers on one engine, each with its own editor token: [(root, token)], url."""
    url = remote_store_url(DEFAULT_BASE)
    env = {**os.environ, **virtuoso_server.environment, "RIGHTS_ARCHIVE_STORE": url}
    env.pop("RIGHTS_ARCHIVE_DATA", None)
    hosts, processes = [], []
    try:
        for name in ("one", "two"):
            subprocess.run([COMMAND, "--data", str(tmp_path / name), "create"], cwd=ROOT,
                           env=env, check=True, capture_output=True, timeout=120)
            token = subprocess.run(
                [COMMAND, "--data", str(tmp_path / name), "token", "create", "--role",
                 "editor", "--name", f"host-{name}"], cwd=ROOT, env=env, check=True,
                capture_output=True, text=True, timeout=120).stdout.strip()
            process, root = _serve(tmp_path / name, env)
            processes.append(process)
            hosts.append((root, token))
        yield hosts, url
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


def statement(record_id: str, issuer: str) -> dict[str, Any]:
    return {"id": record_id, "title": f"Statement {record_id}", "issuer": issuer,
            "date": "2024-05-01", "type": "press statement"}


def post(host: tuple[str, str], record: dict[str, Any]) -> dict[str, Any]:
    root, token = host
    answer = requests.post(root + "api/statements", json=record, timeout=120,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_two_hosts_naming_one_new_issuer_make_one_issuer(two_hosts) -> None:
    hosts, url = two_hosts
    for number, host in enumerate(hosts):  # each process reads its names (and caches them)
        post(host, statement(f"warm-up-{number}", "Long Established Network"))
    post(hosts[0], statement("first-host", "Brand New Coalition"))
    post(hosts[1], statement("second-host", "Brand New Coalition"))

    store = RemoteStore(url, prefix=DEFAULT_BASE, read_only=True)
    try:
        rows = store.select(
            f"SELECT ?issuer WHERE {{ GRAPH ?issuer {{ ?issuer a <{RA.Issuer}> ; "
            f"<{RDFS.label}> ?name }} FILTER(STR(?name) = \"Brand New Coalition\") }}")
        issuers = sorted(str(row["issuer"]) for row in rows)
        assert issuers == [f"{DEFAULT_BASE}issuers/brand-new-coalition"]
        used = store.select(
            f"SELECT DISTINCT ?issuer WHERE {{ GRAPH ?g {{ ?g <{RA.issuer}> ?issuer }} "
            f"VALUES ?g {{ <{DEFAULT_BASE}statements/first-host> "
            f"<{DEFAULT_BASE}statements/second-host> }} }}")
        assert [str(row["issuer"]) for row in used] == issuers
    finally:
        store.close()
