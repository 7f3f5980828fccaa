"""The Whoosh schema: which fields exist, how each is analyzed, what is stored.

Full text is indexed once per record, in the fields of the record's language
(``title_en``, ``summary_ar``, ``text_zh`` …), so each language gets its own analysis;
queries are expanded over the languages present. Facets are exact values (one token per
value); their ``*_text`` twins are analyzed for ``issuer:amnesty``-style queries.
Stored: only what a result line needs, plus the text compressed for snippets.
"""

from __future__ import annotations

from whoosh import fields

from search import analysis
from search.analysis import LANGUAGES, text_analyzer, values_analyzer, words_analyzer
from search.formats import text_field

#: Facets in the order the contract lists them.
FACETS = ("issuer", "type", "treaty", "event", "topic", "language", "year")

TITLE_BOOST = 3.0
SUMMARY_BOOST = 1.5


def lang_fields(kind: str) -> list[str]:
    """``title`` → ``["title_en", "title_fr", "title_es", "title_xx"]``."""
    return [f"{kind}_{lang}" for lang in LANGUAGES]


def build_schema() -> fields.Schema:
    """A fresh schema (analyzers hold caches, so each index gets its own)."""
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        version=fields.NUMERIC(int, bits=32, stored=True, sortable=True),
        uri=fields.STORED(),
        display=fields.STORED(),   # {"title", "issuer", "date", "language"}
        body=fields.STORED(),      # zlib-compressed text (or summary) for snippets
        date=fields.ID(stored=True),   # ISO at its precision, or EDTF
        date_sort=fields.ID(sortable=True),   # ISO; an uncertain date's earliest day
        date_start=fields.NUMERIC(int, bits=32),   # yyyymmdd, for from/to
        date_end=fields.NUMERIC(int, bits=32),
        meta=text_field(text_analyzer("en"), phrase=True),
        words=text_field(words_analyzer(), phrase=False),
        treaty_mentions=fields.KEYWORD(analyzer=values_analyzer()),
        place_text=text_field(text_analyzer("en")),
    )
    for facet in FACETS:
        schema.add(facet, fields.KEYWORD(analyzer=values_analyzer()))
    for facet in ("issuer", "type", "treaty", "event", "topic"):
        schema.add(f"{facet}_text", text_field(text_analyzer("en")))
    for lang in LANGUAGES:
        analyzer = text_analyzer(lang)
        for kind, boost in (("title", TITLE_BOOST), ("summary", SUMMARY_BOOST), ("text", 1.0)):
            field = text_field(analyzer, field_boost=boost)
            if lang == "zh":  # a run of Han characters is a phrase of its pairs
                pairs = analysis.CHINESE_SEGMENTATION == "pairs"
                field.multitoken_query = "phrase" if pairs else "and"
            schema.add(f"{kind}_{lang}", field)
    return schema


#: Unfielded words search these (those with no terms in the index are skipped).
DEFAULT_FIELDS = (*lang_fields("title"), *lang_fields("summary"), *lang_fields("text"), "meta")

#: What a field prefix in a query searches: ``issuer:`` → ``issuer_text`` …
PREFIXES: dict[str, tuple[str, ...]] = {
    "title": tuple(lang_fields("title")),
    "text": (*lang_fields("text"), *lang_fields("summary")),
    "summary": tuple(lang_fields("summary")),
    "issuer": ("issuer_text",),
    "event": ("event_text",),
    "treaty": ("treaty_text",),
    "topic": ("topic_text",),
    "type": ("type_text",),
    "place": ("place_text",),
    "language": ("language",),
    "year": ("year",),
    "id": ("id",),
}
