"""schema.org JSON-LD for the pages of things (embedded in their HTML for search engines),
with an inline context so that nothing is fetched to read it."""

from __future__ import annotations

from typing import Any

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS

from archive.dates import machine_date
from archive.record import Record
from vocab import RA
from web.labels import label_of

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
        "datePublished": machine_date(str(issued)) or None if issued is not None else None,
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
    """An issuer, event, treaty, topic, place or type, with the statements about it."""
    return {"@context": SCHEMA_CONTEXT, "@type": SCHEMA_TYPES[kind], "@id": str(uri),
            "name": label, "url": str(uri),
            "subjectOf": [{"@type": "CreativeWork", "@id": str(s)}
                          for s in sorted(graph.subjects(RDF.type, RA.Statement))][:50]}
