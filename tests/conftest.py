"""Shared fixtures: a real archive over a real store (and index) in a temporary folder.

``make_archive`` builds one with keyword-argument variants; ``app``/``client`` wrap it in
the Flask app; ``live_server`` serves that app on a free loopback port for real clients.
Tests that take ``store_backend`` run on the embedded store and on a private Virtuoso
(``backend="virtuoso"``); module-scoped apps parametrized over the backends come from
:func:`sample_module_app`, a copy of the sample saved once per test process.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

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
def virtuoso_login() -> Iterator[tuple[str, str]]:
    """The account on this test process's Virtuoso servers, in the variables the archive
    (and its SPARQL worker processes) read."""
    user, password = "archive", secrets.token_urlsafe(16)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RIGHTS_ARCHIVE_STORE_USER", user)
        patch.setenv("RIGHTS_ARCHIVE_STORE_PASSWORD", password)
        yield user, password


def require_package(available: bool, package: str) -> None:
    """Skip a test that needs Debian's ``package`` where it is missing; fail under CI, which
    must have installed it (scripts/test)."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must install {package} (see scripts/test)")
    pytest.skip(f"{package} is not installed (apt-get install -y {package})")


def _virtuoso(factory: pytest.TempPathFactory, name: str, login: tuple[str, str]
              ) -> Iterator[Any]:
    from tests.virtuoso import Virtuoso, installed

    require_package(installed(), "virtuoso-opensource")
    server = Virtuoso(factory.mktemp(name), user=login[0], password=login[1]).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory, virtuoso_login: tuple[str, str]
                    ) -> Iterator[Any]:
    """A private Virtuoso (tests/virtuoso.py) per test process, each xdist worker its own,
    for the archives of single tests; skipped where Virtuoso is not installed."""
    yield from _virtuoso(tmp_path_factory, "virtuoso", virtuoso_login)


@pytest.fixture(scope="session")
def module_virtuoso_server(tmp_path_factory: pytest.TempPathFactory,
                           virtuoso_login: tuple[str, str]) -> Iterator[Any]:
    """A second one for the apps a module's tests share, so that one engine never holds two
    archives at once (the deployment rule: one archive per engine, docs/deployment.md)."""
    yield from _virtuoso(tmp_path_factory, "virtuoso-modules", virtuoso_login)


def _vocabulary_graphs(base: str) -> list[str]:
    from vocab import MODEL_FILES, SCHEME_FILES

    return [base + path for path in (*MODEL_FILES.values(), *SCHEME_FILES.values())]


def emptied(server: Any, base: str) -> str:
    """``server``'s endpoint with the graphs under ``base`` dropped, but for the vocabulary
    (which every new archive checks and re-stores when it differs from the files)."""
    from archive.remote_store import RemoteStore

    store = RemoteStore(server.url, prefix=base, read_only=False)
    store.clear(keep=[URIRef(name) for name in _vocabulary_graphs(base)])
    store.close()
    return server.url


@pytest.fixture
def remote_store_url(request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """``url(base)``: the Virtuoso endpoint, ``base``'s graphs emptied (again afterwards)."""
    used: list[tuple[Any, str]] = []

    def url(base: str) -> str:
        server = request.getfixturevalue("virtuoso_server")
        used.append((server, base))
        return emptied(server, base)

    yield url
    for server, base in used:
        emptied(server, base)


def module_store(request: pytest.FixtureRequest, backend: str, base: str = DEFAULT_BASE
                 ) -> str | None:
    """The store location for an app shared by a module's tests (None: the data folder);
    for Virtuoso, emptied now and when the module is done."""
    if backend == "oxigraph":
        return None
    server = request.getfixturevalue("module_virtuoso_server")
    request.addfinalizer(lambda: emptied(server, base))
    return emptied(server, base)


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


def next_second() -> None:
    """Wait until the clock is in a later second (changes and versions are dated to the
    second), so that the next write is dated after the ones before."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)


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
def sample_app(folder: Path, records: list[dict[str, Any]], *, store: str | None = None,
               **config: Any) -> Iterator[Any]:
    """An app over ``records`` in ``folder`` (for module-scoped fixtures), closed afterwards;
    ``store`` a SPARQL endpoint (see :func:`module_store`) instead of the folder's store."""
    from web.app import create_app

    if store is not None:
        config["ARCHIVE"] = Archive(folder, config.get("BASE_URI"), store=store)
    app = create_app({"TESTING": True, "DATA_DIR": folder, **config})
    if records:
        app.extensions["archive"].save(records, agent="test")
    try:
        yield app
    finally:
        if "sparql_pool" in app.extensions:
            app.extensions["sparql_pool"].close()
        app.extensions["archive"].close()


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory,
                  sample_records: list[dict[str, Any]]) -> Path:
    """A data folder with the whole sample saved (store, index), once per test process."""
    folder = tmp_path_factory.mktemp("sample-folder")
    with sample_app(folder, sample_records):
        pass
    return folder


@contextmanager
def sample_module_app(request: pytest.FixtureRequest, backend: str, **config: Any
                      ) -> Iterator[Any]:
    """An app over a copy of :func:`sample_folder` for a module's tests, on ``backend``
    (for Virtuoso the copy is restored into the module's engine, with ``restore``)."""
    from archive.export import restore

    source = request.getfixturevalue("sample_folder")
    folder = request.getfixturevalue("tmp_path_factory").mktemp(request.module.__name__)
    store = module_store(request, backend)
    if store is None:
        shutil.copytree(source, folder, dirs_exist_ok=True)
    else:
        restore(source, folder, store=store)
        shutil.copytree(source / "index", folder / "index")
    with sample_app(folder, [], store=store, **config) as app:
        yield app


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The sample app served on a free loopback port; yields its root URL (with a slash)."""
    with serving(app) as url:
        yield url
