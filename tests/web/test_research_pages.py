"""What a researcher meets on the pages over the whole sample: collection figures and
browse lists that count every issuer, highlighting that marks a phrase (not its words
anywhere), a page past the last one, why a result matched, treaty names that mean the
treaty, and the results CSV's columns (through the Flask test client)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import html

from tests.support import sample_module_app

HTML = {"Accept": "text/html"}
CEDAW_TITLE = "Convention on the Elimination of All Forms of Discrimination against Women"


@pytest.fixture(scope="module")
def research_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, "oxigraph") as app:
        yield app


@pytest.fixture
def reader(research_app: Any) -> Any:
    return research_app.test_client()


def page(reader: Any, url: str) -> html.HtmlElement:
    response = reader.get(url, headers=HTML)
    assert response.status_code == 200, url
    return html.fromstring(response.get_data(as_text=True))


def api(reader: Any, **args: Any) -> dict[str, Any]:
    response = reader.get("/api/search", query_string=args)
    assert response.status_code == 200
    return response.get_json()


def issuers_in_store(app: Any) -> set[str]:
    rows = app.extensions["archive"].store.select(
        "SELECT DISTINCT ?name WHERE { GRAPH ?g { ?s <https://w3id.org/rights-archive/vocab#"
        "issuer> ?i } GRAPH ?h { ?i <http://www.w3.org/2000/01/rdf-schema#label> ?name } }")
    return {str(row["name"]) for row in rows}


def test_home_and_issuer_list_count_every_issuer(research_app: Any, reader: Any) -> None:
    issuers = issuers_in_store(research_app)
    assert len(issuers) == 105  # the sample has more issuers than a facet lists
    home = page(reader, "/")
    figure = home.xpath("//a[contains(@href, '/issuers/')]/strong/text()")[0]
    assert int(figure) == len(issuers)
    listing = page(reader, "/issuers/")
    used = {a.text_content().strip()
            for a in listing.xpath("//main/ul[@class='browse-list']/li/a[1]")}
    unused = {a.text_content().strip() for a in listing.xpath("//details[@class='unused']//a")}
    assert used == issuers and not unused & issuers


def marks(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def test_a_phrase_is_marked_as_a_phrase_not_its_words_anywhere(reader: Any) -> None:
    found = api(reader, q='"human rights council"', page_size=50)["results"]
    marked = [m for hit in found for m in marks(hit["snippet"])]
    assert marked and all(m.casefold() == "human rights council" for m in marked), marked
    assert any("delivered to the Council" in hit["snippet"] for hit in found)
    # Unquoted, the same words are marked one by one, wherever they stand.
    loose = api(reader, q="human rights council", page_size=50)["results"]
    assert any(m == "Council" for hit in loose for m in marks(hit["snippet"]))


def test_a_treaty_name_typed_unquoted_means_that_treaty(reader: Any) -> None:
    acronym = api(reader, q="CEDAW", page_size=100)
    for q in (CEDAW_TITLE, CEDAW_TITLE.lower(), "Women's Convention"):
        named = api(reader, q=q, page_size=100)
        assert named["total"] == acronym["total"], q
        assert {h["id"] for h in named["results"]} == {h["id"] for h in acronym["results"]}


def test_a_page_past_the_last_one_says_so_and_links_the_last(reader: Any) -> None:
    total = api(reader, q="CEDAW")["total"]
    assert 0 < total <= 20
    response = reader.get("/search?q=CEDAW&page=5", headers=HTML)
    assert response.status_code == 404
    tree = html.fromstring(response.get_data(as_text=True))
    text = tree.text_content()
    assert "No statement matches" not in text
    assert f"There is no page 5: {total} statements fill 1 page." in " ".join(text.split())
    assert tree.xpath("//p[contains(@class, 'past-last')]/a/@href") == ["/search?q=CEDAW"]
    beyond = reader.get("/search?q=CEDAW&issuer=Nobody&page=5", headers=HTML)
    assert beyond.status_code == 200 and "No statement matches" in beyond.get_data(as_text=True)


def test_a_result_that_matches_on_metadata_only_says_why(reader: Any) -> None:
    found = api(reader, q="issuer:amnesty")["results"]
    assert found and all("<mark>" not in h["snippet"] for h in found)
    assert {tuple(h["matched"]) for h in found} == {("issuer: Amnesty International",),
                                                    ("issuer: Amnesty International Canada",)}
    cedaw = api(reader, q="CEDAW", page_size=50)["results"]
    unmarked = [h for h in cedaw if "<mark>" not in h["snippet"]]
    assert unmarked and all("cites CEDAW" in h["matched"] for h in unmarked)
    assert all(h["matched"] == [] for h in cedaw if "<mark>" in h["snippet"])
    # The topic thesaurus's synonyms count: "withdrawal from international bodies".
    withdrawal = api(reader, q="withdrawal", page_size=100)["results"]
    assert all(h["matched"] for h in withdrawal if "<mark>" not in h["snippet"])
    assert any("topic: international cooperation and multilateralism" in h["matched"]
               for h in withdrawal)
    tree = page(reader, "/search?q=issuer%3Aamnesty")
    shown = [" ".join(p.text_content().split()) for p in tree.xpath("//p[@class='matched']")]
    assert shown[0] == "Matched: issuer: Amnesty International"


def test_results_csv_carries_type_treaties_topics_events_and_language(reader: Any) -> None:
    response = reader.get("/search.csv?q=CEDAW")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == api(reader, q="CEDAW")["total"]
    seed = next(r for r in rows if r["id"] == "us-human-rights-cities-alliance-2018-06-22")
    assert seed["type"] == "press statement" and seed["language"] == "en"
    assert "CEDAW" in seed["treaties"].split("|")
    assert "women's rights" in seed["topics"].split("|")
    assert seed["events"] == "US withdrawal from the UN Human Rights Council"
    speech = next(r for r in rows if r["id"].startswith("ungdc-"))
    assert speech["type"] == "speech" and speech["events"].startswith("General Debate of")


def test_empty_date_fields_look_empty(reader: Any) -> None:
    tree = page(reader, "/search?q=CEDAW")
    for name in ("from", "to"):
        field = tree.xpath(f"//input[@name='{name}']")[0]
        assert not field.get("value") and not field.get("placeholder")
    assert "Dates as written" in tree.xpath("//*[@id='date-hint']")[0].text_content()


def test_the_search_page_has_one_search_box_and_a_skip_link(reader: Any) -> None:
    tree = page(reader, "/search?q=CEDAW")
    assert len(tree.xpath("//form[@role='search']")) == 1
    assert tree.xpath("//a[@class='skip-link']/@href")[0] == "#results"
    assert tree.xpath("//*[@id='results']") and tree.xpath("//a[@href='#refine']")
    for url in ("/", "/about", "/issuers/"):
        assert len(page(reader, url).xpath("//form[@role='search']")) == 1, url


def test_a_refused_search_says_it_was_not_run_not_that_nothing_was_stored(reader: Any) -> None:
    response = reader.get("/api/search", query_string={"q": "*rights", "from": "2020",
                                                        "to": "2010"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "search: 1 problem; the search was not run"
    wildcard = reader.get("/api/search", query_string={"q": "*rights"})
    assert wildcard.status_code == 422
    assert wildcard.get_json()["message"] == "search: 1 problem; the search was not run"
