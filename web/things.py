"""Pages of things: statements, issuers, events, treaties, topics, places, types, vocabulary.

The views are thin: each checks its address, takes the read model (``get_reads()``) and has
its :class:`~web.conneg.Page` computed (:mod:`web.statement_pages`, :mod:`web.thing_pages`)
and answered in whatever format was negotiated (:func:`web.answers.answer`). A deleted
statement answers 410 with a tombstone.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file

from archive import Gone, NotFound
from archive.record import ID_PATTERN
from web import memento, urls
from web.answers import answer
from web.conneg import CITATION_FORMATS, CONTEXT_PATH, STATEMENT_FORMATS, negotiate, respond
from web.services import get_index, get_reads
from web.signin import current_agent
from web.statement_pages import statement_page, tombstone_page, version_page
from web.thing_pages import thing_page, vocabulary_page

bp = Blueprint("things", __name__)
bp.add_app_template_filter(urls.of, "thing_link")
bp.add_app_template_global(urls, "urls")


def _checked_id(record_id: str) -> str:
    if not ID_PATTERN.match(record_id):
        abort(404)
    return record_id


@bp.get("/statements/<record_id>")
def statement(record_id: str) -> Response:
    """A current statement, or the tombstone of a deleted one (its history says which);
    with ``Accept-Datetime``, its own Memento TimeGate (:mod:`web.memento`)."""
    reads = get_reads()
    versions = reads.history(_checked_id(record_id))  # NotFound for an unknown id
    wanted = memento.wanted_datetime()
    if wanted is not None:
        return memento.timegate(record_id, versions, wanted)
    if versions[-1].deleted:
        fmt = negotiate(STATEMENT_FORMATS)
        if fmt in CITATION_FORMATS:
            raise Gone(f"statement '{record_id}' was deleted")
        response = respond(tombstone_page(reads, record_id), fmt, "things/tombstone.html")
    else:
        response = answer(f"statements/{record_id}", "things/statement.html",
                          statement_page, reads, record_id, versions,
                          offered=STATEMENT_FORMATS)
    return memento.as_original(response, record_id, versions)


@bp.get("/statements/<record_id>/similar")
def similar(record_id: str) -> str:
    """Statements like this one: its own small page, which the statement page loads after
    itself (the search for key terms is the costly part of showing a statement)."""
    reads = get_reads()
    state = reads.state(_checked_id(record_id))
    if state is None or state.deleted:
        raise NotFound(f"there is no statement '{record_id}'")
    template = "things/similar_list.html" if request.args.get("fragment") else \
        "things/similar.html"
    return render_template(template, record_id=record_id,
                           title=reads.record(record_id).title_text(),
                           similar=more_like_this(record_id))


def more_like_this(record_id: str, limit: int = 5) -> list[Any]:
    """Similar statements from the search index (none if it has not indexed this one yet)."""
    try:
        return get_index().more_like_this(record_id, limit)
    except NotFound:
        return []


@bp.get("/statements/<record_id>/versions/<int:number>")
def version(record_id: str, number: int) -> Response:
    """One version, a Memento of the statement: its content as it was then; a delete version
    is the tombstone as it was (410). While the statement stays deleted its earlier versions
    are withdrawn too (the tombstone, 410), except for editors deciding on a restore."""
    reads = get_reads()
    versions = reads.history(_checked_id(record_id))  # NotFound for an unknown id
    meta = next((v for v in versions if v.number == number), None)
    if meta is None:
        raise NotFound(f"statement '{record_id}' has no version {number}")
    if meta.deleted:
        response = respond(tombstone_page(reads, record_id, versions[:versions.index(meta) + 1]),
                           negotiate(), "things/tombstone.html")
    elif versions[-1].deleted and not _may_edit():
        # A delete withdraws the content (a takedown): until a restore, only editors, who
        # decide on restoring, read the earlier versions; everyone else gets the tombstone.
        response = respond(tombstone_page(reads, record_id), negotiate(),
                           "things/tombstone.html")
    else:
        response = answer(f"versions/{record_id}/{number}", "things/version.html",
                          version_page, reads, record_id, number, versions)
    return memento.as_memento(response, record_id, versions, meta)


def _may_edit() -> bool:
    agent = current_agent()
    return agent is not None and agent.may("editor")


@bp.get("/<any(issuers, events, treaties, topics, places, types, 'issuer-kinds'):kind>/<slug>")
def thing(kind: str, slug: str) -> Response:
    if not ID_PATTERN.match(slug):
        abort(404)
    return answer(f"{kind}/{slug}", "things/thing.html", thing_page, get_reads(), kind, slug)


@bp.get("/vocab")
def vocabulary_index() -> Response:
    return answer("vocab", "things/vocab.html", vocabulary_page, get_reads(), "ontology")


@bp.get("/vocab/<name>")
def vocabulary(name: str) -> Response:
    if name == "context.jsonld":
        response = send_file(CONTEXT_PATH, mimetype="application/ld+json", conditional=True)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if name not in urls.VOCAB_NAMES:
        abort(404)
    return answer(f"vocab/{name}", "things/vocab.html", vocabulary_page, get_reads(), name)
