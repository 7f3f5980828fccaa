"""Posting formats that index a long text in one pass instead of one generator per token.

Whoosh's :class:`~whoosh.formats.Positions` and :class:`~whoosh.formats.Frequency` pull
every token through the analyzer's generator chain; with an
:class:`~search.analysis.IndexingAnalyzer` these ask it for the terms directly, and
:func:`fast_postings` gives the statement writer (:mod:`search.engine.writer`) a field's postings
as one list. The postings written (terms, frequencies, weights, positions, field lengths)
are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import sub
from typing import Any

from whoosh import fields, formats
from whoosh.compat import dumps
from whoosh.system import pack_uint

from search.analysis import IndexingAnalyzer

Posting = tuple[str, int, float, bytes]
#: What :meth:`whoosh.fields.FieldType.index` yields: (term bytes, frequency, weight, value).
IndexPosting = tuple[bytes, int, float, bytes]


def _fast(value: Any, analyzer: Any, kwargs: dict[str, Any]) -> bool:
    return (isinstance(value, str) and isinstance(analyzer, IndexingAnalyzer)
            and kwargs.get("mode") == "index" and not kwargs.get("start_pos"))


def fast_postings(field: fields.FieldType, value: Any) -> list[IndexPosting] | None:
    """``field.index(value)`` as a list, built in one pass; None where there is no fast path."""
    format_ = field.format
    if isinstance(format_, FastPositions | FastFrequency) and isinstance(value, str) \
            and isinstance(field.analyzer, IndexingAnalyzer):
        return format_.postings(value, field.analyzer)
    return None


class FastPositions(formats.Positions):
    """Positions, indexed through :meth:`IndexingAnalyzer.term_positions`."""

    def encode(self, poslist: list[int]) -> bytes:
        """Whoosh's encoding of positions (their deltas, pickled), the deltas taken in C."""
        deltas = list(map(sub, poslist, [0, *poslist])) if len(poslist) > 1 else poslist
        return pack_uint(len(deltas)) + dumps(deltas, 2)

    def postings(self, value: str, analyzer: IndexingAnalyzer) -> list[IndexPosting]:
        boost, encode = self.field_boost, self.encode
        return [(term.encode("utf-8"), len(positions), len(positions) * 1.0 * boost,
                 encode(positions)) for term, positions in analyzer.term_positions(value).items()]

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Posting]:
        if not _fast(value, analyzer, kwargs):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for term, positions in analyzer.term_positions(value).items():
            yield term, len(positions), len(positions) * 1.0 * boost, self.encode(positions)


class FastFrequency(formats.Frequency):
    """Frequencies, indexed through :meth:`IndexingAnalyzer.term_positions` (or
    :meth:`~IndexingAnalyzer.term_counts`)."""

    def postings(self, value: str, analyzer: IndexingAnalyzer) -> list[IndexPosting]:
        boost = self.field_boost
        return [(term.encode("utf-8"), count, count * 1.0 * boost, pack_uint(count))
                for term, count in analyzer.term_counts(value).items()]

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Posting]:
        if not _fast(value, analyzer, kwargs):
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return ((term, len(positions), len(positions) * 1.0 * boost, pack_uint(len(positions)))
                for term, positions in analyzer.term_positions(value).items())


def text_field(analyzer: IndexingAnalyzer, phrase: bool = True, field_boost: float = 1.0
               ) -> fields.TEXT:
    """A TEXT field whose postings are built by the fast formats above."""
    field = fields.TEXT(analyzer=analyzer, phrase=phrase, field_boost=field_boost)
    kind = FastPositions if phrase else FastFrequency
    field.format = kind(field_boost=field_boost)
    return field
