"""Memento (RFC 7089) over a statement's versions: TimeGate, Mementos and TimeMap.

A statement's URI is its own TimeGate (pattern 1.1, §4.1.1: URI-R = URI-G, 302-style
negotiation, a distinct URI-M per version): with ``Accept-Datetime`` it redirects to the
version valid at that moment, the one generated last at or before it (the first one for a
moment before the statement existed). Each version ``/statements/{id}/versions/{n}`` is a
Memento with ``Memento-Datetime`` (its ``prov:generatedAtTime``); a delete version is the
Memento of the statement's tombstone and answers 410 like the statement did then (§4.5.5).
``/timemap/{id}`` lists every Memento in application/link-format (§5).

Every link names the address the client used (as the sitemap and feed do); the statement's
URI under the archive's base has the same path. The versions come from the history that
the statement's pages read, so a record the asker may not see has no TimeGate, Memento or
TimeMap either (all answer 404 with the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Blueprint, Response, abort, request, url_for

from archive.history import Version
from archive.reads import Reads
from archive.record import ID_PATTERN
from web import urls
from web.services import get_reads

bp = Blueprint("memento", __name__)

LINK_FORMAT = "application/link-format"
EXPECTED = 'an RFC 1123 date in GMT, e.g. "Thu, 31 May 2007 20:35:00 GMT"'
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class BadDatetime(ValueError):
    """An ``Accept-Datetime`` value that is not an RFC 1123 date."""


def parse_http_date(value: str) -> datetime:
    """An RFC 1123 date (``rfc1123-date`` of RFC 2616 §3.3.1, the form §2.1.1 requires) as an
    aware UTC datetime; anything else raises :class:`BadDatetime`."""
    parts = value.strip().split(" ")
    if len(parts) != 6 or parts[0][:-1] not in _DAYS or not parts[0].endswith(","):
        raise BadDatetime(value)
    day, month, year, clock, zone = parts[1:]
    if zone != "GMT" or month not in _MONTHS or len(day) != 2 or len(year) != 4:
        raise BadDatetime(value)
    hms = clock.split(":")
    if len(hms) != 3 or any(len(field) != 2 for field in hms):
        raise BadDatetime(value)
    numbers = [day, year, *hms]
    if not all(field.isascii() and field.isdigit() for field in numbers):
        raise BadDatetime(value)
    try:
        return datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hms[0]),
                        int(hms[1]), int(hms[2]), tzinfo=UTC)
    except ValueError as error:  # 31 Feb, 25:00:00
        raise BadDatetime(value) from error


def http_date(time: datetime) -> str:
    """A datetime as an RFC 1123 date ("Thu, 31 May 2007 20:35:00 GMT")."""
    return format_datetime(time.astimezone(UTC).replace(microsecond=0), usegmt=True)


def memento_time(version: Version) -> datetime:
    """When a version came to be, at the second (the granularity of ``Memento-Datetime``)."""
    return version.time.astimezone(UTC).replace(microsecond=0)


def select(versions: Sequence[Version], wanted: datetime) -> Version:
    """The version valid at ``wanted``: the last one generated at or before it, else the
    first (the closest, for a moment before the statement existed)."""
    chosen = versions[0]
    for version in versions:
        if memento_time(version) <= wanted:
            chosen = version
    return chosen


# Links -----------------------------------------------------------------------------------

def original_url(record_id: str) -> str:
    return urls.statement(record_id, external=True)


def timemap_url(record_id: str) -> str:
    return url_for("memento.timemap", record_id=record_id, _external=True)


def memento_url(record_id: str, number: int, **args: str) -> str:
    return urls.version(record_id, number, external=True, **args)


def _link(target: str, rels: list[str], **params: str) -> str:
    text = f'<{target}>; rel="{" ".join(rels)}"'
    for name, value in params.items():
        text += f'; {name}="{value}"'
    return text


def timemap_link(record_id: str, versions: Sequence[Version], rel: str = "timemap") -> str:
    return _link(timemap_url(record_id), [rel], type=LINK_FORMAT,
                 **{"from": http_date(memento_time(versions[0])),
                    "until": http_date(memento_time(versions[-1]))})


def memento_links(record_id: str, versions: Sequence[Version], around: Version | None,
                  args: dict[str, str]) -> list[str]:
    """first/last Mementos, and prev/next around ``around`` (itself as "memento"), one
    link per Memento with its relation types joined (RFC 7089 §2.2.4)."""
    rels: dict[int, list[str]] = {}
    rels.setdefault(versions[0].number, []).append("first")
    rels.setdefault(versions[-1].number, []).append("last")
    if around is not None:
        index = versions.index(around)
        if index > 0:
            rels.setdefault(versions[index - 1].number, []).append("prev")
        if index + 1 < len(versions):
            rels.setdefault(versions[index + 1].number, []).append("next")
        rels.setdefault(around.number, [])
    by_number = {version.number: version for version in versions}
    return [_link(memento_url(record_id, number, **args), [*names, "memento"],
                  datetime=http_date(memento_time(by_number[number])))
            for number, names in sorted(rels.items())]


def _append(response: Response, header: str, values: list[str]) -> None:
    existing = response.headers.get(header)
    response.headers[header] = ", ".join([existing, *values] if existing else values)


def format_args() -> dict[str, str]:
    """The ``?format=`` of the request, carried over to the Memento it is sent to."""
    wanted = request.args.get("format")
    return {"format": wanted} if wanted else {}


# Responses -------------------------------------------------------------------------------

def wanted_datetime() -> datetime | None:
    """The request's ``Accept-Datetime`` (None without one); a malformed one aborts 400."""
    value = request.headers.get("Accept-Datetime")
    if value is None:
        return None
    try:
        return parse_http_date(value)
    except BadDatetime:
        response = Response(f"400 Bad Request: Accept-Datetime must be {EXPECTED}; "
                            f"got {value!r}.\n", 400, mimetype="text/plain")
        response.headers["Vary"] = "Accept-Datetime"
        abort(response)


def timegate(record_id: str, versions: Sequence[Version], wanted: datetime) -> Response:
    """302 to the Memento valid at ``wanted`` (§4.1.1)."""
    chosen = select(versions, wanted)
    args = format_args()
    response = Response(status=302)
    response.headers["Location"] = memento_url(record_id, chosen.number, **args)
    response.headers["Vary"] = "Accept, Accept-Datetime"
    _append(response, "Link", [_link(original_url(record_id), ["original", "timegate"]),
                               timemap_link(record_id, versions),
                               *memento_links(record_id, versions, chosen, args)])
    return response


def as_original(response: Response, record_id: str, versions: Sequence[Version]) -> Response:
    """The statement's own answer (200, 304 or the 410 tombstone) as URI-R = URI-G: it
    varies on Accept-Datetime and names its TimeGate (itself) and TimeMap."""
    response.headers["Vary"] = "Accept, Accept-Datetime"
    _append(response, "Link", [_link(original_url(record_id), ["timegate"]),
                               timemap_link(record_id, versions)])
    return response


def as_memento(response: Response, record_id: str, versions: Sequence[Version],
               version: Version) -> Response:
    """A version's answer as a Memento: its datetime and its links (§4.1.1, Figure 7)."""
    response.headers["Memento-Datetime"] = http_date(memento_time(version))
    _append(response, "Link", [_link(original_url(record_id), ["original", "timegate"]),
                               timemap_link(record_id, versions),
                               *memento_links(record_id, versions, version, format_args())])
    return response


# TimeMap ---------------------------------------------------------------------------------

def history_of(reads: Reads, record_id: str) -> list[Version]:
    """Every version of a statement the asker may see (404 for an unknown id)."""
    if not ID_PATTERN.match(record_id):
        abort(404)
    return reads.history(record_id)  # NotFound for an unknown id


@bp.get("/timemap/<record_id>")
def timemap(record_id: str) -> Response:
    """Every Memento of a statement, in application/link-format (§5.1, RFC 6690)."""
    versions = history_of(get_reads(), record_id)
    lines = [_link(original_url(record_id), ["original", "timegate"]),
             timemap_link(record_id, versions, rel="self")]
    last = len(versions) - 1
    for index, version in enumerate(versions):
        rels = (["first"] if index == 0 else []) + (["last"] if index == last else [])
        lines.append(_link(memento_url(record_id, version.number), [*rels, "memento"],
                           datetime=http_date(memento_time(version))))
    response = Response(",\n".join(lines) + "\n", mimetype=LINK_FORMAT)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
