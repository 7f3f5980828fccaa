"""The archivists' pages: add, edit, delete and restore statements through forms.

Every view needs the ``editor`` role (:func:`web.signin.login_required`); every POST
carries the session's CSRF token (checked by :mod:`web.security`). Writes go through the
one write path, :meth:`archive.Archive.save` / ``delete`` / ``restore``, each with the
archivist's optional note on why. Small JSON endpoints serve the form's script: date
preview, autocomplete and suggestions; ``/edit/csv-template`` is the upload's CSV template.
"""

from __future__ import annotations

import re
from pathlib import Path
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
from flask_babel import gettext

from archive import BadInput
from archive.csv_columns import template_csv
from archive.errors import Conflict, Gone, NotFound
from archive.history import record_changes
from archive.suggest import Candidate, suggest
from web import urls
from web.edit_form import FIRST, Choice, StatementForm, date_preview, problems_by_field
from web.services import get_archive, get_index, get_reads
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
                suggestions: list[dict[str, Any]] | None = None, conflict: str | None = None,
                status: int = 200) -> tuple[str, int]:
    """The form as typed; the suggestions shown before stay shown after any re-show."""
    archive = get_archive()
    grouped, general = problems_by_field(list(problems), form, treaty_choices)
    if suggestions is None and form.suggested:
        suggestions = text_suggestions(form.text)
    for item in suggestions or []:
        item["used"] = form.holds(item["key"], item["value"])
    # a date refused by the save is explained beside the field, not again in the preview
    date = {"ok": False, "message": ""} if "date" in grouped else date_preview(
        form.date, form.dayfirst)
    return render_template(
        "edit/form.html", form=form, record_id=record_id, problems=grouped, general=general,
        problem_count=len(problems), date=date, suggestions=suggestions,
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
        return render_form(form, record_id)
    if request.form.get("remove"):  # the row is already left out of the form
        return render_form(form, record_id)
    if action == "suggest":
        form.suggested = True
        return render_form(form, record_id)
    archive = get_archive()
    record = form.to_record()
    options = {"agent": agent_name(), "source": "web form", "dayfirst": form.dayfirst,
               "note": form.note}
    try:
        if record_id is None:
            saved = archive.save([record], **options)
        else:
            record["id"] = record_id
            saved = archive.save([record], replace=True, expected_version=form.expected_version,
                                 **options)
    except BadInput as error:
        return render_form(form, record_id, error.problems, status=422)
    except Conflict as error:
        return render_form(form, record_id, conflict=str(error), status=409)
    except Gone:  # deleted since the form was loaded
        assert record_id is not None
        return to_restore(record_id)
    item = saved[0]
    audit("create" if record_id is None else "update", item.id, item.version)
    flash(gettext("Saved version %(number)s of “%(title)s”.", number=item.version,
                  title=form.title.strip()), "success")
    return redirect(urls.statement(item.id))


def text_suggestions(text: str) -> list[dict[str, Any]]:
    if not text.strip():
        return []
    return [s.as_dict() for s in suggest(get_archive(), text, indexed_candidates)]


def indexed_candidates(line: str) -> list[Candidate]:
    """Statements the search index finds for a see-also line (its words, no operators)."""
    words = " ".join(re.findall(r"\w+", line))
    if not words:
        return []
    results = get_index().search(words, page_size=10)
    return [(hit.id, hit.title, hit.issuer) for hit in results.results]


def treaty_choices(term: str) -> list[Choice]:
    """The treaties the thesaurus finds close to an unknown one: (notation, its name)."""
    return [(name.split(" (", 1)[0], name)
            for name in get_archive().thesauri["treaties"].suggest(term)]


@bp.route("/new", methods=["GET", "POST"])
@login_required("editor")
def new() -> Any:
    if request.method == "GET":
        return render_form(StatementForm(), None)
    return handle_submit(StatementForm.from_request(request.form), None)


def current_state(record_id: str) -> int | None:
    """The current version of a record that exists (404 if not); None when it is deleted."""
    state = get_reads().state(record_id)
    if state is None:
        abort(404, description=f"there is no statement '{record_id}'")
    return None if state.deleted else state.version


def to_restore(record_id: str) -> Response:
    """Where an edit or delete of a deleted statement goes: its versions, to restore one."""
    flash(gettext("This statement is deleted: restore one of its versions to edit it again."),
          "info")
    return redirect(url_for("edit.history", record_id=record_id), code=303)


@bp.route("/<record_id>", methods=["GET", "POST"])
@login_required("editor")
def edit(record_id: str) -> Any:
    version = current_state(record_id)
    if version is None and request.method == "POST":  # deleted while it was being edited
        return render_form(StatementForm.from_request(request.form), record_id, status=410,
                           conflict=gettext("It was deleted while you edited it. Restore a "
                                            "version from its versions page, then apply your "
                                            "changes again."))
    if version is None:
        return to_restore(record_id)
    if request.method == "GET":
        return render_form(StatementForm.from_record(get_reads().record(record_id).to_json(),
                                                     version), record_id)
    return handle_submit(StatementForm.from_request(request.form), record_id)


@bp.get("/parse-date")
@login_required("editor")
def parse_date_json() -> Response:
    """How a date as written will be read (for the form's live preview)."""
    return jsonify(date_preview(request.args.get("date", ""),
                                FIRST.get(request.args.get("first", ""))))


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
    version = current_state(record_id)
    if version is None:
        return to_restore(record_id)
    title = get_reads().record(record_id).title_text()
    if request.method == "GET":
        return render_template("edit/delete.html", record_id=record_id, title=title,
                               version=version)
    expected = request.form.get("expected_version", "")
    note = request.form.get("note", "")
    try:
        saved = archive.delete(record_id, agent=agent_name(), note=note,
                               expected_version=int(expected) if expected.isdigit() else None)
    except Conflict as error:
        return render_template("edit/delete.html", record_id=record_id, title=title,
                               version=version, conflict=str(error), note=note), 409
    except BadInput as error:
        return render_template("edit/delete.html", record_id=record_id, title=title,
                               version=version, conflict=f"The note {error.problems[0].message}.",
                               note=note), 422
    audit("delete", saved.id, saved.version)
    flash(gettext("Deleted “%(title)s”. Its versions stay and can be restored.", title=title),
          "success")
    return redirect(url_for("edit.history", record_id=record_id))


@bp.get("/<record_id>/history")
@login_required("editor")
def history(record_id: str) -> Any:
    versions = get_reads().history(record_id)
    if not versions:
        abort(404, description=f"there is no statement '{record_id}'")
    current = get_reads().state(record_id)
    return render_template("edit/history.html", record_id=record_id,
                           versions=list(reversed(versions)), current=current,
                           changes=version_changes(record_id, versions))


def version_changes(record_id: str, versions: list[Any]
                    ) -> dict[int, list[Any]]:
    """Version number → the fields it changed from the version with content before it."""
    changes: dict[int, list[Any]] = {}
    previous = None
    for version in versions:
        if version.kind == "delete":
            continue
        current = get_reads().version(record_id, version).record.to_json()
        if previous is not None:
            changes[version.number] = record_changes(previous, current)
        previous = current
    return changes


@bp.post("/<record_id>/restore")
@login_required("editor")
def restore(record_id: str) -> Any:
    wanted = request.form.get("version", "")
    if not wanted.isdigit():
        abort(400, description="choose the version to restore")
    try:
        saved = get_archive().restore(record_id, int(wanted), agent=agent_name(),
                                      note=request.form.get("note", ""))
    except (BadInput, NotFound) as error:
        reason = f"the note {error.problems[0].message}" if isinstance(error, BadInput) \
            else str(error)
        flash(gettext("Not restored: %(reason)s.", reason=reason), "error")
        return redirect(url_for("edit.history", record_id=record_id), code=303)
    audit("restore", saved.id, saved.version, f"restored version {wanted}")
    flash(gettext("Restored version %(wanted)s as version %(number)s.", wanted=wanted,
                  number=saved.version), "success")
    return redirect(urls.statement(record_id))


@bp.get("/csv-template")
@login_required("editor")
def csv_template() -> Response:
    """A CSV file with every column the archive reads and one example row."""
    return Response(template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=statements-template.csv"})


GUIDE = Path(__file__).resolve().parent.parent / "docs" / "archivists.md"


@bp.get("/guide")
@login_required("editor")
def guide() -> Response:
    """The archivists' guide (docs/archivists.md) as plain text, linked from the forms."""
    if not GUIDE.is_file():
        abort(404, description="the archivists' guide is docs/archivists.md in the project")
    return Response(GUIDE.read_text(encoding="utf-8"), mimetype="text/plain")
