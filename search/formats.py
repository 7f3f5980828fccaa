"""Posting formats that index a long text in one pass instead of one generator per token.

Whoosh's :class:`~whoosh.formats.Positions` and :class:`~whoosh.formats.Frequency` pull
every token through the analyzer's generator chain; with an
:class:`~search.analysis.IndexingAnalyzer` these ask it for the terms directly. The
postings written (terms, frequencies, weights, positions, field lengths) are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import fields, formats
from whoosh.system import pack_uint

from search.analysis import IndexingAnalyzer

Posting = tuple[str, int, float, bytes]


def _fast(value: Any, analyzer: Any, kwargs: dict[str, Any]) -> bool:
    return (isinstance(value, str) and isinstance(analyzer, IndexingAnalyzer)
            and kwargs.get("mode") == "index" and not kwargs.get("start_pos"))


class FastPositions(formats.Positions):
    """Positions, indexed through :meth:`IndexingAnalyzer.term_positions`."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Posting]:
        if not _fast(value, analyzer, kwargs):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for term, positions in analyzer.term_positions(value).items():
            yield term, len(positions), len(positions) * 1.0 * boost, self.encode(positions)


class FastFrequency(formats.Frequency):
    """Frequencies, indexed through :meth:`IndexingAnalyzer.term_positions`."""

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
