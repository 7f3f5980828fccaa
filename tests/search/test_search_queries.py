"""Every query feature of the search index, over a small real archive and a real index."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import Archive, BadInput
from search import SearchIndex
from search.api import search_json
from search.query import QueryRefused

CEDAW_NAME = "Convention on the Elimination of All Forms of Discrimination against Women"

RECORDS = [
    {"id": "cedaw-full-name", "title": "Cities pledge to protect women",
     "issuer": {"name": "Cities Alliance", "kind": "network or coalition"},
     "date": "June 22, 2018", "type": "press statement",
     "text": f"Our cities implement the {CEDAW_NAME} locally, whatever the federal "
             "government says about ratification.",
     "topics": ["women's rights"], "places": ["San Francisco"],
     "responds_to": [{"name": "US withdrawal from the UN Human Rights Council",
                      "date": "2018-06-19", "new": True}]},
    {"id": "cedaw-acronym", "title": "Statement on gender equality",
     "issuer": {"name": "Women's League", "kind": "non-governmental organisation"},
     "date": "June 2018", "type": "press statement",
     "text": "States must ratify CEDAW without reservations and report on time.",
     "references": ["CEDAW"], "topics": ["women's rights"]},
    {"id": "torture-name", "title": "Detention conditions",
     "issuer": {"name": "Prison Watch", "kind": "non-governmental organisation"},
     "date": "2017", "type": "report",
     "text": "Under the Convention against Torture no exceptional circumstances whatsoever "
             "may be invoked. The detainees described solitary confinement.",
     "references": ["CAT"], "topics": ["torture"]},
    {"id": "torture-acronym", "title": "Visit to places of detention",
     "issuer": {"name": "Prison Watch", "kind": "non-governmental organisation"},
     "date": "2019-03-04", "type": "report",
     "text": "The committee recalled the obligations under CAT and urged independent "
             "monitoring of police custody."},
    {"id": "child-rights", "title": "Children in armed conflict",
     "issuer": {"name": "Save the Children", "kind": "non-governmental organisation"},
     "date": "2016-11-20", "type": "open letter",
     "text": "The CRC protects every child; recruitment of children by armed groups is a "
             "grave violation.", "topics": ["children's rights"]},
    {"id": "democratie-fr", "title": "Défendre la démocratie",
     "issuer": {"name": "Ligue des droits", "kind": "non-governmental organisation"},
     "date": "2020-01-15", "type": "press statement", "language": "fr",
     "text": "Les élections libres sont le fondement des démocraties. Nous défendons les "
             "libertés publiques et les journalistes emprisonnés.",
     "topics": ["democracy and elections"]},
    {"id": "derechos-es", "title": "Defensores de derechos humanos",
     "issuer": {"name": "Red de Defensores", "kind": "network or coalition"},
     "date": "2021-05-10", "type": "press statement", "language": "es",
     "text": "Las defensoras ambientales fueron asesinadas; exigimos investigaciones "
             "imparciales y protección efectiva.",
     "topics": ["human rights defenders"]},
    {"id": "escaping", "title": "Scripts & markup <b>bold</b>",
     "issuer": {"name": "Web Rights", "kind": "non-governmental organisation"},
     "date": "2022-02-02", "type": "press statement",
     "text": "Censorship filters <script>alert('x')</script> block surveillance reports "
             "& more.", "topics": ["privacy and surveillance"]},
    {"id": "climate-speech", "title": "Address on climate justice",
     "issuer": {"name": "Tuvalu", "kind": "national government"},
     "date": "2015-09-28", "type": "speech",
     "text": "Rising seas threaten our islands; the Paris Agreement must deliver climate "
             "finance for adaptation.", "references": ["Paris Agreement"],
     "topics": ["climate and environment"]},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    archive = Archive(None)
    archive.save(RECORDS, agent="test")
    idx = SearchIndex(tmp_path_factory.mktemp("search") / "index", archive)
    yield idx
    idx.close()


def ids(index: SearchIndex, q: str = "", **options) -> list[str]:
    return [hit.id for hit in index.search(q, **options).results]


def test_words_are_anded(index: SearchIndex) -> None:
    assert ids(index, "solitary confinement") == ["torture-name"]
    assert ids(index, "solitary monitoring") == []


@pytest.mark.parametrize(("q", "expected"), [
    ("solitary OR monitoring", {"torture-name", "torture-acronym"}),
    ("detention AND NOT solitary", {"torture-acronym"}),
    ("(solitary OR recruitment) AND NOT committee", {"torture-name", "child-rights"}),
    ('"police custody"', {"torture-acronym"}),
    ("confin*", {"torture-name"}),
    ("recruitmemt~", {"child-rights"}),
    ("recruitmnet~2", {"child-rights"}),
    ("ratificaton~2", {"cedaw-full-name"}),
])
def test_query_syntax(index: SearchIndex, q: str, expected: set[str]) -> None:
    assert set(ids(index, q)) == expected


def test_phrase_needs_the_words_together(index: SearchIndex) -> None:
    assert ids(index, '"custody police"') == []


@pytest.mark.parametrize(("q", "expected"), [
    ("issuer:prison", {"torture-name", "torture-acronym"}),
    ('issuer:"Save the Children"', {"child-rights"}),
    ("treaty:CAT", {"torture-name", "torture-acronym"}),
    ('treaty:"Convention against Torture"', {"torture-name", "torture-acronym"}),
    ("event:withdrawal", {"cedaw-full-name"}),
    ("topic:torture", {"torture-name"}),
    ('topic:"climate change"', {"climate-speech"}),
    ("type:speech", {"climate-speech"}),
    ("type:discours", {"climate-speech"}),
    ("language:fr", {"democratie-fr"}),
    ("year:2017", {"torture-name"}),
    ("year:[2020 TO 2021]", {"democratie-fr", "derechos-es"}),
    ("place:francisco", {"cedaw-full-name"}),
    ("title:detention", {"torture-name", "torture-acronym"}),
])
def test_field_prefixes(index: SearchIndex, q: str, expected: set[str]) -> None:
    assert set(ids(index, q)) == expected


def test_title_matches_rank_first(index: SearchIndex) -> None:
    assert ids(index, "confinement OR visit") == ["torture-acronym", "torture-name"]


@pytest.mark.parametrize("q", ["CEDAW", "cedaw", CEDAW_NAME, f'"{CEDAW_NAME}"',
                               "Women's Convention"])
def test_treaty_synonyms_both_ways(index: SearchIndex, q: str) -> None:
    assert {"cedaw-full-name", "cedaw-acronym"} <= set(ids(index, q))


@pytest.mark.parametrize("q", ["CAT", "Convention against Torture", "UNCAT",
                               "Torture Convention"])
def test_synonyms_of_another_treaty(index: SearchIndex, q: str) -> None:
    assert set(ids(index, q)) >= {"torture-name", "torture-acronym"}


def test_crc_acronym_found_by_full_name(index: SearchIndex) -> None:
    assert "child-rights" in ids(index, "Convention on the Rights of the Child")


def test_short_acronym_in_lower_case_stays_a_word(index: SearchIndex) -> None:
    parser = index.view().parser
    assert "treaty_mentions" not in str(parser.parse("cat"))  # the word, not the treaty
    assert "treaty_mentions:CAT" in str(parser.parse("CAT"))
    assert "treaty_mentions:CEDAW" in str(parser.parse("cedaw"))


def test_synonym_matches_are_highlighted(index: SearchIndex) -> None:
    hit = index.search("CEDAW").results
    full = next(h for h in hit if h.id == "cedaw-full-name")
    assert f"<mark>{CEDAW_NAME}</mark>" in full.snippet


def test_french_stemming_and_accent_folding(index: SearchIndex) -> None:
    assert ids(index, "démocratie") == ["democratie-fr"]
    assert ids(index, "democratie") == ["democratie-fr"]
    assert ids(index, "election") == ["democratie-fr"]          # élections
    assert ids(index, "journaliste emprisonne") == ["democratie-fr"]


def test_spanish_stemming(index: SearchIndex) -> None:
    assert ids(index, "asesinada investigacion") == ["derechos-es"]
    assert ids(index, "proteccion") == ["derechos-es"]


def test_snippet_escapes_html_but_keeps_marks(index: SearchIndex) -> None:
    [hit] = index.search("censorship").results
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>Censorship</mark>" in hit.snippet
    assert "&amp; more" in hit.snippet
    assert hit.title == "Scripts & markup <b>bold</b>"  # plain text; the page escapes it


def test_snippet_highlights_stemmed_forms(index: SearchIndex) -> None:
    [hit] = index.search("islands threatened").results
    assert "<mark>threaten</mark>" in hit.snippet and "<mark>islands</mark>" in hit.snippet


def test_result_fields(index: SearchIndex) -> None:
    [hit] = index.search("solitary").results
    assert hit.uri.endswith("/statements/torture-name")
    assert (hit.title, hit.issuer, hit.date, hit.date_display) == (
        "Detention conditions", "Prison Watch", "2017", "2017")


def test_facets_count_the_whole_result_set(index: SearchIndex) -> None:
    results = index.search("", page_size=2)
    assert results.total == len(RECORDS)
    facets = results.facets
    assert {"value": "Prison Watch", "count": 2} in facets["issuer"]
    assert {"value": "press statement", "count": 5} in facets["type"]
    assert {"value": "CEDAW", "count": 1} in facets["treaty"]
    assert {"value": "fr", "count": 1} in facets["language"]
    assert {"value": "2018", "count": 2} in facets["year"]
    assert facets["event"] == [{"value": "US withdrawal from the UN Human Rights Council",
                                "count": 1}]
    assert [f["value"] for f in facets["year"]] == sorted(
        (f["value"] for f in facets["year"]), reverse=True)


def test_filters_and_across_or_within(index: SearchIndex) -> None:
    assert set(ids(index, "", filters={"type": ["report", "open letter"]})) == {
        "torture-name", "torture-acronym", "child-rights"}
    assert ids(index, "", filters={"type": ["report"], "year": ["2019"]}) == [
        "torture-acronym"]
    assert ids(index, "", filters={"treaty": ["cedaw"]}) == ["cedaw-acronym"]
    assert ids(index, "", filters={"type": ["Press-Statement"], "topic": [
        "Women's Rights"]}) == ["cedaw-full-name", "cedaw-acronym"]


def test_facet_counts_ignore_their_own_filter(index: SearchIndex) -> None:
    results = index.search("", filters={"type": ["report"]})
    assert results.total == 2
    assert {"value": "speech", "count": 1} in results.facets["type"]
    assert results.facets["issuer"] == [{"value": "Prison Watch", "count": 2}]


def test_empty_query_lists_newest_first(index: SearchIndex) -> None:
    assert ids(index, "", filters={"topic": ["torture", "women's rights"]}) == [
        "cedaw-full-name", "cedaw-acronym", "torture-name"]


@pytest.mark.parametrize(("date_from", "date_to", "expected"), [
    ("2018", "2018", {"cedaw-full-name", "cedaw-acronym"}),
    ("June 2018", "June 2018", {"cedaw-full-name", "cedaw-acronym"}),
    ("2018-06-22", "2018-06-22", {"cedaw-full-name", "cedaw-acronym"}),
    ("2018-06-23", None, {"cedaw-acronym", "torture-acronym", "democratie-fr",
                          "derechos-es", "escaping"}),
    (None, "2016-11-20", {"child-rights", "climate-speech"}),
    ("March 2019", "2020", {"torture-acronym", "democratie-fr"}),
    ("1 January 2017", "December 31, 2017", {"torture-name"}),
])
def test_date_ranges_at_every_precision(index: SearchIndex, date_from: str | None,
                                        date_to: str | None, expected: set[str]) -> None:
    found = ids(index, "", date_from=date_from, date_to=date_to, page_size=50)
    assert set(found) == expected


def test_sort_and_pagination(index: SearchIndex) -> None:
    newest = ids(index, "", sort="-date", page_size=50)
    oldest = ids(index, "", sort="date", page_size=50)
    assert newest[0] == "escaping" and oldest[0] == "climate-speech"
    pages = [ids(index, "", sort="date", page=p, page_size=4) for p in (1, 2, 3)]
    assert [i for page in pages for i in page] == oldest
    results = index.search("", page=3, page_size=4)
    assert (results.page, results.pages, results.total) == (3, 3, len(RECORDS))
    assert index.search("", page=9).results == []
    assert ids(index, 'type:report OR type:"open letter"', sort="date") == [
        "child-rights", "torture-name", "torture-acronym"]


def test_did_you_mean(index: SearchIndex) -> None:
    results = index.search("solitery confinment")
    assert results.total == 0
    assert results.suggestion == "solitary confinement"
    assert index.search("solitary confinement").suggestion is None


@pytest.mark.parametrize("q", ['"unclosed phrase', "(solitary OR", "solitary)", "AND",
                               "solitary AND", "OR solitary", 'issuer:"Prison', "issuer:",
                               "solitary NOT", "[2018 TO", "~", ":", '""', "((()))",
                               "title: solitary", "year:[a TO"])
def test_malformed_queries_never_raise(index: SearchIndex, q: str) -> None:
    results = index.search(q)
    assert results.notice or results.total >= 0
    if "solitary" in q:
        assert "torture-name" in [hit.id for hit in results.results]
        assert results.notice and "plain words" in results.notice


@pytest.mark.parametrize("q", ["***", "*tary", "solitary OR ?onfinement"])
def test_a_leading_wildcard_is_refused_not_searched(index: SearchIndex, q: str) -> None:
    """It would read every word of every field: refused with the reason, not run."""
    with pytest.raises(QueryRefused, match="starts with a wildcard"):
        index.search(q)


def test_more_like_this(index: SearchIndex) -> None:
    similar = [hit.id for hit in index.more_like_this("torture-name", limit=3)]
    assert "torture-name" not in similar
    assert "torture-acronym" in similar


def test_treaty_facet_agrees_with_sparql(index: SearchIndex) -> None:
    rows = index.archive.store.select(
        "SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?s { ?s "
        "<https://w3id.org/rights-archive/vocab#references> ?t } } GROUP BY ?t")
    treaties = index.archive.thesauri["treaties"]
    sparql = {treaties.resolve(str(row["t"])).notation: int(row["n"]) for row in rows}
    facet = {f["value"]: f["count"] for f in index.search("").facets["treaty"]}
    assert facet == sparql and sparql


def test_api_json(index: SearchIndex) -> None:
    data = search_json(index, {"q": ["detention"], "type": ["report"], "sort": ["-date"],
                               "from": ["2017"], "to": ["2019"], "page": ["1"]})
    assert set(data) >= {"total", "results", "facets", "suggestion", "page", "pages",
                         "query"}
    assert [r["id"] for r in data["results"]] == ["torture-acronym", "torture-name"]
    assert set(data["results"][0]) >= {"id", "uri", "title", "issuer", "date", "snippet"}
    assert set(data["facets"]) == {"issuer", "type", "treaty", "event", "topic", "language",
                                   "year"}


def test_api_refuses_bad_parameters_all_at_once(index: SearchIndex) -> None:
    with pytest.raises(BadInput) as caught:
        search_json(index, {"page": ["abc"], "from": ["not a date"], "sort": ["newest"],
                            "year": ["18"], "to": ["2018-02-30"]})
    keys = {problem.key for problem in caught.value.problems}
    assert keys == {"page", "from", "sort", "year", "to"}


def test_api_refuses_reversed_range(index: SearchIndex) -> None:
    with pytest.raises(BadInput, match="after"):
        search_json(index, {"from": ["2020"], "to": ["2019"]})


def test_index_path_is_the_given_folder(index: SearchIndex, tmp_path: Path) -> None:
    assert (index.path / "search.json").exists()
