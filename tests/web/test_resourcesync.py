"""ResourceSync: the `resync` client (2.0.1) copies the statements from a live server with a
baseline sync, then keeps its copy exact with an incremental sync driven by the change
lists while records are added, edited, deleted and restored in between.

With pages of two entries (``RESOURCESYNC_PAGE_SIZE``) the resource list and the change
list are indexes of several pages, as a large archive's are; resync 2.0.1 reads a
resource-list index itself but not a change-list index, so the incremental sync is run on
each change-list page the index names, in order (its documented ``change_list_uri``, and
``--ignore-failures`` for a resource created on one page and deleted on a later one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from rdflib import Graph
from rdflib.compare import isomorphic
from resync.capability_list import CapabilityList
from resync.change_list import ChangeList
from resync.client import Client
from resync.resource_list import ResourceList
from resync.source_description import SourceDescription

from tests.support import next_second, serving

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RS = "{http://www.openarchives.org/rs/terms/}"


def record(number: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"statement-{number}", "title": f"Statement number {number}",
            "issuer": "Water Rights Coalition", "date": "2019-03-22", "language": "en",
            **fields}


def open_source(make_app: Any, **config: Any) -> Iterator[tuple[Any, str]]:
    app = make_app([record(n) for n in range(1, 6)], **config)
    with serving(app) as root:
        yield app, root


@pytest.fixture
def source(make_app: Any) -> Iterator[tuple[Any, str]]:
    """Five statements created and one deleted, served with pages of two entries."""
    for app, root in open_source(make_app, RESOURCESYNC_PAGE_SIZE=2):
        app.extensions["archive"].delete("statement-4", agent="ann")
        yield app, root


@pytest.fixture(params=[2, None], ids=["pages-of-2", "one-page"])
def any_source(make_app: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    config = {"RESOURCESYNC_PAGE_SIZE": request.param} if request.param else {}
    yield from open_source(make_app, **config)


def locs(url: str) -> list[str]:
    return [loc.text for loc in etree.fromstring(requests.get(url, timeout=10).content)
            .iter(f"{SITEMAP}loc")]


def change_lists(root: str) -> list[str]:
    """The change list, or the pages its index names."""
    url = root + "resourcesync/changelist.xml"
    document = etree.fromstring(requests.get(url, timeout=10).content)
    if document.tag == f"{SITEMAP}sitemapindex":
        return [loc.text for loc in document.iter(f"{SITEMAP}loc")]
    return [url]


def server_copy(root: str, archive: Any) -> dict[str, bytes]:
    """Relative path → bytes of every current statement's synced resource, from the server."""
    found = {}
    for record_id in archive.record_ids():
        path = f"statements/{record_id}/graph.nt"
        response = requests.get(root + path, timeout=10)
        if response.status_code == 200:
            found[path] = response.content
    return found


def local_copy(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def sync_client(root: str, folder: Path, *, hashes: bool = True) -> Client:
    """A resync client copying ``root`` into ``folder``, checking MD5 and SHA-256 of what it
    downloads (not for an incremental sync: resync 2.0.1's ``incremental`` with hashes set
    calls ``ChangeList.hashes()``, which it lacks; the test compares digests itself)."""
    client = Client(hashes=["md5", "sha-256"] if hashes else None)
    client.set_mappings([root, str(folder)])
    return client


def test_discovery_from_the_source_description(source: tuple[Any, str]) -> None:
    """Source description → capability list → resource list and change list, with rel=up."""
    _, root = source
    description = SourceDescription()
    description.read(uri=root + ".well-known/resourcesync")
    capability_uri = description.uris()[0]
    assert capability_uri == root + "resourcesync/capabilitylist.xml"
    capabilities = CapabilityList()
    capabilities.read(uri=capability_uri)
    assert capabilities.link("up")["href"] == root + ".well-known/resourcesync"
    assert capabilities.capability_info("resourcelist").uri == \
        root + "resourcesync/resourcelist.xml"
    assert capabilities.capability_info("changelist").uri == \
        root + "resourcesync/changelist.xml"


def test_resource_list_index_pages_and_digests(source: tuple[Any, str]) -> None:
    _, root = source
    index = etree.fromstring(requests.get(root + "resourcesync/resourcelist.xml",
                                          timeout=10).content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    pages = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert pages == [f"{root}resourcesync/resourcelist-{n}.xml" for n in (1, 2, 3)]
    page = etree.fromstring(requests.get(pages[1], timeout=10).content)
    assert page.find(f"{RS}md").get("capability") == "resourcelist"
    assert {ln.get("rel"): ln.get("href") for ln in page.findall(f"{RS}ln")} == {
        "up": root + "resourcesync/capabilitylist.xml",
        "index": root + "resourcesync/resourcelist.xml"}
    assert [loc.text for loc in page.iter(f"{SITEMAP}loc")] == [
        f"{root}statements/statement-3/graph.nt"]  # statement-4 is deleted
    resources = ResourceList()
    resources.read(uri=root + "resourcesync/resourcelist.xml")
    assert len(resources) == 4
    for resource in resources:
        body = requests.get(resource.uri, timeout=10).content
        assert resource.length == len(body)
        assert resource.md5 == hashlib.md5(body).hexdigest()
        assert resource.sha256 == hashlib.sha256(body).hexdigest()
        assert resource.mime_type == "application/n-triples"
        assert resource.timestamp is not None
    assert requests.get(root + "resourcesync/resourcelist-4.xml", timeout=10).status_code \
        == 404


def test_change_list_pages_follow_the_change_log(source: tuple[Any, str]) -> None:
    app, root = source
    pages = change_lists(root)
    assert pages == [f"{root}resourcesync/changelist-{n}.xml" for n in (1, 2, 3)]
    changes = []
    for page in pages:
        listed = ChangeList()
        listed.read(uri=page)
        changes += [(r.uri.rsplit("/", 2)[-2], r.change) for r in listed]
        assert all(r.datetime is not None and r.datetime == r.lastmod for r in listed)
    assert changes == [*((f"statement-{n}", "created") for n in range(1, 6)),
                       ("statement-4", "deleted")]
    documents = [etree.fromstring(requests.get(page, timeout=10).content) for page in pages]
    rels = [{ln.get("rel"): ln.get("href") for ln in page.findall(f"{RS}ln")}
            for page in documents]
    assert "prev" not in rels[0] and rels[0]["next"] == pages[1]
    assert rels[1]["prev"] == pages[0] and rels[1]["next"] == pages[2]
    assert rels[2]["prev"] == pages[1] and "next" not in rels[2]
    assert all(r["up"] == root + "resourcesync/capabilitylist.xml" for r in rels)
    assert all(r["index"] == root + "resourcesync/changelist.xml" for r in rels)
    assert all(page.find(f"{RS}md").get("until") for page in documents)  # all three full
    app.extensions["archive"].save([record(6)], agent="ann")
    fourth = etree.fromstring(requests.get(f"{root}resourcesync/changelist-4.xml",
                                           timeout=10).content)
    assert fourth.find(f"{RS}md").get("until") is None  # open: more changes will join it
    assert fourth.find(f"{RS}md").get("from") == documents[2].find(f"{RS}md").get("until")


def test_one_page_is_a_plain_change_list(make_app: Any) -> None:
    app = make_app([record(1)])
    response = app.test_client().get("/resourcesync/changelist.xml")
    document = etree.fromstring(response.data)
    assert document.tag == f"{SITEMAP}urlset"
    assert document.find(f"{RS}md").get("capability") == "changelist"
    assert document.find(f"{RS}md").get("until") is None
    assert app.test_client().get("/resourcesync/changelist-1.xml").status_code == 404


def test_resync_baseline_then_incremental_keeps_an_exact_copy(
        any_source: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, root = any_source
    archive = app.extensions["archive"]
    archive.delete("statement-4", agent="ann")
    monkeypatch.chdir(tmp_path)  # resync keeps its state file in the working folder
    folder = tmp_path / "copy"
    next_second()  # the baseline comes after the writes before it, as it would in life
    listed = ResourceList()
    listed.read(uri=root + "resourcesync/resourcelist.xml")
    since = listed.md_at  # the incremental sync starts where the baseline's list stood
    sync_client(root, folder).baseline_or_audit(allow_deletion=True)
    assert local_copy(folder) == server_copy(root, archive)
    assert len(local_copy(folder)) == 4

    archive.save([record(7), record(8)], agent="ann")                    # added
    archive.save([record(2, title="Statement two, corrected")], agent="ann",
                 replace=True)                                           # edited
    archive.delete("statement-3", agent="ann")                           # deleted
    archive.restore("statement-4", 1, agent="ann")                       # restored
    archive.save([record(9)], agent="ann")
    archive.delete("statement-9", agent="ann")                           # come and gone

    capabilities = CapabilityList()
    capabilities.read(uri=root + "resourcesync/capabilitylist.xml")
    assert capabilities.capability_info("changelist").uri == \
        root + "resourcesync/changelist.xml"
    pages = change_lists(root)
    for page in pages:
        client = sync_client(root, folder, hashes=False)
        # A page may create a resource that a later page deletes (statement-9): its GET is
        # 410 by now, and resync's --ignore-failures goes on to the page that deletes it.
        client.ignore_failures = len(pages) > 1
        client.incremental(allow_deletion=True, change_list_uri=page, from_datetime=since)
    copy = local_copy(folder)
    assert copy == server_copy(root, archive)
    assert sorted(copy) == [f"statements/statement-{n}/graph.nt" for n in (1, 2, 4, 5, 7, 8)]
    assert "Statement two, corrected" in copy["statements/statement-2/graph.nt"].decode()
    resources = ResourceList()
    resources.read(uri=root + "resourcesync/resourcelist.xml")
    assert {r.uri[len(root):]: r.sha256 for r in resources} == {
        path: hashlib.sha256(body).hexdigest() for path, body in copy.items()}


def test_synced_resource_of_a_deleted_or_unknown_statement(source: tuple[Any, str]) -> None:
    _, root = source
    assert requests.get(root + "statements/statement-4/graph.nt", timeout=10).status_code \
        == 410
    assert requests.get(root + "statements/nothing/graph.nt", timeout=10).status_code == 404
    first = requests.get(root + "statements/statement-1/graph.nt", timeout=10)
    assert first.headers["Content-Type"].startswith("application/n-triples")
    again = requests.get(root + "statements/statement-1/graph.nt", timeout=10,
                         headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_synced_resource_is_the_statement_graph_in_n_triples(make_app: Any) -> None:
    """Parsed as N-Triples it is the statement's named graph exactly, escapes and all."""
    text = 'He said "water\\is life".\n\nÉté\tçà 水 \u200b end'
    app = make_app([record(1, text=text, title="L’eau « pour tous »")])
    archive = app.extensions["archive"]
    response = app.test_client().get("/statements/statement-1/graph.nt")
    parsed = Graph().parse(data=response.get_data(as_text=True), format="nt")
    stored = archive.store.graph(archive.uris.statement("statement-1"))
    assert isomorphic(parsed, stored)
    assert response.get_data(as_text=True).splitlines() == sorted(
        response.get_data(as_text=True).splitlines())
