"""A read-only view of the store as it is at one moment, for readers that take long
(the dumps): taken without holding the write lock, so writes go on meanwhile."""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archive import changelog
from archive.store import Store, StoreBackend
from archive.uris import Uris

if TYPE_CHECKING:
    from archive.core import Archive

SNAPSHOT = ".snapshot"


@dataclass
class Snapshot:
    """What a dump is written from: a store that no write changes, and where its log ends."""

    store: StoreBackend
    base: str
    uris: Uris
    sequence: int


@contextlib.contextmanager
def snapshot_of(archive: Archive, folder: Path) -> Iterator[Snapshot]:
    """A read-only view of the store as it is now, without holding its write lock.

    The embedded store: a checkpoint in ``folder`` (hard links to the store's immutable
    files when on the same file system, not a copy of the data), opened read-only and
    removed afterwards. A store in memory (tests): a copy. A remote engine offers no
    snapshot over SPARQL: the live store, with the sequence read first, so the dump holds
    at least every change up to the one it names.
    """
    store = archive.store
    if store.shared:
        yield Snapshot(store, archive.base, archive.uris, archive.last_sequence())
        return
    target = folder / f"{SNAPSHOT}-{secrets.token_hex(4)}"
    copy: Store
    if store.path is None:
        copy = Store(None)
        with store.lock:
            copy.apply(list(store.quads()))
    else:
        folder.mkdir(parents=True, exist_ok=True)
        store.backup(target)
        copy = Store(target, read_only=True)
    try:
        yield Snapshot(copy, archive.base, archive.uris, changelog.last_sequence(copy,
                                                                                archive.uris))
    finally:
        copy.close()
        shutil.rmtree(target, ignore_errors=True)
