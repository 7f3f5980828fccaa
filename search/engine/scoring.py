"""Relevance scores of every match at once, exactly as Whoosh's matchers compute them.

Whoosh scores a query by stepping a tree of matchers one document at a time (several
Python calls per document per term). Here the same tree (``query.matcher``, built by
Whoosh with the same context a search uses) is evaluated bottom-up: each term's postings
a block at a time with its BM25F scorer, then unions, intersections and boosts as
dictionary merges, adding the same numbers in the same pairs, so every score is the very
float Whoosh would produce. A phrase is the intersection of its words, kept where their
positions chain up. The OR and phrase matchers Whoosh builds are lazy
(:mod:`search.engine.lazy_matchers`) and read here only if nothing used them yet; anything else
(unordered spans, a matcher already used …) is stepped as Whoosh steps it.

The ranking then takes the best scores of all matches: Whoosh's ``TopCollector`` instead
prunes its matcher tree as the top N fills (``Matcher.replace(minquality)``), which
drops from the count documents it deems unable to reach the page (the old total and facet
counts missed them) and now and then a document that would have reached it.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Container
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching import mcore
from whoosh.matching.binary import AndMaybeMatcher, AndNotMatcher, IntersectionMatcher, UnionMatcher
from whoosh.matching.wrappers import FilterMatcher, WrappingMatcher
from whoosh.query import And, Query
from whoosh.scoring import BM25FScorer, WeightLengthScorer
from whoosh.searching import Searcher
from whoosh.util import make_weighted_tree
from whoosh.util.numeric import byte_to_length

from search import budget
from search.engine.lazy_matchers import LazyArrayUnion, LazySpanNear2

Scores = dict[int, float]


#: Field length of a length byte, as ``doc_field_length(docnum, field, 1)`` returns it.
_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]


class Lengths:
    """Each segment's field-length bytes per field (one byte per document), read once."""

    def __init__(self) -> None:
        self._columns: dict[tuple[str, str], bytes | None] = {}

    def of(self, reader, fieldname: str) -> bytes | None:
        key = (reader.segment().segment_id(), fieldname)
        if key not in self._columns:
            self._columns[key] = _length_bytes(reader, fieldname)
        return self._columns[key]

    def keep(self, segments: Container[str]) -> None:
        """Forget the segments not in ``segments`` (merged away)."""
        for key in [key for key in self._columns if key[0] not in segments]:
            del self._columns[key]


def _length_bytes(reader, fieldname: str) -> bytes | None:
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if column is None:
        return None
    if type(column) is NumericColumn.Reader and column._typecode == "B":
        # One byte per document, then the default (0) for documents never written.
        stored = column._dbfile.get(column._basepos, column._count)
        return stored + bytes(column._doccount - len(stored))
    return bytes(column)


class _Both:
    """Two matchers to intersect, ordered as Whoosh orders its ``IntersectionMatcher``s
    (by class alone) so that ``make_weighted_tree`` builds the very same tree."""

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def __eq__(self, other: object) -> bool:
        return type(other) is _Both

    def __lt__(self, other: object) -> bool:
        return type(other) is _Both

    __hash__ = object.__hash__


class Keep:
    """The documents a caller still needs (an intersection's other side): posting blocks
    without any of them are not even read."""

    def __init__(self, docs: Container[int] | set[int]) -> None:
        self.docs = docs if isinstance(docs, set | frozenset) else set(docs)
        self.order = sorted(self.docs)

    def any_within(self, low: int, high: int) -> bool:
        i = bisect_left(self.order, low)
        return i < len(self.order) and self.order[i] <= high

    def narrowed(self, docs: Container[int]) -> Keep:
        return Keep(self.docs.intersection(docs))


def _narrow(keep: Keep | None, docs: Scores) -> Keep:
    return Keep(docs) if keep is None else keep.narrowed(docs)


class _SegmentScores:
    """Evaluates one segment's matcher tree into {document: score}.

    ``keep``, where given, lists the only documents the caller will use: the scores of
    other documents may be left out (or not). An intersection evaluates its smaller side
    first and reads only the blocks of the other side that hold one of its documents.
    """

    def __init__(self, searcher: Searcher, lengths: Lengths) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.lengths = lengths

    def of_query(self, q: Query, context: Any) -> Scores:
        """The scores of ``q``. The words of a top-level AND are intersected here, in the
        tree ``And.matcher`` would build: its ``IntersectionMatcher`` would step each
        word's matcher to their first common document as it is built."""
        subs = q.subqueries if type(q) is And else ()
        if len(subs) < 2:
            return self.of(q.matcher(self.searcher, context))
        weighted = [(0 - sub.estimate_size(self.reader), sub.matcher(self.searcher, context))
                    for sub in subs]
        scores = self._intersected(make_weighted_tree(_Both, weighted), None)
        return {d: s * q.boost for d, s in scores.items()} if q.boost != 1.0 else scores

    def _intersected(self, node: Any, keep: Keep | None) -> Scores:
        if type(node) is not _Both:
            return self.of(node, keep)
        return self._both(node.a, node.b, keep, self._intersected)

    def _both(self, a: Any, b: Any, keep: Keep | None,
              evaluate: Callable[[Any, Keep | None], Scores]) -> Scores:
        """a + b where both match, the smaller side read first."""
        if self._size(b) < self._size(a):
            b_scores = evaluate(b, keep)
            a_scores = evaluate(a, _narrow(keep, b_scores)) if b_scores else {}
        else:
            a_scores = evaluate(a, keep)
            b_scores = evaluate(b, _narrow(keep, a_scores)) if a_scores else {}
        return {d: s + b_scores[d] for d, s in a_scores.items() if d in b_scores}

    def _size(self, node: Any) -> float:
        """About how many documents a matcher (or a pair to intersect) holds."""
        kind = type(node)
        if kind is W3LeafMatcher:
            return self.reader.doc_frequency(*node.term()) if node.term() else float("inf")
        if kind in (FilterMatcher, WrappingMatcher):
            return self._size(node.child)
        if kind is UnionMatcher:
            return self._size(node.a) + self._size(node.b)
        if kind is LazyArrayUnion and not node.started:
            return sum(self._size(sub) for sub in node._submatchers)
        if kind in (IntersectionMatcher, _Both):
            return min(self._size(node.a), self._size(node.b))
        if kind is LazySpanNear2 and not node.started:
            return min(self._size(sub) for sub in node.ms)
        if isinstance(node, mcore.NullMatcherClass):
            return 0
        return float("inf")

    def of(self, m: mcore.Matcher, keep: Keep | None = None) -> Scores:
        budget.check()
        kind = type(m)
        if keep is not None and not keep.docs:
            return {}
        if kind is W3LeafMatcher:
            return self._leaf(m, keep=keep)
        if kind is UnionMatcher:
            return _union(self.of(m.a, keep), self.of(m.b, keep))
        if kind is IntersectionMatcher:
            return self._both(m.a, m.b, keep, self.of)
        if kind is AndMaybeMatcher:
            a = self.of(m.a, keep)
            b = self.of(m.b, _narrow(keep, a)) if a else {}
            return {d: s + b[d] if d in b else s for d, s in a.items()}
        if kind is AndNotMatcher:
            a = self.of(m.a, keep)
            b = self.of(m.b, _narrow(keep, a)) if a else {}
            return {d: s for d, s in a.items() if d not in b}
        if kind is FilterMatcher:
            return _filtered(m, self.of(m.child, keep))
        if kind is WrappingMatcher:
            return _boosted(m, self.of(m.child, keep))
        if kind is LazySpanNear2 and not m.started and m.ordered and m.mindist == 1:
            return self._phrase(m, keep)
        if kind is LazyArrayUnion and not m.started and m._scored:
            return self._array_union(m, keep)
        if isinstance(m, mcore.NullMatcherClass):
            return {}
        return _stepped(m)

    def _array_union(self, m: LazyArrayUnion, keep: Keep | None) -> Scores:
        """Each word's scores times the boost, added up word after word into a zeroed
        array (a document scoring 0 is no match): as ``ArrayUnionMatcher`` does."""
        boost = m._boost
        total: Scores = {}
        get = total.get
        for sub in m._submatchers:
            for docnum, score in self.of(sub, keep).items():
                total[docnum] = get(docnum, 0.0) + score * boost
        return {d: s for d, s in total.items() if s > 0}

    def _score_function(self, m: W3LeafMatcher) -> Callable[[float, int], float] | None:
        scorer, term = m.scorer, m.term()
        if scorer is None or not term:
            return None
        return _fast_scorer(scorer, self.lengths.of(self.reader, term[0]))

    def _leaf(self, m: W3LeafMatcher, values: dict[int, Any] | None = None,
              keep: Keep | None = None) -> Scores:
        """The scores of one term (of the documents in ``keep``, if given), and its
        posting values into ``values`` if given."""
        score = self._score_function(m)
        if score is None:
            return _stepped(m)
        wanted = None if keep is None else keep.docs
        out: Scores = {}
        low = 0
        while m.is_active():
            high = m.block_max_id()  # known before the block is read
            if keep is not None and not keep.any_within(low, high):
                low = high + 1
                m._next_block()
                continue
            m.id()      # loads the block's document numbers …
            m.weight()  # … weights …
            pairs = zip(m._ids, m._weights, strict=True)
            if wanted is not None:
                pairs = [(d, w) for d, w in pairs if d in wanted]
            for docnum, weight in pairs:
                out[docnum] = score(weight, docnum)
            if values is not None:
                m.value()  # … and posting values (positions)
                found = zip(m._ids, m._values, strict=True)
                values.update(found if wanted is None else
                              ((d, v) for d, v in found if d in wanted))
            low = high + 1
            m._next_block()
        return out

    def _phrase(self, m: LazySpanNear2, keep: Keep | None) -> Scores:
        """Words in order, each within ``slop`` positions after the one before: the
        documents of the intersection whose positions chain up, with its scores."""
        leaves = [_leaf_under(sub) for sub in m.ms]
        if any(leaf is None or self._score_function(leaf) is None for leaf in leaves):
            return _stepped(m)
        # The rarest word first; each next word is read only where the words before are.
        order = sorted(range(len(leaves)), key=lambda i: self._size(leaves[i]))
        parts: list[Any] = [None] * len(leaves)
        for i in order:
            parts[i] = self._with_positions(m.ms[i], keep)
            keep = _narrow(keep, parts[i][0])
        both = _intersection_tree([scores for scores, _ in parts])
        slop, boost = m.slop, m.boost
        out: Scores = {}
        for docnum, score in both.items():
            ends = set(parts[0][1](docnum))
            for _, positions in parts[1:]:
                if slop == 1:
                    ends = {p for p in positions(docnum) if p - 1 in ends}
                else:
                    ends = {p for p in positions(docnum)
                            if any(1 <= p - e <= slop for e in ends)}
                if not ends:
                    break
            if ends:
                out[docnum] = score * boost
        return out

    def _with_positions(self, m: mcore.Matcher, keep: Keep | None
                        ) -> tuple[Scores, Callable[[int], list[int]]]:
        """A term's scores and its positions in a document (of those in ``keep``),
        through boosts and the filter of deleted documents (see :func:`_leaf_under`)."""
        kind = type(m)
        if kind is W3LeafMatcher:
            values: dict[int, Any] = {}
            scores = self._leaf(m, values, keep)
            return scores, _position_reader(m, values)
        scores, positions = self._with_positions(m.child, keep)
        scores = _filtered(m, scores) if kind is FilterMatcher else _boosted(m, scores)
        return scores, positions


def _fast_scorer(scorer, lengths: bytes | None) -> Callable[[float, int], float] | None:
    """score(weight, docnum) computed as ``scorer.score(matcher)`` computes it."""
    if lengths is None or not isinstance(scorer, WeightLengthScorer):
        return None
    table = _LENGTHS
    if type(scorer) is BM25FScorer:
        idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1

        def bm25(tf: float, docnum: int) -> float:  # whoosh.scoring.bm25, term for term
            fl = table[lengths[docnum]]
            return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))

        return bm25
    inner = scorer._score
    return lambda weight, docnum: inner(weight, table[lengths[docnum]])


def _leaf_under(m: mcore.Matcher) -> W3LeafMatcher | None:
    """The term matcher under boosts and the filter of deleted documents, if that is all."""
    while type(m) in (FilterMatcher, WrappingMatcher):
        m = m.child
    return m if type(m) is W3LeafMatcher else None


def _filtered(m: FilterMatcher, scores: Scores) -> Scores:
    ids, boost = m._ids, m.boost
    if m._exclude:
        return {d: s * boost for d, s in scores.items() if d not in ids}
    return {d: s * boost for d, s in scores.items() if d in ids}


def _boosted(m: WrappingMatcher, scores: Scores) -> Scores:
    boost = m.boost
    return {d: s * boost for d, s in scores.items()}


def _intersection_tree(parts: list[Scores]) -> Scores:
    """As ``make_binary_tree(IntersectionMatcher, …)`` adds the scores up."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    a, b = _intersection_tree(parts[:half]), _intersection_tree(parts[half:])
    return {d: s + b[d] for d, s in a.items() if d in b}


def _position_reader(m: W3LeafMatcher, values: dict[int, Any]
                     ) -> Callable[[int], list[int]]:
    """The positions of a term in a document, decoded as ``matcher.spans()`` does."""
    if m.supports("characters"):
        characters = m.format.decoder("characters")
        return lambda docnum: [item[0] for item in characters(values[docnum])]
    positions = m.format.decoder("positions")
    return lambda docnum: positions(values[docnum])


def _union(a: Scores, b: Scores) -> Scores:
    if len(a) < len(b):
        a, b = b, a
    out = dict(a)
    get = out.get
    for docnum, score in b.items():
        found = get(docnum)
        out[docnum] = score if found is None else found + score
    return out


def _stepped(m: mcore.Matcher) -> Scores:
    out: Scores = {}
    while m.is_active():
        out[m.id()] = m.score()
        m.next()
    return out


def segment_scores(searcher: Searcher, matcher: mcore.Matcher, lengths: Lengths) -> Scores:
    """{local document: score} of one segment's matcher (consumed)."""
    return _SegmentScores(searcher, lengths).of(matcher)


def all_scores(searcher: Searcher, q: Query, lengths: Lengths) -> Scores:
    """{global document: score} of every document ``q`` matches (deleted ones excluded)."""
    context = searcher.context()
    out: Scores = {}
    for sub, offset in searcher.leaf_searchers():
        scores = _SegmentScores(sub, lengths).of_query(q, context)
        if offset:
            out.update((offset + d, s) for d, s in scores.items())
        else:
            out.update(scores)
    return out


def best(scores: Scores, limit: int, allowed: bytes | None = None) -> list[tuple[int, float]]:
    """The ``limit`` best (document, score) among ``allowed`` (one flag byte per global
    document; None: all), best first, ties by document number: Whoosh's order."""
    if allowed is not None:
        scores = {d: s for d, s in scores.items() if allowed[d]}
    if len(scores) > limit:
        floor = heapq.nlargest(limit, scores.values())[-1]
        scores = {d: s for d, s in scores.items() if s >= floor}
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
