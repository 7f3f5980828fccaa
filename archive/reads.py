"""The one read model: what the archive answers about its records and the things they name.

Every read of the archive's content made by a page, a harvest, a feed or the API goes
through a :class:`Reads`: a record (its graph, its contract form, its state), its versions,
the statements linking to a thing, a thing's own description, titles, many records in bulk,
the dataset's counts. Each has one implementation here; on a remote store the graphs of a
record come in one query per level of links (:mod:`archive.bulk_read`), not one per graph.

``Archive.read`` is the archive's own and sees every record. Visibility is decided here and
nowhere else: a Reads made for one viewer (who asks, given to the constructor) can filter
each of these methods, and views take theirs from ``web.services.get_reads()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import pyoxigraph as ox
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from archive import bulk_read, history, statistics
from archive.dates import DateError, from_literal
from archive.errors import Gone, NotFound
from archive.history import RecordState, Version
from archive.record import Record
from archive.uris import LINKS, RESOURCE_KINDS
from vocab import RA

if TYPE_CHECKING:
    from archive.core import Archive


@dataclass(frozen=True)
class Content:
    """A record as it is (or was, at one version): its graph with the resources it names,
    and its contract form."""

    graph: Graph
    record: Record


@dataclass
class Linked:
    """A current statement that links to a thing: its titles by language tag ("" for
    none), release date literal and issuers (URI → name)."""

    uri: URIRef
    id: str
    issued: Node
    titles: dict[str, str] = field(default_factory=dict)
    issuers: dict[URIRef, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The English title, else the first one stored."""
        return self.titles.get("en") or next(iter(self.titles.values()))

    def dating(self) -> tuple[list[int], str]:
        """The years the release date may fall in (for timelines) and its sort key (an
        uncertain date sorts by its earliest day)."""
        try:
            date = from_literal(self.issued)  # type: ignore[arg-type]
        except DateError:
            return [], str(self.issued)
        return date.years(), date.sort_key()


class Reads:
    """What one reader may read of an archive (today: everything)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.store = archive.store
        self.uris = archive.uris

    # Records -----------------------------------------------------------------------------

    def known(self, record_id: str) -> bool:
        """Whether ``record_id`` was ever used (current or deleted)."""
        return self.store.has_graph(self.uris.history(record_id))

    def state(self, record_id: str) -> RecordState | None:
        """The record's current version and the kind of its last change (None: unknown)."""
        if self.store.shared:  # one query, not two: each is a round trip
            return self.states([record_id]).get(record_id)
        return history.current_version(self.store, self.uris, record_id)

    def states(self, record_ids: Iterable[str]) -> dict[str, RecordState]:
        """:meth:`state` of many records in a few queries (an unknown id is absent)."""
        return history.current_versions(self.store, self.uris, record_ids)

    def record_graph(self, record_id: str) -> Graph:
        """The statement's graph plus the descriptions of the resources it names (NotFound,
        or Gone for a deleted statement)."""
        if self.store.shared:  # the graphs together: a query per level of links, not per graph
            triples = bulk_read.record_triples(self.store, self.uris, [record_id])
            if record_id not in triples:
                self._absent(record_id)
            return bulk_read.as_graph(triples[record_id])
        graph = self.store.graph(self.uris.statement(record_id))
        if not len(graph):
            self._absent(record_id)
        return self.add_resources(graph)

    def _absent(self, record_id: str) -> NoReturn:
        """Why a statement has no graph: it never existed, or it was deleted."""
        if self.state(record_id) is None:
            raise NotFound(f"there is no statement '{record_id}'")
        raise Gone(f"statement '{record_id}' was deleted")

    def current(self, record_id: str) -> Content:
        """The current version of a record, as a graph and a record (NotFound, Gone)."""
        graph = self.record_graph(record_id)
        return Content(graph, self._record(graph, record_id))

    def record(self, record_id: str) -> Record:
        """The current version of a record (NotFound, or Gone if deleted)."""
        return self.current(record_id).record

    def records(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The current version of each record that has one (deleted and unknown ids are
        absent), read in a few queries: the same as :meth:`record` one by one."""
        found = bulk_read.record_triples(self.store, self.uris, record_ids)
        return {record_id: self._record(bulk_read.as_graph(triples), record_id)
                for record_id, triples in found.items()}

    def record_ids(self, limit: int | None = None) -> Iterator[str]:
        """Ids of every current (not deleted) statement, in id order (the first ``limit``)."""
        rows = self.store.select(
            f"SELECT ?id WHERE {{ GRAPH ?g {{ ?g a <{RA.Statement}> ; "
            f"<{DCTERMS.identifier}> ?id }} }} ORDER BY ?id"
            + (f" LIMIT {int(limit)}" if limit is not None else ""))
        return (str(row["id"]) for row in rows)

    def _record(self, graph: Graph, record_id: str) -> Record:
        return self.archive.mapper.from_rdf(graph, self.uris.statement(record_id))

    # Versions ----------------------------------------------------------------------------

    def history(self, record_id: str) -> list[Version]:
        """Every version of a record, oldest first (NotFound for an unknown id)."""
        versions = history.read_history(self.store, self.uris, record_id)
        if not versions:
            raise NotFound(f"there is no statement '{record_id}'")
        return versions

    def version(self, record_id: str, version: Version) -> Content:
        """The record as it was at ``version`` (one with content: a superseded version keeps
        it as a snapshot, the current one is the statement graph)."""
        if version.snapshot is None:
            return self.current(record_id)
        graph = self.add_resources(history.snapshot_graph(version.snapshot))
        return Content(graph, self._record(graph, record_id))

    def version_record(self, record_id: str, number: int,
                       versions: list[Version] | None = None) -> Record:
        """The record as it was at version ``number`` (``versions``: its history, when
        the caller has read it)."""
        for version in versions or self.history(record_id):
            if version.number == number and not version.deleted:
                return self.version(record_id, version).record
        raise NotFound(f"statement '{record_id}' has no version {number} with content")

    def version_description(self, record_id: str, version: Version) -> Graph:
        """The PROV description of one version (its number, kind, time, agent, note)."""
        graph = Graph()
        for triple in self.store.triples(self.uris.history(record_id), version.uri):
            graph.add(triple)
        return graph

    # Things ------------------------------------------------------------------------------

    def add_resources(self, graph: Graph) -> Graph:
        """Add to ``graph`` the stored descriptions of the issuers, events and places it
        names (and those they name)."""
        pending = {o for o in graph.objects() if isinstance(o, URIRef)}
        seen: set[URIRef] = set()
        while pending:
            uri = pending.pop()
            seen.add(uri)
            parts = self.uris.split(uri)
            if parts and parts[0] in RESOURCE_KINDS:
                for triple in self.store.triples(uri):
                    graph.add(triple)
                    if isinstance(triple[2], URIRef) and triple[2] not in seen:
                        pending.add(triple[2])
        return graph

    def thing(self, kind: str, uri: URIRef) -> Graph:
        """A thing's own description: a resource's graph (with the resources it names) or
        a concept's thesaurus entry; empty when there is no such thing."""
        graph = Graph()
        if kind in RESOURCE_KINDS:
            self.store.graph(uri, into=graph)
            self.add_resources(graph)
        else:
            for triple in self.archive.vocabulary[self.uris.scheme(kind)].triples(
                    (uri, None, None)):
                graph.add(triple)
        return graph

    def labels(self, uri: URIRef) -> Graph:
        """The ``rdfs:label`` triples of a resource, from its own graph."""
        graph = Graph()
        for triple in self.store.triples(uri, uri, RDFS.label):
            graph.add(triple)
        return graph

    def linked(self, kind: str, uri: URIRef) -> list[Linked]:
        """The current statements linking to the thing ``uri`` of ``kind`` (by the
        predicate :data:`archive.uris.LINKS` names), oldest first."""
        predicate = LINKS[kind]
        rows = self.store.select(
            f"SELECT ?s ?title ?issued ?issuer ?name WHERE {{ GRAPH ?s {{ ?s a "
            f"<{RA.Statement}> ; {ox.NamedNode(predicate)} {ox.NamedNode(uri)} ; "
            f"<{DCTERMS.title}> ?title ; <{DCTERMS.issued}> ?issued . "
            f"OPTIONAL {{ ?s <{RA.issuer}> ?issuer }} }} "
            f"OPTIONAL {{ GRAPH ?issuer {{ ?issuer <{RDFS.label}> ?name }} }} }}")
        found: dict[str, Linked] = {}
        for row in rows:
            item = found.get(str(row["s"]))
            if item is None:
                item = found[str(row["s"])] = Linked(
                    URIRef(row["s"]), self.uris.record_id(str(row["s"])) or "", row["issued"])
            item.titles[row["title"].language or ""] = str(row["title"])
            if "issuer" in row:
                item.issuers[row["issuer"]] = str(row.get("name", row["issuer"]))
        return sorted(found.values(), key=lambda i: (i.dating()[1], i.title))

    def issuers_of_kind(self, uri: URIRef) -> list[tuple[URIRef, Literal]]:
        """The issuers of an issuer-kind concept, each with its label."""
        rows = self.store.select(
            f"SELECT ?i ?label WHERE {{ GRAPH ?i {{ ?i <{RA.issuerKind}> {ox.NamedNode(uri)} "
            f"; <{RDFS.label}> ?label }} }}")
        return [(row["i"], row["label"]) for row in rows]

    def title(self, uri: URIRef) -> str | None:
        """The title of the statement ``uri`` in its own language (else English, else the
        first); None when it is not a current statement of this archive."""
        if self.uris.record_id(str(uri)) is None:
            return None
        titles = {o.language: str(o) for _, _, o in self.store.triples(uri, uri,
                                                                      DCTERMS.title)}
        if not titles:
            return None
        language = next((str(o) for _, _, o in self.store.triples(uri, uri,
                                                                  DCTERMS.language)), None)
        return titles.get(language) or titles.get("en") or next(iter(titles.values()))

    def links_of(self, record_ids: set[str], predicates: dict[str, URIRef],
                 scan_limit: int = 50) -> dict[str, list[tuple[str, str]]]:
        """For each current record among ``record_ids``, the things it links to by the
        ``predicates`` (key → predicate): (key, thing URI) pairs. Past ``scan_limit``
        records one scan of every statement graph is cheaper than naming them.

        One row per graph: the store looks each graph's long name up once, not once per
        link. A deleted record is absent.
        """
        if not record_ids:
            return {}
        kinds = " ".join(f'({ox.NamedNode(p)} {ox.Literal(key)})'
                         for key, p in predicates.items())
        pattern = f"GRAPH ?g {{ ?g ?p ?o }} VALUES (?p ?k) {{ {kinds} }}"
        if len(record_ids) <= scan_limit:
            graphs = " ".join(str(ox.NamedNode(self.uris.statement(r)))
                              for r in sorted(record_ids))
            pattern = f"VALUES ?g {{ {graphs} }} {pattern}"
        query = (f"SELECT ?g (GROUP_CONCAT(CONCAT(?k, ' ', STR(?o)); separator='\\n') AS ?s) "
                 f"WHERE {{ {pattern} }} GROUP BY ?g")
        found: dict[str, list[tuple[str, str]]] = {}
        for g, joined in self.store.query(query):  # type: ignore[attr-defined]
            record_id = self.uris.record_id(g.value)
            if record_id in record_ids:
                found[record_id] = [tuple(item.partition(" ")[::2])  # type: ignore[misc]
                                    for item in joined.value.split("\n")]
        return found

    # Many records at once ----------------------------------------------------------------

    def record_triples(self, record_ids: Iterable[str], skip: Iterable[str] = (),
                       resources: bulk_read.Graphs | None = None
                       ) -> dict[str, list[bulk_read.Triple]]:
        """:func:`archive.bulk_read.record_triples`: each current record's graph with its
        resources, as triples of pyoxigraph terms (``skip``: predicates left out;
        ``resources``: resource graphs a caller keeps between calls)."""
        return bulk_read.record_triples(self.store, self.uris, record_ids, skip, resources)

    def statement_triples(self, record_ids: Iterable[str]) -> dict[str, list[bulk_read.Triple]]:
        """Each current statement's own graph (without the resources), a batch per query."""
        names = {str(self.uris.statement(r)): r for r in record_ids}
        graphs = bulk_read.graph_triples(self.store, names)
        return {record_id: graphs.get(name, []) for name, record_id in names.items()}

    # Counts ------------------------------------------------------------------------------

    def statistics(self, listed_limit: int = statistics.LISTED_GRAPHS) -> dict[str, Any]:
        """The published dataset's triples, entities, classes and properties (VoID)."""
        return statistics.statistics(self.archive, listed_limit)
