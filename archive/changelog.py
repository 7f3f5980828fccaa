"""The change log: one entry per write, numbered without gaps, in the store itself.

Everything derived from the store (the search index, OAI-PMH datestamps, the feed, dumps,
other processes) follows it: "apply every change after the sequence number I last saw".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import RDF, Graph, Literal
from rdflib.namespace import PROV, XSD
from rdflib.term import Node

from archive.store import Store
from archive.uris import Uris
from vocab import RA

KINDS = ("create", "update", "delete", "restore")


@dataclass(frozen=True)
class Change:
    """One entry of the change log."""

    sequence: int
    record_id: str
    kind: str
    time: datetime
    version: int
    agent: str

    @property
    def deleted(self) -> bool:
        return self.kind == "delete"


def now() -> datetime:
    """The current time in UTC at a whole second (OAI-PMH granularity)."""
    return datetime.now(UTC).replace(microsecond=0)


def change_graph(uris: Uris, change: Change) -> Graph:
    """The triples of one change-log entry."""
    entry = uris.change(change.sequence)
    graph = Graph()
    graph.add((entry, RDF.type, RA.Change))
    graph.add((entry, RA.sequence, Literal(change.sequence, datatype=XSD.integer)))
    graph.add((entry, RA.changedRecord, uris.statement(change.record_id)))
    graph.add((entry, RA.changeKind, Literal(change.kind)))
    graph.add((entry, PROV.atTime, Literal(change.time.isoformat().replace("+00:00", "Z"),
                                           datatype=XSD.dateTime)))
    graph.add((entry, RA.version, uris.version(change.record_id, change.version)))
    graph.add((entry, PROV.wasAssociatedWith, uris.agent(change.agent)))
    return graph


#: Change-log entries read in one query at most.
WINDOW = 500


def read_change(store: Store, uris: Uris, sequence: int) -> Change | None:
    """The entry numbered ``sequence``, or None if there is none (yet)."""
    changes = read_changes(store, uris, sequence - 1, 1)
    return changes[0] if changes else None


def read_changes(store: Store, uris: Uris, after: int, limit: int | None = None) -> list[Change]:
    """Entries after ``after`` in order, at most ``limit``: looked up by their numbers, a
    window of them per query (no scan; the log has no gaps, so the first missing ends it)."""
    changes: list[Change] = []
    sequence = after + 1
    while limit is None or len(changes) < limit:
        size = WINDOW if limit is None else min(WINDOW, limit - len(changes))
        entries = _read_entries(store, uris, sequence, size)
        for number in range(sequence, sequence + size):
            values = entries.get(uris.change(number))
            if not values:
                return changes
            changes.append(_change(uris, number, values))
        sequence += size
    return changes


def _read_entries(store: Store, uris: Uris, first: int, count: int
                  ) -> dict[Node, dict[Node, Node]]:
    """Entry → its predicate → object, for the entries numbered ``first`` … (``count``)."""
    entries = " ".join(f"<{uris.change(n)}>" for n in range(first, first + count))
    rows = store.select(f"SELECT ?c ?p ?o WHERE {{ GRAPH <{uris.changes}> {{ "
                        f"VALUES ?c {{ {entries} }} ?c ?p ?o }} }}")
    found: dict[Node, dict[Node, Node]] = {}
    for row in rows:
        found.setdefault(row["c"], {})[row["p"]] = row["o"]
    return found


def _change(uris: Uris, sequence: int, values: dict[Node, Node]) -> Change:
    record = str(values[RA.changedRecord])
    version = str(values[RA.version])
    return Change(
        sequence=sequence,
        record_id=uris.record_id(record) or record,
        kind=str(values[RA.changeKind]),
        time=datetime.fromisoformat(str(values[PROV.atTime]).replace("Z", "+00:00")),
        version=int(version.rsplit("/", 1)[-1]),
        agent=uris.agent_name(values[PROV.wasAssociatedWith]),
    )


def scan_changes(store: Store, uris: Uris, after: int, last: int
                 ) -> Iterator[tuple[int, str, str, str, int, str]]:
    """Entries ``after < sequence <= last`` in one SELECT, unordered, as plain values:
    (sequence, record id, kind, time as stored, version, agent). Read straight from
    pyoxigraph terms (a harvest log reads the whole log at start-up); each agent's name is
    decoded once."""
    solutions = store.query(f"""
        SELECT ?n ?r ?k ?t ?v ?a WHERE {{ GRAPH <{uris.changes}> {{
          ?c <{RA.sequence}> ?n ; <{RA.changedRecord}> ?r ; <{RA.changeKind}> ?k ;
             <{PROV.atTime}> ?t ; <{RA.version}> ?v ; <{PROV.wasAssociatedWith}> ?a .
          FILTER(?n > {int(after)} && ?n <= {int(last)}) }} }}""")
    agents: dict[str, str] = {}
    for n, r, k, t, v, a in solutions:  # type: ignore[attr-defined]
        agent = agents.get(a.value)
        if agent is None:
            agent = agents[a.value] = uris.agent_name(a.value)
        yield (int(n.value), uris.record_id(r.value) or r.value, k.value, t.value,
               int(v.value.rsplit("/", 1)[-1]), agent)


def last_sequence(store: Store, uris: Uris) -> int:
    """The highest sequence number in the log (0 for an empty archive)."""
    rows = store.select(
        f"SELECT (MAX(?n) AS ?last) WHERE {{ GRAPH <{uris.changes}> {{ ?c <{RA.sequence}> ?n }} }}"
    )
    return int(rows[0]["last"]) if rows and "last" in rows[0] else 0
