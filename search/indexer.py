"""The search index of one archive: a Whoosh index that follows the store's change log.

It records the last change-log sequence it applied (``search.json`` beside the segments,
written only after a commit), so it catches up after any crash between a store write and
an index write. Every index write goes through :meth:`SearchIndex._writer`, one at a time.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import IndexWriter

from archive import Archive, ArchiveError, NotFound
from archive.followers import Follower
from search import budget, engine
from search.background import INLINE, BackgroundCatchUp
from search.documents import Vocabulary, record_document
from search.engine.writer import open_writer
from search.results import Hit, SearchResults
from search.schema import build_schema
from search.searching import View, collection_counts, more_like, run_search

#: Bump when the schema or the analysis changes: an index of another version is rebuilt.
#: 3: the display keeps type, events and places; 4: Arabic, Chinese and Russian fields,
#: titles by their language; 5: date_sort (EDTF) as well
SCHEMA_VERSION = 5
STATE_FILE = "search.json"
#: A catch-up of this many records or more uses the index's ``procs`` and ``limitmb``
#: (see :func:`search.engine.writer.open_writer`); a smaller one, one process.
LARGE_CATCH_UP = 500
#: Records read from the store together while indexing.
READ_BATCH = 200
Progress = Callable[[int, int], None]


class IndexLocked(ArchiveError):
    """Another process is writing the search index."""

    status = 503
    exit_code = 6


class IndexFollower(Follower):
    """The index as the first follower of the change log (its position is kept beside
    the segments, so it resumes from there after a failure or a restart)."""

    name = "index"

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    @property
    def sequence(self) -> int:  # type: ignore[override]
        return self.index.sequence

    def follow(self, sequence: int) -> None:
        self.index._after_write()

    def keep_up(self, sequence: int) -> None:
        self.index.keep_up()


class SearchIndex:
    """Full-text search over an archive, kept in step with its change log."""

    def __init__(self, path: Path, archive: Archive, *, follow: bool = True,
                 catch_up_at_start: bool = True, procs: int = 1, multisegment: bool = False,
                 limitmb: int = 256, large_catch_up: int = LARGE_CATCH_UP) -> None:
        engine.install()  # checks the Whoosh version, then reads and matches the fast way
        self.path = Path(path)
        self.archive = archive
        self.vocab = Vocabulary.of(archive)
        self.options = {"procs": procs, "multisegment": multisegment, "limitmb": limitmb}
        self.large_catch_up = large_catch_up
        #: Seconds one search may take (None: unbounded); see :mod:`search.budget`.
        self.time_budget: float | None = budget.DEFAULT_SECONDS
        self._write_lock = threading.RLock()
        self._read_lock = threading.RLock()
        self._view: View | None = None
        self.background = BackgroundCatchUp(self)
        state = self._read_state()
        if not whoosh_index.exists_in(self.path) or state.get("schema") != SCHEMA_VERSION:
            self._create(self.path)
            state = {"sequence": 0}
        self.ix = whoosh_index.open_dir(str(self.path))
        self.sequence = int(state.get("sequence", 0))
        if catch_up_at_start:
            self.catch_up()
        self.follower = archive.followers.add(IndexFollower(self)) if follow else None

    def _after_write(self) -> None:
        """After a write in this process: apply it now, unless the background thread will."""
        if not self.background.absorb():
            self.catch_up()

    def keep_up(self, inline: int = INLINE) -> None:
        """Bring the index up to the store: at once when it is at most ``inline`` changes
        behind, else in the background (searches meanwhile use the index as it stands)."""
        if self.background.running:
            return
        behind = self.archive.last_sequence() - self.sequence
        if 0 < behind <= inline:
            self.catch_up()
        elif behind:  # far behind, or ahead of a store restored from an older backup
            self.background.start()

    # State beside the segments --------------------------------------------------------

    def _read_state(self, path: Path | None = None) -> dict[str, Any]:
        try:
            return json.loads(((path or self.path) / STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}

    def _write_state(self, sequence: int, path: Path | None = None) -> None:
        target = (path or self.path) / STATE_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps({"sequence": sequence, "schema": SCHEMA_VERSION}))
        os.replace(temporary, target)

    def _create(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(path), build_schema())
        self._write_state(0, path)

    # Writing ---------------------------------------------------------------------------

    @contextmanager
    def _writer(self, ix: whoosh_index.Index | None = None, **options: Any
                ) -> Iterator[IndexWriter]:
        """The one index writer: committed on success, cancelled on any error."""
        with self._write_lock:
            try:
                writer = open_writer(ix or self.ix, **options)
            except LockError:
                raise IndexLocked(f"the search index in {self.path} is being written by "
                                  "another process; try again when it has finished") from None
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    @contextmanager
    def _live_lock(self) -> Iterator[None]:
        """Hold the live index's write lock (as a writer would) while it is replaced."""
        lock = self.ix.lock("WRITELOCK")
        if not lock.acquire(False):
            raise IndexLocked(f"the search index in {self.path} is being written by another "
                              "process; try again when it has finished")
        try:
            yield
        finally:
            lock.release()

    def _apply(self, writer: IndexWriter, record_ids: list[str],
               progress: Progress | None = None) -> None:
        """Bring these records' documents in line with the store (index, replace or
        remove), reading :data:`READ_BATCH` records in a few queries, not one by one."""
        for start in range(0, len(record_ids), READ_BATCH):
            batch = record_ids[start:start + READ_BATCH]
            states = self.archive.states(batch)
            records = self.archive.records(
                [i for i in batch if i in states and not states[i].deleted])
            for done, record_id in enumerate(batch, start=start + 1):
                record = records.get(record_id)
                if record is None:  # deleted, unknown, or deleted since the states were read
                    writer.delete_by_term("id", record_id)
                else:
                    uri = str(self.archive.uris.statement(record_id))
                    writer.update_document(**record_document(record, states[record_id].version,
                                                             uri, self.vocab))
                if progress:
                    progress(done, len(record_ids))

    def catch_up(self, progress: Progress | None = None, limit: int | None = None) -> int:
        """Apply every change after the last one applied (at most ``limit`` of them, in one
        commit); the number of changes applied.

        Cheap when nothing changed (one comparison). If another process holds the index
        writer, nothing is applied now: the changes stay in the log for the next call.
        ``progress(done, total)`` is told of each record indexed.
        """
        with self._write_lock:
            last = self.archive.last_sequence()
            if last == self.sequence:
                return 0
            if last < self.sequence:  # the store is older than the index (restored backup)
                self.reindex()
                return last
            behind = last - self.sequence  # read no further than the log was a moment ago
            changes = self.archive.changes(after=self.sequence,
                                           limit=behind if limit is None else min(limit, behind))
            if not changes:
                return 0
            latest = list(dict.fromkeys(change.record_id for change in changes))
            options = self.options if len(latest) >= self.large_catch_up else {}
            try:
                with self._writer(**options) as writer:
                    self._apply(writer, latest, progress)
            except IndexLocked:
                return 0
            self._write_state(changes[-1].sequence)
            self._refresh()
            # Published only now: whoever sees the new position also sees its searcher.
            self.sequence = changes[-1].sequence
        return len(changes)

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the index from the store beside the live one, then swap them in.

        Searches keep working on the old index meanwhile; changes made during the
        rebuild are applied from the log afterwards. Returns the number of records.
        """
        with self._write_lock, self._live_lock():
            sequence = self.archive.last_sequence()
            ids = list(self.archive.record_ids())
            fresh = self.path.with_name(self.path.name + ".rebuild")
            shutil.rmtree(fresh, ignore_errors=True)
            self._create(fresh)
            ix = whoosh_index.open_dir(str(fresh))
            options = dict(self.options)
            if options["procs"] <= 1:
                options.pop("multisegment")
            with self._writer(ix, **options) as writer:
                self._apply(writer, ids, progress)
            ix.close()
            self._write_state(sequence, fresh)
            self._swap(fresh)
            self.sequence = sequence
        self.catch_up()
        return len(ids)

    def _swap(self, fresh: Path) -> None:
        with self._read_lock:
            if self._view is not None:
                self._view.searcher.close()
                self._view = None
            self.ix.close()
            old = self.path.with_name(self.path.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(fresh, self.path)
            shutil.rmtree(old, ignore_errors=True)
            self.ix = whoosh_index.open_dir(str(self.path))

    # Consistency -----------------------------------------------------------------------

    def indexed_versions(self) -> dict[str, list[int]]:
        """Every id in the index with the version(s) indexed (read from columns)."""
        found: dict[str, list[int]] = {}
        with self.ix.searcher() as searcher:
            reader = searcher.reader()
            ids, versions = reader.column_reader("id"), reader.column_reader("version")
            for docnum in reader.all_doc_ids():
                found.setdefault(ids[docnum], []).append(int(versions[docnum]))
        return found

    def check(self) -> list[str]:
        """Every difference between store and index (ids and versions), in plain words."""
        problems = []
        indexed = self.indexed_versions()
        current = {}
        for record_id in self.archive.record_ids():
            state = self.archive.state(record_id)
            if state is not None and not state.deleted:
                current[record_id] = state.version
        for record_id, version in sorted(current.items()):
            if record_id not in indexed:
                problems.append(f"statement '{record_id}' (version {version}) is in the "
                                "store but missing from the search index")
            elif indexed[record_id] != [version]:
                have = ", ".join(str(v) for v in indexed[record_id])
                problems.append(f"statement '{record_id}' is at version {version} in the "
                                f"store but the search index has version {have} (stale)")
        for record_id in sorted(set(indexed) - set(current)):
            state = self.archive.state(record_id)
            where = ("was deleted from the store" if state and state.deleted
                     else "is not in the store")
            problems.append(f"statement '{record_id}' {where} but is still in the search "
                            "index")
        last = self.archive.last_sequence()
        if last != self.sequence:
            problems.append(f"the search index has applied the change log up to change "
                            f"{self.sequence}, the store's log ends at change {last}")
        return problems

    # Reading ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        with self._read_lock:
            if self._view is None:
                return
            # Not Searcher.refresh(): it reuses a segment's reader even when documents of
            # that segment were deleted since, and would still find them.
            old = self._view
            self._view = View(self.ix.searcher(), self.vocab, old._facets)
            old.searcher.close()

    def view(self) -> View:
        """The long-lived searcher and its caches (opened on first use)."""
        with self._read_lock:
            if self._view is None:
                self._view = View(self.ix.searcher(), self.vocab)
            return self._view

    def search(self, q: str = "", filters: Mapping[str, list[str]] | None = None,
               sort: str = "relevance", page: int = 1, page_size: int = 20,
               date_from: str | None = None, date_to: str | None = None,
               lang: str | None = None) -> SearchResults:
        """One page of results for ``q`` (query syntax in docs/search.md).

        ``lang`` names the query's language (one of the six UN languages): the fields of
        statements in that language weigh more, every language is still searched.

        ``filters`` maps facet names to values (AND across facets, OR within one);
        ``date_from``/``date_to`` are dates as written, at any precision. Raises
        :class:`archive.dates.DateError` for an unreadable date and ValueError for an
        unknown sort; malformed query syntax never raises (see ``notice``), but a query
        past the bounds on wildcards raises :class:`search.query.QueryRefused`, and one
        that outlasts :attr:`time_budget` :class:`search.budget.SearchTooLong`.
        """
        with self._read_lock:
            return run_search(self.view(), q, filters or {}, sort, page, page_size,
                              date_from, date_to, self.time_budget, lang)

    def facet_counts(self) -> dict[str, list[dict[str, Any]]]:
        """Every value of each facet in the collection with its number of statements
        (uncapped, unlike a search's facets)."""
        with self._read_lock:
            return collection_counts(self.view())

    def more_like_this(self, record_id: str, limit: int = 5) -> list[Hit]:
        """Statements most like ``record_id`` (NotFound if it is not indexed)."""
        with self._read_lock:
            view = self.view()
            docnum = view.searcher.document_number(id=record_id)
            if docnum is None:
                raise NotFound(f"there is no statement '{record_id}' in the search index")
            return more_like(view, docnum, limit)

    def doc_count(self) -> int:
        with self._read_lock:
            return self.view().searcher.doc_count()

    def close(self) -> None:
        if self.follower is not None and self.follower in self.archive.followers:
            self.archive.followers.remove(self.follower)
            self.follower = None
        with self._read_lock:
            if self._view is not None:
                self._view.searcher.close()
                self._view = None
            self.ix.close()
