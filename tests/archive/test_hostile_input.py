"""The hostile catalogue, continued: files and bodies that try to reach out or blow up.

JSON-LD that names contexts to load (a loopback listener that must never be reached, a real
local file whose content must never show), gzip bombs, XML entity expansion, chunked bodies
past the size limit (through the real server, gunicorn), and uploads past each archivist's
limits. Each is refused with a specific message and leaves the archive as it was; the
catalogue's first part is tests/archive/test_hostile.py.
"""

from __future__ import annotations

import gzip
import http.client
import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive import Archive, changelog
from tests.support import free_port
from web.cli import cli

COMMAND = str(Path(sys.executable).with_name("rights-archive"))
RECORD = {"title": "Statement on the freedom of assembly", "issuer": "Amnesty International",
          "date": "2021-05-03", "type": "press statement"}
LOADING_REFUSED = "does not fetch a remote JSON-LD context"
SECRET = "very-secret-term-from-a-local-file"


def store_state(archive: Archive) -> tuple[int, int]:
    """Quad count and the change log's end, read from the store itself."""
    return len(archive.store), changelog.last_sequence(archive.store, archive.uris)


def folder_state(folder: Path) -> tuple[int, int]:
    with Archive(folder) as archive:
        return store_state(archive)


class Listener:
    """An HTTP server on a loopback port that records every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # answers a valid, empty context
                hits.append(self.path)
                body = b'{"@context": {}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    served = Listener()
    yield served
    served.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A real JSON-LD context on the disk, which no parse may read."""
    path = tmp_path / "secret-context.jsonld"
    path.write_text(json.dumps({"@context": {SECRET: "http://secret.example/"}}))
    return path


def statement_graph(record_id: str) -> list[dict[str, Any]]:
    """A valid statement as expanded JSON-LD (full IRIs), from a scratch archive."""
    with Archive(None) as scratch:
        scratch.save([{**RECORD, "id": record_id}], agent="test")
        text = scratch.record_graph(record_id).serialize(format="json-ld")
    return json.loads(text)


def loading_spellings(listener: str, secret: Path, missing: Path) -> dict[str, Any]:
    """Every place JSON-LD 1.1 names a context to load, each pointing somewhere."""
    other = "http://example.org/other"
    return {
        "remote @context": {"@context": f"{listener}/remote.jsonld"},
        "@context list": {"@context": [{"ex": "http://example.org/"},
                                       f"{listener}/in-a-list.jsonld"]},
        "@import": {"@context": {"@import": f"{listener}/import.jsonld"}},
        "scoped on a term": {"@context": {"linked": {"@id": "http://example.org/linked",
                                                     "@context": f"{listener}/term.jsonld"}},
                             "node": {"@id": other, "linked": {"@id": "http://example.org/o"}}},
        "scoped on a type": {"@context": {"Kind": {"@id": "http://example.org/Kind",
                                                   "@context": f"{listener}/type.jsonld"}},
                             "node": {"@id": other, "@type": "Kind"}},
        "@import in a scoped context": {
            "@context": {"linked": {"@id": "http://example.org/linked",
                                    "@context": {"@import": f"{listener}/nested.jsonld"}}},
            "node": {"@id": other, "linked": {"@id": "http://example.org/o"}}},
        "@context on a node": {"node": {"@id": other,
                                        "@context": f"{listener}/node.jsonld"}},
        "relative address": {"@context": "context.jsonld"},
        "file: that exists": {"@context": {"@import": secret.as_uri()}},
        "file: that does not": {"@context": {"@import": missing.as_uri()}},
    }


def hostile_jsonld(record_id: str, spelling: dict[str, Any]) -> str:
    """A document with a valid statement, and the spelling's context and extra node."""
    graph = statement_graph(record_id)
    if "node" in spelling:
        graph.append(spelling["node"])
    document: dict[str, Any] = {"@graph": graph}
    if "@context" in spelling:
        document = {"@context": spelling["@context"], **document}
    return json.dumps(document)


# JSON-LD never loads a document -----------------------------------------------------------

@pytest.fixture
def editor_app(make_app: Callable[..., Any]) -> Any:
    return make_app(RATELIMIT_ENABLED=False)


def bearer(app: Any, name: str = "hostile-input") -> dict[str, str]:
    _, token = app.extensions["auth"].create_token(name, "editor")
    return {"Authorization": f"Bearer {token}"}


def test_jsonld_through_the_api_loads_no_context(editor_app: Any, listener: Listener,
                                                 secret_file: Path, tmp_path: Path) -> None:
    archive, client, auth = editor_app.extensions["archive"], editor_app.test_client(), \
        bearer(editor_app)
    before = store_state(archive)
    missing = tmp_path / "no-such-context.jsonld"
    messages = {}
    for name, spelling in loading_spellings(listener.url, secret_file, missing).items():
        body = hostile_jsonld("hostile-jsonld", spelling)
        response = client.post("/api/statements", data=body, headers=auth,
                               content_type="application/ld+json")
        assert response.status_code == 422, (name, response.get_data(as_text=True))
        text = response.get_data(as_text=True)
        assert LOADING_REFUSED in text, (name, text)
        assert SECRET not in text and "No such file" not in text, name
        messages[name] = response.get_json()["problems"][0]["message"]
    assert listener.hits == [], "the listener was never reached"
    assert store_state(archive) == before
    exists = messages["file: that exists"].replace(repr(secret_file.as_uri()), "ADDRESS")
    absent = messages["file: that does not"].replace(repr(missing.as_uri()), "ADDRESS")
    assert exists == absent, "the message does not tell whether the file exists"


def test_jsonld_inline_contexts_still_work(editor_app: Any) -> None:
    client, auth = editor_app.test_client(), bearer(editor_app)
    context = {"dct": "http://purl.org/dc/terms/",
               "ex": {"@id": "http://example.org/", "@context": {"ex2": "http://e.org/"}}}
    body = json.dumps({"@context": context, "@graph": statement_graph("inline-context")})
    response = client.post("/api/statements", data=body, headers=auth,
                           content_type="application/ld+json")
    assert response.status_code == 201, response.get_json()


def upload(client: Any, auth: dict[str, str], name: str, data: bytes) -> Any:
    return client.post("/edit/upload", data={"file": (io.BytesIO(data), name)},
                       headers={**auth, "Accept": "text/html"},
                       content_type="multipart/form-data")


def upload_result(app: Any, auth: dict[str, str], response: Any) -> Any:
    """Follow an accepted upload until its job stops; the job."""
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    client = app.test_client()
    for _ in range(600):
        if not client.get(location + "/progress", headers=auth).get_json()["running"]:
            return app.extensions["uploads"].jobs[location.rsplit("/", 1)[1]]
        time.sleep(0.05)
    raise AssertionError("the upload did not finish")


def test_jsonld_upload_loads_no_context(editor_app: Any, listener: Listener,
                                        secret_file: Path, tmp_path: Path) -> None:
    archive, client, auth = editor_app.extensions["archive"], editor_app.test_client(), \
        bearer(editor_app)
    before = store_state(archive)
    spellings = loading_spellings(listener.url, secret_file, tmp_path / "missing.jsonld")
    for name in ("@import", "scoped on a term", "file: that exists"):
        data = hostile_jsonld("hostile-upload", spellings[name]).encode()
        for file_name, content in (("batch.jsonld", data), ("batch.jsonld.gz",
                                                            gzip.compress(data))):
            job = upload_result(editor_app, auth, upload(client, auth, file_name, content))
            assert job.state == "refused", (name, job.message)
            assert LOADING_REFUSED in job.problems[0]["message"], (name, job.problems)
            page = client.get(f"/edit/upload/{job.token}", headers={**auth, "Accept": "text/html"})
            assert LOADING_REFUSED in page.get_data(as_text=True)
            assert SECRET not in page.get_data(as_text=True)
    assert listener.hits == []
    assert store_state(archive) == before


def test_jsonld_cli_import_loads_no_context(listener: Listener, secret_file: Path,
                                            tmp_path: Path) -> None:
    folder = tmp_path / "data"
    spellings = loading_spellings(listener.url, secret_file, tmp_path / "missing.jsonld")
    runner = CliRunner()
    outputs = {}
    for name in ("@import", "@import in a scoped context", "file: that exists",
                 "file: that does not"):
        path = tmp_path / "import.jsonld"
        path.write_text(hostile_jsonld("hostile-cli", spellings[name]))
        result = runner.invoke(cli, ["--data", str(folder), "import", str(path)])
        assert result.exit_code != 0, (name, result.output)
        outputs[name] = str(result.exception)
        assert LOADING_REFUSED in outputs[name] and SECRET not in outputs[name], name
    assert listener.hits == []
    assert folder_state(folder)[1] == 0, "nothing was stored"
    assert outputs["file: that exists"].replace(repr(secret_file.as_uri()), "A") == \
        outputs["file: that does not"].replace(repr((tmp_path / "missing.jsonld").as_uri()), "A")


# Gzip bombs ---------------------------------------------------------------------------------

def gzip_bomb(unpacked_mib: int) -> bytes:
    """A valid JSON Lines record padded with ``unpacked_mib`` MiB of spaces, gzip-compressed
    (one member per MiB, as gzip allows: about 1 KB each)."""
    line = json.dumps({**RECORD, "id": "gzip-bomb"}).encode()
    member = gzip.compress(b" " * (1 << 20), 9)
    return gzip.compress(line) + member * unpacked_mib


#: ``rights-archive`` that reports its peak memory: the VmHWM of its own address space (the
#: rusage of a child also counts the parent's pages it was forked with).
PEAK_REPORTING = """
import atexit, sys
from web.cli import main
def peak():
    with open("/proc/self/status") as status:
        sys.stderr.write(next(line for line in status if line.startswith("VmHWM")))
atexit.register(peak)
sys.argv[0] = "rights-archive"
main()
"""


def test_gzip_bomb_through_the_cli_import_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip_bomb(256))  # 260 KB that unpack to 256 MiB
    folder = tmp_path / "data"
    cap = 16 * 1024 * 1024
    result = subprocess.run([sys.executable, "-c", PEAK_REPORTING, "--data", str(folder),
                             "import", str(bomb)], capture_output=True, text=True, check=False,
                            env={**os.environ, "RIGHTS_ARCHIVE_MAX_DECOMPRESSED": str(cap)})
    assert result.returncode == 2, result.stderr
    assert "decompresses to more than 16,777,216 bytes" in result.stderr
    assert "RIGHTS_ARCHIVE_MAX_DECOMPRESSED" in result.stderr
    peak_kib = int(result.stderr.rsplit("VmHWM:", 1)[1].split()[0])
    # the old whole-file gunzip peaked at 593 MB here; streaming stops at the cap
    assert peak_kib * 1024 < 256 * 1024 * 1024, f"{peak_kib // 1024} MiB"
    assert folder_state(folder)[1] == 0


def test_gzip_within_the_cap_imports_and_a_cut_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    runner = CliRunner()
    fine = tmp_path / "fine.jsonl.gz"
    fine.write_bytes(gzip_bomb(2))  # two members, 2 MiB unpacked: within a 3 MiB cap
    cap = {"RIGHTS_ARCHIVE_MAX_DECOMPRESSED": str(3 * 1024 * 1024)}
    result = runner.invoke(cli, ["--data", str(folder), "import", str(fine)], env=cap)
    assert result.exit_code == 0, result.output
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(json.dumps({**RECORD, "id": "cut"}).encode())[:-12])
    result = runner.invoke(cli, ["--data", str(folder), "import", str(cut)], env=cap)
    assert "not a complete gzip file" in str(result.exception)
    garbage = tmp_path / "garbage.jsonl.gz"
    garbage.write_bytes(b"this is not gzip at all")
    result = runner.invoke(cli, ["--data", str(folder), "import", str(garbage)], env=cap)
    assert "not a valid gzip file" in str(result.exception)
    assert folder_state(folder)[1] == 1


def test_gzip_bomb_upload_is_refused_with_the_limit(make_app: Callable[..., Any]) -> None:
    app = make_app(RATELIMIT_ENABLED=False, MAX_DECOMPRESSED=1_000_000)
    archive, client, auth = app.extensions["archive"], app.test_client(), bearer(app)
    before = store_state(archive)
    job = upload_result(app, auth, upload(client, auth, "bomb.jsonl.gz", gzip_bomb(64)))
    assert job.state == "refused"
    assert "decompresses to more than 1,000,000 bytes" in job.problems[0]["message"]
    assert not job.path.exists(), "a refused upload keeps no file"
    assert store_state(archive) == before


# XML entity expansion -------------------------------------------------------------------

RDF_XML = """<?xml version="1.0" encoding="utf-8"?>
{doctype}<rdf:RDF xmlns:dcterms="http://purl.org/dc/terms/"
   xmlns:ra="https://w3id.org/rights-archive/vocab#"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
   xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <ra:Statement rdf:about="http://localhost:5000/statements/xml-entities">
    <dcterms:identifier>xml-entities</dcterms:identifier>
    <dcterms:issued rdf:datatype="http://www.w3.org/2001/XMLSchema#date">2021-05-03</dcterms:issued>
    <dcterms:title xml:lang="en">Statement on the freedom of assembly</dcterms:title>
    <ra:text xml:lang="en">{text}</ra:text>
    <ra:issuer rdf:resource="http://localhost:5000/issuers/amnesty-international"/>
  </ra:Statement>
  <ra:Issuer rdf:about="http://localhost:5000/issuers/amnesty-international">
    <rdfs:label>Amnesty International</rdfs:label>
  </ra:Issuer>
</rdf:RDF>
"""
LAUGHS = ('<!DOCTYPE rdf:RDF [<!ENTITY l0 "ha">'
          + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 7)) + "]>\n")
EXTERNAL = '<!DOCTYPE rdf:RDF [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>\n'
PARAMETER = ('<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">'
             " %remote;]>\n")


@pytest.mark.parametrize(("doctype", "text"), [
    (LAUGHS, "&l5;"), (EXTERNAL, "&passwd;"), (PARAMETER, "plain"),
    ("<!DOCTYPE rdf:RDF>\n", "plain"),
], ids=["billion-laughs", "external-entity", "parameter-entity", "bare-doctype"])
def test_xml_doctype_is_refused_before_parsing(tmp_path: Path, make_app: Callable[..., Any],
                                               doctype: str, text: str) -> None:
    document = RDF_XML.format(doctype=doctype, text=text)  # 1.4 KB; &l5; is 200 KB of text
    path = tmp_path / "entities.rdf"
    path.write_text(document)
    folder = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data", str(folder), "import", str(path)])
    message = str(result.exception)
    assert "line 2" in message and "declares a document type" in message, message
    assert "root:" not in message and "haha" not in message
    assert folder_state(folder)[1] == 0
    app = make_app(RATELIMIT_ENABLED=False)
    client, auth = app.test_client(), bearer(app)
    job = upload_result(app, auth, upload(client, auth, "entities.rdf", document.encode()))
    assert job.state == "refused" and "declares a document type" in job.problems[0]["message"]


def test_rdf_xml_without_a_doctype_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "plain.rdf"
    path.write_text(RDF_XML.format(doctype="", text="Written out in full."))
    folder = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data", str(folder), "import", str(path)])
    assert result.exit_code == 0, result.output
    with Archive(folder) as archive:
        assert archive.record("xml-entities").to_json()["text"] == "Written out in full."


# Upload limits ------------------------------------------------------------------------------

def jsonl(record_id: str, padding: int = 0) -> bytes:
    return json.dumps({**RECORD, "id": record_id, "text": "x" * padding}).encode() + b"\n"


def test_forty_uploads_in_a_second_meet_the_pending_limit(make_app: Callable[..., Any]
                                                          ) -> None:
    app = make_app(RATELIMIT_UPLOAD="100 per minute")  # the default: 5 pending
    client, auth = app.test_client(), bearer(app)
    answers = [upload(client, auth, "batch.jsonl", jsonl(f"quota-{n}")) for n in range(40)]
    assert [a.status_code for a in answers] == [303] * 5 + [429] * 35
    refused = answers[-1].get_data(as_text=True).lower()
    assert "you have 5 uploads pending" in refused and "store or discard one" in refused
    folder = Path(app.config["DATA_DIR"]) / "uploads"
    assert len(list(folder.iterdir())) == 5, "a refused upload writes no file"
    page = client.get("/edit/upload", headers={**auth, "Accept": "text/html"})
    assert page.get_data(as_text=True).count("checked, waiting for you to store it") == 5
    other = bearer(app, "another-editor")
    assert upload(client, other, "batch.jsonl", jsonl("other")).status_code == 303
    first = answers[0].headers["Location"]
    assert client.post(first + "/discard", headers=auth).status_code == 303
    assert client.get(first, headers=auth).status_code == 404
    assert len(list(folder.iterdir())) == 5, "the discarded upload's file is gone"
    assert upload(client, auth, "batch.jsonl", jsonl("room")).status_code == 303


def test_uploads_past_the_rate_are_429_with_retry_after(make_app: Callable[..., Any]) -> None:
    app = make_app(UPLOAD_PENDING_MAX=100)  # the default rate: 10 per minute
    client, auth = app.test_client(), bearer(app)
    answers = [upload(client, auth, "a.jsonl", jsonl(f"rate-{n}")) for n in range(12)]
    assert [a.status_code for a in answers] == [303] * 10 + [429] * 2
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "at most 10 per minute for each archivist" in refused.get_data(as_text=True).lower()
    other = bearer(app, "another-editor")
    assert upload(client, other, "a.jsonl", jsonl("rate-other")).status_code == 303


def test_pending_upload_bytes_are_capped_with_413(make_app: Callable[..., Any]) -> None:
    app = make_app(RATELIMIT_ENABLED=False, UPLOAD_PENDING_BYTES=3_000)
    client, auth = app.test_client(), bearer(app)
    first = upload(client, auth, "a.jsonl", jsonl("bytes-1", 2_000))
    assert upload_result(app, auth, first).state == "checked"
    refused = upload(client, auth, "b.jsonl", jsonl("bytes-2", 2_000))
    assert refused.status_code == 413
    text = refused.get_data(as_text=True).lower()
    assert "more than an archivist may have pending (3,000 bytes)" in text
    stored = client.post(first.headers["Location"] + "/confirm", headers=auth)
    assert stored.status_code == 303
    assert upload_result(app, auth, stored).state == "stored"
    assert upload(client, auth, "b.jsonl", jsonl("bytes-2", 2_000)).status_code == 303


def test_one_sweeper_forgets_expired_uploads_without_a_new_upload(
        make_app: Callable[..., Any]) -> None:
    from web.uploads import KEEP_SECONDS

    app = make_app(RATELIMIT_ENABLED=False, UPLOAD_SWEEP_SECONDS=0.05)
    client, auth = app.test_client(), bearer(app)
    job = upload_result(app, auth, upload(client, auth, "a.jsonl", jsonl("swept")))
    assert job.state == "checked" and job.path.exists()
    job.created -= KEEP_SECONDS + 1
    jobs = app.extensions["uploads"].jobs
    for _ in range(400):
        if job.token not in jobs:
            break
        time.sleep(0.05)
    assert job.token not in jobs and not job.path.exists()


# Chunked bodies past the size limit, through the real servers -------------------------------

LIMIT = 200_000


class Gunicorn:
    """``rights-archive serve`` (gunicorn) over a new archive with an editor token."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        subprocess.run([COMMAND, "--data", str(folder), "create"], check=True,
                       capture_output=True)
        created = subprocess.run([COMMAND, "--data", str(folder), "token", "create", "--role",
                                  "editor", "--name", "chunked"], check=True,
                                 capture_output=True, text=True).stdout
        self.token = next(word for word in created.split() if word.startswith("ra_"))
        self.port = free_port()
        self.process = subprocess.Popen(
            [COMMAND, "--data", str(folder), "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **env})
        for _ in range(300):
            try:
                if self.request("GET", "/api/statements/none")[0] == 404:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("the server did not start")

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None, chunked: bool = False
                ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {},
                               encode_chunked=chunked)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(60)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    server = Gunicorn(tmp_path_factory.mktemp("chunked") / "data",
                      {"RIGHTS_ARCHIVE_MAX_CONTENT_LENGTH": str(LIMIT),
                       "RIGHTS_ARCHIVE_RATELIMIT_API": "1000 per minute"})
    yield server
    server.stop()


def statement_turtle(record_id: str) -> str:
    with Archive(None) as scratch:
        scratch.save([{**RECORD, "id": record_id}], agent="test")
        return scratch.record_graph(record_id).serialize(format="turtle")


def two_statements(size: int) -> bytes:
    """Turtle with a statement, a comment that pads the body to ``size`` bytes, and a second
    statement: cut anywhere in the comment, it is still valid Turtle with one statement."""
    first, second = statement_turtle("chunk-first"), statement_turtle("chunk-second")
    head, tail = (first + "\n# ").encode(), ("\n" + second).encode()
    return head + b"x" * (size - len(head) - len(tail)) + tail


def in_chunks(body: bytes, size: int = 16_384) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


def test_a_chunked_body_past_the_limit_is_413_not_cut_short(gunicorn: Gunicorn) -> None:
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {gunicorn.token}"}
    status, text = gunicorn.request("POST", "/api/statements", in_chunks(two_statements(
        LIMIT + 50_000)), headers, chunked=True)
    assert status == 413, text
    assert f"larger than this archive accepts ({LIMIT:,} bytes)" in text
    assert gunicorn.request("GET", "/api/statements/chunk-first")[0] == 404, \
        "nothing of the body was stored (the old reading stored the first statement: 201)"
    status, _ = gunicorn.request("POST", "/api/statements", two_statements(LIMIT + 50_000),
                                 headers)
    assert status == 413, "with Content-Length too"
    status, text = gunicorn.request("POST", "/api/statements", in_chunks(two_statements(LIMIT)),
                                    headers, chunked=True)
    assert status == 201, "a chunked body of exactly the limit is read whole"
    assert [s["id"] for s in json.loads(text)["saved"]] == ["chunk-first", "chunk-second"]


def test_a_chunked_upload_past_the_limit_is_413(gunicorn: Gunicorn) -> None:
    boundary = "hostile-boundary"
    content = jsonl("chunked-upload", LIMIT)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Authorization": f"Bearer {gunicorn.token}", "Accept": "application/json"}
    status, text = gunicorn.request("POST", "/edit/upload", in_chunks(body), headers,
                                    chunked=True)
    assert status == 413, text
    assert f"({LIMIT:,} bytes)" in text


def test_the_development_server_refuses_a_long_chunked_body_too(
        make_app: Callable[..., Any]) -> None:
    from tests.support import serving

    app = make_app(MAX_CONTENT_LENGTH=LIMIT, RATELIMIT_ENABLED=False)
    headers = {"Content-Type": "text/turtle", **bearer(app)}
    with serving(app) as url:
        connection = http.client.HTTPConnection(url.split("/")[2], timeout=60)
        connection.request("POST", "/api/statements", in_chunks(two_statements(LIMIT + 1)),
                           headers, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 413, response.read()
        connection.close()
    assert app.extensions["archive"].state("chunk-first") is None
