"""The archivist's pages in real headless Chromium against a live server (issue 14): pasted
paragraphs, a see-also suggestion saved, rows removed, a date settled in one click, only
the rows at fault marked, notes and comparisons in the history, Restore on a deleted
statement, the upload preview, the sign-in error. Fixtures as in tests/e2e/test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import test_browser as shared
from tests.e2e.test_browser import sign_in
from tests.support import SEED_ID, open_app, serving

browser, page = shared.browser, shared.page  # the same fixtures, over this module's server

pytestmark = pytest.mark.browser
SEE_ALSO_ID = "ushrn-2018-06-21-statement-us-withdrawal-hrc"


@pytest.fixture(scope="module")
def browser_app(tmp_path_factory: pytest.TempPathFactory,
                sample_statements: list[dict[str, Any]]) -> Iterator[Any]:
    """An app over the seed statement and its responses (this module writes to it)."""
    with open_app(tmp_path_factory.mktemp("browser-archivist"), sample_statements) as app:
        yield app


@pytest.fixture(scope="module")
def server(browser_app: Any) -> Iterator[str]:
    with serving(browser_app) as url:
        yield url


def test_pasted_paragraphs_stay_paragraphs_and_see_also_saves(page: Any, browser_app: Any,
                                                              seed_record: dict) -> None:
    sign_in(page, browser_app, "paste-check")
    page.goto("/edit/new")
    page.fill("#title", "Browser test: a pasted press release")
    page.fill("#date", "2018-06-23")
    page.fill("#issuer-0", "Amnesty International")
    page.fill("#text", seed_record["text"])  # the browser sends its lines as CRLF
    page.click("#suggest-button")
    page.get_by_role("button", name=f"Use see also: {SEE_ALSO_ID}").click()
    assert page.input_value("#see_also-0") == SEE_ALSO_ID
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_url("**/statements/**")
    paragraphs = page.locator("section.statement-text p")
    assert paragraphs.count() == len([p for p in seed_record["text"].split("\n\n") if p.strip()])
    assert page.locator("dd a", has_text="USHRN Statement on US Withdrawal").count() == 1


def test_rows_are_removable_and_only_the_row_at_fault_is_marked(page: Any,
                                                                browser_app: Any) -> None:
    sign_in(page, browser_app, "rows-check")
    page.goto("/edit/new")
    page.fill("#title", "Browser test: rows")
    page.fill("#date", "2019")
    page.fill("#issuer-0", "Amnesty International")
    page.fill("#reference-0", "ICESCR")
    page.locator(".rows[data-rows=reference] + .add-row").click()
    page.fill("#reference-1", "CEDAWW")
    page.locator(".rows[data-rows=reference] + .add-row").click()
    page.fill("#reference-2", "CRC")
    page.get_by_role("button", name="Remove treaty 3").click()  # without a round trip
    assert page.locator("input[name=reference]").count() == 2
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_load_state()
    rows = page.locator(".rows[data-rows=reference] input[name=reference]")
    assert [rows.nth(i).input_value() for i in range(rows.count())] == ["ICESCR", "CEDAWW", ""]
    colours = [rows.nth(i).evaluate("el => getComputedStyle(el).borderTopColor")
               for i in range(3)]
    assert colours[1] != colours[0] and colours[2] == colours[0]  # the empty row is not red
    page.locator("#field-references button.fix", has_text="CEDAW").first.click()
    page.wait_for_load_state()
    assert page.input_value("#reference-1") == "CEDAW"
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_url("**/statements/**")


def test_an_ambiguous_date_is_settled_in_one_click(page: Any, browser_app: Any) -> None:
    sign_in(page, browser_app, "date-check")
    page.goto("/edit/new")
    page.fill("#title", "Browser test: ambiguous date")
    page.fill("#date", "03/04/2018")
    page.locator("#date-preview", has_text="ambiguous").wait_for()
    page.select_option("#first", "day")
    page.locator("#date-preview", has_text="Read as 3 April 2018").wait_for()
    page.select_option("#first", "")
    page.fill("#issuer-0", "Amnesty International")
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_load_state()
    assert page.locator("text=write it as").count() == 1  # once, not three times
    page.get_by_role("button", name="3 April 2018 (day first)").click()
    page.wait_for_load_state()
    assert page.input_value("#date") == "2018-04-03"
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_url("**/statements/**")


def test_history_shows_notes_changes_and_version_numbers_once(page: Any,
                                                              browser_app: Any) -> None:
    sign_in(page, browser_app, "history-check")
    page.goto(f"/edit/{SEED_ID}")
    page.fill("#title", "A corrected title")
    page.fill("#note", "title as in the original PDF")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/statements/{SEED_ID}")
    history = page.locator("section.history")
    assert history.locator(".version-list").evaluate(
        "el => getComputedStyle(el).listStyleType") == "disc"  # no numbers beside "Version n"
    assert "title as in the original PDF" in history.inner_text()
    history.locator("summary").first.click()
    assert history.locator("dl.changes dt").first.inner_text() == "Title"
    assert history.locator("dl.changes ins").first.inner_text() == "A corrected title"
    page.goto(f"/edit/{SEED_ID}/history")
    row = page.locator("table.versions tbody tr").first
    assert "title as in the original PDF" in row.inner_text()
    row.locator("summary").click()
    assert row.locator("dl.changes dt").inner_text() == "Title"


def test_a_deleted_statement_page_offers_restore(page: Any, browser_app: Any,
                                                 sample_statements: list) -> None:
    record_id = sample_statements[-1]["id"]
    sign_in(page, browser_app, "restore-check")
    page.goto(f"/edit/{record_id}/delete")
    page.fill("#note", "checking restore")
    page.get_by_role("button", name="Delete the statement").click()
    page.goto(f"/statements/{record_id}")
    tools = page.get_by_role("region", name="Archivist tools")
    assert tools.get_by_role("link", name="Edit this statement").count() == 0
    assert "checking restore" in page.locator("main").inner_text()
    tools.get_by_role("button", name="Restore version 1").click()
    page.wait_for_url(f"**/statements/{record_id}")
    assert page.locator("h1").inner_text() == sample_statements[-1]["title"]


def test_upload_preview_lists_new_names_and_problems_by_line_and_column(
        page: Any, browser_app: Any) -> None:
    sign_in(page, browser_app, "preview-check")
    page.goto("/edit/upload")
    assert page.get_by_role("link", name="archivists' guide").count() == 1
    assert page.get_by_role("link", name="CSV template").count() == 1
    bad = (b"title,issuer,date\nOne,Amnesty International,2020\n"
           b"Two,Amnesty International,2021\nThree,,2022\n")
    page.set_input_files("#file", {"name": "rows.csv", "mimeType": "text/csv", "buffer": bad})
    page.get_by_role("button", name="Check the file").click()
    problems = page.locator("#upload-problems")
    problems.wait_for()
    assert "line 4, column issuer" in problems.inner_text()
    page.goto("/edit/upload")
    good = (b"title,issuer,date,responds_to,responds_to.new\n"
            b"One,Tide Watchers Collective,2020,Harbour closure,true\n")
    page.set_input_files("#file", {"name": "new.csv", "mimeType": "text/csv", "buffer": good})
    page.get_by_role("button", name="Check the file").click()
    names = page.locator("#new-names")
    names.wait_for()
    assert "Tide Watchers Collective" in names.inner_text()
    assert "Harbour closure" in names.inner_text()
    assert page.locator("#confirm-upload").inner_text().startswith("Store this statement")


def test_signin_error_is_styled_and_says_how_to_get_an_account(page: Any) -> None:
    page.goto("/signin")
    assert "administrator" in page.locator(".signin-help").inner_text()
    page.fill("#username", "nobody")
    page.fill("#password", "wrong password")
    page.click("form button[type=submit]:has-text('Sign in')")
    alert = page.get_by_role("alert")
    alert.wait_for()
    background = alert.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


def test_the_archivists_pages_pass_the_accessibility_check(browser: Any, server: str,
                                                           browser_app: Any) -> None:
    context = browser.new_context(base_url=server, bypass_csp=True)  # axe is an inline script
    page = context.new_page()
    sign_in(page, browser_app, "axe-check")
    failures = []
    page.goto("/edit/new")
    page.fill("#title", "x")
    page.fill("#date", "03/04/2018")
    page.fill("#issuer-0", "Amnesty Internationl")
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_load_state()
    failures += [f"refused form: {v}" for v in shared.axe_violations(page)]
    for name, url in (("versions", f"/edit/{SEED_ID}/history"), ("upload", "/edit/upload"),
                      ("delete", f"/edit/{SEED_ID}/delete")):
        page.goto(url)
        failures += [f"{name}: {v}" for v in shared.axe_violations(page)]
    context.close()
    assert not failures, "\n".join(failures)
