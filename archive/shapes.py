"""SHACL validation of record graphs, with results in the archivist's terms.

Every property shape in ``vocab/shapes.ttl`` carries ``sh:name`` (the contract JSON key) and
``sh:message``; a violation becomes a :class:`~archive.errors.Problem` naming the record,
the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable

from pyshacl import validate
from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from archive.errors import Problem
from vocab import SH


def check_shapes(data: Graph, shapes: Graph, label_of: Callable[[Node], str | None]
                 ) -> list[Problem]:
    """Validate ``data`` against ``shapes``; one problem per violation, in the caller's words."""
    private = Graph()  # pySHACL adds triples to the shapes graph it is given
    for triple in shapes:
        private.add(triple)
    conforms, results, _ = validate(data, shacl_graph=private, inference="none",
                                    abort_on_first=False, allow_warnings=True)
    if conforms:
        return []
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(result, SH.focusNode)
        source = results.value(result, SH.sourceShape)
        name = shapes.value(source, SH.name) if source is not None else None
        message = (shapes.value(source, SH.message) if source is not None else None) \
            or results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        text = str(message)
        if value is not None:
            shown = str(value).rsplit("/", 1)[-1] if isinstance(value, URIRef) else str(value)
            text += f" (found: {shown})"
        problems.append(Problem(text, label_of(focus), str(name) if name else None))
    return sorted(set(problems), key=lambda p: (str(p.record), str(p.key), p.message))
