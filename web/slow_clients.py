"""The server's worker class: gunicorn's gthread worker, made safe against slow clients.

gunicorn's gthread worker hands a connection to one of its threads as soon as it has a
byte to read, and the thread then reads the request head and body with blocking reads:
a few clients that send a byte now and then (slowloris) hold every thread, and the
server answers nobody else. Here a thread only gathers the bytes that have already
arrived, never waiting; until the request head — and a body of at most
:data:`PREREAD_BODY` bytes announced by ``Content-Length`` — is complete, the connection
goes back to the worker's event loop, which waits for more without holding a thread
(and closes it after gunicorn's ``keepalive`` seconds of silence). A head must be
complete within :data:`HEAD_TIMEOUT` seconds of its first byte. A larger or chunked body
is read by the thread, with at most :data:`BODY_IDLE_TIMEOUT` seconds between two
reads (and between two writes of the answer): a body that stalls is refused (werkzeug
answers 400, the client gone) and frees the thread. A buffering proxy in front (nginx)
remains the defence for a public server (docs/deployment.md): a body that trickles in
just faster than that still holds a thread.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from gunicorn.workers import gthread

HEAD_TIMEOUT = 20.0
PREREAD_BODY = 256 * 1024
BODY_IDLE_TIMEOUT = 20.0
#: gunicorn's limits on a head (limit_request_line 4094 + 100 fields of 8190 bytes) and
#: then some: past this the parser refuses the head itself.
MAX_HEAD = 64 * 1024 + 100 * 8192


class BodyTooSlow(TimeoutError):
    """The request stopped arriving for BODY_IDLE_TIMEOUT seconds (an OSError, as gunicorn's
    loop and werkzeug's input stream expect of a connection that failed)."""


class _Gathered:
    """The bytes of the next request read so far, and when its first byte came."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.since: float | None = None


class GuardedThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    """gthread, where no thread waits for a client's request head or small body."""

    def handle(self, conn: Any) -> Any:
        if self.cfg.is_ssl or conn.is_http2:
            return super().handle(conn)
        gathered = conn.__dict__.setdefault("_gathered", _Gathered())
        if conn.parser is not None:  # a kept-alive connection's read-ahead
            gathered.data[:0] = conn.parser.unreader.take_buffered()
        state = _gather(conn.sock, gathered)
        if state == "wait":
            return gthread._DEFER
        if state == "close":
            return False
        conn.data_ready = True
        conn.init()
        if not hasattr(conn.parser.unreader, "_guarded"):
            _guard_body_reads(conn.parser.unreader)
        conn.parser.unreader.unread(bytes(gathered.data))
        gathered.data.clear()
        gathered.since = None
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        conn.sock.settimeout(BODY_IDLE_TIMEOUT)  # the rest of the body, and the answer
        return super().handle_request(req, conn)


def _gather(sock: socket.socket, gathered: _Gathered) -> str:
    """Read what has arrived without waiting: ``ready`` (a whole head, and a small body),
    ``wait`` (more to come) or ``close`` (gone, or too slow)."""
    ended = False
    while len(gathered.data) <= MAX_HEAD:
        try:
            chunk = sock.recv(65536, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            return "close"
        if not chunk:
            ended = True
            break
        gathered.data += chunk
    if gathered.data and gathered.since is None:
        gathered.since = time.monotonic()
    if len(gathered.data) > MAX_HEAD or _complete(bytes(gathered.data)):
        return "ready"  # the parser answers an oversized or malformed head itself
    if ended or (gathered.since is not None
                 and time.monotonic() - gathered.since > HEAD_TIMEOUT):
        return "close"
    return "wait"


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole request head, and its body when that is announced
    by one ``Content-Length`` of at most :data:`PREREAD_BODY` (anything else about the
    head is for gunicorn's parser to judge)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    lengths, expects = [], False
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            lengths.append(value.strip())
        elif name in (b"transfer-encoding", b"expect"):
            expects = True  # chunked, or waiting for 100 Continue: read by the thread
    if expects or len(lengths) != 1 or not lengths[0].isdigit() \
            or int(lengths[0]) > PREREAD_BODY:
        return True
    return len(data) - (end + 4) >= int(lengths[0])


def _guard_body_reads(unreader: Any) -> None:
    """Let every blocking read of the parser (the body's, or a head the check above took
    for whole) wait at most BODY_IDLE_TIMEOUT."""
    read = unreader.chunk

    def chunk(size_hint: int | None = None) -> bytes:
        unreader.sock.settimeout(BODY_IDLE_TIMEOUT)
        try:
            return read(size_hint)
        except TimeoutError:
            raise BodyTooSlow(f"no byte of the request for {BODY_IDLE_TIMEOUT:g} s") from None

    unreader.chunk = chunk
    unreader._guarded = True
