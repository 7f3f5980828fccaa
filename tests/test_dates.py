"""Dates as written, at their precision; ambiguous and impossible ones refused clearly."""

from __future__ import annotations

import pytest

from archive.dates import DateError, parse_date


@pytest.mark.parametrize(("written", "iso", "precision"), [
    ("2018", "2018", "year"),
    ("2018-06", "2018-06", "month"),
    ("June 2018", "2018-06", "month"),
    ("2018-06-22", "2018-06-22", "day"),
    ("June 22, 2018", "2018-06-22", "day"),
    ("22 June 2018", "2018-06-22", "day"),
    ("Jun 21, 2018", "2018-06-21", "day"),
    ("2018/06/22", "2018-06-22", "day"),
    ("13/04/2018", "2018-04-13", "day"),
    ("04/13/2018", "2018-04-13", "day"),
    ("22 juin 2018", "2018-06-22", "day"),
    ("22 de junio de 2018", "2018-06-22", "day"),
    ("juin 2018", "2018-06", "month"),
])
def test_readable_dates(written: str, iso: str, precision: str) -> None:
    date = parse_date(written)
    assert (date.iso, date.precision, date.written) == (iso, precision, written)


@pytest.mark.parametrize(("written", "words"), [
    ("03/04/2018", "ambiguous"),
    ("February 30, 2018", "not a real date"),
    ("2018-02-30", "not a real date"),
    ("2018-13", "not a real date"),
    ("June", "no year"),
    ("03/04/18", "two-digit year"),
    ("whenever", "not a date the archive can read"),
    ("", "empty"),
    ("2999", "in the future"),
])
def test_refused_dates_say_why(written: str, words: str) -> None:
    with pytest.raises(DateError, match=words):
        parse_date(written)


def test_ambiguous_date_suggests_both_readings_and_is_settled_by_the_caller() -> None:
    with pytest.raises(DateError) as refused:
        parse_date("03/04/2018")
    assert refused.value.suggestion == "2018-04-03 (day first) or 2018-03-04 (month first)"
    assert parse_date("03/04/2018", dayfirst=True).iso == "2018-04-03"
    assert parse_date("03/04/2018", dayfirst=False).iso == "2018-03-04"


def test_bounds_and_display_follow_the_precision() -> None:
    assert parse_date("2016-02").bounds() == ("2016-02-01", "2016-02-29")
    assert parse_date("2018").bounds() == ("2018-01-01", "2018-12-31")
    assert parse_date("June 22, 2018").display() == "22 June 2018"
    assert parse_date("June 2018").display() == "June 2018"
