"""Fixtures of the browser tests that read the sample: a live server over it and pages
opened in fresh Chromium contexts (``browser`` comes from tests/e2e/test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import WIDE, sample_module_app, serving


@pytest.fixture(scope="module")
def sample_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A live server over the whole sample, one per module."""
    with sample_module_app(request, "oxigraph") as app, serving(app) as url:
        yield url


@pytest.fixture
def open_page(browser: Any, sample_server: str) -> Iterator[Any]:
    """``open_page(viewport=None, locale="en-US")``: a page of the sample server in a fresh
    browser context (closed after the test)."""
    contexts = []

    def open_(viewport: dict[str, int] | None = None, locale: str = "en-US") -> Any:
        context = browser.new_context(base_url=sample_server, viewport=viewport or WIDE,
                                      locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_
    for context in contexts:
        context.close()
