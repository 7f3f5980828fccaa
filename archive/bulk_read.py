"""Bulk reads: the graphs of many records (with the resources they name) in a few queries.

:meth:`Archive.record_graph` reads one record with a look-up per graph and builds an rdflib
graph; a harvest page needs a hundred records at once. These functions ask the store
(local or remote) one SELECT per level of links for a whole batch: the statement graphs,
then the issuers, events and places they name, then the places those name. Triples come in
the store's order, each graph's as :meth:`Store.triples` gives them.

Terms stay pyoxigraph terms, except subjects: an IRI subject is its string. A query names
each graph by a number and gives a subject only where it is not the graph's own name (in
this archive, never), so the store decodes two long strings per triple instead of four.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from archive.store import StoreBackend, from_ox
from archive.uris import RESOURCE_KINDS, Uris

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Subject = str | ox.BlankNode
#: (subject, predicate IRI, object).
Triple = tuple[Subject, str, Term]
#: Graphs named in one query at most (the query text stays a few hundred KB).
BATCH = 500


class Graphs(dict[str, list[Triple]]):
    """Graph name → its triples; ``foreign`` when some triple's subject is not the graph."""

    foreign = False


def graph_triples(store: StoreBackend, names: Iterable[str], skip: Iterable[str] = ()
                  ) -> Graphs:
    """The triples of each named graph in ``names`` (absent when empty), leaving out the
    predicates in ``skip`` (e.g. the full text, when only the description is wanted)."""
    wanted = list(dict.fromkeys(names))
    skipped = ", ".join(str(ox.NamedNode(p)) for p in skip)
    found = Graphs()
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start:start + BATCH]
        values = " ".join(f"({ox.NamedNode(name)} {n})" for n, name in enumerate(batch))
        where = (f"VALUES (?g ?n) {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
                 "BIND(IF(sameTerm(?s, ?g), 0, ?s) AS ?x)")
        if skipped:
            where += f" FILTER(?p NOT IN ({skipped}))"
        rows = store.query(f"SELECT ?n ?x ?p ?o WHERE {{ {where} }}")
        for n, x, p, o in rows:  # type: ignore[attr-defined]
            name = batch[int(n.value)]
            if isinstance(x, ox.Literal):
                subject: Subject = name
            else:
                found.foreign = True
                subject = x.value if isinstance(x, ox.NamedNode) else x
            found.setdefault(name, []).append((subject, p.value, o))
    return found


def record_triples(store: StoreBackend, uris: Uris, record_ids: Iterable[str],
                   skip: Iterable[str] = (), resources: Graphs | None = None
                   ) -> dict[str, list[Triple]]:
    """Each current record's statement triples followed by those of the resources it names,
    breadth first (what :meth:`Archive.record_graph` holds); a deleted record is absent.

    ``resources`` holds resource graphs already read (and receives those read now): a
    caller may keep it while the store has not changed.
    """
    skip = list(skip)
    resources = Graphs() if resources is None else resources
    statements = {record_id: str(uris.statement(record_id)) for record_id in record_ids}
    graphs = graph_triples(store, statements.values(), skip)
    pending = linked_resources(uris, (t for name in statements.values()
                                      for t in graphs.get(name, ())), resources)
    while pending:
        fetched = graph_triples(store, pending, skip)
        resources.foreign = resources.foreign or fetched.foreign
        for name in pending:
            resources[name] = fetched.get(name, [])
        pending = linked_resources(uris, (t for name in pending for t in resources[name]),
                                   resources)
    foreign = graphs.foreign or resources.foreign
    found = {}
    for record_id, name in statements.items():
        if name in graphs:
            triples = with_resources(graphs[name], resources)
            found[record_id] = list(dict.fromkeys(triples)) if foreign else triples
    return found


def as_graph(triples: Iterable[Triple]) -> Graph:
    """Triples of :func:`record_triples` as an rdflib graph (what ``record_graph`` gives)."""
    graph = Graph()
    for subject, predicate, obj in triples:
        graph.add((URIRef(subject) if isinstance(subject, str) else from_ox(subject),
                   URIRef(predicate), from_ox(obj)))
    return graph


def linked_resources(uris: Uris, triples: Iterable[Triple], known: dict[str, list[Triple]]
                     ) -> list[str]:
    """Resources named as objects in ``triples`` and not yet in ``known``, in order."""
    pending: dict[str, None] = {}
    for _, _, obj in triples:
        if isinstance(obj, ox.NamedNode):
            name = obj.value
            if name not in known and name not in pending:
                parts = uris.split(name)
                if parts and parts[0] in RESOURCE_KINDS:
                    pending[name] = None
    return list(pending)


def with_resources(triples: list[Triple], resources: dict[str, list[Triple]]
                   ) -> list[Triple]:
    """A statement's triples and those of the resources it reaches, breadth first."""
    result = list(triples)
    seen: set[str] = set()
    queue = [t[2].value for t in triples if isinstance(t[2], ox.NamedNode)]
    position = 0
    while position < len(queue):
        name = queue[position]
        position += 1
        if name in seen or name not in resources:
            continue
        seen.add(name)
        result += resources[name]
        queue += [t[2].value for t in resources[name] if isinstance(t[2], ox.NamedNode)]
    return result
