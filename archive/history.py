"""Versions of a statement (PROV-O): every write adds one, nothing is ever erased.

The history graph of a statement holds one ``ra:Version`` per write, linked by
``prov:wasRevisionOf``; a superseded version keeps its content as an N-Triples snapshot.
A delete is a version of kind "delete": a tombstone. A version may carry the archivist's
note on why the change was made (``rdfs:comment``). :func:`record_changes` compares two
versions field by field, with a line diff for the long texts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from archive.access import DEFAULTS
from archive.bulk_read import BATCH
from archive.changelog import Change
from archive.errors import BadInput, Problem
from archive.record import _CONTROL, normalize_newlines
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
    note: str | None = None

    @property
    def deleted(self) -> bool:
        return self.kind == "delete"


class RecordState(NamedTuple):
    """Where a record stands: its current version number and the kind of its last change."""

    version: int
    kind: str

    @property
    def deleted(self) -> bool:
        return self.kind == "delete"


#: The longest note a version may carry.
MAX_NOTE = 2_000


def checked_note(note: str | None) -> str | None:
    """The note on a change as it will be kept (None when empty), or BadInput."""
    if note is None or not note.strip():
        return None
    text = normalize_newlines(note).strip()
    if bad := _CONTROL.search(text):
        raise BadInput([Problem(f"contains the control character U+{ord(bad.group()):04X}",
                                key="note")])
    if len(text) > MAX_NOTE:
        raise BadInput([Problem(f"is {len(text):,} characters long; the limit is "
                                f"{MAX_NOTE:,}", key="note")])
    return text


def version_graph(uris: Uris, change: Change, note: str | None = None) -> Graph:
    """The triples describing the version a change creates (with the archivist's note)."""
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
    if note:
        graph.add((version, RDFS.comment, Literal(note)))
    graph.add((subject, RA.currentVersion, version))
    return graph


def snapshot_text(graph: Graph) -> str:
    """A graph as sorted N-Triples: the content of a superseded version."""
    lines = graph.serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def current_version(store: Store, uris: Uris, record_id: str) -> RecordState | None:
    """The state of a statement's latest version, or None if it never existed."""
    subject = uris.statement(record_id)
    current = next((o for _, _, o in store.triples(uris.history(record_id), subject,
                                                    RA.currentVersion)), None)
    if current is None:
        return None
    kind = next(o for _, _, o in store.triples(uris.history(record_id), current, RA.changeKind))
    return RecordState(int(str(current).rsplit("/", 1)[-1]), str(kind))


def current_versions(store: Store, uris: Uris, record_ids: Iterable[str]
                     ) -> dict[str, RecordState]:
    """:func:`current_version` of many statements, in one query per :data:`BATCH` (a
    statement that never existed is absent)."""
    ids = list(dict.fromkeys(record_ids))
    found: dict[str, RecordState] = {}
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        values = " ".join(f"({ox.NamedNode(uris.history(i))} {ox.NamedNode(uris.statement(i))}"
                          f" {n})" for n, i in enumerate(batch))
        rows = store.select(f"SELECT ?n ?v ?k WHERE {{ VALUES (?h ?s ?n) {{ {values} }} "
                            f"GRAPH ?h {{ ?s <{RA.currentVersion}> ?v . "
                            f"?v <{RA.changeKind}> ?k }} }}")
        for row in rows:
            found[batch[int(row["n"])]] = RecordState(int(str(row["v"]).rsplit("/", 1)[-1]),
                                                       str(row["k"]))
    return found


def read_history(store: Store, uris: Uris, record_id: str) -> list[Version]:
    """Every version of a statement, oldest first."""
    graph = store.graph(uris.history(record_id))
    versions = []
    for version in graph.subjects(RDF.type, RA.Version):
        snapshot = graph.value(version, RA.snapshot)
        note = graph.value(version, RDFS.comment)
        versions.append(Version(
            number=int(graph.value(version, RA.versionNumber)),
            kind=str(graph.value(version, RA.changeKind)),
            time=datetime.fromisoformat(
                str(graph.value(version, PROV.generatedAtTime)).replace("Z", "+00:00")),
            agent=uris.agent_name(graph.value(version, PROV.wasAttributedTo)),
            uri=URIRef(version),
            snapshot=str(snapshot) if snapshot is not None else None,
            note=str(note) if note is not None else None,
        ))
    return sorted(versions, key=lambda v: v.number)


def snapshot_graph(text: str) -> Graph:
    """The graph a snapshot holds."""
    return Graph().parse(data=text, format="nt")


# Comparing versions --------------------------------------------------------------------

#: Contract keys in the order a person reads a record, with their names on the pages.
FIELD_LABELS = {
    "title": "Title", "issuer": "Issued by", "date": "Date", "type": "Type",
    "language": "Language", "responds_to": "Responds to", "references": "Treaties cited",
    "topics": "Topics", "places": "Places", "see_also": "See also", "source": "Source",
    "summary": "Summary", "text": "Full text", "status": "Status", "access": "Access",
    "embargo": "Embargo until",
}
#: Keys whose values are long texts, compared line by line.
LONG_TEXTS = ("text", "summary")


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two versions: readable before/after values, and for
    a long text the changed lines ("+ …", "- …", "@@ …" between far-apart changes)."""

    key: str
    label: str
    before: str
    after: str
    lines: list[str] = field(default_factory=list)


def record_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """The fields that differ between two records in contract JSON, in reading order."""
    keys = [*FIELD_LABELS, *sorted((set(old) | set(new)) - set(FIELD_LABELS) - {"id"})]
    changes = []
    for key in keys:
        before, after = old.get(key, DEFAULTS.get(key)), new.get(key, DEFAULTS.get(key))
        if before == after:
            continue
        label = FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
        if key in LONG_TEXTS:
            changes.append(FieldChange(key, label, _lines_count(before), _lines_count(after),
                                       text_diff(str(before or ""), str(after or ""))))
        else:
            changes.append(FieldChange(key, label, readable(before), readable(after)))
    return changes


def text_diff(before: str, after: str) -> list[str]:
    """The changed lines of a long text, with one line of context around each change."""
    lines = list(difflib.unified_diff(normalize_newlines(before).split("\n"),
                                      normalize_newlines(after).split("\n"),
                                      lineterm="", n=1))
    return [line if not line.startswith("@@") else "@@ …" for line in lines[2:]
            if line.strip() not in ("+", "-", "")]


def readable(value: Any) -> str:
    """A contract JSON value in plain words: lists joined with "; ", objects as their
    name with the other keys in brackets, an empty value as "(none)"."""
    if value in (None, "", [], {}):
        return "(none)"
    if isinstance(value, list):
        return "; ".join(readable(item) for item in value)
    if isinstance(value, dict):
        if "name" in value:
            rest = ", ".join(f"{k.replace('_', ' ')}: {readable(v)}" for k, v in value.items()
                             if k != "name")
            return f"{value['name']} ({rest})" if rest else str(value["name"])
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    return str(value)


def _lines_count(value: Any) -> str:
    if not value:
        return "(none)"
    paragraphs = [p for p in normalize_newlines(str(value)).split("\n\n") if p.strip()]
    return f"{len(str(value)):,} characters, {len(paragraphs)} paragraph" + \
        ("s" if len(paragraphs) != 1 else "")
