"""Web addresses of the archive's pages, built in one place (as :mod:`archive.uris` builds
the RDF URIs): views, feeds and templates (as ``urls.statement(id)``) ask here.

Each function takes ``external=True`` for an absolute URL (feeds, Memento, the sitemap).
:func:`of` turns a thing's RDF URI into the page that shows it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import has_request_context, request, url_for

from vocab import MODEL_FILES, SCHEME_FILES
from web.services import get_archive

#: Names of the vocabulary graphs served under /vocab/{name}.
VOCAB_NAMES = [path.split("/", 1)[1] for path in (*MODEL_FILES.values(), *SCHEME_FILES.values())]


def statement(record_id: str, external: bool = False, **args: Any) -> str:
    return url_for("things.statement", record_id=record_id, _external=external, **args)


def version(record_id: str, number: int, external: bool = False, **args: Any) -> str:
    return url_for("things.version", record_id=record_id, number=number, _external=external,
                   **args)


def similar(record_id: str, **args: Any) -> str:
    return url_for("things.similar", record_id=record_id, **args)


def thing(kind: str, slug: str, external: bool = False) -> str:
    """The page of an issuer, event, treaty, topic, place, type or issuer kind."""
    return url_for("things.thing", kind=kind, slug=slug, _external=external)


def vocabulary(name: str | None = None, external: bool = False) -> str:
    """/vocab (the ontology), or one vocabulary graph (or ``context.jsonld``)."""
    if name is None:
        return url_for("things.vocabulary_index", _external=external)
    return url_for("things.vocabulary", name=name, _external=external)


def of(uri: str) -> str | None:
    """The local page of a thing URI under our base (None for outside URIs)."""
    root = request.script_root if has_request_context() else ""
    return _local(get_archive().base, root, str(uri))


@lru_cache(maxsize=16384)
def _local(base: str, root: str, uri: str) -> str | None:
    """:func:`of` for the archive with ``base`` served under ``root`` (the same things
    are linked from page after page, and ``url_for`` is slow)."""
    parts = get_archive().uris.split(uri)
    if parts is None:
        vocab = base + "vocab"
        if uri.startswith(vocab + "/") and uri[len(vocab) + 1:] in VOCAB_NAMES:
            return vocabulary(uri[len(vocab) + 1:])
        return None
    kind, slug = parts
    if kind == "statements":
        return statement(slug)
    return thing(kind, slug)
