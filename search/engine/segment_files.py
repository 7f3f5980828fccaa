"""Whoosh's compound segment files read in place instead of copied into memory.

A Whoosh segment is one ``.seg`` file holding the postings, terms and columns. Whoosh
maps it into memory, but hands out each inner file as a ``BufferFile`` whose
``BytesIO(memoryview)`` copies the inner file: the first search copies the whole
postings file and the first stored-fields read the whole stored column, per segment and
per searcher (about 1 GB of a 100,000-statement index, twice while a new searcher
replaces the old). :func:`install` makes the inner files windows on the shared map
instead; reading them is the same, the pages are the operating system's file cache.

Pages of a map once read still count in the process's resident size (the file-backed
part) until the kernel needs them back; over many different queries that grows towards
the size of the index. :func:`release` hands them back (``MADV_DONTNEED``: the next read
faults them in again from the file cache); the search calls it after each query.
"""

from __future__ import annotations

import mmap
import os
import weakref
from typing import Any

from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.structfile import BufferFile


class MappedWindow:
    """A read-only, seekable file over ``length`` bytes of a map from ``offset``."""

    def __init__(self, source: Any, offset: int, length: int) -> None:
        self._source = source
        self._start = offset
        self._end = offset + length
        self._position = offset
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = self._end if size is None or size < 0 else min(self._end, start + size)
        if end <= start:
            return b""
        self._position = end
        return self._source[start:end]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._position
        newline = self._source.find(b"\n", start, self._end)
        end = self._end if newline < 0 else newline + 1
        if size is not None and size >= 0:
            end = min(end, start + size)
        self._position = end
        return self._source[start:end]

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: self._start, os.SEEK_CUR: self._position,
                os.SEEK_END: self._end}[whence]
        self._position = max(self._start, base + position)
        return self._position - self._start

    def tell(self) -> int:
        return self._position - self._start

    def close(self) -> None:
        self.closed = True


class MappedFile(BufferFile):
    """Whoosh's in-memory file, reading the map in place (nothing copied up front)."""

    def __init__(self, source: Any, offset: int, length: int, name: str | None = None
                 ) -> None:
        super().__init__(b"", name=name)
        self._source, self._offset, self._end = source, offset, offset + length
        self.file = MappedWindow(source, offset, length)

    def get(self, position: int, length: int) -> bytes:
        start = self._offset + position
        return self._source[start:min(start + length, self._end)]


#: The maps files were opened on (each goes when its segment is closed).
_maps: weakref.WeakSet = weakref.WeakSet()


def _open_file(self: CompoundStorage, name: str, *args: Any, **kwargs: Any) -> Any:
    if self.is_closed:
        raise StorageError("Storage was closed")
    if not self._source:
        return _original_open_file(self, name, *args, **kwargs)
    offset, length = self.range(name)
    _maps.add(self._source)
    return MappedFile(self._source, offset, length, name=name)


def release() -> None:
    """Drop the pages of every open segment map from this process's resident set."""
    for source in list(_maps):
        try:
            source.madvise(mmap.MADV_DONTNEED)
        except (ValueError, OSError):  # closed meanwhile
            _maps.discard(source)


_original_open_file = CompoundStorage.open_file


def install() -> None:
    """Read compound segments in place from now on (idempotent)."""
    CompoundStorage.open_file = _open_file
