"""Uncertain dates (EDTF level 0–1 and words): read, stored, filtered, faceted and sorted.

A table of dates goes through the real write path into a real store and index; ranges,
the year facet and the date order are checked against what each date covers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from lxml import etree
from rdflib import Literal
from rdflib.namespace import DCTERMS, XSD

from archive import Archive
from archive.dates import EDTF, DateError, parse_date
from archive.errors import BadInput
from archive.ingest import read_bytes
from search import SearchIndex
from tests.support import ROOT
from vocab import RA
from web.edit_form import date_preview


@pytest.mark.parametrize(("written", "edtf", "earliest", "latest", "shown"), [
    ("2018?", "2018?", "2018-01-01", "2018-12-31", "2018 (uncertain)"),
    ("2018~", "2018~", "2018-01-01", "2018-12-31", "circa 2018"),
    ("2018%", "2018%", "2018-01-01", "2018-12-31", "circa 2018 (uncertain)"),
    ("2018-06~", "2018-06~", "2018-06-01", "2018-06-30", "circa June 2018"),
    ("199X", "199X", "1990-01-01", "1999-12-31", "1990s"),
    ("2018-XX", "2018-XX", "2018-01-01", "2018-12-31", "2018"),
    ("2018-06/2018-08", "2018-06/2018-08", "2018-06-01", "2018-08-31",
     "June 2018 – August 2018"),
    ("../1999", "../1999", None, "1999-12-31", "1999 or earlier"),
    ("2010/..", "2010/..", "2010-01-01", None, "2010 or later"),
    ("2018-21", "2018-21", "2018-03-01", "2018-05-31", "spring 2018"),
    ("circa 1998", "1998~", "1998-01-01", "1998-12-31", "circa 1998"),
    ("c. 1998", "1998~", "1998-01-01", "1998-12-31", "circa 1998"),
    ("vers 1998", "1998~", "1998-01-01", "1998-12-31", "circa 1998"),
    ("hacia 1998", "1998~", "1998-01-01", "1998-12-31", "circa 1998"),
    ("circa juin 2018", "2018-06~", "2018-06-01", "2018-06-30", "circa June 2018"),
    ("June 2018?", "2018-06?", "2018-06-01", "2018-06-30", "June 2018 (uncertain)"),
    ("between 1995 and 1997", "1995/1997", "1995-01-01", "1997-12-31", "1995 – 1997"),
    ("entre 1995 et 1997", "1995/1997", "1995-01-01", "1997-12-31", "1995 – 1997"),
    ("entre 1995 y 1997", "1995/1997", "1995-01-01", "1997-12-31", "1995 – 1997"),
    ("before 2001", "../2000", None, "2000-12-31", "2000 or earlier"),
    ("avant 2001", "../2000", None, "2000-12-31", "2000 or earlier"),
    ("antes de 2001", "../2000", None, "2000-12-31", "2000 or earlier"),
    ("before 22 June 2018", "../2018-06-21", None, "2018-06-21", "21 June 2018 or earlier"),
    ("after 2010", "2011/..", "2011-01-01", None, "2011 or later"),
    ("après 2010", "2011/..", "2011-01-01", None, "2011 or later"),
    ("después de 2010", "2011/..", "2011-01-01", None, "2011 or later"),
    ("after December 2018", "2019-01/..", "2019-01-01", None, "January 2019 or later"),
])
def test_uncertain_dates_become_edtf_with_their_earliest_and_latest_days(
        written: str, edtf: str, earliest: str | None, latest: str | None, shown: str) -> None:
    date = parse_date(written)
    assert (date.iso, date.precision, date.written) == (edtf, "edtf", written)
    assert (date.earliest, date.latest, date.display()) == (earliest, latest, shown)
    assert date.literal() == Literal(edtf, datatype=EDTF)


@pytest.mark.parametrize(("written", "words"), [
    ("2018-13~", "'2018-13~' is not a valid EDTF date"),
    ("2018-02-30?", "'2018-02-30?' is not a valid EDTF date"),
    ("1999/1995", "'1999/1995' ends (1995) before it starts (1999)"),
    ("between 1997 and 1995", "'between 1997 and 1995' (EDTF 1997/1995) ends (1995) before"),
    ("2018?-06", "'2018?-06' is an EDTF form the archive does not keep"),
    ("../..", "'../..' has neither a start nor an end"),
    ("2020/2030", "'2020/2030' is in the future"),
    ("after 2030", "'after 2030' is in the future"),
    ("circa 2018?", "'circa 2018?' has an uncertain date ('2018?') inside words"),
    ("before June", "'June' has no year"),
    ("between 03/04/2018 and 2019", "'03/04/2018' is ambiguous"),
])
def test_refused_uncertain_dates_say_why(written: str, words: str) -> None:
    with pytest.raises(DateError) as refused:
        parse_date(written)
    assert str(refused.value).startswith(words)


def test_numeric_dates_inside_words_still_need_the_day_first_choice() -> None:
    assert parse_date("between 03/04/2018 and 2019", dayfirst=True).iso == "2018-04-03/2019"
    assert parse_date("between 03/04/2018 and 2019", dayfirst=False).iso == "2018-03-04/2019"


# --- through the archive and the index ----------------------------------------------------

DATES = {
    "exact": "2018-06-22", "plain-1996": "1996", "circa": "circa 1998",
    "uncertain": "2018?", "month-approx": "2018-06~", "decade": "199X",
    "between": "between 1995 and 1997", "before": "before 2001", "after": "after 2010",
    "interval": "2018-06/2018-08", "century": "19XX",
}


@pytest.fixture(scope="module")
def archive() -> Any:
    archive = Archive(None)
    archive.save([{"id": key, "title": f"Statement {key}", "issuer": "Somebody", "date": date,
                   "responds_to": [{"name": f"Event {key}", "date": date}]}
                  for key, date in DATES.items()], agent="test")
    yield archive
    archive.close()


@pytest.fixture(scope="module")
def index(archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> Any:
    idx = SearchIndex(tmp_path_factory.mktemp("uncertain") / "index", archive)
    yield idx
    idx.close()


def ids(index: SearchIndex, **options: Any) -> set[str]:
    return {hit.id for hit in index.search("", page_size=50, **options).results}


@pytest.mark.parametrize(("date_from", "date_to", "expected"), [
    ("1996", "1996", {"century", "decade", "between", "plain-1996", "before"}),
    ("1998", "1998", {"century", "decade", "circa", "before"}),
    ("2001", None, {"after", "uncertain", "month-approx", "interval", "exact"}),
    (None, "1994", {"century", "decade", "before"}),
    ("2018-07", "2018-07", {"interval", "uncertain", "after"}),
    ("June 2018", "June 2018", {"exact", "uncertain", "month-approx", "interval", "after"}),
    ("2012", "2017", {"after"}),
    ("1800", "1899", {"before"}),
    ("circa 1998", "circa 1998", {"century", "decade", "circa", "before"}),
])
def test_date_ranges_find_every_date_that_may_fall_in_them(
        index: SearchIndex, date_from: str | None, date_to: str | None,
        expected: set[str]) -> None:
    assert ids(index, date_from=date_from, date_to=date_to) == expected


def test_year_facet_counts_a_date_in_each_year_it_may_fall_in(index: SearchIndex) -> None:
    years = {f["value"]: f["count"] for f in index.search("").facets["year"]}
    assert years == {"2018": 4, "1999": 1, "1998": 2, "1997": 2, "1996": 3, "1995": 2,
                     "1994": 1, "1993": 1, "1992": 1, "1991": 1, "1990": 1}


@pytest.mark.parametrize(("year", "expected"), [
    ("1996", {"decade", "between", "plain-1996"}),
    ("2018", {"exact", "uncertain", "month-approx", "interval"}),
    ("2011", set()),
])
def test_year_filter_and_query(index: SearchIndex, year: str, expected: set[str]) -> None:
    assert ids(index, filters={"year": [year]}) == expected
    assert {hit.id for hit in index.search(f"year:{year}", page_size=50).results} == expected


def test_uncertain_dates_sort_by_their_earliest_day_else_their_latest(
        index: SearchIndex) -> None:
    oldest = [hit.id for hit in index.search("", sort="date", page_size=50).results]
    assert oldest == ["century", "decade", "between", "plain-1996", "circa", "before",
                      "after", "uncertain", "interval", "month-approx", "exact"]
    newest = [hit.id for hit in index.search("", sort="-date", page_size=50).results]
    assert newest == oldest[::-1]


def test_results_give_the_edtf_and_its_display(index: SearchIndex) -> None:
    results = {h.id: h for h in index.search("", page_size=50).results}
    assert (results["circa"].date, results["circa"].date_display) == ("1998~", "circa 1998")
    assert (results["before"].date, results["before"].date_display) == (
        "../2000", "2000 or earlier")


def test_stored_as_edtf_beside_earliest_and_latest_days(archive: Archive) -> None:
    graph = archive.record_graph("between")
    subject = archive.uris.statement("between")
    assert graph.value(subject, DCTERMS.issued) == Literal("1995/1997", datatype=EDTF)
    assert graph.value(subject, RA.dateAsWritten) == Literal("between 1995 and 1997")
    assert graph.value(subject, RA.earliestDate) == Literal("1995-01-01", datatype=XSD.date)
    assert graph.value(subject, RA.latestDate) == Literal("1997-12-31", datatype=XSD.date)
    event = archive.resources.find("events", "Event between")
    assert archive.store.graph(event).value(event, RA.eventDate) == Literal(
        "1995/1997", datatype=EDTF)
    before = archive.record_graph("before")
    assert before.value(archive.uris.statement("before"), RA.earliestDate) is None
    assert archive.record("between").date == "between 1995 and 1997"
    assert archive.record("decade").date == "199X"


def test_sparql_finds_uncertain_dates_by_their_days(archive: Archive) -> None:
    rows = archive.store.select(
        'PREFIX ra: <https://w3id.org/rights-archive/vocab#> '
        'PREFIX dcterms: <http://purl.org/dc/terms/> '
        'PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> '
        'SELECT ?id WHERE { GRAPH ?s { ?s a ra:Statement ; dcterms:identifier ?id ; '
        'dcterms:issued ?issued . '
        'FILTER(datatype(?issued) = <http://id.loc.gov/datatypes/edtf/EDTF>) '
        'OPTIONAL { ?s ra:earliestDate ?first } OPTIONAL { ?s ra:latestDate ?last } '
        'FILTER(COALESCE(?first <= "1996-12-31"^^xsd:date, true) '
        '&& COALESCE(?last >= "1996-01-01"^^xsd:date, true)) } }')
    assert {str(row["id"]) for row in rows} == {"century", "decade", "between", "before"}


def test_refused_edtf_names_the_record_and_key_and_stores_nothing(archive: Archive) -> None:
    with pytest.raises(BadInput) as refused:
        archive.save([{"id": "bad-date", "title": "T", "issuer": "Somebody",
                       "date": "2018-13~"},
                      {"id": "bad-event", "title": "T", "issuer": "Somebody", "date": "2018",
                       "responds_to": [{"name": "Some event", "date": "1999/1995"}]}],
                     agent="test")
    messages = [str(problem) for problem in refused.value.problems]
    assert messages == [
        "record bad-date, key 'date': '2018-13~' is not a valid EDTF date (see "
        "https://www.loc.gov/standards/datetime/); write it like 2018?, 2018-06~, 199X, "
        "2018-06/2018-08 or ../1999",
        "record bad-event, key 'responds_to[0].date': '1999/1995' ends (1995) before it "
        "starts (1999)"]
    assert not archive.store.has_graph(archive.uris.statement("bad-date"))
    assert archive.resources.find("events", "Some event") is None


@pytest.mark.parametrize(("written", "edtf", "earliest"), [
    ("circa 1998", "1998~", "1998-01-01"), ("2018-06/2018-08", "2018-06/2018-08", "2018-06-01"),
    ("after 2010", "2011/..", "2011-01-01")])
def test_both_stores_keep_uncertain_dates(make_archive: Any, store_backend: str, written: str,
                                          edtf: str, earliest: str) -> None:
    archive = make_archive(backend=store_backend)
    archive.save([{"id": "d", "title": "T", "issuer": "I", "date": written}], agent="test")
    graph, subject = archive.record_graph("d"), archive.uris.statement("d")
    assert graph.value(subject, DCTERMS.issued) == Literal(edtf, datatype=EDTF)
    assert graph.value(subject, RA.earliestDate) == Literal(earliest, datatype=XSD.date)
    assert archive.record("d").date == written


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_rdf_exports_import_back_with_the_same_dates(archive: Archive, make_archive: Any,
                                                     fmt: str) -> None:
    data = archive.record_graph("between") + archive.record_graph("before")
    payloads = read_bytes(data.serialize(format=fmt).encode(), fmt, make_archive())
    copy = make_archive()
    copy.save(payloads, agent="test")
    assert copy.record_graph("between").isomorphic(archive.record_graph("between"))
    assert copy.record_graph("before").isomorphic(archive.record_graph("before"))


def test_ids_minted_from_uncertain_dates_are_slugs(make_archive: Any) -> None:
    archive = make_archive()
    saved = archive.save([{"title": "Old letter", "issuer": "Somebody", "date": "circa 1998"},
                          {"title": "Older", "issuer": "Somebody", "date": "../1999"}],
                         agent="test")
    assert sorted(r.id for r in saved) == ["1998-old-letter", "1999-older"]


# --- on the web -----------------------------------------------------------------------------

def test_pages_api_and_oai_show_uncertain_dates(make_app: Any) -> None:
    app = make_app([{"id": "circa", "title": "Circa", "issuer": "Somebody",
                     "date": "circa 1998", "responds_to": [{"name": "Old event"}]},
                    {"id": "span", "title": "Span", "issuer": "Somebody",
                     "date": "between 1995 and 1997", "responds_to": [{"name": "Old event"}]}])
    client = app.test_client()
    page = client.get("/statements/circa").get_data(as_text=True)
    assert '<time datetime="1998">circa 1998</time>' in page
    (data,) = etree.HTML(page).xpath('//script[@type="application/ld+json"]/text()')
    assert json.loads(data)["datePublished"] == "1998"  # schema.org takes no EDTF
    results = client.get("/search?from=1990").get_data(as_text=True)
    assert '<time datetime="1998">circa 1998</time>' in results
    assert "<time>1995 – 1997</time>" in results  # no day, month or year is sure
    found = client.get("/api/search?from=1996&to=1996").get_json()
    assert [(r["id"], r["date"], r["date_display"]) for r in found["results"]] == [
        ("span", "1995/1997", "1995 – 1997")]
    assert found["facets"]["year"] == [{"value": "1997", "count": 1},
                                       {"value": "1996", "count": 1},
                                       {"value": "1995", "count": 1}]
    refused = client.get("/api/search?from=1999/1995")
    assert refused.status_code == 422
    assert "ends (1995) before it starts (1999)" in refused.get_data(as_text=True)
    uri = str(app.extensions["archive"].uris.statement("circa"))
    oai = client.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={uri}")
    dates = etree.fromstring(oai.data).findall(".//{http://purl.org/dc/elements/1.1/}date")
    assert [d.text for d in dates] == ["1998~"]
    event = client.get("/events/old-event").get_data(as_text=True)
    assert "Statements per year" in event and "1995: 1" in event and "1998: 1" in event
    assert '<td><time datetime="1998">circa 1998</time></td>' in event
    assert "<td><time>1995 – 1997</time></td>" in event


def test_the_sparql_md_example_finds_exact_and_uncertain_dates(make_app: Any) -> None:
    (query,) = [block for block in re.findall(r"^```sparql\n(.*?)^```$",
                                              (ROOT / "docs" / "sparql.md").read_text(),
                                              flags=re.MULTILINE | re.DOTALL)
                if "edtf:EDTF" in block]
    app = make_app([{"id": key, "title": key, "issuer": "Somebody", "date": date}
                    for key, date in [("exact", "2018-06-22"), ("uncertain", "2018?"),
                                      ("span", "2017/2019"), ("after", "after 2010"),
                                      ("before", "before 2018"), ("older", "1999"),
                                      ("circa", "circa 2017")]])
    response = app.test_client().post("/sparql", data={"query": query, "format": "json"})
    rows = response.get_json()["results"]["bindings"]
    assert [row["statement"]["value"].rsplit("/", 1)[-1] for row in rows] == [
        "after", "span", "uncertain", "exact"]
    assert rows[0]["earliest"]["value"] == "2011-01-01" and "latest" not in rows[0]


@pytest.mark.parametrize(("written", "message"), [
    ("circa 1998", "Read as circa 1998 (uncertain, EDTF 1998~: from 1998-01-01 to 1998-12-31)"),
    ("before 2001", "Read as 2000 or earlier (uncertain, EDTF ../2000: from an open start to "
                    "2000-12-31)"),
    ("June 2018", "Read as June 2018 (known to the month)"),
    ("2018-13~", "'2018-13~' is not a valid EDTF date (see https://www.loc.gov/standards/"
                 "datetime/); write it like 2018?, 2018-06~, 199X, 2018-06/2018-08 or ../1999."),
])
def test_the_form_preview_reads_uncertain_dates(written: str, message: str) -> None:
    assert date_preview(written)["message"] == message


def test_an_rdf_import_with_a_bad_edtf_literal_is_refused_clearly(make_archive: Any) -> None:
    archive = make_archive()
    turtle = (
        '@prefix dcterms: <http://purl.org/dc/terms/> .\n'
        '@prefix ra: <https://w3id.org/rights-archive/vocab#> .\n'
        f'<{archive.uris.statement("x")}> a ra:Statement ; dcterms:identifier "x" ; '
        'dcterms:title "T"@en ; ra:issuer [ ] ;\n'
        '  dcterms:issued "2018-13~"^^<http://id.loc.gov/datatypes/edtf/EDTF> .\n')
    payloads = read_bytes(turtle.encode(), "turtle", archive)
    with pytest.raises(BadInput) as refused:
        archive.save(payloads, agent="test")
    assert [(p.record, p.key) for p in refused.value.problems] == [("x", "date")]
    assert refused.value.problems[0].message.startswith("'2018-13~' is not a valid EDTF date")
    assert not archive.known("x")


def _guide_rows() -> list[tuple[str, str, str | None, str | None, str]]:
    """The rows of the table in docs/archivists.md#uncertain-dates, one per form written."""
    guide = (ROOT / "docs" / "archivists.md").read_text(encoding="utf-8")
    section = guide.split("## Uncertain dates", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) != 4:
            continue
        written, edtf = re.findall(r"`([^`]+)`", cells[0]), re.findall(r"`([^`]+)`", cells[1])
        earliest, latest = (None if d == "(open)" else d for d in cells[2].split(" – "))
        shown = cells[3].split(", ")
        for i, text in enumerate(written):
            rows.append((text, edtf[min(i, len(edtf) - 1)], earliest, latest,
                         shown[min(i, len(shown) - 1)]))
    return rows


def test_the_guide_table_has_every_form() -> None:
    assert len(_guide_rows()) == 22


@pytest.mark.parametrize(("written", "edtf", "earliest", "latest", "shown"), _guide_rows())
def test_the_archivists_guide_table_is_what_the_archive_does(
        written: str, edtf: str, earliest: str | None, latest: str | None, shown: str) -> None:
    date = parse_date(written)
    assert (date.iso, date.earliest, date.latest, date.display()) == (
        edtf, earliest, latest, shown)
