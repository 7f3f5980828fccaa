"""The OAI-PMH metadata formats, written from a record's triples without an rdflib graph.

``oai_dc`` maps our vocabulary to simple Dublin Core. ``rdf`` writes RDF/XML as rdflib's
``xml`` serializer does (one ``rdf:Description`` per subject, its predicates grouped in
order, the same namespace prefixes), then parses it with lxml as before, so a record's
XML is the same; only the order of the descriptions, which rdflib took from a hash-ordered
set, is now the order the record was read in.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from lxml import etree
from rdflib import RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from vocab import RA
from vocab.thesaurus import Concept
from web.oai_records import Object, RecordTriples, as_subject

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Our predicate → the Dublin Core element it becomes (values sorted, shown by label).
LABELLED = ((str(RA.issuer), "creator"), (str(RA.topic), "subject"),
            (str(RA.references), "subject"), (str(RA.place), "coverage"),
            (str(RA.respondsTo), "relation"))
LABEL_PREDICATES = (str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title))
TITLE, ABSTRACT, ISSUED = str(DCTERMS.title), str(DCTERMS.abstract), str(DCTERMS.issued)
LANGUAGE, SOURCE = str(DCTERMS.language), str(DCTERMS.source)
STATEMENT_TYPE, SEE_ALSO = str(RA.statementType), str(RA.seeAlso)
#: Plain literals and language-tagged ones carry no rdf:datatype (as rdflib terms).
IMPLICIT_DATATYPES = {"http://www.w3.org/2001/XMLSchema#string", f"{RDF_NS}langString"}
#: rdflib's order of kinds of terms, for ``sorted(graph.objects(...))``.
TERM_RANK = {ox.BlankNode: 10, ox.NamedNode: 30}
ESCAPES = {"\r": "&#13;"}  # rdflib's ESCAPE_ENTITIES
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


# oai_dc ----------------------------------------------------------------------------------

def oai_dc(record: RecordTriples, uri: str, rights: str, concepts: Mapping[str, Concept]
           ) -> etree._Element:
    """Simple Dublin Core mapped from our vocabulary (``concepts``: the thesauri's, by URI,
    for their labels)."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS,
                                                       "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")

    def dc(name: str, value: str, lang: str | None = None) -> None:
        element = etree.SubElement(root, f"{{{DC_NS}}}{name}")
        element.text = value
        if lang:
            element.set(f"{{{XML_NS}}}lang", lang)

    def first(predicate: str) -> Object | None:
        return record.value(uri, predicate)

    for title in record.objects(uri, TITLE):
        dc("title", title.value, language(title))
    for predicate, name in LABELLED:
        for value in sorted(record.objects(uri, predicate), key=term_order):
            dc(name, label(concepts, record, value))
    for summary in record.objects(uri, ABSTRACT):
        dc("description", summary.value, language(summary))
    if (issued := first(ISSUED)) is not None:
        dc("date", issued.value)
    if (type_uri := first(STATEMENT_TYPE)) is not None:
        dc("type", label(concepts, record, type_uri))
    dc("type", "Text")
    dc("format", "text/plain")
    dc("identifier", uri)
    if (lang := first(LANGUAGE)) is not None:
        dc("language", lang.value)
    for link in sorted(record.objects(uri, SEE_ALSO), key=term_order):
        dc("relation", link.value)
    if (source := first(SOURCE)) is not None:
        dc("source", source.value)
    dc("rights", rights)
    return root


def label(concepts: Mapping[str, Concept], record: RecordTriples, term: Object) -> str:
    """A display label (as ``web.labels.label_of``): the thesaurus label, rdfs:label,
    skos:prefLabel or title, else the URI's last part."""
    concept = concepts.get(term.value) if isinstance(term, ox.NamedNode) else None
    if concept is not None:
        return concept.label()
    subject = as_subject(term)
    if subject is not None:
        for predicate in LABEL_PREDICATES:
            value = record.value(subject, predicate)
            if value is not None:
                return value.value
    return term.value.rstrip("/").rsplit("/", 1)[-1]


def language(term: Object) -> str | None:
    return getattr(term, "language", None)


def term_order(term: Object) -> tuple[int, str]:
    """rdflib's sort order of terms: blank nodes, IRIs, then literals; by text within."""
    return TERM_RANK.get(type(term), 40), term.value


# rdf -------------------------------------------------------------------------------------

def rdf(record: RecordTriples) -> etree._Element:
    """The record (statement and the things it names) as RDF/XML."""
    predicates = frozenset(predicate for _, predicate, _ in record.triples)
    qnames, bindings = namespaces(predicates)
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF\n']
    parts += [f'   xmlns{":" if prefix else ""}{prefix}="{namespace}"\n'
              for prefix, namespace in bindings]
    parts.append(">\n")
    by_subject: dict[object, dict[str, list[Object]]] = {}
    for subject, predicate, obj in record.triples:
        by_subject.setdefault(subject, {}).setdefault(predicate, []).append(obj)
    for subject, properties in by_subject.items():
        if isinstance(subject, ox.BlankNode):
            parts.append(f'  <rdf:Description rdf:nodeID="{subject.value}">\n')
        else:
            parts.append(f"  <rdf:Description rdf:about={quoteattr(subject)}>\n")
        for predicate, objects in properties.items():
            qname = qnames[predicate]
            parts += [property_element(qname, obj) for obj in objects]
        parts.append("  </rdf:Description>\n")
    parts.append("</rdf:RDF>\n")
    return etree.fromstring("".join(parts).encode("utf-8"), parser=_PARSER)


def property_element(qname: str, obj: Object) -> str:
    """One property line as rdflib's XMLSerializer writes it."""
    if isinstance(obj, ox.NamedNode):
        return f"    <{qname} rdf:resource={quoteattr(obj.value)}/>\n"
    if isinstance(obj, ox.BlankNode):
        return f'    <{qname} rdf:nodeID="{obj.value}"/>\n'
    attributes = ""
    if obj.language:
        attributes += f' xml:lang="{obj.language}"'
    if obj.datatype is not None and obj.datatype.value not in IMPLICIT_DATATYPES:
        attributes += f' rdf:datatype="{obj.datatype.value}"'
    return f"    <{qname}{attributes}>{escape(obj.value, ESCAPES)}</{qname}>\n"


@lru_cache(maxsize=256)
def namespaces(predicates: frozenset[str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Each predicate's qname and the sorted prefix bindings, as a fresh rdflib graph's
    namespace manager makes them (records share a handful of predicate sets)."""
    manager = Graph().namespace_manager
    qnames: dict[str, str] = {}
    bindings: dict[str, str] = {}
    for predicate in sorted(predicates):
        prefix, namespace, name = manager.compute_qname_strict(URIRef(predicate))
        qnames[predicate] = f"{prefix}:{name}" if prefix else name
        bindings[prefix] = str(namespace)
    bindings.setdefault("rdf", RDF_NS)
    return qnames, sorted(bindings.items())
