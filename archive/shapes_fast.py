"""A fast "conforms" for SHACL: the subset of SHACL Core that ``vocab/shapes.ttl`` uses,
checked in plain Python so that pySHACL runs only when something may be wrong.

:class:`FastShapes` compiles a shapes graph into :class:`Shape` objects. Its
:meth:`~FastShapes.conforms` says True only when every constraint certainly holds, each
check being as strict as pySHACL's (or stricter); on any violation, or on data it cannot
judge (an ``rdfs:subClassOf`` in the data), it says False and the caller runs pySHACL, so
every message still comes from pySHACL. A shapes graph using anything outside the subset
(other parameters or targets, property paths, ``sh:flags``, a parameter given twice …)
is never judged here (:attr:`FastShapes.usable` is False).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from vocab import SH

Triple = tuple[Node, Node, Node]
#: subject → predicate → objects: the data, indexed once per check.
Index = dict[Node, dict[Node, set[Node]]]

PARAMETERS = {SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.pattern, SH["class"], SH.node,
              SH.nodeKind, SH.hasValue, SH["or"], SH.property, SH.targetClass}
#: Parameters that may be given more than once on one shape.
REPEATABLE = {SH.property, SH.targetClass}
#: Predicates of a shape that constrain nothing.
ANNOTATIONS = {SH.name, SH.message, SH.description, SH.severity, SH.order, SH.group, RDF.type,
               RDFS.label, RDFS.comment}
NODE_KINDS = {
    SH.IRI: (URIRef,), SH.Literal: (Literal,), SH.BlankNode: (BNode,),
    SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}
#: The Python value pySHACL expects of a literal of these datatypes (others: any).
VALUE_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: (int,),
               XSD.float: (float,), XSD.decimal: (Decimal,), XSD.boolean: (bool,),
               XSD.date: (date,), XSD.time: (time,), XSD.dateTime: (datetime,)}


class Unsupported(Exception):
    """The shapes graph uses something this module does not check."""


@dataclass
class Shape:
    """One node or property shape: its path (None for a node shape) and constraints."""

    path: URIRef | None = None
    min_count: int | None = None
    max_count: int | None = None
    datatype: URIRef | None = None
    pattern: re.Pattern[str] | None = None
    of_class: Node | None = None
    node: Shape | None = None
    kinds: tuple[type, ...] | None = None
    has_value: Node | None = None
    alternatives: list[Shape] | None = None
    properties: list[Shape] = field(default_factory=list)


def _datatype_holds(value: Node, rule: URIRef) -> bool:
    """pySHACL's ``sh:datatype`` test (DatatypeConstraintComponent)."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == rule:
        if getattr(value, "ill_typed", None) is True:
            return False
    elif not ((value.datatype is None and value.language is None and rule == XSD.string)
              or (rule == RDF.langString and value.language)):
        return False  # RDFS.Literal and RDFS.Datatype rules are refused at compile time
    expected = VALUE_TYPES.get(rule)
    return expected is None or isinstance(value.value, expected)


def _pattern_text(value: Node) -> str:
    """The string pySHACL matches ``sh:pattern`` against."""
    if isinstance(value, Literal) and value.value is not None and \
            value.datatype in (None, RDF.langString, XSD.string):
        return str(value.value)
    return str(value)


class FastShapes:
    """The shapes of one shapes graph, checked without pySHACL."""

    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes  # only while compiling: the compiled shapes keep no graph
        self.source = weakref.ref(shapes)
        self._compiled: dict[Node, Shape] = {}
        self._compiling: set[Node] = set()
        self.targets: list[tuple[Node, Shape]] = []
        try:
            for node, target in shapes.subject_objects(SH.targetClass):
                self.targets.append((target, self._compile(node)))
            for node in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
                    shapes.subjects(RDF.type, SH.PropertyShape)):
                self._compile(node)  # every declared shape must be understood
            if (None, SH.targetNode, None) in shapes or (None, SH.targetSubjectsOf, None) in \
                    shapes or (None, SH.targetObjectsOf, None) in shapes or \
                    (None, RDF.type, RDFS.Class) in shapes:
                raise Unsupported("targets other than sh:targetClass")
            self.usable = True
        except Unsupported:
            self.usable = False
        del self.graph

    def _one(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.graph.objects(node, predicate))
        if len(values) > 1 and predicate not in REPEATABLE:
            raise Unsupported(f"{predicate} given twice")
        return values[0] if values else None

    def _compile(self, node: Node) -> Shape:
        if node in self._compiled:
            return self._compiled[node]
        if node in self._compiling:
            raise Unsupported("recursive shapes")
        self._compiling.add(node)
        for predicate in set(self.graph.predicates(node)):
            if predicate not in PARAMETERS and predicate not in ANNOTATIONS:
                raise Unsupported(f"{predicate}")
        shape = Shape()
        path = self._one(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise Unsupported("property paths")
        shape.path = path
        for name, predicate in (("min_count", SH.minCount), ("max_count", SH.maxCount)):
            value = self._one(node, predicate)
            if value is not None:
                if not isinstance(value, Literal) or not isinstance(value.value, int):
                    raise Unsupported(f"{predicate} {value}")
                setattr(shape, name, value.value)
        datatype = self._one(node, SH.datatype)
        if datatype is not None:
            if not isinstance(datatype, URIRef) or datatype in (RDFS.Literal, RDFS.Datatype):
                raise Unsupported(f"sh:datatype {datatype}")
            shape.datatype = datatype
        pattern = self._one(node, SH.pattern)
        if pattern is not None:
            if not isinstance(pattern, Literal):
                raise Unsupported("sh:pattern")
            shape.pattern = re.compile(str(pattern.value) if pattern.value is not None
                                       and len(pattern.value) > 1 else str(pattern))
        shape.of_class = self._one(node, SH["class"])
        referenced = self._one(node, SH.node)
        if referenced is not None:
            shape.node = self._compile(referenced)
        kind = self._one(node, SH.nodeKind)
        if kind is not None:
            if kind not in NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {kind}")
            shape.kinds = NODE_KINDS[kind]
        shape.has_value = self._one(node, SH.hasValue)
        alternatives = self._one(node, SH["or"])
        if alternatives is not None:
            members = list(Collection(self.graph, alternatives))
            if not members:
                raise Unsupported("an empty sh:or")
            shape.alternatives = [self._compile(member) for member in members]
        shape.properties = [self._compile(p) for p in self.graph.objects(node, SH.property)]
        self._compiling.discard(node)
        self._compiled[node] = shape
        return shape

    def conforms(self, triples: Iterable[Triple]) -> bool:
        """True only if the data certainly conforms; False means: ask pySHACL."""
        if not self.usable:
            return False
        index: Index = {}
        for s, p, o in triples:
            if p == RDFS.subClassOf:
                return False  # class targets and sh:class would follow subclasses
            index.setdefault(s, {}).setdefault(p, set()).add(o)
        for target, shape in self.targets:
            for focus, properties in index.items():
                if target in properties.get(RDF.type, ()) and not _holds(shape, focus, index):
                    return False
        return True


def _holds(shape: Shape, focus: Node, index: Index) -> bool:
    """Whether ``focus`` conforms to ``shape`` (certainly; False when in doubt)."""
    if shape.path is None:
        values: set[Node] | tuple[Node, ...] = (focus,)
    else:
        values = index.get(focus, {}).get(shape.path, set())
        if shape.min_count is not None and len(values) < shape.min_count:
            return False
        if shape.max_count is not None and len(values) > shape.max_count:
            return False
    if shape.has_value is not None and shape.has_value not in values:
        return False
    return all(_value_holds(shape, value, index) for value in values)


def _value_holds(shape: Shape, value: Node, index: Index) -> bool:
    if shape.datatype is not None and not _datatype_holds(value, shape.datatype):
        return False
    if shape.pattern is not None and (isinstance(value, BNode)
                                      or not shape.pattern.search(_pattern_text(value))):
        return False
    if shape.of_class is not None and (isinstance(value, Literal) or shape.of_class not in
                                       index.get(value, {}).get(RDF.type, ())):
        return False
    if shape.kinds is not None and not isinstance(value, shape.kinds):
        return False
    if shape.node is not None and not _holds(shape.node, value, index):
        return False
    if shape.alternatives is not None and not any(
            _holds(alternative, value, index) for alternative in shape.alternatives):
        return False
    return all(_holds(prop, value, index) for prop in shape.properties)


_COMPILED: dict[int, FastShapes] = {}


def fast_shapes(shapes: Graph) -> FastShapes:
    """The compiled form of ``shapes`` (compiled once per graph object)."""
    key = id(shapes)
    found = _COMPILED.get(key)
    if found is None or found.source() is not shapes:
        found = _COMPILED[key] = FastShapes(shapes)
        weakref.finalize(shapes, _COMPILED.pop, key, None)
    return found
