"""Import an external SKOS thesaurus as extra concept schemes, keeping its own URIs.

Only the SKOS structure (schemes, concepts, labels, notations, hierarchy, notes) is kept.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.sax import SAXParseException

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, RDF, RDFS, SKOS
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.util import guess_format

#: Properties kept on concepts (and on schemes, where they apply).
KEPT_PROPERTIES = frozenset({
    SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation, SKOS.broader,
    SKOS.narrower, SKOS.related, SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept,
    SKOS.definition, SKOS.scopeNote,
})
#: Extra properties kept on schemes only: their titles.
SCHEME_TITLES = (SKOS.prefLabel, DCTERMS.title, DC.title, RDFS.label)
#: Schemes of the archive itself, relative to the base URI: an import may not replace them.
BUILT_IN_SCHEMES = ("vocab/treaties", "vocab/types", "vocab/topics", "vocab/issuer-kinds")


def _position(error: Exception, text: str | None) -> str:
    """Line and column of a parser error, as precisely as the parser tells."""
    if isinstance(error, BadSyntax):
        data = error._str.decode("utf-8", "replace") if isinstance(error._str, bytes) else ""
        offset = error._i
        column = offset - data.rfind("\n", 0, offset) if data else 0
        return f"line {error.lines + 1}, column {column}: {error._why}"
    if isinstance(error, SAXParseException):
        return (f"line {error.getLineNumber()}, column {error.getColumnNumber() + 1}: "
                f"{error.getMessage()}")
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}, column {error.colno}: {error.msg}"
    message = str(error).strip()
    quoted = re.search(r"'([^'\n]+)'\s*$", message)
    if text and quoted:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() == quoted.group(1).strip():
                return f"line {number}: {message.splitlines()[0]}"
    return message.splitlines()[0] if message else type(error).__name__


def _parse(source: str | Path, base: str, rdf_format: str | None) -> Graph:
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"{path}: no such thesaurus file")
    fmt = rdf_format or guess_format(str(path)) or "turtle"
    graph = Graph()
    try:
        graph.parse(path, format=fmt, publicID=base)
    except Exception as error:  # every rdflib parser raises its own exception type
        try:
            text: str | None = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        raise ValueError(f"{path.name}: cannot be read as {fmt}, "
                         f"{_position(error, text)}") from error
    return graph


def _matches(graph: Graph, scheme: URIRef, slug: str) -> bool:
    names = {str(scheme).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]}
    names.update(str(n) for n in graph.objects(scheme, SKOS.notation))
    names.update(str(t) for p in SCHEME_TITLES for t in graph.objects(scheme, p))
    return slug.casefold() in {n.casefold() for n in names}


def import_skos(source: str | Path | Graph, base: str, slug: str | None = None,
                rdf_format: str | None = None) -> Graph:
    """The SKOS content of ``source``, ready to be stored as extra concept schemes.

    ``source`` is a file in any RDF format rdflib reads (guessed from its extension, Turtle
    otherwise) or a graph; relative IRIs in it resolve against ``base``, the archive's base
    URI. ``slug``, when given, keeps only the scheme whose URI ends in, notation is, or title
    is ``slug``. Concepts keep their original URIs; a concept without skos:inScheme is put
    in the file's scheme when there is only one, and dropped otherwise. Without ``slug``,
    concepts of schemes that the file uses but does not declare are kept as they are.

    Raises ValueError when the file cannot be parsed (with the line and column), holds no
    skos:ConceptScheme, has no scheme named ``slug``, or would replace a built-in scheme.
    """
    src = source if isinstance(source, Graph) else _parse(source, base, rdf_format)
    name = "the graph" if isinstance(source, Graph) else Path(source).name
    schemes = sorted(s for s in src.subjects(RDF.type, SKOS.ConceptScheme)
                     if isinstance(s, URIRef))
    if not schemes:
        raise ValueError(f"{name}: no skos:ConceptScheme found; a SKOS thesaurus must declare "
                         "its scheme (e.g. <scheme> a skos:ConceptScheme)")
    if slug is not None:
        schemes = [s for s in schemes if _matches(src, s, slug)]
        if not schemes:
            raise ValueError(f"{name}: no concept scheme named {slug!r}")
    reserved = {URIRef(base + path) for path in BUILT_IN_SCHEMES}
    if clash := sorted(reserved.intersection(schemes)):
        raise ValueError(f"{name}: scheme {clash[0]} would replace a built-in scheme")

    wanted = set(schemes)
    declared = set(src.subjects(RDF.type, SKOS.ConceptScheme))
    members: dict[URIRef, set[URIRef]] = {}
    candidates = {c for c in src.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)}
    for predicate in (SKOS.inScheme, SKOS.topConceptOf):
        candidates |= {c for c in src.subjects(predicate, None) if isinstance(c, URIRef)}
    for scheme in wanted:
        candidates |= {c for c in src.objects(scheme, SKOS.hasTopConcept)
                       if isinstance(c, URIRef)}
    for concept in candidates - declared:
        found = {s for p in (SKOS.inScheme, SKOS.topConceptOf)
                 for s in src.objects(concept, p) if isinstance(s, URIRef)}
        found |= {s for s in src.subjects(SKOS.hasTopConcept, concept) if isinstance(s, URIRef)}
        if not found and len(declared) == 1:
            found = set(declared)
        # Without a slug, concepts of schemes used but not declared are kept as they are.
        members[concept] = found if slug is None else found & wanted
    members = {c: found for c, found in members.items() if found}
    kept = wanted | {s for found in members.values() for s in found}

    out = Graph()
    for prefix, namespace in src.namespaces():
        out.bind(prefix, namespace, override=False)
    for scheme in wanted:
        out.add((scheme, RDF.type, SKOS.ConceptScheme))
        for predicate in (*SCHEME_TITLES, SKOS.notation, SKOS.definition, SKOS.scopeNote):
            for value in src.objects(scheme, predicate):
                out.add((scheme, predicate, value))
        for top in src.objects(scheme, SKOS.hasTopConcept):
            if top in members:
                out.add((scheme, SKOS.hasTopConcept, top))
    for concept, in_schemes in members.items():
        out.add((concept, RDF.type, SKOS.Concept))
        for scheme in in_schemes:
            out.add((concept, SKOS.inScheme, scheme))
        for predicate, value in src.predicate_objects(concept):
            if predicate not in KEPT_PROPERTIES or predicate == SKOS.inScheme:
                continue
            if isinstance(value, Literal) or value in members or value in kept:
                out.add((concept, predicate, value))
    return out


def concept_schemes(graph: Graph) -> list[tuple[URIRef, str, int]]:
    """Each concept scheme in ``graph`` with its title and number of concepts, by title."""
    result = []
    for scheme in set(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        if not isinstance(scheme, URIRef):
            continue
        titles = [t for p in SCHEME_TITLES for t in graph.objects(scheme, p)]
        english = [t for t in titles if getattr(t, "language", None) in ("en", None)]
        title = str((english or titles or [scheme])[0])
        count = sum(1 for c in set(graph.subjects(SKOS.inScheme, scheme))
                    if (c, RDF.type, SKOS.Concept) in graph)
        result.append((scheme, title, count))
    return sorted(result, key=lambda item: (item[1].casefold(), str(item[0])))
