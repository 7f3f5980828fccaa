"""The /sparql endpoint through real clients: SPARQLWrapper, rdflib's SPARQLStore, urllib.

A live server over the sample collection in a temporary folder, its archive on the embedded
store or on Virtuoso (where the worker sends each query on to the engine); every result
format by GET and POST, CONSTRUCT parsed back into graphs, updates refused with nothing
changed, endless queries cut at the time limit while the server keeps answering, and the
full-text pattern agreeing with /api/search.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from search.api import search_json
from tests.support import SEED_ID, sample_module_app, serving
from web.sparql_engine.examples import EXAMPLES

RA = Namespace("https://w3id.org/rights-archive/vocab#")
EVENT = "?event rdfs:label 'US withdrawal from the UN Human Rights Council' ."
SELECT = f"""SELECT ?s ?title WHERE {{ {EVENT}
  ?s a ra:Statement ; dcterms:title ?title ; ra:respondsTo ?event }} ORDER BY ?s"""
CONSTRUCT = f"""CONSTRUCT {{ ?s dcterms:title ?title ; ra:issuer ?issuer }}
WHERE {{ {EVENT} ?s dcterms:title ?title ; ra:issuer ?issuer ; ra:respondsTo ?event }}"""
ENDLESS = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"""
# Virtuoso refuses ENDLESS by its cost estimate; this one it starts, and must be stopped.
LONG = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) > 3) }"""
RESPONSES = 11  # statements in the sample that respond to an event, besides the seed


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def sparql_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    """One app over the sample for the module (the tests only read; one kills a worker).
    Every request comes from one address here, so the per-client limit is raised (it has
    its own tests in tests/web/test_sparql_hardening.py)."""
    with sample_module_app(request, request.param, SPARQL_TIMEOUT=2, SPARQL_CLIENT_QUERIES=4,
                           RATELIMIT_SPARQL="10000 per minute") as app:
        yield app


@pytest.fixture(scope="module")
def endpoint(sparql_app: Any) -> Iterator[str]:
    """The live server's /sparql URL."""
    with serving(sparql_app) as url:
        yield url + "sparql"


def wrapper(endpoint: str, query: str, fmt: str, method: str) -> Any:
    client = SPARQLWrapper(endpoint)
    client.setQuery("PREFIX ra: <https://w3id.org/rights-archive/vocab#>\n"
                    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
                    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client.query()


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None
          ) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize("method", ["GET", POST])
def test_select_json_and_xml_through_sparqlwrapper(endpoint: str, method: str) -> None:
    bindings = wrapper(endpoint, SELECT, JSON, method).convert()["results"]["bindings"]
    assert len(bindings) == RESPONSES + 1
    assert any(b["s"]["value"].endswith(f"/statements/{SEED_ID}") for b in bindings)
    assert all(b["title"]["type"] == "literal" for b in bindings)
    document = wrapper(endpoint, SELECT, XML, method).convert()
    assert isinstance(document, Document)
    assert len(document.getElementsByTagName("result")) == RESPONSES + 1


@pytest.mark.parametrize("method", ["GET", POST])
def test_select_csv_and_tsv_through_sparqlwrapper(endpoint: str, method: str) -> None:
    rows = list(csv.reader(io.StringIO(wrapper(endpoint, SELECT, CSV, method).convert()
                                       .decode())))
    assert rows[0] == ["s", "title"]
    assert len(rows) == RESPONSES + 2
    tsv = wrapper(endpoint, SELECT, TSV, method).convert().decode().splitlines()
    assert tsv[0] == "?s\t?title"
    assert all(line.startswith("<http") for line in tsv[1:])


@pytest.mark.parametrize("method", ["GET", POST])
@pytest.mark.parametrize("fmt,rdflib_format", [(TURTLE, "turtle"), (N3, "turtle"),
                                               (RDFXML, "xml"), (JSONLD, "json-ld")])
def test_construct_parses_into_a_graph(endpoint: str, sparql_app: Any, method: str, fmt: str,
                                       rdflib_format: str) -> None:
    result = wrapper(endpoint, CONSTRUCT, fmt, method)
    graph = Graph().parse(data=result.response.read(), format=rdflib_format)
    seed = sparql_app.extensions["archive"].uris.statement(SEED_ID)
    assert len(set(graph.subjects(RA.issuer))) == RESPONSES + 1
    assert graph.value(seed, URIRef("http://purl.org/dc/terms/title")) == Literal(
        "National Human Rights Cities Alliance Press Statement on US Withdrawal from HRC",
        lang="en")


def test_construct_as_ntriples_by_accept(endpoint: str) -> None:
    url = endpoint + "?" + urllib.parse.urlencode({"query": CONSTRUCT})
    status, headers, body = fetch(url, headers={"Accept": "application/n-triples"})
    assert status == 200
    assert headers["Content-Type"].startswith("application/n-triples")
    assert len(set(Graph().parse(data=body, format="nt").subjects(RA.issuer))) == RESPONSES + 1


def test_post_sparql_query_body_and_ask(endpoint: str) -> None:
    status, headers, body = fetch(
        endpoint, data=f"ASK {{ ?s dcterms:identifier '{SEED_ID}' }}".encode(),
        headers={"Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+json"})
    assert status == 200
    assert json.loads(body) == {"head": {}, "boolean": True}
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_rdflib_sparqlstore_queries_the_endpoint(endpoint: str) -> None:
    graph = Graph(SPARQLStore(query_endpoint=endpoint, returnFormat="json"))
    rows = list(graph.query(
        "SELECT ?issuer (COUNT(?s) AS ?n) WHERE { ?s ra:issuer ?issuer } GROUP BY ?issuer",
        initNs={"ra": RA}))
    assert len(rows) == 105 and all(int(row.n) >= 1 for row in rows)  # every issuer
    assert sum(int(row.n) for row in rows) == 148  # every statement has one issuer
    assert graph.query("ASK { ?s a ra:Statement }", initNs={"ra": RA}).askAnswer is True


def test_updates_are_refused_and_nothing_changes(endpoint: str, sparql_app: Any) -> None:
    archive = sparql_app.extensions["archive"]
    before, sequence = len(archive.store), archive.last_sequence()
    update = ("PREFIX ra: <https://w3id.org/rights-archive/vocab#>\n"
              "DELETE WHERE { GRAPH ?g { ?s ra:issuer ?o } }")
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setQuery(update)
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.query()
    assert refused.value.code == 403
    attempts = [
        (endpoint, update.encode(), {"Content-Type": "application/sparql-update"}),
        (endpoint, urllib.parse.urlencode({"query": update}).encode(), {}),
        (endpoint + "?" + urllib.parse.urlencode(
            {"query": "CLEAR ALL"}), None, {}),
        (endpoint + "?" + urllib.parse.urlencode(
            {"query": "LOAD <http://example.org/x.ttl>"}), None, {}),
        (endpoint + "?" + urllib.parse.urlencode(
            {"query": "# comment\nPREFIX x: <http://x/>\nDROP GRAPH x:y"}), None, {}),
    ]
    for url, data, headers in attempts:
        status, _, body = fetch(url, data, headers)
        assert status == 403, body
        assert b"read-only" in body
    assert (len(archive.store), archive.last_sequence()) == (before, sequence)


def test_service_calls_are_refused(endpoint: str) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = fetch(endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert status == 400
    assert b"SERVICE" in body


@pytest.mark.parametrize("heavy_query", [ENDLESS, LONG], ids=["endless", "long"])
def test_endless_query_is_cut_and_the_server_answers_at_once(endpoint: str, sparql_app: Any,
                                                             heavy_query: str) -> None:
    pool = sparql_app.extensions["sparql_pool"]
    fetch(endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"}))
    pids_before = {worker.process.pid for worker in pool._all}
    outcome: dict[str, Any] = {}

    def heavy() -> None:
        outcome["heavy"] = fetch(endpoint + "?" + urllib.parse.urlencode(
            {"query": heavy_query}))

    thread = threading.Thread(target=heavy)
    thread.start()
    home = fetch(endpoint.replace("/sparql", "/"))
    light = fetch(endpoint + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}),
                  headers={"Accept": "application/sparql-results+json"})
    thread.join(60)
    status, _, body = outcome["heavy"]
    assert home[0] == 200 and light[0] == 200
    assert status == 503
    assert b"2 s limit" in body
    after = fetch(endpoint + "?" + urllib.parse.urlencode({"query": SELECT}),
                  headers={"Accept": "text/csv"})
    assert after[0] == 200
    assert len(after[2].decode().splitlines()) == RESPONSES + 2
    if not sparql_app.extensions["archive"].store.shared:
        # Only ending the process stops pyoxigraph; Virtuoso is asked to stop by itself.
        pids_after = {worker.process.pid for worker in pool._all}
        assert len(pids_before - pids_after) == 1, "the overrunning worker was replaced"


def test_one_clients_queries_in_turn_reach_the_same_worker(endpoint: str,
                                                           sparql_app: Any) -> None:
    """The worker freed last answers next, so a client repeating a query meets its own
    parse again (a parse costs more than many evaluations) instead of every worker's."""
    pool = sparql_app.extensions["sparql_pool"]
    fetch(endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"}))
    before = {worker: worker.answered for worker in pool._all}
    for _ in range(6):
        status, _, _ = fetch(endpoint + "?" + urllib.parse.urlencode({"query": SELECT}),
                             headers={"Accept": "text/csv"})
        assert status == 200
    answered = sorted(worker.answered - before.get(worker, 0) for worker in pool._all)
    assert answered == [0] * (len(answered) - 1) + [6]


def api_search(app: Any, text: str) -> list[dict[str, Any]]:
    """The hits /api/search answers for ``text`` (its own function, over the app's index)."""
    return search_json(app.extensions["index"], {"q": [text], "page_size": ["100"]})["results"]


def test_full_text_pattern_agrees_with_api_search(endpoint: str, sparql_app: Any) -> None:
    text = "withdrawal AND council"
    query = f'SELECT ?s WHERE {{ ?s ra:matches "{text}" . ?s a ra:Statement }}'
    status, _, body = fetch(endpoint + "?" + urllib.parse.urlencode({"query": query}),
                            headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    found = {b["s"]["value"] for b in json.loads(body)["results"]["bindings"]}
    expected = {hit["uri"] for hit in api_search(sparql_app, text)}
    assert found == expected
    assert len(found) == 41


def test_full_text_joined_with_a_treaty(endpoint: str, sparql_app: Any) -> None:
    title, query = next(e for e in EXAMPLES if e[0].startswith("Full text"))
    status, _, body = fetch(endpoint + "?" + urllib.parse.urlencode(
        {"query": query, "format": "json"}))
    found = {row["statement"]["value"] for row in json.loads(body)["results"]["bindings"]}
    assert status == 200 and found, title
    matching = {hit["uri"] for hit in api_search(sparql_app, "women AND discrimination")}
    citing = fetch(endpoint + "?" + urllib.parse.urlencode(
        {"query": "SELECT ?s WHERE { ?s ra:references <treaties/cedaw> }", "format": "csv"}))
    assert found == matching & set(citing[2].decode().split("\r\n")[1:])
