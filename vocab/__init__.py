"""The archive's vocabulary: namespaces, the Turtle files beside this module, and loaders.

Code writes ``RA.Statement``, never a URI string. Thesaurus files use IRIs relative to the
deployment's base URI, so they are parsed with that base (see :func:`load_vocabulary`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

RA = Namespace("https://w3id.org/rights-archive/vocab#")
ONTOLOGY_URI = URIRef("https://w3id.org/rights-archive/vocab")
SCHEMA = Namespace("https://schema.org/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
LODE = Namespace("http://linkedevents.org/ontology/")
SH = Namespace("http://www.w3.org/ns/shacl#")

VOCAB_DIR = Path(__file__).resolve().parent

#: Thesaurus file name → the path of its scheme (and graph) under the base URI.
SCHEME_FILES: dict[str, str] = {
    "treaties.ttl": "vocab/treaties",
    "types.ttl": "vocab/types",
    "topics.ttl": "vocab/topics",
    "issuer-kinds.ttl": "vocab/issuer-kinds",
}
#: Other vocabulary files → the path of their graph under the base URI.
MODEL_FILES: dict[str, str] = {
    "ontology.ttl": "vocab/ontology",
    "shapes.ttl": "vocab/shapes",
}

PREFIXES: dict[str, Namespace] = {
    "ra": RA,
    "dcterms": Namespace(str(DCTERMS)),
    "schema": SCHEMA,
    "prov": Namespace(str(PROV)),
    "foaf": Namespace(str(FOAF)),
    "org": Namespace(str(ORG)),
    "skos": Namespace(str(SKOS)),
    "owl": Namespace(str(OWL)),
    "rdfs": Namespace(str(RDFS)),
    "rdf": Namespace(str(RDF)),
    "xsd": Namespace(str(XSD)),
    "sem": SEM,
    "lode": LODE,
    "void": Namespace(str(VOID)),
    "sh": SH,
}

__all__ = [
    "DCTERMS", "FOAF", "LODE", "ORG", "OWL", "PREFIXES", "PROV", "RA", "RDF", "RDFS",
    "SCHEMA", "SEM", "SH", "SKOS", "VOID", "XSD", "bind_prefixes", "load_vocabulary",
]


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the archive's usual prefixes on ``graph`` (for readable Turtle)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


@lru_cache(maxsize=8)
def _parse(name: str, base: str) -> Graph:
    graph = Graph()
    graph.parse(VOCAB_DIR / name, format="turtle", publicID=base)
    return graph


def load_vocabulary(base: str) -> dict[URIRef, Graph]:
    """Every vocabulary file parsed against ``base``, keyed by the graph it is stored in.

    The graphs are cached per base and shared: copy one before changing it.
    """
    files = {**MODEL_FILES, **SCHEME_FILES}
    return {URIRef(base + path): _parse(name, base) for name, path in files.items()}
