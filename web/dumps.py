"""Complete dataset downloads at /dumps/: N-Quads and Turtle, gzip-compressed.

The files are written to ``DATA_DIR/dumps`` when the change log has moved since the last
ones (not on every request), listed with size, date and SHA-256, and served by
``send_file`` so that downloads stream and answer conditional and Range requests.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, send_file, url_for

from archive import Archive
from archive.export import public_graphs
from vocab import PREFIXES
from web.app import get_archive
from web.conneg import negotiate

bp = Blueprint("dumps", __name__)

MANIFEST = "manifest.json"
_LOCK = threading.Lock()


def _nquads(archive: Archive, output: IO[bytes], graphs: list) -> None:
    archive.store.dump(output, ox.RdfFormat.N_QUADS, graphs)


def _turtle(archive: Archive, output: IO[bytes], graphs: list) -> None:
    # quads(): a remote store reads many graphs per request, not one request per graph
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in archive.store.quads(graphs))
    ox.serialize(triples, output, ox.RdfFormat.TURTLE,
                 prefixes={k: str(v) for k, v in PREFIXES.items()})


#: File name → (media type of the content, description, writer). Only these are served.
DUMP_FILES: dict[str, tuple[str, str, Callable[[Archive, IO[bytes], list], None]]] = {
    "rights-archive.nq.gz": ("application/n-quads", "N-Quads: one named graph per statement, "
                             "issuer, event, place and vocabulary", _nquads),
    "rights-archive.ttl.gz": ("text/turtle", "Turtle: every triple of the dataset merged into "
                              "one graph", _turtle),
}


def dumps_dir() -> Path:
    folder = current_app.config.get("DUMPS_DIR") or Path(current_app.config["DATA_DIR"]) / "dumps"
    return Path(folder)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def current_dumps() -> dict[str, Any]:
    """The manifest of the dumps, regenerating them first if the change log has moved."""
    archive = get_archive()
    folder = dumps_dir()
    sequence = archive.last_sequence()
    manifest = read_manifest(folder)
    if manifest.get("last_sequence") == sequence and _complete(folder, manifest):
        return manifest
    with _LOCK:
        manifest = read_manifest(folder)
        if manifest.get("last_sequence") != sequence or not _complete(folder, manifest):
            manifest = write_dumps(archive, folder)
    return manifest


def _complete(folder: Path, manifest: dict[str, Any]) -> bool:
    return all((folder / name).exists() for name in manifest.get("files", {}))


def write_dumps(archive: Archive, folder: Path) -> dict[str, Any]:
    """Write every dump file (each atomically) and the manifest describing them."""
    folder.mkdir(parents=True, exist_ok=True)
    with archive.store.lock:  # no write may land between the files and their sequence
        sequence = archive.last_sequence()
        graphs = list(public_graphs(archive, with_vocabulary=True))
        statements = sum(1 for name in graphs if archive.uris.record_id(str(name)))
        files = {}
        for name, (mime, description, writer) in DUMP_FILES.items():
            partial = folder / f".{name}.partial"
            with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb",
                                                           mtime=0) as output:
                writer(archive, output, graphs)
            os.replace(partial, folder / name)
            files[name] = {"media_type": mime, "description": description,
                           "size": (folder / name).stat().st_size,
                           "sha256": _sha256(folder / name),
                           "date": datetime.now(UTC).replace(microsecond=0).isoformat()}
    manifest = {"last_sequence": sequence, "statements": statements, "graphs": len(graphs),
                "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@bp.get("/dumps/")
def listing() -> Response | str:
    manifest = current_dumps()
    files = [{"name": name, "href": url_for("dumps.download", name=name), **info}
             for name, info in manifest["files"].items()]
    if negotiate({"html": "text/html", "json": "application/json"}) == "json":
        response = Response(json.dumps({**manifest, "files": files}, indent=2),
                            mimetype="application/json")
    else:
        response = Response(render_template("things/dumps.html", manifest=manifest,
                                            files=files))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/dumps/<name>")
def download(name: str) -> Response:
    if name not in DUMP_FILES:  # only our own names: nothing from the request reaches a path
        abort(404)
    manifest = current_dumps()
    path = dumps_dir() / name
    response = send_file(path, mimetype="application/gzip", as_attachment=True,
                         download_name=name, conditional=True,
                         etag=manifest["files"][name]["sha256"][:32])
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Digest"] = "sha-256=" + _b64(manifest["files"][name]["sha256"])
    return response


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
