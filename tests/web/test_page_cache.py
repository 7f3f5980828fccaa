"""The response cache of anonymous pages (web/page_cache.py) through the real app: pages come
back from memory until a write moves the change log, signed-in readers never share them,
each representation keeps its own entry, conditional requests still answer 304, and the
cache stays inside its budget."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Response

from tests.support import open_app
from web.page_cache import Entry, PageCache, storable

SEED = "us-human-rights-cities-alliance-2018-06-22"
OTHER = "ushrn-2018-06-21-statement-us-withdrawal-hrc"
HTML = {"Accept": "text/html"}
PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(make_app: Any, sample_statements: list[dict[str, Any]]) -> Any:
    return make_app(sample_statements)


def cache_of(app: Any) -> PageCache:
    return app.extensions["page_cache"]


def editor_headers(app: Any) -> dict[str, str]:
    """Bearer-token headers of a new editor (the write API)."""
    return {"Authorization": f"Bearer {app.extensions['auth'].create_token('ed', 'editor')[1]}"}


def sign_in(app: Any, client: Any) -> None:
    app.extensions["auth"].create_account("archivist", "editor", PASSWORD)
    form = client.get("/signin", headers=HTML).get_data(as_text=True)
    response = client.post("/signin", data={"username": "archivist", "password": PASSWORD,
                                            "csrf_token": _CSRF.search(form).group(1)})
    assert response.status_code == 302


def test_a_page_is_served_again_from_the_cache(app: Any) -> None:
    client, cache = app.test_client(), cache_of(app)
    first = client.get(f"/statements/{SEED}", headers=HTML)
    assert first.status_code == 200 and len(cache) == 1
    hits = cache.hits
    again = client.get(f"/statements/{SEED}", headers=HTML)
    assert cache.hits == hits + 1
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["Vary"] == first.headers["Vary"]


def test_search_pages_are_cached_too(app: Any) -> None:
    client, cache = app.test_client(), cache_of(app)
    first = client.get("/search?q=council", headers=HTML)
    hits = cache.hits
    assert client.get("/search?q=council", headers=HTML).data == first.data
    assert client.get("/search?q=withdrawal", headers=HTML).data != first.data
    assert cache.hits == hits + 1


def test_an_edit_through_the_api_shows_on_the_next_request(app: Any) -> None:
    client = app.test_client()
    before = client.get(f"/statements/{SEED}", headers=HTML).get_data(as_text=True)
    client.get(f"/statements/{SEED}", headers=HTML)  # now served from the cache
    assert "A title changed through the API" not in before
    current = client.get(f"/api/statements/{SEED}")
    record = {**current.get_json(), "title": "A title changed through the API"}
    record.pop("uri", None)
    edited = client.put(f"/api/statements/{SEED}", json=record,
                        headers={**editor_headers(app), "If-Match": current.headers["ETag"]})
    assert edited.status_code == 200, edited.get_json()
    after = client.get(f"/statements/{SEED}", headers=HTML).get_data(as_text=True)
    assert "A title changed through the API" in after
    found = client.get("/search?q=changed+through", headers=HTML).get_data(as_text=True)
    assert f"/statements/{SEED}" in found


def test_a_new_statement_appears_in_a_cached_search(app: Any,
                                                    sample_statements: list[dict]) -> None:
    client = app.test_client()
    empty = client.get("/search?q=zanzibarian", headers=HTML).get_data(as_text=True)
    assert "/statements/cache-new" not in empty
    client.get("/search?q=zanzibarian", headers=HTML)
    new = {**sample_statements[0], "id": "cache-new", "title": "Zanzibarian water rights"}
    created = client.post("/api/statements", json=new, headers=editor_headers(app))
    assert created.status_code == 201, created.get_json()
    found = client.get("/search?q=zanzibarian", headers=HTML).get_data(as_text=True)
    assert "/statements/cache-new" in found


def test_a_deleted_statement_is_not_served_from_the_cache(app: Any) -> None:
    client = app.test_client()
    for _ in range(2):
        assert client.get(f"/statements/{OTHER}", headers=HTML).status_code == 200
    tag = client.get(f"/api/statements/{OTHER}").headers["ETag"]
    deleted = client.delete(f"/api/statements/{OTHER}",
                            headers={**editor_headers(app), "If-Match": tag})
    assert deleted.status_code in (200, 204)
    assert client.get(f"/statements/{OTHER}", headers=HTML).status_code == 410


def test_signed_in_readers_get_their_own_pages_and_never_fill_the_cache(app: Any) -> None:
    anonymous, archivist = app.test_client(), app.test_client()
    plain = anonymous.get(f"/statements/{SEED}", headers=HTML).get_data(as_text=True)
    assert "Sign in" in plain and f'href="/edit/{SEED}"' not in plain
    sign_in(app, archivist)
    cache = cache_of(app)
    entries, hits = len(cache), cache.hits
    own = archivist.get(f"/statements/{SEED}", headers=HTML).get_data(as_text=True)
    assert f'href="/edit/{SEED}"' in own and "Sign out" in own and 'name="csrf_token"' in own
    archivist.get(f"/statements/{OTHER}", headers=HTML)
    assert (len(cache), cache.hits) == (entries, hits)
    later = anonymous.get(f"/statements/{OTHER}", headers=HTML).get_data(as_text=True)
    assert "Sign out" not in later and 'name="csrf_token"' not in later


def test_bearer_token_requests_bypass_the_cache(app: Any) -> None:
    client, cache = app.test_client(), cache_of(app)
    headers = {**HTML, **editor_headers(app)}
    page = client.get(f"/statements/{SEED}", headers=headers).get_data(as_text=True)
    assert "Sign out" in page and len(cache) == 0


def test_each_representation_has_its_own_entry(app: Any) -> None:
    client = app.test_client()
    html = client.get(f"/statements/{SEED}", headers=HTML)
    turtle = client.get(f"/statements/{SEED}", headers={"Accept": "text/turtle"})
    jsonld = client.get(f"/statements/{SEED}", headers={"Accept": "application/ld+json"})
    assert html.mimetype == "text/html" and turtle.mimetype == "text/turtle"
    assert jsonld.mimetype == "application/ld+json"
    assert len({html.data, turtle.data, jsonld.data}) == 3
    hits = cache_of(app).hits
    again = client.get(f"/statements/{SEED}", headers={"Accept": "text/turtle"})
    assert (again.mimetype, again.data) == ("text/turtle", turtle.data)
    assert client.get(f"/statements/{SEED}", headers=HTML).data == html.data
    assert cache_of(app).hits == hits + 2


def test_conditional_requests_still_answer_304(app: Any) -> None:
    client = app.test_client()
    first = client.get(f"/statements/{SEED}", headers=HTML)
    hits = cache_of(app).hits
    tag = first.headers["ETag"]
    again = client.get(f"/statements/{SEED}", headers={**HTML, "If-None-Match": tag})
    assert again.status_code == 304 and not again.data
    assert again.headers["ETag"] == tag
    assert cache_of(app).hits == hits + 1
    since = client.get(f"/statements/{SEED}", headers={
        **HTML, "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_head_is_answered_from_a_cached_get(app: Any) -> None:
    client = app.test_client()
    page = client.get(f"/statements/{SEED}", headers=HTML)
    hits = cache_of(app).hits
    head = client.head(f"/statements/{SEED}", headers=HTML)
    assert head.status_code == 200 and not head.data
    assert head.headers["Content-Length"] == page.headers["Content-Length"]
    assert cache_of(app).hits == hits + 1


def test_errors_and_uncached_endpoints_are_not_stored(app: Any) -> None:
    client = app.test_client()
    assert client.get("/statements/no-such-statement", headers=HTML).status_code == 404
    assert client.get(f"/api/statements/{SEED}").status_code == 200
    assert client.get("/vocab/context.jsonld").status_code == 200
    assert len(cache_of(app)) == 0


def test_the_cache_stays_within_its_budget(make_app: Any,
                                           sample_statements: list[dict[str, Any]]) -> None:
    app = make_app(sample_statements, PAGE_CACHE_ENTRIES=3)
    client, cache = app.test_client(), cache_of(app)
    for record in sample_statements:
        for accept in ("text/html", "text/turtle"):
            assert client.get(f"/statements/{record['id']}",
                              headers={"Accept": accept}).status_code == 200
            assert len(cache) <= 3
    assert len(cache) == 3
    page = client.get(f"/statements/{SEED}", headers=HTML)
    budget = len(page.data) * 2
    small = make_app(sample_statements, PAGE_CACHE_BYTES=budget)
    client, cache = small.test_client(), cache_of(small)
    for record in sample_statements:
        client.get(f"/statements/{record['id']}", headers=HTML)
        assert 0 < cache.bytes <= budget
    assert len(cache) < len(sample_statements)


def test_the_cache_can_be_turned_off(make_app: Any,
                                     sample_statements: list[dict[str, Any]]) -> None:
    app = make_app(sample_statements, PAGE_CACHE=False)
    client = app.test_client()
    assert "page_cache" not in app.extensions
    assert client.get(f"/statements/{SEED}", headers=HTML).status_code == 200


def test_responses_that_set_cookies_or_are_private_are_never_stored() -> None:
    assert storable(Response("x", headers={"Vary": "Accept, Cookie"}))
    assert not storable(Response("x", headers={"Set-Cookie": "session=1"}))
    assert not storable(Response("x", headers=[("Set-Cookie", "lang=fr"),
                                               ("Set-Cookie", "session=1")]))
    assert storable(Response("x", headers={"Set-Cookie": "lang=fr; Path=/"}))
    assert not storable(Response("x", headers={"Cache-Control": "private"}))
    assert not storable(Response("x", headers={"Cache-Control": "no-store"}))
    assert not storable(Response("x", headers={"Vary": "*"}))
    assert not storable(Response("x", headers={"Vary": "Accept, User-Agent"}))
    assert not storable(Response("x", status=404))


def test_entries_are_keyed_by_url_and_headers_and_dropped_when_the_log_moves() -> None:
    cache = PageCache(10, 10_000)
    entry = Entry(200, (("Content-Type", "text/html"),), b"<p>page</p>")
    html, turtle = (PageCache.key("http://x/a", {"accept": accept})
                    for accept in ("text/html", "text/turtle"))
    assert cache.get((1,), html) is None
    assert cache.put((1,), html, entry)
    assert cache.get((1,), html) == entry and cache.bytes == entry.cost(html) > entry.size
    assert cache.get((1,), turtle) is None
    assert cache.get((1,), PageCache.key("http://x/b", {"accept": "text/html"})) is None
    assert cache.get((2,), html) is None  # the log moved: everything went
    assert len(cache) == 0 and cache.bytes == 0
    assert not cache.put((1,), html, entry)  # computed at the old position: not kept


def test_a_write_by_another_process_on_a_shared_store_shows_at_once(
        make_app: Any, virtuoso_server: Any, sample_statements: list[dict[str, Any]],
        tmp_path: Any) -> None:
    """Two web processes over one Virtuoso: a page the second has cached changes as soon as
    the first writes, and its search pages (whose index catches up per request) are never
    kept."""
    writer = make_app(sample_statements, backend="virtuoso").extensions["archive"]
    with open_app(tmp_path / "reader", store=virtuoso_server.url, BASE_URI=writer.base
                  ) as reader:
        client, cache = reader.test_client(), cache_of(reader)
        for _ in range(2):
            page = client.get(f"/statements/{SEED}", headers=HTML).get_data(as_text=True)
        assert cache.hits == 1 and "Written by the other process" not in page
        record = {**next(r for r in sample_statements if r["id"] == SEED),
                  "title": "Written by the other process"}
        writer.save([record], agent="test", replace=True)
        page = client.get(f"/statements/{SEED}", headers=HTML).get_data(as_text=True)
        assert "Written by the other process" in page
        entries = len(cache)
        found = client.get("/search?q=written+other+process", headers=HTML)
        assert f"/statements/{SEED}" in found.get_data(as_text=True)
        assert len(cache) == entries
        reader.extensions["index"].close()
