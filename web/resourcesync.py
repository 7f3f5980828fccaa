"""ResourceSync (ANSI/NISO Z39.99-2017): source description, capability list, resource
list and change lists of the statements, so a destination can copy them and keep up.

The synced resource of a statement is its own named graph as sorted N-Triples at
``/statements/{id}/graph.nt`` (the graph the N-Quads dump holds for it), so it changes
exactly when the change log says the statement changed (the page's RDF also holds the
issuers' and thesaurus labels, which change without the statement).
The resource list gives each one's ``lastmod``, length and MD5 and SHA-256 (computed once
per version and kept); the change lists are the change log itself, read through the
harvest log OAI-PMH follows (:mod:`web.oai_log`). Lists hold public records only, like
OAI-PMH: they are built from the same history and graphs the statement pages read.

Lists past ``RESOURCESYNC_PAGE_SIZE`` entries (50,000, the sitemap limit) become an index
of pages. Resource-list page ``n`` holds the records numbered ``(n-1)·size … n·size - 1`` in
order of creation, so a record never moves to another page; change-list page ``n`` holds
the changes with sequence ``(n-1)·size + 1 … n·size`` and is closed (``until``) once full.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, request, url_for
from lxml import etree

from archive import Archive, Gone
from archive.bulk_read import Triple
from archive.changelog import now
from archive.record import ID_PATTERN
from web.etags import statement_etag
from web.feeds import SITEMAP_NS, xml_response
from web.oai import stamp
from web.oai_columns import from_micros
from web.oai_log import HarvestLog, harvest_log
from web.services import get_archive

bp = Blueprint("resourcesync", __name__)

RS_NS = "http://www.openarchives.org/rs/terms/"
NSMAP = {None: SITEMAP_NS, "rs": RS_NS}
MEDIA_TYPE = "application/n-triples"
#: Change-log kind → ResourceSync change (a restore is "created" after a delete).
CHANGES = {"create": "created", "update": "updated", "delete": "deleted"}


def page_size() -> int:
    return max(1, int(current_app.config["RESOURCESYNC_PAGE_SIZE"]))


# The synced representation ---------------------------------------------------------------

def ntriples(triples: Iterable[Triple]) -> bytes:
    """Triples as N-Triples lines, sorted: each term written as Oxigraph writes it, so the
    same graph gives the same bytes (and digests) on every read."""
    lines = sorted(f"{f'<{s}>' if isinstance(s, str) else s} <{p}> {o} .\n"
                   for s, p, o in triples)
    return "".join(lines).encode("utf-8")


def graph_texts(archive: Archive, record_ids: Iterable[str]) -> dict[str, bytes]:
    """The synced representation of each statement, its graph read a batch per query."""
    return {record_id: ntriples(triples)
            for record_id, triples in archive.read.statement_triples(record_ids).items()}


def representation(archive: Archive, record_id: str) -> tuple[bytes, int]:
    """The current graph of a statement as sorted N-Triples, with its version (NotFound,
    or Gone for a deleted statement)."""
    state = archive.read.state(record_id)
    if state is None:
        abort(404)
    if state.deleted:
        raise Gone(f"statement '{record_id}' was deleted")
    return graph_texts(archive, [record_id])[record_id], state.version


@bp.get("/statements/<record_id>/graph.nt")
def graph_file(record_id: str) -> Response:
    """The resource a ResourceSync destination copies for one statement."""
    if not ID_PATTERN.match(record_id):
        abort(404)
    body, version = representation(get_archive(), record_id)
    response = Response(body, mimetype=MEDIA_TYPE)
    response.set_etag(statement_etag(record_id, version)[1:-1])
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


class Digests:
    """Length, MD5 and SHA-256 of each statement's representation, per version: computed
    for the versions not seen yet, a batch of graphs per query, and kept."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[int, int, str, str]] = {}
        self.lock = threading.Lock()

    def of(self, archive: Archive, wanted: dict[str, int]) -> dict[str, tuple[int, str, str]]:
        """record id → (length, md5, sha-256) for each (record id → version) wanted."""
        with self.lock:
            missing = [r for r, v in wanted.items() if self.known.get(r, (0,))[0] != v]
        if missing:
            for record_id, body in graph_texts(archive, missing).items():
                with self.lock:
                    self.known[record_id] = (wanted[record_id], len(body),
                                             hashlib.md5(body).hexdigest(),
                                             hashlib.sha256(body).hexdigest())
        with self.lock:
            return {r: self.known[r][1:] for r in wanted if r in self.known}


def digests() -> Digests:
    with _CREATE_LOCK:
        found = current_app.extensions.get("resourcesync_digests")
        if found is None:
            found = current_app.extensions["resourcesync_digests"] = Digests()
    return found


_CREATE_LOCK = threading.Lock()


# Documents -------------------------------------------------------------------------------

def document(root_name: str, capability: str, up: str | None = None, **md: str
             ) -> etree._Element:
    """A ``urlset`` or ``sitemapindex`` with its ``rs:ln rel="up"`` and ``rs:md``."""
    root = etree.Element(f"{{{SITEMAP_NS}}}{root_name}", nsmap=NSMAP)
    if up:
        link(root, "up", up)
    etree.SubElement(root, f"{{{RS_NS}}}md", capability=capability, **md)
    return root


def link(parent: etree._Element, rel: str, href: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{RS_NS}}}ln", rel=rel, href=href, **attrs)


def entry(parent: etree._Element, tag: str, loc: str, lastmod: datetime | None = None,
          **md: str) -> etree._Element:
    """A ``url`` (or ``sitemap``) with its ``loc``, ``lastmod`` and ``rs:md``."""
    item = etree.SubElement(parent, f"{{{SITEMAP_NS}}}{tag}")
    etree.SubElement(item, f"{{{SITEMAP_NS}}}loc").text = loc
    if lastmod is not None:
        etree.SubElement(item, f"{{{SITEMAP_NS}}}lastmod").text = stamp(lastmod)
    if md:
        etree.SubElement(item, f"{{{RS_NS}}}md", **md)
    return item


def external(endpoint: str, **values: object) -> str:
    return url_for(endpoint, _external=True, **values)


@bp.get("/.well-known/resourcesync")
def source_description() -> Response:
    root = document("urlset", "description")
    link(root, "describedby", external("void.void"), type="text/turtle")
    item = entry(root, "url", external("resourcesync.capability_list"),
                 capability="capabilitylist")
    link(item, "describedby", external("void.void"), type="text/turtle")
    return xml_response(root)


@bp.get("/resourcesync/capabilitylist.xml")
def capability_list() -> Response:
    root = document("urlset", "capabilitylist", external("resourcesync.source_description"))
    entry(root, "url", external("resourcesync.resource_list"), capability="resourcelist")
    entry(root, "url", external("resourcesync.change_list"), capability="changelist")
    return xml_response(root)


# Resource lists --------------------------------------------------------------------------

def current_records(log: HarvestLog, first: int, stop: int) -> list[tuple[str, int, int]]:
    """(id, version, time in microseconds) of the current records numbered ``first`` …
    ``stop - 1`` (by order of creation), deleted ones left out."""
    columns = log.changes
    found = []
    for number in range(first, min(stop, len(columns.first))):
        sequence = columns.last[number] - 1
        if sequence < 0 or columns.kinds.names[columns.kind[sequence]] == "delete":
            continue
        found.append((columns.records.names[number], columns.version[sequence],
                      columns.time[sequence]))
    return found


def resource_urlset(archive: Archive, log: HarvestLog, first: int, stop: int,
                    index: str | None) -> etree._Element:
    at = now()
    records = current_records(log, first, stop)
    known = digests().of(archive, {record_id: version for record_id, version, _ in records})
    root = document("urlset", "resourcelist", external("resourcesync.capability_list"),
                    at=stamp(at))
    if index:
        link(root, "index", index)
    for record_id, _, time in records:
        if record_id not in known:
            continue  # deleted since the log was read
        length, md5, sha256 = known[record_id]
        item = entry(root, "url", external("resourcesync.graph_file", record_id=record_id),
                     from_micros(time), hash=f"md5:{md5} sha-256:{sha256}",
                     length=str(length), type=MEDIA_TYPE)
        link(item, "describes", external("things.statement", record_id=record_id))
    root.find(f"{{{RS_NS}}}md").set("completed", stamp(now()))
    return root


@bp.get("/resourcesync/resourcelist.xml")
def resource_list() -> Response:
    """The resource list, or its index when the records fill more than one page."""
    archive, log, size = get_archive(), harvest_log(), page_size()
    records = len(log.changes.first)
    if records <= size:
        return xml_response(resource_urlset(archive, log, 0, records, None))
    root = document("sitemapindex", "resourcelist", external("resourcesync.capability_list"),
                    at=stamp(now()))
    for number in range(1, (records - 1) // size + 2):
        entry(root, "sitemap", external("resourcesync.resource_list_page", number=number))
    return xml_response(root)


@bp.get("/resourcesync/resourcelist-<int:number>.xml")
def resource_list_page(number: int) -> Response:
    archive, log, size = get_archive(), harvest_log(), page_size()
    records = len(log.changes.first)
    if records <= size or not 1 <= number <= (records - 1) // size + 1:
        abort(404)
    return xml_response(resource_urlset(archive, log, (number - 1) * size, number * size,
                                        external("resourcesync.resource_list")))


# Change lists ----------------------------------------------------------------------------

def change_of(log: HarvestLog, index: int) -> str:
    """The ResourceSync change of change-log entry ``index`` (0-based)."""
    columns = log.changes
    kind = columns.kinds.names[columns.kind[index]]
    if kind != "restore":
        return CHANGES[kind]
    previous = columns.previous[index]
    was_deleted = previous and columns.kinds.names[columns.kind[previous - 1]] == "delete"
    return "created" if was_deleted else "updated"


def change_urlset(log: HarvestLog, first: int, stop: int, links: dict[str, str],
                  closed: bool) -> etree._Element:
    """The changes numbered ``first + 1`` … ``stop`` as one change list (``closed``: with
    ``until``, as nothing more will join it)."""
    columns = log.changes
    if stop <= first:  # no change yet
        return document("urlset", "changelist", external("resourcesync.capability_list"),
                        **{"from": stamp(now())})
    md = {"from": stamp(from_micros(columns.time[first - 1] if first else columns.time[0]))}
    if closed:
        md["until"] = stamp(from_micros(columns.time[stop - 1]))
    root = document("urlset", "changelist", external("resourcesync.capability_list"), **md)
    for rel, href in links.items():
        link(root, rel, href)
    for index in range(first, stop):
        record_id = columns.records.names[columns.record[index]]
        time = from_micros(columns.time[index])
        entry(root, "url", external("resourcesync.graph_file", record_id=record_id), time,
              change=change_of(log, index), datetime=stamp(time))
    return root


def change_pages(log: HarvestLog, size: int) -> int:
    return max(1, (len(log.changes) - 1) // size + 1)


@bp.get("/resourcesync/changelist.xml")
def change_list() -> Response:
    """The change list, or its index of pages (the last one open) past one page."""
    log, size = harvest_log(), page_size()
    total = len(log.changes)
    if total <= size:
        return xml_response(change_urlset(log, 0, total, {}, closed=False))
    root = document("sitemapindex", "changelist", external("resourcesync.capability_list"),
                    **{"from": stamp(from_micros(log.changes.time[0]))})
    for number in range(1, change_pages(log, size) + 1):
        entry(root, "sitemap", external("resourcesync.change_list_page", number=number))
    return xml_response(root)


@bp.get("/resourcesync/changelist-<int:number>.xml")
def change_list_page(number: int) -> Response:
    log, size = harvest_log(), page_size()
    total, pages = len(log.changes), change_pages(log, size)
    if total <= size or not 1 <= number <= pages:
        abort(404)
    links = {"index": external("resourcesync.change_list")}
    if number > 1:
        links["prev"] = external("resourcesync.change_list_page", number=number - 1)
    if number < pages:
        links["next"] = external("resourcesync.change_list_page", number=number + 1)
    stop = min(number * size, total)
    return xml_response(change_urlset(log, (number - 1) * size, stop, links,
                                      closed=stop == number * size))
