"""The records of one OAI-PMH page, read together: a few store queries for the whole page.

Each current record becomes a :class:`RecordTriples`: the triples ``Archive.record_graph``
plus ``add_concept_labels`` would hold (statement, the issuers, events and places it names,
the preferred labels of the thesaurus concepts among them), in the store's order, with the
two look-ups the metadata formats need. No rdflib graph is built.

A :class:`RecordReader` per app keeps the issuers, events and places it has read (a harvest
meets the same few thousand on every page) until the change log moves (it is the
``oai_resources`` follower), and each concept's label triples (the thesauri do not change
while the app runs).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import NamedTuple

import pyoxigraph as ox
from flask import Flask
from rdflib.namespace import SKOS

from archive import Archive
from archive.bulk_read import Graphs, Subject, Term
from archive.followers import Follower
from archive.uris import CONCEPT_KINDS
from vocab import RA
from vocab.thesaurus import Concept
from web.services import get_follower

PREF_LABEL = str(SKOS.prefLabel)
#: Resource graphs kept between pages at most (a few hundred bytes each).
RESOURCES_KEPT = 20_000


class LabelLiteral(NamedTuple):
    """A thesaurus label added to a record, with its language tag as the thesaurus spells it
    (pyoxigraph would lower-case it; rdflib, which the output once came from, does not)."""

    value: str
    language: str | None
    datatype: None = None


Object = Term | LabelLiteral
Triple = tuple[Subject, str, Object]


class RecordTriples:
    """One record's graph as a list of distinct triples, in order, with look-ups."""

    def __init__(self, triples: list[Triple]) -> None:
        self.triples = triples
        self._index: dict[tuple[Subject, str], list[Object]] | None = None

    def objects(self, subject: Subject, predicate: str) -> list[Object]:
        """The objects of ``subject``'s ``predicate``, in order."""
        return self.index().get((subject, predicate), [])

    def value(self, subject: Subject, predicate: str) -> Object | None:
        """The first object of ``subject``'s ``predicate`` (as rdflib's ``Graph.value``)."""
        found = self.index().get((subject, predicate))
        return found[0] if found else None

    def index(self) -> dict[tuple[Subject, str], list[Object]]:
        """(subject, predicate) → objects, built at the first look-up (RDF/XML needs none)."""
        if self._index is None:
            index: dict[tuple[Subject, str], list[Object]] = {}
            for subject, predicate, obj in self.triples:
                found = index.get((subject, predicate))
                if found is None:
                    index[subject, predicate] = [obj]
                else:
                    found.append(obj)
            self._index = index
        return self._index


def as_subject(term: Object) -> Subject | None:
    """The key a term has as a subject (an IRI's string, a blank node), None for a literal."""
    if isinstance(term, ox.NamedNode):
        return term.value
    return term if isinstance(term, ox.BlankNode) else None


class RecordReader(Follower):
    """Reads pages of records for one archive, keeping what does not change between pages."""

    name = "oai_resources"

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.lock = threading.Lock()
        self.resources: dict[tuple[str, ...], Graphs] = {}
        self.concepts = thesaurus_concepts(archive)
        self.labels = {uri: [(uri, PREF_LABEL, LabelLiteral(text, lang))
                             for lang, text in concept.labels.items()]
                       for uri, concept in self.concepts.items()}

    def follow(self, sequence: int) -> None:
        with self.lock:  # a write may have changed any issuer, event or place
            self.resources = {}
            self.sequence = sequence

    def read(self, record_ids: Iterable[str], with_text: bool = True
             ) -> dict[str, RecordTriples]:
        """The current records among ``record_ids`` (a deleted one is absent);
        ``with_text`` False leaves out the full text (``ra:text``), which Dublin Core does
        not carry."""
        skip = () if with_text else (str(RA.text),)
        with self.lock:
            if sum(map(len, self.resources.values())) > RESOURCES_KEPT:
                self.resources = {}
            resources = self.resources.setdefault(skip, Graphs())
        found = self.archive.read.record_triples(record_ids, skip, resources)
        return {record_id: RecordTriples(self.with_concept_labels(triples))
                for record_id, triples in found.items()}

    def with_concept_labels(self, triples: list[Triple]) -> list[Triple]:
        """The triples followed by the preferred labels of the thesaurus concepts they name."""
        added: list[Triple] = []
        seen: set[str] = set()
        labels = self.labels
        for _, _, obj in triples:
            if isinstance(obj, ox.NamedNode):
                uri = obj.value
                if uri in labels and uri not in seen:
                    seen.add(uri)
                    added += labels[uri]
        return triples + added if added else triples


def thesaurus_concepts(archive: Archive) -> dict[str, Concept]:
    """Each thesaurus concept by its URI, where ``web.labels`` would find it: in the
    thesaurus its URI's kind names (the thesauri are fixed while the archive is open)."""
    found = {}
    for kind in CONCEPT_KINDS:
        for concept in archive.thesauri[kind]:
            uri = str(concept.uri)
            parts = archive.uris.split(uri)
            if parts and parts[0] == kind:
                found[uri] = concept
    return found


def follower(app: Flask) -> RecordReader:
    return RecordReader(app.extensions["archive"])


def record_reader() -> RecordReader:
    """The app's record reader."""
    reader: RecordReader = get_follower("oai_resources")  # type: ignore[assignment]
    return reader
