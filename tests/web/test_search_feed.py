"""``/search.atom`` read by feedparser from a live server: valid Atom, the search's results
newest first, every page reached by following RFC 5005 links, linked from the search page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import feedparser
import pytest
import requests
from lxml import etree, html

from tests.support import sample_module_app, serving

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    with sample_module_app(request, "oxigraph") as app, serving(app) as url:
        yield url


def links(parsed: Any) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in parsed.feed.links}


def test_feed_is_valid_atom_with_every_element(server: str) -> None:
    response = requests.get(server + "search.atom?q=human+rights", timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id.endswith("search.atom?q=human+rights&sort=-date")
    assert parsed.feed.title.endswith("search for “human rights”") and parsed.feed.updated
    assert len(parsed.entries) == 20
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.updated and entry.summary
        assert entry.link.startswith(server + "statements/") and entry.author
    root = etree.fromstring(response.content)  # the structure, beyond what feedparser needs
    assert [e.tag for e in root[:3]] == [f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated"]
    for entry in root.iter(f"{ATOM}entry"):
        for name in ("id", "title", "link", "updated", "author", "summary"):
            assert entry.find(f"{ATOM}{name}") is not None, name


def test_pages_follow_rfc_5005_links_newest_first(server: str) -> None:
    expected = requests.get(server + "api/search?q=withdrawal&sort=-date&page_size=100",
                            timeout=60).json()
    assert expected["total"] == 43
    url, seen, pages = server + "search.atom?q=withdrawal&page_size=5", [], 0
    first = feedparser.parse(url)
    assert "previous" not in links(first)
    while url:
        parsed = feedparser.parse(url)
        assert not parsed.bozo and links(parsed)["first"] == links(first)["self"]
        assert links(parsed)["last"] == links(first)["last"]
        if pages:
            assert "previous" in links(parsed)
        seen += [entry.link.rsplit("/", 1)[-1] for entry in parsed.entries]
        url, pages = links(parsed).get("next"), pages + 1
    assert seen == [hit["id"] for hit in expected["results"]]  # newest statement first
    assert pages == -(-expected["total"] // 5) == 9
    dates = [hit["date"] for hit in expected["results"]]
    assert dates == sorted(dates, reverse=True)


def test_feed_takes_every_search_parameter(server: str) -> None:
    query = "q=rights&type=speech&year=1990&from=1990&to=1991&sort=date"
    parsed = feedparser.parse(requests.get(server + "search.atom?" + query, timeout=60).content)
    expected = requests.get(server + "api/search?" + query, timeout=60).json()
    assert expected["total"] == 15
    assert [e.link.rsplit("/", 1)[-1] for e in parsed.entries] == \
        [hit["id"] for hit in expected["results"]]
    assert {entry.tags[0].term for entry in parsed.entries} == {"speech"}
    bad = requests.get(server + "search.atom?sort=newest&page=0", timeout=60)
    assert bad.status_code == 422 and "sort" in bad.text and "page" in bad.text


def test_search_page_links_to_its_feed(server: str) -> None:
    page = html.fromstring(requests.get(server + "search?q=rights&type=speech&page=2",
                                        timeout=60).text)
    [head_link] = page.xpath("/html/head/link[@type='application/atom+xml'][@title]"
                             "[contains(@href, 'search.atom')]")
    [visible] = page.xpath("//a[normalize-space()='Follow this search']")
    assert head_link.get("href") == visible.get("href") == "/search.atom?q=rights&type=speech"
    parsed = feedparser.parse(server + head_link.get("href").lstrip("/"))
    assert not parsed.bozo and parsed.entries
