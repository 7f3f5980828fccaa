"""The /sparql query page in headless Chromium: the editor loads under the strict CSP, an
example runs and its results link to statement pages; the form also works without JS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import open_app, serving

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory,
                sample_statements: list[dict[str, Any]]) -> Iterator[str]:
    with open_app(tmp_path_factory.mktemp("page"), sample_statements,
                    RATELIMIT_SPARQL="10000 per minute") as app, serving(app) as url:
        yield url + "sparql"


@pytest.mark.parametrize("javascript", [True, False])
def test_example_runs_from_the_page(page_server: str, javascript: bool) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error"
                and not m.text.startswith("Failed to load resource") else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(page_server)
        if javascript:
            assert page.locator(".CodeMirror").count() == 1
            page.get_by_text("All responses to an event, in date order").click()
            page.get_by_role("button", name="Run query").click()
        else:
            page.get_by_text("All responses to an event, in date order").click()
        page.wait_for_selector("table.sparql-table")
        links = page.locator("table.sparql-table a[href^='/statements/']")
        assert links.count() == 12
        assert page.get_by_role("link", name="CSV").count() == 1
        assert problems == []
        browser.close()
