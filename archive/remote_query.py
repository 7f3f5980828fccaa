"""How a query is put to a remote SPARQL engine, and how its streamed answer is read.

A query sees the archive's graphs only, as it would in the embedded store: a dataset
clause naming a graph outside the archive's base names an empty graph, and where the
engine's default graph is the union of everything it holds (Virtuoso), the graphs that
are not the archive's (the engine's own, another application's) are excluded from the
default and named graphs with Virtuoso's ``input:*-graph-exclude`` pragmas; Virtuoso
also gets an explicit dataset as ``input:*-graph-uri`` pragmas. The prologue is written
the way every engine reads it: one BASE first, then the prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox

from archive.errors import ArchiveError

#: The name of a graph that never holds anything (an empty part of a dataset).
NO_GRAPH = "urn:x-rights-archive:no-graph"
VIRTUOSO_MAX_GRAPHS = 4000  # Virtuoso 7.2 refuses 5,000 ("Too many arguments … in operator()")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PROLOGUE_PART = re.compile(r"\s+|#[^\n]*(?:\n|$)|PREFIX\s+\S*?:\s*<[^>]*>|BASE\s*<([^>]*)>",
                            re.IGNORECASE)

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def split_prologue(sparql: str) -> tuple[list[str], str]:
    """The query's prologue as its parts (comments and PREFIX/BASE declarations), and the
    rest of the query."""
    parts, position = [], 0
    while match := _PROLOGUE_PART.match(sparql, position):
        if match.end() == position:
            break
        parts.append(match.group())
        position = match.end()
    return parts, sparql[position:]


def is_graph_form(sparql: str) -> bool:
    """Whether the query is a CONSTRUCT or DESCRIBE (answered with triples)."""
    match = _FORM.search(split_prologue(sparql)[1])
    return bool(match) and match.group(1).upper() in ("CONSTRUCT", "DESCRIBE")


def prologue(sparql: str, base_iri: str | None, prefixes: dict[str, str] | None) -> str:
    """The query with one BASE (its own, else ``base_iri``) and ``prefixes`` put first.

    Virtuoso reads BASE only once and before any PREFIX; a query's own PREFIX
    declarations come after the given ones, so they still win.
    """
    parts, rest = split_prologue(sparql)
    base = base_iri
    kept = []
    for part in parts:
        declared = _PROLOGUE_PART.fullmatch(part)
        if declared and declared.group(1) is not None:
            base = urljoin(base or "", declared.group(1))
        else:
            kept.append(part)
    lines = [f"BASE <{base}>"] if base else []
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in (prefixes or {}).items()]
    return "\n".join([*lines, "".join(kept) + rest])


@dataclass(frozen=True)
class Scope:
    """Which graphs are the archive's: those under ``prefix``; ``foreign()`` lists the
    others the engine holds (asked only when a pragma needs them); ``virtuoso`` whether
    the engine takes Virtuoso's pragmas."""

    prefix: str
    foreign: Callable[[], list[str]]
    virtuoso: bool

    def graph_names(self, graphs: Iterable[Any]) -> list[str]:
        """Graph IRIs for a dataset parameter: the archive's as given, others (and the
        store's default graph, which the archive never uses) as the empty graph."""
        names = [g.value if isinstance(g, ox.NamedNode) and g.value.startswith(self.prefix)
                 else NO_GRAPH for g in graphs]
        return names or [NO_GRAPH]

    def dataset(self, kind: str, names: list[str], data: dict[str, Any]) -> list[str]:
        """The ``kind`` ("default"/"named") graphs of a dataset: Virtuoso pragmas, or the
        protocol parameter added to ``data``. Virtuoso echoes each protocol graph as a
        response header (http.client reads at most 100) and takes at most
        VIRTUOSO_MAX_GRAPHS of them in a query."""
        if not self.virtuoso:
            data[f"{kind}-graph-uri"] = names
            return []
        if len(names) > VIRTUOSO_MAX_GRAPHS:
            raise ArchiveError(f"a query over {len(names)} {kind} graphs is more than "
                               f"Virtuoso takes ({VIRTUOSO_MAX_GRAPHS}); query the union "
                               "of the archive's graphs instead")
        return [f"DEFINE input:{kind}-graph-uri <{name}>" for name in names]

    def exclusions(self, default: bool, named: bool) -> list[str]:
        """Virtuoso pragmas hiding the graphs that are not the archive's."""
        if not self.virtuoso:
            return []
        kinds = [kind for kind, wanted in (("default", default), ("named", named)) if wanted]
        return [f"DEFINE input:{kind}-graph-exclude <{name}>"
                for name in self.foreign() for kind in kinds]


def compose(sparql: str, options: dict[str, Any], scope: Scope) -> tuple[str, dict[str, Any]]:
    """The query text and SPARQL 1.1 Protocol parameters (§2.1.4) for pyoxigraph-style
    ``options``: ``base_iri``, ``prefixes``, ``use_default_graph_as_union``,
    ``default_graph``, ``named_graphs`` and ``substitutions``.

    Without dataset options the engine's own dataset is used (the archive's internal
    queries name their graphs with GRAPH, as on the embedded store).
    """
    data: dict[str, Any] = {}
    pragmas: list[str] = []
    default, named = options.get("default_graph"), options.get("named_graphs")
    if options.get("use_default_graph_as_union"):
        pragmas = scope.exclusions(default=True, named=True)
    else:
        for kind, graphs in (("default", default), ("named", named)):
            if graphs is not None:
                names = scope.graph_names(graphs if isinstance(graphs, list) else [graphs])
                pragmas += scope.dataset(kind, names, data)
        if default is not None and named is None:  # pyoxigraph: every named graph (ours)
            pragmas += scope.exclusions(default=False, named=True)
    text = "\n".join([*pragmas, prologue(sparql, options.get("base_iri"),
                                         options.get("prefixes"))])
    substitutions = options.get("substitutions")
    if substitutions:  # bind the variables with a trailing VALUES clause (SPARQL 1.1 §10.2)
        names = " ".join(str(v) for v in substitutions)
        values = " ".join(str(t) for t in substitutions.values())
        text += f"\nVALUES ({names}) {{ ({values}) }}"
    return text, data


class Row(tuple):
    """One solution: its terms by position, variable name or ``ox.Variable`` (as
    pyoxigraph's ``QuerySolution``), None where unbound."""

    positions: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, ox.Variable):
            key = key.value
        if isinstance(key, str):
            key = self.positions[key]
        return super().__getitem__(key)


class Solutions:
    """The solutions of a SELECT as they stream in, as :class:`Row`s, with skolem IRIs
    turned back into blank nodes by ``term``."""

    def __init__(self, parsed: ox.QuerySolutions, term: Callable[[Term], Term]) -> None:
        self.variables: list[ox.Variable] = list(parsed.variables)
        self._parsed = parsed
        self._term = term

    def __iter__(self) -> Iterator[Row]:
        width = len(self.variables)
        row_type = type("BoundRow", (Row,), {"positions": {
            v.value: i for i, v in enumerate(self.variables)}})
        for solution in self._parsed:
            yield row_type(None if solution[i] is None else self._term(solution[i])
                           for i in range(width))


def triples(parsed: Iterable[ox.Quad | ox.Triple], term: Callable[[Term], Term]
            ) -> Iterator[ox.Triple]:
    """The triples of a CONSTRUCT/DESCRIBE answer, skolem IRIs as blank nodes."""
    for found in parsed:
        yield ox.Triple(term(found.subject), found.predicate, term(found.object))


@dataclass
class Answer:
    """A query's answer, read while it streams: a boolean, :class:`Solutions` or triples;
    ``capped`` when the engine cut it at its own row limit (``X-SPARQL-MaxRows``)."""

    result: ox.QueryBoolean | Solutions | Iterator[ox.Triple]
    capped: bool
