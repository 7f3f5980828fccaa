"""Release dates as written, kept at the precision given: a day is never invented.

"2018" is a year (xsd:gYear), "June 2018" a month (xsd:gYearMonth), "June 22, 2018" a day
(xsd:date). Numeric dates whose day and month could be swapped need the caller to say
which comes first. Uncertain dates ("2018?", "circa 1998", "between 1995 and 1997") are
EDTF (:mod:`archive.uncertain_dates`) with their earliest and latest days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from dateutil import parser as dateutil_parser
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from archive import uncertain_dates

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_NUMERIC = re.compile(r"^\s*(\d{1,4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,4})\s*$")
_TWO_DIGIT_YEAR = re.compile(r"(?<![\d'])'?\d{2}\s*$")

EDTF = URIRef("http://id.loc.gov/datatypes/edtf/EDTF")
DATATYPES: dict[str, URIRef] = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date,
                                "edtf": EDTF}
#: Open ends of an uncertain date in :meth:`PartialDate.bounds` (ranges compare with them).
FIRST_DAY, LAST_DAY = "0001-01-01", "9999-12-31"
#: A date spanning more years than this has no year (facet) at all: "19XX" is no year.
MAX_YEARS = 10
PRECISIONS: dict[URIRef, str] = {v: k for k, v in DATATYPES.items()}


class DateError(ValueError):
    """A date that cannot be read, with a message saying what to write instead."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class PartialDate:
    """A date known to a year, a month or a day, or an EDTF date (precision "edtf", ``iso``
    the EDTF string) with its earliest and latest days (None: open or unknown)."""

    iso: str
    precision: str
    written: str
    earliest: str | None = None
    latest: str | None = None

    @property
    def datatype(self) -> URIRef:
        return DATATYPES[self.precision]

    def literal(self) -> Literal:
        """The typed RDF literal (xsd:gYear, xsd:gYearMonth, xsd:date or EDTF)."""
        return Literal(self.iso, datatype=self.datatype)

    @property
    def uncertain(self) -> bool:
        return self.precision == "edtf"

    @property
    def year(self) -> int:
        """The year (of an uncertain date: its earliest year, else its latest)."""
        if self.uncertain:
            return int(str(self.earliest or self.latest)[:4])
        return int(self.iso[:4])

    def years(self) -> list[int]:
        """The years the date may fall in (none when they are open or more than
        :data:`MAX_YEARS`): the year facet and the timelines count the date in each."""
        if not self.uncertain:
            return [self.year]
        if self.earliest is None or self.latest is None:
            return []
        first, last = int(self.earliest[:4]), int(self.latest[:4])
        return list(range(first, last + 1)) if last - first < MAX_YEARS else []

    def sort_key(self) -> str:
        """What dates sort by: the ISO date at its precision; an uncertain date by its
        earliest day, else its latest."""
        return str(self.earliest or self.latest) if self.uncertain else self.iso

    def shared_iso(self) -> str:
        """The ISO date at the precision the date surely has: itself, or for an uncertain
        date what its earliest and latest days share ("2018-06~" → "2018-06", "1998~" →
        "1998"; "" for "199X" or an open end), as HTML ``datetime`` and citations take it."""
        if not self.uncertain:
            return self.iso
        if not (self.earliest and self.latest):
            return ""
        shared = []
        for first, last in zip(self.earliest.split("-"), self.latest.split("-"), strict=True):
            if first != last:
                break
            shared.append(first)
        return "-".join(shared)

    @property
    def slug(self) -> str:
        """The date as the start of an id: "2018-06", "1998" for "1998~"."""
        return re.sub(r"[^0-9a-z]+", "-", self.iso.lower()).strip("-")

    def bounds(self) -> tuple[str, str]:
        """First and last day covered, as ISO dates (for ranges and sorting); an open end
        of an uncertain date is :data:`FIRST_DAY` or :data:`LAST_DAY`."""
        if self.uncertain:
            return self.earliest or FIRST_DAY, self.latest or LAST_DAY
        if self.precision == "day":
            return self.iso, self.iso
        if self.precision == "month":
            year, month = int(self.iso[:4]), int(self.iso[5:7])
            nxt = datetime(year + month // 12, month % 12 + 1, 1)
            last = nxt.toordinal() - 1
            return f"{self.iso}-01", datetime.fromordinal(last).strftime("%Y-%m-%d")
        return f"{self.iso}-01-01", f"{self.iso}-12-31"

    def display(self) -> str:
        """Human form at its precision: "22 June 2018", "June 2018", "2018", "circa 1998"."""
        if self.uncertain:
            return uncertain_dates.display(self.iso)
        if self.precision == "year":
            return self.iso
        if self.precision == "month":
            return datetime.strptime(self.iso, "%Y-%m").strftime("%B %Y")
        day = datetime.strptime(self.iso, "%Y-%m-%d")
        return f"{day.day} {day:%B %Y}"


def from_literal(literal: Literal, written: str | None = None) -> PartialDate:
    """The :class:`PartialDate` of a typed literal read back from the store."""
    precision = PRECISIONS.get(literal.datatype) if literal.datatype else None
    if precision == "edtf":
        return _edtf(str(literal), written or str(literal))
    if precision is None:
        return parse_date(str(literal))
    return PartialDate(str(literal), precision, written or str(literal))


def literal_display(literal: Literal | None) -> str:
    """A stored date as people read it ("22 June 2018", "June 2018", "circa 1998"); the
    literal as it is when it is not a readable date, "" for none."""
    if literal is None:
        return ""
    try:
        return from_literal(literal).display()
    except (DateError, ValueError):
        return str(literal)


def machine_date(text: str) -> str:
    """A stored date (ISO at its precision, or EDTF) as a machine-readable ISO date at the
    precision it surely has ("" when it has none): for HTML ``<time datetime>``."""
    try:
        return parse_date(text).shared_iso() if text else ""
    except DateError:
        return ""


def parse_date(text: str, dayfirst: bool | None = None) -> PartialDate:
    """Read a date as written; raise :class:`DateError` when it is impossible, ambiguous or
    later than next year (a release date, even an embargoed one, is not further ahead).

    ``dayfirst`` settles numeric dates such as "03/04/2018": True for 3 April,
    False for 4 March, None to refuse them.
    """
    date = _parse(text, dayfirst)
    latest = int(date.latest[:4]) if date.latest else date.year
    if date.year > datetime.now().year + 1 or latest > datetime.now().year + 1:
        raise DateError(f"'{date.written}' is in the future; a release date cannot be later "
                        f"than {datetime.now().year + 1}")
    return date


def _parse(text: str, dayfirst: bool | None) -> PartialDate:
    written = text.strip()
    if not written:
        raise DateError("the date is empty")
    if match := _ISO.match(written):
        year, month, day = match.groups()
        if month in ("21", "22", "23", "24") and not day:  # an EDTF season
            return _edtf(written, written)
        _check(int(year), int(month or 1), int(day or 1), written)
        precision = "day" if day else "month" if month else "year"
        return PartialDate(written, precision, written)
    if numeric := _NUMERIC.match(written):
        return _parse_numeric(written, numeric, dayfirst)
    if uncertain_dates.EDTF_CHARS.match(written):
        return _edtf(written, written)

    def plain(inner: str) -> tuple[str, str]:
        date = _parse(inner, dayfirst)
        if date.uncertain:
            raise DateError(f"'{written}' has an uncertain date ('{inner}') inside words "
                            "that already say it is uncertain; write one or the other")
        return date.iso, date.precision

    if edtf := uncertain_dates.words_to_edtf(written, plain):
        return _edtf(edtf, written)
    if _TWO_DIGIT_YEAR.search(written) and not re.search(r"\d{4}", written):
        raise DateError(f"'{written}' has a two-digit year; write the year in full")
    return _parse_words(written)


def _edtf(text: str, written: str) -> PartialDate:
    try:
        earliest, latest = uncertain_dates.read_edtf(text)
    except uncertain_dates.EdtfRefused as refusal:
        shown = f"'{written}'" if written == text else f"'{written}' (EDTF {text})"
        raise DateError(f"{shown} {refusal}") from None
    return PartialDate(text, "edtf", written, earliest, latest)


def _check(year: int, month: int, day: int, written: str) -> None:
    try:
        datetime(year, month, day)
    except ValueError as error:
        raise DateError(f"'{written}' is not a real date: {error}") from None


def _parse_numeric(written: str, match: re.Match[str], dayfirst: bool | None) -> PartialDate:
    first, _, second, third = match.groups()
    if len(first) == 4:  # 2018/06/22: year first is never ambiguous
        year, month, day = int(first), int(second), int(third)
    else:
        if len(third) != 4:
            raise DateError(f"'{written}' has a two-digit year; write the year in full")
        a, b, year = int(first), int(second), int(third)
        if a > 12 and b <= 12:
            day, month = a, b
        elif b > 12 and a <= 12:
            month, day = a, b
        elif a == b:
            day = month = a
        elif dayfirst is None:
            iso_a, iso_b = f"{year}-{b:02d}-{a:02d}", f"{year}-{a:02d}-{b:02d}"
            raise DateError(
                f"'{written}' is ambiguous: {a} {_month(b)} or {_month(a)} {b}; write it as "
                f"{iso_a} or {iso_b}, or say whether the day comes first",
                suggestion=f"{iso_a} (day first) or {iso_b} (month first)",
            )
        else:
            day, month = (a, b) if dayfirst else (b, a)
    _check(year, month, day, written)
    return PartialDate(f"{year:04d}-{month:02d}-{day:02d}", "day", written)


def _month(number: int) -> str:
    return datetime(2000, number, 1).strftime("%B")


class _Months(dateutil_parser.parserinfo):
    """English, French and Spanish month names (statements come in all three)."""

    MONTHS: ClassVar = [
        ("Jan", "January", "janvier", "janv", "enero", "ene"),
        ("Feb", "February", "février", "fevrier", "févr", "febrero"),
        ("Mar", "March", "mars", "marzo"),
        ("Apr", "April", "avril", "avr", "abril", "abr"),
        ("May", "May", "mai", "mayo"),
        ("Jun", "June", "juin", "junio"),
        ("Jul", "July", "juillet", "juil", "julio"),
        ("Aug", "August", "août", "aout", "agosto", "ago"),
        ("Sep", "Sept", "September", "septembre", "septiembre", "setiembre"),
        ("Oct", "October", "octobre", "octubre"),
        ("Nov", "November", "novembre", "noviembre"),
        ("Dec", "December", "décembre", "decembre", "déc", "diciembre", "dic"),
    ]
    JUMP: ClassVar = [*dateutil_parser.parserinfo.JUMP, "de", "del", "le", "el"]


_MONTHS = _Months()


def _parse_words(written: str) -> PartialDate:
    try:
        first = dateutil_parser.parse(written, _MONTHS, default=datetime(1, 1, 1))
        second = dateutil_parser.parse(written, _MONTHS, default=datetime(2, 2, 2))
    except (ValueError, OverflowError) as error:
        reason = str(error).split(":")[0]
        if "out of range" in reason:
            raise DateError(f"'{written}' is not a real date: {reason}") from None
        raise DateError(
            f"'{written}' is not a date the archive can read ({reason}); write it like "
            "'June 22, 2018', '2018-06-22', 'June 2018' or '2018'"
        ) from None
    if first.year != second.year:
        raise DateError(f"'{written}' has no year; a release date needs at least a year")
    if first.month != second.month:
        if first.day != second.day:
            return PartialDate(f"{first.year:04d}", "year", written)
        raise DateError(f"'{written}' has a day but no month")
    if first.day != second.day:
        return PartialDate(f"{first.year:04d}-{first.month:02d}", "month", written)
    return PartialDate(f"{first.year:04d}-{first.month:02d}-{first.day:02d}", "day", written)
