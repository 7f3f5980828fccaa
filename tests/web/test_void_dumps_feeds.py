"""VoID, dumps, sitemap, Atom feed and robots.txt, read by real clients from a live server:
the VoID counts match SPARQL over the store, dumps parse and match the store, downloads
answer conditional and Range requests, and everything is regenerated after a change; on
the embedded store and on Virtuoso."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from lxml import etree
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID

from archive.export import public_graphs
from tests.support import sample_module_app, serving
from vocab import RA

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def pub_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, request.param) as app:
        yield app


@pytest.fixture(scope="module")
def pub_server(pub_app: Any) -> Iterator[str]:
    with serving(pub_app) as url:
        yield url


def pub_count(archive: Any, query: str) -> int:
    import pyoxigraph as ox

    graphs = [ox.NamedNode(str(g)) for g in public_graphs(archive, with_vocabulary=True)]
    return int(archive.store.select(query, default_graph=graphs)[0]["n"])


def pub_void(base: str) -> tuple[Graph, URIRef]:
    response = requests.get(base + ".well-known/void", headers={"Accept": "text/turtle"},
                            timeout=60)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    dataset = graph.value(predicate=RDF.type, object=VOID.Dataset)
    return graph, dataset


def test_void_describes_the_dataset_and_its_counts_match(pub_server: str, pub_app: Any) -> None:
    archive = pub_app.extensions["archive"]
    graph, dataset = pub_void(pub_server)
    assert graph.value(dataset, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/publicdomain/zero/1.0/")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(archive.base + "sparql")
    assert graph.value(dataset, VOID.uriSpace) == Literal(archive.base)
    assert {str(d) for d in graph.objects(dataset, VOID.dataDump)} == {
        archive.base + "dumps/rights-archive.nq.gz", archive.base + "dumps/rights-archive.ttl.gz"}
    assert URIRef(str(RA).rstrip("#")) in set(graph.objects(dataset, VOID.vocabulary))
    triples = pub_count(archive, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert graph.value(dataset, VOID.triples).toPython() == triples
    entities = pub_count(archive, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
                                  "FILTER(isIRI(?s) && !CONTAINS(STR(?s), "
                                  "'/.well-known/genid/')) }")
    assert graph.value(dataset, VOID.entities).toPython() == entities
    classes = {graph.value(p, VOID["class"]): graph.value(p, VOID.entities).toPython()
               for p in graph.objects(dataset, VOID.classPartition)}
    assert classes[RA.Statement] == len(list(archive.record_ids()))
    properties = {graph.value(p, VOID.property): graph.value(p, VOID.triples).toPython()
                  for p in graph.objects(dataset, VOID.propertyPartition)}
    assert properties[RA.issuer] == pub_count(
        archive, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{RA.issuer}> ?o }}")


def test_void_follows_changes(pub_server: str, pub_app: Any) -> None:
    archive = pub_app.extensions["archive"]
    graph, dataset = pub_void(pub_server)
    before = graph.value(dataset, VOID.triples).toPython()
    archive.save([{"id": "void-test", "title": "A new statement", "issuer": "Void tester",
                   "date": "2021"}], agent="test")
    graph, dataset = pub_void(pub_server)
    assert graph.value(dataset, VOID.triples).toPython() > before
    assert graph.value(dataset, VOID.triples).toPython() == pub_count(
        archive, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def test_void_in_other_formats(pub_server: str) -> None:
    page = requests.get(pub_server + ".well-known/void", headers={"Accept": "text/html"},
                        timeout=30)
    assert "Dataset description" in page.text
    ld = requests.get(pub_server + ".well-known/void", params={"format": "jsonld"}, timeout=30)
    assert len(Graph().parse(data=ld.content, format="json-ld")) > 20


def test_dumps_parse_and_match_the_store(pub_server: str, pub_app: Any) -> None:
    archive = pub_app.extensions["archive"]
    listing = requests.get(pub_server + "dumps/", headers={"Accept": "application/json"},
                           timeout=120).json()
    assert listing["last_sequence"] == archive.last_sequence()
    files = {f["name"]: f for f in listing["files"]}
    nq = requests.get(pub_server + "dumps/rights-archive.nq.gz", timeout=60)
    assert nq.headers["Content-Type"] == "application/gzip"
    assert hashlib.sha256(nq.content).hexdigest() == files["rights-archive.nq.gz"]["sha256"]
    assert len(nq.content) == files["rights-archive.nq.gz"]["size"]
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(nq.content), format="nquads")
    statements = {g for g in dataset.graphs() if archive.uris.record_id(str(g.identifier))}
    assert len(statements) == len(list(archive.record_ids())) == listing["statements"]
    quads = sum(1 for _ in public_quads(archive))
    assert len(list(dataset.quads((None, None, None, None)))) == quads
    ttl = requests.get(pub_server + "dumps/rights-archive.ttl.gz", timeout=60)
    merged = Graph().parse(data=gzip.decompress(ttl.content), format="turtle")
    assert len(merged) == pub_count(archive, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def public_quads(archive: Any) -> Iterator[tuple]:
    for name in public_graphs(archive, with_vocabulary=True):
        yield from archive.store.triples(name)


def test_dump_downloads_are_conditional_and_ranged(pub_server: str) -> None:
    url = pub_server + "dumps/rights-archive.nq.gz"
    whole = requests.get(url, timeout=60)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "attachment" in whole.headers["Content-Disposition"]
    again = requests.get(url, headers={"If-None-Match": whole.headers["ETag"]}, timeout=60)
    assert again.status_code == 304
    part = requests.get(url, headers={"Range": "bytes=10-109"}, timeout=60)
    assert part.status_code == 206
    assert part.content == whole.content[10:110]
    assert requests.get(pub_server + "dumps/..%2Farchive.json", timeout=30).status_code == 404
    assert requests.get(pub_server + "dumps/manifest.json", timeout=30).status_code == 404


def test_dumps_regenerate_only_when_the_log_moves(pub_server: str, pub_app: Any) -> None:
    first = requests.get(pub_server + "dumps/", params={"format": "json"}, timeout=120).json()
    second = requests.get(pub_server + "dumps/", params={"format": "json"}, timeout=120).json()
    assert first == second
    assert first["current"] and first["last_sequence"] == first["archive_sequence"]
    pub_app.extensions["archive"].save([{"id": "dump-test", "title": "Dump test",
                                         "issuer": "Dumper", "date": "2022"}], agent="test")
    # the previous files are served, saying so, while the new ones are built
    stale = requests.get(pub_server + "dumps/", params={"format": "json"}, timeout=120)
    assert stale.json()["last_sequence"] == first["last_sequence"]
    assert not stale.json()["current"]
    assert stale.headers["Dump-Sequence"] == str(first["last_sequence"])
    assert stale.headers["Archive-Sequence"] == str(first["last_sequence"] + 1)
    assert pub_app.extensions["dumps"].wait(120)
    third = requests.get(pub_server + "dumps/", params={"format": "json"}, timeout=120).json()
    assert third["last_sequence"] == first["last_sequence"] + 1
    assert third["statements"] == first["statements"] + 1
    assert third["current"]


def test_sitemap_lists_every_public_page(pub_server: str, pub_app: Any) -> None:
    archive = pub_app.extensions["archive"]
    doc = etree.fromstring(requests.get(pub_server + "sitemap.xml", timeout=60).content)
    assert doc.tag == f"{SITEMAP}urlset"
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
            for u in doc.iter(f"{SITEMAP}url")}
    for record_id in archive.record_ids():
        assert urls[f"{pub_server}statements/{record_id}"]
    assert f"{pub_server}events/us-withdrawal-from-the-un-human-rights-council" in urls
    assert f"{pub_server}treaties/cedaw" in urls


def test_sitemap_becomes_an_index_past_the_limit(pub_server: str, pub_app: Any) -> None:
    def urls(document: Any) -> list[str]:
        return [url.findtext(f"{SITEMAP}loc") for url in document.findall(f"{SITEMAP}url")]

    whole = urls(etree.fromstring(requests.get(pub_server + "sitemap.xml", timeout=60).content))
    pub_app.config["SITEMAP_LIMIT"] = 100
    try:
        index = etree.fromstring(requests.get(pub_server + "sitemap.xml", timeout=60).content)
        assert index.tag == f"{SITEMAP}sitemapindex"
        parts = [s.findtext(f"{SITEMAP}loc") for s in index.iter(f"{SITEMAP}sitemap")]
        assert len(parts) == -(-len(whole) // 100)  # 100 URLs a file
        listed = []
        for part in parts:
            doc = urls(etree.fromstring(requests.get(part, timeout=60).content))
            assert len(doc) == min(100, len(whole) - len(listed))
            listed += doc
        assert listed == whole
    finally:
        pub_app.config["SITEMAP_LIMIT"] = 50_000


def test_atom_feed_of_newest_statements(pub_server: str, pub_app: Any) -> None:
    response = requests.get(pub_server + "feed.atom", timeout=60)
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert 0 < len(entries) <= 50
    for entry in entries:
        for name in ("id", "title", "updated", "link", "author"):
            assert entry.find(f"{ATOM}{name}") is not None, name
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_robots_points_to_the_sitemap(pub_server: str) -> None:
    text = requests.get(pub_server + "robots.txt", timeout=30).text
    assert f"Sitemap: {pub_server}sitemap.xml" in text
    assert "User-agent: *" in text


def test_void_statistics_are_the_same_on_both_backends(make_archive, sample_statements
                                                        ) -> None:
    """Skolem IRIs (stored blank nodes on Virtuoso) are not counted as entities, and counting
    by graph name (past Virtuoso's 4,000 graphs per query) gives the listed graphs' counts."""
    from archive.statistics import statistics

    embedded = make_archive(sample_statements)
    remote = make_archive(sample_statements, backend="virtuoso")
    expected = statistics(embedded)
    assert (expected["entities"], len(expected["classes"])) == (218, 13)
    assert statistics(remote) == expected
    assert statistics(embedded, listed_limit=0) == expected
    assert statistics(remote, listed_limit=0) == expected
