"""Counts of the published dataset (VoID §4: triples, entities, classes, properties).

Counted by SPARQL over the published graphs (those in the dumps, with the vocabulary), so
they always agree with the data, each triple counted once, on either backend.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from archive.export import public_graphs
from archive.remote_query import VIRTUOSO_MAX_GRAPHS

if TYPE_CHECKING:
    from archive.core import Archive

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


def statistics(archive: Archive, listed_limit: int = LISTED_GRAPHS) -> dict[str, Any]:
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
