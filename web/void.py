"""The VoID description of the dataset at /.well-known/void (VoID §6.2 well-known URI).

Counts come from the read model (:mod:`archive.statistics`: SPARQL over the published graphs,
those in the dumps), so they always agree with the data; the description is computed again
only after the change log moved (the ``void`` follower drops it), and answered like every
page (:func:`web.answers.answer`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, url_for
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDFS, SKOS, VOID, XSD

from archive import Archive
from archive.followers import Derived
from vocab import RA, SCHEMA, bind_prefixes
from web.answers import answer
from web.conneg import GRAPH_FORMATS, Page
from web.dumps import DUMP_FILES
from web.services import get_archive, get_follower

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


def void_graph(archive: Archive) -> Graph:
    """The VoID description of the dataset as it is now."""
    graph = bind_prefixes(Graph())
    dataset = dataset_uri(archive)
    stats = archive.read.statistics()
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
    example = next(archive.read.record_ids(limit=1), None)  # not all ids for one
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
    return answer("void", "things/void.html", void_page, offered=OFFERED)


def void_page() -> Page:
    """The description as a page: the graph, its figures and the class partitions."""
    graph = current_void()
    dataset = dataset_uri(get_archive())
    summary = {str(p).rsplit("#", 1)[-1]: str(o) for p, o in graph.predicate_objects(dataset)
               if isinstance(o, Literal)}
    return Page(Graph() + graph, summary, {
        "summary": summary, "dumps": url_for("dumps.listing"),
        "partitions": sorted((str(graph.value(b, VOID["class"])),
                              int(graph.value(b, VOID.entities)))
                             for b in graph.objects(dataset, VOID.classPartition))})
