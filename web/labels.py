"""Words for readers: a thing's display label, a date at its precision, a short outside URL.

Shared by the pages of things, OAI-PMH, the feeds and the search pages, so a thing is
named the same everywhere: the thesaurus label for a concept, else ``rdfs:label``,
``skos:prefLabel`` or the title (English first), else the last part of its URI.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from archive import Archive
from archive.dates import literal_display
from archive.uris import CONCEPT_KINDS
from web.services import get_archive

#: Names of the kinds of things, for headings.
KIND_NAMES = {"issuers": "Issuer", "events": "Event", "treaties": "Treaty or instrument",
              "topics": "Topic", "places": "Place", "types": "Statement type",
              "issuer-kinds": "Kind of issuer"}


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


def date_text(literal: Any) -> str:
    """A date at its precision ("22 June 2018", "June 2018", "2018")."""
    return literal_display(literal)


def short_url(url: str, limit: int = 60) -> str:
    """An outside URL as host and path ("example.org/news/…"), shortened to ``limit``."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    text = parts.netloc.removeprefix("www.") + parts.path.rstrip("/")
    return text if len(text) <= limit else text[: limit - 1].rstrip("/") + "…"
