"""Pages of things: statements, issuers, events, treaties, topics, places, types, vocabulary.

Each view computes its :class:`~web.conneg.Page` once (the thing's graph, including the
statements that link to it, its JSON twin and template data) and :func:`web.conneg.respond`
renders it in whatever format was negotiated. A deleted statement answers 410 with a tombstone.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    has_request_context,
    render_template,
    request,
    send_file,
    url_for,
)
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, SKOS, XSD

from archive import Archive, Gone, NotFound
from archive.dates import DateError, from_literal
from archive.history import record_changes, snapshot_graph
from archive.record import ID_PATTERN, Record, normalize_newlines
from vocab import MODEL_FILES, RA, SCHEME_FILES, VOCAB_DIR
from web import charts, citations, memento
from web.conneg import (
    CITATION_FORMATS,
    CONTEXT_PATH,
    FORMATS,
    GRAPH_FORMATS,
    STATEMENT_FORMATS,
    Page,
    Validators,
    negotiate,
    not_modified,
    respond,
)
from web.services import get_archive, get_index
from web.signin import current_agent

bp = Blueprint("things", __name__)

#: Kind of thing → the predicate by which statements link to it.
LINKS: dict[str, URIRef] = {
    "issuers": RA.issuer, "events": RA.respondsTo, "treaties": RA.references,
    "topics": RA.topic, "places": RA.place, "types": RA.statementType,
}
RESOURCE_KINDS = ("issuers", "events", "places")
CONCEPT_KINDS = ("treaties", "topics", "types", "issuer-kinds")
KIND_NAMES = {"issuers": "Issuer", "events": "Event", "treaties": "Treaty or instrument",
              "topics": "Topic", "places": "Place", "types": "Statement type",
              "issuer-kinds": "Kind of issuer"}
VOCAB_NAMES = [path.split("/", 1)[1] for path in (*MODEL_FILES.values(), *SCHEME_FILES.values())]
HTML_LIST_LIMIT = 500
DATE_TYPES = (XSD.date, XSD.gYear, XSD.gYearMonth)


# Validators ------------------------------------------------------------------------------

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


def answer(key: str, template: str, compute: Any, *args: Any,
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


# Links and labels -----------------------------------------------------------------------

def link_for(uri: str) -> str | None:
    """The local page of a thing URI under our base (None for outside URIs)."""
    root = request.script_root if has_request_context() else ""
    return _local_link(get_archive().base, root, str(uri))


@lru_cache(maxsize=16384)
def _local_link(base: str, root: str, uri: str) -> str | None:
    """:func:`link_for` for the archive with ``base`` served under ``root`` (the same things
    are linked from page after page, and ``url_for`` is slow)."""
    archive = get_archive()
    parts = archive.uris.split(uri)
    if parts is None:
        vocab = base + "vocab"
        if uri.startswith(vocab + "/") and uri[len(vocab) + 1:] in VOCAB_NAMES:
            return url_for("things.vocabulary", name=uri[len(vocab) + 1:])
        return None
    kind, slug = parts
    if kind == "statements":
        return url_for("things.statement", record_id=slug)
    return url_for("things.thing", kind=kind, slug=slug)


@bp.app_template_filter("thing_link")
def thing_link(uri: str) -> str | None:
    return link_for(uri)


def label_of(graph: Graph, uri: URIRef) -> str:
    """A display label: the thesaurus label, rdfs:label or title, else the URI's last part."""
    archive = get_archive()
    parts = archive.uris.split(str(uri))
    if parts and parts[0] in CONCEPT_KINDS:
        concept = archive.thesauri[parts[0]].concepts.get(uri)
        if concept:
            return concept.label()
    for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
        values = list(graph.objects(uri, predicate))
        if values:
            return str(min(values, key=_label_rank))
    return str(uri).rstrip("/").rsplit("/", 1)[-1]


def _label_rank(value: Any) -> tuple[int, str, str]:
    """English (or untagged) labels first, then by language and text: the same on every run."""
    language = getattr(value, "language", None) or ""
    return (0 if language in ("", "en") else 1, language, str(value))


def date_text(literal: Any) -> str:
    """A date at its precision ("22 June 2018", "June 2018", "2018")."""
    if literal is None:
        return ""
    try:
        return from_literal(literal).display()
    except DateError:
        return str(literal)


def add_concept_labels(archive: Archive, graph: Graph) -> Graph:
    """Add the preferred labels of the thesaurus concepts a graph names (for readers)."""
    for uri in set(graph.objects()):
        parts = archive.uris.split(str(uri)) if isinstance(uri, URIRef) else None
        if parts and parts[0] in CONCEPT_KINDS:
            concept = archive.thesauri[parts[0]].concepts.get(uri)
            if concept:
                for lang, text in concept.labels.items():
                    graph.add((uri, SKOS.prefLabel, Literal(text, lang=lang)))
    return graph


# Statements ------------------------------------------------------------------------------

def _checked_id(record_id: str) -> str:
    if not ID_PATTERN.match(record_id):
        abort(404)
    return record_id


@bp.get("/statements/<record_id>")
def statement(record_id: str) -> Response:
    """A current statement, or the tombstone of a deleted one (its history says which);
    with ``Accept-Datetime``, its own Memento TimeGate (:mod:`web.memento`)."""
    archive = get_archive()
    versions = archive.history(_checked_id(record_id))  # NotFound for an unknown id
    wanted = memento.wanted_datetime()
    if wanted is not None:
        return memento.timegate(record_id, versions, wanted)
    if versions[-1].kind == "delete":
        fmt = negotiate(STATEMENT_FORMATS)
        if fmt in CITATION_FORMATS:
            raise Gone(f"statement '{record_id}' was deleted")
        response = respond(tombstone_page(archive, record_id), fmt, "things/tombstone.html")
    else:
        response = answer(f"statements/{record_id}", "things/statement.html",
                          statement_page, archive, record_id, versions,
                          offered=STATEMENT_FORMATS)
    return memento.as_original(response, record_id, versions)


def statement_page(archive: Archive, record_id: str, versions: list[Any] | None = None
                   ) -> Page:
    """Everything about one current statement, in every form (``versions``: its history,
    when the caller has just read it)."""
    uri = archive.uris.statement(record_id)
    graph = archive.store.graph(uri)
    if not len(graph):
        raise Gone(f"statement '{record_id}' was deleted")
    archive.add_resources(graph)
    versions = versions or archive.history(record_id)
    graph.add((uri, RA.currentVersion, versions[-1].uri))
    record = archive.mapper.from_rdf(graph, uri)
    data = {"uri": str(uri), **record.to_json()}
    relations = statement_relations(archive, graph, uri)
    cited = citations.citation(record, str(graph.value(uri, DCTERMS.issued) or ""), str(uri),
                               publisher=citations.archive_name())
    context = {
        "record": record, "uri": str(uri), "relations": relations,
        "date": date_text(graph.value(uri, DCTERMS.issued)),
        "date_iso": str(graph.value(uri, DCTERMS.issued) or ""),
        "paragraphs": [p.strip() for p in normalize_newlines(record.text or "").split("\n\n")
                       if p.strip()],
        "history": history_entries(archive, record_id, versions, record),
        "graph_svg": charts.relation_graph(record.title_text(), relations),
        "citation": citation(record, graph, uri),
        "schema_org": schema_statement(record, graph, uri),
        "citation_meta": citations.meta_tags(cited),
    }
    return Page(graph, data, context, texts=citations.texts(cited))


def statement_relations(archive: Archive, graph: Graph, uri: URIRef
                        ) -> dict[str, list[dict[str, Any]]]:
    """Linked things by role, each with a label and a local link where there is one."""
    roles = {"issuers": RA.issuer, "events": RA.respondsTo, "treaties": RA.references,
             "topics": RA.topic, "places": RA.place, "types": RA.statementType}
    relations = {role: sorted(({"uri": str(o), "label": label_of(graph, o), "href": link_for(o)}
                               for o in graph.objects(uri, predicate)),
                              key=lambda item: item["label"].casefold())
                 for role, predicate in roles.items()}
    relations["see_also"] = [see_also_item(archive, link)
                             for link in sorted(graph.objects(uri, RA.seeAlso))]
    return relations


def see_also_item(archive: Archive, link: URIRef) -> dict[str, Any]:
    """A see-also link: an archive statement by its title, an outside page by host and path."""
    if archive.uris.record_id(str(link)) is not None:
        titles = {o.language: str(o) for _, _, o in archive.store.triples(link, link,
                                                                          DCTERMS.title)}
        if titles:
            language = next((str(o) for _, _, o in archive.store.triples(
                link, link, DCTERMS.language)), None)
            label = titles.get(language) or titles.get("en") or next(iter(titles.values()))
            return {"uri": str(link), "label": label, "href": link_for(link)}
    return {"uri": str(link), "label": short_url(str(link)), "href": link_for(link)}


def short_url(url: str, limit: int = 60) -> str:
    """An outside URL as host and path ("example.org/news/…"), shortened to ``limit``."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    text = parts.netloc.removeprefix("www.") + parts.path.rstrip("/")
    return text if len(text) <= limit else text[: limit - 1].rstrip("/") + "…"


def history_entries(archive: Archive, record_id: str, versions: list[Any],
                    current_record: Record) -> list[dict]:
    """Versions newest first, each with its note and the fields it changed from the
    version with content before it (:func:`archive.history.record_changes`).

    ``current_record`` is the content of the newest version; older ones are read from
    their snapshots, and only when there is something to compare (two versions with content).
    """
    with_content = sum(version.kind != "delete" for version in versions)
    entries, previous = [], None
    for version in versions:
        changes: list[Any] = []
        if version.kind != "delete" and with_content > 1:
            record = (current_record if version is versions[-1]
                      else version_content(archive, record_id, version))
            current = record.to_json()
            if previous is not None:
                changes = record_changes(previous, current)
            previous = current
        entries.append({"number": version.number, "kind": version.kind, "agent": version.agent,
                        "time": version.time, "note": version.note, "changes": changes,
                        "href": url_for("things.version", record_id=record_id,
                                        number=version.number)
                        if version.kind != "delete" else None})
    return entries[::-1]


def version_content(archive: Archive, record_id: str, version: Any) -> Record:
    """The record as it was at ``version`` (a superseded one keeps its content as a
    snapshot; the current one is the statement graph)."""
    uri = archive.uris.statement(record_id)
    content = (snapshot_graph(version.snapshot) if version.snapshot
               else archive.store.graph(uri))
    archive.add_resources(content)
    return archive.mapper.from_rdf(content, uri)


def more_like_this(record_id: str, limit: int = 5) -> list[Any]:
    """Similar statements from the search index (none if it has not indexed this one yet)."""
    try:
        return get_index().more_like_this(record_id, limit)
    except NotFound:
        return []


def citation(record: Record, graph: Graph, uri: URIRef) -> str:
    """A suggested citation: issuers, title, type, date, archive and URI."""
    issuers = "; ".join(agent.name for agent in record.issuers)
    kind = f" {record.type.capitalize()}," if record.type else ""
    date = date_text(graph.value(uri, DCTERMS.issued))
    return (f"{issuers}. “{record.title_text()}”.{kind} {date}. "
            f"Human Rights Statements Archive, {uri}.")


def tombstone_page(archive: Archive, record_id: str, versions: list[Any] | None = None
                   ) -> Page:
    """What is left of a deleted statement: its id and the dates of its versions (those up
    to its delete: ``versions``, for the tombstone as it was at an earlier delete)."""
    uri = archive.uris.statement(record_id)
    versions = versions or archive.history(record_id)
    graph = Graph()
    for version in versions:
        graph.add((version.uri, RDF.type, RA.Version))
        graph.add((version.uri, RA.changeKind, Literal(version.kind)))
        graph.add((version.uri, RA.versionNumber, Literal(version.number)))
    graph.add((uri, RA.currentVersion, versions[-1].uri))
    data = {"uri": str(uri), "id": record_id, "deleted": versions[-1].time.isoformat(),
            "versions": [{"number": v.number, "kind": v.kind, "time": v.time.isoformat(),
                          **({"note": v.note} if v.note else {})} for v in versions]}
    return Page(graph, data, {"uri": str(uri), "record_id": record_id, "versions": versions},
                status=410)


@bp.get("/statements/<record_id>/similar")
def similar(record_id: str) -> str:
    """Statements like this one: its own small page, which the statement page loads after
    itself (the search for key terms is the costly part of showing a statement)."""
    archive = get_archive()
    state = archive.state(_checked_id(record_id))
    if state is None or state.deleted:
        raise NotFound(f"there is no statement '{record_id}'")
    template = "things/similar_list.html" if request.args.get("fragment") else \
        "things/similar.html"
    return render_template(template, record_id=record_id,
                           title=archive.record(record_id).title_text(),
                           similar=more_like_this(record_id))


@bp.get("/statements/<record_id>/versions/<int:number>")
def version(record_id: str, number: int) -> Response:
    """One version, a Memento of the statement: its content as it was then; a delete version
    is the tombstone as it was (410). While the statement stays deleted its earlier versions
    are withdrawn too (the tombstone, 410), except for editors deciding on a restore."""
    archive = get_archive()
    versions = archive.history(_checked_id(record_id))  # NotFound for an unknown id
    meta = next((v for v in versions if v.number == number), None)
    if meta is None:
        raise NotFound(f"statement '{record_id}' has no version {number}")
    if meta.deleted:
        response = respond(tombstone_page(archive, record_id, versions[:versions.index(meta) + 1]),
                           negotiate(), "things/tombstone.html")
    elif versions[-1].deleted and not _may_edit():
        # A delete withdraws the content (a takedown): until a restore, only editors, who
        # decide on restoring, read the earlier versions; everyone else gets the tombstone.
        response = respond(tombstone_page(archive, record_id), negotiate(),
                           "things/tombstone.html")
    else:
        response = answer(f"versions/{record_id}/{number}", "things/version.html",
                          version_page, archive, record_id, number, versions)
    return memento.as_memento(response, record_id, versions, meta)


def _may_edit() -> bool:
    agent = current_agent()
    return agent is not None and agent.may("editor")


def version_page(archive: Archive, record_id: str, number: int,
                 versions: list[Any] | None = None) -> Page:
    """A version with content (``versions``: the history, when the caller has read it)."""
    versions = versions or archive.history(record_id)
    record = archive.version_record(record_id, number)
    meta = next(v for v in versions if v.number == number)
    uri = archive.uris.statement(record_id)
    graph = (snapshot_graph(meta.snapshot) if meta.snapshot
             else archive.store.graph(uri))
    archive.add_resources(graph)
    for triple in archive.store.triples(archive.uris.history(record_id), meta.uri):
        graph.add(triple)
    data = {"uri": str(uri), "version": number, "time": meta.time.isoformat(),
            "agent": meta.agent, "record": record.to_json()}
    index = versions.index(meta)
    return Page(graph, data, {"record": record, "meta": meta, "uri": str(uri),
                              "current": versions[-1],
                              "previous": versions[index - 1] if index else None,
                              "following": versions[index + 1] if index + 1 < len(versions)
                              else None})


# Issuers, events, treaties, topics, places, types, issuer kinds -------------------------

@bp.get("/<any(issuers, events, treaties, topics, places, types, 'issuer-kinds'):kind>/<slug>")
def thing(kind: str, slug: str) -> Response:
    if not ID_PATTERN.match(slug):
        abort(404)
    return answer(f"{kind}/{slug}", "things/thing.html", thing_page, get_archive(), kind, slug)


def describe(archive: Archive, kind: str, uri: URIRef) -> Graph:
    """The thing's own description (resource graph or thesaurus entry), or NotFound."""
    graph = Graph()
    if kind in RESOURCE_KINDS:
        archive.store.graph(uri, into=graph)
        archive.add_resources(graph)
    else:
        scheme = archive.vocabulary[archive.uris.scheme(kind)]
        for triple in scheme.triples((uri, None, None)):
            graph.add(triple)
    if not len(graph):
        raise NotFound(f"there is no {KIND_NAMES[kind].lower()} at {uri}")
    return graph


def linked_statements(archive: Archive, predicate: URIRef, uri: URIRef) -> list[dict[str, Any]]:
    """The current statements linking to ``uri`` by ``predicate``, oldest first."""
    # uri is built from a slug that matched ID_PATTERN, so it is safe inside <...>
    rows = archive.store.select(
        f"SELECT ?s ?title ?issued ?issuer ?name WHERE {{ GRAPH ?s {{ ?s a <{RA.Statement}> ; "
        f"<{predicate}> <{uri}> ; <{DCTERMS.title}> ?title ; <{DCTERMS.issued}> ?issued . "
        f"OPTIONAL {{ ?s <{RA.issuer}> ?issuer }} }} "
        f"OPTIONAL {{ GRAPH ?issuer {{ ?issuer <{RDFS.label}> ?name }} }} }}")
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = found.setdefault(str(row["s"]), {
            "uri": row["s"], "titles": {}, "issued": row["issued"], "issuers": {}})
        item["titles"][row["title"].language or ""] = str(row["title"])
        if "issuer" in row:
            item["issuers"][row["issuer"]] = str(row.get("name", row["issuer"]))
    items = list(found.values())
    for item in items:
        item["id"] = archive.uris.record_id(str(item["uri"]))
        item["title"] = item["titles"].get("en") or next(iter(item["titles"].values()))
        item["date"] = date_text(item["issued"])
        item["year"] = int(str(item["issued"])[:4])
    return sorted(items, key=lambda i: (str(i["issued"]), i["title"]))


def thing_page(archive: Archive, kind: str, slug: str) -> Page:
    """A thing with the statements (or issuers) linked to it."""
    uri = archive.uris.thing(kind, slug)
    graph = describe(archive, kind, uri)
    statements = linked_statements(archive, LINKS[kind], uri) if kind in LINKS else []
    for item in statements:
        subject = item["uri"]
        graph.add((subject, LINKS[kind], uri))
        graph.add((subject, RDF.type, RA.Statement))
        graph.add((subject, DCTERMS.issued, item["issued"]))
        for lang, text in item["titles"].items():
            graph.add((subject, DCTERMS.title, Literal(text, lang=lang or None)))
        for issuer, name in item["issuers"].items():
            graph.add((subject, RA.issuer, issuer))
            graph.add((issuer, RDFS.label, Literal(name)))
    members = kind_members(archive, uri, graph) if kind == "issuer-kinds" else []
    label = label_of(graph, uri)
    data = {"uri": str(uri), "kind": kind, "id": slug, "label": label,
            "statements": [{"id": i["id"], "uri": str(i["uri"]), "title": i["title"],
                            "date": str(i["issued"]), "issuers": list(i["issuers"].values())}
                           for i in statements]}
    if members:
        data["issuers"] = [{"uri": str(m["uri"]), "label": m["label"]} for m in members]
    years = Counter(item["year"] for item in statements)
    context = {"kind": kind, "kind_name": KIND_NAMES[kind], "uri": str(uri), "label": label,
               "facts": thing_facts(graph, uri), "statements": statements[:HTML_LIST_LIMIT],
               "total": len(statements), "members": members,
               "timeline": charts.timeline(years, f"Statements per year: {label}"),
               "schema_org": schema_thing(kind, uri, label, graph)}
    return Page(graph, data, context)


def kind_members(archive: Archive, uri: URIRef, graph: Graph) -> list[dict[str, Any]]:
    """Issuers of a kind (the inverse links of an issuer-kind concept)."""
    rows = archive.store.select(  # uri: from a slug that matched ID_PATTERN
        f"SELECT ?i ?label WHERE {{ GRAPH ?i {{ ?i <{RA.issuerKind}> <{uri}> ; "
        f"<{RDFS.label}> ?label }} }}")
    for row in rows:
        graph.add((row["i"], RA.issuerKind, uri))
        graph.add((row["i"], RDFS.label, row["label"]))
    return sorted(({"uri": row["i"], "label": str(row["label"])} for row in rows),
                  key=lambda m: m["label"].casefold())


FACT_NAMES: dict[URIRef, str] = {
    ORG.subOrganizationOf: "Part of", RA.issuerKind: "Kind of issuer",
    RA.eventDate: "Date", RA.eventPlace: "Place", RA.adoptionDate: "Adopted",
    RA.entryIntoForce: "Entered into force", RA.instrumentKind: "Kind of instrument",
    SKOS.altLabel: "Also called", SKOS.hiddenLabel: "Also found as",
    SKOS.definition: "Definition", SKOS.scopeNote: "Scope", SKOS.note: "Note",
    SKOS.historyNote: "History", SKOS.notation: "Code", SKOS.topConceptOf: "Top concept of",
    SKOS.broader: "Broader", SKOS.narrower: "Narrower", SKOS.related: "Related",
    OWL.sameAs: "Same as", RDFS.seeAlso: "See also", RDFS.comment: "Comment",
    DCTERMS.identifier: "Identifier", DCTERMS.source: "Source",
    DCTERMS.description: "Description",
}


def fact_name(graph: Graph, predicate: URIRef) -> str:
    """A property's name for readers ("Part of"), else its local name in words."""
    if predicate in FACT_NAMES:
        return FACT_NAMES[predicate]
    local = re.split(r"[#/]", str(predicate).rstrip("/#"))[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).capitalize()


def thing_facts(graph: Graph, uri: URIRef) -> list[dict[str, Any]]:
    """The thing's own properties for the page: a name, its CURIE and values (each a text,
    a local link or an outside link), one row per property."""
    rows: dict[URIRef, dict[str, Any]] = {}
    for predicate, value in sorted(graph.predicate_objects(uri)):
        if predicate in (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.inScheme):
            continue
        row = rows.setdefault(predicate, {
            "property": fact_name(graph, predicate), "values": [],
            "curie": graph.namespace_manager.normalizeUri(predicate).strip("<>")})
        if isinstance(value, URIRef):
            href = link_for(value)
            named = href or any(graph.objects(value, p) for p in (RDFS.label, SKOS.prefLabel))
            row["values"].append({"value": label_of(graph, value) if named
                                  else short_url(str(value)), "href": href,
                                  "external": None if href else str(value)})
        else:
            dated = value.datatype in DATE_TYPES
            row["values"].append({"value": date_text(value) if dated else str(value),
                                  "href": None, "external": None, "lang": value.language})
    return list(rows.values())


# schema.org ------------------------------------------------------------------------------

SCHEMA_CONTEXT = {"@vocab": "https://schema.org/"}
SCHEMA_TYPES = {"issuers": "Organization", "events": "Event", "treaties": "Legislation",
                "topics": "DefinedTerm", "places": "Place", "types": "DefinedTerm",
                "issuer-kinds": "DefinedTerm"}


def schema_statement(record: Record, graph: Graph, uri: URIRef) -> dict[str, Any]:
    """The statement as schema.org JSON-LD with an inline context (nothing to fetch)."""
    issued = graph.value(uri, DCTERMS.issued)
    data: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT, "@type": "CreativeWork", "@id": str(uri),
        "name": record.title_text(), "inLanguage": record.language,
        "datePublished": str(issued) if issued is not None else None,
        "genre": record.type, "url": str(uri),
        "author": [{"@type": "Organization", "@id": str(o), "name": label_of(graph, o)}
                   for o in graph.objects(uri, RA.issuer)],
        "about": [{"@type": "Event", "@id": str(o), "name": label_of(graph, o)}
                  for o in graph.objects(uri, RA.respondsTo)],
        "citation": [{"@type": "Legislation", "@id": str(o), "name": label_of(graph, o)}
                     for o in graph.objects(uri, RA.references)],
        "keywords": record.topics, "spatialCoverage": [{"@type": "Place", "name": p}
                                                       for p in record.places],
        "description": record.summary, "isBasedOn": record.source,
    }
    return {k: v for k, v in data.items() if v not in (None, [], "")}


def schema_thing(kind: str, uri: URIRef, label: str, graph: Graph) -> dict[str, Any]:
    return {"@context": SCHEMA_CONTEXT, "@type": SCHEMA_TYPES[kind], "@id": str(uri),
            "name": label, "url": str(uri),
            "subjectOf": [{"@type": "CreativeWork", "@id": str(s)}
                          for s in sorted(graph.subjects(RDF.type, RA.Statement))][:50]}


# Vocabulary ------------------------------------------------------------------------------

@bp.get("/vocab")
def vocabulary_index() -> Response:
    return answer("vocab", "things/vocab.html", vocabulary_page, get_archive(), "ontology")


@bp.get("/vocab/<name>")
def vocabulary(name: str) -> Response:
    if name == "context.jsonld":
        response = send_file(CONTEXT_PATH, mimetype="application/ld+json", conditional=True)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if name not in VOCAB_NAMES:
        abort(404)
    return answer(f"vocab/{name}", "things/vocab.html", vocabulary_page, get_archive(), name)


def vocabulary_page(archive: Archive, name: str) -> Page:
    """One vocabulary graph (the ontology at /vocab) with its terms listed."""
    graph = Graph() + archive.vocabulary[archive.uris.scheme(name)]
    terms = sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)},
                   key=str)
    rows = [{"uri": str(t), "anchor": str(t).rsplit("#", 1)[-1] if "#" in str(t) else None,
             "label": label_of(graph, t), "href": link_for(t),
             "comment": str(graph.value(t, RDFS.comment) or graph.value(t, SKOS.definition)
                            or "")} for t in terms]
    data = {"name": name, "uri": str(archive.uris.scheme(name)),
            "terms": [{k: r[k] for k in ("uri", "label", "comment")} for r in rows]}
    context = {"name": name, "names": VOCAB_NAMES, "terms": rows,
               "uri": str(archive.uris.scheme(name)), "context_href":
               url_for("things.vocabulary", name="context.jsonld")}
    return Page(graph, data, context)

