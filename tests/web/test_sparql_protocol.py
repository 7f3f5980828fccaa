"""The /sparql protocol details through the Flask test client: formats and 406, errors with
the parser's position, the row cap, the service description, the query page and its
examples, and a worker view that follows writes (on disk, in memory, on Virtuoso); each
on the embedded store and on Virtuoso."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Graph, Namespace

from archive import Archive
from archive.settings import DEFAULT_BASE
from tests.support import open_app, sample_module_app
from web.sparql_engine.examples import EXAMPLES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
COUNT = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ra:Statement }"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def protocol_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, request.param, SPARQL_TIMEOUT=10, SPARQL_MAX_ROWS=100,
                           RATELIMIT_SPARQL="10000 per minute") as app:
        yield app


@pytest.fixture
def client(protocol_app: Any) -> Any:
    return protocol_app.test_client()


def count(client: Any) -> int:
    response = client.get("/sparql", query_string={"query": COUNT, "format": "json"})
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("fmt,media", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_select_formats_by_parameter_and_by_accept(client: Any, fmt: str, media: str) -> None:
    by_parameter = client.get("/sparql", query_string={"query": COUNT, "format": fmt})
    by_accept = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": media})
    assert by_parameter.status_code == by_accept.status_code == 200
    assert by_parameter.mimetype == by_accept.mimetype == media
    assert by_parameter.data == by_accept.data
    assert b"148" in by_parameter.data
    assert "Accept" in by_accept.headers["Vary"]


@pytest.mark.parametrize("fmt,rdflib_format", [("ttl", "turtle"), ("jsonld", "json-ld"),
                                               ("rdf", "xml"), ("nt", "nt")])
def test_construct_formats_parse_back(client: Any, fmt: str, rdflib_format: str) -> None:
    query = EXAMPLES[-1][1]
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    graph = Graph().parse(data=response.data, format=rdflib_format)
    assert response.status_code == 200
    assert len(graph) == 21
    assert any(str(s).endswith("/statements/us-human-rights-cities-alliance-2018-06-22")
               for s in graph.subjects())


def test_unservable_formats_get_406_listing_the_offer(client: Any) -> None:
    by_parameter = client.get("/sparql", query_string={"query": COUNT, "format": "ttl"})
    by_accept = client.get("/sparql", query_string={"query": COUNT},
                           headers={"Accept": "image/png"})
    construct = client.get("/sparql", query_string={"query": EXAMPLES[-1][1]},
                           headers={"Accept": "text/csv"})
    for response in (by_parameter, by_accept, construct):
        assert response.status_code == 406
    assert b"application/sparql-results+json (format=json)" in by_accept.data
    assert b"text/turtle (format=ttl)" in construct.data


def test_syntax_errors_are_400_with_the_parser_position(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400, response.data
    assert b"syntax error: error at 1:" in response.data, response.data


def test_a_store_the_worker_cannot_open_is_503_yet_syntax_errors_stay_400(tmp_path: Path
                                                                          ) -> None:
    """Not the user's fault, so not a 400, and a retry may well succeed; a broken query is
    still named as such."""
    from web.sparql import refusal_of
    from web.sparql_engine.lexer import PREFIXES
    from web.sparql_engine.worker import View, answer

    request = {"prefixes": PREFIXES, "base_iri": DEFAULT_BASE, "dataset": {"union": True},
               "formats": {"solutions": "json", "graph": "nt"}, "max_rows": 10,
               "version": 1, "source": {"path": str(tmp_path / "no-store-here")}}
    broken = answer(View(), {**request, "query": "SELECT * WHERE { ?s ?p }"})
    assert broken["error"] == "syntax" and "error at 1:" in broken["message"]
    sound = answer(View(), {**request, "query": COUNT})
    assert sound["error"] == "unavailable"
    assert "the store could not be opened" in sound["message"]
    assert refusal_of(sound, 10).status == 503


def test_unreadable_bodies_and_empty_queries(client: Any) -> None:
    assert client.post("/sparql", data=b"x", content_type="application/json").status_code == 415
    assert client.get("/sparql", query_string={"query": "  "}).status_code == 400


def test_rows_are_capped_with_a_header_and_page_notice(client: Any) -> None:
    query = "SELECT ?s WHERE { ?s a ra:Statement }"
    capped = client.get("/sparql", query_string={"query": query, "format": "json"})
    assert capped.headers["X-SPARQL-MaxRows"] == "100"
    assert len(capped.get_json()["results"]["bindings"]) == 100
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert b"cut at 100 rows" in page.data
    small = client.get("/sparql", query_string={"query": query + " LIMIT 100", "format": "csv"})
    assert "X-SPARQL-MaxRows" not in small.headers


def test_service_description_without_a_query(client: Any) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_browsers_get_the_query_page(client: Any) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200
    assert b'<textarea id="sparql-query" name="query"' in page.data
    for title, _ in EXAMPLES:
        assert title.replace("'", "&#39;").encode() in page.data


@pytest.mark.parametrize("title,query", EXAMPLES[:5])
def test_examples_run_on_the_sample_and_link_to_pages(client: Any, title: str, query: str
                                                      ) -> None:
    data = client.get("/sparql", query_string={"query": query, "format": "json"}).get_json()
    assert data["results"]["bindings"], title
    page = client.get("/sparql", query_string={"query": query, "format": "html"})
    assert page.status_code == 200
    if query.startswith("SELECT ?statement"):
        assert b'<a href="/statements/' in page.data


def test_explicit_dataset_parameters(client: Any) -> None:
    seed = "http://localhost:5000/statements/us-human-rights-cities-alliance-2018-06-22"
    only_seed = client.get("/sparql", query_string={
        "query": COUNT, "format": "json", "default-graph-uri": seed}).get_json()
    assert only_seed["results"]["bindings"][0]["n"]["value"] == "1"
    named = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "format": "json",
        "named-graph-uri": seed}).get_json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [seed]


def rows(client: Any, query: str, **params: str) -> list[dict[str, Any]]:
    response = client.get("/sparql", query_string={"query": query, "format": "json", **params})
    assert response.status_code == 200, response.data
    return response.get_json()["results"]["bindings"]


ENGINE_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"  # one of Virtuoso's own


def test_queries_see_the_archives_graphs_only(client: Any, protocol_app: Any) -> None:
    """As on the embedded store: no graph of the engine's own, by any route."""
    archive = protocol_app.extensions["archive"]
    if archive.store.shared:
        assert "remote" in protocol_app.extensions["sparql_pool"].source.describe(0, None)
    graphs = rows(client, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(graphs[0]["n"]["value"]) == len(list(archive.store.named_graphs()))
    foreign = f"FILTER(!STRSTARTS(STR(?g), '{archive.base}'))"
    assert rows(client, f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {foreign} }}") == []
    assert rows(client, f"SELECT * WHERE {{ GRAPH <{ENGINE_GRAPH}> {{ ?s ?p ?o }} }}") == []
    assert rows(client, f"SELECT * FROM <{ENGINE_GRAPH}> WHERE {{ ?s ?p ?o }}") == []
    assert rows(client, f"SELECT * FROM NAMED <{ENGINE_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
                ) == []
    assert rows(client, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": ENGINE_GRAPH}) == []
    seed = archive.uris.statement("us-human-rights-cities-alliance-2018-06-22")
    assert rows(client, f"SELECT ?g FROM <{seed}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == []
    assert len(rows(client, f"SELECT * FROM <{seed}> WHERE {{ ?s ?p ?o }}")) == \
        len(archive.store.graph(seed))


def test_a_query_with_its_own_base_prefixes_and_dataset(client: Any) -> None:
    """Its BASE replaces the archive's (Virtuoso reads BASE only once, before PREFIX), its
    PREFIX overrides a predeclared one, its FROM picks graphs by relative IRI."""
    seed = "us-human-rights-cities-alliance-2018-06-22"
    own = rows(client, f"""PREFIX dcterms: <http://purl.org/dc/terms/>
        BASE <{DEFAULT_BASE}statements/>
        PREFIX ra: <https://w3id.org/rights-archive/vocab#>
        SELECT ?title FROM <{seed}> WHERE {{ <{seed}> dcterms:title ?title }}""")
    assert [row["title"]["value"] for row in own] == [
        "National Human Rights Cities Alliance Press Statement on US Withdrawal from HRC"]
    assert rows(client, f"SELECT ?s FROM <statements/{seed}> WHERE {{ ?s ra:issuer ?i }}"
                ) == [{"s": {"type": "uri", "value": f"{DEFAULT_BASE}statements/{seed}"}}]


@pytest.mark.parametrize("where", ["folder", "memory", "virtuoso"])
def test_workers_follow_writes(tmp_path: Path, sample_records: list[dict[str, Any]],
                               where: str, request: pytest.FixtureRequest) -> None:
    speeches = sample_records[-6:]
    archive = Archive(None) if where == "memory" else None
    if where == "virtuoso":
        url = request.getfixturevalue("remote_store_url")(DEFAULT_BASE)
        archive = Archive(tmp_path / "data", store=url)
    config = {"ARCHIVE": archive} if archive else {}
    with open_app(tmp_path / "data", speeches[:3], SPARQL_TIMEOUT=10,
                  RATELIMIT_SPARQL="10000 per minute", **config) as app:
        client = app.test_client()
        assert count(client) == 3
        app.extensions["archive"].save(speeches[3:], agent="test")
        assert count(client) == 6
        app.extensions["archive"].delete(speeches[0]["id"], agent="test")
        assert count(client) == 5
