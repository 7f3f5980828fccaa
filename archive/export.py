"""Export, backup and restore: the archive's data out to files and back.

An export holds the public data (statement graphs and the resources they name) as N-Quads,
TriG, Turtle, JSON or JSON Lines; importing it into an empty archive gives an isomorphic
dataset. A backup is a consistent copy of the whole store and the data folder's settings;
an archive on a SPARQL engine is backed up as an embedded store and restored into an
engine (or, without one configured, into a data folder).
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef

from archive.errors import ArchiveError, BadInput
from archive.settings import settings
from archive.store import is_remote, open_store
from vocab import bind_prefixes

if TYPE_CHECKING:
    from archive.core import Archive

EXPORT_FORMATS = {"nquads": ".nq", "trig": ".trig", "turtle": ".ttl", "json": ".json",
                  "jsonl": ".jsonl"}
_OX_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def public_graphs(archive: Archive, *, with_history: bool = False,
                  with_vocabulary: bool = False) -> Iterator[URIRef]:
    """Names of the graphs that make up the published dataset, in a stable order."""
    hidden = {"history", "changes", "vocab"}
    for name in sorted(archive.store.named_graphs()):
        path = name[len(archive.base):] if name.startswith(archive.base) else ""
        head = path.split("/", 1)[0]
        if head in hidden:
            wanted = (head in ("history", "changes") and with_history) or \
                     (head == "vocab" and with_vocabulary)
            if wanted:
                yield name
        elif path:
            yield name


def export(archive: Archive, output: IO[bytes], fmt: str, *, with_history: bool = False,
           with_vocabulary: bool = False, progress: Callable[[int], None] | None = None) -> int:
    """Write the dataset to ``output`` in ``fmt``; return the number of statements written."""
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"cannot export as '{fmt}'; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt in ("json", "jsonl"):
        return _export_json(archive, output, fmt, progress)
    graphs = list(public_graphs(archive, with_history=with_history,
                                with_vocabulary=with_vocabulary))
    count = sum(1 for g in graphs if archive.uris.record_id(g))
    if fmt in _OX_FORMATS:
        archive.store.dump(output, _OX_FORMATS[fmt], graphs)
    else:
        merged = bind_prefixes(Graph())
        for name in graphs:
            for triple in archive.store.triples(name):
                merged.add(triple)
        output.write(merged.serialize(format="turtle").encode("utf-8"))
    if progress:
        progress(count)
    return count


def _export_json(archive: Archive, output: IO[bytes], fmt: str,
                 progress: Callable[[int], None] | None) -> int:
    count = 0
    if fmt == "json":
        output.write(b"[\n")
    for record_id in archive.record_ids():
        data = json.dumps(archive.record(record_id).to_json(), ensure_ascii=False)
        if fmt == "json":
            output.write((",\n" if count else "").encode() + data.encode("utf-8"))
        else:
            output.write(data.encode("utf-8") + b"\n")
        count += 1
        if progress and count % 100 == 0:
            progress(count)
    if fmt == "json":
        output.write(b"\n]\n")
    return count


def backup(archive: Archive, target: Path, *, attempts: int = 5) -> None:
    """Copy the store (consistently, even while it is being written) and settings.

    An embedded store copies a snapshot. A remote store is copied graph by graph while
    other processes may write, so the copy is kept only when the change log did not move
    and no write was in flight meanwhile; otherwise it is taken again (up to ``attempts``).
    """
    if target.exists() and any(target.iterdir()):
        raise ArchiveError(f"the backup folder {target} exists and is not empty")
    if archive.data_dir is None:
        raise ArchiveError("an in-memory archive cannot be backed up")
    target.mkdir(parents=True, exist_ok=True)
    if archive.store.shared:
        _copy_when_still(archive, target / "store", attempts)
    else:
        archive.store.backup(target / "store")
    for name in ("archive.json", "auth.sqlite3"):
        if (archive.data_dir / name).exists():
            shutil.copy2(archive.data_dir / name, target / name)


def _copy_when_still(archive: Archive, target: Path, attempts: int) -> None:
    """A copy of a shared store taken while no write landed (see :func:`backup`)."""
    store = archive.store
    for attempt in range(attempts):
        before = archive.last_sequence()
        if not store.writing():
            store.backup(target)
            if archive.last_sequence() == before and not store.writing():
                return
            shutil.rmtree(target)
        time.sleep(0.5 * (attempt + 1))
    raise ArchiveError(f"the archive kept changing during {attempts} attempts to copy it; "
                       "run the backup again at a quieter moment")


def restore(backup_dir: Path, data_dir: Path, store: str | None = None) -> None:
    """Make ``data_dir`` a copy of a backup; it must not hold an archive yet.

    When the archive lives on a SPARQL engine (``store``, else $RIGHTS_ARCHIVE_STORE), the
    backup's graphs are loaded into it instead (change log last); it must hold none of this
    archive's records, and ``data_dir`` gets the settings.
    """
    if not (backup_dir / "store").is_dir() or not (backup_dir / "archive.json").exists():
        raise BadInput(f"{backup_dir} is not a backup made by 'rights-archive backup'")
    location = store or settings().store
    if is_remote(location):
        _restore_remote(backup_dir, str(location))
    elif (data_dir / "store").exists():
        raise ArchiveError(f"{data_dir} already holds an archive; restore into an empty folder "
                           "(or move the current one away first)")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(backup_dir / "store", data_dir / "store")
    data_dir.mkdir(parents=True, exist_ok=True)
    for item in backup_dir.iterdir():
        if item.is_file():
            shutil.copy2(item, data_dir / item.name)


def _restore_remote(backup_dir: Path, location: str) -> None:
    """Load a backup into a SPARQL engine holding no records of the archive (see restore)."""
    base = json.loads((backup_dir / "archive.json").read_text())["base_uri"]
    vocabulary = f"{base}vocab/"
    target = open_store(location, prefix=base)
    try:
        if any(not name.startswith(vocabulary) for name in target.named_graphs()):
            raise ArchiveError(f"the SPARQL store at {location} already holds an archive under "
                               f"{base}; restore into an engine without it (or migrate)")
        source = ox.Store.read_only(str(backup_dir / "store"))
        changes = ox.NamedNode(f"{base}changes")
        names = [g for g in source.named_graphs() if g != changes]
        with tempfile.NamedTemporaryFile(suffix=".nq") as dump:
            quads = itertools.chain(
                (q for name in names for q in source.quads_for_pattern(None, None, None, name)),
                source.quads_for_pattern(None, None, None, changes))
            ox.serialize(quads, dump, ox.RdfFormat.N_QUADS)
            dump.flush()
            del source
            target.clear()
            target.bulk_load(Path(dump.name), ox.RdfFormat.N_QUADS)
    finally:
        target.close()
