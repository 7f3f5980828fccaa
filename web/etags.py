"""Entity tags of statements: one format for every route that serves or edits one.

A statement's ETag is ``"{id}-v{version}"`` (strong): it changes with every version, so the
write API can refuse an edit made to a stale copy (RFC 9110 §13.1.1, If-Match).
"""

from __future__ import annotations

import re

_TAG = re.compile(r'^(?:W/)?"(?P<id>[a-z0-9][a-z0-9._-]{0,127})-v(?P<version>[0-9]{1,9})"$')


def statement_etag(record_id: str, version: int) -> str:
    """The quoted ETag of version ``version`` of statement ``record_id``."""
    return f'"{record_id}-v{version}"'


def parse_statement_etag(tag: str) -> tuple[str, int] | None:
    """``(id, version)`` from an ETag made by :func:`statement_etag`, or None if it is not one."""
    match = _TAG.match(tag.strip())
    if match is None:
        return None
    return match["id"], int(match["version"])
