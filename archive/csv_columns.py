"""CSV columns ↔ contract keys: every key of a record has a column, and no column is ignored.

A CSV file has one statement per row. A column is a contract key (``title``, ``date``,
``references`` …); a list is its items joined with ``|``. The parts of an issuer or an
event are columns of their own, ``issuer.kind``, ``issuer.new``, ``responds_to.date`` …,
whose ``|``-separated values go with the names in ``issuer`` / ``responds_to`` by position
(``issuer`` = ``A|B``, ``issuer.new`` = ``|true``: B is new on purpose). ``title.fr`` is
the title in French. ``new`` takes ``true`` or ``false``. A column the archive does not
read is refused with its name, never skipped, and so is a file whose header names a
column twice.

``issuer.alt_names`` and ``issuer.same_as`` (and those of ``responds_to``) hold several
values for one thing, joined with ``;`` within its position (``St Kitts;St. Kitts``).

:func:`read_csv` gives the rows as contract JSON with the line each starts on;
:func:`in_csv_terms` restates a refusal in the file's terms (line and column, the
``issuer.new`` column rather than ``"new": true``); :func:`template_csv` is the
downloadable template with every column and an example row.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import replace
from typing import Any

from archive.errors import BadInput, Problem
from archive.record import AGENT_KEYS, EVENT_KEYS, KEYS, LANGUAGE_PATTERN, LIST_KEYS

#: Keys whose values are things with parts of their own, and those parts.
PARTS = {"issuer": tuple(k for k in AGENT_KEYS if k != "name"),
         "responds_to": tuple(k for k in EVENT_KEYS if k != "name")}
#: Every column the archive reads, in the template's order (``title.<lang>`` besides).
COLUMNS = tuple(column for key in KEYS
                for column in (key, *(f"{key}.{part}" for part in PARTS.get(key, ()))))
#: Parts holding several values for one thing: joined with ``;`` within its position.
MANY = ("alt_names", "same_as")
#: Keys holding a list (joined with ``|`` in a cell).
LISTED = {*LIST_KEYS, "issuer"}
_TRUE, _FALSE = {"true", "yes"}, {"false", "no", ""}
_INDEX = re.compile(r"\[\d+\]")

#: The template's example row: a statement that validates against the sample collection.
EXAMPLE = {
    "id": "", "title": "Example City Council statement on the right to housing",
    "issuer": "Example City Council", "issuer.kind": "city", "issuer.new": "true",
    "date": "2024-03-15", "type": "press statement", "language": "en",
    "text": "The Council recalls the ICESCR.\n\nA second paragraph.",
    "summary": "", "source": "https://example.org/news/housing",
    "responds_to": "Example housing evictions", "responds_to.date": "2024-03-01",
    "responds_to.place": "Example City", "responds_to.new": "true",
    "references": "ICESCR|UDHR", "see_also": "", "topics": "", "places": "Example City",
}


def column_of(key: str) -> str:
    """The CSV column a problem key names: ``responds_to[0].date`` → ``responds_to.date``."""
    return _INDEX.sub("", key)


def in_csv_terms(error: BadInput) -> BadInput:
    """The same refusal, each problem naming its CSV column, a new issuer or event made by
    the ``.new`` column rather than by a JSON key, and no record label the file lacks."""
    problems = []
    for problem in error.problems:
        column = column_of(problem.key) if problem.key else None
        message = problem.message
        if column in PARTS:
            message = message.replace('add "new": true', f"put true in the {column}.new column")
        record = problem.record
        if record and record.startswith("#") and problem.line is not None:
            record = None  # "#3 (line 4)": the line says it
        problems.append(replace(problem, message=message, column=problem.column or column,
                                record=record))
    problems.sort(key=lambda p: p.line or 0)  # in the file's order
    return BadInput(problems, error.source, outcome=error.outcome)


def read_csv(text: str, name: str) -> list[tuple[dict[str, Any], int]]:
    """Each row as contract JSON with the line it starts on, or BadInput naming the line and
    column of every problem the columns themselves have."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise BadInput(f"{name} is empty: a CSV file needs a header row naming its columns")
        columns = [cell.strip() for cell in header]
        _check_header(columns, name)
        rows: list[tuple[dict[str, Any], int]] = []
        problems: list[Problem] = []
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                problems.append(Problem(f"has more cells ({len(cells)}) than the header has "
                                        f"columns ({len(columns)})", line=line))
                continue
            record = _record(dict(zip(columns, cells, strict=False)), line, problems)
            rows.append((record, line))
    except csv.Error as error:
        raise BadInput([Problem(f"malformed CSV: {error}", line=reader.line_num)],
                       name) from None
    if problems:
        raise BadInput(problems, name)
    return rows


def _check_header(columns: list[str], name: str) -> None:
    problems = []
    for position, column in enumerate(columns, start=1):
        if not column:
            problems.append(Problem(f"column {position} of the header has no name", line=1))
        elif columns.index(column) != position - 1:
            problems.append(Problem("appears twice in the header", line=1, column=column))
        elif not known_column(column):
            close = difflib.get_close_matches(column, COLUMNS, n=1, cutoff=0.6)
            problems.append(Problem(
                "is not a column the archive reads, so its values would be lost; rename or "
                "remove it (the columns are listed in docs/archivists.md and in the CSV "
                "template)", line=1, column=column,
                suggestion=f"'{close[0]}'" if close else None))
    if problems:
        raise BadInput(problems, name)


def known_column(column: str) -> bool:
    key, _, part = column.partition(".")
    return column in COLUMNS or (key == "title" and bool(LANGUAGE_PATTERN.match(part)))


def _record(row: dict[str, str], line: int, problems: list[Problem]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    parts: dict[str, dict[str, list[str]]] = {}
    for column, cell in row.items():
        cell = cell.strip()
        key, _, part = column.partition(".")
        if key == "title" and part:
            if cell:
                record.setdefault("titles", {})[part] = cell
        elif part:
            parts.setdefault(key, {})[part] = [v.strip() for v in cell.split("|")] if cell else []
        elif cell:
            record[key] = ([v.strip() for v in cell.split("|") if v.strip()]
                           if key in LISTED else cell)
    if titles := record.pop("titles", None):
        main = record.get("title")
        language = record.get("language", "en")
        record["title"] = {**({language: main} if main else {}), **titles}
    for key, values in parts.items():
        if any(values.values()):
            things = _things(key, record.get(key, []), values, line, problems)
            if things is not None:
                record[key] = things
    if isinstance(record.get("issuer"), list) and len(record["issuer"]) == 1:
        record["issuer"] = record["issuer"][0]
    return record


def _things(key: str, names: list[str], parts: dict[str, list[str]], line: int,
            problems: list[Problem]) -> list[Any] | None:
    """Names with their parts (``issuer.kind`` …), position by position."""
    things: list[Any] = [{"name": name} for name in names]
    for part, values in parts.items():
        column = f"{key}.{part}"
        if len(values) > max(len(names), 1) or (values and not names):
            problems.append(Problem(
                f"has {len(values)} value{'s' if len(values) != 1 else ''} but '{key}' names "
                f"{len(names)}; give one per name, in the same order, separated by |",
                key=column, line=line))
            return None
        for thing, value in zip(things, values, strict=False):
            if part == "new":
                if value.casefold() not in _TRUE | _FALSE:
                    problems.append(Problem(f"'{value}' is neither true nor false",
                                            key=column, line=line))
                    return None
                if value.casefold() in _TRUE:
                    thing["new"] = True
            elif part in MANY and value:
                thing[part] = [item.strip() for item in value.split(";") if item.strip()]
            elif value:
                thing[part] = value
    return [thing if len(thing) > 1 else thing["name"] for thing in things]


def template_csv() -> str:
    """The CSV template: every column, and one example row that the sample accepts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE.get(column, "") for column in COLUMNS])
    return out.getvalue()
