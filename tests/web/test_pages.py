"""The UI's pages through the Flask test client: home, search, browse, downloads, and the
archivists' forms (add with a validation error corrected, stale edits, suggestions, upload
preview before storing, delete and restore), all behind sign-in."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from archive.errors import Problem
from tests.support import open_app
from web.edit_form import plain
from web.search_views import safe_snippet

SEED = "us-human-rights-cities-alliance-2018-06-22"
HTML = {"Accept": "text/html"}
PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')



def pages_token(client: Any, url: str = "/signin") -> str:
    return _CSRF.search(client.get(url, headers=HTML).get_data(as_text=True)).group(1)


def pages_sign_in(app: Any, client: Any, role: str = "editor", name: str = "archivist") -> str:
    """Make an account with ``role``, sign in through the form; return the new CSRF token."""
    app.extensions["auth"].create_account(name, role, PASSWORD)
    response = client.post("/signin", data={"username": name, "password": PASSWORD,
                                            "csrf_token": pages_token(client)})
    assert response.status_code == 302
    return pages_token(client, "/about")


@pytest.fixture(scope="module")
def pages_app(tmp_path_factory: pytest.TempPathFactory,
              sample_records: list[dict[str, Any]]) -> Any:
    """One app over the whole sample for the read-only tests (building it takes seconds)."""
    with open_app(tmp_path_factory.mktemp("pages"), sample_records) as app:
        yield app


@pytest.fixture
def reader(pages_app: Any) -> Any:
    """A test client of the shared sample app, for tests that only read."""
    return pages_app.test_client()


@pytest.fixture
def app(make_app: Any, sample_statements: list[dict[str, Any]]) -> Any:
    """A fresh app over the seed statement and its responses, for tests that write."""
    return make_app(sample_statements)


@pytest.fixture
def editor(app: Any, client: Any) -> str:
    return pages_sign_in(app, client)


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


# Reading -----------------------------------------------------------------------------------

def test_home_shows_figures_timeline_newest_and_entry_points(reader: Any) -> None:
    page = text_of(reader.get("/"))
    assert 'role="search"' in page and "Newest statements" in page
    assert re.search(r"<strong>1\d\d</strong> statements", page)
    assert "<svg" in page and "Statements per year" in page
    for kind in ("treaties", "issuers", "events", "topics"):
        assert f'href="/{kind}/"' in page
    assert 'href="/search?treaty=UDHR"' in page  # the most cited treaty, with its count
    assert 'lang="en"' in page and 'href="#main"' in page and "/static/app.css" in page


def test_home_links_the_void_description_next_to_the_figures(reader: Any) -> None:
    doc = html.fromstring(reader.get("/").data)
    links = doc.xpath('//section[@class="figures"]//a[text()="Dataset description (VoID)"]')
    assert [a.get("href") for a in links] == ["/.well-known/void"]
    assert reader.get("/.well-known/void", headers={"Accept": "text/turtle"}).status_code == 200


def test_search_page_highlights_and_keeps_the_query_in_links(reader: Any) -> None:
    page = text_of(reader.get("/search?q=withdrawal&sort=-date"))
    assert "<mark>" in page
    assert 'value="withdrawal"' in page
    assert "/search.csv?q=withdrawal&amp;sort=-date" in page
    assert "/api/search?q=withdrawal&amp;sort=-date" in page


def test_facets_combine_and_remove_one_parameter_at_a_time(reader: Any) -> None:
    page = text_of(reader.get("/search?q=rights&type=press+statement"))
    assert 'class="chosen" aria-current="true"' in page
    combined = re.search(r'href="(/search\?q=rights&amp;type=press\+statement&amp;year=2018)"',
                         page)
    assert combined, "a year facet link keeps the query and the type filter"
    both = text_of(reader.get(combined.group(1).replace("&amp;", "&")))
    removal = re.search(r'<a href="(/search\?q=rights&amp;year=2018)"><span class="filter-name">'
                        r'Type:</span> press statement', both)
    assert removal, "the type filter's removal link keeps the rest"
    narrowed = reader.get("/api/search?q=rights&type=press+statement&year=2018").get_json()
    widened = reader.get("/api/search?q=rights&year=2018").get_json()
    assert 0 < narrowed["total"] < widened["total"]


def test_did_you_mean_and_bad_dates_are_explained(reader: Any) -> None:
    page = text_of(reader.get("/search?q=withdrawl"))
    assert "Did you mean" in page and "withdrawal" in page
    bad = reader.get("/search?from=June+31+2018", headers=HTML)
    assert bad.status_code == 400 and "This search cannot run" in text_of(bad)


def test_snippets_are_trusted_only_when_they_hold_escaped_text_and_marks() -> None:
    assert safe_snippet("a <mark>b</mark> &amp; c") == "a <mark>b</mark> &amp; c"
    hostile = safe_snippet('<mark>x</mark><img src=x onerror="alert(1)">')
    assert "<img" not in hostile and "&lt;img" in hostile
    assert "<mark>" not in safe_snippet("<mark>unclosed & raw")


def test_downloads_as_csv_and_json_hold_every_result(reader: Any) -> None:
    data = reader.get("/api/search?treaty=UDHR&page_size=5").get_json()
    assert {"total", "results", "facets", "suggestion"} <= set(data)
    response = reader.get("/search.csv?treaty=UDHR")
    assert response.mimetype == "text/csv" and "attachment" in response.headers[
        "Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text_of(response))))
    assert len(rows) == data["total"] > 20
    assert rows[0]["uri"].endswith("/statements/" + rows[0]["id"])


@pytest.mark.parametrize("kind,label", [("treaties", "Universal Declaration of Human Rights"),
                                        ("issuers", "Amnesty International"),
                                        ("events", "General Debate of the 73rd session"),
                                        ("topics", "peace and security")])
def test_browse_lists_link_things_and_their_statements(reader: Any, kind: str,
                                                       label: str) -> None:
    page = text_of(reader.get(f"/{kind}/"))
    assert label in page and f'href="/{kind}/' in page and 'class="count"' in page
    by_count = text_of(reader.get(f"/{kind}/?sort=count"))
    assert "number of statements</strong>" in by_count


def test_error_pages_use_the_layout(reader: Any) -> None:
    response = reader.get("/no/such/page", headers=HTML)
    assert response.status_code == 404 and "Error 404" in text_of(response)


# Sign-in -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/edit/new", f"/edit/{SEED}", "/edit/upload",
                                 f"/edit/{SEED}/delete", "/edit/parse-date?date=2018"])
def test_editing_needs_sign_in(client: Any, url: str) -> None:
    response = client.get(url, headers=HTML)
    assert response.status_code == 302 and "/signin?next=" in response.headers["Location"]


def test_readers_may_not_edit(app: Any, client: Any) -> None:
    pages_sign_in(app, client, role="reader", name="reader")
    assert client.get("/edit/new", headers=HTML).status_code == 403


def test_forms_need_the_csrf_token(client: Any, editor: str) -> None:
    response = client.post("/edit/new", data={"title": "x"}, headers=HTML)
    assert response.status_code == 403


# The statement form --------------------------------------------------------------------

def statement_form(token: str, **fields: Any) -> dict[str, Any]:
    data = {"csrf_token": token, "title": "Statement on the closure of civic space",
            "date": "June 31, 2018", "issuer": ["Amnesty International", ""],
            "reference": ["CEDAWW", ""], "text": "We call on all States to respect the ICCPR.",
            "topic": ["women's rights"], "action": "save"}
    data.update(fields)
    return data


def test_add_a_statement_with_a_validation_error_corrected(app: Any, client: Any,
                                                           editor: str) -> None:
    refused = client.post("/edit/new", data=statement_form(editor), headers=HTML)
    page = text_of(refused)
    assert refused.status_code == 422 and "Nothing was saved" in page
    date_field = page[page.index('id="field-date"'):page.index('id="field-type"')]
    assert "not a real date" in date_field and 'aria-invalid="true"' in date_field
    treaties = page[page.index('id="field-references"'):page.index('id="field-topics"')]
    assert "CEDAWW" in treaties and "Did you mean" in treaties
    assert 'name="accept" value="fix|reference|0|CEDAW"' in treaties  # taken in one click
    assert 'value="Statement on the closure of civic space"' in page  # nothing lost
    assert "respect the ICCPR.</textarea>" in page
    assert 'value="women&#39;s rights" checked' in page
    saved = client.post("/edit/new", data=statement_form(editor, date="June 30, 2018",
                                                         reference=["CEDAW"]), headers=HTML)
    assert saved.status_code == 302
    record_id = saved.headers["Location"].rsplit("/", 1)[-1]
    record = app.extensions["archive"].record(record_id).to_json()
    assert record["date"] == "June 30, 2018" and record["references"] == ["CEDAW"]
    assert app.extensions["auth"].audit_log()[-1]["record_id"] == record_id
    assert "Saved version 1" in text_of(client.get(saved.headers["Location"]))


def test_a_new_issuer_is_created_only_on_purpose(app: Any, client: Any, editor: str) -> None:
    form = statement_form(editor, date="2019", reference=[], issuer=["Amnesty Internationl"])
    refused = client.post("/edit/new", data=form, headers=HTML)
    assert refused.status_code == 422 and "on purpose" in text_of(refused)
    accepted = client.post("/edit/new", data={**form, "issuer_new": "0"}, headers=HTML)
    assert accepted.status_code == 302
    names = [name for _, name in app.extensions["archive"].resources.names("issuers")]
    assert "Amnesty Internationl" in names


def test_a_stale_edit_shows_a_conflict_and_keeps_the_typing(app: Any, client: Any,
                                                            editor: str) -> None:
    archive = app.extensions["archive"]
    page = text_of(client.get(f"/edit/{SEED}", headers=HTML))
    assert 'name="expected_version" value="1"' in page
    changed = archive.record(SEED).to_json()
    archive.save([{**changed, "summary": "changed meanwhile"}], agent="other", replace=True)
    form = statement_form(editor, date="June 22, 2018", reference=["CEDAW"],
                          title="My edited title", expected_version="1")
    response = client.post(f"/edit/{SEED}", data=form, headers=HTML)
    assert response.status_code == 409
    assert "changed since you loaded it" in text_of(response)
    assert 'value="My edited title"' in text_of(response)
    assert archive.record(SEED).title_text() != "My edited title"
    current = archive.state(SEED)[0]
    done = client.post(f"/edit/{SEED}", data={**form, "expected_version": str(current)},
                       headers=HTML)
    assert done.status_code == 302 and archive.record(SEED).title_text() == "My edited title"


def test_suggestions_work_without_script_and_are_accepted_with_a_click(client: Any,
                                                                      editor: str) -> None:
    text = "Released on June 22, 2018. We recall the ICCPR and CEDAW."
    form = statement_form(editor, text=text, date="", reference=[""], action="suggest")
    page = text_of(client.post("/edit/new", data=form, headers=HTML))
    assert 'value="references|ICCPR"' in page and 'value="date|June 22, 2018"' in page
    form.pop("action")
    accepted = text_of(client.post("/edit/new", data={**form, "accept": "date|June 22, 2018"},
                                   headers=HTML))
    assert 'id="date" name="date" value="June 22, 2018"' in accepted
    assert "Read as 22 June 2018" in accepted


def test_form_endpoints_for_the_script(client: Any, editor: str) -> None:
    preview = client.get("/edit/parse-date?date=June+2018").get_json()
    assert preview["ok"] and preview["precision"] == "month" and preview["iso"] == "2018-06"
    assert not client.get("/edit/parse-date?date=June+31+2018").get_json()["ok"]
    issuers = client.get("/edit/complete?kind=issuers&q=amnes").get_json()["options"]
    assert issuers[0]["value"] == "Amnesty International"
    treaties = client.get("/edit/complete?kind=treaties&q=women").get_json()["options"]
    assert any(o["value"] == "CEDAW" for o in treaties)
    suggested = client.post("/edit/suggest", data={"text": "The CRC matters."},
                            headers={"X-CSRF-Token": editor}).get_json()["suggestions"]
    assert suggested[0] == {**suggested[0], "key": "references", "value": "CRC"}


def test_problems_read_in_plain_words() -> None:
    assert plain(Problem("is required", key="title")) == "Title is required"
    assert plain(Problem("'X' is unknown", key="references[0]", suggestion="CRC")) == \
        "'X' is unknown. Did you mean CRC?"


# Upload, delete, restore ---------------------------------------------------------------

def pages_finish(client: Any, location: str) -> str:
    """Follow an upload until its job stops; return the status page."""
    for _ in range(300):
        state = client.get(location + "/progress").get_json()
        if not state["running"]:
            break
        time.sleep(0.05)
    return text_of(client.get(location, headers=HTML))


def upload(client: Any, token: str, records: list[dict[str, Any]]) -> str:
    body = "\n".join(json.dumps(r) for r in records).encode()
    response = client.post("/edit/upload", data={"csrf_token": token,
                                                 "file": (io.BytesIO(body), "batch.jsonl")},
                           headers=HTML, content_type="multipart/form-data")
    assert response.status_code == 303
    return response.headers["Location"]


def test_upload_lists_every_problem_before_storing(app: Any, client: Any, editor: str) -> None:
    archive = app.extensions["archive"]
    before = set(archive.record_ids())
    good = {"title": "Joint letter on detention", "issuer": "Amnesty International",
            "date": "2021-03-04"}
    location = upload(client, editor, [good, {**good, "title": "Second", "date": "2021-02-30",
                                              "references": ["ICCPRR"]}])
    page = pages_finish(client, location)
    assert "Nothing was stored: 2 problems" in page and "line 2" in page and "ICCPRR" in page
    assert set(archive.record_ids()) == before
    location = upload(client, editor, [good, {**good, "title": "Second"}])
    page = pages_finish(client, location)
    assert "2 statements</strong> will be added" in page and "Joint letter on detention" in page
    assert set(archive.record_ids()) == before  # a preview stores nothing
    stored = client.post(location + "/confirm", data={"csrf_token": editor}, headers=HTML)
    assert stored.status_code == 303
    page = pages_finish(client, location)
    assert "2 statements stored" in page
    assert len(set(archive.record_ids()) - before) == 2


def test_upload_refuses_files_it_cannot_read(client: Any, editor: str) -> None:
    response = client.post("/edit/upload", data={"csrf_token": editor,
                                                 "file": (io.BytesIO(b"x"), "notes.docx")},
                           headers=HTML, content_type="multipart/form-data")
    assert response.status_code == 400 and "not a file type" in text_of(response)


def test_delete_after_confirmation_then_restore(app: Any, client: Any, editor: str) -> None:
    confirm = text_of(client.get(f"/edit/{SEED}/delete", headers=HTML))
    assert "Delete this statement?" in confirm and 'name="expected_version" value="1"' in confirm
    deleted = client.post(f"/edit/{SEED}/delete", data={"csrf_token": editor,
                                                        "expected_version": "1"}, headers=HTML)
    assert deleted.status_code == 302
    assert client.get(f"/statements/{SEED}", headers=HTML).status_code == 410
    history = text_of(client.get(f"/edit/{SEED}/history", headers=HTML))
    assert "Restore version 1" in history and "This statement is deleted" in history
    restored = client.post(f"/edit/{SEED}/restore", data={"csrf_token": editor, "version": "1"},
                           headers=HTML)
    assert restored.status_code == 302
    assert client.get(f"/statements/{SEED}", headers=HTML).status_code == 200
    assert app.extensions["archive"].state(SEED) == (3, "restore")


def test_statement_pages_offer_archivist_tools_when_signed_in(client: Any, editor: str) -> None:
    page = text_of(client.get(f"/statements/{SEED}", headers=HTML))
    assert f'href="/edit/{SEED}"' in page and "Sign out" in page


def test_labels_are_english_whatever_order_the_graph_holds_them(pages_app: Any) -> None:
    from rdflib import RDFS, Graph, Literal, URIRef

    from web.labels import label_of

    thing = URIRef("https://w3id.org/rights-archive/vocab#Change")
    for order in (("fr", "en", "es"), ("es", "fr", "en"), ("en", "es", "fr")):
        graph = Graph()
        for lang in order:
            graph.add((thing, RDFS.label, Literal({"en": "change", "fr": "modification",
                                                   "es": "cambio"}[lang], lang=lang)))
        with pages_app.test_request_context("/vocab"):
            assert label_of(graph, thing) == "change"
    page = pages_app.test_client().get("/vocab", headers=HTML).get_data(as_text=True)
    assert '<dt id="Change">change <code>' in page


def test_a_statement_with_several_versions_shows_each_change(app: Any, client: Any,
                                                             editor: str) -> None:
    from tests.support import SAMPLE, read_jsonl

    record = next(r for r in read_jsonl(SAMPLE / "statements.jsonl") if r["id"] == SEED)
    archive = app.extensions["archive"]
    archive.save([{**record, "summary": "First changed summary."}], agent="ed", replace=True)
    archive.save([{**record, "summary": "Second changed summary."}], agent="ed", replace=True)
    page = html.fromstring(client.get(f"/statements/{SEED}", headers=HTML).data)
    entries = page.xpath('//section[@class="history"]/ul/li')
    assert len(entries) == 3
    newest, middle, oldest = (entry.xpath('.//pre[@class="diff"]') for entry in entries)
    assert not oldest
    assert any("Second changed summary." in (s.text or "")
               for s in newest[0].xpath('.//span[@class="added"]'))
    assert any("First changed summary." in (s.text or "")
               for s in newest[0].xpath('.//span[@class="removed"]'))
    assert any("First changed summary." in (s.text or "")
               for s in middle[0].xpath('.//span[@class="added"]'))


@pytest.mark.parametrize("args", [
    {}, {"q": ["water rights"]}, {"q": ["a&b=c"], "page": ["3"]},
    {"q": ["x"], "type": ["report"], "page": ["2"]}, {"topic": ["women's rights"]},
])
def test_facet_links_built_in_bulk_match_single_toggles(pages_app: Any,
                                                        args: dict[str, list[str]]) -> None:
    from web.search_views import toggle, toggler

    with pages_app.test_request_context("/search"):
        for name in ("issuer", "type", "topic"):
            href = toggler(args, name)
            for value in ("Amnesty International", "report", "women's rights", "ä & ö"):
                assert href(value) == toggle(args, name, value)


def test_uploads_left_by_an_earlier_process_are_removed_at_start(tmp_path: Path) -> None:
    left = tmp_path / "data" / "uploads" / "AbCdEfGhIjKlMnOpQrStUvWx.jsonl"
    left.parent.mkdir(parents=True)
    left.write_text('{"title": "never confirmed"}\n')
    with open_app(tmp_path / "data"):
        assert not left.exists()


def test_a_finished_upload_is_dropped_with_its_file_after_a_day(app: Any, client: Any,
                                                                  editor: str) -> None:
    from web.uploads import KEEP_SECONDS

    location = upload(client, editor, [{"title": "Kept a while", "issuer": "Amnesty "
                                        "International", "date": "2021-03-04"}])
    assert "will be added" in pages_finish(client, location)
    jobs = app.extensions["uploads"]
    (job,) = jobs.jobs.values()
    assert job.path.exists()
    jobs.drop_expired(now=job.created + KEEP_SECONDS - 1)
    assert client.get(location, headers=HTML).status_code == 200
    jobs.drop_expired(now=job.created + KEEP_SECONDS + 1)
    assert not job.path.exists()
    gone = client.get(location, headers=HTML)
    assert gone.status_code == 404 and "kept for a day" in text_of(gone)
