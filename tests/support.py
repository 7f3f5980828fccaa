"""Helpers the tests share (conftest.py holds only fixtures, built on these).

:func:`open_app` is the one way a test makes an app: over a data folder (its store there, or
at a SPARQL endpoint), with records saved and config overrides, closed afterwards. The
``make_app`` fixture, the module-scoped apps (:func:`sample_module_app`) and
:class:`ApiEnv` are made with it; :func:`serving` serves any of them on a free port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

from archive import Archive, changelog
from archive.settings import DEFAULT_BASE

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "archive" / "sample"
SEED_ID = "us-human-rights-cities-alliance-2018-06-22"
#: The browser tests' desktop window.
WIDE = {"width": 1280, "height": 900}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def require_package(available: bool, package: str) -> None:
    """Skip a test that needs Debian's ``package`` where it is missing; fail under CI, which
    must have installed it (scripts/test)."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must install {package} (see scripts/test)")
    pytest.skip(f"{package} is not installed (apt-get install -y {package})")


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


# Stores -------------------------------------------------------------------------------------

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


def module_store(request: pytest.FixtureRequest, backend: str, base: str = DEFAULT_BASE
                 ) -> str | None:
    """The store location for an app shared by a module's tests (None: the data folder);
    for Virtuoso, emptied now and when the module is done."""
    if backend == "oxigraph":
        return None
    server = request.getfixturevalue("module_virtuoso_server")
    request.addfinalizer(lambda: emptied(server, base))
    return emptied(server, base)


# Apps ---------------------------------------------------------------------------------------

@contextmanager
def open_app(folder: Path, records: Iterable[dict[str, Any]] = (), *,
             store: str | None = None, **config: Any) -> Iterator[Any]:
    """An app over the archive in ``folder`` (its store there, or at the SPARQL endpoint
    ``store``; ``ARCHIVE=`` an archive opened already), ``TESTING`` on, ``records`` saved,
    ``config`` overriding the settings. Afterwards its SPARQL workers and archive close."""
    from web.app import create_app

    if store is not None:
        config["ARCHIVE"] = Archive(folder, config.get("BASE_URI"), store=store)
    app = create_app({"TESTING": True, "DATA_DIR": folder, **config})
    records = list(records)
    if records:
        app.extensions["archive"].save(records, agent="test")
    try:
        yield app
    finally:
        if "sparql_pool" in app.extensions:
            app.extensions["sparql_pool"].close()
        app.extensions["archive"].close()



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
def sample_module_app(request: pytest.FixtureRequest, backend: str, **config: Any
                      ) -> Iterator[Any]:
    """An app over a copy of the ``sample_folder`` fixture for a module's tests, on
    ``backend`` (for Virtuoso the copy is restored into the module's engine, with
    ``restore``)."""
    from archive.export import restore

    source = request.getfixturevalue("sample_folder")
    folder = request.getfixturevalue("tmp_path_factory").mktemp(request.module.__name__)
    store = module_store(request, backend)
    if store is None:
        shutil.copytree(source, folder, dirs_exist_ok=True)
    else:
        restore(source, folder, store=store)
        shutil.copytree(source / "index", folder / "index")
    with open_app(folder, store=store, **config) as app:
        yield app


# The write API's app ------------------------------------------------------------------------

def api_records() -> list[dict[str, Any]]:
    """The sample's statements (not the General Debate speeches)."""
    return read_jsonl(SAMPLE / "statements.jsonl")


def api_new(record_id: str = "api-new-statement", **changes: Any) -> dict[str, Any]:
    """A new statement for the write API (a change of None drops the key)."""
    record = {"id": record_id, "title": "Statement on the right to water",
              "issuer": {"name": "Water Rights Network", "kind": "ngo"},
              "date": "2024-03-22", "type": "press statement",
              "text": "We call on every state to respect the right to water.",
              "references": ["ICESCR"], "topics": ["international cooperation and multilateralism"]}
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


class ApiEnv:
    """A real app over a real archive in a temporary folder (its store there, or at the
    SPARQL endpoint ``store``) holding :func:`api_records`, with tokens of each role."""

    def __init__(self, folder: Path, store: str | None = None, **config: Any) -> None:
        self.archive = Archive(folder, store=store)
        self.archive.save(api_records(), agent="test")
        self._app = open_app(folder, ARCHIVE=self.archive, RATELIMIT_ENABLED=False, **config)
        self.app = self._app.__enter__()
        self.auth = self.app.extensions["auth"]
        self.client = self.app.test_client()
        self.tokens = {role: self.auth.create_token(f"{role}-tester", role)[1]
                       for role in ("reader", "editor", "admin")}

    def headers(self, role: str = "editor", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def snapshot(self) -> tuple[int, int]:
        """What must not change when a write is refused: quad count and change-log end."""
        return len(self.archive.store), changelog.last_sequence(self.archive.store,
                                                                 self.archive.uris)

    def close(self) -> None:
        self._app.__exit__(None, None, None)
