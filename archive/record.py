"""The record model and its contract JSON form (see INTERFACE.md), read strictly.

:func:`parse_record` checks a JSON object's shape and returns a :class:`Record` or the full
list of problems; :meth:`Record.to_json` gives back the canonical JSON. Meaning (treaties,
types, known issuers) is resolved later, in :mod:`archive.mapping`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from archive.access import ACCESS_LEVELS, DEFAULTS, STATUSES, EmbargoError, parse_embargo
from archive.authority import same_as_problem
from archive.errors import Problem
from archive.languages import tag_problem
from vocab.thesaurus import normalize_label

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
LANGUAGE_PATTERN = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
MAX_TEXT = 2_000_000
MAX_SHORT = 2_000

KEYS = (
    "id", "title", "issuer", "date", "type", "language", "text", "summary", "source",
    "responds_to", "references", "see_also", "topics", "places", "status", "access", "embargo",
)
REQUIRED = ("title", "issuer", "date")
LIST_KEYS = ("responds_to", "references", "see_also", "topics", "places")
AGENT_KEYS = ("name", "uri", "kind", "part_of", "alt_names", "same_as", "new")
EVENT_KEYS = ("name", "date", "uri", "place", "alt_names", "same_as", "new")


@dataclass
class Agent:
    """An issuer as named in a record."""

    name: str
    kind: str | None = None
    uri: str | None = None
    part_of: str | None = None
    new: bool = False
    alt_names: list[str] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)

    def to_json(self) -> str | dict[str, Any]:
        data = {"name": self.name, "uri": self.uri, "kind": self.kind, "part_of": self.part_of,
                "alt_names": self.alt_names, "same_as": self.same_as}
        data = {k: v for k, v in data.items() if v}
        return self.name if list(data) == ["name"] else data


@dataclass
class Event:
    """An event a statement responds to, as named in a record."""

    name: str
    date: str | None = None
    uri: str | None = None
    place: str | None = None
    new: bool = False
    alt_names: list[str] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)

    def to_json(self) -> str | dict[str, Any]:
        data = {"name": self.name, "date": self.date, "uri": self.uri, "place": self.place,
                "alt_names": self.alt_names, "same_as": self.same_as}
        data = {k: v for k, v in data.items() if v}
        return self.name if list(data) == ["name"] else data


@dataclass
class Record:
    """One statement, with every field in the archivist's terms."""

    title: dict[str, str]
    issuers: list[Agent]
    date: str
    id: str | None = None
    type: str | None = None
    language: str = "en"
    text: str | None = None
    summary: str | None = None
    source: str | None = None
    responds_to: list[Event] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    status: str = "published"
    access: str = "public"
    embargo: str | None = None  # canonical text (archive.access.parse_embargo)
    #: The stored date's own form (ISO or EDTF) when read from the store: what the written
    #: date means with the day-first choice made at its write ("03/04/2018" → 2018-04-03).
    issued: str | None = field(default=None, compare=False, repr=False)

    def title_text(self, lang: str | None = None) -> str:
        """The title in ``lang``, else in the record's language, else any."""
        return (self.title.get(lang or self.language) or self.title.get(self.language)
                or next(iter(self.title.values())))

    def to_json(self) -> dict[str, Any]:
        """The canonical contract JSON: empty keys left out, single issuer not in a list."""
        title: str | dict[str, str] = self.title
        if list(self.title) == [self.language]:
            title = self.title[self.language]
        issuers = [agent.to_json() for agent in self.issuers]
        data: dict[str, Any] = {
            "id": self.id,
            "title": title,
            "issuer": issuers[0] if len(issuers) == 1 else issuers,
            "date": self.date,
            "type": self.type,
            "language": self.language,
            "text": self.text,
            "summary": self.summary,
            "source": self.source,
            "responds_to": [event.to_json() for event in self.responds_to],
            "references": self.references,
            "see_also": self.see_also,
            "topics": self.topics,
            "places": self.places,
            "status": self.status,
            "access": self.access,
            "embargo": self.embargo,
        }
        return {k: v for k, v in data.items()
                if v not in (None, [], "") and DEFAULTS.get(k) != v}


class _Reader:
    """Collects every problem of one JSON object instead of stopping at the first."""

    def __init__(self, label: str | None, line: int | None) -> None:
        self.label = label
        self.line = line
        self.problems: list[Problem] = []

    def problem(self, key: str | None, message: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(message, self.label, key, suggestion, self.line))

    def string(self, key: str, value: Any, limit: int = MAX_SHORT) -> str | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(key, f"expected text, got {_kind(value)}")
            return None
        text = normalize_newlines(str(value))
        if not text.strip():
            self.problem(key, "is empty")
            return None
        if limit <= MAX_SHORT:  # names and titles: outer spaces are typing slips
            text = text.strip()
        if bad := _CONTROL.search(text):
            self.problem(key, f"contains the control character U+{ord(bad.group()):04X} at "
                              f"position {bad.start() + 1}, which XML formats (RDF/XML, "
                              "OAI-PMH) cannot carry; remove it or replace it with a space "
                              "or a line break")
            return None
        if len(text) > limit:
            self.problem(key, f"is {len(text):,} characters long; the limit is {limit:,}")
            return None
        return text

    def url(self, key: str, value: Any) -> str | None:
        text = self.string(key, value)
        if text is None:
            return None
        problem = url_problem(text)
        if problem:
            self.problem(key, problem)
            return None
        return text

    def strings(self, key: str, value: Any) -> list[str]:
        values = value if isinstance(value, list) else [value]
        found = [self.string(f"{key}[{i}]" if isinstance(value, list) else key, item)
                 for i, item in enumerate(values)]
        return [text for text in found if text is not None]

    def agent(self, key: str, value: Any) -> Agent | None:
        if isinstance(value, dict):
            self.unknown_keys(key, value, AGENT_KEYS)
            name = self.string(f"{key}.name", value.get("name", ""))
            if name is None:
                return None
            uri = value.get("uri")
            return Agent(
                name=name,
                kind=self.string(f"{key}.kind", value["kind"]) if value.get("kind") else None,
                uri=self.url(f"{key}.uri", uri) if uri else None,
                part_of=(self.string(f"{key}.part_of", value["part_of"])
                         if value.get("part_of") else None),
                new=value.get("new") is True,
                **self.authority(key, value, name),
            )
        name = self.string(key, value)
        return Agent(name) if name else None

    def event(self, key: str, value: Any) -> Event | None:
        if isinstance(value, dict):
            self.unknown_keys(key, value, EVENT_KEYS)
            name = self.string(f"{key}.name", value.get("name", ""))
            if name is None:
                return None
            date, uri, place = value.get("date"), value.get("uri"), value.get("place")
            return Event(
                name=name,
                date=self.string(f"{key}.date", date) if date else None,
                uri=self.url(f"{key}.uri", uri) if uri else None,
                place=self.string(f"{key}.place", place) if place else None,
                new=value.get("new") is True,
                **self.authority(key, value, name),
            )
        name = self.string(key, value)
        return Event(name) if name else None

    def authority(self, key: str, value: dict[str, Any], name: str) -> dict[str, list[str]]:
        """``alt_names`` and ``same_as`` of an issuer or event: sorted, without repeats."""
        alt_names: dict[str, str] = {}
        given = value.get("alt_names")
        for alt in self.strings(f"{key}.alt_names", given) if given else []:
            if normalize_label(alt) == normalize_label(name):
                continue  # the name itself, differently written
            alt_names.setdefault(normalize_label(alt), alt)
        same_as: set[str] = set()
        given = value.get("same_as")
        items = given if isinstance(given, list) else [given] if given else []
        for i, uri in enumerate(items):
            where = f"{key}.same_as[{i}]" if isinstance(given, list) else f"{key}.same_as"
            text = self.string(where, uri)
            if text is None:
                continue
            if problem := same_as_problem(text):
                self.problem(where, *problem)
            else:
                same_as.add(text)
        return {"alt_names": sorted(alt_names.values(), key=str.casefold),
                "same_as": sorted(same_as)}

    def unknown_keys(self, where: str | None, data: dict[str, Any], known: tuple[str, ...]
                     ) -> None:
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                prefix = f"{where}." if where else ""
                self.problem(f"{prefix}{key}", f"is not a known key (known: {', '.join(known)})",
                             f"'{close[0]}'" if close else None)


def normalize_newlines(text: str) -> str:
    """``text`` with every line break as LF: browsers send CRLF from a textarea, Windows
    files carry CRLF, old Mac files CR, and paragraphs are blank LF lines everywhere else."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "null"}.get(
        type(value), type(value).__name__)


def url_problem(text: str) -> str | None:
    """Why ``text`` is not an acceptable absolute web address, or None if it is."""
    if any(c.isspace() for c in text) or any(c in text for c in '<>"{}|\\^`'):
        return f"'{text}' is not a valid address: it contains spaces or characters such as <>\""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "urn") or (parts.scheme != "urn" and not parts.netloc):
        return f"'{text}' is not a web address; it must start with http:// or https://"
    return None


def parse_record(data: Any, label: str | None = None, line: int | None = None
                 ) -> tuple[Record | None, list[Problem]]:
    """Read one contract JSON object: the record (None if too broken to go on) and problems.

    A record with problems is still returned when it has a title, an issuer and a date, so
    that later checks can list their problems too; it must not be stored.
    """
    if isinstance(data, dict) and isinstance(data.get("id"), str) and label is None:
        label = data["id"]
    reader = _Reader(label, line)
    if not isinstance(data, dict):
        reader.problem(None, f"expected a JSON object for a statement, got {_kind(data)}")
        return None, reader.problems
    reader.unknown_keys(None, data, KEYS)
    for key in REQUIRED:
        if data.get(key) in (None, "", [], {}):
            reader.problem(key, "is required")

    record_id = None
    if data.get("id") is not None:
        record_id = reader.string("id", data["id"])
        if record_id and not ID_PATTERN.match(record_id):
            reader.problem("id", f"'{record_id}' is not a valid id: use lower-case letters, "
                                 "digits, '.', '_' and '-' (at most 128), starting with a letter "
                                 "or digit", f"'{slugify(record_id)}'")
            record_id = None
    language = "en"
    if data.get("language") is not None:
        language = reader.string("language", data["language"]) or "en"
        if wrong := tag_problem(language):
            message, meant = wrong
            reader.problem("language", message, f"'{meant}'" if meant else None)
            language = "en"
    title = _read_title(reader, data.get("title"), language)
    issuers = [agent for i, value in enumerate(_as_list(data.get("issuer")))
               if (agent := reader.agent("issuer" if not isinstance(data.get("issuer"), list)
                                         else f"issuer[{i}]", value))]
    date = reader.string("date", data["date"]) if data.get("date") not in (None, "") else None
    events = [event for i, value in enumerate(_as_list(data.get("responds_to")))
              if (event := reader.event(f"responds_to[{i}]", value))]
    record = Record(
        id=record_id,
        title=title,
        issuers=issuers,
        date=date or "",
        type=reader.string("type", data["type"]) if data.get("type") else None,
        language=language,
        text=reader.string("text", data["text"], MAX_TEXT) if data.get("text") else None,
        summary=(reader.string("summary", data["summary"], MAX_TEXT)
                 if data.get("summary") else None),
        source=reader.url("source", data["source"]) if data.get("source") else None,
        responds_to=events,
        references=reader.strings("references", data.get("references") or []),
        see_also=reader.strings("see_also", data.get("see_also") or []),
        topics=reader.strings("topics", data.get("topics") or []),
        places=reader.strings("places", data.get("places") or []),
        status=_choice(reader, "status", data.get("status"), STATUSES),
        access=_choice(reader, "access", data.get("access"), ACCESS_LEVELS),
        embargo=_embargo(reader, data.get("embargo")),
    )
    usable = bool(title and issuers and date)
    return (record if usable else None), reader.problems


def _choice(reader: _Reader, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (case aside); the first (the default) when absent or wrong."""
    if value in (None, ""):
        return allowed[0]
    text = reader.string(key, value)
    if text is None:
        return allowed[0]
    if text.lower() in allowed:
        return text.lower()
    close = difflib.get_close_matches(text.lower(), allowed, n=1, cutoff=0.5)
    reader.problem(key, f"'{text}' is not a known {key}; use one of: {', '.join(allowed)} "
                        f"(default {allowed[0]})", f"'{close[0]}'" if close else None)
    return allowed[0]


def _embargo(reader: _Reader, value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = reader.string("embargo", value)
    if text is None:
        return None
    try:
        return parse_embargo(text).text
    except EmbargoError as error:
        reader.problem("embargo", str(error))
        return None


def _as_list(value: Any) -> list[Any]:
    if value in (None, "", []):
        return []
    return value if isinstance(value, list) else [value]


def _read_title(reader: _Reader, value: Any, language: str) -> dict[str, str]:
    if isinstance(value, dict):
        titles: dict[str, str] = {}
        for lang, text in value.items():
            if wrong := tag_problem(str(lang)):
                message, meant = wrong
                reader.problem(f"title.{lang}", message, f"'{meant}'" if meant else None)
                continue
            if checked := reader.string(f"title.{lang}", text):
                titles[str(lang)] = checked
        return titles
    if value in (None, ""):
        return {}
    text = reader.string("title", value)
    return {language: text} if text else {}


def slugify(text: str, limit: int = 80) -> str:
    """A lower-case ascii slug of ``text`` for ids and URIs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "x"
