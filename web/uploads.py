"""Bulk upload through the web: check a file, preview it, then store it on confirmation.

The uploaded file is kept in ``DATA_DIR/uploads`` and worked on in a background thread,
twice: first a dry run of the one write path (what will be added, every problem), then,
once the archivist confirms, the real save. The page polls a small progress endpoint
(or refreshes itself without JavaScript) while a job runs. The preview lists the issuers,
events and places the file will create (:func:`new_names`), and each problem by the
file's line and, for CSV, its column (:func:`problem_rows`).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
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
from archive.ingest import FORMATS, format_of, read_bytes
from archive.record import parse_record
from archive.writes import Payload
from web.app import get_archive
from web.auth import AuthStore, Principal
from web.signin import current_agent, get_auth, login_required

bp = Blueprint("uploads", __name__, url_prefix="/edit/upload")
PREVIEW_ROWS = 200
KEEP_SECONDS = 24 * 3600  # a finished upload (and its file) is kept this long
FIRST_WAIT = 3.0  # seconds to wait before answering, so small files show their preview at once
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")


@dataclass
class UploadJob:
    """One uploaded file and where its check or save stands."""

    token: str
    name: str
    path: Path
    agent: Principal
    remote: str | None
    state: str = "checking"  # checking → checked | refused → storing → stored | failed
    stage: str = "reading"
    done: int = 0
    total: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    thread: threading.Thread | None = None
    created: float = field(default_factory=time.time)
    dayfirst: bool | None = None  # how numeric dates such as 03/04/2018 are read
    new: dict[str, list[str]] = field(default_factory=dict)  # kind → names created

    def progress(self, done: int, total: int, stage: str) -> None:
        self.done, self.total, self.stage = done, total, stage

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, "stage": self.stage, "done": self.done,
                "total": self.total, "records": len(self.records),
                "problems": len(self.problems), "message": self.message,
                "running": self.state in ("checking", "storing")}


class UploadJobs:
    """The upload jobs of one app (kept in ``app.extensions``, not in module state): in
    memory, so the files an earlier process left are removed when this one starts, and a
    finished job is dropped with its file after :data:`KEEP_SECONDS`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.jobs: dict[str, UploadJob] = {}
        self.lock = threading.Lock()
        for left in folder.glob("*") if folder.is_dir() else ():
            with contextlib.suppress(OSError):  # a read-only data folder keeps them
                left.unlink(missing_ok=True)

    def add(self, name: str, data: bytes, agent: Principal, remote: str | None) -> UploadJob:
        self.drop_expired()
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(18)
        path = self.folder / f"{token}{''.join(Path(name).suffixes[-2:]).lower()}"
        path.write_bytes(data)
        job = UploadJob(token, name, path, agent, remote)
        with self.lock:
            self.jobs[token] = job
        return job

    def drop_expired(self, now: float | None = None) -> None:
        """Forget finished jobs older than :data:`KEEP_SECONDS` and delete their files."""
        limit = (now or time.time()) - KEEP_SECONDS
        with self.lock:
            for token, job in list(self.jobs.items()):
                if job.created < limit and job.state not in ("checking", "storing"):
                    job.path.unlink(missing_ok=True)
                    del self.jobs[token]

    def get(self, token: str, agent: Principal) -> UploadJob:
        job = self.jobs.get(token) if _TOKEN.match(token) else None
        if job is None or job.agent.name != agent.name:
            abort(404, description="there is no such upload (an upload is kept for a day, "
                                   "until the server restarts, for the archivist who made "
                                   "it; upload the file again)")
        return job


@bp.record_once
def _start_jobs(state: Any) -> None:
    state.app.extensions["uploads"] = UploadJobs(Path(state.app.config["DATA_DIR"]) / "uploads")


def jobs() -> UploadJobs:
    return current_app.extensions["uploads"]


def run_in_background(job: UploadJob, work: Any, *args: Any) -> None:
    job.thread = threading.Thread(target=work, args=(job, *args), daemon=True,
                                  name=f"upload-{job.token[:6]}")
    job.thread.start()
    job.thread.join(FIRST_WAIT)


def check(job: UploadJob, archive: Archive) -> None:
    """Read the file and validate every record without storing anything."""
    try:
        payloads = read_bytes(_raw(job), format_of(job.name), archive, job.name)
        job.total = len(payloads)
        saved = archive.save(payloads, agent=job.agent.name, dry_run=True, source=job.name,
                             progress=job.progress, dayfirst=job.dayfirst)
        job.records = [_summary(p.data, s.id) for p, s in zip(payloads, saved, strict=False)]
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
        payloads = read_bytes(_raw(job), format_of(job.name), archive, job.name)
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
    job.done = job.total = len(saved)
    job.message = f"{len(saved)} statement{'s' if len(saved) != 1 else ''} stored"
    job.state = "stored"
    job.path.unlink(missing_ok=True)


def _raw(job: UploadJob) -> bytes:
    data = job.path.read_bytes()
    if job.name.lower().endswith(".gz"):
        import gzip

        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise BadInput(f"{job.name} is not a valid gzip file ({error})") from None
    return data


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

    def note(kind: str, name: str | None) -> None:
        if name and archive.resources.find(kind, name) is None:
            found[kind].setdefault(name.casefold(), name)

    for payload in payloads:
        record, _ = parse_record(payload.data)
        if record is None:
            continue
        for agent in record.issuers:
            if not agent.uri or not archive.uris.split(agent.uri):
                note("issuers", agent.name)
            note("issuers", agent.part_of)
        for event in record.responds_to:
            note("events", event.name)
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


@bp.get("")
@login_required("editor")
def form() -> str:
    return render_template("edit/upload.html", formats=sorted(FORMATS))


@bp.post("")
@login_required("editor")
def receive() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("edit/upload.html", formats=sorted(FORMATS),
                               error="choose a file to upload"), 400
    try:
        format_of(upload.filename)
    except BadInput as error:
        return render_template("edit/upload.html", formats=sorted(FORMATS),
                               error=error.problems[0].message), 400
    job = jobs().add(Path(upload.filename).name, upload.read(), principal(), request.remote_addr)
    job.dayfirst = {"day": True, "month": False}.get(request.form.get("first", ""))
    run_in_background(job, check, get_archive())
    return redirect(url_for("uploads.status", token=job.token), code=303)


@bp.get("/<token>")
@login_required("editor")
def status(token: str) -> str:
    job = jobs().get(token, principal())
    return render_template("edit/upload_status.html", job=job, preview=job.records[:PREVIEW_ROWS],
                           problems=problem_rows(job))


@bp.get("/<token>/progress")
@login_required("editor")
def progress(token: str) -> Response:
    return jsonify(jobs().get(token, principal()).as_json())


@bp.post("/<token>/confirm")
@login_required("editor")
def confirm(token: str) -> Any:
    job = jobs().get(token, principal())
    with jobs().lock:  # a double click must not store the file twice
        if job.state != "checked":
            abort(409, description=f"this upload is {job.state}; only a checked upload "
                                   "without problems can be stored")
        job.state, job.done, job.stage = "storing", 0, "reading"
    run_in_background(job, store, get_archive(), get_auth())
    return redirect(url_for("uploads.status", token=job.token), code=303)
