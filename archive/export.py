"""Export, backup and restore: the archive's data out to files and back.

An export holds the public data (statement graphs and the resources they name) as N-Quads,
TriG, Turtle, JSON or JSON Lines; importing it into an empty archive gives an isomorphic
dataset. A backup is a consistent copy of the whole data folder's store and settings.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef

from archive.errors import ArchiveError, BadInput
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


def backup(archive: Archive, target: Path) -> None:
    """Copy the store (consistently, even while it is being written) and settings."""
    if target.exists() and any(target.iterdir()):
        raise ArchiveError(f"the backup folder {target} exists and is not empty")
    if archive.data_dir is None:
        raise ArchiveError("an in-memory archive cannot be backed up")
    target.mkdir(parents=True, exist_ok=True)
    archive.store.backup(target / "store")
    for name in ("archive.json", "auth.sqlite3"):
        if (archive.data_dir / name).exists():
            shutil.copy2(archive.data_dir / name, target / name)


def restore(backup_dir: Path, data_dir: Path) -> None:
    """Make ``data_dir`` a copy of a backup; it must not hold an archive yet."""
    if not (backup_dir / "store").is_dir() or not (backup_dir / "archive.json").exists():
        raise BadInput(f"{backup_dir} is not a backup made by 'rights-archive backup'")
    if (data_dir / "store").exists():
        raise ArchiveError(f"{data_dir} already holds an archive; restore into an empty folder "
                           "(or move the current one away first)")
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(backup_dir / "store", data_dir / "store")
    for item in backup_dir.iterdir():
        if item.is_file():
            shutil.copy2(item, data_dir / item.name)
