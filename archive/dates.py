"""Release dates as written, kept at the precision given: a day is never invented.

"2018" is a year (xsd:gYear), "June 2018" a month (xsd:gYearMonth), "June 22, 2018" a day
(xsd:date). Numeric dates whose day and month could be swapped need the caller to say
which comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from dateutil import parser as dateutil_parser
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_NUMERIC = re.compile(r"^\s*(\d{1,4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,4})\s*$")
_TWO_DIGIT_YEAR = re.compile(r"(?<![\d'])'?\d{2}\s*$")

DATATYPES: dict[str, URIRef] = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date}
PRECISIONS: dict[URIRef, str] = {v: k for k, v in DATATYPES.items()}


class DateError(ValueError):
    """A date that cannot be read, with a message saying what to write instead."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class PartialDate:
    """A date known to a year, a month or a day."""

    iso: str
    precision: str
    written: str

    @property
    def datatype(self) -> URIRef:
        return DATATYPES[self.precision]

    def literal(self) -> Literal:
        """The typed RDF literal (xsd:gYear, xsd:gYearMonth or xsd:date)."""
        return Literal(self.iso, datatype=self.datatype)

    @property
    def year(self) -> int:
        return int(self.iso[:4])

    def bounds(self) -> tuple[str, str]:
        """First and last day covered, as ISO dates (for ranges and sorting)."""
        if self.precision == "day":
            return self.iso, self.iso
        if self.precision == "month":
            year, month = int(self.iso[:4]), int(self.iso[5:7])
            nxt = datetime(year + month // 12, month % 12 + 1, 1)
            last = nxt.toordinal() - 1
            return f"{self.iso}-01", datetime.fromordinal(last).strftime("%Y-%m-%d")
        return f"{self.iso}-01-01", f"{self.iso}-12-31"

    def display(self) -> str:
        """Human form at its precision: "22 June 2018", "June 2018", "2018"."""
        if self.precision == "year":
            return self.iso
        if self.precision == "month":
            return datetime.strptime(self.iso, "%Y-%m").strftime("%B %Y")
        day = datetime.strptime(self.iso, "%Y-%m-%d")
        return f"{day.day} {day:%B %Y}"


def from_literal(literal: Literal, written: str | None = None) -> PartialDate:
    """The :class:`PartialDate` of a typed literal read back from the store."""
    precision = PRECISIONS.get(literal.datatype) if literal.datatype else None
    if precision is None:
        return parse_date(str(literal))
    return PartialDate(str(literal), precision, written or str(literal))


def parse_date(text: str, dayfirst: bool | None = None) -> PartialDate:
    """Read a date as written; raise :class:`DateError` when it is impossible, ambiguous or
    later than next year (a release date, even an embargoed one, is not further ahead).

    ``dayfirst`` settles numeric dates such as "03/04/2018": True for 3 April,
    False for 4 March, None to refuse them.
    """
    date = _parse(text, dayfirst)
    if date.year > datetime.now().year + 1:
        raise DateError(f"'{date.written}' is in the future; a release date cannot be later "
                        f"than {datetime.now().year + 1}")
    return date


def _parse(text: str, dayfirst: bool | None) -> PartialDate:
    written = text.strip()
    if not written:
        raise DateError("the date is empty")
    if match := _ISO.match(written):
        year, month, day = match.groups()
        _check(int(year), int(month or 1), int(day or 1), written)
        precision = "day" if day else "month" if month else "year"
        return PartialDate(written, precision, written)
    if numeric := _NUMERIC.match(written):
        return _parse_numeric(written, numeric, dayfirst)
    if _TWO_DIGIT_YEAR.search(written) and not re.search(r"\d{4}", written):
        raise DateError(f"'{written}' has a two-digit year; write the year in full")
    return _parse_words(written)


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
