"""The archivists' write API: create, edit, delete and restore statements over HTTP.

Bodies are contract JSON (an object or a list), JSON-LD or Turtle, read by the same reader as
``rights-archive import`` and stored through the one write path, so refusals carry the CLI's
messages (422, every problem listed). Edits and deletes need ``If-Match`` with the current
ETag (RFC 9110 §13.1.1): 428 without it, 412 on a stale one. The write path checks the
version once, under its lock, and raises typed errors (NotFound, Gone, StaleVersion) that
this module only words for HTTP. Every write is attributed to its token or account in the
PROV history and the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from werkzeug.exceptions import HTTPException, PreconditionRequired, UnsupportedMediaType

from archive import Archive, BadInput, Gone, NotFound, Problem
from archive.errors import PreconditionFailed, StaleVersion
from archive.history import RecordState
from archive.ingest import read_bytes
from archive.reads import Reads
from archive.writes import Payload, Saved
from web.etags import parse_statement_etag, statement_etag
from web.services import get_archive, get_auth, get_reads
from web.signin import audit, current_agent, login_required

bp = Blueprint("api", __name__, url_prefix="/api")

#: Request media type → reader format of archive.ingest.
BODY_FORMATS = {"application/json": "json", "application/ld+json": "json-ld",
                "text/turtle": "turtle"}


def _payloads(archive: Archive) -> list[Payload]:
    fmt = BODY_FORMATS.get(request.mimetype)
    if fmt is None:
        raise UnsupportedMediaType(
            f"send the records as {', '.join(BODY_FORMATS)} (Content-Type was "
            f"'{request.mimetype or 'missing'}')")
    data = request.get_data(cache=False)
    if not data.strip():
        raise BadInput("the request body is empty; send one record or a list of records",
                       "request body")
    return read_bytes(data, fmt, archive, "request body")


def _agent_name() -> str:
    principal = current_agent()
    assert principal is not None  # login_required ran first
    return principal.name


def _described(archive: Archive, saved: Saved) -> dict[str, Any]:
    return {"id": saved.id, "uri": str(archive.uris.statement(saved.id)), "kind": saved.kind,
            "version": saved.version, "sequence": saved.sequence,
            "etag": statement_etag(saved.id, saved.version) if saved.kind != "delete" else None,
            **({"notice": saved.notice} if saved.notice else {})}


def _current(reads: Reads, record_id: str) -> RecordState:
    state = reads.state(record_id)
    if state is None:
        raise NotFound(f"there is no statement '{record_id}'")
    return state


@contextmanager
def _answered_for_http(record_id: str) -> Iterator[None]:
    """An edit of statement ``record_id``, with the write path's refusals worded for HTTP.

    An unknown id answers 404 before anything else is wrong with the request (a missing
    If-Match, the body): the state is read only when something is, since the write path
    itself refuses an unknown id. A stale version names the ETag to send.
    """
    try:
        yield
    except StaleVersion as error:
        raise PreconditionFailed(_stale(record_id, error.expected, error.current)) from None
    except (BadInput, PreconditionFailed, HTTPException):
        _current(get_reads(), record_id)
        raise


def _expected_version(record_id: str, *, required: bool = True) -> int | None:
    """The version named by If-Match: 428 when missing, 412 when it names something else."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if not required:
            return None
        raise PreconditionRequired(
            f"send If-Match with the statement's current ETag (GET /api/statements/{record_id} "
            "answers it), so that you never overwrite someone else's change unseen")
    if header == "*":
        raise PreconditionRequired("If-Match: * is not enough here; send the statement's ETag")
    versions = [parsed[1] for tag in header.split(",")
                if (parsed := parse_statement_etag(tag)) and parsed[0] == record_id]
    if not versions:
        raise PreconditionFailed(f"If-Match {header} is not an ETag of statement '{record_id}'; "
                                 f"send the one GET /api/statements/{record_id} answers (the "
                                 "ETags of the statement's pages name a representation, not a "
                                 "version)")
    return max(versions)


@bp.get("/statements/<record_id>")
def read_statement(record_id: str) -> Any:
    """One statement as contract JSON, with its ETag."""
    reads = get_reads()
    state = _current(reads, record_id)
    if state.deleted:
        raise Gone(f"statement '{record_id}' was deleted (version {state.version}); "
                   f"POST /api/statements/{record_id}/restore brings a version back")
    response = jsonify(reads.record(record_id).to_json())
    response.set_etag(statement_etag(record_id, state.version)[1:-1])
    return response.make_conditional(request)


@bp.get("/statements/<record_id>/history")
def read_history(record_id: str) -> Any:
    """Every version of a statement: number, kind, time and agent."""
    versions = get_reads().history(record_id)
    return jsonify([{"version": v.number, "kind": v.kind, "time": str(v.time),
                     "agent": v.agent, **({"note": v.note} if v.note else {})}
                    for v in versions])


def _note() -> str | None:
    """The archivist's note on why (``?note=…``), kept with the version the write makes."""
    return request.args.get("note")


@bp.post("/statements")
@login_required("editor")
def create_statements() -> Any:
    """Create one statement or a batch (all or nothing): 201 with Location."""
    archive = get_archive()
    payloads = _payloads(archive)
    saved = archive.save(payloads, agent=_agent_name(), source="request body", note=_note())
    for item in saved:
        audit("create", item.id, item.version)
    response = jsonify({"saved": [_described(archive, s) for s in saved]})
    response.status_code = 201
    response.headers["Location"] = url_for("api.read_statement", record_id=saved[0].id)
    if len(saved) == 1:
        response.headers["ETag"] = statement_etag(saved[0].id, saved[0].version)
    return response


@bp.put("/statements/<record_id>")
@login_required("editor")
def replace_statement(record_id: str) -> Any:
    """Replace a statement with a new version (If-Match required)."""
    archive = get_archive()
    with _answered_for_http(record_id):
        expected = _expected_version(record_id)
        payload = _single(_payloads(archive), record_id)
        saved = archive.save([payload], agent=_agent_name(), replace=True,
                             expected_version=expected, source="request body",
                             note=_note())[0]
    audit("update", saved.id, saved.version)
    response = jsonify({"saved": [_described(archive, saved)]})
    response.headers["ETag"] = statement_etag(saved.id, saved.version)
    return response


def _single(payloads: list[Payload], record_id: str) -> Payload:
    if len(payloads) != 1:
        raise BadInput(f"PUT takes exactly one record, not {len(payloads)}", "request body")
    payload = payloads[0]
    if isinstance(payload.data, dict):
        given = payload.data.get("id")
        if given is None:
            return Payload({**payload.data, "id": record_id}, payload.line)
        if given != record_id:
            raise BadInput([Problem(f"the body's id '{given}' is not the id in the address "
                                    f"'{record_id}'", str(given), "id")], "request body")
    return payload


def _stale(record_id: str, expected: int | None, current: int) -> str:
    return (f"statement '{record_id}' has changed since you loaded it (you have version "
            f"{expected}, the archive has version {current}); reload it, apply your changes "
            "again and send the new ETag")


@bp.delete("/statements/<record_id>")
@login_required("editor")
def delete_statement(record_id: str) -> Any:
    """Delete a statement (If-Match required); its history and id remain."""
    archive = get_archive()
    with _answered_for_http(record_id):
        expected = _expected_version(record_id)
        saved = archive.delete(record_id, agent=_agent_name(), expected_version=expected,
                               note=_note())
    audit("delete", saved.id, saved.version)
    return jsonify({"saved": [_described(archive, saved)]})


@bp.post("/statements/<record_id>/restore")
@login_required("editor")
def restore_statement(record_id: str) -> Any:
    """Make an earlier version current again: body ``{"version": n}`` (and an optional
    ``"note"``); If-Match optional."""
    archive = get_archive()
    body = request.get_json(silent=True)
    wanted = body.get("version") if isinstance(body, dict) else None
    if isinstance(wanted, bool) or not isinstance(wanted, int):
        raise BadInput([Problem("send {\"version\": n} with the number of the version to "
                                "restore", record_id, "version")], "request body")
    expected = _expected_version(record_id, required=False)
    note = body.get("note") if isinstance(body.get("note"), str) else _note()
    with _answered_for_http(record_id):
        saved = archive.restore(record_id, wanted, agent=_agent_name(), note=note,
                                expected_version=expected)
    audit("restore", saved.id, saved.version, f"restored version {wanted}")
    response = jsonify({"saved": [_described(archive, saved)]})
    response.headers["ETag"] = statement_etag(saved.id, saved.version)
    return response


@bp.get("/audit")
@login_required("admin")
def audit_log() -> Any:
    """The audit log (admins only): ``?after=N&limit=M``."""
    after = request.args.get("after", 0, type=int)
    limit = min(max(request.args.get("limit", 100, type=int), 1), 1000)
    return jsonify(get_auth().audit_log(after, limit))
