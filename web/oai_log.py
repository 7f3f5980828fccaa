"""The harvest log: an in-memory view of the change log for OAI-PMH, the sitemap and feed.

It holds every change in order, each record's change sequences and each record's OAI sets.
It is read with one SPARQL SELECT over the change-log graph at first use, then follows new
entries incrementally before every request.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from datetime import datetime

from flask import current_app
from rdflib import Graph, URIRef
from rdflib.namespace import PROV

from archive import Archive
from archive.changelog import Change
from archive.history import snapshot_graph
from vocab import RA
from web.app import get_archive

#: Set kind (first part of a setSpec) → (kind of thing, linking predicate, set name).
SET_KINDS: dict[str, tuple[str, URIRef, str]] = {
    "type": ("types", RA.statementType, "Statements by type"),
    "treaty": ("treaties", RA.references, "Statements by treaty or instrument cited"),
    "issuer": ("issuers", RA.issuer, "Statements by issuer"),
}
#: Fewer new entries than this are read by direct look-ups, more by one SELECT.
LOOKUP_LIMIT = 200


class HarvestLog:
    """Every change in order, each record's change sequences, and each record's sets.

    Kept per app and brought up to date from the change log before every request.
    """

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.changes: list[Change] = []
        self.by_record: dict[str, list[int]] = {}
        self.sets: dict[str, frozenset[str]] = {}
        self.lock = threading.Lock()
        self._lists: OrderedDict[tuple, list[int]] = OrderedDict()

    def catch_up(self) -> None:
        with self.lock:
            last = self.archive.last_sequence()
            if len(self.changes) >= last:
                return
            dirty: set[str] = set()
            for change in read_log(self.archive, len(self.changes), last):
                if change.sequence != len(self.changes) + 1:
                    break  # a gap: an entry being written; the next request fills it
                self.changes.append(change)
                self.by_record.setdefault(change.record_id, []).append(change.sequence)
                dirty.add(change.record_id)
            if dirty:
                self.sets.update(record_sets(self.archive, dirty))

    def latest(self, record_id: str) -> Change | None:
        sequences = self.by_record.get(record_id)
        return self.changes[sequences[-1] - 1] if sequences else None

    def matching(self, cutoff: int, set_spec: str | None, start: datetime | None,
                 end: datetime | None) -> list[int]:
        """Sequences of the records' positions at ``cutoff`` that match, in log order."""
        key = (cutoff, set_spec, start, end)
        with self.lock:
            if key in self._lists:
                self._lists.move_to_end(key)
                return self._lists[key]
        found = []
        for change in self.changes[:cutoff]:
            sequences = self.by_record[change.record_id]
            after = bisect.bisect_right(sequences, change.sequence)
            if after < len(sequences) and sequences[after] <= cutoff:
                continue  # not this record's last change at the cutoff
            if (start and change.time < start) or (end and change.time > end):
                continue
            if set_spec and not in_set(self.sets.get(change.record_id, frozenset()), set_spec):
                continue
            found.append(change.sequence)
        with self.lock:
            self._lists[key] = found
            while len(self._lists) > 64:
                self._lists.popitem(last=False)
        return found


def read_log(archive: Archive, after: int, last: int) -> list[Change]:
    """Entries ``after < sequence <= last`` in order: look-ups for a few, else one SELECT."""
    if last - after < LOOKUP_LIMIT:
        return archive.changes(after, last - after)
    uris = archive.uris
    rows = archive.store.select(f"""
        SELECT ?n ?r ?k ?t ?v ?a WHERE {{ GRAPH <{uris.changes}> {{
          ?c <{RA.sequence}> ?n ; <{RA.changedRecord}> ?r ; <{RA.changeKind}> ?k ;
             <{PROV.atTime}> ?t ; <{RA.version}> ?v ; <{PROV.wasAssociatedWith}> ?a .
          FILTER(?n > {int(after)} && ?n <= {int(last)}) }} }}""")
    changes = [Change(sequence=int(row["n"]),
                      record_id=uris.record_id(str(row["r"])) or str(row["r"]),
                      kind=str(row["k"]),
                      time=datetime.fromisoformat(str(row["t"]).replace("Z", "+00:00")),
                      version=int(str(row["v"]).rsplit("/", 1)[-1]),
                      agent=str(row["a"]).rsplit("/", 1)[-1]) for row in rows]
    return sorted(changes, key=lambda change: change.sequence)


def in_set(specs: frozenset[str], wanted: str) -> bool:
    """Whether a record in ``specs`` belongs to ``wanted`` (sets are hierarchical, §4.6)."""
    return any(spec == wanted or spec.startswith(wanted + ":") for spec in specs)


def record_sets(archive: Archive, record_ids: set[str]) -> dict[str, frozenset[str]]:
    """The setSpecs of records: from their graph, or the last content of a deleted one."""
    graphs: dict[str, Graph] = {}
    predicates = [predicate for _, predicate, _ in SET_KINDS.values()]
    if len(record_ids) > 50:
        rows = archive.store.select(
            "SELECT ?g ?p ?o WHERE { GRAPH ?g { ?g ?p ?o } VALUES ?p { "
            + " ".join(f"<{p}>" for p in predicates) + " } }")
        for row in rows:
            record_id = archive.uris.record_id(str(row["g"]))
            if record_id in record_ids:
                graphs.setdefault(record_id, Graph()).add((row["g"], row["p"], row["o"]))
    for record_id in record_ids - set(graphs):
        uri = archive.uris.statement(record_id)
        graph = graphs.setdefault(record_id, Graph())
        for predicate in predicates:
            for triple in archive.store.triples(uri, uri, predicate):
                graph.add(triple)
        if not len(graph):
            graph += last_content(archive, record_id)
    return {record_id: graph_sets(archive, graph, archive.uris.statement(record_id))
            for record_id, graph in graphs.items()}


def graph_sets(archive: Archive, graph: Graph, uri: URIRef) -> frozenset[str]:
    """The setSpecs a statement's graph puts it in."""
    found = set()
    for prefix, (_, predicate, _) in SET_KINDS.items():
        for value in graph.objects(uri, predicate):
            parts = archive.uris.split(str(value))
            if parts:
                found.add(f"{prefix}:{parts[1]}")
    return frozenset(found)


def last_content(archive: Archive, record_id: str) -> Graph:
    """The content of a deleted record's last version with content (for its sets)."""
    for version in reversed(archive.history(record_id)):
        if version.snapshot:
            return snapshot_graph(version.snapshot)
    return Graph()


def harvest_log() -> HarvestLog:
    """The app's harvest log, up to date with the change log."""
    with _CREATE_LOCK:
        log = current_app.extensions.get("oai_log")
        if log is None:
            log = current_app.extensions["oai_log"] = HarvestLog(get_archive())
    log.catch_up()
    return log


_CREATE_LOCK = threading.Lock()
