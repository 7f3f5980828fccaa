"""Running one search: query, filters, date range, sort, page, facets, snippets, spelling.

Works on a :class:`View` (one searcher with its parser and facet data); the index hands
out a fresh view after each catch-up. The set of all matches (for the total and the facet
counts) is a bitset read from the postings without scoring (:mod:`search.engine.matches`); only
a search by relevance scores every match, in bulk (:mod:`search.engine.scoring`), and takes
its match set from the scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from archive.dates import parse_date
from search import budget
from search.analysis import language_key
from search.documents import Vocabulary, decompress
from search.engine import bitsets, segment_files
from search.engine.matches import matching
from search.engine.scoring import all_scores, best
from search.facets import FacetData
from search.lru import LRU
from search.query import ArchiveParser, parse, suggest, treaty_query
from search.reasons import reasons
from search.results import Hit, SearchResults
from search.schema import FACETS
from search.snippets import candidate_pattern, find_hits, phrase_hits, snippet, treaty_hits

SORTS = ("relevance", "date", "-date")
#: Languages a ``lang`` parameter can name (others search as if none was named).
QUERY_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
MAX_PAGE_SIZE = 100


#: Facet counts kept per view (each about 5–20 KB), and query match sets (at most
#: 12.5 KB each at 100,000 documents): a page of a result list, a click on a facet and the
#: next visitor with the same query reuse them.
COUNTS_CACHE = (512, 16 << 20)
MATCHES_CACHE = (1024, 32 << 20)
SIMILAR_CACHE = (4096, 8 << 20)
#: Whole result pages (hits with snippets, counts shared with the counts cache).
RESULTS_CACHE = (512, 16 << 20)


def _counts_size(counts: dict[str, list[dict[str, object]]]) -> int:
    return 400 + sum(240 + 200 * len(values) for values in counts.values())


def _bits_size(bits: int) -> int:
    return 100 + bits.bit_length() // 8


def _hits_size(hits: list[Hit]) -> int:
    return 100 + sum(300 + len(h.title) + len(h.issuer) + len(h.uri) + len(h.snippet)
                     for h in hits)


def _results_size(results: SearchResults) -> int:
    return 1000 + _hits_size(results.results)


@dataclass
class View:
    """One searcher and everything derived from it (rebuilt when the index changes)."""

    searcher: Searcher
    vocab: Vocabulary
    previous: FacetData | None = None
    counts: LRU = field(default_factory=lambda: LRU(*COUNTS_CACHE, size_of=_counts_size))
    matches: LRU = field(default_factory=lambda: LRU(*MATCHES_CACHE, size_of=_bits_size))
    similar: LRU = field(default_factory=lambda: LRU(*SIMILAR_CACHE, size_of=_hits_size))
    results: LRU = field(default_factory=lambda: LRU(*RESULTS_CACHE, size_of=_results_size))
    _built: FacetData | None = None

    def __post_init__(self) -> None:
        reader = self.searcher.reader()
        present = {name for name in reader.indexed_field_names()
                   if reader.field_length(name) or name in ("meta",)}
        self.parser = ArchiveParser(self.searcher.schema, self.vocab, present, reader)
        self._parsers = {None: self.parser}

    def parser_for(self, lang: str | None) -> ArchiveParser:
        """The parser that weighs up the fields of ``lang`` (one of the six UN languages)."""
        if lang not in self._parsers:
            self._parsers[lang] = ArchiveParser(self.searcher.schema, self.vocab,
                                                self.parser.present, self.searcher.reader(),
                                                lang=lang)
        return self._parsers[lang]

    @property
    def facets(self) -> FacetData:
        if self._built is None:
            self._built = FacetData(self.searcher, self.previous)
            self.previous = None
        return self._built

    @property
    def _facets(self) -> FacetData | None:
        """What the next view can reuse: these facets, or (not built yet) the previous."""
        return self._built or self.previous

    def matching(self, text: str, q: wq.Query) -> int:
        """Every document the query text matches (kept per view)."""
        found = self.matches.get(text)
        if found is None:
            found = matching(self.searcher, q, self.facets.lengths)
            self.matches.put(text, found)
        return found


def date_bounds(date_from: str | None, date_to: str | None) -> tuple[int | None, int | None]:
    """``from``/``to`` as yyyymmdd integers: the first day of ``from``, the last of ``to``."""
    low = int(parse_date(date_from).bounds()[0].replace("-", "")) if date_from else None
    high = int(parse_date(date_to).bounds()[1].replace("-", "")) if date_to else None
    return low, high


@dataclass
class QueryTerms:
    """What a snippet marks: index terms per field the query's words can match (patterns
    expanded), its phrases per field (analyzed words in order), and its treaties."""

    words: dict[str, set[str]] = field(default_factory=dict)
    phrases: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    treaties: set[str] = field(default_factory=set)


def _query_terms(q: wq.Query, view: View) -> QueryTerms:
    # Query.existing_terms reuses its ``fieldname`` argument as a loop variable and so
    # drops the terms of every field but one: walk the leaves here instead.
    reader = view.searcher.reader()
    found = QueryTerms()
    for leaf in q.leaves():
        if isinstance(leaf, wq.Phrase):
            found.phrases.setdefault(leaf.fieldname, set()).add(tuple(leaf.words))
            continue
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            value = text.decode("utf-8") if isinstance(text, bytes) else text
            found.words.setdefault(fieldname, set()).add(value)
    found.treaties = found.words.get("treaty_mentions", set()) | found.words.get("treaty", set())
    return found


def _hit(view: View, docnum: int, score: float | None = None,
         stored: dict[str, Any] | None = None) -> Hit:
    stored = stored or view.searcher.stored_fields(docnum)
    display = stored.get("display", {})
    return Hit(id=stored["id"], uri=stored.get("uri", ""), title=display.get("title", ""),
               issuer=display.get("issuer", ""), date=stored.get("date", ""),
               date_display=display.get("date_display", ""), score=score,
               type=display.get("type", ""), language=display.get("language", ""),
               treaties=list(display.get("treaties", [])),
               topics=list(display.get("topics", [])), events=list(display.get("events", [])))


def _snippet(view: View, stored: dict[str, Any], terms: QueryTerms) -> str:
    text = decompress(stored.get("body"))
    lang = language_key(stored.get("display", {}).get("language"))
    fields = [f"{kind}_{lang}" for kind in ("title", "summary", "text")]
    wanted = set().union(*(terms.words.get(name, set()) for name in fields))
    phrases = set().union(*(terms.phrases.get(name, set()) for name in fields))
    analyzer = view.searcher.schema[f"text_{lang}"].analyzer
    hits = find_hits(text, wanted, candidate_pattern(wanted), analyzer)
    hits += phrase_hits(text, phrases, analyzer)
    hits += treaty_hits(text, terms.treaties, view.vocab.finder)
    return snippet(text, hits)


def _reasons(view: View, stored: dict[str, Any], terms: QueryTerms) -> list[str]:
    display = stored.get("display", {})
    title_field = f"title_{language_key(display.get('language'))}"
    vocab = view.vocab
    thesauri = {"topics": vocab.topics, "type": vocab.types}

    def labels(key: str, value: str) -> list[str]:
        return vocab.labels(thesauri[key], value) if key in thesauri else [value]

    found = reasons(display, view.searcher.schema, terms.words, terms.phrases,
                    terms.treaties, title_field, labels)
    year, language = str(stored.get("date", ""))[:4], str(display.get("language", "")).lower()
    if year and year in terms.words.get("year", ()):
        found.append(f"year: {year}")
    if language and language in terms.words.get("language", ()):
        found.append(f"language: {language}")
    return found


def run_search(view: View, q: str, filters: Mapping[str, list[str]], sort: str, page: int,
               page_size: int, date_from: str | None, date_to: str | None,
               time_budget: float | None = None, lang: str | None = None) -> SearchResults:
    """One page of results (see :meth:`search.SearchIndex.search`), computed within
    ``time_budget`` seconds (or :class:`search.budget.SearchTooLong`)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    page, page_size = max(1, page), max(1, min(page_size, MAX_PAGE_SIZE))
    clean = {name: sorted({view.vocab.canonical(name, v) for v in values if v})
             for name, values in filters.items() if name in FACETS and values}
    lang = lang if lang in QUERY_LANGUAGES else None
    key = (q, tuple(sorted((k, tuple(v)) for k, v in clean.items())), sort, page, page_size,
           date_from, date_to, lang)
    kept = view.results.get(key)
    if kept is None:
        try:
            with budget.budget(time_budget):
                kept = _search(view, q, clean, sort, page, page_size, date_from, date_to, lang)
        finally:
            segment_files.release()
        view.results.put(key, kept)
    return replace(kept, results=[replace(hit) for hit in kept.results],
                   query={**kept.query, "filters": dict(kept.query["filters"])})


def _search(view: View, q: str, clean: dict[str, list[str]], sort: str, page: int,
            page_size: int, date_from: str | None, date_to: str | None,
            lang: str | None = None) -> SearchResults:
    parsed = parse(view.parser_for(lang), q)
    facets = view.facets
    filter_bits = facets.filter_bits(clean)
    low, high = date_bounds(date_from, date_to)
    dates = facets.date_bits(low, high)
    allowed = dates
    for bits in filter_bits.values():
        allowed = bits if allowed is None else allowed & bits
    wanted = page * page_size
    text = q.strip()
    scores = None
    if parsed.query is None:
        matched = facets.live
        sort = "-date" if sort == "relevance" else sort
    elif sort == "relevance":
        scores = all_scores(view.searcher, parsed.query, facets.lengths)
        matched = view.matches.get(text)
        if matched is None:
            matched = bitsets.from_ids(scores, facets.size)
            view.matches.put(text, matched)
    else:
        matched = view.matching(text, parsed.query)
    final = matched if allowed is None else matched & allowed
    if not final:
        ranked: list[tuple[int, float | None]] = []
    elif scores is not None:
        flags = None if allowed is None else bitsets.flags_of(final, facets.size)
        ranked = list(best(scores, wanted, flags))
    else:
        ranked = [(d, None) for d in facets.by_date(final, wanted, sort == "-date")]
    key = (text, tuple(sorted((k, tuple(v)) for k, v in clean.items())), low, high)
    counts = view.counts.get(key)
    if counts is None:
        counts = facets.counts(matched if dates is None else matched & dates, filter_bits)
        view.counts.put(key, counts)
    terms = _query_terms(parsed.query, view) if parsed.query else QueryTerms()
    hits = []
    for docnum, score in ranked[(page - 1) * page_size:wanted]:
        budget.check()
        stored = view.searcher.stored_fields(docnum)
        hit = _hit(view, docnum, score, stored)
        hit.snippet = _snippet(view, stored, terms)
        if parsed.query is not None and "<mark>" not in hit.snippet:
            hit.matched = _reasons(view, stored, terms)
        hits.append(hit)
    total = final.bit_count()
    suggestion = suggest(q, view.searcher.reader()) if q.strip() and total < 5 else None
    return SearchResults(
        total=total, results=hits, facets=counts, page=page,
        pages=max(1, math.ceil(total / page_size)), suggestion=suggestion,
        notice=parsed.notice,
        query={"q": q, "filters": clean, "from": date_from, "to": date_to, "sort": sort,
               "page": page, "page_size": page_size})


def collection_counts(view: View) -> dict[str, list[dict[str, object]]]:
    """Every value of every facet over the whole collection, none left out (the browse
    lists and the home page's figures: a search page lists the most frequent only)."""
    key = ("\0collection",)
    counts = view.counts.get(key)
    if counts is None:
        counts = view.facets.counts(view.facets.live, {}, limit=None)
        view.counts.put(key, counts)
    return counts


def more_like(view: View, docnum: int, limit: int) -> list[Hit]:
    """Statements most like ``docnum``: its key words (Bo1), treaties and topics.

    Kept per view (a view lives until the index changes): re-analysing a long text for
    its key terms is most of the cost of a record page.
    """
    key = (docnum, limit)
    hits = view.similar.get(key)
    if hits is None:
        try:
            hits = _more_like(view, docnum, limit)
        finally:
            segment_files.release()
        view.similar.put(key, hits)
    return [replace(hit) for hit in hits]


def similar_query(view: View, docnum: int) -> wq.Query | None:
    """What "more like this" searches for: the key words (Bo1) of the statement's text,
    its treaties and topics."""
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
    return wq.Or(queries) if queries else None


def _more_like(view: View, docnum: int, limit: int) -> list[Hit]:
    q = similar_query(view, docnum)
    if q is None:
        return []
    scores = all_scores(view.searcher, q, view.facets.lengths)
    scores.pop(docnum, None)
    return [_hit(view, other, score) for other, score in best(scores, limit)]
