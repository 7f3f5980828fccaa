"""``/reconcile`` (web/reconcile.py) over the sample: manifest, batches, preview, suggest,
refusals — every JSON answer validated against the specification's schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from archive.settings import DEFAULT_BASE
from tests.reconcile_schemas import validate
from tests.support import sample_module_app

ROOT = "http://localhost/"


@pytest.fixture(scope="module")
def app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, "oxigraph") as app:
        yield app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def reconcile(client: Any, queries: dict[str, Any], method: str = "post") -> dict[str, Any]:
    validate("reconciliation-query-batch", queries)  # the tests send what the spec allows
    if method == "post":
        response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    else:
        response = client.get("/reconcile", query_string={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    validate("reconciliation-result-batch", body)
    return body


def picked(body: dict[str, Any]) -> dict[str, list[tuple[str, float, bool]]]:
    return {key: [(c["id"], c["score"], c["match"]) for c in answer["result"]]
            for key, answer in body.items()}


def test_the_manifest_names_the_archives_identifiers_types_and_services(client: Any) -> None:
    response = client.get("/reconcile")
    body = response.get_json()
    validate("manifest", body)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert {k: v for k, v in body.items() if k != "serviceVersion"} == {
        "versions": ["0.1", "0.2"],
        "name": "Human Rights Statements Archive",
        "identifierSpace": DEFAULT_BASE,
        "schemaSpace": "https://w3id.org/rights-archive/vocab#",
        "defaultTypes": [{"id": "issuer", "name": "Issuer"}, {"id": "event", "name": "Event"},
                         {"id": "treaty", "name": "Treaty or instrument"},
                         {"id": "topic", "name": "Topic"}, {"id": "place", "name": "Place"}],
        "view": {"url": ROOT + "{{id}}"},
        "preview": {"url": ROOT + "reconcile/preview?id={{id}}", "width": 420, "height": 190},
        "suggest": {kind: {"service_url": ROOT + "reconcile", "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "batchSize": 50,
    }


def test_the_view_template_gives_the_things_page(client: Any) -> None:
    view = client.get("/reconcile").get_json()["view"]["url"]
    page = client.get(view.replace("{{id}}", "issuers/bulgaria").removeprefix(ROOT[:-1]))
    assert page.status_code == 200
    assert "Bulgaria" in page.get_data(as_text=True)


@pytest.mark.parametrize("method", ["post", "get"])
def test_a_batch_by_post_or_get_scores_exact_case_accent_and_typo_spellings(
        client: Any, method: str) -> None:
    body = reconcile(client, {
        "q0": {"query": "Bulgaria", "type": "issuer"},
        "q1": {"query": "MÉXICO", "type": "issuer", "limit": 1},
        "q2": {"query": "Bulgeria", "type": "issuer", "limit": 2},
        "q3": {"query": "Korea, Republic of", "type": ["issuer"], "limit": 1},
    }, method)
    assert picked(body) == {
        "q0": [("issuers/bulgaria", 100.0, True), ("issuers/algeria", 66.7, False),
               ("issuers/uganda", 57.1, False), ("issuers/armenia", 53.3, False),
               ("issuers/bahrain", 53.3, False)],
        "q1": [("issuers/mexico", 100.0, True)],
        "q2": [("issuers/bulgaria", 96.0, True), ("issuers/algeria", 80.0, False)],
        "q3": [("issuers/republic-of-korea", 99.0, True)],
    }
    assert body["q0"]["result"][0] == {
        "id": "issuers/bulgaria", "name": "Bulgaria", "description": "national government",
        "type": [{"id": "issuer", "name": "Issuer"}], "score": 100.0, "match": True,
        "features": [{"id": "name_score", "value": 100.0}, {"id": "name_exact", "value": True}]}


def test_a_partial_name_is_proposed_but_not_matched(client: Any) -> None:
    body = reconcile(client, {"q": {"query": "Amnesty", "type": "issuer"}})
    assert picked(body) == {"q": [("issuers/amnesty-international", 78.8, False),
                                  ("issuers/amnesty-international-canada", 71.6, False)]}


def test_namesakes_of_two_types_are_not_matched_until_a_type_is_given(client: Any) -> None:
    body = reconcile(client, {"any": {"query": "Bulgaria", "limit": 2},
                              "place": {"query": "Bulgaria", "type": "place", "limit": 1}})
    assert picked(body) == {"any": [("issuers/bulgaria", 100.0, False),
                                    ("places/bulgaria", 100.0, False)],
                            "place": [("places/bulgaria", 100.0, True)]}


def test_every_type_is_reconciled(client: Any) -> None:
    body = reconcile(client, {
        "treaty": {"query": "cedaw", "type": "treaty", "limit": 1},
        "treaty-label": {"query": "Convention against Torture", "type": "treaty", "limit": 1},
        "topic": {"query": "Multilateralism", "type": "topic", "limit": 1},
        "event": {"query": "General Debate of the 50th session of the UN General Assembly",
                  "type": "event", "limit": 2},
        "place": {"query": "Washington DC", "type": "place", "limit": 1},
    })
    assert picked(body) == {
        "treaty": [("treaties/cedaw", 100.0, True)],
        "treaty-label": [("treaties/cat", 100.0, True)],  # its alternative label
        "topic": [("topics/multilateralism", 100.0, True)],
        "event": [("events/general-debate-of-the-50th-session-of-the-un-general-assembly",
                   100.0, True)],  # the other sessions: 42.5, under 50
        "place": [("places/washington-d-c", 99.0, True)],
    }
    assert body["event"]["result"][0]["description"] == "1995, New York"


def test_an_id_or_uri_as_query_finds_that_thing(client: Any) -> None:
    body = reconcile(client, {"id": {"query": "issuers/ghana", "limit": 1},
                              "uri": {"query": DEFAULT_BASE + "treaties/crc", "limit": 1}})
    assert picked(body) == {"id": [("issuers/ghana", 100.0, True)],
                            "uri": [("treaties/crc", 100.0, True)]}


def test_properties_filter_and_refine_the_candidates(client: Any) -> None:
    body = reconcile(client, {
        "kind": {"query": "Amnesty International", "limit": 2,
                 "properties": [{"pid": "kind", "v": "ngo"}]},
        "kind-label": {"query": "Amnesty International", "limit": 1,
                       "properties": [{"pid": "kind", "v": "Non-governmental organisation"}]},
        "wrong-kind": {"query": "Amnesty International", "type": "issuer",
                       "properties": [{"pid": "kind", "v": "government"}]},
        "country": {"query": "Amnesty International", "type": "issuer", "limit": 1,
                    "properties": [{"pid": "country", "v": "United States"}]},
        "part-of": {"query": "US National Human Rights Cities Alliance", "type": "issuer",
                    "limit": 1,
                    "properties": [{"pid": "part_of", "v": {"id": "issuers/us-human-rights-network",
                                                            "name": "USHRN"}}]},
        "event-place": {"query": "US withdrawal from the UN Human Rights Council", "limit": 1,
                        "properties": [{"pid": "country", "v": ["Washington, D.C.", "Paris"]}]},
        "no-text": {"type": "issuer", "limit": 3,
                    "properties": [{"pid": "kind", "v": "academic"}]},
    })
    assert picked(body) == {
        "kind": [("issuers/amnesty-international", 100.0, True),
                 ("issuers/amnesty-international-canada", 85.0, False)],
        "kind-label": [("issuers/amnesty-international", 100.0, True)],
        "wrong-kind": [],
        "country": [("issuers/amnesty-international", 100.0, True)],
        "part-of": [("issuers/us-national-human-rights-cities-alliance", 100.0, True)],
        "event-place": [("events/us-withdrawal-from-the-un-human-rights-council", 100.0, True)],
        "no-text": [("issuers/uc-berkeley-human-rights-center", 50.0, False),
                    ("issuers/un-human-rights-council", 45.0, False)],  # no kind recorded
    }
    assert body["kind"]["result"][0]["features"] == [
        {"id": "name_score", "value": 100.0}, {"id": "name_exact", "value": True},
        {"id": "property_kind", "value": True}]


def test_a_property_the_candidate_lacks_lowers_its_score_and_forbids_a_match(
        client: Any) -> None:
    body = reconcile(client, {"q": {"query": "UN Human Rights Council", "type": "issuer",
                                    "limit": 1,
                                    "properties": [{"pid": "part_of", "v": "United Nations"}]}})
    assert picked(body) == {"q": [("issuers/un-human-rights-council", 90.0, False)]}


@pytest.mark.parametrize(("queries", "status", "message"), [
    ("{bad", 400, "'queries' is not JSON (Expecting property name enclosed in double quotes: "
                  "line 1 column 2 (char 1)); send an object of queries such as "
                  '{"q0": {"query": "Amnesty International", "type": "issuer"}}'),
    ("[" * 100_000, 400, "'queries' is nested too deeply to read; send an object of queries "
                         'such as {"q0": {"query": "Ghana"}}'),
    ('["Ghana"]', 400, "'queries' must be a JSON object mapping each query's key to the "
                       'query, such as {"q0": {"query": "Ghana"}}'),
    ('{"q0": "Ghana"}', 400, "query 'q0' must be an object with 'query' (and 'type', 'limit', "
                             "'properties')"),
    ('{"q0": {"query": "Ghana", "lang": "en"}}', 400,
     "query 'q0' has an unknown field 'lang'; a query may have query, type, limit, "
     "properties, type_strict"),
    ('{"q0": {"query": "  "}}', 400, "query 'q0': 'query' must be a non-empty string"),
    ('{"q0": {}}', 400, "query 'q0' needs a 'query' string or at least one property"),
    (json.dumps({"q0": {"query": "x" * 1001}}), 400,
     "query 'q0': 'query' is longer than 1000 characters"),
    ('{"q0": {"query": "Ghana", "type": "person"}}', 400,
     "query 'q0': there is no type \"person\"; the types are issuer, event, treaty, topic, "
     "place"),
    ('{"q0": {"query": "Ghana", "limit": 0}}', 400,
     "query 'q0': 'limit' must be a whole number from 1 to 100, not 0"),
    ('{"q0": {"query": "Ghana", "limit": 2.5}}', 400,
     "query 'q0': 'limit' must be a whole number from 1 to 100, not 2.5"),
    ('{"q0": {"query": "Ghana", "type_strict": "some"}}', 400,
     "query 'q0': 'type_strict' must be one of any, should, all"),
    ('{"q0": {"query": "Ghana", "properties": [{"pid": "P17", "v": "Ghana"}]}}', 400,
     "query 'q0': there is no property \"P17\"; the properties are kind, part_of, country"),
    ('{"q0": {"query": "Ghana", "properties": [{"pid": "kind"}]}}', 400,
     "query 'q0': each property must be an object with 'pid' and 'v', not {\"pid\": \"kind\"}"),
    ('{"q0": {"query": "Ghana", "properties": [{"pid": "kind", "v": {"name": "x"}}]}}', 400,
     "query 'q0': an entity value of 'kind' needs an 'id' string"),
    (json.dumps({f"q{n}": {"query": "Ghana"} for n in range(51)}), 413,
     "this batch holds 51 queries; send at most 50 at a time (the manifest's batchSize)"),
])
def test_a_malformed_batch_is_refused_whole_with_a_clear_message(
        client: Any, queries: str, status: int, message: str) -> None:
    for response in (client.post("/reconcile", data={"queries": queries}),
                     client.get("/reconcile", query_string={"queries": queries})):
        assert response.status_code == status
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.get_json() == {"error": {400: "Bad Request", 413: "Payload Too Large"}[
            status], "message": message}


def test_a_batch_over_a_million_characters_is_too_large(client: Any) -> None:
    queries = json.dumps({"q0": {"query": "Ghana", "properties": [
        {"pid": "country", "v": ["x" * 900] * 20}] * 60}})
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == 413
    assert response.get_json()["message"] == ("'queries' is longer than 1,000,000 characters; "
                                              "send fewer queries at a time")


def test_data_extension_is_not_offered(client: Any) -> None:
    response = client.post("/reconcile", data={"extend": '{"ids": ["issuers/ghana"]}'})
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "this service does not offer data extension (no 'extend' in its manifest); send "
        "'queries' to reconcile")


def test_a_browser_may_ask_from_any_origin(client: Any) -> None:
    response = client.options("/reconcile", headers={
        "Origin": "http://127.0.0.1:3333", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


def test_the_preview_is_a_small_framable_page(client: Any) -> None:
    response = client.get("/reconcile/preview", query_string={"id": "issuers/us-national-"
                                                                    "human-rights-cities-alliance"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    page = response.get_data(as_text=True)
    assert '<h1><a href="http://localhost/issuers/us-national-human-rights-cities-alliance" ' \
           'target="_blank" rel="noopener">US National Human Rights Cities Alliance</a></h1>' \
           in page
    assert "<p>network or coalition, part of US Human Rights Network</p>" in page


def test_a_preview_of_an_unknown_id_says_so_escaped(client: Any) -> None:
    response = client.get("/reconcile/preview", query_string={"id": "<script>x</script>"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<code>&lt;script&gt;x&lt;/script&gt;</code>" in page
    assert "<script>" not in page


def test_other_pages_still_refuse_framing(client: Any) -> None:
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_suggest_entities_by_prefix_of_a_name_or_a_word(client: Any) -> None:
    body = client.get("/reconcile/suggest/entity", query_string={"prefix": "amn"}).get_json()
    validate("suggest-entities-response", body)
    assert body == {"result": [
        {"id": "issuers/amnesty-international", "name": "Amnesty International",
         "description": "non-governmental organisation",
         "notable": [{"id": "issuer", "name": "Issuer"}]},
        {"id": "issuers/amnesty-international-canada", "name": "Amnesty International Canada",
         "description": "non-governmental organisation",
         "notable": [{"id": "issuer", "name": "Issuer"}]}]}
    words = client.get("/reconcile/suggest/entity",
                       query_string={"prefix": "guinea", "type": "place"}).get_json()
    assert [e["id"] for e in words["result"]] == ["places/equatorial-guinea",
                                                  "places/papua-new-guinea"]
    by_id = client.get("/reconcile/suggest/entity", query_string={"prefix": "treaties/op-crc"})
    assert [e["id"] for e in by_id.get_json()["result"]] == [
        "treaties/op-crc-ic", "treaties/op-crc-ac", "treaties/op-crc-sc"]  # by name


def test_suggest_pages_with_the_cursor(client: Any) -> None:
    first = client.get("/reconcile/suggest/entity", query_string={"prefix": "b"}).get_json()
    second = client.get("/reconcile/suggest/entity",
                        query_string={"prefix": "b", "cursor": 10}).get_json()
    assert len(first["result"]) == 10
    assert not {e["id"] for e in first["result"]} & {e["id"] for e in second["result"]}


def test_suggest_types_and_properties(client: Any) -> None:
    types = client.get("/reconcile/suggest/type", query_string={"prefix": "tr"}).get_json()
    validate("suggest-types-response", types)
    assert types == {"result": [{"id": "treaty", "name": "Treaty or instrument",
                                 "description": "a human-rights treaty, protocol or "
                                                "declaration from the treaty thesaurus"}]}
    properties = client.get("/reconcile/suggest/property",
                            query_string={"prefix": "part"}).get_json()
    validate("suggest-properties-response", properties)
    assert properties == {"result": [{"id": "part_of", "name": "Part of",
                                      "description": "the issuer an issuer is part of: its "
                                                     "name or id"}]}
    every = client.get("/reconcile/suggest/property", query_string={"prefix": ""}).get_json()
    assert [p["id"] for p in every["result"]] == ["kind", "part_of", "country"]


@pytest.mark.parametrize(("query", "message"), [
    ({}, "a suggest query needs 'prefix' (what was typed so far)"),
    ({"prefix": "a", "cursor": "x"}, "'cursor' must be a whole number (suggestions to skip)"),
    ({"prefix": "a", "cursor": "-1"}, "'cursor' must be 0 or more"),
])
def test_a_bad_suggest_query_is_refused(client: Any, query: dict[str, str], message: str
                                        ) -> None:
    response = client.get("/reconcile/suggest/entity", query_string=query)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Bad Request", "message": message}


def test_a_new_issuer_is_reconciled_after_its_write(make_app: Any) -> None:
    app = make_app([{"title": "Statement", "issuer": {"name": "Ligue des droits de l'Homme",
                                                       "kind": "ngo"}, "date": "2020"}])
    client = app.test_client()
    before = reconcile(client, {"q": {"query": "Ligue des Droits de l’Homme", "limit": 1}})
    assert picked(before) == {"q": [("issuers/ligue-des-droits-de-l-homme", 100.0, True)]}
    app.extensions["archive"].save([{"title": "Another", "issuer": "Ligue des Droits",
                                     "date": "2021"}], agent="test")
    after = reconcile(client, {"q": {"query": "ligue des droits", "type": "issuer"}})
    assert picked(after) == {"q": [("issuers/ligue-des-droits", 100.0, True),
                                   ("issuers/ligue-des-droits-de-l-homme", 85.0, False)]}


def test_reconciliation_counts_against_its_own_rate_limit(make_app: Any) -> None:
    client = make_app(RATELIMIT_RECONCILE="2 per minute").test_client()
    assert client.get("/reconcile").status_code == 200
    assert client.get("/reconcile/suggest/type?prefix=").status_code == 200
    refused = client.post("/reconcile", data={"queries": '{"q": {"query": "x"}}'})
    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert refused.get_json()["message"] == ("too many reconcile requests from your address; "
                                             "wait and retry (see Retry-After)")
    assert client.get("/search").status_code == 200  # other buckets are not spent


def test_the_catalogue_is_read_from_a_remote_store_too(make_app: Any,
                                                         sample_statements: list[Any]) -> None:
    client = make_app(sample_statements, backend="virtuoso").test_client()
    body = reconcile(client, {
        "country": {"query": "amnesty international", "type": "issuer", "limit": 2,
                    "properties": [{"pid": "country", "v": "United States"},
                                   {"pid": "kind", "v": "ngo"}]},
        "part-of": {"query": "US National Human Rights Cities Aliance", "limit": 1,
                    "properties": [{"pid": "part_of", "v": "US Human Rights Network"}]},
        "event": {"query": "US withdrawal from the UN Human Rights Council", "limit": 1,
                  "properties": [{"pid": "country", "v": "places/washington-d-c"}]},
    })
    assert picked(body) == {
        "country": [("issuers/amnesty-international", 100.0, True),
                    ("issuers/amnesty-international-canada", 85.0, False)],
        "part-of": [("issuers/us-national-human-rights-cities-alliance", 96.0, True)],
        "event": [("events/us-withdrawal-from-the-un-human-rights-council", 100.0, True)],
    }
