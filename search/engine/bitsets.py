"""Sets of document numbers as Python ints: bit ``d`` is set when document ``d`` is in.

At 100,000 documents a set is a 12.5 KB int (a Python ``set`` of as many ints is 5–8 MB);
``a & b``, ``a | b`` and ``bits.bit_count()`` run in C over machine words. Converting to
and from document numbers goes through one byte per document ("flags"), also in C
except for the loop that sets the flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import compress

_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def from_flags(flags: bytes | bytearray) -> int:
    """The set of the positions whose byte is 1 (every byte is 0 or 1)."""
    return int(flags.translate(_TO_DIGITS)[::-1], 2) if flags else 0


def from_ids(ids: Iterable[int], size: int) -> int:
    """The set of ``ids`` (each in ``range(size)``)."""
    flags = bytearray(size)
    for docnum in ids:
        flags[docnum] = 1
    return from_flags(flags)


def from_blocks(blocks: Iterable[Iterable[int]], size: int) -> int:
    """The set of the ids of several blocks (postings come a block at a time)."""
    flags = bytearray(size)
    for block in blocks:
        for docnum in block:
            flags[docnum] = 1
    return from_flags(flags)


def flags_of(bits: int, size: int) -> bytes:
    """One byte per document in ``range(size)``: 1 if it is in ``bits``, else 0."""
    if not bits:
        return bytes(size)
    return format(bits, "b").encode("ascii").translate(_TO_FLAGS)[::-1].ljust(size, b"\0")


def ids_of(bits: int) -> list[int]:
    """The documents in ``bits``, in increasing order."""
    return list(iter_ids(bits))


def iter_ids(bits: int) -> Iterator[int]:
    flags = flags_of(bits, bits.bit_length())
    return compress(range(len(flags)), flags)


def full(size: int) -> int:
    """Every document in ``range(size)``."""
    return (1 << size) - 1
