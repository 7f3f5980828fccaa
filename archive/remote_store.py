"""The archive on a remote SPARQL 1.1 engine (Virtuoso, Fuseki, GraphDB …) over HTTP.

:class:`RemoteStore` has the interface of :class:`archive.store.Store`. Reads are SPARQL
1.1 Protocol queries (§2.1) answered in formats pyoxigraph parses: JSON results for
SELECT (rdflib's default XML breaks on Virtuoso), N-Triples for graphs; queries are scoped
to the archive's graphs by :mod:`archive.remote_query`. Every write is ONE update request
(§2.2) holding the record, its history and its change-log entry, made by
:class:`archive.remote_writes.RemoteWriting` (which also claims the change-log sequence
number first, so two processes sharing the engine can never both take the same one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests
from rdflib import BNode, Dataset, URIRef
from rdflib.term import Node

from archive.errors import ArchiveError
from archive.remote_query import Answer, Scope, Solutions, compose, is_graph_form, triples
from archive.remote_writes import CLAIMS, STAGING, RemoteWriting, quads_text, sparql_term, string
from archive.settings import settings
from archive.store import GraphReading, from_ox

# Blank nodes travel as skolem IRIs (RDF 1.1 §3.5): Virtuoso refuses them in INSERT DATA,
# and its templates fail on RDF lists ("string_output_string needs a string output").
_GENID = "/.well-known/genid/rights-archive-"
_BATCH = 200  # graphs per read request when copying many graphs
FOREIGN_TTL = 600.0  # seconds the list of graphs that are not the archive's is kept


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


class RemoteStore(RemoteWriting, GraphReading):
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
                               f"FILTER(!STRSTARTS(STR(?g), {string(self.prefix)})) }}")
            names = {str(row["g"]) for row in rows} | {CLAIMS[1:-1], STAGING[1:-1]}
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
        return self.ask(f"ASK {{ GRAPH {sparql_term(name)} {{ ?s ?p ?o }} }}")

    def triples(self, name: URIRef, subject: Node | None = None, predicate: Node | None = None
                ) -> Iterator[tuple[Node, Node, Node]]:
        """The triples of the named graph ``name`` matching a subject and predicate.

        A CONSTRUCT answered in N-Triples: on Virtuoso about seven times faster than the
        same SELECT in JSON, and parsed by pyoxigraph rather than term by term.
        """
        s = self._pattern_term(subject, "?s")
        p = self._pattern_term(predicate, "?p")
        body = self._request(f"CONSTRUCT {{ {s} {p} ?o }} WHERE {{ GRAPH {sparql_term(name)} "
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
        return sparql_term(term)

    def _rdflib(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        """A term the engine answered as an rdflib term (skolem IRIs as blank nodes)."""
        return from_ox(self._ox_term(term))

    def named_graphs(self) -> Iterator[URIRef]:
        """The graphs under the prefix (an engine's own system graphs are not the archive's)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"FILTER(STRSTARTS(STR(?g), {string(self.prefix)})) }}")
        return (row["g"] for row in rows)

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"FILTER(STRSTARTS(STR(?g), {string(self.prefix)})) }}")
        return int(rows[0]["n"]) if rows else 0

    def quads(self, graphs: Iterable[URIRef] | None = None) -> Iterator[ox.Quad]:
        """The quads of some graphs (default: all under the prefix), a batch per request."""
        names = sorted(graphs if graphs is not None else self.named_graphs())
        for start in range(0, len(names), _BATCH):
            values = " ".join(sparql_term(name) for name in names[start:start + _BATCH])
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

    # Writing (the one update per write, the claims: archive.remote_writes) ------------

    def bulk_load(self, path: Path, fmt: ox.RdfFormat) -> None:
        """Load a file of quads in order, in chunks (restore into an empty store; not atomic)."""
        chunk: list[ox.Quad] = []
        for quad in ox.parse(path=str(path), format=fmt):
            chunk.append(quad)
            if len(chunk) >= (self.chunk or 2000):
                self.update("INSERT DATA { " + quads_text(self._skolem(chunk)) + " }")
                chunk = []
        if chunk:
            self.update("INSERT DATA { " + quads_text(self._skolem(chunk)) + " }")

    def clear(self, keep: Iterable[URIRef] = ()) -> None:
        """Drop every graph under the prefix but ``keep`` (tests and a failed migration),
        and the claims on its change-log entries: a claim a cut-off write left would
        otherwise refuse the next archive's first writes until it lapsed."""
        kept = {str(name) for name in keep}
        names = [name for name in self.named_graphs() if str(name) not in kept]
        for start in range(0, len(names), 100):
            self.update(" ;\n".join(f"DROP SILENT GRAPH {sparql_term(n)}"
                                    for n in names[start:start + 100]))
        self.update(f"DELETE {{ GRAPH {CLAIMS} {{ ?entry ?p ?o }} }} WHERE {{ GRAPH {CLAIMS} "
                    f"{{ ?entry ?p ?o }} FILTER(STRSTARTS(STR(?entry), "
                    f"{string(self.prefix)})) }}")

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


def _first_lines(text: str) -> str:
    """An engine's error message without the query it repeats (Virtuoso appends it)."""
    message = text.split("\n\nSPARQL query:", 1)[0].strip()
    return message[:500] or "the SPARQL store could not evaluate the query"
