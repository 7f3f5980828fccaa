"""The archive on a remote SPARQL 1.1 engine (Virtuoso, Fuseki, GraphDB …) over HTTP.

:class:`RemoteStore` has the interface of :class:`archive.store.Store`. Reads are SPARQL
1.1 Protocol queries (§2.1) answered in formats pyoxigraph parses: JSON results for
SELECT (rdflib's default XML breaks on Virtuoso), N-Triples for graphs; queries are scoped
to the archive's graphs by :mod:`archive.remote_query`. Every write is ONE update request
(§2.2) holding the record, its history and its change-log entry. Before it, a small
conditional update claims the change-log sequence number, so two processes sharing the
engine can never both take the same one.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests
from rdflib import BNode, Dataset, URIRef
from rdflib.term import Node

from archive.errors import ArchiveError, Conflict
from archive.remote_query import Answer, Scope, Solutions, compose, is_graph_form, triples
from archive.settings import settings
from archive.store import GraphReading, from_ox, to_ox
from vocab import RA

_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
# Claims of change-log sequence numbers live outside the archive's graphs (see _claim).
_CLAIMS = "<urn:x-rights-archive:claims>"
_CLAIMED_BY = "<urn:x-rights-archive:claimedBy>"
_CLAIMED_AT = "<urn:x-rights-archive:claimedAt>"
LEASE = timedelta(seconds=120)
# A write too large for one request is staged here first (see RemoteStore._staged).
_STAGING = "<urn:x-rights-archive:staging>"
_STAGED_BY = "<urn:x-rights-archive:stagedBy>"
_STAGED_INTO = "<urn:x-rights-archive:into>"
_STAGED_OUT_OF = "<urn:x-rights-archive:outOf>"
_STAGED_SUBJECT = "<urn:x-rights-archive:subject>"
_STAGED_DROP = "<urn:x-rights-archive:drop>"
# Blank nodes travel as skolem IRIs (RDF 1.1 §3.5): Virtuoso refuses them in INSERT DATA,
# and its templates fail on RDF lists ("string_output_string needs a string output").
_GENID = "/.well-known/genid/rights-archive-"
_BATCH = 200  # graphs per read request when copying many graphs
FOREIGN_TTL = 600.0  # seconds the list of graphs that are not the archive's is kept
_log = logging.getLogger(__name__)


class RemoteStoreError(ArchiveError):
    """The remote engine refused a request or could not be reached."""

    status = 503


class QueryTimedOut(RemoteStoreError):
    """The engine stopped a query at the time limit, or refused it because it estimated
    that it would run longer (``estimated``)."""

    def __init__(self, message: str, *, estimated: bool = False) -> None:
        super().__init__(message)
        self.estimated = estimated


class EngineRefusal(RemoteStoreError):
    """The engine could not evaluate a query (one it may not support, such as BNODE())."""

    status = 400


def _auth(url: str) -> requests.auth.AuthBase | None:
    """Credentials from $RIGHTS_ARCHIVE_STORE_USER/_PASSWORD (never from the URL or a file).

    Virtuoso's /sparql-auth wants HTTP Digest; Fuseki and GraphDB use Basic. Choose with
    $RIGHTS_ARCHIVE_STORE_AUTH=digest|basic (default: digest for a path ending in -auth).
    """
    current = settings()
    user = current.store_user
    if not user:
        return None
    password = current.store_password
    scheme = current.store_auth or (
        "digest" if url.rstrip("/").endswith("-auth") else "basic")
    if scheme == "digest":
        return requests.auth.HTTPDigestAuth(user, password)
    return requests.auth.HTTPBasicAuth(user, password)


def _text(term: Node) -> str:
    """An rdflib term in SPARQL/N-Triples syntax (escaped by pyoxigraph)."""
    return str(to_ox(term))


class RemoteStore(GraphReading):
    """The named graphs under ``prefix`` on the SPARQL endpoint at ``url``."""

    shared = True  # other processes may write: never cache what the store says

    def __init__(self, url: str, *, prefix: str = "", update_url: str | None = None,
                 read_only: bool = False, timeout: float = 120) -> None:
        self.url = url
        self.update_url = update_url or settings().store_update or url
        self.prefix = prefix
        self.genid = (prefix.rstrip("/") if prefix.startswith("http") else
                      "urn:x-rights-archive") + _GENID
        self.path: Path | None = None
        self.read_only = read_only
        self.timeout = timeout
        self.lock = threading.RLock()
        self._auth = _auth(url)
        self._local = threading.local()
        self._closed = False
        self._server: str | None = None
        self._foreign: tuple[float, list[str]] | None = None
        self.scope = Scope(prefix, self.foreign_graphs, virtuoso=False)
        self.chunk = _chunk(self.engine()) if not read_only else None

    def engine(self) -> str:
        """The engine's name and version, from its Server header ("" if it sends none)."""
        if self._server is None:
            response = self._post(self.url, {"query": "ASK {}"},
                                  "application/sparql-results+json")
            self._server = response.headers.get("Server", "")
            self.scope = Scope(self.prefix, self.foreign_graphs,
                               virtuoso="virtuoso" in self._server.lower())
        return self._server

    def foreign_graphs(self) -> list[str]:
        """The engine's graphs that are not the archive's (its own system graphs, the
        claims graph), which Virtuoso's queries must exclude; asked again after
        FOREIGN_TTL seconds (1.7 s at 100,000 graphs, 0.04 s for the sample)."""
        now = time.monotonic()
        if self._foreign is None or now - self._foreign[0] > FOREIGN_TTL:
            rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                               f"FILTER(!STRSTARTS(STR(?g), {_string(self.prefix)})) }}")
            names = {str(row["g"]) for row in rows} | {_CLAIMS[1:-1], _STAGING[1:-1]}
            self._foreign = (now, sorted(names))
        return self._foreign[1]

    def assume_foreign(self, names: list[str]) -> None:
        """Take ``names`` as :meth:`foreign_graphs` (listed by another process) for now."""
        self._foreign = (time.monotonic(), list(names))

    # HTTP ------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.auth = self._auth
        return session

    def _post(self, url: str, data: dict[str, Any], accept: str) -> requests.Response:
        try:
            response = self._session().post(url, data=data, headers={"Accept": accept},
                                            timeout=self.timeout)
        except requests.RequestException as error:
            raise RemoteStoreError(f"the SPARQL store at {url} cannot be reached ({error})"
                                   ) from None
        if response.status_code in (401, 403):
            raise RemoteStoreError(
                f"the SPARQL store at {url} refused the credentials (HTTP "
                f"{response.status_code}); set RIGHTS_ARCHIVE_STORE_USER and "
                "RIGHTS_ARCHIVE_STORE_PASSWORD to a user allowed to query and update")
        if not response.ok:
            raise RemoteStoreError(f"the SPARQL store at {url} answered HTTP "
                                   f"{response.status_code}: {response.text[:500]}")
        return response

    def _request(self, sparql: str, options: dict[str, Any], accept: str) -> requests.Response:
        if options:
            self.engine()  # the dialect decides how a dataset is scoped
        text, data = compose(sparql, options, self.scope)
        data["query"] = text
        return self._post(self.url, data, accept)

    def update(self, sparql: str) -> None:
        """Send one SPARQL 1.1 Update request (applied whole or not at all)."""
        if self.read_only:
            raise ArchiveError("the archive is open read-only")
        self._post(self.update_url, {"update": sparql}, "*/*")

    # Reading ---------------------------------------------------------------------------

    def select(self, sparql: str, **options: Any) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dicts of rdflib terms (unbound variables left out)."""
        solutions = self._solutions(sparql, options)
        names = [variable.value for variable in solutions.variables]
        return [{name: self._rdflib(value) for name, value in zip(names, solution,
                                                                  strict=True)
                 if value is not None} for solution in solutions]

    def _solutions(self, sparql: str, options: dict[str, Any]) -> ox.QuerySolutions:
        """A SELECT's solutions, parsed by pyoxigraph from JSON. (Virtuoso writes XML
        results two to three times faster, but pyoxigraph 0.5 trims the whitespace around
        literals in XML: a text's final newline was lost.)"""
        body = self._request(sparql, options, "application/sparql-results+json").content
        solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    def ask(self, sparql: str) -> bool:
        return bool(self._request(sparql, {}, "application/sparql-results+json")
                    .json()["boolean"])

    def query(self, sparql: str, **options: Any) -> object:
        """A query answered as pyoxigraph would (solutions, boolean or triples), skolem
        IRIs as blank nodes."""
        if is_graph_form(sparql):
            body = self._request(sparql, options, "application/n-triples").content
            return list(triples(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), self._ox_term))
        body = self._request(sparql, options, "application/sparql-results+json").content
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            return result
        return Solutions(result, self._ox_term)

    @contextmanager
    def answer(self, sparql: str, *, timeout: float | None = None, **options: Any
               ) -> Iterator[Answer]:
        """A query's answer read as it streams (for the public endpoint; the caller has
        checked its syntax). ``timeout`` seconds bound the work: Virtuoso is asked to stop
        there, other engines are left by closing the connection (QueryTimedOut)."""
        self.engine()
        text, data = compose(sparql, options, self.scope)
        data["query"] = text
        graph = is_graph_form(sparql)
        if timeout and self.scope.virtuoso:
            data["timeout"] = str(max(100, int(timeout * 1000)))  # milliseconds
        limit = f"the {timeout:g} s limit" if timeout else "the time limit"
        try:
            response = self._session().post(
                self.url, data=data, stream=True, timeout=(10, (timeout or self.timeout) + 5),
                headers={"Accept": "application/n-triples" if graph
                         else "application/sparql-results+json"})
        except requests.Timeout:
            raise QueryTimedOut(f"the SPARQL store did not answer within {limit}") from None
        except requests.RequestException as error:
            raise RemoteStoreError(f"the SPARQL store at {self.url} cannot be reached "
                                   f"({error})") from None
        try:
            yield self._read_answer(response, graph, limit)
        finally:
            response.close()

    def _read_answer(self, response: requests.Response, graph: bool, limit: str) -> Answer:
        if response.headers.get("X-SQL-State") == "S1TAT":  # Virtuoso's "anytime" cut-off
            raise QueryTimedOut(f"the SPARQL store stopped the query at {limit}")
        if not response.ok:
            text = response.text[:2000]
            if "estimated execution time" in text:  # Virtuoso's MaxQueryCostEstimationTime
                raise QueryTimedOut(f"the SPARQL store estimated that the query would run "
                                    f"past {limit}", estimated=True)
            if response.status_code in (401, 403):
                raise RemoteStoreError(f"the SPARQL store at {self.url} refused the "
                                       "credentials (RIGHTS_ARCHIVE_STORE_USER/_PASSWORD)")
            raise EngineRefusal(_first_lines(text))
        response.raw.decode_content = True
        capped = "X-SPARQL-MaxRows" in response.headers
        if graph:
            parsed = ox.parse(response.raw, format=ox.RdfFormat.N_TRIPLES)
            return Answer(triples(parsed, self._ox_term), capped)
        result = ox.parse_query_results(response.raw, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            return Answer(result, capped)
        return Answer(Solutions(result, self._ox_term), capped)

    def _ox_term(self, term: Any) -> Any:
        """A pyoxigraph term the engine answered, a skolem IRI as its blank node."""
        if isinstance(term, ox.NamedNode) and term.value.startswith(self.genid):
            return ox.BlankNode(term.value[len(self.genid):])
        return term

    def has_graph(self, name: URIRef) -> bool:
        return self.ask(f"ASK {{ GRAPH {_text(name)} {{ ?s ?p ?o }} }}")

    def triples(self, name: URIRef, subject: Node | None = None, predicate: Node | None = None
                ) -> Iterator[tuple[Node, Node, Node]]:
        """The triples of the named graph ``name`` matching a subject and predicate.

        A CONSTRUCT answered in N-Triples: on Virtuoso about seven times faster than the
        same SELECT in JSON, and parsed by pyoxigraph rather than term by term.
        """
        s = self._pattern_term(subject, "?s")
        p = self._pattern_term(predicate, "?p")
        body = self._request(f"CONSTRUCT {{ {s} {p} ?o }} WHERE {{ GRAPH {_text(name)} "
                             f"{{ {s} {p} ?o }} }}", {}, "application/n-triples").content
        for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            yield self._rdflib(triple.subject), self._rdflib(triple.predicate), \
                self._rdflib(triple.object)

    def _pattern_term(self, term: Node | None, variable: str) -> str:
        """A term for a query pattern (a blank node as its skolem IRI), or ``variable``."""
        if term is None:
            return variable
        if isinstance(term, BNode):
            return f"<{self.genid}{term}>"
        return _text(term)

    def _rdflib(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        """A term the engine answered as an rdflib term (skolem IRIs as blank nodes)."""
        return from_ox(self._ox_term(term))

    def named_graphs(self) -> Iterator[URIRef]:
        """The graphs under the prefix (an engine's own system graphs are not the archive's)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"FILTER(STRSTARTS(STR(?g), {_string(self.prefix)})) }}")
        return (row["g"] for row in rows)

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"FILTER(STRSTARTS(STR(?g), {_string(self.prefix)})) }}")
        return int(rows[0]["n"]) if rows else 0

    def quads(self, graphs: Iterable[URIRef] | None = None) -> Iterator[ox.Quad]:
        """The quads of some graphs (default: all under the prefix), a batch per request."""
        names = sorted(graphs if graphs is not None else self.named_graphs())
        for start in range(0, len(names), _BATCH):
            values = " ".join(_text(name) for name in names[start:start + _BATCH])
            for row in self._solutions(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} "
                                       "GRAPH ?g { ?s ?p ?o } }", {}):
                yield ox.Quad(self._ox_term(row[1]), row[2], self._ox_term(row[3]), row[0])

    def graph_quads(self, name: URIRef) -> list[ox.Quad]:
        return list(self.quads([name]))

    def dataset(self, graphs: Iterable[URIRef] | None = None) -> Dataset:
        dataset = Dataset()
        for quad in self.quads(graphs):
            dataset.graph(from_ox(quad.graph_name)).add(
                (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
        return dataset

    def dump(self, output: object, fmt: ox.RdfFormat, graphs: Iterable[URIRef] | None = None
             ) -> None:
        ox.serialize(self.quads(graphs), output, fmt)

    # Writing ---------------------------------------------------------------------------

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
        mark = f"{_STAGED_BY} {_string(token)}"
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
                         f"{_STAGED_DROP} {_text(name)} .")
        step = self.chunk or len(lines)
        try:
            for start in range(0, len(lines), step):
                self.update(f"INSERT DATA {{ GRAPH {_STAGING} {{ "
                            f"{' '.join(lines[start:start + step])} }} }}")
            self.update(_apply_staged(mark))
        except ArchiveError:
            try:
                self.update(f"DELETE WHERE {{ GRAPH {_STAGING} {{ ?n {mark} ; ?p ?o }} }}")
            except ArchiveError as error:  # outside the archive: harmless, and said
                _log.warning("staged lines of a refused write stay in %s (%s)", _STAGING, error)
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
                 f"UNION {{ GRAPH {_CLAIMS} {{ {first} {_CLAIMED_BY} ?o }} }} }} }} "
                 "FILTER(?taken = 0)")
        cutoff = ox.Literal((datetime.now(UTC) - LEASE).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            datatype=ox.NamedNode(_XSD_DATETIME))
        stamp = ox.Literal(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           datatype=ox.NamedNode(_XSD_DATETIME))
        self.update(
            f"DELETE {{ GRAPH {_CLAIMS} {{ {first} ?p ?o }} }} WHERE {{ GRAPH {_CLAIMS} "
            f"{{ {first} {_CLAIMED_AT} ?t ; ?p ?o }} FILTER(?t < {cutoff}) }} ;\n"
            f"INSERT {{ GRAPH {_CLAIMS} {{ {first} {_CLAIMED_BY} \"{token}\" ; {_CLAIMED_AT} "
            f"{stamp} }} }} WHERE {{ {guard} }}")
        rows = self.select(f"SELECT ?token WHERE {{ GRAPH {_CLAIMS} {{ {first} {_CLAIMED_BY} "
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
        self.update(f"DELETE WHERE {{ GRAPH {_CLAIMS} {{ {claim} }} }}")

    def writing(self) -> bool:
        """Whether some process is saving records right now (a live claim, see _claim)."""
        cutoff = ox.Literal((datetime.now(UTC) - LEASE).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            datatype=ox.NamedNode(_XSD_DATETIME))
        return self.ask(f"ASK {{ GRAPH {_CLAIMS} {{ ?entry {_CLAIMED_AT} ?at "
                        f"FILTER(STRSTARTS(STR(?entry), {_string(self.prefix)}) && "
                        f"?at >= {cutoff}) }} }}")

    def bulk_load(self, path: Path, fmt: ox.RdfFormat) -> None:
        """Load a file of quads in order, in chunks (restore into an empty store; not atomic)."""
        chunk: list[ox.Quad] = []
        for quad in ox.parse(path=str(path), format=fmt):
            chunk.append(quad)
            if len(chunk) >= (self.chunk or 2000):
                self.update("INSERT DATA { " + _quads_text(self._skolem(chunk)) + " }")
                chunk = []
        if chunk:
            self.update("INSERT DATA { " + _quads_text(self._skolem(chunk)) + " }")

    def clear(self, keep: Iterable[URIRef] = ()) -> None:
        """Drop every graph under the prefix but ``keep`` (tests and a failed migration),
        and the claims on its change-log entries: a claim a cut-off write left would
        otherwise refuse the next archive's first writes until it lapsed."""
        kept = {str(name) for name in keep}
        names = [name for name in self.named_graphs() if str(name) not in kept]
        for start in range(0, len(names), 100):
            self.update(" ;\n".join(f"DROP SILENT GRAPH {_text(n)}"
                                    for n in names[start:start + 100]))
        self.update(f"DELETE {{ GRAPH {_CLAIMS} {{ ?entry ?p ?o }} }} WHERE {{ GRAPH {_CLAIMS} "
                    f"{{ ?entry ?p ?o }} FILTER(STRSTARTS(STR(?entry), "
                    f"{_string(self.prefix)})) }}")

    def backup(self, target: Path) -> None:
        """An embedded (Oxigraph) copy of the archive's graphs in ``target``.

        The engine's own backup tools copy the whole database; this copy is the archive
        alone and restores like any backup (``rights-archive restore``, then ``migrate``).
        """
        copy = ox.Store(str(target))
        copy.extend(list(self.quads()))
        copy.flush()
        del copy

    def flush(self) -> None:
        """Nothing to do: the engine has committed every answered update."""

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()


def _chunk(engine: str) -> int | None:
    """Quads per update request: $RIGHTS_ARCHIVE_STORE_CHUNK, 250 on Virtuoso, else all."""
    explicit = settings().store_chunk
    if explicit is not None:
        return explicit or None
    return 250 if "virtuoso" in engine.lower() else None


def _string(value: str) -> str:
    return str(ox.Literal(value))


def _first_lines(text: str) -> str:
    """An engine's error message without the query it repeats (Virtuoso appends it)."""
    message = text.split("\n\nSPARQL query:", 1)[0].strip()
    return message[:500] or "the SPARQL store could not evaluate the query"


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
        f"GRAPH {_STAGING} {{ ?n ?np ?no }} }}\n"
        f"INSERT {{ GRAPH ?into {{ ?as ?ap ?ao }} }}\n"
        f"WHERE {{ GRAPH {_STAGING} {{ ?n {mark} }}\n"
        f"  {{ GRAPH {_STAGING} {{ ?n {_STAGED_INTO} ?into ; {_STAGED_SUBJECT} ?as ; ?ap ?ao }} "
        f"FILTER(?ap NOT IN ({header})) }}\n"
        f"  UNION {{ GRAPH {_STAGING} {{ ?n {_STAGED_OUT_OF} ?out ; {_STAGED_SUBJECT} ?rs ; "
        f"?rp ?ro }} FILTER(?rp NOT IN ({header})) }}\n"
        f"  UNION {{ GRAPH {_STAGING} {{ ?n {_STAGED_DROP} ?dropped }} "
        f"GRAPH ?dropped {{ ?ds ?dp ?do }} }}\n"
        f"  UNION {{ GRAPH {_STAGING} {{ ?n ?np ?no }} }} }}")


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
    operations = [(f"DROP SILENT GRAPH {_text(name)}", 1) for name in drop]
    content = [quad for quad in add if quad.subject not in entries]
    log = [quad for quad in add if quad.subject in entries]
    for verb, quads in (("DELETE DATA", remove), ("INSERT DATA", content),
                        ("INSERT DATA", log)):
        step = chunk or max(len(quads), 1)
        operations += [(f"{verb} {{ {_quads_text(quads[i:i + step])} }}", len(quads[i:i + step]))
                       for i in range(0, len(quads), step)]
    if claim is not None:
        operations.append((f"DELETE WHERE {{ GRAPH {_CLAIMS} {{ {claim} }} }}", 1))
    requests_: list[list[str]] = [[]]
    size = 0
    for text, count in operations:
        if chunk and requests_[-1] and size + count > chunk:
            requests_.append([])
            size = 0
        requests_[-1].append(text)
        size += count
    return [" ;\n".join(parts) for parts in requests_ if parts]


def _quads_text(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(str(quad.graph_name), []).append(
            f"{quad.subject} {quad.predicate} {quad.object} .")
    return " ".join(f"GRAPH {graph} {{ {' '.join(lines)} }}" for graph, lines in by_graph.items())
