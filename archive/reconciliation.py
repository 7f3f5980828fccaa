"""What reconciliation matches against: every issuer, event, treaty, topic and place, with
its names and the facts a query may name (kind, part of, country), ranked for a query.

The catalogue is read from the store with fixed queries (nothing a client sent reaches
SPARQL) and from the thesauri, once per change-log position (kept by the ``reconcile``
follower of the change log, web/reconcile.py).
Scores and tiers come from :mod:`archive.matching`; ``match`` is set on a candidate only
when it is the one thing whose name equals the query, or — none does — the one whose name
is close to it, and no property of the query disagrees with it or is unknown for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rdflib import RDFS, URIRef
from rdflib.namespace import ORG, SKOS

from archive.core import Archive
from archive.dates import literal_display
from archive.matching import CLOSE, Comparison, Name, best, fold
from vocab import RA

#: Type id → (the kind in URIs, its name, what it is).
TYPES: dict[str, tuple[str, str, str]] = {
    "issuer": ("issuers", "Issuer", "an organisation, government, body or person that "
               "issued statements"),
    "event": ("events", "Event", "something that happened and that statements respond to"),
    "treaty": ("treaties", "Treaty or instrument", "a human-rights treaty, protocol or "
               "declaration from the treaty thesaurus"),
    "topic": ("topics", "Topic", "a subject from the topic thesaurus"),
    "place": ("places", "Place", "a country, city or region statements concern"),
}
#: Property id → (its name, what it holds).
PROPERTIES: dict[str, tuple[str, str]] = {
    "kind": ("Kind of issuer", "an issuer's kind: its code (government, ngo, city …) or name"),
    "part_of": ("Part of", "the issuer an issuer is part of: its name or id"),
    "country": ("Country or place", "for an issuer, a place its statements concern; for an "
                "event, where it happened: a name or a place id"),
}
#: The types that may carry each property (a query naming one looks at those types only).
PROPERTY_TYPES: dict[str, frozenset[str]] = {
    "kind": frozenset({"issuer"}), "part_of": frozenset({"issuer"}),
    "country": frozenset({"issuer", "event"}),
}
RESOURCE_CLASSES = {"issuers": RA.Issuer, "events": RA.Event, "places": RA.Place}
#: The names of a resource: its label, then its alternative names.
NAME_PREDICATES = (RDFS.label, SKOS.altLabel)
MIN_SCORE = 50.0
UNKNOWN_FACTOR = 0.9  # a property the query names that the candidate has no value for
PRESELECT = 60  # names scored in full per query (the best by a fast fuzzy ratio)


@dataclass(frozen=True)
class Entity:
    """One thing a query may match."""

    id: str  # its URI less the archive's base: "issuers/bulgaria"
    type: str
    names: tuple[Name, ...]  # the name first
    description: str = ""
    facts: dict[str, frozenset[str]] = field(default_factory=dict)  # property → keys

    @property
    def name(self) -> str:
        return self.names[0].text


@dataclass(frozen=True)
class Query:
    """One reconciliation query, already checked (web/reconcile.py reads it from JSON)."""

    text: str | None
    types: tuple[str, ...] = ()
    properties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    limit: int = 5


@dataclass
class Candidate:
    """An entity proposed for a query."""

    entity: Entity
    score: float
    comparison: Comparison
    agreed: dict[str, bool]  # property → whether the entity's value agrees (known ones)
    unknown: bool = False  # some property of the query has no value on the entity
    match: bool = False

    @property
    def tier(self) -> str:
        if self.comparison.exact:
            return "exact"
        return "close" if self.comparison.close and self.comparison.score >= CLOSE else ""


class Catalogue:
    """Every entity of an archive, with look-ups by id and by folded name."""

    def __init__(self, archive: Archive, entities: Iterable[Entity]) -> None:
        self.uris = archive.uris
        self.entities = {entity.id: entity for entity in entities}
        self._names: dict[str, list[tuple[Name, Entity]]] = defaultdict(list)
        self._folded: dict[str, list[str]] = defaultdict(list)  # the same, folded: for rapidfuzz
        self._exact: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._words: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for entity in self.entities.values():
            for name in entity.names:
                index = len(self._names[entity.type])
                self._exact[entity.type][name.folded].append(index)
                for word in set(name.words):
                    self._words[entity.type][word].append(index)
                self._names[entity.type].append((name, entity))
                self._folded[entity.type].append(name.folded)

    def entity(self, text: str) -> Entity | None:
        """The entity with this id ("issuers/bulgaria") or URI, if any."""
        if text in self.entities:
            return self.entities[text]
        parts = self.uris.split(text)
        return self.entities.get(f"{parts[0]}/{parts[1]}") if parts else None

    def keys(self, value: str) -> set[str]:
        """What a property value given in a query may equal: its folded text, and the id
        of the entity it names by id or URI."""
        keys = {fold(value)}
        if (found := self.entity(value)) is not None:
            keys.add(found.id)
        return keys

    def candidates(self, query: Query) -> list[Candidate]:
        """The candidates for ``query``, best first, ``match`` set on the top one when sure."""
        wanted = [(pid, set().union(*(self.keys(v) for v in values)))
                  for pid, values in query.properties]
        types = tuple(t for t in query.types or TYPES
                      if all(t in PROPERTY_TYPES[pid] for pid, _ in wanted))
        found: dict[str, Candidate] = {}
        by_id = self.entity(query.text) if query.text else None
        if by_id is not None and by_id.type in types:
            found[by_id.id] = self._candidate(by_id, Comparison(100.0, by_id.name, exact=True),
                                              wanted)
        for entity, comparison in self._compared(query.text, types):
            if comparison.score >= MIN_SCORE and entity.id not in found:
                found[entity.id] = self._candidate(entity, comparison, wanted)
        ranked = sorted((c for c in found.values() if all(c.agreed.values())),
                        key=lambda c: (-c.score, c.entity.name.casefold(), c.entity.id))
        _decide(ranked)
        return ranked[:query.limit]

    def _compared(self, text: str | None, types: tuple[str, ...]
                  ) -> Iterable[tuple[Entity, Comparison]]:
        if text is None:  # properties only: every entity of the types, on an even footing
            return [(entity, Comparison(MIN_SCORE, entity.name))
                    for entity in self.entities.values() if entity.type in types]
        query = Name.of(text)
        pairs: list[tuple[Name, Entity]] = []
        for kind in types:
            names = self._names[kind]
            if len(names) <= PRESELECT:
                pairs += names
                continue
            chosen = self._preselect(kind, query)
            pairs += [names[index] for index in sorted(chosen)]
        names_of: dict[str, list[Name]] = defaultdict(list)
        entities: dict[str, Entity] = {}
        for name, entity in pairs:
            names_of[entity.id].append(name)
            entities[entity.id] = entity
        return [(entities[key], best(query, found)) for key, found in names_of.items()]

    def _preselect(self, kind: str, query: Name) -> set[int]:
        """The names of a type worth scoring in full: every equal one, the nearest by a fast
        whole-name ratio (typos), and those sharing a word, rarest words first (parts)."""
        chosen = set(self._exact[kind].get(query.folded, ()))
        near = process.extract(query.folded, self._folded[kind], scorer=fuzz.QRatio,
                               limit=PRESELECT, score_cutoff=40)
        chosen.update(index for _, _, index in near)
        words = self._words[kind]
        sharing: set[int] = set()
        for word in sorted(set(query.words), key=lambda w: len(words.get(w, ()))):
            if len(sharing) >= PRESELECT:
                break
            sharing.update(words.get(word, ())[:PRESELECT])
        return chosen | sharing

    def _candidate(self, entity: Entity, comparison: Comparison,
                   wanted: list[tuple[str, set[str]]]) -> Candidate:
        agreed: dict[str, bool] = {}
        unknown = False
        for pid, keys in wanted:
            have = entity.facts.get(pid)
            if have:
                agreed[pid] = bool(have & keys)
            else:
                unknown = True
        score = comparison.score * (UNKNOWN_FACTOR if unknown else 1)
        return Candidate(entity, round(score, 1), comparison, agreed, unknown)

    def suggest(self, prefix: str, types: tuple[str, ...] = (), cursor: int = 0,
                limit: int = 10) -> list[Entity]:
        """Entities a name or id starting with ``prefix`` (or a word of a name) names."""
        wanted = fold(prefix)
        ranked: dict[str, tuple[int, str]] = {}
        for kind in types or tuple(TYPES):
            for name, entity in self._names[kind]:
                if entity.id.startswith(prefix) or name.folded.startswith(wanted):
                    rank = 0
                elif wanted and f" {wanted}" in f" {name.folded}":
                    rank = 1
                else:
                    continue
                key = (rank, entity.name.casefold())
                ranked[entity.id] = min(ranked.get(entity.id, key), key)
        order = sorted(ranked, key=lambda i: (*ranked[i], i))
        return [self.entities[i] for i in order[cursor:cursor + limit]]


def _decide(ranked: list[Candidate]) -> None:
    """Mark the top candidate a match when it alone is in the best tier present and every
    property the query gave agrees with it."""
    if not ranked:
        return
    top = ranked[0]
    if not top.tier or top.unknown:
        return
    rivals = [c for c in ranked[1:] if c.tier == "exact" or
              (top.tier == "close" and c.tier == "close")]
    top.match = not rivals


# Reading the catalogue --------------------------------------------------------------

def resource_names(archive: Archive, kind: str) -> dict[URIRef, list[str]]:
    """Every name of each issuer, event or place: its label first, then its alternative
    names (``alt_names``), each once."""
    cls = RESOURCE_CLASSES[kind]
    names: dict[URIRef, dict[str, None]] = defaultdict(dict)
    for predicate in NAME_PREDICATES:
        rows = archive.store.select(
            f"SELECT ?s ?name WHERE {{ GRAPH ?s {{ ?s a <{cls}> ; <{predicate}> ?name }} }}")
        for row in rows:
            names[row["s"]].setdefault(str(row["name"]), None)
    return {uri: list(found) for uri, found in names.items()}


def _pairs(archive: Archive, query: str) -> dict[URIRef, set[URIRef]]:
    found: dict[URIRef, set[URIRef]] = defaultdict(set)
    for row in archive.store.select(query):
        found[row["s"]].add(row["o"])
    return found


def read_catalogue(archive: Archive) -> Catalogue:
    """The catalogue of ``archive`` as it is now."""
    uris = archive.uris

    def local(uri: URIRef) -> str:
        return str(uri)[len(uris.base):]

    names = {kind: resource_names(archive, kind) for kind in RESOURCE_CLASSES}
    all_names = {uri: found for kind_names in names.values() for uri, found in kind_names.items()}

    def keys_of(uris_: Iterable[URIRef]) -> frozenset[str]:
        keys: set[str] = set()
        for uri in uris_:
            keys.add(local(uri))
            keys.update(fold(name) for name in all_names.get(uri, []))
        return frozenset(keys)

    kinds = _pairs(archive, f"SELECT ?s ?o WHERE {{ GRAPH ?s {{ ?s a <{RA.Issuer}> ; "
                            f"<{RA.issuerKind}> ?o }} }}")
    parents = _pairs(archive, f"SELECT ?s ?o WHERE {{ GRAPH ?s {{ ?s a <{RA.Issuer}> ; "
                              f"<{ORG.subOrganizationOf}> ?o }} }}")
    places = _pairs(archive, f"SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?g a "
                             f"<{RA.Statement}> ; <{RA.issuer}> ?s ; <{RA.place}> ?o }} }}")
    event_places = _pairs(archive, f"SELECT ?s ?o WHERE {{ GRAPH ?s {{ ?s a <{RA.Event}> ; "
                                   f"<{RA.eventPlace}> ?o }} }}")
    event_dates = _pairs(archive, f"SELECT ?s ?o WHERE {{ GRAPH ?s {{ ?s a <{RA.Event}> ; "
                                  f"<{RA.eventDate}> ?o }} }}")
    issuer_kinds = archive.thesauri["issuer-kinds"]
    entities: list[Entity] = []
    for uri, found in names["issuers"].items():
        concepts = [issuer_kinds.concepts[k] for k in kinds.get(uri, ()) if k in issuer_kinds]
        parent = sorted(all_names.get(p, [local(p)])[0] for p in parents.get(uri, ()))
        description = ", ".join([*(c.label() for c in concepts),
                                 *(f"part of {name}" for name in parent)])
        facts = {"kind": frozenset({local(c.uri) for c in concepts} |
                                   {fold(label) for c in concepts for label in c.all_labels()}),
                 "part_of": keys_of(parents.get(uri, ())),
                 "country": keys_of(places.get(uri, ()))}
        entities.append(Entity(local(uri), "issuer", tuple(map(Name.of, found)), description,
                               {k: v for k, v in facts.items() if v}))
    for uri, found in names["events"].items():
        where = sorted(all_names.get(p, [local(p)])[0] for p in event_places.get(uri, ()))
        when = sorted(literal_display(d) for d in event_dates.get(uri, ()))
        facts = {"country": keys_of(event_places.get(uri, ()))}
        entities.append(Entity(local(uri), "event", tuple(map(Name.of, found)),
                               ", ".join(when + where), {k: v for k, v in facts.items() if v}))
    for uri, found in names["places"].items():
        entities.append(Entity(local(uri), "place", tuple(map(Name.of, found))))
    for type_id in ("treaty", "topic"):
        for concept in archive.thesauri[TYPES[type_id][0]]:
            labels = dict.fromkeys([concept.label(), *concept.all_labels()])
            description = concept.notation if concept.notation != concept.label() else ""
            entities.append(Entity(local(concept.uri), type_id, tuple(map(Name.of, labels)),
                                   description))
    return Catalogue(archive, entities)
