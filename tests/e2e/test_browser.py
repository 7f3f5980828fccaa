"""The UI in real headless Chromium (Playwright) against a live server: searching and
refining, following relations, the statement form, uploads, sign-in, screenshots at desktop
and phone widths, and an axe-core accessibility check of the main pages.

Without /usr/bin/chromium these tests skip, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import SEED_ID, open_app, require_package, serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parents[1] / "assets" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "browser test password"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_package(CHROMIUM.exists(), "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser_app(tmp_path_factory: pytest.TempPathFactory,
                sample_records: list[dict[str, Any]]) -> Iterator[Any]:
    """One app over the whole sample for the module (building it takes seconds)."""
    with open_app(tmp_path_factory.mktemp("browser"), sample_records) as app:
        yield app


@pytest.fixture(scope="module")
def server(browser_app: Any) -> Iterator[str]:
    with serving(browser_app) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page: Any, app: Any, name: str) -> None:
    app.extensions["auth"].create_account(name, "editor", PASSWORD)
    if "/signin" not in page.url:
        page.goto("/signin")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]:has-text('Sign in')")
    page.wait_for_load_state()


def test_search_and_refine_by_facets(page: Any) -> None:
    page.goto("/")
    page.fill("#q", "human rights council")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=human+rights+council")
    total = int(page.locator("#results-h").inner_text().split()[0].replace(",", ""))
    page.locator(".facet", has_text="Type").get_by_role("link", name="press statement").click()
    page.wait_for_url("**type=press+statement**")
    narrowed = int(page.locator("#results-h").inner_text().split()[0])
    assert 0 < narrowed < total
    page.locator(".facet", has_text="Year").get_by_role("link", name="2018").first.click()
    page.wait_for_url("**year=2018**")
    assert "type=press+statement" in page.url and page.locator("mark").count() > 0
    page.locator(".active-filters a", has_text="press statement").click()
    page.wait_for_url(lambda url: "type=" not in url and "year=2018" in url)
    assert page.locator(".active-filters").inner_text().count("×") == 1


def test_open_a_statement_and_follow_its_event_to_all_responses(page: Any) -> None:
    page.goto(f"/statements/{SEED_ID}")
    heading = page.locator("h1").inner_text()
    assert "Human Rights" in heading
    page.locator("section.similar li a").first.wait_for()  # loaded after the page
    assert page.locator("section.similar li a").count() == 5
    page.locator("dd ul li a").filter(has_text="withdraw").first.click()
    page.wait_for_url("**/events/**")
    assert page.get_by_role("heading", name="Who responded and when").count() == 1
    rows = page.locator(".statements tbody tr")
    assert rows.count() == 12  # the sample's responses to the event
    assert page.locator(".statements tbody").get_by_text(heading).count() == 1


def test_editing_requires_sign_in(page: Any, browser_app: Any) -> None:
    page.goto("/edit/new")
    assert "/signin" in page.url and page.locator("h1").inner_text() == "Sign in"
    sign_in(page, browser_app, "signin-check")
    assert page.url.endswith("/edit/new") and page.locator("h1").inner_text() == "Add a statement"


def test_add_a_statement_with_a_validation_error_corrected(page: Any, browser_app: Any) -> None:
    sign_in(page, browser_app, "form-check")
    page.goto("/edit/new")
    page.fill("#title", "Browser test: statement on the right to water")
    page.fill("#date", "June 31, 2018")
    page.locator("#date-preview.bad").wait_for()  # the live preview refuses it at once
    page.fill("#issuer-0", "Amnesty International")
    page.fill("#text", "Released on June 30, 2018. States must honour the ICESCR.")
    page.click("#suggest-button")
    page.get_by_role("button", name="Use references: ICESCR").click()
    assert page.input_value("#reference-0") == "ICESCR"
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_load_state()
    assert "Nothing was saved" in page.locator("#problems").inner_text()
    assert "not a real date" in page.locator("#field-date .field-problems").inner_text()
    assert page.input_value("#title") == "Browser test: statement on the right to water"
    page.fill("#date", "June 30, 2018")
    page.locator("#date-preview", has_text="Read as 30 June 2018").wait_for()
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_url("**/statements/**")
    assert page.locator("h1").inner_text() == "Browser test: statement on the right to water"
    assert "Saved version 1" in page.locator(".flash").inner_text()


def test_upload_shows_a_problem_before_storing(page: Any, browser_app: Any) -> None:
    sign_in(page, browser_app, "upload-check")
    before = set(browser_app.extensions["archive"].record_ids())
    page.goto("/edit/upload")
    body = (b'{"title": "Fine", "issuer": "Amnesty International", "date": "2022"}\n'
            b'{"title": "Broken", "issuer": "Amnesty International", "date": "2022-13-01"}\n')
    page.set_input_files("#file", {"name": "batch.jsonl", "mimeType": "application/json",
                                   "buffer": body})
    page.get_by_role("button", name="Check the file").click()
    problems = page.locator("#upload-problems")
    problems.wait_for()
    assert "line 2" in problems.inner_text() and "Nothing was stored" in problems.inner_text()
    assert set(browser_app.extensions["archive"].record_ids()) == before


MAIN_PAGES = [("home", "/"), ("search", "/search?q=climate&topic=climate+and+environment"),
              ("statement", f"/statements/{SEED_ID}"), ("treaties", "/treaties/"),
              ("issuers", "/issuers/"), ("signin", "/signin"),
              ("issuer", "/issuers/us-national-human-rights-cities-alliance"),
              ("event", "/events/us-withdrawal-from-the-un-human-rights-council"),
              ("treaty", "/treaties/cedaw"), ("topic", "/topics/climate-and-environment"),
              ("sparql", "/sparql")]


def test_screenshots_and_accessibility_of_the_main_pages(browser: Any, server: str,
                                                         browser_app: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # axe-core is injected as an inline script, which the pages' CSP rightly forbids
    context = browser.new_context(base_url=server, bypass_csp=True)
    page = context.new_page()
    sign_in(page, browser_app, "shots")
    pages = [*MAIN_PAGES, ("edit-form", "/edit/new")]
    failures = []
    for name, url in pages:
        for width, height in ((1280, 900), (375, 812)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url)
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            failures += [f"{name} at {width}px: {v}" for v in axe_violations(page)]
    context.close()
    assert not failures, "\n".join(failures)


def axe_violations(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page (WCAG 2.1 A and AA rules)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document,
        {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    return [f"{v['id']} ({v['impact']}): {v['help']} – {v['nodes'][0]['target']}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_relation_graph_is_compact_and_its_labels_do_not_overlap(page: Any) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/statements/{SEED_ID}")
        graph = page.locator("svg.chart-graph:visible")
        box = graph.bounding_box()
        assert box["width"] <= min(640, width) and box["height"] <= 360
        texts = [t.bounding_box() for t in graph.locator("text").all()]
        assert len(texts) == {1280: 23, 375: 21}[width]  # the seed's links and labels
        for i, one in enumerate(texts):
            assert box["x"] - 0.5 <= one["x"] and one["x"] + one["width"] <= box["x"] + \
                box["width"] + 0.5, f"label {i} leaves the graph at {width}px"
            for other in texts[i + 1:]:
                assert not boxes_overlap(one, other), f"labels overlap at {width}px"
    names = [graph.locator("a").nth(i).get_attribute("aria-label")
             for i in range(graph.locator("a").count())]
    assert "US withdrawal from the UN Human Rights Council (responds to)" in names


def boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
