"""The fast paths of the index answer exactly as Whoosh's own machinery would.

Date ranges bisect sorted date bounds instead of expanding NumericRange queries; the
statement writer reads field lengths once per column; "more like this" is kept per view.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import query as wq

from archive import Archive
from search import SearchIndex
from search.engine.bitsets import iter_ids
from tests.index_contents import index_contents

DATES = ["1999", "June 2018", "2018-06-15", "June 30, 2018", "1 July 2018", "2024-12-31",
         "March 2001", "2001"]


def _record(n: int, date: str) -> dict:
    return {"id": f"fp-{n}", "title": f"Fast path statement {n}",
            "issuer": {"name": "Fast Path Watch", "kind": "ngo"}, "date": date,
            "type": "press statement", "text": f"Water and housing, statement {n}."}


@pytest.fixture
def fast_index(tmp_path: Path) -> SearchIndex:
    archive = Archive(tmp_path / "data")
    archive.save([_record(n, date) for n, date in enumerate(DATES)], agent="test")
    index = SearchIndex(tmp_path / "data" / "index", archive)
    archive.save([_record(20, "2018-06-20")], agent="test")  # a second segment
    archive.save([{**_record(1, "2019"), "text": "Edited."}], agent="test", replace=True)
    archive.delete("fp-2", agent="test")
    yield index
    index.close()
    archive.close()


def _numeric_ranges(index: SearchIndex, low: int | None, high: int | None) -> set[int]:
    parts = []
    if low is not None:
        parts.append(wq.NumericRange("date_end", low, None))
    if high is not None:
        parts.append(wq.NumericRange("date_start", None, high))
    return set(index.view().searcher.docs_for_query(wq.And(parts)))


@pytest.mark.parametrize("low, high", [
    (None, 20000101), (20180601, None), (20180615, 20180615), (20180701, 20180701),
    (19990101, 20241231), (20250101, None), (None, 19981231), (20010301, 20010331)])
def test_date_ranges_match_numeric_range_queries(fast_index: SearchIndex, low: int | None,
                                                 high: int | None) -> None:
    fast = set(iter_ids(fast_index.view().facets.date_bits(low, high)))
    assert fast == _numeric_ranges(fast_index, low, high)


def test_date_range_search_skips_deleted_and_edited(fast_index: SearchIndex) -> None:
    ids = {hit.id for hit in fast_index.search("", date_from="June 2018",
                                               date_to="June 2018").results}
    assert ids == {"fp-3", "fp-20"}  # fp-1 moved to 2019, fp-2 deleted


def test_more_like_this_is_kept_and_copied(fast_index: SearchIndex) -> None:
    first = fast_index.more_like_this("fp-0", limit=3)
    first[0].snippet = "changed by a caller"
    again = fast_index.more_like_this("fp-0", limit=3)
    assert [h.id for h in again] == [h.id for h in first]
    assert again[0].snippet == ""


def test_writer_writes_whoosh_postings(tmp_path: Path) -> None:
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from search.engine.writer import FastSegmentWriter
    from search.schema import build_schema

    docs = [{"id": f"d{n}", "text_en": "the council " * n + "water rights housing",
             "words": "Water water council " * n, "title_fr": "Droits de l'homme"}
            for n in range(1, 30)]
    built = []
    for kind in (SegmentWriter, FastSegmentWriter):
        folder = tmp_path / kind.__name__
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), build_schema())
        writer = kind(ix)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        built.append(index_contents(ix))
    assert built[0] == built[1]
    terms = [entry for entry in built[0] if len(entry) == 8]
    assert (len(terms), len(built[0])) == (37, 37 + 4 + 1)  # terms, a length list per field
    # (id, text_en, words, title_fr), the stored fields
