"""The pages of things as people read them: a statement with its relations, history, graph
and citation; issuer, event, treaty and topic pages with their statements and timeline; the
schema.org block on every page; text always escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from lxml import html

from tests.support import sample_module_app

SEED = "us-human-rights-cities-alliance-2018-06-22"
EVENT = "/events/us-withdrawal-from-the-un-human-rights-council"



@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def things_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, request.param) as app:
        yield app


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


SVG = "{http://www.w3.org/2000/svg}"


def test_relation_graph_is_a_compact_accessible_group_of_links(things_client: Any) -> None:
    doc = things_page(things_client, f"/statements/{SEED}")
    svg = doc.xpath('//*[local-name()="svg" and contains(@class, "chart-graph")]')[0]
    assert svg.get("role") == "group"  # an image may not hold links (axe nested-interactive)
    labelled = svg.get("aria-labelledby")
    assert svg.xpath(f'.//*[@id="{labelled}"]')[0].text.startswith("Relations of")
    assert svg.xpath('./*[local-name()="desc"]')[0].text
    box = svg.get("viewbox").split()  # the HTML parser lowercases attribute names
    width, height = float(box[2]), float(box[3])
    assert width <= 640 and height <= 360 and svg.get("width") == "640"
    links = svg.xpath('.//*[local-name()="a"]')
    assert EVENT in [a.get("href") for a in links]
    assert all(a.get("aria-label") for a in links)
    assert "US National Human Rights Cities Alliance (issuer)" in [a.get("aria-label")
                                                                  for a in links]
    assert not doc.xpath("//*[@style]")  # the CSP forbids inline styles


def chart_svgs(markup: str) -> list[Any]:
    """The <svg> elements of a chart's markup."""
    from lxml import etree

    return list(etree.fromstring(f"<div>{markup}</div>".encode()).iter(f"{SVG}svg"))


def graph_texts(svg: Any) -> list[tuple[float, float, str, str]]:
    """(x, y, anchor, text) of every text element of a chart."""
    return [(float(t.get("x")), float(t.get("y")), t.get("text-anchor", "start"),
             "".join(t.itertext())) for t in svg.iter(f"{SVG}text")]


def test_relation_graph_labels_neither_overlap_nor_leave_the_box() -> None:
    from web import charts

    topics = [{"label": f"topic number {i} with a rather long name indeed", "href": f"/t/{i}"}
              for i in range(20)]
    relations = {"issuers": [{"label": "An issuer " * 8, "href": "/issuers/x"}],
                 "events": [{"label": "Event", "href": "/events/e"}], "topics": topics}
    markup = charts.relation_graph("A very long statement title " * 6, relations)
    assert "and 6 more" in markup  # 16 nodes shown, the rest listed on the page
    assert "<title>topic number 3 with a rather long name indeed (topic)</title>" in markup
    wide, narrow = chart_svgs(markup)  # CSS shows the narrow one on phones
    for svg in (wide, narrow):
        width, height = (float(v) for v in svg.get("viewBox").split()[2:])
        assert width <= 640 and height <= 360
        rows: dict[tuple[float, str], list[float]] = {}
        for x, y, anchor, text in graph_texts(svg):
            estimated = 7 * len(text)  # generous: 12px sans-serif averages about 6.5px a glyph
            left = {"end": x - estimated, "middle": x - estimated / 2}.get(anchor, x)
            assert left >= 0 and left + estimated <= width + 1, text
            assert 0 < y <= height, text
            rows.setdefault((x, anchor), []).append(y)
        for ys in rows.values():
            ys.sort()
            assert all(b - a >= 14 for a, b in pairwise(ys)), ys


@pytest.mark.parametrize("years", [[2018], [2016, 2018], [2001, 2012], [1990, 2024],
                                   [1946, 2024], [1950, 1960, 2020, 2023, 2024],
                                   [1700, 2024]])
def test_timeline_year_labels_never_overlap(years: list[int]) -> None:
    from web import charts

    (svg,) = chart_svgs(charts.timeline(dict.fromkeys(years, 3), "Statements per year"))
    labels = sorted(x for x, y, _, text in graph_texts(svg)
                    if text.isdigit() and y == charts.TIMELINE_HEIGHT - 12)
    assert labels, years
    assert all(b - a >= 44 for a, b in pairwise(labels)), labels  # 18px on phones
    assert all(16 <= x <= charts.TIMELINE_WIDTH - 16 for x in labels)


def test_see_also_shows_titles_and_short_urls(things_client: Any) -> None:
    doc = things_page(things_client, f"/statements/{SEED}")
    see_also = doc.xpath('//dt[text()="See also"]/following-sibling::dd[1]//a')
    shown = {a.text_content(): a.get("href") for a in see_also}
    assert shown.pop("USHRN Statement on US Withdrawal from UN Human Rights Council") \
        == "/statements/ushrn-2018-06-21-statement-us-withdrawal-hrc"
    ((label, href),) = shown.items()
    assert href.startswith("https://ushrnetwork.org/news/")
    assert label.startswith("ushrnetwork.org/news/5/100/") and label.endswith("…")
    assert len(label) <= 60
    graph = doc.xpath('//*[local-name()="svg" and contains(@class, "chart-graph")]')[0]
    names = [a.get("aria-label") for a in graph.xpath('.//*[local-name()="a"]')]
    assert "USHRN Statement on US Withdrawal from UN Human Rights Council (see also)" in names
    assert "ushrn-2018-06-21" not in doc.xpath("string(//article)")


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
    assert len(rows) == 12  # the sample's responses to the event
    dates = [row.xpath(".//time/@datetime")[0] for row in rows]
    assert dates == sorted(dates)
    issuers = [row.xpath("./td[2]")[0].text_content() for row in rows]
    assert "US National Human Rights Cities Alliance" in issuers
    assert doc.xpath('//*[local-name()="svg" and contains(@class, "chart-timeline")]')


def test_treaty_and_topic_pages_list_their_statements(things_client: Any) -> None:
    doc = things_page(things_client, "/treaties/udhr")
    assert "Universal Declaration of Human Rights" in doc.findtext(".//h1")
    statements = doc.xpath("//table/tbody/tr//a[starts-with(@href, '/statements/')]")
    assert len(statements) == 44  # the sample statements citing the UDHR
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


def test_history_shows_versions_and_a_readable_diff(make_app: Any, store_backend: str,
                                                     seed_record: dict,
                                                     sample_statements: list) -> None:
    app = make_app(sample_statements, backend=store_backend)
    archive = app.extensions["archive"]
    archive.save([dict(seed_record, title="A corrected title", topics=["multilateralism"])],
                 agent="editor-ann", replace=True)
    client = app.test_client()
    doc = things_page(client, f"/statements/{SEED}")
    items = doc.xpath('//section[@class="history"]/ul/li')
    assert len(items) == 2
    assert "update by editor-ann" in items[0].text_content()
    changes = items[0].xpath('.//dl[@class="changes"]')[0]  # field by field
    assert [dt.text for dt in changes.xpath("dt")] == ["Title", "Topics"]
    title = changes.xpath("dd")[0]
    assert title.findtext("del").startswith("National Human Rights Cities Alliance Press")
    assert title.findtext("ins") == "A corrected title"
    assert "multilateralism" in changes.xpath("dd")[1].findtext("ins")
    old = things_page(client, f"/statements/{SEED}/versions/1")
    assert old.findtext(".//h1").startswith("National Human Rights Cities Alliance")
    assert "See the current version (2)" in old.text_content()


def test_text_is_escaped_and_languages_marked(make_app: Any, store_backend: str) -> None:
    app = make_app([{"id": "escape-test", "title": "<script>alert(1)</script> Déclaration",
                     "issuer": "Ligue <b>des</b> droits", "date": "2019", "language": "fr",
                     "text": "Premier paragraphe <img src=x onerror=alert(1)>.\n\nSecond."}],
                   backend=store_backend)
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


def test_tombstone_page_for_a_deleted_statement(make_app: Any, store_backend: str,
                                                sample_statements: list) -> None:
    app = make_app(sample_statements, backend=store_backend)
    app.extensions["archive"].delete(SEED, agent="test")
    response = app.test_client().get(f"/statements/{SEED}")
    assert response.status_code == 410
    doc = html.fromstring(response.data)
    assert doc.findtext(".//h1") == "This statement was deleted"
    assert "Version 2: delete" in doc.text_content()
    assert "Cities Take the Lead" not in doc.text_content()


def test_thing_facts_read_as_words_one_row_per_property(things_client: Any) -> None:
    doc = things_page(things_client, "/issuers/us-national-human-rights-cities-alliance")
    facts = {dt.text_content(): dt.getnext() for dt in doc.xpath('//dl[@class="facts"]/dt')}
    assert facts["Part of"].xpath("string(.//a)") == "US Human Rights Network"
    assert facts["Kind of issuer"].xpath("string(.//a)") == "network or coalition"
    assert not [name for name in facts if ":" in name or "<" in name]
    topic = things_page(things_client, "/topics/climate-and-environment")
    rows = [dt.text_content() for dt in topic.xpath('//dl[@class="facts"]/dt')]
    assert rows.count("Also called") == 1 and "climate justice" in topic.text_content()


def test_similar_statements_have_their_own_page_and_fragment(things_client: Any) -> None:
    statement = things_page(things_client, f"/statements/{SEED}")
    [section] = statement.xpath("//section[@class='similar']")
    fragment_url = section.get("data-similar-url")
    assert section.xpath(".//a/@href") == [f"/statements/{SEED}/similar"]
    page = things_page(things_client, f"/statements/{SEED}/similar")
    links = page.xpath("//main//li/a/@href")
    assert len(links) == 5 and all(href.startswith("/statements/") for href in links)
    assert f"/statements/{SEED}" not in links
    fragment = things_client.get(fragment_url)
    assert fragment.status_code == 200 and b"<html" not in fragment.data
    assert fragment.data.count(b"<li>") == 5
    assert things_client.get("/statements/no-such-id/similar").status_code == 404
