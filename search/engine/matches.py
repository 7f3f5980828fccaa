"""Every document a query matches, as a bitset, without scoring.

Facet counts and totals need the whole set of matches but no scores. :func:`matching`
reads each term's postings a block at a time and combines them with set operations
(Whoosh's matchers step through every document in Python). Phrases are the documents
:mod:`search.engine.scoring` finds for them; other positional queries are left to Whoosh.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

from search import budget
from search.engine import bitsets
from search.engine.scoring import Lengths, segment_scores


def segment_live(reader: IndexReader) -> int:
    """The documents of one segment that are not deleted (local numbers)."""
    size = reader.doc_count_all()
    deleted = reader.deleted_docs_set if hasattr(reader, "deleted_docs_set") else ()
    return bitsets.full(size) & ~bitsets.from_ids(deleted, size) if deleted else \
        bitsets.full(size)


def posting_blocks(reader: IndexReader, fieldname: str, text: str | bytes
                   ) -> Iterator[tuple[int, ...]]:
    """The document numbers of one term, a block at a time, deleted ones included."""
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return
    if isinstance(matcher, FilterMatcher):  # the reader's filter of deleted documents
        matcher = matcher.child
    if type(matcher) is not W3LeafMatcher:
        yield tuple(matcher.all_ids())
        return
    while matcher.is_active():
        matcher.id()  # loads the block's document numbers into matcher._ids
        yield matcher._ids
        matcher._next_block()


def term_bits(reader: IndexReader, fieldname: str, text: str | bytes) -> int:
    """The documents having one term (deleted ones included)."""
    return bitsets.from_blocks(posting_blocks(reader, fieldname, text),
                               reader.doc_count_all())


class _Segment:
    """Evaluates queries on one segment into bitsets of local document numbers."""

    def __init__(self, searcher: Searcher, lengths: Lengths) -> None:
        self.searcher = searcher
        self.lengths = lengths
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.live = segment_live(self.reader)

    def bits(self, q: wq.Query) -> int:
        budget.check()
        kind = type(q)
        if kind is wq.Term:
            return self._term(q.fieldname, q.text) & self.live
        if kind in (wq.Or, wq.DisjunctionMax) and not getattr(q, "minmatch", 0):
            found = 0
            for sub in q.subqueries:
                found |= self.bits(sub)
            return found
        if kind is wq.And:
            if not q.subqueries:
                return 0
            found = self.live
            for sub in q.subqueries:
                found &= self.bits(sub)
                if not found:
                    break
            return found
        if kind is wq.Not:
            return self.live & ~self.bits(q.query)
        if kind is wq.AndNot:
            return self.bits(q.a) & ~self.bits(q.b)
        if kind is wq.AndMaybe:
            return self.bits(q.a)
        if kind is wq.Require:
            return self.bits(q.a) & self.bits(q.b)
        if q is wq.NullQuery or kind is wq.qcore._NullQuery:
            return 0
        if kind is wq.Every and not q.fieldname:
            return self.live
        if kind in (wq.ConstantScoreQuery, wq.WeightingQuery):
            return self.bits(q.child)
        if isinstance(q, wq.MultiTerm):  # Prefix, Wildcard, FuzzyTerm, Variations …
            found = 0
            for fieldname, text in q.expanded_terms(self.reader):
                found |= self._term(fieldname, text)
            return found & self.live
        if kind is wq.Phrase:
            matcher = q.matcher(self.searcher, self.searcher.context())
            return bitsets.from_ids(segment_scores(self.searcher, matcher, self.lengths),
                                    self.size)
        # Anything else: Whoosh's own matcher (it skips deleted documents).
        return bitsets.from_ids(q.docs(self.searcher), self.size)

    def _term(self, fieldname: str, text: str | bytes) -> int:
        schema = self.reader.schema
        if fieldname not in schema:
            return 0
        try:
            text = schema[fieldname].to_bytes(text)
        except ValueError:
            return 0
        if (fieldname, text) not in self.reader:
            return 0
        return term_bits(self.reader, fieldname, text)


def matching(searcher: Searcher, q: wq.Query, lengths: Lengths | None = None) -> int:
    """Every (undeleted) document ``q`` matches, as a bitset of global numbers: the same
    set as ``searcher.docs_for_query(q)`` (``lengths``: the view's, if at hand)."""
    found = 0
    lengths = lengths or Lengths()
    for sub, offset in searcher.leaf_searchers():
        found |= _Segment(sub, lengths).bits(q) << offset
    return found
