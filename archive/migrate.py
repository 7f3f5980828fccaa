"""Copying an archive between store backends (embedded ⇄ remote), verified isomorphic.

Every graph under the archive's base moves: statements, resources, vocabulary, history
and the change log, which goes last so that a follower of the target sees a log entry
only once everything it names is there. Then every graph is compared with its source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.compare import isomorphic

from archive.core import Archive
from archive.errors import ArchiveError
from archive.store import quads_of

Progress = Callable[[int, int], None]
_BATCH = 25  # graphs per write


@dataclass(frozen=True)
class Migration:
    """What a migration copied."""

    graphs: int
    quads: int
    last_sequence: int


def migrate(source: Archive, target: Archive, progress: Progress | None = None) -> Migration:
    """Copy ``source`` into ``target`` (which must hold no records yet), then verify."""
    if source.base != target.base:
        raise ArchiveError(f"the target mints URIs under {target.base}, the source under "
                           f"{source.base}; open the target with the source's base")
    if target.last_sequence() or any(True for _ in target.record_ids()):
        raise ArchiveError("the target already holds records; migrate into an empty store "
                           "(a new folder, or an engine without this archive's graphs)")
    names = sorted(source.store.named_graphs())
    log = [name for name in names if name == source.uris.changes]
    ordered = [name for name in names if name != source.uris.changes] + log
    quads = 0
    for start in range(0, len(ordered), _BATCH):
        batch = ordered[start:start + _BATCH]
        add = [q for name in batch for q in quads_of(source.store.graph(name), name)]
        target.store.apply(add, drop=batch)
        quads += len(add)
        if progress:
            progress(min(start + _BATCH, len(ordered)), len(ordered))
    target.store.flush()
    differences = compare(source, target)
    if differences:
        raise ArchiveError("the copy differs from the source in " + ", ".join(differences[:5])
                           + (" …" if len(differences) > 5 else ""))
    return Migration(len(ordered), quads, target.last_sequence())


def compare(source: Archive, target: Archive) -> list[str]:
    """Names of the graphs that differ (missing, extra, or not isomorphic)."""
    mine, theirs = set(source.store.named_graphs()), set(target.store.named_graphs())
    problems = [f"{name} (missing)" for name in sorted(mine - theirs)]
    problems += [f"{name} (extra)" for name in sorted(theirs - mine)]
    for name in sorted(mine & theirs):
        if not isomorphic(source.store.graph(URIRef(name)), target.store.graph(URIRef(name))):
            problems.append(f"{name} (content)")
    return problems
