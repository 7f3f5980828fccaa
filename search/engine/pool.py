"""A posting pool that groups postings by term instead of sorting every posting.

Whoosh's :class:`~whoosh.writing.PostingPool` keeps one tuple per posting, sorts them all
at commit and, past its memory limit, pickles them one by one into runs on disk and reads
them back one by one to merge them: for a batch of long texts that is a third of indexing.
:class:`TermPool` keeps each (field, term)'s postings in one flat list (documents arrive
in number order, so each list is already sorted), sorts only the terms, and writes runs
as marshalled chunks of terms. It yields the same postings in the same order (documents
out of order, as segment merges may add them, are sorted per term).
"""

from __future__ import annotations

import heapq
import marshal
from collections.abc import Iterable, Iterator
from contextlib import suppress
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.writing import random_name

Posting = tuple[str, bytes, int, float, Any]
#: One term's postings on disk: (field name, term bytes, [docnum, weight, value, ...]).
TermPostings = tuple[str, bytes, list[Any]]

#: Approximate bytes of memory per term (term bytes, dict slot, list) and per posting
#: (three list slots, an int, a float, a bytes header), for the memory limit.
TERM_BYTES = 240
POSTING_BYTES = 110
CHUNK_TERMS = 4096


def _by_document(postings: list[Any]) -> list[Any]:
    """Flat (docnum, weight, value) postings sorted as Whoosh sorts posting tuples."""
    triples = sorted(zip(postings[::3], postings[1::3], postings[2::3], strict=True))
    return [part for triple in triples for part in triple]


class TermPool:
    """Postings grouped by (field, term), spilled to sorted runs past ``limitmb``."""

    def __init__(self, tempstore: Any, limitmb: int = 128) -> None:
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        #: field name → term bytes → [docnum, weight, value, docnum, weight, value, ...]
        self.fields: dict[str, dict[bytes, list[Any]]] = {}
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()
        self._last_docnum = -1
        self._in_order = True

    def _terms_of(self, fieldname: str) -> dict[bytes, list[Any]]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: Posting) -> None:
        """Add one (field name, term bytes, docnum, weight, value) posting."""
        fieldname, tbytes, docnum, weight, value = item
        if docnum < self._last_docnum:
            self._in_order = False
        self._last_docnum = docnum
        terms = self._terms_of(fieldname)
        found = terms.get(tbytes)
        if found is None:
            terms[tbytes] = [docnum, weight, value]
            self.size += TERM_BYTES + len(tbytes)
        else:
            found += (docnum, weight, value)
        self.size += POSTING_BYTES + (len(value) if value else 0)
        if self.size > self.limit:
            self.save()

    def add_field(self, fieldname: str, docnum: int,
                  postings: Iterable[tuple[bytes, int, float, Any]], boost: float = 1.0) -> int:
        """Add one document's (term bytes, frequency, weight, value) postings in one field,
        each weight times ``boost``; return the sum of their frequencies."""
        if docnum < self._last_docnum:
            self._in_order = False
        self._last_docnum = docnum
        terms = self._terms_of(fieldname)
        length, size = 0, 0
        for tbytes, freq, weight, value in postings:
            length += freq
            found = terms.get(tbytes)
            if found is None:
                terms[tbytes] = [docnum, weight * boost, value]
                size += TERM_BYTES + len(tbytes)
            else:
                found += (docnum, weight * boost, value)
            size += POSTING_BYTES + (len(value) if value else 0)
        self.size += size
        if self.size > self.limit:
            self.save()
        return length

    def _sorted_terms(self) -> Iterator[TermPostings]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                postings = terms[tbytes]
                if not self._in_order and len(postings) > 3:
                    postings = _by_document(postings)
                yield fieldname, tbytes, postings

    def save(self) -> None:
        """Write the terms in memory to a new run on disk and forget them."""
        if not self.fields:
            return
        path = f"{random_name()}.run"
        items = list(self._sorted_terms())
        with self.tempstore.create_file(path).raw_file() as run:
            for start in range(0, len(items), CHUNK_TERMS):
                marshal.dump(items[start:start + CHUNK_TERMS], run)
        self.runs.append(path)
        self.fields, self.size = {}, 0

    def _read_run(self, path: str) -> Iterator[TermPostings]:
        with self.tempstore.open_file(path).raw_file() as run:
            while True:
                try:
                    chunk = marshal.load(run)
                except EOFError:
                    break
                yield from chunk
        self.tempstore.delete_file(path)

    def iter_terms(self) -> Iterator[TermPostings]:
        """Every term with its postings, in (field name, term bytes) order."""
        if not self.runs:
            yield from self._sorted_terms()
            return
        self.save()
        runs, self.runs = self.runs, []
        merged = heapq.merge(*(self._read_run(path) for path in runs), key=itemgetter(0, 1))
        for key, group in groupby(merged, key=itemgetter(0, 1)):
            parts = [postings for _, _, postings in group]
            postings = parts[0] if len(parts) == 1 else [p for part in parts for p in part]
            if not self._in_order and len(parts) > 1:
                postings = _by_document(postings)
            yield key[0], key[1], postings

    def iter_postings(self) -> Iterator[Posting]:
        """Every posting, in the order Whoosh's pool would give them."""
        for fieldname, tbytes, postings in self.iter_terms():
            for i in range(0, len(postings), 3):
                yield fieldname, tbytes, postings[i], postings[i + 1], postings[i + 2]

    def cleanup(self) -> None:
        for path in self.runs:
            with suppress(OSError):
                self.tempstore.delete_file(path)
        self.runs = []
