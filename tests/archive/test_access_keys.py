"""The record keys ``status``, ``access`` and ``embargo``: read strictly, stored only when not
the default, kept by export, import (JSON, CSV, Turtle) and backup."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from lxml import html
from rdflib import Literal
from rdflib.namespace import XSD

from archive import BadInput, access
from archive.access import parse_embargo
from archive.csv_columns import COLUMNS, read_csv, template_csv
from archive.export import backup, export, restore
from archive.history import record_changes
from archive.ingest import read_bytes
from archive.record import parse_record
from tests.web.test_cli import run
from tests.web.test_pages import pages_sign_in
from vocab import RA


@pytest.fixture(autouse=True)
def enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys as they are kept once every channel obeys them; until then the write path
    refuses a record that is not public (test_records_not_public_are_refused_until_enforced)."""
    monkeypatch.setattr(access, "ENFORCED", True)


def with_keys(record: dict[str, Any], record_id: str, **keys: Any) -> dict[str, Any]:
    data = copy.deepcopy(record)
    data["id"] = record_id
    data.pop("see_also", None)  # names a record these tests do not store
    data.update(keys)
    return data


def messages(error: pytest.ExceptionInfo[BadInput]) -> list[tuple[str | None, str]]:
    return [(p.key, p.message) for p in error.value.problems]


def test_unknown_values_are_refused_with_the_allowed_list(seed_record) -> None:
    data = with_keys(seed_record, "x", status="pending", access="secret", embargo="next week")
    record, problems = parse_record(data)
    assert record is not None
    assert [(p.key, p.message, p.suggestion) for p in problems] == [
        ("status", "'pending' is not a known status; use one of: published, draft (default "
                   "published)", None),
        ("access", "'secret' is not a known access; use one of: public, restricted (default "
                   "public)", None),
        ("embargo", "'next week' is not an ISO 8601 date or date-time; write it as 2026-05-01 "
                    "(midnight UTC), 2026-05-01T09:00 (UTC) or 2026-05-01T09:00+02:00", None),
    ]


def test_a_near_miss_gets_a_suggestion_and_case_does_not_matter(seed_record) -> None:
    record, problems = parse_record(with_keys(seed_record, "x", status="drafts"))
    assert [(p.key, p.suggestion) for p in problems] == [("status", "'draft'")]
    record, problems = parse_record(with_keys(seed_record, "x", status="Draft",
                                              access="RESTRICTED"))
    assert problems == []
    assert record is not None and (record.status, record.access) == ("draft", "restricted")


def test_an_impossible_date_or_a_non_text_embargo_is_refused(seed_record) -> None:
    _, problems = parse_record(with_keys(seed_record, "x", embargo="2026-02-30"))
    assert [(p.key, p.message) for p in problems] == [
        ("embargo", "'2026-02-30' is not a real date or time (check the month, day and hour)")]
    _, problems = parse_record(with_keys(seed_record, "x", embargo=["2026-01-01"]))
    assert [(p.key, p.message) for p in problems] == [("embargo", "expected text, got a list")]


@pytest.mark.parametrize(("written", "stored", "datatype", "ends"), [
    ("2026-05-01", "2026-05-01", XSD.date, "2026-05-01T00:00:00+00:00"),
    ("2026-05-01T09:00", "2026-05-01T09:00:00Z", XSD.dateTime, "2026-05-01T09:00:00+00:00"),
    ("2026-05-01T09:00:30Z", "2026-05-01T09:00:30Z", XSD.dateTime, "2026-05-01T09:00:30+00:00"),
    ("2026-05-01T09:00+02:00", "2026-05-01T07:00:00Z", XSD.dateTime,
     "2026-05-01T07:00:00+00:00"),
])
def test_embargo_forms_are_kept_as_one_moment_in_utc(written, stored, datatype, ends) -> None:
    embargo = parse_embargo(written)
    assert (embargo.text, embargo.ends.isoformat()) == (stored, ends)
    assert embargo.literal() == Literal(stored, datatype=datatype)


def test_defaults_are_not_written(make_archive, seed_record) -> None:
    plain = with_keys(seed_record, "plain")
    explicit = with_keys(seed_record, "explicit", status="published", access="public")
    archive = make_archive([plain, explicit])
    rename = {archive.uris.statement("explicit"): archive.uris.statement("plain"),
              Literal("explicit"): Literal("plain")}
    stored = {tuple(rename.get(t, t) for t in triple)
              for triple in archive.store.triples(archive.uris.statement("explicit"))}
    assert stored == set(archive.store.triples(archive.uris.statement("plain")))
    assert archive.record("explicit").to_json() == with_keys(plain, "explicit")


def test_the_keys_are_stored_and_read_back(make_archive, store_backend, seed_record) -> None:
    data = with_keys(seed_record, "held", status="draft", access="restricted",
                     embargo="2031-01-01T10:00+01:00")
    archive = make_archive([data], backend=store_backend)
    subject = archive.uris.statement("held")
    graph = archive.record_graph("held")
    assert graph.value(subject, RA.publicationStatus) == Literal("draft")
    assert graph.value(subject, RA.accessLevel) == Literal("restricted")
    assert graph.value(subject, RA.embargoedUntil) == Literal("2031-01-01T09:00:00Z",
                                                              datatype=XSD.dateTime)
    assert archive.record("held").to_json() == {**data, "embargo": "2031-01-01T09:00:00Z"}


def test_bad_keys_store_nothing(make_archive, seed_record) -> None:
    archive = make_archive([with_keys(seed_record, "first")])
    before = len(archive.store), archive.last_sequence()
    good = with_keys(seed_record, "good", status="draft")
    bad = with_keys(seed_record, "bad", access="staff only")
    with pytest.raises(BadInput) as refused:
        archive.save([good, bad], agent="test")
    assert messages(refused) == [("access", "'staff only' is not a known access; use one of: "
                                            "public, restricted (default public)")]
    assert (len(archive.store), archive.last_sequence()) == before


def test_an_embargo_already_past_is_public_now_and_says_so(make_archive, seed_record) -> None:
    archive = make_archive()
    saved = archive.save([with_keys(seed_record, "past", embargo="2020-01-01"),
                          with_keys(seed_record, "past-draft", embargo="2020-01-01T12:00Z",
                                    status="draft"),
                          with_keys(seed_record, "future", embargo="2999-01-01")],
                         agent="test")
    assert [s.notice for s in saved] == [
        "the embargo (2020-01-01) has already passed: the record is public now",
        "the embargo (2020-01-01T12:00:00Z) has already passed; the record stays a draft",
        None]
    assert archive.record("past").embargo == "2020-01-01"


def test_the_write_api_passes_the_notice_on(make_app, seed_record) -> None:
    app = make_app()
    token = app.extensions["auth"].create_token("editor-tester", "editor")[1]
    response = app.test_client().post(
        "/api/statements", json=with_keys(seed_record, "past", embargo="2020-01-01"),
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert response.get_json()["saved"][0]["notice"] == \
        "the embargo (2020-01-01) has already passed: the record is public now"


def test_csv_has_the_columns_and_reads_them() -> None:
    assert COLUMNS[-3:] == ("status", "access", "embargo")
    assert template_csv().splitlines()[0].endswith(",status,access,embargo")
    text = ("title,issuer,date,status,access,embargo\r\n"
            "A,Amnesty International,2020,draft,restricted,2026-05-01\r\n"
            "B,Amnesty International,2020,,,\r\n")
    assert read_csv(text, "t.csv") == [
        ({"title": "A", "issuer": "Amnesty International", "date": "2020", "status": "draft",
          "access": "restricted", "embargo": "2026-05-01"}, 2),
        ({"title": "B", "issuer": "Amnesty International", "date": "2020"}, 3)]


def test_export_and_turtle_import_keep_the_keys(make_archive, seed_record, tmp_path) -> None:
    held = with_keys(seed_record, "held", status="draft", access="restricted",
                     embargo="2031-01-01")
    source = make_archive([held, with_keys(seed_record, "plain")])
    for fmt in ("jsonl", "turtle"):
        out = io.BytesIO()
        export(source, out, fmt)
        copy_ = make_archive()
        copy_.save(read_bytes(out.getvalue(), fmt, copy_, f"export.{fmt}"), agent="test")
        assert copy_.record("held").to_json() == source.record("held").to_json() == held
        assert copy_.record("plain").to_json() == with_keys(seed_record, "plain")
    lines = [json.loads(line) for line in _export(source, "jsonl").splitlines()]
    assert [line.get("status") for line in lines] == ["draft", None]


def test_a_bad_value_in_turtle_is_refused_by_name(make_archive, seed_record) -> None:
    source = make_archive([with_keys(seed_record, "held", status="draft")])
    text = _export(source, "turtle").replace('"draft"', '"maybe"')
    with pytest.raises(BadInput) as refused:
        source.save(read_bytes(text.encode(), "turtle", source, "in.ttl"), agent="test",
                    replace=True)
    assert messages(refused) == [("status", "'maybe' is not a known status; use one of: "
                                            "published, draft (default published)")]


def test_backup_keeps_the_keys(make_archive, seed_record, tmp_path) -> None:
    source = make_archive([with_keys(seed_record, "held", access="restricted")])
    backup(source, tmp_path / "backup")
    restore(tmp_path / "backup", tmp_path / "restored")
    copy_ = make_archive(folder=tmp_path / "restored")
    assert copy_.record("held").to_json() == source.record("held").to_json()
    assert copy_.record("held").access == "restricted"


def _export(archive: Any, fmt: str) -> str:
    out = io.BytesIO()
    export(archive, out, fmt)
    return out.getvalue().decode()


def test_saving_a_draft_from_the_web_form_keeps_it_a_draft(make_app, seed_record) -> None:
    draft = with_keys(seed_record, "held", status="draft", access="restricted",
                      embargo="2031-01-01")
    app = make_app([draft])
    client = app.test_client()
    pages_sign_in(app, client)
    page = html.fromstring(client.get("/edit/held", headers={"Accept": "text/html"}).data)
    fields = {i.name: i.value for i in page.xpath('//form//input[@type="hidden"]')}
    assert {k: fields.get(k) for k in ("status", "access", "embargo")} == {
        "status": "draft", "access": "restricted", "embargo": "2031-01-01"}
    fields.update({"title": "A new title", "date": seed_record["date"], "action": "save",
                   "issuer": seed_record["issuer"]["name"], "language": "en"})
    response = client.post("/edit/held", data=fields, headers={"Accept": "text/html"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    saved = app.extensions["archive"].record("held")
    assert (saved.title_text(), saved.status, saved.access, saved.embargo) == (
        "A new title", "draft", "restricted", "2031-01-01")


def test_publishing_reads_as_a_change_of_status_in_the_comparison() -> None:
    changes = record_changes({"title": "A", "status": "draft", "embargo": "2031-01-01"},
                             {"title": "A"})
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Status", "draft", "published"), ("Embargo until", "2031-01-01", "(none)")]


def test_the_import_command_says_an_embargo_has_passed(tmp_path, seed_record) -> None:
    folder = tmp_path / "data"
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(with_keys(seed_record, "past", embargo="2020-01-01")) + "\n")
    assert run(folder, "create").returncode == 0
    imported = run(folder, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == \
        "past: the embargo (2020-01-01) has already passed: the record is public now"


def test_records_not_public_are_refused_until_enforced(make_archive, seed_record,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored today, a draft, a restricted or an embargoed record would be public at once on
    every channel: it is refused whole, with the key and why; a past embargo is public."""
    monkeypatch.setattr(access, "ENFORCED", False)
    archive = make_archive()
    with pytest.raises(BadInput) as error:
        archive.save([with_keys(seed_record, "draft", status="draft"),
                      with_keys(seed_record, "held", access="restricted",
                                embargo="2031-01-01"),
                      with_keys(seed_record, "fine")], agent="test")
    cannot = ("this version of the archive cannot yet keep a record {} from public view: "
              "stored, it would be published at once on every channel (pages, search, SPARQL, "
              "OAI-PMH, dumps); leave '{}' out until access levels are enforced")
    assert [(p.record, p.key, p.message) for p in error.value.problems] == [
        ("draft", "status", cannot.format("a draft", "status")),
        ("held", "access", cannot.format("restricted", "access")),
        ("held", "embargo", cannot.format("embargoed until 2031-01-01", "embargo"))]
    assert list(archive.record_ids()) == []
    saved = archive.save([with_keys(seed_record, "past", embargo="2020-01-01")], agent="test")
    assert [s.notice for s in saved] == [
        "the embargo (2020-01-01) has already passed: the record is public now"]
