"""Shared fixtures: a real archive over a real store (and index) in a temporary folder.

``make_archive`` builds one with keyword-argument variants; ``app``/``client`` wrap it in
the Flask app; ``live_server`` serves that app on a free loopback port for real clients.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from archive import Archive
from archive.settings import DEFAULT_BASE

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


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One private Virtuoso for the session (tests/virtuoso.py); skipped where not installed."""
    from tests.virtuoso import Virtuoso, installed

    if not installed():
        if os.environ.get("CI"):
            pytest.fail("CI must install virtuoso-opensource (see .ci/run)")
        pytest.skip("virtuoso-opensource is not installed (apt-get install -y "
                    "virtuoso-opensource)")
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()


@pytest.fixture
def remote_store_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                     ) -> Iterator[Callable[[str], str]]:
    """``url(base)``: the Virtuoso endpoint, credentials set, ``base``'s graphs emptied."""
    from archive.remote_store import RemoteStore

    used: list[RemoteStore] = []

    def url(base: str) -> str:
        server = request.getfixturevalue("virtuoso_server")
        monkeypatch.setenv("RIGHTS_ARCHIVE_STORE_USER", server.user)
        monkeypatch.setenv("RIGHTS_ARCHIVE_STORE_PASSWORD", server.password)
        store = RemoteStore(server.url, prefix=base)
        store.clear()
        used.append(store)
        return server.url

    yield url
    for store in used:
        store.clear()
        store.close()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def store_backend(request: pytest.FixtureRequest) -> str:
    """Each store backend in turn; pass it as ``make_archive(backend=...)``/``make_app``."""
    return request.param


def _store_location(backend: str, base: str | None, request: pytest.FixtureRequest
                    ) -> str | None:
    if backend == "oxigraph":
        return None
    return request.getfixturevalue("remote_store_url")(base or DEFAULT_BASE)


@pytest.fixture
def make_archive(tmp_path: Path, request: pytest.FixtureRequest
                 ) -> Iterator[Callable[..., Archive]]:
    """Factory: ``make_archive(records=[...], base=None, folder=None, in_memory=False,
    backend="oxigraph"|"virtuoso")``."""
    opened: list[Archive] = []

    def make(records: list[dict[str, Any]] | None = None, *, base: str | None = None,
             folder: Path | None = None, in_memory: bool = False,
             backend: str = "oxigraph") -> Archive:
        data = None if in_memory else (folder or tmp_path / f"data{len(opened)}")
        archive = Archive(data, base, store=_store_location(backend, base, request))
        opened.append(archive)
        if records:
            archive.save(records, agent="test")
        return archive

    yield make
    for archive in opened:
        archive.close()


@pytest.fixture
def make_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Factory: ``make_app(records=[...], backend="oxigraph", **config)`` → a Flask app over
    a fresh data folder (and, for "virtuoso", the session's Virtuoso)."""
    from web.app import create_app

    apps = []

    def make(records: list[dict[str, Any]] | None = None, *, backend: str = "oxigraph",
             **config: Any) -> Any:
        folder = tmp_path / f"app{len(apps)}"
        if backend != "oxigraph":
            base = config.get("BASE_URI")
            config["ARCHIVE"] = Archive(folder, base,
                                        store=_store_location(backend, base, request))
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


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its root URL (with a slash)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def sample_app(folder: Path, records: list[dict[str, Any]], **config: Any) -> Iterator[Any]:
    """An app over ``records`` in ``folder`` (for module-scoped fixtures), closed afterwards."""
    from web.app import create_app

    app = create_app({"TESTING": True, "DATA_DIR": folder, **config})
    app.extensions["archive"].save(records, agent="test")
    try:
        yield app
    finally:
        if "sparql_pool" in app.extensions:
            app.extensions["sparql_pool"].close()
        app.extensions["archive"].close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The sample app served on a free loopback port; yields its root URL (with a slash)."""
    with serving(app) as url:
        yield url
