"""What a researcher sees in headless Chromium (Playwright) against a live server over the
sample: the phone layout of the search page (one search box, the filters reachable from
the top), keyboard use (a skip link to the results; focus rings of at least 3:1 contrast,
computed from the rendered colours), metadata reasons and phrase marks as displayed, and
a SPARQL result's shareable address.

Without /usr/bin/chromium these tests skip, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e import test_browser as shared
from tests.e2e.test_browser import SHOTS

browser = shared.browser  # the same fixture, over this module's server

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

#: The ring's colour, its style and the colour right outside it, as rendered.
RING = """el => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) + 1;
  const x = box.left + Math.min(box.width / 2, 12);
  const y = box.top - reach >= 0 ? box.top - reach : box.bottom + reach;
  const under = document.elementsFromPoint(x, y).find(e => e !== el && !el.contains(e));
  let node = under, background = "rgb(255, 255, 255)";
  while (node) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && colour !== "transparent" && !colour.startsWith("rgba(0, 0, 0, 0")) {
      background = colour; break;
    }
    node = node.parentElement;
  }
  return {ring: style.outlineColor, style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), background: background};
}"""


def luminance(colour: str) -> float:
    """WCAG relative luminance of a CSS ``rgb()``/``rgba()`` colour."""
    red, green, blue = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_known_pairs() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert 1.9 < contrast("rgb(242, 169, 0)", "rgb(255, 255, 255)") < 2.1  # the old amber


def test_phone_search_has_one_box_and_the_filters_reachable_from_the_top(open_page: Any
                                                                          ) -> None:
    page = open_page(PHONE)
    for url in ("/", "/search?q=CEDAW"):
        page.goto(url)
        boxes = page.locator("input[type=search]")
        assert sum(boxes.nth(i).is_visible() for i in range(boxes.count())) == 1, url
    refine = page.get_by_role("link", name=re.compile("^Refine"))
    box = refine.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]  # on the first screen
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-phone-top-390.png"))
    facets = page.locator("#facets-h")
    assert facets.bounding_box()["y"] > PHONE["height"]  # below the results at first
    refine.click()
    page.wait_for_function("location.hash === '#refine'")
    top = facets.bounding_box()["y"]
    assert 0 <= top < PHONE["height"] / 2
    page.screenshot(path=str(SHOTS / "search-phone-refine-390.png"))
    page.get_by_role("link", name="Back to the results").click()
    assert page.locator("#results-h").bounding_box()["y"] < PHONE["height"]
    # On a wide screen the facets stand beside the results: no jump links.
    wide = open_page()
    wide.goto("/search?q=CEDAW")
    assert not wide.get_by_role("link", name=re.compile("^Refine")).is_visible()


def test_skip_to_results_then_the_first_result_in_a_few_tabs(open_page: Any) -> None:
    page = open_page()
    page.goto("/search?q=CEDAW&year=2018")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to results"
    page.keyboard.press("Enter")
    first = page.locator(".results .result-title a").first.get_attribute("href")
    presses = 0
    while page.evaluate("document.activeElement.getAttribute('href')") != first:
        presses += 1
        assert presses <= 5, "the first result is not within 5 tabs of the skip link"
        page.keyboard.press("Tab")
    # Between them: the CSV and JSON downloads, the active filter and "Clear all filters".


@pytest.mark.parametrize("url,selector", [
    ("/search?q=CEDAW", "a.skip-link"),
    ("/search?q=CEDAW", ".site-nav a"),
    ("/search?q=CEDAW", "#search-q"),
    ("/search?q=CEDAW", ".search-row button"),
    ("/search?q=CEDAW", ".facet a"),
    ("/search?q=CEDAW", ".results .result-title a"),
    ("/search?q=CEDAW", ".site-footer a"),
    ("/about", "#header-q"),
    ("/about", ".header-search button"),
    ("/", "#q"),
    ("/issuers/", ".browse-list a"),
])
def test_focus_rings_contrast_at_least_3_to_1(open_page: Any, url: str, selector: str) -> None:
    page = open_page()
    page.goto(url)
    target = page.locator(selector).first
    page.focus("body")
    for _ in range(200):  # reach it by keyboard, so :focus-visible applies
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail(f"{selector} cannot be reached with Tab")
    ring = target.evaluate(RING)
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    ratio = contrast(ring["ring"], ring["background"])
    assert ratio >= 3, f"{selector}: {ring['ring']} on {ring['background']} is {ratio:.2f}:1"


def test_metadata_reasons_and_phrase_marks_as_shown(open_page: Any) -> None:
    page = open_page()
    page.goto("/search?q=issuer%3Aamnesty")
    assert page.locator(".matched").first.inner_text() == "Matched: issuer: Amnesty International"
    page.goto("/search?q=%22human+rights+council%22")
    marks = page.locator(".snippet mark").all_inner_texts()
    assert marks and {m.casefold() for m in marks} == {"human rights council"}


def test_sparql_results_have_a_shareable_address(open_page: Any) -> None:
    page = open_page()
    page.goto("/sparql")
    page.get_by_role("button", name="Run query").click()
    page.locator(".sparql-results").wait_for()
    # the page script puts the GET twin in the address bar once the page has loaded
    page.wait_for_url(lambda url: "query=" in url, timeout=10_000)
    rows = page.locator(".sparql-table tbody tr").count()
    assert rows > 0
    other = open_page()
    other.goto(page.url)
    assert other.locator(".sparql-table tbody tr").count() == rows
    assert other.locator(".sparql-table").inner_text() == page.locator(".sparql-table").inner_text()
