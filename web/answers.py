"""Answering a page of the archive: validators from the change log, 304 when unchanged, else
the page computed once and rendered in the negotiated format (:func:`web.conneg.respond`).

Every view of a thing, the vocabulary and the VoID description answers through
:func:`answer`; any write anywhere changes every such page's ETag (the key includes the
change log's length and a digest of the vocabulary files).
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import Response

from archive import Archive
from vocab import VOCAB_DIR
from web import citations
from web.conneg import (
    CITATION_FORMATS,
    CONTEXT_PATH,
    FORMATS,
    GRAPH_FORMATS,
    Page,
    Validators,
    negotiate,
    not_modified,
    respond,
)
from web.labels import add_concept_labels
from web.services import get_archive


@lru_cache(maxsize=1)
def vocabulary_stamp() -> str:
    """A digest of the vocabulary files (they change only with a new deployment)."""
    digest = hashlib.sha256()
    for path in [*sorted(VOCAB_DIR.glob("*.ttl")), CONTEXT_PATH]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: The time of the newest change per archive, read once per change-log position.
_LAST_CHANGE: weakref.WeakKeyDictionary[Archive, tuple[int, datetime | None]] = \
    weakref.WeakKeyDictionary()


def last_change_time(archive: Archive, sequence: int) -> datetime | None:
    """When change ``sequence`` (the newest) was made; read from the log once per position."""
    known = _LAST_CHANGE.get(archive)
    if known is not None and known[0] == sequence:
        return known[1]
    last = archive.changes(sequence - 1, 1) if sequence else []
    time = last[0].time if last else None
    _LAST_CHANGE[archive] = (sequence, time)
    return time


def log_validators(archive: Archive, key: str) -> Validators:
    """Validators from the change log: any write anywhere changes every page's ETag."""
    sequence = archive.last_sequence()
    return Validators(f"{key}|{sequence}|{vocabulary_stamp()}",
                      last_change_time(archive, sequence))


def answer(key: str, template: str, compute: Callable[..., Page], *args: Any,
           offered: dict[str, str] = FORMATS) -> Response:
    """Negotiate, answer 304 when unchanged, else compute the page and render it.

    The thesaurus labels of the concepts a graph names are added only for the RDF formats
    (the page and its JSON twin take labels from the thesauri directly). A citation format
    carries the day it was accessed, so its validators change daily and no shared cache
    (nor the page cache) keeps it.
    """
    fmt = negotiate(offered)
    archive = get_archive()
    dated = fmt in CITATION_FORMATS
    validators = log_validators(archive, f"{key}|{date.today()}" if dated else key)
    cached = not_modified(validators, fmt)
    if cached is None:
        page = compute(*args)
        if fmt in GRAPH_FORMATS:
            add_concept_labels(archive, page.graph)
        cached = respond(page, fmt, template, validators, offered)
    if dated:
        cached.headers["Cache-Control"] = "private"
        cached.headers["Content-Disposition"] = \
            f'inline; filename="{key.rsplit("/", 1)[-1]}.{citations.EXTENSIONS[fmt]}"'
    return cached
