"""The compact search structures give what the straightforward computation gives.

Facet values as bitsets, match sets read from the postings, scores of every match in
bulk, the date order as an array, the bounded caches and segment files read in place:
each is checked against Whoosh's own machinery (``docs_for_query``, stepping a matcher,
``NumericRange``) or plain Python sets, on a real index of several segments with
replaced and deleted statements.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq
from whoosh.filedb.compound import CompoundStorage

from archive import Archive
from search import SearchIndex
from search.engine import bitsets, segment_files
from search.engine.matches import matching
from search.engine.scoring import Lengths, all_scores, best
from search.facets import FACET_LIMIT, FacetData
from search.lru import LRU
from search.query import parse
from search.schema import FACETS

QUERIES = ["climate", "climate change", '"climate change"', '"the united nations"',
           '"peace security"~3', '"very very"', "peace OR women", "peace NOT war",
           "clim*", "climatt~", 'issuer:"Solomon Islands"', "CEDAW", "treaty:CRC",
           "title:statement", "language:fr", "year:2018", "(peace AND security) OR refugees",
           "peace ANDMAYBE nuclear", "nothingmatchesthis", "the"]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, sample_records: list[dict[str, Any]]
          ) -> SearchIndex:
    folder = tmp_path_factory.mktemp("compact") / "data"
    archive = Archive(folder)
    records = sample_records[:72]
    archive.save(records[:30], agent="test")
    idx = SearchIndex(folder / "index", archive)
    archive.save(records[30:55], agent="test")  # more segments
    archive.save(records[55:], agent="test")
    edited = {**records[3], "text": "Edited: climate change and peace."}
    archive.save([edited], agent="test", replace=True)  # a deletion in an old segment
    archive.delete(records[40]["id"], agent="test")
    yield idx
    idx.close()
    archive.close()


@pytest.fixture
def view(index: SearchIndex) -> Any:
    return index.view()


def _query(view: Any, text: str) -> wq.Query:
    return parse(view.parser, text).query


def _stepped_scores(searcher: Any, q: wq.Query) -> dict[int, float]:
    """Every match's score as Whoosh's matcher gives it, one document at a time."""
    scores = {}
    for sub, offset in searcher.leaf_searchers():
        matcher = q.matcher(sub, searcher.context())
        while matcher.is_active():
            scores[offset + matcher.id()] = matcher.score()
            matcher.next()
    return scores


def test_the_index_has_several_segments_and_deletions(view: Any) -> None:
    reader = view.searcher.reader()
    assert len(reader.leaf_readers()) > 1
    assert reader.doc_count_all() > reader.doc_count()


def test_bitsets_round_trip() -> None:
    rng = random.Random(3)
    for size in (0, 1, 7, 8, 9, 1000):
        for share in (0, 0.01, 0.5, 1):
            ids = sorted(d for d in range(size) if rng.random() < share)
            bits = bitsets.from_ids(ids, size)
            assert bits == sum(1 << d for d in ids)
            assert bitsets.ids_of(bits) == ids
            assert list(bitsets.flags_of(bits, size)) == [int(d in ids) for d in range(size)]
            assert bitsets.from_flags(bitsets.flags_of(bits, size)) == bits
            assert bitsets.from_blocks([ids[:3], ids[3:]], size) == bits
    assert bitsets.full(5) == 0b11111


def test_facet_values_are_their_postings(view: Any) -> None:
    facets = view.facets
    searcher = view.searcher
    assert set(bitsets.iter_ids(facets.live)) == set(searcher.reader().all_doc_ids())
    checked = 0
    for name in FACETS:
        assert facets.values[name], name
        for value, bits in facets.values[name].items():
            expected = set(searcher.docs_for_query(wq.Term(name, value)))
            assert set(bitsets.iter_ids(bits & facets.live)) == expected, (name, value)
            checked += 1
    assert checked == 108  # every value of every facet


def _reference_counts(searcher: Any, base: set[int], filters: dict[str, list[str]]
                      ) -> dict[str, list[dict[str, object]]]:
    """Facet counts with Python sets: every filter but the facet's own applies."""
    reader = searcher.reader()
    docs_of = {name: {term.decode(): set(searcher.docs_for_query(wq.Term(name, term)))
                      for term in reader.lexicon(name)} for name in FACETS}
    filter_sets = {name: set().union(*(docs_of[name].get(v, set()) for v in values))
                   for name, values in filters.items()}
    out = {}
    for name in FACETS:
        docs = set(base)
        for other, allowed in filter_sets.items():
            if other != name:
                docs &= allowed
        found = [(v, len(ids & docs)) for v, ids in docs_of[name].items() if ids & docs]
        if name == "year":
            found.sort(reverse=True)
        else:
            found = sorted(found, key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
        out[name] = [{"value": v, "count": n} for v, n in found]
    return out


@pytest.mark.parametrize("text, filters", [
    ("", {}), ("peace", {}), ("climate", {"type": ["speech"]}),
    ("peace OR women", {"year": ["2018", "2005"], "treaty": ["UDHR"]}),
    ("", {"topic": ["peace and security"], "language": ["en", "fr"]}),
    ("nothingmatchesthis", {})])
def test_counts_equal_set_arithmetic(view: Any, text: str, filters: dict) -> None:
    facets = view.facets
    base = matching(view.searcher, _query(view, text)) if text else facets.live
    counts = facets.counts(base, facets.filter_bits(filters))
    assert counts == _reference_counts(view.searcher, set(bitsets.iter_ids(base)), filters)


@pytest.fixture(params=["auto", "binary tree"])
def or_matchers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Whoosh preloads OR matches on small segments and builds a tree of unions on large
    ones (over 5,000 documents): run both here."""
    if request.param == "binary tree":
        monkeypatch.setattr(wq.Or, "matcher_type", wq.Or.DEFAULT_MATCHER)
    return request.param


@pytest.mark.parametrize("text", QUERIES)
def test_matches_are_whoosh_matches(view: Any, or_matchers: str, text: str) -> None:
    q = _query(view, text)
    expected = set(view.searcher.docs_for_query(q))
    assert set(bitsets.iter_ids(matching(view.searcher, q))) == expected


@pytest.mark.parametrize("text", QUERIES)
def test_bulk_scores_are_whoosh_scores(view: Any, or_matchers: str, text: str) -> None:
    q = _query(view, text)
    scores = all_scores(view.searcher, q, Lengths())
    assert scores == _stepped_scores(view.searcher, q)  # the very same floats
    assert set(scores) == set(bitsets.iter_ids(matching(view.searcher, q)))


@pytest.mark.parametrize("text", ["peace", "peace OR women", "the", "climate change"])
def test_best_ranks_by_score_then_document(view: Any, text: str) -> None:
    scores = _stepped_scores(view.searcher, _query(view, text))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    allowed = bitsets.flags_of(view.facets.values["year"].get("2018", 0), view.facets.size)
    for limit in (1, 5, len(scores) + 3):
        assert best(scores, limit) == ranked[:limit]
        assert best(scores, limit, allowed) == [item for item in ranked
                                                if allowed[item[0]]][:limit]


def test_date_order_is_date_then_id(view: Any) -> None:
    searcher = view.searcher
    live = sorted(searcher.reader().all_doc_ids())
    keys = {d: (searcher.stored_fields(d).get("date", ""), searcher.stored_fields(d)["id"])
            for d in live}
    oldest = sorted(live, key=keys.__getitem__)
    facets = view.facets
    assert facets.by_date(facets.live, len(live), newest_first=False) == oldest
    assert facets.by_date(facets.live, 10, newest_first=True) == oldest[::-1][:10]
    some = bitsets.from_ids(live[::3], facets.size)
    assert facets.by_date(some, 5, newest_first=True) == [d for d in oldest[::-1]
                                                          if d in live[::3]][:5]


@pytest.mark.parametrize("low, high", [(None, 20000101), (20180601, None),
                                       (19950101, 20051231), (20180622, 20180622),
                                       (20250101, None), (None, 19891231)])
def test_date_bits_match_numeric_ranges(view: Any, monkeypatch: pytest.MonkeyPatch,
                                        low: int | None, high: int | None) -> None:
    monkeypatch.setattr("search.facets.CHECKPOINT", 4)  # many kept sets, short tails
    facets = FacetData(view.searcher)
    parts = []
    if low is not None:
        parts.append(wq.NumericRange("date_end", low, None))
    if high is not None:
        parts.append(wq.NumericRange("date_start", None, high))
    expected = set(view.searcher.docs_for_query(wq.And(parts)))
    assert set(bitsets.iter_ids(facets.date_bits(low, high))) == expected


def test_relevance_counts_every_match(index: SearchIndex) -> None:
    """Whoosh's top-N collector drops documents that cannot reach the page; the total and
    the facet counts must still count them (they did not before)."""
    for text in ("peace OR women", "climate change", "the"):
        by_relevance = index.search(text, page_size=1)
        by_date = index.search(text, sort="-date", page_size=1)
        expected = len(set(index.view().searcher.docs_for_query(_query(index.view(), text))))
        assert by_relevance.total == by_date.total == expected
        assert by_relevance.facets == by_date.facets


def test_lru_keeps_recent_entries_within_budget() -> None:
    cache: LRU[str] = LRU(3, max_bytes=10, size_of=len)
    for key in "abc":
        cache.put(key, "xx")
    assert cache.get("a") == "xx"  # a is now the most recent
    cache.put("d", "xx")
    assert "b" not in cache and {"a", "c", "d"} <= {k for k in "abcd" if k in cache}
    cache.put("e", "xxxxxx")  # 2 + 2 + 2 + 6 > 10: the least recent (c) goes
    assert [k for k in "acde" if k in cache] == ["a", "d", "e"] and cache.bytes == 10
    cache.put("huge", "x" * 11)  # over the whole budget: not kept
    assert "huge" not in cache and len(cache) == 3 and cache.bytes == 10


def test_mapped_window_reads_like_a_file() -> None:
    data = bytes(range(256)) * 3 + b"line one\nline two\n"
    window = segment_files.MappedWindow(b"prefix" + data + b"suffix", 6, len(data))
    reference = io.BytesIO(data)
    for step in [("read", 5), ("seek", 700), ("readline",), ("tell",), ("read", 3),
                 ("seek", 2, io.SEEK_CUR), ("readline",), ("readline",), ("read", -1),
                 ("seek", -4, io.SEEK_END), ("read", 10), ("tell",)]:
        assert getattr(window, step[0])(*step[1:]) == getattr(reference, step[0])(*step[1:])


def test_segments_read_in_place_read_as_copied(view: Any) -> None:
    reader = view.searcher.reader().leaf_readers()[0][0]
    storage = getattr(reader._storage, "a", reader._storage)  # under an OverlayStorage
    assert isinstance(storage, CompoundStorage) and storage._source
    for name in storage.list():
        mapped = segment_files._open_file(storage, name)
        copied = segment_files._original_open_file(storage, name)
        assert isinstance(mapped, segment_files.MappedFile)
        length = storage.file_length(name)
        assert mapped.get(0, length) == copied.get(0, length)
        assert mapped.get(length // 3, 17) == copied.get(length // 3, 17)
        assert mapped.get(length - 3, 17) == copied.get(length - 3, 17)  # never past the end
        mapped.seek(length // 2)
        copied.seek(length // 2)
        assert mapped.read(64) == copied.read(64) and mapped.tell() == copied.tell()


def test_field_lengths_are_read_at_once(view: Any) -> None:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    from search.engine.scoring import _length_bytes

    for reader, _ in view.searcher.reader().leaf_readers():
        for name in ("title_en", "text_en", "text_fr", "summary_en", "meta"):
            column = reader._perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN)
            expected = None if column is None else bytes(column)  # one value at a time
            assert _length_bytes(reader, name) == expected


def test_facets_follow_writes_reusing_segments(tmp_path: Path,
                                               sample_records: list[dict[str, Any]]) -> None:
    archive = Archive(tmp_path / "data")
    archive.save(sample_records[:20], agent="test")
    index = SearchIndex(tmp_path / "data" / "index", archive)
    try:
        before = index.view().facets
        index.search("peace")
        archive.save(sample_records[20:30], agent="test")
        archive.delete(sample_records[2]["id"], agent="test")
        after = index.view().facets
        assert after is not before
        kept = set(before.segments) & set(after.segments)
        assert kept and all(after.segments[key] is before.segments[key] for key in kept)
        searcher = index.view().searcher
        assert after.counts(after.live, {}) == _reference_counts(
            searcher, set(searcher.reader().all_doc_ids()), {})
        assert index.search("").total == 29
    finally:
        index.close()
        archive.close()


def test_more_like_this_ranks_every_match(index: SearchIndex, view: Any) -> None:
    from search.searching import similar_query

    for docnum in list(view.searcher.reader().all_doc_ids())[:5]:
        record_id = view.searcher.stored_fields(docnum)["id"]
        scores = _stepped_scores(view.searcher, similar_query(view, docnum))
        scores.pop(docnum)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:5]
        similar = index.more_like_this(record_id, limit=5)
        assert [(h.id, h.score) for h in similar] == [
            (view.searcher.stored_fields(d)["id"], s) for d, s in ranked]


def test_lazy_matchers_search_like_whoosh(view: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoosh searching with the lazy matchers finds and scores what it does without."""
    import whoosh.matching
    from whoosh.matching.combo import ArrayUnionMatcher
    from whoosh.query import SpanNear2

    from search.engine.lazy_matchers import LazyArrayUnion, LazySpanNear2, _SpanNear2Matcher

    assert whoosh.matching.ArrayUnionMatcher is LazyArrayUnion  # installed as the index opened
    assert SpanNear2.SpanNear2Matcher is LazySpanNear2
    searcher = view.searcher
    for text in ("peace OR women", "climate change", "peace security council",
                 '"climate change"', '"the united nations" OR refugees'):
        q = _query(view, text)
        lazy = ([(h.docnum, h.score) for h in searcher.search(q, limit=None)],
                sorted(searcher.docs_for_query(q)))
        with monkeypatch.context() as patch:
            patch.setattr(whoosh.matching, "ArrayUnionMatcher", ArrayUnionMatcher)
            patch.setattr(SpanNear2, "SpanNear2Matcher", _SpanNear2Matcher)
            eager = ([(h.docnum, h.score) for h in searcher.search(q, limit=None)],
                     sorted(searcher.docs_for_query(q)))
            reference = _stepped_scores(searcher, q)
        assert lazy == eager and lazy[0], text
        assert all_scores(searcher, q, Lengths()) == reference
