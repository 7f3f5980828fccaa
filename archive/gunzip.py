"""Unpacking gzip-compressed input within a cap, so that a small file cannot fill the memory.

A gzip file of 300 KB can hold a gigabyte of zeros (a "gzip bomb"). The file is decompressed
as a stream, a chunk at a time, and never more than the cap (``RIGHTS_ARCHIVE_MAX_DECOMPRESSED``
bytes, see :func:`archive.settings.max_decompressed`) plus one byte comes out: past it the
file is refused, with the limit named, before anything else is read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from archive.errors import BadInput

CHUNK = 64 * 1024
_GZIP = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


def gunzip_file(path: Path, limit: int, name: str | None = None) -> bytes:
    """The decompressed content of the gzip file at ``path``: BadInput when it is not gzip,
    is cut short, or comes to more than ``limit`` bytes."""
    name = name or path.name
    try:
        with path.open("rb") as handle:
            return gunzip(iter(lambda: handle.read(CHUNK), b""), limit, name)
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from None


def gunzip(chunks: Iterator[bytes], limit: int, name: str) -> bytes:
    """Decompress the gzip stream in ``chunks`` (one or more members, as gzip allows)."""
    out = bytearray()
    member = zlib.decompressobj(_GZIP)
    try:
        for chunk in chunks:
            data = chunk
            while data:
                if member.eof:  # a further member, or the zero padding gzip allows
                    data = data.lstrip(b"\0")
                    if not data:
                        break
                    member = zlib.decompressobj(_GZIP)
                out += member.decompress(data, limit + 1 - len(out))
                _check(out, limit, name)
                data = member.unused_data if member.eof else member.unconsumed_tail
        if not member.eof:
            out += member.flush(limit + 1 - len(out))
            _check(out, limit, name)
            raise BadInput(f"{name} is not a complete gzip file (it ends inside the "
                           "compressed data)")
    except zlib.error as error:
        raise BadInput(f"{name} is not a valid gzip file ({error})") from None
    return bytes(out)


def _check(out: bytearray, limit: int, name: str) -> None:
    if len(out) > limit:
        raise BadInput(f"{name} decompresses to more than {limit:,} bytes, the most the archive "
                       "unpacks from one file (RIGHTS_ARCHIVE_MAX_DECOMPRESSED); split it into "
                       "smaller files")
