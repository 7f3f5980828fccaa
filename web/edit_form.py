"""The statement form's state: read from a request or a record, turned into contract JSON.

What the archivist typed is kept exactly, so a refused submit shows the form as it was,
with each problem beside the field it concerns (problem keys such as ``references[0]``
name the field group ``references``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from archive.dates import DateError, parse_date
from archive.errors import Problem

#: Problem key (before any ``[n]`` or ``.x``) → the form's field group.
FIELD_OF_KEY = {"issuer": "issuer", "responds_to": "responds_to", "references": "references",
                "see_also": "see_also", "topics": "topics", "places": "places", "title": "title",
                "date": "date", "type": "type", "language": "language", "text": "text",
                "summary": "summary", "source": "source", "id": "id"}
FIELD_NAMES = {"issuer": "Issued by", "responds_to": "Responds to", "references": "Treaties cited",
               "see_also": "See also", "topics": "Topics", "places": "Places", "title": "Title",
               "date": "Date", "type": "Type", "language": "Language", "text": "Full text",
               "summary": "Summary", "source": "Source", "id": "Identifier"}
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
    expected_version: int | None = None

    @classmethod
    def from_request(cls, form: MultiDict[str, str]) -> StatementForm:
        version = form.get("expected_version", "")
        return cls(
            id=form.get("id", "").strip(), title=form.get("title", ""),
            other_titles=[(lang.strip(), text) for lang, text in
                          zip(form.getlist("other_title_lang"), form.getlist("other_title"),
                              strict=False) if lang.strip() and text.strip()],
            language=form.get("language", "en").strip() or "en",
            date=form.get("date", ""), type=form.get("type", ""),
            issuers=_named_rows(form, "issuer"), events=_named_rows(form, "event"),
            places=_rows(form, "place"), references=_rows(form, "reference"),
            see_also=_rows(form, "see_also"), topics=_rows(form, "topic"),
            text=form.get("text", ""), summary=form.get("summary", ""),
            source=form.get("source", "").strip(),
            expected_version=int(version) if version.isdigit() else None)

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
            source=data.get("source", ""), expected_version=version)

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
            "summary": self.summary.strip() or None, "source": self.source or None}
        if len(data["issuer"]) == 1:
            data["issuer"] = data["issuer"][0]
        return {k: v for k, v in data.items() if v not in (None, "", [])}

    def accept(self, key: str, value: str) -> None:
        """Take one suggestion (from :func:`archive.suggest.suggest`) into the form."""
        if key == "date":
            self.date = value
        elif key == "references" and value not in self.references:
            self.references.append(value)
        elif key == "see_also" and value not in self.see_also:
            self.see_also.append(value)
        elif key == "topics" and value not in self.topics:
            self.topics.append(value)


def _rows(form: MultiDict[str, str], name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if v.strip()]


def _named_rows(form: MultiDict[str, str], name: str) -> list[Named]:
    """Rows ``name`` with checkboxes ``name_new`` whose value is the row's position."""
    new = set(form.getlist(f"{name}_new"))
    return [Named(value.strip(), str(i) in new)
            for i, value in enumerate(form.getlist(name)) if value.strip()]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _name(value: Any) -> str:
    return value.get("name", "") if isinstance(value, dict) else str(value)


def _named_json(row: Named) -> str | dict[str, Any]:
    return {"name": row.name, "new": True} if row.new else row.name


def problems_by_field(problems: list[Problem]) -> tuple[dict[str, list[dict[str, Any]]],
                                                        list[dict[str, Any]]]:
    """Problems grouped by form field, and those that belong to no field."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    general = []
    for problem in problems:
        match = _KEY.match(problem.key or "")
        group = FIELD_OF_KEY.get(match.group(0)) if match else None
        row = _INDEX.search(problem.key or "")
        item = {"message": plain(problem), "row": int(row.group(1)) if row else None,
                "field": group, "label": FIELD_NAMES.get(group or "", "")}
        if group:
            grouped.setdefault(group, []).append(item)
        else:
            general.append(item)
    return grouped, general


def plain(problem: Problem) -> str:
    """A problem in plain words, ending with its suggestion."""
    message = problem.message
    if problem.key and message.startswith("is "):
        message = f"{FIELD_NAMES.get(_KEY.match(problem.key).group(0), problem.key)} {message}" \
            if _KEY.match(problem.key) else message
    message = message[:1].upper() + message[1:]
    if problem.suggestion and "did you mean" not in message.lower():
        message += f". Did you mean {problem.suggestion}?"
    return message


def date_preview(written: str) -> dict[str, Any]:
    """How the archive reads a date as written: its display form and precision, or why not."""
    if not written.strip():
        return {"ok": False, "message": ""}
    try:
        date = parse_date(written)
    except DateError as error:
        hint = f" Try {error.suggestion}." if error.suggestion else ""
        return {"ok": False, "message": f"{error}.{hint}".replace("..", ".")}
    return {"ok": True, "iso": date.iso, "precision": date.precision,
            "display": date.display(),
            "message": f"Read as {date.display()} (known to the {date.precision})"}
