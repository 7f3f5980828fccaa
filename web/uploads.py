"""Bulk upload through the web: check a file, preview it, then store it on confirmation.

The uploaded file is kept in ``DATA_DIR/uploads`` and worked on in the background
(web/upload_jobs.py: each archivist's limits, the shared upload threads, the sweeper),
twice: first a dry run of the one write path (what will be added, every problem), then,
once the archivist confirms, the real save. The page polls a small progress endpoint
(or refreshes itself without JavaScript) while a job runs. The preview lists the issuers,
events and places the file will create (:func:`new_names`), and each problem by the
file's line and, for CSV, its column (:func:`problem_rows`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from archive import Archive, BadInput
from archive.csv_columns import in_csv_terms
from archive.errors import ArchiveError
from archive.ingest import FORMATS, format_of, read_file
from archive.record import parse_record
from archive.writes import Payload
from vocab.thesaurus import normalize_label
from web.auth import AuthStore, Principal
from web.services import get_archive, get_auth
from web.signin import current_agent, login_required
from web.upload_jobs import (
    KEEP_SECONDS,
    PREVIEW_ROWS,
    UploadJob,
    UploadJobs,
    UploadRefused,
)

__all__ = ["KEEP_SECONDS", "bp"]
bp = Blueprint("uploads", __name__, url_prefix="/edit/upload")
FIRST_WAIT = 3.0  # seconds to wait before answering, so small files show their preview at once
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")


@bp.record_once
def _start_jobs(state: Any) -> None:
    config = state.app.config
    state.app.extensions["uploads"] = UploadJobs(Path(config["DATA_DIR"]) / "uploads", config)


def jobs() -> UploadJobs:
    return current_app.extensions["uploads"]


def find(token: str, agent: Principal) -> UploadJob:
    """The archivist's upload ``token``, or 404."""
    job = jobs().get(token) if _TOKEN.match(token) else None
    if job is None or job.agent.name != agent.name:
        abort(404, description="there is no such upload (an upload is kept for a day, "
                               "until the server restarts, for the archivist who made "
                               "it; upload the file again)")
    return job


def run_in_background(job: UploadJob, work: Any, *args: Any) -> None:
    jobs().run(job, work, *args)
    job.idle.wait(FIRST_WAIT)


def _payloads(job: UploadJob, archive: Archive) -> list[Any]:
    return read_file(job.path, archive, name=job.name, max_decompressed=job.max_decompressed)


def check(job: UploadJob, archive: Archive) -> None:
    """Read the file and validate every record without storing anything."""
    job.stage = "reading"
    try:
        payloads = _payloads(job, archive)
        job.total = len(payloads)
        saved = archive.save(payloads, agent=job.agent.name, dry_run=True, source=job.name,
                             progress=job.progress, dayfirst=job.dayfirst)
        job.count = len(saved)
        job.records = [_summary(p.data, s.id) for p, s in zip(payloads[:PREVIEW_ROWS],
                                                              saved[:PREVIEW_ROWS],
                                                              strict=False)]
        job.new = new_names(archive, payloads)
        job.state = "checked"
    except BadInput as error:
        job.problems = [p.as_dict() for p in refusal(job, error).problems]
        job.message = str(error).split("\n", 1)[0]
        job.state = "refused"
    except ArchiveError as error:
        job.message, job.state = str(error), "refused"


def store(job: UploadJob, archive: Archive, auth: AuthStore) -> None:
    """Save the checked file through the one write path, then log who did it."""
    try:
        payloads = _payloads(job, archive)
        saved = archive.save(payloads, agent=job.agent.name, source=job.name,
                             progress=job.progress, dayfirst=job.dayfirst)
    except BadInput as error:  # the archive changed since the check
        job.problems = [p.as_dict() for p in refusal(job, error).problems]
        job.message, job.state = str(error).split("\n", 1)[0], "refused"
        return
    except ArchiveError as error:
        job.message, job.state = str(error), "failed"
        return
    for item in saved:
        auth.audit(job.agent, "create", item.id, item.version, job.remote,
                   f"uploaded in {job.name}")
    job.records = [{**r, "id": s.id} for r, s in zip(job.records, saved, strict=False)]
    job.done = job.total = job.count = len(saved)
    job.message = f"{len(saved)} statement{'s' if len(saved) != 1 else ''} stored"
    job.state = "stored"


def _summary(data: Any, record_id: str) -> dict[str, Any]:
    data = data if isinstance(data, dict) else {}
    title = data.get("title", "")
    issuer = data.get("issuer", "")
    issuers = issuer if isinstance(issuer, list) else [issuer]
    return {"id": record_id, "date": str(data.get("date", "")),
            "title": next(iter(title.values()), "") if isinstance(title, dict) else str(title),
            "issuer": "; ".join(i.get("name", "") if isinstance(i, dict) else str(i)
                                for i in issuers)}


def new_names(archive: Archive, payloads: list[Payload]) -> dict[str, list[str]]:
    """The issuers, events and places the checked file names that the archive does not
    hold yet (storing it creates them), by kind, each name once, in the file's order."""
    found: dict[str, dict[str, str]] = {"issuers": {}, "events": {}, "places": {}}
    named: dict[str, set[str]] = {"issuers": set(), "events": set(), "places": set()}

    def note(kind: str, name: str | None, alt_names: list[str] | None = None) -> None:
        """Note a name unless it, or another name of the same thing, is known already or
        named earlier in the file (as the write resolves names, in the file's order)."""
        if not name:
            return
        names = [name, *(alt_names or [])]
        keys = {normalize_label(n) for n in names}
        if not keys & named[kind] and not any(archive.resources.find(kind, n) for n in names):
            found[kind].setdefault(normalize_label(name), name)
        named[kind] |= keys

    for payload in payloads:
        record, _ = parse_record(payload.data)
        if record is None:
            continue
        for agent in record.issuers:
            if not agent.uri or not archive.uris.split(agent.uri):
                note("issuers", agent.name, agent.alt_names)
            note("issuers", agent.part_of)
        for event in record.responds_to:
            note("events", event.name, event.alt_names)
            note("places", event.place)
        for place in record.places:
            note("places", place)
    return {kind: list(names.values()) for kind, names in found.items() if names}


def problem_rows(job: UploadJob) -> list[dict[str, str]]:
    """Each problem where the archivist finds it in the file: "line 4, column issuer" for
    CSV (see :func:`archive.csv_columns.in_csv_terms`), "line 4, key date" otherwise, and
    what is wrong in plain words."""
    rows = []
    for problem in job.problems:
        key, line, record = problem.get("key"), problem.get("line"), problem.get("record")
        where = [f"line {line}"] if line else []
        if record and not (str(record).startswith("#") and line):
            where.append(f"record {record}")
        if problem.get("column"):
            where.append(f"column {problem['column']}")
        elif key:
            where.append(f"key {key}")
        message = str(problem.get("message", "")).removeprefix("is ")
        if problem.get("suggestion"):
            message += f" (did you mean {problem['suggestion']}?)"
        rows.append({"where": ", ".join(where) or job.name, "message": message})
    return rows


def refusal(job: UploadJob, error: BadInput) -> BadInput:
    """A refusal in the terms of the uploaded file (its CSV columns, for CSV)."""
    return in_csv_terms(error) if format_of(job.name) == "csv" else error


def principal() -> Principal:
    agent = current_agent()
    assert agent is not None  # login_required ran first
    return agent


def _form(error: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template("edit/upload.html", formats=sorted(FORMATS), error=error,
                           pending=jobs().pending_of(principal().name))
    return page, status


@bp.get("")
@login_required("editor")
def form() -> tuple[str, int]:
    return _form()


@bp.post("")
@login_required("editor")
def receive() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form("choose a file to upload", 400)
    try:
        format_of(upload.filename)
    except BadInput as error:
        return _form(error.problems[0].message, 400)
    try:
        job = jobs().add(Path(upload.filename).name, upload.read(), principal(),
                         request.remote_addr, current_app.config.get("MAX_DECOMPRESSED"))
    except UploadRefused as refused:
        page, status = _form(refused.message, refused.status)
        response = current_app.make_response((page, status))
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    job.dayfirst = {"day": True, "month": False}.get(request.form.get("first", ""))
    run_in_background(job, check, get_archive())
    return redirect(url_for("uploads.status", token=job.token), code=303)


@bp.get("/<token>")
@login_required("editor")
def status(token: str) -> str:
    job = find(token, principal())
    return render_template("edit/upload_status.html", job=job, preview=job.records[:PREVIEW_ROWS],
                           problems=problem_rows(job))


@bp.get("/<token>/progress")
@login_required("editor")
def progress(token: str) -> Response:
    return jsonify(find(token, principal()).as_json())


@bp.post("/<token>/confirm")
@login_required("editor")
def confirm(token: str) -> Any:
    job = find(token, principal())
    with jobs().lock:  # a double click must not store the file twice
        if job.state != "checked":
            abort(409, description=f"this upload is {job.state}; only a checked upload "
                                   "without problems can be stored")
        job.state, job.done, job.stage = "storing", 0, "waiting for its turn"
    run_in_background(job, store, get_archive(), get_auth())
    return redirect(url_for("uploads.status", token=job.token), code=303)


@bp.post("/<token>/discard")
@login_required("editor")
def discard(token: str) -> Any:
    """Forget an upload and its file (a checked one is then not stored)."""
    job = find(token, principal())
    if not jobs().discard(job):
        abort(409, description=f"this upload is {job.state}; wait until that is done")
    return redirect(url_for("uploads.form"), code=303)
