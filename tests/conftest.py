"""Shared fixtures: a real archive over a real store (and index) in a temporary folder.

``make_archive`` builds one with keyword-argument variants; ``make_app``, ``app`` and
``client`` wrap it in the Flask app (:func:`tests.support.open_app`, the one app factory);
``live_server`` serves that app on a free loopback port for real clients. Tests that take
``store_backend`` run on the embedded store and on a private Virtuoso
(``backend="virtuoso"``); module-scoped apps parametrized over the backends come from
:func:`tests.support.sample_module_app`, a copy of the sample saved once per test process.
Helpers that tests import live in tests/support.py, not here.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from archive import Archive
from archive.settings import DEFAULT_BASE
from tests.support import SAMPLE, SEED_ID, emptied, open_app, read_jsonl, require_package, serving


@pytest.fixture(autouse=True)
def recursion_limit() -> Iterator[None]:
    """Put back the recursion limit after each test: a SPARQL parse in the test process
    raises it, as a query worker does (web/sparql_engine/parsed.py), and a later test's
    deeply nested JSON (a forged OAI-PMH token) would then overflow the C stack instead of
    meeting Python's guard."""
    limit = sys.getrecursionlimit()
    yield
    sys.setrecursionlimit(limit)


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
    a fresh data folder (and, for "virtuoso", the session's Virtuoso), closed afterwards."""
    made: list[Any] = []
    with ExitStack() as opened:
        def make(records: list[dict[str, Any]] | None = None, *, backend: str = "oxigraph",
                 **config: Any) -> Any:
            folder = tmp_path / f"app{len(made)}"
            store = _store_location(backend, config.get("BASE_URI"), request)
            made.append(opened.enter_context(open_app(folder, records or (), store=store,
                                                      **config)))
            return made[-1]

        yield make


@pytest.fixture
def app(make_app: Callable[..., Any], sample_records: list[dict[str, Any]]) -> Any:
    """The app over the bundled sample collection."""
    return make_app(sample_records)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory,
                  sample_records: list[dict[str, Any]]) -> Path:
    """A data folder with the whole sample saved (store, index), once per test process."""
    folder = tmp_path_factory.mktemp("sample-folder")
    with open_app(folder, sample_records):
        pass
    return folder


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The sample app served on a free loopback port; yields its root URL (with a slash)."""
    with serving(app) as url:
        yield url
