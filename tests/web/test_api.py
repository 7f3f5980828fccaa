"""The write API: create, edit, delete, restore over HTTP, in JSON, JSON-LD and Turtle, with
If-Match (412/428) and refusals (422), on the embedded store and on Virtuoso."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, Namespace, URIRef

from archive.settings import DEFAULT_BASE
from tests.support import SAMPLE, ApiEnv, api_new, api_records, serving

PROV = Namespace("http://www.w3.org/ns/prov#")


@pytest.fixture
def api_env(tmp_path: Path, store_backend: str, request: pytest.FixtureRequest
            ) -> Iterator[ApiEnv]:
    store = None if store_backend == "oxigraph" else \
        request.getfixturevalue("remote_store_url")(DEFAULT_BASE)
    env = ApiEnv(tmp_path / "data", store)
    yield env
    env.close()


def test_get_statement_answers_json_with_etag_and_304(api_env: ApiEnv) -> None:
    response = api_env.client.get("/api/statements/ushrn-2018-06-21-statement-us-withdrawal-hrc")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"ushrn-2018-06-21-statement-us-withdrawal-hrc-v1"'
    assert response.get_json()["id"] == "ushrn-2018-06-21-statement-us-withdrawal-hrc"
    again = api_env.client.get("/api/statements/ushrn-2018-06-21-statement-us-withdrawal-hrc",
                               headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_post_json_creates_with_location_and_prov_agent(api_env: ApiEnv) -> None:
    response = api_env.client.post("/api/statements", json=api_new(),
                                   headers=api_env.headers())
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/statements/api-new-statement")
    assert response.headers["ETag"] == '"api-new-statement-v1"'
    saved = response.get_json()["saved"][0]
    assert saved["uri"] == str(api_env.archive.uris.statement("api-new-statement"))
    assert api_env.archive.record("api-new-statement").to_json()["references"] == ["ICESCR"]
    history = api_env.archive.store.graph(api_env.archive.uris.history("api-new-statement"))
    agents = {str(o) for o in history.objects() if "editor-tester" in str(o)}
    assert agents, "the token's name is in the PROV history"
    assert api_env.archive.history("api-new-statement")[0].agent == "editor-tester"
    entry = api_env.auth.audit_log()[-1]
    assert (entry["agent"], entry["action"], entry["record_id"], entry["remote"]) == \
        ("editor-tester", "create", "api-new-statement", "127.0.0.1")


def test_post_list_is_all_or_nothing(api_env: ApiEnv) -> None:
    before = api_env.snapshot()
    bad = api_new("api-bad", date="31 February 2024")
    response = api_env.client.post("/api/statements", json=[api_new("api-good"), bad],
                                   headers=api_env.headers())
    assert response.status_code == 422
    assert any(p.get("record") == "api-bad" and p.get("key") == "date"
               for p in response.get_json()["problems"])
    assert api_env.snapshot() == before
    ok = api_env.client.post("/api/statements", json=[api_new("api-one"), api_new("api-two")],
                             headers=api_env.headers())
    assert ok.status_code == 201
    assert [s["id"] for s in ok.get_json()["saved"]] == ["api-one", "api-two"]


def test_post_turtle_and_jsonld(api_env: ApiEnv) -> None:
    api_env.client.post("/api/statements", json=api_new("api-source"),
                        headers=api_env.headers())
    graph = api_env.archive.record_graph("api-source")
    statement = api_env.archive.uris.statement("api-source")
    new_uri = URIRef(str(api_env.archive.uris.statement("api-from-turtle")))
    for s, p, o in list(graph.triples((statement, None, None))):
        graph.remove((s, p, o))
        graph.add((new_uri, p, Literal("api-from-turtle") if str(p).endswith("identifier")
                   else o))
    turtle = graph.serialize(format="turtle")
    created = api_env.client.post("/api/statements", data=turtle, content_type="text/turtle",
                                  headers=api_env.headers())
    assert created.status_code == 201, created.get_json()
    assert api_env.archive.record("api-from-turtle").title_text() == \
        "Statement on the right to water"
    jsonld_graph = api_env.archive.record_graph("api-from-turtle")
    renamed = URIRef(str(api_env.archive.uris.statement("api-from-jsonld")))
    for s, p, o in list(jsonld_graph.triples((new_uri, None, None))):
        jsonld_graph.remove((s, p, o))
        jsonld_graph.add((renamed, p, Literal("api-from-jsonld")
                          if str(p).endswith("identifier") else o))
    body = jsonld_graph.serialize(format="json-ld")
    created = api_env.client.post("/api/statements", data=body,
                                  content_type="application/ld+json", headers=api_env.headers())
    assert created.status_code == 201, created.get_json()
    assert api_env.archive.state("api-from-jsonld") == (1, "create")


def test_unsupported_media_type_is_415(api_env: ApiEnv) -> None:
    response = api_env.client.post("/api/statements", data="title=x",
                                   content_type="text/plain", headers=api_env.headers())
    assert response.status_code == 415
    assert "application/json" in response.get_json()["message"]


def test_put_needs_if_match_and_refuses_a_stale_one(api_env: ApiEnv) -> None:
    api_env.client.post("/api/statements", json=api_new(), headers=api_env.headers())
    url = "/api/statements/api-new-statement"
    edit = api_new(title="The right to water, revised")
    missing = api_env.client.put(url, json=edit, headers=api_env.headers())
    assert missing.status_code == 428
    first = api_env.client.put(url, json=edit,
                               headers=api_env.headers(**{"If-Match": '"api-new-statement-v1"'}))
    assert first.status_code == 200
    assert first.headers["ETag"] == '"api-new-statement-v2"'
    before = api_env.snapshot()
    stale = api_env.client.put(url, json=api_new(title="Someone else's edit"),
                               headers=api_env.headers(**{"If-Match": '"api-new-statement-v1"'}))
    assert stale.status_code == 412
    assert "version 2" in stale.get_json()["message"]
    assert api_env.snapshot() == before
    assert api_env.archive.record("api-new-statement").title_text() == \
        "The right to water, revised"
    other = api_env.client.put(url, json=edit, headers=api_env.headers(**{"If-Match": '"x-v2"'}))
    assert other.status_code == 412


def test_put_body_id_must_match_the_address(api_env: ApiEnv) -> None:
    api_env.client.post("/api/statements", json=api_new(), headers=api_env.headers())
    response = api_env.client.put(
        "/api/statements/api-new-statement", json=api_new("another-id"),
        headers=api_env.headers(**{"If-Match": '"api-new-statement-v1"'}))
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["key"] == "id"


def test_put_and_delete_of_unknown_statement_are_404(api_env: ApiEnv) -> None:
    headers = api_env.headers(**{"If-Match": '"nothing-here-v1"'})
    assert api_env.client.put("/api/statements/nothing-here", json=api_new("nothing-here"),
                              headers=headers).status_code == 404
    assert api_env.client.delete("/api/statements/nothing-here",
                                 headers=headers).status_code == 404


def test_delete_then_restore(api_env: ApiEnv) -> None:
    api_env.client.post("/api/statements", json=api_new(), headers=api_env.headers())
    url = "/api/statements/api-new-statement"
    assert api_env.client.delete(url, headers=api_env.headers()).status_code == 428
    deleted = api_env.client.delete(
        url, headers=api_env.headers(**{"If-Match": '"api-new-statement-v1"'}))
    assert deleted.status_code == 200
    assert api_env.client.get(url).status_code == 410
    restored = api_env.client.post(url + "/restore", json={"version": 1},
                                   headers=api_env.headers())
    assert restored.status_code == 200
    assert restored.headers["ETag"] == '"api-new-statement-v3"'
    assert api_env.client.get(url).get_json()["title"] == "Statement on the right to water"
    kinds = [v["kind"] for v in api_env.client.get(url + "/history").get_json()]
    assert kinds == ["create", "delete", "restore"]
    actions = [e["action"] for e in api_env.auth.audit_log()]
    assert actions == ["create", "delete", "restore"]


def test_restore_needs_a_version_number(api_env: ApiEnv) -> None:
    response = api_env.client.post("/api/statements/ushrn-2018-06-21-statement-us-withdrawal-hrc"
                                   "/restore", json={"version": "one"}, headers=api_env.headers())
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["key"] == "version"


def test_roles(api_env: ApiEnv) -> None:
    reader = api_env.client.post("/api/statements", json=api_new(),
                                 headers=api_env.headers("reader"))
    assert reader.status_code == 403
    assert "needs the role editor" in reader.get_json()["message"]
    assert api_env.client.get("/api/audit", headers=api_env.headers("editor")).status_code == 403
    api_env.client.post("/api/statements", json=api_new(), headers=api_env.headers("admin"))
    log = api_env.client.get("/api/audit", headers=api_env.headers("admin"))
    assert log.status_code == 200
    assert log.get_json()[-1]["agent"] == "admin-tester"


def test_session_writes_need_the_csrf_token(api_env: ApiEnv) -> None:
    """A signed-in browser may use the API only with the session's CSRF token."""
    api_env.auth.create_account("carla", "editor", "a long enough password")
    client = api_env.client
    page = client.get("/signin")
    token = _csrf_from(page.get_data(as_text=True))
    signed = client.post("/signin", data={"username": "carla",
                                          "password": "a long enough password",
                                          "csrf_token": token})
    assert signed.status_code == 302
    with client.session_transaction() as session:
        csrf = session["csrf_token"]
    refused = client.post("/api/statements", json=api_new())
    assert refused.status_code == 403
    assert "CSRF" in refused.get_json()["message"]
    done = client.post("/api/statements", json=api_new(), headers={"X-CSRF-Token": csrf})
    assert done.status_code == 201
    assert api_env.archive.history("api-new-statement")[0].agent == "carla"


def _csrf_from(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def test_the_curl_examples_in_docs_api_md_run(make_app: Any, store_backend: str,
                                              tmp_path: Path) -> None:
    """Every ``sh`` block of docs/api.md, in order, against a live server."""
    import os
    import re
    import shutil
    import subprocess
    import sys

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    app = make_app(api_records(), backend=store_backend, RATELIMIT_ENABLED=False)
    doc = (SAMPLE.parent.parent / "docs" / "api.md").read_text()
    script = "set -euo pipefail\n" + "\n".join(re.findall(r"```sh\n(.*?)```", doc, re.S))
    with serving(app) as url:
        env = {**os.environ, "ARCHIVE": url.rstrip("/"),
               "RIGHTS_ARCHIVE_DATA": str(app.config["DATA_DIR"]),
               **({"RIGHTS_ARCHIVE_STORE": app.extensions["archive"].store.url}
                  if store_backend == "virtuoso" else {}),
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, text=True,
                                capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "HTTP/1.1 201" in out and 'ETag: "water-network-2024-03-22-v2"' in out
    assert [line for line in out.splitlines() if re.fullmatch(r"\d{3}", line)] == \
        ["201", "412", "410"]
    assert '"kind":"restore"' in out.replace(" ", "")
    archive = app.extensions["archive"]
    assert [v.agent for v in archive.history("water-network-2024-03-22")] == \
        ["ana-lima-laptop"] * 4
    assert archive.record("water-network-2024-04-02").to_json()["type"] == "open letter"
