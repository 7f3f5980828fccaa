"""Facet counts, filters, date ranges and date order as bitset arithmetic.

Each facet value is the set of its documents as one Python int (:mod:`search.engine.bitsets`):
at 100,000 documents 12.5 KB, and a count is ``(value & docs).bit_count()``, a few
microseconds in C. Sets are read once per segment from the postings (deleted documents
included: every count and filter is taken over undeleted matches) and kept while the
segment lives; a view ORs them together at their offsets. Date ranges bisect the sorted
``date_start``/``date_end`` values; the date order is an array of document numbers.

Counts follow the usual multi-select rule: a facet's counts apply every filter except its
own, so values can be OR-ed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import compress, islice

from whoosh.searching import Searcher

from search.engine import bitsets
from search.engine.matches import posting_blocks, segment_live, term_bits
from search.engine.scoring import Lengths
from search.schema import FACETS

#: Values listed per facet, most frequent first (years: newest first, all of them).
FACET_LIMIT = 100

#: The numeric date fields a date range compares (yyyymmdd).
BOUNDS = ("date_start", "date_end")

#: Every CHECKPOINT-th position of the sorted date values keeps the set of the documents
#: before (date_start) or from (date_end) it, so a range ORs one kept set with at most
#: this many documents.
CHECKPOINT = 2048


@dataclass
class SegmentFacets:
    """The facet values and date bounds of one segment, by local document number."""

    size: int
    values: dict[str, dict[str, int]] = field(default_factory=dict)
    bounds: dict[str, array] = field(default_factory=dict)  # (value << 32 | doc), sorted


def _segment_facets(reader) -> SegmentFacets:
    data = SegmentFacets(reader.doc_count_all())
    indexed = set(reader.indexed_field_names())
    for name in FACETS:
        data.values[name] = {term.decode("utf-8"): term_bits(reader, name, term)
                             for term in (reader.lexicon(name) if name in indexed else ())}
    for name in BOUNDS:
        pairs = array("Q")
        if name in indexed:
            numeric = reader.schema[name]
            for term in numeric.sortable_terms(reader, name):
                value = numeric.from_bytes(term) << 32
                for block in posting_blocks(reader, name, term):
                    pairs.extend(value | docnum for docnum in block)
        data.bounds[name] = array("Q", sorted(pairs))
    return data


class DateBound:
    """One date field's values in order, with the documents holding them."""

    def __init__(self, pairs: list[int], size: int) -> None:
        self.size = size
        self.values = array("I", (pair >> 32 for pair in pairs))
        self.docs = array("I", (pair & 0xFFFFFFFF for pair in pairs))
        flags = bytearray(size)
        self.before: list[int] = [0]  # before[k]: documents at positions < k * CHECKPOINT
        for start in range(0, len(self.docs), CHECKPOINT):
            for docnum in self.docs[start:start + CHECKPOINT]:
                flags[docnum] = 1
            self.before.append(bitsets.from_flags(flags))

    def below(self, position: int) -> int:
        """The documents at sorted positions before ``position``."""
        k = position // CHECKPOINT
        return self.before[k] | bitsets.from_ids(self.docs[k * CHECKPOINT:position], self.size)

    def from_position(self, position: int) -> int:
        """The documents at sorted positions from ``position`` on."""
        k = -(-position // CHECKPOINT)
        everyone = self.before[-1]
        tail = everyone & ~self.before[k] if k < len(self.before) else 0
        return tail | bitsets.from_ids(self.docs[position:k * CHECKPOINT], self.size)


class FacetData:
    """Every segment's facets for one searcher, reusing segments already read."""

    def __init__(self, searcher: Searcher, previous: FacetData | None = None) -> None:
        cache = previous.segments if previous else {}
        self.segments: dict[str, SegmentFacets] = {}
        #: Field lengths for scoring, per segment (kept with the segments).
        self.lengths = previous.lengths if previous else Lengths()
        self.size = searcher.doc_count_all()
        self.live = 0
        self.values: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        pairs: dict[str, list[int]] = {name: [] for name in BOUNDS}
        dates: list[str] = []
        ids: list[str] = []
        for reader, offset in _leaf_readers(searcher):
            key = reader.segment().segment_id()
            segment = cache.get(key) or _segment_facets(reader)
            self.segments[key] = segment
            self.live |= segment_live(reader) << offset
            for name in FACETS:
                merged = self.values[name]
                for value, bits in segment.values[name].items():
                    shifted = bits << offset if offset else bits  # (not a copy at 0)
                    found = merged.get(value)
                    merged[value] = shifted if found is None else found | shifted
            for name in BOUNDS:
                pairs[name] += (pair + offset for pair in segment.bounds[name])
            dates += _column(reader, "date_sort")
            ids += _column(reader, "id")
        self.lengths.keep(self.segments)
        self._bounds = {name: DateBound(sorted(pairs[name]), self.size) for name in BOUNDS}
        # Date order: document numbers by (date, id); "" for a missing date sorts first.
        keys = [f"{d or ''}\0{i or ''}" for d, i in zip(dates, ids, strict=True)]
        self.order = array("I", sorted(range(len(keys)), key=keys.__getitem__))

    def date_bits(self, low: int | None, high: int | None) -> int | None:
        """Documents whose [date_start, date_end] overlaps [low, high] (None: no bound),
        as ``NumericRange("date_end", low, None) & NumericRange("date_start", None, high)``
        would find them, by bisecting the sorted values instead of expanding ranges."""
        if low is None and high is None:
            return None
        found = self.live
        if low is not None:
            end = self._bounds["date_end"]
            found &= end.from_position(bisect_left(end.values, low))
        if high is not None:
            start = self._bounds["date_start"]
            found &= start.below(bisect_right(start.values, high))
        return found

    def filter_bits(self, filters: Mapping[str, list[str]]) -> dict[str, int]:
        """Per facet, the documents having any of its values (OR within a facet)."""
        found = {}
        for name, values in filters.items():
            if values:
                known = self.values.get(name, {})
                bits = 0
                for value in values:
                    bits |= known.get(value, 0)
                found[name] = bits
        return found

    def counts(self, base: int, filters: dict[str, int], limit: int | None = FACET_LIMIT
               ) -> dict[str, list[dict[str, object]]]:
        """Counts per facet value over ``base`` and every other facet's filter (the
        ``limit`` most frequent values of each facet but the year; None: every value)."""
        facets = {}
        for name in FACETS:
            docs = base
            for other, allowed in filters.items():
                if other != name:
                    docs &= allowed
            found = []
            if docs:
                found = [(value, n) for value, bits in self.values[name].items()
                         if (n := (bits & docs).bit_count())]
            if name == "year":
                found.sort(key=lambda item: item[0], reverse=True)
            else:
                found.sort(key=lambda item: (-item[1], item[0]))
                found = found[:limit]
            facets[name] = [{"value": v, "count": n} for v, n in found]
        return facets

    def by_date(self, docs: int, limit: int, newest_first: bool) -> list[int]:
        """The first ``limit`` documents of ``docs`` in date order (then by id)."""
        flags = bitsets.flags_of(docs, self.size)

        def ordered() -> Iterator[int]:
            return reversed(self.order) if newest_first else iter(self.order)

        return list(islice(compress(ordered(), map(flags.__getitem__, ordered())), limit))


def _leaf_readers(searcher: Searcher):
    for reader, offset in searcher.reader().leaf_readers():
        if reader.segment() is not None:  # an empty index has one segment-less reader
            yield reader, offset


def _column(reader, name: str) -> list[str]:
    if reader.has_column(name):
        return list(reader.column_reader(name))
    return [""] * reader.doc_count_all()
