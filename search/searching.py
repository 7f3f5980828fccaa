"""Running one search: query, filters, date range, sort, page, facets, snippets, spelling.

Works on a :class:`View` (one searcher with its parser and facet data); the index hands
out a fresh view after each catch-up. Relevance ranking and the set of all matches come
from one pass over the postings (:class:`_MatchCollector`).
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from whoosh import query as wq
from whoosh.collectors import TopCollector
from whoosh.searching import Searcher

from archive.dates import parse_date
from search.analysis import language_key
from search.documents import Vocabulary, decompress
from search.facets import FacetData
from search.query import ArchiveParser, parse, suggest, treaty_query
from search.results import Hit, SearchResults
from search.schema import FACETS
from search.snippets import candidate_pattern, find_hits, snippet, treaty_hits

SORTS = ("relevance", "date", "-date")
MAX_PAGE_SIZE = 100


class _MatchCollector(TopCollector):
    """Top-N by score among ``allowed`` documents, and every matching document."""

    def __init__(self, limit: int, allowed: set[int] | None) -> None:
        super().__init__(limit=limit, usequality=False)
        self.allowed = allowed
        self.matched: set[int] = set()

    def _collect(self, global_docnum: int, score: float) -> float:
        self.matched.add(global_docnum)
        if self.allowed is not None and global_docnum not in self.allowed:
            return 0
        return super()._collect(global_docnum, score)


@dataclass
class View:
    """One searcher and everything derived from it (rebuilt when the index changes)."""

    searcher: Searcher
    vocab: Vocabulary
    previous: FacetData | None = None
    _facets: FacetData | None = None
    cache: OrderedDict = field(default_factory=OrderedDict)
    similar: OrderedDict = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        reader = self.searcher.reader()
        present = {name for name in reader.indexed_field_names()
                   if reader.field_length(name) or name in ("meta",)}
        self.parser = ArchiveParser(self.searcher.schema, self.vocab, present, reader)

    @property
    def facets(self) -> FacetData:
        if self._facets is None:
            self._facets = FacetData(self.searcher, self.previous)
            self.previous = None
        return self._facets


def date_bounds(date_from: str | None, date_to: str | None) -> tuple[int | None, int | None]:
    """``from``/``to`` as yyyymmdd integers: the first day of ``from``, the last of ``to``."""
    low = int(parse_date(date_from).bounds()[0].replace("-", "")) if date_from else None
    high = int(parse_date(date_to).bounds()[1].replace("-", "")) if date_to else None
    return low, high


def _date_set(view: View, low: int | None, high: int | None) -> set[int] | None:
    """Documents whose date overlaps [low, high] (a "June 2018" record is in 2018-06-15)."""
    return view.facets.date_set(low, high)


def _query_terms(q: wq.Query, view: View) -> tuple[dict[str, set[str]], set[str]]:
    """Index terms per field the query can match (patterns expanded), and its treaties."""
    # Query.existing_terms reuses its ``fieldname`` argument as a loop variable and so
    # drops the terms of every field but one: walk the leaves here instead.
    reader = view.searcher.reader()
    terms: dict[str, set[str]] = {}
    for leaf in q.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            value = text.decode("utf-8") if isinstance(text, bytes) else text
            terms.setdefault(fieldname, set()).add(value)
    return terms, terms.get("treaty_mentions", set()) | terms.get("treaty", set())


def _hit(view: View, docnum: int, score: float | None = None,
         stored: dict[str, Any] | None = None) -> Hit:
    stored = stored or view.searcher.stored_fields(docnum)
    display = stored.get("display", {})
    return Hit(id=stored["id"], uri=stored.get("uri", ""), title=display.get("title", ""),
               issuer=display.get("issuer", ""), date=stored.get("date", ""),
               date_display=display.get("date_display", ""), score=score)


def _snippet(view: View, stored: dict[str, Any], terms: dict[str, set[str]],
             treaties: set[str]) -> str:
    text = decompress(stored.get("body"))
    lang = language_key(stored.get("display", {}).get("language"))
    wanted = set().union(*(terms.get(f"{kind}_{lang}", set())
                           for kind in ("title", "summary", "text")))
    analyzer = view.searcher.schema[f"text_{lang}"].analyzer
    hits = find_hits(text, wanted, candidate_pattern(wanted), analyzer)
    hits += treaty_hits(text, treaties, view.vocab.finder)
    return snippet(text, hits)


def run_search(view: View, q: str, filters: Mapping[str, list[str]], sort: str, page: int,
               page_size: int, date_from: str | None, date_to: str | None) -> SearchResults:
    """One page of results (see :meth:`search.SearchIndex.search`)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    page, page_size = max(1, page), max(1, min(page_size, MAX_PAGE_SIZE))
    clean = {name: sorted({view.vocab.canonical(name, v) for v in values if v})
             for name, values in filters.items() if name in FACETS and values}
    parsed = parse(view.parser, q)
    facets = view.facets
    filter_sets = facets.filter_sets(clean)
    low, high = date_bounds(date_from, date_to)
    dates = _date_set(view, low, high)
    allowed: set[int] | None = dates
    for docs in filter_sets.values():
        allowed = docs if allowed is None else allowed & docs
    wanted = page * page_size
    ranked: list[tuple[int, float | None]] = []
    if parsed.query is None:
        matched: set[int] | frozenset[int] = facets.all_docs
        sort = "-date" if sort == "relevance" else sort
    elif sort == "relevance":
        collector = _MatchCollector(wanted, allowed)
        view.searcher.search_with_collector(parsed.query, collector)
        matched = collector.matched
        ranked = [(hit.docnum, hit.score) for hit in collector.results()]
    else:
        matched = set(view.searcher.docs_for_query(parsed.query))
    final = matched if allowed is None else matched & allowed
    if sort != "relevance":
        keys = facets.sort_keys
        pick = heapq.nlargest if sort == "-date" else heapq.nsmallest
        ranked = [(d, None) for d in pick(wanted, final, key=lambda d: keys.get(d, ("", "")))]
    base = matched if dates is None else matched & dates
    key = (q.strip(), tuple(sorted((k, tuple(v)) for k, v in clean.items())), low, high)
    counts = view.cache.get(key)
    if counts is None:
        counts = facets.counts(base, filter_sets)
        view.cache[key] = counts
        if len(view.cache) > 256:
            view.cache.popitem(last=False)
    terms, treaties = _query_terms(parsed.query, view) if parsed.query else ({}, set())
    hits = []
    for docnum, score in ranked[(page - 1) * page_size:wanted]:
        stored = view.searcher.stored_fields(docnum)
        hit = _hit(view, docnum, score, stored)
        hit.snippet = _snippet(view, stored, terms, treaties)
        hits.append(hit)
    total = len(final)
    suggestion = suggest(q, view.searcher.reader()) if q.strip() and total < 5 else None
    return SearchResults(
        total=total, results=hits, facets=counts, page=page,
        pages=max(1, math.ceil(total / page_size)), suggestion=suggestion,
        notice=parsed.notice,
        query={"q": q, "filters": clean, "from": date_from, "to": date_to, "sort": sort,
               "page": page, "page_size": page_size})


def more_like(view: View, docnum: int, limit: int) -> list[Hit]:
    """Statements most like ``docnum``: its key words (Bo1), treaties and topics.

    Kept per view (a view lives until the index changes): re-analysing a long text for
    its key terms is most of the cost of a record page.
    """
    key = (docnum, limit)
    if key not in view.similar:
        view.similar[key] = _more_like(view, docnum, limit)
        if len(view.similar) > 4096:
            view.similar.popitem(last=False)
    return [replace(hit) for hit in view.similar[key]]


def _more_like(view: View, docnum: int, limit: int) -> list[Hit]:
    stored = view.searcher.stored_fields(docnum)
    display = stored.get("display", {})
    lang = language_key(display.get("language"))
    text = f"{display.get('title', '')}\n{decompress(stored.get('body'))}"
    terms = view.searcher.key_terms_from_text(f"text_{lang}", text, numterms=25)
    queries: list[wq.Query] = [wq.Term(f"{kind}_{lang}", term, boost=weight)
                               for term, weight in terms for kind in ("title", "text")]
    for notation in display.get("treaties", []):
        queries.append(treaty_query(notation))
    queries += [wq.Term("topic", topic, boost=2.0) for topic in display.get("topics", [])]
    if not queries:
        return []
    results = view.searcher.search(wq.Or(queries), limit=limit, mask={docnum})
    return [_hit(view, hit.docnum, hit.score) for hit in results]
