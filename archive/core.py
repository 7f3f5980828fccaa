"""The archive object: a data folder holding the store, with the vocabulary and the mapper.

It owns no HTTP and no search index; its followers (the index, the caches) are added to
``Archive.followers`` (:mod:`archive.followers`) and hear of every write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS
from rdflib.term import Node

from archive import changelog, history, writes
from archive.errors import ArchiveError
from archive.followers import Followers
from archive.history import RecordState
from archive.mapping import Mapper
from archive.reads import Reads
from archive.record import Record, slugify
from archive.resources import ResourceIndex
from archive.settings import DEFAULT_BASE, settings
from archive.store import open_store, quads_of
from archive.uris import Uris
from vocab import MODEL_FILES, SCHEME_FILES, load_vocabulary
from vocab.thesaurus import Thesaurus

SETTINGS_FILE = "archive.json"


def same_triples(stored: list[tuple[Node, Node, Node]], graph: Graph) -> bool:
    """Whether ``stored`` holds exactly ``graph``'s triples: as sets, or, where an engine
    renamed the blank nodes, up to their names."""
    if len(stored) != len(graph):
        return False
    if set(stored) == set(graph):
        return True
    copy = Graph()
    for triple in stored:
        copy.add(triple)
    return isomorphic(copy, graph)


class Archive:
    """One archive: its data folder (or memory), store, vocabulary and URIs."""

    def __init__(self, data_dir: Path | None, base: str | None = None, *,
                 read_only: bool = False, store: str | Path | None = None) -> None:
        self.data_dir = data_dir
        self.base = self._settle_base(data_dir, base, read_only)
        self.uris = Uris(self.base)
        self.store = open_store(store or settings().store
                                or (data_dir / "store" if data_dir else None),
                                prefix=self.base, read_only=read_only)
        self.vocabulary = load_vocabulary(self.base)
        self.shapes = self.vocabulary[self.uris.scheme("shapes")]
        self.thesauri = {path.split("/", 1)[1]: Thesaurus(self.vocabulary[URIRef(self.base + path)],
                                                          URIRef(self.base + path))
                         for path in SCHEME_FILES.values()}
        self.concept_memberships = Graph()
        for thesaurus in self.thesauri.values():
            for concept in thesaurus:
                self.concept_memberships.add((concept.uri, RDF.type, SKOS.Concept))
                self.concept_memberships.add((concept.uri, SKOS.inScheme, thesaurus.scheme))
        self.resources = ResourceIndex(self.store, self.uris)
        #: The archive's own reads: every record (views ask ``web.services.get_reads()``).
        self.read = Reads(self)
        self.mapper = Mapper(self.uris, self.thesauri, self.resources, self.store.graph,
                             self.known)
        #: What follows the change log, in the order it runs (see :mod:`archive.followers`).
        self.followers = Followers()
        self._last_sequence: int | None = None
        if not read_only:
            self.sync_vocabulary()

    @staticmethod
    def _settle_base(data_dir: Path | None, base: str | None, read_only: bool) -> str:
        """The base URI: the one the archive was created with; a different one is refused."""
        if base is not None and not base.endswith("/"):
            base += "/"
        settings_path = data_dir / SETTINGS_FILE if data_dir else None
        if settings_path is None:
            return base or DEFAULT_BASE
        if settings_path.exists():
            stored = json.loads(settings_path.read_text())["base_uri"]
            if base is not None and base != stored:
                raise ArchiveError(
                    f"the archive in {data_dir} mints URIs under {stored}, not {base}; unset "
                    f"RIGHTS_ARCHIVE_BASE_URI or set it to {stored} (moving an archive to a "
                    "new base means exporting and importing it)")
            return stored
        chosen = base or DEFAULT_BASE
        if not read_only:
            data_dir.mkdir(parents=True, exist_ok=True)
            settings_path.write_text(json.dumps({"base_uri": chosen}, indent=2) + "\n")
        return chosen

    # Vocabulary ------------------------------------------------------------------------

    def sync_vocabulary(self) -> None:
        """Store the vocabulary graphs, replacing any whose content changed."""
        stale = [name for name, graph in self.vocabulary.items()
                 if not same_triples(list(self.store.triples(name)), graph)]
        if stale:
            add = [q for name in stale for q in quads_of(self.vocabulary[name], name)]
            self.store.apply(add, drop=stale)

    def import_thesaurus(self, graph: Graph, name: str) -> URIRef:
        """Store an external SKOS thesaurus (see ``vocab.skos_import``) as the graph
        ``{base}vocab/imported/{name}``, replacing an earlier import of the same name."""
        target = URIRef(f"{self.base}vocab/imported/{slugify(name)}")
        self.store.apply(quads_of(graph, target), drop=[target])
        return target

    def imported_thesauri(self) -> list[URIRef]:
        """Graphs of the external thesauri imported so far."""
        prefix = f"{self.base}vocab/imported/"
        return sorted(g for g in self.store.named_graphs() if str(g).startswith(prefix))

    def vocabulary_graphs(self) -> list[URIRef]:
        """Names of the stored vocabulary graphs."""
        return [URIRef(self.base + path) for path in (*MODEL_FILES.values(),
                                                      *SCHEME_FILES.values())]

    # Reading: the archive's own reads (every record); see archive.reads ------------------

    def known(self, record_id: str) -> bool:
        """Whether ``record_id`` was ever used (current or deleted)."""
        return self.read.known(record_id)

    def state(self, record_id: str) -> RecordState | None:
        """The current version and the kind of its last change, or None for an unknown id."""
        return self.read.state(record_id)

    def states(self, record_ids: Iterable[str]) -> dict[str, RecordState]:
        """:meth:`state` of many records in a few queries (an unknown id is absent)."""
        return self.read.states(record_ids)

    def record_graph(self, record_id: str) -> Graph:
        """The statement's graph plus the descriptions of the resources it names."""
        return self.read.record_graph(record_id)

    def add_resources(self, graph: Graph) -> Graph:
        """Add to ``graph`` the stored descriptions of the issuers, events and places it names."""
        return self.read.add_resources(graph)

    def record(self, record_id: str) -> Record:
        """The current version of a record (NotFound, or Gone if deleted)."""
        return self.read.record(record_id)

    def records(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The current version of each record that has one, read in a few queries."""
        return self.read.records(record_ids)

    def record_ids(self) -> Iterator[str]:
        """Ids of every current (not deleted) statement, in id order."""
        return self.read.record_ids()

    def history(self, record_id: str) -> list[history.Version]:
        """Every version of a record, oldest first (NotFound for an unknown id)."""
        return self.read.history(record_id)

    def version_record(self, record_id: str, number: int) -> Record:
        """The record as it was at version ``number``."""
        return self.read.version_record(record_id, number)

    def thesaurus_graph(self, name: URIRef) -> Graph:
        """An imported thesaurus (one of :meth:`imported_thesauri`) as stored."""
        return self.store.graph(name)

    @property
    def remote(self) -> bool:
        """Whether the store is a remote SPARQL engine (other processes may write to it)."""
        return bool(self.store.shared)

    # Change log ------------------------------------------------------------------------

    def last_sequence(self) -> int:
        """The newest change-log sequence number."""
        if self._last_sequence is None or self.store.read_only or self.store.shared:
            self._last_sequence = changelog.last_sequence(self.store, self.uris)
        return self._last_sequence

    def advance(self, sequence: int) -> None:
        """Record that the log now ends at ``sequence`` (called by the write path only)."""
        self._last_sequence = sequence

    def changes(self, after: int = 0, limit: int | None = None) -> list[changelog.Change]:
        """Change-log entries after ``after``, oldest first."""
        return changelog.read_changes(self.store, self.uris, after, limit)

    def scan_changes(self, after: int, last: int) -> Iterator[tuple[int, str, str, str, int, str]]:
        """Entries ``after < sequence <= last`` in one query (see
        :func:`archive.changelog.scan_changes`): for readers of the whole log."""
        return changelog.scan_changes(self.store, self.uris, after, last)

    def notify(self) -> None:
        """Tell every follower that a write was stored; none can undo or fail the write."""
        written = self._last_sequence  # set by the write (no round trip to a remote store)
        self.followers.notify(written if written is not None else self.last_sequence())

    # Writing: the one write path ---------------------------------------------------------

    def save(self, payloads: Sequence[writes.Payload | dict[str, Any]], *, agent: str,
             **options: Any) -> list[writes.Saved]:
        """Validate and store records (see :func:`archive.writes.save_records`)."""
        return writes.save_records(self, payloads, agent=agent, **options)

    def delete(self, record_id: str, *, agent: str, expected_version: int | None = None,
               note: str | None = None) -> writes.Saved:
        return writes.delete_record(self, record_id, agent=agent,
                                    expected_version=expected_version, note=note)

    def restore(self, record_id: str, version: int, *, agent: str, note: str | None = None,
                expected_version: int | None = None) -> writes.Saved:
        return writes.restore_record(self, record_id, version, agent=agent, note=note,
                                     expected_version=expected_version)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
