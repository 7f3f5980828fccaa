"""Dates as written, at their precision; ambiguous and impossible ones refused clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.dates import DateError, parse_date
from search import SearchIndex


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


def test_a_numeric_date_saved_day_first_is_searched_filtered_and_named_by_its_day(
        make_archive: Any, tmp_path: Path) -> None:
    """The day-first choice is made once, at the write: the id, the index's date fields and
    the record read back all keep 3 April, although "03/04/2018" alone is ambiguous."""
    archive = make_archive()
    saved = archive.save([{"title": "Spring letter", "issuer": "Somebody",
                           "date": "03/04/2018"}], agent="test", dayfirst=True)
    assert [s.id for s in saved] == ["2018-04-03-spring-letter"]
    index = SearchIndex(tmp_path / "index", archive)
    try:
        found = index.search("", date_from="2018-04-03", date_to="2018-04-03")
        assert [hit.id for hit in found.results] == ["2018-04-03-spring-letter"]
        assert [(hit.date, hit.date_display) for hit in found.results] == [
            ("2018-04-03", "3 April 2018")]
        assert index.search("", date_from="2018-03-04", date_to="2018-03-04").total == 0
        assert [(f["value"], f["count"]) for f in index.search("").facets["year"]] == [
            ("2018", 1)]
    finally:
        index.close()
    assert archive.record("2018-04-03-spring-letter").date == "03/04/2018"
