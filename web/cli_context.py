"""The data folder a ``rights-archive`` command works on, shared by every command module."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive import Archive
from archive.settings import settings
from search import SearchIndex


class Context:
    """The data folder chosen on the command line, opened on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def archive(self, *, with_index: bool = True, read_only: bool = False, follow: bool = True
                ) -> Iterator[tuple[Archive, SearchIndex | None]]:
        """The archive and its index; ``follow=False`` leaves indexing to the caller."""
        archive = Archive(self.folder, settings().base_uri, read_only=read_only)
        index = None
        try:
            if with_index:
                index = SearchIndex(self.folder / "index", archive, follow=follow)
            yield archive, index
        finally:
            archive.close()

    @contextmanager
    def reading(self) -> Iterator[Archive]:
        """The archive for a command that only reads: read-only while another process (a
        running server, an import) holds the store for writing, so it works beside it."""
        with self.archive(with_index=False, read_only=locked(self)) as (archive, _):
            yield archive


def locked(ctx: Context) -> bool:
    """Whether another process holds the store (then read from a consistent snapshot)."""
    lock = ctx.folder / "store" / "LOCK"
    if not lock.exists():
        return False
    with lock.open("rb") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN)
    return False
