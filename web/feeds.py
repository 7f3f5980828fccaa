"""Crawler entry points: /sitemap.xml (an index past 50,000 URLs), /feed.atom, /robots.txt.

Statement dates come from the change log (through the OAI-PMH harvest log); the URL list
is computed again only after the log moved (the ``sitemap`` follower drops it).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from lxml import etree
from rdflib.namespace import DCTERMS

from archive import Archive, Gone
from archive.followers import Derived
from archive.uris import CONCEPT_KINDS, RESOURCE_KINDS
from web import urls
from web.labels import date_text
from web.oai import HarvestLog, harvest_log, stamp
from web.services import get_archive, get_follower

bp = Blueprint("feeds", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50

Entry = tuple[str, datetime | None]


def sitemap_entries(archive: Archive, log: HarvestLog) -> list[Entry]:
    """Every public page as (absolute URL, last change or None)."""
    entries: list[Entry] = [(url_for("home.index", _external=True),
                             log.changes[-1].time if log.changes else None)]
    for record_id in sorted(log.by_record):
        change = log.latest(record_id)
        if change is not None and not change.deleted:
            entries.append((urls.statement(record_id, external=True), change.time))
    for kind in RESOURCE_KINDS:
        for uri, _ in archive.resources.names(kind):
            entries.append((urls.thing(kind, str(uri).rsplit("/", 1)[-1], external=True),
                            None))
    for kind in CONCEPT_KINDS:
        for concept in archive.thesauri[kind]:
            entries.append((urls.thing(kind, concept.slug, external=True), None))
    entries.append((urls.vocabulary(external=True), None))
    entries += [(urls.vocabulary(name, external=True), None) for name in urls.VOCAB_NAMES]
    return entries


def follower(app: Flask) -> Derived[list[Entry]]:
    """The sitemap's entries per host they are served at, computed at their first read
    after the change log moved."""
    return Derived("sitemap", lambda host: sitemap_entries(app.extensions["archive"],
                                                           harvest_log()))


def cached_entries() -> list[Entry]:
    """The sitemap's entries as they are now."""
    entries: Derived[list[Entry]] = get_follower("sitemap")  # type: ignore[assignment]
    return entries.get(request.host_url)


def xml_response(root: etree._Element, mimetype: str = "application/xml") -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    response = Response(body, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    entries = cached_entries()
    limit = int(current_app.config["SITEMAP_LIMIT"])
    if len(entries) <= limit:
        return xml_response(url_set(entries))
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for number in range(1, (len(entries) - 1) // limit + 2):
        part = entries[(number - 1) * limit:number * limit]
        item = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(item, f"{{{SITEMAP_NS}}}loc").text = url_for(
            "feeds.sitemap_part", number=number, _external=True)
        times = [time for _, time in part if time is not None]
        if times:
            etree.SubElement(item, f"{{{SITEMAP_NS}}}lastmod").text = stamp(max(times))
    return xml_response(root)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    entries = cached_entries()
    limit = int(current_app.config["SITEMAP_LIMIT"])
    part = entries[(number - 1) * limit:number * limit] if number >= 1 else []
    if not part or len(entries) <= limit:
        abort(404)
    return xml_response(url_set(part))


def url_set(entries: list[Entry]) -> etree._Element:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for loc, time in entries:
        item = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(item, f"{{{SITEMAP_NS}}}loc").text = loc
        if time is not None:
            etree.SubElement(item, f"{{{SITEMAP_NS}}}lastmod").text = stamp(time)
    return root


@bp.get("/feed.atom")
def feed() -> Response:
    """The newest statements (by their last change), as Atom (RFC 4287)."""
    archive, log = get_archive(), harvest_log()
    root = feed_root(f"{archive.base}feed.atom", "newest statements", last_change(log),
                     url_for("feeds.feed", _external=True),
                     url_for("home.index", _external=True))
    add_entries(root, archive, log, newest(log))
    return xml_response(root, "application/atom+xml")


def archive_title() -> str:
    return str(current_app.config["VOID_TITLE"])


def last_change(log: HarvestLog) -> str:
    """The time of the newest change as an Atom date (the epoch for an empty archive)."""
    return stamp(log.changes[-1].time) if log.changes else "1970-01-01T00:00:00Z"


def feed_root(feed_id: str, subtitle: str, updated: str, self_href: str, html_href: str
              ) -> etree._Element:
    """An Atom feed element with its id, title, updated, self and HTML links and author."""
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    add(root, "id", feed_id)
    add(root, "title", f"{archive_title()}: {subtitle}")
    add(root, "updated", updated)
    add(root, "link", rel="self", href=self_href, type="application/atom+xml")
    add(root, "link", rel="alternate", href=html_href, type="text/html")
    add(add(root, "author"), "name", archive_title())
    return root


def add_entries(root: etree._Element, archive: Archive, log: HarvestLog,
                record_ids: list[str]) -> None:
    """An entry per current statement, in the order given; one deleted since (or not yet
    in this request's log) is left out."""
    for record_id in record_ids:
        if log.latest(record_id) is None:
            continue
        try:
            feed_entry(add(root, "entry"), archive, log, record_id)
        except Gone:  # deleted since this request caught up with the log
            root.remove(root[-1])


def newest(log: HarvestLog) -> list[str]:
    """Ids of the current records changed last, newest first."""
    seen: list[str] = []
    for change in reversed(log.changes):
        latest = log.latest(change.record_id)
        if change.record_id not in seen and latest is not None and not latest.deleted:
            seen.append(change.record_id)
            if len(seen) == FEED_SIZE:
                break
    return seen


def add(parent: etree._Element, name: str, text: str | None = None, **attrs: str
        ) -> etree._Element:
    """An Atom element under ``parent``."""
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", **attrs)
    element.text = text
    return element


def feed_entry(entry: etree._Element, archive: Archive, log: HarvestLog, record_id: str
               ) -> None:
    content = archive.read.current(record_id)
    graph, record = content.graph, content.record
    uri = archive.uris.statement(record_id)
    first = log.changes[log.by_record[record_id][0] - 1]
    add(entry, "id", str(uri))
    add(entry, "title", record.title_text())
    add(entry, "published", stamp(first.time))
    add(entry, "updated", stamp(log.latest(record_id).time))
    add(entry, "link", rel="alternate", type="text/html",
        href=urls.statement(record_id, external=True))
    for issuer in record.issuers:
        add(add(entry, "author"), "name", issuer.name)
    if record.type:
        add(entry, "category", term=record.type)
    issued = date_text(graph.value(uri, DCTERMS.issued))
    text = record.summary or (record.text or "")[:400]
    summary = f"{issued}. {text}" if text else issued
    add(entry, "summary", summary, type="text")


@bp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", "Allow: /", "Disallow: /api/", "Disallow: /search",
             "Disallow: /sparql", "", f"Sitemap: {url_for('feeds.sitemap', _external=True)}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
