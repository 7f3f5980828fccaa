"""Uncertain release dates: EDTF level 0–1 and the words archivists use for them.

"2018?", "2018~", "199X", "2018-06/2018-08", "../1999" are read by the ``edtf`` library;
"circa 1998", "between 1995 and 1997", "before 2001", "after 2010" (and their French and
Spanish forms) become the same EDTF. Each date keeps its earliest and latest days (None
for an open or unknown end), which ranges, facets and sorting use. A day is never
invented: "circa June 2018" is ``2018-06~``, covering June.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from edtf import EDTFParseException, parse_edtf
from edtf.parser import Date, Interval, Level1Interval, Season, UncertainOrApproximate, Unspecified

#: The EDTF classes of levels 0 and 1 a release date may take (no times, no level 2).
LEVEL_0_1 = (Date, Interval, UncertainOrApproximate, Unspecified, Level1Interval, Season)
#: The characters of an EDTF date without time of day.
EDTF_CHARS = re.compile(r"^[0-9X?~%./\-]+$")
#: One side of an interval (or a whole date) the archive reads: year, month/season, day,
#: digits left unspecified with X, and a qualifier.
_PART = re.compile(r"^(\d{4}|\d{3}X|\d{2}XX)(?:-(0[1-9]|1[0-2]|2[1-4]|XX)"
                   r"(?:-(0[1-9]|[12]\d|3[01]|XX))?)?([?~%])?$")
_OPEN = ("", "..")

_APPROXIMATE = re.compile(
    r"^(?:(?:circa|ca|c|about|around|approximately|vers|environ|autour de|hacia|"
    r"alrededor de|aproximadamente|cerca de)\s+|(?:ca|c|approx|aprox)\.\s*)(?P<date>.+)$",
    re.I)
_BETWEEN = re.compile(r"^(?:between|entre)\s+(?P<first>.+?)\s+(?:and|et|y|e)\s+(?P<last>.+)$",
                      re.I)
_BEFORE = re.compile(r"^(?:before|avant|avant le|antes de|antes del)\s+(?P<date>.+)$", re.I)
_AFTER = re.compile(r"^(?:after|après|apres|après le|después de|despues de|después del)\s+"
                    r"(?P<date>.+)$", re.I)
_QUALIFIED = re.compile(r"^(?P<date>.*[^\s?~%])\s*(?P<mark>[?~%])$")

_SEASONS = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter"}
_MARKS = {"?": "{} (uncertain)", "~": "circa {}", "%": "circa {} (uncertain)"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

#: Reads a plain date as written: returns (iso at its precision, precision).
PlainReader = Callable[[str], tuple[str, str]]


class EdtfRefused(ValueError):
    """An EDTF string (or words) the archive cannot keep, with the reason."""


def words_to_edtf(written: str, plain: PlainReader) -> str | None:
    """The EDTF of words such as "circa 1998" or "entre 1995 et 1997" (None: not such
    words). ``plain`` reads the dates inside them (and raises for a bad one)."""
    if match := _APPROXIMATE.match(written):
        return _inner(match["date"], plain) + "~"
    if match := _BETWEEN.match(written):
        return f"{_inner(match['first'], plain)}/{_inner(match['last'], plain)}"
    if match := _BEFORE.match(written):
        return "../" + _step(*plain(match["date"].strip()), -1)
    if match := _AFTER.match(written):
        return _step(*plain(match["date"].strip()), 1) + "/.."
    if (match := _QUALIFIED.match(written)) and not EDTF_CHARS.match(written):
        return _inner(match["date"], plain) + match["mark"]
    return None


def _inner(text: str, plain: PlainReader) -> str:
    return plain(text.strip())[0]


def _step(iso: str, precision: str, by: int) -> str:
    """The year, month or day just before (-1) or after (1) ``iso``, at its precision."""
    if precision == "year":
        return f"{int(iso) + by:04d}"
    if precision == "month":
        months = int(iso[:4]) * 12 + int(iso[5:7]) - 1 + by
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    return (date.fromisoformat(iso) + timedelta(days=by)).isoformat()


def read_edtf(text: str) -> tuple[str | None, str | None]:
    """Earliest and latest days (ISO; None for an open or unknown end) of an EDTF date of
    level 0 or 1; :class:`EdtfRefused` saying why when the archive cannot keep it."""
    try:
        parsed = parse_edtf(text)
    except EDTFParseException:
        raise EdtfRefused("is not a valid EDTF date (see https://www.loc.gov/standards/"
                          "datetime/); write it like 2018?, 2018-06~, 199X, 2018-06/2018-08 "
                          "or ../1999") from None
    if not isinstance(parsed, LEVEL_0_1):
        raise EdtfRefused("uses EDTF beyond level 1 or a time of day; a release date takes "
                          "EDTF level 0 or 1 (such as 2018?, 2018-06~, 199X, 2018-06/2018-08)")
    sides = text.split("/")
    if len(sides) > 2 or not all(side in _OPEN or _PART.match(side) for side in sides):
        raise EdtfRefused("is an EDTF form the archive does not keep for a release date; "
                          "use four-digit years (such as 2018?, 199X or ../1999)")
    if all(side in _OPEN for side in sides):
        raise EdtfRefused("has neither a start nor an end")
    earliest = _day(sides[0], first=True)
    latest = _day(sides[-1], first=False)
    if earliest and latest and earliest > latest:
        raise EdtfRefused(f"ends ({sides[-1]}) before it starts ({sides[0]})")
    return earliest, latest


def _day(side: str, first: bool) -> str | None:
    if side in _OPEN:
        return None
    parsed = parse_edtf(side)
    value = parsed.lower_strict() if first else parsed.upper_strict()
    return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"


def display(text: str) -> str:
    """A human form of an EDTF date: "circa 1998", "1990s", "June – August 2018" …"""
    sides = text.split("/")
    if len(sides) == 2:
        first, last = sides
        if first in _OPEN:
            return f"{_side(last)} or earlier" if first == ".." else f"unknown – {_side(last)}"
        if last in _OPEN:
            return f"{_side(first)} or later" if last == ".." else f"{_side(first)} – unknown"
        return f"{_side(first)} – {_side(last)}"
    return _side(text)


def _side(text: str) -> str:
    match = _PART.match(text)
    if match is None:
        return text
    year, month, day, mark = match.groups()
    if year.endswith("XXX"):
        shown = f"{year[0]}000s"
    elif year.endswith("XX"):
        shown = f"{year[:2]}00s"
    elif year.endswith("X"):
        shown = f"{year[:3]}0s"
    elif month in _SEASONS:
        shown = f"{_SEASONS[month]} {year}"
    elif month is None or month == "XX":
        shown = year
    elif day is None or day == "XX":
        shown = f"{_MONTHS[int(month) - 1]} {year}"
    else:
        shown = f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
    return _MARKS[mark].format(shown) if mark else shown
