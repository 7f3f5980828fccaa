"""The statement form's state: read from a request or a record, turned into contract JSON.

What the archivist typed is kept exactly, so a refused submit shows the form as it was,
with each problem beside the field it concerns (problem keys such as ``references[0]``
name the field group ``references`` and its row 0) and, where the archive has a fix in
mind, a button that applies it. A row can be removed with its own button (a submit that
re-shows the form without it); the note (why) goes with the saved version, not the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from archive.dates import DateError, parse_date
from archive.errors import Problem

#: Repeated rows: the form's input name → the StatementForm attribute holding them.
ROW_FIELDS = {"issuer": "issuers", "event": "events", "place": "places",
              "reference": "references", "see_also": "see_also"}
#: Field group → the input name of its rows.
ROW_OF_GROUP = {"issuer": "issuer", "responds_to": "event", "places": "place",
                "references": "reference", "see_also": "see_also"}
#: Field group → the label of the box that creates a new one on purpose.
NEW_BOX = {"issuer": "New issuer: create it", "responds_to": "New event: create it"}
#: How numeric dates such as 03/04/2018 are read: the form's choice → ``dayfirst``.
FIRST = {"": None, "day": True, "month": False}

#: Problem key (before any ``[n]`` or ``.x``) → the form's field group.
FIELD_OF_KEY = {"issuer": "issuer", "responds_to": "responds_to", "references": "references",
                "see_also": "see_also", "topics": "topics", "places": "places", "title": "title",
                "date": "date", "type": "type", "language": "language", "text": "text",
                "summary": "summary", "source": "source", "id": "id", "note": "note"}
FIELD_NAMES = {"issuer": "Issued by", "responds_to": "Responds to", "references": "Treaties cited",
               "see_also": "See also", "topics": "Topics", "places": "Places", "title": "Title",
               "date": "Date", "type": "Type", "language": "Language", "text": "Full text",
               "summary": "Summary", "source": "Source", "id": "Identifier",
               "note": "Note (why)"}
_KEY = re.compile(r"[a-z_]+")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass
class Named:
    """A row naming an issuer or event, and whether it is new on purpose."""

    name: str = ""
    new: bool = False


@dataclass
class StatementForm:
    """Everything the statement form shows, as the archivist typed it."""

    id: str = ""
    title: str = ""
    other_titles: list[tuple[str, str]] = field(default_factory=list)
    language: str = "en"
    date: str = ""
    type: str = ""
    issuers: list[Named] = field(default_factory=list)
    events: list[Named] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    text: str = ""
    summary: str = ""
    source: str = ""
    # Who may see the record: carried through the form unchanged (hidden fields) until the
    # form shows them, so that saving a draft from the form never publishes it.
    status: str = ""
    access: str = ""
    embargo: str = ""
    expected_version: int | None = None
    note: str = ""
    first: str = ""  # "day", "month" or "" (ask when a numeric date is ambiguous)
    suggested: bool = False  # suggestions were shown: show them again after a re-show

    @property
    def dayfirst(self) -> bool | None:
        return FIRST.get(self.first)

    @classmethod
    def from_request(cls, form: MultiDict[str, str]) -> StatementForm:
        """The form as submitted, less the one row a "Remove" button named."""
        version = form.get("expected_version", "")
        name, _, position = form.get("remove", "").partition("|")
        removed = (name, int(position)) if position.isdigit() else ("", -1)
        return cls(
            id=form.get("id", "").strip(), title=form.get("title", ""),
            other_titles=[(lang.strip(), text) for lang, text in
                          zip(form.getlist("other_title_lang"), form.getlist("other_title"),
                              strict=False) if lang.strip() and text.strip()],
            language=form.get("language", "en").strip() or "en",
            date=form.get("date", ""), type=form.get("type", ""),
            issuers=_named_rows(form, "issuer", removed),
            events=_named_rows(form, "event", removed),
            places=_rows(form, "place", removed), references=_rows(form, "reference", removed),
            see_also=_rows(form, "see_also", removed), topics=_rows(form, "topic"),
            text=form.get("text", ""), summary=form.get("summary", ""),
            source=form.get("source", "").strip(),
            status=form.get("status", ""), access=form.get("access", ""),
            embargo=form.get("embargo", ""),
            expected_version=int(version) if version.isdigit() else None,
            note=form.get("note", ""),
            first=form.get("first", "") if form.get("first", "") in FIRST else "",
            suggested=form.get("suggested") == "1")

    @classmethod
    def from_record(cls, data: dict[str, Any], version: int | None) -> StatementForm:
        language = data.get("language", "en")
        titles = data["title"] if isinstance(data["title"], dict) else {language: data["title"]}
        return cls(
            id=data.get("id", ""), title=titles.get(language, next(iter(titles.values()))),
            other_titles=[(lang, text) for lang, text in titles.items() if lang != language],
            language=language, date=data.get("date", ""), type=data.get("type", ""),
            issuers=[Named(_name(v)) for v in _listed(data.get("issuer"))],
            events=[Named(_name(v)) for v in _listed(data.get("responds_to"))],
            places=list(data.get("places", [])), references=list(data.get("references", [])),
            see_also=list(data.get("see_also", [])), topics=list(data.get("topics", [])),
            text=data.get("text", ""), summary=data.get("summary", ""),
            source=data.get("source", ""), status=data.get("status", ""),
            access=data.get("access", ""), embargo=data.get("embargo", ""),
            expected_version=version)

    def to_record(self) -> dict[str, Any]:
        """The contract JSON for :meth:`archive.Archive.save` (empty fields left out)."""
        title: str | dict[str, str] = self.title.strip()
        if self.other_titles:
            title = {self.language: self.title.strip(), **dict(self.other_titles)}
        data: dict[str, Any] = {
            "id": self.id or None, "title": title, "language": self.language,
            "date": self.date.strip(), "type": self.type or None,
            "issuer": [_named_json(n) for n in self.issuers],
            "responds_to": [_named_json(n) for n in self.events],
            "places": self.places, "references": self.references, "see_also": self.see_also,
            "topics": self.topics, "text": self.text.strip() or None,
            "summary": self.summary.strip() or None, "source": self.source or None,
            "status": self.status or None, "access": self.access or None,
            "embargo": self.embargo or None}
        if len(data["issuer"]) == 1:
            data["issuer"] = data["issuer"][0]
        return {k: v for k, v in data.items() if v not in (None, "", [])}

    def fix(self, row_name: str, position: int, value: str) -> None:
        """Put ``value`` into row ``position`` of ``row_name`` (a "did you mean" taken)."""
        rows = getattr(self, ROW_FIELDS[row_name]) if row_name in ROW_FIELDS else None
        if rows is None or not 0 <= position < len(rows):
            return
        if isinstance(rows[position], Named):
            rows[position] = Named(value)
        else:
            rows[position] = value

    def accept(self, key: str, value: str) -> None:
        """Take one suggestion (from :func:`archive.suggest.suggest`) or one fix into the
        form: ``fix`` values are "row name|position|value"."""
        if key == "fix":
            name, _, rest = value.partition("|")
            position, _, text = rest.partition("|")
            if position.isdigit():
                self.fix(name, int(position), text)
            return
        if key == "date":
            self.date = value
        elif key == "references" and value not in self.references:
            self.references.append(value)
        elif key == "see_also" and value not in self.see_also:
            self.see_also.append(value)
        elif key == "topics" and value not in self.topics:
            self.topics.append(value)


    def holds(self, key: str, value: str) -> bool:
        """Whether a suggestion for ``key`` is already in the form."""
        if key == "date":
            return self.date.strip() == value
        return value in {"references": self.references, "see_also": self.see_also,
                         "topics": self.topics}.get(key, [])


def _rows(form: MultiDict[str, str], name: str, removed: tuple[str, int] = ("", -1)
          ) -> list[str]:
    return [v.strip() for i, v in enumerate(form.getlist(name))
            if v.strip() and (name, i) != removed]


def _named_rows(form: MultiDict[str, str], name: str, removed: tuple[str, int] = ("", -1)
                ) -> list[Named]:
    """Rows ``name`` with checkboxes ``name_new`` whose value is the row's position."""
    new = set(form.getlist(f"{name}_new"))
    return [Named(value.strip(), str(i) in new)
            for i, value in enumerate(form.getlist(name))
            if value.strip() and (name, i) != removed]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _name(value: Any) -> str:
    return value.get("name", "") if isinstance(value, dict) else str(value)


def _named_json(row: Named) -> str | dict[str, Any]:
    return {"name": row.name, "new": True} if row.new else row.name


Choice = tuple[str, str]  # (button label, the "accept" value that applies it)


def problems_by_field(problems: list[Problem], form: StatementForm | None = None,
                      treaty_choices: Callable[[str], list[Choice]] | None = None
                      ) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Problems grouped by form field, and those that belong to no field.

    Each carries its ``row`` (None for the field as a whole) and the ``choices`` that fix
    it in one click: the near name of an issuer or event, the treaties meant, the two
    readings of an ambiguous date. With choices, ``summary`` (for the list at the top) is
    the problem's first clause: the whole message and its fix are beside the field.
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    general = []
    for problem in problems:
        match = _KEY.match(problem.key or "")
        group = FIELD_OF_KEY.get(match.group(0)) if match else None
        found = _INDEX.search(problem.key or "")
        row = int(found.group(1)) if found else None
        choices = _choices(problem, group, row, form, treaty_choices) if form else []
        message = plain(problem, group, with_suggestion=not choices)
        item = {"message": message, "row": row, "field": group, "choices": choices,
                "summary": _first_clause(message) if choices else message,
                "label": FIELD_NAMES.get(group or "", "")}
        if group:
            grouped.setdefault(group, []).append(item)
        else:
            general.append(item)
    return grouped, general


def _choices(problem: Problem, group: str | None, row: int | None, form: StatementForm,
             treaty_choices: Callable[[str], list[Choice]] | None) -> list[Choice]:
    if group == "date" and problem.key == "date":
        return [(label, f"date|{iso}") for label, iso in date_readings(form.date)]
    name = ROW_OF_GROUP.get(group or "")
    if name is None or (problem.key or "").count(".") or not problem.suggestion:
        return []
    position = row or 0
    if group in NEW_BOX:
        near = problem.suggestion
        if len(near) > 1 and near[0] == near[-1] == "'":
            return [(f"“{near[1:-1]}”", f"fix|{name}|{position}|{near[1:-1]}")]
    if group == "references" and treaty_choices and position < len(form.references):
        return [(label, f"fix|{name}|{position}|{value}")
                for value, label in treaty_choices(form.references[position])]
    return []


def date_readings(written: str) -> list[tuple[str, str]]:
    """The day-first and month-first readings of an ambiguous numeric date (else none)."""
    try:
        parse_date(written)
        return []
    except DateError:
        pass
    readings = []
    for dayfirst, how in ((True, "day first"), (False, "month first")):
        try:
            date = parse_date(written, dayfirst)
        except DateError:
            return []
        readings.append((f"{date.display()} ({how})", date.iso))
    return readings if readings[0][1] != readings[1][1] else []


def _first_clause(message: str) -> str:
    head = re.split(r"[;:] ", message, maxsplit=1)[0].rstrip(".")
    return head if len(head) < len(message) else message


def plain(problem: Problem, group: str | None = None, with_suggestion: bool = True) -> str:
    """A problem in plain words, ending with its suggestion; on the form, a new issuer or
    event is made by its checkbox, which the message names."""
    message = problem.message
    if problem.key and message.startswith("is "):
        message = f"{FIELD_NAMES.get(_KEY.match(problem.key).group(0), problem.key)} {message}" \
            if _KEY.match(problem.key) else message
    if group in NEW_BOX:
        message = message.replace('add "new": true', f"tick “{NEW_BOX[group]}” beside it")
    message = message[:1].upper() + message[1:]
    if with_suggestion and problem.suggestion and "did you mean" not in message.lower():
        message += f". Did you mean {problem.suggestion}?"
    return message


def date_preview(written: str, dayfirst: bool | None = None) -> dict[str, Any]:
    """How the archive reads a date as written: its display form and precision, or why not."""
    if not written.strip():
        return {"ok": False, "message": ""}
    readings = date_readings(written) if dayfirst is None else []
    if readings:
        return {"ok": False, "message": f"“{written.strip()}” is ambiguous: "
                                        f"{readings[0][0]} or {readings[1][0]}; choose "
                                        "how numeric dates are read"}
    try:
        date = parse_date(written, dayfirst)
    except DateError as error:
        hint = f" Try {error.suggestion}." if error.suggestion else ""
        return {"ok": False, "message": f"{str(error).rstrip('.')}.{hint}"}
    if date.uncertain:
        span = (f"from {date.earliest or 'an open start'} to {date.latest or 'an open end'}")
        known = f"uncertain, EDTF {date.iso}: {span}"
    else:
        known = f"known to the {date.precision}"
    return {"ok": True, "iso": date.iso, "precision": date.precision,
            "display": date.display(), "message": f"Read as {date.display()} ({known})"}
