"""Issuers and events with alternative names (alt_names) and identifiers elsewhere (same_as).

A name resolves to the thing it names or is an alternative name of; same_as URIs are kept
only in their authorities' published forms; both are stored as RDF and shown on the page.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import OWL, SKOS, Literal, URIRef

from archive import Archive
from archive.authority import same_as_problem
from archive.errors import BadInput
from archive.ingest import read_bytes
from archive.writes import Payload
from search import SearchIndex
from vocab import SCHEMA
from web.uploads import new_names

KITTS = {"name": "Saint Kitts and Nevis", "kind": "government",
         "alt_names": ["St Kitts and Nevis", "St. Kitts & Nevis"],
         "same_as": ["http://viaf.org/viaf/145238370", "http://www.wikidata.org/entity/Q763"]}
WIKIDATA = URIRef("http://www.wikidata.org/entity/Q763")


def statement(record_id: str, issuer: Any, **more: Any) -> dict[str, Any]:
    return {"id": record_id, "title": f"Statement {record_id}", "issuer": issuer,
            "date": "2018", **more}


@pytest.fixture
def archive(make_archive: Any) -> Archive:
    archive = make_archive()
    archive.save([statement("kitts", KITTS)], agent="test")
    return archive


@pytest.mark.parametrize("uri", [
    "http://www.wikidata.org/entity/Q42", "http://viaf.org/viaf/113230702",
    "https://viaf.org/viaf/113230702", "https://isni.org/isni/0000000121032683",
    "https://isni.org/isni/000000012146438X", "https://ror.org/05dxps055",
    "https://ror.org/03yrm5c26", "https://sws.geonames.org/2988507/",
])
def test_published_identifier_forms_are_accepted(uri: str) -> None:
    assert same_as_problem(uri) is None


FORMS = ("same_as takes URIs such as Wikidata http://www.wikidata.org/entity/Q42; VIAF "
         "http://viaf.org/viaf/113230702; ISNI https://isni.org/isni/0000000121032683; ROR "
         "https://ror.org/02mhbdp94; GeoNames https://sws.geonames.org/2988507/")


@pytest.mark.parametrize(("uri", "message", "suggestion"), [
    ("https://www.wikidata.org/wiki/Q42", "is not an identifier in a published form the "
     f"archive knows; {FORMS}", "'http://www.wikidata.org/entity/Q42'"),
    ("https://www.geonames.org/2988507/paris.html", "is not an identifier in a published form "
     f"the archive knows; {FORMS}", "'https://sws.geonames.org/2988507/'"),
    ("https://sws.geonames.org/2988507", "is not an identifier in a published form "
     f"the archive knows; {FORMS}", "'https://sws.geonames.org/2988507/'"),
    ("http://example.org/org/1", f"is not an identifier in a published form the archive "
     f"knows; {FORMS}", None),
    ("https://isni.org/isni/0000000121032684", "has the form of a ISNI URI but a wrong check "
     "digit; copy it again from ISNI", None),
    ("https://ror.org/05dxps056", "has the form of a ROR URI but a wrong check digit; copy it "
     "again from ROR", None),
    ("http://www.wikidata.org/entity/P31", "is not an identifier in a published form the "
     f"archive knows; {FORMS}", None),
])
def test_other_forms_are_refused_listing_the_accepted_ones(uri: str, message: str,
                                                           suggestion: str | None) -> None:
    assert same_as_problem(uri) == (f"'{uri}' {message}", suggestion)


def test_stored_as_alt_labels_and_both_same_as(archive: Archive) -> None:
    issuer = archive.resources.find("issuers", "Saint Kitts and Nevis")
    graph = archive.store.graph(issuer)
    assert set(graph.objects(issuer, SKOS.altLabel)) == {
        Literal("St Kitts and Nevis"), Literal("St. Kitts & Nevis")}
    assert set(graph.objects(issuer, OWL.sameAs)) == set(graph.objects(issuer, SCHEMA.sameAs)) \
        == {WIKIDATA, URIRef("http://viaf.org/viaf/145238370")}
    assert archive.record("kitts").to_json()["issuer"] == KITTS


@pytest.mark.parametrize("name", ["St Kitts and Nevis", "st. kitts & nevis",
                                  "Saint Kitts and Nevis"])
def test_an_alternative_name_resolves_to_the_thing(archive: Archive, name: str) -> None:
    archive.save([statement("later", name)], agent="test")
    assert archive.record("later").issuers[0].name == "Saint Kitts and Nevis"
    assert [name for _, name in archive.resources.names("issuers")] == ["Saint Kitts and Nevis"]


def test_names_and_identifiers_beside_an_archive_uri_are_kept(archive: Archive) -> None:
    """An issuer named by its archive URI still takes the other names and identifiers
    written with it (they were dropped without a word), and a name that is another
    issuer's is refused under its own key."""
    issuer = archive.resources.find("issuers", "Saint Kitts and Nevis")
    archive.save([statement("ghana", "Ghana")], agent="test")
    archive.save([statement("by-uri", {"name": "Saint Kitts and Nevis", "uri": str(issuer),
                                       "alt_names": ["Federation of Saint Christopher"]})],
                 agent="test")
    assert archive.record("by-uri").issuers[0].alt_names == [
        "Federation of Saint Christopher", "St Kitts and Nevis", "St. Kitts & Nevis"]
    with pytest.raises(BadInput) as refused:
        archive.save([statement("clash", {"name": "Ghana", "uri": str(issuer),
                                          "alt_names": ["SKN"]})], agent="test")
    assert [(p.key, p.message) for p in refused.value.problems] == [
        ("issuer.name", "'Ghana' is already the name of another issuer, 'Ghana'; leave it "
                        "out, or write that issuer instead of 'Ghana'")]
    assert "clash" not in set(archive.record_ids())


def test_a_file_with_both_spellings_is_one_issuer(make_archive: Any) -> None:
    archive = make_archive()
    archive.save([statement("a", {"name": "Saint Kitts and Nevis",
                                  "alt_names": "St Kitts and Nevis"}),
                  statement("b", "St Kitts and Nevis"),
                  statement("c", {"name": "St Kitts & Nevis",
                                  "alt_names": ["Saint Kitts and Nevis"]})], agent="test")
    issuers = {archive.record(i).issuers[0].name for i in "abc"}
    assert issuers == {"Saint Kitts and Nevis"}
    assert archive.record("c").issuers[0].alt_names == ["St Kitts & Nevis", "St Kitts and Nevis"]


def test_the_near_duplicate_check_knows_alternative_names(archive: Archive) -> None:
    with pytest.raises(BadInput) as refused:
        archive.save([statement("near", "St Kits and Nevis")], agent="test")
    assert [str(p) for p in refused.value.problems] == [
        "record near, key 'issuer': there is no issuer named 'St Kits and Nevis' yet, but "
        "there is 'St Kitts and Nevis'; use that name, or add \"new\": true to create "
        "'St Kits and Nevis' on purpose (did you mean 'St Kitts and Nevis'?)"]


def test_events_take_alt_names_and_same_as(make_archive: Any) -> None:
    archive = make_archive()
    event = {"name": "UN General Debate 2018", "alt_names": ["73rd General Debate"],
             "same_as": "http://www.wikidata.org/entity/Q56301409"}
    archive.save([statement("e1", "Someone", responds_to=[event]),
                  statement("e2", "Someone", responds_to=["73rd general debate"])],
                 agent="test")
    assert archive.record("e2").responds_to[0].name == "UN General Debate 2018"
    assert archive.record("e2").responds_to[0].same_as == [
        "http://www.wikidata.org/entity/Q56301409"]


def test_later_records_add_names_and_identifiers(archive: Archive) -> None:
    archive.save([statement("more", {"name": "St Kitts and Nevis",
                                     "alt_names": ["Federation of Saint Christopher and Nevis"],
                                     "same_as": "https://sws.geonames.org/3575174/"})],
                 agent="test")
    issuer = archive.record("more").issuers[0]
    assert issuer.alt_names == ["Federation of Saint Christopher and Nevis",
                                "St Kitts and Nevis", "St. Kitts & Nevis"]
    assert issuer.same_as == ["http://viaf.org/viaf/145238370",
                              "http://www.wikidata.org/entity/Q763",
                              "https://sws.geonames.org/3575174/"]


@pytest.mark.parametrize(("issuer", "key", "message"), [
    ({"name": "Saint Kitts and Nevis", "same_as": ["http://www.wikidata.org/entity/Q1"]},
     "issuer.same_as[0]", "'Saint Kitts and Nevis' is recorded as Wikidata Q763 "
     "(http://www.wikidata.org/entity/Q763), not Q1; correct the same_as here or edit "
     "'Saint Kitts and Nevis' itself"),
    ({"name": "Grenada", "alt_names": ["Spice Isle", "St Kitts and Nevis"], "new": True},
     "issuer.alt_names[1]", "'St Kitts and Nevis' is already the name of another issuer, "
     "'Saint Kitts and Nevis'; leave it out, or write that issuer instead of 'Grenada'"),
    ({"name": "Grenada", "same_as": "https://www.wikidata.org/wiki/Q769"}, "issuer.same_as",
     f"'https://www.wikidata.org/wiki/Q769' is not an identifier in a published form the "
     f"archive knows; {FORMS}"),
    ({"name": "Grenada", "same_as": ["http://www.wikidata.org/entity/Q769", {"id": 1}]},
     "issuer.same_as[1]", "expected text, got an object"),
    ({"name": "Grenada", "alt_names": [""]}, "issuer.alt_names[0]", "is empty"),
])
def test_bad_alt_names_and_same_as_are_refused_and_nothing_is_stored(
        archive: Archive, issuer: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(BadInput) as refused:
        archive.save([statement("bad", issuer)], agent="test")
    assert [(p.key, p.message) for p in refused.value.problems] == [(key, message)]
    assert not archive.known("bad")
    assert archive.resources.find("issuers", "Grenada") is None
    assert archive.resources.find("issuers", "Spice Isle") is None
    kitts = archive.resources.find("issuers", "Saint Kitts and Nevis")
    assert len(set(archive.store.graph(kitts).objects(kitts, OWL.sameAs))) == 2


def test_uri_and_same_as_are_kept_apart(make_archive: Any) -> None:
    archive = make_archive()
    issuer = {"name": "Amnesty International", "uri": "https://www.amnesty.org/",
              "same_as": ["http://www.wikidata.org/entity/Q42970"]}
    archive.save([statement("amnesty", issuer)], agent="test")
    assert archive.record("amnesty").to_json()["issuer"] == issuer
    archive.save([statement("again", {"name": "Amnesty International",
                                      "uri": "https://www.amnesty.org/"})], agent="test")


def test_csv_columns_carry_several_names_per_issuer(make_archive: Any) -> None:
    csv = ("title,issuer,issuer.alt_names,issuer.same_as,date\r\n"
           "One,Saint Kitts and Nevis,St Kitts and Nevis;St. Kitts,"
           "http://www.wikidata.org/entity/Q763,2018\r\n"
           "Two,St. Kitts,,,2019\r\n")
    archive = make_archive()
    saved = archive.save(read_bytes(csv.encode(), "csv", archive), agent="test")
    issuers = [archive.record(s.id).issuers[0] for s in saved]
    assert {i.name for i in issuers} == {"Saint Kitts and Nevis"}
    assert issuers[0].alt_names == ["St Kitts and Nevis", "St. Kitts"]


def test_the_page_links_the_identifiers_and_lists_the_names(make_app: Any) -> None:
    app = make_app([statement("kitts", KITTS)])
    page = app.test_client().get("/issuers/saint-kitts-and-nevis").get_data(as_text=True)
    assert '<dt title="skos:altLabel">Also called</dt>' in page
    assert "St Kitts and Nevis" in page and "St. Kitts &amp; Nevis" in page
    assert page.count('<a href="http://www.wikidata.org/entity/Q763" rel="external noopener">') \
        == 1
    assert '<a href="http://viaf.org/viaf/145238370" rel="external noopener">' in page
    turtle = app.test_client().get("/issuers/saint-kitts-and-nevis?format=ttl").get_data(
        as_text=True)
    assert "schema:sameAs" in turtle and "skos:altLabel" in turtle


def test_search_finds_statements_by_an_alternative_name(archive: Archive,
                                                         tmp_path: Any) -> None:
    index = SearchIndex(tmp_path / "index", archive)
    try:
        found = index.search('issuer:"St Kitts"')
        assert [hit.id for hit in found.results] == ["kitts"]
        assert found.facets["issuer"] == [{"value": "Saint Kitts and Nevis", "count": 1}]
    finally:
        index.close()


def test_the_upload_preview_counts_one_new_issuer_for_all_its_spellings(
        archive: Archive) -> None:
    payloads = [Payload(statement("g1", {"name": "Grenada", "alt_names": ["Grenade"]})),
                Payload(statement("g2", "Grenade")),
                Payload(statement("g3", {"name": "State of Grenada",
                                         "alt_names": ["Grenada"]})),
                Payload(statement("k", "St Kitts and Nevis")),
                Payload(statement("k2", {"name": "Federation of St Kitts",
                                         "alt_names": ["Saint Kitts and Nevis"]})),
                Payload(statement("t", "Tuvalu"))]
    assert new_names(archive, payloads) == {"issuers": ["Grenada", "Tuvalu"]}
    archive.save(payloads, agent="test")  # and the write creates just those
    assert [name for _, name in archive.resources.names("issuers")] == [
        "Grenada", "Saint Kitts and Nevis", "Tuvalu"]


def test_reconciliation_matches_an_alternative_name(make_app: Any) -> None:
    app = make_app([statement("kitts", KITTS), statement("other", "Tuvalu")])
    queries = {"q0": {"query": "St. Kitts & Nevis", "type": "issuer", "limit": 1}}
    body = app.test_client().post("/reconcile", data={"queries": json.dumps(queries)}).get_json()
    (best,) = body["q0"]["result"]
    assert (best["id"], best["name"], best["match"]) == (
        "issuers/saint-kitts-and-nevis", "Saint Kitts and Nevis", True)
