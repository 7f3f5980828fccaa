"""Look-ups in a SKOS concept scheme: resolve what an archivist typed to a concept.

A term resolves by notation, preferred, alternative or hidden label (any language), the
concept's URI or the last segment of its URI, ignoring case, accents and punctuation.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

_NON_WORD = re.compile(r"[^\w]+")


def normalize_label(text: str) -> str:
    """Fold case, accents, apostrophes and punctuation so that near-identical labels match."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", stripped.casefold().replace("'", "").replace("’", ""))
    return " ".join(w for w in words.split() if w != "the")


@dataclass
class Concept:
    """One concept with everything needed to display, resolve and index it."""

    uri: URIRef
    slug: str
    notation: str
    labels: dict[str, str] = field(default_factory=dict)
    alt_labels: list[Literal] = field(default_factory=list)
    broader: list[URIRef] = field(default_factory=list)

    def label(self, lang: str = "en") -> str:
        """The preferred label in ``lang``, else in English, else the notation."""
        return self.labels.get(lang) or self.labels.get("en") or self.notation

    def all_labels(self) -> list[str]:
        """Notation, preferred and alternative labels, each once: the concept's synonyms."""
        seen: dict[str, None] = {}
        for text in [self.notation, *self.labels.values(), *map(str, self.alt_labels)]:
            seen.setdefault(text, None)
        return list(seen)


class Thesaurus:
    """The concepts of one scheme in ``graph`` with a resolver over all their names."""

    def __init__(self, graph: Graph, scheme: URIRef) -> None:
        self.scheme = scheme
        self.concepts: dict[URIRef, Concept] = {}
        self._keys: dict[str, URIRef] = {}
        for uri in sorted(graph.subjects(SKOS.inScheme, scheme)):
            if not isinstance(uri, URIRef) or (uri, RDF.type, SKOS.Concept) not in graph:
                continue
            slug = str(uri).rstrip("/").rsplit("/", 1)[-1]
            notation = str(graph.value(uri, SKOS.notation) or slug)
            concept = Concept(uri=uri, slug=slug, notation=notation)
            for label in graph.objects(uri, SKOS.prefLabel):
                concept.labels[getattr(label, "language", None) or "en"] = str(label)
            concept.alt_labels = sorted(
                graph.objects(uri, SKOS.altLabel), key=lambda lit: (str(lit.language), str(lit))
            )
            concept.broader = sorted(graph.objects(uri, SKOS.broader))
            self.concepts[uri] = concept
        for concept in self.concepts.values():
            hidden = [str(h) for h in graph.objects(concept.uri, SKOS.hiddenLabel)]
            for key in [str(concept.uri), concept.slug, *concept.all_labels(), *hidden]:
                self._keys.setdefault(normalize_label(key), concept.uri)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, uri: object) -> bool:
        return uri in self.concepts

    def resolve(self, term: str) -> Concept | None:
        """The concept named by ``term``, or None."""
        if term in self.concepts:
            return self.concepts[URIRef(term)]
        uri = self._keys.get(normalize_label(term))
        if uri is None and "://" in term:  # the same concept under another archive's base
            uri = self._keys.get(normalize_label(term.rstrip("/").rsplit("/", 1)[-1]))
        return self.concepts[uri] if uri is not None else None

    def suggest(self, term: str, limit: int = 3) -> list[str]:
        """Names of concepts close to ``term``, best first, for a "did you mean"."""
        matches = difflib.get_close_matches(normalize_label(term), self._keys, n=limit * 3,
                                            cutoff=0.6)
        names: dict[str, None] = {}
        for key in matches:
            concept = self.concepts[self._keys[key]]
            names.setdefault(f"{concept.notation} ({concept.label()})"
                             if concept.notation != concept.label() else concept.label(), None)
        return list(names)[:limit]
