"""Record ⇄ RDF: resolve a record's names against the thesauri and shared resources.

:meth:`Mapper.to_rdf` turns a checked :class:`~archive.record.Record` into its statement
graph plus the resource graphs it creates or enriches, listing every problem;
:meth:`Mapper.from_rdf` reads the same graphs back into the same record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, XSD

from archive.access import EmbargoError, parse_embargo
from archive.authority import authority_of
from archive.dates import DateError, PartialDate, parse_date
from archive.errors import Problem
from archive.record import ID_PATTERN, Agent, Event, Record, url_problem
from archive.resources import ResourceIndex, describe
from archive.uris import Uris
from vocab import RA, SCHEMA
from vocab.thesaurus import Thesaurus

#: Facts derived from a date: they follow it, and never contradict a stored one.
DERIVED_DATES = {RA.dateAsWritten, RA.earliestDate, RA.latestDate}


@dataclass
class Batch:
    """Graphs of one write: statement graphs and the resource graphs they add to."""

    statements: dict[URIRef, Graph] = field(default_factory=dict)
    resources: dict[URIRef, Graph] = field(default_factory=dict)
    new_resources: set[URIRef] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def resource(self, uri: URIRef) -> Graph:
        return self.resources.setdefault(uri, Graph())


class Mapper:
    """Maps records to RDF and back for one archive."""

    def __init__(self, uris: Uris, thesauri: dict[str, Thesaurus], resources: ResourceIndex,
                 resource_graph: Callable[[URIRef], Graph],
                 statement_known: Callable[[str], bool]) -> None:
        self.uris = uris
        self.thesauri = thesauri
        self.resources = resources
        self.resource_graph = resource_graph
        self.statement_known = statement_known

    # Record → RDF ----------------------------------------------------------------------

    def to_rdf(self, record: Record, batch: Batch, label: str, line: int | None = None,
               dayfirst: bool | None = None) -> list[Problem]:
        """Add the record's graphs to ``batch``; return the problems (nothing added if any)."""
        problems: list[Problem] = []

        def problem(key: str, message: str, suggestion: str | None = None) -> None:
            problems.append(Problem(message, label, key, suggestion, line))

        assert record.id is not None
        subject = self.uris.statement(record.id)
        graph = Graph()
        graph.add((subject, RDF.type, RA.Statement))
        graph.add((subject, DCTERMS.identifier, Literal(record.id)))
        for lang, text in sorted(record.title.items()):
            graph.add((subject, DCTERMS.title, Literal(text, lang=lang)))
        try:
            date = parse_date(record.date, dayfirst)
            _add_date(graph, subject, DCTERMS.issued, date)
        except DateError as error:
            problem("date", str(error), error.suggestion)
        graph.add((subject, DCTERMS.language, Literal(record.language, datatype=XSD.language)))
        if record.text:
            graph.add((subject, RA.text, Literal(record.text, lang=record.language)))
        if record.summary:
            graph.add((subject, DCTERMS.abstract, Literal(record.summary, lang=record.language)))
        if record.source:
            graph.add((subject, DCTERMS.source, URIRef(record.source)))
        if record.status != "published":
            graph.add((subject, RA.publicationStatus, Literal(record.status)))
        if record.access != "public":
            graph.add((subject, RA.accessLevel, Literal(record.access)))
        if record.embargo:
            graph.add((subject, RA.embargoedUntil, parse_embargo(record.embargo).literal()))
        if record.type:
            concept = self._concept("types", record.type, "type", problem)
            if concept:
                graph.add((subject, RA.statementType, concept))
        for key, scheme, predicate in (("references", "treaties", RA.references),
                                       ("topics", "topics", RA.topic)):
            for i, term in enumerate(getattr(record, key)):
                concept = self._concept(scheme, term, f"{key}[{i}]", problem)
                if concept:
                    graph.add((subject, predicate, concept))
        pending = Batch(ids=batch.ids)
        for i, agent in enumerate(record.issuers):
            key = "issuer" if len(record.issuers) == 1 else f"issuer[{i}]"
            uri = self._issuer(agent, key, batch, pending, problem)
            if uri:
                graph.add((subject, RA.issuer, uri))
        for i, event in enumerate(record.responds_to):
            uri = self._event(event, f"responds_to[{i}]", batch, pending, problem, dayfirst)
            if uri:
                graph.add((subject, RA.respondsTo, uri))
        for place in record.places:
            graph.add((subject, RA.place, self._place(place, batch, pending)))
        for i, target in enumerate(record.see_also):
            uri = self._see_also(target, f"see_also[{i}]", batch, problem)
            if uri:
                graph.add((subject, RA.seeAlso, uri))
        if problems:
            return problems
        batch.statements[subject] = graph
        for uri, resource in pending.resources.items():
            batch.resource(uri).__iadd__(resource)
        batch.new_resources |= pending.new_resources
        return []

    def _concept(self, scheme: str, term: str, key: str,
                 problem: Callable[..., None]) -> URIRef | None:
        thesaurus = self.thesauri[scheme]
        concept = thesaurus.resolve(term)
        if concept is None:
            hint = ", ".join(thesaurus.suggest(term)) or None
            what = {"treaties": "treaty or instrument", "types": "statement type",
                    "topics": "topic", "issuer-kinds": "kind of issuer"}[scheme]
            problem(key, f"'{term}' is not a known {what} (see /vocab/{scheme})", hint)
            return None
        return concept.uri

    def _shared(self, kind: str, name: str, new: bool, key: str, batch: Batch, pending: Batch,
                problem: Callable[..., None], alt_names: tuple[str, ...] = ()
                ) -> tuple[URIRef | None, Graph | None]:
        """The resource named ``name`` (or, failing that, one of ``alt_names``): existing,
        pending in this batch, or newly minted."""
        uri = self.resources.find(kind, name)
        for alt in alt_names if uri is None and not new else ():
            uri = uri or self.resources.find(kind, alt)
        if uri is not None:
            return uri, self.resource_graph(uri) if uri not in batch.new_resources else None
        if not new and (near := self.resources.near(kind, name)):
            problem(key, f"there is no {kind[:-1]} named '{name}' yet, but there is "
                         f"'{near}'; use that name, or add \"new\": true to create "
                         f"'{name}' on purpose", f"'{near}'")
            return None, None
        uri = self.resources.mint(kind, name)
        while uri in pending.new_resources or uri in batch.new_resources:
            uri = URIRef(f"{uri}-x")
        pending.new_resources.add(uri)
        pending.resource(uri).__iadd__(describe(kind, uri, name))
        self.resources.add(kind, uri, name)
        return uri, None

    def _issuer(self, agent: Agent, key: str, batch: Batch, pending: Batch,
                problem: Callable[..., None]) -> URIRef | None:
        if agent.uri and (found := self.uris.split(agent.uri)) and found[0] == "issuers":
            uri = URIRef(agent.uri)
            if not self.resources.store.has_graph(uri) and uri not in batch.new_resources:
                problem(f"{key}.uri", f"there is no issuer {agent.uri} in the archive")
                return None
            # the other names and identifiers written beside the URI are the issuer's too
            stored = self.resource_graph(uri) if uri not in batch.new_resources else None
            self._authority("issuers", uri, stored, agent, key, batch, pending, problem)
            return uri
        uri, stored = self._shared("issuers", agent.name, agent.new, key, batch, pending, problem,
                                   tuple(agent.alt_names))
        if uri is None:
            return None
        self._authority("issuers", uri, stored, agent, key, batch, pending, problem)
        facts: list[tuple[URIRef, object, str]] = []
        if agent.kind:
            kind = self._concept("issuer-kinds", agent.kind, f"{key}.kind", problem)
            if kind:
                facts.append((RA.issuerKind, kind, "kind"))
        if agent.uri:
            facts.append((OWL.sameAs, URIRef(agent.uri), "uri"))
        if agent.part_of:
            parent, _ = self._shared("issuers", agent.part_of, True, f"{key}.part_of", batch,
                                     pending, problem)
            if parent == uri:
                problem(f"{key}.part_of", "an issuer cannot be part of itself")
            elif parent:
                facts.append((ORG.subOrganizationOf, parent, "part_of"))
        self._enrich(uri, stored, facts, f"{key}", agent.name, pending, problem)
        return uri

    def _event(self, event: Event, key: str, batch: Batch, pending: Batch,
               problem: Callable[..., None], dayfirst: bool | None) -> URIRef | None:
        uri, stored = self._shared("events", event.name, event.new, key, batch, pending, problem,
                                   tuple(event.alt_names))
        if uri is None:
            return None
        self._authority("events", uri, stored, event, key, batch, pending, problem)
        facts: list[tuple[URIRef, object, str]] = []
        if event.date:
            try:
                date = parse_date(event.date, dayfirst)
                facts.append((RA.eventDate, date.literal(), "date"))
                facts += [(p, o, "date") for _, p, o in _date_triples(uri, date)]
            except DateError as error:
                problem(f"{key}.date", str(error), error.suggestion)
        if event.uri:
            facts.append((OWL.sameAs, URIRef(event.uri), "uri"))
        if event.place:
            facts.append((RA.eventPlace, self._place(event.place, batch, pending), "place"))
        self._enrich(uri, stored, facts, key, event.name, pending, problem)
        return uri

    def _enrich(self, uri: URIRef, stored: Graph | None, facts: list[tuple[URIRef, object, str]],
                key: str, name: str, pending: Batch, problem: Callable[..., None]) -> None:
        """Add facts to a resource; refuse one that contradicts what the archive holds."""
        known = stored if stored is not None else pending.resource(uri)
        for predicate, value, field_name in facts:
            current = _own_uri(known, uri) if predicate == OWL.sameAs else \
                known.value(uri, predicate)
            if current is None:
                pending.resource(uri).add((uri, predicate, value))
            elif current != value and predicate not in DERIVED_DATES:
                problem(f"{key}.{field_name}",
                        f"'{name}' is recorded with {field_name} {_show(current)}, not "
                        f"{_show(value)}; correct the {field_name} here or edit '{name}' itself")

    def _authority(self, kind: str, uri: URIRef, stored: Graph | None, thing: Agent | Event,
                   key: str, batch: Batch, pending: Batch, problem: Callable[..., None]
                   ) -> None:
        """Add the names the thing is also known by and its identifiers elsewhere; refuse a
        name of another thing, or a second identifier of one authority."""
        if not thing.alt_names and not thing.same_as:
            return  # the name itself resolved (or was minted): nothing to add
        known = stored if stored is not None else pending.resource(uri)
        added = pending.resource(uri)
        label = _name(known, uri) if (uri, RDFS.label, None) in known else thing.name
        for i, alt in enumerate([thing.name, *thing.alt_names]):
            other = self.resources.find(kind, alt)
            if other is None:
                added.add((uri, SKOS.altLabel, Literal(alt)))
                self.resources.add_alt(kind, uri, alt)
            elif other != uri:
                problem(f"{key}.alt_names[{i - 1}]" if i else f"{key}.name",
                        f"'{alt}' is already the name of another {kind[:-1]}, "
                        f"'{self.resources.name_of(kind, other) or other}'; leave it out, "
                        f"or write that {kind[:-1]} instead of '{thing.name}'")
        graphs = [known, added, *([batch.resources[uri]] if uri in batch.resources else [])]
        ids = {str(o) for graph in graphs for o in graph.objects(uri, SCHEMA.sameAs)}
        for i, same in enumerate(thing.same_as):
            authority = authority_of(same)
            clash = next((o for o in sorted(ids) if o != same and authority_of(o) == authority),
                         None)
            if clash and authority:
                problem(f"{key}.same_as[{i}]",
                        f"'{label}' is recorded as {authority.name} "
                        f"{authority.local_id(clash)} ({clash}), not "
                        f"{authority.local_id(same)}; correct the same_as here or edit "
                        f"'{label}' itself")
            elif same not in ids:
                ids.add(same)
                added.add((uri, OWL.sameAs, URIRef(same)))
                added.add((uri, SCHEMA.sameAs, URIRef(same)))

    def _place(self, name: str, batch: Batch, pending: Batch) -> URIRef:
        uri = self.resources.find("places", name)
        if uri is None:
            uri = self.resources.mint("places", name)
            pending.new_resources.add(uri)
            pending.resource(uri).__iadd__(describe("places", uri, name))
            self.resources.add("places", uri, name)
        return uri

    def _see_also(self, target: str, key: str, batch: Batch,
                  problem: Callable[..., None]) -> URIRef | None:
        if "://" in target or target.startswith("urn:"):
            if issue := url_problem(target):
                problem(key, issue)
                return None
            return URIRef(target)
        if ID_PATTERN.match(target) and (target in batch.ids or self.statement_known(target)):
            return self.uris.statement(target)
        problem(key, f"'{target}' is neither a web address nor the id of a statement in the "
                     "archive or in this batch")
        return None

    # RDF → Record ----------------------------------------------------------------------

    def from_rdf(self, graph: Graph, subject: URIRef) -> Record:
        """The record described by ``graph`` (statement graph plus its resources' graphs)."""
        language = str(graph.value(subject, DCTERMS.language) or "en")
        titles = {(t.language or language): str(t) for t in graph.objects(subject, DCTERMS.title)}
        issued = graph.value(subject, DCTERMS.issued)
        written = graph.value(subject, RA.dateAsWritten)
        # as written (read, and refused if need be, when the record is mapped again)
        date = str(written or issued) if issued is not None else ""
        text = graph.value(subject, RA.text)
        summary = graph.value(subject, DCTERMS.abstract)
        source = graph.value(subject, DCTERMS.source)
        type_uri = graph.value(subject, RA.statementType)
        status = graph.value(subject, RA.publicationStatus)
        access = graph.value(subject, RA.accessLevel)
        embargo = graph.value(subject, RA.embargoedUntil)
        issuers = sorted((self._agent(graph, uri) for uri in graph.objects(subject, RA.issuer)),
                         key=lambda a: a.name.casefold())
        events = sorted((self._event_of(graph, uri)
                         for uri in graph.objects(subject, RA.respondsTo)),
                        key=lambda e: e.name.casefold())
        return Record(
            id=str(graph.value(subject, DCTERMS.identifier) or subject.rsplit("/", 1)[-1]),
            title=titles,
            issuers=issuers,
            date=date,
            type=self._label("types", type_uri) if type_uri else None,
            language=language,
            text=str(text) if text else None,
            summary=str(summary) if summary else None,
            source=str(source) if source else None,
            responds_to=events,
            references=sorted(self._notation("treaties", uri)
                              for uri in graph.objects(subject, RA.references)),
            see_also=sorted(self.uris.record_id(str(uri)) or str(uri)
                            for uri in graph.objects(subject, RA.seeAlso)),
            topics=sorted(self._label("topics", uri) for uri in graph.objects(subject, RA.topic)),
            places=sorted(_name(graph, uri) for uri in graph.objects(subject, RA.place)),
            status=str(status) if status is not None else "published",
            access=str(access) if access is not None else "public",
            embargo=_embargo_text(embargo) if embargo is not None else None,
            issued=str(issued) if issued is not None else None,
        )

    def _agent(self, graph: Graph, uri: URIRef) -> Agent:
        kind = graph.value(uri, RA.issuerKind)
        parent = graph.value(uri, ORG.subOrganizationOf)
        same = _own_uri(graph, uri)
        return Agent(name=_name(graph, uri),
                     kind=self._notation("issuer-kinds", kind) if kind else None,
                     uri=str(same) if same else None,
                     part_of=_name(graph, parent) if parent else None, **_authority(graph, uri))

    def _event_of(self, graph: Graph, uri: URIRef) -> Event:
        date = graph.value(uri, RA.eventDate)
        written = graph.value(uri, RA.dateAsWritten)
        place = graph.value(uri, RA.eventPlace)
        same = _own_uri(graph, uri)
        return Event(name=_name(graph, uri),
                     date=str(written or date) if date else None,
                     uri=str(same) if same else None,
                     place=_name(graph, place) if place else None, **_authority(graph, uri))

    def _label(self, scheme: str, uri: URIRef) -> str:
        concept = self.thesauri[scheme].concepts.get(uri)
        return concept.label() if concept else str(uri)

    def _notation(self, scheme: str, uri: URIRef) -> str:
        concept = self.thesauri[scheme].concepts.get(uri)
        return concept.notation if concept else str(uri)


def _add_date(graph: Graph, subject: URIRef, predicate: URIRef, date: PartialDate) -> None:
    graph.add((subject, predicate, date.literal()))
    for triple in _date_triples(subject, date):
        graph.add(triple)


def _date_triples(subject: URIRef, date: PartialDate) -> list[tuple[URIRef, URIRef, Literal]]:
    """What goes beside a date: as written (when it differs), and an uncertain date's
    earliest and latest days (xsd:date; an open end has none)."""
    triples = []
    if date.written != date.iso:
        triples.append((subject, RA.dateAsWritten, Literal(date.written)))
    if date.uncertain:
        for predicate, day in ((RA.earliestDate, date.earliest), (RA.latestDate, date.latest)):
            if day:
                triples.append((subject, predicate, Literal(day, datatype=XSD.date)))
    return triples


def _own_uri(graph: Graph, uri: URIRef) -> URIRef | None:
    """The thing's ``uri`` (an owl:sameAs that is not one of its ``same_as``)."""
    return next((o for o in sorted(graph.objects(uri, OWL.sameAs))
                 if (uri, SCHEMA.sameAs, o) not in graph), None)


def _authority(graph: Graph, uri: URIRef) -> dict[str, list[str]]:
    """``alt_names`` and ``same_as`` of a thing as stored (sorted)."""
    return {"alt_names": sorted((str(o) for o in graph.objects(uri, SKOS.altLabel)),
                                key=str.casefold),
            "same_as": sorted(str(o) for o in graph.objects(uri, SCHEMA.sameAs))}


def _embargo_text(value: object) -> str:
    """The canonical text of a stored embargo (rdflib writes a UTC time as +00:00); a value
    that is not a date is handed on as it is, for the record's reader to refuse."""
    try:
        return parse_embargo(str(value)).text
    except EmbargoError:
        return str(value)


def _name(graph: Graph, uri: URIRef) -> str:
    label = graph.value(uri, RDFS.label)
    return str(label) if label is not None else str(uri).rsplit("/", 1)[-1]


def _show(value: object) -> str:
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("http") else f"'{text}'"
