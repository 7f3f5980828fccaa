"""Shared resources named by records (issuers, events, places): one URI per real thing.

The same name written twice resolves to one resource, and so does one of its alternative
names (``skos:altLabel``); a near-duplicate name is refused with a "did you mean" unless the
record says the resource is new on purpose.

The names are cached per process. On a shared remote store another host may have created
a resource since the cache was read: a name the cache does not know is looked up again in
the store (the names are read afresh when the change log has moved since), so two hosts
naming the same new issuer get one issuer, not ``…-2``.
"""

from __future__ import annotations

import difflib
import re

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from archive.changelog import last_sequence
from archive.record import slugify
from archive.store import Store
from archive.uris import Uris
from vocab import RA
from vocab.thesaurus import normalize_label

CLASSES = {"issuers": RA.Issuer, "events": RA.Event, "places": RA.Place}
NEAR_DUPLICATE = 0.88
_NUMBERS = re.compile(r"\d+")


class ResourceIndex:
    """Names of the issuers, events and places in the store, with pending ones of a write."""

    def __init__(self, store: Store, uris: Uris) -> None:
        self.store = store
        self.uris = uris
        self._names: dict[str, dict[str, tuple[URIRef, str]]] | None = None
        self._alt: dict[str, dict[str, tuple[URIRef, str]]] = {}  # alternative names
        self._read_at: int | None = None  # the change log's end when the names were read
        # added by the write under way: (kind, uri, name, is an alternative name)
        self._pending: list[tuple[str, URIRef, str, bool]] = []

    def _load(self) -> dict[str, dict[str, tuple[URIRef, str]]]:
        if self._names is None:
            self._read_at = last_sequence(self.store, self.uris) if self.store.shared else None
            names: dict[str, dict[str, tuple[URIRef, str]]] = {kind: {} for kind in CLASSES}
            alt: dict[str, dict[str, tuple[URIRef, str]]] = {kind: {} for kind in CLASSES}
            for kind, cls in CLASSES.items():
                for predicate, found in ((RDFS.label, names), (SKOS.altLabel, alt)):
                    query = (f"SELECT ?s ?label WHERE {{ GRAPH ?s {{ ?s a <{cls}> ; "
                             f"<{predicate}> ?label }} }}")
                    for row in self.store.select(query):
                        found[kind][normalize_label(str(row["label"]))] = (
                            row["s"], str(row["label"]))
            for kind, uri, name, is_alt in self._pending:
                (alt if is_alt else names)[kind][normalize_label(name)] = (uri, name)
            self._names, self._alt = names, alt
        return self._names

    def forget(self) -> None:
        """Drop the cached names and those of the write under way (refused, or a preview)."""
        self._names = None
        self._pending = []

    def stored(self, first: int, last: int) -> None:
        """The write under way was stored as changes ``first``…``last``: its new names are
        the store's now, and if nobody wrote since the names were read, they still hold."""
        self._pending = []
        if self._read_at is not None and self._read_at == first - 1:
            self._read_at = last

    def find(self, kind: str, name: str) -> URIRef | None:
        """The resource of this kind with this name (ignoring case and punctuation).

        On a shared store, a name the cache lacks is looked for in the store as it is now
        if the change log moved since the names were read (another host's write).
        """
        found = self._named(kind, name)
        if found is None and self.store.shared and \
                last_sequence(self.store, self.uris) != self._read_at:
            self._names = None
            found = self._named(kind, name)
        return found[0] if found else None

    def _named(self, kind: str, name: str) -> tuple[URIRef, str] | None:
        key = normalize_label(name)
        return self._load()[kind].get(key) or self._alt[kind].get(key)

    def name_of(self, kind: str, uri: URIRef) -> str | None:
        """The name of a resource of this kind (None if unknown)."""
        return next((name for found, name in self._load()[kind].values() if found == uri),
                    None)

    def near(self, kind: str, name: str) -> str | None:
        """The name of an existing resource close to ``name`` but not the same, if any."""
        main = self._load()[kind]
        names = {**self._alt[kind], **main}
        wanted = normalize_label(name)
        for key in difflib.get_close_matches(wanted, names, n=3, cutoff=NEAR_DUPLICATE):
            if _NUMBERS.findall(key) == _NUMBERS.findall(wanted):  # "45th" ≠ "50th" session
                return names[key][1]
        return None

    def add(self, kind: str, uri: URIRef, name: str) -> None:
        """A resource minted by the write under way."""
        self._load()[kind][normalize_label(name)] = (uri, name)
        self._pending.append((kind, uri, name, False))

    def add_alt(self, kind: str, uri: URIRef, name: str) -> None:
        """An alternative name given by the write under way."""
        self._load()
        self._alt[kind][normalize_label(name)] = (uri, name)
        self._pending.append((kind, uri, name, True))

    def mint(self, kind: str, name: str) -> URIRef:
        """A fresh URI for a new resource named ``name``."""
        base = slugify(name)
        uri, n = self.uris.thing(kind, base), 1
        while self.store.has_graph(uri):
            n += 1
            uri = self.uris.thing(kind, f"{base}-{n}")
        return uri

    def names(self, kind: str) -> list[tuple[URIRef, str]]:
        """Every (uri, name) of a kind, sorted by name: for autocomplete and listings."""
        return sorted(self._load()[kind].values(), key=lambda item: item[1].casefold())


def describe(kind: str, uri: URIRef, name: str) -> Graph:
    """A new resource graph: its type and name."""
    graph = Graph()
    graph.add((uri, RDF.type, CLASSES[kind]))
    graph.add((uri, RDFS.label, Literal(name)))
    return graph
