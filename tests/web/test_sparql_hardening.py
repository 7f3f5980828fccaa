"""Hostile SPARQL: the endpoint's share of the hostile catalogue (tests/archive/test_hostile.py).

Each case is refused with a clear answer, or contained, and the server goes on answering:

- SERVICE (SSRF) in every spelling the grammar allows — escaped keywords, escapes and ``#``
  in earlier IRIs and strings, ``\\'`` in prefixed names, prefixed and variable service
  IRIs, SILENT, every query form, nested — by GET, POST form and direct POST, on the
  embedded store and on Virtuoso: 400, and a loopback listener is never reached; engine
  functions (Virtuoso's ``bif:``) likewise;
- the workers themselves cannot reach the network (seccomp / Landlock), whatever they run;
- memory bombs (doubling CONCATs, a cross-product ORDER BY): 503, the worker replaced,
  the next query answered;
- queries over SPARQL_MAX_QUERY_BYTES: 413 naming the limit;
- a client holding workers with slow queries: its next query waits briefly, then 503 with
  Retry-After, while other clients are served;
- formula cells in CSV/TSV downloads: neutralised;
- Accept with media-type parameters: matched.
"""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from tests.support import sample_module_app
from web.sparql_engine.lexer import PREFIXES
from web.sparql_engine.parsed import Refused, decode_escapes, parse


class Listener:
    """A loopback TCP server that counts the connections it gets (and answers like a
    SPARQL endpoint, so that a request that reached it would succeed)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.hits = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.hits += 1
            with connection:
                connection.recv(65536)
                body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-"
                                   b"results+json\r\nContent-Length: " + str(len(body)).encode()
                                   + b"\r\nConnection: close\r\n\r\n" + body)

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def hardened_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, request.param, SPARQL_TIMEOUT=20, SPARQL_CLIENT_QUERIES=1,
                           RATELIMIT_ENABLED=False) as app:
        yield app


def spellings(port: int) -> list[str]:
    """SERVICE calls to the listener, spelled every way the grammar reads as one."""
    far = f"http://127.0.0.1:{port}/sparql"
    group = "{ ?s ?p ?o }"
    return [
        f"SELECT * WHERE {{ SERVICE <{far}> {group} }}",
        f"SELECT * WHERE {{ SERV\\u0049CE <{far}> {group} }}",
        f"select * {{ \\U00000073ervice <{far}> {group} }}",
        f"SELECT * WHERE {{ BIND(<http://a/\\u0041#x> AS ?h) SERVICE <{far}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ BIND(ra:x\\' AS ?z) SERVICE <{far}> {group} FILTER(?z != 'q') }}",
        f'SELECT * WHERE {{ BIND("x\\u0022 AS ?q) SERVICE <{far}> {group} '
        f'BIND(\\u0022" AS ?r) }}',
        f"SELECT * WHERE {{ ?s <http://x/#p> ?o . SERVICE <{far}> {{ ?a ?b ?c }} }}",
        f'SELECT * WHERE {{ ?s ?p "# not a comment" . SERVICE <{far}> {{ ?a ?b ?c }} }}',
        f"PREFIX far: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE far:sparql {group} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{far}> {group} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{far}> }} SERVICE ?e {group} }}",
        f"SELECT * {{ OPTIONAL {{ SELECT * {{ SERVICE <{far}> {group} }} }} }}",
        f"SELECT * {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <{far}> {group} }} }}",
        f"ASK {{ SERVICE <{far}> {group} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{far}> {group} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{far}> {group} }}",
    ]


def send(client: Any, method: str, query: str, **extra: Any) -> Any:
    if method == "GET":
        return client.get("/sparql", query_string={"query": query}, **extra)
    if method == "form":
        return client.post("/sparql", data={"query": query}, **extra)
    return client.post("/sparql", data=query.encode(), content_type="application/sparql-query",
                       **extra)


@pytest.mark.parametrize("method", ["GET", "form", "direct"])
def test_service_in_every_spelling_is_refused_and_nothing_is_fetched(
        hardened_app: Any, listener: Listener, method: str) -> None:
    client = hardened_app.test_client()
    for query in spellings(listener.port):
        response = send(client, method, query)
        assert response.status_code == 400, (query, response.data)
        assert b"federated queries (SERVICE) are not allowed" in response.data, query
    assert listener.hits == 0


def test_escapes_that_spell_escapes_and_engine_functions_are_refused(
        hardened_app: Any, listener: Listener) -> None:
    client = hardened_app.test_client()
    far = f"http://127.0.0.1:{listener.port}/"
    hidden = f"SELECT * {{ # \\u005Cu000A SERVICE <{far}> {{ ?s ?p ?o }}\n}}"
    response = send(client, "GET", hidden)
    assert response.status_code == 400 and b"codepoint escape" in response.data
    for function in ("bif:http_get", "sql:x"):
        response = send(client, "form", f"SELECT (<{function}>('{far}') AS ?x) {{}}")
        assert response.status_code == 400, response.data
        assert f"the function <{function}> is not available".encode() in response.data
    assert listener.hits == 0
    # what stays allowed: XSD casts, escapes, '#' in IRIs, "SERVICE" in strings
    fine = ("SELECT (xsd:integer('7') AS ?n) ('caf\\u00E9' AS ?c) ('SERVICE <x> {}' AS ?t) "
            "WHERE { OPTIONAL { ?s <http://x/#p> ?o } }")
    response = send(client, "GET", fine, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    row = response.get_json()["results"]["bindings"][0]
    assert (row["n"]["value"], row["c"]["value"]) == ("7", "café")


def _in_guarded_process(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_a_sealed_worker_reaches_no_address_even_when_the_engine_is_told_to(
        listener: Listener) -> None:
    """Defence in depth, beneath the parse: Oxigraph's own HTTP client (Rust) gets no
    socket in a worker of the embedded store."""
    done = _in_guarded_process(f"""
        import socket, pyoxigraph as ox
        from web.sparql_engine import netguard
        print(netguard.guard(None))
        try:
            list(ox.Store().query("SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> "
                                  "{{ ?s ?p ?o }} }}"))
        except OSError as error:
            print("engine:", error)
        try:
            socket.create_connection(("127.0.0.1", {listener.port}))
        except PermissionError:
            print("socket: refused")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "seccomp"
    assert "socket: refused" in done.stdout
    assert listener.hits == 0


def test_a_worker_for_a_sparql_engine_reaches_the_engine_port_only(listener: Listener) -> None:
    engine = Listener()
    try:
        done = _in_guarded_process(f"""
            import socket
            from web.sparql_engine import netguard
            print(netguard.guard({engine.port}))
            socket.create_connection(("127.0.0.1", {engine.port})).close()
            print("engine: reached")
            try:
                socket.create_connection(("127.0.0.1", {listener.port}))
            except PermissionError:
                print("elsewhere: refused")
        """)
    finally:
        engine.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"landlock (TCP port {engine.port} only)",
                                        "engine: reached", "elsewhere: refused"]
    assert listener.hits == 0


def test_the_pool_workers_are_sealed(hardened_app: Any) -> None:
    client = hardened_app.test_client()
    assert send(client, "GET", "ASK {}").status_code == 200
    guards = {worker.guard for worker in hardened_app.extensions["sparql_pool"]._all
              if worker.ready}
    shared = hardened_app.extensions["archive"].store.shared
    assert guards and all(g.startswith("landlock") if shared else g == "seccomp"
                          for g in guards)


DOUBLING = ("SELECT (STRLEN(?x30) AS ?n) WHERE { BIND('" + "a" * 64 + "' AS ?x0) "
            + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30)) + " }")
CROSS_SORT = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


@pytest.fixture(scope="module")
def embedded_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, "oxigraph", SPARQL_TIMEOUT=60, SPARQL_WORKERS=1,
                           SPARQL_MAX_QUERY_BYTES=2000, SPARQL_QUEUE_WAIT=0.5,
                           RATELIMIT_ENABLED=False) as app:
        yield app


@pytest.mark.parametrize("query", [DOUBLING, CROSS_SORT], ids=["doubling-concat", "cross-sort"])
def test_a_memory_bomb_is_503_and_the_next_query_is_answered(embedded_app: Any,
                                                             query: str) -> None:
    client = embedded_app.test_client()
    pool = embedded_app.extensions["sparql_pool"]
    assert send(client, "GET", "ASK {}").status_code == 200
    before = {worker.process.pid for worker in pool._all}
    response = send(client, "GET", query)
    assert response.status_code == 503, response.data
    assert b"needed more memory than a query may use (1024 MB)" in response.data
    after = send(client, "GET", "ASK { ?s ?p ?o }",
                 headers={"Accept": "application/sparql-results+json"})
    assert after.status_code == 200 and after.get_json()["boolean"] is True
    assert not before & {worker.process.pid for worker in pool._all}, "the worker was replaced"


@pytest.mark.parametrize("method", ["GET", "form", "direct"])
def test_a_query_over_the_size_limit_is_413_naming_it(embedded_app: Any, method: str) -> None:
    client = embedded_app.test_client()
    padding = "# " + "x" * 2000 + "\n"
    response = send(client, method, padding + "ASK {}")
    assert response.status_code == 413, response.data
    assert b"2,000 bytes, SPARQL_MAX_QUERY_BYTES" in response.data
    assert send(client, method, "# " + "x" * 1900 + "\nASK {}").status_code == 200


def test_a_huge_form_body_is_413_before_it_is_parsed(embedded_app: Any) -> None:
    response = embedded_app.test_client().post(
        "/sparql", data=b"query=" + b"%41" * 5000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and b"SPARQL_MAX_QUERY_BYTES" in response.data


SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f FILTER(STRLEN(STR(?c)) > STRLEN(STR(?f))) }"


def _wait_until(condition: Any) -> None:
    event = threading.Event()
    for _ in range(3000):  # a minute at most: a synchronisation, not a timing assertion
        if condition():
            return
        event.wait(0.02)
    raise AssertionError("the slow query never started")


def test_one_query_per_client_then_503_with_retry_after(embedded_app: Any) -> None:
    """A client's second query waits SPARQL_QUEUE_WAIT for its first, then is refused;
    with the only worker taken, another client is told so too (not kept waiting 60 s)."""
    gate = embedded_app.extensions["sparql_gate"]
    pool = embedded_app.extensions["sparql_pool"]
    slow_client = embedded_app.test_client()
    other = embedded_app.test_client()
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.update(slow=send(slow_client, "GET", SLOW)))
    thread.start()
    try:
        _wait_until(lambda: gate.running("address:127.0.0.1") == 1 and pool._idle.empty())
        second = send(slow_client, "GET", "ASK {}")
        assert second.status_code == 503, second.data
        assert second.headers["Retry-After"] == "1"
        assert b"your previous query is still running" in second.data
        elsewhere = send(other, "GET", "ASK {}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert elsewhere.status_code == 503, elsewhere.data
        assert b"every query worker stayed busy for 0.5 s" in elsewhere.data
        assert elsewhere.headers["Retry-After"] == "1"
    finally:
        for worker in list(pool._all):  # end the slow query (as its time limit would)
            worker.process.kill()
        thread.join(60)
    assert outcome["slow"].status_code == 503
    assert send(slow_client, "GET", "ASK {}").status_code == 200


def test_clients_are_told_apart_by_token(embedded_app: Any) -> None:
    from web.sparql import client

    _, token = embedded_app.extensions["auth"].create_token("sparql-user", "reader")
    address = {"REMOTE_ADDR": "198.51.100.4"}
    with embedded_app.test_request_context("/sparql", environ_base=address,
                                           headers={"Authorization": f"Bearer {token}"}):
        assert client().startswith("token:")
    with embedded_app.test_request_context("/sparql", environ_base=address):
        assert client() == "address:198.51.100.4"


FORMULAS = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "+1+1", "-2", "@SUM(A1)",
            "\tTAB", "\rCR", "fine"]


def test_csv_and_tsv_downloads_neutralise_formula_cells(embedded_app: Any) -> None:
    client = embedded_app.test_client()
    values = " ".join('"' + v.replace("\t", "\\t").replace("\r", "\\r").replace('"', '\\"')
                      + '"' for v in FORMULAS)
    query = f"SELECT ?v WHERE {{ VALUES ?v {{ {values} }} }}"
    response = client.get("/sparql", query_string={"query": query, "format": "csv",
                                                   "download": "1"})
    assert response.status_code == 200, response.data
    cells = [row[0] for row in csv.reader(io.StringIO(response.get_data(as_text=True)))][1:]
    assert cells == ["'" + v if v != "fine" else v for v in FORMULAS]
    tsv = client.get("/sparql", query_string={"query": query, "format": "tsv"})
    lines = tsv.get_data(as_text=True).splitlines()[1:]
    assert all(line[1:2] not in ("=", "+", "-", "@") for line in lines), lines
    assert lines[0].startswith('"\\u003DHYPERLINK(')
    parsed = ox.parse_query_results(tsv.data, format=ox.QueryResultsFormat.TSV)
    assert [solution["v"].value for solution in parsed] == FORMULAS  # the same literals


@pytest.mark.parametrize(("accept", "query", "media"), [
    ("application/sparql-results+json; charset=utf-8", "ASK {}",
     "application/sparql-results+json"),
    ("text/csv; header=present", "SELECT (1 AS ?x) {}", "text/csv"),
    ("text/turtle; charset=utf-8", "CONSTRUCT { <a> <b> 'c' } WHERE {}", "text/turtle"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
     "CONSTRUCT { <a> <b> 'c' } WHERE {}", "application/ld+json"),
    ("text/html;level=1, */*;q=0.1", "ASK {}", "text/html"),
    ("text/csv;q=0.5, application/sparql-results+xml;charset=utf-8;q=0.9",
     "SELECT (1 AS ?x) {}", "application/sparql-results+xml"),
])
def test_accept_with_media_type_parameters_matches(embedded_app: Any, accept: str, query: str,
                                                   media: str) -> None:
    response = embedded_app.test_client().get("/sparql", query_string={"query": query},
                                              headers={"Accept": accept})
    assert response.status_code == 200, response.data
    assert response.mimetype == media


def test_the_service_description_honours_accept_parameters(embedded_app: Any) -> None:
    response = embedded_app.test_client().get("/sparql",
                                              headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


@pytest.mark.parametrize(("raw", "decoded", "engine_value"), [
    ("SERV\\u0049CE", "SERVICE", "SERVICE"),
    ("\\U0001F600", "\U0001F600", "\U0001F600"),
    ("\\u00410042", "A0042", "A0042"),
    ("\\\\u0041", "\\\\u0041", "\\u0041"),  # an escaped backslash, then "u0041"
    ("\\uD800", "\\uD800", None),  # a surrogate names no character: kept as written
])
def test_escapes_decode_as_the_engine_decodes_them(raw: str, decoded: str,
                                                   engine_value: str | None) -> None:
    """The text checked is the text the engine reads: Oxigraph reads the same literal."""
    assert decode_escapes(raw) == decoded
    if engine_value is not None:
        for text in (raw, decoded):
            solution = next(iter(ox.Store().query(f"SELECT ?v {{ BIND('{text}' AS ?v) }}")))
            assert solution["v"].value == engine_value


def test_the_parse_answers_form_dataset_and_matches() -> None:
    parsed = parse("BASE <http://b/> PREFIX g: <http://g/> CONSTRUCT { ?s ?p ?o } "
                   "FROM <one> FROM NAMED g:two WHERE { ?s ra:matches 'x' . ?s ?p ?o }",
                   PREFIXES, "http://base/")
    assert (parsed.form, parsed.default_graphs, parsed.named_graphs, parsed.matches) == (
        "construct", ["http://b/one"], ["http://g/two"], 1)
    with pytest.raises(Refused) as update:
        parse("PREFIX x: <http://x/> INSERT DATA { x:a x:b x:c }", PREFIXES, "")
    assert update.value.status == 403
    with pytest.raises(SyntaxError):
        parse("SELECT * WHERE { ?s ?p }", PREFIXES, "")


def test_a_query_read_before_is_answered_from_its_parse_alike() -> None:
    """A worker keeps what it parsed: the same text gives the same reading, never a shared
    object a caller could change, and a refusal stays a refusal every time."""
    text = "PREFIX g: <http://g/> SELECT * FROM <one> WHERE { ?s ra:matches 'x' }"
    first = parse(text, PREFIXES, "http://base/")
    first.default_graphs.append("http://changed/")
    first.prefixes["g"] = "http://changed/"
    again = parse(text, PREFIXES, "http://base/")
    assert again.default_graphs == ["http://base/one"] and again.prefixes["g"] == "http://g/"
    assert (again.form, again.matches) == ("select", 1)
    assert parse(text, PREFIXES, "http://other/").default_graphs == ["http://other/one"]
    for _ in range(2):
        with pytest.raises(Refused) as refused:
            parse("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", PREFIXES, "")
        assert refused.value.status == 400
