"""The SPARQL 1.1 Service Description of the endpoint (what ``/sparql`` answers for RDF)."""

from __future__ import annotations

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from web.sparql_engine.lexer import RA

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "JSON-LD", "RDF_XML", "N-Triples")


def service_description(endpoint: str, graphs: list[str]) -> Graph:
    """sd:Service for ``endpoint``; its default dataset names ``graphs`` (vocabularies)."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("ra", RA)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.propertyFeature, URIRef(RA + "matches")))
    graph.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 endpoint of the human-rights statements archive. The default "
        "graph is the union of every named graph; ra:matches joins a full-text search.",
        lang="en")))
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))
    dataset, default = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name in graphs:
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    return graph
