"""The index writer: Whoosh's segment writer, reading the new segment's field lengths once.

When a segment is flushed, Whoosh asks for the field length of a posting's document once
per posting, each a seek and read in the lengths column; on long texts that is a sixth of
indexing. :class:`LengthsOnce` reads each column once into a list and answers the same.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter


class LengthsOnce:
    """A per-document reader whose ``doc_field_length`` reads each column once."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[str, list[int | None] | None] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def _column(self, fieldname: str) -> list[int | None] | None:
        if fieldname not in self._lengths:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._lengths[fieldname] = None if column is None else [
                byte_to_length(b) if b else None for b in column]
        return self._lengths[fieldname]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if docnum > self._reader._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._reader._doccount}")
        lengths = self._column(fieldname)
        if lengths is None:
            return default
        return lengths[docnum] if docnum < len(lengths) else None


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter whose flush reads field lengths through :class:`LengthsOnce`."""

    def per_document_reader(self) -> Any:
        return LengthsOnce(super().per_document_reader())


def open_writer(ix: Any, **options: Any) -> Any:
    """A writer for ``ix``: the fast one for a single process, Whoosh's for ``procs`` > 1."""
    if options.get("procs", 1) > 1:
        return ix.writer(**options)
    options.pop("procs", None)
    options.pop("multisegment", None)
    return FastSegmentWriter(ix, **options)
