"""The one write path: validate, store in one transaction, then tell the followers.

:func:`save_records`, :func:`delete_record` and :func:`restore_record` are the only code that
changes records. Each builds a complete write set (statement graphs, resource graphs, history
versions, change-log entries) and hands it to the store in a single atomic update.

They also own the checks a write depends on, made once under the store's write lock: an edit
or delete of the version the caller loaded (``expected_version``, HTTP If-Match) raises
:class:`~archive.errors.NotFound` for an unknown record, :class:`~archive.errors.Gone` for a
deleted one and :class:`~archive.errors.StaleVersion` when the record has moved on; callers
map those to their answers (404, 410, 412) and never re-read the state themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef

from archive.access import parse_embargo
from archive.changelog import Change, change_graph, now
from archive.errors import BadInput, Gone, NotFound, Problem, StaleVersion
from archive.history import (
    RecordState,
    checked_note,
    current_version,
    current_versions,
    read_history,
    snapshot_graph,
    snapshot_text,
    version_graph,
)
from archive.mapping import Batch
from archive.record import ID_PATTERN, Record, parse_record, slugify
from archive.shapes import check_shapes
from archive.shapes_fast import Triple, fast_shapes
from archive.store import quads_of
from archive.uris import RESOURCE_KINDS
from vocab import RA

if TYPE_CHECKING:
    from archive.core import Archive

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Payload:
    """One record as received, with where it came from (for messages)."""

    data: Any
    line: int | None = None


@dataclass(frozen=True)
class Saved:
    """What a write did to one record."""

    id: str
    kind: str
    version: int
    sequence: int
    notice: str | None = None  # something the writer should know (an embargo already past)


def save_records(archive: Archive, payloads: Sequence[Payload | dict[str, Any]], *,
                 agent: str, replace: bool = False, dayfirst: bool | None = None,
                 expected_version: int | None = None, dry_run: bool = False,
                 source: str | None = None, progress: Progress | None = None,
                 note: str | None = None) -> list[Saved]:
    """Validate every record, then store them all in one transaction, or refuse them all.

    ``replace`` edits existing records (``id`` required); otherwise every record is new and
    an id already used, even by a deleted record, is refused. ``expected_version`` is the
    version the caller edited (HTTP If-Match): with it, an unknown record raises NotFound, a
    deleted one Gone and a newer one StaleVersion (without it, each is a problem of the
    batch). ``dry_run`` validates and stores nothing.
    ``note`` (why the change was made) is kept on every version this write creates.
    """
    note = checked_note(note)
    items = [p if isinstance(p, Payload) else Payload(p) for p in payloads]
    problems: list[Problem] = []
    records: list[tuple[Record, str, int | None]] = []
    for position, item in enumerate(items, start=1):
        label = _label(item, position, len(items))
        record, found = parse_record(item.data, label, item.line)
        problems += found
        if record is not None:
            records.append((record, label, item.line))
        if progress and position % 200 == 0:
            progress(position, len(items), "read")
    named = [item.data["id"] for item in items if isinstance(item.data, dict)
             and isinstance(item.data.get("id"), str) and ID_PATTERN.match(item.data["id"])]
    with archive.store.lock:  # one writer at a time: ids and shared names stay unique
        saved = _validate_and_store(archive, records, named, problems, agent=agent,
                                    replace=replace,
                                    dayfirst=dayfirst, expected_version=expected_version,
                                    dry_run=dry_run, source=source, progress=progress,
                                    note=note)
    if progress:
        progress(len(records), len(records), "stored")
    if not dry_run:
        archive.notify()
    return saved


def _validate_and_store(archive: Archive, records: list[tuple[Record, str, int | None]],
                        named: list[str], problems: list[Problem], *, agent: str,
                        replace: bool,
                        dayfirst: bool | None, expected_version: int | None, dry_run: bool,
                        source: str | None, progress: Progress | None,
                        note: str | None = None) -> list[Saved]:
    batch = Batch()
    try:
        states = _assign_ids(archive, records, named, batch, replace, expected_version,
                             problems, dayfirst)
        for position, (record, label, line) in enumerate(records, start=1):
            problems += archive.mapper.to_rdf(record, batch, label, line, dayfirst)
            if progress and position % 200 == 0:
                progress(position, len(records), "resolve")
        if not problems:
            problems += _check_shapes(archive, batch, records)
        if problems:
            raise BadInput(problems, source, outcome="nothing would be stored" if dry_run
                           else "nothing was stored")
        if dry_run:
            archive.resources.forget()  # names minted for the preview are not in the store
            return [Saved(r.id or "", "update" if replace else "create", 0, 0)
                    for r, _, _ in records]
        return _store(archive, batch, [r for r, _, _ in records], states, agent, note)
    except BaseException:
        archive.resources.forget()
        raise


def _label(item: Payload, position: int, total: int) -> str:
    data = item.data
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return data["id"]
    if item.line is not None:
        return f"#{position} (line {item.line})" if total > 1 else f"#{position}"
    return f"#{position}"


def _assign_ids(archive: Archive, records: list[tuple[Record, str, int | None]],
                named: list[str], batch: Batch, replace: bool, expected_version: int | None,
                problems: list[Problem], dayfirst: bool | None) -> dict[str, RecordState]:
    """Mint the missing ids and check the given ones; the states of the records a replace
    edits (read in one query per batch, under the write lock: :func:`_store` uses them).

    ``named``: the ids the payloads give, read or not; with ``expected_version`` each is
    checked first, so a stale or deleted record is refused as such whatever its body says.
    """
    states = current_versions(archive.store, archive.uris,
                              [*named, *(r.id for r, _, _ in records if r.id is not None)])
    if replace and expected_version is not None:
        for record_id in named:
            _check_expected(record_id, states.get(record_id), expected_version, "edit")
    for record, label, line in records:
        if record.id is None:
            if replace:
                problems.append(Problem("is required to edit a record", label, "id", line=line))
                continue
            record.id = _mint_id(archive, record, batch, dayfirst)
        elif record.id in batch.ids:
            problems.append(Problem(f"the id '{record.id}' appears twice in this batch", label,
                                    "id", line=line))
            continue
        else:
            state = states.get(record.id)
            if replace and expected_version is not None:
                _check_expected(record.id, state, expected_version, "edit")  # as parsed
            elif replace:
                if state is None:
                    problems.append(Problem(f"there is no record '{record.id}' to edit", label,
                                            "id", line=line))
                elif state.deleted:
                    problems.append(Problem(f"record '{record.id}' was deleted; restore a "
                                            "version of it instead of editing it", label, "id",
                                            line=line))
            elif state is not None:
                was = " by a record since deleted" if state.deleted else ""
                problems.append(Problem(
                    f"the id '{record.id}' is already used{was}; ids are never reused", label,
                    "id", f"'{_free_id(archive, record.id, batch)}'", line))
        batch.ids.add(record.id)
    return states


def _check_expected(record_id: str, state: RecordState | None, expected: int | None,
                    action: str) -> RecordState:
    """The state of a record the caller means to ``action`` ("edit", "delete", "restore")
    at version ``expected`` (None: any version): NotFound, Gone or StaleVersion otherwise
    (a deleted record may only be restored)."""
    if state is None:
        raise NotFound(f"there is no statement '{record_id}'")
    if state.deleted and action == "delete":
        raise Gone(f"statement '{record_id}' is already deleted")
    if state.deleted and action != "restore":
        raise Gone(f"statement '{record_id}' was deleted; restore a version instead")
    if expected is not None and state.version != expected:
        raise StaleVersion(record_id, expected, state.version)
    return state


def _mint_id(archive: Archive, record: Record, batch: Batch, dayfirst: bool | None) -> str:
    from archive.dates import DateError, parse_date

    try:
        prefix = parse_date(record.date, dayfirst).slug
    except DateError:
        prefix = "undated"
    return _free_id(archive, f"{prefix}-{slugify(record.title_text(), 60)}", batch)


def _free_id(archive: Archive, wanted: str, batch: Batch) -> str:
    candidate, n = wanted, 1
    while candidate in batch.ids or archive.store.has_graph(archive.uris.history(candidate)):
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


SHAPES_CHUNK = 100


def _check_shapes(archive: Archive, batch: Batch, records: list[tuple[Record, str, int | None]]
                  ) -> list[Problem]:
    """SHACL over the batch in chunks (pySHACL slows down more than linearly with size).

    A chunk that :mod:`archive.shapes_fast` finds certainly conforming skips pySHACL;
    any other goes through pySHACL, which words every problem.
    """
    labels = {subject: label for (_, label, _), subject in zip(records, batch.statements,
                                                               strict=True)}
    subjects = list(batch.statements)
    fast = fast_shapes(archive.shapes)
    problems: list[Problem] = []
    for start in range(0, len(subjects), SHAPES_CHUNK):
        chunk = subjects[start:start + SHAPES_CHUNK]
        triples = _shapes_triples(archive, batch, chunk)
        if fast.conforms(triples):
            continue
        data = Graph()
        for triple in triples:
            data.add(triple)
        problems += check_shapes(data, archive.shapes,
                                 lambda node, chunk=chunk: _owner(node, chunk, batch, labels))
    return problems


def _shapes_triples(archive: Archive, batch: Batch, subjects: list[URIRef]) -> set[Triple]:
    """The chunk's statements, the resources they name, and the thesauri memberships.

    Full texts are replaced by a one-letter stand-in of the same language: the shapes only
    count and type them, and pySHACL takes twice as long over long literals.
    """
    data: set[Triple] = set()
    for subject in subjects:
        for s, p, o in batch.statements[subject]:
            if p == RA.text and isinstance(o, Literal):
                o = Literal("x", lang=o.language, datatype=o.datatype)
            data.add((s, p, o))
    described = {s for s, _, _ in data}
    named = {o for _, _, o in data if isinstance(o, URIRef)}
    while named:
        uri = named.pop()
        parts = archive.uris.split(uri)
        if not parts or parts[0] not in RESOURCE_KINDS:
            continue
        graph = batch.resources.get(uri)
        added = list(archive.store.triples(uri)) \
            if graph is None or uri not in batch.new_resources else []
        if graph is not None:
            added += graph
        data.update(added)
        described.update(s for s, _, _ in added)
        named |= {o for o in (graph.objects() if graph is not None else ())
                  if isinstance(o, URIRef) and o not in described}
    data.update(archive.concept_memberships)
    return data


def _owner(node: object, subjects: list[URIRef], batch: Batch, labels: dict[URIRef, str]
           ) -> str | None:
    """The label of the record a SHACL focus node belongs to."""
    if node in labels:
        return labels[node]
    for subject in subjects:
        if (subject, None, node) in batch.statements[subject]:
            return labels[subject]
    return None


def _store(archive: Archive, batch: Batch, records: list[Record],
           states: dict[str, RecordState], agent: str, note: str | None = None) -> list[Saved]:
    """Write the batch; ``states``: the records replaced (as read by :func:`_assign_ids`
    under the same lock), every other record is new."""
    with archive.store.lock:
        sequence = archive.last_sequence()
        time = now()
        add, remove, drop = [], [], []
        saved = []
        for record, (subject, graph) in zip(records, batch.statements.items(), strict=True):
            assert record.id is not None
            sequence += 1
            state = states.get(record.id)
            number = state.version + 1 if state else 1
            kind = "update" if state else "create"
            if state:
                drop.append(subject)
                remove += _supersede(archive, record.id, state.version, add)
            change = Change(sequence, record.id, kind, time, number, agent)
            add += quads_of(graph, subject)
            add += _logged(archive, change, note)
            saved.append(Saved(record.id, kind, number, sequence, embargo_notice(record)))
        for uri, graph in batch.resources.items():
            add += quads_of(graph, uri)
        archive.store.apply(add, remove, drop)
        archive.advance(sequence)
        archive.resources.stored(saved[0].sequence if saved else sequence, sequence)
    return saved


def embargo_notice(record: Record) -> str | None:
    """What to tell the writer of a record whose embargo has already passed."""
    if record.embargo is None or not parse_embargo(record.embargo).passed():
        return None
    held = [why for why, holds in (("a draft", record.status == "draft"),
                                   ("restricted", record.access == "restricted")) if holds]
    if not held:
        return f"the embargo ({record.embargo}) has already passed: the record is public now"
    return (f"the embargo ({record.embargo}) has already passed; the record stays "
            f"{' and '.join(held)}")


def _supersede(archive: Archive, record_id: str, number: int, add: list) -> list:
    """Keep the current content as the snapshot of its version; return quads to remove."""
    graphs = archive.uris
    subject, history = graphs.statement(record_id), graphs.history(record_id)
    old = archive.store.graph(subject)
    version = graphs.version(record_id, number)
    add += quads_of(Graph().add((version, RA.snapshot, Literal(snapshot_text(old)))), history)
    return quads_of(Graph().add((subject, RA.currentVersion, version)), history)


def delete_record(archive: Archive, record_id: str, *, agent: str,
                  expected_version: int | None = None, note: str | None = None) -> Saved:
    """Delete a record: a tombstone version; its history and id stay (NotFound, Gone, or
    StaleVersion when ``expected_version`` is not the current one)."""
    graphs = archive.uris
    with archive.store.lock:
        state = _check_expected(record_id, current_version(archive.store, graphs, record_id),
                                expected_version, "delete")
        note = checked_note(note)
        sequence = archive.last_sequence() + 1
        change = Change(sequence, record_id, "delete", now(), state.version + 1, agent)
        add = _logged(archive, change, note)
        remove = _supersede(archive, record_id, state.version, add)
        archive.store.apply(add, remove, [graphs.statement(record_id)])
        archive.advance(sequence)
    archive.notify()
    return Saved(record_id, "delete", change.version, sequence)


def restore_record(archive: Archive, record_id: str, version: int, *, agent: str,
                   note: str | None = None, expected_version: int | None = None) -> Saved:
    """Make an earlier version current again (also brings back a deleted record); NotFound
    for an unknown record or version, StaleVersion when ``expected_version`` is given and
    not the current one."""
    graphs = archive.uris
    with archive.store.lock:
        versions = {v.number: v for v in read_history(archive.store, graphs, record_id)}
        if not versions:
            raise NotFound(f"there is no record '{record_id}'")
        latest = max(versions.values(), key=lambda v: v.number)
        _check_expected(record_id, RecordState(latest.number, latest.kind), expected_version,
                        "restore")
        note = checked_note(note)
        wanted = versions.get(version)
        if wanted is None or wanted.kind == "delete":
            raise NotFound(f"record '{record_id}' has no version {version} with content "
                           f"(versions: {', '.join(str(n) for n in sorted(versions))})")
        content = archive.store.graph(graphs.statement(record_id)) \
            if wanted.snapshot is None else snapshot_graph(wanted.snapshot)
        if not len(content):
            raise NotFound(f"version {version} of '{record_id}' has no stored content")
        sequence = archive.last_sequence() + 1
        change = Change(sequence, record_id, "restore", now(), latest.number + 1, agent)
        add = quads_of(content, graphs.statement(record_id)) + _logged(archive, change, note)
        if latest.kind == "delete":
            remove = quads_of(Graph().add((graphs.statement(record_id), RA.currentVersion,
                                           latest.uri)), graphs.history(record_id))
        else:
            remove = _supersede(archive, record_id, latest.number, add)
        archive.store.apply(add, remove, [graphs.statement(record_id)])
        archive.advance(sequence)
    archive.notify()
    return Saved(record_id, "restore", change.version, sequence)


def _logged(archive: Archive, change: Change, note: str | None = None) -> list:
    """The quads recording a change: its version (with the note) in the history and its
    change-log entry."""
    graphs = archive.uris
    return (quads_of(version_graph(graphs, change, note), graphs.history(change.record_id))
            + quads_of(change_graph(graphs, change), graphs.changes))
