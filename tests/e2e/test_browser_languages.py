"""The Arabic (right-to-left) and Chinese interfaces in headless Chromium against a live
server over the sample: the layout mirrors in Arabic (the results stand left of the
facets, the brand at the right of the header, the navigation read from the right) while
the charts keep their left-to-right axes; Chinese pages show translated chrome, the record
data untranslated and dates written the Chinese way; the switcher's choice is remembered.
Screenshots go to test-artifacts/screenshots/.

Without /usr/bin/chromium these tests skip, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import test_browser as shared
from tests.e2e.test_browser import SHOTS
from tests.support import SEED_ID, WIDE

browser = shared.browser  # the same fixture, over this module's server

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_arabic_search_page_mirrors(open_page: Any) -> None:
    page = open_page()
    page.goto("/search?q=council&lang=ar")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") \
        == ["ar", "rtl"]
    assert page.locator("#facets-h").inner_text() == "تضييق النتائج"
    facets, results = box(page, "aside.facets"), box(page, "#results")
    search = box(page, "#search-q")
    # right to left: the facets column is on the right, the results and the box left of it
    assert facets["x"] > results["x"] + results["width"] - 1
    assert search["x"] + search["width"] > facets["x"]  # the box starts at the right edge
    brand, first_nav = box(page, ".brand"), box(page, ".site-nav li a")
    assert brand["x"] > WIDE["width"] / 2 and first_nav["x"] > WIDE["width"] / 2
    # a facet's count stands at the left end of its row, its label at the right
    label = box(page, ".facet li .facet-label")
    count = box(page, ".facet li .count")
    assert count["x"] < label["x"]
    shoot(page, "search-ar-1280.png")


def test_arabic_home_keeps_the_chart_left_to_right(open_page: Any) -> None:
    page = open_page()
    page.goto("/?lang=ar")
    chart = page.locator(".chart-wrap svg")
    assert chart.evaluate("e => getComputedStyle(e).direction") == "ltr"
    labels = page.locator(".chart-wrap svg text.axis[text-anchor=middle]")
    placed = sorted((labels.nth(i).bounding_box()["x"], int(labels.nth(i).text_content()))
                    for i in range(labels.count()))
    years = [year for _, year in placed]
    assert len(years) > 2 and years == sorted(years)  # oldest year at the left, as drawn
    shoot(page, "home-ar-1280.png")
    phone = open_page(PHONE)
    phone.goto("/?lang=ar")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "home-ar-390.png")


def test_chinese_statement_page(open_page: Any) -> None:
    page = open_page()
    page.goto(f"/statements/{SEED_ID}?lang=zh")
    assert page.evaluate("document.documentElement.lang") == "zh"
    assert page.locator("dl.facts dt").first.inner_text() == "发布方"
    assert page.locator("dl.facts time").first.inner_text() == "2018年6月22日"
    assert "Human Rights" in page.locator("h1").inner_text()  # the record's own title
    assert page.get_by_role("heading", name="引用本声明").count() == 1
    shoot(page, "statement-zh-1280.png")


def test_the_switcher_choice_is_remembered(open_page: Any) -> None:
    page = open_page(locale="zh-CN")
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "zh"  # from Accept-Language
    assert page.locator("label[for=q]").inner_text() == "在所有声明的全文中搜索"
    shoot(page, "home-zh-1280.png")
    page.locator(".language-switcher a", has_text="العربية").click()
    page.wait_for_url("**lang=ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.get_by_role("link", name="المعاهدات").first.click()
    page.wait_for_url("**/treaties/")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") \
        == ["ar", "rtl"]
    shoot(page, "treaties-ar-1280.png")
