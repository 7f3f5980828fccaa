"""The VoID description of the dataset at /.well-known/void (VoID §6.2 well-known URI).

Counts come from SPARQL over the published graphs (those in the dumps), so they always
agree with the data; the description is computed again only after the change log moved
(the ``void`` follower drops it).
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, url_for
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDFS, SKOS, VOID, XSD

from archive import Archive
from archive.export import public_graphs
from archive.followers import Derived
from archive.remote_query import VIRTUOSO_MAX_GRAPHS
from vocab import RA, SCHEMA, bind_prefixes
from web.conneg import GRAPH_FORMATS, Page, negotiate, not_modified, respond
from web.dumps import DUMP_FILES
from web.services import get_archive, get_follower
from web.things import log_validators

bp = Blueprint("void", __name__)

#: Offered formats: Turtle first (what */* gets), then the other RDF forms and a page.
OFFERED = {**{key: mime for key, (mime, _) in GRAPH_FORMATS.items()}, "html": "text/html"}
LICENSE = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
VOCABULARIES = [URIRef(str(RA).rstrip("#")), DCTERMS, SKOS, PROV, SCHEMA, FOAF, RDFS, OWL,
                URIRef("http://www.w3.org/ns/org#"),
                URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/")]
FORMAT_FEATURES = [URIRef(f"http://www.w3.org/ns/formats/{name}")
                   for name in ("Turtle", "JSON-LD", "RDF_XML", "N-Triples", "N-Quads")]


def dataset_uri(archive: Archive) -> URIRef:
    return URIRef(f"{archive.base}.well-known/void#dataset")


#: Past this many published graphs the counts select them by name instead of listing them
#: as the query's dataset (Virtuoso takes at most this many graphs in one query).
LISTED_GRAPHS = VIRTUOSO_MAX_GRAPHS
#: Skolem IRIs (RDF 1.1 §3.5) stand for blank nodes on a remote store: not entities.
NOT_SKOLEM = 'FILTER(isIRI(?s) && !CONTAINS(STR(?s), "/.well-known/genid/"))'


def published(archive: Archive) -> list[ox.NamedNode]:
    """The published graphs (those in the dumps, with the vocabulary)."""
    return [ox.NamedNode(str(name)) for name in public_graphs(archive, with_vocabulary=True)]


def graph_filter(base: str) -> str:
    """A FILTER on ``?g`` keeping the published graphs (as ``public_graphs`` chooses them)."""
    def text(value: str) -> str:
        return json.dumps(value)  # a valid SPARQL string literal

    hidden = " && ".join(f"!STRSTARTS(STR(?g), {text(base + head + '/')}) && "
                         f"STR(?g) != {text(base + head)}" for head in ("history", "changes"))
    return (f"FILTER(STRSTARTS(STR(?g), {text(base)}) && STR(?g) != {text(base)} && "
            f"{hidden})")


class Counter:
    """SELECTs over the union of the published graphs, each triple counted once."""

    def __init__(self, archive: Archive, listed_limit: int = LISTED_GRAPHS) -> None:
        self.archive = archive
        self.graphs = published(archive)
        self.listed = len(self.graphs) <= listed_limit

    def select(self, projection: str, pattern: str, variables: str, tail: str = "") -> list:
        """``SELECT projection WHERE { pattern } tail``, with ``pattern`` (binding
        ``variables``) matched in the published graphs."""
        if self.listed:
            where = pattern
        else:
            where = (f"{{ SELECT DISTINCT {variables} WHERE {{ GRAPH ?g {{ {pattern} }} "
                     f"{graph_filter(self.archive.base)} }} }}")
        dataset = {"default_graph": self.graphs} if self.listed else {}
        return self.archive.store.select(f"SELECT {projection} WHERE {{ {where} }} {tail}",
                                         **dataset)


def statistics(archive: Archive, listed_limit: int = LISTED_GRAPHS) -> dict:
    """Triples, entities, classes and properties of the published dataset."""
    counter = Counter(archive, listed_limit)
    if not counter.graphs:
        return {"triples": 0, "entities": 0, "subjects": 0, "objects": 0, "classes": {},
                "properties": {}}
    triples = "?s ?p ?o"
    totals = counter.select("(COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
                            "(COUNT(DISTINCT ?o) AS ?objects)", triples, triples)[0]
    entities = counter.select("(COUNT(DISTINCT ?s) AS ?n)", f"{triples} {NOT_SKOLEM}",
                              "?s")[0]
    classes = counter.select("?c (COUNT(DISTINCT ?s) AS ?n)", "?s a ?c", "?s ?c",
                             "GROUP BY ?c")
    properties = counter.select("?p (COUNT(*) AS ?n)", triples, triples, "GROUP BY ?p")
    return {"triples": int(totals["triples"]), "subjects": int(totals["subjects"]),
            "objects": int(totals["objects"]), "entities": int(entities["n"]),
            "classes": {row["c"]: int(row["n"]) for row in classes},
            "properties": {row["p"]: int(row["n"]) for row in properties}}


def void_graph(archive: Archive) -> Graph:
    """The VoID description of the dataset as it is now."""
    graph = bind_prefixes(Graph())
    dataset = dataset_uri(archive)
    stats = statistics(archive)
    config = current_app.config
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, DCTERMS.title, Literal(config["VOID_TITLE"], lang="en")))
    add((dataset, DCTERMS.description, Literal(
        "Public statements on human rights (press statements, declarations, speeches, "
        "open letters …) with their issuers, the events they respond to, the treaties they "
        "cite and their topics, as linked data.", lang="en")))
    add((dataset, DCTERMS.license, LICENSE))
    add((dataset, FOAF.homepage, URIRef(archive.base)))
    add((dataset, VOID.sparqlEndpoint, URIRef(f"{archive.base}sparql")))
    add((dataset, VOID.uriSpace, Literal(archive.base)))
    add((dataset, VOID.uriLookupEndpoint, URIRef(f"{archive.base}api/search?q=")))
    add((dataset, VOID.rootResource, URIRef(f"{archive.base}vocab/treaties")))
    for name in DUMP_FILES:
        add((dataset, VOID.dataDump, URIRef(f"{archive.base}dumps/{name}")))
    for vocabulary in VOCABULARIES:
        add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for feature in FORMAT_FEATURES:
        add((dataset, VOID.feature, feature))
    sequence = archive.last_sequence()
    last = archive.changes(sequence - 1, 1) if sequence else []
    if last:
        add((dataset, DCTERMS.modified, Literal(last[0].time.isoformat().replace("+00:00", "Z"),
                                                datatype=XSD.dateTime)))
    example = next(iter(archive.record_ids()), None)
    if example:
        add((dataset, VOID.exampleResource, archive.uris.statement(example)))
    add_statistics(graph, dataset, stats)
    return graph


def add_statistics(graph: Graph, dataset: URIRef, stats: dict) -> None:
    integer = XSD.integer
    for key, predicate in (("triples", VOID.triples), ("entities", VOID.entities),
                           ("subjects", VOID.distinctSubjects),
                           ("objects", VOID.distinctObjects)):
        graph.add((dataset, predicate, Literal(stats[key], datatype=integer)))
    graph.add((dataset, VOID.classes, Literal(len(stats["classes"]), datatype=integer)))
    graph.add((dataset, VOID.properties, Literal(len(stats["properties"]), datatype=integer)))
    for cls, entities in sorted(stats["classes"].items()):
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], cls))
        graph.add((partition, VOID.entities, Literal(entities, datatype=integer)))
    for prop, triples in sorted(stats["properties"].items()):
        partition = BNode()
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, prop))
        graph.add((partition, VOID.triples, Literal(triples, datatype=integer)))


def follower(app: Flask) -> Derived[Graph]:
    """The description, computed at its first read after the change log moved."""
    return Derived("void", lambda: void_graph(app.extensions["archive"]))


def current_void() -> Graph:
    """The description of the dataset as it is now."""
    described: Derived[Graph] = get_follower("void")  # type: ignore[assignment]
    return described.get()


@bp.get("/.well-known/void")
def void() -> Response:
    fmt = negotiate(OFFERED)
    validators = log_validators(get_archive(), "void")
    cached = not_modified(validators, fmt)
    if cached is not None:
        return cached
    graph = current_void()
    dataset = dataset_uri(get_archive())
    summary = {str(p).rsplit("#", 1)[-1]: str(o) for p, o in graph.predicate_objects(dataset)
               if isinstance(o, Literal)}
    page = Page(Graph() + graph, summary, {
        "summary": summary, "dumps": url_for("dumps.listing"),
        "partitions": sorted((str(graph.value(b, VOID["class"])),
                              int(graph.value(b, VOID.entities)))
                             for b in graph.objects(dataset, VOID.classPartition))})
    return respond(page, fmt, "things/void.html", validators, OFFERED)
