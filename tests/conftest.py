"""Shared fixtures: a real archive over a real store (and index) in a temporary folder.

``make_archive`` builds one with keyword-argument variants; ``app``/``client`` wrap it in
the Flask app; ``live_server`` serves that app on a free loopback port for real clients.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archive import Archive

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "archive" / "sample"
SEED_ID = "us-human-rights-cities-alliance-2018-06-22"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def sample_statements() -> list[dict[str, Any]]:
    """The seed statement and the other responses to the same event."""
    return read_jsonl(SAMPLE / "statements.jsonl")


@pytest.fixture(scope="session")
def sample_records(sample_statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole bundled sample collection (statements, then General Debate speeches)."""
    return sample_statements + read_jsonl(SAMPLE / "ungdc-selection.jsonl")


@pytest.fixture(scope="session")
def seed_record(sample_statements: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in sample_statements if r["id"] == SEED_ID)


@pytest.fixture
def make_archive(tmp_path: Path) -> Iterator[Callable[..., Archive]]:
    """Factory: ``make_archive(records=[...], base=None, folder=None, in_memory=False)``."""
    opened: list[Archive] = []

    def make(records: list[dict[str, Any]] | None = None, *, base: str | None = None,
             folder: Path | None = None, in_memory: bool = False) -> Archive:
        data = None if in_memory else (folder or tmp_path / f"data{len(opened)}")
        archive = Archive(data, base)
        opened.append(archive)
        if records:
            archive.save(records, agent="test")
        return archive

    yield make
    for archive in opened:
        archive.close()


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Factory: ``make_app(records=[...], **config)`` → a Flask app over a fresh data folder."""
    from web.app import create_app

    apps = []

    def make(records: list[dict[str, Any]] | None = None, **config: Any) -> Any:
        folder = tmp_path / f"app{len(apps)}"
        app = create_app({"TESTING": True, "DATA_DIR": folder, **config})
        apps.append(app)
        if records:
            app.extensions["archive"].save(records, agent="test")
        return app

    yield make
    for app in apps:
        app.extensions["archive"].close()


@pytest.fixture
def app(make_app: Callable[..., Any], sample_records: list[dict[str, Any]]) -> Any:
    """The app over the bundled sample collection."""
    return make_app(sample_records)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The sample app served on a free loopback port; yields its root URL (with a slash)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(5)
