"""Dumps are built in the background from a snapshot: writes never wait for them.

A hook of the real builder holds a build in progress (after its snapshot, before its
files) while the test writes through the API; the write is answered at once, the
previous dump is served meanwhile with headers saying how current it is, and the next
build holds the write.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from tests.support import ApiEnv, api_new

GUARD = 60  # seconds before a thread that should long have finished counts as stuck


@pytest.fixture
def gates() -> list[threading.Event]:
    """One per build a test holds: set to let that build go on (all set at the end)."""
    return [threading.Event() for _ in range(3)]


@pytest.fixture
def env(tmp_path: Path, gates: list[threading.Event]) -> Iterator[ApiEnv]:
    environment = ApiEnv(tmp_path / "data", DUMPS_FIRST_WAIT=0)
    yield environment
    for gate in gates:
        gate.set()
    environment.app.extensions["dumps"].wait(GUARD)
    environment.close()


def dumped_statements(env: ApiEnv) -> set[str]:
    response = env.client.get("/dumps/rights-archive.nq.gz")
    assert response.status_code == 200
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(response.get_data()), format="nquads")
    return {record_id for graph in dataset.graphs()
            if (record_id := env.archive.uris.record_id(str(graph.identifier)))}


def test_a_write_is_answered_while_a_dump_is_built_and_the_next_dump_holds_it(
        env: ApiEnv, gates: list[threading.Event]) -> None:
    builder = env.app.extensions["dumps"]
    snapshots: list[int] = []
    in_progress = threading.Event()

    def hold(sequence: int) -> None:
        snapshots.append(sequence)
        in_progress.set()
        gates[len(snapshots) - 1].wait(GUARD)

    builder.on_snapshot.append(hold)
    first = env.client.get("/dumps/", headers={"Accept": "application/json"})
    assert first.status_code == 503  # no dump yet, and this one is held
    assert first.headers["Retry-After"] == "60"
    assert in_progress.wait(GUARD) and builder.building()

    answers: list[int] = []
    writer = threading.Thread(target=lambda: answers.append(env.client.post(
        "/api/statements", json=api_new("written-during-a-dump"),
        headers=env.headers()).status_code))
    writer.start()
    writer.join(GUARD)
    assert answers == [201], "the write waited for the dump build"
    assert builder.building()  # the build was in progress the whole time

    gates[0].set()
    assert builder.wait(GUARD)
    before_write = snapshots[0]
    listing = env.client.get("/dumps/", headers={"Accept": "application/json"})
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["last_sequence"] == before_write
    assert body["archive_sequence"] == before_write + 1 and not body["current"]
    assert listing.headers["Dump-Sequence"] == str(before_write)
    assert listing.headers["Archive-Sequence"] == str(before_write + 1)
    # the stale listing started the next build (held at its gate): the files are the first's,
    # whose snapshot preceded the write
    assert builder.building()
    assert "written-during-a-dump" not in dumped_statements(env)

    gates[1].set()
    assert builder.wait(GUARD)
    assert snapshots == [before_write, before_write + 1]
    fresh = env.client.get("/dumps/", headers={"Accept": "application/json"})
    assert fresh.get_json()["current"]
    assert fresh.headers["Dump-Sequence"] == fresh.headers["Archive-Sequence"]
    assert "written-during-a-dump" in dumped_statements(env)


def test_the_page_says_the_dump_is_older_than_the_archive(env: ApiEnv) -> None:
    builder = env.app.extensions["dumps"]
    env.client.get("/dumps/")
    assert builder.wait(GUARD)
    env.archive.save([api_new("after-the-dump")], agent="test")
    held = threading.Event()
    builder.on_snapshot.append(lambda sequence: held.wait(GUARD))
    try:
        page = env.client.get("/dumps/").get_data(as_text=True)
    finally:
        held.set()
    assert "The archive has changed since these files were written" in page
    assert "newer files are being built" in page
    assert builder.wait(GUARD)
    assert "has changed since" not in env.client.get("/dumps/").get_data(as_text=True)
