"""What an archivist meets adding, uploading, correcting, deleting and restoring records
(issue 14): line breaks, see-also suggestions that can be saved, CSV columns for every key,
notes on changes and readable comparisons, ambiguous dates, fixes in one click, the upload
preview's new names and its problems by line and column, a deleted statement's Restore,
the sign-in page. Real archive, real app, through the Flask test client."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from archive.csv_columns import COLUMNS, template_csv
from archive.errors import BadInput
from archive.ingest import import_files, read_bytes
from archive.record import KEYS, parse_record
from archive.suggest import suggest
from tests.web.test_pages import HTML, PASSWORD, SEED, pages_sign_in, pages_token

ROOT = Path(__file__).resolve().parents[2]
SEE_ALSO_ID = "ushrn-2018-06-21-statement-us-withdrawal-hrc"


@pytest.fixture
def app(make_app: Any, sample_statements: list[dict[str, Any]]) -> Any:
    return make_app(sample_statements)


@pytest.fixture
def editor(app: Any, client: Any) -> str:
    return pages_sign_in(app, client)


def form_data(token: str, **fields: Any) -> dict[str, Any]:
    data = {"csrf_token": token, "title": "Statement on the right to water",
            "date": "2019-05-02", "issuer": ["Amnesty International", ""], "action": "save"}
    data.update(fields)
    return data


def saved_id(response: Any) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def doc(response: Any) -> Any:
    return html.fromstring(response.get_data(as_text=True))


# Bug 2: line breaks ------------------------------------------------------------------------

def test_text_from_the_form_keeps_its_paragraphs(app: Any, client: Any, editor: str) -> None:
    text = "First paragraph.\r\n\r\nSecond paragraph,\r\nstill the second."
    record_id = saved_id(client.post("/edit/new", data=form_data(editor, text=text),
                                     headers=HTML))
    assert app.extensions["archive"].record(record_id).text == \
        "First paragraph.\n\nSecond paragraph,\nstill the second."
    page = doc(client.get(f"/statements/{record_id}", headers=HTML))
    assert len(page.xpath('//section[@class="statement-text"]/p')) == 2


@pytest.mark.parametrize("fmt", ["json", "csv", "turtle"])
def test_every_file_channel_reads_line_breaks_as_lf(app: Any, fmt: str) -> None:
    archive = app.extensions["archive"]
    record = {"id": f"crlf-{fmt}", "title": "Line breaks", "issuer": "Amnesty International",
              "date": "2020", "text": "One.\r\n\r\nTwo.\rThree."}
    if fmt == "json":
        data = json.dumps(record).encode()
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(record))
        writer.writeheader()
        writer.writerow(record)
        data = out.getvalue().encode()
    else:
        data = (f"@prefix ra: <https://w3id.org/rights-archive/vocab#> .\n"
                 "@prefix dct: <http://purl.org/dc/terms/> .\n"
                 "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                 f"<{archive.base}statements/crlf-turtle> a ra:Statement ;\n"
                 ' dct:identifier "crlf-turtle" ; dct:title "Line breaks"@en ;\n'
                 ' dct:issued "2020"^^xsd:gYear ;\n'
                 f" ra:issuer <{archive.base}issuers/amnesty-international> ;\n"
                 ' ra:text "One.\\r\\n\\r\\nTwo.\\rThree."@en .\n').encode()
    archive.save(read_bytes(data, fmt, archive, f"crlf.{fmt}"), agent="test")
    assert archive.record(f"crlf-{fmt}").text == "One.\n\nTwo.\nThree."


def test_the_write_api_reads_line_breaks_as_lf(app: Any) -> None:
    _, token = app.extensions["auth"].create_token("api", "editor")
    response = app.test_client().post(
        "/api/statements", headers={"Authorization": f"Bearer {token}"},
        json={"id": "crlf-api", "title": "T", "issuer": "Amnesty International",
              "date": "2020", "text": "A.\r\n\r\nB."})
    assert response.status_code == 201
    assert app.extensions["archive"].record("crlf-api").text == "A.\n\nB."


# Bug 3: see-also suggestions that can be saved -------------------------------------------

def test_see_also_suggestion_is_the_statement_id_and_saves(app: Any, client: Any,
                                                           editor: str,
                                                           seed_record: dict) -> None:
    text = seed_record["text"].replace("\n", "\r\n")  # as a browser sends it
    found = [s for s in suggest(app.extensions["archive"], text) if s.key == "see_also"]
    assert found and found[0].value == SEE_ALSO_ID and found[0].usable
    fields = form_data(editor, text=text, accept=f"see_also|{SEE_ALSO_ID}", suggested="1")
    accepted = client.post("/edit/new", data=fields, headers=HTML)
    assert doc(accepted).xpath('//input[@name="see_also"]/@value')[0] == SEE_ALSO_ID
    record_id = saved_id(client.post("/edit/new", data=form_data(
        editor, text=text, see_also=[SEE_ALSO_ID, ""]), headers=HTML))
    assert app.extensions["archive"].record(record_id).see_also == [SEE_ALSO_ID]


def test_see_also_naming_a_statement_not_in_the_archive_says_so(app: Any, client: Any,
                                                                editor: str) -> None:
    text = "We object.\n\nSee also:\n\nA statement on tides by the Lighthouse Keepers"
    found = [s for s in suggest(app.extensions["archive"], text) if s.key == "see_also"]
    assert [s.usable for s in found] == [False]
    page = client.post("/edit/new", data=form_data(editor, text=text, action="suggest"),
                       headers=HTML)
    item = doc(page).xpath('//div[@id="suggestions"]//li')[0]
    assert "not in the archive" in item.text_content() and not item.xpath(".//button")


def test_see_also_web_address_of_an_archive_statement_becomes_its_id(app: Any) -> None:
    archive = app.extensions["archive"]
    text = f"Read {archive.base}statements/{SEE_ALSO_ID} too."
    found = [s for s in suggest(archive, text) if s.key == "see_also"]
    assert [s.value for s in found] == [SEE_ALSO_ID]


# Bug 4: CSV columns ----------------------------------------------------------------------

def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_csv_issuer_new_creates_a_near_duplicate_on_purpose(app: Any, tmp_path: Path) -> None:
    archive = app.extensions["archive"]
    row = {"id": "csv-near", "title": "T", "issuer": "Amnesty Internationl", "date": "2020"}
    path = tmp_path / "near.csv"
    path.write_bytes(csv_bytes([row]))
    with pytest.raises(BadInput) as refused:
        import_files(archive, [path], agent="t")
    message = str(refused.value)  # in the file's terms: its line and column
    assert "line 2" in message and "column 'issuer'" in message
    assert "put true in the issuer.new column" in message and '"new": true' not in message
    path.write_bytes(csv_bytes([{**row, "issuer.new": "true"}]))
    import_files(archive, [path], agent="t")
    assert archive.record("csv-near").issuers[0].name == "Amnesty Internationl"


def test_csv_parts_go_with_their_names_by_position(app: Any) -> None:
    archive = app.extensions["archive"]
    row = {"id": "csv-joint", "title": "T", "date": "2020",
           "issuer": "Amnesty International|Tide Watchers Collective",
           "issuer.kind": "|ngo", "issuer.new": "|true",
           "responds_to": "Harbour closure", "responds_to.date": "2020-01-02",
           "responds_to.new": "true", "title.fr": "Titre"}
    payloads = read_bytes(csv_bytes([row]), "csv", archive, "a.csv")
    assert payloads[0].data["issuer"] == [
        "Amnesty International", {"name": "Tide Watchers Collective", "kind": "ngo",
                                  "new": True}]
    assert payloads[0].data["title"] == {"en": "T", "fr": "Titre"}
    archive.save(payloads, agent="t")
    record = archive.record("csv-joint")
    assert record.responds_to[0].date == "2020-01-02" and record.title["fr"] == "Titre"


def test_csv_unknown_column_is_refused_with_its_name(app: Any) -> None:
    archive = app.extensions["archive"]
    before = set(archive.record_ids())
    data = csv_bytes([{"title": "T", "issuer": "Amnesty International", "date": "2020",
                       "isuer.kind": "ngo"}])
    with pytest.raises(BadInput) as refused:
        archive.save(read_bytes(data, "csv", archive, "a.csv"), agent="t")
    problem = refused.value.problems[0]
    assert problem.column == "isuer.kind" and problem.suggestion == "'issuer.kind'"
    assert str(problem).startswith("line 1, column 'isuer.kind': is not a column")
    assert problem.line == 1 and set(archive.record_ids()) == before


def test_every_contract_key_has_a_csv_column_documented_and_in_the_template() -> None:
    guide = (ROOT / "docs" / "archivists.md").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(template_csv())))
    for key in KEYS:
        assert key in COLUMNS
    for column in COLUMNS:
        assert f"`{column}`" in guide, column
    assert header == list(COLUMNS)


def test_the_csv_template_is_downloadable_and_accepted_by_the_sample(app: Any, client: Any,
                                                                     editor: str) -> None:
    upload_page = client.get("/edit/upload", headers=HTML).get_data(as_text=True)
    assert 'href="/edit/csv-template"' in upload_page and 'href="/edit/guide"' in upload_page
    response = client.get("/edit/csv-template")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    archive = app.extensions["archive"]
    saved = archive.save(read_bytes(response.data, "csv", archive, "template.csv"),
                         agent="t", dry_run=True)
    assert len(saved) == 1
    guide = client.get("/edit/guide")
    assert guide.status_code == 200 and b"CSV" in guide.data


def test_a_csv_row_spanning_lines_is_reported_at_the_line_it_starts(app: Any) -> None:
    archive = app.extensions["archive"]
    data = (b'title,issuer,date,text\n'
            b'A,Amnesty International,2020,"one\n\ntwo"\n'
            b'B,,2020,x\n')
    with pytest.raises(BadInput) as refused:
        archive.save(read_bytes(data, "csv", archive, "a.csv"), agent="t", dry_run=True)
    assert [(p.line, p.key) for p in refused.value.problems] == [(5, "issuer")]


# Bug 6 and 8, history and notes -----------------------------------------------------------

def test_a_deleted_statement_offers_restore_not_edit(app: Any, client: Any,
                                                     editor: str) -> None:
    client.post(f"/edit/{SEED}/delete", data={"csrf_token": editor, "note": "a duplicate"},
                headers=HTML)
    gone = client.get(f"/statements/{SEED}", headers=HTML)
    page = doc(gone)
    assert gone.status_code == 410
    assert not page.xpath(f'//a[@href="/edit/{SEED}"]')
    assert not page.xpath(f'//a[@href="/edit/{SEED}/delete"]')
    form = page.xpath(f'//form[@action="/edit/{SEED}/restore"]')[0]
    assert form.xpath('.//input[@name="version"]/@value') == ["1"]
    assert "a duplicate" in page.text_content()  # the note is in its history
    edit = client.get(f"/edit/{SEED}", headers=HTML)
    assert edit.status_code == 303 and edit.headers["Location"].endswith(f"/edit/{SEED}/history")
    restored = client.post(f"/edit/{SEED}/restore", data={
        "csrf_token": editor, "version": "1", "note": "not a duplicate after all"},
        headers=HTML)
    assert restored.status_code == 302
    notes = [v.note for v in app.extensions["archive"].history(SEED)]
    assert notes == [None, "a duplicate", "not a duplicate after all"]


def test_history_numbers_are_the_version_numbers(app: Any, client: Any, editor: str,
                                                 seed_record: dict) -> None:
    archive = app.extensions["archive"]
    archive.save([{**seed_record, "summary": "Changed."}], agent="ed", replace=True)
    archive.delete(SEED, agent="ed")
    archive.restore(SEED, 2, agent="ed")
    page = doc(client.get(f"/statements/{SEED}", headers=HTML))
    lists = page.xpath('//section[@class="history"]/*[li]')
    assert [element.tag for element in lists] == ["ul"]  # no list numbers beside them
    assert [li.text_content().split(":")[0].strip() for li in lists[0]] == \
        ["Version 4", "Version 3", "Version 2", "Version 1"]


def test_edit_note_is_kept_and_the_versions_page_compares_field_by_field(
        app: Any, client: Any, editor: str) -> None:
    page = doc(client.get(f"/edit/{SEED}", headers=HTML))
    fields = {i.get("name"): i.get("value") or "" for i in page.xpath("//form//input")
              if i.get("type") not in ("checkbox",) and i.get("name")}
    fields.update(csrf_token=editor, action="save", note="title from the PDF",
                  title="A corrected title",
                  text=page.xpath("//textarea[@name='text']")[0].text + "\r\n\r\nAdded.")
    fields["type"] = page.xpath("//select[@name='type']/option[@selected]")[0].text
    fields["summary"] = page.xpath("//textarea[@name='summary']")[0].text
    fields["issuer"] = page.xpath("//input[@name='issuer']/@value")
    fields["reference"] = page.xpath("//input[@name='reference']/@value")
    fields["topic"] = page.xpath("//input[@name='topic'][@checked]/@value")
    fields["place"] = page.xpath("//input[@name='place']/@value")
    fields["event"] = page.xpath("//input[@name='event']/@value")
    fields["see_also"] = page.xpath("//input[@name='see_also']/@value")
    saved = client.post(f"/edit/{SEED}", data=fields, headers=HTML)
    assert saved.status_code == 302
    history = client.get(f"/edit/{SEED}/history", headers=HTML)
    body = doc(history)
    row = body.xpath('//table[@class="versions"]/tbody/tr')[0]
    assert "title from the PDF" in row.text_content()
    assert [dt.text for dt in row.xpath('.//dl[@class="changes"]/dt')] == ["Title",
                                                                          "Full text"]
    added = row.xpath('.//pre[@class="diff"]/span[@class="added"]/text()')
    assert added == ["+Added."] and "\\r\\n" not in history.get_data(as_text=True)


def test_the_write_api_takes_a_note(app: Any, seed_record: dict) -> None:
    _, token = app.extensions["auth"].create_token("api", "editor")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    put = client.put(f"/api/statements/{SEED}?note=typo%20in%20the%20title",
                     headers={**auth, "If-Match": '"' + f"{SEED}-1" + '"'},
                     json={**seed_record, "title": "Fixed"})
    if put.status_code == 412:  # the ETag's spelling is the API's own
        etag = client.get(f"/api/statements/{SEED}", headers=auth).headers["ETag"]
        put = client.put(f"/api/statements/{SEED}?note=typo%20in%20the%20title",
                         headers={**auth, "If-Match": etag},
                         json={**seed_record, "title": "Fixed"})
    assert put.status_code == 200
    history = client.get(f"/api/statements/{SEED}/history", headers=auth).get_json()
    assert history[-1]["note"] == "typo in the title" and "note" not in history[0]
    too_long = client.post("/api/statements?note=" + "x" * 2001, headers=auth,
                           json={"title": "T", "issuer": "Amnesty International",
                                 "date": "2020"})
    assert too_long.status_code == 422 and "note" in too_long.get_data(as_text=True)


# Bug 10: wording -------------------------------------------------------------------------

def test_the_form_names_the_new_issuer_checkbox_and_fixes_in_one_click(
        app: Any, client: Any, editor: str) -> None:
    refused = client.post("/edit/new", data=form_data(
        editor, issuer=["Amnesty Internationl", ""]), headers=HTML)
    field = doc(refused).xpath('//*[@id="field-issuer"]')[0]
    assert "tick “New issuer: create it”" in field.text_content()
    assert '"new": true' not in refused.get_data(as_text=True)
    fix = field.xpath('.//button[@name="accept"]')[0]
    assert fix.get("value") == "fix|issuer|0|Amnesty International"
    fixed = client.post("/edit/new", data=form_data(
        editor, issuer=["Amnesty Internationl", ""], accept=fix.get("value")), headers=HTML)
    assert doc(fixed).xpath('//input[@name="issuer"]/@value')[0] == "Amnesty International"


def test_a_check_that_stores_nothing_says_so(app: Any) -> None:
    archive = app.extensions["archive"]
    with pytest.raises(BadInput) as refused:
        archive.save([{"title": "T", "issuer": "X", "date": "2020-13-01"}], agent="t",
                     dry_run=True)
    assert "nothing would be stored" in str(refused.value)
    assert "nothing was stored" not in str(refused.value)


# Friction: ambiguous dates, refused saves ------------------------------------------------

def test_an_ambiguous_date_is_explained_once_and_settled_by_a_choice(
        app: Any, client: Any, editor: str) -> None:
    refused = client.post("/edit/new", data=form_data(editor, date="03/04/2018"),
                          headers=HTML)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and text.count("write it as") == 1
    choices = doc(refused).xpath('//*[@id="field-date"]//button[@name="accept"]/@value')
    assert choices == ["date|2018-04-03", "date|2018-03-04"]
    record_id = saved_id(client.post("/edit/new", data=form_data(
        editor, date="03/04/2018", first="day"), headers=HTML))
    assert app.extensions["archive"].record(record_id).date == "03/04/2018"
    page = client.get(f"/statements/{record_id}", headers=HTML).get_data(as_text=True)
    assert 'datetime="2018-04-03"' in page
    preview = client.get("/edit/parse-date?date=03/04/2018&first=month").get_json()
    assert preview["iso"] == "2018-03-04"


def test_a_refused_save_keeps_suggestions_and_marks_only_rows_at_fault(
        app: Any, client: Any, editor: str) -> None:
    refused = client.post("/edit/new", data=form_data(
        editor, suggested="1", text="States must honour the ICESCR.",
        reference=["ICESCR", "CEDAWW", ""]), headers=HTML)
    page = doc(refused)
    assert refused.status_code == 422
    assert "ICESCR" in page.xpath('//div[@id="suggestions"]')[0].text_content()
    rows = page.xpath('//div[@data-rows="reference"]//input[@name="reference"]')
    assert [r.get("aria-invalid") for r in rows] == [None, "true", None]


def test_every_filled_row_has_a_remove_button_that_works(app: Any, client: Any,
                                                         editor: str) -> None:
    fields = form_data(editor, issuer=["Amnesty International", "Human Rights Watch", ""],
                       issuer_new=["1"], place=["Geneva", ""], remove="issuer|0")
    page = doc(client.post("/edit/new", data=fields, headers=HTML))
    assert page.xpath('//input[@name="issuer"]/@value') == ["Human Rights Watch", ""]
    assert page.xpath('//input[@name="issuer_new"][@checked]/@value') == ["0"]
    removes = page.xpath('//button[@name="remove"]/@value')
    assert removes == ["issuer|0", "place|0"]


# Friction: upload preview ----------------------------------------------------------------

def wait_for_upload(client: Any, location: str) -> Any:
    for _ in range(200):
        state = client.get(f"{location}/progress").get_json()
        if not state["running"]:
            return client.get(location, headers=HTML)
        time.sleep(0.05)
    raise AssertionError("the upload never finished")


def send(client: Any, token: str, name: str, data: bytes, **fields: str) -> Any:
    response = client.post("/edit/upload", data={"csrf_token": token, **fields,
                                                 "file": (io.BytesIO(data), name)},
                           headers=HTML, content_type="multipart/form-data")
    assert response.status_code == 303
    return wait_for_upload(client, response.headers["Location"])


def test_upload_preview_lists_the_new_names_to_confirm(app: Any, client: Any,
                                                       editor: str) -> None:
    data = csv_bytes([{"title": "One", "issuer": "Amnesty International", "date": "2020",
                       "responds_to": "Harbour closure", "responds_to.new": "true",
                       "places": "Tidetown"}])
    page = doc(send(client, editor, "one.csv", data))
    names = page.xpath('//section[@id="new-names"]')[0].text_content()
    assert "Harbour closure" in names and "Tidetown" in names
    assert "Amnesty International" not in names
    assert page.xpath('//button[@id="confirm-upload"]')[0].text_content().startswith(
        "Store this statement, creating 2 new names")


def test_upload_problems_name_line_and_column(app: Any, client: Any, editor: str) -> None:
    data = (b"title,issuer,date\nOne,Amnesty International,2020\n"
            b"Two,Amnesty International,2021\nThree,,2022\n")
    page = doc(send(client, editor, "rows.csv", data))
    cells = [td.text_content() for td in page.xpath('//table[@class="problems-table"]//td')]
    assert cells == ["line 4, column issuer", "required"]


def test_upload_reads_numeric_dates_as_chosen(app: Any, client: Any, editor: str) -> None:
    data = json.dumps({"id": "upload-dayfirst", "title": "T",
                       "issuer": "Amnesty International", "date": "03/04/2018"}).encode()
    refused = doc(send(client, editor, "a.json", data))
    assert "ambiguous" in refused.xpath('//*[@id="upload-problems"]')[0].text_content()
    checked = send(client, editor, "a.json", data, first="month")
    assert doc(checked).xpath('//button[@id="confirm-upload"]')


# Friction: sign-in -----------------------------------------------------------------------

def test_signin_error_is_styled_and_the_page_says_how_to_get_an_account(app: Any) -> None:
    client = app.test_client()
    app.extensions["auth"].create_account("someone", "editor", PASSWORD)
    refused = client.post("/signin", data={"username": "someone", "password": "wrong",
                                           "csrf_token": pages_token(client)}, headers=HTML)
    page = doc(refused)
    alert = page.xpath('//*[@role="alert"]')[0]
    assert "problem-box" in alert.get("class")
    assert "administrator" in page.xpath('//p[@class="signin-help"]')[0].text_content()


def test_parse_record_normalises_line_breaks_in_every_text_field() -> None:
    record, problems = parse_record({"title": "A\r\nB", "issuer": "X", "date": "2020",
                                     "summary": "S.\r\rT."})
    assert not problems and record.title["en"] == "A\nB" and record.summary == "S.\n\nT."


# The command line ------------------------------------------------------------------------

def test_import_note_and_validate_in_csv_terms(tmp_path: Path) -> None:
    from archive import Archive
    from tests.web.test_cli import run

    folder = tmp_path / "data"
    assert run(folder, "create").returncode == 0
    good = tmp_path / "one.csv"
    good.write_bytes(csv_bytes([{"id": "cli-note", "title": "T",
                                 "issuer": "Tidetown Legal Aid", "date": "2024"}]))
    bad = tmp_path / "two.csv"
    bad.write_bytes(csv_bytes([{"title": "T", "issuer": "", "date": "2024"}]))
    checked = run(folder, "validate", str(bad))
    assert checked.returncode == 2
    assert "line 2, column 'issuer': is required" in checked.stderr
    assert "nothing would be stored" in checked.stderr
    imported = run(folder, "import", "--note", "from the 2024 press folder", str(good))
    assert imported.returncode == 0, imported.stderr
    with Archive(folder) as archive:
        assert archive.history("cli-note")[0].note == "from the 2024 press folder"


def test_an_edit_of_a_statement_deleted_meanwhile_keeps_what_was_typed(
        app: Any, client: Any, editor: str) -> None:
    app.extensions["archive"].delete(SEED, agent="someone else")
    response = client.post(f"/edit/{SEED}", data=form_data(
        editor, title="My careful correction", expected_version="1"), headers=HTML)
    page = doc(response)
    assert response.status_code == 410
    assert "deleted while you edited it" in page.xpath('//*[@id="conflict"]')[0].text_content()
    assert page.xpath('//input[@name="title"]/@value') == ["My careful correction"]
