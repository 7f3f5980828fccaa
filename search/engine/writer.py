"""The index writer: Whoosh's segment writer, with postings pooled and flushed by term.

Whoosh keeps one tuple per posting in its pool, sorts and pickles them one by one, and at
flush walks them one by one (a field-length lookup, an ``add`` and its checks for each).
Here a document's postings go to a :class:`~search.engine.pool.TermPool` a field at a time, field
lengths are read once per column (:class:`LengthsOnce`), and
:func:`~search.engine.postings.write_terms` writes a block of postings at a time. The files
written are those of Whoosh's :class:`~whoosh.writing.SegmentWriter`, byte for byte with
``compress_from = 0`` (by default small blocks are left uncompressed, see
:data:`~search.engine.postings.COMPRESS_FROM`).
"""

from __future__ import annotations

import queue
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3FieldWriter, _lenfield
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import byte_to_length
from whoosh.writing import IndexingError, SegmentWriter

from search.engine.pool import TermPool
from search.engine.postings import COMPRESS_FROM, write_terms
from search.formats import fast_postings


class LengthsOnce:
    """A per-document reader whose ``doc_field_length`` reads each column once."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[str, list[int | None] | None] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def field_lengths(self, fieldname: str) -> list[int | None] | None:
        """Every document's length in ``fieldname`` (None: the field has no lengths)."""
        if fieldname not in self._lengths:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._lengths[fieldname] = None if column is None else [
                byte_to_length(b) if b else None for b in column]
        return self._lengths[fieldname]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if docnum > self._reader._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._reader._doccount}")
        lengths = self.field_lengths(fieldname)
        if lengths is None:
            return default
        return lengths[docnum] if docnum < len(lengths) else None


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter pooling postings by term and writing them a block at a time."""

    #: See :data:`search.engine.postings.COMPRESS_FROM` (0: Whoosh's bytes exactly).
    compress_from = COMPRESS_FROM

    def __init__(self, ix: Any, limitmb: int = 128, **options: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **options)
        self.pool = TermPool(self._tempstorage, limitmb=limitmb)

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``, with each field's postings pooled in one call."""
        if self._plain_documents():
            super().add_document(**fields)
            return
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    postings = fast_postings(field, value)
                    frequencies = self.pool.add_field(
                        fieldname, docnum, field.index(value) if postings is None else postings,
                        self._field_boost(fields, fieldname, docboost))
                    length = frequencies if field.scorable else 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type,
                                                  field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _plain_documents(self) -> bool:
        """Whether documents need Whoosh's own ``add_document`` (vectors, spelling words)."""
        return any(field.vector or field.separate_spelling() for _, field in self.schema.items())

    def per_document_reader(self) -> Any:
        return LengthsOnce(super().per_document_reader())

    def _by_blocks(self) -> bool:
        """Whether :func:`write_terms` can stand in for Whoosh's ``add_postings`` here."""
        return (type(self.fieldwriter) is W3FieldWriter and type(self.codec) is W3Codec
                and self.codec._inlinelimit <= 1
                and not any(field.separate_spelling() for _, field in self.schema.items()))

    def _flush_segment(self) -> None:
        if not self._by_blocks():
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        write_terms(self.fieldwriter, self.codec, self.schema, lengths, self.pool.iter_terms(),
                    self.compress_from)
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


class FastSubWriterTask(SubWriterTask):
    """Whoosh's indexing sub-process, writing its own segment with a FastSegmentWriter."""

    def run(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = FastSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


class FastMpWriter(MpWriter, FastSegmentWriter):
    """Whoosh's multi-process writer in its ``multisegment`` form (each sub-process adds
    one segment), with fast sub-writers and a term pool for the segments it merges.

    Unlike Whoosh's, a sub-process that fails makes the commit fail (Whoosh would commit
    without its documents), and cancelling stops the sub-processes.
    """

    def __init__(self, ix: Any, procs: int, limitmb: int = 128, **options: Any) -> None:
        options.pop("multisegment", None)
        MpWriter.__init__(self, ix, procs=procs, multisegment=True, limitmb=limitmb,
                          **options)
        self.pool = TermPool(self._tempstorage, limitmb=limitmb)

    def _new_task(self) -> FastSubWriterTask:
        task = FastSubWriterTask(self.storage, self.indexname, self.jobqueue,
                                 self.resultqueue, self.subargs, True)
        task.daemon = True
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        results = self._task_results()
        for task in self.tasks:
            task.join()
        if len(results) < len(self.tasks) or any(task.exitcode for task in self.tasks):
            raise IndexingError("an indexing sub-process failed; nothing was committed")
        segments += [segment for _, _, segment in results]
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def _task_results(self) -> list[tuple[Any, Any, Any]]:
        """What each sub-process sent back, waiting while any of them still runs."""
        results: list[tuple[Any, Any, Any]] = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=1))
            except queue.Empty:
                if not any(task.is_alive() for task in self.tasks):
                    break
        return results

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                if task.is_alive():
                    task.terminate()
                task.join()
        finally:
            SegmentWriter.cancel(self)


def open_writer(ix: Any, **options: Any) -> Any:
    """A writer for ``ix``: one process, or ``procs`` sub-processes each adding a segment
    (``multisegment``; else Whoosh's writer merging their postings in this process)."""
    procs = options.pop("procs", 1)
    multisegment = options.pop("multisegment", False)
    if procs > 1:
        if multisegment:
            return FastMpWriter(ix, procs=procs, **options)
        return ix.writer(procs=procs, **options)
    return FastSegmentWriter(ix, **options)
