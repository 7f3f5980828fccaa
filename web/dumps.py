"""Complete dataset downloads at /dumps/: N-Quads and Turtle, gzip-compressed.

The files are written to ``DATA_DIR/dumps`` when the change log has moved since the last
ones (not on every request), listed with size, date and SHA-256, and served by
``send_file`` so that downloads stream and answer conditional and Range requests. The
builder is the ``dumps`` follower of the change log: it notes where the log stands, and
the next request for a dump starts a build if the files are behind (a build costs about a
minute per 65,000 statements, so none starts for a write nobody downloads).

A dump is built in a background thread (:class:`DumpBuilder`) from a read-only snapshot
of the store, never under the store's write lock: at 100,000 statements a build takes
about a minute and a half, and writes meanwhile go on. Until the new files are ready the
previous ones are served, with headers that say how current they are (``Dump-Sequence``:
the last change they hold; ``Archive-Sequence``: the archive's newest). Only before the
very first dump does a request wait for it (``DUMPS_FIRST_WAIT`` seconds, then 503 with
``Retry-After``).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import ServiceUnavailable

from archive import Archive
from archive.export import public_graphs
from archive.followers import Follower
from archive.snapshot import SNAPSHOT, Snapshot, snapshot_of
from vocab import PREFIXES
from web.conneg import negotiate

bp = Blueprint("dumps", __name__)

MANIFEST = "manifest.json"
RETRY_AFTER_FAILURE = 60.0  # seconds before a failed build is tried again
_log = logging.getLogger(__name__)


def _nquads(snapshot: Snapshot, output: IO[bytes], graphs: list) -> None:
    snapshot.store.dump(output, ox.RdfFormat.N_QUADS, graphs)


def _turtle(snapshot: Snapshot, output: IO[bytes], graphs: list) -> None:
    # quads(): a remote store reads many graphs per request, not one request per graph
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in snapshot.store.quads(graphs))
    ox.serialize(triples, output, ox.RdfFormat.TURTLE,
                 prefixes={k: str(v) for k, v in PREFIXES.items()})


#: File name → (media type of the content, description, writer). Only these are served.
DUMP_FILES: dict[str, tuple[str, str, Callable[[Snapshot, IO[bytes], list], None]]] = {
    "rights-archive.nq.gz": ("application/n-quads", "N-Quads: one named graph per statement, "
                             "issuer, event, place and vocabulary", _nquads),
    "rights-archive.ttl.gz": ("text/turtle", "Turtle: every triple of the dataset merged into "
                              "one graph", _turtle),
}


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def _complete(folder: Path, manifest: dict[str, Any]) -> bool:
    return bool(manifest.get("files")) and all((folder / name).exists()
                                               for name in manifest["files"])


def write_dumps(archive: Archive, folder: Path,
                on_snapshot: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write every dump file (each atomically) and the manifest describing them, from a
    snapshot of the store; ``on_snapshot(sequence)`` is told when the snapshot is taken."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{SNAPSHOT}-*"):  # left by a process that died mid-build
        shutil.rmtree(stale, ignore_errors=True)
    with snapshot_of(archive, folder) as snapshot:
        if on_snapshot is not None:
            on_snapshot(snapshot.sequence)
        graphs = list(public_graphs(snapshot, with_vocabulary=True))  # type: ignore[arg-type]
        statements = sum(1 for name in graphs if snapshot.uris.record_id(str(name)))
        token = secrets.token_hex(4)
        partials = {name: folder / f".{name}.{token}.partial" for name in DUMP_FILES}
        try:
            for name, (_, _, writer) in DUMP_FILES.items():
                with open(partials[name], "wb") as raw, gzip.GzipFile(
                        fileobj=raw, mode="wb", mtime=0) as output:
                    writer(snapshot, output, graphs)
        except BaseException:
            for partial in partials.values():
                partial.unlink(missing_ok=True)
            raise
    files = {}
    for name, (mime, description, _) in DUMP_FILES.items():
        files[name] = {"media_type": mime, "description": description,
                       "size": partials[name].stat().st_size,
                       "sha256": _sha256(partials[name]),
                       "date": datetime.now(UTC).replace(microsecond=0).isoformat()}
        os.replace(partials[name], folder / name)
    manifest = {"last_sequence": snapshot.sequence, "statements": statements,
                "graphs": len(graphs), "files": files}
    written = folder / f".{MANIFEST}.{token}.partial"
    written.write_text(json.dumps(manifest, indent=2))
    os.replace(written, folder / MANIFEST)
    return manifest


class DumpBuilder(Follower):
    """Builds the dumps of one archive in a background thread, one build at a time.

    ``on_snapshot`` hooks are called in the build's thread with the snapshot's sequence,
    before any file is written (for tests and monitoring: a build is then in progress).
    As a follower it keeps ``sequence``, the change the dumps should hold.
    """

    name = "dumps"

    def __init__(self, archive: Archive, folder: Path) -> None:
        self.archive = archive
        self.folder = folder
        self.sequence = archive.last_sequence()
        self.on_snapshot: list[Callable[[int], None]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0

    def follow(self, sequence: int) -> None:
        self.sequence = sequence

    def building(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> bool:
        """Start a build unless one is running (or one failed a moment ago)."""
        with self._lock:
            if self.building() or time.monotonic() < self._not_before:
                return False
            self._thread = threading.Thread(target=self._run, daemon=True, name="dumps")
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running build (if any); whether none is running now."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.building()

    def _run(self) -> None:
        started = time.monotonic()
        try:
            manifest = write_dumps(self.archive, self.folder, self._snapshot_taken)
        except Exception:
            self._not_before = time.monotonic() + RETRY_AFTER_FAILURE
            _log.exception("building the dumps in %s failed; the previous ones are served, "
                           "and the next request after %s s tries again", self.folder,
                           RETRY_AFTER_FAILURE)
            return
        _log.info("dumps of change %s written in %.1f s", manifest["last_sequence"],
                  time.monotonic() - started)

    def _snapshot_taken(self, sequence: int) -> None:
        for hook in list(self.on_snapshot):
            hook(sequence)


@bp.record_once
def _builder(state: BlueprintSetupState) -> None:
    app = state.app
    folder = app.config["DUMPS_DIR"] or Path(app.config["DATA_DIR"]) / "dumps"
    app.extensions["dumps"] = DumpBuilder(app.extensions["archive"], Path(folder))


def follower(app: Flask) -> DumpBuilder:
    return app.extensions["dumps"]


def current_dumps() -> tuple[dict[str, Any], int]:
    """The manifest of the newest dumps and the archive's sequence now.

    When the change log has moved since they were written, a new build starts in the
    background and these are answered meanwhile; before the first dump, the request
    waits up to ``DUMPS_FIRST_WAIT`` seconds for it (then 503).
    """
    builder: DumpBuilder = current_app.extensions["dumps"]
    folder = builder.folder
    sequence = builder.sequence
    manifest = read_manifest(folder)
    complete = _complete(folder, manifest)
    if not complete or manifest.get("last_sequence") != sequence:
        builder.start()
    if not complete:
        builder.wait(float(current_app.config["DUMPS_FIRST_WAIT"]))
        manifest = read_manifest(folder)
        if not _complete(folder, manifest):
            raise ServiceUnavailable("the dataset's first dump is being built; try again in "
                                     "a minute", retry_after=60)
    return manifest, sequence


def _currency(response: Response, manifest: dict[str, Any], sequence: int) -> None:
    """Headers that say how current the dump is."""
    response.headers["Dump-Sequence"] = str(manifest["last_sequence"])
    response.headers["Archive-Sequence"] = str(sequence)
    response.headers["Access-Control-Expose-Headers"] = "Dump-Sequence, Archive-Sequence"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@bp.get("/dumps/")
def listing() -> Response | str:
    manifest, sequence = current_dumps()
    building = current_app.extensions["dumps"].building()
    status = {"archive_sequence": sequence, "current": manifest["last_sequence"] >= sequence,
              "building": building}
    files = [{"name": name, "href": url_for("dumps.download", name=name), **info}
             for name, info in manifest["files"].items()]
    if negotiate({"html": "text/html", "json": "application/json"}) == "json":
        response = Response(json.dumps({**manifest, **status, "files": files}, indent=2),
                            mimetype="application/json")
    else:
        response = Response(render_template("things/dumps.html", manifest=manifest,
                                            files=files, **status))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    _currency(response, manifest, sequence)
    return response


@bp.get("/dumps/<name>")
def download(name: str) -> Response:
    if name not in DUMP_FILES:  # only our own names: nothing from the request reaches a path
        abort(404)
    manifest, sequence = current_dumps()
    path = current_app.extensions["dumps"].folder / name
    response = send_file(path, mimetype="application/gzip", as_attachment=True,
                         download_name=name, conditional=True,
                         etag=manifest["files"][name]["sha256"][:32])
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Digest"] = "sha-256=" + _b64(manifest["files"][name]["sha256"])
    _currency(response, manifest, sequence)
    return response


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
