"""The harvest log: an in-memory view of the change log for OAI-PMH, the sitemap and feed.

It holds every change in order, each record's change sequences and each record's OAI sets,
in compact columns (:mod:`web.oai_columns`). It is read with one SPARQL SELECT over the
change-log graph and one over the statements' set predicates at first use, then follows new
entries incrementally as the ``oai_log`` follower of the change log (after each write here,
and before a request when another process wrote).
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from datetime import datetime
from typing import NamedTuple

from flask import Flask
from rdflib import Graph, URIRef

from archive import Archive
from archive.changelog import Change
from archive.followers import Follower
from archive.history import snapshot_graph
from vocab import RA
from web.oai_columns import ChangeColumns, RecordSequences, SetTable, micros
from web.services import get_follower

#: Set kind (first part of a setSpec) → (kind of thing, linking predicate, set name).
SET_KINDS: dict[str, tuple[str, URIRef, str]] = {
    "type": ("types", RA.statementType, "Statements by type"),
    "treaty": ("treaties", RA.references, "Statements by treaty or instrument cited"),
    "issuer": ("issuers", RA.issuer, "Statements by issuer"),
}
#: Fewer new entries than this are read by direct look-ups, more by one SELECT.
LOOKUP_LIMIT = 200
#: More records than this have their sets read by one scan of every statement graph.
SCAN_LIMIT = 50
#: Lists of matching positions kept (a harvest reuses its list on every page).
LISTS_KEPT = 16


class Entry(NamedTuple):
    """One change-log entry as read, before it joins the columns."""

    record_id: str
    kind: str
    time: int  # microseconds since 1970
    version: int
    agent: str


class HarvestLog(Follower):
    """Every change in order, each record's change sequences, and each record's sets.

    Kept per app; read at its first use (:func:`harvest_log`), and from then on it
    follows the change log.
    """

    name = "oai_log"

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.started = False
        self.changes = ChangeColumns()
        self.by_record = RecordSequences(self.changes)
        self.sets = SetTable(self.changes.records)
        self.lock = threading.Lock()
        self._lists: OrderedDict[tuple, array] = OrderedDict()

    @property
    def sequence(self) -> int:  # type: ignore[override]
        return len(self.changes)

    def follow(self, sequence: int) -> None:
        if self.started:  # until a harvest asks, the log is not read at all
            self.catch_up()

    def catch_up(self) -> None:
        with self.lock:
            self.started = True
            last = self.archive.last_sequence()
            if len(self.changes) >= last:
                return
            dirty: set[str] = set()
            for entry in read_log(self.archive, len(self.changes), last):
                if entry is None:
                    break  # a gap: an entry being written; the next request fills it
                self.changes.append(*entry)
                dirty.add(entry.record_id)
            numbers = self.changes.records.numbers
            for record_id, specs in record_sets(self.archive, dirty).items():
                self.sets.assign(numbers[record_id], specs)

    def record_id(self, sequence: int) -> str:
        """The id of the record the change numbered ``sequence`` changed."""
        return self.changes.records.names[self.changes.record[sequence - 1]]

    def latest(self, record_id: str) -> Change | None:
        number = self.changes.records.numbers.get(record_id)
        return self.changes[self.changes.last[number] - 1] if number is not None else None

    def matching(self, cutoff: int, set_spec: str | None, start: datetime | None,
                 end: datetime | None) -> array:
        """Sequences of the records' positions at ``cutoff`` that match, in log order."""
        key = (cutoff, set_spec, start, end)
        with self.lock:
            if key in self._lists:
                self._lists.move_to_end(key)
                return self._lists[key]
        records, times = self.changes.record, self.changes.time
        seen = bytearray(len(self.changes.first))  # per record, as soon as it is numbered
        earliest = micros(start) if start else None
        latest = micros(end) if end else None
        member = self.sets.member_test(set_spec) if set_spec else None
        found = array("i")
        for index in range(cutoff - 1, -1, -1):  # newest first: a record's last change
            number = records[index]
            if seen[number]:
                continue
            seen[number] = 1
            if (earliest is not None and times[index] < earliest) or \
                    (latest is not None and times[index] > latest):
                continue
            if member is not None and not member(number):
                continue
            found.append(index + 1)
        found.reverse()
        with self.lock:
            self._lists[key] = found
            while len(self._lists) > LISTS_KEPT:
                self._lists.popitem(last=False)
        return found

    def used_sets(self) -> list[str]:
        """Every setSpec some record is in, sorted."""
        return sorted(self.sets.used())


def read_log(archive: Archive, after: int, last: int) -> list[Entry | None]:
    """Entries ``after < sequence <= last`` in order, None where one is missing (being
    written): look-ups for a few, else one SELECT read straight from pyoxigraph terms."""
    if last - after < LOOKUP_LIMIT:
        found: list[Entry | None] = [
            Entry(c.record_id, c.kind, micros(c.time), c.version, c.agent)
            for c in archive.changes(after, last - after)]
        return found + [None] * (last - after - len(found))
    entries: list[Entry | None] = [None] * (last - after)
    times: dict[str, int] = {}
    kinds: dict[str, str] = {}
    for sequence, record_id, kind, text, version, agent in archive.scan_changes(after, last):
        time = times.get(text)
        if time is None:
            time = times[text] = micros(datetime.fromisoformat(text.replace("Z", "+00:00")))
        entries[sequence - after - 1] = Entry(record_id, kinds.setdefault(kind, kind), time,
                                              version, agent)
    return entries


def record_sets(archive: Archive, record_ids: set[str]) -> dict[str, list[str]]:
    """The setSpecs of records: from their graph, or the last content of a deleted one."""
    links = archive.read.links_of(record_ids, {prefix: predicate for prefix, (_, predicate, _)
                                               in SET_KINDS.items()}, SCAN_LIMIT)
    found: dict[str, list[str]] = {}
    specs: dict[tuple[str, str], str | None] = {}  # (kind, value) → setSpec (a few thousand)
    uris = archive.uris
    for record_id, pairs in links.items():
        found[record_id] = []
        for pair in pairs:
            if pair not in specs:
                parts = uris.split(pair[1])
                specs[pair] = f"{pair[0]}:{parts[1]}" if parts else None
            if specs[pair]:
                found[record_id].append(specs[pair])  # type: ignore[arg-type]
    for record_id in record_ids - set(found):
        found[record_id] = sorted(graph_sets(archive, last_content(archive, record_id),
                                             archive.uris.statement(record_id)))
    return found


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


def follower(app: Flask) -> HarvestLog:
    return HarvestLog(app.extensions["archive"])


def harvest_log() -> HarvestLog:
    """The app's harvest log, up to date with the change log."""
    log: HarvestLog = get_follower("oai_log")  # type: ignore[assignment]
    log.catch_up()
    return log
