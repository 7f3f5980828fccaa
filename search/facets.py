"""Facet counts and filters as set arithmetic over document numbers.

For each segment the value → documents map of every facet field (and each document's
date and id, for sorting) is read once from the postings and kept while the segment
lives; a search then intersects sets. Counts follow the usual multi-select rule: a
facet's counts apply every filter except its own, so values can be OR-ed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from whoosh.searching import Searcher

from search.schema import FACETS

#: Values listed per facet, most frequent first (years: newest first, all of them).
FACET_LIMIT = 100


@dataclass
class SegmentFacets:
    """The facet values of one segment, with document numbers global to the searcher."""

    values: dict[str, dict[str, frozenset[int]]] = field(default_factory=dict)
    sort_keys: dict[int, tuple[str, str]] = field(default_factory=dict)
    bounds: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


#: The numeric date fields a date range compares (yyyymmdd).
BOUNDS = ("date_start", "date_end")


def _segment_bounds(reader, offset: int) -> dict[str, list[tuple[int, int]]]:
    """(value, document) of every document's date_start and date_end, read from postings."""
    bounds: dict[str, list[tuple[int, int]]] = {}
    for name in BOUNDS:
        pairs: list[tuple[int, int]] = []
        if name in reader.indexed_field_names():
            numeric = reader.schema[name]
            for term in numeric.sortable_terms(reader, name):
                value = numeric.from_bytes(term)
                pairs += [(value, offset + d) for d in reader.postings(name, term).all_ids()]
        bounds[name] = pairs
    return bounds


def _segment_facets(reader, offset: int) -> SegmentFacets:
    data = SegmentFacets()
    for name in FACETS:
        per_value: dict[str, frozenset[int]] = {}
        if name in reader.indexed_field_names():
            for term in reader.lexicon(name):
                ids = reader.postings(name, term).all_ids()
                per_value[term.decode("utf-8")] = frozenset(offset + d for d in ids)
        data.values[name] = per_value
    dates = reader.column_reader("date") if reader.has_column("date") else None
    ids = reader.column_reader("id") if reader.has_column("id") else None
    if dates is not None and ids is not None:
        for docnum in reader.all_doc_ids():
            data.sort_keys[offset + docnum] = (dates[docnum] or "", ids[docnum] or "")
    data.bounds = _segment_bounds(reader, offset)
    return data


class FacetData:
    """Every segment's facets for one searcher, reusing segments already read."""

    def __init__(self, searcher: Searcher, previous: FacetData | None = None) -> None:
        cache = previous.segments if previous else {}
        self.segments: dict[tuple[str, int], SegmentFacets] = {}
        for reader, offset in searcher.reader().leaf_readers():
            if reader.segment() is None:  # an empty index has one segment-less reader
                continue
            key = (reader.segment().segment_id(), offset)
            self.segments[key] = cache.get(key) or _segment_facets(reader, offset)
        self.values: dict[str, dict[str, set[int]]] = {}
        for name in FACETS:
            merged: dict[str, set[int]] = {}
            for segment in self.segments.values():
                for value, ids in segment.values[name].items():
                    merged.setdefault(value, set()).update(ids)
            self.values[name] = merged
        self.sort_keys: dict[int, tuple[str, str]] = {}
        for segment in self.segments.values():
            self.sort_keys.update(segment.sort_keys)
        self.all_docs = frozenset(searcher.reader().all_doc_ids())
        self._bounds: dict[str, tuple[list[int], list[int]]] = {}
        for name in BOUNDS:
            pairs = sorted(pair for segment in self.segments.values()
                           for pair in segment.bounds[name])
            self._bounds[name] = ([v for v, _ in pairs], [d for _, d in pairs])

    def date_set(self, low: int | None, high: int | None) -> set[int] | None:
        """Documents whose [date_start, date_end] overlaps [low, high] (None: no bound),
        as ``NumericRange("date_end", low, None) & NumericRange("date_start", None, high)``
        would find them, by bisecting the sorted values instead of expanding ranges."""
        if low is None and high is None:
            return None
        found: set[int] | None = None
        if low is not None:
            values, docs = self._bounds["date_end"]
            found = set(docs[bisect_left(values, low):])
        if high is not None:
            values, docs = self._bounds["date_start"]
            before = docs[:bisect_right(values, high)]
            found = set(before) if found is None else found.intersection(before)
        assert found is not None
        return found & self.all_docs  # a cached segment may list documents deleted since

    def filter_sets(self, filters: Mapping[str, list[str]]) -> dict[str, set[int]]:
        """Per facet, the documents having any of its values (OR within a facet)."""
        sets = {}
        for name, values in filters.items():
            if values:
                known = self.values.get(name, {})
                sets[name] = set().union(*(known.get(v, ()) for v in values))
        return sets

    def counts(self, base: set[int] | frozenset[int], filter_sets: dict[str, set[int]]
               ) -> dict[str, list[dict[str, object]]]:
        """Counts per facet value over ``base`` and every other facet's filter."""
        facets = {}
        for name in FACETS:
            docs = base
            for other, allowed in filter_sets.items():
                if other != name:
                    docs = docs & allowed
            found = [(value, len(ids & docs))
                     for value, ids in self.values[name].items()]
            found = [(v, n) for v, n in found if n]
            if name == "year":
                found.sort(key=lambda item: item[0], reverse=True)
            else:
                found.sort(key=lambda item: (-item[1], item[0]))
                found = found[:FACET_LIMIT]
            facets[name] = [{"value": v, "count": n} for v, n in found]
        return facets
