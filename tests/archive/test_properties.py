"""Property-based tests (hypothesis): the record JSON reader and the search parameters.

``parse_record`` must never raise, whatever JSON it is given; a valid record must come back
from the store as the same canonical JSON; ``/api/search`` must never answer 500.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import Archive, BadInput
from archive.record import KEYS, parse_record
from tests.support import open_app

SAMPLE = Path(__file__).resolve().parents[2] / "archive" / "sample" / "statements.jsonl"
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | \
    st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=12), inner, max_size=4),
                           max_leaves=20)
record_like = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), json_values,
                              max_size=10)


@SETTINGS
@given(st.one_of(json_values, record_like))
def test_parse_record_never_raises(data: Any) -> None:
    record, problems = parse_record(data)
    assert record is not None or problems, "a refused record always says why"
    for problem in problems:
        assert problem.message and isinstance(problem.as_dict(), dict)


# Valid records ---------------------------------------------------------------------------

words = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x2FF),
                min_size=1, max_size=12)
phrases = st.lists(words, min_size=1, max_size=6).map(" ".join)
ascii_phrases = st.lists(st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                 min_size=1, max_size=10), min_size=1, max_size=4).map(" ".join)
dates = st.dates(datetime.date(1945, 1, 1), datetime.date(2025, 12, 31))


_IDS = itertools.count(1)


@st.composite
def valid_records(draw: st.DrawFn, archive: Archive) -> dict[str, Any]:
    thesauri = archive.thesauri
    number = next(_IDS)
    record: dict[str, Any] = {
        "id": f"prop-{number}",  # a fresh id each time: ids are never reused
        "title": draw(phrases),
        # ASCII and numbered: names that differ only by accents share a slug (and an issuer)
        "issuer": {"name": f"{draw(ascii_phrases)} {number}", "new": True},
        "date": draw(st.one_of(dates.map(datetime.date.isoformat),
                               dates.map(lambda d: str(d.year)),
                               dates.map(lambda d: d.strftime("%B %Y")))),
        "type": draw(st.sampled_from([c.labels["en"] for c in thesauri["types"]])),
        "text": draw(st.none() | phrases),
        "references": draw(st.lists(st.sampled_from(
            [c.notation for c in thesauri["treaties"]]), max_size=3, unique=True)),
        "topics": draw(st.lists(st.sampled_from([c.labels["en"] for c in thesauri["topics"]]),
                                max_size=3, unique=True)),
    }
    return {k: v for k, v in record.items() if v not in (None, [])}


@pytest.fixture(scope="module")
def prop_archive() -> Iterator[Archive]:
    archive = Archive(None)
    yield archive
    archive.close()


@SETTINGS
@given(data=st.data())
def test_valid_records_round_trip_through_the_store(prop_archive: Archive,
                                                    data: st.DataObject) -> None:
    record = data.draw(valid_records(prop_archive))
    saved = prop_archive.save([record], agent="hypothesis")
    assert saved[0].id == record["id"]
    back = prop_archive.record(record["id"]).to_json()
    canonical, problems = parse_record(record)
    assert not problems and canonical is not None
    expected = canonical.to_json()
    for key in ("id", "title", "issuer", "date", "text", "language"):
        assert back.get(key) == expected.get(key), key
    assert sorted(back.get("references", [])) == sorted(expected.get("references", []))
    assert len(back.get("topics", [])) == len(expected.get("topics", []))
    assert back["type"]
    again = prop_archive.record(record["id"]).to_json()
    prop_archive.save([again], agent="hypothesis", replace=True)
    assert prop_archive.record(record["id"]).to_json() == back, "saving the output changes nothing"


# Search parameters -------------------------------------------------------------------------

PARAMETERS = ["q", "issuer", "type", "treaty", "event", "topic", "language", "year", "from",
              "to", "sort", "page", "page_size", "format", "x"]
nasty = st.text(max_size=40) | st.sampled_from(
    ['"', "*", "?", "(", ")", "AND", "OR NOT", "title:", "[a TO", "~2", "^3", "\\", "0", "-1",
     "99999999999999999999", "date", "-date", "1e9", "2018-02-30", "\x00", "%00", "' OR 1=1"])


@pytest.fixture(scope="module")
def prop_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import json

    folder = tmp_path_factory.mktemp("prop") / "data"
    records = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line]
    with open_app(folder, records, RATELIMIT_ENABLED=False) as app:
        yield app.test_client()


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PARAMETERS), nasty), max_size=6))
def test_search_parameters_never_cause_a_500(prop_client: Any, args: list[tuple[str, str]]
                                             ) -> None:
    response = prop_client.get("/api/search", query_string=args)
    if response.status_code == 404 and "results" not in (response.get_json() or {}):
        assert response.get_json()["error"] == "Not Found"  # /api/search not registered yet
        return
    assert response.status_code in (200, 400, 422), (args, response.status_code)
    body = response.get_json()
    if response.status_code == 200:
        assert body["total"] >= 0 and isinstance(body["results"], list)
    else:
        assert body["message"]


def test_bad_input_is_always_a_badinput(prop_archive: Archive) -> None:
    """The write path refuses broken records with BadInput, never another exception."""
    with pytest.raises(BadInput):
        prop_archive.save([{"title": {"en": ""}, "issuer": [{}], "date": []}], agent="t")
