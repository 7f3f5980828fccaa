"""Content negotiation on every thing's URI, with real HTTP clients against a live server:
each RDF format parses to the same graph, JSON-LD expands offline, headers and conditional
GET follow HTTP, unsupported formats get 406 and a deleted statement 410."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from tests.support import sample_module_app, serving

SEED = "us-human-rights-cities-alliance-2018-06-22"
EVENT = "events/us-withdrawal-from-the-un-human-rights-council"
THINGS = [f"statements/{SEED}", EVENT, "issuers/us-human-rights-network", "treaties/udhr",
          "topics/multilateralism", "places/united-states", "types/press-statement",
          "issuer-kinds/network", "vocab", "vocab/treaties"]
#: Triples in each thing's graph over the sample (its own, its links, labels).
TRIPLES = {f"statements/{SEED}": 64, EVENT: 77, "issuers/us-human-rights-network": 10,
           "treaties/udhr": 282, "topics/multilateralism": 169, "places/united-states": 79,
           "types/press-statement": 72, "issuer-kinds/network": 18, "vocab": 281,
           "vocab/treaties": 838}
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml", "application/n-triples": "nt"}
FORMAT_KEYS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def conneg_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, request.param) as app:
        yield app


@pytest.fixture(scope="module")
def conneg_server(conneg_app: Any) -> Iterator[str]:
    with serving(conneg_app) as url:
        yield url


@pytest.fixture(autouse=True)
def no_remote_contexts() -> Iterator[None]:
    """Any attempt by pyld to fetch a document (a remote @context) fails the test."""
    def refuse(url: str, options: dict | None = None) -> dict:
        raise AssertionError(f"JSON-LD processing tried to fetch {url}")

    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(refuse)
    yield
    jsonld.set_document_loader(previous)


def conneg_parse(body: bytes, fmt: str, base: str) -> Graph:
    return Graph().parse(data=body, format=fmt, publicID=base)


@pytest.mark.parametrize("path", THINGS)
def test_every_format_gives_the_same_graph(conneg_server: str, path: str) -> None:
    graphs = {}
    for mime, fmt in RDF_TYPES.items():
        response = requests.get(conneg_server + path, headers={"Accept": mime}, timeout=30)
        assert response.status_code == 200, (path, mime)
        assert response.headers["Content-Type"].split(";")[0] == mime
        assert response.headers["Vary"] == ("Accept, Accept-Datetime"  # its own TimeGate
                                            if path.startswith("statements/") else "Accept")
        graphs[mime] = conneg_parse(response.content, fmt, conneg_server + path)
    for key, fmt in FORMAT_KEYS.items():
        response = requests.get(conneg_server + path, params={"format": key},
                                headers={"Accept": "text/html"}, timeout=30)
        assert response.status_code == 200
        graphs[key] = conneg_parse(response.content, fmt, conneg_server + path)
    first = graphs["text/turtle"]
    assert len(first) == TRIPLES[path]
    for name, graph in graphs.items():
        assert isomorphic(first, graph), name


@pytest.mark.parametrize("path", THINGS[:5])
def test_jsonld_expands_without_the_network(conneg_server: str, path: str) -> None:
    response = requests.get(conneg_server + path, headers={"Accept": "application/ld+json"},
                            timeout=30)
    document = response.json()
    assert isinstance(document["@context"], dict)  # inlined: nothing to fetch
    expanded = jsonld.expand(document)
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    graph = Graph().parse(data=nquads, format="nt")
    turtle = requests.get(conneg_server + path, params={"format": "ttl"}, timeout=30)
    assert isomorphic(graph, conneg_parse(turtle.content, "turtle", conneg_server + path))


def test_served_context_is_ours(conneg_server: str) -> None:
    response = requests.get(conneg_server + "vocab/context.jsonld", timeout=30)
    assert response.headers["Content-Type"].startswith("application/ld+json")
    context = response.json()["@context"]
    assert context["ra"] == "https://w3id.org/rights-archive/vocab#"
    expanded = jsonld.expand({"@context": context, "@id": "http://x/s", "issuer": "http://x/i"})
    assert expanded[0]["https://w3id.org/rights-archive/vocab#issuer"] == [{"@id": "http://x/i"}]


def test_inverse_links_let_a_harvester_crawl_from_an_event(conneg_server: str,
                                                           conneg_app: Any) -> None:
    archive = conneg_app.extensions["archive"]
    response = requests.get(conneg_server + EVENT, params={"format": "ttl"}, timeout=30)
    graph = conneg_parse(response.content, "turtle", conneg_server)
    event = archive.uris.thing("events", EVENT.split("/")[1])
    responders = set(graph.subjects(URIRef("https://w3id.org/rights-archive/vocab#respondsTo"),
                                    event))
    assert archive.uris.statement(SEED) in responders
    assert len(responders) == 12  # every sample statement that responds to the event


def test_link_headers_and_html_default(conneg_server: str) -> None:
    response = requests.get(conneg_server + f"statements/{SEED}", timeout=30)
    assert response.headers["Content-Type"].startswith("text/html")
    link = response.headers["Link"]
    for mime in (*RDF_TYPES, "application/json"):
        assert f'type="{mime}"' in link
    assert f"</statements/{SEED}?format=ttl>" in link
    plain = requests.get(conneg_server + f"statements/{SEED}", headers={"Accept": "*/*"},
                         timeout=30)
    assert plain.headers["Content-Type"].startswith("text/html")


def test_json_twin_is_the_contract_record(conneg_server: str) -> None:
    response = requests.get(conneg_server + f"statements/{SEED}",
                            headers={"Accept": "application/json"}, timeout=30)
    record = response.json()
    assert record["id"] == SEED
    assert record["date"] == "June 22, 2018"
    assert record["issuer"]["name"] == "US National Human Rights Cities Alliance"


def test_conditional_get_answers_304_until_something_changes(conneg_server: str,
                                                             conneg_app: Any) -> None:
    url = conneg_server + f"statements/{SEED}"
    first = requests.get(url, params={"format": "ttl"}, timeout=30)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = requests.get(url, params={"format": "ttl"}, headers={"If-None-Match": etag},
                         timeout=30)
    assert again.status_code == 304
    assert again.content == b""
    since = requests.get(url, params={"format": "ttl"}, headers={"If-Modified-Since": modified},
                         timeout=30)
    assert since.status_code == 304
    other_format = requests.get(url, params={"format": "nt"}, headers={"If-None-Match": etag},
                                timeout=30)
    assert other_format.status_code == 200  # each representation has its own ETag
    archive = conneg_app.extensions["archive"]
    archive.save([{"title": "A later statement", "issuer": "Test issuer", "date": "2024"}],
                 agent="test")
    changed = requests.get(url, params={"format": "ttl"}, headers={"If-None-Match": etag},
                           timeout=30)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize(("headers", "params"), [
    ({"Accept": "image/png"}, {}),
    ({"Accept": "application/pdf, image/*;q=0.5"}, {}),
    ({}, {"format": "pdf"}),
])
def test_unsupported_formats_get_406_listing_the_offer(conneg_server: str, headers: dict,
                                                       params: dict) -> None:
    response = requests.get(conneg_server + f"statements/{SEED}", headers=headers,
                            params=params, timeout=30)
    assert response.status_code == 406
    for mime in ("text/html", *RDF_TYPES):
        assert mime in response.text
    assert response.headers["Vary"] == "Accept"


def test_unknown_thing_is_404(conneg_server: str) -> None:
    for path in ("statements/no-such-statement", "issuers/nobody", "treaties/nothing",
                 "vocab/nothing", "statements/..%2Fetc"):
        response = requests.get(conneg_server + path, params={"format": "ttl"}, timeout=30)
        assert response.status_code == 404, path


def test_deleted_statement_is_410_in_every_format(make_app: Any, store_backend: str,
                                                  sample_statements: list) -> None:
    app = make_app(sample_statements, backend=store_backend)
    app.extensions["archive"].delete(SEED, agent="test")
    client = app.test_client()
    page = client.get(f"/statements/{SEED}")
    assert page.status_code == 410
    assert "was deleted" in page.get_data(as_text=True)
    for key in ("ttl", "json"):
        assert client.get(f"/statements/{SEED}?format={key}").status_code == 410
    body = json.loads(client.get(f"/statements/{SEED}?format=json").data)
    assert body["versions"][-1]["kind"] == "delete"
