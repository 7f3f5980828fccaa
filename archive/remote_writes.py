"""Writing to a remote SPARQL engine: each write ONE update request (SPARQL 1.1 Protocol
§2.2), or a staged write applied by one operation, after a claim on its change-log entry.

:class:`RemoteWriting` is the write half of :class:`archive.remote_store.RemoteStore`
(which gives it ``update``, ``select``, ``ask``, ``lock``, ``chunk``, ``genid`` and
``prefix``). Before a write, a small conditional update claims the lowest change-log
sequence number it adds, so two processes sharing the engine never both take it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from archive.errors import ArchiveError, Conflict
from archive.store import to_ox
from vocab import RA

_log = logging.getLogger(__name__)
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

# Claims of change-log sequence numbers live outside the archive's graphs (see _claim).
CLAIMS = "<urn:x-rights-archive:claims>"
_CLAIMED_BY = "<urn:x-rights-archive:claimedBy>"
_CLAIMED_AT = "<urn:x-rights-archive:claimedAt>"
LEASE = timedelta(seconds=120)
# A write too large for one request is staged here first (see RemoteWriting._staged).
STAGING = "<urn:x-rights-archive:staging>"
_STAGED_BY = "<urn:x-rights-archive:stagedBy>"
_STAGED_INTO = "<urn:x-rights-archive:into>"
_STAGED_OUT_OF = "<urn:x-rights-archive:outOf>"
_STAGED_SUBJECT = "<urn:x-rights-archive:subject>"
_STAGED_DROP = "<urn:x-rights-archive:drop>"


def sparql_term(term: Node) -> str:
    """An rdflib term in SPARQL/N-Triples syntax (escaped by pyoxigraph)."""
    return str(to_ox(term))


def string(value: str) -> str:
    """A string as a SPARQL literal."""
    return str(ox.Literal(value))


class RemoteWriting:
    """Applying write sets to the engine: one request, or staged and one operation."""

    lock: Any
    chunk: int | None
    genid: str
    prefix: str

    def update(self, sparql: str) -> None: ...  # the RemoteStore's
    def select(self, sparql: str, **options: Any) -> list[dict[str, Node]]: ...
    def ask(self, sparql: str) -> bool: ...

    def apply(self, add: list[ox.Quad], remove: Iterable[ox.Quad] = (),
              drop: Iterable[URIRef] = ()) -> None:
        """Drop graphs, remove quads, then add quads: all or nothing.

        A write that adds change-log entries first claims the lowest of them (see
        :meth:`_claim`), so two processes can never both take the same sequence number.
        A write that fits one request (``chunk`` quads) is one request; a larger one is
        staged and then applied by ONE update operation (see :meth:`_staged`).
        """
        remove, drop = list(remove), list(drop)
        if not (add or remove or drop):
            return
        add, remove = self._skolem(add), self._skolem(remove)
        entries = _change_entries(add)
        with self.lock:
            claim = self._claim(entries) if entries else None
            try:
                requests_ = _write_requests(add, remove, drop, set(entries), claim, self.chunk)
                if len(requests_) == 1:
                    self.update(requests_[0])
                    return
                self._staged(add, remove, drop)
            except ArchiveError:
                if claim is not None:
                    self._release(claim)
                raise
            if claim is not None:
                try:
                    self._release(claim)
                except ArchiveError as error:  # stored: the claim lapses, the entry stays taken
                    _log.warning("the write is stored, but its claim was not withdrawn (%s); "
                                 "it lapses after %s", error, LEASE)

    def _staged(self, add: list[ox.Quad], remove: list[ox.Quad], drop: list[URIRef]) -> None:
        """A write too large for one request: staged, then applied by one operation.

        Virtuoso cannot take thousands of quads in one request, and commits each operation
        of a request on its own; so a large write sent in several requests could be cut
        off half-way (a record without its change-log entry). Instead the quads go, in
        requests of ``chunk`` lines, to a staging graph outside the archive (never seen by
        its queries): each subject of each target graph as a node naming the graph and
        the subject, with the triples' predicates and objects. One DELETE/INSERT
        operation then drops, removes and inserts everything and empties the staging
        graph. A failure before it leaves the archive's graphs untouched (the staged
        lines are withdrawn); the operation itself is atomic.
        """
        token = secrets.token_hex(8)
        mark = f"{_STAGED_BY} {string(token)}"
        lines: list[str] = []
        nodes: dict[tuple[str, str, str], str] = {}

        def node(role: str, subject: object, graph: object) -> str:
            key = (role, str(subject), str(graph))
            if key not in nodes:
                nodes[key] = f"<urn:x-rights-archive:staged:{token}:{len(nodes)}>"
                lines.append(f"{nodes[key]} {mark} ; {role} {graph} ; {_STAGED_SUBJECT} "
                             f"{subject} .")
            return nodes[key]

        for quad in add:
            lines.append(f"{node(_STAGED_INTO, quad.subject, quad.graph_name)} "
                         f"{quad.predicate} {quad.object} .")
        for quad in remove:
            lines.append(f"{node(_STAGED_OUT_OF, quad.subject, quad.graph_name)} "
                         f"{quad.predicate} {quad.object} .")
        for position, name in enumerate(drop):
            lines.append(f"<urn:x-rights-archive:staged:{token}:drop{position}> {mark} ; "
                         f"{_STAGED_DROP} {sparql_term(name)} .")
        step = self.chunk or len(lines)
        try:
            for start in range(0, len(lines), step):
                self.update(f"INSERT DATA {{ GRAPH {STAGING} {{ "
                            f"{' '.join(lines[start:start + step])} }} }}")
            self.update(_apply_staged(mark))
        except ArchiveError:
            try:
                self.update(f"DELETE WHERE {{ GRAPH {STAGING} {{ ?n {mark} ; ?p ?o }} }}")
            except ArchiveError as error:  # outside the archive: harmless, and said
                _log.warning("staged lines of a refused write stay in %s (%s)", STAGING, error)
            raise

    def _skolem(self, quads: list[ox.Quad]) -> list[ox.Quad]:
        """The quads with blank nodes replaced by skolem IRIs under the archive's base."""
        def term(node: Any) -> Any:
            if isinstance(node, ox.BlankNode):
                return ox.NamedNode(f"{self.genid}{node.value}")
            return node

        return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)
                if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                else q for q in quads]

    def _claim(self, entries: dict[ox.NamedNode, tuple[int, ox.NamedNode]]) -> str:
        """Claim the lowest new change-log entry, or raise Conflict if another process did.

        Claiming only the lowest is enough: a writer reads the log's end first, and the
        entries of one write are stored together. The claim is made only while that
        entry does not exist and nobody else claims it; two claims that raced past that
        check both see two claimants and both withdraw. A claim left by a crashed process
        lapses after LEASE seconds.
        """
        first, (_, graph) = min(entries.items(), key=lambda item: item[1][0])
        token = secrets.token_hex(8)
        # A COUNT subquery, not FILTER NOT EXISTS or OPTIONAL/!BOUND: Virtuoso 7.2 ignores
        # the first in an otherwise empty WHERE and inserts nothing with the second
        guard = (f"{{ SELECT (COUNT(*) AS ?taken) WHERE {{ {{ GRAPH {graph} {{ {first} ?p ?o }} }} "
                 f"UNION {{ GRAPH {CLAIMS} {{ {first} {_CLAIMED_BY} ?o }} }} }} }} "
                 "FILTER(?taken = 0)")
        cutoff = ox.Literal((datetime.now(UTC) - LEASE).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            datatype=ox.NamedNode(_XSD_DATETIME))
        stamp = ox.Literal(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           datatype=ox.NamedNode(_XSD_DATETIME))
        self.update(
            f"DELETE {{ GRAPH {CLAIMS} {{ {first} ?p ?o }} }} WHERE {{ GRAPH {CLAIMS} "
            f"{{ {first} {_CLAIMED_AT} ?t ; ?p ?o }} FILTER(?t < {cutoff}) }} ;\n"
            f"INSERT {{ GRAPH {CLAIMS} {{ {first} {_CLAIMED_BY} \"{token}\" ; {_CLAIMED_AT} "
            f"{stamp} }} }} WHERE {{ {guard} }}")
        rows = self.select(f"SELECT ?token WHERE {{ GRAPH {CLAIMS} {{ {first} {_CLAIMED_BY} "
                           "?token } }")
        claimants = {str(row["token"]) for row in rows}
        if token in claimants:
            claim = f"{first} {_CLAIMED_BY} \"{token}\" ; {_CLAIMED_AT} ?claimedAt"
            if claimants == {token}:
                return claim
            self._release(claim)
        raise Conflict(f"another process is saving change {first.value} at the same moment; "
                       "nothing of this write was stored. Send it again.")

    def _release(self, claim: str) -> None:
        self.update(f"DELETE WHERE {{ GRAPH {CLAIMS} {{ {claim} }} }}")

    def writing(self) -> bool:
        """Whether some process is saving records right now (a live claim, see _claim)."""
        cutoff = ox.Literal((datetime.now(UTC) - LEASE).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            datatype=ox.NamedNode(_XSD_DATETIME))
        return self.ask(f"ASK {{ GRAPH {CLAIMS} {{ ?entry {_CLAIMED_AT} ?at "
                        f"FILTER(STRSTARTS(STR(?entry), {string(self.prefix)}) && "
                        f"?at >= {cutoff}) }} }}")


def _change_entries(add: list[ox.Quad]) -> dict[ox.NamedNode, tuple[int, ox.NamedNode]]:
    """The change-log entries a write adds: entry → (sequence number, graph)."""
    sequence = ox.NamedNode(str(RA.sequence))
    return {quad.subject: (int(quad.object.value), quad.graph_name)
            for quad in add if quad.predicate == sequence}


def _apply_staged(mark: str) -> str:
    """The one operation that applies a staged write (``mark``: its lines' marker)."""
    header = f"{_STAGED_BY}, {_STAGED_INTO}, {_STAGED_OUT_OF}, {_STAGED_SUBJECT}"
    return (
        f"DELETE {{ GRAPH ?out {{ ?rs ?rp ?ro }} GRAPH ?dropped {{ ?ds ?dp ?do }} "
        f"GRAPH {STAGING} {{ ?n ?np ?no }} }}\n"
        f"INSERT {{ GRAPH ?into {{ ?as ?ap ?ao }} }}\n"
        f"WHERE {{ GRAPH {STAGING} {{ ?n {mark} }}\n"
        f"  {{ GRAPH {STAGING} {{ ?n {_STAGED_INTO} ?into ; {_STAGED_SUBJECT} ?as ; ?ap ?ao }} "
        f"FILTER(?ap NOT IN ({header})) }}\n"
        f"  UNION {{ GRAPH {STAGING} {{ ?n {_STAGED_OUT_OF} ?out ; {_STAGED_SUBJECT} ?rs ; "
        f"?rp ?ro }} FILTER(?rp NOT IN ({header})) }}\n"
        f"  UNION {{ GRAPH {STAGING} {{ ?n {_STAGED_DROP} ?dropped }} "
        f"GRAPH ?dropped {{ ?ds ?dp ?do }} }}\n"
        f"  UNION {{ GRAPH {STAGING} {{ ?n ?np ?no }} }} }}")


def _write_requests(add: list[ox.Quad], remove: list[ox.Quad], drop: list[URIRef],
                    entries: set[ox.NamedNode], claim: str | None,
                    chunk: int | None) -> list[str]:
    """The update request(s) of one write: drop graphs, delete quads, insert quads.

    ONE request unless the engine needs ``chunk``: Virtuoso's SPARQL parser runs out of
    memory near 5,000 triples in one operation and slows down quadratically long before,
    so there a large batch goes in requests of at most ``chunk`` quads. Virtuoso also
    commits each operation of a request on its own (a failing third operation keeps the
    first two), so the change-log entries always go last: a half-done write is never
    announced to followers. DROP SILENT: engines refuse DROP of a graph they never saw.
    """
    operations = [(f"DROP SILENT GRAPH {sparql_term(name)}", 1) for name in drop]
    content = [quad for quad in add if quad.subject not in entries]
    log = [quad for quad in add if quad.subject in entries]
    for verb, quads in (("DELETE DATA", remove), ("INSERT DATA", content),
                        ("INSERT DATA", log)):
        step = chunk or max(len(quads), 1)
        operations += [(f"{verb} {{ {quads_text(quads[i:i + step])} }}", len(quads[i:i + step]))
                       for i in range(0, len(quads), step)]
    if claim is not None:
        operations.append((f"DELETE WHERE {{ GRAPH {CLAIMS} {{ {claim} }} }}", 1))
    requests_: list[list[str]] = [[]]
    size = 0
    for text, count in operations:
        if chunk and requests_[-1] and size + count > chunk:
            requests_.append([])
            size = 0
        requests_[-1].append(text)
        size += count
    return [" ;\n".join(parts) for parts in requests_ if parts]


def quads_text(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(str(quad.graph_name), []).append(
            f"{quad.subject} {quad.predicate} {quad.object} .")
    return " ".join(f"GRAPH {graph} {{ {' '.join(lines)} }}" for graph, lines in by_graph.items())
