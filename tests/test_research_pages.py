"""What a researcher meets on the pages over the whole sample: collection figures and
browse lists that count every issuer, highlighting that marks a phrase (not its words
anywhere), a page past the last one, why a result matched, treaty names that mean the
treaty, and the results CSV's columns (through the Flask test client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lxml import html

from tests.conftest import sample_module_app

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
    assert len(issuers) > 100  # the sample has more issuers than a facet lists
    home = page(reader, "/")
    figure = home.xpath("//a[contains(@href, '/issuers/')]/strong/text()")[0]
    assert int(figure) == len(issuers)
    listing = page(reader, "/issuers/")
    used = {a.text_content().strip()
            for a in listing.xpath("//main/ul[@class='browse-list']/li/a[1]")}
    unused = {a.text_content().strip() for a in listing.xpath("//details[@class='unused']//a")}
    assert used == issuers and not unused & issuers
