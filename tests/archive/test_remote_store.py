"""The store contract on both backends (embedded Oxigraph, Virtuoso over SPARQL 1.1), the
migration between them, and two server processes kept in step through one Virtuoso."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from archive import Archive
from archive.errors import BadInput, Conflict, Gone
from archive.migrate import compare, migrate
from archive.remote_store import RemoteStore
from archive.store import open_store
from tests.support import SEED_ID, free_port, require_package
from vocab import RA

ROOT = Path(__file__).resolve().parents[2]
COMMAND = str(Path(sys.executable).with_name("rights-archive"))
FOLLOW_DEADLINE = 10.0  # seconds: the stated bound for a write to be found elsewhere


def _one(statements: list[dict[str, Any]], record_id: str = SEED_ID) -> dict[str, Any]:
    """One sample record on its own (links to other statements left out)."""
    record = copy.deepcopy(next(r for r in statements if r["id"] == record_id))
    record.pop("see_also", None)
    return record


def test_records_read_back_the_same_on_each_backend(make_archive, store_backend,
                                                    sample_statements):
    local = make_archive(sample_statements)
    archive = make_archive(sample_statements, backend=store_backend, base=None)
    assert sorted(archive.record_ids()) == sorted(local.record_ids())
    for record_id in local.record_ids():
        assert archive.record(record_id).to_json() == local.record(record_id).to_json()
    assert archive.last_sequence() == len(sample_statements)


def test_change_log_history_and_tombstones(make_archive, store_backend, sample_statements):
    archive = make_archive([_one(sample_statements)], backend=store_backend)
    changed = _one(sample_statements)
    changed["title"] = "A corrected title"
    archive.save([changed], agent="editor", replace=True)
    archive.delete(SEED_ID, agent="editor")
    with pytest.raises(Gone):
        archive.record(SEED_ID)
    archive.restore(SEED_ID, 1, agent="editor")
    kinds = [(c.sequence, c.kind, c.version) for c in archive.changes(after=0)]
    assert kinds == [(1, "create", 1), (2, "update", 2), (3, "delete", 3), (4, "restore", 4)]
    assert [v.kind for v in archive.history(SEED_ID)] == ["create", "update", "delete",
                                                          "restore"]
    assert archive.version_record(SEED_ID, 2).to_json()["title"] == "A corrected title"
    assert archive.record(SEED_ID).to_json()["title"] != "A corrected title"
    assert archive.known(SEED_ID) and archive.last_sequence() == 4


def test_the_change_log_is_read_a_window_at_a_time(make_archive, store_backend,
                                                   monkeypatch):
    """Windows of entries (500 per query; 3 here) join into the same gapless list."""
    from archive import changelog

    archive = make_archive(_okapis(0, 7), backend=store_backend)
    one_by_one = [changelog.read_change(archive.store, archive.uris, n) for n in range(1, 8)]
    monkeypatch.setattr(changelog, "WINDOW", 3)
    assert archive.changes(after=0) == one_by_one
    assert [c.sequence for c in archive.changes(after=2, limit=4)] == [3, 4, 5, 6]
    assert [c.record_id for c in archive.changes(after=5)] == ["lagging-okapi-5",
                                                               "lagging-okapi-6"]
    assert archive.changes(after=7) == [] and changelog.read_change(
        archive.store, archive.uris, 8) is None


def test_records_read_together_are_the_records_read_one_by_one(make_archive, store_backend,
                                                               sample_statements):
    """What the index reads in batches: the same states and records as one at a time,
    a deleted and an unknown id left out."""
    from archive.history import current_version

    archive = make_archive(sample_statements, backend=store_backend)
    gone = sample_statements[1]["id"]
    archive.delete(gone, agent="editor")
    ids = [*archive.record_ids(), gone, "never-stored"]
    one_by_one = {i: current_version(archive.store, archive.uris, i) for i in ids}
    states = archive.states(ids)
    assert states == {i: state for i, state in one_by_one.items() if state is not None}
    assert states[gone][1] == "delete" and "never-stored" not in states
    assert all(archive.state(i) == one_by_one[i] for i in ids)
    together = archive.records(ids)
    assert sorted(together) == sorted(archive.record_ids())
    for record_id, record in together.items():
        subject = archive.uris.statement(record_id)
        graph = archive.add_resources(archive.store.graph(subject))  # graph by graph
        assert isomorphic(archive.record_graph(record_id), graph)
        assert record.to_json() == archive.mapper.from_rdf(graph, subject).to_json()


def test_refused_batch_stores_nothing(make_archive, store_backend, sample_statements):
    archive = make_archive(backend=store_backend)
    bad = _one(sample_statements, sample_statements[1]["id"])
    bad["references"] = ["NOT-A-TREATY-XYZ"]
    with pytest.raises(BadInput):
        archive.save([_one(sample_statements), bad], agent="test")
    assert archive.last_sequence() == 0
    assert not archive.known(SEED_ID)
    assert list(archive.record_ids()) == []


def test_a_taken_sequence_number_refuses_the_whole_write(make_archive, sample_statements,
                                                         remote_store_url):
    """Two processes on one engine: a write whose change number was taken stores nothing."""
    archive = make_archive([_one(sample_statements)], backend="virtuoso")
    entry = archive.uris.change(1)
    graph = ox.NamedNode(str(archive.uris.statement("intruder")))
    write = [ox.Quad(ox.NamedNode(str(entry)), ox.NamedNode(str(RA.sequence)),
                     ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                     ox.NamedNode(str(archive.uris.changes))),
             ox.Quad(graph, ox.NamedNode(str(RA.text)), ox.Literal("should not be stored"),
                     graph)]
    with pytest.raises(Conflict):
        archive.store.apply(write)
    assert not archive.store.has_graph(URIRef(graph.value))
    assert archive.changes(after=0)[0].record_id == SEED_ID


def test_terms_survive_the_engine(make_archive, store_backend):
    """Languages, datatypes, escapes, astral characters and blank nodes come back as sent."""
    archive = make_archive(backend=store_backend)
    name = URIRef(archive.base + "places/terms-test")
    node = ox.NamedNode(str(name))
    objects = [ox.Literal('quote " backslash \\ newline\n tab\t ✓ 𝄞'),
               ox.Literal("Genève", language="fr"),
               ox.Literal("2018-06", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth")),
               ox.Literal("2018-06-22T10:00:00Z",
                          datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")),
               ox.BlankNode()]
    quads = [ox.Quad(node, ox.NamedNode(f"{archive.base}p{i}"), o, node)
             for i, o in enumerate(objects)]
    quads.append(ox.Quad(objects[-1], ox.NamedNode(f"{archive.base}q"), ox.Literal("x"), node))
    archive.store.apply(quads)
    reference = open_store(None)
    reference.apply(quads)
    assert isomorphic(archive.store.graph(name), reference.graph(name))
    assert Literal("Genève", lang="fr") in {o for _, _, o in archive.store.triples(name)}


def test_export_is_isomorphic_across_backends_and_migration_round_trips(
        make_archive, sample_statements, sample_records, remote_store_url, tmp_path):
    # the statements and a dozen speeches: more graphs than one migration batch (25)
    records = sample_statements + sample_records[len(sample_statements):][:12]
    embedded = make_archive(records)
    embedded.delete(SEED_ID, agent="test")
    remote = Archive(None, embedded.base, store=remote_store_url(embedded.base))
    back = Archive(tmp_path / "back", embedded.base, store=tmp_path / "back" / "store")
    try:
        there = migrate(embedded, remote)
        assert there.last_sequence == embedded.last_sequence() == len(records) + 1
        again = migrate(remote, back)
        assert again.graphs == there.graphs and again.quads == there.quads
        assert compare(embedded, back) == []
        assert len(back.store) == len(embedded.store) == there.quads
        assert back.changes(after=0) == embedded.changes(after=0)
        assert [v.kind for v in back.history(SEED_ID)] == ["create", "delete"]
        with pytest.raises(Gone):
            back.record(SEED_ID)
    finally:
        remote.close()
        back.close()


def test_migrating_into_a_store_with_records_is_refused(make_archive, sample_statements,
                                                       remote_store_url):
    source = make_archive(sample_statements)
    target = make_archive([_one(sample_statements)], backend="virtuoso")
    with pytest.raises(Exception, match="already holds records"):
        migrate(source, target)


def test_migrate_command_copies_to_virtuoso(make_archive, sample_statements, remote_store_url,
                                            tmp_path):
    source = make_archive(sample_statements, folder=tmp_path / "cli-source")
    url = remote_store_url(source.base)
    source.close()
    result = subprocess.run(
        [COMMAND, "--data", str(tmp_path / "cli-source"), "migrate",
         "--to", url], capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(),
        timeout=300)
    assert result.returncode == 0, result.stderr
    assert "verified isomorphic" in result.stdout
    copied = RemoteStore(url, prefix=source.base)
    assert sum(1 for g in copied.named_graphs() if "/statements/" in g) == len(sample_statements)


def test_pages_and_search_on_each_backend(make_app, store_backend, sample_statements):
    app = make_app(sample_statements, backend=store_backend)
    client = app.test_client()
    page = client.get(f"/statements/{SEED_ID}", headers={"Accept": "text/turtle"})
    assert page.status_code == 200
    assert SEED_ID.encode() in page.data
    found = client.get("/api/search?q=Human+Rights+Council").get_json()
    assert found["total"] == 12


def _okapis(first: int, count: int) -> list[dict[str, Any]]:
    return [{"id": f"lagging-okapi-{n}", "title": f"Okapi statement number {n}",
             "issuer": "Amnesty International", "date": "2021-03-04"}
            for n in range(first, first + count)]


def _found(client: Any) -> int:
    return client.get("/api/search", query_string={"q": "okapi"}).get_json()["total"]


def test_a_short_lag_is_made_up_before_the_request(make_app, tmp_path):
    """Another host's edit is found by the very next search here."""
    app = make_app(backend="virtuoso")
    other = Archive(tmp_path / "other", store=app.extensions["archive"].store.url)
    try:
        other.save(_okapis(0, 1), agent="other-host")
        assert _found(app.test_client()) == 1
    finally:
        other.close()


def test_a_long_lag_is_made_up_in_the_background(make_app, tmp_path):
    """Another host's import does not hold up this host's requests: they are answered from
    the index as it stands while a background thread catches up, in chunks."""
    from search.background import INLINE

    app = make_app(backend="virtuoso")
    client, index = app.test_client(), app.extensions["index"]
    follower = index.background
    other = Archive(tmp_path / "other", store=app.extensions["archive"].store.url)
    try:
        with index._write_lock:  # as if a catch-up were under way: the thread must wait
            other.save(_okapis(0, INLINE + 10), agent="other-host")
            health = client.get("/health")  # a balancer's check: keep readers away for now
            assert health.status_code == 503 and follower.running
            assert health.get_json()["status"] == "catching up"
            assert health.get_json()["index"]["behind"] == INLINE + 10
            assert _found(client) == 0  # answered at once, from the index as it stands
        deadline = time.monotonic() + 120
        while follower.running and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _found(client) == INLINE + 10
        assert client.get("/health").get_json()["status"] == "ok"
    finally:
        other.close()


# Two server processes sharing one Virtuoso ---------------------------------------------

def _serve(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [COMMAND, "--data", str(folder), "serve", "--host",
         "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=(folder.parent / f"{folder.name}.log").open("wb"))
    root = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(root + "api/search?q=x", timeout=120).ok:
                return process, root
        except requests.ConnectionError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError((folder.parent / f"{folder.name}.log").read_text()[-2000:])


@pytest.fixture
def two_servers(virtuoso_server, remote_store_url, tmp_path
                ) -> Iterator[tuple[str, str, str]]:
    url = remote_store_url("http://localhost:5000/")
    env = {**os.environ, **virtuoso_server.environment, "RIGHTS_ARCHIVE_STORE": url,
           "RIGHTS_ARCHIVE_PROXIES": "1"}  # as docs/deployment.md says, for the balancer
    env.pop("RIGHTS_ARCHIVE_DATA", None)
    subprocess.run([COMMAND, "--data", str(tmp_path / "one"), "create"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([COMMAND, "--data", str(tmp_path / "one"), "import",
                    str(ROOT / "archive" / "sample" / "statements.jsonl")],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    token = subprocess.run(
        [COMMAND, "--data", str(tmp_path / "one"), "token", "create",
         "--role", "editor", "--name", "two-servers"], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True, timeout=60).stdout.strip()
    processes = []
    try:
        one, root_one = _serve(tmp_path / "one", env)
        processes.append(one)
        two, root_two = _serve(tmp_path / "two", env)
        processes.append(two)
        yield root_one, root_two, token
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


def test_a_write_through_one_server_is_found_by_the_other(two_servers, sample_statements):
    root_one, root_two, token = two_servers
    record = _one(sample_statements)
    record["id"] = "scale-out-zebrafinch-statement"
    record["title"] = "Zebrafinch statement on the Council"
    assert requests.get(root_two + "api/search", params={"q": "zebrafinch"}).json()["total"] == 0
    written = requests.post(root_one + "api/statements", json=record, timeout=60,
                            headers={"Authorization": f"Bearer {token}"})
    assert written.status_code in (200, 201), written.text
    started = time.monotonic()
    found = None
    while time.monotonic() - started < FOLLOW_DEADLINE:
        answer = requests.get(root_two + "api/search", params={"q": "zebrafinch"}).json()
        if answer["total"]:
            found = answer
            break
        time.sleep(0.1)
    delay = time.monotonic() - started
    assert found is not None, f"not found through the other server within {FOLLOW_DEADLINE}s"
    assert found["results"][0]["id"] == "scale-out-zebrafinch-statement"
    print(f"\nfound through the second server {delay:.3f}s after the write was answered")


# The load balancer of docs/deployment.md in front of the two servers ---------------------

def _documented_nginx_block() -> str:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    return text.split("```nginx\n", 1)[1].split("```", 1)[0]


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    require_package(found is not None, "nginx")
    assert found is not None
    return found


@pytest.fixture
def balancer(two_servers, tmp_path) -> Iterator[tuple[str, str, str]]:
    """nginx with the documented configuration: ``(balancer root, second root, token)``."""
    nginx = _nginx()
    root_one, root_two, token = two_servers
    port = free_port()
    site = (_documented_nginx_block()
            .replace("127.0.0.1:8001", root_one.removeprefix("http://").rstrip("/"))
            .replace("127.0.0.1:8002", root_two.removeprefix("http://").rstrip("/"))
            .replace("listen 8080;", f"listen 127.0.0.1:{port};"))
    folder = tmp_path / "nginx"
    folder.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{\naccess_log {folder / 'access.log'};\n{temp}\n{site}\n}}\n")
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                "-g", "daemon off;"], stderr=subprocess.PIPE)
    root = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(root + "api/search?q=x", timeout=30)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {process.stderr.read()!r}"
                                       ) from None
                time.sleep(0.2)
        yield root, root_two, token
    finally:
        process.terminate()
        process.wait(15)


def test_the_documented_balancer_sends_writes_to_the_primary(balancer, sample_statements):
    root, root_two, token = balancer
    bearer = {"Authorization": f"Bearer {token}"}
    ids = []
    for number in range(4):  # round robin would send every other one to the second host
        record = _one(sample_statements)
        record["id"] = f"balanced-quokka-statement-{number}"
        record["title"] = f"Quokka statement number {number}"
        written = requests.post(root + "api/statements", json=record, headers=bearer,
                                timeout=60)
        assert written.status_code == 201, written.text
        ids.append(record["id"])
    assert requests.post(root_two + "api/statements", json=_one(sample_statements),
                         headers=bearer, timeout=60).status_code == 401
    started, seen = time.monotonic(), []
    while time.monotonic() - started < FOLLOW_DEADLINE and seen[-2:] != [4, 4]:
        seen.append(requests.get(root + "api/search", params={"q": "quokka"},
                                 timeout=60).json()["total"])
        time.sleep(0.1)
    assert seen[-2:] == [4, 4], seen  # two answers in a row: one from each host
    assert sorted(hit["id"] for hit in requests.get(
        root + "api/search", params={"q": "quokka"}, timeout=60).json()["results"]) == ids
