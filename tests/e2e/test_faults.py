"""Faults: SIGKILL of a real import and a real server, a read-only data folder, hot backups.

Each test runs the real ``rights-archive`` command in subprocesses over a temporary data
folder, kills it without warning, and then checks what a restart finds: the store opens, the
index catches up from the change log, ``rights-archive check`` exits 0, and every write that
was acknowledged is there.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from rdflib.compare import to_isomorphic

from archive import Archive, changelog
from archive.corpus import UNGDC_PATH, read_ungdc
from web.auth import AuthStore

pytestmark = pytest.mark.slow
COMMAND = [str(Path(sys.executable).with_name("rights-archive"))]
SAMPLE = Path(__file__).resolve().parents[2] / "archive" / "sample" / "statements.jsonl"
SERVER_ENV = {"RIGHTS_ARCHIVE_RATELIMIT_API": "1000000 per minute",
              "RIGHTS_ARCHIVE_RATELIMIT_SPARQL": "1000000 per minute"}


def fault_run(folder: Path, *args: str, timeout: float = 300, **options: Any
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, "--data", str(folder), *args], capture_output=True,
                          text=True, timeout=timeout, check=False, **options)


def fault_check(folder: Path) -> None:
    """The restart: ``check`` opens store and index (which catches up) and must pass."""
    result = fault_run(folder, "check")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "store and index agree" in result.stdout


def fault_state(folder: Path) -> tuple[int, set[str]]:
    with Archive(folder) as archive:
        return changelog.last_sequence(archive.store, archive.uris), set(archive.record_ids())


def fault_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``rights-archive serve`` in its own process group, so SIGKILL takes every process."""

    def __init__(self, folder: Path) -> None:
        self.port = fault_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*COMMAND, "--data", str(folder), "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **SERVER_ENV})
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/statements/none", timeout=2).status_code == 404:
                    return
            except requests.ConnectionError:
                time.sleep(0.3)
        self.kill()
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(60)


def fault_record(number: int) -> dict[str, Any]:
    return {"id": f"fault-{number}", "title": f"Fault test statement number {number}",
            "issuer": "Fault Test Collective", "date": "2024-02-29", "type": "press statement",
            "text": f"Statement {number} on the right to peaceful assembly."}


class Writer(threading.Thread):
    """Sends records to the write API one by one and remembers which were acknowledged."""

    def __init__(self, url: str, token: str, start: int) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.number = url, token, start
        self.acknowledged: list[str] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        while not self.stopped.is_set():
            record = fault_record(self.number)
            self.number += 1
            try:
                response = session.post(f"{self.url}/api/statements", json=record, timeout=30)
            except requests.RequestException:
                continue  # no answer: the write may or may not be there; only 2xx counts
            if 200 <= response.status_code < 300:
                self.acknowledged.append(record["id"])


@pytest.fixture
def fault_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    with Archive(folder) as archive:
        archive.save([json.loads(line) for line in SAMPLE.read_text().splitlines() if line],
                     agent="test")
    return folder


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not UNGDC_PATH.exists():
        pytest.skip(f"the corpus {UNGDC_PATH} is not here")
    path = tmp_path_factory.mktemp("corpus") / "ungdc-500.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in read_ungdc(limit=500):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _log_bytes(folder: Path) -> int:
    """Size of the store's write-ahead logs: the batch lands there in one atomic write."""
    return sum(p.stat().st_size for p in (folder / "store").glob("*.log"))


@pytest.mark.parametrize("moment", ["while validating", "after the store write"])
def test_sigkill_during_bulk_import(fault_folder: Path, corpus_file: Path, moment: str) -> None:
    before, ids_before = fault_state(fault_folder)
    logged = _log_bytes(fault_folder)
    errors = (fault_folder.parent / "import.err").open("w")
    process = subprocess.Popen([*COMMAND, "--data", str(fault_folder), "import",
                                str(corpus_file)], stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 240
    if moment == "while validating":
        time.sleep(2.0)
    else:  # the batch is in the store's log; the index is catching up from the change log
        sizes = [0, -1]
        while time.monotonic() < deadline and process.poll() is None and \
                not (sizes[-1] > logged + 2_000_000 and sizes[-1] == sizes[-2]):
            time.sleep(0.25)  # until the log has grown by the batch and stopped growing
            sizes.append(_log_bytes(fault_folder))
    if process.poll() is not None:
        output = (fault_folder.parent / "import.err").read_text()
        assert process.returncode == 0, output
        pytest.skip(f"the import ended before the kill ({moment})")
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    fault_check(fault_folder)
    after, ids_after = fault_state(fault_folder)
    assert ids_before <= ids_after
    added = ids_after - ids_before
    assert len(added) in (0, 500), "a file is imported all or nothing"
    assert after == before + len(added)
    if moment == "after the store write":
        assert len(added) == 500


def test_sigkill_of_the_server_during_api_writes(fault_folder: Path) -> None:
    _, token = AuthStore(fault_folder / "auth.sqlite3").create_token("fault-writer", "editor")
    server = Server(fault_folder)
    writers = [Writer(server.url, token, 1000 * n) for n in range(1, 5)]
    try:
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while sum(len(w.acknowledged) for w in writers) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.kill()
        for writer in writers:
            writer.stopped.set()
            writer.join(40)
    acknowledged = {i for w in writers for i in w.acknowledged}
    assert len(acknowledged) >= 40
    fault_check(fault_folder)
    _, ids = fault_state(fault_folder)
    assert acknowledged <= ids, f"acknowledged but lost: {sorted(acknowledged - ids)}"
    restarted = Server(fault_folder)
    try:
        some = sorted(acknowledged)[0]
        answer = requests.get(f"{restarted.url}/api/statements/{some}", timeout=10)
        assert answer.status_code == 200
        assert answer.json()["title"].startswith("Fault test statement")
    finally:
        restarted.stop()


@pytest.fixture
def readonly_folder(fault_folder: Path, tmp_path: Path) -> Iterator[Path]:
    """The data folder seen through a read-only bind mount (as a read-only volume would be)."""
    mounted = tmp_path / "readonly"
    mounted.mkdir()
    steps = [["mount", "--bind", str(fault_folder), str(mounted)],
             ["mount", "-o", "remount,bind,ro", str(mounted)]]
    for step in steps:
        if subprocess.run(step, capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", str(mounted)], capture_output=True, check=False)
            pytest.skip("cannot make a read-only bind mount here (needs root)")
    try:
        yield mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


def test_read_only_data_folder_gives_a_clear_error(readonly_folder: Path, fault_folder: Path,
                                                    tmp_path: Path) -> None:
    before = fault_state(fault_folder)
    record = tmp_path / "new.json"
    record.write_text(json.dumps(fault_record(1)))
    result = fault_run(readonly_folder, "import", str(record))
    assert result.returncode != 0
    assert result.stderr.startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    assert "Read-only file system" in result.stderr or "read-only" in result.stderr
    token = fault_run(readonly_folder, "token", "create", "--name", "x")
    assert token.returncode != 0 and "Traceback" not in token.stderr, token.stderr
    assert fault_state(fault_folder) == before, "no partial record"


def _dataset(folder: Path) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Every named graph (compared up to blank-node renaming) and the change log."""
    with Archive(folder) as archive:
        graphs = {str(name): to_isomorphic(archive.store.graph(name))
                  for name in archive.store.named_graphs()}
        log = [(c.sequence, c.record_id, c.kind, c.version, c.agent)
               for c in archive.changes(0)]
    return graphs, log


def test_backup_while_serving_and_restore(fault_folder: Path, tmp_path: Path) -> None:
    _, token = AuthStore(fault_folder / "auth.sqlite3").create_token("backup-writer", "editor")
    server = Server(fault_folder)
    writer = Writer(server.url, token, 5000)
    try:
        writer.start()
        while len(writer.acknowledged) < 5:
            time.sleep(0.05)
        hot = fault_run(fault_folder, "backup", str(tmp_path / "hot"))
        assert hot.returncode == 0, hot.stderr
        while len(writer.acknowledged) < 15:
            time.sleep(0.05)
    finally:
        writer.stopped.set()
        writer.join(40)
        server.stop()
    restored_hot = tmp_path / "restored-hot"
    assert fault_run(restored_hot, "restore", str(tmp_path / "hot")).returncode == 0
    fault_check(restored_hot)
    _, hot_log = _dataset(restored_hot)
    _, live_log = _dataset(fault_folder)
    assert hot_log == live_log[:len(hot_log)], "the hot backup is a prefix of the change log"
    assert len(hot_log) >= 12 + 5

    cold = tmp_path / "cold"
    assert fault_run(fault_folder, "backup", str(cold)).returncode == 0
    restored = tmp_path / "restored"
    result = fault_run(restored, "restore", str(cold))
    assert result.returncode == 0, result.stderr
    fault_check(restored)
    assert _dataset(restored) == _dataset(fault_folder), "isomorphic, same change log"
    assert AuthStore(restored / "auth.sqlite3").verify_token(token).name == "backup-writer"


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB file system that an archive of a few speeches fills up."""
    mounted = tmp_path / "small"
    mounted.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", str(mounted)],
                      capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mounted
    finally:
        subprocess.run(["umount", "--lazy", str(mounted)], check=True)


def test_full_disk_gives_a_clear_error_and_no_partial_record(full_disk: Path) -> None:
    from archive import Archive, ArchiveError

    speeches = list(read_ungdc(limit=300))
    archive = Archive(full_disk / "data")
    stored: list[str] = []
    with pytest.raises(ArchiveError, match=r"No space left on device.*nothing was stored"):
        for start in range(0, len(speeches), 10):
            batch = speeches[start:start + 10]
            archive.save(batch, agent="test")
            stored += [speech["id"] for speech in batch]
    assert stored, "the disk filled before anything fitted"
    assert sorted(archive.record_ids()) == sorted(stored)
    assert archive.last_sequence() == len(stored)
    assert [c.record_id for c in archive.changes()] == stored
    archive.close()
