"""Versions of a statement (PROV-O): every write adds one, nothing is ever erased.

The history graph of a statement holds one ``ra:Version`` per write, linked by
``prov:wasRevisionOf``; a superseded version keeps its content as an N-Triples snapshot.
A delete is a version of kind "delete": a tombstone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from archive.bulk_read import BATCH
from archive.changelog import Change
from archive.store import Store
from archive.uris import Uris
from vocab import RA


@dataclass(frozen=True)
class Version:
    """One version of a statement."""

    number: int
    kind: str
    time: datetime
    agent: str
    uri: URIRef
    snapshot: str | None

    @property
    def deleted(self) -> bool:
        return self.kind == "delete"


def version_graph(uris: Uris, change: Change) -> Graph:
    """The triples describing the version a change creates."""
    subject = uris.statement(change.record_id)
    version = uris.version(change.record_id, change.version)
    graph = Graph()
    graph.add((version, RDF.type, RA.Version))
    graph.add((version, RDF.type, PROV.Entity))
    graph.add((version, PROV.specializationOf, subject))
    graph.add((version, RA.versionNumber, Literal(change.version, datatype=XSD.integer)))
    graph.add((version, RA.changeKind, Literal(change.kind)))
    graph.add((version, PROV.generatedAtTime,
               Literal(change.time.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
    graph.add((version, PROV.wasAttributedTo, uris.agent(change.agent)))
    if change.version > 1:
        graph.add((version, PROV.wasRevisionOf, uris.version(change.record_id, change.version - 1)))
    graph.add((subject, RA.currentVersion, version))
    return graph


def snapshot_text(graph: Graph) -> str:
    """A graph as sorted N-Triples: the content of a superseded version."""
    lines = graph.serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def current_version(store: Store, uris: Uris, record_id: str) -> tuple[int, str] | None:
    """(number, kind) of a statement's latest version, or None if it never existed."""
    subject = uris.statement(record_id)
    current = next((o for _, _, o in store.triples(uris.history(record_id), subject,
                                                    RA.currentVersion)), None)
    if current is None:
        return None
    kind = next(o for _, _, o in store.triples(uris.history(record_id), current, RA.changeKind))
    return int(str(current).rsplit("/", 1)[-1]), str(kind)


def current_versions(store: Store, uris: Uris, record_ids: Iterable[str]
                     ) -> dict[str, tuple[int, str]]:
    """:func:`current_version` of many statements, in one query per :data:`BATCH` (a
    statement that never existed is absent)."""
    ids = list(dict.fromkeys(record_ids))
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        values = " ".join(f"({ox.NamedNode(uris.history(i))} {ox.NamedNode(uris.statement(i))}"
                          f" {n})" for n, i in enumerate(batch))
        rows = store.select(f"SELECT ?n ?v ?k WHERE {{ VALUES (?h ?s ?n) {{ {values} }} "
                            f"GRAPH ?h {{ ?s <{RA.currentVersion}> ?v . "
                            f"?v <{RA.changeKind}> ?k }} }}")
        for row in rows:
            found[batch[int(row["n"])]] = (int(str(row["v"]).rsplit("/", 1)[-1]),
                                            str(row["k"]))
    return found


def read_history(store: Store, uris: Uris, record_id: str) -> list[Version]:
    """Every version of a statement, oldest first."""
    graph = store.graph(uris.history(record_id))
    versions = []
    for version in graph.subjects(RDF.type, RA.Version):
        snapshot = graph.value(version, RA.snapshot)
        versions.append(Version(
            number=int(graph.value(version, RA.versionNumber)),
            kind=str(graph.value(version, RA.changeKind)),
            time=datetime.fromisoformat(
                str(graph.value(version, PROV.generatedAtTime)).replace("Z", "+00:00")),
            agent=uris.agent_name(graph.value(version, PROV.wasAttributedTo)),
            uri=URIRef(version),
            snapshot=str(snapshot) if snapshot is not None else None,
        ))
    return sorted(versions, key=lambda v: v.number)


def snapshot_graph(text: str) -> Graph:
    """The graph a snapshot holds."""
    return Graph().parse(data=text, format="nt")
