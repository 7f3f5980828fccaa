"""The archivists' pages: add, edit, delete and restore statements through forms.

Every view needs the ``editor`` role (:func:`web.signin.login_required`); every POST
carries the session's CSRF token (checked by :mod:`web.security`). Writes go through the
one write path, :meth:`archive.Archive.save` / ``delete`` / ``restore``. Small JSON
endpoints serve the form's script: date preview, autocomplete and suggestions.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from archive import Archive, BadInput
from archive.errors import Conflict, Gone
from archive.suggest import suggest
from web.app import get_archive
from web.edit_form import StatementForm, date_preview, problems_by_field
from web.signin import audit, current_agent, login_required

bp = Blueprint("edit", __name__, url_prefix="/edit")
COMPLETE_LIMIT = 12
RESOURCE_KINDS = ("issuers", "events", "places")
THESAURUS_KINDS = ("treaties", "topics", "types")


def agent_name() -> str:
    principal = current_agent()
    assert principal is not None  # login_required ran first
    return principal.name


def render_form(form: StatementForm, record_id: str | None, problems: list[Any] = (),
                suggestions: list[dict[str, str]] | None = None, conflict: str | None = None,
                status: int = 200) -> tuple[str, int]:
    archive = get_archive()
    grouped, general = problems_by_field(list(problems))
    return render_template(
        "edit/form.html", form=form, record_id=record_id, problems=grouped, general=general,
        problem_count=len(problems), date=date_preview(form.date), suggestions=suggestions,
        conflict=conflict, types=[c.label() for c in archive.thesauri["types"]],
        topics=sorted(c.label() for c in archive.thesauri["topics"]),
        treaties=sorted((c.notation, c.label()) for c in archive.thesauri["treaties"])), status


def handle_submit(form: StatementForm, record_id: str | None) -> Any:
    """Suggest, accept a suggestion, or save; any refusal re-shows the form as typed."""
    action = request.form.get("action", "save")
    accepted = request.form.get("accept", "")
    if accepted:
        key, _, value = accepted.partition("|")
        form.accept(key, value)
        return render_form(form, record_id, suggestions=text_suggestions(form.text))
    if action == "suggest":
        return render_form(form, record_id, suggestions=text_suggestions(form.text))
    archive = get_archive()
    record = form.to_record()
    try:
        if record_id is None:
            saved = archive.save([record], agent=agent_name(), source="web form")
        else:
            record["id"] = record_id
            saved = archive.save([record], agent=agent_name(), replace=True, source="web form",
                                 expected_version=form.expected_version)
    except BadInput as error:
        return render_form(form, record_id, error.problems, status=422)
    except Conflict as error:
        return render_form(form, record_id, conflict=str(error), status=409)
    item = saved[0]
    audit("create" if record_id is None else "update", item.id, item.version)
    flash(f"Saved version {item.version} of “{form.title.strip()}”.", "success")
    return redirect(url_for("things.statement", record_id=item.id))


def text_suggestions(text: str) -> list[dict[str, str]]:
    return [s.as_dict() for s in suggest(get_archive(), text)] if text.strip() else []


@bp.route("/new", methods=["GET", "POST"])
@login_required("editor")
def new() -> Any:
    if request.method == "GET":
        return render_form(StatementForm(), None)
    return handle_submit(StatementForm.from_request(request.form), None)


def current_state(archive: Archive, record_id: str) -> int:
    """The current version of a record that exists and is not deleted (else 404/410)."""
    state = archive.state(record_id)
    if state is None:
        abort(404, description=f"there is no statement '{record_id}'")
    if state[1] == "delete":
        raise Gone(f"statement '{record_id}' was deleted; restore a version of it from "
                   f"its versions page ({url_for('edit.history', record_id=record_id)})")
    return state[0]


@bp.route("/<record_id>", methods=["GET", "POST"])
@login_required("editor")
def edit(record_id: str) -> Any:
    archive = get_archive()
    version = current_state(archive, record_id)
    if request.method == "GET":
        return render_form(StatementForm.from_record(archive.record(record_id).to_json(),
                                                     version), record_id)
    return handle_submit(StatementForm.from_request(request.form), record_id)


@bp.get("/parse-date")
@login_required("editor")
def parse_date_json() -> Response:
    """How a date as written will be read (for the form's live preview)."""
    return jsonify(date_preview(request.args.get("date", "")))


@bp.get("/complete")
@login_required("editor")
def complete() -> Response:
    """Existing names of a kind that match what is typed: prefix matches first."""
    kind, typed = request.args.get("kind", ""), request.args.get("q", "").strip().casefold()
    archive = get_archive()
    if kind in RESOURCE_KINDS:
        options = [(name, name) for _, name in archive.resources.names(kind)]
    elif kind in THESAURUS_KINDS:
        options = [(c.notation if kind == "treaties" else c.label(),
                    f"{c.notation} – {c.label()}" if kind == "treaties" else c.label())
                   for c in archive.thesauri[kind]]
    else:
        abort(400, description=f"kind must be one of {', '.join(RESOURCE_KINDS + THESAURUS_KINDS)}")
    ranked = sorted((label.casefold().find(typed), label.casefold(), value, label)
                    for value, label in options if typed in label.casefold())
    return jsonify({"kind": kind, "q": typed,
                    "options": [{"value": value, "label": label}
                                for _, _, value, label in ranked[:COMPLETE_LIMIT]]})


@bp.post("/suggest")
@login_required("editor")
def suggest_json() -> Response:
    """Treaty, date, see-also and topic suggestions from the pasted text."""
    return jsonify({"suggestions": text_suggestions(request.form.get("text", ""))})


@bp.route("/<record_id>/delete", methods=["GET", "POST"])
@login_required("editor")
def delete_form(record_id: str) -> Any:
    """Confirm, then delete (a tombstone: the history stays and can be restored)."""
    archive = get_archive()
    version = current_state(archive, record_id)
    title = archive.record(record_id).title_text()
    if request.method == "GET":
        return render_template("edit/delete.html", record_id=record_id, title=title,
                               version=version)
    expected = request.form.get("expected_version", "")
    try:
        saved = archive.delete(record_id, agent=agent_name(),
                               expected_version=int(expected) if expected.isdigit() else None)
    except Conflict as error:
        return render_template("edit/delete.html", record_id=record_id, title=title,
                               version=version, conflict=str(error)), 409
    audit("delete", saved.id, saved.version)
    flash(f"Deleted “{title}”. Its versions stay and can be restored.", "success")
    return redirect(url_for("edit.history", record_id=record_id))


@bp.get("/<record_id>/history")
@login_required("editor")
def history(record_id: str) -> Any:
    archive = get_archive()
    versions = archive.history(record_id)
    if not versions:
        abort(404, description=f"there is no statement '{record_id}'")
    current = archive.state(record_id)
    return render_template("edit/history.html", record_id=record_id,
                           versions=list(reversed(versions)), current=current)


@bp.post("/<record_id>/restore")
@login_required("editor")
def restore(record_id: str) -> Any:
    wanted = request.form.get("version", "")
    if not wanted.isdigit():
        abort(400, description="choose the version to restore")
    saved = get_archive().restore(record_id, int(wanted), agent=agent_name())
    audit("restore", saved.id, saved.version, f"restored version {wanted}")
    flash(f"Restored version {wanted} as version {saved.version}.", "success")
    return redirect(url_for("things.statement", record_id=record_id))
