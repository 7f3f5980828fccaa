"""The catalogue of bad and hostile input: each refused with a specific message, archive unchanged.

Token cases (missing, wrong, expired, revoked) are in tests/web/test_auth.py; the property-based
cases (random record JSON, random search parameters) in tests/archive/test_properties.py; hostile
SPARQL (SERVICE in every spelling, memory bombs, oversized queries, one client holding the
workers, formula cells in downloads, Accept parameters) in tests/web/test_sparql_hardening.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive import Archive, changelog
from web.cli import cli

GOOD = {"id": "hostile-base", "title": "Statement on the freedom of the press",
        "issuer": "Press Freedom Watch", "date": "2021-05-03", "type": "press statement"}
SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def hostile_record(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD, **changes}.items() if v is not None}


def store_state(archive: Archive) -> tuple[int, int]:
    """Quad count and the change log's end, read from the store itself."""
    return len(archive.store), changelog.last_sequence(archive.store, archive.uris)


class Hostile:
    """An app over the sample statements, an editor token, and the archive's state before."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.archive: Archive = app.extensions["archive"]
        self.client = app.test_client()
        _, token = app.extensions["auth"].create_token("hostile-editor", "editor")
        self.auth = {"Authorization": f"Bearer {token}"}
        self.before = store_state(self.archive)

    def post(self, body: Any, content_type: str = "application/json") -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post("/api/statements", data=data, content_type=content_type,
                                headers=self.auth)

    def refused(self, response: Any, status: int = 422) -> list[dict[str, Any]]:
        assert response.status_code == status, response.get_data(as_text=True)
        assert store_state(self.archive) == self.before, "nothing was stored"
        return response.get_json().get("problems", [])


@pytest.fixture
def hostile(make_app: Callable[..., Any], sample_statements: list[dict[str, Any]]) -> Hostile:
    return Hostile(make_app(sample_statements, RATELIMIT_ENABLED=False,
                            MAX_CONTENT_LENGTH=200_000))


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    ('{"title": "x",\n "issuer": }', "application/json", ("malformed JSON", 2)),
    ("[1, 2", "application/json", ("malformed JSON", 1)),
    ("[" * 100_000, "application/json", ("malformed JSON: nested too deeply", None)),
    ("[" * 100_000, "application/ld+json", ("malformed JSON-LD: nested too deeply", None)),
    ("@prefix ra: <https://w3id.org/rights-archive/vocab#> .\n<x> a ra:Statement ;\n"
     " ra:text \"a\" \"b\" .\n<y> a ra:Statement .\n",
     "text/turtle", ("malformed TURTLE", None)),
    ('{"@context": {"ra": "https://w3id.org/rights-archive/vocab#"},\n "@id": }',
     "application/ld+json", ("malformed JSON-LD", 2)),
    ('{"@context": "https://example.org/remote-context.jsonld", "@id": "x"}',
     "application/ld+json", ("remote JSON-LD context", None)),
    (b"\xff\xfe not utf-8", "application/json", ("not UTF-8", None)),
])
def test_malformed_bodies(hostile: Hostile, body: Any, content_type: str,
                          expected: tuple[str, int | None]) -> None:
    problems = hostile.refused(hostile.post(body, content_type))
    text, line = expected
    assert text in problems[0]["message"]
    if line is not None:
        assert problems[0]["line"] == line
    if "TURTLE" in text:
        assert "line" in problems[0]["message"], "the Turtle parser's position is kept"


def test_malformed_csv_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    bad = tmp_path / "bad.csv"
    bad.write_text('id,title,issuer,date\nx,"an unclosed quote,Someone,2020\n')
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(folder), "import", str(bad)])
    assert result.exit_code != 0
    assert "malformed CSV" in str(result.exception)
    extra = tmp_path / "extra.csv"
    extra.write_text("id,title,issuer,date\nx,T,Someone,2020,surplus\n")
    result = runner.invoke(cli, ["--data", str(folder), "import", str(extra)])
    assert "line 2" in str(result.exception) and "more cells" in str(result.exception)
    with Archive(folder) as archive:
        assert changelog.last_sequence(archive.store, archive.uris) == 0


@pytest.mark.parametrize(("changes", "key", "message"), [
    ({"date": {"year": 2020}}, "date", "expected text, got an object"),
    ({"text": ["a", "list"]}, "text", "expected text, got a list"),
    ({"references": {"CEDAW": True}}, "references", "expected text, got an object"),
    ({"issuer": None}, "issuer", "is required"),
    ({"language": "english!"}, "language", "not a BCP 47 language tag"),
    ({"id": "Has Spaces/And/../Slashes"}, "id", "not a valid id"),
    ({"date": "31 February 2024"}, "date", "not a real date"),
    ({"date": "03/04/2018"}, "date", "ambiguous"),
    ({"date": "sometime soon"}, "date", ""),
    ({"references": ["CEDAWW"]}, "references[0]", "not a known treaty"),
    ({"type": "press statment"}, "type", "not a known statement type"),
    ({"topics": ["climate"]}, "topics[0]", "not a known topic"),
    ({"title": "x" * 2_001}, "title", "the limit is 2,000"),
    ({"source": "javascript:alert(1)"}, "source", "must start with http:// or https://"),
    ({"source": "http://example.org/a page"}, "source", "contains spaces"),
    ({"issuer": {"name": "X", "uri": "javascript:alert(1)"}}, "issuer.uri", "not a web address"),
    ({"responds_to": [{"name": "E", "uri": "http://a b/"}]}, "responds_to[0].uri", "spaces"),
    ({"titel": "typo"}, "titel", "not a known key"),
])
def test_bad_fields_are_named_with_a_specific_message(hostile: Hostile, changes: dict[str, Any],
                                                      key: str, message: str) -> None:
    problems = hostile.refused(hostile.post(hostile_record(**changes)))
    mine = [p for p in problems if p.get("key") == key]
    assert mine, problems
    assert message in mine[0]["message"]
    assert mine[0]["record"] == changes.get("id", "hostile-base")


@pytest.mark.parametrize(("changes", "suggestion"), [
    ({"references": ["CEDAWW"]}, "CEDAW"),
    ({"type": "press statment"}, "press statement"),
    ({"topics": ["climate"]}, "climate and environment"),
    ({"date": "03/04/2018"}, "2018-04-03"),
    ({"titel": "typo"}, "'title'"),
])
def test_unknown_values_come_with_suggestions(hostile: Hostile, changes: dict[str, Any],
                                              suggestion: str) -> None:
    problems = hostile.refused(hostile.post(hostile_record(**changes)))
    assert any(suggestion in p.get("suggestion", "") for p in problems), problems


def test_every_problem_of_a_batch_is_listed(hostile: Hostile) -> None:
    batch = [hostile_record(id="hostile-a", date="2021-02-30"),
             hostile_record(id="hostile-b", references=["NOPE"]),
             hostile_record(id="hostile-a")]
    problems = hostile.refused(hostile.post(batch))
    assert {(p.get("record"), p.get("key")) for p in problems} >= {
        ("hostile-a", "date"), ("hostile-b", "references[0]"), ("hostile-a", "id")}


def test_duplicate_ids(hostile: Hostile) -> None:
    taken = "ushrn-2018-06-21-statement-us-withdrawal-hrc"
    problems = hostile.refused(hostile.post(hostile_record(id=taken)))
    assert "already used" in problems[0]["message"]
    assert problems[0]["suggestion"] == f"'{taken}-2'"
    twice = hostile.refused(hostile.post([hostile_record(), hostile_record()]))
    assert "appears twice" in twice[0]["message"]


def test_oversize_body_is_413_with_a_clear_message(hostile: Hostile) -> None:
    huge = hostile_record(text="word " * 60_000)
    response = hostile.post(huge)
    hostile.refused(response, 413)
    assert "200,000 bytes" in response.get_json()["message"]
    page = hostile.client.post("/signin", data={"username": "x" * 300_000})
    assert page.status_code == 413
    assert "larger than this archive accepts" in page.get_data(as_text=True)


def test_not_json_objects(hostile: Hostile) -> None:
    problems = hostile.refused(hostile.post([1, "two", None]))
    assert all("expected a JSON object" in p["message"] for p in problems)
    assert len(problems) == 3


def test_html_in_every_text_field_is_escaped_on_output(hostile: Hostile) -> None:
    record = hostile_record(
        id="hostile-script", title=f"Title {SCRIPT}", text=f"Body {SCRIPT}",
        summary=f"Summary {SCRIPT}",
        issuer={"name": f"Issuer {SCRIPT}", "kind": "ngo"},
        responds_to=[{"name": f"Event {SCRIPT}", "place": f"Place {SCRIPT}"}],
        places=[f"Town {SCRIPT}"])
    created = hostile.post(record)
    assert created.status_code == 201, created.get_json()
    assert hostile.client.get("/api/statements/hostile-script").get_json()["title"] == \
        f"Title {SCRIPT}", "JSON keeps the text as given (served as JSON, nosniff)"
    pages = ["/statements/hostile-script", "/search?q=alert", "/search?q=Body"]
    checked = 0
    for path in pages:
        response = hostile.client.get(path, headers={"Accept": "text/html"})
        if response.status_code == 404 and "statements/" not in path:
            continue  # the search page is not registered yet
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html or "&lt;/script&gt;" in html or path.startswith(
            "/search"), path
        checked += 1
    assert checked == len(pages)


def test_echoed_input_is_escaped_in_error_pages(hostile: Hostile) -> None:
    page = hostile.client.get("/signin")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = hostile.client.post("/signin", data={"username": SCRIPT, "password": "x",
                                                    "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert SCRIPT not in html and "&lt;script&gt;" in html
    missing = hostile.client.get(f"/statements/{SCRIPT}", headers={"Accept": "text/html"})
    assert "<script>alert" not in missing.get_data(as_text=True)


@pytest.mark.parametrize("name", [
    "../auth.sqlite3", "..%2F..%2Fauth.sqlite3", "%2e%2e%2fsecret_key", "....//archive.json",
    "/etc/passwd", "..\\..\\archive.json", "dataset.nq.gz%00.txt",
])
def test_path_traversal_in_dump_names(hostile: Hostile, name: str) -> None:
    if hostile.client.get("/dumps/").status_code == 404:
        pytest.skip("the dumps blueprint is not registered yet")
    response = hostile.client.get(f"/dumps/{name}")
    assert response.status_code in (400, 404), name
    body = response.get_data()
    assert b"SQLite format" not in body and b"base_uri" not in body and b"root:" not in body


@pytest.mark.parametrize("value", [
    '" } DROP ALL ; INSERT DATA { <a> <b> <c> } #',
    "> } } UNION { ?s ?p ?o } #",
    "x\\\" . ?s ?p ?o . FILTER(true) #",
    "'; DELETE WHERE { ?s ?p ?o } ; '",
])
def test_sparql_injection_through_search_filters(hostile: Hostile, value: str) -> None:
    for key in ("issuer", "treaty", "topic", "type", "event", "language", "year", "q"):
        response = hostile.client.get("/api/search", query_string={key: value})
        if response.status_code == 404 and response.get_json().get("error") == "Not Found" \
                and key == "issuer" and "results" not in response.get_json():
            pytest.skip("/api/search is not registered yet")
        assert response.status_code in (200, 400, 422), (key, response.status_code)
        if response.status_code == 200:
            assert response.get_json()["total"] == 0, (key, value)
    assert store_state(hostile.archive) == hostile.before


@pytest.mark.parametrize("query", [
    {"verb": "Nonsense"}, {"verb": "GetRecord"}, {"verb": "GetRecord", "identifier": "x",
                                                  "metadataPrefix": "nope"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"},
    {"verb": "ListRecords", "resumptionToken": "'; DROP"},
    {"verb": "Identify", "extra": "<script>"},
    {"verb": ["Identify", "Identify"]},
])
def test_oai_pmh_garbage_arguments(hostile: Hostile, query: dict[str, Any]) -> None:
    response = hostile.client.get("/oai", query_string=query)
    if response.status_code == 404 and b"OAI-PMH" not in response.data:
        pytest.skip("the OAI-PMH blueprint is not registered yet")
    assert response.status_code == 200, "OAI-PMH 2.0 §3.6: errors are in the XML body"
    body = response.get_data(as_text=True)
    assert "<error code=" in body
    assert "<script>" not in body
    assert store_state(hostile.archive) == hostile.before
