"""Request bodies are read whole or refused: past ``MAX_CONTENT_LENGTH`` the answer is 413,
whether the client sent a ``Content-Length`` or a chunked body.

With a ``Content-Length`` werkzeug refuses a body over the limit before reading it. A
chunked body has no length; the server (gunicorn, werkzeug's) marks it
``wsgi.input_terminated`` and werkzeug reads it up to the limit, then stops *without an
error*: the first ``MAX_CONTENT_LENGTH`` bytes came through as if they were the whole body,
and a batch cut at a record boundary was stored in part (201). :class:`Request` reads such a
body with one byte of room: reaching it means the body is longer than the limit, 413.
"""

from __future__ import annotations

from typing import IO

from flask import Request as FlaskRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream


class CappedStream(LimitedStream):
    """A stream of unknown length read to at most ``cap`` bytes; one byte more is 413."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        super().__init__(stream, cap + 1, is_max=True)
        self.cap = cap

    def readinto(self, buffer: bytearray) -> int | None:  # type: ignore[override]
        size = super().readinto(buffer)
        if self.tell() > self.cap:
            raise RequestEntityTooLarge()
        return size


class Request(FlaskRequest):
    """Flask's request, but a chunked body over ``MAX_CONTENT_LENGTH`` is 413, not cut."""

    @cached_property
    def stream(self) -> IO[bytes]:
        if self.shallow:
            raise RuntimeError("this request was created with shallow=True: reading its "
                               "input stream is disabled")
        limit = self.max_content_length
        if (limit is not None and self.content_length is None
                and "wsgi.input_terminated" in self.environ):
            return CappedStream(self.environ["wsgi.input"], limit)  # type: ignore[return-value]
        return get_input_stream(self.environ, max_content_length=limit)
