"""The embedded RDF store (Oxigraph on disk) behind one small interface.

Everything the archive keeps is a quad in a named graph. Writes are atomic: a write set
(quads to remove, quads to add) is applied in one transaction or not at all. Only one
process may open the store for writing; others get :class:`StoreLocked` or a read-only view.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from archive.errors import ArchiveError, StoreLocked

Quad = tuple[Node, Node, Node, URIRef]


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot store {term!r}")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else datatype)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unexpected term {term!r}")


def quads_of(graph: Graph, name: URIRef) -> list[ox.Quad]:
    """The triples of ``graph`` as pyoxigraph quads in the graph ``name``."""
    graph_name = ox.NamedNode(str(name))
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name) for s, p, o in graph]


class GraphReading:
    """What every backend derives from its ``triples``: a named graph as an rdflib graph."""

    def triples(self, name: URIRef, subject: Node | None = None,
                predicate: Node | None = None) -> Iterator[tuple[Node, Node, Node]]:
        raise NotImplementedError

    def graph(self, name: URIRef, into: Graph | None = None) -> Graph:
        """The named graph ``name`` as an rdflib graph (added to ``into`` if given)."""
        graph = into if into is not None else Graph()
        for triple in self.triples(name):
            graph.add(triple)
        return graph


class Store(GraphReading):
    """An Oxigraph store in a folder (or in memory when ``path`` is None)."""

    shared = False  # only this process writes (the folder is locked): caching is safe

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self.lock = threading.RLock()
        try:
            if path is None:
                self._ox = ox.Store()
            elif read_only:
                self._ox = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._ox = ox.Store(str(path))
        except OSError as error:
            text = str(error)
            if "lock" in text.lower():
                raise StoreLocked(
                    f"the archive store at {path} is open for writing in another process "
                    "(is 'rights-archive serve' or an import running?). Stop that process, or "
                    "send the change through the running server's write API "
                    "(POST /api/statements)."
                ) from None
            raise ArchiveError(f"cannot open the archive store at {path}: {text}") from None

    # Reading -------------------------------------------------------------------------

    def has_graph(self, name: URIRef) -> bool:
        return self._ox.contains_named_graph(ox.NamedNode(str(name)))

    def triples(self, name: URIRef, subject: Node | None = None, predicate: Node | None = None
                ) -> Iterator[tuple[Node, Node, Node]]:
        """The triples of the named graph ``name`` matching a subject and predicate."""
        pattern = self._ox.quads_for_pattern(
            to_ox(subject) if subject is not None else None,
            to_ox(predicate) if predicate is not None else None,
            None,
            ox.NamedNode(str(name)),
        )
        for quad in pattern:
            yield from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)

    def named_graphs(self) -> Iterator[URIRef]:
        for name in self._ox.named_graphs():
            if isinstance(name, ox.NamedNode):
                yield URIRef(name.value)

    def query(self, sparql: str, **options: object) -> object:
        """Run a SPARQL query with pyoxigraph (options as in ``pyoxigraph.Store.query``)."""
        return self._ox.query(sparql, **options)

    def select(self, sparql: str, **options: object) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dicts of rdflib terms (unbound variables left out)."""
        solutions = self._ox.query(sparql, **options)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = from_ox(value)
            rows.append(row)
        return rows

    def __len__(self) -> int:
        return len(self._ox)

    def dataset(self, graphs: Iterable[URIRef] | None = None) -> Dataset:
        """The store (or some of its graphs) as an rdflib Dataset, for export."""
        dataset = Dataset()
        for name in graphs if graphs is not None else self.named_graphs():
            self.graph(name, into=dataset.graph(name))
        return dataset

    def quads(self, graphs: Iterable[URIRef] | None = None) -> Iterator[ox.Quad]:
        """The quads of some graphs (default: every named graph), streamed."""
        if graphs is None:
            return (q for q in self._ox.quads_for_pattern(None, None, None, None)
                    if isinstance(q.graph_name, ox.NamedNode))
        return (q for name in graphs for q in self._ox.quads_for_pattern(
            None, None, None, ox.NamedNode(str(name))))

    def dump(self, output: object, fmt: ox.RdfFormat, graphs: Iterable[URIRef] | None = None
             ) -> None:
        """Write quads to a binary file object in an RDF format, streaming."""
        if graphs is None:
            self._ox.dump(output, fmt)
            return
        ox.serialize(self.quads(graphs), output, fmt)

    # Writing -------------------------------------------------------------------------

    def apply(self, add: list[ox.Quad], remove: Iterable[ox.Quad] = (),
              drop: Iterable[URIRef] = ()) -> None:
        """Drop graphs, remove quads, then add quads in one transaction: all or nothing."""
        if self.read_only:
            raise ArchiveError("the archive is open read-only")
        remove, drop = list(remove), list(drop)
        with self.lock:
            try:
                if not remove and not drop:
                    self._ox.extend(add)
                    return
                parts = [f"DROP SILENT GRAPH <{name}>" for name in drop]
                if remove:
                    parts.append("DELETE DATA { " + _quads_text(remove) + " }")
                if add:
                    parts.append("INSERT DATA { " + _quads_text(add) + " }")
                self._ox.update(" ;\n".join(parts))
            except OSError as error:
                raise ArchiveError(
                    f"the store could not save the change ({error}); nothing was stored. "
                    "Check that the data folder is writable and the disk is not full."
                ) from None

    def graph_quads(self, name: URIRef) -> list[ox.Quad]:
        """The quads of a named graph, as pyoxigraph quads (to remove them in a write set)."""
        return list(self._ox.quads_for_pattern(None, None, None, ox.NamedNode(str(name))))

    def bulk_load(self, path: Path, fmt: ox.RdfFormat) -> None:
        """Load a whole file of quads without a transaction (restore into an empty store)."""
        self._ox.bulk_load(path=str(path), format=fmt)

    def writing(self) -> bool:
        """False: no other process writes to this store (see RemoteStore.writing)."""
        return False

    def backup(self, target: Path) -> None:
        """A consistent copy of the store in ``target`` (which must not exist)."""
        if self.read_only:
            # Another process holds the store: a checkpoint of this read-only view would miss
            # what that process has not flushed yet, so copy the view's snapshot quad by quad.
            copy = ox.Store(str(target))
            copy.bulk_extend(self._ox.quads_for_pattern(None, None, None, None))
            copy.flush()
            del copy
            return
        self._ox.flush()
        self._ox.backup(str(target))

    def flush(self) -> None:
        if not self.read_only:
            self._ox.flush()

    def close(self) -> None:
        """Release the store (and its lock); closing twice is harmless."""
        if getattr(self, "_ox", None) is None:
            return
        with contextlib.suppress(OSError):  # a full disk: every committed write is in the log
            self.flush()
        self._ox = None  # type: ignore[assignment]


def _quads_text(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(str(quad.graph_name), []).append(
            f"{quad.subject} {quad.predicate} {quad.object} .")
    return " ".join(f"GRAPH {graph} {{ {' '.join(lines)} }}" for graph, lines in by_graph.items())


class StoreBackend(Protocol):
    """What the archive needs of a store: :class:`Store` or a remote SPARQL engine."""

    lock: threading.RLock
    read_only: bool
    path: Path | None
    shared: bool  # other processes may write too (nothing read may be cached)

    def has_graph(self, name: URIRef) -> bool: ...
    def triples(self, name: URIRef, subject: Node | None = None,
                predicate: Node | None = None) -> Iterator[tuple[Node, Node, Node]]: ...
    def graph(self, name: URIRef, into: Graph | None = None) -> Graph: ...
    def named_graphs(self) -> Iterator[URIRef]: ...
    def select(self, sparql: str, **options: Any) -> list[dict[str, Node]]: ...
    def query(self, sparql: str, **options: Any) -> object: ...
    def __len__(self) -> int: ...
    def dataset(self, graphs: Iterable[URIRef] | None = None) -> Dataset: ...
    def quads(self, graphs: Iterable[URIRef] | None = None) -> Iterator[ox.Quad]: ...
    def dump(self, output: object, fmt: ox.RdfFormat,
             graphs: Iterable[URIRef] | None = None) -> None: ...
    def apply(self, add: list[ox.Quad], remove: Iterable[ox.Quad] = (),
              drop: Iterable[URIRef] = ()) -> None: ...
    def graph_quads(self, name: URIRef) -> list[ox.Quad]: ...
    def bulk_load(self, path: Path, fmt: ox.RdfFormat) -> None: ...
    def writing(self) -> bool: ...
    def backup(self, target: Path) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def is_remote(location: str | Path | None) -> bool:
    return isinstance(location, str) and location.startswith(("http://", "https://"))


def open_store(location: str | Path | None, *, prefix: str = "", read_only: bool = False
               ) -> StoreBackend:
    """The store at ``location``: a SPARQL endpoint URL, a folder, or None for memory.

    For a URL, ``prefix`` (the archive's base) picks the archive's graphs out of the
    engine's; credentials come from the environment (see :mod:`archive.remote_store`).
    """
    if is_remote(location):
        from archive.remote_store import RemoteStore

        return RemoteStore(str(location), prefix=prefix, read_only=read_only)
    return Store(Path(location) if location is not None else None, read_only=read_only)
