"""The hostile catalogue, continued: the web, sign-in and protocol defects of issue 13.

Open redirects and line breaks in ``next``, session cookies (SameSite, Secure, sign-out that
ends the session for every copy of the cookie), rate limits per token, wildcard and range
searches, media-type parameters in ``Accept``, OAI-PMH arguments and forged resumption
tokens, page-cache poisoning through ``SCRIPT_NAME``, and slow clients against a real
``rights-archive serve``. Each is refused with a specific message and leaves the archive
as it was.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from search.query import MAX_PATTERNS, PATTERN_EXPANSIONS
from tests.archive.test_hostile import store_state
from tests.web.test_oai import oai_schema

SEED = "us-human-rights-cities-alliance-2018-06-22"
PASSWORD = "a long enough password"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_app(make_app: Callable[..., Any], sample_statements: list[dict[str, Any]]) -> Any:
    return make_app(sample_statements, RATELIMIT_ENABLED=False)


def form_token(client: Any) -> str:
    match = _CSRF.search(client.get("/signin").get_data(as_text=True))
    assert match, "the sign-in form carries a CSRF token"
    return match.group(1)


def sign_in(app: Any, client: Any, name: str = "archivist", next_: str | None = None) -> Any:
    auth = app.extensions["auth"]
    if auth.account(name) is None:
        auth.create_account(name, "editor", PASSWORD)
    data = {"username": name, "password": PASSWORD, "csrf_token": form_token(client)}
    if next_ is not None:
        data["next"] = next_
    return client.post("/signin", data=data)


# Redirects after sign-in (items 8 and 20) ---------------------------------------------------

@pytest.mark.parametrize("target", [
    "/\t/evil.example/phish", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example",
    " //evil.example", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\t\\evil.example", "https://evil.example/",
    "HTTPS:evil.example", "javascript:alert(1)", "\x00//evil.example", "/x\x00y",
    "evil.example", "",
])
def test_sign_in_never_redirects_off_the_site(web_app: Any, target: str) -> None:
    response = sign_in(web_app, web_app.test_client(), next_=target)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/", repr(target)


@pytest.mark.parametrize(("target", "location"), [
    ("/topics/", "/topics/"), ("/search?q=torture&type=report", "/search?q=torture&type=report"),
    ("/statements/x#part", "/statements/x#part"), ("/a\tb", "/ab"),
])
def test_local_targets_are_kept(web_app: Any, target: str, location: str) -> None:
    response = sign_in(web_app, web_app.test_client(), next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_a_line_break_in_next_is_no_server_error(web_app: Any) -> None:
    client = web_app.test_client()
    page = client.get("/signin?next=%2Fsearch%0A%2F%2Fevil.example")
    assert page.status_code == 200
    assert 'value="/search//evil.example"' in page.get_data(as_text=True), "a local path"
    good = sign_in(web_app, web_app.test_client(), next_="/search\n?q=a")
    assert good.status_code == 302 and good.headers["Location"] == "/search?q=a"
    wrong = client.post("/signin", data={"username": "nobody", "password": "wrong password",
                                         "csrf_token": form_token(client),
                                         "next": "/\n\r/evil.example"})
    assert wrong.status_code == 401


# Session cookies (item 19) ------------------------------------------------------------------

def session_cookie(response: Any) -> str:
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie"
               and v.startswith("session=")]
    assert cookies, "the sign-in sets the session cookie"
    return cookies[-1]


def attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() + ("=" + part.split("=", 1)[1].strip().lower()
                                                  if "=" in part else "")
            for part in cookie.split(";")[1:]}


def test_the_session_cookie_is_samesite_lax_and_httponly(web_app: Any) -> None:
    cookie = session_cookie(sign_in(web_app, web_app.test_client()))
    assert {"samesite=lax", "httponly"} <= attributes(cookie)
    assert "secure" not in attributes(cookie), "plain HTTP: a Secure cookie would be lost"


def test_the_session_cookie_is_secure_behind_an_https_proxy(make_app: Callable[..., Any]
                                                             ) -> None:
    app = make_app(RATELIMIT_ENABLED=False, PROXIES=1)
    client = app.test_client()
    app.extensions["auth"].create_account("archivist", "editor", PASSWORD)
    https = {"X-Forwarded-Proto": "https"}
    form = client.get("/signin", headers=https).get_data(as_text=True)
    response = client.post("/signin", headers=https, data={
        "username": "archivist", "password": PASSWORD, "csrf_token": _CSRF.search(form)[1]})
    assert response.status_code == 302
    assert {"secure", "samesite=lax", "httponly"} <= attributes(session_cookie(response))


def test_forwarded_https_is_not_believed_without_a_proxy(web_app: Any) -> None:
    client = web_app.test_client()
    https = {"X-Forwarded-Proto": "https"}
    web_app.extensions["auth"].create_account("archivist", "editor", PASSWORD)
    form = client.get("/signin", headers=https).get_data(as_text=True)
    response = client.post("/signin", headers=https, data={
        "username": "archivist", "password": PASSWORD, "csrf_token": _CSRF.search(form)[1]})
    assert "secure" not in attributes(session_cookie(response))


def test_session_cookie_secure_setting(make_app: Callable[..., Any]) -> None:
    app = make_app(RATELIMIT_ENABLED=False, SESSION_COOKIE_SECURE=True)
    assert "secure" in attributes(session_cookie(sign_in(app, app.test_client())))


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(web_app: Any) -> None:
    archive = web_app.extensions["archive"]
    browser, thief = web_app.test_client(), web_app.test_client()
    sign_in(web_app, browser)
    copied = browser.get_cookie("session").value
    with browser.session_transaction() as session:
        csrf = session["csrf_token"]
    thief.set_cookie("session", copied)
    record = {"id": "copied-cookie", "title": "Written with a copied cookie",
              "issuer": "Cookie Thieves", "date": "2024-01-01"}
    before_signout = thief.post("/api/statements", json=record, headers={"X-CSRF-Token": csrf})
    assert before_signout.status_code == 201, "the copy works while the session lives"
    assert browser.post("/signout", data={"csrf_token": csrf}).status_code == 302
    before = store_state(archive)
    after = thief.post("/api/statements", json={**record, "id": "after-signout"},
                       headers={"X-CSRF-Token": csrf})
    assert after.status_code == 401
    assert store_state(archive) == before
    assert thief.get("/signin").status_code == 200
    assert "archivist" not in thief.get("/").get_data(as_text=True).split("<main", 1)[0]


# Rate limits per token (item 14) -------------------------------------------------------------

def test_a_token_has_its_own_budget_not_its_address(make_app: Callable[..., Any]) -> None:
    app = make_app(RATELIMIT_API="3 per minute", RATELIMIT_TOKEN="5 per minute")
    client = app.test_client()
    _, token = app.extensions["auth"].create_token("office", "editor")
    bearer = {"Authorization": f"Bearer {token}"}
    assert [client.get("/api/statements/none").status_code for _ in range(4)][-1] == 429
    assert client.get("/api/statements/none", headers=bearer).status_code == 404, \
        "an archivist behind the same address is not limited with it"
    write = client.post("/api/statements", headers=bearer, json={
        "id": "nat-office", "title": "Statement from behind a NAT", "issuer": "NAT Office",
        "date": "2024-03-01"})
    assert write.status_code == 201, write.get_data(as_text=True)
    statuses = [client.get("/api/statements/none", headers=bearer).status_code
                for _ in range(4)]
    assert statuses[-1] == 429, "the token's own budget (5) is spent"
    assert "'office'" in client.get("/api/statements/none", headers=bearer).get_json()["message"]
    _, other = app.extensions["auth"].create_token("colleague", "editor")
    assert client.get("/api/statements/none",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 404


def test_wrong_tokens_count_against_the_address(make_app: Callable[..., Any]) -> None:
    client = make_app(RATELIMIT_API="3 per minute").test_client()
    wrong = {"Authorization": "Bearer ra_000000000000_guess"}
    statuses = [client.get("/api/statements/none", headers=wrong).status_code
                for _ in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429


# Searches (items 10 and 20) ------------------------------------------------------------------

def test_a_range_on_words_is_searched_as_words_with_a_notice(web_app: Any) -> None:
    client = web_app.test_client()
    for query in ("[a TO z]", "{a TO z}", "rights [a TO]", "text:[a TO z]"):
        page = client.get("/search", query_string={"q": query})
        assert page.status_code == 200, (query, page.status_code)
        assert "only works on year:" in page.get_data(as_text=True)
        assert "only works on year:" in client.get(
            "/api/search", query_string={"q": query}).get_json()["notice"]
    years = client.get("/api/search", query_string={"q": "year:[2017 TO 2019]"}).get_json()
    assert years["total"] == 12 and years["notice"] is None  # every sample statement (2018, 2019)


@pytest.mark.parametrize("query", ["*x*", "?ights", "*", "title:*rights", "rights OR *ure"])
def test_a_leading_wildcard_is_refused_with_a_reason(web_app: Any, query: str) -> None:
    client = web_app.test_client()
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 422
    problem = response.get_json()["problems"][0]
    assert problem["key"] == "q" and "starts with a wildcard" in problem["message"]
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 400
    assert "starts with a wildcard" in page.get_data(as_text=True)


def test_a_query_holds_a_bounded_number_of_patterns(web_app: Any) -> None:
    client = web_app.test_client()
    many = " ".join(f"righ{'t' * (n % 2)}*" for n in range(MAX_PATTERNS + 1))
    response = client.get("/api/search", query_string={"q": many})
    assert response.status_code == 422
    assert f"more than {MAX_PATTERNS} wildcard" in response.get_json()["problems"][0]["message"]
    fuzzy = " ".join(["rihgts~"] * (MAX_PATTERNS + 1))
    assert client.get("/api/search", query_string={"q": fuzzy}).status_code == 422
    assert client.get("/api/search", query_string={"q": "righ* rihgts~"}).status_code == 200


def test_a_pattern_reaches_a_bounded_number_of_words(make_app: Callable[..., Any]) -> None:
    words = [f"zqvord{n:03d}" for n in range(PATTERN_EXPANSIONS + 20)]
    app = make_app([{"id": f"pattern-{word}", "title": f"Statement {word}",
                     "issuer": "Pattern Collective", "date": "2024-01-02"} for word in words],
                   RATELIMIT_ENABLED=False)
    found = app.test_client().get("/api/search", query_string={"q": "zqvord*"}).get_json()
    assert found["total"] == PATTERN_EXPANSIONS
    one = app.test_client().get("/api/search", query_string={"q": "zqvord06?"}).get_json()
    assert one["total"] == 10


def test_a_search_past_its_time_budget_is_stopped_with_503(make_app: Callable[..., Any],
                                                          sample_statements: list) -> None:
    app = make_app(sample_statements, RATELIMIT_ENABLED=False, SEARCH_TIME_BUDGET=1e-9)
    response = app.test_client().get("/api/search", query_string={"q": "rights council"})
    assert response.status_code == 503
    assert "budget" in response.get_json()["message"]
    page = app.test_client().get("/search", query_string={"q": "rights council"})
    assert page.status_code == 503


def test_the_search_pages_are_rate_limited(make_app: Callable[..., Any]) -> None:
    client = make_app(RATELIMIT_SEARCH="2 per minute", PAGE_CACHE=False).test_client()
    statuses = [client.get("/search", query_string={"q": f"word{n}"}).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
    for download in ("/search.csv", "/search.atom", "/search.ris", "/search.bib",
                     "/search.csl"):
        assert client.get(download, query_string={"q": "x"}).status_code == 429, download
    assert client.get("/").status_code == 200, "other pages are not limited"


# Content negotiation with media-type parameters (item 15) -------------------------------------

@pytest.mark.parametrize(("accept", "mimetype"), [
    ("text/turtle; charset=utf-8", "text/turtle"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
     "application/ld+json"),
    ("text/html;level=1", "text/html"),
    ("application/rdf+xml;charset=UTF-8;q=0.9, text/turtle;q=0.1", "application/rdf+xml"),
    ("text/turtle;charset=utf-8;q=0.2, application/n-triples;q=0.8", "application/n-triples"),
])
def test_media_type_parameters_do_not_prevent_a_match(web_app: Any, accept: str,
                                                      mimetype: str) -> None:
    for path in (f"/statements/{SEED}", "/topics/"):
        response = web_app.test_client().get(path, headers={"Accept": accept})
        if path == "/topics/" and mimetype != "text/html":
            continue  # listings are pages only
        assert response.status_code == 200, (path, accept)
        assert response.mimetype == mimetype


def test_a_parameter_does_not_make_an_unoffered_type_acceptable(web_app: Any) -> None:
    response = web_app.test_client().get(f"/statements/{SEED}",
                                         headers={"Accept": "text/csv; header=present"})
    assert response.status_code == 406


# OAI-PMH arguments and resumption tokens (item 16) -------------------------------------------

@pytest.fixture(scope="module")
def oai_xsd() -> etree.XMLSchema:
    return oai_schema()


def oai_answer(app: Any, schema: etree.XMLSchema, **query: str) -> tuple[str | None, Any]:
    response = app.test_client().get("/oai", query_string=query)
    assert response.status_code == 200
    doc = etree.fromstring(response.data)
    assert schema.validate(doc), schema.error_log
    error = doc.find(f"{OAI}error")
    return (error.get("code") if error is not None else None), doc.find(f"{OAI}request")


@pytest.mark.parametrize("query", [
    {"verb": "ListRecords", "metadataPrefix": ""},
    {"verb": "ListRecords", "metadataPrefix": "oai dc"},
    {"verb": "ListRecords", "metadataPrefix": "<oai_dc>"},
    {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": ""},
    {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "type:"},
    {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "a b"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "<x>"},
    {"verb": "GetRecord", "metadataPrefix": "", "identifier": "x"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-1-1"},
    {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "x\x01y"},
    {"verb": "ListRecords", "resumptionToken": "\x02"},
])
def test_illegal_oai_arguments_are_bad_arguments_and_not_echoed(web_app: Any,
                                                                oai_xsd: etree.XMLSchema,
                                                                query: dict[str, str]) -> None:
    code, request_el = oai_answer(web_app, oai_xsd, **query)
    assert code == "badArgument"
    assert dict(request_el.attrib) == {}, "§3.2: no attributes echoed with badArgument"


def test_a_legal_unknown_prefix_is_still_cannot_disseminate(web_app: Any,
                                                           oai_xsd: etree.XMLSchema) -> None:
    code, request_el = oai_answer(web_app, oai_xsd, verb="ListRecords", metadataPrefix="marc")
    assert code == "cannotDisseminateFormat"
    assert request_el.get("metadataPrefix") == "marc"


def _token(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    "WyJvYWlfZGMiLDAsMCxudWxsLCJnYXJiYWdlIixudWxsXQ",
    _token(["oai_dc", 0, 0, {"a": 1}, None, None]),
    _token(["oai_dc", 0, 0, None, None, "2020-01-01"]),
    _token(["oai_dc", 0, 0, None, "2020-01-01T00:00:00+02:00", None]),
    _token(["oai_dc", 0, 0, None, None, 5]),
    _token(["oai_dc", True, 1, None, None, None]),
    _token(["oai_dc", 0.0, 1, None, None, None]),
    _token(["oai_dc", 0, 1, "", None, None]),
    _token(["oai_dc", 0, 1, ["type:report"], None, None]),
    _token([["oai_dc"], 0, 1, None, None, None]),
    _token(["oai_dc", 0, 1, None, None]),
    _token({"prefix": "oai_dc"}),
    _token("oai_dc"),
    _token(["oai_dc", 0, 10 ** 40, None, None, None]),
    base64.urlsafe_b64encode(b"[" * 100_000).decode(),
])
def test_forged_resumption_tokens_are_bad_tokens(web_app: Any, oai_xsd: etree.XMLSchema,
                                                 token: str) -> None:
    code, _ = oai_answer(web_app, oai_xsd, verb="ListRecords", resumptionToken=token)
    assert code == "badResumptionToken"


def test_a_real_resumption_token_still_works(make_app: Callable[..., Any],
                                             sample_statements: list,
                                             oai_xsd: etree.XMLSchema) -> None:
    app = make_app(sample_statements, RATELIMIT_ENABLED=False, OAI_PAGE_SIZE=2)
    doc = etree.fromstring(app.test_client().get("/oai", query_string={
        "verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
        "from": "2000-01-01T00:00:00Z"}).data)
    token = doc.find(f".//{OAI}resumptionToken").text
    code, _ = oai_answer(app, oai_xsd, verb="ListIdentifiers", resumptionToken=token)
    assert code is None


# Page cache and SCRIPT_NAME (item 9) ---------------------------------------------------------

def test_the_page_cache_keys_on_what_routes_the_request(web_app: Any) -> None:
    client = web_app.test_client()
    rerouted = client.get("/topics/", environ_overrides={"SCRIPT_NAME": "/topics",
                                                         "PATH_INFO": "/"})
    assert rerouted.status_code == 200
    listing = client.get("/topics/")
    assert listing.status_code == 200
    assert "<h1>Topics" in listing.get_data(as_text=True) or \
        "Topics</h1>" in listing.get_data(as_text=True)
    assert listing.get_data() != rerouted.get_data()


# Against a real `rights-archive serve` (items 5 and 9) -----------------------------------------

COMMAND = [str(Path(sys.executable).with_name("rights-archive"))]
SAMPLE = Path(__file__).resolve().parents[2] / "archive" / "sample" / "statements.jsonl"
THREADS = 8


class Served:
    """``rights-archive serve`` on a free loopback port, in its own process group."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*COMMAND, "--data", str(folder), "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "RIGHTS_ARCHIVE_ACCESS_LOG": "off"})
        for _ in range(300):
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code in (200, 503):
                    return
            except requests.ConnectionError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(60)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    for step in (["create"], ["import", str(SAMPLE)]):
        result = subprocess.run([*COMMAND, "--data", str(folder), *step], capture_output=True,
                                text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stderr
    server = Served(folder)
    try:
        yield server
    finally:
        server.stop()


def test_a_script_name_header_cannot_reroute_a_page(served: Served) -> None:
    topics = requests.get(f"{served.url}/topics/", timeout=30)
    poisoned = requests.get(f"{served.url}/topics/", headers={"SCRIPT_NAME": "/topics"},
                            timeout=30)
    assert poisoned.text == topics.text, "the header is not believed"
    again = requests.get(f"{served.url}/topics/", timeout=30)
    assert again.text == topics.text, "nor was a page stored under its name"
    home = requests.get(f"{served.url}/", timeout=30)
    assert again.text != home.text


def _slow_connections(served: Served, count: int, body: bool) -> list[socket.socket]:
    """``count`` connections each holding a request half sent: a head without its end, or
    a head announcing a body of which only a little came."""
    held = []
    for n in range(count):
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        if body:
            sock.sendall(b"POST /api/statements HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/json\r\nContent-Length: 100000\r\n\r\n{\"id\": ")
        else:
            sock.sendall(f"GET /?slow={n} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
        held.append(sock)
    return held


@pytest.mark.parametrize("body", [False, True], ids=["slow-heads", "slow-bodies"])
def test_slow_clients_do_not_take_the_server(served: Served, body: bool) -> None:
    held = _slow_connections(served, 3 * THREADS, body)
    try:
        for _ in range(3):  # the held connections keep trickling meanwhile
            for sock in held:
                sock.sendall(b"a")
            response = requests.get(f"{served.url}/topics/", timeout=15)
            assert response.status_code == 200
        answered = requests.get(f"{served.url}/api/search", params={"q": "council"}, timeout=15)
        assert answered.status_code == 200
    finally:
        for sock in held:
            sock.close()
