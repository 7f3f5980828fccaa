"""The pages of things as people read them: a statement with its relations, history, graph
and citation; issuer, event, treaty and topic pages with their statements and timeline; the
schema.org block on every page; text always escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import html

SEED = "us-human-rights-cities-alliance-2018-06-22"
EVENT = "/events/us-withdrawal-from-the-un-human-rights-council"


@pytest.fixture(scope="module")
def things_app(tmp_path_factory: pytest.TempPathFactory, sample_records: list) -> Iterator[Any]:
    from web.app import create_app

    app = create_app({"TESTING": True, "DATA_DIR": tmp_path_factory.mktemp("things")})
    app.extensions["archive"].save(sample_records, agent="test")
    yield app
    app.extensions["archive"].close()


@pytest.fixture(scope="module")
def things_client(things_app: Any) -> Any:
    return things_app.test_client()


def things_page(client: Any, path: str) -> html.HtmlElement:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return html.fromstring(response.data)


def things_schema(doc: html.HtmlElement) -> dict:
    blocks = doc.xpath('//script[@type="application/ld+json"]')
    assert len(blocks) == 1
    return json.loads(blocks[0].text)


def test_statement_page_shows_everything_about_it(things_client: Any) -> None:
    doc = things_page(things_client, f"/statements/{SEED}")
    text = doc.text_content()
    assert doc.findtext(".//h1").startswith("National Human Rights Cities Alliance Press")
    assert "22 June 2018" in text
    assert "press statement" in text
    links = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert links["US National Human Rights Cities Alliance"].startswith("/issuers/")
    assert links["US withdrawal from the UN Human Rights Council"] == EVENT
    assert any(href.startswith("/statements/ushrn-") for href in links.values())  # see also
    assert doc.xpath('//article[@lang="en"]')
    assert len(doc.xpath('//section[@class="statement-text"]/p')) > 3
    assert "Cite this statement" in text and f"/statements/{SEED}." in text
    for name in ("Turtle", "JSON-LD", "RDF/XML", "N-Triples"):
        assert name in links


def test_relation_graph_is_accessible_svg_with_links(things_client: Any) -> None:
    doc = things_page(things_client, f"/statements/{SEED}")
    svg = doc.xpath('//*[local-name()="svg" and contains(@class, "chart-graph")]')[0]
    assert svg.get("role") == "img"
    assert svg.xpath('./*[local-name()="title"]')[0].text.startswith("Relations of")
    assert svg.xpath('./*[local-name()="desc"]')[0].text
    hrefs = [a.get("href") for a in svg.xpath('.//*[local-name()="a"]')]
    assert EVENT in hrefs
    assert not doc.xpath("//*[@style]")  # the CSP forbids inline styles


def test_schema_org_block_on_statement_and_thing_pages(things_client: Any) -> None:
    data = things_schema(things_page(things_client, f"/statements/{SEED}"))
    assert data["@type"] == "CreativeWork"
    assert data["@context"] == {"@vocab": "https://schema.org/"}
    assert data["datePublished"] == "2018-06-22"
    assert data["author"][0]["name"] == "US National Human Rights Cities Alliance"
    for path, kind in ((EVENT, "Event"), ("/treaties/udhr", "Legislation"),
                       ("/issuers/us-human-rights-network", "Organization"),
                       ("/topics/multilateralism", "DefinedTerm")):
        assert things_schema(things_page(things_client, path))["@type"] == kind


def test_event_page_shows_who_responded_and_when(things_client: Any, things_app: Any) -> None:
    doc = things_page(things_client, EVENT)
    assert "Who responded and when" in doc.text_content()
    rows = doc.xpath("//table/tbody/tr")
    assert len(rows) >= 10
    dates = [row.xpath(".//time/@datetime")[0] for row in rows]
    assert dates == sorted(dates)
    issuers = [row.xpath("./td[2]")[0].text_content() for row in rows]
    assert "US National Human Rights Cities Alliance" in issuers
    assert doc.xpath('//*[local-name()="svg" and contains(@class, "chart-timeline")]')


def test_treaty_and_topic_pages_list_their_statements(things_client: Any) -> None:
    doc = things_page(things_client, "/treaties/udhr")
    assert "Universal Declaration of Human Rights" in doc.findtext(".//h1")
    statements = doc.xpath("//table/tbody/tr//a[starts-with(@href, '/statements/')]")
    assert len(statements) > 5
    doc = things_page(things_client, "/topics/multilateralism")
    assert doc.xpath("//table/tbody/tr")


def test_issuer_kind_page_lists_its_issuers(things_client: Any) -> None:
    doc = things_page(things_client, "/issuer-kinds/network")
    names = [a.text for a in doc.xpath("//section/ul/li/a")]
    assert "US Human Rights Network" in names


def test_vocabulary_pages(things_client: Any) -> None:
    doc = things_page(things_client, "/vocab")
    assert doc.xpath('//dt[@id="Statement"]')
    doc = things_page(things_client, "/vocab/treaties")
    assert any(a.get("href") == "/treaties/cedaw" for a in doc.iter("a"))


def test_history_shows_versions_and_a_readable_diff(make_app: Any, seed_record: dict,
                                                     sample_statements: list) -> None:
    app = make_app(sample_statements)
    archive = app.extensions["archive"]
    archive.save([dict(seed_record, title="A corrected title", topics=["multilateralism"])],
                 agent="editor-ann", replace=True)
    client = app.test_client()
    doc = things_page(client, f"/statements/{SEED}")
    items = doc.xpath('//section[@class="history"]/ol/li')
    assert len(items) == 2
    assert "update by editor-ann" in items[0].text_content()
    diff = items[0].xpath('.//pre[@class="diff"]')[0]
    removed = [s.text for s in diff.xpath('.//span[@class="removed"]')]
    added = [s.text for s in diff.xpath('.//span[@class="added"]')]
    assert any("National Human Rights Cities Alliance Press" in line for line in removed)
    assert any("A corrected title" in line for line in added)
    old = things_page(client, f"/statements/{SEED}/versions/1")
    assert old.findtext(".//h1").startswith("National Human Rights Cities Alliance")
    assert "See the current version (2)" in old.text_content()


def test_text_is_escaped_and_languages_marked(make_app: Any) -> None:
    app = make_app([{"id": "escape-test", "title": "<script>alert(1)</script> Déclaration",
                     "issuer": "Ligue <b>des</b> droits", "date": "2019", "language": "fr",
                     "text": "Premier paragraphe <img src=x onerror=alert(1)>.\n\nSecond."}])
    response = app.test_client().get("/statements/escape-test")
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    doc = html.fromstring(body)
    assert doc.xpath('//article[@lang="fr"]')
    assert [p.text for p in doc.xpath('//section[@class="statement-text"]/p')] == [
        "Premier paragraphe <img src=x onerror=alert(1)>.", "Second."]
    assert re.search(r'datetime="2019"', body)
    assert "2019" in doc.xpath("//dt[text()='Date']/following-sibling::dd[1]")[0].text_content()


def test_tombstone_page_for_a_deleted_statement(make_app: Any, sample_statements: list
                                                 ) -> None:
    app = make_app(sample_statements)
    app.extensions["archive"].delete(SEED, agent="test")
    response = app.test_client().get(f"/statements/{SEED}")
    assert response.status_code == 410
    doc = html.fromstring(response.data)
    assert doc.findtext(".//h1") == "This statement was deleted"
    assert "Version 2: delete" in doc.text_content()
    assert "Cities Take the Lead" not in doc.text_content()
