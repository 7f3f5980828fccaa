"""A segment's postings written a block at a time, byte for byte as Whoosh's W3 codec would.

Whoosh's ``FieldWriter.add_postings`` takes postings one by one (a field-length lookup, an
``add_posting`` with its checks, two ``tell`` system calls per term). :func:`write_terms`
takes each term's postings at once (from :class:`~search.engine.pool.TermPool`) and writes the
same blocks, term infos and offsets with a few list and array operations per block.

One difference, off with ``compress_from=0``: a block whose pickled data is shorter than
:data:`COMPRESS_FROM` bytes is stored uncompressed (compression 0 in its header, which
every Whoosh reader honours block by block). Setting up zlib costs more than such a block
is worth: 60 % of the blocks of 1,000 long statements are that small, compressing them
was half of writing the segment, and they save 0.8 % of the postings file.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter, sub
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo
from whoosh.compat import dumps
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

from search.engine.pool import TermPostings

Lengths = list[int | None] | None
#: Blocks whose pickled data is shorter than this are not compressed (0: compress all,
#: as Whoosh does).
COMPRESS_FROM = 128


class PositionedFile:
    """A file being written that counts its position instead of asking the OS (``tell``
    on a buffered file is a system call; the postings and term writers ask for every term).
    Only ``write``, ``write_int`` and ``tell`` are offered: nothing can write past it."""

    def __init__(self, file: Any) -> None:
        self._file = file
        self._position = file.tell()

    def write(self, data: bytes) -> None:
        self._position += len(data)
        self._file.write(data)

    def write_int(self, number: int) -> None:
        self.write(pack_int(number))

    def tell(self) -> int:
        return self._position


def _known_lengths(lengths: Lengths, docnums: list[int]) -> list[int]:
    """The non-zero field lengths of ``docnums`` (as ``add_posting`` keeps them)."""
    if lengths is None:
        return []
    if docnums[-1] < len(lengths):
        return list(filter(None, map(lengths.__getitem__, docnums)))
    return [lengths[d] for d in docnums if d < len(lengths) and lengths[d]]


def _mini_weights(weights: array) -> Any:
    if all(w == 1.0 for w in weights):
        return None
    first = weights[0]
    if all(w == first for w in weights):
        return first
    return tuple(weights)


def _mini_values(values: list[bytes], fixed_size: int | None) -> Any:
    if fixed_size is None or fixed_size < 0:
        return tuple(values)
    if fixed_size == 0:
        return None
    return b"".join(values)


class TermWriter:
    """Writes the postings of one field's terms into a W3 field writer's files."""

    def __init__(self, fieldwriter: W3FieldWriter, codec: Any, format_: Any,
                 lengths: Lengths, compress_from: int = COMPRESS_FROM) -> None:
        self.postfile: PositionedFile = fieldwriter._postfile
        self.tindex = fieldwriter._tindex
        self.fieldid = pack_ushort(fieldwriter._fieldid)
        self.blocklimit = codec._blocklimit
        self.compression = codec._compression
        self.fixed_size = format_.fixed_value_size()
        self.lengths = lengths
        self.compress_from = compress_from

    def write(self, btext: bytes, postings: list[Any]) -> None:
        """One term's postings ([docnum, weight, value, ...], in document order)."""
        info = W3TermInfo()
        start = self.postfile.tell()
        docnums, weights, values = postings[0::3], postings[1::3], postings[2::3]
        count, size = len(docnums), self.blocklimit
        for first in range(0, count, size):
            end = first + size
            self._block(info, docnums[first:end], weights[first:end], values[first:end],
                        first == 0, end >= count)
        info.set_extent(start, self.postfile.tell() - start)
        self.tindex.add(self.fieldid + btext, info.to_bytes())

    def _block(self, info: W3TermInfo, docnums: list[int], weights: list[Any],
               values: list[Any], first: bool, last: bool) -> None:
        """``W3PostingsWriter._write_block`` with the block's statistics added to ``info``."""
        stored = array("f", weights)
        top = max(weights)
        top = top if top > 0 else 0
        known = _known_lengths(self.lengths, docnums)
        shortest = min(known) if known else None
        longest = max(known) if known else 0
        # W3TermInfo.add_block
        info._weight += sum(stored)
        info._df += len(docnums)
        info._minlength = shortest if info._minlength is None else min(info._minlength,
                                                                       shortest)
        info._maxlength = max(info._maxlength, longest)
        info._maxweight = max(info._maxweight, top)
        if info._minid is None:
            info._minid = docnums[0]
        info._maxid = docnums[-1]

        ids = tuple(map(sub, docnums, [0, *docnums])) if len(docnums) > 1 else (docnums[0],)
        data = dumps((ids, _mini_weights(stored),
                      _mini_values([v for v in values if v], self.fixed_size)), 2)
        compression = self.compression if len(data) >= self.compress_from else 0
        if compression:
            data = zlib.compress(data, compression)
        head = dumps((len(docnums), docnums[-1], top, compression,
                      length_to_byte(shortest), length_to_byte(longest)), 2)
        postfile = self.postfile
        if first:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        postfile.write_int(-(len(head) + len(data)) if last else len(head) + len(data))
        postfile.write(head)
        postfile.write(data)


def write_terms(fieldwriter: W3FieldWriter, codec: Any, schema: Any, lengths: Any,
                terms: Iterable[TermPostings], compress_from: int = COMPRESS_FROM) -> None:
    """Write every term's postings as ``FieldWriter.add_postings`` would (byte for byte
    with ``compress_from=0``).

    ``terms`` are (field name, term bytes, [docnum, weight, value, ...]) in field and term
    order; ``lengths`` answers ``field_lengths(name)`` (see
    :class:`search.engine.writer.LengthsOnce`) or is None when the codec keeps no lengths.
    """
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    termfile = tindex.dbfile
    fieldwriter._postfile, tindex.dbfile = PositionedFile(postfile), PositionedFile(termfile)
    try:
        for fieldname, group in groupby(terms, key=itemgetter(0)):
            field = schema[fieldname]
            fieldwriter.start_field(fieldname, field)
            column = lengths.field_lengths(fieldname) if lengths is not None else None
            writer = TermWriter(fieldwriter, codec, field.format, column, compress_from)
            for _, btext, postings in group:
                writer.write(btext, postings)
            fieldwriter.finish_field()
    finally:
        fieldwriter._postfile, tindex.dbfile = postfile, termfile
