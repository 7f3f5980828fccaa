"""Who may see a record: its ``status``, ``access`` and ``embargo`` keys, read and mapped.

The contract's defaults (``published``, ``public``, no embargo) are never written to the
store, so a record without these keys has exactly the RDF it had before they existed. An
embargo is a date (midnight UTC that day) or a date-time (UTC when it has no offset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from rdflib import Literal
from rdflib.namespace import XSD

STATUSES = ("published", "draft")
ACCESS_LEVELS = ("public", "restricted")
DEFAULTS = {"status": "published", "access": "public"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")


class EmbargoError(ValueError):
    """An embargo that is not an ISO 8601 date or date-time."""


@dataclass(frozen=True)
class Embargo:
    """An embargo as stored: its canonical text, and the moment it ends (UTC)."""

    text: str
    ends: datetime

    @property
    def is_date(self) -> bool:
        return "T" not in self.text

    def literal(self) -> Literal:
        return Literal(self.text, datatype=XSD.date if self.is_date else XSD.dateTime)

    def passed(self, at: datetime | None = None) -> bool:
        return self.ends <= (at or datetime.now(UTC))


def parse_embargo(text: str) -> Embargo:
    """``2026-05-01`` (midnight UTC), ``2026-05-01T09:00`` (UTC) or with an offset
    (``2026-05-01T09:00+02:00``, kept as the same moment in UTC: ``…T07:00:00Z``)."""
    value = text.strip()
    try:
        if _DATE.match(value):
            day = date.fromisoformat(value)
            return Embargo(day.isoformat(), datetime.combine(day, time(), UTC))
        if _DATE_TIME.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None
                      else moment.astimezone(UTC))
            shown = moment.isoformat(timespec="microseconds" if moment.microsecond
                                     else "seconds").replace("+00:00", "Z")
            return Embargo(shown, moment)
    except ValueError:
        raise EmbargoError(f"'{text}' is not a real date or time (check the month, day and "
                           "hour)") from None
    raise EmbargoError(f"'{text}' is not an ISO 8601 date or date-time; write it as "
                       "2026-05-01 (midnight UTC), 2026-05-01T09:00 (UTC) or "
                       "2026-05-01T09:00+02:00")

