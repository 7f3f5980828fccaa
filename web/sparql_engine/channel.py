"""The pipe between the web process and a query worker: length-prefixed pickled messages.

Kept apart from :mod:`web.sparql_engine.worker` so that the web process does not import
what only a worker needs (the SPARQL grammar, the network guard).
"""

from __future__ import annotations

import pickle
import struct
from typing import Any, BinaryIO

_HEADER = struct.Struct("!Q")
READY = "ready"  # the first message of a worker (with its guard): imports done


def write_message(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_message(stream: Any) -> Any:
    """The next message, or None at end of stream (the other side went away)."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # only ever between the web process and its own workers
