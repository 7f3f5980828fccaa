"""The pages of the things statements name (issuers, events, treaties, topics, places,
types, issuer kinds) and of the vocabulary graphs.

A thing's page is its own description with the current statements that link to it (or,
for an issuer kind, its issuers), computed once as a :class:`~web.conneg.Page`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, SKOS, XSD

from archive import NotFound
from archive.dates import EDTF
from archive.reads import Linked, Reads
from archive.uris import LINKS
from vocab import RA
from web import charts, urls
from web.conneg import Page
from web.labels import KIND_NAMES, date_text, label_of, short_url
from web.schema_org import schema_thing

HTML_LIST_LIMIT = 500
DATE_TYPES = (XSD.date, XSD.gYear, XSD.gYearMonth, EDTF)


def thing_page(reads: Reads, kind: str, slug: str) -> Page:
    """A thing with the statements (or issuers) linked to it."""
    uri = reads.uris.thing(kind, slug)
    graph = reads.thing(kind, uri)
    if not len(graph):
        raise NotFound(f"there is no {KIND_NAMES[kind].lower()} at {uri}")
    linked = reads.linked(kind, uri) if kind in LINKS else []
    for item in linked:
        subject = item.uri
        graph.add((subject, LINKS[kind], uri))
        graph.add((subject, RDF.type, RA.Statement))
        graph.add((subject, DCTERMS.issued, item.issued))
        for lang, text in item.titles.items():
            graph.add((subject, DCTERMS.title, Literal(text, lang=lang or None)))
        for issuer, name in item.issuers.items():
            graph.add((subject, RA.issuer, issuer))
            graph.add((issuer, RDFS.label, Literal(name)))
    statements = [statement_item(item) for item in linked]
    members = kind_members(reads, uri, graph) if kind == "issuer-kinds" else []
    label = label_of(graph, uri)
    data = {"uri": str(uri), "kind": kind, "id": slug, "label": label,
            "statements": [{"id": i["id"], "uri": str(i["uri"]), "title": i["title"],
                            "date": str(i["issued"]), "issuers": list(i["issuers"].values())}
                           for i in statements]}
    if members:
        data["issuers"] = [{"uri": str(m["uri"]), "label": m["label"]} for m in members]
    years = Counter(year for item in statements for year in item["years"])
    context = {"kind": kind, "kind_name": KIND_NAMES[kind], "uri": str(uri), "label": label,
               "facts": thing_facts(graph, uri), "statements": statements[:HTML_LIST_LIMIT],
               "total": len(statements), "members": members,
               "timeline": charts.timeline(years, f"Statements per year: {label}"),
               "schema_org": schema_thing(kind, uri, label, graph)}
    return Page(graph, data, context)


def statement_item(item: Linked) -> dict[str, Any]:
    """A linked statement as the page lists it (title, date at its precision, the years it
    may fall in)."""
    return {"uri": item.uri, "id": item.id, "titles": item.titles, "issued": item.issued,
            "issuers": item.issuers, "title": item.title, "date": date_text(item.issued),
            "years": item.dating()[0]}


def kind_members(reads: Reads, uri: URIRef, graph: Graph) -> list[dict[str, Any]]:
    """Issuers of a kind (the inverse links of an issuer-kind concept)."""
    members = reads.issuers_of_kind(uri)
    for issuer, label in members:
        graph.add((issuer, RA.issuerKind, uri))
        graph.add((issuer, RDFS.label, label))
    return sorted(({"uri": issuer, "label": str(label)} for issuer, label in members),
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
            href = urls.of(value)
            named = href or any(graph.objects(value, p) for p in (RDFS.label, SKOS.prefLabel))
            row["values"].append({"value": label_of(graph, value) if named
                                  else short_url(str(value)), "href": href,
                                  "external": None if href else str(value)})
        else:
            dated = value.datatype in DATE_TYPES
            row["values"].append({"value": date_text(value) if dated else str(value),
                                  "href": None, "external": None, "lang": value.language})
    return list(rows.values())


def vocabulary_page(reads: Reads, name: str) -> Page:
    """One vocabulary graph (the ontology at /vocab) with its terms listed."""
    scheme = reads.uris.scheme(name)
    graph = Graph() + reads.archive.vocabulary[scheme]
    terms = sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)},
                   key=str)
    rows = [{"uri": str(t), "anchor": str(t).rsplit("#", 1)[-1] if "#" in str(t) else None,
             "label": label_of(graph, t), "href": urls.of(t),
             "comment": str(graph.value(t, RDFS.comment) or graph.value(t, SKOS.definition)
                            or "")} for t in terms]
    data = {"name": name, "uri": str(scheme),
            "terms": [{k: r[k] for k in ("uri", "label", "comment")} for r in rows]}
    context = {"name": name, "names": urls.VOCAB_NAMES, "terms": rows, "uri": str(scheme),
               "context_href": urls.vocabulary("context.jsonld")}
    return Page(graph, data, context)
