"""The pages of a statement: its current version, one earlier version, its tombstone.

Each function computes a :class:`~web.conneg.Page` once from the read model (the graph with
what the statement links to, its JSON twin, the template data) for :func:`web.answers.answer`
or :func:`web.conneg.respond` to render in whatever format was negotiated.
"""

from __future__ import annotations

from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from archive.history import Version, record_changes
from archive.reads import Reads
from archive.record import Record, normalize_newlines
from archive.uris import LINKS
from vocab import RA
from web import charts, citations, urls
from web.conneg import Page
from web.labels import date_text, label_of, short_url
from web.schema_org import schema_statement


def statement_page(reads: Reads, record_id: str, versions: list[Version] | None = None
                   ) -> Page:
    """Everything about one current statement, in every form (``versions``: its history,
    when the caller has just read it)."""
    uri = reads.uris.statement(record_id)
    content = reads.current(record_id)
    graph, record = content.graph, content.record
    versions = versions or reads.history(record_id)
    graph.add((uri, RA.currentVersion, versions[-1].uri))
    data = {"uri": str(uri), **record.to_json()}
    relations = statement_relations(reads, graph, uri)
    cited = citations.citation(record, str(graph.value(uri, DCTERMS.issued) or ""), str(uri),
                               publisher=citations.archive_name())
    context = {
        "record": record, "uri": str(uri), "relations": relations,
        "date": date_text(graph.value(uri, DCTERMS.issued)),
        "date_iso": str(graph.value(uri, DCTERMS.issued) or ""),
        "paragraphs": [p.strip() for p in normalize_newlines(record.text or "").split("\n\n")
                       if p.strip()],
        "history": history_entries(reads, record_id, versions, record),
        "graph_svg": charts.relation_graph(record.title_text(), relations),
        "citation": citation(record, graph, uri),
        "schema_org": schema_statement(record, graph, uri),
        "citation_meta": citations.meta_tags(cited),
    }
    return Page(graph, data, context, texts=citations.texts(cited))


def statement_relations(reads: Reads, graph: Graph, uri: URIRef
                        ) -> dict[str, list[dict[str, Any]]]:
    """Linked things by role, each with a label and a local link where there is one."""
    relations = {role: sorted(({"uri": str(o), "label": label_of(graph, o), "href": urls.of(o)}
                               for o in graph.objects(uri, predicate)),
                              key=lambda item: item["label"].casefold())
                 for role, predicate in LINKS.items()}
    relations["see_also"] = [see_also_item(reads, link)
                             for link in sorted(graph.objects(uri, RA.seeAlso))]
    return relations


def see_also_item(reads: Reads, link: URIRef) -> dict[str, Any]:
    """A see-also link: an archive statement by its title, an outside page by host and path."""
    title = reads.title(link)
    return {"uri": str(link), "label": title if title is not None else short_url(str(link)),
            "href": urls.of(link)}


def history_entries(reads: Reads, record_id: str, versions: list[Version],
                    current_record: Record) -> list[dict]:
    """Versions newest first, each with its note and the fields it changed from the
    version with content before it (:func:`archive.history.record_changes`).

    ``current_record`` is the content of the newest version; older ones are read from
    their snapshots, and only when there is something to compare (two versions with content).
    """
    with_content = sum(not version.deleted for version in versions)
    entries, previous = [], None
    for version in versions:
        changes: list[Any] = []
        if not version.deleted and with_content > 1:
            record = (current_record if version is versions[-1]
                      else reads.version(record_id, version).record)
            current = record.to_json()
            if previous is not None:
                changes = record_changes(previous, current)
            previous = current
        entries.append({"number": version.number, "kind": version.kind, "agent": version.agent,
                        "time": version.time, "note": version.note, "changes": changes,
                        "href": None if version.deleted
                        else urls.version(record_id, version.number)})
    return entries[::-1]


def citation(record: Record, graph: Graph, uri: URIRef) -> str:
    """A suggested citation: issuers, title, type, date, archive and URI."""
    issuers = "; ".join(agent.name for agent in record.issuers)
    kind = f" {record.type.capitalize()}," if record.type else ""
    date = date_text(graph.value(uri, DCTERMS.issued))
    return (f"{issuers}. “{record.title_text()}”.{kind} {date}. "
            f"Human Rights Statements Archive, {uri}.")


def tombstone_page(reads: Reads, record_id: str, versions: list[Version] | None = None
                   ) -> Page:
    """What is left of a deleted statement: its id and the dates of its versions (those up
    to its delete: ``versions``, for the tombstone as it was at an earlier delete)."""
    uri = reads.uris.statement(record_id)
    versions = versions or reads.history(record_id)
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


def version_page(reads: Reads, record_id: str, number: int,
                 versions: list[Version] | None = None) -> Page:
    """A version with content (``versions``: the history, when the caller has read it)."""
    versions = versions or reads.history(record_id)
    meta = next(v for v in versions if v.number == number)
    uri = reads.uris.statement(record_id)
    content = reads.version(record_id, meta)
    record, graph = content.record, content.graph
    graph += reads.version_description(record_id, meta)
    data = {"uri": str(uri), "version": number, "time": meta.time.isoformat(),
            "agent": meta.agent, "record": record.to_json()}
    index = versions.index(meta)
    return Page(graph, data, {"record": record, "meta": meta, "uri": str(uri),
                              "current": versions[-1],
                              "previous": versions[index - 1] if index else None,
                              "following": versions[index + 1] if index + 1 < len(versions)
                              else None})
